// proxy-missing-host-header: a proxy_pass whose requests carry nginx's default `Host: $proxy_host` — the
// upstream block's name or the address in the URL — because no `proxy_set_header Host` is in effect in its
// block (inheritance per inheritance.ts: one set above but dropped by a block's own proxy_set_header counts
// as missing, which nginx-lint's check misses). Quiet where that default is what the server expects: a
// proxy_pass to a DNS name that is no upstream block (`https://api.example.com`: that host is the server's
// own virtual host), and a URL with variables (unknown until a request). docs/rules/proxy-missing-host-header.md

import { siteKey, type ConfigContext, type ConfigModel } from "../model";
import { ARRAY_FAMILIES, FamilyInEffect, headerRuleSites } from "./inheritance";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "proxy-missing-host-header";

/** The http blocks proxy_pass is allowed in (nginx refuses it at server level). */
const PROXYING = new Set<ConfigContext["kind"]>(["location", "if", "limit_except"]);

/** The host of a proxy_pass URL as $proxy_host shows it, or null when it cannot be told (variables). */
function targetOf(url: string): { host: string; name: string; unix: boolean } | null {
  if (url.includes("$")) return null;
  const m = /^(?:https?):\/\/([^/?#]*)/i.exec(url);
  if (!m) return null;
  const authority = m[1];
  if (authority.toLowerCase().startsWith("unix:")) return { host: "localhost", name: "localhost", unix: true };
  const name = authority.startsWith("[") ? authority.slice(0, authority.indexOf("]") + 1) : authority.split(":")[0];
  return { host: authority, name, unix: false };
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

export function proxyMissingHostHeaderFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const sites = headerRuleSites(model);
  const passes = sites.filter((s) => s.directive.name === "proxy_pass" && PROXYING.has(s.context.kind));
  if (passes.length === 0) return [];
  const upstreams = new Set(
    sites.filter((s) => s.directive.name === "upstream").map((s) => (s.directive.argValue(0) ?? "").toLowerCase()),
  );
  const headers = new FamilyInEffect(
    ARRAY_FAMILIES.find((f) => f.name === "proxy_set_header")!,
    sites,
  );
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const s of passes) {
    const key = siteKey(s);
    if (seen.has(key)) continue;
    const target = targetOf(s.directive.argValue(0) ?? "");
    if (target === null) continue;
    const name = target.name.toLowerCase();
    const upstream = upstreams.has(name);
    // A DNS name of its own: the server behind it expects that very Host.
    if (!upstream && !target.unix && name.includes(".") && !IPV4.test(name) && !name.startsWith("[")) continue;
    if (headers.sites(s.context).some((h) => (h.directive.argValue(0) ?? "").toLowerCase() === "host")) continue;
    seen.add(key);
    const what = upstream
      ? `the upstream block's name "${target.host}"`
      : target.unix
        ? `"localhost" (a UNIX socket)`
        : `"${target.host}"`;
    out.push({
      ruleId: RULE_ID,
      code: "default-host",
      severity: "info",
      path: s.file.path,
      range: s.directive.args[0].range,
      message:
        `Requests proxied here carry Host ${what}, nginx's default $proxy_host, not the host the client asked ` +
        "for: an application that routes by virtual host or builds absolute links and redirects sees the " +
        "wrong name; add `proxy_set_header Host $host;` here or at a level above (with no proxy_set_header in between).",
      data: { proxyHost: target.host },
    });
  }
  return out;
}
