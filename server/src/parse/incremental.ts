// An edit → the parse of the new text, re-parsing only the block body (or the top-level statements) around
// it and shifting the positions of what follows.
//
// Lines and offsets in the tree are relative to the enclosing block's directive (ast.ts), so what follows the
// edit moves by changing the later siblings of the re-parsed part and, in each block around it, its `}` and
// its later siblings: offsets by the length delta, lines by the line delta. Characters are the line's own:
// those on the line the re-parsed part ends on change too, one by one. The work is bounded by the siblings on
// the path, not by the file (test/parse/edit-touches.test.ts; bench/incremental-parse.ts measures it).
//
// When is a local re-parse equal to the full one? The scanner's state at a block's `{` is fixed by the text
// before it (unchanged), and after the block's `}` it is the same as before the edit (no words pending, no
// comment, string or Lua body open: the `}` ended a block) whenever the body scanned through that `}` closes
// exactly there (parser.ts `reparseBody`). A comment reaching the `}`, an open string, a Lua body, a stray
// `}` or `{` in the body: the body does not stand alone, and the parent block's body is tried, then the
// top-level statements around the edit, then the whole file.

import {
  treeMoved,
  type Comment,
  type Directive,
  type Node,
  type ParsedFile,
  type Position,
  type Range,
  type SyntaxError,
} from "./ast";
import { parse, reparseBody, reparseRegion, type PartReparse, type ReparseText } from "./parser";
import { OutsideWindow } from "./scanner";

/** One edit in the offsets of the text it applies to (UTF-16): `[start, end)` replaced by `text`. */
export interface TextChange {
  start: number;
  end: number;
  text: string;
  /** The LFs of the replaced text `[start, end)`, when the caller knows them (counting reads the old text). */
  removedLfs?: number;
}

/**
 * `[from, to)` of the new text, read without reading the new text itself (an editor buffer's pieces,
 * lsp/edited-document.ts): the parts re-parsed are read through it, so that the whole text is not copied.
 */
export type TextWindowReader = (from: number, to: number) => string;

/**
 * How the new tree was made: `statements` (the statements around the edit in one block's body re-parsed),
 * `block` (one block's whole body), `top` (top-level statements around the edit) or `full` (the whole file).
 */
export type UpdateKind = "statements" | "block" | "top" | "full";

export interface ParseUpdate {
  parsed: ParsedFile;
  kind: UpdateKind;
  /**
   * Nodes kept (same objects) whose content changed: the directive whose block body was re-parsed and the
   * directives of the blocks around it, outermost first (for `block`); empty for `top` and `full`.
   * Every other kept node has only moved (its positions shifted in place).
   */
  changed: Directive[];
  /** The new nodes (the re-parsed body's, or the top-level statements'); all of them for `full`. */
  added: Node[];
  /** Nodes moved in place after the re-parsed part (their numbers changed): the work of the fix-up. */
  moved: number;
  /** The change as applied (offsets clamped to the old text) and the old text's length. */
  change: TextChange;
  oldLength: number;
}

/**
 * The parse of `old.text` with `change` applied, equal to `parse(newText)` (tree, ranges, errors, line
 * count). Nodes outside the re-parsed part keep their identity: they are shifted *in place*, so the
 * result shares them with `old`, and `old` is no longer valid afterwards (its positions are the new text's).
 * `newText`, when the caller has it (the editor's buffer), must be `old.text` with the change applied.
 */
export function updateParse(old: ParsedFile, change: TextChange, newText?: string): ParsedFile {
  return updateParseDetailed(old, change, newText).parsed;
}

/** A line and a character (UTF-16) in an editor's terms: LF, CRLF and a lone CR end a line. */
export interface LineCharacter {
  line: number;
  character: number;
}

/** An edit as an editor sends it (LSP `TextDocumentContentChangeEvent` with a range), without LSP types. */
export interface RangeChange {
  range: { start: LineCharacter; end: LineCharacter };
  text: string;
}

/**
 * The changes of one LSP `didChange`, applied in order (each in the positions of the text after the previous
 * ones). `finalText`, when the caller has it, is the text after all of them.
 */
