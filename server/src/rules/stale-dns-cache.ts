// Rule `stale-dns-cache`: host names nginx resolves once, when it reads the configuration, and then uses
// until the next reload — an upstream's `server NAME` without `resolve`, and a `*_pass` to a name that is no
// `upstream` block (its implicit upstream is resolved the same way, ngx_http_upstream_init_round_robin).
// When the name's addresses change (a cloud load balancer, a Kubernetes service, a failover), nginx keeps
// sending requests to the old ones. `server … resolve` (open-source nginx 1.27.3+, with a `zone` and a
// `resolver`) re-resolves by the TTL; before that only a variable with a `resolver` does.
// `localhost` is no DNS name but resolves to every address /etc/hosts gives it (127.0.0.1 and ::1): nginx
// balances over both, and a backend listening on one address only refuses every other first attempt.
// docs/rules/stale-dns-cache.md

import type { ConfigContext, ConfigModel, DirectiveSite } from "../model";
import { ownSites, siteKey } from "../model";
import {
  FindingSink,
  upstreamIndexes,
  isIpAddress,
  isLocalhostName,
  passSites,
  relatedAt,
  type PassSite,
  upstreamBlocks,
  versionAtLeast,
} from "./upstream-common";
import type { Finding, RelatedLocation, RuleOptions } from "./types";

/** How many other passes to one implicit upstream a finding names as related places. */
const RELATED_SAMPLE = 5;

export const RULE_ID = "stale-dns-cache";

/** Since this release an upstream's `server` takes `resolve` in open-source nginx (CHANGES 1.27.3). */
export const RESOLVE_SINCE = "1.27.3";

function advice(version: string | undefined, upstream: boolean): string {
  const withResolve = upstream
    ? "add `resolve` to the server (the upstream needs a `zone` and a `resolver` in effect)"
    : "pass to an `upstream` whose `server NAME resolve` re-resolves it (with a `zone` and a `resolver`)";
  const withVariable =
    "put the name in a variable (`set $backend NAME;` then `proxy_pass http://$backend;`) with a `resolver`, " +
    "which looks it up by its TTL";
  if (version !== undefined && versionAtLeast(version, RESOLVE_SINCE)) return withResolve;
  if (version !== undefined) return `\`resolve\` needs nginx ${RESOLVE_SINCE} (or NGINX Plus): ${withVariable}`;
  return `${withResolve} — nginx ${RESOLVE_SINCE}+ or NGINX Plus — or ${withVariable}`;
}

/** The host of an upstream `server` address (`api.example.com:8080`, `[::1]:80`), or null for a socket. */
function serverHost(address: string): string | null {
  if (/^unix:/i.test(address) || address.includes("$")) return null;
  if (address.startsWith("[")) return address.slice(0, address.indexOf("]") + 1);
  const colon = address.lastIndexOf(":");
  return colon >= 0 ? address.slice(0, colon) : address;
}

/** Whether the block is read in a guessed context: its http (or stream) block is implied, not written. */
function fragmentOnly(ctx: ConfigContext): boolean {
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent)
    if (c.kind === "http" || c.kind === "stream") return c.directive === null;
  return true;
}

export function staleDnsCacheFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const sink = new FindingSink(RULE_ID, "info");
  const version = options.nginxVersion;
  const localhost = (site: DirectiveSite, host: string, word: number, related?: RelatedLocation[], passes = 1): void =>
    sink.add(
      site,
      "localhost",
      `"${host}" is resolved once, from /etc/hosts, to every address it has there (usually 127.0.0.1 and ::1): ` +
        `nginx balances over both, so a backend that listens on one of them only gets a refused connection ` +
        `and a retry on every other request; write the address (127.0.0.1) instead`,
      word,
      related,
      { host, passes },
    );
  // Every upstream's servers, http and stream: resolved when the configuration is read unless `resolve`.
  for (const stream of [false, true]) {
    for (const [, blocks] of upstreamBlocks(model, stream)) {
      for (const u of blocks) {
        for (const s of ownSites(u.ctx, "server")) {
          const address = s.directive.argValue(0);
          if (address === undefined) continue;
          const host = serverHost(address);
          if (host === null || isIpAddress(host)) continue;
          if (s.directive.argValues().slice(1).includes("resolve")) continue;
          if (isLocalhostName(host)) {
            localhost(s, host, 0);
            continue;
          }
          sink.add(
            s,
            "upstream-server",
            `nginx resolves "${host}" only when it reads the configuration (start, reload) and keeps those ` +
              `addresses for upstream "${u.site.directive.argValue(0) ?? ""}": when the name moves, requests ` +
              `still go to the old addresses until a reload; ${advice(version, true)}`,
            0,
            undefined,
            { host, upstream: u.site.directive.argValue(0) ?? "" },
          );
        }
      }
    }
  }
  // Passes without variables to a host name that is no upstream block: an implicit upstream, resolved once.
  // One finding per implicit upstream (scheme, host and port, as nginx shares it), on its first pass, with
  // the count: 130,000 locations passing to one name are one stale address, not 130,000 problems.
  const passes = passSites(model, options);
  const indexes = upstreamIndexes(model);
  const groups = new Map<string, { first: PassSite; count: number; others: DirectiveSite[] }>();
  for (const p of passes) {
    const { url, site } = p;
    if (url.variables || url.unix || url.host === "" || isIpAddress(url.host)) continue;
    if ((p.stream ? indexes.stream : indexes.http).explicit.has(url.hostLower)) continue;
    // A fragment analysed alone (no http block of its own in view): a one-label name without a port
    // (`fastcgi_pass php-fpm;`) is most likely an upstream defined in a file not in view.
    if (url.port === null && !url.host.includes(".") && fragmentOnly(site.context)) continue;
    const key = `${p.stream ? "s" : "h"}\0${url.scheme.toLowerCase()}\0${url.host.toLowerCase()}\0${url.port ?? ""}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { first: p, count: 1, others: [] });
    else {
      g.count++;
      if (g.others.length < RELATED_SAMPLE && siteKey(site) !== siteKey(g.first.site)) g.others.push(site);
    }
  }
  for (const { first, count, others } of groups.values()) {
    const { url, site } = first;
    const related = others.map((o) => relatedAt(o, `also passes to "${url.host}"`, 0));
    if (isLocalhostName(url.host)) {
      localhost(site, url.host, 0, related, count);
      continue;
    }
    const more = count > 1 ? ` (${count} passes to it)` : "";
    sink.add(
      site,
      "pass-name",
      `${site.directive.name} to "${url.host}"${more} resolves the name only when nginx reads the configuration ` +
        `(start, reload) and keeps those addresses: when the name moves, requests still go to the old ` +
        `addresses until a reload; ${advice(version, false)}`,
      0,
      related,
      { host: url.host, passes: count },
    );
  }
  return sink.findings;
}
