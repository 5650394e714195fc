// missing-error-log: a whole configuration with no error_log at the main level nor in its http, stream or
// mail block logs where the binary was built to:
// upstream's default is logs/error.log under the prefix, Debian's package is built with
// --error-log-path=stderr (the journal under systemd, lost when started by hand). Saying where errors go
// (and at which level) is what makes them found. Whole configurations only: a snippet's main file may set it.
// The peer: nginx-lint missing_error_log. docs/rules/missing-error-log.md

import { ownSites, type ConfigModel } from "../model";
import { directlyHoldsUnreadInclude, firstMainSite, isFullConfiguration } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "missing-error-log";

export function missingErrorLogFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  if (!isFullConfiguration(model)) return [];
  // The main level and the http, stream and mail blocks: where a log for everything is said. (A location's
  // error_log covers its requests only; asking every location would make the sites of all of them.)
  const levels = [model.main, ...model.main.children.filter((c) => c.directive !== null)];
  for (const c of levels) if (ownSites(c, "error_log").length > 0 || directlyHoldsUnreadInclude(model, c)) return [];
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
