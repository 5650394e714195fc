// What the rules about resolvers, upstreams and proxying (issue 15) share: the one question they ask the
// model (every rule of the group filters the same sites), how a `*_pass` URL splits into host and URI, which
// `upstream` block a host names, what a host made of variables is when `set` gives them literal values, and
// whether an address is a public one.
//
// nginx's own reading, for reference: ngx_http_proxy_pass (src/http/modules/ngx_http_proxy_module.c) parses
// the URL once when it has no variables and makes an implicit upstream of its host (ngx_http_upstream_add,
// resolved while the configuration is read); with variables the URL is evaluated per request and
// ngx_http_upstream_init_request (src/http/ngx_http_upstream.c) looks the host up among the `upstream` blocks
// and implicit upstreams (same name, and port 0 with no port given or the same port) before it asks the
// `resolver` in effect — without one: "no resolver defined to resolve …" and 502.

import type { Directive } from "../parse/ast";
import {
  contextMemo,
  effective,
  isOneTime,
  registerQuestion,
  siteKey,
  sitesWhere,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../model";
import { SubtreeMemo, summarize, type SubtreeFold } from "../workspace/subtree-memo";
import { pruning } from "./pruning";
import type { Finding, RelatedLocation, RuleOptions, Severity } from "./types";

/** The `*_pass` directives of http that take a URL (memcached_pass takes no variables and no URI). */
export const HTTP_PASSES: ReadonlySet<string> = new Set([
  "proxy_pass",
  "fastcgi_pass",
  "uwsgi_pass",
  "scgi_pass",
  "grpc_pass",
  "memcached_pass",
]);

/**
 * The rare names the group's rules read, asked of the model as ONE question (the model remembers per block
 * the answers of a few questions only, model/names-under.ts). The frequent ones — the passes, `set`,
 * `try_files`: 2,500 locations of large-config each hold a proxy_pass and three `set` — are read from the
 * location configurations' own statements instead (`locationStatements`): sitesWhere would make the site of
 * every statement of every such block on every keystroke (12 ms of large-config's analysis).
 */
export const UPSTREAM_GROUP_NAMES: ReadonlySet<string> = new Set([
  "upstream",
  "resolver",
  "ssl_stapling",
  "keepalive_requests",
]);

/** What the location scan collects: the passes and `try_files`. */
const LOCATION_NAMES: ReadonlySet<string> = new Set([...HTTP_PASSES, "try_files"]);
/** Every name PASS_FOLD reads. */
const PASS_FOLD_NAMES: ReadonlySet<string> = new Set([
  ...LOCATION_NAMES,
  "include",
  "proxy_http_version",
  "proxy_set_header",
  "rewrite",
]);
/** `set`, read only when a pass has variables (large-config: 7,500 of them, and no such pass). */
const SET: ReadonlySet<string> = new Set(["set"]);

const KEY = "h15-upstream";

/** The sites of the group's rare names, in reading order. */
export function groupSites(model: ConfigModel): DirectiveSite[] {
  return sitesWhere(model, KEY, GROUP_QUESTION);
}

/**
 * The sites of `wanted` names written in `ctx` itself, without making the site of every statement of the
 * block: its statements are scanned by name when none of them is an `include` (then every one is from the
 * block's own file); otherwise the model's sites (included files in place).
 */
export function ownSitesNamed(
  ctx: ConfigContext,
  wanted: ReadonlySet<string>,
  out: DirectiveSite[] = [],
): DirectiveSite[] {
  const children = ctx.directive?.block?.children;
  if (children !== undefined) {
    let include = false;
    for (let i = 0; i < children.length; i++) {
      const n = children[i];
      if (n.kind === "directive" && n.name === "include") {
        include = true;
        break;
      }
    }
    if (!include) {
      for (let i = 0; i < children.length; i++) {
        const n = children[i];
        if (n.kind === "directive" && wanted.has(n.name)) out.push({ directive: n, file: ctx.file, context: ctx });
      }
      return out;
    }
  }
  for (const s of ctx.directives) if (wanted.has(s.directive.name)) out.push(s);
  return out;
}

const nameSets = new Map<string, ReadonlySet<string>>();

/** The sites of a name a level does not write (shared, never changed). */
const NO_SITES = Object.freeze([]) as unknown as DirectiveSite[];

/** Per context (until its model is retired): the sites of each name asked, written in it. */
const ownNamed = contextMemo<Map<string, DirectiveSite[]>>();

/**
 * The sites of `name` at the nearest level that sets it (`all`; `site` the last), or null. Each level's own
 * sites of a name are read once per model, but a block's without blocks inside: every pass of a server asks
 * its server and http the same (the bench's 1M-line workspace scanned each server's 130 statements for each
 * of its 60 passes).
 */
export function effectiveNamed(ctx: ConfigContext, name: string): { site: DirectiveSite; all: DirectiveSite[] } | null {
  let wanted = nameSets.get(name);
  if (wanted === undefined) nameSets.set(name, (wanted = new Set([name])));
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) {
    let found: DirectiveSite[] | undefined;
    // A block with no block inside is asked only for its own passes (a location has one or two): read, not
    // kept (a map per location was 40 MB of a cold check of the 1M-line workspace).
    if (c.children.length === 0) found = ownSitesNamed(c, wanted);
    else {
      let byName = ownNamed.get(c);
      if (byName === undefined) ownNamed.set(c, (byName = new Map()));
      found = byName.get(name);
      if (found === undefined) {
        found = ownSitesNamed(c, wanted);
        byName.set(name, found.length > 0 ? found : NO_SITES);
      }
    }
    if (found.length > 0) return { site: found[found.length - 1], all: found };
  }
  return null;
}

