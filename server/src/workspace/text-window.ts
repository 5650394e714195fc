// Reading parts of an edited buffer's text without reading the text as one string.
//
// An open buffer's text after an edit is the concatenation of the pieces its edits left (lsp/
// edited-document.ts); V8 copies such a string whole the first time any character of it is read (45–75 ms
// on large-config ×10, 13 MB, per keystroke). The parse cache registers the buffer's window with each tree
// it updates from an edit, and what reads a tree's text on every keystroke (classify.ts, the dump check)
// reads through these functions, which use the window when there is one and the text otherwise.

import type { ParsedFile } from "../parse/ast";
import type { TextWindow } from "./files";

const windows = new WeakMap<ParsedFile, TextWindow>();

/** `parsed.text` can be read through `window` (the parse cache, for a tree it updated from an edit). */
export function setTextWindow(parsed: ParsedFile, window: TextWindow): void {
  windows.set(parsed, window);
}

/** Whether `parsed.text` is read through a window (then read it only through these functions). */
export function hasTextWindow(parsed: ParsedFile): boolean {
  return windows.has(parsed);
}

/** `parsed.text.slice(from, to)`. */
export function textSlice(parsed: ParsedFile, from: number, to: number): string {
  const w = windows.get(parsed);
  return w ? w.slice(from, to) : parsed.text.slice(from, to);
}

/** Whether `parsed.text` holds a NUL (the window's answer reads only what the edits since the last ask made). */
export function textHoldsNul(parsed: ParsedFile): boolean {
  const w = windows.get(parsed);
  return w ? w.holdsNul() : parsed.text.includes("\0");
}

/** The first character of `parsed.text` that is not white space (String#trim's), or "" when there is none. */
export function firstNonBlank(parsed: ParsedFile): string {
  const w = windows.get(parsed);
  if (!w) return parsed.text.trimStart().charAt(0);
  for (const chunk of w.chunks()) {
    const c = chunk.trimStart().charAt(0);
    if (c !== "") return c;
  }
  return "";
}
