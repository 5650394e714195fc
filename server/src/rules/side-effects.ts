// Rule `side-effects`: what `nginx -t` and every reload do besides reading files. docs/rules/side-effects.md.
//
// - Host names resolved while the configuration is read (getaddrinfo through ngx_parse_url →
//   ngx_inet_resolve_host, src/core/ngx_inet.c): an upstream's `server` (ngx_http_upstream_server,
//   ngx_stream_upstream_server), a `*_pass`/stream `proxy_pass` naming no `upstream` block (the implicit
//   upstream is resolved by ngx_http_upstream_init_round_robin / ngx_stream_upstream_init_round_robin), a
//   `listen` host name (ngx_http_core_listen), `resolver` names (ngx_resolver_create), `set_real_ip_from`
//   names (ngx_http_realip_from), `syslog:server=` (ngx_syslog_parse_args), the mail `auth_http` host
//   (ngx_mail_auth_http). When DNS fails the reload fails: `host not found in upstream "X"` and its siblings.
//   A value with variables is resolved per request; an IP address is not resolved; `localhost` is (from
//   /etc/hosts, normally).
// - Listen sockets: ngx_init_cycle calls ngx_open_listening_sockets under -t too (src/core/ngx_cycle.c), which
//   binds every address and closes it again (src/core/ngx_connection.c). Under -t only EADDRINUSE is ignored
//   (a running nginx holds them): a held port passes the test and fails the start or the reload that needs a
//   new socket there; EACCES (a port below 1024 without root or CAP_NET_BIND_SERVICE) and EADDRNOTAVAIL (an
//   address the host does not have) fail the test itself. A `unix:` socket file is created and deleted again.
//   Addresses on a port that also has a wildcard listen share its socket unless `bind` (or an option that
//   implies it) asks for their own (ngx_http_optimize_servers → ngx_http_init_listening).

import { ownSites, sitesWhere, type ConfigContext, type ConfigModel, type DirectiveSite } from "../model";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "side-effects";

const HTTP_PASS = ["proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass"];

/** `listen` parameters that make nginx bind the address itself (ngx_http_core_listen sets `bind` for them). */
const BINDS_ALONE =
  /^(bind|reuseport|deferred|setfib=|fastopen=|backlog=|rcvbuf=|sndbuf=|accept_filter=|ipv6only=|so_keepalive=)/i;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Whether `host` is an address (resolved by no one), not a name. */
function isAddress(host: string): boolean {
  return IPV4.test(host) || host.startsWith("[") || host === "*" || host.includes(":");
}

/** Host and port of `host:port`, `[v6]:port`, `host`. */
function splitHostPort(v: string): { host: string; port: string | null } {
  if (v.startsWith("[")) {
    const end = v.indexOf("]");
    const rest = v.slice(end + 1);
    return { host: v.slice(0, end + 1), port: rest.startsWith(":") ? rest.slice(1) : null };
  }
  const colon = v.lastIndexOf(":");
  if (colon < 0) return { host: v, port: null };
  return { host: v.slice(0, colon), port: v.slice(colon + 1) };
}

