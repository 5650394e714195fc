// Suppression comments: a finding the user has judged is silenced where it is, with the reason beside it.
//
//     # nginx-risk-ignore RULE[, RULE…] -- reason     the next statement (and its block, when it has one), or
//                                                     the statement it follows on the same line
//     # nginx-risk-ignore-file RULE[, RULE…] -- reason the whole file
//
// Rule `suppression` reports what it cannot honour: an unknown rule id, a comment with no rule, a comment
// with no statement after it, a suppression that silenced nothing in this analysis, and (as a hint) one
// without a reason. Syntax errors are never silenced: a file nginx cannot read is not a judgement call.
//
// The comments are found per block and kept while the block is unchanged (subtree-memo.ts), so a keystroke
// looks only at the blocks around the edit; a file whose text does not hold the marker is not walked at all.

import type { Comment, Directive, Node, ParsedFile } from "../parse/ast";
import type { Configuration } from "../workspace/configuration";
import { SubtreeMemo } from "../workspace/subtree-memo";
import { hasTextWindow } from "../workspace/text-window";
import type { Finding } from "./types";

export const RULE_ID = "suppression";

const MARKER = "nginx-risk-ignore";

/** The rules a suppression comment may not silence. */
const NOT_SILENCED = new Set(["syntax", RULE_ID]);

/** Whether findings of rule `id` may be silenced by a comment. */
export function isSilenceable(id: string): boolean {
  return !NOT_SILENCED.has(id);
}

/** A suppression comment as written: kept in the memo, so nodes only (positions are read when used). */
interface Written {
  comment: Comment;
  /** The statement it applies to; null for `-file` and for a comment with no statement after it. */
  target: Directive | null;
  file: boolean;
  rules: string[];
  reason: string;
}

/** What the comment says, or null when it is no suppression comment. */
function readComment(text: string): { file: boolean; rules: string[]; reason: string } | null {
  const m = /^\s*nginx-risk-ignore(-file)?(?=\s|$)(.*)$/.exec(text);
  if (!m) return null;
  const rest = m[2];
  const dashes = rest.indexOf("--");
  const list = dashes < 0 ? rest : rest.slice(0, dashes);
  const reason = dashes < 0 ? "" : rest.slice(dashes + 2).trim();
  const rules = list
    .split(/[\s,]+/)
    .map((r) => r.trim())
    .filter((r) => r !== "");
  return { file: m[1] !== undefined, rules, reason };
}

/** The suppressions written in a block's body (nested blocks included), per unchanged block. */
const bodyMemo = new SubtreeMemo<readonly Written[]>();

/** The suppression comments of `nodes` (a body), with those of nested blocks; an explicit stack, not recursion. */
function writtenIn(nodes: readonly Node[]): Written[] {
  interface Frame {
    nodes: readonly Node[];
    index: number;
    block: Directive | null;
    found: Written[];
  }
  const top: Frame = { nodes, index: 0, block: null, found: [] };
  const stack: Frame[] = [top];
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    if (f.index >= f.nodes.length) {
      stack.pop();
      if (f.block !== null) {
        bodyMemo.set(f.block, f.found);
        const parent = stack[stack.length - 1];
        for (const w of f.found) parent.found.push(w);
      }
      continue;
    }
    const i = f.index++;
    const node = f.nodes[i];
    if (node.kind === "comment") {
      if (!node.text.includes(MARKER)) continue;
      const said = readComment(node.text);
      if (said === null) continue;
      let target: Directive | null = null;
      // After a statement on its line (`gzip maybe; # nginx-risk-ignore value -- …`): that statement.
      const before = i > 0 ? f.nodes[i - 1] : undefined;
      if (!said.file && before?.kind === "directive" && before.endLine === node.startLine) target = before;
      if (!said.file && target === null)
        for (let j = i + 1; j < f.nodes.length; j++) {
          const next = f.nodes[j];
          if (next.kind === "directive") {
            target = next;
            break;
          }
        }
      f.found.push({ comment: node, target, ...said });
      continue;
    }
    if (!node.block) continue;
    const kept = bodyMemo.get(node);
    if (kept !== undefined) {
      for (const w of kept) f.found.push(w);
      continue;
    }
    stack.push({ nodes: node.block.children, index: 0, block: node, found: [] });
  }
  return top.found;
}

