// Output formats of `nginx-risk check`. The JSON shape is a stable contract (docs/cli.md):
// {"version":1,"findings":[{ruleId, severity, file, line, column, endLine, endColumn, message, data}]},
// positions 1-based (columns in UTF-16 code units, as editors count), files relative to the working directory.

import * as path from "path";
import type { Finding } from "../rules";
import type { CheckResult } from "./check";

export interface JsonFinding {
  ruleId: string;
  code: string;
  severity: Finding["severity"];
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  data?: Record<string, unknown>;
}

function relative(cwd: string, p: string): string {
  const r = path.relative(cwd, p);
  return r === "" ? "." : r;
}

export function toJsonFinding(f: Finding, cwd: string): JsonFinding {
  const j: JsonFinding = {
    ruleId: f.ruleId,
    code: f.code,
    severity: f.severity,
    file: relative(cwd, f.path),
    line: f.range.start.line + 1,
    column: f.range.start.character + 1,
    endLine: f.range.end.line + 1,
    endColumn: f.range.end.character + 1,
    message: f.message,
  };
  if (f.data) j.data = f.data;
  return j;
}

export function formatFindings(result: CheckResult, format: "text" | "json", cwd: string): string {
  if (format === "json") {
    return JSON.stringify({ version: 1, findings: result.findings.map((f) => toJsonFinding(f, cwd)) }, null, 2) + "\n";
  }
  const lines: string[] = [];
  for (const [root, files] of result.filesByRoot) {
    const dir = path.dirname(root);
    const others = files.filter((f) => f !== root).map((f) => path.relative(dir, f));
    lines.push(
      `read ${relative(cwd, root)}` + (others.length > 0 ? ` and what it includes: ${others.join(", ")}` : ""),
    );
  }
  for (const f of result.findings) {
    const j = toJsonFinding(f, cwd);
    lines.push(`${j.file}:${j.line}:${j.column}: ${j.severity}: ${j.message} [${j.ruleId}/${j.code}]`);
  }
  const count = (s: string): number => result.findings.filter((f) => f.severity === s).length;
  lines.push(
    `${count("error")} error(s), ${count("warning")} warning(s), ${count("info") + count("hint")} note(s) ` +
      `in ${result.files} file(s) of ${result.roots.length} configuration(s)`,
  );
  return lines.join("\n") + "\n";
}
