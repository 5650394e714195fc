// missing-error-log: a whole configuration with no error_log anywhere logs where the binary was built to:
// upstream's default is logs/error.log under the prefix, Debian's package is built with
// --error-log-path=stderr (the journal under systemd, lost when started by hand). Saying where errors go
// (and at which level) is what makes them found. Whole configurations only: a snippet's main file may set it.
// The peer: nginx-lint missing_error_log. docs/rules/missing-error-log.md

import type { ConfigModel } from "../model";
import { firstMainSite, holdsUnreadInclude, isFullConfiguration, sitesNamed } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "missing-error-log";

export function missingErrorLogFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  if (!isFullConfiguration(model) || sitesNamed(model, "error_log").length > 0) return [];
  if (holdsUnreadInclude(model, model.main)) return [];
  const at = firstMainSite(model);
  if (at === null) return [];
  return [
    {
      ruleId: RULE_ID,
      code: "missing",
      severity: "info",
      path: at.file.path,
      range: at.directive.nameWord.range,
      message:
        "No error_log is set: nginx logs its errors where the binary was built to (upstream: logs/error.log " +
        "under the prefix; Debian's package: stderr, the journal under systemd and nowhere when started by hand). " +
        'Set "error_log /var/log/nginx/error.log warn;" at the main level.',
    },
  ];
}
