// Folding ranges of one file from its own parse tree: every block and Lua body spanning lines, and runs
// of two or more comment lines.
//
// An editor folds the lines *after* `startLine` up to and including `endLine` (VS Code, like LSP's
// FoldingRange, keeps the start line visible and hides the rest). Ending on the line before a `}` that
// starts its line keeps the brace visible, as VS Code's own brace folding does; when something precedes
// the `}` on its line (`return 200; }`), that line ends the range, or the statement would stay outside.

import { walkTree } from "../parse/walk";
import type { Comment, ParsedFile, Range } from "../parse/ast";

export interface FoldingRegion {
  /** 0-based, the line that stays visible. */
  startLine: number;
  /** 0-based, the last hidden line; always > startLine. */
  endLine: number;
  kind?: "comment";
}

export function foldingRanges(file: ParsedFile): FoldingRegion[] {
  const out: FoldingRegion[] = [];
  const lastLine = Math.max(0, file.lineCount - 1);
  const comments: Comment[] = [];

  const braces = (open: Range, close: Range | null): void => {
    const start = open.start.line;
    let end: number;
    if (close === null) end = lastLine;
    else end = startsLine(file.text, close) ? close.start.line - 1 : close.start.line;
    if (end > start) out.push({ startLine: start, endLine: Math.min(end, lastLine) });
  };

  walkTree(file.children, null, (n) => {
    if (n.kind === "comment") {
      comments.push(n);
      return undefined;
    }
    if (n.block) {
      braces(n.block.open, n.block.close);
      return null;
    }
    if (n.lua) {
      // The Lua body's `}` is the end of its range; an unterminated body runs to the end of the file.
      const close = n.lua.range.end.offset > n.lua.range.start.offset ? closeBraceOf(file.text, n.lua.range) : null;
      braces(n.lua.range, close);
    }
    return undefined;
  });

  // Comment runs: comments alone on consecutive lines (a comment after a statement does not join one). One
  // comment may span editor lines itself: nginx runs it on past a lone CR.
  let run: Comment[] = [];
  const flush = (): void => {
    const last = run[run.length - 1];
    if (last && last.range.end.line > run[0].range.start.line)
      out.push({ startLine: run[0].range.start.line, endLine: last.range.end.line, kind: "comment" });
    run = [];
  };
  for (const c of comments) {
    if (!startsLine(file.text, c.range)) {
      flush();
      continue;
    }
    const prev = run[run.length - 1];
    if (prev && c.range.start.line !== prev.range.end.line + 1) flush();
    run.push(c);
  }
  flush();

  return out.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
}

/** Whether only blanks precede `r` on its line. */
function startsLine(text: string, r: Range): boolean {
  const before = text.slice(r.start.offset - r.start.character, r.start.offset);
  return /^[ \t]*$/.test(before);
}

/** The last character of a Lua body's range, when it is the `}` (a body cut by the end of the file has none). */
function closeBraceOf(text: string, r: Range): Range | null {
  if (text.charAt(r.end.offset - 1) !== "}") return null;
  const start = { line: r.end.line, character: r.end.character - 1, offset: r.end.offset - 1 };
  return { start, end: r.end };
}
