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
import { SubtreeMemo } from "../workspace/subtree-memo";
import {
  knownQuestions,
  mayHoldUnderBit,
  questionBit,
  questionsFor,
  registerQuestion as register,
  relevantUnder,
  type RelevantEntries,
} from "./names-under";

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

/** A list of statements as the parse tree holds them (a file's top level or a block's body). */
type Statements = FileInstance["parsed"]["children"];

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

/**
 * The sites of `name` written directly in `ctx` (`ctx.own.get(name)`, or an empty list). A block of a few
 * directives is scanned rather than given its `own` map: effective() asks every block up from every
 * location, and a map per block was most of what building the model allocated.
 */
export function ownSites(ctx: ConfigContext, name: string): readonly DirectiveSite[] {
  if (ctx instanceof Context) {
    // A small block not read yet: its statements are looked at before its sites are made.
    if (!ctx.mayHoldSmall(name)) return NO_SITES;
    // A large one: its statements scanned for the name, the first few questions.
    const scanned = ctx.scanOwn(name);
    if (scanned !== undefined) return scanned;
  }
  const dirs = ctx.directives;
  if (dirs.length > SCAN_BELOW) return ctx.own.get(name) ?? NO_SITES;
  let found: DirectiveSite[] | null = null;
  for (const s of dirs)
    if (s.directive.name === name) {
      if (found === null) found = [s];
      else found.push(s);
    }
  return found ?? NO_SITES;
}

/**
 * The directives written directly in `ctx` (included files read in place) whose name `wanted` accepts, in
 * reading order, without making the block's sites when it has no expanded `include` among its statements.
 */
export function ownDirectivesWhere(ctx: ConfigContext, wanted: (name: string) => boolean): Directive[] {
  const out: Directive[] = [];
  forEachOwnDirectiveWhere(ctx, wanted, (d) => out.push(d));
  return out;
}

/** ownDirectivesWhere without the list: `visit` gets each directive (a list per location was made per keystroke). */
export function forEachOwnDirectiveWhere(
  ctx: ConfigContext,
  wanted: (name: string) => boolean,
  visit: (d: Directive) => void,
): void {
  if (ctx instanceof Context && ctx.body !== null && !ctx.mayHold(isInclude)) {
    const body = ctx.body;
    for (let i = 0; i < body.length; i++) {
      const node = body[i];
      if (node.kind === "directive" && wanted(node.name)) visit(node);
    }
    return;
  }
  for (const s of ctx.directives) if (wanted(s.directive.name)) visit(s.directive);
}

const isInclude = (name: string): boolean => name === "include";

/** Per large block directive: its own statements by name (null: an `include` among them). */
const ownIndexes = new SubtreeMemo<Map<string, Directive[]> | null>();

function ownIndexOf(d: Directive): Map<string, Directive[]> | null {
  let index = ownIndexes.get(d);
  if (index === undefined) {
    index = new Map();
    const body = d.block!.children;
    for (let i = 0; i < body.length; i++) {
      const node = body[i];
      if (node.kind !== "directive") continue;
      if (node.name === "include") {
        index = null;
        break;
      }
      const list = index.get(node.name);
      if (list === undefined) index.set(node.name, [node]);
      else list.push(node);
    }
    ownIndexes.set(d, index);
  }
  return index;
}

/** Up to this many directives a block is scanned by ownSites (locations mostly have a handful). */
const SCAN_BELOW = 12;
/**
 * How many questions a larger block's statements are scanned for before its sites and `own` map are made:
 * a keystroke asks the incident's server (4,002 statements) three names, and making its 4,002 sites and
 * their map was most of the model's work on that keystroke. Past this many, the map is cheaper (effective()
 * asks every block up from every location for `modsecurity`).
 */
const MAX_SCANS = 8;
const NO_SITES: readonly DirectiveSite[] = [];

/** The value `name` has in `ctx`: set there, or inherited from the nearest enclosing block that sets it. */
export function effective(ctx: ConfigContext, name: string, stopAt?: ContextKind): Effective | null {
  let steps = 0;
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) {
    const sites = ownSites(c, name);
    if (sites.length > 0) return { sites: sites as DirectiveSite[], from: c, inherited: c !== ctx };
    if (stopAt !== undefined && c.kind === stopAt) break;
    if (++steps === SHORT_WALK && c.parent !== null) {
      const from = nearestSetter(c.parent, name, stopAt);
      return from === null ? null : { sites: ownSites(from, name) as DirectiveSite[], from, inherited: true };
    }
  }
  return null;
}

/**
 * Per model, name and `stopAt` ("" for none): the answers of the blocks that hold blocks, by id. A block
 * without children is asked once per question and its answer is its own sites or its parent's, so it is not
 * remembered: an array per question as long as the model's contexts (4,003 on the incident, ~19 questions)
 * was a fifth of what a keystroke allocated, and most of the young objects each scavenge copied.
 */
const effectiveAnswers = new WeakMap<ConfigModel, Map<string, Map<ConfigContext, readonly DirectiveSite[] | null>>>();

/**
 * `(ctx) => effective(ctx, name, stopAt)?.sites ?? null`, with every answer remembered per model for every
 * block on the way up: the SSL plans ask it for every location configuration, and each asked its server
 * and http blocks again (4,002 walks and Effective objects per keystroke on the incident). A block's answer
 * is its own sites, or (unless it is a `stopAt` block) its parent's answer: what effective() finds walking up.
 * Take the function once per loop: finding the model's answers is the costly part of a question.
 */
