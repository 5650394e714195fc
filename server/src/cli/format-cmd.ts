// `nginx-risk format FILES|DIRS… (--check | --diff | --write)`: format/format.ts over files on disk.
//
// Exit codes as prettier's and eslint's: 0 every file is formatted (or was written), 1 a file would change
// (--check, --diff), 2 a file could not be formatted (syntax errors, not UTF-8, unreadable, not writable).
// Folders are searched like `check` does (nginx.conf, *.conf, *.nginx, sites-*/, conf.d/).

import * as fs from "fs";
import * as path from "path";
import { formatText, type FormatOptions } from "../format/format";
import { findCandidateFiles } from "../workspace/roots";
import { editedDiff, identityOrigins, originsAfterEdits, unifiedDiff } from "./diff";

export interface FormatCommandOptions {
  /** Absolute paths of files and folders. */
  inputs: string[];
  mode: "check" | "diff" | "write";
  format: FormatOptions;
}

export interface FormatIo {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
}

function shown(cwd: string, p: string): string {
  const r = path.relative(cwd, p);
  return r === "" ? path.basename(p) : r;
}

/** The files to format: files as given, folders searched; each once, in the order found. */
function filesOf(inputs: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const found = fs.statSync(input).isDirectory() ? findCandidateFiles(input) : [input];
    for (const f of found) {
      if (seen.has(f)) continue;
      seen.add(f);
      out.push(f);
    }
  }
  return out;
}

/** Runs the command; returns the exit code. */
export function runFormat(options: FormatCommandOptions, io: FormatIo): number {
  let failed = 0;
  let changed = 0;
  let unchanged = 0;
  const fail = (file: string, message: string): void => {
    io.err(`${shown(io.cwd, file)}: ${message}`);
    failed++;
  };
  for (const file of filesOf(options.inputs)) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      fail(file, (e as Error).message);
      continue;
    }
    const text = bytes.toString("utf8");
    // Invalid UTF-8 would be written back as U+FFFD: never rewrite bytes we could not read exactly.
    if (!Buffer.from(text, "utf8").equals(bytes)) {
      fail(file, "not formatted: the file is not valid UTF-8");
      continue;
    }
    const result = formatText(text, options.format);
    if (!result.ok) {
      const at = result.range ? `${result.range.start.line + 1}:${result.range.start.character + 1}: ` : "";
      io.err(`${shown(io.cwd, file)}:${at}${result.reason}`);
      failed++;
      continue;
    }
    if (result.text === text) {
      unchanged++;
      continue;
    }
    changed++;
    if (options.mode === "check") io.out(shown(io.cwd, file));
    else if (options.mode === "diff") {
      // From the formatter's own edits: no search over the whole file (a reindented file changes every line).
      const origins = originsAfterEdits(text, identityOrigins(text), result.edits, result.text);
      const name = shown(io.cwd, file);
      io.out(origins ? editedDiff(text, result.text, origins, name) : unifiedDiff(text, result.text, name));
    } else {
      try {
        // Written in place: the file keeps its mode, owner and links; no backup, the result was proven equal.
        fs.writeFileSync(file, result.text, "utf8");
      } catch (e) {
        changed--;
        fail(file, `not written: ${(e as Error).message}`);
      }
    }
  }
  const files = (n: number): string => `${n} ${n === 1 ? "file" : "files"}`;
  const what = options.mode === "write" ? "formatted" : "would be formatted";
  const parts = [`${files(changed)} ${what}`, `${files(unchanged)} already formatted`];
  if (failed > 0) parts.push(`${files(failed)} not formatted`);
  io.err(parts.join(", "));
  if (failed > 0) return 2;
  return options.mode !== "write" && changed > 0 ? 1 : 0;
}
