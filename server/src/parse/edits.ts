// Text edits in a file's own coordinates (offsets of the parse tree's ranges), applied in one pass. Shared
// by the formatter (format/) and the quick-fixes (fix/), which both describe their changes as edits.

import type { Range } from "./ast";

export interface RangeEdit {
  range: Range;
  newText: string;
}

/** Applies edits to one text (ranges in its coordinates, none overlapping), in one pass. */
export function applyEdits(text: string, edits: readonly RangeEdit[]): string {
  const sorted = [...edits].sort(
    (a, b) => a.range.start.offset - b.range.start.offset || a.range.end.offset - b.range.end.offset,
  );
  const parts: string[] = [];
  let at = 0;
  for (const e of sorted) {
    if (e.range.start.offset < at) throw new Error(`overlapping edits at offset ${e.range.start.offset}`);
    parts.push(text.slice(at, e.range.start.offset), e.newText);
    at = e.range.end.offset;
  }
  parts.push(text.slice(at));
  return parts.join("");
}