/**
 * What the group reads of a block's own statements when none is an `include`: kept per block while it is
 * unchanged (subtree-memo.ts; nodes and texts only), so a keystroke scans the blocks around the edit, not
 * the 2,500 locations of large-config.
 */
export interface BlockSummary extends OwnProxying {
  /** The passes and `try_files` of the block, in reading order. */
  statements: readonly Directive[];
  /** Each pass's URL as parsePassUrl reads it (null for `try_files` and a pass without argument). */
  urls: readonly (PassUrl | null)[];
}

/** A block's own proxying settings (BlockSummary; ownProxyingByContext for a one-time model). */
export interface OwnProxying {
  /** Its own last `proxy_http_version` (null: none). */
  version: Directive | null;
  /** It has `proxy_set_header`s of its own (then none is inherited); `connection`: the last `Connection` one. */
  headers: boolean;
  connection: Directive | null;
}

const SUMMARY = new SubtreeMemo<BlockSummary | null>();

/**
 * The block's summary, or null when it has an `include` among its statements (or no block of its own): kept by
 * the fold that makes the block's PassTree, which reads every one of its statements anyway.
 */
export function blockSummary(ctx: ConfigContext): BlockSummary | null {
  const d = ctx.directive;
  if (d === null || d.block === undefined) return null;
  passTree(d);
  return SUMMARY.get(d) ?? null;
}

function summaryOf(f: PassFrame): BlockSummary {
  const statements = f.statements;
  if (statements === null && !f.headers && f.ownVersion === null) return NOTHING;
  const urls =
    statements === null
      ? []
      : statements.map((s) => {
          const v = s.name === "try_files" ? undefined : s.argValue(0);
          return v === undefined ? null : parsePassUrl(v);
        });
  return {
    statements: statements ?? [],
    urls,
    version: f.ownVersion,
    headers: f.headers,
    connection: f.ownConnection,
  };
}

/** The summary of the blocks with no pass, `try_files`, `proxy_http_version` nor header (most of them): shared. */
const NOTHING: BlockSummary = {
  statements: [],
  urls: [],
  version: null,
  headers: false,
  connection: null,
};

/**
 * What a block's subtree (in its own file) holds that any rule of the group would look at, kept per block
 * while it is unchanged: a server whose passes all go to `upstream` blocks (or addresses) from blocks that
 * keep the connection alive themselves, with no URI part, no variable, no `try_files`, no fastcgi_pass and no
 * `rewrite ^ $request_uri`, gives none of the group's findings. Its location configurations are then not read
 * at all: large-config ×10's 25,000 locations pass to one upstream that way, and reading each of them per
 * keystroke (a site per pass, then every rule's loop over them) was 25 ms of its analysis.
 */
interface PassTree {
  /** Something below is worth a look whatever the hosts (or an `include`: anything may be). */
  busy: boolean;
  /** The hosts (lower case) of the passes below without variables; null with `busy`. */
  hosts: ReadonlySet<string> | null;
  /** A `rewrite ^ $request_uri` among the block's own statements (it changes every pass below). */
  ownRaw: boolean;
}

const PASS_TREES = new SubtreeMemo<PassTree>();
const QUIET: PassTree = { busy: false, hosts: new Set(), ownRaw: false };
/** Past this many hosts a subtree counts as busy. */
const MAX_HOSTS = 64;
const RAW_URI = /^\$(request_uri|\{request_uri\})$/i;

interface PassFrame {
  d: Directive;
  busy: boolean;
  hosts: Set<string> | null;
  /** A proxy_pass among the block's own statements. */
  proxy: boolean;
  ownRaw: boolean;
  /** Its own last proxy_http_version, whether it has a proxy_set_header, its last Connection one (BlockSummary). */
  ownVersion: Directive | null;
  headers: boolean;
  ownConnection: Directive | null;
  /** Its own passes and `try_files` (BlockSummary.statements), null while none. */
  statements: Directive[] | null;
  /** An `include` among its own statements (then it has no BlockSummary). */
  include: boolean;
}

/**
 * The one PassTree per set of hosts with nothing else to look at (the 25,000 locations of large-config ×10
 * pass to one upstream): locationStatements judges each once per analysis, not each location's.
 */
const quietTrees = new Map<string, PassTree>();