/** The host a `*_pass` URL names (scheme and URI dropped), or null (a variable, a unix socket). */
function passHost(v: string): string | null {
  if (v.includes("$")) return null;
  let rest = v.replace(/^[a-z]+:\/\//i, "");
  if (/^unix:/i.test(rest)) return null;
  const slash = rest.indexOf("/");
  if (slash >= 0) rest = rest.slice(0, slash);
  return splitHostPort(rest).host;
}

interface Ctx {
  findings: Finding[];
  seen: Set<string>;
}

function push(c: Ctx, site: DirectiveSite, argIndex: number, f: Omit<Finding, "ruleId" | "path" | "range">): void {
  const d = site.directive;
  const key = `${site.file.path}\0${d.startOffset}\0${f.code}\0${argIndex}`;
  if (c.seen.has(key)) return;
  c.seen.add(key);
  c.findings.push({ ruleId: RULE_ID, path: site.file.path, range: d.args[argIndex]?.range ?? d.nameWord.range, ...f });
}

function resolves(c: Ctx, site: DirectiveSite, argIndex: number, host: string, what: string, nginxSays: string): void {
  const local =
    host.toLowerCase() === "localhost" ? " — `localhost` too: a lookup, normally answered by /etc/hosts" : "";
  push(c, site, argIndex, {
    code: "resolves-host",
    severity: "info",
    message:
      `nginx -t and every reload resolve "${host}" (${what})${local}: a reload fails when DNS does (${nginxSays}); ` +
      `an IP address, or a variable with a \`resolver\`, avoids the lookup`,
    data: { host, directive: site.directive.name },
  });
}

function inStream(ctx: ConfigContext): boolean {
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) {
    if (c.kind === "stream" || c.kind === "stream-server" || c.kind === "stream-upstream") return true;
    if (c.kind === "http" || c.kind === "mail") return false;
  }
  return false;
}

/** The directives that may name a host, read in one walk of the model (remembered per block across keystrokes). */
const HOST_DIRECTIVES: ReadonlySet<string> = new Set([
  "upstream",
  "server",
  ...HTTP_PASS,
  "listen",
  "resolver",
  "set_real_ip_from",
  "error_log",
  "access_log",
  "auth_http",
]);

function hostFindings(c: Ctx, model: ConfigModel): void {
  const byName = new Map<string, DirectiveSite[]>();
  for (const s of sitesWhere(model, "rule:side-effects", (n) => HOST_DIRECTIVES.has(n))) {
    const list = byName.get(s.directive.name);
    if (list) list.push(s);
    else byName.set(s.directive.name, [s]);
  }
  const sitesOf = (name: string): readonly DirectiveSite[] => byName.get(name) ?? [];
  const httpUpstreams = new Set<string>();
  const streamUpstreams = new Set<string>();
  for (const s of sitesOf("upstream")) {
    const name = (s.directive.argValue(0) ?? "").toLowerCase();
    (inStream(s.context) ? streamUpstreams : httpUpstreams).add(name);
  }
  for (const s of sitesOf("server")) {
    const k = s.context.kind;
    if (k !== "upstream" && k !== "stream-upstream") continue;
    const v = s.directive.argValue(0) ?? "";
    if (/^unix:/i.test(v) || v.includes("$")) continue;
    const host = splitHostPort(v).host;
    if (isAddress(host)) continue;
    if (s.directive.args.slice(1).some((a) => a.value === "resolve")) continue; // resolved at run time (1.27.3+)
    resolves(c, s, 0, host, "an upstream server", `host not found in upstream "${v}"`);
  }
  // 4,000 locations passing to one upstream write one value 4,000 times: its host is found once.
  const hostOf = new Map<string, string | null>();
  // One implicit upstream per scheme, host and port (ngx_http_upstream_add finds the one made before): resolved
  // once, reported once, at its first `*_pass` (the line nginx names), the others related.
  const implicit = new Map<string, Finding>();
  for (const name of HTTP_PASS) {
    for (const s of sitesOf(name)) {
      const v = s.directive.argValue(0) ?? "";
      let host = hostOf.get(v);
      if (host === undefined) hostOf.set(v, (host = passHost(v)));
      if (host === null || host === "" || isAddress(host)) continue;
      const streamSide = inStream(s.context);
      if (name === "proxy_pass" && streamSide) {
        if (streamUpstreams.has(host.toLowerCase())) continue;
      } else if (httpUpstreams.has(host.toLowerCase())) continue;
      const key = `${streamSide ? "stream" : name}\0${v.replace(/^([a-z]+:\/\/)?([^/]*).*$/is, "$1$2").toLowerCase()}`;
      const first = implicit.get(key);
      if (first) {
        const data = first.data as { directives: number };
        data.directives++;
        if ((first.related ??= []).length < 10)
          first.related.push({
            path: s.file.path,
            range: s.directive.args[0]?.range ?? s.directive.nameWord.range,
            message: "the same upstream, resolved once",
          });
        continue;
      }
      const before = c.findings.length;
      resolves(
        c,
        s,
        0,
        host,
        `${name}: no upstream block "${host}" in the files read`,
        `host not found in upstream "${host}"`,
      );
      if (c.findings.length > before) {
        const f = c.findings[c.findings.length - 1];
        f.data = { ...f.data, directives: 1 };
        implicit.set(key, f);
      }
    }
  }
  for (const f of implicit.values()) {
    const n = (f.data as { directives: number }).directives;
    if (n > 1) f.message += ` (${n} directives pass to it; this is the first)`;
  }
  for (const s of sitesOf("listen")) {
    const v = s.directive.argValue(0) ?? "";
    if (/^unix:/i.test(v)) continue;
    const { host, port } = splitHostPort(v);
    if (port === null && /^\d+$/.test(host)) continue;
    if (isAddress(host)) continue;
    resolves(c, s, 0, host, "a listen address", `host not found in "${v}" of the "listen" directive`);
  }
  for (const s of sitesOf("resolver")) {
    const args = s.directive.args;
    for (let i = 0; i < args.length; i++) {
      const v = args[i].value;
      if (v.includes("=")) continue;
      const host = splitHostPort(v).host;
      if (isAddress(host)) continue;
      resolves(c, s, i, host, "a resolver address", `host not found in resolver "${v}"`);
    }
  }
  for (const s of sitesOf("set_real_ip_from")) {
    const v = s.directive.argValue(0) ?? "";
    if (/^unix:/i.test(v) || v.includes("/") || isAddress(v)) continue;
    resolves(c, s, 0, v, "set_real_ip_from", `host not found in set_real_ip_from "${v}"`);
  }
  for (const name of ["error_log", "access_log"]) {
    for (const s of sitesOf(name)) {
      const v = s.directive.argValue(0) ?? "";
      const m = /^syslog:(?:.*,)?server=([^,]+)/i.exec(v);
      if (!m || /^unix:/i.test(m[1])) continue;
      const host = splitHostPort(m[1]).host;
      if (isAddress(host)) continue;
      resolves(c, s, 0, host, "a syslog server", `host not found in syslog server "${m[1]}"`);
    }
  }
  for (const s of sitesOf("auth_http")) {
    const host = passHost(s.directive.argValue(0) ?? "");
    if (host === null || host === "" || isAddress(host)) continue;
    resolves(c, s, 0, host, "the auth_http server", `host not found in "${s.directive.argValue(0)}"`);
  }
}

