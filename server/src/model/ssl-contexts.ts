// Which blocks create an OpenSSL SSL_CTX at configuration time, and which of those parse a CA bundle into
// it — per module and version, as the sources say (semantics.md §1, §4) and as `nginx -t` under strace
// confirms (test/rules/ssl-oracle.test.ts counts the opens of the bundle).

import type { Directive } from "../parse/ast";
import { SubtreeMemo } from "../workspace/subtree-memo";
import {
  contextSlot,
  effectiveSitesOf,
  SLOT_LUA_SSL,
  SLOT_STREAM_LUA_SSL,
  ownSites,
  forEachOwnDirectiveWhere,
  sitesWhere,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
  registerQuestion,
  registerSitesOf,
} from "./index";

/** One SSL_CTX nginx creates while reading the configuration. */
export interface SslContext {
  /** The block whose configuration owns it. */
  owner: ConfigContext;
  /** Where the CA bundle it loads is set (the effective directive), or null when it loads none. */
  bundle: DirectiveSite | null;
  /**
   * The bundle is read a second time for the list of CA names sent to clients: ngx_ssl_client_certificate
   * calls SSL_CTX_load_verify_locations *and* SSL_load_client_CA_file (strace: two opens per server).
   */
  clientCaList?: boolean;
}

export interface SslContextPlan {
  /** Every SSL_CTX created, in merge order. */
  contexts: SslContext[];
  /** Those that parse a CA bundle. */
  loads: SslContext[];
}

function plan(contexts: SslContext[]): SslContextPlan {
  // When every context loads (4,002 locations inheriting one bundle), `loads` is the same list: a copy of
  // it was made on every keystroke. Plans are read, never changed.
  return {
    contexts,
    loads: contexts.every((c) => c.bundle !== null) ? contexts : contexts.filter((c) => c.bundle !== null),
  };
}

/** The bundle path as written (the first argument), or null for an empty value (nginx then loads nothing). */
export function bundleArg(site: DirectiveSite | null): string | null {
  const v = site?.directive.args[0]?.value ?? "";
  return v === "" ? null : v;
}

/** The effective site of `name` (its last directive) in a block, or null when unset or set to an empty value. */
type LastSite = (ctx: ConfigContext) => DirectiveSite | null;

function lastSiteOf(model: ConfigModel, name: string, stopAt?: ConfigContext["kind"]): LastSite {
  const sitesOf = effectiveSitesOf(model, name, stopAt);
  return (ctx) => {
    const sites = sitesOf(ctx);
    if (sites === null) return null;
    const site = sites[sites.length - 1];
    return bundleArg(site) === null ? null : site;
  };
}

function setsAny(ctx: ConfigContext, names: readonly string[]): boolean {
  return names.some((n) => ownSites(ctx, n).length > 0);
}

function isOn(site: DirectiveSite | null): boolean {
  return site !== null && site.directive.args[0]?.value.toLowerCase() === "on";
}

// ---- lua-nginx-module -------------------------------------------------------------------------------------

/** The directives ngx_http_lua_merge_ssl checks (lua-nginx-module ≥ 0.10.26): setting one gives a block its own SSL_CTX. */
export const LUA_SSL_DIRECTIVES = [
  "lua_ssl_protocols",
  "lua_ssl_ciphers",
  "lua_ssl_verify_depth",
  "lua_ssl_certificate",
  "lua_ssl_certificate_key",
  "lua_ssl_trusted_certificate",
  "lua_ssl_crl",
  "lua_ssl_key_log",
  "lua_ssl_conf_command",
] as const;

/**
 * Whether the http (or stream) Lua module is in the binary: a `load_module` of it, or any of its
 * directives used in that family's blocks (nginx would refuse them otherwise).
 */
export function hasLuaModule(model: ConfigModel, family: "http" | "stream"): boolean {
  const so = new RegExp(`ngx_${family}_lua_module`);
  for (const s of model.sitesOf("load_module")) if (so.test(s.directive.args[0]?.value ?? "")) return true;
  // The Lua module's directives used anywhere: only the blocks that may hold one are walked (sitesWhere).
  const luaSites = sitesWhere(model, "lua-module", LUA_QUESTION);
  if (luaSites.length === 0) return false;
  // Whether each context is (inside) the family's block, from its parent's answer (contexts are in reading
  // order, parents first): asking enclosing() per context walks depth² parents in deeply nested blocks.
  const inFamily: boolean[] = [];
  for (const c of model.contexts) inFamily[c.id] = c.kind === family || (c.parent !== null && inFamily[c.parent.id]);
  return luaSites.some((s) => inFamily[s.context.id]);
}

