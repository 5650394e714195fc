// The effective configuration: every block context nginx creates, which directives each one sets itself
// and which it inherits (and from where), across included files.
//
// nginx builds one configuration structure per block and *merges* each child with its parent
// (ngx_http_merge_servers / ngx_http_merge_locations in src/http/ngx_http.c): a value not set in a block
// is taken from the nearest enclosing block that sets it. `effective()` answers exactly that question.
//
// *Location configurations* (semantics.md §1) are the blocks that get an ngx_http loc_conf of their own
// and are merged: each `server` (its own loc_conf), every `location` of every kind (prefix, `=`, `^~`,
// `~`, `~*`, named `@`, nested), every `if` (ngx_http_rewrite_if creates a loc_conf with noname=1) and
// every `limit_except` (ngx_http_core_limit_except, the same). The http level's loc_conf is never merged
// as a child, so it is not one. A file included from two places yields two sets of contexts: nginx reads
// it twice (configuration.ts).

import type { Directive, Range } from "../parse/ast";
import type { Configuration, FileInstance } from "../workspace/configuration";

export type ContextKind =
  | "main"
  | "events"
  | "http"
  | "server"
  | "location"
  | "if"
  | "limit_except"
  | "upstream"
  | "map"
  | "geo"
  | "types"
  | "split_clients"
  | "match"
  | "stream"
  | "stream-server"
  | "stream-upstream"
  | "mail"
  | "mail-server"
  /** Any other block (a module's own block we do not model, or a misplaced one). */
  | "block";

/** How a `location` matches (`""` prefix, `=` exact, `^~` prefix that stops regexes, `~`/`~*` regex, `@` named). */
export type LocationModifier = "" | "=" | "^~" | "~" | "~*" | "@";

/** One directive as nginx applies it: in one instance of its file, in one context. */
export interface DirectiveSite {
  directive: Directive;
  file: FileInstance;
  context: ConfigContext;
}

export interface ConfigContext {
  /** Index in `ConfigModel.contexts` (reading order). */
  id: number;
  kind: ContextKind;
  /** The block directive; null for `main` and for the implied blocks of a snippet read in a guessed context. */
  directive: Directive | null;
  /** The file instance the block is written in. */
  file: FileInstance;
  /** The block as written (its directive's range, name to `}`) in `file`; null for main and implied blocks. */
  range: Range | null;
  parent: ConfigContext | null;
  children: ConfigContext[];
  /** The directives written directly in this block (included files expanded in place), in reading order. */
  directives: DirectiveSite[];
  /** Same, by name. */
  own: Map<string, DirectiveSite[]>;
  /** The block gets an http location configuration of its own that nginx merges (see the file comment). */
  isLocationConfiguration: boolean;
  /** For `location`: its modifier and path (for `@name`, the name with its `@`). */
  location?: { modifier: LocationModifier; path: string };
  /** For people: `server example.com:443`, `location ~* \.php$`, `if ($bad)`, `limit_except GET`. */
  label: string;
}

export interface Effective {
  /** The directive(s) at the nearest level that sets the name (array-like directives may repeat). */
  sites: DirectiveSite[];
  /** The context they are written in. */
  from: ConfigContext;
  /** True when `from` is an ancestor, not the context asked about. */
  inherited: boolean;
}

export interface ConfigModel {
  config: Configuration;
  main: ConfigContext;
  /** Every context in reading order (parents before children). */
  contexts: ConfigContext[];
  /** http location configurations in nginx's merge order: each server, then its locations depth-first. */
  locationConfigurations: ConfigContext[];
  /** `stream { server { } }` blocks. */
  streamServers: ConfigContext[];
  /** Every site of a directive name, in reading order. */
  sitesOf(name: string): DirectiveSite[];
}

