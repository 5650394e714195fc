// The data-driven directive checks: is a name known, is it allowed in this block, does it take this many
// arguments, and does it end the way it must (`;` or `{`). This is the check nginx itself runs on every
// statement before calling the directive's handler (ngx_conf_handler in src/core/ngx_conf_file.c), driven by
// the ngx_command_t tables of nginx and the common third-party modules (server/data/directives.json, vendored
// by scripts/vendor-directives.mjs).
//
// What the handlers check afterwards (the values of `on`/`off` flags, `listen` parameters, sizes, the
// nesting rules of `location`) is not this module's business.

/**
 * The context a statement is read in: nginx's cf->cmd_type plus cf->module_type, spelled as the table's
 * context names, and three kinds of block body nginx does not read as directives at all.
 */
export type ContextKind =
  | "main"
  | "events"
  | "http"
  | "server"
  | "location"
  | "if_in_server"
  | "if_in_location"
  | "limit_except"
  | "upstream"
  | "stream"
  | "stream_server"
  | "stream_upstream"
  | "mail"
  | "mail_server"
  /** Body read by the block's own handler (`cf->handler`): `types`, `map`, `geo`, `split_clients`, … */
  | "custom"
  /** Body of a `*_by_lua_block`: Lua source. */
  | "lua"
  /** Body of a block we cannot place (unknown or misplaced block directive): nothing in it is checked. */
  | "unknown";

/** The contexts nginx checks directives in. */
export type DirectiveContext = Exclude<ContextKind, "custom" | "lua" | "unknown">;

/**
 * The family of the module that owns a directive (ngx_module_t.type). `conf` is NGX_CONF_MODULE, i.e.
 * `include`, which ngx_conf_handler accepts whatever the current family is.
 */
export type ModuleType = "core" | "conf" | "event" | "http" | "stream" | "mail";

/** What a directive accepts, at one point of its history. */
export interface DirectiveShape {
  /** Where it is allowed; `any` is NGX_ANY_CONF (only `include`). */
  readonly contexts: readonly (DirectiveContext | "any")[];
  /** NGX_CONF_BLOCK: must be followed by `{` (a `*_by_lua_block` body counts). */
  readonly block: boolean;
  /** The argument count nginx enforces (the name and the `{` are not counted). */
  readonly argcMin: number;
  /** null: no upper bound. */
  readonly argcMax: number | null;
  /** The exact counts allowed, or null when any count ≥ argcMin is (ANY, 1MORE, 2MORE). */
  readonly argcSet: readonly number[] | null;
}

/** NGX_CONF_* argument flags as written in the source (`flag`, `take12`, `1more`, …), a list when OR-ed. */
export type ArgSpec = string | readonly string[];

export interface DirectiveHistoryItem extends DirectiveShape {
  /** Holds from this version up to the next item's. */
  readonly since: string;
  readonly args: ArgSpec;
}

/** One registration of a name: nginx knows a name once per module that lists it (http, stream and mail often share names). */
export interface DirectiveVariant extends DirectiveShape {
  readonly module: string;
  /** The source repository, e.g. `nginx/nginx` or `openresty/lua-nginx-module`: versions are that repository's. */
  readonly repo: string;
  readonly type: ModuleType;
  /** Blocks only: `directives`, `custom` (read by the handler), `lua`, or `unknown` (a removed block). */
  readonly body: "directives" | "custom" | "lua" | "unknown" | null;
  /** First release that has it; null when it is only on the default branch, after the newest tag. */
  readonly since: string | null;
  /** First release without it (`after X`: still in X but not at HEAD); null when current. */
  readonly removed: string | null;
  /** Only when presence is not one run (backports to a stable branch): [first, last] per run. */
  readonly ranges?: readonly (readonly [string, string])[];
  /** Only when the flags changed over time, in version order. */
  readonly history?: readonly DirectiveHistoryItem[];
  /** The argument flags the counts above come from (`flag` is one word that must be `on` or `off`). */
  readonly args: ArgSpec;
  /** The `#if` conditions around the entry (`NGX_HTTP_SSL`): absent from binaries built without them. */
  readonly guard?: string;
  /** The C setter the entry names (`ngx_conf_set_flag_slot`, a module's own function): a name, not code. */
  readonly handler?: string;
  /** Where the value is stored: `http_main`, `http_srv`, `http_loc`, `stream_main`, …; absent for main-level ones. */
  readonly conf?: string;
}

/** How one of nginx's own modules is built (auto/options, auto/modules). */
export interface ModuleBuild {
  /** Built by a plain `./configure`; null: depends on the OS (epoll, kqueue, …). */
  readonly default: boolean | null;
  /** The configure switches that turn it on or off. */
  readonly options: readonly string[];
}

