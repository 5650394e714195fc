// Rule `invalid-regex` (gixy-ng's and Gixy-Next's invalid_regex): a `$1`..`$9` that refers to a capture the
// regex it comes from does not have — nginx accepts it and the value is empty (ngx_http_regex_exec() sets
// r->ncaptures from the match, and ngx_http_script_copy_capture_code() copies nothing past it). A regex
// PCRE2 refuses is rule `regex`'s (nginx -t fails); this rule is about regexes that compile.
//
// Where the regex a `$N` reads is certain:
// - a `rewrite`'s replacement reads the rewrite's own regex;
// - `set` and `return` in an `if ($v ~ re)` block read the condition's regex, up to a `rewrite` in the block
//   (a rewrite that matches replaces the captures); in an `if ($v !~ re)` block the regex did not match,
//   and ngx_http_script_regex_start_code() sets r->ncaptures to 0 when a regex does not match, so every `$N`
//   there is empty (gixy-ng does not look at `!~`; Gixy-Next does, but says it may hold an earlier match);
// - the statements of a regex `location` read its regex (gixy does not look there): the rewrite-phase ones
//   (`set`, `return`) up to the first `rewrite` or regex `if` of the block, the others (proxy_pass, root,
//   add_header…, evaluated after the rewrite phase) only in a location with no `rewrite` or regex `if`.
// nginx reads one digit: `$10` is `$1` and a `0` (gixy reads it as group 10).

import type { Directive } from "../parse/ast";
import { captureRefs } from "./captures";
import { compileCached, nginxWordValue, regexesOf } from "./regex";
import type { BlockStatement, CheckSeed, StatementCheck } from "./statement-checks";

/** Directives of a location whose values are scripts that may read the location's captures. */
const SCRIPTED = new Set([
  "set",
  "return",
  "proxy_pass",
  "fastcgi_pass",
  "uwsgi_pass",
  "scgi_pass",
  "grpc_pass",
  "root",
  "alias",
  "try_files",
  "index",
  "error_page",
  "add_header",
  "add_trailer",
  "proxy_set_header",
  "grpc_set_header",
  "fastcgi_param",
  "uwsgi_param",
  "scgi_param",
  "proxy_cache_key",
  "fastcgi_cache_key",
  "auth_request_set",
  "more_set_headers",
  "more_set_input_headers",
]);

/** The rewrite-phase directives, run in the order written. */
const REWRITE_PHASE = new Set(["set", "return"]);

function captureCount(pattern: string): number | null {
  const r = compileCached(pattern);
  return r.ok ? r.info.captures : null;
}

const groups = (n: number): string => (n === 0 ? "no capturing group" : n === 1 ? "1 capture" : `${n} captures`);

/** Seeds for the `$N` past `captures` in the arguments of `d` (from `firstArg`). */
function pastCaptures(
  d: Directive,
  path: string | undefined,
  firstArg: number,
  captures: number,
  where: string,
  code: string,
  out: CheckSeed[],
  note = "",
): void {
  for (let i = firstArg; i < d.argCount; i++) {
    // Most arguments refer to no capture: no list is made for them (every statement of every regex location).
    const value = d.argValue(i) ?? "";
    if (!value.includes("$")) continue;
    const all = captureRefs(nginxWordValue(value));
    if (all.length === 0) continue;
    const refs = all.filter((r) => r.n > captures);
    if (refs.length === 0) continue;
    const names = [...new Set(refs.map((r) => `$${r.n}`))];
    out.push({
      ruleId: "invalid-regex",
      code,
      severity: "warning",
      message:
        `${names.join(", ")} ${names.length > 1 ? "refer to groups" : "refers to a group"} ${where} does not ` +
        `have (it has ${groups(captures)}): ${names.length > 1 ? "they are" : "it is"} empty here${note}`,
      d,
      ...(path !== undefined ? { path } : {}),
      word: i,
      data: { captures, refs: refs.map((r) => r.n) },
    });
  }
}