/** The value `name` has in `ctx`: set there, or inherited from the nearest enclosing block that sets it. */
export function effective(ctx: ConfigContext, name: string, stopAt?: ContextKind): Effective | null {
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) {
    const sites = c.own.get(name);
    if (sites && sites.length > 0) return { sites, from: c, inherited: c !== ctx };
    if (stopAt !== undefined && c.kind === stopAt) break;
  }
  return null;
}

/** The nearest context (itself included) of one of `kinds`. */
export function enclosing(ctx: ConfigContext, ...kinds: ContextKind[]): ConfigContext | null {
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) if (kinds.includes(c.kind)) return c;
  return null;
}

/** Whether `c` is inside an `http` block (the http block itself is not). */
export function insideHttp(c: ConfigContext): boolean {
  return c.parent !== null && enclosing(c.parent, "http") !== null;
}

/** Whether `a` encloses `c` (a proper ancestor). */
export function isAncestor(a: ConfigContext, c: ConfigContext): boolean {
  for (let p = c.parent; p !== null; p = p.parent) if (p === a) return true;
  return false;
}

/**
 * A directive as written: its file and position. A file included twice gives two sites (one per
 * instance) with the same key; rules report such a directive once.
 */
export function siteKey(s: DirectiveSite): string {
  return `${s.file.path}\0${s.directive.range.start.offset}`;
}

/** `ctx` and every context inside it, depth-first in reading order. */
export function descendants(ctx: ConfigContext): ConfigContext[] {
  const out: ConfigContext[] = [];
  const visit = (c: ConfigContext): void => {
    out.push(c);
    for (const child of c.children) visit(child);
  };
  visit(ctx);
  return out;
}

const LOCATION_MODIFIERS = new Set(["=", "^~", "~", "~*"]);

function kindOf(name: string, parent: ContextKind): ContextKind {
  switch (name) {
    case "events":
      return parent === "main" ? "events" : "block";
    case "http":
      return parent === "main" ? "http" : "block";
    case "stream":
      return parent === "main" ? "stream" : "block";
    case "mail":
      return parent === "main" ? "mail" : "block";
    case "server":
      if (parent === "http") return "server";
      if (parent === "stream") return "stream-server";
      if (parent === "mail") return "mail-server";
      return "block";
    case "location":
      return parent === "server" || parent === "location" ? "location" : "block";
    case "if":
      return parent === "server" || parent === "location" ? "if" : "block";
    case "limit_except":
      return parent === "location" ? "limit_except" : "block";
    case "upstream":
      return parent === "http" ? "upstream" : parent === "stream" ? "stream-upstream" : "block";
    case "map":
    case "geo":
    case "split_clients":
      return parent === "http" || parent === "stream" ? name : "block";
    case "match":
      return parent === "http" || parent === "stream" ? "match" : "block";
    case "types":
      return parent === "http" || parent === "server" || parent === "location" ? "types" : "block";
    default:
      return "block";
  }
}

function locationOf(d: Directive): { modifier: LocationModifier; path: string } {
  const a = d.args.map((w) => w.value);
  if (a.length >= 2 && LOCATION_MODIFIERS.has(a[0])) return { modifier: a[0] as LocationModifier, path: a[1] };
  const p = a[0] ?? "";
  if (p.startsWith("@")) return { modifier: "@", path: p };
  // nginx also accepts the modifier glued to the path (`location =/x`, `location ~^/x`).
  for (const m of ["^~", "~*", "=", "~"] as const)
    if (p.startsWith(m) && p.length > m.length) return { modifier: m, path: p.slice(m.length) };
  return { modifier: "", path: p };
}

function labelOf(kind: ContextKind, d: Directive | null, own: Map<string, DirectiveSite[]>): string {
  if (d === null) return kind;
  const args = d.args.map((w) => (w.quote ? `${w.quote}${w.value}${w.quote}` : w.value)).join(" ");
  if (kind === "server" || kind === "stream-server" || kind === "mail-server") {
    const names = own.get("server_name")?.flatMap((s) => s.directive.args.map((w) => w.value)) ?? [];
    const listen = own.get("listen")?.map((s) => s.directive.args[0]?.value ?? "") ?? [];
    const what =
      names.length > 0 ? names.slice(0, 2).join(" ") + (names.length > 2 ? " …" : "") : listen.slice(0, 2).join(" ");
    return what ? `server ${what}` : "server";
  }
  return args ? `${d.name} ${args}` : d.name;
}

