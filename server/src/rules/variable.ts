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

import { enclosing, type ConfigContext, type ConfigModel, type DirectiveSite } from "../model";
import type { Directive, Range } from "../parse/ast";
import { lookupDirective } from "../parse/directives";
import { compareVersions } from "../cost/versions";
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

const pickCache = new Map<string, ArgPick | null>();
function pickFor(name: string, family: Family): ArgPick | null {
  const key = `${family}\0${name}`;
  const cached = pickCache.get(key);
  if (cached !== undefined) return cached;
  let pick: ArgPick | null = COMPILED[name] ?? null;
  if (pick === null) {
    for (const v of lookupDirective(name)) {
      if (v.type === family && v.handler !== undefined && COMPLEX_SETTER.test(v.handler)) pick = ALL;
    }
  }
  pickCache.set(key, pick);
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

interface Use {
  site: DirectiveSite;
  range: Range;
}

interface BlockState {
  family: Family;
  /** Lowercase names the configuration defines. */
  defined: Set<string>;
  /** Lowercase name → first use (reading order). */
  used: Map<string, Use & { name: string }>;
}

export function variableFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const version = options.nginxVersion ?? null;
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const states = new Map<ConfigContext, BlockState>();

  const report = (site: DirectiveSite, range: Range, code: string, message: string, data?: object): void => {
    const key = `${site.file.path}\0${range.start.offset}\0${code}\0${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({
      ruleId: RULE_ID,
      code,
      severity: "error",
      path: site.file.path,
      range,
      message,
      ...(data ? { data: data as Record<string, unknown> } : {}),
    });
  };

  for (const ctx of model.contexts) {
    const top = enclosing(ctx, "http", "stream");
    if (top === null) continue;
    let state = states.get(top);
    if (!state) {
      state = { family: top.kind === "stream" ? "stream" : "http", defined: new Set(), used: new Map() };
      states.set(top, state);
    }
    const st = state;
    const family = st.family;
    const known = builtins(family, version);

    const use = (site: DirectiveSite, range: Range, names: readonly string[]): void => {
      for (const name of names) {
        const lc = name.toLowerCase();
        if (!st.used.has(lc)) st.used.set(lc, { site, range, name });
      }
    };
    const scan = (site: DirectiveSite, i: number, log = false): void => {
      const d = site.directive;
      const text = arg(d, i);
      if (!text.includes("$")) return;
      const r = log ? logFormatNames(text) : scriptNames(text);
      const range = d.args[i].range;
      if (r.error !== undefined) report(site, range, "syntax", r.error);
      use(site, range, r.names);
    };
    const define = (site: DirectiveSite, range: Range, name: string): void => {
      const lc = name.toLowerCase();
      const changeable = known.exact.get(lc);
      if (changeable === false) {
        report(site, range, "duplicate", `the duplicate "${name}" variable`);
        return;
      }
      st.defined.add(lc);
    };
    const defineDollar = (site: DirectiveSite, i: number): void => {
      const d = site.directive;
      if (i >= d.argCount) return;
      const v = arg(d, i);
      const range = d.args[i].range;
      if (!v.startsWith("$")) {
        report(site, range, "invalid-name", `invalid variable name "${v}"`);
        return;
      }
      if (v.length === 1) {
        report(site, range, "invalid-name", 'invalid variable name "$"');
        return;
      }
      define(site, range, v.slice(1));
    };
    const captures = (site: DirectiveSite, i: number, pattern: string): void => {
      for (const name of namedCaptures(pattern)) define(site, site.directive.args[i].range, name);
    };

    if (ctx.kind === "map") {
      // The body: `key value;` — regex keys add their named captures, values are complex values.
      for (const site of ctx.directives) {
        const d = site.directive;
        const key = d.name;
        if (key.startsWith("~")) {
          for (const name of namedCaptures(key.replace(/^~\*?/, ""))) define(site, d.nameWord.range, name);
        }
        if (d.argCount >= 1 && key !== "include") scan(site, 0);
      }
      continue;
    }
    if (ctx.kind === "block" && ctx.directive?.name === "geoip2") {
      for (const site of ctx.directives)
        if (site.directive.name.startsWith("$") && site.directive.name.length > 1)
          define(site, site.directive.nameWord.range, site.directive.name.slice(1));
      continue;
    }
    if (ctx.kind === "geo" || ctx.kind === "split_clients" || ctx.kind === "types" || ctx.kind === "block") continue;

    for (const site of ctx.directives) {
      const d = site.directive;
      const name = d.name;
      const argc = d.argCount;
      switch (name) {
        case "set":
          defineDollar(site, 0);
          if (argc >= 2) scan(site, 1);
          continue;
        case "map":
          if (argc >= 1) scan(site, 0);
          defineDollar(site, 1);
          continue;
        case "geo":
          if (argc === 1) defineDollar(site, 0);
          else if (argc >= 2) {
            scan(site, 0);
            defineDollar(site, 1);
          }
          continue;
        case "split_clients":
          if (argc >= 1) scan(site, 0);
          defineDollar(site, 1);
          continue;
        case "perl_set":
        case "js_set":
        case "lua_add_variable":
          defineDollar(site, 0);
          continue;
        case "js_var":
          defineDollar(site, 0);
          if (argc >= 2) scan(site, 1);
          continue;
        case "auth_request_set":
          defineDollar(site, 0);
          if (argc >= 2) scan(site, 1);
          continue;
        case "set_by_lua":
        case "set_by_lua_file":
        case "set_by_lua_block":
          defineDollar(site, 0);
          for (let i = name === "set_by_lua_block" ? argc : 2; i < argc; i++) scan(site, i);
          continue;
        case "memcached_pass":
          // ngx_http_memcached_pass asks for $memcached_key, which only `set` defines.
          if (!st.used.has("memcached_key"))
            st.used.set("memcached_key", { site, range: d.nameWord.range, name: "memcached_key" });
          continue;
        case "rewrite":
          if (argc >= 1) captures(site, 0, arg(d, 0));
          if (argc >= 2) scan(site, 1);
          continue;
        case "location":
          if (argc >= 2 && (arg(d, 0) === "~" || arg(d, 0) === "~*")) captures(site, 1, arg(d, 1));
          else if (argc >= 1 && arg(d, 0).startsWith("~")) captures(site, 0, arg(d, 0).replace(/^~\*?/, ""));
          continue;
        case "server_name":
          for (let i = 0; i < argc; i++) {
            const v = arg(d, i);
            if (v.startsWith("~")) captures(site, i, v.slice(1));
          }
          continue;
        case "proxy_redirect":
        case "proxy_cookie_domain":
        case "proxy_cookie_path":
          if (argc >= 1) {
            const v = arg(d, 0);
            if (v.startsWith("~")) captures(site, 0, v.replace(/^~\*?/, ""));
            else if (v !== "default" && v !== "off") scan(site, 0);
          }
          if (argc >= 2) scan(site, 1);
          continue;
        case "if":
          ifCondition(site, scan, use, captures);
          continue;
        case "log_format":
          for (let i = 1; i < argc; i++) if (!(i === 1 && arg(d, 1).startsWith("escape="))) scan(site, i, true);
          continue;
        case "access_log":
          if (argc >= 1 && arg(d, 0) !== "off" && !arg(d, 0).startsWith("syslog:")) scan(site, 0);
          for (let i = 2; i < argc; i++) if (arg(d, i).startsWith("if=")) scan(site, i);
          continue;
        default:
          break;
      }
      if (name.startsWith("set_") && lookupDirective(name).some((v) => v.repo === "openresty/set-misc-nginx-module")) {
        // set-misc (NDK set_var): `set_xxx $dst [src…]` defines $dst.
        defineDollar(site, 0);
        for (let i = 1; i < argc; i++) scan(site, i);
        continue;
      }
      const pick = pickFor(name, family);
      if (pick === null || argc === 0) continue;
      if (pick === "all") for (let i = 0; i < argc; i++) scan(site, i);
      else if (pick === "last") scan(site, argc - 1);
      else for (let i = pick.from; i <= Math.min(pick.to ?? argc - 1, argc - 1); i++) scan(site, i);
    }
  }

  for (const st of states.values()) {
    const known = builtins(st.family, version);
    for (const [lc, u] of st.used) {
      if (known.exact.has(lc) || st.defined.has(lc)) continue;
      if (known.prefixes.some((p) => lc.startsWith(p))) continue;
      report(u.site, u.range, "unknown", `unknown "${lc}" variable`, { name: lc, family: st.family });
    }
  }
  return findings;
}

/**
 * `if (…)` as ngx_http_rewrite_if_condition reads it: `$var` alone (the whole word is the name), `$var = x`
 * / `!= x` (x compiled), `$var ~ regex` (its named captures defined), `-f x` and the like (x compiled).
 */
function ifCondition(
  site: DirectiveSite,
  scan: (site: DirectiveSite, i: number) => void,
  use: (site: DirectiveSite, range: Range, names: readonly string[]) => void,
  captures: (site: DirectiveSite, i: number, pattern: string) => void,
): void {
  const d: Directive = site.directive;
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
    use(site, d.args[first.i].range, [first.text.slice(1)]);
    if (words.length !== 3) return;
    const op = words[1].text;
    const last = words[2];
    // The parenthesis cut off holds no `$` and ends no name: the whole argument reads the same.
    if (op === "=" || op === "!=") scan(site, last.i);
    else if (op === "~" || op === "~*" || op === "!~" || op === "!~*") captures(site, last.i, last.text);
    return;
  }
  if (/^!?-[fdex]$/.test(first.text) && words.length === 2) scan(site, words[1].i);
}
