// Rule `directive`: the checks nginx runs on every statement before its handler (ngx_conf_handler):
// known name (strict mode only), allowed in this block, right number of arguments, `;` or `{` as it must.
// Plus one nginx cannot make: a statement whose argument starts a new line with the name of a directive
// that fits there (`listen 8080` ⏎ `server_name a;`) most likely lost its `;`. nginx reads the next
// line as arguments: sometimes it fails on them (listen: `invalid parameter "server_name"`), sometimes it
// takes them silently (`server_name a.com` ⏎ `root /srv;` names a server "root" and sets no root).
// The context of each statement follows the include sites, so a sites-enabled file is judged inside the
// `http {}` that includes it; a file included twice is judged in each place (reported once per position).

import type { Directive, Range, Word } from "../parse/ast";
import { checkDirective, enterBlock, type ContextKind, type DirectiveProblem } from "../parse/directives";
import { walk, type ConfigVisitor, type Configuration, type WalkInfo } from "../workspace/configuration";
import { SubtreeMemo } from "../workspace/subtree-memo";
import {
  BLOCK_END,
  parentsSignature,
  rootContextKind,
  type BlockFact,
  type BlockStatement,
  type CheckSeed,
  type CollectedFact,
  type StatementCheck,
  type WordIndex,
} from "./statement-checks";
import { STATEMENT_CHECKS } from "./statement-checkers";
import type { Finding, RelatedLocation, RuleOptions } from "./types";

/**
 * checkDirective and enterBlock are functions of a statement's name, argument count, terminator and
 * context (and the options): their answers are remembered per options, so a configuration pays the
 * directive table's lookups once per distinct statement shape, not once per statement (large-config:
 * 32,662 statements, 138 distinct shapes and block heads). Nested maps (context, name, count and terminator) rather than
 * one string key: building and hashing a key per statement cost as much as the lookups it saved.
 * Bounded: forgotten past MAX_SHAPES (argument counts are unbounded).
 */
interface ShapeAnswers {
  /** context → name → argCount·4 + terminator → problems. */
  problems: Map<ContextKind, Map<string, Map<number, DirectiveProblem[]>>>;
  /** context → block name → the context of its body. */
  bodies: Map<ContextKind, Map<string, ContextKind>>;
  size: number;
}
const MAX_SHAPES = 50_000;
const TERMINATORS = [";", "{", "lua", null] as const;
const answersByOptions = new Map<string, ShapeAnswers>();

/** What the statement checks depend on besides the statement and its context. */
function optionsKey(options: RuleOptions): string {
  // ruleConfig: a rule's own options (origins' domains) change its findings as much as the version does.
  return `${options.strict ? 1 : 0}\0${options.nginxVersion ?? ""}\0${options.ruleConfig ? JSON.stringify(options.ruleConfig) : ""}`;
}

function answersFor(options: RuleOptions): ShapeAnswers {
  const key = optionsKey(options);
  let answers = answersByOptions.get(key);
  if (answers === undefined || answers.size > MAX_SHAPES) {
    if (answersByOptions.size >= 16) answersByOptions.clear();
    answersByOptions.set(key, (answers = { problems: new Map(), bodies: new Map(), size: 0 }));
  }
  return answers;
}

/**
 * Forgets every remembered answer, the checks called per name too (for tests that compare with a from-scratch
 * analysis, or change a check's `names`).
 */
export function forgetStatementShapes(): void {
  answersByOptions.clear();
  checksByName.clear();
  checksByEntryName.clear();
}

function problemsOf(
  d: Directive,
  context: ContextKind,
  answers: ShapeAnswers,
  options: RuleOptions,
): DirectiveProblem[] {
  let byName = answers.problems.get(context);
  if (byName === undefined) answers.problems.set(context, (byName = new Map()));
  let byShape = byName.get(d.name);
  if (byShape === undefined) byName.set(d.name, (byShape = new Map()));
  const shape = d.argCount * 4 + TERMINATORS.indexOf(d.terminator);
  let problems = byShape.get(shape);
  if (problems === undefined) {
    problems = checkDirective(
      { name: d.name, argCount: d.argCount, terminator: d.terminator, context },
      { strict: options.strict, checkContext: true, checkArgs: true, version: options.nginxVersion },
    );
    byShape.set(shape, problems);
    answers.size++;
  }
  return problems;
}

