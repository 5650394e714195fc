// version-disclosure: the nginx version in every response's `Server:` header and on every error page
// nginx writes itself (`server_tokens on`, the default; `build` adds the build name). Scanners match it
// against known vulnerabilities (CVE lists by version) without a single probe.
//
// The effective value, per server: set in the server or a location, or inherited from `http`, or the
// default `on`. In a whole configuration a server with nothing in effect is reported (at its `http` block,
// once); in a fragment (a `server` or `location` file read alone) only an explicit `on`/`build` is: the
// `http` block that includes it may say `off`.
// The peers: gixy (dvershinin's fork, Gixy-Next) version_disclosure; nginx-lint server_tokens_enabled.
// docs/rules/version-disclosure.md

import { effective, siteKey, type ConfigContext, type ConfigModel } from "../model";
import { arg0, holdsUnreadInclude, inFragment, sampleBlocks, sitesNamed } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "version-disclosure";

const DISCLOSING = new Set(["on", "build"]);

export function versionDisclosureFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const s of sitesNamed(model, "server_tokens")) {
    if (!DISCLOSING.has(arg0(s)) || seen.has(siteKey(s))) continue;
    seen.add(siteKey(s));
    out.push({
      ruleId: RULE_ID,
      code: "enabled",
      severity: "warning",
      path: s.file.path,
      range: s.directive.args[0].range,
      message:
        `"server_tokens ${s.directive.argValue(0)}" sends the nginx version in the Server header of every response ` +
        `and on nginx's own error pages (${s.context.label}), which lets scanners match it against known ` +
        `vulnerabilities without a probe. Set "server_tokens off;".`,
    });
  }
  // The default: whole configurations only, per written http block.
  for (const http of model.contexts) {
    if (http.kind !== "http" || http.directive === null || inFragment(http) || holdsUnreadInclude(model, http))
      continue;
    if (effective(http, "server_tokens") !== null) continue;
    const servers: ConfigContext[] = http.children.filter(
      (c) => c.kind === "server" && effective(c, "server_tokens", "http") === null,
    );
    if (servers.length === 0) continue;
    out.push({
      ruleId: RULE_ID,
      code: "default-on",
      severity: "warning",
      path: http.file.path,
      range: http.directive.nameWord.range,
      message:
        `server_tokens is not set, and its default is on: ${servers.length === 1 ? "1 server sends" : `${servers.length} servers send`} ` +
        `the nginx version in the Server header of every response and on nginx's own error pages, which ` +
        `lets scanners match it against known vulnerabilities. Add "server_tokens off;" to this http block.`,
      related: sampleBlocks(servers, (c) => `${c.label}: server_tokens on by default`),
      data: { servers: servers.length },
    });
  }
  return out;
}
