// What proxy-pass-normalized and proxy-pass-with-uri share: the `proxy_pass` statements of http locations,
// with the location whose prefix nginx replaces, and which of them nginx -t refuses (rule `location` reports
// those as errors: a URI part in a regex or named location, `if` or `limit_except` without variables,
// ngx_http_proxy_pass in src/http/modules/ngx_http_proxy_module.c).

import type { ConfigContext, ConfigModel, DirectiveSite } from "../model";
import { passSites, type PassUrl } from "./upstream-common";
import type { RuleOptions } from "./types";

export interface LocationPass {
  site: DirectiveSite;
  url: PassUrl;
  /** The location (the block itself, or the location around its `if`/`limit_except`). */
  location: ConfigContext;
  /** Where the proxy_pass stands: the location, an `if` or a `limit_except` in it. */
  block: ConfigContext;
}

const memo = new WeakMap<ConfigModel, LocationPass[]>();

/**
 * The http `proxy_pass` statements in locations, without those nginx -t refuses and those in exact locations
 * (`=`: a fixed path, which neither rule judges); made once per model for both rules.
 */
export function locationPasses(model: ConfigModel, options?: RuleOptions): LocationPass[] {
  const known = memo.get(model);
  if (known !== undefined) return known;
  const out: LocationPass[] = [];
  memo.set(model, out);
  for (const p of passSites(model, options)) {
    if (p.stream || p.site.directive.name !== "proxy_pass") continue;
    const block = p.site.context;
    let location: ConfigContext | null = null;
    if (block.kind === "location") location = block;
    else if ((block.kind === "if" || block.kind === "limit_except") && block.parent?.kind === "location")
      location = block.parent;
    if (location === null) continue;
    const modifier = location.location?.modifier ?? "";
    if (modifier === "=") continue;
    const refused =
      !p.url.variables &&
      p.url.uri !== null &&
      (block !== location || modifier === "~" || modifier === "~*" || modifier === "@");
    if (refused) continue;
    out.push({ site: p.site, url: p.url, location, block });
  }
  return out;
}