function quietTree(hosts: Set<string>): PassTree {
  // One host (most blocks): the host is the key, no list sorted and joined per block.
  // (Several: led by a line break, which no single host's key has.)
  const key = hosts.size === 1 ? hosts.values().next().value! : `\n${[...hosts].sort().join("\n")}`;
  let t = quietTrees.get(key);
  if (t === undefined) {
    if (quietTrees.size > 4096) quietTrees.clear();
    quietTrees.set(key, (t = { busy: false, hosts, ownRaw: false }));
  }
  return t;
}

function addHost(f: PassFrame, h: string): void {
  if (f.busy) return;
  (f.hosts ??= new Set()).add(h);
  if (f.hosts.size > MAX_HOSTS) {
    f.busy = true;
    f.hosts = null;
  }
}

/**
 * How a block's PassTree is made from its statements and the blocks below (subtree-memo.ts `summarize`). A
 * busy block's own statements are still read to their end (`ownRaw`), not the blocks in it.
 */
const PASS_FOLD: SubtreeFold<PassFrame, PassTree> = {
  start: (d) => ({
    d,
    busy: false,
    hosts: null,
    proxy: false,
    ownRaw: false,
    ownVersion: null,
    headers: false,
    ownConnection: null,
    statements: null,
    include: false,
  }),
  statement(f, n) {
    const name = n.name;
    // One lookup for the name: most statements are none of those read here.
    if (!PASS_FOLD_NAMES.has(name)) return !f.busy;
    // `[n]`: an empty array pushed to takes room for 17 (kept with every summary).
    if (LOCATION_NAMES.has(name)) {
      if (f.statements === null) f.statements = [n];
      else f.statements.push(n);
    }
    if (name === "include" || name === "try_files" || name === "fastcgi_pass") {
      f.busy = true;
      f.include ||= name === "include";
    } else if (HTTP_PASSES.has(name)) {
      const v = n.argValue(0);
      if (v !== undefined) {
        const url = parsePassUrl(v);
        if (url.variables || url.uri !== null) f.busy = true;
        else if (!url.unix) addHost(f, url.hostLower);
      }
      if (name === "proxy_pass") f.proxy = true;
    } else if (name === "proxy_http_version") {
      f.ownVersion = n;
    } else if (name === "proxy_set_header") {
      f.headers = true;
      if (isConnection(n.argValue(0))) {
        f.ownConnection = n;
      }
    } else if (name === "rewrite" && n.argValue(0) === "^" && RAW_URI.test(n.argValue(1) ?? ""))
      f.busy = f.ownRaw = true;
    return !f.busy;
  },
  merge(f, t) {
    if (t === QUIET || f.busy) return;
    if (t.busy) {
      f.busy = true;
      f.hosts = null;
      return;
    }
    for (const h of t.hosts!) addHost(f, h);
  },
  finish(f) {
    // What the group reads of the block's own statements (`blockSummary`): the fold reads them all anyway (a
    // scan of its own per location was a tenth of the group's time on the 1M-line workspace).
    SUMMARY.set(f.d, f.include ? null : summaryOf(f));
    if (f.proxy && !keepsAliveWith(f.ownVersion, f.ownConnection)) f.busy = true;
    return f.busy || f.ownRaw
      ? { busy: f.busy, hosts: f.busy ? null : f.hosts, ownRaw: f.ownRaw }
      : f.hosts === null
        ? QUIET
        : quietTree(f.hosts);
  },
};

/** The subtree summary of a block directive, remembered per block while it is unchanged. */
function passTree(block: Directive): PassTree {
  return summarize(block, PASS_TREES, PASS_FOLD);
}

/** Per block directive: the PassTree of each block among its own statements, in order (null: an include). */
const CHILD_TREES = new SubtreeMemo<PassTree[] | null>();

function childTrees(block: Directive): PassTree[] | null {
  let trees = CHILD_TREES.get(block);
  if (trees === undefined) {
    trees = [];
    for (const n of block.block?.children ?? []) {
      if (n.kind !== "directive") continue;
      if (n.name === "include") {
        trees = null;
        break;
      }
      if (n.block) trees.push(passTree(n));
    }
    CHILD_TREES.set(block, trees);
  }
  return trees;
}

/** Per model: the passes and `try_files` of the location configurations and stream servers worth a look. */
const locationMemo = new WeakMap<ConfigModel, DirectiveSite[]>();
/** Per model: the same, none left out (`all`). */
const allLocationMemo = new WeakMap<ConfigModel, DirectiveSite[]>();
/** Per model: every pass, for the implicit upstreams (UpstreamIndex.knows). */
const everyPassMemo = new WeakMap<ConfigModel, PassSite[]>();

/**
 * The statements of LOCATION_NAMES in every location configuration (server, location, if, limit_except) and
 * stream server, in reading order — except those of an http server whose passes give the group nothing to
 * say (PassTree; `all` keeps them). A pass with a URL is a PassSite (the site itself, with its URL parsed
 * once per unchanged block): one object per statement, which the model keeps until it is retired.
 */
