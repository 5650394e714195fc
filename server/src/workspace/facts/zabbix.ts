// Zabbix agent configuration: a `UserParameter` whose command runs `nginx -t` runs it each time the server
// polls its item (how often is set on the Zabbix server, not in this file).

import { addEvidence, trimmedSpan, type FileCtx } from "./file-context";
import { shellTestInvocation } from "./shell";

export function readZabbix(ctx: FileCtx): void {
  const { lines } = ctx;
  // Every `.conf` file comes here (nginx's too): only a file naming UserParameter has a line to look at.
  if (!ctx.text.includes("UserParameter")) return;
  for (let i = 0; i < lines.count; i++) {
    const line = lines.line(i);
    const m = /^(\s*UserParameter\s*=\s*)([^,[]*(?:\[[^\]]*\])?)\s*,/.exec(line);
    if (!m) continue;
    const command = line.slice(m[0].length);
    const invocation = shellTestInvocation(command);
    if (!invocation) continue;
    const [a, b] = trimmedSpan(lines.starts[i], line, m[0].length);
    addEvidence(
      ctx,
      "zabbix",
      a,
      b,
      command.trim(),
      invocation,
      `Zabbix UserParameter \`${m[2].trim()}\` in ${ctx.display}`,
      undefined,
      "each time its item is polled",
    );
  }
}
