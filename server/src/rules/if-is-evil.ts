// Rule `if-is-evil` (gixy's if_is_evil; nginx-lint's if_is_evil_in_location): an `if` inside a location
// that does more than end the request. docs/rules/if-is-evil.md
//
// An `if` block gets a location configuration of its own (ngx_http_rewrite_if creates it, merged from the
// location's). When its condition holds, ngx_http_script_if_code makes it the request's configuration and
// the request goes on with it after the rewrite phase: the directives written inside (`add_header`,
// `proxy_pass`, …) replace the location's instead of adding to them — of two matching `if`s only the last
// one counts — and what is not merged into it is lost. `try_files` is one such: with
// `location /t { try_files /none @fb; if ($arg_x) { set $y 1; } }`, `/t` gets @fb's answer and `/t?x=1` a 404
// (nginx 1.22.1, test/rules/access-control.test.ts). Safe inside: `return`, a `rewrite` that ends the
// request's stay in the location (`last`, `redirect`, `permanent`, or an absolute URL, which nginx answers
// with a redirect whatever the flag), and the rewrite module's own `set`, `break`, `rewrite_log`,
// `uninitialized_variable_warn`.

import type { Directive } from "../parse/ast";
import type { BlockStatement, CheckSeed, StatementCheck } from "./statement-checks";

export const RULE_ID = "if-is-evil";

const REWRITE_SETTINGS = new Set(["set", "break", "rewrite_log", "uninitialized_variable_warn"]);

/** A `rewrite` after which the request does not stay in this configuration. */
function rewriteLeaves(d: Directive): boolean {
  const target = d.argValue(1) ?? "";
  // ngx_http_rewrite: a replacement starting with http://, https:// or $scheme is a redirect.
  if (/^(https?:\/\/|\$scheme)/.test(target)) return true;
  const flag = d.argCount >= 3 ? d.argValue(d.argCount - 1) : undefined;
  return flag === "last" || flag === "redirect" || flag === "permanent";
}

/** Whether a statement inside an `if` in a location is harmless there. */
function safeInIf(d: Directive): boolean {
  if (d.name === "return") return true;
  if (d.name === "rewrite") return rewriteLeaves(d);
  return REWRITE_SETTINGS.has(d.name);
}

/** Whether the `if` block ends the request's stay in its configuration (a `return`, a rewrite that leaves). */
function ends(statements: readonly Directive[]): boolean {
  return statements.some((d) => d.name === "return" || (d.name === "rewrite" && rewriteLeaves(d)));
}

export const ifIsEvilCheck: StatementCheck = {
  ruleId: RULE_ID,
  block(d, body, statements, _parents, _options, out) {
    if (body === "if_in_location" && d !== null) unsafeInIf(d, statements, out);
    else if (body === "location") tryFilesIgnored(statements, out);
  },
};

function unsafeInIf(d: Directive, statements: readonly BlockStatement[], out: CheckSeed[]): void {
  const unsafe = statements.filter((s) => !safeInIf(s.d));
  if (unsafe.length === 0) return;
  const names = [...new Set(unsafe.map((s) => s.d.name))];
  out.push({
    ruleId: RULE_ID,
    code: "unsafe-directive",
    severity: "info",
    message:
      `${names.map((n) => `"${n}"`).join(", ")} inside an if in a location: when the condition holds the request ` +
      "is served with the if's own configuration, so these replace the location's settings instead of adding to " +
      "them (only the last matching if counts) and the location's try_files is skipped; use a separate location, " +
      "a map, or end the if with return or rewrite … last",
    d,
    word: -1,
    related: unsafe.slice(0, 10).map((s) => ({ d: s.d, path: s.path, message: "not safe inside if" })),
    data: { directives: names },
  });
}

function tryFilesIgnored(statements: readonly BlockStatement[], out: CheckSeed[]): void {
  const tryFiles = statements.find((s) => s.d.name === "try_files");
  if (tryFiles === undefined) return;
  for (const s of statements) {
    const ifd = s.d;
    if (ifd.name !== "if" || ifd.block === undefined) continue;
    const inner: Directive[] = [];
    for (const n of ifd.block.children) if (n.kind === "directive") inner.push(n);
    // An if with unsafe directives has its own finding (which says try_files is skipped).
    if (inner.some((x) => !safeInIf(x)) || ends(inner)) continue;
    out.push({
      ruleId: RULE_ID,
      code: "try-files-ignored",
      severity: "info",
      message:
        "when this if's condition holds, the request is served with the if's own configuration, which has no " +
        "try_files: the location's try_files is skipped and the URI is served as a plain file (a 404 where " +
        "try_files would have fallen back); move the condition into a map or end the if with return or rewrite … last",
      d: ifd,
      path: s.path,
      word: -1,
      related: [{ d: tryFiles.d, path: tryFiles.path, message: "skipped when the if matches" }],
    });
  }
}