export function effectiveSitesOf(
  model: ConfigModel,
  name: string,
  stopAt?: ContextKind,
): (ctx: ConfigContext) => readonly DirectiveSite[] | null {
  let byQuestion = effectiveAnswers.get(model);
  if (byQuestion === undefined) effectiveAnswers.set(model, (byQuestion = new Map()));
  const key = stopAt === undefined ? name : `${name}\0${stopAt}`;
  let known = byQuestion.get(key);
  if (known === undefined) byQuestion.set(key, (known = new Map()));
  const answers = known;
  return (ctx) => {
    const answer = answers.get(ctx);
    if (answer !== undefined) return answer;
    // Most blocks asked (locations) set nothing and have a parent that was answered: no path to remember.
    const own = ownSites(ctx, name);
    if (own.length > 0) return remember(answers, ctx, own);
    if (stopAt !== undefined && ctx.kind === stopAt) return remember(answers, ctx, null);
    if (ctx.parent === null) return remember(answers, ctx, null);
    const parentAnswer = answers.get(ctx.parent);
    if (parentAnswer !== undefined) return remember(answers, ctx, parentAnswer);
    // Its answer is its parent's: walked up to a block answered or setting the name (or a `stopAt` block).
    const path: ConfigContext[] = [ctx];
    let found: readonly DirectiveSite[] | null = null;
    // A loop, not a recursion: blocks nest deeper than V8's stack.
    for (let c: ConfigContext | null = ctx.parent; c !== null; c = c.parent) {
      const known = answers.get(c);
      if (known !== undefined) {
        found = known;
        break;
      }
      path.push(c);
      const sites = ownSites(c, name);
      if (sites.length > 0) {
        found = sites;
        break;
      }
      if (stopAt !== undefined && c.kind === stopAt) break;
    }
    for (const c of path) remember(answers, c, found);
    return found;
  };
}

/** `answer`, kept in `answers` when `ctx` holds blocks (whose children ask for it again). */
function remember(
  answers: Map<ConfigContext, readonly DirectiveSite[] | null>,
  ctx: ConfigContext,
  answer: readonly DirectiveSite[] | null,
): readonly DirectiveSite[] | null {
  if (ctx.children.length > 0) answers.set(ctx, answer);
  return answer;
}

/**
 * Enclosing blocks effective() looks at one by one; above them it asks nearestSetter, which remembers its
 * answers. Real configurations are a few blocks deep and never get there; 10,000 nested locations (nginx
 * accepts 13,000) would otherwise walk 10^8 parents for one directive asked in every block.
 */
const SHORT_WALK = 64;

/** nearestSetter's answers: per context, per `name\0stopAt`, the context that sets it (null: none). */
const setterCache = new WeakMap<ConfigContext, Map<string, ConfigContext | null>>();

/** The nearest context from `start` up that sets `name`, not above a `stopAt` block; remembered along the way. */
function nearestSetter(start: ConfigContext, name: string, stopAt: ContextKind | undefined): ConfigContext | null {
  const key = stopAt === undefined ? name : `${name}\0${stopAt}`;
  const path: ConfigContext[] = [];
  let found: ConfigContext | null = null;
  for (let c: ConfigContext | null = start; c !== null; c = c.parent) {
    const known = setterCache.get(c)?.get(key);
    if (known !== undefined) {
      found = known;
      break;
    }
    if (ownSites(c, name).length > 0) {
      found = c;
      break;
    }
    path.push(c);
    if (stopAt !== undefined && c.kind === stopAt) break;
  }
  for (const c of path) {
    let answers = setterCache.get(c);
    if (answers === undefined) setterCache.set(c, (answers = new Map()));
    answers.set(key, found);
  }
  return found;
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
  // `startOffset`, not `range.start.offset`: the same number without making a Range (ast.ts builds one per read).
  return `${s.file.path}\0${s.directive.startOffset}`;
}

/** `ctx` and every context inside it, depth-first in reading order (an explicit stack: blocks nest deep). */
export function descendants(ctx: ConfigContext): ConfigContext[] {
  const out: ConfigContext[] = [];
  const stack: ConfigContext[] = [ctx];
  while (stack.length > 0) {
    const c = stack.pop()!;
    out.push(c);
    for (let i = c.children.length - 1; i >= 0; i--) stack.push(c.children[i]);
  }
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
  // The values, not the words (made and kept per directive once read: one location in two is asked).
  const first = d.argValue(0);
  if (d.argCount >= 2 && LOCATION_MODIFIERS.has(first!))
    return { modifier: first as LocationModifier, path: d.argValue(1)! };
  const p = first ?? "";
  if (p.startsWith("@")) return { modifier: "@", path: p };
  // nginx also accepts the modifier glued to the path (`location =/x`, `location ~^/x`).
  for (const m of ["^~", "~*", "=", "~"] as const)
    if (p.startsWith(m) && p.length > m.length) return { modifier: m, path: p.slice(m.length) };
  return { modifier: "", path: p };
}

function labelOf(kind: ContextKind, d: Directive | null, own: (name: string) => readonly DirectiveSite[]): string {
  if (d === null) return kind;
  const args = d.args.map((w) => (w.quote ? `${w.quote}${w.value}${w.quote}` : w.value)).join(" ");
  if (kind === "server" || kind === "stream-server" || kind === "mail-server") {
    const names = own("server_name").flatMap((s) => s.directive.args.map((w) => w.value));
    const listen = own("listen").map((s) => s.directive.args[0]?.value ?? "");
    const what =
      names.length > 0 ? names.slice(0, 2).join(" ") + (names.length > 2 ? " …" : "") : listen.slice(0, 2).join(" ");
    return what ? `server ${what}` : "server";
  }
  return args ? `${d.name} ${args}` : d.name;
}

/** The shared `children` of a block without blocks (frozen: buildModel replaces it, never pushes to it). */
const NO_CHILDREN = Object.freeze([]) as unknown as ConfigContext[];

/** Past this many sites made by scans, a block keeps them in a map. */
const SCANNED_IN_ARRAY = 8;

/** The site a scan made for `node`, if any. */
function madeByScan(read: ContextReads, node: Directive): DirectiveSite | undefined {
  const made = read.scannedSites;
  if (made === undefined) return undefined;
  if (made instanceof Map) return made.get(node);
  for (let i = 0; i < made.length; i++) if (made[i].directive === node) return made[i];
  return undefined;
}

