// "Ignore RULE here": a suppression comment (rules/suppression.ts) written above the statement a finding is
// on, for a finding the user has judged. Not a fix of the configuration, so never preferred and never
// applied by `nginx-risk fix`; offered by the editor for every finding of a rule that can be silenced.

import type { Directive, Node, ParsedFile } from "../parse/ast";
import { isSilenceable } from "../rules/suppression";
import type { Finding } from "../rules/types";
import type { Configuration } from "../workspace/configuration";
import type { Fix } from "./types";

/** The innermost statement of `parsed` that holds `offset` (its head or its block), or null. */
function statementAt(parsed: ParsedFile, offset: number): Directive | null {
  let found: Directive | null = null;
  let nodes: readonly Node[] = parsed.children;
  for (;;) {
    // Children are in text order: the last one starting at or before the offset.
    let lo = 0;
    let hi = nodes.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (nodes[mid].startOffset <= offset) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const n = at < 0 ? undefined : nodes[at];
    if (n === undefined || n.kind !== "directive" || offset > n.endOffset) return found;
    found = n;
    if (!n.block) return found;
    nodes = n.block.children;
  }
}

/** The suppression comment for `f`, above the statement it is on; null when there is none to write. */
export function suppressionFix(config: Configuration, f: Finding): Fix | null {
  if (!isSilenceable(f.ruleId)) return null;
  const parsed = config.files.get(f.path);
  if (!parsed) return null;
  const d = statementAt(parsed, f.range.start.offset);
  if (d === null) return null;
  const text = parsed.text;
  const start = d.startOffset;
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const before = text.slice(lineStart, start);
  const indent = /^[ \t]*/.exec(before)![0];
  const comment = `# nginx-risk-ignore ${f.ruleId} -- `;
  const first = before.length === indent.length;
  const pos = d.range.start;
  const at = first
    ? { line: pos.line, character: 0, offset: lineStart }
    : { line: pos.line, character: pos.character, offset: start };
  return {
    finding: f,
    title: `Ignore ${f.ruleId} here (a comment above the statement; say why after "--")`,
    isPreferred: false,
    edits: [
      {
        path: f.path,
        range: { start: at, end: at },
        newText: first ? `${indent}${comment}\n` : `\n${indent}${comment}\n${indent}`,
      },
    ],
  };
}
