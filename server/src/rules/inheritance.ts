// The array directives nginx inherits all or nothing (issue 15): a block that sets one of them gets only its
// own list, and every value of the enclosing levels is dropped there. Shared by the three rules that report
// it — add-header-redefinition (add_header, add_trailer), proxy-set-header-redefinition (proxy_set_header)
// and directive-inheritance (the others) — and by the header rules that need what is in effect in a block
// (add-header-content-type: the hidden headers; proxy-missing-host-header: the proxied Host).
//
// What nginx does, per directive (merge functions in nginx's sources):
// - add_header / add_trailer: ngx_http_headers_merge_conf takes the parent's array only when the block has
//   none (`conf->headers == NULL`); since 1.29.3 `add_header_inherit` / `add_trailer_inherit` (themselves
//   inherited, default `on`) change that: `merge` appends the parent's array to the block's own, `off`
//   inherits nothing even into a block that sets none, `on` is the rule above.
// - proxy_set_header / grpc_set_header / fastcgi_param / uwsgi_param / scgi_param:
//   `ngx_conf_merge_ptr_value(conf->headers_source | params_source, prev->…, NULL)`: the parent's list only
//   when the block has none. proxy's built-in headers (Host $proxy_host, Connection close, …) are added
//   to whichever list is in effect, so a dropped `Host` falls back to $proxy_host.
// - *_hide_header and *_pass_header (ngx_http_upstream_hide_headers_hash): each list from the parent only
//   when the block sets none of it.
// - error_page (ngx_http_core_merge_loc_conf: `conf->error_pages == NULL`), limit_conn and limit_req
//   (`conf->limits.elts == NULL`): the same.
//
// The model reads included files in place, so a list set in an included file at any level counts (gixy
// misses those: yandex/gixy#114). Every rule of this group asks the model ONE question (sitesWhere with
// HEADER_RULES_KEY over HEADER_RULES_NAMES) and filters its answer; the two common names are read from the
// blocks that matter only (COMMON_NAMES).