export function updateParseAll(
  old: ParsedFile,
  changes: readonly (TextChange | RangeChange)[],
  finalText?: string,
  window?: TextWindowReader,
): ParseUpdate[] {
  const updates: ParseUpdate[] = [];
  let current = old;
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i];
    const change = "range" in c ? toTextChange(current, c) : c;
    const last = i === changes.length - 1;
    const u = updateParseDetailed(current, change, last ? finalText : undefined, last ? window : undefined);
    updates.push(u);
    current = u.parsed;
  }
  return updates;
}

/** `change` in offsets of `parsed.text` (a reversed range is read the right way round, as editors do). */
export function toTextChange(parsed: ParsedFile, change: RangeChange): TextChange {
  const a = offsetAt(parsed, change.range.start);
  const b = offsetAt(parsed, change.range.end);
  return { start: Math.min(a, b), end: Math.max(a, b), text: change.text };
}

/**
 * The offset of an editor position in `parsed.text`, as vscode-languageserver-textdocument's `offsetAt`
 * gives it: a character past the end of its line is the end of the line (before its line break), a line
 * past the last is the end of the text. The tree gives a line start near the position (the last node
 * starting on a line at or before it, blocks descended), so only the lines after that node are read.
 */
export function offsetAt(parsed: ParsedFile, at: LineCharacter): number {
  const text = parsed.text;
  if (at.line < 0) return 0;
  let line = 0;
  let o = 0;
  let nodes = parsed.children;
  for (;;) {
    const i = lastStartingOnOrBeforeLine(nodes, at.line);
    if (i < 0) break;
    const n = nodes[i];
    line = n.startLine;
    o = n.startOffset - n.startCharacter;
    if (n.kind !== "directive" || !n.block || n.endLine < at.line) break;
    nodes = n.block.children;
  }
  for (; line < at.line; line++) {
    while (o < text.length && !isLineBreak(text.charCodeAt(o))) o++;
    if (o >= text.length) return text.length;
    o += text.charCodeAt(o) === 0x0d && text.charCodeAt(o + 1) === 0x0a ? 2 : 1;
  }
  const lineStart = o;
  while (o < text.length && o - lineStart < at.character && !isLineBreak(text.charCodeAt(o))) o++;
  return o;
}

function isLineBreak(c: number): boolean {
  return c === 0x0a || c === 0x0d;
}

