// Rule `resolver-external`: a `resolver` that sends nginx's DNS queries to a public name server. nginx's
// resolver (src/core/ngx_resolver.c) is a plain UDP stub: it takes the first answer whose id and question
// match, with no DNSSEC and 16 bits of query id, so anyone on the path to a public server — or anyone able to
// race its answers — can make an upstream name point where they want (CVE-2021-23017 was a bug in the same
// code). docs/rules/resolver-external.md

import type { ConfigModel } from "../model";
import { FindingSink, groupSites } from "./upstream-common";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "resolver-external";

/** resolver's options (ngx_resolver_create): not addresses. */
const OPTION = /^(valid=|ipv4=|ipv6=|status_zone=)/i;

/** Name suffixes of private networks (as gixy lists them, plus Kubernetes' service domain). */
const LOCAL_SUFFIXES = [
  ".intranet",
  ".internal",
  ".private",
  ".corp",
  ".home",
  ".lan",
  ".local",
  ".localhost",
  ".svc",
  ".cluster.local",
];

/** The address part of a resolver argument: `[::1]:53` → `::1`, `1.1.1.1:53` → `1.1.1.1`, `ns1:53` → `ns1`. */
export function resolverHost(arg: string): string {
  if (arg.startsWith("[")) {
    const end = arg.indexOf("]");
    return end >= 0 ? arg.slice(1, end) : arg.slice(1);
  }
  const colons = arg.split(":").length - 1;
  if (colons === 1) return arg.slice(0, arg.indexOf(":"));
  return arg;
}

function v4Private(a: number, b: number): boolean {
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

/** Whether a resolver address (or name) is on the host or a private network: not a public name server. */
export function isLocalResolver(host: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return v4Private(Number(v4[1]), Number(v4[2]));
  if (host.includes(":")) {
    const h = host.toLowerCase().replace(/%.*$/, "");
    if (h === "::1" || h === "::") return true;
    const mapped = /^::ffff:(\d+)\.(\d+)\.\d+\.\d+$/.exec(h);
    if (mapped) return v4Private(Number(mapped[1]), Number(mapped[2]));
    const first = parseInt(h.split(":")[0] || "0", 16);
    // fc00::/7 unique local, fe80::/10 link local (fea0:… is in it), fec0::/10 the old site local.
    return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0;
  }
  const name = host.toLowerCase().replace(/\.$/, "");
  // A single label (`kube-dns`, `dnsmasq`) is found through the host's own search list.
  if (!name.includes(".")) return true;
  return name === "localhost" || LOCAL_SUFFIXES.some((s) => name.endsWith(s));
}

export function resolverExternalFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const sink = new FindingSink(RULE_ID, "warning");
  for (const site of groupSites(model)) {
    const d = site.directive;
    if (d.name !== "resolver") continue;
    const values = d.argValues();
    const external: string[] = [];
    let first = -1;
    let names = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (OPTION.test(v) || v.includes("$")) continue;
      const host = resolverHost(v);
      if (isLocalResolver(host)) continue;
      if (first < 0) first = i;
      external.push(host);
      if (!/^[\d.]+$/.test(host) && !host.includes(":")) names++;
    }
    if (external.length === 0) continue;
    const list = external.map((h) => `"${h}"`).join(", ");
    // One finding per resolver, on its first public server (nginxconfig.io's templates list six).
    sink.add(
      site,
      names === external.length ? "public-name" : "public-address",
      `nginx sends its DNS queries for upstream names and OCSP responders to ${list}, ${
        external.length > 1 ? "public name servers" : "a public name server"
      }: nginx's resolver takes the first matching UDP answer with no DNSSEC, so a spoofed or intercepted ` +
        `reply makes a name point to an attacker's address; use a resolver on the host or the private network ` +
        `(a local caching resolver, 127.0.0.53, the cluster DNS)`,
      first,
      undefined,
      { nameServers: external },
    );
  }
  return sink.findings;
}
