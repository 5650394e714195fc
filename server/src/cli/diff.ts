// Unified diffs for `fix --diff` and `format --diff`.
//
// Both commands know their edits, so which lines of the result are lines of the original, untouched, is
// known without searching: `originsAfterEdits` carries that through every edit (a fix at a time), and
// `editedDiff` prints the hunks from it in one pass over the two texts. Only inside a run of touched lines
// is a shortest edit script searched (a touched line may come out equal, e.g. a `{` line that got a line
// inserted after it), and only for short runs: the work stays linear in the size of the files. A search
// over the whole files (`unifiedDiff`, Myers' O(ND)) costs (N + M) · D: 5,000 inserted lines in a
// 30,000-line file took a second, four times as many locations sixteen times as long.

import type { RangeEdit } from "../parse/edits";

/** Lines with their terminators (`\n` or `\r\n`, none for a last line without one), so CRLF round-trips. */
function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", start)) {
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** Offsets where the lines of `splitLines(text)` start, and the text's length after the last one. */
function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) out.push(i + 1);
  if (out[out.length - 1] !== text.length) out.push(text.length);
  return out;
}

/**
 * Marks the lines of `a` deleted and of `b` inserted by a shortest edit script: Myers' O(ND) algorithm in
 * linear space (the "middle snake" bisection of "An O(ND) Difference Algorithm and Its Variations", 1986,
 * §4b, as diff-match-patch writes it), after trimming common prefixes and suffixes at every level. A fix
 * that writes into thousands of locations has a large D; quadratic memory would not do.
 */
function markChanges(a: Int32Array, b: Int32Array): { deleted: Uint8Array; inserted: Uint8Array } {
  const deleted = new Uint8Array(a.length);
  const inserted = new Uint8Array(b.length);
  const compare = (aLo: number, aHi: number, bLo: number, bHi: number): void => {
    while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) {
      aLo++;
      bLo++;
    }
    while (aLo < aHi && bLo < bHi && a[aHi - 1] === b[bHi - 1]) {
      aHi--;
      bHi--;
    }
    if (aLo === aHi) {
      inserted.fill(1, bLo, bHi);
      return;
    }
    if (bLo === bHi) {
      deleted.fill(1, aLo, aHi);
      return;
    }
    const split = bisect(aLo, aHi, bLo, bHi);
    if (!split) {
      deleted.fill(1, aLo, aHi);
      inserted.fill(1, bLo, bHi);
      return;
    }
    compare(aLo, aLo + split[0], bLo, bLo + split[1]);
    compare(aLo + split[0], aHi, bLo + split[1], bHi);
  };
  /** A point (x, y), relative to (aLo, bLo), on a shortest edit path, strictly inside the rectangle. */
  const bisect = (aLo: number, aHi: number, bLo: number, bHi: number): [number, number] | null => {
    const n = aHi - aLo;
    const m = bHi - bLo;
    const maxD = Math.ceil((n + m) / 2);
    const offset = maxD;
    const size = 2 * maxD;
    const v1 = new Int32Array(size).fill(-1);
    const v2 = new Int32Array(size).fill(-1);
    v1[offset + 1] = 0;
    v2[offset + 1] = 0;
    const delta = n - m;
    // With an odd delta the forward path meets the reverse one; with an even delta, the reverse meets it.
    const front = delta % 2 !== 0;
    let k1start = 0;
    let k1end = 0;
    let k2start = 0;
    let k2end = 0;
    for (let d = 0; d < maxD; d++) {
      for (let k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
        const k1o = offset + k1;
        let x1 = k1 === -d || (k1 !== d && v1[k1o - 1] < v1[k1o + 1]) ? v1[k1o + 1] : v1[k1o - 1] + 1;
        let y1 = x1 - k1;
        while (x1 < n && y1 < m && a[aLo + x1] === b[bLo + y1]) {
          x1++;
          y1++;
        }
        v1[k1o] = x1;
        if (x1 > n) k1end += 2;
        else if (y1 > m) k1start += 2;
        else if (front) {
          const k2o = offset + delta - k1;
          if (k2o >= 0 && k2o < size && v2[k2o] !== -1 && x1 >= n - v2[k2o]) return [x1, y1];
        }
      }
      for (let k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
        const k2o = offset + k2;
        let x2 = k2 === -d || (k2 !== d && v2[k2o - 1] < v2[k2o + 1]) ? v2[k2o + 1] : v2[k2o - 1] + 1;
        let y2 = x2 - k2;
        while (x2 < n && y2 < m && a[aHi - 1 - x2] === b[bHi - 1 - y2]) {
          x2++;
          y2++;
        }
        v2[k2o] = x2;
        if (x2 > n) k2end += 2;
        else if (y2 > m) k2start += 2;
        else if (!front) {
          const k1o = offset + delta - k2;
          if (k1o >= 0 && k1o < size && v1[k1o] !== -1) {
            const x1 = v1[k1o];
            const y1 = offset + x1 - k1o;
            if (x1 >= n - x2) return [x1, y1];
          }
        }
      }
    }
    return null;
  };
  compare(0, a.length, 0, b.length);
  return { deleted, inserted };
}

