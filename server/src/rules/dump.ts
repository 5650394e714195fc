// `nginx -T` output analysed as the configuration it came from, with every finding placed in the dump
// itself (the only file the user has), its message naming the original file; or, for a dump that is no
// file (the CLI's standard input), in the original files as nginx printed their names.

import { loadDump, toDumpRange } from "../workspace/dump";
import type { ParseCache } from "../workspace/files";
import { runChecks } from "./index";
import type { Finding, RuleOptions } from "./types";

const HEADER_LINE = /^# configuration file .+:\r?$/m;
const NGINX_LINE = /^nginx: /;

/**
 * Whether `text` is `nginx -T` output: a `# configuration file …:` header before any configuration
 * (only nginx's own `nginx: …` messages may come first, when stderr was captured too).
 */
export function isNginxDump(text: string): boolean {
  return isNginxDumpRead((from, to) => text.slice(from, to), text.length);
}

/** `isNginxDump` of a prefix of a text that holds its first line that is not blank nor an `nginx: …` message. */
function isDumpPrefix(text: string): boolean {
  const m = HEADER_LINE.exec(text);
  if (!m) return false;
  const before = text
    .slice(0, m.index)
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  return before.every((l) => NGINX_LINE.test(l));
}

/**
 * `isNginxDump` of a text read in parts (`read(from, to)` is `text.slice(from, to)`): it reads only through
 * the first line that is neither blank nor one of nginx's `nginx: …` messages, which decides (that line is
 * the header, or configuration before any header), not the whole text (an edited 13 MB buffer on every
 * keystroke: workspace/text-window.ts; a regular expression over a 1.3 MB file on every `parse`).
 */
export function isNginxDumpRead(read: (from: number, to: number) => string, length: number): boolean {
  let prefix = "";
  let lineStart = 0;
  while (prefix.length < length) {
    prefix += read(prefix.length, Math.min(length, prefix.length + 4096));
    for (let lf = prefix.indexOf("\n", lineStart); ; lf = prefix.indexOf("\n", lineStart)) {
      const complete = lf >= 0;
      if (!complete && prefix.length < length) break;
      const line = prefix.slice(lineStart, complete ? lf : prefix.length);
      if (line.trim() !== "" && !NGINX_LINE.test(line))
        return isDumpPrefix(prefix.slice(0, complete ? lf + 1 : prefix.length));
      if (!complete) return isDumpPrefix(prefix);
      lineStart = lf + 1;
    }
  }
  return isDumpPrefix(prefix);
}

export interface DumpCheck {
  /** The main file named in the dump (null when there is none). */
  root: string | null;
  /** Number of files in the dump. */
  files: number;
  /** The files' names as nginx printed them (normalised), in the dump's order. */
  paths: string[];
  /**
   * Findings positioned in the dump (`path` is `dumpPath`), or with `placement` "files" in the dumped
   * files (their names and lines; only the dump's own problems stay in the dump).
   */
  findings: Finding[];
}

export function runChecksOnDump(
  text: string,
  dumpPath: string,
  options: RuleOptions,
  cache?: ParseCache,
  placement: "dump" | "files" = "dump",
): DumpCheck {
  const loaded = loadDump(text, { cache });
  const paths = loaded.dump.files.map((f) => f.path);
  const findings: Finding[] = loaded.dump.problems.map((p) => ({
    ruleId: "syntax",
    code: p.code,
    severity: p.severity,
    path: dumpPath,
    range: p.range,
    message: p.message,
  }));
  if (loaded.configuration && placement === "files") {
    // Every finding of the configuration is in one of the dumped files: the only files it read.
    for (const f of runChecks(loaded.configuration, options)) if (loaded.fileAt(f.path)) findings.push(f);
    return { root: loaded.dump.root, files: paths.length, paths, findings };
  }
  if (loaded.configuration) {
    for (const f of runChecks(loaded.configuration, options)) {
      const file = loaded.fileAt(f.path);
      if (!file) continue;
      findings.push({
        ...f,
        path: dumpPath,
        range: toDumpRange(file, f.range),
        message: `${f.message} (in ${file.path})`,
        related: f.related
          ?.map((r) => {
            const rf = loaded.fileAt(r.path);
            return rf
              ? { path: dumpPath, range: toDumpRange(rf, r.range), message: `${r.message} (in ${rf.path})` }
              : null;
          })
          .filter((r): r is NonNullable<typeof r> => r !== null),
      });
    }
  }
  findings.sort((a, b) => a.range.start.offset - b.range.start.offset);
  return { root: loaded.dump.root, files: paths.length, paths, findings };
}
