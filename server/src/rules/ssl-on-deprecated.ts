// ssl-on-deprecated: the `ssl` directive (`ssl on;`) is deprecated since nginx 1.15.0 — every start, reload
// and nginx -t warns "the "ssl" directive is deprecated, use the "listen ... ssl" directive instead" — and
// removed in 1.25.1, where the configuration no longer loads (rule `directive` reports that as an error). It
// also makes every listen of the server TLS, so a plain-HTTP listen added to the server later silently
// speaks TLS. This rule warns before 1.25.1 (and when the version is unknown), so the upgrade does not fail.
// The peer: nginx-lint ssl_on_deprecated. docs/rules/ssl-on-deprecated.md

import { siteKey, type ConfigModel } from "../model";
import { atLeast, below, nginxVersionOf, sitesNamed } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "ssl-on-deprecated";

const DEPRECATED_SINCE = "1.15.0";
const REMOVED_IN = "1.25.1";

export function sslOnDeprecatedFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const nginx = nginxVersionOf(options);
  // From 1.25.1 nginx refuses it: rule `directive`'s error. Before 1.15.0 it was the way to say it.
  if (atLeast(nginx, REMOVED_IN) || below(nginx, DEPRECATED_SINCE)) return [];
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const s of sitesNamed(model, "ssl")) {
    const k = s.context.kind;
    if (k !== "http" && k !== "server" && k !== "mail" && k !== "mail-server") continue;
    if (seen.has(siteKey(s))) continue;
    seen.add(siteKey(s));
    const on = (s.directive.argValue(0) ?? "").toLowerCase() === "on";
    out.push({
      ruleId: RULE_ID,
      code: "deprecated",
      severity: "warning",
      path: s.file.path,
      range: s.directive.nameWord.range,
      message:
        `The "ssl" directive is deprecated since nginx 1.15.0 (every start and reload warns) and removed in 1.25.1, ` +
        `where this configuration no longer loads${nginx === null ? " (the nginx version is unknown)" : ""}. ` +
        (on
          ? `Add "ssl" to the server's listen directives ("listen 443 ssl;") and remove "ssl on;".`
          : `Remove "ssl off;": a listen without "ssl" is plain already.`),
      data: { nginx },
    });
  }
  return out;
}
