// `nginx-risk check --format github`: one GitHub Actions workflow command per finding, which the runner
// turns into an annotation on the file and lines (docs/ci.md):
//
//   ::warning file=conf/nginx.conf,line=17,col=5,endLine=17,endColumn=62,title=lua-ssl-per-location/per-location::…
//
// error → `error`, warning → `warning`, info and hint → `notice`. A folder search stopped at --max-files is
// an `::error` without a file. Then the summary line of the text output, which the log shows as it is.
// Values are escaped as GitHub's runner unescapes them (workflow commands: `%`, CR and LF in the message;
// also `:` and `,` in properties), so no text of a finding can end a command or start another one.

import type { Severity } from "../rules";
import type { CheckResult } from "./check";
import { incompleteMessage } from "./incomplete";
import { shownPath, summaryLine } from "./shown";

const COMMAND: Record<Severity, "error" | "warning" | "notice"> = {
  error: "error",
  warning: "warning",
  info: "notice",
  hint: "notice",
};

/** A command's message. */
export function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** A property's value (between `key=` and the next `,` or `::`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export function toGithubCommands(result: CheckResult, cwd: string): string {
  const lines: string[] = [];
  for (const f of result.findings) {
    const props: [string, string | number][] = [
      ["file", shownPath(cwd, f.path, result.asPrinted)],
      // 1-based, the end column exclusive, columns in UTF-16 code units: the numbers of the JSON output.
      ["line", f.range.start.line + 1],
      ["col", f.range.start.character + 1],
      ["endLine", f.range.end.line + 1],
      ["endColumn", f.range.end.character + 1],
      ["title", `${f.ruleId}/${f.code}`],
    ];
    const list = props.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(",");
    lines.push(`::${COMMAND[f.severity]} ${list}::${escapeData(f.message)}`);
  }
  for (const s of result.incomplete ?? [])
    lines.push(`::error title=incomplete::${escapeData(incompleteMessage(s, cwd))}`);
  lines.push(summaryLine(result));
  return lines.join("\n") + "\n";
}
