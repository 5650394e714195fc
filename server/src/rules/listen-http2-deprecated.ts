// listen-http2-deprecated: `listen … http2` is deprecated since nginx 1.25.1, which added the `http2`
// directive: every start, reload and nginx -t warns "the "listen ... http2" directive is deprecated, use
// the "http2" directive instead". Before 1.25.1 the listen parameter is the only way (the `http2` directive
// does not exist there), so this rule reports only from 1.25.1, or when the version is unknown (saying so).
// The peer: nginx-lint listen_http2_deprecated. docs/rules/listen-http2-deprecated.md

import { ownSites, siteKey, type ConfigModel } from "../model";
import { below, nginxVersionOf, serversOf } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "listen-http2-deprecated";

const DEPRECATED_SINCE = "1.25.1";

export function listenHttp2DeprecatedFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const nginx = nginxVersionOf(options);
  if (below(nginx, DEPRECATED_SINCE)) return [];
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const server of serversOf(model)) {
    if (server.kind !== "server") continue;
    for (const l of ownSites(server, "listen")) {
      // argValues, not args: the words of every listen would be made (test/rules/range-reads.test.ts).
      const i = l.directive.argValues().indexOf("http2", 1);
      if (i < 0 || seen.has(siteKey(l))) continue;
      seen.add(siteKey(l));
      out.push({
        ruleId: RULE_ID,
        code: "deprecated",
        severity: "warning",
        path: l.file.path,
        range: l.directive.args[i].range,
        message:
          `"listen … http2" is deprecated since nginx 1.25.1, where every start and reload warns about it` +
          `${nginx === null ? " (the nginx version is unknown; before 1.25.1 it is the only way)" : ""}. ` +
          `Remove "http2" from the listen and add "http2 on;" to the server.`,
        data: { nginx },
      });
    }
  }
  return out;
}
