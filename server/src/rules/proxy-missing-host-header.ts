// proxy-missing-host-header: a proxy_pass whose requests carry nginx's default `Host: $proxy_host` — the
// upstream block's name or the address in the URL — because no `proxy_set_header Host` is in effect in its
// block (nginx's inheritance, inheritance.ts: one set above but dropped by a block's own proxy_set_header
// counts as missing, which nginx-lint's check misses). Quiet where that default is what the server expects:
// a proxy_pass to a DNS name that is no upstream block (`https://api.example.com`: that host is the server's
// own virtual host), and a URL with variables (unknown until a request). docs/rules/proxy-missing-host-header.md
//
// proxy_pass and proxy_set_header are common (large-config: 2,500 and 7,500): each location configuration's
// statements are scanned for them without making sites (forEachOwnDirectiveWhere); a site is made only for a
// finding.

import { isRuleOn } from "./rule-settings";
import type { Directive } from "../parse/ast";
import { forEachOwnDirectiveWhere, ownSites, siteKey, type ConfigContext, type ConfigModel } from "../model";
import { headerRuleSites, sitesNamed } from "./inheritance";
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

const isHeaderOrPass = (n: string): boolean => n === "proxy_set_header" || n === "proxy_pass";

/** What a block writes itself: whether it sets proxy_set_header (and Host among them), its proxy_pass. */
interface Own {
  sets: boolean;
  host: boolean;
  pass: Directive | null;
}

function ownOf(ctx: ConfigContext): Own {
  const own: Own = { sets: false, host: false, pass: null };
  forEachOwnDirectiveWhere(ctx, isHeaderOrPass, (d) => {
    if (d.name === "proxy_pass") own.pass ??= d;
    else {
      own.sets = true;
      if ((d.argValue(0) ?? "").toLowerCase() === "host") own.host = true;
    }
  });
  return own;
}

export function proxyMissingHostHeaderFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  // Off by default, and it reads every proxy_pass: not even asked unless switched on (16 ms per keystroke on
  // large-config ×10 for findings that would be dropped).
  if (!isRuleOn(options, RULE_ID)) return [];
  let upstreamNames: Set<string> | null = null;
  const upstreamsOf = (): Set<string> =>
    (upstreamNames ??= new Set(
      sitesNamed(headerRuleSites(model), "upstream").map((s) => (s.directive.argValue(0) ?? "").toLowerCase()),
    ));
  // Whether Host is in effect, per block asked (and the blocks above it): the nearest block that sets any
  // proxy_set_header decides.
  const hostAnswers = new Map<ConfigContext, boolean>();
  const hostInEffect = (ctx: ConfigContext, own: Own): boolean => {
    if (own.sets) return own.host;
    const path: ConfigContext[] = [];
    let answer = false;
    for (let c = ctx.parent; c !== null; c = c.parent) {
      const known = hostAnswers.get(c);
      if (known !== undefined) {
        answer = known;
        break;
      }
      path.push(c);
      const o = ownOf(c);
      if (o.sets) {
        answer = o.host;
        break;
      }
    }
    for (const c of path) hostAnswers.set(c, answer);
    return answer;
  };
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const ctx of model.locationConfigurations) {
    if (!PROXYING.has(ctx.kind)) continue;
    const own = ownOf(ctx);
    if (own.pass === null) continue;
    // Most proxying blocks have Host in effect: asked first, the URL is read only where it is missing.
    if (hostInEffect(ctx, own)) continue;
    const target = targetOf(own.pass.argValue(0) ?? "");
    if (target === null) continue;
    const name = target.name.toLowerCase();
    const upstream = upstreamsOf().has(name);
    // A DNS name of its own: the server behind it expects that very Host.
    if (!upstream && !target.unix && name.includes(".") && !IPV4.test(name) && !name.startsWith("[")) continue;
    const site = ownSites(ctx, "proxy_pass").find((s) => s.directive === own.pass);
    if (site === undefined) continue;
    const key = siteKey(site);
    if (seen.has(key)) continue;
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
      path: site.file.path,
      range: site.directive.args[0].range,
      message:
        `Requests proxied here carry Host ${what}, nginx's default $proxy_host, not the host the client asked ` +
        "for: an application that routes by virtual host or builds absolute links and redirects sees the " +
        "wrong name; add `proxy_set_header Host $host;` here or at a level above (with no proxy_set_header in between).",
      data: { proxyHost: target.host },
    });
  }
  return out;
}