function bodyOf(d: Directive, context: ContextKind, answers: ShapeAnswers): ContextKind {
  let byName = answers.bodies.get(context);
  if (byName === undefined) answers.bodies.set(context, (byName = new Map()));
  let body = byName.get(d.name);
  if (body === undefined) {
    byName.set(d.name, (body = enterBlock(context, d.name)));
    answers.size++;
  }
  return body;
}

/**
 * One finding of this rule before it is placed: the statement, and for a lost `;` the word that starts the
 * line. Positions are read when the finding is made (they move in place across keystrokes).
 */
class Seed {
  constructor(
    readonly d: Directive,
    readonly code: string,
    /** The problem's message; absent for `lost-semicolon` (its message names the statement's current line). */
    readonly message?: string,
    readonly lost?: Word,
    /** A finding of another rule's statement check (statement-checks.ts). */
    readonly check?: CheckSeed,
    /** A fact for check number `of` (STATEMENT_CHECKS), not a finding. */
    public fact?: SeedFact,
  ) {}
}

/**
 * A fact as a seed keeps it: a BlockFact itself (`compact` is given these objects, not copies), with the
 * check's number, the seed that holds it, and the fact as `resolve` is given it once placed.
 */
interface SeedFact extends BlockFact {
  of: number;
  seed: Seed;
  placed?: CollectedFact;
}

/** A seed holding a fact for check `of`. */
function factSeed(
  of: number,
  d: Directive,
  value: unknown,
  outermost: string | null,
  within?: readonly string[],
): Seed {
  const seed = new Seed(d, "", undefined, undefined, undefined, undefined);
  seed.fact = { of, value, d, outermost, within, seed, placed: undefined };
  return seed;
}

/**
 * The fewest facts of one check in a kept block worth compacting: a few are cheaper replayed than compacted
 * again at every level of blocks around them (the block around compacts them with the rest).
 */
const COMPACT_FROM = 2;

/** Blocks nested deeper than this are walked again on every analysis (their ancestors' answers hold them). */
const MAX_KEPT_DEPTH = 64;

/**
 * One statement check as the walk calls it for a name: its number and its functions, read once from the
 * check. One class for all: reading `statement`, `collect`… from 29 check objects of 29 shapes made each read
 * megamorphic, a lookup per check and statement (a third of the walk's own time on the 1M-line workspace).
 * The functions are called without `this` (StatementCheck declares them `this: void`).
 */
class Applying {
  constructor(
    readonly index: number,
    readonly statement: StatementCheck["statement"] | undefined,
    readonly collect: StatementCheck["collect"] | undefined,
    readonly sameAs: StatementCheck["sameAs"] | undefined,
    readonly wantsWithin: boolean,
  ) {}
}

/** Per directive name: the statement checks that look at a statement of that name, in order. */
const checksByName = new Map<string, readonly Applying[]>();
/** The same for the statements of a `custom` body (map entries…): the checks that want `entries` too. */
const checksByEntryName = new Map<string, readonly Applying[]>();

function checksFor(name: string, entry: boolean): readonly Applying[] {
  const known = entry ? checksByEntryName : checksByName;
  let list = known.get(name);
  if (list === undefined) {
    const made: Applying[] = [];
    for (let i = 0; i < STATEMENT_CHECKS.length; i++) {
      const c = STATEMENT_CHECKS[i];
      if (c.statement === undefined && c.collect === undefined) continue;
      if (c.names === undefined || c.names.has(name) || (entry && c.entries === true))
        made.push(new Applying(i, c.statement, c.collect, c.sameAs, c.wantsWithin === true));
    }
    if (known.size > 4096) known.clear();
    known.set(name, (list = made));
  }
  return list;
}

/** The checks with a `block` function, in order (read once, as `checksFor`). */
let blockChecks: NonNullable<StatementCheck["block"]>[] | undefined;

