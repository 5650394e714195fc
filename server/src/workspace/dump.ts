// Reading `nginx -T` output back as the files it came from.
//
// With -T, nginx records each file as ngx_conf_parse opens it (ngx_conf_add_dump in
// src/core/ngx_conf_file.c, once per file name) and, after the test, writes for each one (src/core/nginx.c):
//     "# configuration file " NAME ":" LF   CONTENTS   LF
// CONTENTS are the bytes as read, so a file's lines sit unchanged at a fixed line offset in the dump,
// and NAME is the name nginx opened (conf prefix applied). The main file comes first. The "syntax is ok"
// / "test is successful" lines go to stderr, so they appear above (or, depending on buffering, below) the
// dump when both streams were captured together.
//
// Includes are resolved against the dump's files only: the dump is what nginx read, the disk may differ.

import type { Position, Range } from "../parse/ast";
import { loadConfiguration, type ConfigDiagnostic, type Configuration } from "./configuration";
import { MemoryFileSource, ParseCache, normalizePath } from "./files";

export interface DumpFile {
  /** The name nginx printed in the header (normalised). */
  path: string;
  text: string;
  /** 0-based dump line of the file's first line. */
  line: number;
  /** UTF-16 offset in the dump of the file's first character. */
  offset: number;
  /** 0-based dump line of the `# configuration file …:` header. */
  headerLine: number;
}

export interface DumpProblem {
  /** Range in the dump. */
  range: Range;
  message: string;
  severity: "error" | "warning" | "info";
  code: string;
}

export interface ParsedDump {
  files: DumpFile[];
  /** The main file (the first one printed), or null if the text has no header. */
  root: string | null;
  /** Lines above the first header (nginx's own messages, when stderr was captured too). */
  preamble: string[];
  problems: DumpProblem[];
}

const HEADER = /^# configuration file (.+):$/;
/** nginx's stderr lines around a test: `nginx: the configuration file … syntax is ok`, `nginx: [warn] …`. */
const NGINX_MESSAGE =
  /^nginx: (the configuration file .* syntax is ok|configuration file .* test (is successful|failed)|\[[a-z]+\] .*)$/;

interface Line {
  text: string;
  /** Offset of the line's first character. */
  start: number;
  /** Offset after the line's terminator. */
  next: number;
  /** The terminator itself: "\n", "\r\n" or "" at the end of the text. */
  eol: string;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) {
      lines.push({ text: text.slice(start), start, next: text.length, eol: "" });
      break;
    }
    const cr = nl > start && text.charCodeAt(nl - 1) === 13;
    lines.push({ text: text.slice(start, cr ? nl - 1 : nl), start, next: nl + 1, eol: cr ? "\r\n" : "\n" });
    start = nl + 1;
  }
  return lines;
}

function lineRange(l: Line, line: number): Range {
  return {
    start: { line, character: 0, offset: l.start },
    end: { line, character: l.text.length, offset: l.start + l.text.length },
  };
}

