// Rule `overlapping-captures` (Gixy-Next's overlapping_captures; CVE-2026-9256): a `rewrite` whose
// replacement reads two captures of which one lies inside the other (`^/((.*))$` and `$1$2`) where nginx
// escapes them — a redirect (`redirect`/`permanent`, or a replacement starting with `http://`/`https://`), or
// after the `?` of the replacement's arguments — with no variable and no capture read twice in the
// replacement. ngx_http_script_regex_start_code() then sizes the buffer from the raw captures plus one
// escaping of the URI, and writes each capture escaped: nested captures escape the same bytes twice and
// overflow the heap buffer. Fixed in 1.30.2 and 1.31.1 (nginx commit 3f135ae2e, "Rewrite: fix buffer
// overflow with overlapping captures").
//
// Which groups nest is read from PCRE2's parse (rules/pcre2.ts), named groups counting by number as PCRE2
// numbers them.

import { beforeFix, captureRefs, patternShape, variableNames } from "./captures";
import { nginxWordValue, regexesOf } from "./regex";
import type { StatementCheck } from "./statement-checks";

export const overlappingCapturesCheck: StatementCheck = {
  ruleId: "overlapping-captures",
  names: new Set(["rewrite"]),
  statement(d, _context, parents, options, out) {
    if (d.name !== "rewrite" || d.argCount < 2) return;
    if (!beforeFix(options.nginxVersion, "1.30.2", "1.31.1", 8)) return;
    const parent = parents.length > 0 ? parents[parents.length - 1] : null;
    const r = regexesOf(d, parent)[0];
    if (r === undefined) return;
    let replacement = nginxWordValue(d.argValue(1) ?? "");
    // ngx_http_rewrite(): a last `?` only drops the request's arguments; it is not part of the replacement
    if (replacement.endsWith("?")) replacement = replacement.slice(0, -1);
    // with a variable the lengths are computed per code, escaping included (not this bug)
    if (variableNames(replacement).length > 0) return;
    const refs = captureRefs(replacement);
    // a capture read twice sets dup_capture: the lengths are computed per code too
    if (new Set(refs.map((x) => x.n)).size !== refs.length) return;
    const flag = (d.argValue(2) ?? "").toLowerCase();
    const redirect = flag === "redirect" || flag === "permanent" || /^https?:\/\//.test(replacement);
    const q = replacement.indexOf("?");
    const escaped = redirect ? refs : q < 0 ? [] : refs.filter((x) => x.index > q);
    if (escaped.length < 2) return;
    const shape = patternShape(r.pattern);
    if (shape === null) return;
    const nums = escaped.map((x) => x.n).filter((n) => shape.captures.has(n));
    for (const a of nums)
      for (const b of nums) {
        if (a === b || !shape.captures.get(b)!.ancestors.includes(a)) continue;
        out.push({
          ruleId: "overlapping-captures",
          code: "nested-captures-escaped",
          severity: "warning",
          message:
            `$${a} and $${b} are nested captures of "${r.pattern}", escaped in this ` +
            `${redirect ? "redirect" : "replacement's arguments"}: on nginx before 1.30.2 / 1.31.1 (Debian 12: ` +
            `before 1.22.1-9+deb12u8) ` +
            `(CVE-2026-9256) the buffer is sized for them unescaped and a request with characters to escape ` +
            `overflows it (heap); read one capture, or use named captures ($name) in the replacement`,
          d,
          word: 1,
          data: { pattern: r.pattern, outer: a, inner: b },
        });
        return;
      }
  },
};
