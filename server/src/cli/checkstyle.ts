// `nginx-risk check --format checkstyle`: the findings as Checkstyle's XML report, which CI tools read
// (Jenkins' Warnings plugin, reviewdog, GitLab and Azure DevOps through converters):
//
//   <checkstyle version="4.3">
//     <file name="conf/nginx.conf">
//       <error line="17" column="5" severity="warning" message="…" source="nginx-risk.lua-ssl-per-location.per-location"/>
//     </file>
//   </checkstyle>
//
// One <file> per file with findings, in the order of the JSON output; error → `error`, warning → `warning`,
// info and hint → `info`. Checkstyle has no place for an incomplete search: `check` says it on stderr (and
// exits 2). Text is escaped for attribute values, and characters XML 1.0 cannot hold at all (C0 controls
// other than tab, LF and CR; lone surrogates; U+FFFE, U+FFFF), which a configuration's words may bring into
// a message, are written as `\u{…}`.

import type { Severity } from "../rules";
import type { CheckResult } from "./check";
import { shownPath } from "./shown";

const SEVERITY: Record<Severity, "error" | "warning" | "info"> = {
  error: "error",
  warning: "warning",
  info: "info",
  hint: "info",
};

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  // Attribute-value normalisation would turn these into spaces: written as references they stay.
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};

/** Whether XML 1.0 allows the code point in a document (its `Char` production). */
function xmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** `s` as the value of a double-quoted XML attribute. */
export function xmlAttribute(s: string): string {
  let out = "";
  // By code point: a surrogate pair is one character, a lone surrogate one that XML cannot hold.
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (!xmlChar(cp)) out += `\\u{${cp.toString(16).toUpperCase()}}`;
    else out += ENTITIES[ch] ?? ch;
  }
  return out;
}

export function toCheckstyle(result: CheckResult, cwd: string): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">'];
  let open: string | null = null;
  for (const f of result.findings) {
    const file = shownPath(cwd, f.path, result.asPrinted);
    if (file !== open) {
      if (open !== null) lines.push("  </file>");
      lines.push(`  <file name="${xmlAttribute(file)}">`);
      open = file;
    }
    const attributes = [
      ["line", String(f.range.start.line + 1)],
      ["column", String(f.range.start.character + 1)],
      ["severity", SEVERITY[f.severity]],
      ["message", f.message],
      ["source", `nginx-risk.${f.ruleId}.${f.code}`],
    ];
    lines.push(`    <error ${attributes.map(([k, v]) => `${k}="${xmlAttribute(v)}"`).join(" ")}/>`);
  }
  if (open !== null) lines.push("  </file>");
  lines.push("</checkstyle>");
  return lines.join("\n") + "\n";
}
