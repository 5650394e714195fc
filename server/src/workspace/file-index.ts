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

function findIncludes(parsed: ParsedFile): IncludeInFile[] {
  const out: IncludeInFile[] = [];
  const context: string[] = [];
  const parents: Directive[] = [];
  // An explicit stack (blocks nest deeper than V8's stack): the statements of a block, and whether finishing
  // them leaves a block.
  const stack: { nodes: ParsedFile["children"]; index: number; block: boolean }[] = [
    { nodes: parsed.children, index: 0, block: false },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.index >= top.nodes.length) {
      stack.pop();
      if (top.block) {
        context.pop();
        parents.pop();
      }
      continue;
    }
    const node = top.nodes[top.index++];
    if (node.kind !== "directive") continue;
    if (node.name === "include" && !node.block)
      out.push({ directive: node, context: [...context], parents: [...parents] });
    else if (node.block) {
      context.push(node.name);
      parents.push(node);
      stack.push({ nodes: node.block.children, index: 0, block: true });
    }
  }
  return out;
}
