// Whether a block's subtree (in its own file) may hold a directive of some name, remembered per block while
// its content is unchanged (workspace/subtree-memo.ts). The model's walks for one name (`sitesOf`) skip the
// blocks that cannot hold it: a keystroke asks for a few rare names (`load_module`, `modsecurity`, the Lua
// module's directives, `*_pass`), and indexing every site by name to answer them cost 56 ms per keystroke on
// large-config ×10 (320,000 sites), more than the rest of the cost report.
//
// A block that knows nothing yet (new, or changed by a keystroke) is walked once for every question known
// (`answerBits`, `wantFor`): a name is looked up once per statement for all of them (`nameMask`), and the
// incident's changed server (4,000 locations) is walked once per keystroke, not once per question.
//
// An `include` inside the block brings in content the block's own tree does not show, so a subtree with one
// always may hold the name: only what is in the tree decides, never positions or other files.

import type { Directive } from "../parse/ast";
import { SubtreeMemo } from "../workspace/subtree-memo";

/**
 * How many questions a block's memo can hold: one bit each in two numbers (answered, answer). With issue 15's
 * rules the product asks about 25 (a family of rare names per rule group, and single names); at 15, the
 * questions past the fifteenth were never remembered and walked the whole file on every keystroke.
 */
const MAX_KEYS = 31;
/** Each question key's bit, given on first use (the model asks a few fixed questions: rare names). */
const bits = new Map<string, number>();
/** Per bit index, the question's `wanted` (the same key always comes with the same `wanted`). */
const wantedOf: ((name: string) => boolean)[] = [];
/** The bits of every question known so far. */
let allBits = 0;
/**
 * Per block directive, two numbers: bit k of the first says question k is answered, of the second its
 * answer. Numbers, not a Map per block: a cold check of the 1M-line workspace made a Map for every block and
 * question (0.24 s in `remember` alone, by profile, and their collection).
 */
const answered = new SubtreeMemo<number>();
const answers = new SubtreeMemo<number>();

/** The bit of `key`; 0 (nothing remembered) past MAX_KEYS questions. */
function bitOf(key: string, wanted: (name: string) => boolean): number {
  let bit = bits.get(key);
  if (bit === undefined) {
    bit = bits.size < MAX_KEYS ? 1 << bits.size : 0;
    bits.set(key, bit);
    if (bit !== 0) {
      wantedOf[31 - Math.clz32(bit)] = wanted;
      allBits |= bit;
    }
  }
  return bit;
}

/** Per directive name: the questions that want it, as bits, and how many questions were known then. */
const masks = new Map<string, { mask: number; known: number }>();

/** The bits of the questions whose `wanted` accepts `name`. */
function nameMask(name: string): number {
  const m = masks.get(name);
  if (m !== undefined && m.known === allBits) return m.mask;
  let mask = 0;
  for (let i = 0; i < wantedOf.length; i++) if (wantedOf[i](name)) mask |= 1 << i;
  if (masks.size > 4096) masks.clear();
  masks.set(name, { mask, known: allBits });
  return mask;
}

/**
 * What the block holds for the questions `want` (bit k: question k may be held), walking only the blocks below
 * not answered for all of them, with an explicit stack (blocks nest deeper than V8's stack), and remembering
 * each. A frame stops once every question wanted is answered yes.
 */
function answerBits(block: Directive, want: number): number {
  const stack: { d: Directive; i: number; found: number }[] = [{ d: block, i: 0, found: 0 }];
  let result = 0;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const nodes = frame.d.block?.children ?? [];
    if (frame.found === want || frame.i >= nodes.length) {
      answered.set(frame.d, (answered.get(frame.d) ?? 0) | want);
      answers.set(frame.d, ((answers.get(frame.d) ?? 0) & ~want) | frame.found);
      stack.pop();
      if (stack.length > 0) stack[stack.length - 1].found |= frame.found;
      else result = frame.found;
      continue;
    }
    const node = nodes[frame.i++];
    if (node.kind !== "directive") continue;
    if (node.name === "include") {
      frame.found = want;
      continue;
    }
    frame.found |= nameMask(node.name) & want;
    if (!node.block) continue;
    const a = answered.get(node) ?? 0;
    if ((a & want) === want) frame.found |= (answers.get(node) ?? 0) & want;
    else stack.push({ d: node, i: 0, found: 0 });
  }
  return result;
}

/**
 * The questions to answer when `d` is walked: every one known for a block that knows nothing (a new block, or
 * one a keystroke changed: its unchanged blocks below answer every question from their memo, so one walk
 * answers them all), else only those it lacks (the first analysis registers its questions one by one, and
 * answering all of them at each new one walked the whole configuration again per question).
 */
function wantFor(d: Directive): number {
  const a = answered.get(d) ?? 0;
  return a === 0 ? allBits : allBits & ~a;
}

