// The checks nginx makes of one statement, or of one block's own statements, that need nothing from elsewhere
// in the configuration: a value its handler refuses, a regex PCRE2 refuses, a directive that `is duplicate`
// in its block, a nested location its parent cannot hold. Rules hand them to the statement walk of rule
// `directive` (directive-checks.ts), which keeps what they found per block while the block is unchanged: a
// keystroke re-checks the statements around the edit, not the 320,000 of a large file (issue 14's rules
// first walked every site of the model on every keystroke: 1.5 s per keystroke on large-config ×10).
//
// A check sees the statement (or the block's statements, included files expanded), the kind of block it is
// in and the enclosing block directives. It must not read anything else — other blocks, files, the model —
// or its answer would go stale in the memo; checks that need the whole configuration stay model rules
// (rules/index.ts MODEL_RULES) and ask the model for rare names only.

import type { Directive } from "../parse/ast";
import { enterBlock, type ContextKind } from "../parse/directives";
import { walk, type Configuration } from "../workspace/configuration";
import type { RuleOptions, Severity } from "./types";

/** A word of a statement: an argument's index, -1 for its name, or BLOCK_END. */
export type WordIndex = number;

/** Not a word: the last character of the statement (a block's `}`), where nginx names a block's end. */
export const BLOCK_END: WordIndex = -2;

/** A finding before it is placed: positions are read from the nodes when the finding is made. */
export interface CheckSeed {
  ruleId: string;
  code: string;
  severity: Severity;
  message: string;
  d: Directive;
  /** The file `d` was read from, when it may not be the walked statement's (block checks: BlockStatement.path). */
  path?: string;
  /** The word the finding is on (default: the name). */
  word?: WordIndex;
  /** Other statements the finding names; `path` null: the finding's own file. */
  related?: { d: Directive; word?: WordIndex; path: string | null; message: string }[];
  data?: Record<string, unknown>;
}

/** A statement of a block as a block check sees it: with the file it was read from (includes expanded). */
export interface BlockStatement {
  d: Directive;
  path: string;
}

/** A fact a check collected from a statement (`collect`), where it was read. */
export interface CollectedFact {
  value: unknown;
  d: Directive;
  path: string;
  /**
   * The name of the outermost block it was read in (`http`, `stream`, or the first of a snippet's implied
   * blocks); null at the main level. Only the outermost: a copy of every enclosing name per fact was
   * O(depth²) on 100,000 nested blocks.
   */
  outermost: string | null;
  /**
   * Every enclosing block's name, outermost first — only for the checks that ask (`wantsWithin`): a copy per
   * block level that gives facts, which is O(depth²) on deeply nested blocks that each give one.
   */
  within?: readonly string[];
}

/** A fact as `compact` sees it: its value, the statement it was read from, `outermost`/`within` as CollectedFact's. */
export interface BlockFact {
  value: unknown;
  d: Directive;
  outermost: string | null;
  within?: readonly string[];
}

