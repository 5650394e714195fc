// Rule `access`, for CA bundles: a bundle the read policy did not read (outside what may be read, a FIFO,
// over the size limit: workspace/access.ts) gets its own finding at the directive, saying why, what the
// estimate assumes instead, and how to have it read. Includes refused by the policy, and files that do not
// read as configuration, are reported by the workspace with the same rule id (rules/syntax.ts).

import { costReport, bundleFor } from "../cost/report";
import { formatCount } from "../cost/format";
import { siteKey, type ConfigModel } from "../model";
import { refusalText } from "../workspace/access";
import type { Finding, RuleOptions } from "./types";

export function accessFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const report = costReport(model, options);
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const source of report.sources) {
    for (const load of source.plan.loads) {
      const site = load.bundle;
      if (!site || seen.has(siteKey(site))) continue;
      seen.add(siteKey(site));
      const b = bundleFor(report, site);
      if (!b?.notRead) continue;
      const d = site.directive;
      findings.push({
        ruleId: "access",
        code: `read-${b.notRead.reason}`,
        severity: "info",
        path: site.file.path,
        range: d.args[0]?.range ?? d.range,
        message:
          `${refusalText(b.path, b.notRead)}. The estimate assumes ${formatCount(b.bytes)} B / ` +
          `${formatCount(b.certificates)} certificates (${b.assumedAs ?? "Debian's ca-certificates bundle"})`,
        data: {
          path: b.path,
          reason: b.notRead.reason,
          bytes: b.bytes,
          certificates: b.certificates,
        },
      });
    }
  }
  return findings;
}
