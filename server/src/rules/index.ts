// Runs every rule over a loaded configuration. The CLI and the language server call only this.

import type { Configuration } from "../workspace/configuration";
import { directiveFindings } from "./directive-checks";
import { syntaxFindings } from "./syntax";
import type { Finding, RuleOptions } from "./types";

export type { Finding, RuleOptions, Severity, RelatedLocation } from "./types";

export function runChecks(config: Configuration, options: RuleOptions): Finding[] {
  const findings = [...syntaxFindings(config), ...directiveFindings(config, options)];
  findings.sort(
    (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.range.start.offset - b.range.start.offset,
  );
  return findings;
}
