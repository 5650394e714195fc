// Checks on formatted texts shared by the format tests, written without the formatter: the crossplane
// payload (an independent reading of the tree), edits applied from their line/character positions, and the
// layout read back from the formatted text's tree.

import { strict as assert } from "assert";
import type { FormatEdit } from "../../server/src/format/format";
import type { Node } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";
import { buildPayload, type PayloadStatement } from "../../server/src/workspace/crossplane-payload";

/** The payload of one file read alone, with comments, without line numbers or trailing comment whitespace. */
export function payloadOf(text: string): string {
  const payload = buildPayload("/x/nginx.conf", {
    single: true,
    comments: true,
    readFile: (p) => (p === "/x/nginx.conf" ? text : null),
  });
  const strip = (stmts: PayloadStatement[]): unknown[] =>
    stmts.map((s) => ({
      directive: s.directive,
      args: s.args,
      ...(s.comment !== undefined ? { comment: s.comment.trimEnd() } : {}),
      ...(s.block ? { block: strip(s.block) } : {}),
    }));
  return JSON.stringify({ status: payload.status, parsed: strip(payload.config[0].parsed) });
}

/** Applies edits given by line and character only (offsets ignored); they must be in order, not overlapping. */
export function applyByPosition(text: string, edits: readonly FormatEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  const offset = (p: { line: number; character: number }): number => starts[p.line] + p.character;
  const parts: string[] = [];
  let at = 0;
  for (const e of edits) {
    const start = offset(e.range.start);
    assert.ok(start >= at, "edits overlap or are out of order");
    parts.push(text.slice(at, start), e.newText);
    at = offset(e.range.end);
  }
  parts.push(text.slice(at));
  return parts.join("");
}

/** Layout problems of a formatted text (checked from its tree, not by the formatter). */
export function layoutProblems(text: string, unit: string): string[] {
  const problems: string[] = [];
  const tree = parse(text);
  const lineStartOf = (offset: number): number => {
    let s = offset;
    while (s > 0 && text[s - 1] !== "\n" && text[s - 1] !== "\r") s--;
    return s;
  };
  const prefix = (offset: number): string => text.slice(lineStartOf(offset), offset).replace(/^\uFEFF/, "");
  const walk = (nodes: readonly Node[], depth: number): void => {
    for (const n of nodes) {
      if (n.kind === "comment") {
        const p = prefix(n.range.start.offset);
        // A standalone comment has its own line (indented, or at column 0: commented-out code stays there);
        // a trailing one follows a statement, a `{` or a `}`.
        if (p !== unit.repeat(depth) && p !== "" && !/[;{}] $/.test(p))
          problems.push(`comment on line ${n.range.start.line + 1}`);
        continue;
      }
      if (prefix(n.range.start.offset) !== unit.repeat(depth))
        problems.push(`"${n.name}" on line ${n.range.start.line + 1} is not on its own line at depth ${depth}`);
      if (n.block) {
        walk(n.block.children, depth + 1);
        const close = n.block.close;
        if (!close) continue;
        const oneLine = n.block.children.length === 0 && close.start.line === n.block.open.start.line;
        if (!oneLine && prefix(close.start.offset) !== unit.repeat(depth))
          problems.push(`"}" on line ${close.start.line + 1} is not on its own line at depth ${depth}`);
      }
    }
  };
  walk(tree.children, 0);
  if (tree.children.length > 0 && !/[^\s](\r\n|\n|\r)$/.test(text)) problems.push("does not end with one line break");
  return problems;
}