/** `lua_*` or `*_by_lua`, `*_by_lua_block`, `*_by_lua_file`: only the Lua module has such directives. */
function isLuaDirectiveName(name: string): boolean {
  return name.includes("lua") && (name.startsWith("lua_") || /_by_lua(_block|_file)?$/.test(name));
}

/**
 * SSL_CTXs of lua-nginx-module. Before v0.10.26 ngx_http_lua_merge_loc_conf calls ngx_http_lua_set_ssl for
 * *every* merged location configuration: one SSL_CTX each, loading the effective lua_ssl_trusted_certificate.
 * From v0.10.26 (ngx_http_lua_merge_ssl) a block that sets no lua_ssl_* directive shares its parent's
 * object; the first server that sets none creates the object all such blocks share (stored on the http
 * conf), so: one shared + one per block that sets any lua_ssl_* itself.
 */
export function luaSslPlan(model: ConfigModel, perLocation: boolean): SslContextPlan {
  const lastSite = lastSiteOf(model, "lua_ssl_trusted_certificate", "http");
  const entryOf = (c: ConfigContext) => keptEntry(c, SLOT_LUA_SSL, lastSite(c));
  // One list of the known length (pushing 4,002 entries grew it through ~100 KB of copies per keystroke).
  if (perLocation) return plan(model.locationConfigurations.map(entryOf));
  // Which object each block uses: its own (when it sets something), else its parent's, else the shared one.
  const out: SslContext[] = [];
  const objectOf = new Map<ConfigContext, SslContext>();
  let shared: SslContext | null = null;
  for (const c of model.locationConfigurations) {
    if (setsAny(c, LUA_SSL_DIRECTIVES)) {
      const own = entryOf(c);
      objectOf.set(c, own);
      out.push(own);
      continue;
    }
    const parentObject = c.parent ? objectOf.get(c.parent) : undefined;
    if (parentObject) {
      objectOf.set(c, parentObject);
      continue;
    }
    if (!shared) {
      shared = entryOf(c);
      out.push(shared);
    }
    objectOf.set(c, shared);
  }
  return plan(out);
}

/**
 * stream-lua-nginx-module: ngx_stream_lua_merge_srv_conf calls ngx_stream_lua_set_ssl unconditionally for
 * every `stream { server { } }` (unchanged at HEAD): one SSL_CTX each, loading the effective bundle.
 */
export function streamLuaSslPlan(model: ConfigModel): SslContextPlan {
  const bundleOf = lastSiteOf(model, "lua_ssl_trusted_certificate", "stream");
  return plan(model.streamServers.map((c) => keptEntry(c, SLOT_STREAM_LUA_SSL, bundleOf(c))));
}

/**
 * The plan entry `{ owner: c, bundle }` kept in the block's slot (model/index.ts contextSlot): a function of the
 * model and the block for each slot, so every plan of one model that holds it agrees, and a recycled block's
 * entry is set again here before any plan of the new model holds it.
 */
function keptEntry(c: ConfigContext, slot: number, bundle: DirectiveSite | null): SslContext {
  const entry = contextSlot<SslContext>(c, slot, () => ({ owner: c, bundle }));
  entry.bundle = bundle;
  return entry;
}

// ---- upstream TLS of proxy / grpc / uwsgi -----------------------------------------------------------------

export type UpstreamModule = "proxy" | "grpc" | "uwsgi";

const PASS: Record<UpstreamModule, string> = { proxy: "proxy_pass", grpc: "grpc_pass", uwsgi: "uwsgi_pass" };
const MODULE_OF_PASS = new Map(Object.entries(PASS).map(([m, name]) => [name, m as UpstreamModule]));
const isPass = (name: string): boolean => MODULE_OF_PASS.has(name);
const TLS_SCHEME: Record<UpstreamModule, RegExp> = {
  proxy: /^https:\/\//i,
  grpc: /^grpcs:\/\//i,
  uwsgi: /^suwsgi:\/\//i,
};

