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
import type { Directive } from "../parse/ast";
import { lookupDirective, type ContextKind } from "../parse/directives";
import { compareVersions } from "../cost/versions";
import type { BlockFact, CheckSeed, StatementCheck } from "./statement-checks";
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

/** A character code of a variable's name: A-Z, a-z, 0-9, _. */
export const isNameChar = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95;

interface ScanResult {
  readonly names: readonly string[];
  readonly error?: string;
}

/**
 * The variable names a script argument asks for, or the compile error (ngx_http_script_compile; the stream
 * one, ngx_stream_script_compile, reads alike). `$1`…`$9` are captures, not names; `${1}` and `$0` are names.
 */
export function scriptNames(text: string): ScanResult {
  // Per text: the same few values (`$host`, `$remote_addr`) are most statements' (a million of them cold).
  let r = scriptNamesByText.get(text);
  if (r === undefined) {
    if (scriptNamesByText.size > 65_536) scriptNamesByText.clear();
    scriptNamesByText.set(text, (r = scanNames(text, false)));
  }
  return r;
}

const scriptNamesByText = new Map<string, ScanResult>();

/** `log_format`'s own reader (ngx_http_log_compile_format): no captures, `invalid parameter "…"`. */
export function logFormatNames(text: string): ScanResult {
  return scanNames(text, true);
}

