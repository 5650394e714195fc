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

import { ownSites, type ConfigContext, type ConfigModel } from "../model";
import { directlyHoldsUnreadInclude, inFragment, sampleBlocks } from "./main-tls-sites";
import type { StatementCheck } from "./statement-checks";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "version-disclosure";

const DISCLOSING = new Set(["on", "build"]);

/** An explicit `on`/`build`, wherever it is (a statement check: server_tokens is often set per location). */
export const versionDisclosureCheck: StatementCheck = {
  ruleId: RULE_ID,
  names: new Set(["server_tokens"]),
  statement(d, _context, parents, _options, out) {
    if (d.name !== "server_tokens") return;
    const v = d.argValue(0) ?? "";
    if (!DISCLOSING.has(v.toLowerCase())) return;
    const where = parents.length > 0 ? `in ${parents[parents.length - 1].name} ` : "";
    out.push({
      ruleId: RULE_ID,
      code: "enabled",
      severity: "warning",
      d,
      word: 0,
      message:
        `"server_tokens ${v}" ${where}sends the nginx version in the Server header of every response and on ` +
        `nginx's own error pages, which lets scanners match it against known vulnerabilities without a probe. ` +
        `Set "server_tokens off;".`,
    });
  },
};

/** The default: written http blocks only, per server (its own setting or the http block's). */
export function versionDisclosureFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const out: Finding[] = [];
  for (const http of model.contexts) {
    if (http.kind !== "http" || http.directive === null || inFragment(http)) continue;
    // An include that could not be read, in the http block or a server, may set it there.
    if (ownSites(http, "server_tokens").length > 0 || directlyHoldsUnreadInclude(model, http)) continue;
    const servers: ConfigContext[] = http.children.filter(
      (c) => c.kind === "server" && ownSites(c, "server_tokens").length === 0 && !directlyHoldsUnreadInclude(model, c),
    );
    if (servers.length === 0) continue;
    out.push({
      ruleId: RULE_ID,
      code: "default-on",
      severity: "info",
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