interface Bound {
  site: DirectiveSite;
  /** `addr:port` as nginx prints it (`0.0.0.0:80`, `[::]:443`, `unix:/run/x.sock`). */
  address: string;
  host: string;
  port: number | null;
  family: "inet" | "inet6" | "unix" | "name";
  wildcard: boolean;
  bindsAlone: boolean;
  reuseport: boolean;
  /** A server without `listen`: nginx's default. */
  implied: boolean;
}

function listenOf(site: DirectiveSite, module: "http" | "stream" | "mail"): Bound | null {
  const d = site.directive;
  const v = d.argValue(0) ?? "";
  if (v === "" || v.includes("$")) return null;
  const params = d.args.slice(1).map((a) => a.value);
  const bindsAlone = params.some((p) => BINDS_ALONE.test(p));
  const reuseport = params.some((p) => p.toLowerCase() === "reuseport");
  if (/^unix:/i.test(v))
    return {
      site,
      address: v,
      host: v,
      port: null,
      family: "unix",
      wildcard: false,
      bindsAlone: true,
      reuseport,
      implied: false,
    };
  let { host, port } = splitHostPort(v);
  if (port === null && /^\d+$/.test(host)) {
    port = host;
    host = "*";
  }
  if (port === null && module !== "http") return null; // stream and mail need a port: rule directive's
  const p = port === null ? 80 : Number(port);
  if (!Number.isInteger(p)) return null;
  const inet6 = host.startsWith("[");
  const wildcard = host === "*" || host === "0.0.0.0" || host === "[::]";
  const family = inet6 ? "inet6" : IPV4.test(host) || host === "*" ? "inet" : "name";
  const shown = host === "*" ? "0.0.0.0" : host;
  return {
    site,
    address: `${shown}:${p}`,
    host: shown,
    port: p,
    family,
    wildcard,
    bindsAlone,
    reuseport,
    implied: false,
  };
}

