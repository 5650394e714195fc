// add-header-content-type: `add_header Content-Type …` adds a second Content-Type, it does not replace the
// one nginx sends. The headers filter has its own setters only for Cache-Control, Link, Last-Modified and
// ETag (ngx_http_set_headers in ngx_http_headers_filter_module.c); any other name is appended to the
// response's headers, and the header filter still writes r->headers_out.content_type (from `types` /
// `default_type`, or the upstream's). Quiet where the upstream's Content-Type is hidden
// (`proxy_hide_header Content-Type` and the fastcgi/uwsgi/scgi/grpc ones, in effect in the block: inheritance
// per inheritance.ts), the one way add_header Content-Type is the only one. docs/rules/add-header-content-type.md

import { siteKey, type ConfigModel } from "../model";
import { ARRAY_FAMILIES, FamilyInEffect, headerRuleSites, sitesNamed } from "./inheritance";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "add-header-content-type";

const HIDE = new Set(["proxy", "fastcgi", "uwsgi", "scgi", "grpc"].map((m) => `${m}_hide_header`));

export function addHeaderContentTypeFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const sites = headerRuleSites(model);
  const setting = sitesNamed(sites, "add_header").filter(
    (s) => (s.directive.argValue(0) ?? "").toLowerCase() === "content-type",
  );
  if (setting.length === 0) return [];
  const hides = ARRAY_FAMILIES.filter((f) => HIDE.has(f.name)).map((f) => new FamilyInEffect(f, sites));
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const s of setting) {
    const key = siteKey(s);
    if (seen.has(key)) continue;
    const hidden = hides.some((h) =>
      h.sites(s.context).some((x) => (x.directive.argValue(0) ?? "").toLowerCase() === "content-type"),
    );
    if (hidden) continue;
    seen.add(key);
    const value = s.directive.argValue(1) ?? "";
    out.push({
      ruleId: RULE_ID,
      code: "second-content-type",
      severity: "info",
      path: s.file.path,
      range: s.directive.nameWord.range,
      message:
        `add_header Content-Type adds a second Content-Type header: nginx still sends its own (from types and ` +
        `default_type, or the proxied server's), and clients pick one of the two; set it with ` +
        `\`default_type ${value || "…"};\` (with an empty \`types {}\` to force it), or hide the upstream's with ` +
        "proxy_hide_header Content-Type.",
      data: { value },
    });
  }
  return out;
}
