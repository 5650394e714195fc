// Small helpers shared by the navigation features: words as written, positions inside words, ordering.

import type { Directive, Node, Position, Range, Word } from "../parse/ast";

/** A word exactly as written in `text` (quotes included). */
export function written(text: string, w: Word): string {
  return text.slice(w.range.start.offset, w.range.end.offset);
}

/** Head words as written, on one line: a name spread over lines or padded with tabs reads as one phrase. */
export function headText(text: string, d: Directive, maxLength = 100): string {
  let s = written(text, d.nameWord);
  for (const a of d.args) s += " " + written(text, a);
  if (/[\t\r\n]| {2}/.test(s)) s = s.replace(/\s+/g, " ");
  return s.length > maxLength ? s.slice(0, maxLength - 1) + "…" : s;
}

/** From the directive's name to the end of its last argument: what a symbol's selection range covers. */
export function headRange(d: Directive): Range {
  const last = d.args.length > 0 ? d.args[d.args.length - 1] : d.nameWord;
  return { start: d.nameWord.range.start, end: last.range.end };
}

export function le(a: { line: number; character: number }, b: { line: number; character: number }): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

export function lt(a: { line: number; character: number }, b: { line: number; character: number }): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

export function contains(outer: Range, inner: Range): boolean {
  return le(outer.start, inner.start) && le(inner.end, outer.end);
}

/** A position as editors send it (no offset). */
export interface LineCharacter {
  line: number;
  character: number;
}

/**
 * The innermost directive whose *text* holds `pos`: a statement anywhere from its name to its `;`, a
 * block only on its head (up to the `{`), nothing inside a Lua body; inside braces, the directives there.
 */
export function directiveAt(nodes: readonly Node[], pos: LineCharacter): Directive | null {
  // Down one block at a time (a loop, not recursion: blocks nest deeper than V8's stack).
  let list: readonly Node[] | null = nodes;
  while (list !== null) {
    const body: readonly Node[] = list;
    list = null;
    for (const n of body) {
      if (n.kind !== "directive") continue;
      if (!le(n.range.start, pos) || !le(pos, n.range.end)) continue;
      if (n.block) {
        if (lt(pos, n.block.open.end)) return n;
        if (n.block.close && le(n.block.close.start, pos)) return null;
        list = n.block.children;
        break;
      }
      if (n.lua && le(n.lua.range.start, pos)) return null;
      return n;
    }
  }
  return null;
}

/** The word of `d` (name or argument) that holds `pos`, ends included (a cursor just after a word is on it). */
export function wordAt(d: Directive, pos: LineCharacter): Word | null {
  for (const w of [d.nameWord, ...d.args]) if (le(w.range.start, pos) && le(pos, w.range.end)) return w;
  return null;
}

/**
 * The range of `value.slice(from, to)` inside a word. Exact for words on one line (offsets count UTF-16
 * units like `character`); a word whose written text differs from its value in length before `to`
 * (escapes removed, a line break) gets the whole word's range.
 */
export function subRange(text: string, w: Word, from: number, to: number): Range {
  const raw = written(text, w);
  const inner = w.quote ? raw.slice(1, -1) : raw;
  const shift = w.quote ? 1 : 0;
  if (inner.slice(0, to) !== w.value.slice(0, to) || inner.slice(0, to).includes("\n") || inner.includes("\r"))
    return w.range;
  const at = (i: number): Position => ({
    line: w.range.start.line,
    character: w.range.start.character + shift + i,
    offset: w.range.start.offset + shift + i,
  });
  return { start: at(from), end: at(to) };
}

export function compareRanges(a: Range, b: Range): number {
  return a.start.offset - b.start.offset || a.end.offset - b.end.offset;
}