export interface TableSource {
  readonly repo: string;
  readonly commit: string;
  readonly lastTag: string;
}

interface DirectiveTable {
  about: string;
  sources: TableSource[];
  builds: Record<string, ModuleBuild>;
  directives: Record<string, DirectiveVariant[]>;
}

export type DirectiveProblemCode =
  "unknown-directive" | "not-in-version" | "not-allowed-here" | "invalid-args" | "needs-block" | "not-terminated";

export interface DirectiveProblem {
  code: DirectiveProblemCode;
  message: string;
}

export interface DirectiveCheckInput {
  name: string;
  /** Words after the name; for a block, the words before `{`; for `set_by_lua_block $v { … }`, 1. */
  argCount: number;
  /** As in the tree (see ast.ts): null when the statement was cut short (the parser already reported it). */
  terminator: ";" | "{" | "lua" | null;
  context: ContextKind;
}

export interface DirectiveCheckOptions {
  /** Report names no module in the table registers (nginx would; third-party modules make this opt-in). */
  strict: boolean;
  checkContext: boolean;
  checkArgs: boolean;
  /**
   * Judge nginx's own directives as the given nginx release would (`1.24.0`). Third-party directives are
   * judged by their newest form: their versions are their own, not nginx's. Without it, the newest nginx.
   */
  version?: string;
}

// Loaded on first use: the table is 330 kB of JSON, which costs ~12 ms of every start of the CLI (compiled
// into the bundle as an object literal), also of commands that never look at it (`--version`, `parse` with the
// checks off). `typeof import(…)` keeps the file in the TypeScript program, so that tsc still copies it next
// to the compiled module (out/) as it did for the static import.
// A Map, not the object: names such as `constructor` must not find Object.prototype.
let variantsByNameCache: VariantsByName | undefined;
let tableCache: DirectiveTable | TableLines | undefined;

/** What `variantsByName` answers: the registrations of a name, and every name in the table's order. */
interface VariantsByName {
  get(name: string): readonly DirectiveVariant[] | undefined;
  keys(): Iterable<string>;
}

/**
 * The table as the bundles ship it (scripts/bundle.mjs writes dist/directives.json with one directive per
 * line, and the bundle's stand-in for the JSON file gives its text): a name's registrations are parsed when
 * it is first asked for. A first analysis or a `parse` asks for a few hundred of the ~1,000 names; parsing
 * the whole 360 kB was ~12 ms of every start (CPU profiles of a server start and of `parse`).
 */
interface TableLines {
  lines: string;
}

function table(): DirectiveTable | TableLines {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const json = require("../../data/directives.json") as typeof import("../../data/directives.json");
  tableCache ??= json as unknown as DirectiveTable | TableLines;
  return tableCache;
}

/** The table's head (`about`, `sources`, `builds`): the whole table, or its first line. */
let headCache: Omit<DirectiveTable, "directives"> | undefined;
function tableHead(): Omit<DirectiveTable, "directives"> {
  if (headCache !== undefined) return headCache;
  const t = table();
  if (!("lines" in t)) return (headCache = t);
  const first = t.lines.slice(0, t.lines.indexOf("\n"));
  // `{"about":…,"builds":…,"directives":{` closed as an empty table.
  return (headCache = JSON.parse(first + "}}") as DirectiveTable);
}

/**
 * The registrations by name from the one-directive-per-line text: each line after the first is
 * `"name":[…],` (the last without its comma) and names are plain words (the bundle script checks), so a
 * name is the text between the line's first two quotes.
 */
export function variantsFromLines(lines: string): VariantsByName {
  const at = new Map<string, number>();
  const parsed = new Map<string, readonly DirectiveVariant[]>();
  for (let start = lines.indexOf("\n") + 1; start > 0 && lines.charCodeAt(start) === 0x22;) {
    const close = lines.indexOf('"', start + 1);
    at.set(lines.slice(start + 1, close), start);
    start = lines.indexOf("\n", close) + 1;
  }
  return {
    get(name) {
      let variants = parsed.get(name);
      if (variants !== undefined) return variants;
      const start = at.get(name);
      if (start === undefined) return undefined;
      const end = lines.indexOf("\n", start);
      const line = lines.slice(start + name.length + 3, lines.charCodeAt(end - 1) === 0x2c ? end - 1 : end);
      variants = JSON.parse(line) as DirectiveVariant[];
      parsed.set(name, variants);
      return variants;
    },
    keys: () => at.keys(),
  };
}

