// Rule `low-keepalive-requests`: `keepalive_requests` below 1000 for client connections. Since nginx 1.19.7
// the same limit closes HTTP/2 connections too (http2_max_requests became obsolete): after N requests nginx
// sends GOAWAY, and a browser that has just sent more requests on the connection sees them fail or retries
// them (Chromium's ERR_HTTP2_PROTOCOL_ERROR on pages with many resources). 1.19.10 raised the default from
// 100 to 1000 (CHANGES). The upstream block's own `keepalive_requests` (connections to the backend) is
// another setting and is not judged. docs/rules/low-keepalive-requests.md

import type { ConfigContext, ConfigModel } from "../model";
import { ownSites } from "../model";
import { FindingSink, groupSites, inHttp, versionAtLeast } from "./upstream-common";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "low-keepalive-requests";

const THRESHOLD = 1000;

export function lowKeepaliveRequestsFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const sink = new FindingSink(RULE_ID, "info");
  const version = options.nginxVersion;
  const http2Limit = version === undefined || versionAtLeast(version, "1.19.7");
  for (const site of groupSites(model)) {
    const d = site.directive;
    if (d.name !== "keepalive_requests") continue;
    const ctx = site.context;
    if (ctx.kind === "upstream" || ctx.kind === "stream-upstream" || !inHttp(ctx)) continue;
    const v = d.argValue(0) ?? "";
    if (!/^\d+$/.test(v)) continue;
    const n = Number(v);
    if (n >= THRESHOLD) continue;
    const what =
      n === 0
        ? "closes every client connection after its first request"
        : `closes client connections after ${n} requests`;
    sink.add(
      site,
      n === 0 ? "keepalive-off" : "low",
      `keepalive_requests ${v} ${what}${
        http2Limit
          ? `, HTTP/2 ones too (nginx 1.19.7+): browsers that have already sent more requests on the connection see them fail or retried after the GOAWAY`
          : ` (HTTP/1.x: on nginx before 1.19.7 HTTP/2 uses http2_max_requests)`
      }; 1000, nginx's default since 1.19.10, or more avoids it`,
      0,
      undefined,
      { value: n },
    );
  }
  // nginx 1.19.7 to 1.19.9: HTTP/2 already followed keepalive_requests, whose default was still 100.
  if (version !== undefined && versionAtLeast(version, "1.19.7") && !versionAtLeast(version, "1.19.10")) {
    for (const http of model.main.children) {
      if (http.kind !== "http" || http.directive === null) continue;
      if (setsAnywhere(http)) continue;
      sink.add(
        { directive: http.directive, file: http.file, context: model.main },
        "low-default",
        `on nginx ${version} keepalive_requests defaults to 100 and closes HTTP/2 connections too after 100 ` +
          `requests (1.19.10 raised the default to 1000): set keepalive_requests 1000 in http`,
      );
    }
  }
  return sink.findings;
}

/** Whether http or one of its servers sets keepalive_requests (then the explicit values are judged). */
function setsAnywhere(http: ConfigContext): boolean {
  if (ownSites(http, "keepalive_requests").length > 0) return true;
  for (const s of http.children) if (s.kind === "server" && ownSites(s, "keepalive_requests").length > 0) return true;
  return false;
}
