// An open document kept as the pieces its edits made of it, so that an edit never copies the whole text.
//
// vscode-languageserver-textdocument applies an edit as `before + inserted + after` and then reads a
// character of the result: V8 copies such a concatenation (a cons string) into one flat string on its first
// read, and a fresh 13 MB string (large-config ×10, 350,754 lines) costs 45–75 ms per keystroke (measured:
// the copy itself is ~1 ms; the rest is the new memory it is written to). Here the text is a flat `base`
// plus pieces (ranges of `base` and inserted strings) in order; characters and short ranges are read from
// the pieces (`slice`), and `getText()` hands out the concatenation of the pieces, which V8 copies only
// when something reads that string. Positions and offsets are those of the library (its `offsetAt`,
// `positionAt`, line offsets kept across edits the same way), test/lsp/edited-document.test.ts compares
// both after every edit of random edit sequences.

import type { Position, Range, TextDocument } from "vscode-languageserver-textdocument";
import type { TextDocumentContentChangeEvent } from "vscode-languageserver/node";

/** A piece of the text: `[from, to)` of `source` (the base or an inserted text). */
interface Piece {
  source: string;
  from: number;
  to: number;
  /**
   * Whether `[from, to)` holds a NUL (undefined: not looked yet). Looked once per piece and kept by the
   * parts cut from a piece without one: classify.ts asks it of the whole text on every keystroke, and
   * scanning the 13 MB of large-config ×10 was ~0.6 ms of each (profiled).
   */
  nul?: boolean;
}

/** Whether the piece's text holds a NUL, looked once per piece. */
function pieceHoldsNul(p: Piece): boolean {
  // A slice of a flat string is a view of it (nothing copied): only the piece's own characters are read.
  if (p.nul === undefined) p.nul = p.source.slice(p.from, p.to).includes("\0");
  return p.nul;
}

/** A part of `p`: it holds no NUL when `p` holds none. */
function cut(p: Piece, from: number, to: number): Piece {
  return p.nul === false ? { source: p.source, from, to, nul: false } : { source: p.source, from, to };
}

/**
 * Past this many pieces an edit makes the text one flat string again (one copy of the whole text every
 * ~MAX_PIECES / 2 keystrokes), so that reading a character stays a walk of a few pieces.
 */
const MAX_PIECES = 64;

const LF = 10;
const CR = 13;

function isEol(c: number): boolean {
  return c === LF || c === CR;
}

/** Start offsets of the lines after each line break of `text[from, to)`, at `base` + their offset. */
function addLineStarts(out: number[], text: string, from: number, to: number, base: number): void {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === CR && i + 1 < to && text.charCodeAt(i + 1) === LF) i++;
    else if (!isEol(c)) continue;
    out.push(base + i - from + 1);
  }
}

function sliceOf(pieces: readonly Piece[], length: number, from: number, to: number): string {
  from = Math.max(0, Math.min(from, length));
  to = Math.max(from, Math.min(to, length));
  let out = "";
  let at = 0;
  for (const p of pieces) {
    const n = p.to - p.from;
    if (at + n > from && at < to) out += p.source.slice(p.from + Math.max(0, from - at), p.from + Math.min(n, to - at));
    at += n;
    if (at >= to) break;
  }
  return out;
}

/** A change as applied: `[start, end)` replaced by `text` (with the LFs it removed), or the whole text. */
export type AppliedChange = { start: number; end: number; text: string; removedLfs: number } | { text: string };

export class EditedDocument implements TextDocument {
  private pieces: Piece[];
  private length: number;
  /** The concatenation of the pieces, made when asked for (null: not made since the last edit). */
  private content: string | null;
  private lineOffsets: number[] | undefined;

  constructor(
    readonly uri: string,
    readonly languageId: string,
    private versionNumber: number,
    text: string,
  ) {
    this.pieces = text.length > 0 ? [{ source: text, from: 0, to: text.length }] : [];
    this.length = text.length;
    this.content = text;
    this.lineOffsets = undefined;
  }

  static create(uri: string, languageId: string, version: number, text: string): EditedDocument {
    return new EditedDocument(uri, languageId, version, text);
  }

  get version(): number {
    return this.versionNumber;
  }

  get lineCount(): number {
    return this.getLineOffsets().length;
  }