export function parseDump(text: string): ParsedDump {
  const lines = splitLines(text);
  // Lines here are split at LF, as nginx writes the dump; positions are the editor's, where a lone CR (which
  // a dumped file may hold, in a comment) ends a line too: the editor line of LF-line i is i plus the lone
  // CRs before it.
  const loneCrs = [0];
  for (const l of lines) {
    let n = 0;
    for (let i = l.text.indexOf("\r"); i !== -1; i = l.text.indexOf("\r", i + 1)) n++;
    loneCrs.push(loneCrs[loneCrs.length - 1] + n);
  }
  const editorLine = (i: number): number => i + loneCrs[Math.min(i, lines.length)];
  const headers: { index: number; name: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = HEADER.exec(lines[i].text);
    if (m) headers.push({ index: i, name: m[1] });
  }
  const problems: DumpProblem[] = [];
  if (headers.length === 0) {
    problems.push({
      range: { start: { line: 0, character: 0, offset: 0 }, end: { line: 0, character: 0, offset: 0 } },
      message: 'no "# configuration file …:" line: this is not `nginx -T` output',
      severity: "error",
      code: "dump-no-header",
    });
    return { files: [], root: null, preamble: lines.map((l) => l.text), problems };
  }
  const preamble = lines.slice(0, headers[0].index).map((l) => l.text);
  const files: DumpFile[] = [];
  const seen = new Set<string>();
  for (let h = 0; h < headers.length; h++) {
    const header = lines[headers[h].index];
    const first = headers[h].index + 1;
    let endLine = h + 1 < headers.length ? headers[h + 1].index : lines.length;
    if (h + 1 === headers.length) {
      // stderr captured after stdout: nginx's own messages are not part of the last file.
      while (endLine > first && NGINX_MESSAGE.test(lines[endLine - 1].text)) endLine--;
    }
    const start = first < lines.length ? lines[first].start : text.length;
    const end = endLine < lines.length ? lines[endLine].start : text.length;
    let body = text.slice(start, end);
    // The LF nginx writes after each file's contents (kept as CRLF if the dump was converted).
    if (body.endsWith(header.eol) && header.eol !== "") body = body.slice(0, body.length - header.eol.length);
    else if (body.endsWith("\n")) body = body.slice(0, -1);
    const name = normalizePath(headers[h].name);
    if (seen.has(name)) {
      // nginx before ngx_conf_add_dump deduplicated names printed a file once per read.
      problems.push({
        range: lineRange(header, editorLine(headers[h].index)),
        message: `"${headers[h].name}" appears again in the dump; the first copy is used`,
        severity: "info",
        code: "dump-duplicate-file",
      });
      continue;
    }
    seen.add(name);
    files.push({
      path: name,
      text: body,
      line: editorLine(first),
      offset: start,
      headerLine: editorLine(headers[h].index),
    });
  }
  return { files, root: files[0]?.path ?? null, preamble, problems };
}

/** The dump's files as an in-memory source: globs and includes see exactly what nginx read. */
export function dumpSource(dump: ParsedDump): MemoryFileSource {
  const source = new MemoryFileSource();
  for (const f of dump.files) source.set(f.path, f.text);
  return source;
}

/** A position in a dumped file → the same position in the dump. */
export function toDumpPosition(file: DumpFile, pos: Position): Position {
  return { line: file.line + pos.line, character: pos.character, offset: file.offset + pos.offset };
}

export function toDumpRange(file: DumpFile, range: Range): Range {
  return { start: toDumpPosition(file, range.start), end: toDumpPosition(file, range.end) };
}

export interface LoadedDump {
  dump: ParsedDump;
  source: MemoryFileSource;
  /** null when the text holds no dumped file. */
  configuration: Configuration | null;
  /** The configuration's diagnostics placed in the dump, plus the dump's own problems. */
  diagnostics: DumpProblem[];
  fileAt(p: string): DumpFile | undefined;
}

/** Loads a dump as its multi-file configuration. Diagnostics name their file in the message. */
export function loadDump(text: string, options: { cache?: ParseCache } = {}): LoadedDump {
  const dump = parseDump(text);
  const source = dumpSource(dump);
  const byPath = new Map(dump.files.map((f) => [f.path, f]));
  const fileAt = (p: string): DumpFile | undefined => byPath.get(normalizePath(p));
  const configuration = dump.root
    ? loadConfiguration(dump.root, {
        source,
        cache: options.cache,
        defaultMapping: false,
        // nginx -T printed every file it read: a name the dump lacks is missing, absolute or not.
        missingIncludesAreErrors: true,
      })
    : null;
  const diagnostics: DumpProblem[] = [...dump.problems];
  for (const d of configuration?.diagnostics ?? []) {
    const placed = placeInDump(d, fileAt(d.path));
    if (placed) diagnostics.push(placed);
  }
  return { dump, source, configuration, diagnostics, fileAt };
}

function placeInDump(d: ConfigDiagnostic, file: DumpFile | undefined): DumpProblem | null {
  if (!file) return null;
  const severity = d.severity === "hint" ? "info" : d.severity;
  return { range: toDumpRange(file, d.range), message: `${d.message} (in ${file.path})`, severity, code: d.code };
}
