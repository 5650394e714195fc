// Rule `syntax` and `include`: what the parser and the include resolver found while reading the
// configuration (unbalanced braces, missing `;`, unterminated strings, missing include files, cycles,
// globs that match nothing, invalid UTF-8). The workspace already positions them; this turns them into
// findings.

import type { ConfigDiagnostic, Configuration } from "../workspace/configuration";
import type { Finding } from "./types";

const INCLUDE_CODES = /^include-|^glob-|^inferred-mapping$/;
/** Files not read (the read policy of workspace/access.ts) or not shown (workspace/classify.ts): rule `access`. */
const ACCESS_CODES = /^read-|^not-configuration$/;

/** The rule a workspace diagnostic belongs to, by its code. */
export function diagnosticRule(code: string): string {
  return ACCESS_CODES.test(code) ? "access" : INCLUDE_CODES.test(code) ? "include" : "syntax";
}

export function syntaxFindings(config: Configuration): Finding[] {
  return config.diagnostics.map((d) => diagnosticFinding(d, diagnosticRule(d.code)));
}

/** A workspace diagnostic as a finding of rule `ruleId` (also the `context` hint on guessed files). */
export function diagnosticFinding(d: ConfigDiagnostic, ruleId: string): Finding {
  const f: Finding = { ruleId, code: d.code, severity: d.severity, path: d.path, range: d.range, message: d.message };
  if (d.related) f.related = d.related.map((r) => ({ path: d.path, ...r }));
  if (d.data) f.data = d.data;
  return f;
}
