// What the user's configuration (.nginx-risk.json, the editor's `nginxRisk.rules`) makes of the rules'
// findings: a rule switched off, or its findings given another severity. Applied after suppression comments,
// to the findings of every rule but `syntax` (a file nginx cannot read is not a matter of taste).

import { CATALOGUE } from "./catalogue";
import type { Finding, RuleLevel } from "./types";

/** The rules before issue 15's catalogue (each has its page in docs/rules/). */
export const BUILT_IN_RULES: readonly string[] = [
  "syntax",
  "include",
  "access",
  "directive",
  "context",
  "value",
  "duplicate",
  "location",
  "regex",
  "variable",
  "file",
  "side-effects",
  "merge",
  "lua-ssl-per-location",
  "proxy-ssl-per-location",
  "ssl-bundle-per-server",
  "stream-lua-ssl-per-server",
  "modsecurity-unused",
  "reuseport-config-test",
  "suppression",
];

const KNOWN = new Set([...BUILT_IN_RULES, ...CATALOGUE.map((e) => e.id)]);

/** Whether `id` names a rule of the product. */
export function isKnownRule(id: string): boolean {
  return KNOWN.has(id);
}

/** Every rule id, sorted. */
export function knownRules(): string[] {
  return [...KNOWN].sort();
}

const LEVELS: readonly RuleLevel[] = ["off", "error", "warning", "info", "hint"];

/** Whether `v` is a level a rule may be given. */
export function isRuleLevel(v: unknown): v is RuleLevel {
  return typeof v === "string" && (LEVELS as readonly string[]).includes(v);
}

/** `findings` with the configured levels applied: "off" drops a rule's findings, a severity replaces its own. */
export function applyRuleLevels(
  findings: Finding[],
  levels: Readonly<Record<string, RuleLevel>> | undefined,
): Finding[] {
  if (levels === undefined) return findings;
  const out: Finding[] = [];
  for (const f of findings) {
    const level = f.ruleId === "syntax" ? undefined : levels[f.ruleId];
    if (level === undefined || level === f.severity) out.push(f);
    else if (level !== "off") out.push({ ...f, severity: level, ruleSeverity: f.ruleSeverity ?? f.severity });
  }
  return out;
}
