// Rule `proxy-keepalive`: an `upstream` keeps idle connections (`keepalive N`), but a location proxying to it
// does not let it reuse them: before nginx 1.29.7 ngx_http_proxy_module speaks HTTP/1.0 to the backend unless
// `proxy_http_version 1.1`, and sends `Connection: close` unless `proxy_set_header Connection ""` is in
// effect there — then every request opens a new connection (and TLS handshake) to the backend, the cache
// stays empty, and under load the host runs out of ephemeral ports (TIME_WAIT). What is in effect is what
// counts: `proxy_set_header` is inherited only by blocks that set none of their own, so a location with
// `proxy_set_header Host $host;` loses an http-level `Connection ""`. nginx 1.29.7 made HTTP/1.1, no
// `Connection` header and `keepalive` in upstream blocks the defaults (CHANGES 1.29.7): from then on only
// an explicit `proxy_http_version 1.0` or `Connection` value defeats it. docs/rules/proxy-keepalive.md

import type { ConfigContext, ConfigModel, DirectiveSite } from "../model";
import { ownSites } from "../model";
import {
  FindingSink,
  upstreamIndexes,
  hasVariable,
  hostCandidates,
  isConnection,
  blockSummary,
  effectiveNamed,
  keepsAliveItself,
  ownProxyingByContext,
  ownSitesNamed,
  passSites,
  relatedAt,
  setValues,
  versionAtLeast,
  type OwnProxying,
  type UpstreamBlock,
} from "./upstream-common";
import type { Finding, RelatedLocation, RuleOptions } from "./types";

export const RULE_ID = "proxy-keepalive";

/** Since this release proxying keeps upstream connections alive by default (CHANGES 1.29.7). */
export const KEEPALIVE_DEFAULT_SINCE = "1.29.7";

const NO_HOSTS: readonly string[] = [];

const PROXY_SET_HEADER: ReadonlySet<string> = new Set(["proxy_set_header"]);

/** The `proxy_set_header Connection …` in effect in a block, and the sites of the level it comes from. */
function connectionHeader(site: DirectiveSite): {
  value: string | null;
  set: DirectiveSite | null;
  level: DirectiveSite[];
} {
  const e = effectiveNamed(site.context, "proxy_set_header");
  if (e === null) return { value: null, set: null, level: [] };
  let found: DirectiveSite | null = null;
  for (const s of e.all) if (isConnection(s.directive.argValue(0))) found = s;
  return { value: found === null ? null : (found.directive.argValue(1) ?? ""), set: found, level: e.all };
}

/** A `proxy_set_header Connection` above the level in effect: lost there (inheritance is all or nothing). */
function lostConnection(site: DirectiveSite, level: readonly DirectiveSite[]): DirectiveSite | null {
  const from = level.length > 0 ? level[0].context : null;
  for (let c = from?.parent ?? null; c !== null; c = c.parent)
    for (const s of ownSitesNamed(c, PROXY_SET_HEADER)) if (isConnection(s.directive.argValue(0))) return s;
  return null;
}

/**
 * fastcgi_pass to an upstream with `keepalive`: ngx_http_fastcgi_module closes the connection after each
 * request unless `fastcgi_keep_conn on` is in effect (its default is off in every version), so the
 * upstream's cache stays empty.
 */
function fastcgi(site: DirectiveSite, upstream: UpstreamBlock, sink: FindingSink): void {
  const keepalive = ownSites(upstream.ctx, "keepalive")[0];
  if (keepalive === undefined) return;
  const keepConn = effectiveNamed(site.context, "fastcgi_keep_conn")?.site ?? null;
  if (keepConn !== null && keepConn.directive.argValue(0)?.toLowerCase() === "on") return;
  const related = [relatedAt(keepalive, `upstream "${upstream.name}" keeps idle connections`)];
  if (keepConn !== null) related.push(relatedAt(keepConn, "the fastcgi_keep_conn in effect", 0));
  sink.add(
    site,
    "fastcgi-keep-conn",
    `upstream "${upstream.name}" keeps idle connections, but without fastcgi_keep_conn on nginx asks the ` +
      `FastCGI server to close each connection after its request, so every request opens a new one; add ` +
      `fastcgi_keep_conn on; here`,
    0,
    related,
    { upstream: upstream.name },
  );
}

/**
 * What a location talks to its upstream, from the proxy_http_version value and the Connection header in effect
 * (undefined / null: none, nginx's default): HTTP/1.0, and a Connection header that closes the connection.
 */
function talks(
  version: string | undefined,
  connection: string | null,
  modern: boolean,
): { versionValue: string; connectionValue: string; oldHttp: boolean; closes: boolean } {
  const versionValue = version ?? (modern ? "1.1" : "1.0");
  const connectionValue = connection ?? (modern ? "" : "close");
  // A variable (`$connection_upgrade`): its value per request is not known here.
  const closes = connectionValue !== "" && !hasVariable(connectionValue);
  return { versionValue, connectionValue, oldHttp: versionValue === "1.0", closes };
}