  getText(range?: Range): string {
    if (range) return this.slice(this.offsetAt(range.start), this.offsetAt(range.end));
    if (this.content === null) {
      // A cons string of slices of flat strings: nothing is copied until the string is read.
      let s = "";
      for (const p of this.pieces) s += p.source.slice(p.from, p.to);
      this.content = s;
    }
    return this.content;
  }

  /** `getText().slice(from, to)`, read from the pieces (the whole text is not made or copied). */
  slice(from: number, to: number): string {
    return sliceOf(this.pieces, this.length, from, to);
  }

  /**
   * This version's text as parts (workspace/files.ts `TextWindow`), valid after later edits too: an edit
   * makes a new list of pieces and never changes a piece.
   */
  snapshot(): { slice(from: number, to: number): string; chunks(): Iterable<string>; holdsNul(): boolean } {
    const pieces = this.pieces;
    const length = this.length;
    return {
      slice: (from, to) => sliceOf(pieces, length, from, to),
      chunks: () => pieces.map((p) => p.source.slice(p.from, p.to)),
      holdsNul: () => pieces.some(pieceHoldsNul),
    };
  }

  /** The character code at `offset` (NaN outside the text), read from the pieces. */
  charCodeAt(offset: number): number {
    if (offset < 0 || offset >= this.length) return NaN;
    let at = 0;
    for (const p of this.pieces) {
      const n = p.to - p.from;
      if (offset < at + n) return p.source.charCodeAt(p.from + offset - at);
      at += n;
    }
    return NaN;
  }

  /** The text's pieces as strings (slices of flat strings: reading them copies nothing), in order. */
  *chunks(): Generator<string> {
    for (const p of this.pieces) yield p.source.slice(p.from, p.to);
  }

  get textLength(): number {
    return this.length;
  }

  /**
   * Applies one didChange's changes. Returns them as applied, in offsets (of the text each applied to) with
   * the LFs each removed, for an incremental parse that reads neither the old text nor the new one; a
   * whole-text change is returned as it came.
   */
  update(changes: TextDocumentContentChangeEvent[], version: number): AppliedChange[] {
    const applied: AppliedChange[] = [];
    for (const change of changes) {
      if ("range" in change) applied.push(this.applyRanged(change.range, change.text));
      else {
        this.replaceAll(change.text);
        applied.push({ text: change.text });
      }
    }
    this.versionNumber = version;
    return applied;
  }

  private replaceAll(text: string): void {
    this.pieces = text.length > 0 ? [{ source: text, from: 0, to: text.length }] : [];
    this.length = text.length;
    this.content = text;
    this.lineOffsets = undefined;
  }

  private applyRanged(r: Range, text: string): AppliedChange {
    const range = wellFormed(r);
    const startOffset = this.offsetAt(range.start);
    const endOffset = this.offsetAt(range.end);
    const removed = this.slice(startOffset, endOffset);
    let removedLfs = 0;
    for (let i = removed.indexOf("\n"); i >= 0; i = removed.indexOf("\n", i + 1)) removedLfs++;
    const change = { start: startOffset, end: endOffset, text, removedLfs };
    this.splice(startOffset, endOffset, text);
    const insertedEnd = startOffset + text.length;
    // As the library: an edit that joins or splits a CR LF pair makes the line offsets be counted again.
    const crlfAtStart = this.charCodeAt(startOffset - 1) === CR && this.charCodeAt(startOffset) === LF;
    const crlfAtEnd = this.charCodeAt(insertedEnd - 1) === CR && this.charCodeAt(insertedEnd) === LF;
    if (crlfAtStart || crlfAtEnd || this.lineOffsets === undefined) {
      this.lineOffsets = undefined;
      return change;
    }
    const startLine = Math.max(range.start.line, 0);
    const endLine = Math.max(range.end.line, 0);
    let lineOffsets = this.lineOffsets;
    const added: number[] = [];
    addLineStarts(added, text, 0, text.length, startOffset);
    if (endLine - startLine === added.length) {
      for (let i = 0; i < added.length; i++) lineOffsets[i + startLine + 1] = added[i];
    } else if (added.length < 10000) {
      lineOffsets.splice(startLine + 1, endLine - startLine, ...added);
    } else {
      // Not `splice(..., ...added)`: V8 takes at most ~120,000 arguments.
      lineOffsets = lineOffsets.slice(0, startLine + 1).concat(added, lineOffsets.slice(endLine + 1));
      this.lineOffsets = lineOffsets;
    }
    const diff = text.length - (endOffset - startOffset);
    if (diff !== 0) for (let i = startLine + 1 + added.length; i < lineOffsets.length; i++) lineOffsets[i] += diff;
    return change;
  }