export function locationStatements(model: ConfigModel, all = !pruning.upstream): DirectiveSite[] {
  const memo = all ? allLocationMemo : locationMemo;
  const known = memo.get(model);
  if (known !== undefined) return known;
  if (all && isOneTime(model)) {
    const found = statementsAsked(model);
    memo.set(model, found);
    return found;
  }
  const sites: DirectiveSite[] = [];
  const push = (directive: Directive, ctx: ConfigContext, file: DirectiveSite["file"], url: PassUrl | null): void => {
    sites.push(url === null ? { directive, file, context: ctx } : passSiteOf(directive, ctx, file, url));
  };
  const urlOf = (d: Directive): PassUrl | null => {
    const v = d.name === "try_files" ? undefined : d.argValue(0);
    return v === undefined ? null : parsePassUrl(v);
  };
  const add = (ctx: ConfigContext): void => {
    const summary = blockSummary(ctx);
    if (summary === null) {
      for (const s of ownSitesNamed(ctx, LOCATION_NAMES)) push(s.directive, ctx, s.file, urlOf(s.directive));
    } else
      for (let i = 0; i < summary.statements.length; i++) push(summary.statements[i], ctx, ctx.file, summary.urls[i]);
  };
  // A location configuration's statements are left out when its subtree's passes all go to upstream blocks
  // or addresses (PassTree, `treeQuiet`), the blocks between it and its server are not busy (a raw rewrite in
  // a sibling `if` of its location counts) and its server has no raw rewrite of its own (`quietAbove`).
  let explicit: ReadonlyMap<string, UpstreamBlock[]> | undefined;
  const hostQuiet = new Map<string, boolean>();
  const treeQuietMemo = new Map<PassTree, boolean>();
  const treeQuiet = (tree: PassTree): boolean => {
    if (tree.busy || tree.ownRaw) return false;
    let q = treeQuietMemo.get(tree);
    if (q === undefined) {
      q = true;
      for (const h of tree.hosts!) {
        let hq = hostQuiet.get(h);
        if (hq === undefined) {
          explicit ??= upstreamBlocks(model, false);
          hostQuiet.set(h, (hq = explicit.has(h) || isIpAddress(h)));
        }
        if (!hq) q = false;
      }
      treeQuietMemo.set(tree, q);
    }
    return q;
  };
  const aboveQuiet = new Map<ConfigContext, boolean>();
  // Whether the blocks from `start` up to its server let a quiet block below be left out, remembered for
  // every block on the way (a walk to the server from each of 10,000 nested locations is 10^8 steps).
  const quietAbove = (start: ConfigContext): boolean => {
    const path: ConfigContext[] = [];
    let q = false;
    for (let c: ConfigContext | null = start; c !== null && c.directive !== null; c = c.parent) {
      const known = aboveQuiet.get(c);
      if (known !== undefined) {
        q = known;
        break;
      }
      const t = passTree(c.directive);
      if (c.kind === "server") {
        q = !t.ownRaw;
        aboveQuiet.set(c, q);
        break;
      }
      if (t.busy || t.ownRaw || c.kind === "http") {
        aboveQuiet.set(c, false);
        break;
      }
      path.push(c);
    }
    for (const c of path) aboveQuiet.set(c, q);
    return q;
  };
  if (all) for (const ctx of model.locationConfigurations) add(ctx);
  else {
    // The contexts depth-first from main (reading order, the order of locationConfigurations), leaving out
    // each quiet subtree. Below a server, its children's trees are read from one array kept with the server
    // (childTrees), not from each location: a keystroke on large-config ×10 otherwise touched the memo of every
    // one of its 25,000 locations.
    const stack: ConfigContext[] = [model.main];
    while (stack.length > 0) {
      const c = stack.pop()!;
      const children = c.children;
      const d = c.directive;
      if (!c.isLocationConfiguration) {
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
        continue;
      }
      if (d !== null && treeQuiet(passTree(d)) && c.parent !== null && quietAbove(c.parent)) continue;
      add(c);
      const trees = d !== null && d.block?.children === (c as { body?: unknown }).body ? childTrees(d) : null;
      const below = trees !== null && trees.length === children.length && quietAbove(c);
      for (let i = children.length - 1; i >= 0; i--) if (!below || !treeQuiet(trees![i])) stack.push(children[i]);
    }
  }
  for (const ctx of model.streamServers) add(ctx);
  memo.set(model, sites);
  return sites;
}

/**
 * `locationStatements(model, true)` of a one-time model (model/index.ts isOneTime), from the sites of
 * LOCATION_QUESTION, which the model answers with every other question in one walk: reading the statements
 * of each of the 1M-line workspace's 130,000 location configurations for their summaries was the group's
 * largest cost. The sites are put in the order the summaries give them: by location configuration (in
 * `model.locationConfigurations` order, which is the order of context ids), then by stream server, each
 * block's own in reading order (a counting sort by context id).
 */
