// What `check`, `fix` and `format` say when a folder scan stopped at --max-files (text, JSON, SARIF, stderr).

import * as path from "path";
import { formatCount } from "../cost/format";
import type { IncompleteScan } from "./check";

function relative(cwd: string, p: string): string {
  const r = path.relative(cwd, p);
  return r === "" ? "." : r;
}

/**
 * Why a folder scan stopped, and how to go further: "the search for configuration files in conf stopped
 * after 2,000 files: main files beyond them were not analysed; raise the limit with --max-files N".
 */
export function incompleteMessage(scan: IncompleteScan, cwd: string, lost?: string): string {
  const what = scan.scan === "configuration" ? "configuration files" : "files around the configuration";
  const where = relative(cwd, scan.folder);
  const at =
    scan.reason === "files"
      ? `after ${formatCount(scan.maxFiles)} files`
      : `after looking at ${formatCount(scan.maxEntries)} entries`;
  lost ??=
    scan.scan === "configuration"
      ? "main files beyond them were not analysed"
      : "versions and nginx -t jobs beyond them were not read";
  return `the search for ${what} in ${where} stopped ${at}: ${lost}; raise the limit with --max-files N (now ${scan.maxFiles}) or name the folders or main files to check`;
}
