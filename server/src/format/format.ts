// A formatter that cannot change what a file means: it only rewrites the whitespace *between* the tokens
// of the parse tree (words with their quotes, `;`, braces, comments, Lua bodies), never a token itself, and
// it proves each result twice: the tree parsed again is the same, and what nginx reads — the token stream
// of ngx_conf_read_token, read by format/nginx-tokens.ts, which shares no code with the parser — is the same.
//
// Why the gaps and nothing else: nginx splits words on whitespace (ngx_conf_read_token), so a gap of spaces,
// tabs or line breaks means the same whatever it holds, with exceptions handled below: a gap that is
// *empty* (`"x")` in an `if`, a word touching `;`) must stay empty, one before a first word starting with
// U+FEFF must stay non-empty, and the line break ending a `#` comment must stay a line break *for nginx*:
// an LF. A lone CR does not end a comment for nginx (it is inside the comment token, copied as it is), and
// the formatter never writes one: its line breaks are LF, or CRLF in a CRLF file. Everything that is not a
// gap — a quoted string spanning lines, a `\`-continued word, a `${var}`, a regex with `{}`, a Lua body
// with long strings, a comment running past a lone CR — is copied byte for byte.
//
// Layout: one statement per line, indented by nesting depth; a statement's continuation lines keep their
// width relative to its first word (aligned `log_format` strings stay aligned), at least one level; a
// comment after a statement stays on its line, one at column 0 stays at column 0 (commented-out code, which
// uncommenting gives back as it was written); at most one blank line is kept and none is added; trailing
// whitespace goes (outside strings and Lua bodies); the file ends with one line break, in its own style.
//
// Edits are one per changed gap, in the coordinates of the original text, so an editor keeps the cursor
// and undo history where they were; any subset of them (range formatting) is still meaning-preserving,
// and is checked the same way.

import type { Comment, Directive, Node, ParsedFile, Position, Range } from "../parse/ast";
import { applyEdits } from "../parse/edits";
import { parse } from "../parse/parser";
import { nginxTokens, sameReading, type NginxReading } from "./nginx-tokens";

export interface FormatOptions {
  /** Width of one indentation level (and of a tab when measuring columns). */
  tabSize: number;
  /** Indent with spaces (true) or tabs (false). */
  insertSpaces: boolean;
}

/** Replace `range` of the original text with `newText` (plain data; the LSP adapter converts it). */
export interface FormatEdit {
  range: Range;
  newText: string;
}

export type FormatResult =
  | {
      ok: true;
      /** The formatted text (the whole file, or the file with only the edits for `range` applied). */
      text: string;
      /** Non-overlapping edits in document order, against the original text. */
      edits: FormatEdit[];
    }
  | {
      ok: false;
      /** Why nothing is formatted. */
      reason: string;
      /** Where (the first syntax error), when there is a place. */
      range?: Range;
      edits: [];
    };

/** Offsets of the part of a text to format (range formatting): whole statements overlapping it are formatted. */
export interface FormatRange {
  start: number;
  end: number;
}

type ItemKind = "word" | "comment" | "semi" | "open" | "close" | "lua";

interface Item {
  kind: ItemKind;
  start: Position;
  end: Position;
  /** Nesting depth of the statement the item belongs to (a block's `}`: the depth of its directive). */
  depth: number;
  /** First item of a line-level element: a statement's name, a standalone comment, a block's `}`. */
  lead: boolean;
  /** The statement the item belongs to (for continuation lines); null for standalone comments and `}`. */
  stmt: Directive | null;
  /** For `{`: its block has no children (`events { }` may stay on one line). */
  emptyBlock?: boolean;
  /** The statement is an entry of a table block (`map`, `geo`, `types`…): its own spacing is kept. */
  table?: boolean;
}

/**
 * Blocks whose bodies are tables rather than directives: people align their columns, so the spaces within
 * an entry's line are kept (the entries are still re-indented, all by the same amount).
 */
const TABLE_BLOCKS = new Set(["map", "geo", "types", "split_clients", "match", "charset_map"]);

