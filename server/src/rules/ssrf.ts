// Rule `ssrf`: `proxy_pass` (and fastcgi_pass, uwsgi_pass, scgi_pass, grpc_pass) whose scheme or host comes
// from something a client chooses — a query argument, a header, `$host`, a capture of the URI — so a client
// picks the server nginx connects to (an internal service, a cloud metadata address, an `upstream{}` by
// name). A variable after the first `/` of the URL is the path and does not count; neither does one that
// always starts with `/` (`$request_uri`). `set` and `map` values are followed to where they come from
// (variable-flow.ts). docs/rules/ssrf.md. Peer: gixy's ssrf (Gixy-Next adds the other `*_pass`).

import { enclosing, ownSites, type ConfigModel } from "../model";
import { catalogueEntry } from "./catalogue";
import type { Finding, RuleOptions } from "./types";
import { flowOf, leafName, onceKey, toRelated, type Leaf } from "./variable-flow";
import { PASS_DIRECTIVES, hostLeaf } from "./variable-sinks";

export const SSRF = "ssrf";

export function ssrfFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const severity = catalogueEntry(SSRF)?.severity ?? "warning";
  const flow = flowOf(model, options);
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const s of flow.sinks) {
    const d = s.directive;
    if (!PASS_DIRECTIVES.has(d.name) || d.argCount < 1) continue;
    const text = d.argValue(0) ?? "";
    if (!text.includes("$")) continue;
    // Only nginx's own redirects reach an `internal` location (gixy's reading too).
    const loc = enclosing(s.context, "location");
    if (loc !== null && ownSites(loc, "internal").length > 0) continue;
    let leaf: Leaf | null = null;
    for (const alt of flow.expandArg({ site: s }, 0)) {
      leaf = hostLeaf(alt);
      if (leaf) break;
    }
    if (!leaf) continue;
    const key = onceKey(s, "user-address");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      ruleId: SSRF,
      code: "user-address",
      severity,
      path: s.file.path,
      range: d.args[0].range,
      message:
        `${leafName(leaf)} comes from the request and makes up the address ${d.name} connects to: a client chooses ` +
        `the server nginx sends the request to (an internal service, a metadata address, any upstream{} by name)`,
      related: leaf.via.map(toRelated),
      data: { variable: leaf.name },
    });
  }
  return out;
}
