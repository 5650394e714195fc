// What every output format of `check` says the same way: how a file is named, and the summary line.

import * as path from "path";
import type { CheckResult } from "./check";

/** A path relative to `cwd` (`.` for `cwd` itself). */
export function relativePath(cwd: string, p: string): string {
  const r = path.relative(cwd, p);
  return r === "" ? "." : r;
}

/** How the outputs name a file: relative to `cwd`, or as nginx printed it (`asPrinted`: a dump's files). */
export function shownPath(cwd: string, p: string, asPrinted?: ReadonlySet<string>): string {
  return asPrinted?.has(p) ? p : relativePath(cwd, p);
}

/** `1 error(s), 2 warning(s), 0 note(s) in 3 file(s) of 1 configuration(s)`, and whether it is incomplete. */
export function summaryLine(result: CheckResult): string {
  const count = (s: string): number => result.findings.filter((f) => f.severity === s).length;
  return (
    `${count("error")} error(s), ${count("warning")} warning(s), ${count("info") + count("hint")} note(s) ` +
    `in ${result.files} file(s) of ${result.roots.length} configuration(s)` +
    ((result.incomplete ?? []).length > 0 ? " — the analysis is incomplete" : "")
  );
}
