// `nginx-risk format FILES|DIRS… (--check | --diff | --write)`: format/format.ts over files on disk.
//
// Exit codes as prettier's and eslint's: 0 every file is formatted (or was written), 1 a file would change
// (--check, --diff), 2 a file could not be formatted (syntax errors, not UTF-8, unreadable) or written (then
// no file is: --write replaces them all or none, and refuses a file that changed since it was read), or a
// folder search stopped at --max-files (the files found are still done; the message says so).
// Folders are searched like `check` does (nginx.conf, *.conf, *.nginx, sites-*/, conf.d/).

import * as fs from "fs";
import * as path from "path";
import { formatText, type FormatOptions } from "../format/format";
import { parse } from "../parse/parser";
import { refusalText } from "../workspace/access";
import { classifyConfiguration } from "../workspace/classify";
import type { NodeFileSource } from "../workspace/files";
import type { ScanLimit } from "../workspace/folder-scan";
import { findCandidateFiles } from "../workspace/roots";
import { editedDiff, identityOrigins, originsAfterEdits, unifiedDiff } from "./diff";
import { incompleteMessage } from "./incomplete";
import { cliSource, type ReadAccess } from "./read-access";
import { writeFailureLines, writeFilesAtomically, type FileIdentity, type PlannedWrite } from "./safe-write";

export interface FormatCommandOptions {
  /** Absolute paths of files and folders. */
  inputs: string[];
  mode: "check" | "diff" | "write";
  format: FormatOptions;
  /** `--allow-read`, size limits (read-access.ts). */
  access?: ReadAccess;
  /** Files a folder search looks for before it stops (default: check's, 2,000). */
  maxFiles?: number;
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
function filesOf(
  inputs: readonly string[],
  source: NodeFileSource,
  maxFiles: number | undefined,
  onLimit: (l: ScanLimit) => void,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const found = fs.statSync(input).isDirectory() ? findCandidateFiles(input, { source, maxFiles, onLimit }) : [input];
    for (const f of found) {
      const real = source.realpath(f);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(f);
    }
  }
  return out;
}

/**
 * The file's bytes, read through the policy, and the inode they came from (so a file replaced before the
 * write is refused). The inode is taken right after the read: a file replaced in between by one of another
 * size is caught here, any other change of bytes by the write's own check of the content.
 */
function readWithIdentity(file: string, source: NodeFileSource): { bytes: Buffer; identity: FileIdentity } | null {
  const bytes = source.readBytes(file);
  if (bytes === null) return null;
  try {
    const st = fs.statSync(source.realpath(file), { bigint: true });
    if (st.size !== BigInt(bytes.length)) return null;
    return { bytes, identity: { dev: st.dev, ino: st.ino } };
  } catch {
    return null;
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
  const limits: ScanLimit[] = [];
  // Only what the command line names is read (read-access.ts): a folder's symbolic link out of it, a FIFO
  // or an oversized file is said, not read.
  const source = cliSource(options.inputs, undefined, [], options.access);
  for (const file of filesOf(options.inputs, source, options.maxFiles, (l) => void limits.push(l))) {
    const read = readWithIdentity(file, source);
    if (read === null) {
      const refused = source.refusal(file);
      fail(
        file,
        refused ? `not formatted: ${refusalText(shown(io.cwd, file), refused)}` : "not formatted: cannot read it",
      );
      continue;
    }
    const { bytes } = read;
    const text = bytes.toString("utf8");
    // Invalid UTF-8 would be written back as U+FFFD: never rewrite bytes we could not read exactly.
    if (!Buffer.from(text, "utf8").equals(bytes)) {
      fail(file, "not formatted: the file is not valid UTF-8");
      continue;
    }
    // A file found in a folder is shown (a diff, an error's words) only if it reads as configuration.
    if (!source.isOpened(file)) {
      const c = classifyConfiguration(parse(text));
      if (!c.configuration) {
        fail(file, `not formatted: it does not read as nginx configuration (${c.reason}); its content is not shown`);
        continue;
      }
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
    } else
      writes.push({ path: file, expected: bytes, content: Buffer.from(result.text, "utf8"), readAs: read.identity });
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
  for (const l of limits)
    io.err(
      `nginx-risk: incomplete: ${incompleteMessage({ ...l, scan: "configuration" }, io.cwd, "files beyond them were not formatted")}`,
    );
  if (failed > 0 || limits.length > 0) return 2;
  return options.mode !== "write" && changed > 0 ? 1 : 0;
}