/** A Context's reads (see `Context.read`). */
interface ContextReads {
  sites: DirectiveSite[] | undefined;
  ownMap: Map<string, DirectiveSite[]> | undefined;
  /**
   * Sites the scans made before `directives` was read (that getter takes them, so a site is one object): a
   * few in an array, a map past SCANNED_IN_ARRAY (a map per block was a tenth of what a cold check of the
   * 1M-line workspace kept for its rules).
   */
  scannedSites: DirectiveSite[] | Map<Directive, DirectiveSite> | undefined;
  /** Once `sites` are made (and `scanListed` asks): each own statement's site. */
  byNode: Map<Directive, DirectiveSite> | undefined;
  scans: number;
  range: Range | null | undefined;
  label: string | undefined;
  location: { modifier: LocationModifier; path: string } | undefined | null;
}

/**
 * A context as buildModel makes it. What only some readers ask for is computed on first use and kept: the
 * by-name map `own` (a Map and an array per name in every block), `label` and `location`. Building them
 * for every block was most of buildModel's allocations (large-config: 2,516 blocks, 32,662 sites), and the
 * collector's work that came with them, on every keystroke. The model is never changed after buildModel
 * returns (until it is retired, then `recycle` forgets it all), so a value computed late is the value computed
 * early.
 */
class Context implements ConfigContext {
  /** NO_CHILDREN until buildModel gives the block its first child (most blocks, the locations, have none). */
  children: ConfigContext[] = NO_CHILDREN;
  /** How many of `children` the running buildModel has set: a recycled context's array is overwritten in place. */
  filled = 0;
  /** The statements written in the block (in `file`), read by `directives`; null: none (main above implied blocks). */
  body: Statements | null = null;
  /**
   * What was read of the block on first use, in one object made then: a keystroke reads nothing of most
   * blocks, and seven fields of their own made each of the incident's 4,003 contexts half as large again.
   */
  private read: ContextReads | undefined;
  /**
   * Objects a reader made for this block, one per slot (`contextSlot`), that recycling keeps: the next
   * model's reader overwrites them (the SSL plans' entry per location configuration).
   */
  slots: object[] | undefined;

  constructor(
    public id: number,
    public kind: ContextKind,
    public directive: Directive | null,
    public file: FileInstance,
    public parent: ConfigContext | null,
  ) {}

  /**
   * Makes this context of a retired model (ModelRecycler) a new one: every field set as the constructor sets
   * it, nothing read kept, its per-context memos emptied. Only `children` keeps its array, which buildModel
   * overwrites from the start and cuts to the new count.
   */
  recycle(
    id: number,
    kind: ContextKind,
    directive: Directive | null,
    file: FileInstance,
    parent: ConfigContext | null,
  ): void {
    this.id = id;
    this.kind = kind;
    this.directive = directive;
    this.file = file;
    this.parent = parent;
    this.body = null;
    this.filled = 0;
    this.forget();
  }

  /**
   * In a retired model: forgets what was read, and the statements (a keystroke's new list of the edited
   * block's statements, 4,002 on the incident, and through it the old tree, lived on in the spare).
   */
  retire(): void {
    this.body = null;
    this.forget();
  }

  /**
   * Drops what was read of the block and its per-context memos: what a fresh context would compute again
   * on first use, so a reader still holding the model reads the same values.
   */
  forget(): void {
    this.read = undefined;
    setterCache.delete(this);
    for (let i = 0; i < contextMemos.length; i++) contextMemos[i].delete(this);
  }

  get isLocationConfiguration(): boolean {
    const kind = this.kind;
    return kind === "server" || kind === "location" || kind === "if" || kind === "limit_except";
  }

  private get reads(): ContextReads {
    return (this.read ??= {
      sites: undefined,
      ownMap: undefined,
      scannedSites: undefined,
      byNode: undefined,
      scans: 0,
      range: undefined,
      label: undefined,
      location: undefined,
    });
  }

  /**
   * The block's sites, made on first read: a keystroke's rules ask only some blocks (large-config ×10:
   * 320,000 sites made and collected per keystroke were most of buildModel's time). Included files are read
   * in place of their `include`, as buildModel reads them (same order); their blocks are child contexts.
   */
  get directives(): DirectiveSite[] {
    const read = this.reads;
    if (read.sites === undefined) {
      const sites: DirectiveSite[] = [];
      if (this.body !== null) {
        const stack: { nodes: Statements; index: number; inst: FileInstance }[] = [
          { nodes: this.body, index: 0, inst: this.file },
        ];
        while (stack.length > 0) {
          const frame = stack[stack.length - 1];
          if (frame.index >= frame.nodes.length) {
            stack.pop();
            continue;
          }
          const node = frame.nodes[frame.index++];
          if (node.kind !== "directive") continue;
          sites.push(madeByScan(read, node) ?? { directive: node, file: frame.inst, context: this });
          const included = node.name === "include" ? frame.inst.includes.get(node) : undefined;
          if (included)
            for (let i = included.length - 1; i >= 0; i--)
              stack.push({ nodes: included[i].parsed.children, index: 0, inst: included[i] });
        }
      }
      read.sites = sites;
    }
    return read.sites;
  }

  /**
   * For `sitesWhere`: hands `site` the sites of the block's own statements that `wanted` accepts and `block`
   * each statement that opens a block, in reading order, making no site for the others — when its sites are
   * not made yet and no `include` is among its statements (then every statement is from the block's own
   * file). False otherwise, having called neither: read `directives` instead. A site made here is the one
   * `directives` gives later (`scannedSites`). On large-config ×10 a question about a name each server holds
   * made the sites of its 2,500 statements (the locations) on every keystroke.
   */
  scanWhere(
    wanted: (d: Directive) => boolean,
    site: (s: DirectiveSite) => void,
    block: (d: Directive) => void,
  ): boolean {
    if (!this.scannable()) return false;
    const body = this.body!;
    for (let i = 0; i < body.length; i++) {
      const node = body[i];
      if (node.kind !== "directive") continue;
      if (wanted(node)) site(this.scannedSite(node));
      if (node.block) block(node);
    }
    return true;
  }