function variantsByName(): VariantsByName {
  if (variantsByNameCache !== undefined) return variantsByNameCache;
  const t = table();
  variantsByNameCache = "lines" in t ? variantsFromLines(t.lines) : new Map(Object.entries(t.directives));
  return variantsByNameCache;
}

/** Every name in the table, removed ones included, in the table's (sorted) order. */
export function directiveNames(): readonly string[] {
  return [...variantsByName().keys()];
}

/** How nginx module `module` is built; null for third-party modules (compiled in or loaded when wanted). */
export function moduleBuild(module: string): ModuleBuild | null {
  const builds = tableHead().builds;
  return Object.prototype.hasOwnProperty.call(builds, module) ? builds[module] : null;
}

/** The repositories the table was read from, with the newest tag scanned in each. */
export function tableSources(): readonly TableSource[] {
  return tableHead().sources;
}

const NO_VARIANTS: readonly DirectiveVariant[] = Object.freeze([]);

/** Every registration of `name` in the table, removed ones included (for hovers and completion). */
export function lookupDirective(name: string): readonly DirectiveVariant[] {
  return variantsByName().get(name) ?? NO_VARIANTS;
}

/** A current directive whose `{ … }` holds Lua source (`content_by_lua_block`, `set_by_lua_block`, …). */
export function isLuaBlockDirective(name: string): boolean {
  return lookupDirective(name).some((v) => v.removed === null && v.body === "lua");
}

// The module family nginx reads each context with: the *_block handlers (ngx_http_block, ngx_events_block,
// ngx_stream_block, ngx_mail_block) set cf->module_type, and ngx_conf_handler skips commands of other types.
const FAMILY: Readonly<Record<DirectiveContext, ModuleType>> = {
  main: "core",
  events: "event",
  http: "http",
  server: "http",
  location: "http",
  if_in_server: "http",
  if_in_location: "http",
  limit_except: "http",
  upstream: "http",
  stream: "stream",
  stream_server: "stream",
  stream_upstream: "stream",
  mail: "mail",
  mail_server: "mail",
};

function isCheckedContext(context: ContextKind): context is DirectiveContext {
  return Object.prototype.hasOwnProperty.call(FAMILY, context);
}

/** True for the contexts nginx reads directives in (not `custom`, `lua`, `unknown`). */
export function isDirectiveContext(context: ContextKind): context is DirectiveContext {
  return isCheckedContext(context);
}

/** The module family nginx reads `context` with (`location` → http). */
export function familyOf(context: DirectiveContext): ModuleType {
  return FAMILY[context];
}

/** Whether ngx_conf_handler accepts this registration (in its current form) in `context`. */
export function variantAllowedIn(v: DirectiveVariant, context: DirectiveContext): boolean {
  return allowedIn(v, context);
}

/** nginx's two tests in ngx_conf_handler: the module type, then `cmd->type & cf->cmd_type`. */
function allowedIn(v: DirectiveShape & { type: ModuleType }, context: DirectiveContext): boolean {
  if (v.type !== "conf" && v.type !== FAMILY[context]) return false;
  return v.contexts.includes(context) || v.contexts.includes("any");
}

// The cmd_type each block handler sets for its body, by (module type, name):
//   http/events/stream/mail — ngx_http_block (src/http/ngx_http.c), ngx_events_block (src/event/ngx_event.c),
//     ngx_stream_block, ngx_mail_block;
//   server — ngx_http_core_server (NGX_HTTP_SRV_CONF), ngx_stream_core_server, ngx_mail_core_server;
//   location — ngx_http_core_location: NGX_HTTP_LOC_CONF, nested locations too;
//   limit_except — ngx_http_core_limit_except: NGX_HTTP_LMT_CONF;
//   upstream — ngx_http_upstream (src/http/ngx_http_upstream.c) / ngx_stream_upstream: *_UPS_CONF;
//   if — ngx_http_rewrite_if (src/http/modules/ngx_http_rewrite_module.c): NGX_HTTP_SIF_CONF when the
//     enclosing loc conf is the server's own (no location name), NGX_HTTP_LIF_CONF inside a location.
const DIRECTIVE_BODIES: Readonly<Record<string, (parent: DirectiveContext) => DirectiveContext>> = {
  "core:events": () => "events",
  "core:http": () => "http",
  "core:stream": () => "stream",
  "core:mail": () => "mail",
  "http:server": () => "server",
  "http:location": () => "location",
  "http:limit_except": () => "limit_except",
  "http:upstream": () => "upstream",
  "http:if": (parent) => (parent === "server" ? "if_in_server" : "if_in_location"),
  "stream:server": () => "stream_server",
  "stream:upstream": () => "stream_upstream",
  "mail:server": () => "mail_server",
};

