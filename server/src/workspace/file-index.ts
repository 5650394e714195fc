// What loading a configuration needs of one parsed file, computed once per tree: the `include` directives
// with the blocks around each one, and whether the file reads as configuration (classify.ts).
//
// Keyed by the ParsedFile object. A tree is never changed in place once it has been handed out: the parse
// cache gives a new ParsedFile per content version and an incremental re-parse (parse/incremental.ts)
// returns a new ParsedFile too, so an unchanged file keeps its answers across keystrokes while the edited
// one is indexed again. Before this, every keystroke walked every statement of every file of the
// configuration to find its includes (35,178 lines of large-config for none) and classified every file
// it had not opened.

import type { Directive, ParsedFile } from "../parse/ast";
import { classifyConfiguration, type Classification } from "./classify";
import { SubtreeMemo } from "./subtree-memo";

/** One `include` of a file, with the blocks it is written in (inside this file, outermost first). */
export interface IncludeInFile {
  directive: Directive;
  /** Names of the enclosing blocks of this file (not those around the file's own include site). */
  context: readonly string[];
  /** The enclosing block directives of this file, outermost first. */
  parents: readonly Directive[];
}

interface FileIndex {
  includes: IncludeInFile[];
  /** classifyConfiguration's answers: [as a directive body, as a table body]. */
  classified: [Classification | undefined, Classification | undefined];
}

const indexes = new WeakMap<ParsedFile, FileIndex>();

function indexOf(parsed: ParsedFile): FileIndex {
  let index = indexes.get(parsed);
  if (index === undefined) {
    index = { includes: findIncludes(parsed), classified: [undefined, undefined] };
    indexes.set(parsed, index);
  }
  return index;
}

/** The `include` statements of `parsed` in document order (what nginx expands where it reads them). */
export function includesIn(parsed: ParsedFile): readonly IncludeInFile[] {
  return indexOf(parsed).includes;
}

/** classifyConfiguration, once per tree and kind of body. */
export function classificationOf(parsed: ParsedFile, table: boolean): Classification {
  const index = indexOf(parsed);
  const slot = table ? 1 : 0;
  return (index.classified[slot] ??= classifyConfiguration(parsed, table));
}

/** An include found inside a block, with the blocks between (inside that block, outermost first). */
interface FoundInclude {
  directive: Directive;
  parents: readonly Directive[];
}

/**
 * The includes in each block's body, per block directive: kept across keystrokes while the block is
 * unchanged (subtree-memo.ts), so indexing the edited file walks only the blocks around the edit (a new
 * ParsedFile per keystroke made this a walk of every statement of the file).
 */
const includesMemo = new SubtreeMemo<readonly FoundInclude[]>();

function findIncludes(parsed: ParsedFile): IncludeInFile[] {
  // An explicit stack (blocks nest deeper than V8's stack): the statements of a block, the block, and the
  // includes found in it so far (relative to it). A finished block's are handed to its parent, prefixed.
  interface Frame {
    nodes: ParsedFile["children"];
    index: number;
    block: Directive | null;
    found: FoundInclude[];
  }
  const stack: Frame[] = [{ nodes: parsed.children, index: 0, block: null, found: [] }];
  const top = stack[0];
  for (;;) {
    const frame = stack[stack.length - 1];
    if (frame.index >= frame.nodes.length) {
      if (frame.block === null) break;
      stack.pop();
      includesMemo.set(frame.block, frame.found);
      addFound(stack[stack.length - 1].found, frame.block, frame.found);
      continue;
    }
    const node = frame.nodes[frame.index++];
    if (node.kind !== "directive") continue;
    if (node.name === "include" && !node.block) frame.found.push({ directive: node, parents: [] });
    else if (node.block) {
      const known = includesMemo.get(node);
      if (known !== undefined) addFound(frame.found, node, known);
      else stack.push({ nodes: node.block.children, index: 0, block: node, found: [] });
    }
  }
  return top.found.map((f) => ({ directive: f.directive, context: f.parents.map((p) => p.name), parents: f.parents }));
}

function addFound(to: FoundInclude[], block: Directive, found: readonly FoundInclude[]): void {
  for (const f of found) {
    const parents = [block];
    for (const p of f.parents) parents.push(p);
    to.push({ directive: f.directive, parents });
  }
}
