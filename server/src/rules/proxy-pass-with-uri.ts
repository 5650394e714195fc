// Rule `proxy-pass-with-uri`: `proxy_pass` with a URI part (even `/`) in a prefix location makes nginx cut
// the location's prefix off the request's path and put the URI part in its place
// (ngx_http_proxy_create_request: loc_len characters of $uri replaced). Written on purpose that is a rewrite;
// written by habit it is a surprise, and when the slashes of the two do not match it is a hole:
// `location /api { proxy_pass http://b/; }` sends `/api/x` as `//x` and `/api../secret` as `/../secret` to the
// backend (the "off-by-slash" traversal), `location /api/ { proxy_pass http://b/v1; }` sends `/api/x` as
// `/v1x`. Exact locations (`=`) send a fixed path; URI parts with variables are sent as evaluated
// (proxy-pass-normalized); where nginx -t refuses a URI part rule `location` reports it.
// docs/rules/proxy-pass-with-uri.md

import type { ConfigModel } from "../model";
import { FindingSink } from "./upstream-common";
import { locationPasses } from "./proxy-pass-uri-common";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "proxy-pass-with-uri";

export function proxyPassWithUriFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const sink = new FindingSink(RULE_ID, "info");
  for (const p of locationPasses(model, options)) {
    const { site, url, location } = p;
    if (url.variables || url.uri === null) continue;
    const modifier = location.location?.modifier ?? "";
    if (modifier === "=") continue;
    const prefix = location.location?.path ?? "";
    const uri = url.uri;
    // `location / { proxy_pass http://b/; }`: the prefix replaced by itself, the path unchanged.
    if (uri === prefix) continue;
    const example = prefix === "" ? null : `${prefix}${prefix.endsWith("/") ? "" : "/"}x`;
    const sent = example === null ? null : uri + example.slice(prefix.length);
    if (prefix !== "" && !prefix.endsWith("/") && uri.endsWith("/")) {
      sink.add(
        site,
        "extra-slash",
        `location "${prefix}" has no trailing slash but the URI part "${uri}" has: "${example}" reaches the ` +
          `backend as "${sent}", and "${prefix}../x" as "${uri}../x" — a path traversal past what the location ` +
          `was meant to expose; write location "${prefix}/" (or drop the URI part)`,
        0,
        undefined,
        { location: prefix, uri },
      );
    } else if (prefix.endsWith("/") && !uri.endsWith("/")) {
      sink.add(
        site,
        "missing-slash",
        `location "${prefix}" ends with a slash but the URI part "${uri}" does not: "${example}" reaches the ` +
          `backend as "${sent}"; end the URI part with "/" too`,
        0,
        undefined,
        { location: prefix, uri },
      );
    } else {
      sink.add(
        site,
        "rewrites",
        `proxy_pass with the URI part "${uri}" replaces the location's prefix${prefix !== "" ? ` "${prefix}"` : ""}: ` +
          `${example !== null ? `"${example}" reaches the backend as "${sent}"` : "the backend gets another path than the client asked for"}; ` +
          `without a URI part the path is passed unchanged (say so with a suppression comment when the rewrite is meant)`,
        0,
        undefined,
        { location: prefix, uri },
      );
    }
  }
  return sink.findings;
}
