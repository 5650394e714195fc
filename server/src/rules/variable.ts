// variable: the `$variables` `nginx -t` refuses (issue 14). docs/rules/variable.md
//
// nginx's http and stream modules keep one table of variable names per block (http {}, stream {}): each
// module adds its own names before the block is read (the preconfiguration hooks: ngx_http_variables_add_core_vars
// and every module's array, server/data/variables.json), and while the block is read `set`, `map`, `geo`,
// `split_clients`, `perl_set`, `js_set`, … and the named captures of every regex nginx compiles add more
// (ngx_http_add_variable, ngx_http_regex_compile in src/http/ngx_http_variables.c). Every `$name` an argument
// compiles into a script asks for an index (ngx_http_get_variable_index), whatever the order; at the end of
// the block ngx_http_variables_init_vars looks each asked-for name up among the added ones, then among the
// prefixes (`http_`, `arg_`, …), and fails with `unknown "name" variable` — without a file or line. The
// finding goes on the first argument that uses the name. Names compare without case (ngx_strncasecmp).
//
// Also, with a line: `invalid variable name` / `the closing bracket in "x" variable is missing`
// (ngx_http_script_compile, src/http/ngx_http_script.c), `invalid parameter "$…"` in `log_format`
// (ngx_http_log_compile_format), `invalid variable name "x"` for `set x …` (ngx_http_rewrite_set), and
// `the duplicate "x" variable` when `set`/`map`/… define a name a module owns and does not let change
// (ngx_http_add_variable without NGX_HTTP_VAR_CHANGEABLE).
//
// Which arguments are compiled: the directives below (their handlers compile them as scripts or complex
// values), and every directive whose table entry names a complex-value setter. Anything else is not read:
// a `$` in a regex or in Lua code is not a variable.

import type { ConfigModel } from "../model";
import type { Directive, Range } from "../parse/ast";
import { lookupDirective } from "../parse/directives";
import { compareVersions } from "../cost/versions";
import { walk, type FileInstance } from "../workspace/configuration";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "variable";

type Family = "http" | "stream";

interface VariableRow {
  name: string;
  file: string;
  prefix?: boolean;
  changeable?: boolean;
  since?: string;
  removed?: string;
  cond?: string;
}

interface VariableTable {
  http: VariableRow[];
  stream: VariableRow[];
}

/**
 * Variables of third-party modules in the directive table, by hand from their sources (a module's
 * `ngx_http_variable_t` array): assumed present, as nginx has them only when the module is loaded.
 * lua-nginx-module, stream-lua-nginx-module, njs, ModSecurity-nginx, headers-more, set-misc, brotli,
 * cache_purge, redis2 and vts add none of their own (njs and Lua define them through directives below).
 */
const THIRD_PARTY: Record<Family, { repo: string; file: string; names: string[] }[]> = {
  http: [
    {
      repo: "openresty/echo-nginx-module",
      file: "src/ngx_http_echo_var.c",
      names: [
        "echo_timer_elapsed",
        "echo_request_method",
        "echo_cacheable_request_uri",
        "echo_request_uri",
        "echo_client_request_method",
        "echo_request_body",
        "echo_client_request_headers",
        "echo_it",
        "echo_incr",
        "echo_response_status",
      ],
    },
    {
      repo: "openresty/srcache-nginx-module",
      file: "src/ngx_http_srcache_var.c",
      names: ["srcache_expire", "srcache_fetch_status", "srcache_store_status"],
    },
    {
      repo: "openresty/memc-nginx-module",
      file: "src/ngx_http_memc_module.c",
      names: ["memc_flags_as_http_time", "memc_key", "memc_cmd", "memc_value", "memc_flags", "memc_exptime"],
    },
  ],
  stream: [],
};

let tableCache: VariableTable | undefined;
function table(): VariableTable {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  tableCache ??= require("../../data/variables.json") as typeof import("../../data/variables.json") as VariableTable;
  return tableCache;
}

