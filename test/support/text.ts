// Positions computed independently of the scanner (counting LF, CRLF and lone CR as line breaks), so
// tests can state expected ranges without trusting the code under test.
import { strict as assert } from "assert";
import type { Position, Range } from "../../server/src/parse/ast";

export function posAt(text: string, offset: number): Position {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: offset - lineStart, offset };
}

/** Range of the `nth` occurrence of `needle` in `text`. */
export function rangeOf(text: string, needle: string, nth = 0): Range {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `${JSON.stringify(needle)} #${nth} not in text`);
  }
  return { start: posAt(text, at), end: posAt(text, at + needle.length) };
}
