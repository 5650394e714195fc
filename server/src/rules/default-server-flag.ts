// Rule `default-server-flag` (gixy-ng's default_server_flag): several http servers on one listen socket and
// none marked `default_server`. nginx then sends every request whose Host matches no server_name (requests
// by IP address, scanners, a misspelt or stale DNS name) to the first of them it reads
// (ngx_http_add_addresses: the first server added to an address is its default) — with
// `include sites-enabled/*;` whichever file sorts first, which changes when a site is added or renamed.
// The effective configuration knows that order across includes, so the finding names the server that gets
// those requests today. docs/rules/default-server-flag.md

import { ownSites, type ConfigContext, type ConfigModel, type DirectiveSite } from "../model";
import type { Finding, RelatedLocation, RuleOptions } from "./types";
import { serversOf } from "./main-tls-sites";

export const RULE_ID = "default-server-flag";

/** A listen socket as nginx groups servers: address and port, wildcard spellings folded, `udp`/`quic` apart. */
export function socketKey(args: readonly string[]): string | null {
  const spec = args[0];
  if (spec === undefined) return null;
  const params = args.slice(1).map((a) => a.toLowerCase());
  const datagram = params.includes("quic") ? " quic" : params.includes("udp") ? " udp" : "";
  if (spec.toLowerCase().startsWith("unix:")) return spec + datagram;
  let address: string;
  let port: string;
  if (spec.startsWith("[")) {
    const close = spec.indexOf("]");
    if (close < 0) return null;
    address = spec.slice(0, close + 1).toLowerCase();
    port = spec.slice(close + 1).replace(/^:/, "");
    if (address === "[::]" || address === "[0:0:0:0:0:0:0:0]") address = "[::]";
  } else if (/^\d+$/.test(spec)) {
    address = "*";
    port = spec;
  } else {
    const colon = spec.lastIndexOf(":");
    address = colon >= 0 ? spec.slice(0, colon) : spec;
    port = colon >= 0 ? spec.slice(colon + 1) : "";
    address = address.toLowerCase();
    if (address === "" || address === "*" || address === "0.0.0.0") address = "*";
  }
  if (port === "") port = "80";
  if (!/^\d+$/.test(port)) return null;
  return `${address}:${Number(port)}${datagram}`;
}

function isDefault(args: readonly string[]): boolean {
  return args.slice(1).some((a) => a === "default_server" || a === "default");
}

interface Member {
  server: ConfigContext;
  /** The listen directive (null: none written, the implicit *:80). */
  listen: DirectiveSite | null;
}

export function defaultServerFlagFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const groups = new Map<string, { members: Member[]; hasDefault: boolean }>();
  const add = (key: string, m: Member, def: boolean): void => {
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { members: [], hasDefault: false }));
    if (!g.members.some((x) => x.server === m.server)) g.members.push(m);
    if (def) g.hasDefault = true;
  };
  for (const ctx of serversOf(model)) {
    if (ctx.kind !== "server") continue;
    const listens = ownSites(ctx, "listen");
    if (listens.length === 0) {
      // ngx_http_core_server: a server without listen listens on *:80 (*:8000 when not started as root).
      add("*:80", { server: ctx, listen: null }, false);
      continue;
    }
    for (const l of listens) {
      const args = l.directive.argValues();
      const key = socketKey(args);
      if (key !== null) add(key, { server: ctx, listen: l }, isDefault(args));
    }
  }
  // Servers that share several sockets (`listen 443 ssl; listen [::]:443 ssl;`) without a default on any
  // are one problem: one finding per set of servers, naming its sockets.
  const bySet = new Map<string, { members: Member[]; sockets: string[] }>();
  for (const [key, g] of groups) {
    if (g.hasDefault || g.members.length < 2) continue;
    const id = g.members.map((m) => m.server.id).join(",");
    const entry = bySet.get(id);
    if (entry === undefined) bySet.set(id, { members: g.members, sockets: [key] });
    else entry.sockets.push(key);
  }
  const out: Finding[] = [];
  const reported = new Set<string>();
  for (const { members, sockets } of bySet.values()) {
    const first = members[0];
    const at = first.listen;
    const path = at?.file.path ?? first.server.file.path;
    const range = at?.directive.nameWord.range ?? first.server.directive?.nameWord.range;
    if (range === undefined) continue;
    // A file included twice gives each of its servers twice: reported once per position.
    const where = `${path}:${range.start.offset}`;
    if (reported.has(where)) continue;
    reported.add(where);
    const related: RelatedLocation[] = [];
    for (const m of members.slice(1, 11)) {
      const r = m.listen?.directive.nameWord.range ?? m.server.directive?.nameWord.range;
      if (r !== undefined)
        related.push({ path: m.listen?.file.path ?? m.server.file.path, range: r, message: "also listens here" });
    }
    const socketText = sockets.join(" and ");
    out.push({
      ruleId: RULE_ID,
      code: "no-default",
      severity: "info",
      path,
      range,
      message:
        `${members.length} servers listen on ${socketText} and none is marked default_server: requests whose Host ` +
        `matches no server_name (by IP address, scanners, stale DNS names) go to the first one read, ` +
        `"${first.server.label}" — an order that changes when included files are added or renamed; ` +
        `add default_server to the listen of the server meant to answer them`,
      ...(related.length > 0 ? { related } : {}),
      data: { sockets, servers: members.length },
    });
  }
  return out;
}