/** What `d` holds for every question known (the memo, and a walk for what it lacks). */
function holdsAll(d: Directive): number {
  const a = answered.get(d) ?? 0;
  if ((a & allBits) === allBits) return (answers.get(d) ?? 0) & allBits;
  answerBits(d, wantFor(d));
  return (answers.get(d) ?? 0) & allBits;
}

/**
 * Makes a question known before any walk asks it, so that the first walk of a block answers it with the
 * others: a module that asks a fixed question registers it when it is loaded (model/index.ts
 * registerQuestion). Questions first asked during an analysis are answered by a walk of their own.
 */
export function registerQuestion(key: string, wanted: (name: string) => boolean): (name: string) => boolean {
  bitOf(key, wanted);
  return wanted;
}

/** The bit of a question key for `mayHoldUnderBit` (a walk over 25,000 blocks asks for it once). */
export function questionBit(key: string, wanted: (name: string) => boolean): number {
  return bitOf(key, wanted);
}

/** A question known, with its bit (never 0) and the names it wants. */
export interface KnownQuestion {
  key: string;
  bit: number;
  wanted: (name: string) => boolean;
}

/**
 * The questions known so far that have a bit (a one-time analysis answers all of them in one walk of every
 * block: model/index.ts answerEveryQuestion).
 */
export function knownQuestions(): KnownQuestion[] {
  const out: KnownQuestion[] = [];
  for (const [key, bit] of bits) if (bit !== 0) out.push({ key, bit, wanted: wantedOf[31 - Math.clz32(bit)] });
  return out;
}

/** The bits of the questions that want `name` (0: none). */
export function questionsFor(name: string): number {
  return nameMask(name);
}

/**
 * Whether the block of `block` holds, at any depth in its own file, a directive whose name `wanted` accepts, or
 * an `include`, for the question of `bit` (`questionBit`: the same key always comes with the same `wanted`).
 */
export function mayHoldUnderBit(block: Directive, bit: number, wanted: (name: string) => boolean): boolean {
  if (bit === 0) return walkOne(block, wanted);
  const a = answered.get(block);
  if (a !== undefined && (a & bit) !== 0) return ((answers.get(block) ?? 0) & bit) !== 0;
  return (answerBits(block, wantFor(block)) & bit) !== 0;
}

/** A question past MAX_KEYS: walked every time, nothing remembered. */
function walkOne(block: Directive, wanted: (name: string) => boolean): boolean {
  const stack: Directive[] = [block];
  while (stack.length > 0) {
    const d = stack.pop()!;
    for (const node of d.block?.children ?? []) {
      if (node.kind !== "directive") continue;
      if (node.name === "include" || wanted(node.name)) return true;
      if (node.block) stack.push(node);
    }
  }
  return false;
}

/**
 * A block's own statements worth a look for some question, in reading order, as pairs: the statement, then
 * the bits of the questions it is worth a look for (its name is wanted, or its block may hold a wanted name).
 */
export type RelevantEntries = readonly (Directive | number)[];

/** Per block directive: its RelevantEntries, for the questions `known` (null: an include among them). */
const relevant = new SubtreeMemo<{ known: number; entries: RelevantEntries | null }>();

/**
 * The block's own statements a walk for question `bit` must look at (RelevantEntries: the caller keeps the
 * pairs whose bits have `bit`); null when an `include` is among them (what it reads is not in the tree).
 * Listed for every question known in one pass and kept per block while it is unchanged, like the answers: a
 * server of large-config ×10 holds 2,500 locations, and a question about a name the server itself holds
 * (`listen`) looked at each of them again on every keystroke. Undefined for a question without a bit.
 */
export function relevantUnder(block: Directive, bit: number): RelevantEntries | null | undefined {
  if (bit === 0) return undefined;
  const kept = relevant.get(block);
  if (kept !== undefined && (kept.known & bit) !== 0) return kept.entries;
  const all = allBits;
  // One array of pairs per block, not a list per question: a list per block and question it holds something
  // for (a dozen per location) was the largest thing a cold check of the 1M-line workspace kept (90 MB). Made
  // in a scratch list and kept as an exact copy: one grown by push from empty has room for 17 or more (2 MB
  // of the 100-site workspace's retained heap).
  const scratch = relevantScratch;
  let include = false;
  const body = block.block?.children ?? [];
  for (let i = 0; i < body.length; i++) {
    const node = body[i];
    if (node.kind !== "directive") continue;
    if (node.name === "include") {
      include = true;
      break;
    }
    let m = nameMask(node.name);
    // (holdsAll walks the blocks below without listing: the scratch list is this block's alone.)
    if (node.block) m |= holdsAll(node);
    if (m !== 0) scratch.push(node, m);
  }
  const entries = include ? null : scratch.length === 0 ? NO_ENTRIES : scratch.slice();
  if (scratch.length > 0) scratch.length = 0;
  relevant.set(block, { known: all, entries });
  return entries;
}

const relevantScratch: (Directive | number)[] = [];
const NO_ENTRIES: RelevantEntries = Object.freeze([]);
