// Rule `allow-without-deny` (gixy-ng's allow_without_deny): a block whose own access list allows some
// addresses and denies none. A client that matches no rule is let in (ngx_http_access_handler declines),
// so such a list lets everyone in — and it does so even where an enclosing block denies: a block with any
// allow/deny of its own replaces the inherited list instead of adding to it (access-rules.ts). Judged on
// the effective configuration: the list is the block's own with its included files, and `satisfy any`
// with authentication in effect keeps strangers out (they must log in). docs/rules/allow-without-deny.md

import { siteKey, type ConfigModel } from "../model";
import {
  accessOwners,
  blockLabel,
  deniesSome,
  effectiveAccess,
  effectiveAuth,
  ruleAddress,
  satisfiesAny,
} from "./access-rules";
import type { Finding, RelatedLocation, RuleOptions } from "./types";

export const RULE_ID = "allow-without-deny";

export function allowWithoutDenyFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const [ctx, rules] of accessOwners(model)) {
    const allows = rules.filter((s) => s.directive.name === "allow" && ruleAddress(s) !== "all");
    if (allows.length === 0 || deniesSome(rules)) continue;
    if (satisfiesAny(ctx) && effectiveAuth(ctx) !== null) continue;
    const first = allows[0];
    const key = siteKey(first);
    if (seen.has(key)) continue;
    seen.add(key);
    const related: RelatedLocation[] = [];
    // The list an enclosing block writes, which this one replaces.
    const outer = ctx.parent === null ? null : effectiveAccess(model, ctx.parent);
    let replaced = "";
    if (outer !== null && outer.from !== null && deniesSome(outer.rules)) {
      const deny = outer.rules.find((s) => s.directive.name === "deny")!;
      replaced =
        ` The "deny" of the enclosing ${blockLabel(outer.from)} does not apply here: a block with allow/deny of its ` +
        "own replaces the inherited list instead of adding to it.";
      related.push({
        path: deny.file.path,
        range: deny.directive.nameWord.range,
        message: "replaced by this block's own list, not applied",
      });
    }
    for (const s of allows.slice(1, 10))
      related.push({ path: s.file.path, range: s.directive.nameWord.range, message: "allows with no deny after it" });
    out.push({
      ruleId: RULE_ID,
      code: replaced === "" ? "no-deny" : "inherited-deny-replaced",
      severity: "warning",
      path: first.file.path,
      range: first.directive.nameWord.range,
      message:
        `allow without any deny in ${blockLabel(ctx)}: a client that matches no rule is let in, so every address ` +
        `gets in, not only the allowed ones; add "deny all;" after the allow lines.${replaced}`,
      ...(related.length > 0 ? { related } : {}),
      data: { allows: allows.length },
    });
  }
  return out;
}