/** What a family's modules define before its block is read, for one nginx version (null: any version). */
interface Builtins {
  /** Lowercase name → changeable. */
  exact: Map<string, boolean>;
  prefixes: string[];
}

const builtinsCache = new Map<string, Builtins>();
function builtins(family: Family, version: string | null): Builtins {
  const key = `${family}\0${version ?? ""}`;
  const cached = builtinsCache.get(key);
  if (cached) return cached;
  const exact = new Map<string, boolean>();
  const prefixes: string[] = [];
  for (const row of table()[family]) {
    if (version !== null) {
      if (row.since && compareVersions(version, row.since) < 0) continue;
      if (row.removed && compareVersions(version, row.removed) >= 0) continue;
    }
    if (row.prefix) prefixes.push(row.name);
    else exact.set(row.name, row.changeable === true);
  }
  for (const m of THIRD_PARTY[family]) for (const n of m.names) if (!exact.has(n)) exact.set(n, true);
  const b = { exact, prefixes };
  builtinsCache.set(key, b);
  return b;
}

/** Names the variable table lists for `family` (tests). */
export function knownVariables(family: Family): readonly VariableRow[] {
  return table()[family];
}

// ---------------------------------------------------------------------------------------------------------
// Which arguments each directive compiles.

/** `all`: every argument; a number: that argument (0-based) and the ones after it when `rest`; `last`. */
type ArgPick = "all" | "last" | { from: number; to?: number };

const ALL: ArgPick = "all";
const SECOND: ArgPick = { from: 1, to: 1 };
const FIRST: ArgPick = { from: 0, to: 0 };

/**
 * Directives whose handler compiles arguments into scripts or complex values (their own handlers, not a
 * complex-value setter the table names). http and stream alike unless the name is only in one.
 */
const COMPILED: Record<string, ArgPick> = {
  // ngx_http_rewrite_module: return's code has no `$`, set/rewrite below.
  return: ALL,
  // ngx_http_headers_module: the value (the name is plain, `always` a flag).
  add_header: SECOND,
  add_trailer: SECOND,
  expires: ALL,
  // upstream-module headers and params: the value.
  proxy_set_header: SECOND,
  grpc_set_header: SECOND,
  fastcgi_param: SECOND,
  uwsgi_param: SECOND,
  scgi_param: SECOND,
  // *_pass: compiled when they hold a `$` (ngx_http_script_variables_count).
  proxy_pass: FIRST,
  fastcgi_pass: FIRST,
  uwsgi_pass: FIRST,
  scgi_pass: FIRST,
  grpc_pass: FIRST,
  pass: FIRST,
  proxy_cache_key: FIRST,
  fastcgi_cache_key: FIRST,
  uwsgi_cache_key: FIRST,
  scgi_cache_key: FIRST,
  proxy_cache: FIRST,
  fastcgi_cache: FIRST,
  uwsgi_cache: FIRST,
  scgi_cache: FIRST,
  proxy_store: FIRST,
  fastcgi_store: FIRST,
  uwsgi_store: FIRST,
  scgi_store: FIRST,
  proxy_bind: FIRST,
  fastcgi_bind: FIRST,
  uwsgi_bind: FIRST,
  scgi_bind: FIRST,
  grpc_bind: FIRST,
  memcached_bind: FIRST,
  // ngx_http_core_module
  root: FIRST,
  alias: FIRST,
  try_files: ALL,
  error_page: "last",
  index: ALL,
  // ngx_http_ssl_module / stream ssl (variables in certificate names since 1.15.9)
  ssl_certificate: FIRST,
  ssl_certificate_key: FIRST,
  // zones and keys
  limit_req_zone: FIRST,
  limit_conn_zone: FIRST,
  hash: FIRST,
  auth_request_set: SECOND,
  auth_basic_user_file: FIRST,
  sub_filter: { from: 0, to: 1 },
  // map/geo/split_clients: the source (the defined name is handled apart)
  map: FIRST,
  split_clients: FIRST,
  js_var: SECOND,
  // headers-more, echo: their arguments are complex values.
  more_set_headers: ALL,
  more_set_input_headers: ALL,
  echo: ALL,
  echo_before_body: ALL,
  echo_after_body: ALL,
};

