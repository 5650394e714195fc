// How the text a stored analysis read relates to the text the editor shows now, so that a request is answered
// from the last complete analysis while a newer one runs (server.ts): the two texts differ in one span (the
// common prefix and suffix leave it), everything before it is where it was, everything after it moved by
// the same number of characters. A position inside the span has no counterpart: what is there was typed
// after the analysis.

/** The span where two texts differ: [start, oldEnd) of the old text became [start, newEnd) of the new one. */
export interface TextShift {
  start: number;
  oldEnd: number;
  newEnd: number;
}

/** Compared a slice at a time first (a native comparison), then character by character. */
const CHUNK = 1 << 16;

/** The span where `older` and `newer` differ; null when they are equal. O(length), mostly native compares. */
export function textShift(older: string, newer: string): TextShift | null {
  if (older === newer) return null;
  const min = Math.min(older.length, newer.length);
  let s = 0;
  while (s + CHUNK <= min && older.slice(s, s + CHUNK) === newer.slice(s, s + CHUNK)) s += CHUNK;
  while (s < min && older.charCodeAt(s) === newer.charCodeAt(s)) s++;
  // The common suffix may not reach into the common prefix (an insertion of repeated text).
  const room = min - s;
  const oe = older.length;
  const ne = newer.length;
  let e = 0;
  while (e + CHUNK <= room && older.slice(oe - e - CHUNK, oe - e) === newer.slice(ne - e - CHUNK, ne - e)) e += CHUNK;
  while (e < room && older.charCodeAt(oe - 1 - e) === newer.charCodeAt(ne - 1 - e)) e++;
  return { start: s, oldEnd: oe - e, newEnd: ne - e };
}

/** The offset in the old text of offset `o` of the new text; null inside the changed span. */
export function toOlder(shift: TextShift | null, o: number): number | null {
  if (shift === null || o < shift.start) return o;
  if (o >= shift.newEnd) return o - shift.newEnd + shift.oldEnd;
  return null;
}

/**
 * The offsets in the new text of the range [start, end) of the old text; null when the range touches the
 * changed span (what it covered was edited: an answer about it would describe text that is gone).
 */
export function rangeToNewer(shift: TextShift | null, start: number, end: number): [number, number] | null {
  if (shift === null || end <= shift.start) return [start, end];
  if (start >= shift.oldEnd) {
    const d = shift.newEnd - shift.oldEnd;
    return [start + d, end + d];
  }
  return null;
}
