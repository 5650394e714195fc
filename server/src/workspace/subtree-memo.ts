// What a walk found inside one block (its subtree), kept across keystrokes while that block is unchanged.
//
// A keystroke's incremental parse (parse/incremental.ts) keeps every node outside the re-parsed statements
// as the same object, changed only by moved positions, and names the kept blocks whose content changed:
// the block whose body was re-parsed and the blocks around it (`ParseUpdate.changed`). So an answer that is
// a function of a block's content (not of its positions) stays true for that same Directive object until
// the block is named there. `ParseCache.update` (files.ts), the one place the product updates a tree in
// place, forgets those blocks in every memo; a re-parsed part is made of new objects, which no memo holds.
// Walks that use a memo (classify.ts, file-index.ts, rules/directive-checks.ts) then descend only into the
// blocks around the edit: on large-config (35,178 lines, 32,662 statements) a keystroke inside one
// `server {}` walks the few hundred statements of its path instead of every statement.
//
// The answers live in the block's own `memoSlots` (one slot per memo), not in WeakMaps keyed by the node: the
// first analysis fills a slot for every block, and on a 1M-line check ~1M WeakMap entries cost 0.9 s of
// CPU in WeakMap#set and doubled every scavenge (V8's ephemeron tables); a field costs one pointer a directive.
//
// What a memo holds must not be a position (they move in place; compact representations build them on
// read): only nodes, words, counts and texts, with ranges read from the nodes when used.

import type { Directive } from "../parse/ast";

/** How many memos exist: each owns one slot of a block's `memoSlots`. */
let memoCount = 0;

/** Answers per block directive, valid until the block's content changes (see the file's comment). */
export class SubtreeMemo<T> {
  private readonly slot = memoCount++;

  get(d: Directive): T | undefined {
    return d.memoSlots?.[this.slot] as T | undefined;
  }

  set(d: Directive, value: T): void {
    const s = d.memoSlots;
    if (s !== undefined) {
      s[this.slot] = value;
      return;
    }
    const slots = new Array<unknown>(memoCount).fill(undefined);
    slots[this.slot] = value;
    d.memoSlots = slots;
  }
}

/** The blocks an in-place update changed (`ParseUpdate.changed`): no memo answers for them any more. */
export function forgetChangedBlocks(changed: readonly Directive[]): void {
  for (const d of changed) d.memoSlots = undefined;
}

/** How `summarize` folds a block's subtree into one answer. */
export interface SubtreeFold<F, T> {
  /** A fresh state for a block. */
  start(d: Directive): F;
  /** Reads one of the block's own statements into its state; false: do not look into that statement's block. */
  statement(state: F, node: Directive): boolean;
  /** Adds the answer of a block below. */
  merge(state: F, below: T): void;
  /** The block's answer, once its statements are read. */
  finish(state: F): T;
}

/**
 * A block's answer folded from its own statements and the answers of the blocks below, each remembered in
 * `memo` while its block is unchanged: the blocks below are answered from the memo or walked with an explicit
 * stack (blocks nest deeper than V8's stack), so a keystroke walks the blocks around its edit.
 */
export function summarize<F, T>(block: Directive, memo: SubtreeMemo<T>, fold: SubtreeFold<F, T>): T {
  const known = memo.get(block);
  if (known !== undefined) return known;
  const stack: { d: Directive; i: number; state: F }[] = [{ d: block, i: 0, state: fold.start(block) }];
  for (;;) {
    const f = stack[stack.length - 1];
    const nodes = f.d.block?.children ?? [];
    if (f.i >= nodes.length) {
      const answer = fold.finish(f.state);
      memo.set(f.d, answer);
      stack.pop();
      if (stack.length === 0) return answer;
      fold.merge(stack[stack.length - 1].state, answer);
      continue;
    }
    const node = nodes[f.i++];
    if (node.kind !== "directive") continue;
    if (!fold.statement(f.state, node) || !node.block) continue;
    const below = memo.get(node);
    if (below === undefined) stack.push({ d: node, i: 0, state: fold.start(node) });
    else fold.merge(f.state, below);
  }
}