/** The `*_ssl_*` directives whose presence gives a block its own upstream SSL object from nginx 1.23.1. */
export function upstreamSslDirectives(m: UpstreamModule): string[] {
  return [
    "ssl_protocols",
    "ssl_ciphers",
    "ssl_certificate",
    "ssl_certificate_key",
    "ssl_password_file",
    "ssl_verify",
    "ssl_verify_depth",
    "ssl_trusted_certificate",
    "ssl_crl",
    "ssl_session_reuse",
    "ssl_conf_command",
  ].map((n) => `${m}_${n}`);
}

/**
 * `*_pass` sets the module's `ssl` flag for a TLS scheme *or* for any value with variables (the scheme is
 * only known at run time; ngx_http_proxy_pass, release-1.23.0 l.4154/4167).
 */
export function passUsesTls(m: UpstreamModule, d: Directive): boolean {
  const v = d.argValue(0) ?? "";
  return TLS_SCHEME[m].test(v) || /\$/.test(v);
}

/** What a block's own last `*_pass` of one module is (2 bits per module in a PassStates number). */
const NO_PASS = 0;
const PLAIN_PASS = 1;
const TLS_PASS = 2;
const SHIFT: Record<UpstreamModule, number> = { proxy: 0, grpc: 2, uwsgi: 4 };

/** The state of module `m` in a PassStates number. */
function passState(states: number, m: UpstreamModule): number {
  return (states >> SHIFT[m]) & 3;
}

/** `states` with the last pass of its module set to `d` (the last in a block wins). */
function withPass(states: number, d: Directive): number {
  const m = MODULE_OF_PASS.get(d.name) as UpstreamModule;
  const shift = SHIFT[m];
  return (states & ~(3 << shift)) | ((passUsesTls(m, d) ? TLS_PASS : PLAIN_PASS) << shift);
}

/**
 * Per block directive without an `include` among its statements: its own last `*_pass` of each module (none,
 * plain or TLS), a number kept while the block's content is unchanged (workspace/subtree-memo.ts). It depends
 * only on the block's statements (a name and a first word each), never on positions; a block that includes
 * a file is read through the model each time (the file may change without the block changing).
 */
const ownPassMemo = new SubtreeMemo<number>();

/** The own passes of one location configuration, as PassStates. */
function ownPassStates(c: ConfigContext): number {
  const d = c.directive;
  if (d !== null && d.block !== undefined) {
    const known = ownPassMemo.get(d);
    if (known !== undefined) return known;
    const states = foldOwnStatements(d, addPass);
    if (states !== null) {
      ownPassMemo.set(d, states);
      return states;
    }
  }
  let states = 0;
  forEachOwnDirectiveWhere(c, isPass, (p) => (states = addPass(states, p)));
  return states;
}

/** `states` with `d` added when it is a `*_pass` (the last in a block wins). */
function addPass(states: number, d: Directive): number {
  return isPass(d.name) ? withPass(states, d) : states;
}

/**
 * `step` applied to the directives written in the block of `d`, from 0, in order; null when one of them is an
 * `include` (the included file may set anything, and may change without the block changing).
 */
function foldOwnStatements(d: Directive, step: (value: number, node: Directive) => number): number | null {
  const body = d.block?.children ?? [];
  let value = 0;
  for (let i = 0; i < body.length; i++) {
    const node = body[i];
    if (node.kind !== "directive") continue;
    if (node.name === "include") return null;
    value = step(value, node);
  }
  return value;
}

/**
 * Per block directive: whether its block holds, at any depth in its own file, a `*_pass` that uses TLS or an
 * `include` (which may bring one in), kept while the block's content is unchanged (workspace/subtree-memo.ts).
 */
const tlsBelowMemo = new SubtreeMemo<boolean>();

