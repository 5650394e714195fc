// What the main-level, TLS and deprecation rules (issue 15) share: one question to the model for all their
// directive names (a model rule asks `sitesWhere` for rare names, and the model keeps few such questions),
// whether a block is a fragment's implied block or written in a full configuration, and which servers
// terminate TLS.

import {
  contextsAt,
  effective,
  ownSites,
  registerQuestion,
  sitesWhere,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../model";
import { compareVersions, resolveVersions } from "../cost/versions";
import type { RelatedLocation, RuleOptions } from "./types";

/**
 * Every directive name these rules ask the model for: rare ones, set at the main level, in `http` or in
 * servers. Names that are often set in every location (error_log, gzip, client_max_body_size,
 * server_tokens: large-config sets error_log in 2,503 locations) are read by statement checks instead, which
 * the walk keeps per unchanged block: asked here, the model would make the sites of every location on every
 * keystroke (52 ms of large-config's analysis, bench:rules).
 */
export const MAIN_TLS_NAMES: ReadonlySet<string> = new Set([
  "worker_connections",
  "worker_rlimit_nofile",
  "worker_processes",
  "ssl_ecdh_curve",
  "ssl_reject_handshake",
  "http2",
  "ssl_ciphers",
  "ssl_protocols",
  "ssl",
  "ssl_certificate",
]);

const KEY = "h15-main-tls";

/** The sites of `name` (one of MAIN_TLS_NAMES), in reading order. */
export function sitesNamed(model: ConfigModel, name: string): DirectiveSite[] {
  const all = sitesWhere(model, KEY, MAIN_TLS_QUESTION);
  if (all.length === 0) return [];
  return all.filter((s) => s.directive.name === name);
}

/**
 * Whether `ctx` is in a fragment read in a guessed context (a `server` or `location` file no nginx.conf
 * includes): one of the blocks around it is implied, so what encloses it in production is unknown.
 */
export function inFragment(ctx: ConfigContext): boolean {
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent)
    if (c.kind !== "main" && c.directive === null) return true;
  return false;
}

/**
 * Whether the configuration is a whole one, read from its main file: its main level holds a written `events`
 * block (nginx refuses a configuration without one), or a written `http`, `stream` or `mail` block beside
 * main-level directives of its own (`worker_processes`, `user`, `pid`, …). A file holding only `http { … }`,
 * a snippet of main-level lines, or a fragment is not: the main file it belongs to may say what it lacks.
 */
export function isFullConfiguration(model: ConfigModel): boolean {
  let block = false;
  let other = false;
  for (const s of model.main.directives) {
    const n = s.directive.name;
    const written = s.directive.block !== undefined;
    if (n === "events" && written) return true;
    if ((n === "http" || n === "stream" || n === "mail") && written) block = true;
    else if (!written && n !== "include") other = true;
  }
  return block && other;
}

/** blindSpots' answers per model. */
const blindSpotsOf = new WeakMap<ConfigModel, ConfigContext[]>();

/**
 * The blocks holding an `include` whose files could not all be read (not in the workspace, refused): what they
 * set is unknown. A rule about what a block lacks (server_tokens, gzip, error_log, …) says nothing about such a
 * block or the blocks around it: the unread file may set it. Found once per model from the include edges
 * (each with a problem: few), not from the statements.
 */
function blindSpots(model: ConfigModel): ConfigContext[] {
  let found = blindSpotsOf.get(model);
  if (found !== undefined) return found;
  found = [];
  for (const e of model.config.edges) {
    if (e.resolution !== null && e.resolution.problems.length === 0) continue;
    // The innermost block around the include, in its file or, at a file's top level, around its include site.
    let at: ConfigContext | null;
    let path = e.from.path;
    let offset = e.directive.startOffset;
    let instance = e.from;
    for (;;) {
      at = contextsAt(model, path, offset)[0] ?? null;
      if (at !== null || instance.includedBy === null) break;
      path = instance.includedBy.instance.path;
      offset = instance.includedBy.directive.startOffset;
      instance = instance.includedBy.instance;
    }
    found.push(at ?? model.main);
  }
  blindSpotsOf.set(model, found);
  return found;
}

/** Whether an include that could not be read stands directly in `ctx` (not in a block inside it). */
export function directlyHoldsUnreadInclude(model: ConfigModel, ctx: ConfigContext): boolean {
  return blindSpots(model).includes(ctx);
}

/** Whether an include that could not be read stands at the main level itself (main-level directives may be in it). */
export function mainHoldsUnreadInclude(model: ConfigModel): boolean {
  return blindSpots(model).includes(model.main);
}

/** The first directive written in the main file (where a finding about what the file lacks goes). */
export function firstMainSite(model: ConfigModel): DirectiveSite | null {
  return model.main.directives.find((s) => s.file === model.main.file) ?? model.main.directives[0] ?? null;
}

/** The first argument, lower-cased (nginx's flag and enum slots compare without case). */
export function arg0(s: DirectiveSite): string {
  return (s.directive.argValue(0) ?? "").toLowerCase();
}

export function isOn(s: DirectiveSite | null | undefined): boolean {
  return s !== null && s !== undefined && arg0(s) === "on";
}

/** The last site of `name` in effect in `ctx`, not looking above `top`. */
export function lastEffective(ctx: ConfigContext, name: string, top?: ConfigContext["kind"]): DirectiveSite | null {
  const e = effective(ctx, name, top);
  return e === null ? null : e.sites[e.sites.length - 1];
}

const TOP: Partial<Record<ConfigContext["kind"], ConfigContext["kind"]>> = {
  server: "http",
  "stream-server": "stream",
  "mail-server": "mail",
};