const NL = 10;
const CR = 13;

/** Formats `text` (a whole nginx file). Never throws; returns no edits for a file with syntax errors. */
export function formatText(text: string, options: FormatOptions, range?: FormatRange): FormatResult {
  return formatParsed(parse(text), options, range);
}

/** `formatText` over a tree already parsed from `parsed.text`. */
export function formatParsed(parsed: ParsedFile, options: FormatOptions, range?: FormatRange): FormatResult {
  const text = parsed.text;
  const firstError = parsed.errors.find((e) => e.severity === "error");
  if (firstError)
    return {
      ok: false,
      reason: `not formatted: the file has syntax errors (line ${firstError.range.start.line + 1}: ${firstError.message})`,
      range: firstError.range,
      edits: [],
    };
  const items: Item[] = [];
  collect(parsed.children, text, items);
  const tooDeep = indentationLimit(items, options);
  if (tooDeep) return { ok: false, ...tooDeep, edits: [] };
  const layout = new Layout(text, options);
  const edits = layout.edits(items, range ? statementSpan(items, range, text) : null);
  // Every character of an error-free file is in a token or is whitespace between two; anything else means
  // the tree and the text disagree, and a gap holding it must not be rewritten.
  if (layout.foreign)
    return { ok: false, reason: "not formatted: text outside the parse tree's tokens (a parser bug)", edits: [] };
  const formatted = applyEdits(text, edits);
  // The proof: the same tree, read again from the formatted text…
  const again = parse(formatted);
  if (again.errors.some((e) => e.severity === "error") || !sameTree(parsed.children, again.children))
    return {
      ok: false,
      reason: "not formatted: the result would not parse to the same tree (a formatter bug)",
      edits: [],
    };
  // …and the same tokens for nginx, read by a reader that is not our parser.
  if (formatted !== text && !sameReading(nginxReading(text), nginxReading(formatted)))
    return {
      ok: false,
      reason: "not formatted: nginx would read the result differently (a formatter bug)",
      edits: [],
    };
  return { ok: true, text: formatted, edits };
}

/**
 * What nginx reads, for the proof. A file that starts with a byte order mark is read without it: with it,
 * nginx rejects the file at its first word (`unknown directive "\uFEFF…"`) whatever follows, and the
 * workspace reports the mark as an error (utf8-bom); without it nginx reads what the editor shows.
 */
