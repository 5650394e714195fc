// monit control files: a `check program … with path` that runs `nginx -t`, every cycle (`set daemon`), every
// n cycles or on a cron-like schedule.

import { addEvidence, type FileCtx } from "./file-context";
import { everySeconds, plural } from "./schedule";
import { shellTestInvocation } from "./shell";

/** The text with `#` comments blanked out (offsets kept). */
function withoutComments(text: string, comment: RegExp): string {
  return text.replace(comment, (c) => " ".repeat(c.length));
}

export function readMonit(ctx: FileCtx): void {
  const text = withoutComments(ctx.text, /#[^\r\n]*/g);
  const daemon = /\bset\s+daemon\s+(\d+)/i.exec(text);
  const cycle = daemon ? Number(daemon[1]) : null;
  const re = /\bcheck\s+program\s+(\S+)\s+with\s+path\s+(?:"([^"]*)"|'([^']*)'|(\S+))/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const command = m[2] ?? m[3] ?? m[4] ?? "";
    const invocation = shellTestInvocation(command);
    if (!invocation) continue;
    const quoted = m[4] === undefined ? 1 : 0;
    const end = m.index + m[0].length - quoted;
    const start = end - command.length;
    // The statements of this check run to the next `check`.
    const nextCheck = text.slice(re.lastIndex).search(/\bcheck\s+\w+\s/i);
    const body = text.slice(re.lastIndex, nextCheck < 0 ? text.length : re.lastIndex + nextCheck);
    let interval: string;
    const every = /\bevery\s+(?:(\d+)\s+cycles?|"([^"]*)")/i.exec(body);
    const cycles = every?.[1] !== undefined ? Number(every[1]) : 1;
    if (every?.[2] !== undefined) interval = `on schedule \`${every[2]}\``;
    else if (cycle !== null) interval = everySeconds(cycles * cycle) ?? plural(cycles, "monit cycle");
    else interval = plural(cycles, "monit cycle");
    addEvidence(
      ctx,
      "monit",
      start,
      end,
      command,
      invocation,
      `monit check program \`${m[1]}\` in ${ctx.display}`,
      interval,
      "",
    );
  }
}
