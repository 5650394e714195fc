// Rule `duplicate`: what `nginx -t` refuses (or warns about) because something is written twice.
//
// - `"NAME" directive is duplicate`: a handler that stores one value per configuration structure refuses a
//   second value in the same structure (ngx_conf_set_flag_slot and the other standard setters of
//   src/core/ngx_conf_file.c, ngx_http_set_complex_value_slot in src/http/ngx_http_script.c, and the modules'
//   own handlers that test their field first: ngx_http_proxy_pass, ngx_http_try_files, …). nginx makes one
//   structure per block (http, server, location, `if`, `limit_except`, upstream, events, main, stream, mail), so
//   the same name twice in one block is refused, while a value in an inner block overrides an outer one.
//   Directives read through `include` belong to the block the include is in (the model expands them in place).
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
import { lookupDirective, variantAllowedIn, variantPresentIn, type DirectiveContext } from "../parse/directives";
import {
  blockSite,
  forEachOwnDirectiveWhere,
  ownSites,
  siteKey,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../model";
import type { Finding, RuleOptions } from "./types";

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

/** The model's block kinds as the directive table names contexts. */
function directiveContextOf(ctx: ConfigContext): DirectiveContext | null {
  switch (ctx.kind) {
    case "main":
    case "events":
    case "http":
    case "server":
    case "location":
    case "limit_except":
    case "upstream":
    case "stream":
    case "mail":
      return ctx.kind;
    case "if":
      return ctx.parent?.kind === "location" ? "if_in_location" : "if_in_server";
    case "stream-server":
      return "stream_server";
    case "stream-upstream":
      return "stream_upstream";
    case "mail-server":
      return "mail_server";
    default:
      return null;
  }
}

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

export function duplicateFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const out: Finding[] = [];
  const reported = new Set<string>();
  const report = (
    site: DirectiveSite,
    first: DirectiveSite | null,
    code: string,
    message: string,
    argIndex = -1,
    severity: Finding["severity"] = "error",
  ): void => {
    const key = `${siteKey(site)}\0${code}\0${message}`;
    if (reported.has(key)) return;
    reported.add(key);
    const d = site.directive;
    let range = argIndex >= 0 && argIndex < d.argCount ? d.args[argIndex].range : d.nameWord.range;
    if (argIndex === -2) {
      const end = d.range.end;
      range = { start: { line: end.line, character: Math.max(0, end.character - 1), offset: end.offset - 1 }, end };
    }
    const f: Finding = { ruleId: "duplicate", code, severity, path: site.file.path, range, message };
    if (first)
      f.related = [{ path: first.file.path, range: first.directive.nameWord.range, message: "first written here" }];
    out.push(f);
  };

  const upstreams = new Map<string, DirectiveSite>();
  const judge = judgesFor(options.nginxVersion);
  for (const ctx of model.contexts) {
    const context = directiveContextOf(ctx);
    if (context !== null) blockDuplicates(ctx, context, judge, report);
    if (ctx.kind === "http") listens(ctx, report);
    if (ctx.kind === "map") mapKeys(ctx, report);
    if (ctx.kind === "geo") geoNetworks(ctx, report);
    if (ctx.kind === "split_clients") splitClients(ctx, report);
    if (ctx.children.length > 0) typesExtensions(ctx, report);
    if ((ctx.kind === "server" || ctx.kind === "location") && ctx.children.length > 1) locations(ctx, report);
    if (ctx.kind === "upstream" && ctx.directive) {
      const name = ctx.directive.argValue(0)?.toLowerCase() ?? "";
      const site = blockSite(ctx);
      const first = upstreams.get(name);
      if (first && site) report(site, first, "upstream", `duplicate upstream "${ctx.directive.argValue(0)}"`, 0);
      else if (site) upstreams.set(name, site);
    }
  }
  return out;
}

type Report = (
  site: DirectiveSite,
  first: DirectiveSite | null,
  code: string,
  message: string,
  argIndex?: number,
  severity?: Finding["severity"],
) => void;

