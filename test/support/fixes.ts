// A configuration analysed for one rule's quick-fixes, as the editor and the CLI compute them, and what a
// fix leaves behind: the edited texts and the rule's findings on them.
import { strict as assert } from "assert";
import { fixesFor, type Fix } from "../../server/src/fix";
import { editedTexts, reanalyse } from "../../server/src/fix/verify";
import { buildModel } from "../../server/src/model";
import { runChecks } from "../../server/src/rules";
import type { Finding, RuleOptions } from "../../server/src/rules/types";
import { loadConfiguration, type Configuration } from "../../server/src/workspace/configuration";
import type { FileSource } from "../../server/src/workspace/files";

export interface Analysed {
  ruleId: string;
  config: Configuration;
  /** The rule's findings. */
  findings: Finding[];
  fixes: Fix[];
  options: RuleOptions;
}

/** Loads `root` from `source` (which must read without errors) and computes `ruleId`'s findings and fixes. */
export function analyseFixes(
  root: string,
  source: FileSource,
  ruleId: string,
  extra: Partial<RuleOptions> = {},
): Analysed {
  const options: RuleOptions = { strict: false, source, ...extra };
  const config = loadConfiguration(root, { source });
  assert.deepEqual(
    config.diagnostics.filter((d) => d.severity === "error").map((d) => d.message),
    [],
    "the test configuration is valid",
  );
  const model = buildModel(config);
  const findings = runChecks(config, options, model).filter((f) => f.ruleId === ruleId);
  return { ruleId, config, findings, fixes: fixesFor(config, findings, options, model), options };
}

/** The texts of the files `fix` edits, keyed by path relative to `dir`. */
export function appliedTexts(a: Analysed, fix: Fix, dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [p, t] of editedTexts(a.config, fix.edits)) out[p.replace(`${dir}/`, "")] = t;
  return out;
}

/** Codes of the rule's findings once `fix` is applied. */
export function codesAfter(a: Analysed, fix: Fix): string[] {
  const edited = reanalyse(a.config, fix.edits, a.options.source);
  return runChecks(edited.config, a.options, edited.model)
    .filter((f) => f.ruleId === a.ruleId)
    .map((f) => f.code);
}