export function proxyKeepaliveFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const sink = new FindingSink(RULE_ID, "info");
  const version = options.nginxVersion;
  const modern = version !== undefined && versionAtLeast(version, KEEPALIVE_DEFAULT_SINCE);
  const passes = passSites(model, options);
  if (passes.length === 0) return [];
  const index = upstreamIndexes(model).http;
  if (index.explicit.size === 0) return [];
  const sets = passes.some((p) => p.url.variables) ? setValues(model) : new Map<string, string[]>();
  // A block's own proxying settings (null: none known, the levels are looked up): a one-time analysis has
  // every block's from one list, a language server the summaries it keeps per block.
  const byContext = options.once === true ? ownProxyingByContext(model) : null;
  const ownProxying = (ctx: ConfigContext): OwnProxying | null => {
    if (byContext !== null) return byContext[ctx.id];
    return blockSummary(ctx);
  };
  // Most passes of a large configuration name a few upstreams: each host looked up once.
  const named = new Map<string, UpstreamBlock[] | undefined>();
  for (const p of passes) {
    const name = p.site.directive.name;
    if (p.stream || p.url.unix || (name !== "proxy_pass" && name !== "fastcgi_pass")) continue;
    let upstream: UpstreamBlock | null = null;
    if (!p.url.variables) {
      const u = index.explicit.get(p.url.hostLower);
      if (u !== undefined) upstream = u[u.length - 1];
    }
    const hosts = p.url.variables ? hostCandidates(p.url.host, sets) : NO_HOSTS;
    if (hosts === null) continue;
    for (const h of hosts) {
      let u = named.get(h);
      if (u === undefined && !named.has(h)) named.set(h, (u = index.named(h)));
      if (u !== undefined && (!p.url.variables || p.url.port === null)) upstream = u[u.length - 1];
    }
    if (upstream === null) continue;
    if (p.site.directive.name === "fastcgi_pass") {
      fastcgi(p.site, upstream, sink);
      continue;
    }
    const own = ownProxying(p.site.context);
    if (own !== null && keepsAliveItself(own)) continue;
    const keepalive = ownSites(upstream.ctx, "keepalive")[0] ?? null;
    // Before 1.29.7 (or not known) an upstream keeps no connection without `keepalive`: nothing to lose.
    if (keepalive === null && !modern) continue;
    // A location that sets both itself (most proxying locations): judged from its own settings, no level
    // looked up unless it is a finding.
    if (own !== null && own.version !== null && own.headers) {
      const connection = own.connection === null ? null : (own.connection.argValue(1) ?? "");
      const t = talks(own.version.argValue(0), connection, modern);
      if (!t.oldHttp && !t.closes) continue;
    }
    const httpVersion = effectiveNamed(p.site.context, "proxy_http_version")?.site ?? null;
    const conn = connectionHeader(p.site);
    const { versionValue, connectionValue, oldHttp, closes } = talks(
      httpVersion?.directive.argValue(0),
      conn.value,
      modern,
    );
    if (!oldHttp && !closes) continue;
    const related: RelatedLocation[] = [];
    if (keepalive !== null) related.push(relatedAt(keepalive, `upstream "${upstream.name}" keeps idle connections`));
    else
      related.push(relatedAt(upstream.site, `upstream "${upstream.name}" (keepalive on by default since 1.29.7)`, 0));
    if (httpVersion !== null) related.push(relatedAt(httpVersion, "the proxy_http_version in effect", 0));
    if (conn.set !== null) related.push(relatedAt(conn.set, "the Connection header in effect", 1));
    else if (closes && conn.level.length > 0) {
      const lost = lostConnection(p.site, conn.level);
      if (lost !== null)
        related.push(
          relatedAt(lost, "not inherited here: a block below sets proxy_set_header of its own", 1),
          relatedAt(conn.level[0], "this level's proxy_set_header replace every inherited one"),
        );
    }
    const why: string[] = [];
    if (oldHttp) why.push(httpVersion === null ? "HTTP/1.0 (nginx's default before 1.29.7)" : "HTTP/1.0");
    if (closes)
      why.push(
        conn.set === null
          ? `"Connection: close" (no proxy_set_header Connection "" in effect here${conn.level.length > 0 ? ": this block's own proxy_set_header replace the inherited ones" : ""})`
          : `"Connection: ${connectionValue}"`,
      );
    const fix: string[] = [];
    if (oldHttp) fix.push("proxy_http_version 1.1;");
    if (closes) fix.push('proxy_set_header Connection "";');
    const unknown = version === undefined ? ` (from nginx ${KEEPALIVE_DEFAULT_SINCE} these are the defaults)` : "";
    sink.add(
      p.site,
      oldHttp ? "http-1.0" : "connection-close",
      `upstream "${upstream.name}" keeps idle connections, but this location talks ${why.join(" and ")} to it, ` +
        `so every request opens a new connection to the backend (no reuse, TIME_WAIT sockets piling up under ` +
        `load); add ${fix.join(" and ")} here${unknown}`,
      0,
      related,
      { upstream: upstream.name, httpVersion: versionValue, connection: connectionValue },
    );
  }
  return sink.findings;
}