/** Marks of a shortest edit script between lines `a[a0, a1)` and `b[b0, b1)`, indexed from a0 and b0. */
function markRange(
  a: readonly string[],
  b: readonly string[],
  a0: number,
  a1: number,
  b0: number,
  b1: number,
): { deleted: Uint8Array; inserted: Uint8Array } {
  const ids = new Map<string, number>();
  const id = (l: string): number => {
    let v = ids.get(l);
    if (v === undefined) ids.set(l, (v = ids.size));
    return v;
  };
  const ai = new Int32Array(a1 - a0);
  for (let i = a0; i < a1; i++) ai[i - a0] = id(a[i]);
  const bi = new Int32Array(b1 - b0);
  for (let j = b0; j < b1; j++) bi[j - b0] = id(b[j]);
  return markChanges(ai, bi);
}

/** A change: lines `a[a0, a1)` replaced by `b[b0, b1)`, with the lines between two changes equal. */
interface Block {
  a0: number;
  a1: number;
  b0: number;
  b1: number;
}

/** Change blocks of the marks: runs of deleted and inserted lines between lines the two texts share. */
function blocksOf(
  aLength: number,
  bLength: number,
  deleted: Uint8Array,
  inserted: Uint8Array,
  aBase = 0,
  bBase = 0,
): Block[] {
  const blocks: Block[] = [];
  for (let i = 0, j = 0; i < aLength || j < bLength;) {
    if (i < aLength && j < bLength && !deleted[i] && !inserted[j]) {
      i++;
      j++;
      continue;
    }
    const a0 = i;
    const b0 = j;
    while (i < aLength && deleted[i]) i++;
    while (j < bLength && inserted[j]) j++;
    blocks.push({ a0: aBase + a0, a1: aBase + i, b0: bBase + b0, b1: bBase + j });
  }
  return blocks;
}

const CONTEXT = 3;
const NO_NEWLINE = "\\ No newline at end of file\n";

/** The hunks of `blocks` (in order, equal lines between them) with 3 lines of context, GNU diff's way. */
function render(a: readonly string[], b: readonly string[], blocks: readonly Block[], name: string): string {
  const line = (prefix: string, l: string): string => prefix + l + (l.endsWith("\n") ? "" : "\n" + NO_NEWLINE);
  // GNU diff's ranges: "start,count", the count left out when 1, and an empty range starts at the line before.
  const range = (start: number, count: number): string =>
    count === 1 ? String(start + 1) : `${count === 0 ? start : start + 1},${count}`;
  const out: string[] = [`--- a/${name}\n+++ b/${name}\n`];
  for (let h = 0; h < blocks.length;) {
    let last = h;
    while (last + 1 < blocks.length && blocks[last + 1].a0 - blocks[last].a1 <= 2 * CONTEXT) last++;
    const a0 = Math.max(0, blocks[h].a0 - CONTEXT);
    const a1 = Math.min(a.length, blocks[last].a1 + CONTEXT);
    const b0 = blocks[h].b0 - (blocks[h].a0 - a0);
    const b1 = blocks[last].b1 + (a1 - blocks[last].a1);
    out.push(`@@ -${range(a0, a1 - a0)} +${range(b0, b1 - b0)} @@\n`);
    let i = a0;
    for (let k = h; k <= last; k++) {
      const blk = blocks[k];
      for (; i < blk.a0; i++) out.push(line(" ", a[i]));
      for (let x = blk.a0; x < blk.a1; x++) out.push(line("-", a[x]));
      for (let y = blk.b0; y < blk.b1; y++) out.push(line("+", b[y]));
      i = blk.a1;
    }
    for (; i < a1; i++) out.push(line(" ", a[i]));
    h = last + 1;
  }
  return out.join("");
}

/**
 * A unified diff (3 lines of context) from `before` to `after`, or "" when they are equal, by a shortest
 * edit script over the whole texts: for texts whose edits are not known (it costs (N + M) · D).
 */
export function unifiedDiff(before: string, after: string, name: string): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const { deleted, inserted } = markRange(a, b, 0, a.length, 0, b.length);
  return render(a, b, blocksOf(a.length, b.length, deleted, inserted), name);
}