function statementsAsked(model: ConfigModel): DirectiveSite[] {
  const found = sitesWhere(model, LOCATION_KEY, LOCATION_QUESTION);
  const n = model.contexts.length;
  // Location configurations first, stream servers after them.
  const slotOf = (c: ConfigContext): number =>
    c.isLocationConfiguration ? c.id : c.kind === "stream-server" ? n + c.id : -1;
  const next = new Int32Array(2 * n + 1);
  // Indexed loops (here and below): run once per analysis, a for…of stays unoptimised and makes an iterator
  // result per site.
  for (let i = 0; i < found.length; i++) {
    const slot = slotOf(found[i].context);
    if (slot >= 0) next[slot + 1]++;
  }
  for (let i = 1; i < next.length; i++) next[i] += next[i - 1];
  const out = new Array<DirectiveSite>(next[next.length - 1]);
  for (let i = 0; i < found.length; i++) {
    const s = found[i];
    const slot = slotOf(s.context);
    if (slot < 0) continue;
    const d = s.directive;
    const v = d.name === "try_files" ? undefined : d.argValue(0);
    out[next[slot]++] = v === undefined ? s : passSiteOf(d, s.context, s.file, parsePassUrl(v));
  }
  return out;
}

/** A pass with its URL, as locationStatements lists it (a site of its own, `site` itself). */
function passSiteOf(directive: Directive, context: ConfigContext, file: DirectiveSite["file"], url: PassUrl): PassSite {
  const p = { directive, file, context, url, stream: context.kind === "stream-server" } as PassSite;
  p.site = p;
  return p;
}

const NO_PROXYING: OwnProxying = { version: null, headers: false, connection: null };

/**
 * For a one-time model (model/index.ts isOneTime): each block's own proxying settings, by context id (a
 * block with none: NO_PROXYING), from the sites of PROXYING_QUESTION, which the model answers with every
 * other question in one walk. Reading each proxying location's statements for its summary (45,000 passes of
 * the 1M-line workspace) was most of proxy-keepalive's time. A block's own statements include the files it
 * includes, as nginx reads them (a BlockSummary has none for such a block: its reader looks up the levels).
 */
export function ownProxyingByContext(model: ConfigModel): readonly OwnProxying[] {
  const out = new Array<OwnProxying>(model.contexts.length).fill(NO_PROXYING);
  const sites = sitesWhere(model, PROXYING_KEY, PROXYING_QUESTION);
  for (let i = 0; i < sites.length; i++) {
    const s = sites[i];
    const id = s.context.id;
    let own = out[id];
    if (own === NO_PROXYING) out[id] = own = { version: null, headers: false, connection: null };
    const d = s.directive;
    if (d.name === "proxy_http_version") own.version = d;
    else {
      own.headers = true;
      if (isConnection(d.argValue(0))) own.connection = d;
    }
  }
  return out;
}

/**
 * Whether a block's own settings keep the connection alive: its last proxy_http_version is not 1.0 and its
 * last Connection header is empty.
 */
export function keepsAliveItself(own: OwnProxying): boolean {
  return keepsAliveWith(own.version, own.connection);
}

function keepsAliveWith(version: Directive | null, connection: Directive | null): boolean {
  return version !== null && version.argValue(0) !== "1.0" && connection?.argValue(1) === "";
}

/** Whether a context is inside an `http` block (or is one), as opposed to stream or mail. */
export function inHttp(ctx: ConfigContext): boolean {
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) {
    if (c.kind === "http") return true;
    if (c.kind === "stream" || c.kind === "mail" || c.kind.startsWith("stream")) return false;
  }
  // A fragment read in a guessed context without its http block: http when it is a server or location.
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent)
    if (c.kind === "server" || c.kind === "location" || c.kind === "upstream") return true;
  return false;
}

/** Whether a context is inside a `stream` block. */
export function inStream(ctx: ConfigContext): boolean {
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent)
    if (c.kind === "stream" || c.kind === "stream-server" || c.kind === "stream-upstream") return true;
  return false;
}

/** A `*_pass` URL split as nginx reads it (ngx_parse_url): the host part may hold variables. */
export interface PassUrl {
  /** `http://`, `https://`, `grpcs://`, … or "" when there is none. */
  scheme: string;
  /** The host as written (`api.example.com`, `[::1]`, `$backend`, `u$p`); "" for a unix socket. */
  host: string;
  /** `host` in lower case (upstream names are compared without case). */
  hostLower: string;
  /** The port as written, or null. */
  port: string | null;
  /** The URI part (`/`, `/app/`, `/$1`) or null when the URL has none. */
  uri: string | null;
  unix: boolean;
  /** The whole URL holds a variable (nginx evaluates it per request). */
  variables: boolean;
}

/** Whether a header name is `Connection`, in any case (no lowercase copy made of every other header's name). */
export function isConnection(header: string | undefined): boolean {
  return header !== undefined && header.length === 10 && header.toLowerCase() === "connection";
}

