// A flat list of a text's statements, each with its enclosing blocks: what the generator picks from and edits.
import type { Directive } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";

export interface Statement {
  d: Directive;
  /** The names of the enclosing blocks, outermost first (`["server", "location"]`). */
  path: string[];
  /** The enclosing block's directive; null at the top of the text. */
  parent: Directive | null;
  /** Offsets of the whole statement (a block: through its `}`). */
  start: number;
  end: number;
  /** 0-based lines: the first, the one of its `;` or `{`, and (blocks) the one of its `}`. */
  startLine: number;
  headLine: number;
  closeLine: number | null;
}

export function statements(text: string): Statement[] {
  const parsed = parse(text);
  const out: Statement[] = [];
  const stack: { nodes: readonly unknown[]; i: number; path: string[]; parent: Directive | null }[] = [
    { nodes: parsed.children, i: 0, path: [], parent: null },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i >= top.nodes.length) {
      stack.pop();
      continue;
    }
    const node = top.nodes[top.i++] as { kind: string };
    if (node.kind !== "directive") continue;
    const d = node as Directive;
    const block = d.block;
    const close = block?.close ?? null;
    const head = block ? block.open.start.line : (d.semicolon?.start.line ?? d.endLine);
    out.push({
      d,
      path: top.path,
      parent: top.parent,
      start: d.startOffset,
      end: close ? close.end.offset : d.endOffset,
      startLine: d.startLine,
      headLine: head,
      closeLine: close ? close.start.line : null,
    });
    if (block) stack.push({ nodes: block.children, i: 0, path: [...top.path, d.name], parent: d });
  }
  return out;
}

/** Whether nginx's 1-based `line` names statement `s` (the lines of its words, its `{`, or its `}`). */
export function namesStatement(s: Statement, line: number): boolean {
  const l = line - 1;
  return (l >= s.startLine && l <= s.headLine) || l === s.closeLine;
}

/** The innermost statement nginx's 1-based `line` names, or null. */
export function statementAtLine(list: readonly Statement[], line: number): Statement | null {
  let found: Statement | null = null;
  for (const s of list)
    if (namesStatement(s, line) && (found === null || s.path.length >= found.path.length)) found = s;
  return found;
}

/** The innermost statement holding `offset`. */
export function statementAt(list: readonly Statement[], offset: number): Statement | null {
  let found: Statement | null = null;
  for (const s of list)
    if (offset >= s.start && offset <= s.end && (found === null || s.path.length >= found.path.length)) found = s;
  return found;
}