  /** Replaces `[start, end)` by `text` in the pieces. */
  private splice(start: number, end: number, text: string): void {
    const out: Piece[] = [];
    let at = 0;
    let inserted = false;
    const insert = (): void => {
      if (!inserted && text.length > 0) out.push({ source: text, from: 0, to: text.length });
      inserted = true;
    };
    for (const p of this.pieces) {
      const n = p.to - p.from;
      const pEnd = at + n;
      if (pEnd <= start) out.push(p);
      else if (at >= end) {
        insert();
        out.push(p);
      } else {
        // The piece overlaps [start, end): keep what lies before and after it.
        if (at < start) out.push(cut(p, p.from, p.from + (start - at)));
        if (pEnd > end) {
          insert();
          out.push(cut(p, p.from + (end - at), p.to));
        }
      }
      at = pEnd;
    }
    insert();
    this.length += text.length - (end - start);
    this.content = null;
    if (out.length > MAX_PIECES) {
      // One flat string again (a copy of the whole text, once per MAX_PIECES / 2 edits or so).
      let s = "";
      for (const p of out) s += p.source.slice(p.from, p.to);
      s.charCodeAt(0);
      const nul = out.every((p) => p.nul === false) ? false : undefined;
      this.pieces = s.length > 0 ? [{ source: s, from: 0, to: s.length, nul }] : [];
      this.content = s;
    } else this.pieces = out;
  }

  private getLineOffsets(): number[] {
    if (this.lineOffsets === undefined) {
      const offsets = [0];
      let at = 0;
      let lastWasCr = false;
      for (const p of this.pieces) {
        // A CR LF split across two pieces is one line break.
        let from = p.from;
        if (lastWasCr && p.source.charCodeAt(from) === LF) {
          offsets[offsets.length - 1]++;
          from++;
        }
        addLineStarts(offsets, p.source, from, p.to, at + (from - p.from));
        at += p.to - p.from;
        lastWasCr = p.to > p.from && p.source.charCodeAt(p.to - 1) === CR;
      }
      this.lineOffsets = offsets;
    }
    return this.lineOffsets;
  }

  positionAt(offset: number): Position {
    offset = Math.max(Math.min(offset, this.length), 0);
    const lineOffsets = this.getLineOffsets();
    let low = 0;
    let high = lineOffsets.length;
    if (high === 0) return { line: 0, character: offset };
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (lineOffsets[mid] > offset) high = mid;
      else low = mid + 1;
    }
    const line = low - 1;
    offset = this.beforeEol(offset, lineOffsets[line]);
    return { line, character: offset - lineOffsets[line] };
  }

  offsetAt(position: Position): number {
    const lineOffsets = this.getLineOffsets();
    if (position.line >= lineOffsets.length) return this.length;
    if (position.line < 0) return 0;
    const lineOffset = lineOffsets[position.line];
    if (position.character <= 0) return lineOffset;
    const next = position.line + 1 < lineOffsets.length ? lineOffsets[position.line + 1] : this.length;
    return this.beforeEol(Math.min(lineOffset + position.character, next), lineOffset);
  }

  getLineRange(line: number): Range {
    const lineOffsets = this.getLineOffsets();
    if (line >= lineOffsets.length) {
      const last = lineOffsets.length - 1;
      return { start: { line: last, character: 0 }, end: { line: last, character: this.length - lineOffsets[last] } };
    }
    if (line < 0) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const start = lineOffsets[line];
    const next = line + 1 < lineOffsets.length ? lineOffsets[line + 1] : this.length;
    return { start: { line, character: 0 }, end: { line, character: this.beforeEol(next, start) - start } };
  }

  getEOLCharacters(line: number): string {
    const lineOffsets = this.getLineOffsets();
    if (line >= lineOffsets.length || line < 0) return "";
    const start = lineOffsets[line];
    const next = line + 1 < lineOffsets.length ? lineOffsets[line + 1] : this.length;
    return this.slice(this.beforeEol(next, start), next);
  }

  private beforeEol(offset: number, lineOffset: number): number {
    while (offset > lineOffset && isEol(this.charCodeAt(offset - 1))) offset--;
    return offset;
  }
}

function wellFormed(range: Range): Range {
  const { start, end } = range;
  if (start.line > end.line || (start.line === end.line && start.character > end.character))
    return { start: end, end: start };
  return range;
}