function blockChecksOf(): NonNullable<StatementCheck["block"]>[] {
  return (blockChecks ??= STATEMENT_CHECKS.flatMap((c) => (c.block === undefined ? [] : [c.block])));
}

/** A kept block's seeds with the facts of each check that compacts its facts (`compact`) compacted. */
function compacted(kept: Seed[]): Seed[] {
  // Two passes over the seeds whatever the number of checks (they hold the whole subtree's findings). The
  // facts themselves are handed to `compact`, and what it keeps keeps its seed: a server re-walked on a
  // keystroke compacts the facts of every location in it, and copies of them were most of that work.
  // A list per check that has facts here only (an empty list for each of 30 checks, per kept block, was a
  // tenth of what a cold check of the 1M-line workspace allocated).
  let byCheck: (BlockFact[] | undefined)[] | undefined;
  for (const s of kept) {
    if (s.fact === undefined || STATEMENT_CHECKS[s.fact.of].compact === undefined) continue;
    ((byCheck ??= new Array<BlockFact[] | undefined>(STATEMENT_CHECKS.length))[s.fact.of] ??= []).push(s.fact);
  }
  if (byCheck === undefined) return kept;
  let fewerOf: Map<number, BlockFact[]> | undefined;
  for (let i = 0; i < STATEMENT_CHECKS.length; i++) {
    const facts = byCheck[i];
    if (facts === undefined || facts.length < COMPACT_FROM) continue;
    const fewer = STATEMENT_CHECKS[i].compact!(facts);
    if (fewer.length < facts.length) (fewerOf ??= new Map()).set(i, fewer);
  }
  if (fewerOf === undefined) return kept;
  // Each check's facts go to its own list: their order among other seeds does not matter.
  const out = kept.filter((s) => s.fact === undefined || !fewerOf!.has(s.fact.of));
  for (const [i, fewer] of fewerOf)
    for (const f of fewer) {
      const own = (f as Partial<SeedFact>).seed;
      out.push(own !== undefined && own.fact === f ? own : factSeed(i, f.d, f.value, f.outermost, f.within));
    }
  return out;
}

/**
 * The seeds of a block statement and everything in its body, per block (subtree-memo.ts), for the context it
 * was checked in and the options it was checked with: an unchanged block is not walked
 * again on the next keystroke. Only blocks with no `include` inside are kept: an include's files change
 * apart from the block's own text.
 */
const subtreeSeeds = new SubtreeMemo<{
  context: ContextKind;
  options: string;
  parents: string;
  seeds: Seed[];
  /** Whether `seeds` are compacted (`compacted`) or left as walked until the block is first replayed. */
  compacted: boolean;
}>();

/**
 * From this many facts a kept block's are compacted when it is first replayed rather than when it is left:
 * the blocks around an edit are walked again on every keystroke in them, and compacting the 7,500 facts of
 * large-config's 2,500-location server each time was a fifth of the keystroke's analysis. Below it they are
 * compacted at once (a deep nest of small blocks keeps a compacted list per level, not its whole subtree's).
 */
const DEFER_COMPACTION_FROM = 256;

export function directiveFindings(config: Configuration, options: RuleOptions): Finding[] {
  const check = directiveCheck(config, options);
  walk(config, check.visitor);
  check.finish();
  return check.findings;
}

/** The range of word `i` of `d` (-1 or absent: its name; BLOCK_END: its last character). */
function wordRange(d: Directive, i: WordIndex | undefined): Range {
  if (i === BLOCK_END) {
    const end = d.range.end;
    return {
      start: { line: end.line, character: Math.max(0, end.character - 1), offset: Math.max(0, end.offset - 1) },
      end,
    };
  }
  // (Read from the packed words: a finding does not make the words of its statement.)
  return d.wordRange(i ?? -1);
}

/**
 * The rule as a visitor of `walk` and the findings it adds while walking: rules/index.ts walks it together
 * with the reuseport rule's (one walk of every statement instead of two on a server's first analysis).
 */