  /** Whether `scanWhere` would read the block's own statements (no sites made yet, no `include` among them). */
  scannable(): boolean {
    if (this.read?.sites !== undefined || this.body === null) return false;
    const body = this.body;
    for (let i = 0; i < body.length; i++) {
      const node = body[i];
      if (node.kind === "directive" && node.name === "include") return false;
    }
    return true;
  }

  /** The site of `node`, one of the block's own statements, made by a scan (the same object when asked again). */
  scannedSite(node: Directive): DirectiveSite {
    const read = this.reads;
    const known = madeByScan(read, node);
    if (known !== undefined) return known;
    const made: DirectiveSite = { directive: node, file: this.file, context: this };
    const list = read.scannedSites;
    if (list === undefined) read.scannedSites = [made];
    else if (list instanceof Map) list.set(node, made);
    else if (list.length < SCANNED_IN_ARRAY) list.push(made);
    else read.scannedSites = new Map([...list.map((s): [Directive, DirectiveSite] => [s.directive, s]), [node, made]]);
    return made;
  }

  /**
   * `scanWhere` over the block's own statements `entries` lists for question `bit`, in reading order, none an
   * `include` (names-under.ts relevantUnder). Once the block's sites are made, each statement's site is found in them
   * (a map made once per model): a rule that read a server's `directives` otherwise made every later question
   * look at each of its 4,000 locations again.
   */
  scanListed(
    entries: RelevantEntries,
    bit: number,
    wanted: (d: Directive) => boolean,
    site: (s: DirectiveSite) => void,
    block: (d: Directive) => void,
  ): void {
    const read = this.reads;
    let byNode: Map<Directive, DirectiveSite> | undefined;
    if (read.sites !== undefined) {
      byNode = read.byNode;
      if (byNode === undefined) {
        byNode = new Map();
        for (const s of read.sites) byNode.set(s.directive, s);
        read.byNode = byNode;
      }
    }
    for (let i = 0; i < entries.length; i += 2) {
      if (((entries[i + 1] as number) & bit) === 0) continue;
      const node = entries[i] as Directive;
      if (wanted(node)) site(byNode?.get(node) ?? this.scannedSite(node));
      if (node.block) block(node);
    }
  }

  /**
   * Whether the block may hold a directive `wanted` accepts, without making its sites: its own statements
   * only when it has no expanded `include` among them (else true, and the caller reads `directives`).
   */
  mayHold(wanted: (name: string) => boolean): boolean {
    if (this.read?.sites !== undefined || this.body === null) return true;
    const body = this.body;
    for (let i = 0; i < body.length; i++) {
      const node = body[i];
      if (node.kind !== "directive") continue;
      if (node.name === "include" || wanted(node.name)) return true;
    }
    return false;
  }

  /** `mayHold` for one name, for blocks of up to SCAN_BELOW statements (a larger block gets its `own` map). */
  mayHoldSmall(name: string): boolean {
    if (this.read?.sites !== undefined || this.body === null || this.body.length > SCAN_BELOW) return true;
    const body = this.body;
    for (let i = 0; i < body.length; i++) {
      const node = body[i];
      if (node.kind !== "directive") continue;
      if (node.name === name || node.name === "include") return true;
    }
    return false;
  }

  /**
   * The sites of `name` written in a large block (more than SCAN_BELOW statements) without an `include`
   * among them, found by scanning its statements, for its first MAX_SCANS questions; undefined when the
   * block's `own` map answers instead (sites made, an include, a small block, past MAX_SCANS).
   */
  scanOwn(name: string): readonly DirectiveSite[] | undefined {
    if (this.read?.sites !== undefined || this.body === null || this.body.length <= SCAN_BELOW) return undefined;
    const read = this.reads;
    // A block's own statements by name, kept per block while it is unchanged (subtree-memo.ts): the servers
    // of large-config ×10 (2,500 statements each) are asked for a dozen names per keystroke.
    const d = this.directive;
    if (d !== null && d.block?.children === this.body) {
      const nodes = ownIndexOf(d);
      if (nodes === null) return undefined;
      const named = nodes.get(name);
      if (named === undefined) return NO_SITES;
      const found: DirectiveSite[] = [];
      for (let i = 0; i < named.length; i++) {
        const site = this.scannedSite(named[i]);
        found.push(site);
      }
      return found;
    }
    if (read.scans >= MAX_SCANS) return undefined;
    read.scans++;
    let found: DirectiveSite[] | null = null;
    // Indexed, not for…of (here and in the scans above): run a few times per keystroke, these loops stay
    // unoptimised, where for…of made an iterator result per statement (sampled heap profile on the incident:
    // 0.3 MB per keystroke, the 4,002 statements of its server scanned for each name asked).
    const body = this.body;
    for (let i = 0; i < body.length; i++) {
      const node = body[i];
      if (node.kind !== "directive") continue;
      if (node.name === "include") {
        // Included statements are sites of this block too: the map, made once, has them in place.
        read.scans = MAX_SCANS;
        return undefined;
      }
      if (node.name !== name) continue;
      // `[site]`, not `[]` then push (room for 17): these lists are kept per block.
      const site = this.scannedSite(node);
      if (found === null) found = [site];
      else found.push(site);
    }
    return found ?? NO_SITES;
  }

  /** Read from the block directive when first asked (a compact tree makes a Range on each read of `.range`). */
  get range(): Range | null {
    const read = this.reads;
    if (read.range === undefined) read.range = this.directive?.range ?? null;
    return read.range;
  }

  get own(): Map<string, DirectiveSite[]> {
    const read = this.reads;
    if (read.ownMap === undefined) {
      const own = new Map<string, DirectiveSite[]>();
      for (const site of this.directives) {
        const list = own.get(site.directive.name);
        if (list === undefined) own.set(site.directive.name, [site]);
        else list.push(site);
      }
      read.ownMap = own;
    }
    return read.ownMap;
  }

