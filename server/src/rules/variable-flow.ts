// Where a variable's value comes from in the effective configuration, for rules ssrf and http-splitting:
// the `set` statements that run for a request reaching a statement (the server's rewrite code, then the
// matched location's, `if` blocks included — nginx runs only the innermost matched location's, so a parent
// location's `set` does not count), the `map` entries that define it (with the captures of each entry's
// regex), and the regex whose captures `$1` / `$name` read (the innermost regex `if`, or the `location ~`,
// and the `rewrite`s before the statement in its block). Variables are registered by name for the whole
// configuration when it is read, so a `set` written after the location that reads it counts as well
// (gixy's dvershinin/gixy#100); captures of a regex `if` are variables as a location's are (#111).
//
// Both rules share one analysis per model (flowOf). It reads only the statements variable-sinks.ts says may
// matter, skipping the blocks whose kept summary says they hold none, and finds the `set`s and `map`s of a
// name when a value reads it: a keystroke does not make the site of every statement of the file. Where a
// `set` or `map` defines a builtin's name, every statement may matter, and the flow asks the model for every
// site of the names it reads (`sitesWhere` with VARIABLE_FLOW_KEY), as it first did.

import type { Directive } from "../parse/ast";
import type { RuleOptions } from "./types";
import {
  contextMemo,
  enclosing,
  forEachSiteWhere,
  ownSites,
  registerQuestion,
  sitesWhere,
  siteKey,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../model";
import type { RegexShape } from "./regex-shape";
import { ByteSet } from "./regex-shape";
import type { RelatedLocation } from "./types";
import { pruning } from "./pruning";
import {
  SERVER_SIDE,
  builtinHolds,
  captureHolds,
  concatHolds,
  shapeOf,
  unionHolds,
  valueParts,
  type Holds,
} from "./variable-values";
import { HEADER_SINKS, PASS_DIRECTIVES, builtinValue, definedName, flowSummary, needsFlow } from "./variable-sinks";

export { HEADER_SINKS, PASS_DIRECTIVES, carriesCr, carriesLf } from "./variable-sinks";

/** The model question of this group of rules, where a builtin's name is redefined (one key for all of them). */
export const VARIABLE_FLOW_KEY = "h15-variables";

/** Every name the group asks the model for. */
export const VARIABLE_FLOW_NAMES: ReadonlySet<string> = new Set([
  "set",
  "auth_request_set",
  "map",
  ...PASS_DIRECTIVES,
  ...HEADER_SINKS,
]);

/** Past this many names asked, VariableFlow reads every definition at once. */
const MANY_NAMES = 16;

const isDefinition = (n: string): boolean => n === "set" || n === "auth_request_set" || n === "map";

/** Whether `d` (a definition) gives a value to a builtin's name (`set $http_x …`). */
function definesBuiltin(d: Directive): boolean {
  const name = definedName(d);
  return name !== null && builtinHolds(name) !== null;
}

/** A variable the value reaches in the end (a builtin or a capture), with where it was given. */
export interface Leaf {
  /** As written: `$uri`, `$1`, `$name`. */
  name: string;
  /** The variable as the statement reads it, when the leaf is reached through it (`$target` for its `$1`). */
  top?: string;
  holds: Holds;
  /** The statements it came through (`set`, `map` entry, the regex's block), for `related`. */
  via: Via[];
}

/** A statement a value came through, made into a RelatedLocation only when a finding names it. */
export interface Via {
  path: string;
  d: Directive;
  message: string;
}

/** `via` as a finding's related location (on the statement's name: `set`, a map key, `location`). */
export function toRelated(v: Via): RelatedLocation {
  return { path: v.path, range: v.d.nameWord.range, message: v.message };
}

/** One way a value can read: literal text and leaves, in order. */
export type Alternative = (string | Leaf)[];

/** Where a value is read: the statement and its block. */
export interface UseSite {
  site: DirectiveSite;
  /** For a rewrite's replacement: its own regex (numbered captures in it are escaped by nginx). */
  rewriteOwn?: RegexShape;
}

interface Provider {
  shape: RegexShape;
  subject: Holds;
  at: Via;
  /** A rewrite's own regex in its replacement: numbered captures are escaped (ngx_http_script_copy_capture_code). */
  escaped?: boolean;
}

interface MapDef {
  site: DirectiveSite;
  source: string;
  entries: Directive[];
  file: DirectiveSite["file"];
}

const MAX_ALTERNATIVES = 32;
const MAX_DEPTH = 8;
const NON_ENTRY = new Set(["hostnames", "volatile", "include"]);

export class VariableFlow {
  /**
   * The statements that write a value somewhere (PASS_DIRECTIVES, HEADER_SINKS) and may give a finding:
   * those `needsFlow` accepts, or, where a builtin's name is redefined, every one that reads a variable.
   */
  readonly sinks: DirectiveSite[] = [];
  /** The `set`s and `map`s of each name asked about (all of them at once where a builtin's name is redefined). */
  private readonly sets = new Map<string, DirectiveSite[]>();
  private readonly maps = new Map<string, MapDef[]>();
  /** Whether `sets` and `maps` hold every definition (a builtin's name is redefined, or many were asked). */
  private complete: boolean;
  private readonly childOf = new Map<Directive, ConfigContext>();
  private readonly indexed = new Set<ConfigContext>();

  /**
   * `once`: a one-time analysis (RuleOptions.once). Every site of the group's names is read, with no summary
   * made for a block (the summaries only prune what a next analysis walks again; on the bench's 1M-line
   * workspace nearly every location holds a sink, so the fold was a walk of every statement that pruned
   * nothing), and every definition is read with the sinks (so `definitionsOf` has nothing left to do).
   */
  constructor(
    private readonly model: ConfigModel,
    once = false,
  ) {
    let builtinDefined = false;
    // A one-time analysis reads every definition in the same walk (in reading order, as definitionsOf would).
    const definitions: DirectiveSite[] = [];
    if (once) {
      // The group's question, which a one-time analysis answers with every other in one walk
      // (model/index.ts oneTimeQuestions): a walk of its own here was the flow's largest cost.
      const sites = sitesWhere(model, VARIABLE_FLOW_KEY, FLOW_QUESTION);
      // Indexed: run once, a for…of stays unoptimised and makes an iterator result per site.
      for (let i = 0; i < sites.length; i++) {
        const s = sites[i];
        const d = s.directive;
        if (!isDefinition(d.name)) {
          if (needsFlow(d)) this.sinks.push(s);
        } else {
          definitions.push(s);
          if (definesBuiltin(d)) builtinDefined = true;
        }
      }
    } else
      // A site only for the sinks and the definitions of a builtin's name (the 178,000 `proxy_set_header
      // $host` of the bench's 1M-line workspace need none).
      forEachSiteWhere(
        model,
        (n) => VARIABLE_FLOW_NAMES.has(n),
        (s) => {
          if (!isDefinition(s.directive.name)) this.sinks.push(s);
          else builtinDefined = true;
        },
        (child) => {
          const sum = flowSummary(child.directive!);
          return sum.sinks || sum.builtinDefs;
        },
        (d) => (isDefinition(d.name) ? definesBuiltin(d) : needsFlow(d)),
      );
    this.complete = builtinDefined || !pruning.variables;
    if (!this.complete) {
      if (once) {
        for (const s of definitions) this.define(s);
        this.complete = true;
      }
      return;
    }
    // Every statement that reads a variable may read a redefined builtin: read them all, with every definition.
    this.sinks.length = 0;
    for (const s of sitesWhere(model, VARIABLE_FLOW_KEY, FLOW_QUESTION)) {
      const d = s.directive;
      if (PASS_DIRECTIVES.has(d.name) || HEADER_SINKS.has(d.name)) {
        for (let i = 0; i < d.argCount; i++)
          if ((d.argValue(i) ?? "").includes("$")) {
            this.sinks.push(s);
            break;
          }
      } else this.define(s);
    }
  }

  /** Adds `s` to `sets` or `maps` when it defines a variable. */
  private define(s: DirectiveSite, only?: string): void {
    const d = s.directive;
    const name = definedName(d);
    if (name === null || (only !== undefined && name !== only)) return;
    if (d.name !== "map") {
      push(this.sets, name, s);
      return;
    }
    if (!this.indexed.has(s.context)) {
      this.indexed.add(s.context);
      for (const c of s.context.children) if (c.directive) this.childOf.set(c.directive, c);
    }
    const ctx = this.childOf.get(d);
    const entries = ctx
      ? ctx.directives.map((e) => e.directive)
      : d.block!.children.filter((n): n is Directive => n.kind === "directive");
    push(this.maps, name, { site: s, source: d.argValue(0) ?? "", entries, file: s.file });
  }

  /**
   * Finds the `set`s and `map`s of `name` (once per name), entering only the blocks whose summary may define
   * it. No builtin's name is defined anywhere when this runs (else `complete`). Past MANY_NAMES names asked,
   * every definition is read in one walk instead: a walk per name from the top read the http block's
   * statements again for each (the bench's 1M-line workspace asks for 1,000 map variables, one per site).
   */
  private definitionsOf(name: string): void {
    if (this.complete || this.asked.has(name)) return;
    this.asked.add(name);
    if (builtinHolds(name) !== null) return;
    if (this.asked.size > MANY_NAMES) {
      this.complete = true;
      this.sets.clear();
      this.maps.clear();
      forEachSiteWhere(
        this.model,
        isDefinition,
        (s) => this.define(s),
        (child) => {
          const defines = flowSummary(child.directive!).defines;
          return defines === null || defines.size > 0;
        },
      );
      return;
    }
    forEachSiteWhere(
      this.model,
      isDefinition,
      (s) => this.define(s, name),
      (child) => {
        const defines = flowSummary(child.directive!).defines;
        return defines === null || defines.has(name);
      },
    );
  }

  private readonly asked = new Set<string>();
  /** expandVar's answers for the variables only maps define, by name and depth (callers copy, never change them). */
  private readonly mapOnly = new Map<string, Alternative[]>();
  /** `expandArg`'s answers per text for the texts that read the same wherever they are read (`sameEverywhere`). */
  private readonly everywhere = new Map<string, Alternative[]>();

  private setsOf(name: string): DirectiveSite[] | undefined {
    this.definitionsOf(name);
    return this.sets.get(name);
  }

  private mapsOf(name: string): MapDef[] | undefined {
    this.definitionsOf(name);
    return this.maps.get(name);
  }

  /**
   * The ways argument `index` of the statement at `at` can read. Most values read only builtins that no
   * `set` or `map` redefines (`proxy_set_header Host $host`): those are answered from the statement's own
   * parts, kept per statement across analyses, without looking around it.
   */
  expandArg(at: UseSite, index: number): Alternative[] {
    const text = at.site.directive.argValue(index) ?? "";
    const memo = builtinValue(text);
    if (memo.alt !== null) {
      let redefined = false;
      for (const n of memo.names) if (this.setsOf(n) !== undefined || this.mapsOf(n) !== undefined) redefined = true;
      if (!redefined) return [memo.alt];
    }
    // A text whose variables read alike everywhere is expanded once: the 1M-line workspace writes each site's
    // map variable into 45 locations' `proxy_set_header Connection`.
    const known = this.everywhere.get(text);
    if (known !== undefined) return known;
    const alts = this.expand(text, at);
    if (this.sameEverywhere(text)) this.everywhere.set(text, alts);
    return alts;
  }

  /**
   * Whether `text` reads the same wherever it is read: each of its variables is a builtin or defined by
   * `map`s only (expandVar's answers that do not look at the site), never a capture nor a `set`'s.
   */
  private sameEverywhere(text: string): boolean {
    for (const part of valueParts(text)) {
      if ("lit" in part) continue;
      const name = part.name;
      if (name.length === 1 && name >= "0" && name <= "9") return false;
      if ((this.setsOf(name)?.length ?? 0) > 0) return false;
      if ((this.mapsOf(name)?.length ?? 0) === 0 && builtinHolds(name) === null) return false;
    }
    return true;
  }

  /** The ways `text`, read at `at`, can read (leaves resolved through `set`/`map`). */
  expand(text: string, at: UseSite, depth = 0): Alternative[] {
    let alts: Alternative[] = [[]];
    for (const part of valueParts(text)) {
      if ("lit" in part) {
        for (const a of alts) a.push(part.lit);
        continue;
      }
      let options = this.expandVar(part.name, at, depth);
      if (depth === 0) {
        const top = `$${part.name}`;
        options = options.map((o) => o.map((p) => (typeof p === "string" || p.name === top ? p : { ...p, top })));
      }
      const next: Alternative[] = [];
      for (const a of alts) for (const o of options) next.push([...a, ...o]);
      alts = next.length > MAX_ALTERNATIVES ? [collapse(next)] : next;
    }
    return alts;
  }

  /** What `$name` holds at `at`, as one summary. */
  holdsOf(name: string, at: UseSite, depth = 0): Holds {
    let out: Holds | null = null;
    for (const alt of this.expandVar(name, at, depth)) {
      const h = concatHolds(alt.map((p) => (typeof p === "string" ? p : p.holds)));
      out = out === null ? h : unionHolds(out, h);
    }
    return out ?? SERVER_SIDE;
  }

  private expandVar(name: string, at: UseSite, depth: number): Alternative[] {
    const written = `$${name}`;
    const leaf = (holds: Holds, via: Via[] = []): Alternative[] => [[{ name: written, holds, via }]];
    if (depth > MAX_DEPTH) return leaf(SERVER_SIDE);
    // Numbered captures: of the regex that matched last.
    const numbered = name.length === 1 && name >= "1" && name <= "9";
    if (numbered) {
      for (const p of this.providers(at, name, depth)) {
        const held = captureHolds(p.shape, name, p.subject);
        if (held === null) continue;
        const holds = p.escaped ? { ...held, bytes: held.bytes.minus(ESCAPED) } : held;
        return [[{ name: written, holds, via: [p.at] }]];
      }
      return leaf(SERVER_SIDE);
    }
    const sets = this.setsReaching(name, at.site);
    const maps = this.mapsOf(name) ?? [];
    // A variable only `map`s define reads the same wherever it is read (each entry is expanded at its map):
    // once per name and depth (the 1M-line workspace reads each site's map variable in 60 places).
    const mapOnly = sets.length === 0 && maps.length > 0 ? `${name}\u0000${depth}` : null;
    const known = mapOnly === null ? undefined : this.mapOnly.get(mapOnly);
    if (known !== undefined) return known;
    if (sets.length > 0 || maps.length > 0) {
      const out: Alternative[] = [];
      for (const s of sets) {
        const via = related(s, `\`${s.directive.name} ${written}\` gives it this value`);
        for (const alt of this.expand(s.directive.argValue(1) ?? "", { site: s }, depth + 1))
          out.push(alt.map((p) => (typeof p === "string" ? p : { ...p, via: [via, ...p.via] })));
      }
      for (const m of maps) {
        for (const e of m.entries) {
          if (NON_ENTRY.has(e.name) || e.argCount < 1) continue;
          const key = e.name;
          const mapAt: UseSite = { site: m.site };
          const via: Via = {
            path: m.file.path,
            d: e,
            message: `the \`map\` of ${m.source} gives ${written} this value`,
          };
          const entryProviders: Provider[] = [];
          if (key.startsWith("~")) {
            const caseless = key.startsWith("~*");
            const shape = shapeOf(key.slice(caseless ? 2 : 1), caseless);
            if (shape && !shape.opaque) {
              const subject = this.subjectHolds(m.source, mapAt, depth + 1);
              entryProviders.push({ shape, subject, at: via });
            }
          }
          for (const alt of this.expandWith(e.argValue(0) ?? "", mapAt, entryProviders, depth + 1))
            out.push(alt.map((p) => (typeof p === "string" ? p : { ...p, via: [via, ...p.via] })));
        }
      }
      const answer = out.length > MAX_ALTERNATIVES ? [collapse(out)] : out.length > 0 ? out : leaf(SERVER_SIDE);
      if (mapOnly !== null) this.mapOnly.set(mapOnly, answer);
      return answer;
    }
    // A builtin: no capture can take its name (nginx refuses a regex group named like one: "the duplicate
    // variable"), so the regexes around are not looked at — most variables read are builtins.
    const b = builtinHolds(name);
    if (b !== null) return leaf(b);
    // Named captures: of any regex on the way (each sets its names as variables).
    const captures: Alternative[] = [];
    for (const p of this.providers(at, name, depth)) {
      const held = captureHolds(p.shape, name, p.subject);
      if (held !== null) captures.push([{ name: written, holds: held, via: [p.at] }]);
    }
    return captures.length > 0 ? captures : leaf(SERVER_SIDE);
  }

  /** `expand` of a map entry's value, whose captures are the entry's regex's. */
  private expandWith(text: string, at: UseSite, providers: Provider[], depth: number): Alternative[] {
    let alts: Alternative[] = [[]];
    for (const part of valueParts(text)) {
      if ("lit" in part) {
        for (const a of alts) a.push(part.lit);
        continue;
      }
      let options: Alternative[] | null = null;
      for (const p of providers) {
        const held = captureHolds(p.shape, part.name, p.subject);
        if (held !== null) options = [[{ name: `$${part.name}`, holds: held, via: [] }]];
      }
      if (options === null && /^[1-9]$/.test(part.name))
        options = [[{ name: `$${part.name}`, holds: SERVER_SIDE, via: [] }]];
      options ??= this.expandVar(part.name, at, depth);
      const next: Alternative[] = [];
      for (const a of alts) for (const o of options) next.push([...a, ...o]);
      alts = next.length > MAX_ALTERNATIVES ? [collapse(next)] : next;
    }
    return alts;
  }

  /** What the subject of a regex match (`$uri` of `if ($uri ~ …)`, a map's source) holds. */
  private subjectHolds(text: string, at: UseSite, depth: number): Holds {
    const parts = valueParts(text);
    const held: (Holds | string)[] = [];
    for (const p of parts) held.push("lit" in p ? p.lit : this.holdsOf(p.name, at, depth + 1));
    return concatHolds(held);
  }

  /**
   * The regexes whose captures `at` may read, most recent first: a rewrite's own (in its replacement), the
   * rewrites before it in its block, the innermost regex `if` around it, else its location's regex. Named
   * captures: every regex on the way up to the server (each sets its names as variables).
   */
  private providers(at: UseSite, name: string, depth: number): Provider[] {
    const numbered = name.length === 1 && name >= "1" && name <= "9";
    // A named capture comes only from a regex that names it: the others are passed without a Provider.
    const wanted = (shape: RegexShape): boolean => !shape.opaque && (numbered || shape.named.has(name));
    const out: Provider[] = [];
    const site = at.site;
    if (at.rewriteOwn)
      out.push({
        shape: at.rewriteOwn,
        subject: URI,
        at: related(site, "the `rewrite`'s own regex captures it"),
        escaped: true,
      });
    let levels = 0;
    for (let c: ConfigContext | null = site.context; c !== null; c = c.parent) {
      // Rewrites of the block that run before the statement.
      // ownSites: a server's 4,000 statements are not scanned per statement that reads a variable.
      const rewrites = ownSites(c, "rewrite");
      for (let i = rewrites.length - 1; i >= 0; i--) {
        const r = rewrites[i];
        if (r.directive === site.directive) continue;
        if (c === site.context && (r.file !== site.file || r.directive.startOffset > site.directive.startOffset))
          continue;
        const shape = shapeOf(r.directive.argValue(0) ?? "", false);
        if (shape && wanted(shape)) out.push({ shape, subject: URI, at: related(r, "this `rewrite` captures it") });
      }
      if (c.kind === "if" && c.directive) {
        const cond = ifCondition(c.directive);
        if (cond && cond.op.includes("~") && !cond.op.startsWith("!")) {
          const shape = shapeOf(cond.value, cond.op === "~*");
          if (shape && wanted(shape)) {
            const subject = this.subjectHolds(cond.subject, { site }, depth);
            out.push({ shape, subject, at: blockAt(c, "this `if` captures it") });
          }
          if (numbered && shape && !shape.opaque) break;
        }
      }
      if (c.kind === "location" && c.location && (c.location.modifier === "~" || c.location.modifier === "~*")) {
        const shape = shapeOf(c.location.path, c.location.modifier === "~*");
        if (shape && wanted(shape))
          out.push({ shape, subject: URI, at: blockAt(c, "this location's regex captures it") });
        if (numbered) break;
      }
      if (c.kind === "server" || c.kind === "http") break;
      // Locations nest a few levels deep in real configurations; 10,000 nested ones must not make each
      // statement walk to the root (nginx matches nested regex locations only below their parent's match).
      if (++levels > MAX_LEVELS) break;
    }
    return out;
  }

  private readonly placed = new Map<string, PlacedSets>();

  /** The sets of `name` grouped once (a name set in 4,000 locations is asked about from each of them). */
  private placedSets(name: string, all: readonly DirectiveSite[]): PlacedSets {
    let p = this.placed.get(name);
    if (p === undefined) {
      p = { byLocation: new Map(), serverLevel: new Map(), byServer: new Map() };
      for (const s of all) {
        const sLoc = enclosing(s.context, "location");
        const sSrv = nearest(s.context, "server");
        push(p.byServer, sSrv, s);
        if (sLoc !== null) push(p.byLocation, sLoc, s);
        else push(p.serverLevel, sSrv, s);
      }
      this.placed.set(name, p);
    }
    return p;
  }

  /**
   * The `set`s of `$name` that may have run when `site` reads it: the server's rewrite code (its own
   * statements and its `if`s) and the code of the location `site` is in (its own and its `if`s). A `set`
   * written directly in that location overrides the server's. With none of these, every `set` of the name
   * in the same server (an internal redirect keeps variables), else anywhere.
   */
  private setsReaching(name: string, site: DirectiveSite): DirectiveSite[] {
    const all = this.setsOf(name);
    if (!all) return [];
    const placed = this.placedSets(name, all);
    const loc = enclosing(site.context, "location");
    const srv = nearest(site.context, "server");
    const inLoc = loc !== null ? (placed.byLocation.get(loc) ?? []) : [];
    const inServer = placed.serverLevel.get(srv) ?? [];
    const sameServer = placed.byServer.get(srv) ?? [];
    if (inLoc.length > 0) {
      const direct = inLoc.filter((s) => s.context === loc);
      if (direct.length > 0) {
        // The last direct one runs last among the direct ones; conditional ones may still run after it.
        const last = direct[direct.length - 1];
        return inLoc.filter((s) => s === last || s.context !== loc);
      }
      return [...inServer, ...inLoc];
    }
    if (inServer.length > 0) return inServer;
    return sameServer.length > 0 ? sameServer : all;
  }
}

/** The `set`s of one name by where they run: per location, at server level per server, per server. */
interface PlacedSets {
  byLocation: Map<ConfigContext, DirectiveSite[]>;
  serverLevel: Map<ConfigContext | null, DirectiveSite[]>;
  byServer: Map<ConfigContext | null, DirectiveSite[]>;
}

const MAX_LEVELS = 16;

/** Per kind: each context's nearest enclosing context of that kind (itself included), remembered on the way. */
const nearestMemo = new Map<string, WeakMap<ConfigContext, ConfigContext | null>>();

/**
 * `enclosing(ctx, kind)` remembered for every context on the way up: a statement in each of 10,000 nested
 * locations asks for its server, and walking to the root each time is 10^8 steps.
 */
export function nearest(ctx: ConfigContext, kind: ConfigContext["kind"]): ConfigContext | null {
  let memo = nearestMemo.get(kind);
  if (memo === undefined) nearestMemo.set(kind, (memo = contextMemo<ConfigContext | null>()));
  const path: ConfigContext[] = [];
  let found: ConfigContext | null = null;
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) {
    const known = memo.get(c);
    if (known !== undefined) {
      found = known;
      break;
    }
    if (c.kind === kind) {
      found = c;
      break;
    }
    path.push(c);
  }
  for (const c of path) memo.set(c, found);
  return found;
}

