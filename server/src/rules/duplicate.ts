// Rule `duplicate`: what `nginx -t` refuses (or warns about) because something is written twice.
//
// - `"NAME" directive is duplicate`: a handler that stores one value per configuration structure refuses a
//   second value in the same structure (ngx_conf_set_flag_slot and the other standard setters of
//   src/core/ngx_conf_file.c, ngx_http_set_complex_value_slot in src/http/ngx_http_script.c, and the modules'
//   own handlers that test their field first: ngx_http_proxy_pass, ngx_http_try_files, …). nginx makes one
//   structure per block (http, server, location, `if`, `limit_except`, upstream, events, main, stream, mail), so
//   the same name twice in one block is refused, while a value in an inner block overrides an outer one.
//   Directives read through `include` belong to the block the include is in (the walk expands them in place).
// - root/alias share one field (ngx_http_core_root): the second of either is refused, with its own wording
//   when they differ.
// - `duplicate location "X"` (ngx_http_join_exact_locations, src/http/ngx_http.c): two `=` locations, or two
//   prefix ones (plain or `^~`), with the same path at one level.
// - `duplicate upstream "X"` (ngx_http_upstream_add): two `upstream` blocks with one name.
// - `listen` between servers on one address (ngx_http_add_addresses / ngx_http_add_server): `a duplicate
//   listen`, `duplicate listen options for`, `a duplicate default server for`.
// - `conflicting server name "X" on ADDR, ignored` ([warn], ngx_http_server_names): two servers on one address
//   with one name.
// - `map`: `conflicting parameter "X"` (the same key twice, ngx_http_map) and `duplicate default map parameter`.
// - `types` (`duplicate extension`, [warn]), `geo` (`duplicate network`, [warn]), `split_clients` over 100%.

import type { Directive } from "../parse/ast";
import {
  lookupDirective,
  variantAllowedIn,
  variantPresentIn,
  type ContextKind,
  type DirectiveContext,
} from "../parse/directives";
import {
  BLOCK_END,
  type BlockStatement,
  type CheckSeed,
  type CollectedFact,
  type StatementCheck,
} from "./statement-checks";