/** Whether `text` holds an nginx variable (`$name`, `${name}`, `$1`). */
export function hasVariable(text: string): boolean {
  return VARIABLE.test(text);
}

const VARIABLE = /\$(\{?[A-Za-z0-9_])/;

/**
 * `value` read as a pass's URL, one object per text (read only: callers share it): the same few URLs are
 * written in every location of a site (45,000 passes of the bench's 1M-line workspace, to 1,000 upstreams).
 */
export function parsePassUrl(value: string): Readonly<PassUrl> {
  let url = passUrls.get(value);
  if (url === undefined) {
    if (passUrls.size > 16_384) passUrls.clear();
    passUrls.set(value, (url = readPassUrl(value)));
  }
  return url;
}

const passUrls = new Map<string, Readonly<PassUrl>>();

function readPassUrl(value: string): PassUrl {
  const variables = hasVariable(value);
  // The scheme may itself be a variable (`$scheme://$host`).
  const m = /^([a-z][a-z0-9+.-]*:\/\/|\$\{?[A-Za-z0-9_]+\}?:\/\/)/i.exec(value);
  const scheme = m ? m[1] : "";
  const rest = value.slice(scheme.length);
  if (/^unix:/i.test(rest)) {
    // unix:/path/to.sock[:/uri] (ngx_parse_unix_domain_url): the URI follows the path's first ':'.
    const colon = rest.indexOf(":", 5);
    const uri = colon >= 0 ? rest.slice(colon + 1) : null;
    return { scheme, host: "", hostLower: "", port: null, uri, unix: true, variables };
  }
  let hostPort: string;
  let uri: string | null;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    hostPort = rest.slice(0, slash);
    uri = rest.slice(slash);
  } else {
    hostPort = rest;
    uri = null;
  }
  let host = hostPort;
  let port: string | null = null;
  if (hostPort.startsWith("[")) {
    const end = hostPort.indexOf("]");
    if (end >= 0) {
      host = hostPort.slice(0, end + 1);
      const after = hostPort.slice(end + 1);
      if (after.startsWith(":")) port = after.slice(1);
    }
  } else {
    // `host:8080`, and with variables `localhost:8080$request_uri` (the port ends where a variable starts).
    const m = /:(\d+)(\$.*)?$/.exec(hostPort);
    if (m) {
      host = hostPort.slice(0, m.index) + (m[2] ?? "");
      port = m[1];
    }
  }
  return { scheme, host, hostLower: host.toLowerCase(), port, uri, unix: false, variables };
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Whether `host` is an IP address (v4, v6 with or without brackets): nginx resolves nothing for it. */
export function isIpAddress(host: string): boolean {
  if (IPV4.test(host)) return true;
  const h = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return h.includes(":") && /^[0-9a-fA-F:.]+(%\S+)?$/.test(h);
}

/** `localhost` and names under it: answered by /etc/hosts, not DNS. */
export function isLocalhostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return h === "localhost" || h === "ip6-localhost" || h.endsWith(".localhost");
}

/** Variables whose value starts with `/` (the URI), so a host written before them ends there. */
const URI_VARIABLES = new Set(["uri", "document_uri", "request_uri", "fastcgi_script_name", "fastcgi_path_info"]);

/** The `set` values of each variable in the configuration (lower-case name → values as written). */
export function setValues(model: ConfigModel): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const sites: DirectiveSite[] = [];
  for (const ctx of model.locationConfigurations) ownSitesNamed(ctx, SET, sites);
  for (const s of sites) {
    const v = s.directive.argValue(0);
    const value = s.directive.argValue(1);
    if (v === undefined || value === undefined || !v.startsWith("$")) continue;
    const name = v.slice(1).toLowerCase();
    const list = out.get(name);
    if (list === undefined) out.set(name, [value]);
    else if (!list.includes(value)) list.push(value);
  }
  return out;
}

/** At most this many candidate hosts are worked out for one host made of variables. */
const MAX_CANDIDATES = 8;

/**
 * The host names a host part made of literal text and variables can be at run time, as far as `set` with
 * literal values tells (`set $p p; proxy_pass https://u$p$1` → `up`): a capture (`$1`) or a URI variable
 * starts the URI, so the host ends before it. Null when a variable's value is unknown (a `map`, a request
 * header, a `set` from another variable).
 */
export function hostCandidates(host: string, sets: ReadonlyMap<string, readonly string[]>): string[] | null {
  let candidates = [""];
  const re = /\$(\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(host)) !== null) {
    const literal = host.slice(last, m.index);
    candidates = candidates.map((c) => c + literal);
    last = m.index + m[0].length;
    const name = (m[2] ?? m[3]).toLowerCase();
    if (/^\d+$/.test(name) || URI_VARIABLES.has(name)) return candidates;
    const values = sets.get(name);
    if (values === undefined || values.some(hasVariable)) return null;
    const next: string[] = [];
    for (const c of candidates) for (const v of values) if (next.length < MAX_CANDIDATES) next.push(c + v);
    candidates = next;
  }
  const tail = host.slice(last);
  // A value from `set` may carry a port or a URI itself (`set $b api.example.com:8080`).
  return candidates.map((c) => (c + tail).replace(/[/:].*$/, ""));
}

