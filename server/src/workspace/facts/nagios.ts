// Nagios / Icinga object definitions and NRPE configuration: the commands whose command line runs `nginx -t`,
// and the services that check them, with their interval. Commands and services meet across files (combine.ts).

import { trimmedSpan, type FileCtx } from "./file-context";
import { everySeconds } from "./schedule";
import { shellTestInvocation } from "./shell";

export function readNagios(ctx: FileCtx): void {
  const { lines } = ctx;
  let block: string | null = null;
  let fields: Map<string, { value: string; start: number; end: number }> = new Map();
  let intervalLength = 60;
  const finish = (): void => {
    if (block === "command") {
      const name = fields.get("command_name");
      const line = fields.get("command_line");
      if (name && line) {
        const invocation = shellTestInvocation(line.value.replace(/\\;/g, ";"));
        if (invocation)
          ctx.scan.nagiosCommands.push({
            path: ctx.path,
            display: ctx.display,
            name: name.value,
            range: lines.range(line.start, line.end),
            command: line.value,
            invocation,
            nrpe: false,
          });
      }
    } else if (block === "service") {
      const check = fields.get("check_command");
      const every = fields.get("check_interval") ?? fields.get("normal_check_interval");
      if (check) {
        const n = every ? Number(every.value) : NaN;
        ctx.scan.nagiosServices.push({
          command: check.value.split("!")[0].trim(),
          ...(Number.isFinite(n) && n > 0 ? { interval: everySeconds(n * intervalLength) } : {}),
        });
      }
    }
    block = null;
    fields = new Map();
  };
  for (let i = 0; i < lines.count; i++) {
    const raw = lines.line(i);
    // `;` starts a comment unless escaped (`\;` in command lines).
    const semi = /(^|[^\\]);/.exec(raw);
    const line = semi ? raw.slice(0, semi.index + semi[1].length) : raw;
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const nrpe = /^(\s*command\[([^\]]+)\]\s*=\s*)(.*)$/.exec(raw);
    if (nrpe && block === null) {
      const invocation = shellTestInvocation(nrpe[3]);
      if (invocation) {
        const [a, b] = trimmedSpan(lines.starts[i], raw, nrpe[1].length);
        ctx.scan.nagiosCommands.push({
          path: ctx.path,
          display: ctx.display,
          name: nrpe[2],
          range: lines.range(a, b),
          command: nrpe[3].trim(),
          invocation,
          nrpe: true,
        });
      }
      continue;
    }
    const len = /^\s*interval_length\s*=\s*(\d+)/.exec(t);
    if (len && block === null) intervalLength = Number(len[1]) || 60;
    const def = /^define\s+(\w+)\s*\{(.*)$/.exec(t);
    if (def) {
      finish();
      block = def[1].toLowerCase();
      continue;
    }
    if (t.startsWith("}")) {
      finish();
      continue;
    }
    if (block === null) continue;
    const kv = /^(\s*(\w+)\s+)(.*?)\s*$/.exec(line);
    if (!kv) continue;
    const start = lines.starts[i] + kv[1].length;
    if (!fields.has(kv[2])) fields.set(kv[2], { value: kv[3], start, end: start + kv[3].length });
  }
  finish();
}