/** The two readers: one loop, told apart by what `$1` is and how a missing name is worded. */
function scanNames(text: string, log: boolean): ScanResult {
  const names: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (text.charCodeAt(i) !== 36 /* $ */) {
      i++;
      continue;
    }
    const at = i;
    const invalid = (): ScanResult => ({
      names,
      error: log ? `invalid parameter "${text.slice(at)}"` : "invalid variable name",
    });
    if (++i === n) return invalid();
    const c = text.charCodeAt(i);
    if (!log && c >= 49 && c <= 57) {
      i++;
      continue;
    }
    let bracket = false;
    if (c === 123 /* { */) {
      bracket = true;
      if (++i === n) return invalid();
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
// Where a statement is read: the blocks whose statements nginx's directive handlers read (the statements of
// map and geoip2 bodies are read apart; other bodies — types, Lua, a module's own syntax — are not read).

/** Blocks whose body is statements nginx reads with its directive handlers (http and stream). */
const STATEMENT_BLOCKS = new Set(["http", "stream", "server", "location", "if", "limit_except", "upstream"]);

const KIND_FAMILY = new Map<ContextKind, Family>([
  ["http", "http"],
  ["server", "http"],
  ["location", "http"],
  ["if_in_server", "http"],
  ["if_in_location", "http"],
  ["limit_except", "http"],
  ["upstream", "http"],
  ["stream", "stream"],
  ["stream_server", "stream"],
  ["stream_upstream", "stream"],
]);

/** How a statement is read: by its directive's handler, as a `map` line, as a `geoip2` line. */
const enum Mode {
  Statement,
  Map,
  Geoip2,
}

/**
 * Where statement `d` is read, from its block kind and the enclosing blocks: its family and mode, whether it
 * is in an http {} or stream {} block of a main configuration (`main`: only there is a name called unknown),
 * and `later`: a `map`/unknown block's body at the top of a snippet read alone, where only the snippet's
 * implied context (not visible to a statement check: WalkInfo.context, a fact's `outermost`) says whether it is
 * read at all (a sites-enabled file's `map {}` is; `rtmp { … }` in a main file is not), judged in `resolve`.
 */
interface Where {
  mode: Mode;
  family: Family;
  main: boolean;
  later: boolean;
}

const placeOf: Where = { mode: Mode.Statement, family: "http", main: false, later: false };

/** A block directive whose body the walk of nginx's handlers goes into (its statements are read). */
const readInside = (name: string): boolean => STATEMENT_BLOCKS.has(name) || lookupDirective(name).length === 0;

/** Where `d` is read (a shared object), or null when nginx's handlers do not read it as a variable user. */
function where(context: ContextKind, parents: readonly Directive[]): Where | null {
  const m = parents.length;
  const w = placeOf;
  w.mode = Mode.Statement;
  w.main = false;
  w.later = false;
  if (m === 0) {
    // The main level (only the http/stream blocks matter), or the top of a snippet read inside blocks.
    const family = KIND_FAMILY.get(context);
    if (family === undefined) return null;
    w.family = family;
    return w;
  }
  const top = parents[0].name;
  if (top === "http" || top === "stream") {
    w.family = top;
    w.main = true;
  } else {
    // A snippet's block (a main configuration's blocks other than http/stream hold only events, mail or
    // misplaced blocks, whose bodies are none of these kinds).
    const family = KIND_FAMILY.get(context);
    if (family !== undefined) w.family = family;
    else if (context === "custom" || context === "unknown") w.later = true;
    else return null;
  }
  // The blocks around are read into (statement blocks, or blocks no module registers): the innermost eight
  // are looked at — all of them made this O(depth) per statement, O(depth²) over 100,000 nested blocks (66 s
  // for check), and bodies that are not read (map, types, Lua…) never hold blocks that deep.
  for (let j = Math.max(0, m - 9); j < m - 1; j++) if (!readInside(parents[j].name)) return null;
  const last = parents[m - 1].name;
  if (last === "map") w.mode = Mode.Map;
  else if (last === "geoip2") w.mode = Mode.Geoip2;
  else if (!readInside(last)) return null;
  return w;
}

// ---------------------------------------------------------------------------------------------------------
// Reading one statement.

const arg = (d: Directive, i: number): string => d.argValue(i) ?? "";

/** What reading a statement gives, in reading order. `word`: the argument, -1 for the name. */
interface Sink {
  family: Family;
  known: Builtins;
  error(d: Directive, word: number, code: string, message: string): void;
  /** A name the statement asks for, as written. */
  use(d: Directive, word: number, name: string): void;
  /** A name it defines; `plain`: no duplicate check (a directive the table does not know). */
  define(d: Directive, word: number, name: string, plain?: boolean): void;
}

function isKnown(known: Builtins, lc: string): boolean {
  if (known.exact.has(lc)) return true;
  // a loop, not some(): a closure per variable used, a million of them cold
  const prefixes = known.prefixes;
  for (let i = 0; i < prefixes.length; i++) if (lc.startsWith(prefixes[i])) return true;
  return false;
}

function scan(s: Sink, d: Directive, i: number, log = false): void {
  const text = arg(d, i);
  if (!text.includes("$")) return;
  const r = log ? logFormatNames(text) : scriptNames(text);
  if (r.error !== undefined) s.error(d, i, "syntax", r.error);
  for (const name of r.names) s.use(d, i, name);
}

function defineDollar(s: Sink, d: Directive, i: number): void {
  if (i >= d.argCount) return;
  const v = arg(d, i);
  if (!v.startsWith("$")) s.error(d, i, "invalid-name", `invalid variable name "${v}"`);
  else if (v.length === 1) s.error(d, i, "invalid-name", 'invalid variable name "$"');
  else s.define(d, i, v.slice(1));
}

function captures(s: Sink, d: Directive, i: number, pattern: string): void {
  for (const name of namedCaptures(pattern)) s.define(d, i, name);
}

/** Statement `d` as nginx reads it in `mode`. */
function read(d: Directive, mode: Mode, s: Sink): void {
  if (mode === Mode.Map) {
    // `key value;`: regex keys add their named captures, values are complex values.
    const key = d.name;
    if (key.startsWith("~")) captures(s, d, -1, key.replace(/^~\*?/, ""));
    if (d.argCount >= 1 && key !== "include") scan(s, d, 0);
    return;
  }
  if (mode === Mode.Geoip2) {
    if (d.name.length > 1 && d.name.startsWith("$")) s.define(d, -1, d.name.slice(1));
    return;
  }
  const name = d.name;
  const argc = d.argCount;
  switch (name) {
    case "set":
      defineDollar(s, d, 0);
      if (argc >= 2) scan(s, d, 1);
      return;
    case "map":
    case "split_clients":
      if (argc >= 1) scan(s, d, 0);
      defineDollar(s, d, 1);
      return;
    case "geo":
      if (argc === 1) defineDollar(s, d, 0);
      else if (argc >= 2) {
        scan(s, d, 0);
        defineDollar(s, d, 1);
      }
      return;
    case "perl_set":
    case "js_set":
    case "lua_add_variable":
      defineDollar(s, d, 0);
      return;
    case "js_var":
    case "auth_request_set":
      defineDollar(s, d, 0);
      if (argc >= 2) scan(s, d, 1);
      return;
    case "set_by_lua":
    case "set_by_lua_file":
      defineDollar(s, d, 0);
      for (let i = 2; i < argc; i++) scan(s, d, i);
      return;
    case "set_by_lua_block":
      defineDollar(s, d, 0);
      return;
    case "memcached_pass":
      // ngx_http_memcached_pass asks for $memcached_key, which only `set` defines.
      s.use(d, -1, "memcached_key");
      return;
    case "rewrite":
      if (argc >= 1) captures(s, d, 0, arg(d, 0));
      if (argc >= 2) scan(s, d, 1);
      return;
    case "location": {
      const a0 = arg(d, 0);
      if (argc >= 2 && (a0 === "~" || a0 === "~*")) captures(s, d, 1, arg(d, 1));
      else if (a0.startsWith("~")) captures(s, d, 0, a0.replace(/^~\*?/, ""));
      return;
    }
    case "server_name":
      for (let i = 0; i < argc; i++) {
        const v = arg(d, i);
        if (v.startsWith("~")) captures(s, d, i, v.slice(1));
      }
      return;
    case "proxy_redirect":
    case "proxy_cookie_domain":
    case "proxy_cookie_path":
      if (argc >= 1) {
        const v = arg(d, 0);
        if (v.startsWith("~")) captures(s, d, 0, v.replace(/^~\*?/, ""));
        else if (v !== "default" && v !== "off") scan(s, d, 0);
      }
      if (argc >= 2) scan(s, d, 1);
      return;
    case "if":
      ifCondition(s, d);
      return;
    case "log_format":
      for (let i = 1; i < argc; i++) if (!(i === 1 && arg(d, 1).startsWith("escape="))) scan(s, d, i, true);
      return;
    case "access_log":
      if (argc >= 1 && arg(d, 0) !== "off" && !arg(d, 0).startsWith("syslog:")) scan(s, d, 0);
      for (let i = 2; i < argc; i++) if (arg(d, i).startsWith("if=")) scan(s, d, i);
      return;
    case "charset":
    case "source_charset": {
      // ngx_http_set_charset_slot: `$` and the whole rest of the word is the name.
      const v = arg(d, 0);
      if (s.family !== "http" || !v.startsWith("$")) return;
      if (v.length === 1) s.error(d, 0, "invalid-name", 'invalid variable name "$"');
      else s.use(d, 0, v.slice(1));
      return;
    }
    default:
      break;
  }
  if (argc === 0) return;
  const pick = pickFor(name, s.family);
  if (pick === "define") {
    // set-misc (NDK set_var): `set_xxx $dst [src…]` defines $dst; a module the table does not know
    // (mruby_set $x …): a `$name` argument may define the name.
    if (lookupDirective(name).length > 0) {
      defineDollar(s, d, 0);
      for (let i = 1; i < argc; i++) scan(s, d, i);
    } else {
      for (let i = 0; i < argc; i++) {
        const v = arg(d, i);
        if (/^\$\w+$/.test(v)) s.define(d, i, v.slice(1), true);
      }
    }
    return;
  }
  if (pick === null) return;
  if (pick === "all") for (let i = 0; i < argc; i++) scan(s, d, i);
  else if (pick === "last") scan(s, d, argc - 1);
  else for (let i = pick.from; i <= Math.min(pick.to ?? argc - 1, argc - 1); i++) scan(s, d, i);
}

/**
 * `if (…)` as ngx_http_rewrite_if_condition reads it: `$var` alone (the whole word is the name), `$var = x`
 * / `!= x` (x compiled), `$var ~ regex` (its named captures defined), `-f x` and the like (x compiled).
 */
function ifCondition(s: Sink, d: Directive): void {
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
    s.use(d, first.i, first.text.slice(1));
    if (words.length !== 3) return;
    const op = words[1].text;
    const last = words[2];
    // The parenthesis cut off holds no `$` and ends no name: the whole argument reads the same.
    if (op === "=" || op === "!=") scan(s, d, last.i);
    else if (op === "~" || op === "~*" || op === "!~" || op === "!~*") captures(s, d, last.i, last.text);
    return;
  }
  if (/^!?-[fdex]$/.test(first.text) && words.length === 2) scan(s, d, words[1].i);
}

// ---------------------------------------------------------------------------------------------------------
// The rule as a statement check (statement-checks.ts): what a statement gets wrong on its own is found when it
// is read (and kept while its block is unchanged); `unknown "x" variable` needs every definition of the
// http {} or stream {} block, so statements give facts — the names they define and the names they use that
// the modules of this version do not have (most statements give none) — and `resolve` judges them.

/** The kinds of the rule's facts (a number: `resolve` and `compact` read one field of every fact). */
const enum K {
  Top,
  Def,
  Use,
  Unread,
  Later,
  Block,
}

/** A fact of the rule (CollectedFact.value). */
type Fact =
  /** An http {} or stream {} block of a main configuration starts: the facts after it are its own. */
  | { k: K.Top; family: Family }
  /** A name the statement defines (lowercase), that the modules do not. */
  | { k: K.Def; name: string }
  /** A name the statement uses (lowercase) that the modules do not define; `word` as in CheckSeed. */
  | { k: K.Use; name: string; word: number }
  /** An `include` whose files could not all be read: the names may be defined there. */
  | { k: K.Unread }
  /** A statement read only if the snippet's implied context is http/stream (see `where`). */
  | { k: K.Later; mode: Mode }
  | BlockFacts;

/**
 * The `def` and `use` facts of a kept block in one (`compact`): the names its own facts define, the compacted
 * facts of the kept blocks in it by reference (compacting a block again after a keystroke in it costs one
 * step per block inside, not one per name), and the first use of each name (uses are rare).
 */
interface BlockFacts {
  k: K.Block;
  defs: ReadonlySet<string>;
  parts: readonly BlockFacts[];
  uses: readonly Use[];
}

/** Whether the block's facts define `name` (a depth-first search: asked only for names used and not defined). */
function blockDefines(b: BlockFacts, name: string): boolean {
  if (b.defs.has(name)) return true;
  for (const p of b.parts) if (blockDefines(p, name)) return true;
  return false;
}

/** Every name the block's facts define, into `into`. */
function addBlockDefs(b: BlockFacts, into: Set<string>): void {
  for (const n of b.defs) into.add(n);
  for (const p of b.parts) addBlockDefs(p, into);
}

/** Up to this many used names not defined outside blocks are searched for; more read every block's names once. */
const SEARCHED_NAMES = 4;

/** A first use inside a compacted block (its file is the block's: a kept block has no include). */
interface Use {
  name: string;
  d: Directive;
  word: number;
}

const seed = (d: Directive, word: number, code: string, message: string): CheckSeed => ({
  ruleId: RULE_ID,
  code,
  severity: "error",
  message,
  d,
  word,
});

/** The sink of a statement's own findings and its facts (`facts` null: not in a main configuration's block). */
class StatementSink implements Sink {
  family: Family = "http";
  known: Builtins = builtins("http", null);
  out: CheckSeed[] = [];
  facts: Fact[] | null = null;
  /** Where a finding goes: the file of the fact it comes from (resolve), else the statement's own. */
  path: string | undefined = undefined;
  error(d: Directive, word: number, code: string, message: string): void {
    const s = seed(d, word, code, message);
    if (this.path !== undefined) s.path = this.path;
    this.out.push(s);
  }
  use(_d: Directive, word: number, name: string): void {
    if (this.facts === null) return;
    const lc = name.toLowerCase();
    if (!isKnown(this.known, lc)) this.facts.push({ k: K.Use, name: lc, word });
  }
  define(d: Directive, word: number, name: string, plain = false): void {
    const lc = name.toLowerCase();
    if (!plain && this.known.exact.get(lc) === false) {
      this.error(d, word, "duplicate", `the duplicate "${name}" variable`);
      return;
    }
    if (this.facts !== null && !isKnown(this.known, lc)) this.facts.push({ k: K.Def, name: lc });
  }
}

const sink = new StatementSink();
/** The facts `statement` found for `pendingOf` (one array, reused), handed out by `collect` right after it. */
const pending: Fact[] = [];
let pendingOf: Directive | null = null;

/** builtins() of the last family and version asked (every statement asks; the key string cost). */
let lastKnown: { family: Family; version: string | null; known: Builtins } | null = null;
function knownFor(family: Family, version: string | null): Builtins {
  if (lastKnown === null || lastKnown.family !== family || lastKnown.version !== version)
    lastKnown = { family, version, known: builtins(family, version) };
  return lastKnown.known;
}

/** Reads `d` where `w` says: its own findings into `out`, its facts into `facts`. */
function readStatement(d: Directive, w: Where, options: RuleOptions, out: CheckSeed[], facts: Fact[]): void {
  if (w.later) {
    facts.push({ k: K.Later, mode: w.mode });
    return;
  }
  sink.family = w.family;
  sink.known = knownFor(w.family, options.nginxVersion ?? null);
  sink.out = out;
  sink.facts = w.main ? facts : null;
  sink.path = undefined;
  read(d, w.mode, sink);
}

export const variableCheck: StatementCheck = {
  ruleId: RULE_ID,
  statement(d, context, parents, options, out) {
    const w = where(context, parents);
    pendingOf = d;
    if (pending.length > 0) pending.length = 0;
    if (w !== null) readStatement(d, w, options, out, pending);
  },
  collect(d, context, parents, options, facts) {
    if (parents.length === 0 && context === "main" && (d.name === "http" || d.name === "stream")) {
      facts.push({ k: K.Top, family: d.name } satisfies Fact);
      return;
    }
    if (pendingOf === d) {
      for (const f of pending) facts.push(f);
    } else {
      const w = where(context, parents);
      if (w !== null) readStatement(d, w, options, [], facts as Fact[]);
    }
    pendingOf = null;
    if (pending.length > 0) pending.length = 0;
  },
  include(_d, context, parents, complete, _options, facts) {
    if (complete) return;
    const w = where(context, parents);
    if (w !== null && w.main && w.mode === Mode.Statement) facts.push({ k: K.Unread } satisfies Fact);
  },
  compact(facts) {
    const out: BlockFact[] = [];
    let defs = new Set<string>();
    let parts: BlockFacts[] = [];
    let uses = new Map<string, Use>();
    let first: BlockFact | null = null;
    let count = 0;
    const flush = (): void => {
      if (first === null) return;
      if (count === 1 && parts.length === 1) out.push(first);
      else {
        const value: BlockFacts = { k: K.Block, defs, parts, uses: [...uses.values()] };
        out.push({ value, d: first.d, outermost: first.outermost });
      }
      count = 0;
      defs = new Set();
      parts = [];
      uses = new Map();
      first = null;
    };
    for (const f of facts) {
      const v = f.value as Fact;
      if (v.k === K.Def) defs.add(v.name);
      else if (v.k === K.Use) {
        if (!uses.has(v.name)) uses.set(v.name, { name: v.name, d: f.d, word: v.word });
      } else if (v.k === K.Block) {
        parts.push(v);
        for (const u of v.uses) if (!uses.has(u.name)) uses.set(u.name, u);
      } else {
        // A block starts, or a fact of another kind: the facts before and after it stay apart.
        flush();
        out.push(f);
        continue;
      }
      first ??= f;
      count++;
    }
    flush();
    return out;
  },
  resolve(facts, options, out) {
    const version = options.nginxVersion ?? null;
    interface State {
      family: Family;
      defined: Set<string>;
      blocks: BlockFacts[];
      /** Lowercase name → its first use. */
      used: Map<string, { d: Directive; word: number; path: string }>;
      unsure: boolean;
    }
    const states: State[] = [];
    // Facts before the first http/stream block are a snippet's: no name is called unknown there.
    let st: State | null = null;
    for (const f of facts) {
      const v = f.value as Fact;
      if (v.k === K.Top) {
        states.push((st = { family: v.family, defined: new Set(), blocks: [], used: new Map(), unsure: false }));
      } else if (v.k === K.Later) {
        const family = f.outermost;
        if (family !== "http" && family !== "stream") continue;
        sink.family = family;
        sink.known = knownFor(family, version);
        sink.out = out;
        sink.facts = null;
        sink.path = f.path;
        read(f.d, v.mode, sink);
        sink.path = undefined;
      } else if (st === null) continue;
      else if (v.k === K.Def) st.defined.add(v.name);
      else if (v.k === K.Use) {
        if (!st.used.has(v.name)) st.used.set(v.name, { d: f.d, word: v.word, path: f.path });
      } else if (v.k === K.Block) {
        st.blocks.push(v);
        for (const u of v.uses) if (!st.used.has(u.name)) st.used.set(u.name, { d: u.d, word: u.word, path: f.path });
      } else st.unsure = true;
    }
    for (const s of states) {
      if (s.unsure) continue;
      // Each name searched in the compacted blocks, or, past a few names, every block's names in one set.
      let left = 0;
      for (const lc of s.used.keys()) if (!s.defined.has(lc)) left++;
      if (left > SEARCHED_NAMES) for (const b of s.blocks) addBlockDefs(b, s.defined);
      const defined = (lc: string): boolean =>
        s.defined.has(lc) || (left <= SEARCHED_NAMES && s.blocks.some((b) => blockDefines(b, lc)));
      for (const [lc, f] of s.used) {
        if (defined(lc)) continue;
        // A name of another nginx version: say which (the message stays nginx's).
        const row = table()[s.family].find((r) => (r.prefix ? lc.startsWith(r.name) : r.name === lc));
        const other = row ? { since: row.since ?? null, removed: row.removed ?? null } : {};
        const u = seed(f.d, f.word, "unknown", `unknown "${lc}" variable`);
        u.path = f.path;
        u.data = { name: lc, family: s.family, ...other };
        out.push(u);
      }
    }
  },
};

/** The rule's findings alone (tests): the statement walk of rule `directive` with only its seeds kept. */
export function variableFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  // Required here: directive-checks.ts reads this module's check through statement-checkers.ts.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { directiveFindings } = require("./directive-checks") as typeof import("./directive-checks");
  return directiveFindings(model.config, options).filter((f) => f.ruleId === RULE_ID);
}
