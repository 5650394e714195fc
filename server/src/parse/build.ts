// Tree construction helpers used by the nearley grammar's postprocessors (grammar/nginx.ne).
//
// The scanner (`scanTree`) already makes each statement's Directive and each comment's Comment, in runs, and
// reads a block without blocks in it whole (its body is one run); what is left here is the one thing only the
// grammar knows: which statements form the body of a block that holds blocks.

import type { Directive, Node } from "./ast";
import type { CloseMark, LeafRun, OpenHead, TreeToken } from "./scanner";

/** The parts of nearley 2.20's Parser that `TokenArrayLexer.tidy` touches (not in its typings). */
export interface ParserInternals {
  table: ({ states: { isComplete: boolean; left?: unknown }[] } | undefined)[];
  current: number;
}

/** What `save()` returns: we keep no lexer state, and with `keepHistory` nearley asks for it at every token. */
const NO_STATE: Record<string, never> = Object.freeze({});

/** A nearley lexer over an array of already-scanned tokens (the `chunk` passed to `feed`). */
export class TokenArrayLexer {
  private tokens: TreeToken[] = [];
  private index = 0;
  private parser: ParserInternals | null = null;

  /**
   * Lets the lexer release, before each token, what `parser` no longer needs; the parse is unchanged.
   *
   * - The `left` link of the states nearley has just completed. nearley reads `left` only to build a
   *   state's data, once, when the state completes, but keeps it; so every completed `items` state holds
   *   the one before it, and the whole list of a block (of the file, for `http { … }`) stays alive until
   *   the parse ends: two states and an array per statement, about 9 MB on a 35k-line file that the
   *   garbage collector copies twice. nearley already drops `right` for this reason (State.nextState).
   * - The column before the last one. nearley (without `keepHistory`) `delete`s it from its column array,
   *   which turns that array into a hash table after a few thousand tokens: pushing the next column then
   *   costs a runtime call (a fifth of the parser's time). The parser runs with `keepHistory: true` and the
   *   lexer clears the slot instead, which keeps the array a plain one.
   */
  tidy(parser: ParserInternals): void {
    this.parser = parser;
  }

  reset(chunk: unknown): void {
    this.tokens = chunk as TreeToken[];
    this.index = 0;
  }

  next(): TreeToken | undefined {
    const parser = this.parser;
    if (parser !== null) {
      // table[current] is the column nearley finished last; the one before it is not needed any more.
      const current = parser.current;
      const states = parser.table[current]?.states;
      if (states !== undefined) {
        for (let i = 0; i < states.length; i++) if (states[i].isComplete) states[i].left = undefined;
      }
      if (current > 0) parser.table[current - 1] = undefined;
    }
    return this.index < this.tokens.length ? this.tokens[this.index++] : undefined;
  }

  save(): Record<string, never> {
    return NO_STATE;
  }

  formatError(token: TreeToken): string {
    return `unexpected ${token.kind} token`;
  }

  /**
   * No token has a nearley `type`: the grammar's terminals are the test symbols below, which tell the
   * tree's own objects apart by their `kind`.
   */
  has(_name: string): boolean {
    return false;
  }
}

/** The grammar's terminals (nearley test symbols, used by grammar/nginx.ne as `%run`, `%open`, `%close`). */
export const terminals = {
  /** Statements and standalone comments in a row: tree nodes the scanner has made whole. */
  run: { test: (t: TreeToken): boolean => t.kind === "run" },
  open: { test: (t: TreeToken): boolean => t.kind === "open" },
  close: { test: (t: TreeToken): boolean => t.kind === "close" },
};

/**
 * `items` followed by a run: the run's own array when nothing comes before it in the block (most block bodies
 * are one run), else its nodes appended one by one (no `push(...nodes)`: ARCHITECTURE, argument limits).
 */
export function appendRun(items: Node[], run: LeafRun): Node[] {
  if (items.length === 0) return run.nodes;
  const nodes = run.nodes;
  for (let i = 0; i < nodes.length; i++) items.push(nodes[i]);
  return items;
}

/** The block's directive (the scanner made it at the `{` and set its `}`) with its body. */
export function blockStatement(o: OpenHead, children: Node[], _c: CloseMark): Directive {
  o.directive.block!.children = children;
  return o.directive;
}