/** tlsBelowMemo's answer for `block`: blocks below answered from the memo, the others walked with an explicit stack. */
function tlsPassBelow(block: Directive): boolean {
  const known = tlsBelowMemo.get(block);
  if (known !== undefined) return known;
  // Blocks nest deeper than V8's stack: frames of a block, the next statement and whether one was found.
  const blocks: Directive[] = [block];
  const next: number[] = [0];
  const found: boolean[] = [false];
  for (;;) {
    const f = blocks.length - 1;
    const nodes = blocks[f].block?.children ?? [];
    if (found[f] || next[f] >= nodes.length) {
      tlsBelowMemo.set(blocks[f], found[f]);
      const result = found[f];
      blocks.pop();
      next.pop();
      found.pop();
      if (f === 0) return result;
      found[f - 1] ||= result;
      continue;
    }
    const node = nodes[next[f]++];
    if (node.kind !== "directive") continue;
    if (node.name === "include" || (isPass(node.name) && (withPass(0, node) & 0b101010) !== 0)) {
      found[f] = true;
      continue;
    }
    if (node.block === undefined) continue;
    const below = tlsBelowMemo.get(node);
    if (below === undefined) {
      blocks.push(node);
      next.push(0);
      found.push(false);
    } else if (below) found[f] = true;
  }
}

/** The own passes of the location configurations that may pass with TLS, and the modules any of them does. */
interface PassTable {
  /** PassStates by context id; 0 for the blocks whose subtree holds no TLS pass (not read). */
  states: Uint8Array;
  /** The location configurations read, in merge order: the others neither pass with TLS nor inherit one. */
  read: ConfigContext[];
  /** Bit `SHIFT[m]` set: some location configuration's own pass of `m` uses TLS. */
  anyTls: number;
}

const passTables = new WeakMap<ConfigModel, PassTable>();

/**
 * The PassTable of a model, made once for the three modules. The context tree is walked from the top, and a
 * block whose subtree holds no TLS pass (tlsPassBelow, remembered per block) is not entered: its locations
 * neither own such a pass nor inherit one (only `if`/`limit_except` inherit, from the block they are in, so
 * those are always entered). Reading every location's statements per keystroke was 40 ms on large-config
 * ×10 (25,000 locations, none passing with TLS); a memo lookup per location still 3–4 ms; this walk reads
 * the 40 servers. Contexts are numbered in reading order, which is merge order (model/index.ts, buildModel):
 * a depth-first walk in children order visits them in that order.
 */
function passTable(model: ConfigModel): PassTable {
  let table = passTables.get(model);
  if (table === undefined) {
    const states = new Uint8Array(model.contexts.length);
    const read: ConfigContext[] = [];
    let anyTls = 0;
    const stack: ConfigContext[] = [model.main];
    while (stack.length > 0) {
      const c = stack.pop()!;
      const kind = c.kind;
      if (kind === "server" || kind === "location" || kind === "if" || kind === "limit_except") {
        const s = ownPassStates(c);
        states[c.id] = s;
        read.push(c);
        // TLS_PASS is bit 1 of each module's two bits.
        anyTls |= s & 0b101010;
      }
      const children = c.children;
      for (let i = children.length - 1; i >= 0; i--) {
        const child = children[i];
        const d = child.directive;
        if (d === null || child.kind === "if" || child.kind === "limit_except" || tlsPassBelow(d)) stack.push(child);
      }
    }
    passTables.set(model, (table = { states, read, anyTls }));
  }
  return table;
}

/**
 * Whether `c` passes to module `m` with TLS, and whether that pass is inherited: the block's own last `*_pass`,
 * or for `if`/`limit_except` without one, the enclosing location's (noname blocks copy it). null: no pass.
 */
function tlsPassOf(table: PassTable, c: ConfigContext, m: UpstreamModule): { tls: boolean; inherited: boolean } | null {
  let inherited = false;
  for (let b: ConfigContext | null = c; b !== null; b = b.parent) {
    const s = passState(table.states[b.id], m);
    if (s !== NO_PASS) return s === TLS_PASS ? (inherited ? INHERITED_TLS : OWN_TLS) : PLAIN;
    if (b.kind !== "if" && b.kind !== "limit_except") return null;
    inherited = true;
  }
  return null;
}

const OWN_TLS = { tls: true, inherited: false };
const INHERITED_TLS = { tls: true, inherited: true };
const PLAIN = { tls: false, inherited: false };

