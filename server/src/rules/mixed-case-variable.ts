// Rule `mixed-case-variable` (Gixy-Next's mixed_case_variable): one variable written with two spellings
// that differ only in case (`set $My_Var …;` and `$MY_VAR`). nginx lowercases variable names when it
// compiles them (ngx_http_get_variable_index(), ngx_http_add_variable(): ngx_strlow), so the spellings
// are one variable: written both ways it reads like two, and a reader who "fixes" one of them changes
// nothing, or believes a variable is isolated when it is not.
//
// Facts: each statement's distinct spellings (regexes and Lua/Perl code left out); a kept block keeps the
// first place of each spelling. Judged per http and per stream block (their variables are apart): each
// spelling other than the first seen of a name is reported once, where it is first written. For a variable of
// nginx's modules that nothing may define again ($host, $uri…) the first spelling is nginx's own, lowercase:
// such a name written as documented gives no fact (they are most of a configuration's variables), and
// `$Host` is reported even where `$host` is not written.

import type { Directive } from "../parse/ast";
import { isModuleVariable, variableNames } from "./captures";
import { nginxWordValue, regexesOf } from "./regex";
import type { BlockFact, StatementCheck } from "./statement-checks";

interface Spelling {
  name: string;
  word: number;
}

/** Directives whose arguments are code in another language, not nginx values. */
const CODE = /(_by_lua|_by_njs)$|^(perl|perl_set|js_set|js_var)$/;

const mayName = (v: string): boolean => /\$\{?[A-Za-z_]/.test(v);

/**
 * The arguments of `d` whose variables the rule reads (not a regex, not another language's code), each with
 * the names it has as nginx reads its value. `parent`: the statement's block directive.
 */
export function variableWords(d: Directive, parent: Directive | null): { arg: number; names: string[] }[] {
  const out: { arg: number; names: string[] }[] = [];
  const n = d.argCount;
  if (n === 0 || CODE.test(d.name)) return out;
  let regexArgs: Set<number> | null = null;
  for (let i = 0; i < n; i++) {
    const raw = d.argValue(i) ?? "";
    if (!raw.includes("$") || !mayName(raw)) continue;
    regexArgs ??= new Set(regexesOf(d, parent).map((r) => r.arg));
    if (regexArgs.has(i)) continue;
    const names = variableNames(nginxWordValue(raw)).map((v) => v.name);
    if (names.length > 0) out.push({ arg: i, names });
  }
  return out;
}

export const mixedCaseVariableCheck: StatementCheck = {
  ruleId: "mixed-case-variable",
  collect(d, _context, parents, _options, facts) {
    if (d.argCount === 0) return;
    const words = variableWords(d, parents.length > 0 ? parents[parents.length - 1] : null);
    if (words.length === 0) return;
    const seen = new Set<string>();
    for (const w of words)
      for (const name of w.names) {
        if (seen.has(name)) continue;
        seen.add(name);
        // a module's variable written as documented needs no fact: its spelling is known ($host, $uri…)
        if (isModuleVariable(name)) continue;
        facts.push({ name, word: w.arg } satisfies Spelling);
      }
  },
  compact(facts) {
    const out: BlockFact[] = [];
    const seen = new Set<string>();
    for (const f of facts) {
      const key = `${f.outermost ?? ""}\u0000${(f.value as Spelling).name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(f);
    }
    return out;
  },
  resolve(facts, _options, out) {
    const first = new Map<string, (typeof facts)[number]>();
    const reported = new Set<string>();
    for (const f of facts) {
      const s = f.value as Spelling;
      const scope = f.outermost ?? "";
      const key = `${scope}\u0000${s.name.toLowerCase()}`;
      const lower = s.name.toLowerCase();
      if (isModuleVariable(lower)) {
        // nginx's own spelling is the first one: $Host is $host, written or not
        if (reported.has(`${scope}\u0000${s.name}`)) continue;
        reported.add(`${scope}\u0000${s.name}`);
        out.push({
          ruleId: "mixed-case-variable",
          code: "mixed-case",
          severity: "info",
          message:
            `$${s.name} is nginx's $${lower}: nginx lowercases variable names, so the spelling says nothing; ` +
            `write it $${lower}`,
          d: f.d,
          path: f.path,
          word: s.word,
          data: { variable: lower, spellings: [lower, s.name], scope: f.outermost },
        });
        continue;
      }
      const was = first.get(key);
      if (was === undefined) {
        first.set(key, f);
        continue;
      }
      const w = was.value as Spelling;
      if (w.name === s.name || reported.has(`${scope}\u0000${s.name}`)) continue;
      reported.add(`${scope}\u0000${s.name}`);
      out.push({
        ruleId: "mixed-case-variable",
        code: "mixed-case",
        severity: "info",
        message:
          `$${s.name} is the variable written $${w.name} elsewhere: nginx lowercases variable names, so ` +
          `both are $${s.name.toLowerCase()}; write it one way`,
        d: f.d,
        path: f.path,
        word: s.word,
        related: [{ d: was.d, word: w.word, path: was.path, message: `written $${w.name} here` }],
        data: { variable: s.name.toLowerCase(), spellings: [w.name, s.name], scope: f.outermost },
      });
    }
  },
};