/**
 * The context of the body of block directive `name` written in `parent`, as nginx reads it. A block nginx
 * would refuse there (unknown, misplaced, or not a block) gives `unknown`, so that its body raises no
 * follow-on errors: nginx stops at the first one. Bodies that are not directives (`custom`, `lua`) stay so
 * wherever the block is written, since the scanner and the handler read them the same way regardless.
 */
export function enterBlock(parent: ContextKind, directiveName: string): ContextKind {
  if (!isCheckedContext(parent)) return parent;
  const variants = lookupDirective(directiveName).filter((v) => v.removed === null);
  const here = variants.find((v) => v.block && allowedIn(v, parent));
  if (here) {
    if (here.body === "custom" || here.body === "lua") return here.body;
    const body = here.body === "directives" ? DIRECTIVE_BODIES[`${here.type}:${directiveName}`] : undefined;
    return body ? body(parent) : "unknown";
  }
  const elsewhere = variants.find((v) => v.body === "custom" || v.body === "lua")?.body;
  return elsewhere === "custom" || elsewhere === "lua" ? elsewhere : "unknown";
}

const message = {
  unknown: (name: string) => `unknown directive "${name}"`,
  notAllowed: (name: string) => `"${name}" directive is not allowed here`,
  invalidArgs: (name: string) => `invalid number of arguments in "${name}" directive`,
  // nginx (ngx_conf_handler) words these two `directive "X" …`; crossplane 0.5.7, whose payload we reproduce,
  // and our scanner put the name first. Newer crossplane switched to nginx's wording.
  needsBlock: (name: string) => `"${name}" directive has no opening "{"`,
  notTerminated: (name: string) => `"${name}" directive is not terminated by ";"`,
};

/**
 * nginx's checks for one statement, in ngx_conf_handler's order: find the name in some module (else
 * `unknown directive`), keep the registrations of the current family whose flags include the current context
 * (none left: `not allowed here`), then the terminator, then the argument count. At most one problem, as nginx
 * stops at the first. Nothing is checked inside `custom`, `lua` and `unknown` bodies.
 *
 * Differences from nginx, on purpose: a name missing from the table is only reported with `strict` (the
 * binary may load modules we do not know); the terminator is not judged when the parser found none (it has
 * reported that already); the terminator is checked even with `checkArgs` off (nginx always does). With
 * `checkContext` off, every registration of the name is tried and the statement passes if one fits.
 */
export function checkDirective(input: DirectiveCheckInput, options: DirectiveCheckOptions): DirectiveProblem[] {
  const { name, context } = input;
  // A `{` with no name in front is a syntax error the parser reports; it is not a directive.
  if (!isCheckedContext(context) || name === "") return [];
  const variants = variantsIn(name, options.version);
  if (variants.length === 0) {
    // One of nginx's own directives that the deployed release does not have (newer than it, or removed
    // before it): that binary has no module that registers the name, whatever it was built with.
    const own = options.version === undefined ? undefined : notInVersion(name, options.version);
    if (own) return [{ code: "not-in-version", message: `${message.unknown(name)} (${own})` }];
    return options.strict ? [{ code: "unknown-directive", message: message.unknown(name) }] : [];
  }
  const candidates = options.checkContext ? variants.filter((v) => allowedIn(v, context)) : variants;
  if (candidates.length === 0) return [{ code: "not-allowed-here", message: message.notAllowed(name) }];
  // At HEAD (name, family, context) picks one registration. Across versions two can overlap (a directive
  // moving between modules); nginx would take the first module in its build order, which we do not know, so
  // the statement passes if either accepts it.
  let first: DirectiveProblem | null = null;
  for (const shape of candidates) {
    const problem = shapeProblem(shape, input, options.checkArgs);
    if (!problem) return [];
    first ??= problem;
  }
  return first ? [first] : [];
}

function shapeProblem(shape: DirectiveShape, input: DirectiveCheckInput, checkArgs: boolean): DirectiveProblem | null {
  const { name, terminator, argCount } = input;
  if (terminator !== null) {
    // A `*_by_lua_block` body is a block to nginx: lua-nginx-module registers those with NGX_CONF_BLOCK and
    // its handler reads the Lua after ngx_conf_handler has seen the `{`.
    const opensBlock = terminator === "{" || terminator === "lua";
    if (!shape.block && opensBlock) return { code: "not-terminated", message: message.notTerminated(name) };
    if (shape.block && !opensBlock) return { code: "needs-block", message: message.needsBlock(name) };
  }
  if (checkArgs && !argCountFits(shape, argCount)) return { code: "invalid-args", message: message.invalidArgs(name) };
  return null;
}

