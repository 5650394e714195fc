// `nginx-risk format FILES|DIRS… (--check | --diff | --write)`: format/format.ts over files on disk.
//
// Exit codes as prettier's and eslint's: 0 every file is formatted (or was written), 1 a file would change
// (--check, --diff), 2 a file could not be formatted (syntax errors, not UTF-8, unreadable) or written (then
// no file is: --write replaces them all or none, and refuses a file that changed since it was read).
// Folders are searched like `check` does (nginx.conf, *.conf, *.nginx, sites-*/, conf.d/).

import * as fs from "fs";
import * as path from "path";
import { formatText, type FormatOptions } from "../format/format";
import { findCandidateFiles } from "../workspace/roots";
import { unifiedDiff } from "./fix";
import {
  identityOf,
  writeFailureLines,
  writeFilesAtomically,
  type FileIdentity,
  type PlannedWrite,
} from "./safe-write";

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

/** The files to format: files as given, folders searched; each real file once (under its first name), in the order found. */
function filesOf(inputs: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const found = fs.statSync(input).isDirectory() ? findCandidateFiles(input) : [input];
    for (const f of found) {
      let real = f;
      try {
        real = fs.realpathSync(f);
      } catch {
        // unreadable: reported when it is read
      }
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(f);
    }
  }
  return out;
}

/** The file's bytes and the inode they came from (so a file replaced before the write is refused). */
function readWithIdentity(file: string): { bytes: Buffer; identity: FileIdentity } {
  const fd = fs.openSync(file, "r");
  try {
    return { bytes: fs.readFileSync(fd), identity: identityOf(fd) };
  } finally {
    fs.closeSync(fd);
  }
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
  const writes: PlannedWrite[] = [];
  for (const file of filesOf(options.inputs)) {
    let read: { bytes: Buffer; identity: FileIdentity };
    try {
      read = readWithIdentity(file);
    } catch (e) {
      fail(file, (e as Error).message);
      continue;
    }
    const { bytes } = read;
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
    else if (options.mode === "diff") io.out(unifiedDiff(text, result.text, shown(io.cwd, file)));
    else writes.push({ path: file, expected: bytes, content: Buffer.from(result.text, "utf8"), readAs: read.identity });
  }
  if (writes.length > 0) {
    // All formatted files or none (safe-write.ts); no backup: each result was proven to be the same tree.
    // Files that could not be formatted at all are reported above and do not stop the others.
    const written = writeFilesAtomically(writes);
    if (!written.ok) {
      for (const line of writeFailureLines(written, (p) => shown(io.cwd, p.path))) io.err(line);
      failed += writes.length;
      changed -= writes.length;
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
