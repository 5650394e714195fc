// nginx-rift: the rewrite-module heap overflows CVE-2026-42945 ("NGINX Rift") and CVE-2026-9256. A
// `rewrite` whose replacement holds a `?` sets the script engine's `is_args` flag and nothing clears it; a
// later `set` or `rewrite` of the same block that copies an unnamed capture ($1..$9) then sizes the copy
// without the flag and writes it escaped (each `+`, `%`, … three bytes): the worker writes past its buffer
// (crashes; code execution without ASLR). CVE-2026-9256 is the same leak on the redirect path: a
// redirecting rewrite (`redirect`/`permanent`, or a replacement starting with http://, https://, $scheme)
// whose replacement holds both `?` and $1..$9.
// Affected: nginx 0.6.27 up to 1.30.0 (fixed in 1.30.1 and 1.31.0); the redirect path until 1.30.1/1.31.0
// (fixed in 1.30.2 and 1.31.1). Distributions backport (Debian 12's 1.22.1 carries both fixes: its
// changelog), so a version number alone does not clear a build; the rule is quiet only from the fixed
// releases (options.nginxVersion, the setting: statement checks are kept per block with it).
// Where it differs from the peer: a `?` that ends the replacement is not one (ngx_http_rewrite strips it at
// configuration time: it only drops the request's arguments), and a rewrite with `last`, `break`,
// `redirect` or `permanent` stops the block, so no later directive of it runs after the flag is set.
// Named captures go through another code path and are safe. The peer: nginx-lint nginx_rift.
// docs/rules/nginx-rift.md

import type { Directive } from "../parse/ast";
import { compareVersions } from "../cost/versions";
import type { StatementCheck } from "./statement-checks";

export const RULE_ID = "nginx-rift";

const UNNAMED_CAPTURE = /\$([1-9])(?![0-9])|\$\{([1-9])\}/;

/** Whether `v` has the fix of a bug fixed in `stable` (1.30.x) and `mainline`. */
function fixedIn(v: string, stable: string, mainline: string): boolean {
  if (compareVersions(v, mainline) >= 0) return true;
  const branch = stable.split(".").slice(0, 2).join(".");
  return v.startsWith(`${branch}.`) && compareVersions(v, stable) >= 0;
}

/** The replacement sets is_args: a `?` other than its last character. */
function setsIsArgs(d: Directive): boolean {
  const r = d.argValue(1);
  if (r === undefined) return false;
  const q = r.indexOf("?");
  return q >= 0 && q < r.length - 1;
}

function flagOf(d: Directive): string | null {
  return d.argCount === 3 ? (d.argValue(2) ?? null) : null;
}

function isRedirect(d: Directive): boolean {
  const flag = flagOf(d);
  const r = d.argValue(1) ?? "";
  return flag === "redirect" || flag === "permanent" || /^(https?:\/\/|\$scheme)/.test(r);
}

function usesUnnamedCapture(d: Directive, from: number): boolean {
  for (let i = from; i < d.argCount; i++) if (UNNAMED_CAPTURE.test(d.argValue(i) ?? "")) return true;
  return false;
}

const RIFT_BLOCKS = new Set(["server", "location", "if_in_server", "if_in_location"]);

export const nginxRiftCheck: StatementCheck = {
  ruleId: RULE_ID,
  block(_d, body, statements, _parents, options, out) {
    if (!RIFT_BLOCKS.has(body)) return;
    const v = options.nginxVersion;
    const consumerFixed = v !== undefined && fixedIn(v, "1.30.1", "1.31.0");
    const redirectFixed = v !== undefined && fixedIn(v, "1.30.2", "1.31.1");
    if (consumerFixed && redirectFixed) return;
    for (let i = 0; i < statements.length; i++) {
      const { d, path } = statements[i];
      if (d.name !== "rewrite" || !setsIsArgs(d)) continue;
      if (isRedirect(d)) {
        if (!redirectFixed && usesUnnamedCapture(d, 1))
          out.push({
            ruleId: RULE_ID,
            code: "redirect",
            severity: "warning",
            d,
            path,
            word: 1,
            message:
              `This redirecting rewrite's replacement holds "?" and an unnamed capture: building the redirect, nginx ` +
              `before 1.30.2/1.31.1 writes the escaped capture past its buffer (CVE-2026-9256, heap overflow: worker ` +
              `crashes, possibly code execution)${v === undefined ? "" : ` — nginx ${v} unless the build carries the fix`}. ` +
              `Use named captures ((?<name>…) and $name) or upgrade.`,
          });
        continue;
      }
      const flag = flagOf(d);
      if (consumerFixed || flag === "last" || flag === "break") continue;
      for (let j = i + 1; j < statements.length; j++) {
        const next = statements[j];
        if (next.d.name !== "set" && next.d.name !== "rewrite") continue;
        if (!usesUnnamedCapture(next.d, 1)) continue;
        out.push({
          ruleId: RULE_ID,
          code: "capture-after-args",
          severity: "warning",
          d,
          path,
          word: 1,
          message:
            `This rewrite's replacement holds "?", and a later "${next.d.name}" of the block copies an unnamed capture: ` +
            `nginx before 1.30.1/1.31.0 sizes that copy without the escaping the "?" turned on and writes past its ` +
            `buffer (CVE-2026-42945, "NGINX Rift": worker crashes, possibly code execution)` +
            `${v === undefined ? "" : ` — nginx ${v} unless the build carries the fix`}. ` +
            `Use named captures ((?<name>…) and $name), drop the "?", or upgrade.`,
          related: [{ d: next.d, word: 0, path: next.path, message: `${next.d.name} copies an unnamed capture here` }],
        });
        break;
      }
    }
  },
};
