// Rule `hash-without-default` (gixy's hash_without_default, nginx-lint's map_missing_default): a `map` or
// `geo` block with no `default`. nginx gives every value no key matches the empty string (ngx_http_map's
// default is the empty value; so is ngx_http_geo's), so a variable meant as a decision — an allowed
// origin, a backend, a rate-limit class — is silently empty for every request nobody listed. Said where the
// block's entries are all known: its own statements with the files it includes (a block whose include read
// nothing is not judged). As gixy-ng and Gixy-Next do, a map with a single entry is left alone: `map $m $k
// { POST $binary_remote_addr; }` is the idiom for "this value, else empty" (an empty limit_req key is not
// limited).

import type { Directive } from "../parse/ast";
import type { BlockStatement, StatementCheck } from "./statement-checks";

/** A map's statements that are not `key value` entries. */
const MAP_OTHER = new Set(["default", "include", "hostnames", "volatile"]);

function hasIncludeThatReadNothing(d: Directive, statements: readonly BlockStatement[]): boolean {
  const own = d.block?.children ?? [];
  if (!own.some((c) => c.kind === "directive" && c.name === "include")) return false;
  const direct = new Set(own);
  return statements.every((s) => direct.has(s.d));
}

/**
 * A geo whose networks cover every address, which is what `default` is (ngx_http_geo_cidr(): `default` is
 * 0.0.0.0/0 and ::/0; in `ranges` mode, 0.0.0.0-255.255.255.255).
 */
function geoCoversAll(statements: readonly BlockStatement[]): boolean {
  const keys = new Set(statements.filter((s) => s.d.argCount === 1).map((s) => s.d.name));
  if (statements.some((s) => s.d.name === "ranges" && s.d.argCount === 0)) return keys.has("0.0.0.0-255.255.255.255");
  return keys.has("0.0.0.0/0") && keys.has("::/0");
}

export const hashWithoutDefaultCheck: StatementCheck = {
  ruleId: "hash-without-default",
  block(d, body, statements, _parents, _options, out) {
    if (d === null || body !== "custom" || (d.name !== "map" && d.name !== "geo")) return;
    if (statements.some((s) => s.d.name === "default" && s.d.argCount === 1)) return;
    if (d.name === "geo" && geoCoversAll(statements)) return;
    if (hasIncludeThatReadNothing(d, statements)) return;
    const variable = d.argValue(d.argCount - 1) ?? "";
    if (d.name === "map") {
      const entries = statements.filter((s) => s.d.argCount === 1 && !MAP_OTHER.has(s.d.name)).length;
      if (entries <= 1) return;
    }
    const source = d.name === "map" ? (d.argValue(0) ?? "") : d.argCount === 2 ? (d.argValue(0) ?? "") : "$remote_addr";
    out.push({
      ruleId: "hash-without-default",
      code: `${d.name}-without-default`,
      severity: "warning",
      message:
        `${d.name} ${variable} has no "default": for every ${source} no entry matches, ${variable} is the empty ` +
        `string, so a check or a proxy_pass reading it treats unlisted requests as nobody decided; ` +
        `add "default" with the value unlisted requests must get`,
      d,
      word: -1,
      data: { variable },
    });
  },
};
