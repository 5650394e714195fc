// Rule `return-with-allow-deny` (gixy's return_with_allow_deny, renamed return_bypasses_allow_deny in
// gixy-ng and Gixy-Next): a `return` (or a redirecting `rewrite`) where an allow/deny list is in effect.
// The rewrite module runs in nginx's rewrite phase, before the access phase where allow/deny are checked
// (ngx_http_core_module.c: NGX_HTTP_REWRITE_PHASE < NGX_HTTP_ACCESS_PHASE): the response is sent to every
// client, the denied ones too (nginx 1.22.1: test/rules/access-control.test.ts). Judged on the effective
// access list of the block the `return` is in (its own, or the one it inherits), so a location that lets
// everyone in (`allow all;`) is not reported however its server restricts, and one that inherits a
// `deny` from its server is. A server-level `return` runs before any location is chosen and bypasses the
// lists of the server and of its locations. Named and `internal` locations are reached only through an
// internal redirect from a location whose access phase has run. A `return` of an error status is not
// reported (the client gets an error either way). docs/rules/return-with-allow-deny.md

import { siteKey, type ConfigContext, type ConfigModel, type DirectiveSite } from "../model";
import {
  accessBlock,
  accessOwners,
  returnSites,
  blockLabel,
  deniesSome,
  effectiveAccess,
  internalOnly,
} from "./access-rules";
import type { Finding, RuleOptions } from "./types";
import { nearest } from "./variable-flow";

export const RULE_ID = "return-with-allow-deny";

/** A `rewrite` that answers the client itself (redirect), rather than looking for a location again. */
function redirects(s: DirectiveSite): boolean {
  const d = s.directive;
  const target = d.argValue(1) ?? "";
  if (/^(https?:\/\/|\$scheme)/.test(target)) return true;
  const flag = d.argCount >= 3 ? d.argValue(d.argCount - 1) : undefined;
  return flag === "redirect" || flag === "permanent";
}

/**
 * A `return` of an error status (`return 403;`, `return 405;`, `return 444;`) gives a denied client nothing the
 * deny would have kept from it: only content and redirects are reported.
 */
function answersError(s: DirectiveSite): boolean {
  const code = s.directive.argValue(0) ?? "";
  return /^\d+$/.test(code) && Number(code) >= 400;
}

/** The deny lists a server-level return bypasses: the server's own (or inherited) and its locations'. */
function bypassedAtServer(model: ConfigModel, server: ConfigContext): DirectiveSite[] {
  const own = effectiveAccess(model, server);
  if (deniesSome(own.rules)) return own.rules;
  return firstDenyingBelow(model).get(server) ?? [];
}

const denyingBelow = new WeakMap<ConfigModel, Map<ConfigContext, DirectiveSite[]>>();

/**
 * Per server: the first list below it (in reading order) that denies some client, made once per model — a
 * search per `return` was every return by every list (1,000 servers of the bench's 1M-line workspace).
 */
function firstDenyingBelow(model: ConfigModel): Map<ConfigContext, DirectiveSite[]> {
  let found = denyingBelow.get(model);
  if (found === undefined) {
    found = new Map();
    for (const [ctx, rules] of accessOwners(model)) {
      if (!deniesSome(rules)) continue;
      // Servers do not nest: the one around the list, found with the path remembered (deep nests of lists).
      const server = ctx.parent === null ? null : nearest(ctx.parent, "server");
      if (server !== null && !found.has(server)) found.set(server, rules);
    }
    denyingBelow.set(model, found);
  }
  return found;
}

export function returnWithAllowDenyFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  if (accessOwners(model).size === 0) return [];
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const s of returnSites(model)) {
    const name = s.directive.name;
    if (name === "return" ? answersError(s) : name !== "rewrite" || !redirects(s)) continue;
    const block = accessBlock(s.context);
    if (block.kind !== "location" && block.kind !== "server") continue;
    const access = block.kind === "server" ? null : effectiveAccess(model, block);
    const rules = access === null ? bypassedAtServer(model, block) : access.rules;
    if (!deniesSome(rules)) continue;
    // A named or internal location is entered by an internal redirect, after the access phase of the location
    // that redirected: an inherited list has been checked there. Its own list is checked again (the redirect
    // runs the phases again) and is bypassed like any other.
    if (internalOnly(s.context) && access?.from !== block) continue;
    const key = siteKey(s);
    if (seen.has(key)) continue;
    seen.add(key);
    const deny = rules.find((r) => r.directive.name === "deny")!;
    const where = blockLabel(deny.context);
    out.push({
      ruleId: RULE_ID,
      code: name,
      severity: "warning",
      path: s.file.path,
      range: s.directive.nameWord.range,
      message:
        `${name === "return" ? "return" : "this redirecting rewrite"} answers in the rewrite phase, before allow/deny ` +
        `are checked: clients the "deny" of ${where} refuses get this response too; move the response into a named ` +
        `location reached with try_files, or check the address with a geo/map variable before it`,
      related: rules.slice(0, 10).map((r) => ({
        path: r.file.path,
        range: r.directive.nameWord.range,
        message: "checked only after the rewrite phase",
      })),
    });
  }
  return out;
}