function nginxReading(text: string): NginxReading {
  return nginxTokens(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

/**
 * Indentation the layout may write in all (characters). It grows with the square of the nesting depth: 10,000
 * nested locations (nginx accepts 13,000) indented by 4 spaces are 400 million spaces, most of V8's longest
 * string, sent to an editor as one edit per line. Real files need a few KiB.
 */
export const MAX_INDENTATION = 16 * 1024 * 1024;

/** Why a file nests too deeply to be indented (with the deepest statement's place), or null. */
function indentationLimit(items: readonly Item[], options: FormatOptions): { reason: string; range: Range } | null {
  const unit = options.insertSpaces ? Math.max(1, Math.floor(options.tabSize) || 1) : 1;
  let total = 0;
  let deepest: Item | null = null;
  for (const it of items) {
    if (!it.lead) continue;
    total += it.depth * unit;
    if (deepest === null || it.depth > deepest.depth) deepest = it;
  }
  if (total <= MAX_INDENTATION || deepest === null) return null;
  const mib = (n: number): string => `${Math.ceil(n / (1024 * 1024))} MiB`;
  return {
    reason:
      `not formatted: blocks nested ${deepest.depth} deep would be indented by ${mib(total)} of whitespace ` +
      `in all (more than ${mib(MAX_INDENTATION)})`,
    range: { start: deepest.start, end: deepest.end },
  };
}

// ---- the tokens, in document order --------------------------------------------------------------------

/**
 * The items of `nodes` in document order. An explicit stack of the blocks being read (nginx accepts 13,000
 * nested locations, deeper than V8's stack); a block's `}` is added when its body is done.
 */
function collect(nodes: readonly Node[], text: string, out: Item[]): void {
  const stack: { nodes: readonly Node[]; index: number; depth: number; table: boolean; close: Item | null }[] = [
    { nodes, index: 0, depth: 0, table: false, close: null },
  ];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.index >= frame.nodes.length) {
      stack.pop();
      if (frame.close) out.push(frame.close);
      continue;
    }
    const node = frame.nodes[frame.index++];
    const { depth, table } = frame;
    if (node.kind === "comment") {
      out.push(commentItem(node, depth, true, null, text));
      continue;
    }
    const d = node;
    // The words and the comments written between them, in the order they were written.
    const inner: Item[] = [d.nameWord, ...d.args].map((w, i) => ({
      kind: "word" as const,
      start: w.range.start,
      end: w.range.end,
      depth,
      lead: i === 0,
      stmt: d,
      table,
    }));
    for (const c of d.argComments) inner.push(commentItem(c, depth, false, d, text));
    inner.sort((a, b) => a.start.offset - b.start.offset);
    for (const it of inner) out.push(it);
    if (d.semicolon)
      out.push({ kind: "semi", start: d.semicolon.start, end: d.semicolon.end, depth, lead: false, stmt: d, table });
    else if (d.lua)
      out.push({ kind: "lua", start: d.lua.range.start, end: d.lua.range.end, depth, lead: false, stmt: d });
    else if (d.block) {
      const b = d.block;
      const emptyBlock = b.children.length === 0;
      out.push({ kind: "open", start: b.open.start, end: b.open.end, depth, lead: false, stmt: d, emptyBlock });
      // Files with errors are never formatted, so every block has its `}`.
      const close: Item | null = b.close
        ? { kind: "close", start: b.close.start, end: b.close.end, depth, lead: true, stmt: null }
        : null;
      stack.push({ nodes: b.children, index: 0, depth: depth + 1, table: TABLE_BLOCKS.has(d.name), close });
    }
  }
}

/**
 * A comment without its trailing whitespace (which becomes part of the gap after it, and goes). That may
 * include lone CRs at its end (`# a\r\r\n`): nginx reads nothing after them up to the LF either.
 */
