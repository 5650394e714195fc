// Rule `regex`: the regular expressions nginx compiles while it reads the configuration, checked as
// PCRE2 10.42 compiles them (rules/pcre2.ts), reported in nginx's words:
//   pcre2_compile() failed: <PCRE2 message> in "<regex>" at "<rest of the regex from the error offset>"
// (ngx_regex_compile() in src/core/ngx_regex.c leaves out ` at "…"` when the offset is the regex's end, and
// writes the message into a buffer of NGX_MAX_CONF_ERRSTR bytes).
//
// Where nginx 1.22.1 compiles a regex at configuration time (each handler named in docs/rules/regex.md):
// `location ~ re` / `~* re` / `~re` / `~*re`, `if ($v ~ re)` (also ~*, !~, !~*), `rewrite re …`, `map` keys
// starting with `~` or `~*` (http and stream), `server_name ~re`, `valid_referers ~re`,
// `proxy_redirect ~re …` / `~*re`, `proxy_cookie_path ~re …` / `~*re`, `proxy_cookie_domain ~re …`,
// `proxy_cookie_flags ~re …`, `fastcgi_split_path_info re` (which must have two captures) and `gzip_disable`.

import type { Directive } from "../parse/ast";
import type { ConfigModel, DirectiveSite } from "../model";
import { pcre2Compile, type Pcre2Result } from "./pcre2";
import type { StatementCheck } from "./statement-checks";

/** nginx's NGX_MAX_CONF_ERRSTR: the buffer its regex error message is written into. */
const MAX_CONF_ERRSTR = 1024;

/** One regex nginx compiles, at its site. */
export interface RegexSite extends StatementRegex {
  site: DirectiveSite;
}

/**
 * A word's value as nginx's ngx_conf_read_token() stores it: `\"`, `\'` and `\\` lose their backslash, `\t`,
 * `\r`, `\n` become the control characters, any other backslash stays (the parser keeps escapes as written).
 */
export function nginxWordValue(value: string): string {
  // One replace, not a string per character: regex locations (`\.(css|js)$`) are most of a cold check's words
  // with a backslash, and most keep theirs.
  return value.includes("\\") ? value.replace(WORD_ESCAPE, unescapeWord) : value;
}