/** Setters that refuse a second value in one structure, whatever the values (see the file comment). */
const ONCE_HANDLERS = new Set([
  // src/core/ngx_conf_file.c, src/core/ngx_file.c
  "ngx_conf_set_flag_slot",
  "ngx_conf_set_str_slot",
  "ngx_conf_set_num_slot",
  "ngx_conf_set_size_slot",
  "ngx_conf_set_off_slot",
  "ngx_conf_set_msec_slot",
  "ngx_conf_set_sec_slot",
  "ngx_conf_set_bufs_slot",
  "ngx_conf_set_enum_slot",
  "ngx_conf_set_path_slot",
  "ngx_conf_set_access_slot",
  // src/http/ngx_http_script.c, src/stream/ngx_stream_script.c
  "ngx_http_set_complex_value_slot",
  "ngx_http_set_complex_value_zero_slot",
  "ngx_http_set_complex_value_size_slot",
  "ngx_stream_set_complex_value_slot",
  "ngx_stream_set_complex_value_zero_slot",
  "ngx_stream_set_complex_value_size_slot",
  // Handlers of their own that test their field before setting it.
  "ngx_events_block",
  "ngx_event_connections",
  "ngx_event_use",
  "ngx_openssl_engine",
  "ngx_http_block",
  "ngx_stream_block",
  "ngx_mail_block",
  "ngx_set_user",
  "ngx_set_worker_processes",
  "ngx_set_cpu_affinity",
  "ngx_http_memcached_pass",
  "ngx_http_headers_expires",
  "ngx_http_ssl_password_file",
  "ngx_http_ssl_ocsp_cache",
  "ngx_http_auth_request",
  "ngx_http_proxy_pass",
  "ngx_http_proxy_store",
  "ngx_http_proxy_cache",
  "ngx_http_proxy_cache_key",
  "ngx_http_proxy_ssl_password_file",
  "ngx_http_userid_expires",
  "ngx_http_userid_mark",
  "ngx_http_xslt_entities",
  "ngx_http_scgi_pass",
  "ngx_http_scgi_store",
  "ngx_http_scgi_cache",
  "ngx_http_scgi_cache_key",
  "ngx_http_set_charset_slot",
  "ngx_http_grpc_pass",
  "ngx_http_grpc_ssl_password_file",
  "ngx_http_try_files",
  "ngx_http_upstream_keepalive",
  "ngx_http_realip",
  "ngx_http_log_open_file_cache",
  "ngx_http_fastcgi_pass",
  "ngx_http_fastcgi_store",
  "ngx_http_fastcgi_cache",
  "ngx_http_fastcgi_cache_key",
  "ngx_http_auth_basic_user_file",
  "ngx_http_geoip_country",
  "ngx_http_geoip_org",
  "ngx_http_geoip_city",
  "ngx_http_uwsgi_pass",
  "ngx_http_uwsgi_store",
  "ngx_http_uwsgi_cache",
  "ngx_http_uwsgi_cache_key",
  "ngx_http_uwsgi_ssl_password_file",
  "ngx_http_core_limit_except",
  "ngx_http_core_set_aio",
  "ngx_http_core_directio",
  "ngx_http_core_open_file_cache",
  "ngx_http_core_keepalive",
  "ngx_http_core_internal",
  "ngx_http_core_resolver",
  "ngx_http_disable_symlinks",
  "ngx_http_upstream_bind_set_slot",
  "ngx_mail_core_resolver",
  "ngx_mail_ssl_password_file",
  "ngx_stream_core_resolver",
  "ngx_stream_geoip_country",
  "ngx_stream_geoip_org",
  "ngx_stream_geoip_city",
  "ngx_stream_log_open_file_cache",
  "ngx_stream_proxy_bind",
  "ngx_stream_proxy_pass",
  "ngx_stream_proxy_ssl_password_file",
  "ngx_stream_return",
  "ngx_stream_ssl_alpn",
  "ngx_stream_ssl_password_file",
]);

/** `X_store` and `X_cache`: the second of the two that is not `off` is refused. */
const STORE_CACHE: Record<string, string> = {};
for (const m of ["proxy", "fastcgi", "uwsgi", "scgi"]) {
  STORE_CACHE[`${m}_store`] = `${m}_cache`;
  STORE_CACHE[`${m}_cache`] = `${m}_store`;
}

/**
 * lua-nginx-module's phase handlers (src/ngx_http_lua_directive.c and the ssl_*by.c, balancer.c files): the
 * `_block` form calls the plain one, and `X_by_lua`, `X_by_lua_file` and `X_by_lua_block` set one handler
 * field, so any two of a family in one block are refused (`"content_by_lua_file" directive is duplicate`).
 */
const LUA_ONCE = new Set(
  [
    "rewrite",
    "server_rewrite",
    "access",
    "content",
    "log",
    "header_filter",
    "body_filter",
    "init",
    "init_worker",
    "exit_worker",
    "ssl_cert",
    "ssl_sess_fetch",
    "ssl_sess_store",
    "ssl_client_hello",
    "balancer",
  ].map((p) => `ngx_http_lua_${p}_by_lua`),
);
for (const h of ["ngx_http_lua_package_cpath", "ngx_http_lua_package_path", "ngx_http_lua_capture_error_log"])
  ONCE_HANDLERS.add(h);

/** Handlers that refuse `off` after a value, and a value after `off` (ngx_http_proxy_redirect, …, ngx_http_mirror). */
const OFF_EXCLUSIVE_HANDLERS = new Set([
  "ngx_http_proxy_redirect",
  "ngx_http_proxy_cookie_domain",
  "ngx_http_proxy_cookie_path",
  "ngx_http_proxy_cookie_flags",
  "ngx_http_mirror",
]);

