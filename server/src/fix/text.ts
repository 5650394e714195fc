// Text edits that move directives without disturbing the rest of a file: the file's own line endings and
// indentation, comments left where they were, one-line blocks kept on one line.

import type { Directive, Position, Range, Word } from "../parse/ast";
import type { TextEdit } from "./types";

// Applying edits is the parser layer's (the formatter uses it too); re-exported for the fixes' callers.
export { applyEdits } from "../parse/edits";

/** What the edits need to know about a whole text, computed once per text (a fix edits one text many times). */
interface TextFacts {
  /** Offsets where editor lines start: after LF, CRLF or a lone CR, as the scanner counts positions. */
  lineStarts: number[];
  eol: "\r\n" | "\n";
  indentUnit: string;
}

const factsCache = new Map<string, TextFacts>();
const FACTS_CACHE_SIZE = 16;

function factsOf(text: string): TextFacts {
  let f = factsCache.get(text);
  if (f) return f;
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) lineStarts.push(i + 1);
  }
  f = { lineStarts, eol: computeEol(text), indentUnit: computeIndentUnit(text) };
  if (factsCache.size >= FACTS_CACHE_SIZE) factsCache.delete(factsCache.keys().next().value as string);
  factsCache.set(text, f);
  return f;
}

/** Line and character of `offset` (binary search over the line starts). */
export function positionIn(text: string, offset: number): Position {
  const starts = factsOf(text).lineStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo], offset };
}

/** The file's line ending: CRLF when most of its line breaks are CRLF. */
export function eolOf(text: string): "\r\n" | "\n" {
  return factsOf(text).eol;
}

function computeEol(text: string): "\r\n" | "\n" {
  let crlf = 0;
  let lf = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    if (i > 0 && text[i - 1] === "\r") crlf++;
    else lf++;
  }
  return crlf > lf ? "\r\n" : "\n";
}

/** One level of indentation as the file writes it: a tab, or the most common step between nested lines. */
export function indentUnitOf(text: string): string {
  return factsOf(text).indentUnit;
}

function computeIndentUnit(text: string): string {
  let tabs = 0;
  let spaces = 0;
  const steps = new Map<number, number>();
  let previous = 0;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const lead = /^[ \t]*/.exec(line)![0];
    if (lead.startsWith("\t")) tabs++;
    else if (lead.length > 0) spaces++;
    if (!lead.includes("\t")) {
      const step = lead.length - previous;
      if (step > 0) steps.set(step, (steps.get(step) ?? 0) + 1);
      previous = lead.length;
    }
  }
  if (tabs > spaces) return "\t";
  let best = 4;
  let bestCount = 0;
  for (const [step, count] of steps)
    if (count > bestCount || (count === bestCount && step < best)) [best, bestCount] = [step, count];
  return " ".repeat(best);
}

// Lines here are nginx's: they end at LF (or CRLF) only. A lone CR may sit inside a `#` comment, which
// nginx runs on to the LF; an edit that took it for a line end could remove or insert inside the comment,
// or cut it and make live what it hides. (Positions, `positionIn`, stay the editor's: a lone CR ends an
// editor line.)

export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** The offset of the line break ending the line of `offset` (or the end of the text). */
export function lineEnd(text: string, offset: number): number {
  const n = text.indexOf("\n", offset);
  if (n === -1) return text.length;
  return n > 0 && text[n - 1] === "\r" && n - 1 >= offset ? n - 1 : n;
}

function lineBreakAt(text: string, offset: number): number {
  if (text.startsWith("\r\n", offset)) return 2;
  return text[offset] === "\n" ? 1 : 0;
}

/** The whitespace a line starts with. */
export function indentAt(text: string, offset: number): string {
  const s = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(s, lineEnd(text, s)))![0];
}

function range(text: string, start: number, end: number): Range {
  return { start: positionIn(text, start), end: positionIn(text, end) };
}

/** The directive as written, name to `;` (comments between its arguments included). */
export function directiveText(text: string, d: Directive): string {
  return text.slice(d.range.start.offset, d.range.end.offset);
}

