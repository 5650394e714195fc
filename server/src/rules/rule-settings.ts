// What the user's configuration (.nginx-risk.json, the editor's `nginxRisk.rules`) makes of the rules'
// findings: a rule switched off, or its findings given another severity. Applied after suppression comments,
// to the findings of every rule but `syntax` (a file nginx cannot read is not a matter of taste).

import { CATALOGUE, catalogueEntry } from "./catalogue";
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

/**
 * Whether rule `id` is one of the security and best-practice rules (the catalogue's, not the rules it maps
 * peer names to): they never say that nginx -t refuses a configuration.
 */
export function isPolicyRule(id: string): boolean {
  return catalogueEntry(id) !== undefined && !BUILT_IN_RULES.includes(id);
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

/** The rules that report only once configured (CatalogueEntry.enabled). */
const OFF_BY_DEFAULT = new Set(CATALOGUE.filter((e) => e.enabled === false).map((e) => e.id));

/** Whether rule `id` reports nothing unless the configuration gives it a level. */
export function isOffByDefault(id: string): boolean {
  return OFF_BY_DEFAULT.has(id);
}

/** Whether rule `id` reports anything under `options` (a rule may skip its work when not). */
export function isRuleOn(options: { ruleLevels?: Readonly<Record<string, RuleLevel>> }, id: string): boolean {
  const level = options.ruleLevels?.[id];
  return level === undefined ? !OFF_BY_DEFAULT.has(id) : level !== "off";
}

/**
 * `findings` with the configured levels applied: "off" drops a rule's findings, a severity replaces its own;
 * a rule off by default reports only with a level.
 */
export function applyRuleLevels(
  findings: Finding[],
  levels: Readonly<Record<string, RuleLevel>> | undefined,
): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const level =
      f.ruleId === "syntax" ? undefined : (levels?.[f.ruleId] ?? (OFF_BY_DEFAULT.has(f.ruleId) ? "off" : undefined));
    if (level === undefined || level === f.severity) out.push(f);
    else if (level !== "off") out.push({ ...f, severity: level, ruleSeverity: f.ruleSeverity ?? f.severity });
  }
  return out;
}