  get label(): string {
    // ownSites, not `own`: a server's label needs two names, not the sites of its 4,002 statements.
    const read = this.reads;
    return (read.label ??= labelOf(this.kind, this.directive, (name) => ownSites(this, name)));
  }

  get location(): { modifier: LocationModifier; path: string } | undefined {
    const read = this.reads;
    if (read.location === undefined)
      read.location = this.kind === "location" && this.directive ? locationOf(this.directive) : null;
    return read.location ?? undefined;
  }
}

/** Per model: its sites by directive name (built on first use), and the lists asked for one name or question. */
interface SiteQueries {
  byName: () => ReadonlyMap<string, DirectiveSite[]>;
  /** `top`: main, or the innermost implied block of a snippet, where its sites are. */
  top: ConfigContext;
  answered: Map<string, DirectiveSite[]>;
  /** Whether `byName` has been built (then it answers every name). */
  indexed: boolean;
  /** Read by one analysis only (`oneTimeQuestions`). */
  oneTime: boolean;
  /** Whether the first question of a one-time model has answered every question known. */
  answeredAll: boolean;
}

const siteQueries = new WeakMap<ConfigModel, SiteQueries>();

/**
 * Every site of the model by directive name, each list in reading order. Built when first asked for rather
 * than in buildModel: one Map lookup per site, with name strings whose hashes the parse tree keeps from one
 * keystroke to the next. A keystroke's analysis does not ask for it (`sitesWhere` answers its few names).
 */
export function sitesByName(model: ConfigModel): ReadonlyMap<string, readonly DirectiveSite[]> {
  // Every model comes from buildModel, which registers its queries.
  const q = siteQueries.get(model)!;
  q.indexed = true;
  return q.byName();
}

/**
 * The sites whose name `wanted` accepts, in reading order, remembered per model under `key` (one key, one
 * `wanted`). Only the blocks that may hold such a name are walked (names-under.ts, remembered per block
 * across keystrokes): for a rare name, the sites of the outer blocks and of the blocks around the edit.
 */
export function sitesWhere(model: ConfigModel, key: string, wanted: (name: string) => boolean): DirectiveSite[] {
  const q = siteQueries.get(model)!;
  let found = q.answered.get(key);
  if (found === undefined && q.oneTime && !q.answeredAll) {
    q.answeredAll = true;
    answerEveryQuestion(q);
    found = q.answered.get(key);
  }
  if (found === undefined) {
    const out: DirectiveSite[] = [];
    const bit = questionBit(key, wanted);
    visitSitesWhere(
      q.top,
      wanted,
      (child) => mayHoldUnderBit(child.directive!, bit, wanted),
      (site) => out.push(site),
      bit,
    );
    q.answered.set(key, (found = out));
  }
  return found;
}

/**
 * Marks a model that one analysis reads and then drops (a CLI check, RuleOptions.once): its first question
 * (`sitesWhere`) answers every question known in one walk of every block. A language server's questions walk
 * only the blocks that may hold their names, each block remembering for the next keystroke what it holds
 * (names-under.ts); a one-time analysis asks every question of every rule, and the cold check of the 1M-line
 * workspace walked most of its 130,000 blocks once per question, with those per-block memos made for nothing.
 */
export function oneTimeQuestions(model: ConfigModel): void {
  siteQueries.get(model)!.oneTime = true;
}

/**
 * Whether `oneTimeQuestions` marked the model: a question's sites cost no walk of their own, so a reader of
 * every block may take them rather than read each block's statements (rules/upstream-common.ts).
 */
export function isOneTime(model: ConfigModel): boolean {
  return siteQueries.get(model)!.oneTime;
}

/**
 * Every question known (names-under.ts knownQuestions) not answered yet, answered in one walk from `top` in
 * reading order: each statement's name is looked up once for all of them, and a site is made only for a
 * statement some question wants (the same object the block's `directives` gives later). A block that holds
 * an `include`, or whose sites are made, is read from its sites; a child block's statements are read where
 * its block directive stands, as forEachSiteInReadingOrder does. The same lists as one `sitesWhere` walk per
 * question, which skip only blocks that cannot hold their names.
 */
function answerEveryQuestion(q: SiteQueries): void {
  const lists: DirectiveSite[][] = [];
  let want = 0;
  const questions = knownQuestions();
  for (const { key, bit } of questions)
    if (!q.answered.has(key)) {
      want |= bit;
      lists[31 - Math.clz32(bit)] = [];
    }
  if (want === 0) return;
  const add = (s: DirectiveSite, mask: number): void => {
    for (let m = mask; m !== 0;) {
      const i = 31 - Math.clz32(m);
      m ^= 1 << i;
      lists[i].push(s);
    }
  };
  interface Frame {
    ctx: ConfigContext;
    /** The block's own statements when read from them (else its sites). */
    body: Statements | null;
    i: number;
    /** The next child context, in the order of the block directives. */
    child: number;
  }
  const open = (ctx: ConfigContext): Frame => ({
    ctx,
    body: ctx instanceof Context && ctx.scannable() ? ctx.body : null,
    i: 0,
    child: 0,
  });
  const stack: Frame[] = [open(q.top)];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const ctx = frame.ctx;
    let node: Directive;
    let file: FileInstance;
    if (frame.body !== null) {
      if (frame.i >= frame.body.length) {
        stack.pop();
        continue;
      }
      const n = frame.body[frame.i++];
      if (n.kind !== "directive") continue;
      node = n;
      file = ctx.file;
      const m = questionsFor(n.name) & want;
      if (m !== 0) add((ctx as Context).scannedSite(n), m);
    } else {
      const sites = ctx.directives;
      if (frame.i >= sites.length) {
        stack.pop();
        continue;
      }
      const s = sites[frame.i++];
      node = s.directive;
      file = s.file;
      const m = questionsFor(node.name) & want;
      if (m !== 0) add(s, m);
    }
    if (!node.block) continue;
    const next = ctx.children[frame.child];
    if (next !== undefined && next.directive === node && next.file === file) {
      frame.child++;
      stack.push(open(next));
    }
  }
  for (const { key, bit } of questions) if ((bit & want) !== 0) q.answered.set(key, lists[31 - Math.clz32(bit)]);
}

