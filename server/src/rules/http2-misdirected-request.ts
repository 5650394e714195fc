// http2-misdirected-request: a default TLS server that rejects handshakes (`ssl_reject_handshake on`, the
// catch-all for unknown names) still gets requests over HTTP/2. A browser reuses an HTTP/2 connection made
// to one server of the address for another host its certificate covers (RFC 9113 §9.1.1, connection
// coalescing); when that host is not a server_name on the address, nginx picks the default server by the
// request's Host (ngx_http_set_virtual_server) — the handshake is long done, so ssl_reject_handshake does
// nothing, and the request is served by the catch-all's locations (its root, often nginx's welcome page)
// instead of being refused. nginx answers 421 Misdirected Request itself only when the server verifies
// client certificates. `return 421;` (RFC 9110 §15.5.20) in the server or in `location /` makes the browser
// retry on a new connection, which the right server answers.
// The peer: Gixy-Next http2_misdirected_request. docs/rules/http2-misdirected-request.md

import { ownSites, type ConfigContext, type ConfigModel } from "../model";
import { isOn, lastEffective, serversOf } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "http2-misdirected-request";

function listenWords(ctx: ConfigContext): string[][] {
  return ownSites(ctx, "listen").map((l) => l.directive.argValues().map((w) => w.toLowerCase()));
}

function returns421(ctx: ConfigContext): boolean {
  return ownSites(ctx, "return").some((r) => r.directive.argValue(0) === "421");
}

/** `return 421` at server level, or in `location /` or `location = /`. */
function rejectsMisdirected(server: ConfigContext): boolean {
  if (returns421(server)) return true;
  return server.children.some(
    (c) =>
      c.kind === "location" &&
      c.location?.path === "/" &&
      (c.location.modifier === "" || c.location.modifier === "=") &&
      returns421(c),
  );
}

export function http2MisdirectedRequestFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const out: Finding[] = [];
  for (const server of serversOf(model)) {
    if (server.kind !== "server") continue;
    const reject = lastEffective(server, "ssl_reject_handshake", "http");
    if (!isOn(reject)) continue;
    const listens = listenWords(server);
    if (!listens.some((w) => w.includes("default_server") || w.includes("default"))) continue;
    // HTTP/2: `listen … http2` (until 1.25.1 the only way; deprecated since) or `http2 on` (1.25.1+).
    if (!listens.some((w) => w.includes("http2")) && !isOn(lastEffective(server, "http2", "http"))) continue;
    if (rejectsMisdirected(server)) continue;
    const at = reject!;
    out.push({
      ruleId: RULE_ID,
      code: "no-421",
      severity: "warning",
      path: at.file.path,
      range: at.directive.range,
      message:
        `${server.label} is the default TLS server with ssl_reject_handshake on and HTTP/2, but nothing answers 421: ` +
        `a browser reuses an HTTP/2 connection of another server for a host its certificate covers, nginx routes that ` +
        `request here by its Host header after the handshake, and this server's locations serve it instead of ` +
        `refusing it. Add "return 421;" to the server (or to location /), so the browser retries on a new connection.`,
      related:
        server.directive !== null && at.context !== server
          ? [{ path: server.file.path, range: server.directive.nameWord.range, message: `${server.label}` }]
          : [],
    });
  }
  return out;
}