/** suppressionsOf's answers per tree read in place (an edited buffer's, read in slices, is walked by block). */
const fileMemo = new WeakMap<ParsedFile, readonly Written[]>();

/** The suppression comments of a file. */
function suppressionsOf(parsed: ParsedFile): readonly Written[] {
  if (hasTextWindow(parsed)) return writtenIn(parsed.children);
  let found = fileMemo.get(parsed);
  if (found === undefined) {
    // Most files hold none: their text says so without a walk.
    found = parsed.text.includes(MARKER) ? writtenIn(parsed.children) : [];
    fileMemo.set(parsed, found);
  }
  return found;
}

/**
 * `findings` without those the configuration's suppression comments silence, plus rule `suppression`'s
 * findings about the comments themselves. `known`: every rule id there is.
 */
export function applySuppressions(
  config: Configuration,
  findings: Finding[],
  known: (id: string) => boolean,
): Finding[] {
  const byFile = new Map<string, readonly Written[]>();
  for (const [p, parsed] of config.files) {
    const written = suppressionsOf(parsed);
    if (written.length > 0) byFile.set(p, written);
  }
  // No comment anywhere (nearly every analysis): the findings as they are, not a copy of 100,000 of them.
  if (byFile.size === 0) return findings;
  const used = new Map<Written, Set<string>>();
  const kept: Finding[] = [];
  for (const f of findings) {
    const written = NOT_SILENCED.has(f.ruleId) ? undefined : byFile.get(f.path);
    let silenced = false;
    if (written !== undefined) {
      const at = f.range.start.offset;
      for (const w of written) {
        if (!w.rules.includes(f.ruleId)) continue;
        if (!w.file && (w.target === null || at < w.target.startOffset || at > w.target.endOffset)) continue;
        let rules = used.get(w);
        if (rules === undefined) used.set(w, (rules = new Set()));
        rules.add(f.ruleId);
        silenced = true;
      }
    }
    if (!silenced) kept.push(f);
  }
  for (const [p, written] of byFile) {
    for (const w of written) {
      const range = w.comment.range;
      const report = (code: string, severity: Finding["severity"], message: string): void => {
        kept.push({ ruleId: RULE_ID, code, severity, path: p, range, message });
      };
      const kind = w.file ? "nginx-risk-ignore-file" : "nginx-risk-ignore";
      if (w.rules.length === 0) {
        report("no-rule", "warning", `${kind} names no rule: write the rule ids to silence before " -- reason"`);
        continue;
      }
      const unknown = w.rules.filter((r) => !known(r));
      for (const r of unknown) report("unknown-rule", "warning", `${kind}: there is no rule "${r}"`);
      const silenceable = w.rules.filter((r) => known(r) && !NOT_SILENCED.has(r));
      for (const r of w.rules.filter((r) => NOT_SILENCED.has(r)))
        report("not-silenced", "warning", `${kind}: rule "${r}" cannot be silenced`);
      if (!w.file && w.target === null) {
        report("no-statement", "warning", `${kind} has no statement after it in its block: it silences nothing`);
        continue;
      }
      const idle = silenceable.filter((r) => !used.get(w)?.has(r));
      if (idle.length > 0)
        report(
          "unused",
          "warning",
          `${kind} ${idle.join(", ")} silences nothing: no such finding ${w.file ? "in this file" : "on the statement it applies to"}`,
        );
      if (w.reason === "") report("no-reason", "hint", `${kind}: say why after " -- ", for whoever reads it next`);
    }
  }
  return kept;
}
