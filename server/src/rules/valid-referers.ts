// Rule `valid-referers`: `valid_referers none` — a request without a Referer header counts as valid, so the
// referer check (`if ($invalid_referer)`) lets through exactly the requests whose origin it cannot see: any
// client that leaves the header out (curl, a page with `Referrer-Policy: no-referrer`, a `rel=noreferrer`
// link, an HTTPS page linking to HTTP). docs/rules/valid-referers.md. Peer: gixy's valid_referers.

import type { StatementCheck } from "./statement-checks";

export const VALID_REFERERS = "valid-referers";

export const validReferersCheck: StatementCheck = {
  ruleId: VALID_REFERERS,
  names: new Set(["valid_referers"]),
  statement(d, _context, _parents, _options, out) {
    if (d.name !== "valid_referers") return;
    for (let i = 0; i < d.argCount; i++) {
      // ngx_http_valid_referers compares the word exactly ("none", not "none.ru").
      if (d.argValue(i) !== "none") continue;
      out.push({
        ruleId: VALID_REFERERS,
        code: "none",
        severity: "warning",
        message:
          "`none` makes a request without a Referer header valid: any client that leaves the header out " +
          "(or a page with Referrer-Policy: no-referrer) passes the referer check",
        d,
        word: i,
      });
      return;
    }
  },
};