/** Handlers that refuse the same zone twice in one block (ngx_http_limit_req, ngx_http_limit_conn). */
const ZONE_HANDLERS = new Set(["ngx_http_limit_req", "ngx_http_limit_conn", "ngx_stream_limit_conn"]);

/** The handler nginx calls for `name` in `context` (the first registration it accepts there), or null. */
function handlerIn(name: string, context: DirectiveContext, version: string | undefined): string | null {
  let other: string | null = null;
  for (const v of lookupDirective(name)) {
    if (!variantAllowedIn(v, context)) continue;
    if (version !== undefined && variantPresentIn(v, version) === false) {
      // Distributions backport directives (Debian's 1.22.1 knows max_headers): a binary that accepts the
      // name stores it the way the table says.
      other ??= v.handler ?? null;
      continue;
    }
    return v.handler ?? null;
  }
  return other;
}

/** How a directive's handler judges a second value in one block (null: it does not). */
interface Judge {
  kind: "once" | "root" | "priority" | "off" | "zone" | "lua";
  /** What two statements must share to clash: the name, or a shared field's family. */
  key: string;
  /** A lua-nginx-module `_block` form. */
  luaBlock: boolean;
}

function judgeOf(name: string, context: DirectiveContext, version: string | undefined): Judge | null {
  const handler = handlerIn(name, context, version);
  if (handler === null) return null;
  const lua = handler.startsWith("ngx_http_lua_") ? handler.replace(/_block$/, "") : "";
  if (lua !== "" && LUA_ONCE.has(lua)) return { kind: "lua", key: lua, luaBlock: handler.endsWith("_block") };
  if (handler === "ngx_set_priority") return { kind: "priority", key: name, luaBlock: false };
  if (ONCE_HANDLERS.has(handler)) return { kind: "once", key: name, luaBlock: false };
  if (handler === "ngx_http_core_root") return { kind: "root", key: "\0root", luaBlock: false };
  if (OFF_EXCLUSIVE_HANDLERS.has(handler)) return { kind: "off", key: name, luaBlock: false };
  if (ZONE_HANDLERS.has(handler)) return { kind: "zone", key: name, luaBlock: false };
  return null;
}

/**
 * The judges by version, context and name: a statement costs two map lookups, no string built (the rule
 * runs on every keystroke of a 35,000-line file).
 */
const judges = new Map<string, Map<DirectiveContext, Map<string, Judge | null>>>();

function judgesFor(version: string | undefined): (name: string, context: DirectiveContext) => Judge | null {
  let byContext = judges.get(version ?? "");
  if (byContext === undefined) {
    if (judges.size > 8) judges.clear();
    judges.set(version ?? "", (byContext = new Map()));
  }
  const table = byContext;
  return (name, context) => {
    let byName = table.get(context);
    if (byName === undefined) table.set(context, (byName = new Map()));
    let j = byName.get(name);
    if (j === undefined) byName.set(name, (j = judgeOf(name, context, version)));
    return j;
  };
}

/** A finding of this rule before it is placed (statement-checks.ts). */
function seed(
  st: BlockStatement | { d: Directive; path?: string },
  first: BlockStatement | { d: Directive; path?: string } | null,
  code: string,
  message: string,
  word = -1,
  severity: CheckSeed["severity"] = "error",
): CheckSeed {
  const s: CheckSeed = { ruleId: "duplicate", code, severity, message, d: st.d, word };
  if (st.path !== undefined) s.path = st.path;
  if (first) s.related = [{ d: first.d, path: first.path ?? null, message: "first written here" }];
  return s;
}

/**
 * The blocks whose body nginx reads with a handler of its own (`map`, `geo`, `split_clients`, `types`) in a
 * block that gives them that meaning (http or stream; `types` in http, server or location), as the statement
 * check saw them: the block check of the same walk reads it (no other block is consulted).
 */
const customBlocks = new WeakMap<Directive, string>();
/**
 * The statements of each `types` block as its block check last saw them (included files expanded): the
 * extensions of all the `types` blocks of one block fill one list, read by that block's check.
 */
