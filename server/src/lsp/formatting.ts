// Document and range formatting: format/format.ts over the editor's buffer, its edits as LSP TextEdits.
// A file with syntax errors (or one whose formatted text would not read back as the same tree) gets no
// edits: formatting then does nothing rather than guess, and the diagnostics already say where the error is.

import type { FormattingOptions, Range as LspRange, TextEdit } from "vscode-languageserver/node";
import { formatText, type FormatRange } from "../format/format";
import { toLspRange } from "./conversions";

/** The edits formatting `text` with the editor's options; only statements overlapping `range` when given. */
export function formattingEdits(
  text: string,
  options: FormattingOptions,
  range?: LspRange,
): { edits: TextEdit[]; reason?: string } {
  const result = formatText(
    text,
    { tabSize: options.tabSize, insertSpaces: options.insertSpaces },
    range ? offsetsOf(text, range) : undefined,
  );
  if (!result.ok) return { edits: [], reason: result.reason };
  return { edits: result.edits.map((e) => ({ range: toLspRange(e.range), newText: e.newText })) };
}

/** LSP positions (line, UTF-16 character; LF, CRLF and a lone CR end a line) → offsets into `text`. */
function offsetsOf(text: string, range: LspRange): FormatRange {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  const offset = (p: { line: number; character: number }): number => {
    if (p.line >= starts.length) return text.length;
    const end = p.line + 1 < starts.length ? starts[p.line + 1] : text.length;
    return Math.min(starts[Math.max(0, p.line)] + p.character, end);
  };
  return { start: offset(range.start), end: offset(range.end) };
}
