// The effective access rules of a block, for the access-control rules of issue 15 (allow-without-deny,
// return-with-allow-deny, status-page-exposed) and the other model rules of their group (try-files-is-evil-too,
// default-server-flag), which share one question of the model (`sitesWhere` key ACCESS_KEY): the model
// remembers a few such questions per block only (model/names-under.ts).
//
// ngx_http_access_merge_loc_conf (src/http/modules/ngx_http_access_module.c): a block that has no `allow`
// or `deny` of its own takes its parent's list whole; one that has any keeps only its own. So
// `server { allow 10.0.0.0/8; deny all; location /a { allow 192.0.2.1; } }` lets everyone into /a: the
// server's `deny all` is not added to the location's list. The rules are tried in order, the first whose
// address matches decides, and a client no rule matches is let in.

import {
  effective,
  ownSites,
  registerQuestion,
  sitesWhere,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../model";

export const ACCESS_KEY = "h15-access";

/**
 * The names the group's model rules ask the model for (one question for all). `return` and `rewrite` are
 * asked apart, only where an allow/deny list exists (RETURN_KEY): every location of the incident answers with
 * `return`, and listing their sites on every keystroke was most of the group's work.
 */
export const ACCESS_NAMES = new Set([
  "allow",
  "deny",
  "try_files",
  "listen",
  ...["stub_status", "vhost_traffic_status_display", "stream_server_traffic_status_display", "api"],
]);

/** The sites of the group's names, in reading order. */
export function accessSites(model: ConfigModel): DirectiveSite[] {
  return sitesWhere(model, ACCESS_KEY, ACCESS_QUESTION);
}

export const RETURN_KEY = "h15-access-return";
const RETURN_NAMES = new Set(["return", "rewrite"]);

/** The `return` and `rewrite` sites, in reading order (return-with-allow-deny asks, when a list exists). */
export function returnSites(model: ConfigModel): DirectiveSite[] {
  return sitesWhere(model, RETURN_KEY, RETURN_QUESTION);
}

/** Per model: each block's own allow/deny sites, in reading order. */
const ownersByModel = new WeakMap<ConfigModel, Map<ConfigContext, DirectiveSite[]>>();

/** The blocks that write `allow`/`deny` themselves, with their rules in order. */
export function accessOwners(model: ConfigModel): Map<ConfigContext, DirectiveSite[]> {
  let owners = ownersByModel.get(model);
  if (owners === undefined) {
    owners = new Map();
    for (const s of accessSites(model)) {
      if (s.directive.name !== "allow" && s.directive.name !== "deny") continue;
      let list = owners.get(s.context);
      if (list === undefined) owners.set(s.context, (list = []));
      list.push(s);
    }
    ownersByModel.set(model, owners);
  }
  return owners;
}

export interface AccessRules {
  /** The rules in effect, in order (empty: none anywhere up, everyone is let in). */
  rules: DirectiveSite[];
  /** The block that writes them (null: none). */
  from: ConfigContext | null;
}

/** Per model: the list in effect of each block asked (and of the blocks walked through on the way up). */
const answersByModel = new WeakMap<ConfigModel, Map<ConfigContext, AccessRules>>();

const NONE: AccessRules = { rules: [], from: null };

/**
 * The allow/deny list in effect in `ctx`: its own, or the nearest enclosing block's that writes any. Each
 * block's answer is remembered with the blocks walked through: 10,000 nested locations with a `return`
 * each would otherwise walk 10,000 parents each.
 */
export function effectiveAccess(model: ConfigModel, ctx: ConfigContext): AccessRules {
  const owners = accessOwners(model);
  let answers = answersByModel.get(model);
  if (answers === undefined) answersByModel.set(model, (answers = new Map()));
  const path: ConfigContext[] = [];
  let found: AccessRules = NONE;
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) {
    const known = answers.get(c);
    if (known !== undefined) {
      found = known;
      break;
    }
    const rules = owners.get(c);
    if (rules !== undefined) {
      found = { rules, from: c };
      answers.set(c, found);
      break;
    }
    path.push(c);
  }
  for (const c of path) answers.set(c, found);
  return found;
}