function blockDuplicates(
  ctx: ConfigContext,
  context: DirectiveContext,
  judge: (name: string, context: DirectiveContext) => Judge | null,
  report: Report,
): void {
  const wanted = (name: string): boolean => judge(name, context) !== null;
  // Directives, not sites: a block's sites are made only when something is reported in it.
  let seen: Map<string, Directive> | null = null;
  let offSeen: Map<string, boolean> | null = null;
  const siteOf = (d: Directive): DirectiveSite => ctx.directives.find((s) => s.directive === d)!;
  const dup = (d: Directive, first: Directive, code: string, message: string, argIndex = -1): void =>
    report(siteOf(d), siteOf(first), code, message, argIndex);
  const isOff = (d: Directive): boolean => d.argCount === 1 && d.argValue(0) === "off";
  forEachOwnDirectiveWhere(ctx, wanted, (d) => {
    const j = judge(d.name, context)!;
    seen ??= new Map();
    let key = j.key;
    if (j.kind === "zone") {
      const zone = zoneOf(d);
      if (zone === null) return;
      key = `${d.name}\0${zone}`;
    }
    const first = seen.get(key);
    switch (j.kind) {
      case "lua":
        // A `_block` form is refused from inside lua-nginx-module's block reader
        // (ngx_http_lua_conf_lua_block_parse), which logs the handler's bare answer once the Lua is read:
        // `is duplicate`, at the line of the block's `}`.
        if (first && j.luaBlock) dup(d, first, "directive", "is duplicate", -2);
        else if (first) dup(d, first, "directive", `"${d.name}" directive is duplicate`);
        else seen.set(key, d);
        return;
      case "priority":
        // ngx_set_priority tests the value itself: a priority of 0 counts as not set.
        if (first) dup(d, first, "directive", `"${d.name}" directive is duplicate`);
        else if (!/^[+-]?0+$/.test(d.argValue(0) ?? "")) seen.set(key, d);
        return;
      case "root":
        // root and alias share clcf->root (ngx_http_core_root).
        if (!first) seen.set(key, d);
        else if (first.name === d.name) dup(d, first, "directive", `"${d.name}" directive is duplicate`);
        else
          dup(
            d,
            first,
            "root-alias",
            `"${d.name}" directive is duplicate, "${first.name}" directive was specified earlier`,
          );
        return;
      case "off": {
        offSeen ??= new Map();
        const off = isOff(d);
        if (first && (offSeen.get(key) || off)) dup(d, first, "directive", `"${d.name}" directive is duplicate`);
        else if (!first) {
          seen.set(key, d);
          offSeen.set(key, off);
        }
        return;
      }
      case "zone":
      case "once": {
        if (first) dup(d, first, "directive", `"${d.name}" directive is duplicate`);
        else seen.set(key, d);
        const other = STORE_CACHE[d.name];
        if (other !== undefined && !first && !isOff(d)) {
          // ngx_http_proxy_store / ngx_http_proxy_cache (and fastcgi, uwsgi, scgi): one excludes the other.
          const before = seen.get(other);
          if (before && !isOff(before))
            dup(d, before, "incompatible", `"${d.name}" directive is incompatible with "${other}"`);
        }
      }
    }
  });
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

/** `location` blocks directly in `ctx` with the same path, both `=` or both prefix (ngx_http_join_exact_locations). */
function locations(ctx: ConfigContext, report: Report): void {
  // Blocks, not sites: the sites are looked up only for a duplicate.
  const seen = new Map<string, ConfigContext>();
  for (const child of ctx.children) {
    if (child.kind !== "location" || !child.location) continue;
    const { modifier, path } = child.location;
    let key: string;
    if (modifier === "=") key = `=${path}`;
    else if (modifier === "" || modifier === "^~") key = `^${path}`;
    else continue;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, child);
      continue;
    }
    const site = blockSite(child);
    const firstSite = blockSite(first);
    if (site) report(site, firstSite, "location", `duplicate location "${path}"`, site.directive.argCount - 1);
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
function listens(http: ConfigContext, report: Report): void {
  const byAddr = new Map<
    string,
    { options: DirectiveSite | null; defaultServer: DirectiveSite | null; servers: ConfigContext[] }
  >();
  for (const server of http.children) {
    if (server.kind !== "server") continue;
    const mine = new Map<string, DirectiveSite>();
    for (const site of ownSites(server, "listen")) {
      const d = site.directive;
      if (d.argCount === 0) continue;
      const addr = listenAddress(d.argValue(0) ?? "");
      if (addr === null) continue;
      const first = mine.get(addr);
      if (first) {
        report(site, first, "listen", `a duplicate listen ${addr}`, 0);
        continue;
      }
      mine.set(addr, site);
      let state = byAddr.get(addr);
      if (!state) byAddr.set(addr, (state = { options: null, defaultServer: null, servers: [] }));
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
          report(site, state.options, "listen-options", `duplicate listen options for ${addr}`, 0);
          continue;
        }
        state.options = site;
      }
      if (isDefault) {
        if (state.defaultServer) {
          report(site, state.defaultServer, "default-server", `a duplicate default server for ${addr}`, 0);
          continue;
        }
        state.defaultServer = site;
      }
    }
  }
  // ngx_http_optimize_servers builds the names of an address only when it has more than one server.
  for (const [addr, state] of byAddr) {
    if (state.servers.length < 2) continue;
    const names = new Map<string, DirectiveSite>();
    for (const server of state.servers) {
      for (const site of ownSites(server, "server_name")) {
        const d = site.directive;
        for (let i = 0; i < d.argCount; i++) {
          const raw = d.argValue(i) ?? "";
          if (raw === "" || raw.startsWith("~") || raw.includes("*") || raw.startsWith(".") || raw.includes("$"))
            continue;
          const name = raw.toLowerCase();
          const first = names.get(name);
          if (first)
            report(site, first, "server-name", `conflicting server name "${name}" on ${addr}, ignored`, i, "warning");
          else names.set(name, site);
        }
      }
    }
  }
}

