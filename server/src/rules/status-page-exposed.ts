// Rule `status-page-exposed` (Gixy-Next's status_page_exposed): a status page (`stub_status`, the VTS
// module's `vhost_traffic_status_display`, NGINX Plus' `api`) that anyone can reach: no `deny` in the
// access list in effect in its location (its own or the one it inherits from the server or http block)
// keeps out a client it does not name, nor does authentication (`satisfy` as nginx combines them), the
// location is reachable from outside (not named or `internal`), and the server listens on an address
// others can connect to (not only loopback or unix sockets). Connection counts and per-host traffic help an attacker time and aim an attack; `api`
// with `write=on` lets them change upstreams. docs/rules/status-page-exposed.md

import { ownSites, siteKey, type ConfigContext, type ConfigModel, type DirectiveSite } from "../model";
import { accessSites, blockLabel, effectiveAccess, internalOnly, strangerGetsIn } from "./access-rules";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "status-page-exposed";

const STATUS_DIRECTIVES = new Set([
  "stub_status",
  "vhost_traffic_status_display",
  "stream_server_traffic_status_display",
  "api",
]);

/** A listen address only this host can connect to. */
function localOnly(address: string): boolean {
  const a = address.toLowerCase();
  if (a.startsWith("unix:")) return true;
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(a);
}

/** Whether every `listen` of the server is local (a server without `listen` listens on *:80). */
function serverLocalOnly(server: ConfigContext | null): boolean {
  if (server === null) return false;
  const listens = ownSites(server, "listen");
  if (listens.length === 0) return false;
  return listens.every((l) => localOnly(l.directive.argValue(0) ?? ""));
}

export function statusPageExposedFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const s of accessSites(model)) {
    if (!STATUS_DIRECTIVES.has(s.directive.name)) continue;
    if (s.context.kind !== "location" && s.context.kind !== "server") continue;
    if (!strangerGetsIn(model, s.context) || internalOnly(s.context)) continue;
    const access = effectiveAccess(model, s.context);
    let server: ConfigContext | null = s.context;
    while (server !== null && server.kind !== "server") server = server.parent;
    if (serverLocalOnly(server)) continue;
    const key = siteKey(s);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(finding(s, access.rules, access.from));
  }
  return out;
}

function finding(s: DirectiveSite, rules: readonly DirectiveSite[], from: ConfigContext | null): Finding {
  const why =
    rules.length === 0
      ? "no allow/deny list is in effect here"
      : `the allow/deny list in effect (in ${from === null ? "an enclosing block" : blockLabel(from)}) lets in clients it does not name`;
  return {
    ruleId: RULE_ID,
    code: s.directive.name,
    severity: "warning",
    path: s.file.path,
    range: s.directive.nameWord.range,
    message:
      `${s.directive.name} is reachable by anyone who can connect to this server: ${why}, and no authentication ` +
      `stops them; restrict it with "allow <trusted address>; deny all;" or listen on 127.0.0.1 only`,
    ...(rules.length > 0
      ? {
          related: rules.slice(0, 5).map((r) => ({
            path: r.file.path,
            range: r.directive.nameWord.range,
            message: "in effect here",
          })),
        }
      : {}),
  };
}