import type { Directive } from "../parse/ast";
import {
  ownSites,
  registerQuestion,
  siteKey,
  sitesWhere,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../model";
import type { Finding, RelatedLocation, Severity } from "./types";

/** The model's question key of every rule of this group (model/names-under.ts keeps 15 keys in all). */
export const HEADER_RULES_KEY = "h15-headers";

export type InheritanceRule = "add-header-redefinition" | "proxy-set-header-redefinition" | "directive-inheritance";

/** One array directive and how its entries are told apart. */
export interface ArrayFamily {
  name: string;
  rule: InheritanceRule;
  /** The directive that changes its inheritance (nginx ≥ 1.29.3), if any. */
  inherit?: string;
  /** The keys one statement adds (a header or parameter name, status codes, a zone). */
  keys(d: Directive): string[];
  /** What losing these keys does, for the message: "X-Frame-Options, … are not sent …". */
  consequence(keys: string[]): string;
  /** Keys nginx applies anyway when they are dropped (a module's built-in hidden headers). */
  builtIn?: ReadonlySet<string>;
  /** An empty value removes the client's header (proxy_set_header X ""): dropping it lets the client's through. */
  emptyRemoves?: boolean;
}

const lower = (d: Directive): string[] => {
  const v = d.argValue(0);
  return v === undefined ? [] : [v.toLowerCase()];
};
const exact = (d: Directive): string[] => {
  const v = d.argValue(0);
  return v === undefined ? [] : [v];
};
const list = (keys: string[]): string => keys.join(", ");
const are = (keys: string[]): string => (keys.length === 1 ? "is" : "are");

/** error_page's status codes (the last argument is the URI, `=code` the response code). */
function errorPageKeys(d: Directive): string[] {
  const out: string[] = [];
  const n = d.argCount;
  for (let i = 0; i < n - 1; i++) {
    const v = d.argValue(i) ?? "";
    if (/^\d{3}$/.test(v)) out.push(v);
  }
  return out;
}

/** limit_req's zone (`zone=name`). */
function limitReqKeys(d: Directive): string[] {
  for (const v of d.argValues()) if (v.startsWith("zone=")) return [v.slice(5)];
  return [];
}

const ACCEL = ["x-accel-expires", "x-accel-redirect", "x-accel-limit-rate", "x-accel-buffering", "x-accel-charset"];

/**
 * The headers each module hides whatever *_hide_header says (ngx_http_proxy_hide_headers and its kin, added
 * by ngx_http_upstream_hide_headers_hash): dropping one of them hides nothing less.
 */
const BUILT_IN_HIDDEN: Record<string, ReadonlySet<string>> = {
  proxy: new Set(["date", "server", "x-pad", ...ACCEL]),
  grpc: new Set(["date", "server", ...ACCEL]),
  fastcgi: new Set(["status", ...ACCEL]),
  uwsgi: new Set(ACCEL),
  scgi: new Set(["status", ...ACCEL]),
};

function upstreamFamilies(prefix: string, server: string): ArrayFamily[] {
  return [
    {
      name: `${prefix}_hide_header`,
      rule: "directive-inheritance",
      keys: lower,
      consequence: (k) => `${list(k)} from the ${server} ${are(k)} no longer hidden from clients`,
      builtIn: BUILT_IN_HIDDEN[prefix],
    },
    {
      name: `${prefix}_pass_header`,
      rule: "directive-inheritance",
      keys: lower,
      consequence: (k) => `${list(k)} from the ${server} ${are(k)} no longer passed to clients`,
    },
  ];
}

/** Every array directive this group knows, in the order findings are made. */
export const ARRAY_FAMILIES: readonly ArrayFamily[] = [
  {
    name: "add_header",
    rule: "add-header-redefinition",
    inherit: "add_header_inherit",
    keys: lower,
    consequence: (k) => `${list(k)} ${are(k)} not sent in responses from here`,
  },
  {
    name: "add_trailer",
    rule: "add-header-redefinition",
    inherit: "add_trailer_inherit",
    keys: lower,
    consequence: (k) => `the trailers ${list(k)} ${are(k)} not sent in responses from here`,
  },
  {
    name: "proxy_set_header",
    rule: "proxy-set-header-redefinition",
    keys: lower,
    emptyRemoves: true,
    consequence: (k) => `${list(k)} ${are(k)} not set on requests proxied from here${proxyDefaults(k)}`,
  },
  {
    name: "grpc_set_header",
    rule: "directive-inheritance",
    keys: lower,
    emptyRemoves: true,
    consequence: (k) => `${list(k)} ${are(k)} not set on requests passed to the gRPC server from here`,
  },
  {
    name: "fastcgi_param",
    rule: "directive-inheritance",
    keys: exact,
    consequence: (k) => `${list(k)} ${are(k)} not passed to the FastCGI server from here`,
  },
  {
    name: "uwsgi_param",
    rule: "directive-inheritance",
    keys: exact,
    consequence: (k) => `${list(k)} ${are(k)} not passed to the uwsgi server from here`,
  },
  {
    name: "scgi_param",
    rule: "directive-inheritance",
    keys: exact,
    consequence: (k) => `${list(k)} ${are(k)} not passed to the SCGI server from here`,
  },
  ...upstreamFamilies("proxy", "proxied server"),
  ...upstreamFamilies("grpc", "gRPC server"),
  ...upstreamFamilies("fastcgi", "FastCGI server"),
  ...upstreamFamilies("uwsgi", "uwsgi server"),
  ...upstreamFamilies("scgi", "SCGI server"),
  {
    name: "error_page",
    rule: "directive-inheritance",
    keys: errorPageKeys,
    consequence: (k) => `status ${list(k)} ${k.length === 1 ? "gets" : "get"} nginx's built-in error page here`,
  },
  {
    name: "limit_conn",
    rule: "directive-inheritance",
    keys: exact,
    consequence: (k) =>
      `the connection limit${k.length === 1 ? "" : "s"} of zone ${list(k)} ${k.length === 1 ? "does" : "do"} not apply here`,
  },
  {
    name: "limit_req",
    rule: "directive-inheritance",
    keys: limitReqKeys,
    consequence: (k) =>
      `the request rate limit${k.length === 1 ? "" : "s"} of zone ${list(k)} ${k.length === 1 ? "does" : "do"} not apply here`,
  },
];

/** What nginx puts in place of a dropped proxy header of its own (ngx_http_proxy_headers). */
function proxyDefaults(keys: string[]): string {
  const notes: string[] = [];
  keys = keys.map((k) => k.toLowerCase());
  if (keys.includes("host")) notes.push("Host falls back to nginx's default $proxy_host");
  if (keys.includes("connection")) notes.push('Connection falls back to "close"');
  return notes.length === 0 ? "" : ` (${notes.join("; ")})`;
}

const FAMILY_BY_NAME = new Map(ARRAY_FAMILIES.map((f) => [f.name, f]));

/** The other names the group's rules ask about. */
const OTHER_NAMES = ["add_header_inherit", "add_trailer_inherit", "upstream"];

/**
 * The names too common for the group's model question: large-config has 7,500 proxy_set_header and 2,500
 * proxy_pass, and making their sites on every analysis cost ~20 ms (npm run bench:rules). They are read
 * from the blocks that can matter (proxySetHeaderSites; proxy-missing-host-header scans statements).
 */
const COMMON_NAMES = new Set(["proxy_set_header", "proxy_pass"]);

/** Every directive name the group's model question gathers. */
export const HEADER_RULES_NAMES: ReadonlySet<string> = new Set(
  [...FAMILY_BY_NAME.keys(), ...OTHER_NAMES].filter((n) => !COMMON_NAMES.has(n)),
);

/** The group's one question to the model: every site of HEADER_RULES_NAMES, in reading order. */
export function headerRuleSites(model: ConfigModel): DirectiveSite[] {
  return sitesWhere(model, HEADER_RULES_KEY, HEADER_QUESTION);
}

/**
 * The proxy_set_header sites that can take part in a drop: those of the blocks that hold blocks (only they
 * can be a level above another) and, below a block that sets some, those of every block. A configuration
 * that sets proxy_set_header only in innermost locations (large-config) reads no location's statements.
 */
export function proxySetHeaderSites(model: ConfigModel): DirectiveSite[] {
  const name = "proxy_set_header";
  const setters = new Set<ConfigContext>();
  const out: DirectiveSite[] = [];
  const contexts = model.contexts;
  for (let i = 0; i < contexts.length; i++) {
    const c = contexts[i];
    if (c.children.length === 0) continue;
    const own = ownSites(c, name);
    if (own.length === 0) continue;
    setters.add(c);
  }
  if (setters.size === 0) return out;
  // Reading order is parents first: a block is below a setter when its parent is one or is below one.
  const below = new Set<ConfigContext>();
  for (let i = 0; i < contexts.length; i++) {
    const c = contexts[i];
    const p = c.parent;
    if (p !== null && (setters.has(p) || below.has(p))) below.add(c);
    if (setters.has(c) || below.has(c)) for (const s of ownSites(c, name)) out.push(s);
  }
  return out;
}

/** The group's sites by name, made once per answer of the model (every rule of the group asks for several names). */
const byNameMemo = new WeakMap<readonly DirectiveSite[], Map<string, DirectiveSite[]>>();

export function sitesNamed(sites: readonly DirectiveSite[], name: string): readonly DirectiveSite[] {
  let byName = byNameMemo.get(sites);
  if (byName === undefined) {
    byName = new Map();
    for (const s of sites) {
      const l = byName.get(s.directive.name);
      if (l === undefined) byName.set(s.directive.name, [s]);
      else l.push(s);
    }
    byNameMemo.set(sites, byName);
  }
  return byName.get(name) ?? [];
}

/** The sites of `name` grouped by the context that writes them, in reading order. */
export function sitesByContext(sites: readonly DirectiveSite[], name: string): Map<ConfigContext, DirectiveSite[]> {
  const out = new Map<ConfigContext, DirectiveSite[]>();
  for (const s of sitesNamed(sites, name)) {
    const l = out.get(s.context);
    if (l === undefined) out.set(s.context, [s]);
    else l.push(s);
  }
  return out;
}

type InheritMode = "on" | "off" | "merge";

/** What a block has in effect for one family: its entries, and the inherit mode there. */
interface InEffect {
  sites: readonly DirectiveSite[];
  mode: InheritMode;
}

const NONE: InEffect = { sites: [], mode: "on" };

/**
 * The entries of one family in effect in each block, computed as nginx merges: per block from its parent's
 * (ngx_http_merge_locations order: parents first). Answers are kept for the blocks asked and their
 * ancestors, so asking every block is linear in the depth (blocks nest 10,000 deep).
 */
export class FamilyInEffect {
  private readonly own: Map<ConfigContext, DirectiveSite[]>;
  private readonly modes: Map<ConfigContext, DirectiveSite[]>;
  private readonly answers = new Map<ConfigContext, InEffect>();

  constructor(
    readonly family: ArrayFamily,
    sites: readonly DirectiveSite[],
  ) {
    this.own = sitesByContext(sites, family.name);
    this.modes = family.inherit === undefined ? new Map() : sitesByContext(sites, family.inherit);
  }

  /** The blocks that write the directive themselves, in reading order. */
  setters(): IterableIterator<[ConfigContext, DirectiveSite[]]> {
    return this.own.entries();
  }

  ownSites(ctx: ConfigContext): readonly DirectiveSite[] {
    return this.own.get(ctx) ?? [];
  }

  /** The entries in effect in `ctx` (own, inherited or both, per the inherit mode). */
  sites(ctx: ConfigContext | null): readonly DirectiveSite[] {
    return ctx === null ? [] : this.answer(ctx).sites;
  }

  mode(ctx: ConfigContext): InheritMode {
    return this.answer(ctx).mode;
  }

  private answer(ctx: ConfigContext): InEffect {
    const known = this.answers.get(ctx);
    if (known !== undefined) return known;
    // Up to a block already answered (or the top), then down again: a loop, not a recursion.
    const path: ConfigContext[] = [];
    let above: InEffect = NONE;
    for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) {
      const k = this.answers.get(c);
      if (k !== undefined) {
        above = k;
        break;
      }
      path.push(c);
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const c = path[i];
      const own = this.own.get(c) ?? [];
      const modeSites = this.modes.get(c);
      // ngx_conf_set_enum_slot refuses a second one in a block ("is duplicate"): the first is the one.
      // ngx_conf_set_enum_slot compares without case.
      const written = modeSites?.[0]?.directive.argValue(0)?.toLowerCase();
      const mode: InheritMode = written === "off" || written === "merge" || written === "on" ? written : above.mode;
      let sites: readonly DirectiveSite[];
      if (mode === "off") sites = own;
      else if (own.length === 0) sites = above.sites;
      else if (mode === "merge") sites = [...own, ...above.sites];
      else sites = own;
      above = { sites, mode };
      this.answers.set(c, above);
    }
    return above;
  }
}