/** The rule's address (`all`, `10.0.0.0/8`, `unix:`). */
export function ruleAddress(s: DirectiveSite): string {
  return (s.directive.argValue(0) ?? "").toLowerCase();
}

/** Addresses every client of the family matches (`all`, and the whole IPv4 or IPv6 space). */
const EVERYONE = new Set(["all", "0.0.0.0/0", "::/0"]);

/**
 * Whether a list refuses anyone: a `deny` that is reached, i.e. not after a rule that lets every client in
 * (the first matching rule decides; a client no rule matches is let in).
 */
export function deniesSome(rules: readonly DirectiveSite[]): boolean {
  for (const s of rules) {
    if (s.directive.name === "deny") return true;
    if (EVERYONE.has(ruleAddress(s))) return false;
  }
  return false;
}

/**
 * What the list does with a client named in no rule but the catch-all ones (a stranger): the first rule for
 * every address decides; without one the access module declines (neither grants nor refuses).
 */
export function strangerVerdict(rules: readonly DirectiveSite[]): "allow" | "deny" | "declined" {
  for (const s of rules) if (EVERYONE.has(ruleAddress(s))) return s.directive.name === "deny" ? "deny" : "allow";
  return "declined";
}

/**
 * Whether a client named in no rule is served in `ctx`, as ngx_http_core_access_phase combines the access
 * list with authentication: with `satisfy all` (the default) both must let it in, with `satisfy any` a
 * grant of the list is enough and a declined list leaves it to authentication.
 */
export function strangerGetsIn(model: ConfigModel, ctx: ConfigContext): boolean {
  const verdict = strangerVerdict(effectiveAccess(model, ctx).rules);
  const auth = effectiveAuth(ctx) !== null;
  if (!satisfiesAny(ctx)) return verdict !== "deny" && !auth;
  return verdict === "allow" || (verdict === "declined" && !auth);
}

/** The authentication directives a `satisfy any` lets stand in for the address rules (off: not in effect). */
const AUTH_DIRECTIVES = ["auth_basic", "auth_request", "auth_jwt", "auth_digest", "auth_pam", "auth_ldap", "auth_oidc"];

/** The authentication in effect in `ctx` (not `off`), if any. */
export function effectiveAuth(ctx: ConfigContext): DirectiveSite | null {
  for (const name of AUTH_DIRECTIVES) {
    const e = effective(ctx, name);
    const site = e?.sites[e.sites.length - 1];
    if (site !== undefined && (site.directive.argValue(0) ?? "").toLowerCase() !== "off") return site;
  }
  return null;
}

/** Whether `satisfy any` is in effect in `ctx` (either the address rules or authentication let a client in). */
export function satisfiesAny(ctx: ConfigContext): boolean {
  const e = effective(ctx, "satisfy");
  const site = e?.sites[e.sites.length - 1];
  return (site?.directive.argValue(0) ?? "").toLowerCase() === "any";
}

/** The location a statement's block belongs to for the access phase: an `if` is its location's. */
export function accessBlock(ctx: ConfigContext): ConfigContext {
  let c = ctx;
  while (c.kind === "if" && c.parent !== null) c = c.parent;
  return c;
}

/** Whether a block is reached only by an internal redirect: a named location, or one marked `internal`. */
export function internalOnly(ctx: ConfigContext): boolean {
  // The innermost location: `internal` is a flag of each location (not merged into nested ones).
  let c: ConfigContext | null = ctx;
  while (c !== null && c.kind !== "location" && c.kind !== "server") c = c.parent;
  if (c === null || c.kind !== "location") return false;
  return c.location?.modifier === "@" || ownSites(c, "internal").length > 0;
}

/** How a message names a block: `"location /admin"`, `"server example.com"`, `http block`. */
export function blockLabel(ctx: ConfigContext): string {
  if (ctx.directive === null) return ctx.kind === "main" ? "the main context" : `this ${ctx.kind} block`;
  if (ctx.kind === "http") return "the http block";
  return `"${ctx.label}"`;
}

/** The group's questions, known from the start (model/index.ts registerQuestion). */
const ACCESS_QUESTION = registerQuestion(ACCESS_KEY, (n) => ACCESS_NAMES.has(n));
const RETURN_QUESTION = registerQuestion(RETURN_KEY, (n) => RETURN_NAMES.has(n));
