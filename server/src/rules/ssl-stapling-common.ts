// What the two OCSP stapling rules share: the TLS servers of http where `ssl_stapling on` is in effect.
// ngx_http_ssl_merge_srv_conf merges ssl_stapling, ssl_stapling_file, ssl_stapling_responder and the
// certificates from http into each server, and ngx_http_ssl_init (src/http/modules/ngx_http_ssl_module.c)
// hands each server's stapling the resolver of the server's own location configuration (http's, merged):
// a `resolver` in a location does not count.

import type { ConfigContext, ConfigModel, DirectiveSite } from "../model";
import { ownSites } from "../model";
import { listenAddress } from "./merge";
import { groupSites, lastEffective } from "./upstream-common";

/** listen parameters that make the address TLS (`quic` and `http3` are QUIC, TLS 1.3 too). */
const TLS_PARAMS = new Set(["ssl", "quic", "http3"]);

export interface StaplingServer {
  server: ConfigContext;
  /** The `ssl_stapling on` in effect (in the server or inherited from http). */
  stapling: DirectiveSite;
}

/** Whether `srv` accepts TLS: a `listen … ssl|quic`, `ssl on`, or an address another server made TLS. */
function isTlsServer(srv: ConfigContext, tlsAddresses: ReadonlySet<string>): boolean {
  for (const l of ownSites(srv, "listen")) {
    const params = l.directive.argValues().slice(1);
    if (params.some((p) => TLS_PARAMS.has(p.toLowerCase()))) return true;
    // The `ssl` flag belongs to the socket: every server on an address that one server lists with `ssl` is TLS.
    const addr = listenAddress(l.directive);
    if (addr !== null && tlsAddresses.has(addr)) return true;
  }
  const ssl = lastEffective(srv, "ssl");
  return ssl !== null && ssl.directive.argValue(0)?.toLowerCase() === "on";
}

/** The TLS servers with `ssl_stapling on` in effect, in reading order. */
export function staplingServers(model: ConfigModel): StaplingServer[] {
  const staplingSites = groupSites(model).filter((s) => s.directive.name === "ssl_stapling");
  if (staplingSites.length === 0) return [];
  // The servers the sites reach: a server's own, or every server of the http block that sets it.
  const servers: ConfigContext[] = [];
  const seen = new Set<ConfigContext>();
  for (const s of staplingSites) {
    const ctx = s.context;
    const candidates = ctx.kind === "server" ? [ctx] : ctx.kind === "http" ? ctx.children : [];
    for (const c of candidates)
      if (c.kind === "server" && !seen.has(c)) {
        seen.add(c);
        servers.push(c);
      }
  }
  servers.sort((a, b) => a.id - b.id);
  const tlsAddresses = new Set<string>();
  const https = new Set(servers.map((s) => s.parent).filter((p): p is ConfigContext => p !== null));
  for (const http of https)
    for (const srv of http.children) {
      if (srv.kind !== "server") continue;
      for (const l of ownSites(srv, "listen")) {
        const params = l.directive.argValues().slice(1);
        const addr = listenAddress(l.directive);
        if (addr !== null && params.some((p) => p.toLowerCase() === "ssl")) tlsAddresses.add(addr);
      }
    }
  const out: StaplingServer[] = [];
  for (const server of servers) {
    const stapling = lastEffective(server, "ssl_stapling");
    if (stapling === null || stapling.directive.argValue(0)?.toLowerCase() !== "on") continue;
    if (!isTlsServer(server, tlsAddresses)) continue;
    out.push({ server, stapling });
  }
  return out;
}