const typesStatements = new WeakMap<Directive, readonly BlockStatement[]>();

function customKind(name: string, context: ContextKind): string | null {
  switch (name) {
    case "map":
    case "geo":
    case "split_clients":
      return context === "http" || context === "stream" ? name : null;
    case "types":
      return context === "http" || context === "server" || context === "location" ? name : null;
    default:
      return null;
  }
}

/**
 * What this rule judges apart from the rest of the configuration — a block's own statements (`is duplicate`,
 * `duplicate location`, map keys, geo networks, split_clients, types) — as a statement check; what needs
 * several blocks (upstream names in http, `listen` and `server_name` between the servers of one http block)
 * from a few collected facts: the `http`, `server` and `upstream` heads and each server's `listen` and
 * `server_name`.
 */
export const duplicateCheck: StatementCheck = {
  ruleId: "duplicate",
  statement(d, context) {
    // Only these four names are looked up: a WeakMap gives every key it is asked about an identity hash.
    if (!d.block || (d.name !== "map" && d.name !== "geo" && d.name !== "split_clients" && d.name !== "types")) return;
    const kind = customKind(d.name, context);
    if (kind !== null) customBlocks.set(d, kind);
    else customBlocks.delete(d);
  },
  block(d, body, statements, _parents, options, out) {
    if (body !== "custom" && body !== "lua" && body !== "unknown")
      blockDuplicates(statements, body, judgesFor(options.nginxVersion), out);
    if (body === "server" || body === "location") locations(statements, out);
    if (body === "http" || body === "server" || body === "location") typesExtensions(statements, out);
    if (body === "http" || body === "stream") logFormats(statements, body === "http", out);
    if (d === null || body !== "custom") return;
    if (d.name !== "map" && d.name !== "geo" && d.name !== "split_clients" && d.name !== "types") return;
    switch (customBlocks.get(d)) {
      case "map":
        mapKeys(statements, out);
        return;
      case "geo":
        geoNetworks(statements, out);
        return;
      case "split_clients":
        splitClients(d, statements, out);
        return;
      case "types":
        typesStatements.set(d, statements.slice());
    }
  },
  collect(d, context, _parents, _options, facts) {
    switch (context) {
      case "main":
        if (d.name === "http" && d.block) facts.push(HTTP);
        return;
      case "http":
        if (d.name === "server" && d.block) facts.push(SERVER);
        else if (d.name === "upstream" && d.block) facts.push(UPSTREAM);
        return;
      case "server":
        if (d.name === "listen") facts.push(LISTEN);
        else if (d.name === "server_name") facts.push(SERVER_NAME);
    }
  },
  resolve(facts, _options, out) {
    resolveFacts(facts, out);
  },
};

// The facts collected: an `http` block starts, a `server` of http starts, an `upstream` of http, a server's
// `listen` or `server_name` (the statement is the fact's `d`).
const HTTP = "http";
const SERVER = "server";
const UPSTREAM = "upstream";
const LISTEN = "listen";
const SERVER_NAME = "server_name";

/** A server of an http block: its `listen` and `server_name` statements, in reading order. */
interface ServerFacts {
  listens: CollectedFact[];
  names: CollectedFact[];
}

function resolveFacts(facts: readonly CollectedFact[], out: CheckSeed[]): void {
  const upstreams = new Map<string, CollectedFact>();
  // The servers of the current http block, each with its listens and names (facts come in reading order: a
  // server's statements follow its head; a snippet read inside http or a server has an implied one).
  let servers: ServerFacts[] | null = null;
  let server: ServerFacts | null = null;
  const flush = (): void => {
    if (servers !== null) listens(servers, out);
    servers = null;
    server = null;
  };
  for (const f of facts) {
    switch (f.value) {
      case HTTP:
        flush();
        servers = [];
        break;
      case SERVER:
        servers ??= [];
        servers.push((server = { listens: [], names: [] }));
        break;
      case UPSTREAM: {
        const d = f.d;
        const name = d.argValue(0)?.toLowerCase() ?? "";
        const first = upstreams.get(name);
        if (first) out.push(seed(f, first, "upstream", `duplicate upstream "${d.argValue(0)}"`, 0));
        else upstreams.set(name, f);
        break;
      }
      case LISTEN:
      case SERVER_NAME:
        if (server === null) {
          servers ??= [];
          servers.push((server = { listens: [], names: [] }));
        }
        (f.value === LISTEN ? server.listens : server.names).push(f);
    }
  }
  flush();
}

