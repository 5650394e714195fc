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
import { isModuleVariable, namedArgs, type VariableName } from "./captures";
import { regexesOf } from "./regex";
import { eachStatement, type BlockFact, type CollectedFact, type StatementCheck } from "./statement-checks";

interface Spelling {
  name: string;
  /** `name` lowercased, as nginx keys it (made once, when the statement is read). */
  lower: string;
  /** `name` is not `lower`. */
  cased: boolean;
  word: number;
  /** The statement it is written in (a fact of a compacted block holds several). */
  d: Directive;
}

/** A kept block's spellings, compacted: the first place of each, in reading order. */
interface Spellings {
  spellings: Spelling[];
  /**
   * The spellings as one text (sorted): a fact whose spellings another fact of its scope had already adds
   * nothing (each spelling counts at its first place), and 2,500 locations of large-config spell the same
   * three variables.
   */
  key: string;
}

/** Directives whose arguments are code in another language, not nginx values. */
const CODE = /(_by_lua|_by_njs)$|^(perl|perl_set|js_set|js_var)$/;

/** A `$` that starts a name (a regex literal in the function would be a new RegExp object per call). */
const MAY_NAME = /\$\{?[A-Za-z_]/;
const mayName = (v: string): boolean => MAY_NAME.test(v);

/**
 * Calls `visit` for each variable name of each argument of `d` whose variables the rule reads (not a regex,
 * not another language's code), as nginx reads its value. `parent`: the statement's block directive.
 */
function eachVariableName<S>(
  d: Directive,
  parent: Directive | null,
  state: S,
  visit: (state: S, arg: number, v: VariableName) => void,
): void {
  const named = namedArgs(d);
  // Most statements name no variable: nothing is made for them (a million statements of a cold check).
  if (named.length === 0) return;
  let regexes: readonly { arg: number }[] | null = null;
  for (let k = 0; k < named.length; k++) {
    const { arg, names } = named[k];
    if (!mayName(d.argValue(arg)!)) continue;
    if (regexes === null) {
      if (CODE.test(d.name)) return;
      regexes = regexesOf(d, parent);
    }
    if (regexes.length > 0 && regexes.some((r) => r.arg === arg)) continue;
    for (let j = 0; j < names.length; j++) visit(state, arg, names[j]);
  }
}

/**
 * The arguments of `d` whose variables the rule reads (a name other than nginx's own written as documented:
 * `$host` alone is not one, `$Host` is), each with the names it has as nginx reads its value. `parent`: the
 * statement's block directive.
 */
export function variableWords(d: Directive, parent: Directive | null): readonly { arg: number; names: string[] }[] {
  const out: { arg: number; names: string[] }[] = [];
  eachVariableName(d, parent, out, (_, arg, v) => {
    const last = out.length > 0 ? out[out.length - 1] : undefined;
    if (last !== undefined && last.arg === arg) last.names.push(v.name);
    else out.push({ arg, names: [v.name] });
  });
  return out;
}

/** One statement's spellings so far: `facts` from `from` on. */
interface Collecting {
  facts: unknown[];
  from: number;
  d: Directive;
}

function addSpelling(c: Collecting, arg: number, v: VariableName): void {
  const { name, lower } = v;
  // a module's variable written as documented needs no fact: its spelling is known ($host, $uri…)
  if (v.fixed && name === lower) return;
  // each spelling once per statement (a statement names a few variables: no set made for it)
  for (let k = c.from; k < c.facts.length; k++) if ((c.facts[k] as Spelling).name === name) return;
  c.facts.push({ name, lower, cased: lower !== name, word: arg, d: c.d } satisfies Spelling);
}

/** A statement's spellings, as facts (`facts` from its length on). */
function collectSpellings(d: Directive, parents: readonly Directive[], facts: unknown[]): void {
  // Most statements name no variable, or only nginx's own as documented ($host, $remote_addr…): no fact,
  // nothing made (namedArgs leaves those out).
  if (namedArgs(d).length === 0) return;
  const parent = parents.length > 0 ? parents[parents.length - 1] : null;
  eachVariableName(d, parent, { facts, from: facts.length, d }, addSpelling);
}

/**
 * A one-time analysis's fact: some statement names a variable with an upper-case letter. Without one, every
 * spelling is nginx's lower case and none differs from another (no finding): the 1M-line workspace has none,
 * and reading the variables of its 755,000 statements for their spellings was the check's whole cost.
 */
const CASED = Object.freeze({ cased: true });
/** `$` or `${`, then a name with an upper-case letter (a capture `$1` followed by one too: a reading then). */
const CASED_NAME = /\$\{?[A-Za-z0-9_]*[A-Z]/;

function namesCased(d: Directive): boolean {
  for (let i = 0; i < d.argCount; i++) {
    const v = d.argValue(i)!;
    if (v.includes("$") && CASED_NAME.test(v)) return true;
  }
  return false;
}

export const mixedCaseVariableCheck: StatementCheck = {
  ruleId: "mixed-case-variable",
  collect(d, _context, parents, options, facts) {
    // A one-time analysis reads the spellings in `resolve`, only when some name has an upper-case letter.
    if (options.once === true) {
      if (namesCased(d)) facts.push(CASED);
      return;
    }
    collectSpellings(d, parents, facts);
  },
  // Only the first place of a spelling in a scope counts (resolve): a later one adds nothing.
  sameAs: (value) =>
    value === CASED ? CASED : "spellings" in (value as object) ? undefined : (value as Spelling).name,
  compact(facts) {
    // The spellings of each outermost block in one fact, the first place of each: a server re-walked on a
    // keystroke hands its locations' facts to `resolve` and to the compaction around it, and one per location
    // and variable was most of that work.
    const out: BlockFact[] = [];
    const merged = new Map<string | null, { seen: Set<string>; keys: Set<string>; value: Spellings }>();
    for (const f of facts) {
      let m = merged.get(f.outermost);
      if (m === undefined) {
        merged.set(f.outermost, (m = { seen: new Set(), keys: new Set(), value: { spellings: [], key: "" } }));
        out.push({ value: m.value, d: f.d, outermost: f.outermost, within: f.within });
      }
      const v = f.value as Spelling | Spellings;
      if ("spellings" in v) {
        if (m.keys.has(v.key)) continue;
        m.keys.add(v.key);
        for (const s of v.spellings) {
          if (m.seen.has(s.name)) continue;
          m.seen.add(s.name);
          m.value.spellings.push(s);
        }
      } else if (!m.seen.has(v.name)) {
        m.seen.add(v.name);
        m.value.spellings.push(v);
      }
    }
    for (const m of merged.values()) m.value.key = [...m.seen].sort().join("\u0000");
    return out;
  },
  resolve(collected, options, out, config) {
    let facts = collected;
    if (options.once === true) {
      if (!collected.some((f) => f.value === CASED)) return;
      // The spellings of every statement, in the order the walk would have collected them.
      const read: CollectedFact[] = [];
      const found: unknown[] = [];
      eachStatement(config, (d, _context, parents, outermost, path) => {
        collectSpellings(d, parents, found);
        for (const value of found) read.push({ value, d, path, outermost });
        found.length = 0;
      });
      facts = read;
    }
    // Per scope (the outermost block), the first fact of each name and the spellings reported: nested maps,
    // no key made per fact (every variable of every location is a fact).
    const first = new Map<string | null, Map<string, { s: Spelling; path: string }>>();
    const reported = new Map<string | null, Set<string>>();
    const reportOnce = (scope: string | null, name: string): boolean => {
      let names = reported.get(scope);
      if (names === undefined) reported.set(scope, (names = new Set()));
      if (names.has(name)) return false;
      names.add(name);
      return true;
    };
    // Per scope, the spellings of the compacted facts judged already (Spellings.key).
    const judged = new Map<string | null, Set<string>>();
    for (const f of facts) {
      const v = f.value as Spelling | Spellings;
      if (!("spellings" in v)) {
        judge(f, v);
        continue;
      }
      let keys = judged.get(f.outermost);
      if (keys === undefined) judged.set(f.outermost, (keys = new Set()));
      if (keys.has(v.key)) continue;
      keys.add(v.key);
      for (const s of v.spellings) judge(f, s);
    }
    function judge(f: (typeof facts)[number], s: Spelling): void {
      const lower = s.lower;
      // A module's variable written as documented gives no fact (collect): only another spelling is one.
      if (s.cased && isModuleVariable(lower)) {
        // nginx's own spelling is the first one: $Host is $host, written or not
        if (!reportOnce(f.outermost, s.name)) return;
        out.push({
          ruleId: "mixed-case-variable",
          code: "mixed-case",
          severity: "info",
          message:
            `$${s.name} is nginx's $${lower}: nginx lowercases variable names, so the spelling says nothing; ` +
            `write it $${lower}`,
          d: s.d,
          path: f.path,
          word: s.word,
          data: { variable: lower, spellings: [lower, s.name], scope: f.outermost },
        });
        return;
      }
      let byName = first.get(f.outermost);
      if (byName === undefined) first.set(f.outermost, (byName = new Map()));
      const was = byName.get(lower);
      if (was === undefined) {
        byName.set(lower, { s, path: f.path });
        return;
      }
      const w = was.s;
      if (w.name === s.name || !reportOnce(f.outermost, s.name)) return;
      out.push({
        ruleId: "mixed-case-variable",
        code: "mixed-case",
        severity: "info",
        message:
          `$${s.name} is the variable written $${w.name} elsewhere: nginx lowercases variable names, so ` +
          `both are $${lower}; write it one way`,
        d: s.d,
        path: f.path,
        word: s.word,
        related: [{ d: w.d, word: w.word, path: was.path, message: `written $${w.name} here` }],
        data: { variable: lower, spellings: [w.name, s.name], scope: f.outermost },
      });
    }
  },
};