/** What `$uri` holds: the subject of location and rewrite regexes. */
const URI = builtinHolds("uri")!;
/** ngx_escape_uri(NGX_ESCAPE_ARGS) of a rewrite's own captures: controls, space, `#`, `%`, `&`, `+`, `?` escaped. */
const ESCAPED = ByteSet.range(0, 0x20).union(ByteSet.chars("#%&+?")).add(0x7f);

function collapse(alts: Alternative[]): Alternative {
  let holds: Holds | null = null;
  const via: Via[] = [];
  const names: string[] = [];
  for (const a of alts)
    for (const p of a) {
      if (typeof p === "string") continue;
      holds = holds === null ? p.holds : unionHolds(holds, p.holds);
      if (!names.includes(p.name)) names.push(p.name);
      for (const v of p.via) if (!via.some((x) => x.path === v.path && x.d === v.d)) via.push(v);
    }
  return [{ name: names[0] ?? "$?", holds: holds ?? SERVER_SIDE, via }];
}

function push<K, T>(m: Map<K, T[]>, k: K, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export function related(s: DirectiveSite, message: string): Via {
  return { path: s.file.path, d: s.directive, message };
}

function blockAt(c: ConfigContext, message: string): Via {
  return { path: c.file.path, d: c.directive!, message };
}

/** An `if`'s condition as ngx_http_rewrite_if reads it: `($a ~ re)`, parentheses stripped. */
export function ifCondition(d: Directive): { subject: string; op: string; value: string } | null {
  let c = conditions.get(d);
  if (c === undefined) conditions.set(d, (c = readCondition(d)));
  return c;
}

const conditions = new WeakMap<Directive, { subject: string; op: string; value: string } | null>();

function readCondition(d: Directive): { subject: string; op: string; value: string } | null {
  const words: string[] = [];
  for (let i = 0; i < d.argCount; i++) words.push(d.argValue(i) ?? "");
  if (words.length === 0) return null;
  if (words[0] === "(") words.shift();
  else words[0] = words[0].replace(/^\(/, "");
  const last = words.length - 1;
  if (words[last] === ")") words.pop();
  else if (last >= 0) words[last] = words[last].replace(/\)$/, "");
  if (words.length !== 3) return null;
  return { subject: words[0], op: words[1], value: words[2] };
}

const flows = new WeakMap<ConfigModel, VariableFlow>();

/** The model's variable flow (one per model: both rules ask). */
export function flowOf(model: ConfigModel, options?: RuleOptions): VariableFlow {
  let f = flows.get(model);
  if (f === undefined) flows.set(model, (f = new VariableFlow(model, options?.once === true)));
  return f;
}

/** A leaf for people: `$target` (its `$1`), or `$uri`. */
export function leafName(l: Leaf): string {
  return l.top !== undefined && l.top !== l.name ? `${l.top} (from ${l.name})` : l.name;
}

/** Findings are made once per written statement (a file included twice gives two sites). */
export function onceKey(s: DirectiveSite, code: string): string {
  return `${siteKey(s)}\0${code}`;
}

/** The question of the complete reading, known from the start (model/index.ts registerQuestion). */
const FLOW_QUESTION = registerQuestion(VARIABLE_FLOW_KEY, (n) => VARIABLE_FLOW_NAMES.has(n));
