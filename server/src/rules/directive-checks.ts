// Rule `directive`: the checks nginx runs on every statement before its handler (ngx_conf_handler):
// known name (strict mode only), allowed in this block, right number of arguments, `;` or `{` as it must.
// The context of each statement follows the include sites, so a sites-enabled file is judged inside the
// `http {}` that includes it; a file included twice is judged in each place (reported once per position).

import type { Directive } from "../parse/ast";
import { checkDirective, enterBlock, type ContextKind } from "../parse/directives";
import { walk, type Configuration } from "../workspace/configuration";
import type { Finding, RuleOptions } from "./types";

/** The context of the main file's body, from the names of the blocks it is analysed inside. */
export function rootContextKind(names: readonly string[]): ContextKind {
  let kind: ContextKind = "main";
  for (const n of names) kind = enterBlock(kind, n);
  return kind;
}

export function directiveFindings(config: Configuration, options: RuleOptions): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const stack: ContextKind[] = [rootContextKind(config.root.context)];
  walk(config, {
    enter(d: Directive, info) {
      const context = stack[stack.length - 1];
      const problems = checkDirective(
        { name: d.name, argCount: d.args.length, terminator: d.terminator, context },
        { strict: options.strict, checkContext: true, checkArgs: true, version: options.nginxVersion },
      );
      for (const p of problems) {
        const key = `${info.file.path}:${d.range.start.offset}:${p.code}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push({
          ruleId: "directive",
          code: p.code,
          severity: "error",
          path: info.file.path,
          range: d.nameWord.range,
          message: p.message,
        });
      }
      if (d.block) stack.push(enterBlock(context, d.name));
    },
    leave(d: Directive) {
      if (d.block) stack.pop();
    },
  });
  return findings;
}