/** Where a block is, for people: its label, or the level of a snippet's implied block. */
export function levelName(ctx: ConfigContext): string {
  if (ctx.directive === null) return `the ${ctx.kind} level`;
  return ctx.label;
}

/** Severity of one inheritance finding (add-header-redefinition lowers it when no security header is lost). */
export type SeverityOf = (family: ArrayFamily, droppedKeys: string[]) => Severity;

interface Pending {
  finding: Finding;
  family: ArrayFamily;
  dropped: Map<string, DirectiveSite>;
  from: Set<string>;
}

/**
 * The findings of `rule`: every block that writes a family of that rule itself, under the standard
 * inheritance (not `merge` nor `off`), where entries in effect just above it have keys it does not write.
 * On the block's first statement of the family; related: where each dropped entry is written. A directive in
 * a file included in several places is reported once, with every key it drops somewhere.
 */
export function inheritanceFindings(
  model: ConfigModel,
  rule: InheritanceRule,
  severityOf: SeverityOf,
  wanted: (family: ArrayFamily, key: string) => boolean = () => true,
): Finding[] {
  const pending = new Map<string, Pending>();
  for (const family of ARRAY_FAMILIES) {
    if (family.rule !== rule) continue;
    const sites = family.name === "proxy_set_header" ? proxySetHeaderSites(model) : headerRuleSites(model);
    if (sites.length === 0) continue;
    const effect = new FamilyInEffect(family, sites);
    for (const [ctx, own] of effect.setters()) {
      if (ctx.parent === null || effect.mode(ctx) !== "on") continue;
      const above = effect.sites(ctx.parent);
      if (above.length === 0) continue;
      const ownKeys = new Set<string>();
      for (const s of own) for (const k of family.keys(s.directive)) ownKeys.add(k);
      const dropped = new Map<string, DirectiveSite>();
      for (const s of above)
        for (const k of family.keys(s.directive))
          if (!ownKeys.has(k) && !dropped.has(k) && !family.builtIn?.has(k) && wanted(family, k)) dropped.set(k, s);
      if (dropped.size === 0) continue;
      const at = own[0];
      const key = `${family.name}\0${siteKey(at)}`;
      let p = pending.get(key);
      if (p === undefined) {
        p = {
          finding: {
            ruleId: rule,
            code: "dropped",
            severity: "warning",
            path: at.file.path,
            range: at.directive.nameWord.range,
            message: "",
          },
          family,
          dropped: new Map(),
          from: new Set(),
        };
        pending.set(key, p);
      }
      for (const [k, s] of dropped) {
        if (!p.dropped.has(k)) p.dropped.set(k, s);
        p.from.add(levelName(s.context));
      }
    }
  }
  const out: Finding[] = [];
  for (const p of pending.values()) {
    const keys = [...p.dropped.keys()];
    const shown = keys.map((k) => displayKey(p.dropped.get(k)!, p.family, k));
    const name = p.family.name;
    const f = p.finding;
    f.severity = severityOf(p.family, keys);
    // `proxy_set_header X "";` strips the client's X: dropped, the client's own value passes through.
    const stripped = p.family.emptyRemoves
      ? keys
          .filter((k) => p.dropped.get(k)!.directive.argValue(1) === "")
          .map((k) => displayKey(p.dropped.get(k)!, p.family, k))
      : [];
    const strippedNote =
      stripped.length === 0
        ? ""
        : `; ${list(stripped)} ${stripped.length === 1 ? "was" : "were"} set empty to strip the client's own, ` +
          `which now ${stripped.length === 1 ? "reaches" : "reach"} the upstream`;
    f.message =
      `${name} here replaces every ${name} inherited from ${[...p.from].join(" and ")}, so ` +
      `${p.family.consequence(shown)}${strippedNote}: nginx inherits ${name} only into blocks that set none.`;
    const related: RelatedLocation[] = [];
    const seen = new Set<string>();
    for (const [k, s] of p.dropped) {
      const sk = siteKey(s);
      if (seen.has(sk)) continue;
      seen.add(sk);
      related.push({
        path: s.file.path,
        range: s.directive.nameWord.range,
        message: `${displayKey(s, p.family, k)} set here (${levelName(s.context)}), not in effect below`,
      });
    }
    f.related = related;
    f.data = { directive: name, dropped: shown };
    out.push(f);
  }
  return out;
}

/** A key as written (the header's own spelling), not lower-cased. */
function displayKey(s: DirectiveSite, family: ArrayFamily, key: string): string {
  if (family.keys === lower) return s.directive.argValue(0) ?? key;
  return key;
}

/** The group's question, known from the start (model/index.ts registerQuestion). */
const HEADER_QUESTION = registerQuestion(HEADER_RULES_KEY, (n) => HEADER_RULES_NAMES.has(n));
