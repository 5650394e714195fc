// Rule `unnamed-groups` (Gixy-Next's unnamed_groups; CVE-2026-42945): a `rewrite` whose replacement has
// arguments (a `?` that is not its last character) and that does not end the rewrite directives when it
// matches (no `last`, `break`, `redirect`, `permanent`, no `http://`/`https://`/`$scheme` replacement),
// followed in the same block's rewrite code by a `set`, an `if` comparison or file test, or a `rewrite`
// replacement that reads a `$1`..`$9`. ngx_http_script_start_args_code() sets the engine's is_args flag and, before nginx 1.30.1 /
// 1.31.0 (nginx commit 524977e7c, "Rewrite: fixed escaping and possible buffer overrun"), nothing cleared
// it: the later capture is written escaped into a buffer ngx_http_script_complex_value_code() sized for it
// unescaped — a heap overflow a request can trigger.
//
// An `if` block's directives are compiled into its parent's code (ngx_http_rewrite_if(): "the inner
// directives must be compiled to the same code array"), so the flag set in an `if` reaches the statements
// after it, and the other way round; a `return` or `break` ends the code (inside an `if`: that block's).
// A block check of each server and location: its own statements with their included files, and the
// statements of the `if` blocks among them.

import type { Directive } from "../parse/ast";
import { beforeFix, captureRefs } from "./captures";
import { nginxWordValue } from "./regex";
import type { BlockStatement, CheckSeed, StatementCheck } from "./statement-checks";

const TERMINAL_FLAGS = new Set(["last", "break", "redirect", "permanent"]);
const FILE_TESTS = new Set(["-f", "!-f", "-d", "!-d", "-e", "!-e", "-x", "!-x"]);

/** Whether a rewrite, when it matches, leaves is_args set and lets the next rewrite directives run. */
function armsArgs(d: Directive): boolean {
  if (d.argCount < 2) return false;
  if (TERMINAL_FLAGS.has((d.argValue(2) ?? "").toLowerCase())) return false;
  let replacement = nginxWordValue(d.argValue(1) ?? "");
  if (/^(https?:\/\/|\$scheme)/.test(replacement)) return false;
  if (replacement.endsWith("?")) replacement = replacement.slice(0, -1);
  return replacement.includes("?");
}

const readsCapture = (value: string | undefined): boolean =>
  value !== undefined && captureRefs(nginxWordValue(value)).length > 0;

/** The word of `d` that reads a capture as a complex value of the rewrite code (`set`, an `if` operand), or null. */
function captureReader(d: Directive): number | null {
  if (d.name === "set") return d.argCount >= 2 && readsCapture(d.argValue(1)) ? 1 : null;
  // a later rewrite's replacement: its lengths are counted unescaped (a fresh engine), copied escaped
  if (d.name === "rewrite") return d.argCount >= 2 && readsCapture(d.argValue(1)) ? 1 : null;
  if (d.name !== "if") return null;
  const v = d.argValues();
  if (v.length === 0) return null;
  const first = v[0].startsWith("(") ? v[0].slice(1) : v[0];
  const words = [first, ...v.slice(1)];
  let last = words.length - 1;
  if (words[last].endsWith(")")) words[last] = words[last].slice(0, -1);
  if (words[last] === "") last--;
  if (last >= 2 && (words[1] === "=" || words[1] === "!=") && readsCapture(words[2])) return 2;
  if (last >= 1 && FILE_TESTS.has(words[0]) && readsCapture(words[1])) return 1;
  return null;
}

export const unnamedGroupsCheck: StatementCheck = {
  ruleId: "unnamed-groups",
  block(d, body, statements, _parents, options, out) {
    if (d === null || (body !== "server" && body !== "location")) return;
    if (!beforeFix(options.nginxVersion, "1.30.1", "1.31.0", 7)) return;
    let armed: BlockStatement | null = null;
    const reader = (s: BlockStatement): boolean => {
      if (armed === null) return false;
      const word = captureReader(s.d);
      if (word === null) return false;
      out.push(seedFor(armed, s, word));
      return true;
    };
    for (const s of statements) {
      if (reader(s)) return;
      if (s.d.name === "rewrite") {
        if (armsArgs(s.d)) armed ??= s;
        continue;
      }
      if (s.d.name === "return" || (s.d.name === "break" && !s.d.block)) return;
      if (s.d.name !== "if" || !s.d.block) continue;
      for (const c of s.d.block.children) {
        if (c.kind !== "directive") continue;
        const inner: BlockStatement = { d: c, path: s.path };
        if (reader(inner)) return;
        if (c.name === "rewrite") {
          if (armsArgs(c)) armed ??= inner;
          continue;
        }
        if (c.name === "return" || c.name === "break") break;
      }
    }
  },
};

function seedFor(rewrite: BlockStatement, reader: BlockStatement, word: number): CheckSeed {
  return {
    ruleId: "unnamed-groups",
    code: "args-then-capture",
    severity: "warning",
    message:
      `this rewrite's replacement has arguments ("?") and the rewrite directives go on after it: on nginx before ` +
      `1.30.1 / 1.31.0 (Debian 12: before 1.22.1-9+deb12u7; CVE-2026-42945) the "${reader.d.name}" after it writes its $1..$9 escaped into a buffer ` +
      `sized for it unescaped (a heap overflow a request can trigger); upgrade, or name the group ` +
      `(?<name>…) and read $name there instead`,
    d: rewrite.d,
    path: rewrite.path,
    word: 1,
    related: [{ d: reader.d, word, path: reader.path, message: "reads a numbered capture after it" }],
    data: { reader: reader.d.name },
  };
}