/** An `if` block's condition regex and whether it is negative (`!~`, `!~*`), or null. */
function ifRegex(d: Directive): { pattern: string; negative: boolean } | null {
  const r = regexesOf(d, null)[0];
  if (r === undefined) return null;
  let op = d.argValue(r.arg - 1) ?? "";
  if (op.startsWith("(")) op = op.slice(1);
  return { pattern: r.pattern, negative: op.startsWith("!") };
}

function ifBlock(d: Directive, statements: readonly BlockStatement[], out: CheckSeed[]): void {
  const cond = ifRegex(d);
  if (cond === null) return;
  const captures = captureCount(cond.pattern);
  if (captures === null) return;
  for (const s of statements) {
    if (s.d.name === "rewrite") return;
    if (!REWRITE_PHASE.has(s.d.name)) continue;
    const first = s.d.name === "set" ? 1 : 0;
    if (!cond.negative) {
      pastCaptures(s.d, s.path, first, captures, `the condition's regex "${cond.pattern}"`, "if-group", out);
      continue;
    }
    for (let i = first; i < s.d.argCount; i++) {
      const refs = captureRefs(nginxWordValue(s.d.argValue(i) ?? ""));
      if (refs.length === 0) continue;
      const names = [...new Set(refs.map((r) => `$${r.n}`))];
      out.push({
        ruleId: "invalid-regex",
        code: "negative-match",
        severity: "warning",
        message:
          `this block runs only when "${cond.pattern}" did not match, and a regex that does not match empties ` +
          `the captures: ${names.join(", ")} ${names.length > 1 ? "are" : "is"} always empty here`,
        d: s.d,
        path: s.path,
        word: i,
        data: { refs: refs.map((r) => r.n) },
      });
    }
  }
}

function locationBlock(
  d: Directive,
  parent: Directive | null,
  statements: readonly BlockStatement[],
  out: CheckSeed[],
): void {
  const r = regexesOf(d, parent)[0];
  if (r === undefined) return;
  const captures = captureCount(r.pattern);
  if (captures === null) return;
  const replaces = (s: BlockStatement): boolean =>
    s.d.name === "rewrite" || (s.d.name === "if" && regexesOf(s.d, d).length > 0);
  const anyRegex = statements.some(replaces);
  let regexSeen = false;
  for (const s of statements) {
    if (replaces(s)) {
      regexSeen = true;
      continue;
    }
    if (!SCRIPTED.has(s.d.name) || s.d.block) continue;
    if (REWRITE_PHASE.has(s.d.name) ? regexSeen : anyRegex) continue;
    const first = s.d.name === "set" ? 1 : 0;
    pastCaptures(s.d, s.path, first, captures, `the location's regex "${r.pattern}"`, "location-group", out);
  }
}

export const invalidRegexCheck: StatementCheck = {
  ruleId: "invalid-regex",
  names: new Set(["rewrite"]),
  statement(d, _context, parents, _options, out) {
    if (d.name !== "rewrite") return;
    const parent = parents.length > 0 ? parents[parents.length - 1] : null;
    const r = regexesOf(d, parent)[0];
    if (r === undefined) return;
    const captures = captureCount(r.pattern);
    if (captures === null) return;
    // the idiom `if ($args ~ "q=(.+)") { rewrite ^ /s/$1?; }`: the rewrite's match replaces the captures
    const enclosing = parent !== null && regexesOf(parent, null).length > 0 ? parent.name : null;
    const note =
      enclosing === null
        ? ""
        : ` — the rewrite's own match replaces the captures, so the enclosing ${enclosing}'s do not reach ` +
          `it (set a variable from them before the rewrite)`;
    pastCaptures(d, undefined, 1, captures, `the regex "${r.pattern}"`, "rewrite-group", out, note);
  },
  block(d, body, statements, parents, _options, out) {
    if (d === null) return;
    if (d.name === "if" && (body === "if_in_location" || body === "if_in_server")) ifBlock(d, statements, out);
    else if (d.name === "location" && body === "location")
      locationBlock(d, parents.length > 0 ? parents[parents.length - 1] : null, statements, out);
  },
};