function lastStartingOnOrBeforeLine(nodes: readonly Node[], line: number): number {
  let lo = 0;
  let hi = nodes.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (nodes[mid].startLine <= line) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** `updateParse`, saying how the tree was made and which kept nodes changed. */
export function updateParseDetailed(
  old: ParsedFile,
  change: TextChange,
  newText?: string,
  window?: TextWindowReader,
): ParseUpdate {
  const oldText = old.text;
  const start = Math.max(0, Math.min(change.start, oldText.length));
  const end = Math.max(start, Math.min(change.end, oldText.length));
  const applied = { start, end, text: change.text };
  const newLength = oldText.length + change.text.length - (end - start);
  const text =
    newText !== undefined && newText.length === newLength
      ? newText
      : oldText.slice(0, start) + change.text + oldText.slice(end);
  const edit = { start, end, delta: text.length - oldText.length, lfDelta: countLf(change.text) };
  edit.lfDelta -=
    change.removedLfs !== undefined && start === change.start && end === change.end
      ? change.removedLfs
      : countLf(oldText, start, end);

  const path = enclosingBlocks(old.children, start, end);
  const whole = (): ReparseText => text;
  // A window of the new text through the part re-parsed and one character past it (the scanner looks ahead).
  const windowed =
    window && text === newText
      ? (lo: number, hi: number): ReparseText => {
          const to = Math.min(text.length, hi + 2);
          return { text: window(lo, to), start: lo, length: text.length };
        }
      : whole;
  let read = windowed;
  // Innermost first: the statements around the edit in a block's body, then that whole body, then the same
  // one block further out; last the top-level statements around it, then the whole file.
  for (let level = path.length - 1; level >= -1; level--) {
    let u: PartUpdate | null;
    try {
      u =
        reparseAround(old, text, read, edit, path, level) ??
        (level >= 0 ? reparseWholeBody(old, text, read, edit, path, level) : null);
    } catch (err) {
      // The scan needed text before its window (nginx's line of a warning): the same level, whole text. A
      // scan throws before anything is spliced, so the tree is still the old one.
      if (!(err instanceof OutsideWindow) || read === whole) throw err;
      read = whole;
      level++;
      continue;
    }
    if (u !== null) return { ...u, change: applied, oldLength: oldText.length };
  }
  const parsed = parse(text);
  return {
    parsed,
    kind: "full",
    changed: [],
    added: parsed.children,
    moved: 0,
    change: applied,
    oldLength: oldText.length,
  };
}

type PartUpdate = Omit<ParseUpdate, "change" | "oldLength">;

interface Edit {
  start: number;
  end: number;
  /** New length − old length. */
  delta: number;
  /** LFs inserted − LFs removed (nginx's line numbers count LFs only). */
  lfDelta: number;
}

/**
 * The directives whose block body holds `[start, end)` without touching its braces, outermost first. A
 * block left open at the end of the input (no `}`) is not one: its body runs to wherever the text ends.
 */
function enclosingBlocks(children: Node[], start: number, end: number): Directive[] {
  const path: Directive[] = [];
  let nodes = children;
  for (;;) {
    const i = lastStartingAtOrBefore(nodes, start);
    if (i < 0) return path;
    const n = nodes[i];
    if (n.kind !== "directive" || !n.block || n.block.closeOffset < 0) return path;
    if (n.block.openOffset + 1 > start || end > n.block.closeOffset) return path;
    path.push(n);
    nodes = n.block.children;
  }
}

/** Index of the last node starting at or before `offset` (siblings are ordered and do not overlap), or -1. */
export function lastStartingAtOrBefore(nodes: readonly Node[], offset: number): number {
  let lo = 0;
  let hi = nodes.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (nodes[mid].startOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * The statements around the edit in the body of `path[level]` (in the file, for level -1) re-parsed: from
 * the end of the last sibling ended by `;` or `}` before the edit (such an end cannot grow into the edited
 * text; else from the body's `{`, or the file's start) to the start of the first sibling after it (else
 * through the body's `}`, or to the file's end). Null when the scanner would not be between statements there.
 */
function reparseAround(
  old: ParsedFile,
  text: string,
  read: (lo: number, hi: number) => ReparseText,
  edit: Edit,
  path: Directive[],
  level: number,
): PartUpdate | null {
  const block = level >= 0 ? path[level].block! : null;
  const siblings = block ? block.children : old.children;
  let first = lastStartingAtOrBefore(siblings, edit.start);
  while (first >= 0 && !(endsClosed(siblings[first]) && siblings[first].endOffset <= edit.start)) first--;
  const from = first >= 0 ? siblings[first].range.end : block ? block.open.end : null;
  first++;
  let next = first;
  // A node starting right where the edit ends is re-parsed too (an insertion may run into its first word).
  while (next < siblings.length && siblings[next].startOffset <= edit.end) next++;
  const lo = from ? from.offset : 0;
  // When the part does not end between statements (a word typed right after a `}` runs into the next
  // line's statement), it takes in one more sibling, a few times, before the whole body is re-parsed.
  for (let more = 0; more <= 2; more++, next++) {
    if (block && next >= siblings.length) {
      // The last statements of the body: scanned through the `}` (a word typed just before it is a
      // statement the `}` ends), as the whole body is, but from the last closed sibling.
      const close = block.close!;
      const closeAt = close.start.offset + edit.delta;
      const part = reparseBody(read(lo, closeAt + 1), from!, closeAt, path[level]);
      if (part === null) return null;
      return splice(old, text, edit, path, level, first, siblings.length, part, lo, close.start.offset, close.start);
    }
    const anchor = next < siblings.length ? siblings[next].range.start : null;
    const to = anchor ? anchor.offset + edit.delta : text.length;
    // The window starts where the scan does (the file's start when `from` is null).
    const part = reparseRegion(read(from ? lo : 0, to), from, to, block ? path[level] : null);
    if (part !== null) {
      return splice(old, text, edit, path, level, first, next, part, lo, anchor ? anchor.offset - 1 : Infinity, anchor);
    }
    if (anchor === null) return null;
  }
  return null;
}

/** The whole body of `path[level]` re-parsed, scanned through its `}` (parser.ts `reparseBody`). */
function reparseWholeBody(
  old: ParsedFile,
  text: string,
  read: (lo: number, hi: number) => ReparseText,
  edit: Edit,
  path: Directive[],
  level: number,
): PartUpdate | null {
  const block = path[level].block!;
  const close = block.close!;
  const closeAt = close.start.offset + edit.delta;
  const part = reparseBody(read(block.open.end.offset, closeAt + 1), block.open.end, closeAt, path[level]);
  if (part === null) return null;
  const n = block.children.length;
  return splice(old, text, edit, path, level, 0, n, part, block.open.end.offset, close.start.offset, close.start, true);
}

/**
 * Puts `part` in place of `siblings[first .. next)` of `path[level]`'s body (the file's, level -1) and moves
 * what follows `anchor` (old text; null: the part runs to the end of the file). The part's old errors are
 * those starting in `[lo, hi]`.
 */
function splice(
  old: ParsedFile,
  text: string,
  edit: Edit,
  path: Directive[],
  level: number,
  first: number,
  next: number,
  part: PartReparse,
  lo: number,
  hi: number,
  anchor: Position | null,
  wholeBody = false,
): PartUpdate {
  const siblingsOf = (j: number): Node[] => (j >= 0 ? path[j].block!.children : old.children);
  const siblings = siblingsOf(level);
  let errors: SyntaxError[];
  let lineCount: number;
  let moved = 0;
  if (anchor === null) {
    errors = [];
    for (const e of old.errors) if (e.range.start.offset < lo) errors.push(e);
    for (const e of part.errors) errors.push(e);
    lineCount = part.end.line + 1;
  } else {
    // Where each enclosing block sits among its siblings, found before any position moves.
    const index: number[] = [];
    for (let j = 0; j <= level; j++) index.push(lastStartingAtOrBefore(siblingsOf(j - 1), path[j].startOffset) + 1);
    const after = new Shift(anchor, part.end, edit.delta);
    errors = spliceErrors(old, part, lo, hi, after, edit.lfDelta);
    after.charactersOnAnchorLine(siblings, next, path.slice(0, level + 1), index, siblingsOf);
    after.nodesFrom(siblings, next);
    // The blocks around the part: their `}`, and their later siblings.
    for (let j = level; j >= 0; j--) {
      after.blockEnd(path[j]);
      after.nodesFrom(siblingsOf(j - 1), index[j]);
    }
    moved = after.done();
    lineCount = old.lineCount + after.lineDelta;
  }
  const added = part.children;
  let children: Node[];
  if (first === 0 && next === siblings.length) children = added;
  else {
    children = siblings.slice(0, first);
    for (const n of added) children.push(n);
    for (let i = next; i < siblings.length; i++) children.push(siblings[i]);
  }
  if (level >= 0) path[level].block!.children = children;
  return {
    parsed: { text, children: level >= 0 ? old.children : children, errors, lineCount },
    kind: level < 0 ? "top" : first === 0 && next === siblings.length && wholeBody ? "block" : "statements",
    changed: path.slice(0, level + 1),
    added,
    moved,
  };
}

/** A statement that nothing after it can extend: ended by `;`, by the `}` of its block or of its Lua body. */
function endsClosed(n: Node): boolean {
  if (n.kind !== "directive") return false;
  if (n.terminator === ";") return true;
  if (n.terminator === "{") return n.block!.closeOffset >= 0;
  if (n.terminator === "lua") return n.lua!.inner.end.offset < n.lua!.range.end.offset;
  return false;
}

/**
 * The old errors before the re-parsed part, the part's own, then the old ones after it, shifted. The
 * scanner reports errors in the order it reads the text, and every error lies inside the statement or
 * comment it was found in, so the part's old errors are those starting in `[lo, hi]` (old offsets; `hi`
 * is the part's `}`, where a quote closed just before it is reported).
 */
function spliceErrors(
  old: ParsedFile,
  part: PartReparse,
  lo: number,
  hi: number,
  after: Shift,
  lfDelta: number,
): SyntaxError[] {
  const out: SyntaxError[] = [];
  const errors = old.errors;
  let i = 0;
  while (i < errors.length && errors[i].range.start.offset < lo) out.push(errors[i++]);
  while (i < errors.length && errors[i].range.start.offset <= hi) i++;
  for (const e of part.errors) out.push(e);
  if (i === errors.length) return out;
  const openNote = innermostOpenBlock(old.children);
  for (; i < errors.length; i++) {
    const e = errors[i];
    // Before shifting: whether the block named in an end-of-input message lies after the re-parsed part.
    if (e.crossplaneLine !== undefined) fixEndOfInput(e, openNote, hi, after.lineDelta);
    else if (e.code === "comment-continues-past-cr" && lfDelta !== 0) fixNginxLine(e, lfDelta);
    after.range(e.range);
    if (e.related) for (const r of e.related) after.range(r.range);
    out.push(e);
  }
  return out;
}

/** The innermost block left open at the end of the input (scanner.ts `finishAtEndOfInput` names it). */
function innermostOpenBlock(children: Node[]): Directive | null {
  let found: Directive | null = null;
  let nodes = children;
  for (;;) {
    const n = nodes[nodes.length - 1];
    if (n === undefined || n.kind !== "directive" || !n.block || n.block.closeOffset >= 0) return found;
    found = n;
    nodes = n.block.children;
  }
}

const OPEN_BLOCK_LINE = /block opened on line (\d+) is never closed$/;

/** The end-of-input error: crossplane's line (an editor line) and the line of the block it names move. */
function fixEndOfInput(e: SyntaxError, open: Directive | null, hi: number, lineDelta: number): void {
  if (lineDelta === 0) return;
  if (typeof e.crossplaneLine === "number") e.crossplaneLine += lineDelta;
  // The tree has not moved yet (splice moves errors first): the `{` is still at its old offset.
  const brace = open?.block!.openOffset;
  if (brace !== undefined && brace > hi) {
    const m = OPEN_BLOCK_LINE.exec(e.message);
    if (m) e.message = e.message.slice(0, m.index) + `block opened on line ${Number(m[1]) + lineDelta} is never closed`;
  }
}

const NGINX_LINE = /\(for nginx this text is on line (\d+)\)$/;

/** The warning of a comment continued past a lone CR names nginx's line (LFs only). */
function fixNginxLine(e: SyntaxError, lfDelta: number): void {
  const m = NGINX_LINE.exec(e.message);
  if (m) e.message = e.message.slice(0, m.index) + `(for nginx this text is on line ${Number(m[1]) + lfDelta})`;
}

function countLf(s: string, from = 0, to = s.length): number {
  let n = 0;
  for (let i = s.indexOf("\n", from); i !== -1 && i < to; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * Moves what follows `anchor` (old text) to the new text, where `anchor` is now at `moved`: offsets by `delta`,
 * lines by the anchor's line delta, and `character` on the anchor's own line by its change.
 *
 * The tree's lines and offsets are relative to the directive of the enclosing block (ast.ts), so only the
 * later siblings of the re-parsed part, the `}` (and end) of each block around it and those blocks' later
 * siblings move: O(siblings on the path), not O(file). Characters are the line's own, so those on the anchor's
 * line are moved one by one, in document order until the first position on a later line. Errors are plain
 * objects that may share a Position among themselves: a Set keeps each moved once.
 */
class Shift {
  readonly lineDelta: number;
  private readonly anchorLine: number;
  private readonly charDelta: number;
  private readonly seen = new Set<Position>();
  private readonly noop: boolean;
  private count = 0;

  constructor(
    anchor: Position,
    moved: Position,
    private readonly delta: number,
  ) {
    this.anchorLine = anchor.line;
    this.lineDelta = moved.line - anchor.line;
    this.charDelta = moved.character - anchor.character;
    this.noop = delta === 0 && this.lineDelta === 0 && this.charDelta === 0;
  }

  /** An error's position (a plain object, moved once however often it is shared). */
  position(p: Position): void {
    if (this.noop || this.seen.has(p)) return;
    this.seen.add(p);
    if (p.line === this.anchorLine) p.character += this.charDelta;
    p.line += this.lineDelta;
    p.offset += this.delta;
  }

  range(r: Range): void {
    this.position(r.start);
    this.position(r.end);
  }

  /**
   * The characters on the anchor's line, in document order from the anchor: `nodes[from ..]`, then for each
   * block of `path` from the innermost, its `}` and its later siblings (`index[j]` in `outer(j)`). Reads
   * absolute lines, so it runs before any line or offset moves.
   */
  charactersOnAnchorLine(
    nodes: readonly Node[],
    from: number,
    path: Directive[],
    index: number[],
    outer: (j: number) => Node[],
  ): void {
    if (this.charDelta === 0) return;
    if (!this.charsOfNodes(nodes, from)) return;
    for (let j = path.length - 1; j >= 0; j--) {
      if (!this.charsOfEnd(path[j])) return;
      if (!this.charsOfNodes(outer(j - 1), index[j])) return;
    }
  }

  /** false once a node starts after the anchor's line (everything after it does too). */
  private charsOfNodes(nodes: readonly Node[], from: number): boolean {
    const stack: Node[] = [];
    // true: the node's block body is done, its `}` (or the end of the input) comes next.
    const closing: boolean[] = [];
    for (let i = nodes.length - 1; i >= from; i--) {
      stack.push(nodes[i]);
      closing.push(false);
    }
    const a = this.anchorLine;
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (closing.pop()) {
        if (!this.charsOfEnd(n as Directive)) return false;
        continue;
      }
      if (n.startLine !== a) return false;
      if (n.kind === "comment") {
        this.chars(n);
        continue;
      }
      n.moveWordCharacters(a, this.charDelta);
      this.count += 1 + n.argCount;
      for (const c of n.argComments) this.chars(c);
      if (n.lua) {
        const at = n.lua.at;
        const line = n.startLine;
        for (let i = 0; i < at.length; i += 3) if (line + at[i] === a) at[i + 1] += this.charDelta;
      }
      const block = n.block;
      if (block) {
        if (n.startLine + block.relOpenLine === a) block.openCharacter += this.charDelta;
        stack.push(n);
        closing.push(true);
        for (let i = block.children.length - 1; i >= 0; i--) {
          stack.push(block.children[i]);
          closing.push(false);
        }
      } else if (n.endLine === a) n.endCharacter += this.charDelta;
    }
    return true;
  }

  /** A comment's ends on the anchor's line. */
  private chars(s: Comment): void {
    const a = this.anchorLine;
    if (s.startLine === a) s.startCharacter += this.charDelta;
    if (s.endLine === a) s.endCharacter += this.charDelta;
    this.count++;
  }

  /** A block's `}` and the directive's end, when on the anchor's line; false when after it. */
  private charsOfEnd(d: Directive): boolean {
    const a = this.anchorLine;
    const block = d.block!;
    if (block.relCloseOffset >= 0) {
      if (d.startLine + block.relCloseLine !== a) return false;
      block.closeCharacter += this.charDelta;
    }
    if (d.endLine !== a) return false;
    d.endCharacter += this.charDelta;
    this.count++;
    return true;
  }

  /** `nodes[from ..]`, siblings after the part or after a block around it: their lines and offsets. */
  nodesFrom(nodes: readonly Node[], from: number): void {
    if (this.noop) return;
    for (let i = from; i < nodes.length; i++) {
      const n = nodes[i];
      n.relStartLine += this.lineDelta;
      n.relStartOffset += this.delta;
      n.relEndLine += this.lineDelta;
      n.relEndOffset += this.delta;
      this.count++;
    }
  }

  /** The `}` of a block around the part (the end of the input for a block left open), and so the directive's end. */
  blockEnd(d: Directive): void {
    if (this.noop) return;
    const block = d.block!;
    if (block.relCloseOffset >= 0) {
      block.relCloseLine += this.lineDelta;
      block.relCloseOffset += this.delta;
    }
    d.relEndLine += this.lineDelta;
    d.relEndOffset += this.delta;
    this.count++;
  }

  /** Ends the move (every tree's absolute starts are found again). Returns how many nodes moved. */
  done(): number {
    this.seen.clear();
    treeMoved();
    return this.count;
  }
}
