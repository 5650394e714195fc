// client-max-body-size-not-set: an http block where no client_max_body_size is set anywhere runs with the
// default 1m: a request body over 1 MiB (an upload, a large JSON or form post) is refused with 413 Request
// Entity Too Large before it reaches the application, which users see as an error page the application
// never logged. Setting it says the limit was chosen. Whole configurations only (a fragment's http block
// may set it). The peer: nginx-lint client_max_body_size_not_set. docs/rules/client-max-body-size-not-set.md

import type { ConfigModel } from "../model";
import { holdsUnreadInclude, httpBlocksOf, inFragment, sitesNamed } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "client-max-body-size-not-set";

export function clientMaxBodySizeNotSetFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const set = httpBlocksOf(sitesNamed(model, "client_max_body_size"));
  const out: Finding[] = [];
  for (const http of model.contexts) {
    if (http.kind !== "http" || http.directive === null || inFragment(http) || set.has(http)) continue;
    if (holdsUnreadInclude(model, http)) continue;
    out.push({
      ruleId: RULE_ID,
      code: "not-set",
      severity: "info",
      path: http.file.path,
      range: http.directive.nameWord.range,
      message:
        "client_max_body_size is set nowhere in this http block, so the default 1m applies: a request body over " +
        "1 MiB (an upload, a large form or JSON post) is refused with 413 before it reaches the application. " +
        "Set the limit the application needs (client_max_body_size 10m;), here or per server or location.",
    });
  }
  return out;
}
