// Whether a block's subtree (in its own file) may hold a directive of some name, remembered per block while
// its content is unchanged (workspace/subtree-memo.ts). The model's walks for one name (`sitesOf`) skip the
// blocks that cannot hold it: a keystroke asks for a few rare names (`load_module`, `modsecurity`, the Lua
// module's directives, `*_pass`), and indexing every site by name to answer them cost 56 ms per keystroke on
// large-config ×10 (320,000 sites), more than the rest of the cost report.
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
/**
 * Per block directive, two numbers: bit k of the first says question k is answered, of the second its
 * answer. Numbers, not a Map per block: a cold check of the 1M-line workspace made a Map for every block and
 * question (0.24 s in `remember` alone, by profile, and their collection).
 */
const answered = new SubtreeMemo<number>();
const answers = new SubtreeMemo<number>();

/** The bit of `key`; 0 (nothing remembered) past MAX_KEYS questions. */
function bitOf(key: string): number {
  let bit = bits.get(key);
  if (bit === undefined) {
    bit = bits.size < MAX_KEYS ? 1 << bits.size : 0;
    bits.set(key, bit);
  }
  return bit;
}

function known(d: Directive, bit: number): boolean | undefined {
  const a = answered.get(d);
  return a === undefined || (a & bit) === 0 ? undefined : ((answers.get(d) ?? 0) & bit) !== 0;
}

function remember(d: Directive, bit: number, value: boolean): void {
  if (bit === 0) return;
  answered.set(d, (answered.get(d) ?? 0) | bit);
  if (value) answers.set(d, (answers.get(d) ?? 0) | bit);
}

/**
 * Whether the block of `block` holds, at any depth in its own file, a directive whose name `wanted` accepts,
 * or an `include`. `key` names the question (the same key must always come with the same `wanted`). Blocks
 * below are answered from the memo when unchanged; the others are walked with an explicit stack (blocks nest
 * deeper than V8's stack) and remembered, so that one keystroke walks only the blocks around its edit.
 */
export function mayHoldUnder(block: Directive, key: string, wanted: (name: string) => boolean): boolean {
  return mayHoldUnderBit(block, questionBit(key), wanted);
}

/** The bit of a question key for `mayHoldUnderBit` (a walk over 25,000 blocks asks for it once). */
export function questionBit(key: string): number {
  return bitOf(key);
}

/** `mayHoldUnder` with the question's bit (`questionBit`). */
export function mayHoldUnderBit(block: Directive, bit: number, wanted: (name: string) => boolean): boolean {
  const cached = known(block, bit);
  if (cached !== undefined) return cached;
  const stack: { d: Directive; i: number; found: boolean }[] = [{ d: block, i: 0, found: false }];
  let result = false;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const nodes = frame.d.block?.children ?? [];
    if (frame.found || frame.i >= nodes.length) {
      // Only a block walked to its end, or found to hold one, is answered.
      remember(frame.d, bit, frame.found);
      stack.pop();
      if (stack.length > 0) stack[stack.length - 1].found ||= frame.found;
      else result = frame.found;
      continue;
    }
    const node = nodes[frame.i++];
    if (node.kind !== "directive") continue;
    if (node.name === "include" || wanted(node.name)) {
      frame.found = true;
      continue;
    }
    if (!node.block) continue;
    const below = known(node, bit);
    if (below === undefined) stack.push({ d: node, i: 0, found: false });
    else if (below) frame.found = true;
  }
  return result;
}

/** Per block directive and question bit (its index): the statements `relevantUnder` lists. */
const relevant = new SubtreeMemo<(readonly Directive[] | null | undefined)[]>();

/**
 * The block's own statements a walk for question `bit` must look at, in reading order: those `wanted`
 * accepts and the blocks that may hold one (`mayHoldUnderBit`); null when an `include` is among them (what it
 * reads is not in the tree). Kept per block while it is unchanged, like the answers: a server of
 * large-config ×10 holds 2,500 locations, and a question about a name the server itself holds (`listen`)
 * looked at each of them again on every keystroke. Only for a question with a bit (the first MAX_KEYS).
 */
export function relevantUnder(
  block: Directive,
  bit: number,
  wanted: (name: string) => boolean,
): readonly Directive[] | null | undefined {
  if (bit === 0) return undefined;
  const index = 31 - Math.clz32(bit);
  let lists = relevant.get(block);
  const known = lists?.[index];
  if (known !== undefined) return known;
  let out: Directive[] | null = [];
  const body = block.block?.children ?? [];
  for (let i = 0; i < body.length; i++) {
    const node = body[i];
    if (node.kind !== "directive") continue;
    if (node.name === "include") {
      out = null;
      break;
    }
    if (wanted(node.name) || (node.block !== undefined && mayHoldUnderBit(node, bit, wanted))) out.push(node);
  }
  if (lists === undefined) relevant.set(block, (lists = []));
  lists[index] = out;
  return out;
}
