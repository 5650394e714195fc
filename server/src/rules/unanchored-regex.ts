// Rule `unanchored-regex` (gixy's unanchored_regex): a regex location that ends with a file extension but not
// with `$` — `location ~ \.php` also matches `/upload/a.php.jpg` and `/a.php/x`, so requests for other files
// (an uploaded image named `*.php.jpg`) are handled by the location meant for `.php` files, e.g. passed to
// PHP-FPM. Only the extension tail is judged, as gixy does: `location ~ ^/api/` without `$` is a prefix on
// purpose. A location whose own statements refuse the request (`deny all`, `return 403`/`404`/`444`) is left
// alone: matching more there refuses more, and `location ~ /\.ht { deny all; }` means `.htaccess` and
// `.htpasswd` alike (gixy fires on it). A statement check: the location's regex and own statements.

import type { Directive } from "../parse/ast";
import { nginxWordValue, regexesOf } from "./regex";
import { branchEndsAnchored, patternShape, type PatternNode } from "./captures";
import type { StatementCheck } from "./statement-checks";

const isAlnum = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * The literal text of a node made of alphanumeric literals only (a group: its first alternative), or null.
 * Recursive over group nesting, which PCRE2 bounds at 250 levels (pcre2.ts PARENS_NEST_LIMIT).
 */
function alnumText(node: PatternNode): string | null {
  if (node.kind === "item")
    return node.item.k === "lit" && isAlnum(node.item.c) ? String.fromCharCode(node.item.c) : null;
  if (node.g !== "capture" && node.g !== "nocap") return null;
  let first: string | null = null;
  for (const branch of node.branches) {
    if (branch.length === 0) return null;
    let text = "";
    for (const n of branch) {
      const t = alnumText(n);
      if (t === null) return null;
      text += t;
    }
    first ??= text;
  }
  return first;
}

/** The extension (`.php`) a branch ends with — a literal `.` then letters, digits or alternatives of them — or null. */
export function extensionTail(branch: readonly PatternNode[]): string | null {
  let i = branch.length - 1;
  let ext = "";
  for (; i >= 0; i--) {
    const t = alnumText(branch[i]);
    if (t === null) break;
    ext = t + ext;
  }
  if (ext === "" || i < 0) return null;
  const dot = branch[i];
  return dot.kind === "item" && dot.item.k === "lit" && dot.item.c === 0x2e ? `.${ext}` : null;
}

/** Whether the location's own statements refuse every request it handles. */
function refuses(d: Directive): boolean {
  for (const c of d.block?.children ?? []) {
    if (c.kind !== "directive") continue;
    if (c.name === "deny" && c.argCount === 1 && c.argValue(0) === "all") return true;
    if (c.name === "return" && c.argCount >= 1 && /^(403|404|444)$/.test(c.argValue(0) ?? "")) return true;
  }
  return false;
}

export const unanchoredRegexCheck: StatementCheck = {
  ruleId: "unanchored-regex",
  names: new Set(["location"]),
  statement(d, _context, parents, _options, out) {
    if (d.name !== "location" || !d.block) return;
    const parent = parents.length > 0 ? parents[parents.length - 1] : null;
    const regexes = regexesOf(d, parent);
    if (regexes.length === 0 || refuses(d)) return;
    for (const r of regexes) {
      const shape = patternShape(r.pattern);
      if (shape === null) continue;
      for (const branch of shape.branches) {
        if (branchEndsAnchored(branch)) continue;
        const ext = extensionTail(branch);
        if (ext === null) continue;
        const written = nginxWordValue(d.argValue(r.arg) ?? "");
        out.push({
          ruleId: "unanchored-regex",
          code: "extension-without-end-anchor",
          severity: "info",
          message:
            `the regex "${written}" has no "$" after "${ext}": it also matches "/a${ext}.jpg" and "/a${ext}/x", ` +
            `so requests for other files are handled by this location (end the regex with "${ext}$")`,
          d,
          word: r.arg,
          data: { pattern: r.pattern, extension: ext },
        });
        break;
      }
    }
  },
};