function blockDuplicates(
  statements: readonly BlockStatement[],
  context: DirectiveContext,
  judge: (name: string, context: DirectiveContext) => Judge | null,
  out: CheckSeed[],
): void {
  let seen: Map<string, BlockStatement> | null = null;
  let offSeen: Map<string, boolean> | null = null;
  const dup = (st: BlockStatement, first: BlockStatement, code: string, message: string, word = -1): void => {
    out.push(seed(st, first, code, message, word));
  };
  const isOff = (d: Directive): boolean => d.argCount === 1 && d.argValue(0) === "off";
  for (const st of statements) {
    const d = st.d;
    const j = judge(d.name, context);
    if (j === null) continue;
    seen ??= new Map();
    let key = j.key;
    if (j.kind === "zone") {
      const zone = zoneOf(d);
      if (zone === null) continue;
      key = `${d.name}\0${zone}`;
    }
    const first = seen.get(key);
    switch (j.kind) {
      case "lua":
        // A `_block` form is refused from inside lua-nginx-module's block reader
        // (ngx_http_lua_conf_lua_block_parse), which logs the handler's bare answer once the Lua is read:
        // `is duplicate`, at the line of the block's `}`.
        if (first && j.luaBlock) dup(st, first, "directive", "is duplicate", BLOCK_END);
        else if (first) dup(st, first, "directive", `"${d.name}" directive is duplicate`);
        else seen.set(key, st);
        continue;
      case "priority":
        // ngx_set_priority tests the value itself: a priority of 0 counts as not set.
        if (first) dup(st, first, "directive", `"${d.name}" directive is duplicate`);
        else if (!/^[+-]?0+$/.test(d.argValue(0) ?? "")) seen.set(key, st);
        continue;
      case "root":
        // root and alias share clcf->root (ngx_http_core_root).
        if (!first) seen.set(key, st);
        else if (first.d.name === d.name) dup(st, first, "directive", `"${d.name}" directive is duplicate`);
        else
          dup(
            st,
            first,
            "root-alias",
            `"${d.name}" directive is duplicate, "${first.d.name}" directive was specified earlier`,
          );
        continue;
      case "off": {
        offSeen ??= new Map();
        const off = isOff(d);
        if (first && (offSeen.get(key) || off)) dup(st, first, "directive", `"${d.name}" directive is duplicate`);
        else if (!first) {
          seen.set(key, st);
          offSeen.set(key, off);
        }
        continue;
      }
      case "zone":
      case "once": {
        if (first) dup(st, first, "directive", `"${d.name}" directive is duplicate`);
        else seen.set(key, st);
        const other = STORE_CACHE[d.name];
        if (other !== undefined && !first && !isOff(d)) {
          // ngx_http_proxy_store / ngx_http_proxy_cache (and fastcgi, uwsgi, scgi): one excludes the other.
          const before = seen.get(other);
          if (before && !isOff(before.d))
            dup(st, before, "incompatible", `"${d.name}" directive is incompatible with "${other}"`);
        }
      }
    }
  }
}

/** The zone a limit_req (`zone=NAME`) or limit_conn (first argument) names. */
function zoneOf(d: Directive): string | null {
  if (d.name === "limit_conn") return d.argValue(0) ?? null;
  for (let i = 0; i < d.argCount; i++) {
    const v = d.argValue(i) ?? "";
    if (v.startsWith("zone=")) return v.slice(5);
  }
  return null;
}

const LOCATION_MODIFIERS = new Set(["=", "^~", "~", "~*"]);