export function directiveCheck(
  config: Configuration,
  options: RuleOptions,
): { visitor: ConfigVisitor; findings: Finding[]; finish: () => void } {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  // The check findings placed so far: per short key, the message (or messages) placed with it.
  const seenMessages = new Map<string, string | string[]>();
  const stack: ContextKind[] = [rootContextKind(config.root.context)];
  const answers = answersFor(options);
  const checkedWith = optionsKey(options);
  // Whether blocks are kept for a next analysis (subtreeSeeds): not when none will come (`once`), where seeds,
  // slices and compactions were a third of what a cold check of the 1M-line workspace allocated, for nothing.
  const keeping = options.once !== true;
  // Every seed in walk order (before the per-position dedup), and per open block where its own seeds start
  // and whether it can be kept (no include inside).
  const seeds: Seed[] = [];
  const open: {
    start: number;
    /** `factSeeds` when the block's seeds started: its facts are the ones counted since. */
    factsStart: number;
    context: ContextKind;
    keep: boolean;
    parents: string;
    statements: BlockStatement[];
  }[] = [];
  // The fact seeds in `seeds` so far: a kept block with fewer than two is not compacted (nor searched for them).
  let factSeeds = 0;
  // The statements of the main level (or of the implied blocks of a snippet), for the block checks.
  const topStatements: BlockStatement[] = [];
  const out: CheckSeed[] = [];
  const facts: CollectedFact[][] = STATEMENT_CHECKS.map(() => []);
  // Per check and scope, the keys of the facts given to `resolve` so far (StatementCheck.sameAs), when not
  // keeping: a fact with a key already there adds nothing.
  const keysOf: Map<string | null, Set<unknown>>[] = keeping ? [] : STATEMENT_CHECKS.map(() => new Map());
  const firstOfScope = (check: number, scope: string | null, key: unknown): boolean => {
    const byScope = keysOf[check];
    let keys = byScope.get(scope);
    if (keys === undefined) byScope.set(scope, (keys = new Set()));
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  };
  const factsOut: unknown[] = [];
  const place = (s: Seed, path: string): void => {
    if (s.fact !== undefined) {
      // The same object on every analysis while the seed is kept (nothing to make per fact and keystroke).
      const f = s.fact;
      if (f.placed === undefined || f.placed.path !== path)
        f.placed = { value: f.value, d: s.d, path, outermost: f.outermost, within: f.within };
      facts[f.of].push(f.placed);
      return;
    }
    if (s.check !== undefined) {
      const c = s.check;
      path = c.path ?? path;
      // The message too: one word may give two findings of a code (two named captures a module owns). Kept
      // beside a short key, not in it: a key text per finding with its message (20,211 root-in-location
      // findings on the bench's 1M-line workspace) was hashed and kept for nothing.
      const key = `${path}:${c.d.startOffset}:${c.ruleId}:${c.code}:${c.word ?? -1}`;
      const messages = seenMessages.get(key);
      if (messages === undefined) seenMessages.set(key, c.message);
      else if (messages === c.message || (Array.isArray(messages) && messages.includes(c.message))) return;
      else seenMessages.set(key, Array.isArray(messages) ? [...messages, c.message] : [messages, c.message]);
      const f: Finding = {
        ruleId: c.ruleId,
        code: c.code,
        severity: c.severity,
        path,
        range: wordRange(c.d, c.word),
        message: c.message,
      };
      if (c.related && c.related.length > 0)
        f.related = c.related.map((r): RelatedLocation => ({
          path: r.path ?? path,
          range: wordRange(r.d, r.word),
          message: r.message,
        }));
      if (c.data) f.data = c.data;
      findings.push(f);
      return;
    }
    if (s.lost === undefined) {
      const key = `${path}:${s.d.startOffset}:${s.code}`;
      if (seen.has(key)) return;
      seen.add(key);
      findings.push({
        ruleId: "directive",
        code: s.code,
        severity: "error",
        path,
        range: s.d.wordRange(-1),
        message: s.message!,
      });
      return;
    }
    const key = `${path}:${s.lost.startOffset}:lost-semicolon`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({
      ruleId: "directive",
      code: "lost-semicolon",
      severity: "warning",
      path,
      range: s.lost.range,
      message:
        `missing ";" before "${s.lost.value}"? Written on a line of its own, it is read as an argument of ` +
        `"${s.d.name}" (line ${s.d.nameWord.startLine + 1})`,
    });
  };
  const addChecks = (path: string): void => {
    for (const c of out) {
      const seed = new Seed(c.d, c.code, undefined, undefined, c, undefined);
      if (keeping) seeds.push(seed);
      place(seed, path);
    }
    out.length = 0;
  };
  // The includes whose files could not all be read (none found, refused, a cycle cut), made when first asked.
  let incomplete: Set<Directive> | undefined;
  const includeFacts = (d: Directive, context: ContextKind, info: WalkInfo): void => {
    for (let i = 0; i < STATEMENT_CHECKS.length; i++) {
      const c = STATEMENT_CHECKS[i];
      if (c.include === undefined) continue;
      if (incomplete === undefined) {
        incomplete = new Set();
        for (const e of config.edges) {
          const r = e.resolution;
          if (r === null || r.problems.length > 0 || e.to.length < r.files.length) incomplete.add(e.directive);
        }
      }
      c.include(d, context, info.parents, !incomplete.has(d), options, factsOut);
      if (factsOut.length === 0) continue;
      // Placed, not kept with a block's seeds: a block with an include inside is not kept.
      const outermost = info.context.length > 0 ? info.context[0] : null;
      const within = c.wantsWithin ? info.context.slice() : undefined;
      for (const value of factsOut) facts[i].push({ value, d, path: info.file.path, outermost, within });
      factsOut.length = 0;
    }
  };
  const visitor: ConfigVisitor = {
    enter(d: Directive, info) {
      const context = stack[stack.length - 1];
      const path = info.file.path;
      if (d.name !== "include") (open.length > 0 ? open[open.length - 1].statements : topStatements).push({ d, path });
      let signature = "";
      if (d.name === "include") {
        if (open.length > 0) open[open.length - 1].keep = false;
        includeFacts(d, context, info);
      } else if (d.block && keeping) {
        const kept = subtreeSeeds.get(d);
        signature = parentsSignature(info.parents);
        if (
          kept !== undefined &&
          kept.context === context &&
          kept.options === checkedWith &&
          kept.parents === signature
        ) {
          if (!kept.compacted) {
            kept.seeds = compacted(kept.seeds);
            kept.compacted = true;
          }
          for (const s of kept.seeds) {
            seeds.push(s);
            if (s.fact !== undefined) factSeeds++;
            place(s, path);
          }
          return false;
        }
      }
      const start = seeds.length;
      const factsStart = factSeeds;
      for (const p of problemsOf(d, context, answers, options))
        seeds.push(new Seed(d, p.code, p.message, undefined, undefined, undefined));
      const lost = lostSemicolon(d, context, options);
      if (lost) seeds.push(new Seed(d, "lost-semicolon", undefined, lost, undefined, undefined));
      for (let i = start; i < seeds.length; i++) place(seeds[i], path);
      // (Setting an array's length is a call into the runtime, even to the length it has.)
      if (!keeping && seeds.length !== start) seeds.length = start;
      if (d.name !== "include") {
        const applying = checksFor(d.name, context === "custom");
        for (let k = 0; k < applying.length; k++) {
          const c = applying[k];
          const i = c.index;
          if (c.statement !== undefined) c.statement(d, context, info.parents, options, out);
          if (c.collect === undefined) continue;
          c.collect(d, context, info.parents, options, factsOut);
          if (factsOut.length === 0) continue;
          const outermost = info.context.length > 0 ? info.context[0] : null;
          const within = c.wantsWithin ? info.context.slice() : undefined;
          if (keeping)
            for (const value of factsOut) {
              const seed = factSeed(i, d, value, outermost, within);
              seeds.push(seed);
              factSeeds++;
              place(seed, path);
            }
          else
            for (const value of factsOut) {
              const key = c.sameAs?.(value);
              if (key !== undefined && !firstOfScope(i, outermost, key)) continue;
              facts[i].push({ value, d, path, outermost, within });
            }
          factsOut.length = 0;
        }
        if (out.length > 0) addChecks(path);
      }
      if (d.block) {
        open.push({ start, factsStart, context, keep: d.name !== "include", parents: signature, statements: [] });
        stack.push(bodyOf(d, context, answers));
      }
      return undefined;
    },
    leave(d: Directive, info) {
      if (!d.block) return;
      const body = stack.pop()!;
      const block = open.pop()!;
      const blockFns = blockChecksOf();
      for (let k = 0; k < blockFns.length; k++) blockFns[k](d, body, block.statements, info.parents, options, out);
      if (out.length > 0) addChecks(info.file.path);
      if (!keeping) return;
      // Past MAX_KEPT_DEPTH a block is not kept (its ancestors are): each kept block holds the seeds of its whole
      // subtree, and on 100,000 nested blocks with a seed each that is O(depth²) (it ran out of memory).
      if (block.keep && open.length >= MAX_KEPT_DEPTH) return;
      if (block.keep) {
        const own = seeds.slice(block.start);
        const factCount = factSeeds - block.factsStart;
        const deferred = factCount >= DEFER_COMPACTION_FROM;
        const kept = factCount < COMPACT_FROM || deferred ? own : compacted(own);
        subtreeSeeds.set(d, {
          context: block.context,
          options: checkedWith,
          parents: block.parents,
          seeds: kept,
          compacted: !deferred,
        });
        if (kept.length < own.length) {
          // The blocks around compact what this one kept, not its facts again: nested blocks that each give a
          // fact (a log per level of 10,000 nested locations) were compacted once per level around them.
          seeds.length = block.start;
          factSeeds = block.factsStart;
          for (const seed of kept) {
            seeds.push(seed);
            if (seed.fact !== undefined) factSeeds++;
          }
        }
      } else if (open.length > 0) open[open.length - 1].keep = false;
    },
  };
  // The main level's block checks, once the walk is done.
  const finish = (): void => {
    for (const block of blockChecksOf()) block(null, stack[0], topStatements, [], options, out);
    if (out.length > 0) addChecks(config.root.path);
    for (let i = 0; i < STATEMENT_CHECKS.length; i++) {
      STATEMENT_CHECKS[i].resolve?.(facts[i], options, out, config);
      if (out.length > 0) addChecks(config.root.path);
    }
  };
  return { visitor, findings, finish };
}

