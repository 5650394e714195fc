// add-header-multiline: a response header value written over several lines. nginx sends the value as
// written (ngx_http_headers_filter_module copies it; nothing checks for CR or LF): over HTTP/1.1 a line break
// followed by a space or tab is an obsolete line folding (RFC 9112 §5.2: a client may reject the message or
// must replace it with a space), a line break followed by anything else starts a header line of its own, and
// over HTTP/2 and HTTP/3 any line break in a field value is malformed (RFC 9113 §8.2.1): nghttp2 drops the
// header (test/rules/headers.test.ts, nginx 1.22.1 over h2c).
// A statement check: the statement alone decides. docs/rules/add-header-multiline.md

import type { Directive } from "../parse/ast";
import type { CheckSeed, StatementCheck } from "./statement-checks";

export const RULE_ID = "add-header-multiline";

/** The arguments of `more_set_headers` that are headers (headers-more: `-s codes` and `-t types` take a value). */
function moreSetHeadersValues(d: Directive): number[] {
  const out: number[] = [];
  const n = d.argCount;
  for (let i = 0; i < n; i++) {
    const v = d.argValue(i) ?? "";
    if (v === "-s" || v === "-t") i++;
    else if (!v.startsWith("-")) out.push(i);
  }
  return out;
}

function seedFor(d: Directive, word: number, value: string, header: string): CheckSeed | null {
  if (!/[\r\n]/.test(value)) return null;
  const folded = !/[\r\n](?![ \t\r\n])/.test(value.replace(/[\r\n]+$/, ""));
  const what = folded
    ? "continues on indented lines: nginx sends the line breaks as written, an obsolete line folding that " +
      "HTTP/1.1 clients may reject or read differently, and over HTTP/2 a header value with a line break is " +
      "malformed, so clients drop the header or the response"
    : "has a line break followed by text at the start of a line: nginx sends it as written, so HTTP/1.1 " +
      "clients read the header cut at the break and the rest as a header line of its own, and over HTTP/2 " +
      "the value is malformed, so clients drop the header or the response";
  return {
    ruleId: RULE_ID,
    code: folded ? "folded" : "line-break",
    severity: "warning",
    message: `The value of ${header} ${what}; write it on one line.`,
    d,
    word,
    data: { header },
  };
}

export const addHeaderMultilineCheck: StatementCheck = {
  ruleId: RULE_ID,
  names: new Set(["add_header", "add_trailer", "more_set_headers"]),
  statement(d, _context, _parents, _options, out) {
    const name = d.name;
    if (name === "add_header" || name === "add_trailer") {
      const value = d.argValue(1);
      if (value === undefined) return;
      const s = seedFor(d, 1, value, d.argValue(0) ?? name);
      if (s) out.push(s);
      return;
    }
    if (name !== "more_set_headers") return;
    for (const i of moreSetHeadersValues(d)) {
      const value = d.argValue(i) ?? "";
      const colon = value.indexOf(":");
      const s = seedFor(d, i, value, colon > 0 ? value.slice(0, colon).trim() : value.trim().split(/\s/)[0]);
      if (s) {
        out.push(s);
        return;
      }
    }
  },
};