function commentItem(c: Comment, depth: number, lead: boolean, stmt: Directive | null, text: string): Item {
  let end = c.range.end.offset;
  while (end > c.range.start.offset + 1 && (isBlank(text.charCodeAt(end - 1)) || text.charCodeAt(end - 1) === CR))
    end--;
  const cut = c.range.end.offset - end;
  // A trimmed CR was an editor line break: count the position again from the comment's start.
  const endPos =
    cut === 0
      ? c.range.end
      : text.lastIndexOf("\r", c.range.end.offset - 1) >= end
        ? endOf(text.slice(0, end), c.range.start)
        : { ...c.range.end, character: c.range.end.character - cut, offset: end };
  return { kind: "comment", start: c.range.start, end: endPos, depth, lead, stmt };
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * The offsets a range formatting may touch: the range grown to every statement (head to terminator) that
 * overlaps it, then to the end of the last one's line (its trailing comment; not the line break after it,
 * whose gap holds the next line's indentation).
 */
function statementSpan(items: readonly Item[], range: FormatRange, text: string): FormatRange {
  let start = range.start;
  let end = range.end;
  for (const it of items) {
    const head = it.stmt ? it.stmt.nameWord.range.start.offset : it.start.offset;
    const tail = it.stmt ? headEnd(it.stmt) : it.end.offset;
    if (tail >= range.start && head <= range.end) {
      start = Math.min(start, head);
      end = Math.max(end, tail);
    }
  }
  let lineEnd = end;
  while (lineEnd < text.length && text.charCodeAt(lineEnd) !== NL && text.charCodeAt(lineEnd) !== CR) lineEnd++;
  // A trailing comment that runs on past a lone CR (for nginx it does) is taken whole.
  for (const it of items)
    if (it.kind === "comment" && it.start.offset < lineEnd && it.end.offset > lineEnd) lineEnd = it.end.offset;
  while (lineEnd > end && isBlank(text.charCodeAt(lineEnd - 1))) lineEnd--;
  return { start, end: lineEnd };
}

function headEnd(d: Directive): number {
  if (d.semicolon) return d.semicolon.end.offset;
  if (d.lua) return d.lua.range.end.offset;
  if (d.block) return d.block.open.end.offset;
  return d.range.end.offset;
}

// ---- the gaps between them --------------------------------------------------------------------------

class Layout {
  private eol = "\n";
  private readonly unit: string;
  /** The new indentation of the statement being written, and its first word's column in the original. */
  private stmt: Directive | null = null;
  private stmtIndent = "";
  private stmtColumn = 0;
  /** Columns of the statement's words: where each was in the original → where it is now. */
  private readonly anchors = new Map<number, number>();
  /** The column reached in the original and in the formatted text. */
  private origColumn = 0;
  private newColumn = 0;
  /** A gap held something other than whitespace. */
  foreign = false;

  constructor(
    private readonly text: string,
    private readonly options: FormatOptions,
  ) {
    const size = Math.max(1, Math.floor(options.tabSize) || 1);
    this.unit = options.insertSpaces ? " ".repeat(size) : "\t";
  }

  /** The edits: one per gap whose whitespace changes (only gaps touching `span`, when given). */
  edits(items: readonly Item[], span: FormatRange | null): FormatEdit[] {
    const text = this.text;
    this.eol = eolOf(text, items);
    const out: FormatEdit[] = [];
    const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    let prevEnd: Position = { line: 0, character: bom, offset: bom };
    let prev: Item | null = null;
    for (const it of items) {
      const gap = text.slice(prevEnd.offset, it.start.offset);
      this.origColumn = this.advance(this.origColumn, gap);
      let wanted = this.separator(prev, it, gap);
      // A U+FEFF that starts the first word, moved to the start of the file, would become a byte order mark
      // (which editors and the scanner drop): the gap before it stays.
      if (prev === null && bom === 0 && gap !== "" && text.charCodeAt(it.start.offset) === 0xfeff)
        wanted = lineBreaks(gap) > 0 ? this.eol : " ";
      this.push(out, prevEnd, it.start, wanted, span);
      this.newColumn = this.advance(this.newColumn, wanted);
      if (it.kind === "word" && it.stmt === this.stmt) this.anchors.set(this.origColumn, this.newColumn);
      const token = text.slice(it.start.offset, it.end.offset);
      this.origColumn = this.advance(this.origColumn, token);
      this.newColumn = this.advance(this.newColumn, token);
      prev = it;
      prevEnd = it.end;
    }
    // The end: one line break after the last token (none in a file without any).
    const tail = this.text.slice(prevEnd.offset);
    if (!/^[ \t\r\n]*$/.test(tail)) this.foreign = true;
    this.push(out, prevEnd, endOf(text, prevEnd), prev ? this.eol : "", span);
    return out;
  }

  private push(out: FormatEdit[], from: Position, to: Position, wanted: string, span: FormatRange | null): void {
    // Range formatting: the gaps inside the span and the one leading to it (the first line's indentation).
    if (span && !(to.offset > span.start && from.offset < span.end) && to.offset !== span.start) return;
    if (this.text.slice(from.offset, to.offset) === wanted) return;
    out.push({ range: { start: from, end: to }, newText: wanted });
  }

  private separator(prev: Item | null, cur: Item, gap: string): string {
    if (!/^[ \t\r\n]*$/.test(gap)) this.foreign = true;
    const breaks = lineBreaks(gap);
    if (cur.lead && cur.stmt) this.startStatement(cur);
    if (prev === null) return this.indent(cur.depth);
    // Inside one statement: between its words, comments and terminator.
    const sameStatement = cur.stmt !== null && cur.stmt === prev.stmt && !cur.lead;
    if (sameStatement && prev.kind !== "comment") {
      if (cur.table && breaks === 0 && cur.kind !== "comment") return gap;
      // `;` ends a word, except inside a `${` left open (`${url ;`: the `;` would join the variable).
      if (cur.kind === "semi")
        return gap === "" || !this.text.slice(prev.start.offset, prev.end.offset).includes("${") ? "" : " ";
      if (cur.kind === "open" || cur.kind === "lua") return " "; // so does `{` (a `${` was read as a word)
      if (gap === "") return ""; // `"x")` in an `if`: tokens written touching stay touching
      // A commented-out word of a statement over several lines (`#    b.example.com`) stays at column 0 too.
      if (cur.kind === "comment" && atColumnZero(gap)) return this.eol;
      return breaks > 0 ? this.eol + this.continuation(gap) : " ";
    }
    // After a `#` comment inside a statement (its gap holds the line break that ends the comment).
    if (sameStatement) return this.eol + (cur.kind === "comment" && atColumnZero(gap) ? "" : this.continuation(gap));
    // Between statements. A comment written on the line of what precedes it stays there.
    if (cur.kind === "comment" && breaks === 0) return " ";
    // A comment at column 0 inside a block is commented-out code (`#    location /old {`): it stays at column 0,
    // where uncommenting it gives back the line as it was written.
    if (cur.kind === "comment" && atColumnZero(gap)) return prev.kind === "open" ? this.eol : this.newlines(breaks);
    // `events { }`: an empty block written on one line stays on one line.
    if (cur.kind === "close" && prev.kind === "open" && prev.emptyBlock && breaks === 0) return gap === "" ? "" : " ";
    // No blank line at the top or bottom of a block, nor inside a statement.
    if (prev.kind === "open" || cur.kind === "close") return this.eol + this.indent(cur.depth);
    return this.newlines(breaks) + this.indent(cur.depth);
  }

  private startStatement(cur: Item): void {
    this.stmt = cur.stmt;
    this.stmtIndent = this.indent(cur.depth);
    this.stmtColumn = this.origColumn;
    this.anchors.clear();
  }

  /** One line break, or two (one blank line) where the original had a blank line. */
  private newlines(breaks: number): string {
    return breaks >= 2 ? this.eol + this.eol : this.eol;
  }

  private indent(depth: number): string {
    return this.unit.repeat(depth);
  }

  /**
   * A continuation line's indentation. Written under a word of the statement (`log_format main '…'` with
   * the next strings under the first): under that word's new column. Otherwise its width relative to the
   * statement's first word, kept; at least one level deeper than the statement.
   */
  private continuation(gap: string): string {
    const lastBreak = Math.max(gap.lastIndexOf("\n"), gap.lastIndexOf("\r"));
    const width = this.width(gap.slice(lastBreak + 1), 0);
    const anchor = this.anchors.get(width);
    const base = this.width(this.stmtIndent, 0);
    if (anchor !== undefined && anchor > base) return this.stmtIndent + this.widthToIndent(anchor - base);
    const delta = width - this.stmtColumn;
    if (delta <= 0) return this.stmtIndent + this.unit;
    return this.stmtIndent + this.widthToIndent(delta);
  }

  /** The column after writing `s` from column `col`. */
  private advance(col: number, s: string): number {
    const lastBreak = Math.max(s.lastIndexOf("\n"), s.lastIndexOf("\r"));
    return lastBreak < 0 ? this.width(s, col) : this.width(s.slice(lastBreak + 1), 0);
  }

  private widthToIndent(w: number): string {
    if (this.options.insertSpaces) return " ".repeat(w);
    const size = this.unit === "\t" ? Math.max(1, Math.floor(this.options.tabSize) || 1) : 1;
    return "\t".repeat(Math.floor(w / size)) + " ".repeat(w % size);
  }

  private width(s: string, from: number): number {
    const size = Math.max(1, Math.floor(this.options.tabSize) || 1);
    let w = from;
    for (let i = 0; i < s.length; i++) w = s.charCodeAt(i) === 0x09 ? (Math.floor(w / size) + 1) * size : w + 1;
    return w;
  }
}

/** The gap ends with a line break: what follows it starts at column 0 (the gap holds no line break otherwise). */
function atColumnZero(gap: string): boolean {
  const last = gap.charCodeAt(gap.length - 1);
  return last === NL || last === CR;
}

/** Line breaks in a gap: LF, CRLF and a lone CR each count once (as the scanner counts lines). */
function lineBreaks(gap: string): number {
  let n = 0;
  for (let i = 0; i < gap.length; i++) {
    const c = gap.charCodeAt(i);
    if (c === NL) n++;
    else if (c === CR && gap.charCodeAt(i + 1) !== NL) n++;
  }
  return n;
}

/**
 * The line ending the formatter writes: CRLF when most line breaks between tokens are CRLF, else LF (those
 * inside strings, words and Lua bodies are not the formatter's, and counting them would make a second run
 * choose otherwise; all of them when no line break is between tokens). Never a lone CR, even in a file
 * written with them: nginx ends a `#` comment only at LF, so a comment followed by a written CR would
 * swallow the next line (a lone CR between other tokens is only a space to nginx, and becomes LF).
 */
function eolOf(text: string, items: readonly Item[]): string {
  let crlf = 0;
  let lf = 0;
  const count = (from: number, to: number): void => {
    for (let i = text.indexOf("\n", from); i !== -1 && i < to; i = text.indexOf("\n", i + 1)) {
      if (i > from && text.charCodeAt(i - 1) === CR) crlf++;
      else lf++;
    }
  };
  let at = 0;
  for (const it of items) {
    count(at, it.start.offset);
    at = it.end.offset;
  }
  count(at, text.length);
  if (crlf + lf === 0) count(0, text.length);
  return crlf > lf ? "\r\n" : "\n";
}

/** The position of the end of `text`, counted on from `from` (a position in it). */
function endOf(text: string, from: Position): Position {
  let line = from.line;
  let lineStart = from.offset - from.character;
  for (let i = from.offset; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === NL || (c === CR && text.charCodeAt(i + 1) !== NL)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: text.length - lineStart, offset: text.length };
}

// ---- the proof ----------------------------------------------------------------------------------------

/**
 * The two trees say the same: same statements (names, words with their quotes, terminators, Lua code),
 * same nesting, same comments (text without trailing whitespace, which the formatter removes) in the same
 * places. Positions are not compared: they are what formatting changes.
 */
export function sameTree(a: readonly Node[], b: readonly Node[]): boolean {
  // Pairs of lists still to compare: an explicit stack, since blocks nest deeper than V8's stack.
  const pending: [readonly Node[], readonly Node[]][] = [[a, b]];
  for (let pair = pending.pop(); pair !== undefined; pair = pending.pop()) {
    const [xs, ys] = pair;
    if (xs.length !== ys.length) return false;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      const y = ys[i];
      if (x.kind === "comment") {
        if (y.kind !== "comment" || x.text.trimEnd() !== y.text.trimEnd()) return false;
      } else if (y.kind !== "directive" || !sameStatement(x, y)) return false;
      else if (x.block && y.block) pending.push([x.block.children, y.block.children]);
    }
  }
  return true;
}

/** The statements say the same, apart from their blocks' contents (which sameTree compares). */
function sameStatement(x: Directive, y: Directive): boolean {
  if (x.name !== y.name || x.nameWord.quote !== y.nameWord.quote || x.terminator !== y.terminator) return false;
  if (x.args.length !== y.args.length || x.argComments.length !== y.argComments.length) return false;
  for (let i = 0; i < x.args.length; i++)
    if (x.args[i].value !== y.args[i].value || x.args[i].quote !== y.args[i].quote) return false;
  for (let i = 0; i < x.argComments.length; i++)
    if (x.argComments[i].text.trimEnd() !== y.argComments[i].text.trimEnd()) return false;
  if ((x.lua?.code ?? null) !== (y.lua?.code ?? null)) return false;
  return !x.block === !y.block;
}