/**
 * Upstream SSL_CTXs. Before 1.23.1 ngx_http_proxy_merge_loc_conf calls ngx_http_proxy_set_ssl for every
 * location whose own `*_pass` uses TLS: a new SSL_CTX each, loading the trusted bundle when `*_ssl_verify`
 * is on; `if`/`limit_except` without their own pass copy the parent's object. From 1.23.1
 * (ngx_http_proxy_merge_ssl, "Upstream: optimized use of SSL contexts") a block that sets no `*_ssl_*`
 * directive shares its parent's object (the http level's for blocks under no setter): one object per
 * setting level that a TLS pass uses.
 */
export function upstreamSslPlan(model: ConfigModel, m: UpstreamModule, perLocation: boolean): SslContextPlan {
  const out: SslContext[] = [];
  const table = passTable(model);
  // No location passes to `m` with TLS: no context (an inherited pass is some block's own).
  if ((table.anyTls & (TLS_PASS << SHIFT[m])) === 0) return plan(out);
  const verifyOf = lastSiteOf(model, `${m}_ssl_verify`, "http");
  const trustedOf = lastSiteOf(model, `${m}_ssl_trusted_certificate`, "http");
  const bundleOf = (c: ConfigContext): DirectiveSite | null => (isOn(verifyOf(c)) ? trustedOf(c) : null);
  if (perLocation) {
    for (const c of table.read) {
      const pass = tlsPassOf(table, c, m);
      if (!pass || pass.inherited || !pass.tls) continue;
      out.push({ owner: c, bundle: bundleOf(c) });
    }
    return plan(out);
  }
  const byLevel = new Map<ConfigContext | null, SslContext>();
  for (const c of table.read) {
    const pass = tlsPassOf(table, c, m);
    if (!pass || !pass.tls) continue;
    let level: ConfigContext | null = null;
    for (let p: ConfigContext | null = c; p !== null && p.kind !== "http"; p = p.parent) {
      if (setsAny(p, upstreamSslDirectives(m))) {
        level = p;
        break;
      }
    }
    if (byLevel.has(level)) continue;
    const obj = { owner: level ?? c, bundle: bundleOf(level ?? c) };
    byLevel.set(level, obj);
    out.push(obj);
  }
  return plan(out);
}

/**
 * The stream proxy (`proxy_ssl on` in `stream`): before 1.23.1 ngx_stream_proxy_merge_srv_conf calls
 * ngx_stream_proxy_set_ssl for every stream server where the effective `proxy_ssl` is on — a new SSL_CTX
 * each, with the trusted bundle when `proxy_ssl_verify` is on. The 1.23.1 change applies here too
 * (semantics.md §4): from then on one object per level that sets a `proxy_ssl_*` directive.
 */
export function streamProxySslPlan(model: ConfigModel, perServer: boolean): SslContextPlan {
  const verifyOf = lastSiteOf(model, "proxy_ssl_verify", "stream");
  const trustedOf = lastSiteOf(model, "proxy_ssl_trusted_certificate", "stream");
  const sslOf = lastSiteOf(model, "proxy_ssl", "stream");
  const bundleOf = (c: ConfigContext): DirectiveSite | null => (isOn(verifyOf(c)) ? trustedOf(c) : null);
  const out: SslContext[] = [];
  const byLevel = new Map<ConfigContext | null, SslContext>();
  for (const c of model.streamServers) {
    if (!isOn(sslOf(c))) continue;
    if (perServer) {
      out.push({ owner: c, bundle: bundleOf(c) });
      continue;
    }
    const level = setsAny(c, upstreamSslDirectives("proxy")) ? c : null;
    if (byLevel.has(level)) continue;
    const obj = { owner: c, bundle: bundleOf(c) };
    byLevel.set(level, obj);
    out.push(obj);
  }
  return plan(out);
}

// ---- server side TLS ---------------------------------------------------------------------------------------

/**
 * What the deployed nginx version decides for the server side of `stream` and `mail` (cost/report.ts turns
 * the version into these; nginx release tags, docs/cost-model.md §1). http needs none of them: from 1.15.0 to
 * HEAD ngx_http_ssl_merge_srv_conf creates an SSL_CTX for a certificate (or `ssl_reject_handshake on`) and
 * reads `ssl_trusted_certificate` whenever it is set.
 */