/** Complex-value setters: the table's handler names say the directive compiles all its arguments. */
const COMPLEX_SETTER = /_set_complex_value(_size|_zero)?_slot$|_set_predicate_slot$/;

const pickCache: Record<Family, Map<string, ArgPick | "define" | null>> = { http: new Map(), stream: new Map() };
/** How a directive's arguments are read; `define`: set-misc's `set_xxx $dst …`, or a directive the table does not know. */
function pickFor(name: string, family: Family): ArgPick | "define" | null {
  const cache = pickCache[family];
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  let pick: ArgPick | "define" | null = COMPILED[name] ?? null;
  if (pick === null) {
    const variants = lookupDirective(name);
    if (variants.length === 0) pick = "define";
    for (const v of variants) {
      if (v.repo === "openresty/set-misc-nginx-module" && name.startsWith("set_")) pick = "define";
      else if (v.type === family && v.handler !== undefined && COMPLEX_SETTER.test(v.handler)) pick = ALL;
    }
  }
  cache.set(name, pick);
  return pick;
}

// ---------------------------------------------------------------------------------------------------------
// Reading `$name` out of an argument as ngx_http_script_compile does.

const isNameChar = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95;

interface ScanResult {
  names: string[];
  error?: string;
}

/**
 * The variable names a script argument asks for, or the compile error (ngx_http_script_compile; the stream
 * one, ngx_stream_script_compile, reads alike). `$1`…`$9` are captures, not names; `${1}` and `$0` are names.
 */
export function scriptNames(text: string): ScanResult {
  const names: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (text.charCodeAt(i) !== 36 /* $ */) {
      i++;
      continue;
    }
    if (++i === n) return { names, error: "invalid variable name" };
    const c = text.charCodeAt(i);
    if (c >= 49 && c <= 57) {
      i++;
      continue;
    }
    let bracket = false;
    if (c === 123 /* { */) {
      bracket = true;
      if (++i === n) return { names, error: "invalid variable name" };
    }
    const start = i;
    let end = -1;
    for (; i < n; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 125 /* } */ && bracket) {
        end = i;
        i++;
        bracket = false;
        break;
      }
      if (!isNameChar(ch)) break;
    }
    if (bracket) return { names, error: `the closing bracket in "${text.slice(start, i)}" variable is missing` };
    if (end < 0) end = i;
    if (end === start) return { names, error: "invalid variable name" };
    names.push(text.slice(start, end));
  }
  return { names };
}

/** `log_format`'s own reader (ngx_http_log_compile_format): no captures, `invalid parameter "…"`. */
export function logFormatNames(text: string): ScanResult {
  const names: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (text.charCodeAt(i) !== 36) {
      i++;
      continue;
    }
    const at = i;
    const invalid = (): ScanResult => ({ names, error: `invalid parameter "${text.slice(at)}"` });
    if (++i === n) return invalid();
    let bracket = false;
    if (text.charCodeAt(i) === 123) {
      bracket = true;
      if (++i === n) return invalid();
    }
    const start = i;
    let end = -1;
    for (; i < n; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 125 && bracket) {
        end = i;
        i++;
        bracket = false;
        break;
      }
      if (!isNameChar(ch)) break;
    }
    if (bracket) return { names, error: `the closing bracket in "${text.slice(start, i)}" variable is missing` };
    if (end < 0) end = i;
    if (end === start) return invalid();
    names.push(text.slice(start, end));
  }
  return { names };
}