/** Builds the model of a loaded configuration. */
export function buildModel(config: Configuration): ConfigModel {
  const contexts: ConfigContext[] = [];
  const byName = new Map<string, DirectiveSite[]>();

  const newContext = (
    kind: ContextKind,
    directive: Directive | null,
    file: FileInstance,
    parent: ConfigContext | null,
  ): ConfigContext => {
    const ctx: ConfigContext = {
      id: contexts.length,
      kind,
      directive,
      file,
      range: directive?.range ?? null,
      parent,
      children: [],
      directives: [],
      own: new Map(),
      isLocationConfiguration: kind === "server" || kind === "location" || kind === "if" || kind === "limit_except",
      label: "",
    };
    if (kind === "location" && directive) ctx.location = locationOf(directive);
    contexts.push(ctx);
    parent?.children.push(ctx);
    return ctx;
  };

  const main = newContext("main", null, config.root, null);
  // A snippet read in a guessed context (`["http", "server"]`): the implied blocks have no directive.
  let top = main;
  for (const name of config.root.context) top = newContext(kindOf(name, top.kind), null, config.root, top);

  const addSite = (ctx: ConfigContext, directive: Directive, file: FileInstance): void => {
    const site: DirectiveSite = { directive, file, context: ctx };
    ctx.directives.push(site);
    let list = ctx.own.get(directive.name);
    if (!list) ctx.own.set(directive.name, (list = []));
    list.push(site);
    let all = byName.get(directive.name);
    if (!all) byName.set(directive.name, (all = []));
    all.push(site);
  };

  const visit = (inst: FileInstance, ctx: ConfigContext): void => {
    for (const node of inst.parsed.children) visitNode(inst, node, ctx);
  };
  const visitNode = (
    inst: FileInstance,
    node: FileInstance["parsed"]["children"][number],
    ctx: ConfigContext,
  ): void => {
    if (node.kind !== "directive") return;
    addSite(ctx, node, inst);
    const included = inst.includes.get(node);
    if (included) {
      for (const child of included) visit(child, ctx);
      return;
    }
    if (!node.block) return;
    const child = newContext(kindOf(node.name, ctx.kind), node, inst, ctx);
    for (const n of node.block.children) visitNode(inst, n, child);
  };
  visit(config.root, top);

  for (const c of contexts) c.label = labelOf(c.kind, c.directive, c.own);

  // Merge order: ngx_http_merge_servers takes each server, then ngx_http_merge_locations its locations
  // (and their `if`/`limit_except`, which are queued as locations), depth-first: reading order.
  const locationConfigurations = contexts.filter((c) => c.isLocationConfiguration && insideHttp(c));
  const streamServers = contexts.filter((c) => c.kind === "stream-server");
  return {
    config,
    main,
    contexts,
    locationConfigurations,
    streamServers,
    sitesOf: (name) => byName.get(name) ?? [],
  };
}

/** The contexts whose block, in instance(s) of file `path`, contains `offset` — innermost first, per instance. */
export function contextsAt(model: ConfigModel, path: string, offset: number): ConfigContext[] {
  const out: ConfigContext[] = [];
  for (const c of model.contexts) {
    const d = c.directive;
    if (!d || c.file.path !== path) continue;
    if (d.range.start.offset <= offset && offset <= d.range.end.offset) out.push(c);
  }
  // Deeper blocks start later (or at the same place but end earlier): innermost first.
  return out.sort((a, b) => depth(b) - depth(a));
}

function depth(c: ConfigContext): number {
  let n = 0;
  for (let p = c.parent; p !== null; p = p.parent) n++;
  return n;
}