/** An `upstream` block: its name and context. */
export interface UpstreamBlock {
  name: string;
  site: DirectiveSite;
  ctx: ConfigContext;
}

/**
 * The block context a block directive's site opens. `byDirective`: per parent context, its children by block
 * directive, made when a parent is first asked about: the http block of the 1M-line workspace has 5,000
 * children, and a search among them for each of its 1,000 upstreams was most of the rules' reading of them.
 */
function blockContext(
  site: DirectiveSite,
  byDirective: Map<ConfigContext, Map<Directive, ConfigContext>>,
): ConfigContext | null {
  const parent = site.context;
  let children = byDirective.get(parent);
  if (children === undefined) {
    children = new Map();
    // The first context of a directive (a file read twice opens a block twice: told apart by the file below).
    for (const c of parent.children)
      if (c.directive !== null && !children.has(c.directive)) children.set(c.directive, c);
    byDirective.set(parent, children);
  }
  const first = children.get(site.directive);
  if (first !== undefined && first.file === site.file) return first;
  for (const c of parent.children) if (c.directive === site.directive && c.file === site.file) return c;
  return null;
}

/** Per model: its upstream blocks of http and of stream (upstreamBlocks; callers only read them). */
const upstreamsMemo = new WeakMap<
  ConfigModel,
  { http: Map<string, UpstreamBlock[]>; stream: Map<string, UpstreamBlock[]> }
>();

/** The `upstream` blocks of http (`stream` false) or stream, by lower-case name (read only: shared per model). */
export function upstreamBlocks(model: ConfigModel, stream: boolean): ReadonlyMap<string, UpstreamBlock[]> {
  let known = upstreamsMemo.get(model);
  if (known === undefined) upstreamsMemo.set(model, (known = readUpstreamBlocks(model)));
  return stream ? known.stream : known.http;
}

function readUpstreamBlocks(model: ConfigModel): {
  http: Map<string, UpstreamBlock[]>;
  stream: Map<string, UpstreamBlock[]>;
} {
  const http = new Map<string, UpstreamBlock[]>();
  const streams = new Map<string, UpstreamBlock[]>();
  const byDirective = new Map<ConfigContext, Map<Directive, ConfigContext>>();
  for (const s of groupSites(model)) {
    if (s.directive.name !== "upstream" || s.directive.block === undefined) continue;
    const ctx = blockContext(s, byDirective);
    if (ctx === null) continue;
    const out = ctx.kind === "stream-upstream" ? streams : http;
    const name = (s.directive.argValue(0) ?? "").toLowerCase();
    const list = out.get(name);
    const u = { name, site: s, ctx };
    if (list === undefined) out.set(name, [u]);
    else list.push(u);
  }
  return { http, stream: streams };
}

/** The `resolver` in effect in a context (http: server, location; the upstream's own since 1.27.3). */
export function resolverIn(ctx: ConfigContext): DirectiveSite | null {
  return effectiveNamed(ctx, "resolver")?.site ?? null;
}

/** The last value of `name` in effect in `ctx`, with its site. */
export function lastEffective(ctx: ConfigContext, name: string): DirectiveSite | null {
  const e = effective(ctx, name);
  return e === null ? null : e.sites[e.sites.length - 1];
}

/** A RelatedLocation for a site (the word `word`, else the directive's name). */
export function relatedAt(site: DirectiveSite, message: string, word = -1): RelatedLocation {
  const d: Directive = site.directive;
  return { path: site.file.path, range: d.wordRange(word), message };
}

/** Collects findings, one per position and code (a file included twice is reported once). */
export class FindingSink {
  readonly findings: Finding[] = [];
  private readonly seen = new Set<string>();
  constructor(
    private readonly ruleId: string,
    private readonly severity: Severity,
  ) {}

