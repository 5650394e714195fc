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
// What a memo holds must not be a position (they move in place; compact representations build them on
// read): only nodes, words, counts and texts, with ranges read from the nodes when used.

import type { Directive } from "../parse/ast";

/** Every memo, for `forgetChangedBlocks`: a fixed set of module-level memos (each a WeakMap). */
const memos: SubtreeMemo<unknown>[] = [];

/** Answers per block directive, valid until the block's content changes (see the file's comment). */
export class SubtreeMemo<T> {
  private map = new WeakMap<Directive, T>();

  constructor() {
    memos.push(this as SubtreeMemo<unknown>);
  }

  get(d: Directive): T | undefined {
    return this.map.get(d);
  }

  set(d: Directive, value: T): void {
    this.map.set(d, value);
  }

  delete(d: Directive): void {
    this.map.delete(d);
  }

  /** Forgets every answer (tests comparing with a from-scratch analysis). */
  clear(): void {
    this.map = new WeakMap();
  }
}

/** The blocks an in-place update changed (`ParseUpdate.changed`): no memo answers for them any more. */
export function forgetChangedBlocks(changed: readonly Directive[]): void {
  for (const m of memos) for (const d of changed) m.delete(d);
}

/** Forgets every answer of every memo (tests that compare with a from-scratch analysis). */
export function forgetAllSubtrees(): void {
  for (const m of memos) m.clear();
}
