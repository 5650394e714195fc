// Runs the directive checks over a parsed snippet: "LINE: message" for each problem, in order.
import {
  checkDirective,
  enterBlock,
  type ContextKind,
  type DirectiveCheckOptions,
} from "../../server/src/parse/directives";
import type { Node } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";

export function problemsIn(text: string, options: DirectiveCheckOptions): string[] {
  const out: string[] = [];
  const walk = (nodes: Node[], context: ContextKind): void => {
    for (const n of nodes) {
      if (n.kind !== "directive") continue;
      const input = { name: n.name, argCount: n.args.length, terminator: n.terminator, context };
      for (const p of checkDirective(input, options)) out.push(`${n.nameWord.range.start.line + 1}: ${p.message}`);
      if (n.block) walk(n.block.children, enterBlock(context, n.name));
    }
  };
  walk(parse(text).children, "main");
  return out;
}