function argCountFits(shape: DirectiveShape, argCount: number): boolean {
  // argcSet already encodes ngx_conf_handler's precedence (ANY > FLAG > 1MORE > 2MORE > TAKEn, at most 7).
  return shape.argcSet ? shape.argcSet.includes(argCount) : argCount >= shape.argcMin;
}

type Candidate = DirectiveShape & { type: ModuleType };

/** The registrations of `name` that exist in the judged build, in the form they had there. */
function variantsIn(name: string, version: string | undefined): Candidate[] {
  const all = lookupDirective(name);
  const wanted = version === undefined ? null : parseVersion(version);
  if (!wanted) return all.filter((v) => v.removed === null);
  const out: Candidate[] = [];
  for (const v of all) {
    if (v.repo !== "nginx/nginx") {
      if (v.removed === null) out.push(v);
    } else if (presentIn(v, wanted)) {
      out.push(shapeAt(v, wanted));
    }
  }
  return out;
}

/**
 * Why nginx `version` lacks its own directive `name` (`it came in nginx 1.25.1`, `removed in nginx 1.25.1`),
 * or null when no release of nginx has it (a third-party module's, or unknown).
 */
function notInVersion(name: string, version: string): string | null {
  const own = lookupDirective(name).filter((v) => v.repo === "nginx/nginx" && v.since !== null);
  if (own.length === 0) return null;
  const wanted = parseVersion(version);
  if (wanted === null) return null;
  // The earliest release of any of its registrations (http and stream often share a name).
  let first = own[0];
  for (const v of own) if (!atLeast(parseVersion(v.since!) ?? [], first.since!)) first = v;
  if (!atLeast(wanted, first.since!)) return `nginx ${version} does not have it: it came in ${first.since}`;
  const removed = own.find((v) => v.removed !== null && !v.removed.startsWith("after ") && atLeast(wanted, v.removed));
  if (removed)
    return `nginx ${version} does not have it: removed in ${removed.removed!.replace(/^after /, "the release after ")}`;
  return `nginx ${version} does not have it`;
}

/** `1.25.1` → [1, 25, 1]; null for anything else (the caller then judges the newest nginx). */
function parseVersion(text: string): number[] | null {
  return /^\d+(\.\d+)*$/.test(text) ? text.split(".").map(Number) : null;
}

/**
 * Whether registration `v` exists in release `version` of its repository (`ranges`, `since`, `removed`);
 * null when `version` is not a plain version number.
 */
export function variantPresentIn(v: DirectiveVariant, version: string): boolean | null {
  const wanted = parseVersion(version);
  return wanted === null ? null : presentIn(v, wanted);
}

/** True when `version` is a plain nginx version number such as `1.24.0` (for validating settings). */
export function isNginxVersion(text: string): boolean {
  return parseVersion(text) !== null;
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function atLeast(version: readonly number[], bound: string): boolean {
  const b = parseVersion(bound);
  return b !== null && compareVersions(version, b) >= 0;
}

function atMost(version: readonly number[], bound: string): boolean {
  const b = parseVersion(bound);
  return b !== null && compareVersions(version, b) <= 0;
}

// Versions are compared by number: stable and mainline interleave (1.30.x < 1.31.0), so a backport shows as
// a second run in `ranges` (see the table's README, caveat 5).
function presentIn(v: DirectiveVariant, version: readonly number[]): boolean {
  // Only on the default branch after the newest tag: we cannot tell which release gets it; do not flag it.
  if (v.since === null) return true;
  if (v.removed !== null) {
    const after = v.removed.startsWith("after ") ? v.removed.slice("after ".length) : null;
    if (after !== null ? !atMost(version, after) : atLeast(version, v.removed)) return false;
  }
  if (v.ranges) {
    const last = v.ranges.length - 1;
    // The last run of a current directive is open-ended: its upper bound is just the newest tag scanned.
    return v.ranges.some(
      ([from, to], i) => atLeast(version, from) && (atMost(version, to) || (i === last && v.removed === null)),
    );
  }
  return atLeast(version, v.since);
}

function shapeAt(v: DirectiveVariant, version: readonly number[]): Candidate {
  let shape: DirectiveShape = v;
  for (const h of v.history ?? []) if (atLeast(version, h.since)) shape = h;
  return {
    type: v.type,
    contexts: shape.contexts,
    block: shape.block,
    argcMin: shape.argcMin,
    argcMax: shape.argcMax,
    argcSet: shape.argcSet,
  };
}