export interface StatementCheck {
  /** The rule the check belongs to (its findings may still carry other rule ids). */
  ruleId: string;
  /** Its facts carry `within` (every enclosing block's name). */
  wantsWithin?: boolean;
  /**
   * The only directive names `statement` and `collect` look at, when they look at a few: the walk then calls
   * them for those statements only (it looks each name up once for every check; 30 checks called for each of a
   * million statements were a tenth of a cold check's time).
   */
  names?: ReadonlySet<string>;
  /**
   * With `names`: `statement` and `collect` are called for every statement of a `custom` body too (the entries
   * of `map`, `geo`, `split_clients`…, named by their keys), whatever its name.
   */
  entries?: boolean;
  /**
   * Every statement, in the block kind it is in (parse/directives.ts ContextKind: `location`,
   * `if_in_location`, `stream_server`, … or `custom`/`lua`/`unknown` for bodies that are not directives).
   * `parents`: the enclosing block directives, outermost first (shared: copy it to keep it). Read only the
   * last one (the statement's own block): the answers are kept per block with its head only (parentsSignature).
   */
  statement?(
    this: void,
    d: Directive,
    context: ContextKind,
    parents: readonly Directive[],
    options: RuleOptions,
    out: CheckSeed[],
  ): void;
  /**
   * Every block when its body has been read, and the main level at the end (`d` null): its own statements in
   * reading order, with those of the files it includes. `body`: the kind of its body.
   */
  block?(
    this: void,
    d: Directive | null,
    body: ContextKind,
    statements: readonly BlockStatement[],
    parents: readonly Directive[],
    options: RuleOptions,
    out: CheckSeed[],
  ): void;
  /**
   * What makes a fact the same to `resolve` as an earlier fact of its scope (`outermost`), which makes it add
   * nothing; undefined: the fact counts. A one-time analysis (RuleOptions.once) keeps the first fact of each
   * key per scope: every variable of every location is a fact of some checks.
   */
  sameAs?(this: void, value: unknown): unknown;
  /**
   * Facts of a statement for a judgement of the whole configuration (the variables it uses or defines, the
   * upstream it names): kept per unchanged block like findings, and given to `resolve` after the walk. Push
   * nothing for most statements: `resolve` runs on every analysis over every fact.
   */
  collect?(
    this: void,
    d: Directive,
    context: ContextKind,
    parents: readonly Directive[],
    options: RuleOptions,
    facts: unknown[],
  ): void;
  /**
   * Every `include` statement, with whether every file it names was read (`complete`): facts as `collect`'s.
   * Never kept: a block with an include inside is walked again on every analysis, as the files it reads
   * change apart from its text.
   */
  include?(
    d: Directive,
    context: ContextKind,
    parents: readonly Directive[],
    complete: boolean,
    options: RuleOptions,
    facts: unknown[],
  ): void;
  /**
   * The facts of a block about to be kept (no include inside: every fact is from the block's own file), in
   * reading order: fewer facts that say the same to `resolve` (the names a block defines, once), given back in
   * their place on every later analysis while the block is unchanged. Without it a block of 2,500 locations
   * that each `set` three variables gives `resolve` 7,500 facts on every keystroke. Asked only from 16 facts.
   */
  compact?(facts: readonly BlockFact[]): BlockFact[];
  /**
   * After the walk: the findings that follow from every fact `collect` gave, in reading order (a file
   * included twice gives its facts twice). Set each seed's `path` (the fact's). `config`: what the walk read
   * (its path mappings, conf prefix), for a judgement that looks outside the configuration's text (rule
   * `file`: whether a folder exists); nothing of it may be kept with a fact.
   */
  resolve?(facts: readonly CollectedFact[], options: RuleOptions, out: CheckSeed[], config: Configuration): void;
}

/**
 * What a block's answers depend on besides its own text and block kind: the head of the block it is in
 * (a nested location is judged by its parent's path; `proxy_pass` by the kind of location or `if` it is in).
 * The same file included in two places is checked once per signature. Only the innermost enclosing block
 * counts, in O(1) per block (a signature of every enclosing block cost O(depth²) on 100,000 nested blocks):
 * a check may read `parents[parents.length - 1]`, never a block further out.
 */
export function parentsSignature(parents: readonly Directive[]): string {
  const p = parents.length > 0 ? parents[parents.length - 1] : null;
  if (p === null) return "";
  return `${p.name}\u0000${p.argValue(0) ?? ""}\u0000${p.argValue(1) ?? ""}`;
}

/** The block kind of the main level of a configuration read in `names` (a snippet's guessed context). */
export function rootContextKind(names: readonly string[]): ContextKind {
  let kind: ContextKind = "main";
  for (const n of names) kind = enterBlock(kind, n);
  return kind;
}

/**
 * Every statement but `include`s, as the walk of the statement checks hands it to `statement` and `collect`:
 * the kind of block it is in, its enclosing block directives (outermost first; shared), the name of the
 * outermost one (CollectedFact.outermost) and the path of its file. For a check that reads statements again
 * in `resolve`, when only what it collected says a reading is needed (hash-without-default and
 * mixed-case-variable on a one-time analysis).
 */
export function eachStatement(
  config: Configuration,
  visit: (
    d: Directive,
    context: ContextKind,
    parents: readonly Directive[],
    outermost: string | null,
    path: string,
  ) => void,
): void {
  const stack: ContextKind[] = [rootContextKind(config.root.context)];
  walk(config, {
    enter(d, info) {
      const context = stack[stack.length - 1];
      if (d.name !== "include")
        visit(d, context, info.parents, info.context.length > 0 ? info.context[0] : null, info.file.path);
      if (d.block) stack.push(enterBlock(context, d.name));
      return undefined;
    },
    leave(d) {
      if (d.block) stack.pop();
    },
  });
}
