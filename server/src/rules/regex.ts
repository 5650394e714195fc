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

import type { Directive, Range } from "../parse/ast";
import type { ConfigModel, DirectiveSite } from "../model";
import { pcre2Compile, type Pcre2Result } from "./pcre2";
import type { Finding, RuleOptions } from "./types";

/** nginx's NGX_MAX_CONF_ERRSTR: the buffer its regex error message is written into. */
const MAX_CONF_ERRSTR = 1024;

/** One regex nginx compiles: the pattern as nginx holds it and the word it comes from. */
export interface RegexSite {
  site: DirectiveSite;
  /** The pattern after nginx's word unescaping and the `~`/`~*` prefix removed. */
  pattern: string;
  /** The argument that holds it, -1 for the directive's name (a `map` key). */
  arg: number;
  /** `~*`, or nginx compiles it caseless anyway (server_name with capitals, valid_referers, gzip_disable…). */
  caseless: boolean;
  /** Directive-specific demands on the compiled pattern. */
  captures?: number;
}

/**
 * A word's value as nginx's ngx_conf_read_token() stores it: `\"`, `\'` and `\\` lose their backslash, `\t`,
 * `\r`, `\n` become the control characters, any other backslash stays (the parser keeps escapes as written).
 */
export function nginxWordValue(value: string): string {
  if (!value.includes("\\")) return value;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "\\" && i + 1 < value.length) {
      const n = value[i + 1];
      if (n === '"' || n === "'" || n === "\\") {
        out += n;
        i++;
        continue;
      }
      if (n === "t" || n === "r" || n === "n") {
        out += n === "t" ? "\t" : n === "r" ? "\r" : "\n";
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}

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

/** The word's range, made only for a finding (making a directive's words costs). */
const argRange = (d: Directive, i: number): Range => (i < 0 ? d.nameWord.range : (d.args[i]?.range ?? d.range));

/** Every regex nginx compiles while reading the configuration, in reading order per directive name. */
export function regexSites(model: ConfigModel): RegexSite[] {
  const out: RegexSite[] = [];
  const add = (site: DirectiveSite, pattern: string, arg: number, caseless: boolean, captures?: number): void => {
    out.push({ site, pattern, arg, caseless, captures });
  };
  /** A `~re` / `~*re` word (null if it is not one); `star` says whether `~*` is read as caseless. */
  const tilde = (word: string, star: boolean): { pattern: string; caseless: boolean } | null => {
    if (word[0] !== "~") return null;
    if (star && word[1] === "*") return { pattern: word.slice(2), caseless: true };
    return { pattern: word.slice(1), caseless: false };
  };

  // ngx_http_core_location()
  for (const site of model.sitesOf("location")) {
    const d = site.directive;
    if (d.argCount === 2) {
      const mod = d.argValue(0);
      if (mod === "~" || mod === "~*") add(site, nginxWordValue(d.argValue(1)!), 1, mod === "~*");
    } else if (d.argCount === 1) {
      const name = nginxWordValue(d.argValue(0)!);
      if (name[0] === "=" || (name[0] === "^" && name[1] === "~")) continue;
      const t = tilde(name, true);
      if (t) add(site, t.pattern, 0, t.caseless);
    }
  }

  // ngx_http_rewrite_if_condition()
  for (const site of model.sitesOf("if")) {
    const d = site.directive;
    const n = d.argCount;
    if (n === 0) continue;
    const value = d.argValues().map(nginxWordValue);
    let last = n - 1;
    if (value[0][0] !== "(") continue;
    let cur = 0;
    if (value[0].length === 1) cur = 1;
    else value[0] = value[0].slice(1);
    if (!value[last].endsWith(")")) continue;
    if (value[last].length === 1) last--;
    else value[last] = value[last].slice(0, -1);
    if (cur > last) continue;
    if (!(value[cur].length > 1 && value[cur][0] === "$")) continue;
    if (cur + 2 !== last) continue;
    const op = value[cur + 1];
    if (op === "~" || op === "~*" || op === "!~" || op === "!~*") add(site, value[last], last, op.endsWith("*"));
  }

  // ngx_http_rewrite(): "empty replacement" is refused before the regex is compiled
  for (const site of model.sitesOf("rewrite")) {
    const d = site.directive;
    if (d.argCount < 2 || d.argCount > 3 || d.argValue(1) === "") continue;
    add(site, nginxWordValue(d.argValue(0)!), 0, false);
  }

  // ngx_http_map() / ngx_stream_map(): a `key value;` line whose key starts with `~`
  for (const ctx of model.contexts) {
    if (ctx.kind !== "map") continue;
    for (const site of ctx.directives) {
      const d = site.directive;
      if (d.argCount !== 1) continue;
      const key = nginxWordValue(d.name);
      if (key === "default" || key === "include") continue;
      const t = tilde(key, true);
      if (t) add(site, t.pattern, -1, t.caseless);
    }
  }

  // ngx_http_core_server_name(): caseless when the regex has a capital letter; "~" alone is refused apart
  for (const site of model.sitesOf("server_name")) {
    const d = site.directive;
    for (let i = 0; i < d.argCount; i++) {
      const v = nginxWordValue(d.argValue(i)!);
      if (v[0] !== "~" || v.length === 1) continue;
      add(site, v.slice(1), i, /[A-Z]/.test(v));
    }
  }

  // ngx_http_valid_referers() / ngx_http_add_regex_referer()
  for (const site of model.sitesOf("valid_referers")) {
    const d = site.directive;
    for (let i = 0; i < d.argCount; i++) {
      const v = nginxWordValue(d.argValue(i)!);
      if (v === "none" || v === "blocked" || v === "server_names") continue;
      if (v[0] === "~" && v.length > 1) add(site, v.slice(1), i, true);
    }
  }

  // ngx_http_proxy_redirect(), ngx_http_proxy_cookie_path(): `~re` or `~*re` as the first of two arguments
  for (const name of ["proxy_redirect", "proxy_cookie_path"]) {
    for (const site of model.sitesOf(name)) {
      const d = site.directive;
      if (d.argCount !== 2) continue;
      const t = tilde(nginxWordValue(d.argValue(0)!), true);
      if (t) add(site, t.pattern, 0, t.caseless);
    }
  }
  // ngx_http_proxy_cookie_domain(), ngx_http_proxy_cookie_flags(): `~re` only (always caseless)
  for (const name of ["proxy_cookie_domain", "proxy_cookie_flags"]) {
    for (const site of model.sitesOf(name)) {
      const d = site.directive;
      if (d.argCount < 2 || (name === "proxy_cookie_domain" && d.argCount !== 2)) continue;
      const t = tilde(nginxWordValue(d.argValue(0)!), false);
      if (t) add(site, t.pattern, 0, true);
    }
  }

  // ngx_http_fastcgi_split_path_info()
  for (const site of model.sitesOf("fastcgi_split_path_info")) {
    const d = site.directive;
    if (d.argCount !== 1) continue;
    add(site, nginxWordValue(d.argValue(0)!), 0, false, 2);
  }

  // ngx_http_gzip_disable(): every word but msie6 (Debian builds no degradation module)
  for (const site of model.sitesOf("gzip_disable")) {
    const d = site.directive;
    for (let i = 0; i < d.argCount; i++) {
      const v = nginxWordValue(d.argValue(i)!);
      if (v !== "msie6") add(site, v, i, true);
    }
  }
  return out;
}

export function regexFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const report = (
    site: DirectiveSite,
    arg: number,
    code: string,
    message: string,
    data: Record<string, unknown>,
  ): void => {
    const range = argRange(site.directive, arg);
    // A file included twice holds one mistake, reported once.
    const key = `${site.file.path}\0${range.start.offset}\0${code}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({ ruleId: "regex", code, severity: "error", path: site.file.path, range, message, data });
  };
  for (const s of regexSites(model)) {
    const r = compileCached(s.pattern);
    if (!r.ok) {
      report(s.site, s.arg, "invalid-regex", pcre2CompileMessage(s.pattern)!, {
        pattern: s.pattern,
        offset: r.error.offset,
        pcre2Error: r.error.code,
      });
    } else if (s.captures !== undefined && r.info.captures !== s.captures) {
      // ngx_http_fastcgi_split_path_info() names the pattern as nginx holds it
      report(s.site, s.arg, "captures", `pattern "${s.pattern}" must have ${s.captures} captures`, {
        pattern: s.pattern,
        captures: r.info.captures,
      });
    }
  }
  // `server_name ~` and `valid_referers ~`: refused before anything is compiled
  for (const [name, message] of [
    ["server_name", 'empty regex in server name "~"'],
    ["valid_referers", 'empty regex in "~"'],
  ]) {
    for (const site of model.sitesOf(name)) {
      const d = site.directive;
      for (let i = 0; i < d.argCount; i++)
        if (nginxWordValue(d.argValue(i)!) === "~") report(site, i, "empty-regex", message, {});
    }
  }
  return findings;
}
