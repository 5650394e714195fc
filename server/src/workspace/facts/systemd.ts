// systemd units: the `.service`s whose ExecStart* runs `nginx -t`, and the `.timer`s that start services and
// how often. A service counts only when a timer starts it; they are paired across files (combine.ts).

import type { FileCtx, Lines } from "./file-context";
import { calendarInterval, everySeconds, systemdSpan } from "./schedule";
import { shellTestInvocation } from "./shell";

interface UnitEntry {
  section: string;
  key: string;
  value: string;
  start: number;
  end: number;
}

/** `Key=Value` entries of a unit file, with continuation lines joined (the range covers them all). */
function unitEntries(lines: Lines): UnitEntry[] {
  const out: UnitEntry[] = [];
  let section = "";
  for (let i = 0; i < lines.count; i++) {
    const line = lines.line(i);
    const t = line.trim();
    if (t === "" || t.startsWith("#") || t.startsWith(";")) continue;
    const sec = /^\[(.+)\]$/.exec(t);
    if (sec) {
      section = sec[1];
      continue;
    }
    const kv = /^(\s*)([A-Za-z][A-Za-z0-9]*)\s*=\s*/.exec(line);
    if (!kv) continue;
    let value = line.slice(kv[0].length);
    const start = lines.starts[i] + kv[0].length;
    let end = lines.starts[i] + line.length;
    while (value.endsWith("\\") && i + 1 < lines.count) {
      i++;
      const next = lines.line(i);
      value = value.slice(0, -1) + " " + next.trim();
      end = lines.starts[i] + next.length;
    }
    out.push({ section, key: kv[2], value: value.trim(), start, end });
  }
  return out;
}

export function readSystemdService(ctx: FileCtx, name: string): void {
  for (const e of unitEntries(ctx.lines)) {
    if (e.section !== "Service" || !/^ExecStart(Pre|Post)?$/.test(e.key)) continue;
    // Prefixes `-@:+!` change how the command runs, not what it is (systemd.service(5)).
    const prefix = /^[-@:+!]*/.exec(e.value)?.[0].length ?? 0;
    const command = e.value.slice(prefix);
    const invocation = shellTestInvocation(command);
    if (!invocation) continue;
    ctx.scan.services.push({
      path: ctx.path,
      display: ctx.display,
      unit: name,
      range: ctx.lines.range(e.start + prefix, e.end),
      command,
      invocation,
    });
  }
}

export function readSystemdTimer(ctx: FileCtx, name: string): void {
  let unit = name.replace(/\.timer$/i, ".service");
  const spans: Record<string, string> = {};
  for (const e of unitEntries(ctx.lines)) {
    if (e.section !== "Timer") continue;
    if (e.key === "Unit") unit = e.value;
    else if (!(e.key in spans)) spans[e.key] = e.value;
  }
  let interval: string | undefined;
  for (const key of ["OnUnitActiveSec", "OnUnitInactiveSec"]) {
    const s = spans[key] !== undefined ? systemdSpan(spans[key]) : null;
    if (s !== null && interval === undefined) interval = everySeconds(s);
  }
  if (interval === undefined && spans.OnCalendar !== undefined) interval = calendarInterval(spans.OnCalendar);
  ctx.scan.timers.push({ display: ctx.display, unit, ...(interval !== undefined ? { interval } : {}) });
}