/**
 * The first argument of `d` that starts a line and, with the words after it, would be a valid statement of
 * this context on its own (a known directive, allowed here, with a fitting number of arguments).
 */
function lostSemicolon(d: Directive, context: ContextKind, options: RuleOptions): Word | null {
  // Map, types, … bodies and Lua are not statements; in a block nginx refused, nothing is known.
  if (context === "custom" || context === "lua" || context === "unknown") return null;
  // A statement's words all have its directive as their base (parse/ast.ts), so their relative lines compare
  // as the absolute ones do. Reading `range` here made two Range and four Position objects per word of every
  // statement: 63 ms of a server start on large-config (CPU profile of issue 13), nearly all in `get range`.
  // Words follow one another, each starting where (or after) the one before ends: when the last starts on the
  // name's line, every word is on it and none starts a line (most statements; nothing more is read of them,
  // and their words are not made: parse/ast.ts).
  if (d.argsOnNameLine()) return null;
  const args = d.args;
  let prevLine = d.nameWord.relEndLine;
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    const startsLine = w.relStartLine > prevLine;
    prevLine = w.relEndLine;
    if (!startsLine || w.quote !== null || !/^[a-z_][a-z0-9_]*$/.test(w.value)) continue;
    const problems = checkDirective(
      { name: w.value, argCount: args.length - i - 1, terminator: d.terminator, context },
      { strict: true, checkContext: true, checkArgs: true, version: options.nginxVersion },
    );
    if (problems.length === 0) return w;
  }
  return null;
}