/** What two locations of one block must share to clash, as ngx_http_join_exact_locations compares them. */
function locationKey(d: Directive): { key: string; path: string } | null {
  // As the model reads a location (model/index.ts locationOf): `= /x`, `=/x`, `^~/x`, `@name`, `/x`.
  let modifier = "";
  let path: string;
  const a0 = d.argValue(0) ?? "";
  if (d.argCount >= 2 && LOCATION_MODIFIERS.has(a0)) {
    modifier = a0;
    path = d.argValue(1) ?? "";
  } else if (a0.startsWith("@")) return null;
  else {
    path = a0;
    for (const m of ["^~", "~*", "=", "~"])
      if (a0.startsWith(m) && a0.length > m.length) {
        modifier = m;
        path = a0.slice(m.length);
        break;
      }
  }
  if (modifier === "=") return { key: `=${path}`, path };
  if (modifier === "" || modifier === "^~") return { key: `^${path}`, path };
  return null;
}

/** `location` blocks directly in one block with the same path, both `=` or both prefix (ngx_http_join_exact_locations). */
function locations(statements: readonly BlockStatement[], out: CheckSeed[]): void {
  let seen: Map<string, BlockStatement> | null = null;
  for (const st of statements) {
    const d = st.d;
    if (d.name !== "location" || !d.block) continue;
    const k = locationKey(d);
    if (k === null) continue;
    seen ??= new Map();
    const first = seen.get(k.key);
    if (!first) seen.set(k.key, st);
    else out.push(seed(st, first, "location", `duplicate location "${k.path}"`, d.argCount - 1));
  }
}

/** The address nginx prints for a listen's first argument (addr_text), or null when we cannot tell it. */
function listenAddress(arg: string): string | null {
  if (arg.startsWith("unix:")) return arg;
  let m = /^(\d+)$/.exec(arg);
  if (m) return `0.0.0.0:${Number(m[1])}`;
  m = /^\*:(\d+)$/.exec(arg);
  if (m) return `0.0.0.0:${Number(m[1])}`;
  m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?$/.exec(arg);
  if (m) return `${m[1]}:${m[2] ? Number(m[2]) : 80}`;
  return null;
}

const LISTEN_OPTIONS =
  /^(?:bind|deferred|reuseport|ipv6only=|setfib=|fastopen=|backlog=|rcvbuf=|sndbuf=|accept_filter=|so_keepalive=)/;

/** `listen` conflicts between the servers of one http block, and names two servers share on an address. */
function listens(servers: readonly ServerFacts[], out: CheckSeed[]): void {
  const byAddr = new Map<
    string,
    { options: CollectedFact | null; defaultServer: CollectedFact | null; servers: ServerFacts[] }
  >();
  for (const server of servers) {
    const mine = new Map<string, CollectedFact>();
    for (const site of server.listens) {
      const d = site.d;
      if (d.argCount === 0) continue;
      const addr = listenAddress(d.argValue(0) ?? "");
      if (addr === null) continue;
      // A `quic` listen is a UDP socket: nginx keeps its ports apart from TCP's (ngx_http_add_listen compares
      // the socket type since 1.25.0), so `listen 443 quic` beside `listen 443 ssl` is no duplicate.
      let quic = false;
      for (let i = 1; i < d.argCount && !quic; i++) quic = d.argValue(i) === "quic";
      const key = quic ? `${addr} quic` : addr;
      const first = mine.get(key);
      if (first) {
        out.push(seed(site, first, "listen", `a duplicate listen ${addr}`, 0));
        continue;
      }
      mine.set(key, site);
      let state = byAddr.get(key);
      if (!state) byAddr.set(key, (state = { options: null, defaultServer: null, servers: [] }));
      state.servers.push(server);
      let set = false;
      let isDefault = false;
      for (let i = 1; i < d.argCount; i++) {
        const v = d.argValue(i) ?? "";
        if (LISTEN_OPTIONS.test(v)) set = true;
        if (v === "default_server" || v === "default") isDefault = true;
      }
      if (set) {
        if (state.options) {
          out.push(seed(site, state.options, "listen-options", `duplicate listen options for ${addr}`, 0));
          continue;
        }
        state.options = site;
      }
      if (isDefault) {
        if (state.defaultServer) {
          out.push(seed(site, state.defaultServer, "default-server", `a duplicate default server for ${addr}`, 0));
          continue;
        }
        state.defaultServer = site;
      }
    }
  }
  // ngx_http_optimize_servers builds the names of an address only when it has more than one server.
  for (const [addr, state] of byAddr) {
    if (state.servers.length < 2) continue;
    const names = new Map<string, CollectedFact>();
    for (const server of state.servers) {
      for (const site of server.names) {
        const d = site.d;
        for (let i = 0; i < d.argCount; i++) {
          const raw = d.argValue(i) ?? "";
          if (raw === "" || raw.startsWith("~") || raw.includes("*") || raw.startsWith(".") || raw.includes("$"))
            continue;
          const name = raw.toLowerCase();
          const first = names.get(name);
          if (first)
            out.push(
              seed(site, first, "server-name", `conflicting server name "${name}" on ${addr}, ignored`, i, "warning"),
            );
          else names.set(name, site);
        }
      }
    }
  }
}