/**
 * For each line of a text derived from an original by edits: the index of the original line it still is
 * (untouched by every edit since), or -1. `identityOrigins(original)` is where it starts.
 */
export type LineOrigins = Int32Array;

export function identityOrigins(text: string): LineOrigins {
  const n = lineStarts(text).length - 1;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/**
 * The origins of the lines of `after`, which is `text` (whose lines have `origins`) with `edits` applied
 * (parse/edits.ts `applyEdits`: ranges in `text`'s offsets, none overlapping). A line of `after` keeps its
 * origin when it is a whole line of `text` copied between two edits; any line an edit touches is -1. One
 * pass over both texts. Null when `after` is not `text` with the edits (then nothing is known).
 */
export function originsAfterEdits(
  text: string,
  origins: LineOrigins,
  edits: readonly RangeEdit[],
  after: string,
): LineOrigins | null {
  const oldStarts = lineStarts(text);
  const newStarts = lineStarts(after);
  if (oldStarts.length - 1 !== origins.length) return null;
  // The copied pieces of `text`: [from, to) in `text`, at `at` in `after` (in order, as applyEdits puts them).
  const sorted = [...edits].sort(
    (x, y) => x.range.start.offset - y.range.start.offset || x.range.end.offset - y.range.end.offset,
  );
  const copies: { from: number; to: number; at: number }[] = [];
  let from = 0;
  let at = 0;
  for (const e of sorted) {
    const s = e.range.start.offset;
    if (s < from || e.range.end.offset < s || e.range.end.offset > text.length) return null;
    copies.push({ from, to: s, at });
    at += s - from + e.newText.length;
    from = e.range.end.offset;
  }
  copies.push({ from, to: text.length, at });
  if (at + text.length - from !== after.length) return null;

  const out = new Int32Array(newStarts.length - 1).fill(-1);
  let c = 0;
  let j = 0;
  for (let k = 0; k + 1 < newStarts.length; k++) {
    const s = newStarts[k];
    const e = newStarts[k + 1];
    while (c < copies.length && copies[c].at + (copies[c].to - copies[c].from) < e) c++;
    if (c === copies.length) break;
    const piece = copies[c];
    if (s < piece.at) continue;
    const oldStart = piece.from + (s - piece.at);
    const oldEnd = piece.from + (e - piece.at);
    while (j < oldStarts.length && oldStarts[j] < oldStart) j++;
    // A whole line of `text`, copied: the same characters, from a line start to the same line's end.
    if (j + 1 < oldStarts.length && oldStarts[j] === oldStart && oldStarts[j + 1] === oldEnd) out[k] = origins[j];
  }
  return out;
}

/** Runs of touched lines up to this size are searched for a shortest edit script: at most this many steps a line. */
const SEARCH_LIMIT = 512;

/**
 * A unified diff from `before` to `after` (3 lines of context), "" when they are equal, where `origins`
 * (of `after`'s lines in `before`) come from `originsAfterEdits`: linear in the size of the texts. Falls
 * back to `unifiedDiff` if the origins do not describe the texts (a line said to be kept is not equal).
 */
export function editedDiff(before: string, after: string, origins: LineOrigins, name: string): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  if (origins.length !== b.length) return unifiedDiff(before, after, name);
  // Runs of lines between kept ones; a kept line must be the original line, after the previous kept one.
  const blocks: Block[] = [];
  let i = 0;
  let j = 0;
  const change = (a1: number, b1: number): void => {
    if (i === a1 && j === b1) return;
    let a0 = i;
    let b0 = j;
    let ae = a1;
    let be = b1;
    // A touched line may be unchanged: leave equal lines at both ends out, and search short runs.
    while (a0 < ae && b0 < be && a[a0] === b[b0]) {
      a0++;
      b0++;
    }
    while (a0 < ae && b0 < be && a[ae - 1] === b[be - 1]) {
      ae--;
      be--;
    }
    if (a0 === ae || b0 === be || ae - a0 + (be - b0) > SEARCH_LIMIT) {
      if (a0 < ae || b0 < be) blocks.push({ a0, a1: ae, b0, b1: be });
      return;
    }
    const { deleted, inserted } = markRange(a, b, a0, ae, b0, be);
    for (const blk of blocksOf(ae - a0, be - b0, deleted, inserted, a0, b0)) blocks.push(blk);
  };
  for (let k = 0; k < b.length; k++) {
    const o = origins[k];
    if (o < 0) continue;
    if (o < i || o >= a.length || a[o] !== b[k]) return unifiedDiff(before, after, name);
    change(o, k);
    i = o + 1;
    j = k + 1;
  }
  change(a.length, b.length);
  return render(a, b, blocks, name);
}
