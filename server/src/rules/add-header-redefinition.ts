// add-header-redefinition: a block with an add_header (or add_trailer) of its own sends none of the headers
// the enclosing levels add (nginx inherits the array only into blocks that set none: inheritance.ts). Read
// from the effective configuration: includes at every level, a snippet in its guessed context, and
// `add_header_inherit merge` / `off` (nginx ≥ 1.29.3), under which nothing is dropped by surprise.
//
// A finding is a warning when a header that protects clients is dropped (SECURITY_HEADERS), else info.
// Option `headers` (gixy's): only these header names are reported. docs/rules/add-header-redefinition.md

import type { ConfigModel } from "../model";
import { inheritanceFindings } from "./inheritance";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "add-header-redefinition";

/** Response headers whose loss weakens a browser's protection (or lets a shared cache keep a private page). */
export const SECURITY_HEADERS: ReadonlySet<string> = new Set([
  "cache-control",
  "content-security-policy",
  "content-security-policy-report-only",
  "cross-origin-embedder-policy",
  "cross-origin-opener-policy",
  "cross-origin-resource-policy",
  "permissions-policy",
  "referrer-policy",
  "strict-transport-security",
  "x-content-type-options",
  "x-frame-options",
  "x-xss-protection",
  "x-permitted-cross-domain-policies",
  "expect-ct",
  "pragma",
  "expires",
  "content-disposition",
]);

/** A rule's `headers` option, lower-cased; null when not given (or not a list of strings). */
export function reportedHeaders(options: RuleOptions, ruleId: string = RULE_ID): Set<string> | null {
  const raw = options.ruleConfig?.[ruleId]?.headers;
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every((h) => typeof h === "string")) return null;
  return new Set((raw as string[]).map((h) => h.trim().toLowerCase()));
}

export function addHeaderRedefinitionFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const only = reportedHeaders(options);
  return inheritanceFindings(
    model,
    RULE_ID,
    (family, keys) => (family.name === "add_header" && keys.some((k) => SECURITY_HEADERS.has(k)) ? "warning" : "info"),
    only === null ? undefined : (_family, key) => only.has(key),
  );
}