/**
 * `log_format` names are unique per http (or stream) block, and http's `combined` is predefined
 * (ngx_http_log_set_format / ngx_stream_log_set_format: `duplicate "log_format" name "X"`).
 */
function logFormats(statements: readonly BlockStatement[], http: boolean, out: CheckSeed[]): void {
  let seen: Map<string, BlockStatement> | null = null;
  for (const site of statements) {
    const d = site.d;
    if (d.name !== "log_format" || d.argCount < 2) continue;
    const name = d.argValue(0)!;
    seen ??= new Map();
    const first = seen.get(name);
    if (first) out.push(seed(site, first, "log-format", `duplicate "log_format" name "${name}"`, 0));
    else if (http && name === "combined")
      out.push(seed(site, null, "log-format", `duplicate "log_format" name "${name}"`, 0));
    else seen.set(name, site);
  }
}

/** The same key twice in a map (ngx_http_map, ngx_hash_add_key → NGX_BUSY) and `default` twice. */
function mapKeys(statements: readonly BlockStatement[], out: CheckSeed[]): void {
  const seen = new Map<string, BlockStatement>();
  let hostnames = false;
  let defaultSite: BlockStatement | null = null;
  for (const site of statements) {
    const d = site.d;
    if (d.argCount === 0 && d.name === "hostnames") {
      hostnames = true;
      continue;
    }
    if (d.argCount !== 1) continue;
    if (d.name === "default") {
      if (defaultSite) out.push(seed(site, defaultSite, "map-default", "duplicate default map parameter"));
      else defaultSite = site;
      continue;
    }
    if (d.name === "include" || d.name === "volatile") continue;
    let key = d.name;
    if (key.startsWith("~")) continue;
    if (hostnames && (key.includes("*") || key.startsWith("."))) {
      // ngx_hash_add_key with NGX_HASH_WILDCARD_KEY: `.example.com` is `*.example.com` and `example.com`
      // at once, so it conflicts with either; nginx names the word as written.
      const lower = key.toLowerCase();
      const names = lower.startsWith("*.")
        ? [`*${lower.slice(1)}`]
        : lower.startsWith(".")
          ? [`*${lower}`, lower.slice(1)]
          : lower.endsWith(".*")
            ? [lower]
            : [];
      const clash = names.map((n) => seen.get(n)).find((x) => x !== undefined);
      if (clash) out.push(seed(site, clash, "map-key", `conflicting parameter "${d.name}"`));
      else for (const n of names) seen.set(n, site);
      continue;
    }
    if (key.startsWith("\\")) key = key.slice(1);
    // ngx_hash_add_key lowercases the keys of a map (and the message shows the lowercased key).
    key = key.toLowerCase();
    const first = seen.get(key);
    if (first) out.push(seed(site, first, "map-key", `conflicting parameter "${key}"`));
    else seen.set(key, site);
  }
}