/**
 * Makes the question `sitesWhere(model, key, wanted)` known when a module is loaded (returns `wanted`, to be
 * passed to sitesWhere): the first analysis then answers every such question in one walk of each block, where
 * questions met one by one walked the bench's 1M-line workspace once each (names-under.ts).
 */
export function registerQuestion(key: string, wanted: (name: string) => boolean): (name: string) => boolean {
  return register(key, wanted);
}

/** registerQuestion for `model.sitesOf(name)`. */
export function registerSitesOf(name: string): void {
  register(`=${name}`, (n) => n === name);
}

function sitesNamed(model: ConfigModel, name: string): DirectiveSite[] {
  const q = siteQueries.get(model)!;
  if (q.indexed) return q.byName().get(name) ?? [];
  return sitesWhere(model, `=${name}`, (n) => n === name);
}

/**
 * The sites whose name `wanted` accepts under `top`, in reading order, entering a child block's context only
 * when `enter` accepts it. A block whose sites are not made yet and that has no `include` among its
 * statements is read from its statements (Context.scanWhere): only the wanted sites are made. Per context
 * entered, its wanted sites and the child contexts to enter are listed in reading order, and a child's are
 * read where its block directive stands (an explicit stack: blocks nest deeper than V8's stack).
 */
function visitSitesWhere(
  top: ConfigContext,
  wanted: (name: string) => boolean,
  enter: (child: ConfigContext) => boolean,
  visit: (s: DirectiveSite) => void,
  bit = 0,
  accept?: (d: Directive) => boolean,
): void {
  // Whether a statement's site is made and visited: its name is wanted, and `accept` takes the statement.
  const wants = accept === undefined ? (n: Directive) => wanted(n.name) : (n: Directive) => wanted(n.name) && accept(n);
  const itemsOf = (ctx: ConfigContext): (DirectiveSite | ConfigContext)[] => {
    const items: (DirectiveSite | ConfigContext)[] = [];
    const children = ctx.children;
    let next = 0;
    // Every block directive has its context, in the same order; a block listed by relevantUnder is found
    // ahead, past the contexts of the blocks it leaves out.
    const opened = (d: Directive, file: FileInstance): void => {
      for (let i = next; i < children.length; i++) {
        const child = children[i];
        if (child.directive !== d || child.file !== file) continue;
        next = i + 1;
        if (enter(child)) items.push(child);
        return;
      }
    };
    const d = ctx.directive;
    const listed =
      bit !== 0 && d !== null && d.block?.children === (ctx as Context).body ? relevantUnder(d, bit) : undefined;
    let scanned = false;
    if (ctx instanceof Context) {
      if (listed) {
        ctx.scanListed(
          listed,
          bit,
          wants,
          (s) => items.push(s),
          (b) => opened(b, ctx.file),
        );
        scanned = true;
      } else
        scanned = ctx.scanWhere(
          wants,
          (s) => items.push(s),
          (b) => opened(b, ctx.file),
        );
    }
    if (!scanned)
      for (const s of ctx.directives) {
        if (wants(s.directive)) items.push(s);
        if (s.directive.block) opened(s.directive, s.file);
      }
    return items;
  };
  const stack: { items: (DirectiveSite | ConfigContext)[]; i: number }[] = [{ items: itemsOf(top), i: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.i >= frame.items.length) {
      stack.pop();
      continue;
    }
    const item = frame.items[frame.i++];
    if ("kind" in item) stack.push({ items: itemsOf(item), i: 0 });
    else visit(item);
  }
}

/**
 * The sites of the model whose name `wanted` accepts (and whose statement `accept` takes, when given), in
 * reading order, entering a block's context only when `enter` accepts it (a rule that keeps its own per-block
 * summaries, rules/variable-sinks.ts): the sites of a context not entered, and of the statements not wanted,
 * are never made. Not remembered: the caller keeps what it needs.
 */
export function forEachSiteWhere(
  model: ConfigModel,
  wanted: (name: string) => boolean,
  visit: (s: DirectiveSite) => void,
  enter: (child: ConfigContext) => boolean,
  accept?: (d: Directive) => boolean,
): void {
  visitSitesWhere(siteQueries.get(model)!.top, wanted, enter, visit, 0, accept);
}

function lazyIndex(top: ConfigContext): () => ReadonlyMap<string, DirectiveSite[]> {
  let index: Map<string, DirectiveSite[]> | undefined;
  return () => {
    if (index === undefined) {
      const byName = new Map<string, DirectiveSite[]>();
      forEachSiteInReadingOrder(top, (s) => {
        const list = byName.get(s.directive.name);
        if (list === undefined) byName.set(s.directive.name, [s]);
        else list.push(s);
      });
      index = byName;
    }
    return index;
  };
}

/**
 * Every site under `top` in reading order: each context's own sites, with a child block's sites read where
 * its block directive stands, except the child blocks `enter` refuses. buildModel keeps no list of every
 * site (a 32,662-element array grown per keystroke on large-config, for an index only some readers ask
 * for); the contexts hold the same order. A child context is the next one of its parent's `children` whose
 * block directive, in the same file instance, is the site's (buildModel makes one per block directive that
 * is not an expanded include). An explicit stack: blocks nest deeper than V8's stack.
 */