export interface ServerTlsVersion {
  /**
   * ngx_stream_ssl_merge_conf 1.15.0–1.25.4 returns before ngx_ssl_create unless the server's own
   * `listen … ssl` set `conf->listen` (not merged): an inherited certificate alone creates nothing. Before
   * 1.15.0, and from 1.25.5 (virtual servers: ngx_stream_ssl_merge_srv_conf), a certificate or
   * `ssl_reject_handshake on` does, as in http.
   */
  streamNeedsListenSsl: boolean;
  /** stream before 1.27.2 reads `ssl_trusted_certificate` only inside `if (conf->verify)`; from 1.27.2 always. */
  streamTrustedNeedsVerify: boolean;
  /**
   * ngx_mail_ssl_merge_conf before 1.15.0 creates an SSL_CTX for a certificate alone; from 1.15.0 only for
   * the server's own `listen … ssl`, `ssl on` (removed in 1.25.1) or `starttls on|only`.
   */
  mailCertificateAlone: boolean;
}

/** Whether the block's own `listen` has the `ssl` parameter (ngx_stream_core_listen / ngx_mail_core_listen: exact word). */
function listensSsl(ctx: ConfigContext): boolean {
  if ((ownServerNames(ctx) & LISTEN_BIT) === 0) return false;
  for (const s of ownSites(ctx, "listen")) if (s.directive.args.slice(1).some((a) => a.value === "ssl")) return true;
  return false;
}

/** Whether a server has an SSL_CTX of its own, and whether `ssl_trusted_certificate` needs verification. */
function serverTls(
  last: LastSiteIn,
  c: ConfigContext,
  v: ServerTlsVersion,
): { ssl: boolean; trustedNeedsVerify: boolean } | null {
  const certified = (top: ConfigContext["kind"]): boolean =>
    last("ssl_certificate", top)(c) !== null || isOn(last("ssl_reject_handshake", top)(c));
  switch (c.kind) {
    case "server":
      return { ssl: certified("http"), trustedNeedsVerify: false };
    case "stream-server":
      return {
        ssl: v.streamNeedsListenSsl ? listensSsl(c) : certified("stream"),
        trustedNeedsVerify: v.streamTrustedNeedsVerify,
      };
    case "mail-server": {
      // `ssl` and `starttls` are merged from `mail {}`; `listen … ssl` is the server's own.
      const starttls = last("starttls", "mail")(c)?.directive.args[0]?.value.toLowerCase();
      const asked = listensSsl(c) || isOn(last("ssl", "mail")(c)) || starttls === "on" || starttls === "only";
      const ssl = asked || (v.mailCertificateAlone && last("ssl_certificate", "mail")(c) !== null);
      // ngx_mail_ssl_merge_conf reads both lists only inside `if (conf->verify)`, in every version.
      return { ssl, trustedNeedsVerify: true };
    }
    default:
      return null;
  }
}

/** The names the server plans ask of each server's own statements, one bit each. */
const SERVER_NAME_BIT = new Map([
  ["listen", 1],
  ["ssl", 2],
  ["starttls", 4],
  ["ssl_certificate", 8],
  ["ssl_reject_handshake", 16],
  ["ssl_verify_client", 32],
  ["ssl_client_certificate", 64],
  ["ssl_trusted_certificate", 128],
]);
const LISTEN_BIT = 1;
/** Every bit: the block may set any of them (an `include` among its statements, or no block). */
const ANY_SERVER_NAME = 255;

/**
 * Per block directive: which of SERVER_NAME_BIT's names its own statements set, kept while the block is
 * unchanged (workspace/subtree-memo.ts). The model scans a server's statements for each name it is asked
 * (model/index.ts, scanOwn) in every new model: the server plans' eight names in large-config ×10's 40
 * servers of ~600 statements were 5 ms per keystroke (profile); a server that sets none of a name gets its
 * parent's answer without the scan.
 */
const serverNamesMemo = new SubtreeMemo<number>();

function ownServerNames(c: ConfigContext): number {
  const d = c.directive;
  if (d === null || d.block === undefined) return ANY_SERVER_NAME;
  let bits = serverNamesMemo.get(d);
  if (bits === undefined) {
    bits = foldOwnStatements(d, addServerName) ?? ANY_SERVER_NAME;
    serverNamesMemo.set(d, bits);
  }
  return bits;
}

function addServerName(bits: number, d: Directive): number {
  return bits | (SERVER_NAME_BIT.get(d.name) ?? 0);
}