const WORD_ESCAPE = /\\(["'\\trn])/g;
const unescapeWord = (_: string, c: string): string => (c === "t" ? "\t" : c === "r" ? "\r" : c === "n" ? "\n" : c);

/**
 * pcre2Compile() remembered per pattern: the language server checks the same regexes on every keystroke.
 * Two generations: when the young one is full it becomes the old one, and a pattern still in use moves back;
 * a file with more distinct regexes than one generation holds is then compiled again only in part, not whole.
 */
const GENERATION = 100_000;
let young = new Map<string, Pcre2Result>();
let old = new Map<string, Pcre2Result>();

export function compileCached(pattern: string): Pcre2Result {
  let r = young.get(pattern);
  if (r !== undefined) return r;
  r = old.get(pattern) ?? pcre2Compile(pattern);
  if (young.size >= GENERATION) {
    old = young;
    young = new Map();
  }
  young.set(pattern, r);
  return r;
}

/** nginx's error text for a pattern PCRE2 refuses (null when it compiles). */
export function pcre2CompileMessage(pattern: string): string | null {
  const r = compileCached(pattern);
  if (r.ok) return null;
  const bytes = Buffer.from(pattern, "utf8");
  const { message, offset } = r.error;
  let text =
    offset >= bytes.length
      ? `pcre2_compile() failed: ${message} in "${pattern}"`
      : `pcre2_compile() failed: ${message} in "${pattern}" at "${bytes.toString("utf8", offset)}"`;
  const b = Buffer.from(text, "utf8");
  if (b.length > MAX_CONF_ERRSTR) text = b.toString("utf8", 0, MAX_CONF_ERRSTR);
  return text;
}

/** A regex of a statement: the pattern as nginx holds it and the word it comes from. */
export interface StatementRegex {
  /** The pattern after nginx's word unescaping and the `~`/`~*` prefix removed. */
  pattern: string;
  /** The argument that holds it, -1 for the directive's name (a `map` key). */
  arg: number;
  /** `~*`, or nginx compiles it caseless anyway (server_name with capitals, valid_referers, gzip_disable…). */
  caseless: boolean;
  /** Directive-specific demands on the compiled pattern. */
  captures?: number;
}

/** A `~re` / `~*re` word (null if it is not one); `star` says whether `~*` is read as caseless. */
function tilde(word: string, star: boolean): { pattern: string; caseless: boolean } | null {
  if (word[0] !== "~") return null;
  if (star && word[1] === "*") return { pattern: word.slice(2), caseless: true };
  return { pattern: word.slice(1), caseless: false };
}

const REGEX_NAMES = new Set([
  "location",
  "if",
  "rewrite",
  "server_name",
  "valid_referers",
  "proxy_redirect",
  "proxy_cookie_path",
  "proxy_cookie_domain",
  "proxy_cookie_flags",
  "fastcgi_split_path_info",
  "gzip_disable",
]);

const NO_REGEXES: readonly StatementRegex[] = [];

/**
 * The regexes nginx compiles for statement `d` while reading it; `parent` is its block's directive (a `map`
 * key is a statement of the `map` body).
 */
export function regexesOf(d: Directive, parent: Directive | null): readonly StatementRegex[] {
  // Most statements compile no regex: nothing is made for them (every statement is asked).
  if ((parent === null || parent.name !== "map" || !parent.block) && !REGEX_NAMES.has(d.name)) return NO_REGEXES;
  // Several statement checks ask in turn about the statement the walk is at: it is read once. A statement
  // keeps its words while it is the same object (parse/incremental.ts changes only the positions of one).
  if (d !== lastAsked.d || parent !== lastAsked.parent) {
    lastAsked.d = d;
    lastAsked.parent = parent;
    lastAsked.regexes = readRegexes(d, parent);
  }
  return lastAsked.regexes;
}

const lastAsked: { d: Directive | null; parent: Directive | null; regexes: readonly StatementRegex[] } = {
  d: null,
  parent: null,
  regexes: NO_REGEXES,
};

function readRegexes(d: Directive, parent: Directive | null): readonly StatementRegex[] {
  // No list until a regex is found, and then `[r]` (an empty array pushed to takes room for 17): every
  // location is asked.
  let out: StatementRegex[] | null = null;
  const add = (pattern: string, arg: number, caseless: boolean, captures?: number): void => {
    const r: StatementRegex = { pattern, arg, caseless, captures };
    if (out === null) out = [r];
    else out.push(r);
  };
  if (parent !== null && parent.name === "map" && parent.block) {
    // ngx_http_map() / ngx_stream_map(): a `key value;` line whose key starts with `~`
    if (d.argCount !== 1) return out ?? NO_REGEXES;
    const key = nginxWordValue(d.name);
    if (key === "default" || key === "include") return out ?? NO_REGEXES;
    const t = tilde(key, true);
    if (t) add(t.pattern, -1, t.caseless);
    return out ?? NO_REGEXES;
  }
  if (!REGEX_NAMES.has(d.name)) return out ?? NO_REGEXES;
  switch (d.name) {
    case "location": {
      // ngx_http_core_location()
      if (d.argCount === 2) {
        const mod = d.argValue(0);
        if (mod === "~" || mod === "~*") add(nginxWordValue(d.argValue(1)!), 1, mod === "~*");
      } else if (d.argCount === 1) {
        const name = nginxWordValue(d.argValue(0)!);
        if (name[0] === "=" || (name[0] === "^" && name[1] === "~")) break;
        const t = tilde(name, true);
        if (t) add(t.pattern, 0, t.caseless);
      }
      break;
    }
    case "if": {
      // ngx_http_rewrite_if_condition()
      const n = d.argCount;
      if (n === 0) break;
      const value = d.argValues().map(nginxWordValue);
      let last = n - 1;
      if (value[0][0] !== "(") break;
      let cur = 0;
      if (value[0].length === 1) cur = 1;
      else value[0] = value[0].slice(1);
      if (!value[last].endsWith(")")) break;
      if (value[last].length === 1) last--;
      else value[last] = value[last].slice(0, -1);
      if (cur > last) break;
      if (!(value[cur].length > 1 && value[cur][0] === "$")) break;
      if (cur + 2 !== last) break;
      const op = value[cur + 1];
      if (op === "~" || op === "~*" || op === "!~" || op === "!~*") add(value[last], last, op.endsWith("*"));
      break;
    }
    case "rewrite":
      // ngx_http_rewrite(): "empty replacement" is refused before the regex is compiled
      if (d.argCount < 2 || d.argCount > 3 || d.argValue(1) === "") break;
      add(nginxWordValue(d.argValue(0)!), 0, false);
      break;
    case "server_name":
      // ngx_http_core_server_name(): caseless when the regex has a capital letter; "~" alone is refused apart
      for (let i = 0; i < d.argCount; i++) {
        const v = nginxWordValue(d.argValue(i)!);
        if (v[0] !== "~" || v.length === 1) continue;
        add(v.slice(1), i, /[A-Z]/.test(v));
      }
      break;
    case "valid_referers":
      // ngx_http_valid_referers() / ngx_http_add_regex_referer()
      for (let i = 0; i < d.argCount; i++) {
        const v = nginxWordValue(d.argValue(i)!);
        if (v === "none" || v === "blocked" || v === "server_names") continue;
        if (v[0] === "~" && v.length > 1) add(v.slice(1), i, true);
      }
      break;
    case "proxy_redirect":
    case "proxy_cookie_path": {
      // ngx_http_proxy_redirect(), ngx_http_proxy_cookie_path(): `~re` or `~*re` as the first of two arguments
      if (d.argCount !== 2) break;
      const t = tilde(nginxWordValue(d.argValue(0)!), true);
      if (t) add(t.pattern, 0, t.caseless);
      break;
    }
    case "proxy_cookie_domain":
    case "proxy_cookie_flags": {
      // ngx_http_proxy_cookie_domain(), ngx_http_proxy_cookie_flags(): `~re` only (always caseless)
      if (d.argCount < 2 || (d.name === "proxy_cookie_domain" && d.argCount !== 2)) break;
      const t = tilde(nginxWordValue(d.argValue(0)!), false);
      if (t) add(t.pattern, 0, true);
      break;
    }
    case "fastcgi_split_path_info":
      // ngx_http_fastcgi_split_path_info()
      if (d.argCount === 1) add(nginxWordValue(d.argValue(0)!), 0, false, 2);
      break;
    case "gzip_disable":
      // ngx_http_gzip_disable(): every word but msie6 (Debian builds no degradation module)
      for (let i = 0; i < d.argCount; i++) {
        const v = nginxWordValue(d.argValue(i)!);
        if (v !== "msie6") add(v, i, true);
      }
      break;
  }
  return out ?? NO_REGEXES;
}

/** Every regex nginx compiles while reading the configuration (tests, tools: the rule checks per statement). */
export function regexSites(model: ConfigModel): RegexSite[] {
  const out: RegexSite[] = [];
  for (const ctx of model.contexts)
    for (const site of ctx.directives)
      for (const r of regexesOf(site.directive, ctx.directive)) out.push({ site, ...r });
  return out;
}

const EMPTY_REGEX: Record<string, string> = {
  server_name: 'empty regex in server name "~"',
  valid_referers: 'empty regex in "~"',
};

/** The rule, as a check of each statement (statement-checks.ts: kept per unchanged block). */
export const regexCheck: StatementCheck = {
  ruleId: "regex",
  statement(d, _context, parents, _options, out) {
    const parent = parents.length > 0 ? parents[parents.length - 1] : null;
    for (const s of regexesOf(d, parent)) {
      const r = compileCached(s.pattern);
      if (!r.ok) {
        out.push({
          ruleId: "regex",
          code: "invalid-regex",
          severity: "error",
          message: pcre2CompileMessage(s.pattern)!,
          d,
          word: s.arg,
          data: { pattern: s.pattern, offset: r.error.offset, pcre2Error: r.error.code },
        });
      } else if (s.captures !== undefined && r.info.captures !== s.captures) {
        // ngx_http_fastcgi_split_path_info() names the pattern as nginx holds it
        out.push({
          ruleId: "regex",
          code: "captures",
          severity: "error",
          message: `pattern "${s.pattern}" must have ${s.captures} captures`,
          d,
          word: s.arg,
          data: { pattern: s.pattern, captures: r.info.captures },
        });
      }
    }
    // `server_name ~` and `valid_referers ~`: refused before anything is compiled
    const empty = EMPTY_REGEX[d.name];
    if (empty !== undefined && (parent === null || parent.name !== "map"))
      for (let i = 0; i < d.argCount; i++)
        if (nginxWordValue(d.argValue(i)!) === "~")
          out.push({ ruleId: "regex", code: "empty-regex", severity: "error", message: empty, d, word: i, data: {} });
  },
};
