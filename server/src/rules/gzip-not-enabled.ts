// gzip-not-enabled: an http block where `gzip on` is set nowhere sends every text response (HTML, CSS,
// JavaScript, JSON) uncompressed: typically 3 to 10 times the bytes, slower pages on slow links and more
// egress. Whole configurations only (a fragment's http block may set it). Compression of responses that
// mix secrets with attacker-controlled input over TLS is what BREACH exploits: turn it on for static and
// public content, not blindly for responses that carry CSRF tokens.
// The peer: nginx-lint gzip_not_enabled. docs/rules/gzip-not-enabled.md

import type { ConfigModel } from "../model";
import { holdsUnreadInclude, httpBlocksOf, inFragment, isOn, sitesNamed } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "gzip-not-enabled";

export function gzipNotEnabledFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const on = httpBlocksOf(sitesNamed(model, "gzip").filter((s) => isOn(s)));
  const out: Finding[] = [];
  for (const http of model.contexts) {
    if (http.kind !== "http" || http.directive === null || inFragment(http) || on.has(http)) continue;
    if (holdsUnreadInclude(model, http)) continue;
    out.push({
      ruleId: RULE_ID,
      code: "not-enabled",
      severity: "info",
      path: http.file.path,
      range: http.directive.nameWord.range,
      message:
        "gzip is not turned on anywhere in this http block: HTML, CSS, JavaScript and JSON go out uncompressed, " +
        'typically 3 to 10 times the bytes. Add "gzip on;" with gzip_types for the text types served.',
    });
  }
  return out;
}