function forEachSiteInReadingOrder(
  top: ConfigContext,
  visit: (s: DirectiveSite) => void,
  enter: (child: ConfigContext) => boolean = () => true,
): void {
  const stack: { ctx: ConfigContext; site: number; child: number }[] = [{ ctx: top, site: 0, child: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const { ctx } = frame;
    if (frame.site >= ctx.directives.length) {
      stack.pop();
      continue;
    }
    const s = ctx.directives[frame.site++];
    visit(s);
    const next = ctx.children[frame.child];
    if (next !== undefined && next.directive === s.directive && next.file === s.file) {
      frame.child++;
      if (enter(next)) stack.push({ ctx: next, site: 0, child: 0 });
    }
  }
}

/** Per-context memos outside the model (contextMemo): a recycled context starts with none. */
const contextMemos: WeakMap<ConfigContext, unknown>[] = [];

/**
 * A memo per context, for a cache kept beside the model (a rule's answers per block). Every such cache must be
 * one of these, not a WeakMap of its own: a context of a retired model is recycled into a new model's
 * (ModelRecycler), and this memo forgets it then, as a fresh context would start.
 */
export function contextMemo<T>(): WeakMap<ConfigContext, T> {
  const memo = new WeakMap<ConfigContext, T>();
  contextMemos.push(memo as WeakMap<ConfigContext, unknown>);
  return memo;
}

/**
 * The object `slot` of `ctx` (kept through ModelRecycler's recycling: its readers made it for the block that
 * was recycled into `ctx`), or `make()`'s, kept there. For a reader's per-block result whose fields are a
 * function of the model and the block, which it sets again on every use: on the incident, the SSL plans'
 * 4,002 entries per keystroke lived until the next and were most of what a scavenge copied. Such an object
 * is shared by every result of one model that holds it (the same values), and changed under a retired model's
 * results, which no one reads. Slots are small numbers, one per reader (`SLOT_*`).
 */
export function contextSlot<T extends object>(ctx: ConfigContext, slot: number, make: () => T): T {
  if (!(ctx instanceof Context)) return make();
  const slots = (ctx.slots ??= []);
  let kept = slots[slot] as T | undefined;
  if (kept === undefined) slots[slot] = kept = make();
  return kept;
}

/** The SSL plans' slots (ssl-contexts.ts): the entry of http Lua, stream Lua. */
export const SLOT_LUA_SSL = 0;
export const SLOT_STREAM_LUA_SSL = 1;

/** Models retired once, so that their contexts go to one new model only. */
const retiredModels = new WeakSet<ConfigModel>();

/**
 * Models nobody reads any more (the server's analysis it replaced), whose contexts and lists the next
 * buildModel overwrites instead of allocating new ones. On the incident a keystroke's model is 4,003
 * contexts (96 bytes each) and three lists as long, which lived through the next keystroke: V8's scavenges
 * copied and promoted them (~0.5 MB of the ~0.9 MB a keystroke leaves alive, by heap snapshot), and those
 * scavenges were the slow keystrokes. A recycled context lives in the old generation already: nothing is
 * copied. A recycled context is a new one for every reader (Context.recycle), so a model built with a
 * recycler equals one built without (test/model/recycle.test.ts compares them field by field after random
 * edits). Retire only a model no one will read again: its contexts change under it.
 */
export class ModelRecycler {
  private readonly spare: SpareLists[] = [];

  /**
   * `model` will not be read again: the next models may take its contexts. Only its lists are kept, and
   * what was read of its contexts is dropped now (Context.forget): a spare held the model object, and with
   * it everything kept per model until the next keystroke took it (its cost report with one plan entry per
   * location, its answers by name, every site read, the edited block's statements), young objects that a
   * scavenge in between copied.
   */
  retire(model: ConfigModel): void {
    if (retiredModels.has(model)) return;
    retiredModels.add(model);
    for (let i = 0; i < model.contexts.length; i++) {
      const c = model.contexts[i];
      if (c instanceof Context) c.retire();
    }
    const { contexts, locationConfigurations, streamServers } = model;
    this.spare.push({ contexts, locationConfigurations, streamServers });
    // A few roots re-analysed per keystroke; more spares would only keep memory.
    if (this.spare.length > MAX_SPARE_MODELS) this.spare.shift();
  }

  /** A retired model's lists and contexts, which the caller takes over (each is handed out once). */
  take(): SpareLists | undefined {
    return this.spare.pop();
  }
}

/** What a retired model leaves to the next buildModel. */
interface SpareLists {
  contexts: ConfigContext[];
  locationConfigurations: ConfigContext[];
  streamServers: ConfigContext[];
}

const MAX_SPARE_MODELS = 4;

/**
 * Blocks whose body holds no block and no `include` (so no context), kept while the block's content is
 * unchanged (workspace/subtree-memo.ts): buildModel then reads only the statements of the blocks that hold
 * blocks. On large-config ×10 (350,754 lines, 25,000 locations) reading every statement to find the blocks
 * was ~25 ms of each keystroke's analysis, one step no request could interrupt.
 */
const leafBlocks = new SubtreeMemo<true>();

/**
 * Builds the model of a loaded configuration; with a recycler, in the contexts and lists of a retired model
 * (the same model as without: ModelRecycler).
 */
export function buildModel(config: Configuration, recycler?: ModelRecycler): ConfigModel {
  const old = recycler?.take();
  // A retired model's lists are overwritten from the start and cut to the new length at the end.
  const contexts: ConfigContext[] = old?.contexts ?? [];
  // Merge order: ngx_http_merge_servers takes each server, then ngx_http_merge_locations its locations
  // (and their `if`/`limit_except`, which are queued as locations), depth-first: reading order, the order
  // contexts are made in. Every location configuration is inside `http`: kindOf gives `server` only in
  // `http` (itself only in main), `location` and `if` only in a server or location, `limit_except` only in
  // a location. Gathered as they are made: filtering the contexts afterwards, with an "inside http" array
  // beside them, made three more lists as long as the contexts per keystroke.
  const locationConfigurations: ConfigContext[] = old?.locationConfigurations ?? [];
  const streamServers: ConfigContext[] = old?.streamServers ?? [];
  let made = 0;
  let locations = 0;
  let streams = 0;

  const newContext = (
    kind: ContextKind,
    directive: Directive | null,
    file: FileInstance,
    parent: Context | null,
  ): Context => {
    const id = made++;
    const shell = id < contexts.length ? contexts[id] : undefined;
    let ctx: Context;
    if (shell instanceof Context) {
      shell.recycle(id, kind, directive, file, parent);
      ctx = shell;
    } else {
      ctx = new Context(id, kind, directive, file, parent);
      setAt(contexts, id, ctx);
    }
    if (ctx.isLocationConfiguration) setAt(locationConfigurations, locations++, ctx);
    else if (kind === "stream-server") setAt(streamServers, streams++, ctx);
    if (parent !== null) {
      if (parent.filled < parent.children.length) parent.children[parent.filled] = ctx;
      else if (parent.children === NO_CHILDREN) parent.children = [ctx];
      else parent.children.push(ctx);
      parent.filled++;
    }
    return ctx;
  };

  const main = newContext("main", null, config.root, null);
  // A snippet read in a guessed context (`["http", "server"]`): the implied blocks have no directive.
  let top = main;
  for (const name of config.root.context) top = newContext(kindOf(name, top.kind), null, config.root, top);
  top.body = config.root.parsed.children;

  // An explicit stack of the statement lists being read, each in the context it adds to: blocks nest deeper
  // than V8's stack (nginx accepts 13,000 nested locations). The top frame is read first, so contexts are
  // made in reading order, parents before children. Frames are columns of four arrays, not an object per
  // block (4,003 per keystroke on the incident).
  const nodesOf: Statements[] = [config.root.parsed.children];
  const indexOf: number[] = [0];
  const instOf: FileInstance[] = [config.root];
  const ctxOf: Context[] = [top];
  // The block directive whose body a frame reads (null: a file's top level), and whether that body held a
  // block or an `include` (else it is remembered as a leaf: leafBlocks).
  const blockOf: (Directive | null)[] = [null];
  const holdsOf: boolean[] = [false];
  const push = (nodes: Statements, inst: FileInstance, ctx: Context, block: Directive | null): void => {
    nodesOf.push(nodes);
    indexOf.push(0);
    instOf.push(inst);
    ctxOf.push(ctx);
    blockOf.push(block);
    holdsOf.push(false);
  };
  while (nodesOf.length > 0) {
    const f = nodesOf.length - 1;
    const nodes = nodesOf[f];
    if (indexOf[f] >= nodes.length) {
      const block = blockOf.pop()!;
      if (!holdsOf.pop() && block !== null) leafBlocks.set(block, true);
      nodesOf.pop();
      indexOf.pop();
      instOf.pop();
      ctxOf.pop();
      continue;
    }
    const node = nodes[indexOf[f]++];
    if (node.kind !== "directive") continue;
    const inst = instOf[f];
    const ctx = ctxOf[f];
    // Only `include` statements are keys of `includes` (configuration.ts); asking the map about every
    // directive gave each one an identity hash.
    const isInclude = node.name === "include";
    if (isInclude || node.block) holdsOf[f] = true;
    const included = isInclude ? inst.includes.get(node) : undefined;
    if (included) {
      // Each included file in place of the include, in order: pushed last first.
      for (let i = included.length - 1; i >= 0; i--) {
        const child = included[i];
        push(child.parsed.children, child, ctx, null);
      }
      continue;
    }
    if (!node.block) continue;
    const child = newContext(kindOf(node.name, ctx.kind), node, inst, ctx);
    child.body = node.block.children;
    // A block known to hold no block and no include adds no context: its statements are not read again.
    if (leafBlocks.get(node) !== true) push(node.block.children, inst, child, node);
  }
  // What a retired model had beyond the new one's counts is cut off (its contexts are left to the collector).
  if (contexts.length > made) contexts.length = made;
  if (locationConfigurations.length > locations) locationConfigurations.length = locations;
  if (streamServers.length > streams) streamServers.length = streams;
  if (old !== undefined)
    for (let i = 0; i < made; i++) {
      const c = contexts[i] as Context;
      if (c.filled < c.children.length) {
        if (c.filled === 0) c.children = NO_CHILDREN;
        else c.children.length = c.filled;
      }
    }

  const model: ConfigModel = {
    config,
    main,
    contexts,
    locationConfigurations,
    streamServers,
    sitesOf: (name) => sitesNamed(model, name),
  };
  siteQueries.set(model, {
    byName: lazyIndex(top),
    top,
    answered: new Map(),
    indexed: false,
    oneTime: false,
    answeredAll: false,
  });
  return model;
}

/** `list[i] = value`, appending when `i` is its length. */
function setAt(list: ConfigContext[], i: number, value: ConfigContext): void {
  if (i < list.length) list[i] = value;
  else list.push(value);
}

/** The contexts whose block, in instance(s) of file `path`, contains `offset` — innermost first, per instance. */
export function contextsAt(model: ConfigModel, path: string, offset: number): ConfigContext[] {
  const out: ConfigContext[] = [];
  for (const c of model.contexts) {
    const d = c.directive;
    if (!d || c.file.path !== path) continue;
    if (d.startOffset <= offset && offset <= d.endOffset) out.push(c);
  }
  // Deeper blocks start later (or at the same place but end earlier): innermost first. Depths from each
  // parent's (reading order, parents first): walking to the root per context, or per comparison, is
  // quadratic in the depth (10,000 nested locations: 5·10^7 steps, 10^9 when sorting).
  if (out.length < 2) return out;
  const depths: number[] = [];
  for (const c of model.contexts) depths[c.id] = c.parent === null ? 0 : depths[c.parent.id] + 1;
  return out.sort((a, b) => depths[b.id] - depths[a.id]);
}

const blockSites = new WeakMap<ConfigContext, Map<Directive, DirectiveSite>>();

/**
 * The site of a block's own directive (`server {`, `location /x {`) in its parent's list, or null for main and
 * implied blocks. The parent's sites are indexed once, so asking for each of its 4,000 locations is linear.
 */
export function blockSite(ctx: ConfigContext): DirectiveSite | null {
  const parent = ctx.parent;
  if (parent === null || ctx.directive === null) return null;
  let index = blockSites.get(parent);
  if (index === undefined) {
    index = new Map();
    for (const s of parent.directives) if (s.directive.block !== undefined) index.set(s.directive, s);
    blockSites.set(parent, index);
  }
  return index.get(ctx.directive) ?? null;
}