/**
 * Removes a directive. Alone on its line(s): the whole line goes, line break included. Sharing a line with
 * other statements or a trailing comment: only the directive and the blanks that separated it, so the
 * comment stays where it was.
 */
export function removeDirective(path: string, text: string, d: Directive): TextEdit {
  const start = d.range.start.offset;
  const end = d.range.end.offset;
  const ls = lineStart(text, start);
  const le = lineEnd(text, end);
  const before = text.slice(ls, start);
  const after = text.slice(end, le);
  if (before.trim() === "" && after.trim() === "") {
    const br = lineBreakAt(text, le);
    if (br > 0 || ls === 0) return { path, range: range(text, ls, le + br), newText: "" };
    // Last line without a line break: take the break before it instead.
    const prev = ls >= 2 && text[ls - 2] === "\r" ? ls - 2 : ls - 1;
    return { path, range: range(text, prev, le), newText: "" };
  }
  if (after.trim() !== "") {
    let e = end;
    while (e < le && (text[e] === " " || text[e] === "\t")) e++;
    return { path, range: range(text, start, e), newText: "" };
  }
  let s = start;
  while (s > ls && (text[s - 1] === " " || text[s - 1] === "\t")) s--;
  return { path, range: range(text, s, end), newText: "" };
}

/**
 * Removes one argument of a directive: with the blanks that separated it from the previous word; first on
 * its line (a directive written over several lines), with the blanks after it; alone on its line, the line.
 */
export function removeWord(path: string, text: string, word: Word): TextEdit {
  let start = word.range.start.offset;
  let end = word.range.end.offset;
  const ls = lineStart(text, start);
  const le = lineEnd(text, end);
  if (text.slice(ls, start).trim() === "") {
    if (text.slice(end, le).trim() === "")
      return { path, range: range(text, ls, le + lineBreakAt(text, le)), newText: "" };
    while (end < le && (text[end] === " " || text[end] === "\t")) end++;
    return { path, range: range(text, start, end), newText: "" };
  }
  while (start > ls && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
  return { path, range: range(text, start, end), newText: "" };
}

/**
 * Inserts statements at the top of a block's body. When the `{` ends its line (a comment may follow), each
 * statement gets a line of its own, indented like the block's first statement (or one level deeper than
 * the block); when the body continues on the `{` line (`location / { return 204; }`), they go on that line.
 */
export function insertIntoBlock(path: string, text: string, block: Directive, statements: string[]): TextEdit {
  if (!block.block) throw new Error(`${block.name} has no block`);
  const open = block.block.open.end.offset;
  const le = lineEnd(text, open);
  const rest = text.slice(open, le).trim();
  if (rest !== "" && !rest.startsWith("#")) {
    return { path, range: range(text, open, open), newText: " " + statements.join(" ") };
  }
  const eol = eolOf(text);
  const first = block.block.children.find(
    (n) =>
      n.kind === "directive" && text.slice(lineStart(text, n.range.start.offset), n.range.start.offset).trim() === "",
  );
  const indent = first
    ? indentAt(text, first.range.start.offset)
    : indentAt(text, block.range.start.offset) + indentUnitOf(text);
  return { path, range: range(text, le, le), newText: statements.map((s) => eol + indent + s).join("") };
}

/** Inserts a statement on its own line just above `before`, at its indentation. */
export function insertBefore(path: string, text: string, before: Directive, statement: string): TextEdit {
  const start = before.range.start.offset;
  const ls = lineStart(text, start);
  if (text.slice(ls, start).trim() !== "") return { path, range: range(text, start, start), newText: statement + " " };
  return { path, range: range(text, ls, ls), newText: indentAt(text, start) + statement + eolOf(text) };
}

/** Edits grouped by file, in first-seen order. */
export function byFile(edits: readonly TextEdit[]): Map<string, TextEdit[]> {
  const out = new Map<string, TextEdit[]>();
  for (const e of edits) {
    let list = out.get(e.path);
    if (!list) out.set(e.path, (list = []));
    list.push(e);
  }
  return out;
}
