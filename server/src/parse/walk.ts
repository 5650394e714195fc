// One walk over a file's tree for every stage that reads it whole: document order, parents before children,
// with an explicit stack instead of recursion, since blocks nest deeper than V8's stack (nginx accepts
// 13,000 nested locations; test/cli/deep-input.test.ts).

import type { Node } from "./ast";

/**
 * Calls `visit` on every node of `nodes` and of the blocks below, in document order. `visit` gets the state of
 * the block the node is in and returns the state of the node's own block body — `undefined` to leave that
 * body out (comments, Lua bodies and blockless directives have none).
 */
export function walkTree<S>(nodes: readonly Node[], state: S, visit: (node: Node, state: S) => S | undefined): void {
  const stack: { nodes: readonly Node[]; index: number; state: S }[] = [{ nodes, index: 0, state }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.index >= top.nodes.length) {
      stack.pop();
      continue;
    }
    const n = top.nodes[top.index++];
    const inner = visit(n, top.state);
    if (inner !== undefined && n.kind === "directive" && n.block)
      stack.push({ nodes: n.block.children, index: 0, state: inner });
  }
}