/** An IPv4 address or CIDR as the radix tree keys it (network/mask), or null for what we do not compare. */
function ipv4Network(text: string): string | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!m) return null;
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  if (bits > 32) return null;
  let addr = 0;
  for (let i = 1; i <= 4; i++) {
    const b = Number(m[i]);
    if (b > 255) return null;
    addr = addr * 256 + b;
  }
  // The low bits nginx ignores (with a warning of its own) do not make another network.
  return `${Math.floor(addr / 2 ** (32 - bits))}/${bits}`;
}

/**
 * `geo` (without `ranges`): a network given twice, or two `default` lines, is a [warn] of ngx_http_geo_cidr_add:
 * `duplicate network "X", value: "new", old value: "old"`; the later value wins.
 */
function geoNetworks(statements: readonly BlockStatement[], out: CheckSeed[]): void {
  if (statements.some((s) => s.d.name === "ranges")) return;
  const seen = new Map<string, { site: BlockStatement; value: string }>();
  for (const site of statements) {
    const d = site.d;
    if (d.argCount !== 1) continue;
    const key = d.name === "default" ? "default" : ipv4Network(d.name);
    if (key === null) continue;
    const value = d.argValue(0) ?? "";
    const first = seen.get(key);
    if (first)
      out.push(
        seed(
          site,
          first.site,
          "geo-network",
          `duplicate network "${d.name}", value: "${value}", old value: "${first.value}"`,
          -1,
          "warning",
        ),
      );
    seen.set(key, { site: first?.site ?? site, value });
  }
}

/** `split_clients` whose percentages add up past 100% (ngx_conf_split_clients_block, at the block's `}`). */
function splitClients(block: Directive, statements: readonly BlockStatement[], out: CheckSeed[]): void {
  let sum = 0;
  for (const site of statements) {
    const d = site.d;
    if (d.name === "*") {
      sum = 10000;
      continue;
    }
    // ngx_atofp with two decimals; 0% counts like `*`.
    const m = /^(\d+)(?:\.(\d{1,2}))?%$/.exec(d.name);
    if (!m) return; // Not ours to judge (the value rule reports an invalid percent).
    const percent = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
    sum = percent === 0 ? 10000 : sum + percent;
  }
  if (sum > 10000) out.push(seed({ d: block }, null, "split-clients", "percent total is greater than 100%", BLOCK_END));
}

/**
 * `types` blocks of one block (they fill one list, ngx_http_core_type): an extension given twice is a [warn],
 * `duplicate extension "x", content type: "new", previous content type: "old"`; the later type wins.
 */
function typesExtensions(statements: readonly BlockStatement[], out: CheckSeed[]): void {
  let seen: Map<string, { site: BlockStatement; type: string }> | null = null;
  for (const block of statements) {
    if (block.d.name !== "types" || !block.d.block) continue;
    seen ??= new Map();
    for (const site of typesBody(block)) {
      const d = site.d;
      if (d.name === "include") continue;
      for (let i = 0; i < d.argCount; i++) {
        const ext = (d.argValue(i) ?? "").toLowerCase();
        const first = seen.get(ext);
        if (first)
          out.push(
            seed(
              site,
              first.site,
              "types-extension",
              `duplicate extension "${ext}", content type: "${d.name}", previous content type: "${first.type}"`,
              i,
              "warning",
            ),
          );
        seen.set(ext, { site, type: d.name });
      }
    }
  }
}

/** The statements of a `types` block: as its block check saw them, or (not walked yet) its own. */
function typesBody(block: BlockStatement): readonly BlockStatement[] {
  const kept = typesStatements.get(block.d);
  if (kept !== undefined) return kept;
  const body: BlockStatement[] = [];
  for (const node of block.d.block?.children ?? [])
    if (node.kind === "directive" && node.name !== "include") body.push({ d: node, path: block.path });
  return body;
}