/** Named groups of a PCRE pattern: `(?<name>`, `(?'name'`, `(?P<name>` (not `(?<=`, `(?<!`). */
export function namedCaptures(pattern: string): string[] {
  const out: string[] = [];
  if (!pattern.includes("(?")) return out;
  const re = /\\.|\[(?:\\.|[^\]\\])*\]|\(\?(?:P?<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')/g;
  for (let m; (m = re.exec(pattern));) {
    const name = m[1] ?? m[2];
    if (name) out.push(name);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------

const arg = (d: Directive, i: number): string => d.argValue(i) ?? "";

/** Where a name is first used or a finding goes: the statement, the file instance, the word. */
interface Place {
  file: FileInstance;
  d: Directive;
  /** The argument; -1: the name. Its range is made only for a finding (a word per argument costs). */
  i: number;
}

const rangeOf = (p: Place): Range => (p.i < 0 ? p.d.nameWord.range : p.d.args[p.i].range);

/** One http {} or stream {} block: what its configuration defines and uses. */
interface BlockState {
  family: Family;
  known: Builtins;
  /** Lowercase names the configuration defines. */
  defined: Set<string>;
  /** Lowercase name → first use (reading order). */
  used: Map<string, Place>;
  /** A snippet read alone, or an `include` in the block we could not read: no name is called unknown. */
  unsure: boolean;
}

/** Blocks whose body is statements nginx reads with its directive handlers (http and stream). */
const STATEMENT_BLOCKS = new Set(["http", "stream", "server", "location", "if", "limit_except", "upstream"]);

export function variableFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const config = model.config;
  const version = options.nginxVersion ?? null;
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const report = (file: FileInstance, range: Range, code: string, message: string, data?: Record<string, unknown>) => {
    const key = `${file.path}\0${range.start.offset}\0${code}\0${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({
      ruleId: RULE_ID,
      code,
      severity: "error",
      path: file.path,
      range,
      message,
      ...(data ? { data } : {}),
    });
  };

  const partial = new Set<Directive>();
  for (const e of config.edges) {
    const r = e.resolution;
    if (r === null || r.problems.length > 0 || e.to.length < r.files.length) partial.add(e.directive);
  }

  const states: BlockState[] = [];
  /** The state of the block being walked, by its http/stream directive (null: a snippet's implied block). */
  const byTop = new Map<Directive | null, BlockState>();
  const stateFor = (family: Family, top: Directive | null): BlockState => {
    let st = byTop.get(top);
    if (!st) {
      st = { family, known: builtins(family, version), defined: new Set(), used: new Map(), unsure: top === null };
      byTop.set(top, st);
      states.push(st);
    }
    return st;
  };

  let st: BlockState = stateFor("http", null);
  let file: FileInstance = config.root;

  const use = (d: Directive, i: number, names: readonly string[]): void => {
    for (const name of names) {
      const lc = name.toLowerCase();
      if (!st.used.has(lc)) st.used.set(lc, { file, d, i });
    }
  };
  const scan = (d: Directive, i: number, log = false): void => {
    const text = arg(d, i);
    if (!text.includes("$")) return;
    const r = log ? logFormatNames(text) : scriptNames(text);
    if (r.error !== undefined) report(file, d.args[i].range, "syntax", r.error);
    if (r.names.length > 0) use(d, i, r.names);
  };
  const define = (range: () => Range, name: string): void => {
    const lc = name.toLowerCase();
    if (st.known.exact.get(lc) === false) {
      report(file, range(), "duplicate", `the duplicate "${name}" variable`);
      return;
    }
    st.defined.add(lc);
  };
  const defineDollar = (d: Directive, i: number): void => {
    if (i >= d.argCount) return;
    const v = arg(d, i);
    if (!v.startsWith("$")) report(file, d.args[i].range, "invalid-name", `invalid variable name "${v}"`);
    else if (v.length === 1) report(file, d.args[i].range, "invalid-name", 'invalid variable name "$"');
    else define(() => d.args[i].range, v.slice(1));
  };
  const captures = (d: Directive, i: number, pattern: string): void => {
    for (const name of namedCaptures(pattern)) define(() => d.args[i].range, name);
  };

  const statement = (d: Directive, family: Family): void => {
    const name = d.name;
    const argc = d.argCount;
    switch (name) {
      case "set":
        defineDollar(d, 0);
        if (argc >= 2) scan(d, 1);
        return;
      case "map":
      case "split_clients":
        if (argc >= 1) scan(d, 0);
        defineDollar(d, 1);
        return;
      case "geo":
        if (argc === 1) defineDollar(d, 0);
        else if (argc >= 2) {
          scan(d, 0);
          defineDollar(d, 1);
        }
        return;
      case "perl_set":
      case "js_set":
      case "lua_add_variable":
        defineDollar(d, 0);
        return;
      case "js_var":
      case "auth_request_set":
        defineDollar(d, 0);
        if (argc >= 2) scan(d, 1);
        return;
      case "set_by_lua":
      case "set_by_lua_file":
        defineDollar(d, 0);
        for (let i = 2; i < argc; i++) scan(d, i);
        return;
      case "set_by_lua_block":
        defineDollar(d, 0);
        return;
      case "memcached_pass":
        // ngx_http_memcached_pass asks for $memcached_key, which only `set` defines.
        if (!st.used.has("memcached_key")) st.used.set("memcached_key", { file, d, i: -1 });
        return;
      case "rewrite":
        if (argc >= 1) captures(d, 0, arg(d, 0));
        if (argc >= 2) scan(d, 1);
        return;
      case "location": {
        const a0 = arg(d, 0);
        if (argc >= 2 && (a0 === "~" || a0 === "~*")) captures(d, 1, arg(d, 1));
        else if (a0.startsWith("~")) captures(d, 0, a0.replace(/^~\*?/, ""));
        return;
      }
      case "server_name":
        for (let i = 0; i < argc; i++) {
          const v = arg(d, i);
          if (v.startsWith("~")) captures(d, i, v.slice(1));
        }
        return;
      case "proxy_redirect":
      case "proxy_cookie_domain":
      case "proxy_cookie_path":
        if (argc >= 1) {
          const v = arg(d, 0);
          if (v.startsWith("~")) captures(d, 0, v.replace(/^~\*?/, ""));
          else if (v !== "default" && v !== "off") scan(d, 0);
        }
        if (argc >= 2) scan(d, 1);
        return;
      case "if":
        ifCondition(d, scan, use, captures);
        return;
      case "log_format":
        for (let i = 1; i < argc; i++) if (!(i === 1 && arg(d, 1).startsWith("escape="))) scan(d, i, true);
        return;
      case "access_log":
        if (argc >= 1 && arg(d, 0) !== "off" && !arg(d, 0).startsWith("syslog:")) scan(d, 0);
        for (let i = 2; i < argc; i++) if (arg(d, i).startsWith("if=")) scan(d, i);
        return;
      case "include":
        if (partial.has(d)) st.unsure = true;
        return;
      case "charset":
      case "source_charset": {
        // ngx_http_set_charset_slot: `$` and the whole rest of the word is the name.
        const v = arg(d, 0);
        if (family !== "http" || !v.startsWith("$")) return;
        if (v.length === 1) report(file, d.args[0].range, "invalid-name", 'invalid variable name "$"');
        else use(d, 0, [v.slice(1)]);
        return;
      }
      default:
        break;
    }
    if (argc === 0) return;
    const pick = pickFor(name, family);
    if (pick === "define") {
      // set-misc (NDK set_var): `set_xxx $dst [src…]` defines $dst; a module the table does not know
      // (mruby_set $x …): a `$name` argument may define the name.
      if (lookupDirective(name).length > 0) {
        defineDollar(d, 0);
        for (let i = 1; i < argc; i++) scan(d, i);
      } else {
        for (let i = 0; i < argc; i++) {
          const v = arg(d, i);
          if (/^\$\w+$/.test(v)) st.defined.add(v.slice(1).toLowerCase());
        }
      }
      return;
    }
    if (pick === null) return;
    if (pick === "all") for (let i = 0; i < argc; i++) scan(d, i);
    else if (pick === "last") scan(d, argc - 1);
    else for (let i = pick.from; i <= Math.min(pick.to ?? argc - 1, argc - 1); i++) scan(d, i);
  };

  walk(config, {
    enter(d, info) {
      const ctx = info.context;
      if (ctx.length === 0) {
        // main level: only the http and stream blocks matter.
        if (d.name === "http" || d.name === "stream") st = stateFor(d.name, d);
        return d.name === "http" || d.name === "stream" || d.name === "include";
      }
      const family: Family | null = ctx[0] === "http" ? "http" : ctx[0] === "stream" ? "stream" : null;
      if (family === null) return false;
      // The block we are in: its directive, or a snippet's implied one.
      const top = info.parents.length === ctx.length ? info.parents[0] : null;
      if (byTop.get(top) !== st) st = stateFor(family, top);
      file = info.file;
      const parent = ctx[ctx.length - 1];
      if (parent === "map") {
        // `key value;`: regex keys add their named captures, values are complex values.
        const key = d.name;
        if (key.startsWith("~"))
          for (const n of namedCaptures(key.replace(/^~\*?/, ""))) define(() => d.nameWord.range, n);
        if (d.argCount >= 1 && key !== "include") scan(d, 0);
        return key === "include";
      }
      if (parent === "geoip2") {
        if (d.name.length > 1 && d.name.startsWith("$")) define(() => d.nameWord.range, d.name.slice(1));
        return false;
      }
      if (!STATEMENT_BLOCKS.has(parent) && lookupDirective(parent).length > 0) return false;
      statement(d, family);
      if (d.block === undefined) return undefined;
      return (
        STATEMENT_BLOCKS.has(d.name) || d.name === "map" || d.name === "geoip2" || lookupDirective(d.name).length === 0
      );
    },
  });

  for (const s of states) {
    if (s.unsure || model.config.root.context.length > 0) continue;
    const known = s.known;
    for (const [lc, u] of s.used) {
      if (known.exact.has(lc) || s.defined.has(lc)) continue;
      if (known.prefixes.some((p) => lc.startsWith(p))) continue;
      // A name of another nginx version: say which (the message stays nginx's).
      const row = table()[s.family].find((r) => (r.prefix ? lc.startsWith(r.name) : r.name === lc));
      const other = row ? { since: row.since ?? null, removed: row.removed ?? null } : {};
      report(u.file, rangeOf(u), "unknown", `unknown "${lc}" variable`, { name: lc, family: s.family, ...other });
    }
  }
  return findings;
}

/**
 * `if (…)` as ngx_http_rewrite_if_condition reads it: `$var` alone (the whole word is the name), `$var = x`
 * / `!= x` (x compiled), `$var ~ regex` (its named captures defined), `-f x` and the like (x compiled).
 */
function ifCondition(
  d: Directive,
  scan: (d: Directive, i: number) => void,
  use: (d: Directive, i: number, names: readonly string[]) => void,
  captures: (d: Directive, i: number, pattern: string) => void,
): void {
  const argc = d.argCount;
  if (argc === 0) return;
  // The words without the parentheses.
  const words: { i: number; text: string }[] = [];
  for (let i = 0; i < argc; i++) {
    let t = arg(d, i);
    if (i === 0 && t.startsWith("(")) t = t.slice(1);
    if (i === argc - 1 && t.endsWith(")")) t = t.slice(0, -1);
    if (t.length > 0 || (i !== 0 && i !== argc - 1)) words.push({ i, text: t });
  }
  if (words.length === 0) return;
  const first = words[0];
  if (first.text.length > 1 && first.text.startsWith("$")) {
    use(d, first.i, [first.text.slice(1)]);
    if (words.length !== 3) return;
    const op = words[1].text;
    const last = words[2];
    // The parenthesis cut off holds no `$` and ends no name: the whole argument reads the same.
    if (op === "=" || op === "!=") scan(d, last.i);
    else if (op === "~" || op === "~*" || op === "!~" || op === "!~*") captures(d, last.i, last.text);
    return;
  }
  if (/^!?-[fdex]$/.test(first.text) && words.length === 2) scan(d, words[1].i);
}