  add(
    site: DirectiveSite,
    code: string,
    message: string,
    word = -1,
    related?: RelatedLocation[],
    data?: Record<string, unknown>,
  ): void {
    const key = `${siteKey(site)}\0${word}\0${code}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const d = site.directive;
    const f: Finding = {
      ruleId: this.ruleId,
      code,
      severity: this.severity,
      path: site.file.path,
      range: d.wordRange(word),
      message,
    };
    // Set when present, not spread into the literal: spreading made each finding in the runtime's slow path
    // (the 1M-line workspace's 10,015 proxy-keepalive findings).
    if (related !== undefined && related.length > 0) f.related = related;
    if (data !== undefined) f.data = data;
    this.findings.push(f);
  }
}

/** `a` ≥ `b` for dotted versions (`1.27.3`). */
export function versionAtLeast(a: string, b: string): boolean {
  const pa = a.split(".").map((x) => parseInt(x, 10) || 0);
  const pb = b.split(".").map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** A `*_pass` of http or stream's `proxy_pass`, read: a site of the model with its URL. */
export interface PassSite extends DirectiveSite {
  /** The pass itself (as a plain site, for the callers that keep one). */
  site: DirectiveSite;
  url: PassUrl;
  stream: boolean;
}

function isPassSite(s: DirectiveSite): s is PassSite {
  return (s as Partial<PassSite>).url !== undefined;
}

const passMemo = new WeakMap<ConfigModel, PassSite[]>();

/**
 * Every `*_pass` with a URL worth a look, in reading order (stream's `proxy_pass` included, marked): not those
 * of the servers whose passes give the group nothing to say (locationStatements).
 */
export function passSites(model: ConfigModel, options?: RuleOptions): PassSite[] {
  // A one-time analysis leaves none out (nothing to spare a next one): the same list as everyPass's.
  if (options?.once === true) return everyPass(model);
  const known = passMemo.get(model);
  if (known !== undefined) return known;
  const out = passesOf(locationStatements(model));
  passMemo.set(model, out);
  return out;
}

/** Every `*_pass` with a URL, the quiet servers' too. */
function everyPass(model: ConfigModel): PassSite[] {
  let known = everyPassMemo.get(model);
  if (known === undefined) everyPassMemo.set(model, (known = passesOf(locationStatements(model, true))));
  return known;
}

function passesOf(statements: readonly DirectiveSite[]): PassSite[] {
  const out: PassSite[] = [];
  for (const s of statements) {
    if (!isPassSite(s)) continue;
    if (s.stream && s.directive.name !== "proxy_pass") continue;
    out.push(s);
  }
  return out;
}

/** The port a URL reaches when it names none (ngx_http_proxy_pass and its siblings). */
export function defaultPort(scheme: string): string {
  const s = scheme.toLowerCase();
  return s === "https://" || s === "grpcs://" || s === "uwsgis://" || s === "suwsgi://" ? "443" : "80";
}

/**
 * What a host names at run time, as ngx_http_upstream_init_request looks it up: an `upstream` block (same
 * name, no port given), an implicit upstream another pass made (same name and port), or nothing (then the
 * resolver is asked).
 */
const indexMemo = new WeakMap<ConfigModel, { http: UpstreamIndex; stream: UpstreamIndex }>();

/** The upstream indexes of http and stream for a model's passes (made once per model). */
export function upstreamIndexes(model: ConfigModel): { http: UpstreamIndex; stream: UpstreamIndex } {
  let known = indexMemo.get(model);
  if (known === undefined) {
    known = { http: new UpstreamIndex(model, false), stream: new UpstreamIndex(model, true) };
    indexMemo.set(model, known);
  }
  return known;
}

export class UpstreamIndex {
  readonly explicit: ReadonlyMap<string, UpstreamBlock[]>;
  /** Made when first asked (`knows`): from every pass, the quiet servers' too. */
  private implicitSet: Set<string> | undefined;

  constructor(
    private readonly model: ConfigModel,
    private readonly stream: boolean,
  ) {
    this.explicit = upstreamBlocks(model, stream);
  }

  private get implicit(): Set<string> {
    if (this.implicitSet === undefined) {
      this.implicitSet = new Set();
      for (const p of everyPass(this.model)) {
        if (p.stream !== this.stream || p.url.variables || p.url.unix) continue;
        if (this.explicit.has(p.url.hostLower)) continue;
        this.implicitSet.add(`${p.url.hostLower}:${p.url.port ?? defaultPort(p.url.scheme)}`);
      }
    }
    return this.implicitSet;
  }

  /** The explicit upstream a pass without variables names (the port is nginx -t's business). */
  named(host: string): UpstreamBlock[] | undefined {
    return this.explicit.get(host.toLowerCase());
  }

  /** Whether a host evaluated at run time (with its port as written) is an upstream nginx already has. */
  knows(host: string, port: string | null, scheme: string): boolean {
    const h = host.toLowerCase();
    if (port === null && this.explicit.has(h)) return true;
    return this.implicit.has(`${h}:${port ?? defaultPort(scheme)}`);
  }
}

/** The proxying settings as a question, for a one-time model only (ownProxyingByContext). */
const PROXYING_KEY = "h15-upstream-proxying";
const PROXYING_NAMES: ReadonlySet<string> = new Set(["proxy_http_version", "proxy_set_header"]);
const PROXYING_QUESTION = registerQuestion(PROXYING_KEY, (n) => PROXYING_NAMES.has(n));

/** The location scan's names as a question, for a one-time model only (statementsAsked). */
const LOCATION_KEY = "h15-upstream-locations";
const LOCATION_QUESTION = registerQuestion(LOCATION_KEY, (n) => LOCATION_NAMES.has(n));

/** The group's question, known from the start (model/index.ts registerQuestion). */
const GROUP_QUESTION = registerQuestion(KEY, (n) => UPSTREAM_GROUP_NAMES.has(n));
