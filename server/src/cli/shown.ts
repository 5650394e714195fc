// What every output format of `check` says the same way: how a file is named, and the summary line.

import * as path from "path";
import { failsNginxTest } from "../rules";
import type { CheckResult } from "./check";

/** A path relative to `cwd` (`.` for `cwd` itself). */
export function relativePath(cwd: string, p: string): string {
  // Per folder and path: the outputs name the same few files for thousands of findings.
  if (cwd !== relativeTo) {
    relativeTo = cwd;
    relatives.clear();
  }
  let r = relatives.get(p);
  if (r === undefined) {
    const made = path.relative(cwd, p);
    if (relatives.size > 65_536) relatives.clear();
    relatives.set(p, (r = made === "" ? "." : made));
  }
  return r;
}

let relativeTo = "";
const relatives = new Map<string, string>();

/** How the outputs name a file: relative to `cwd`, or as nginx printed it (`asPrinted`: a dump's files). */
export function shownPath(cwd: string, p: string, asPrinted?: ReadonlySet<string>): string {
  return asPrinted?.has(p) ? p : relativePath(cwd, p);
}

/**
 * `1 error(s), 2 warning(s), 0 note(s) in 3 file(s) of 1 configuration(s); nginx -t would fail`, and whether
 * it is incomplete. The verdict is the product's prediction of `nginx -t` (rules/index.ts failsNginxTest):
 * `check` exits 1 when it says fail (unless `--fail-on never`).
 */
export function summaryLine(result: CheckResult): string {
  const count = (s: string): number => result.findings.filter((f) => f.severity === s).length;
  const stopping = result.findings.filter(failsNginxTest).length;
  const verdict =
    result.roots.length === 0
      ? ""
      : stopping > 0
        ? `; nginx -t would fail (${stopping} error(s) stop it)`
        : "; nginx -t would pass";
  return (
    `${count("error")} error(s), ${count("warning")} warning(s), ${count("info") + count("hint")} note(s) ` +
    `in ${result.files} file(s) of ${result.roots.length} configuration(s)` +
    verdict +
    ((result.incomplete ?? []).length > 0 ? " — the analysis is incomplete" : "")
  );
}