/**
 * lastSiteOf(model, name, top), each made once per model (stream and mail ask the same names under another
 * top). A block under `top` whose own statements do not set the name has its parent's answer, as effective()
 * gives it (ownServerNames: its statements are not scanned again).
 */
type LastSiteIn = (name: string, top: ConfigContext["kind"]) => LastSite;

function lastSitesIn(model: ConfigModel): LastSiteIn {
  const made = new Map<ConfigContext["kind"], Map<string, LastSite>>();
  return (name, top) => {
    let byName = made.get(top);
    if (byName === undefined) made.set(top, (byName = new Map()));
    let last = byName.get(name);
    if (last === undefined) {
      const inModel = lastSiteOf(model, name, top);
      // Only a name ownServerNames tracks can be answered from the parent: for any other the bits say nothing.
      const bit = SERVER_NAME_BIT.get(name);
      last =
        bit === undefined
          ? inModel
          : (c) =>
              c.kind !== top && c.parent !== null && (ownServerNames(c) & bit) === 0 ? inModel(c.parent) : inModel(c);
      byName.set(name, last);
    }
    return last;
  };
}

const TOP: Partial<Record<ConfigContext["kind"], ConfigContext["kind"]>> = {
  server: "http",
  "stream-server": "stream",
  "mail-server": "mail",
};

/** The http, stream and mail servers of a model in reading order, with the lastSiteOf functions its plans share. */
const serversOfModel = new WeakMap<ConfigModel, { servers: ConfigContext[]; last: LastSiteIn }>();

/**
 * serverSslPlan is asked up to four times per analysis (two bundles, and the version check of cost/report.ts):
 * the servers are found once, not by four scans of every context (25,000 locations on large-config ×10).
 */
function serversOf(model: ConfigModel): { servers: ConfigContext[]; last: LastSiteIn } {
  let found = serversOfModel.get(model);
  if (found === undefined) {
    const servers: ConfigContext[] = [];
    const contexts = model.contexts;
    for (let i = 0; i < contexts.length; i++) {
      const kind = contexts[i].kind;
      if (kind === "server" || kind === "stream-server" || kind === "mail-server") servers.push(contexts[i]);
    }
    serversOfModel.set(model, (found = { servers, last: lastSitesIn(model) }));
  }
  return found;
}

/**
 * Server SSL_CTXs of http, stream and mail servers: one per server that has one (serverTls; no sharing
 * between servers). Into each, `ssl_client_certificate` is loaded when `ssl_verify_client` is not off — read
 * twice, ngx_ssl_client_certificate's SSL_CTX_load_verify_locations and SSL_load_client_CA_file — and
 * `ssl_trusted_certificate` when it is set (stream before 1.27.2 and mail: only with verification too).
 * Checked against nginx -t under strace: test/rules/ssl-oracle.test.ts (http),
 * test/rules/stream-mail-ssl-oracle.test.ts (stream, mail).
 */
export function serverSslPlan(
  model: ConfigModel,
  directive: "ssl_client_certificate" | "ssl_trusted_certificate",
  version: ServerTlsVersion,
): SslContextPlan {
  const out: SslContext[] = [];
  const { servers, last } = serversOf(model);
  for (const c of servers) {
    const top = TOP[c.kind] as ConfigContext["kind"];
    const tls = serverTls(last, c, version);
    if (!tls?.ssl) continue;
    // ssl_verify_client on | optional | optional_no_ca: conf->verify != 0.
    const verify = last("ssl_verify_client", top)(c)?.directive.args[0]?.value.toLowerCase();
    const verifies = verify === "on" || verify === "optional" || verify === "optional_no_ca";
    let bundle = last(directive, top)(c);
    if (directive === "ssl_client_certificate" ? !verifies : tls.trustedNeedsVerify && !verifies) bundle = null;
    out.push(
      directive === "ssl_client_certificate" && bundle
        ? { owner: c, bundle, clientCaList: true }
        : { owner: c, bundle },
    );
  }
  return plan(out);
}

/** Asked on every analysis: known from the start (registerQuestion). */
const LUA_QUESTION = registerQuestion("lua-module", isLuaDirectiveName);
registerSitesOf("load_module");
registerSitesOf("lua_ssl_trusted_certificate");