/** The same key twice in a map (ngx_http_map, ngx_hash_add_key → NGX_BUSY) and `default` twice. */
function mapKeys(ctx: ConfigContext, report: Report): void {
  const seen = new Map<string, DirectiveSite>();
  let hostnames = false;
  let defaultSite: DirectiveSite | null = null;
  for (const site of ctx.directives) {
    const d = site.directive;
    if (d.argCount === 0 && d.name === "hostnames") {
      hostnames = true;
      continue;
    }
    if (d.argCount !== 1) continue;
    if (d.name === "default") {
      if (defaultSite) report(site, defaultSite, "map-default", "duplicate default map parameter");
      else defaultSite = site;
      continue;
    }
    if (d.name === "include" || d.name === "volatile") continue;
    let key = d.name;
    if (key.startsWith("~")) continue;
    if (hostnames && (key.includes("*") || key.startsWith("."))) continue;
    if (key.startsWith("\\")) key = key.slice(1);
    // ngx_hash_add_key lowercases the keys of a map (and the message shows the lowercased key).
    key = key.toLowerCase();
    const first = seen.get(key);
    if (first) report(site, first, "map-key", `conflicting parameter "${key}"`);
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
function geoNetworks(ctx: ConfigContext, report: Report): void {
  if (ownSites(ctx, "ranges").length > 0) return;
  const seen = new Map<string, { site: DirectiveSite; value: string }>();
  for (const site of ctx.directives) {
    const d = site.directive;
    if (d.argCount !== 1) continue;
    const key = d.name === "default" ? "default" : ipv4Network(d.name);
    if (key === null) continue;
    const value = d.argValue(0) ?? "";
    const first = seen.get(key);
    if (first)
      report(
        site,
        first.site,
        "geo-network",
        `duplicate network "${d.name}", value: "${value}", old value: "${first.value}"`,
        -1,
        "warning",
      );
    seen.set(key, { site: first?.site ?? site, value });
  }
}

/** `split_clients` whose percentages add up past 100% (ngx_conf_split_clients_block, at the block's `}`). */
function splitClients(ctx: ConfigContext, report: Report): void {
  let sum = 0;
  for (const site of ctx.directives) {
    const d = site.directive;
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
  const site = sum > 10000 ? blockSite(ctx) : null;
  if (site) report(site, null, "split-clients", "percent total is greater than 100%", -2);
}

/**
 * `types` blocks of one block (they fill one list, ngx_http_core_type): an extension given twice is a [warn],
 * `duplicate extension "x", content type: "new", previous content type: "old"`; the later type wins.
 */
function typesExtensions(ctx: ConfigContext, report: Report): void {
  let seen: Map<string, { site: DirectiveSite; type: string }> | null = null;
  for (const child of ctx.children) {
    if (child.kind !== "types") continue;
    seen ??= new Map();
    for (const site of child.directives) {
      const d = site.directive;
      if (d.name === "include") continue;
      for (let i = 0; i < d.argCount; i++) {
        const ext = (d.argValue(i) ?? "").toLowerCase();
        const first = seen.get(ext);
        if (first)
          report(
            site,
            first.site,
            "types-extension",
            `duplicate extension "${ext}", content type: "${d.name}", previous content type: "${first.type}"`,
            i,
            "warning",
          );
        seen.set(ext, { site, type: d.name });
      }
    }
  }
}