function socketFindings(c: Ctx, model: ConfigModel): void {
  const bound: Bound[] = [];
  for (const ctx of model.contexts) {
    const module =
      ctx.kind === "server"
        ? "http"
        : ctx.kind === "stream-server"
          ? "stream"
          : ctx.kind === "mail-server"
            ? "mail"
            : null;
    if (module === null) continue;
    const listens = ownSites(ctx, "listen");
    if (listens.length === 0 && module === "http" && ctx.directive) {
      // ngx_http_core_server: a server without `listen` listens on *:80 (*:8000 when nginx is not root).
      const site: DirectiveSite = { directive: ctx.directive, file: ctx.file, context: ctx };
      bound.push({
        site,
        address: "0.0.0.0:80",
        host: "0.0.0.0",
        port: 80,
        family: "inet",
        wildcard: true,
        bindsAlone: false,
        reuseport: false,
        implied: true,
      });
    }
    for (const s of listens) {
      const b = listenOf(s, module);
      if (b) bound.push(b);
    }
  }
  // Ports with a wildcard, per family: other addresses there share its socket unless they bind alone.
  const wildcards = new Set<string>();
  for (const b of bound) if (b.wildcard) wildcards.add(`${b.family}\0${b.port}`);
  const byAddress = new Map<string, Bound[]>();
  for (const b of bound) {
    if (!b.wildcard && !b.bindsAlone && b.family !== "unix" && wildcards.has(`${b.family}\0${b.port}`)) continue;
    const list = byAddress.get(b.address);
    if (list) list.push(b);
    else byAddress.set(b.address, [b]);
  }
  for (const [address, list] of byAddress) {
    const first = list[0];
    const parts: string[] = [];
    if (first.family === "unix")
      parts.push("nginx -t creates the socket file and deletes it again when nothing holds it");
    else {
      parts.push(
        "when another process holds it nginx -t still passes (it ignores EADDRINUSE) but a start or a reload " +
          `that opens it fails with bind() to ${address} failed (98: Address already in use)`,
      );
      if (first.port !== null && first.port < 1024)
        parts.push(`port ${first.port} needs root or CAP_NET_BIND_SERVICE, for nginx -t too (13: Permission denied)`);
      if (first.family === "name") parts.push("the name is resolved first, and each address it has is bound");
      else if (!first.wildcard)
        parts.push("an address this host does not have fails nginx -t (99: Cannot assign requested address)");
    }
    if (list.some((b) => b.reuseport))
      parts.push("with reuseport, see rule reuseport-config-test (docs/rules/reuseport-config-test.md)");
    const implied = first.implied ? " (a server without listen: *:80, or *:8000 when nginx is not run as root)" : "";
    const at = first.implied ? -1 : 0;
    push(c, first.site, at, {
      // A hint: every configuration binds its listen addresses, so this is context for the reader (the
      // editor shows it without listing it among the problems), not a problem of its own.
      code: "binds-socket",
      severity: "hint",
      message: `nginx -t and every reload bind ${address}${implied}: ${parts.join("; ")}`,
      data: { address, port: first.port, listens: list.length },
      ...(list.length > 1
        ? {
            related: list.slice(1, 11).map((b) => ({
              path: b.site.file.path,
              range: b.site.directive.args[0]?.range ?? b.site.directive.nameWord.range,
              message: "the same address",
            })),
          }
        : {}),
    });
  }
}

export function sideEffectsFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const c: Ctx = { findings: [], seen: new Set() };
  hostFindings(c, model);
  socketFindings(c, model);
  return c.findings;
}
