// Rule `access`, for CA bundles: a bundle the read policy did not read (outside what may be read, a FIFO,
// over the size limit: workspace/access.ts) gets its own finding at the directive, saying why, what the
// estimate assumes instead, and how to have it read. Includes refused by the policy, and files that do not
// read as configuration, are reported by the workspace with the same rule id (rules/syntax.ts).

import { costReport, bundleFor } from "../cost/report";
import { formatCount } from "../cost/format";
import { sizeKnown, type BundleInfo } from "../cost/bundle";
import { siteKey, type ConfigModel, type DirectiveSite } from "../model";
import { refusalText } from "../workspace/access";
import type { Finding, RuleOptions } from "./types";

/** Other directives naming the same unread bundle that a finding lists as related locations (the rest are counted). */
const MAX_RELATED = 10;

/**
 * One finding per unread bundle path (and reason) per configuration, at the first directive naming it: a
 * configuration with 4,000 locations that each name the system bundle has one thing to fix, not 4,000 (each
 * cost finding says the bundle was assumed). The other directives are counted, the first few related.
 */
export function accessFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const report = costReport(model, options);
  const seen = new Set<string>();
  // 4,002 locations inheriting one bundle share its site object: each object is keyed once.
  const seenSites = new Set<DirectiveSite>();
  const byPath = new Map<string, Finding>();
  const findings: Finding[] = [];
  for (const source of report.sources) {
    for (const load of source.plan.loads) {
      const site = load.bundle;
      if (!site || seenSites.has(site)) continue;
      seenSites.add(site);
      const at = siteKey(site);
      if (seen.has(at)) continue;
      seen.add(at);
      const b = bundleFor(report, site);
      if (!b?.notRead) continue;
      const d = site.directive;
      const range = d.args[0]?.range ?? d.range;
      const key = `${b.path}\0${b.notRead.reason}`;
      const first = byPath.get(key);
      if (first) {
        const data = first.data as { directives: number };
        data.directives++;
        if ((first.related ??= []).length < MAX_RELATED)
          first.related.push({ path: site.file.path, range, message: "names the same bundle" });
        continue;
      }
      const finding: Finding = {
        ruleId: "access",
        code: `read-${b.notRead.reason}`,
        severity: "info",
        path: site.file.path,
        range,
        message: `${refusalText(b.path, b.notRead)}. ${estimateText(b)}`,
        data: {
          path: b.path,
          reason: b.notRead.reason,
          bytes: b.bytes,
          certificates: b.certificates,
          directives: 1,
        },
      };
      byPath.set(key, finding);
      findings.push(finding);
    }
  }
  for (const f of findings) {
    const n = (f.data as { directives: number }).directives;
    if (n > 1) f.message += ` (${formatCount(n)} directives name it; this is the first)`;
  }
  return findings;
}

/** What the estimate does without the file: assumes a system CA store's figures, or leaves the size unknown. */
function estimateText(b: BundleInfo): string {
  if (!sizeKnown(b))
    return "Its size is unknown, so the SSL-cost findings count the contexts that parse it but estimate no memory for them";
  return (
    `The estimate assumes ${formatCount(b.bytes)} B / ${formatCount(b.certificates)} certificates ` +
    `(${b.assumedAs ?? "a system CA store"})`
  );
}