/** The block kind a server inherits its TLS settings from (`http`, `stream`, `mail`); null for other blocks. */
export function serverTop(ctx: ConfigContext): ConfigContext["kind"] | null {
  return TOP[ctx.kind] ?? null;
}

/**
 * Whether a server of a full configuration terminates TLS: a `listen … ssl` of its own, `ssl on`, or (http)
 * a certificate or `ssl_reject_handshake on` in effect, which is when ngx_http_ssl_merge_srv_conf creates its
 * SSL_CTX (model/ssl-contexts.ts). Its ssl_* settings matter only then.
 */
export function isTlsServer(ctx: ConfigContext): boolean {
  const top = serverTop(ctx);
  if (top === null) return false;
  for (const l of ownSites(ctx, "listen")) if (l.directive.argValues().slice(1).includes("ssl")) return true;
  if (isOn(lastEffective(ctx, "ssl", top))) return true;
  if (top !== "http") return false;
  return lastEffective(ctx, "ssl_certificate", top) !== null || isOn(lastEffective(ctx, "ssl_reject_handshake", top));
}

const serversMemo = new WeakMap<ConfigModel, ConfigContext[]>();

/** The servers (http, stream, mail) of the model, in reading order (once per model: several rules ask). */
export function serversOf(model: ConfigModel): ConfigContext[] {
  let servers = serversMemo.get(model);
  if (servers === undefined) serversMemo.set(model, (servers = model.contexts.filter((c) => serverTop(c) !== null)));
  return servers;
}

/** The deployed OpenSSL version when known (setting or found in the workspace). */
export function opensslVersion(options: RuleOptions): string | null {
  return resolveVersions(options).openssl.version;
}

/** The deployed nginx version when known. */
export function nginxVersionOf(options: RuleOptions): string | null {
  return resolveVersions(options).nginx.version;
}

/** Whether `v` is known and at least `min`. */
export function atLeast(v: string | null, min: string): boolean {
  return v !== null && compareVersions(v, min) >= 0;
}

/** Whether `v` is known and below `max`. */
export function below(v: string | null, max: string): boolean {
  return v !== null && compareVersions(v, max) < 0;
}

/** A related location naming a block (its directive's name), or null for main and implied blocks. */
export function blockRelated(c: ConfigContext, message: string): RelatedLocation | null {
  return c.directive ? { path: c.file.path, range: c.directive.nameWord.range, message } : null;
}

/** Up to `n` related locations of blocks, the last saying how many more there are. */
export function sampleBlocks(
  blocks: readonly ConfigContext[],
  message: (c: ConfigContext) => string,
  n = 5,
): RelatedLocation[] {
  const out: RelatedLocation[] = [];
  for (const b of blocks) {
    if (out.length >= n) break;
    const r = blockRelated(b, message(b));
    if (r) out.push(r);
  }
  if (blocks.length > out.length && out.length > 0)
    out[out.length - 1].message += ` (and ${blocks.length - out.length} more)`;
  return out;
}

/** A TLS setting as the servers that use it see it. */
export interface TlsSetting {
  site: DirectiveSite;
  /** The TLS servers it is in effect in (empty for a fragment's directive: its servers are unknown). */
  servers: ConfigContext[];
}

/**
 * Where `name` (an ssl_* directive of http, stream and mail servers) is in effect: for every TLS server of a
 * whole configuration, the directive in effect there (its own, or inherited), each directive once with its
 * servers, and the TLS servers where it is not set (nginx's default applies); in a fragment, every directive
 * as written (whether its server terminates TLS may be said by what includes it). A directive no TLS server
 * uses (an http-level setting with only plain servers) is in neither: nothing reads it.
 */
export function tlsSettings(model: ConfigModel, name: string): { set: TlsSetting[]; unset: ConfigContext[] } {
  const byKey = new Map<string, TlsSetting>();
  const unset: ConfigContext[] = [];
  const sites = sitesNamed(model, name);
  for (const s of sites)
    if (inFragment(s.context)) {
      const k = siteKeyOf(s);
      if (!byKey.has(k)) byKey.set(k, { site: s, servers: [] });
    }
  for (const server of serversOf(model)) {
    if (inFragment(server) || !isTlsServer(server)) continue;
    const s = sites.length === 0 ? null : lastEffective(server, name, serverTop(server)!);
    if (s === null) {
      unset.push(server);
      continue;
    }
    const k = siteKeyOf(s);
    let t = byKey.get(k);
    if (t === undefined) byKey.set(k, (t = { site: s, servers: [] }));
    t.servers.push(server);
  }
  const set = [...byKey.values()].sort(
    (a, b) =>
      (a.site.file.path < b.site.file.path ? -1 : a.site.file.path > b.site.file.path ? 1 : 0) ||
      a.site.directive.startOffset - b.site.directive.startOffset,
  );
  return { set, unset };
}

function siteKeyOf(s: DirectiveSite): string {
  return `${s.file.path}\0${s.directive.startOffset}`;
}

/** "in 3 TLS servers (server a.example:443, …)" for a message, or "" for a fragment's directive. */
export function serversPhrase(servers: readonly ConfigContext[]): string {
  if (servers.length === 0) return "";
  const names = servers.slice(0, 2).map((c) => c.label);
  return ` (in effect in ${servers.length} TLS server${servers.length === 1 ? "" : "s"}: ${names.join(", ")}${servers.length > 2 ? ", …" : ""})`;
}

/** The group's question, known from the start (model/index.ts registerQuestion). */
const MAIN_TLS_QUESTION = registerQuestion(KEY, (n) => MAIN_TLS_NAMES.has(n));
