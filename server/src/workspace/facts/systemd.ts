// systemd units: the `.service`s whose ExecStart* runs `nginx -t`, and the `.timer`s that start services and
// how often. A service counts only when a timer starts it; they are paired across files (combine.ts).

import type { FileCtx, Lines } from "./file-context";
import { capabilityList, isNginxProgram, memlockBytes } from "./privileges";
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
  const entries = unitEntries(ctx.lines);
  readServiceLimits(ctx, name, entries);
  for (const e of entries) {
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

/**
 * An nginx unit's `LimitMEMLOCK=` and what capabilities its main process keeps (`CapabilityBoundingSet=`, or
 * `AmbientCapabilities=` for a `User=` other than root), for rule quic-bpf-limits. A unit is nginx's when its
 * name says so or its ExecStart runs nginx or openresty.
 */
function readServiceLimits(ctx: FileCtx, name: string, entries: readonly UnitEntry[]): void {
  const service = entries.filter((e) => e.section === "Service");
  const runsNginx = service.some((e) => e.key === "ExecStart" && isNginxProgram(e.value.replace(/^[-@:+!]*/, "")));
  if (!/nginx|openresty/i.test(name) && !runsNginx) return;
  let memlock: UnitEntry | null = null;
  let user: UnitEntry | null = null;
  // Both lists accumulate over repeated lines; an empty assignment resets (systemd.exec(5)).
  let bounding: { keep: Set<string>; inverted: boolean; at: UnitEntry } | null = null;
  let ambient: { caps: Set<string>; at: UnitEntry } | null = null;
  for (const e of service) {
    if (e.key === "LimitMEMLOCK") memlock = e;
    else if (e.key === "User") user = e;
    else if (e.key === "CapabilityBoundingSet") {
      if (e.value === "") {
        bounding = null;
        continue;
      }
      const inverted = e.value.startsWith("~");
      const caps = capabilityList(e.value.replace(/^~/, ""));
      if (bounding === null || bounding.inverted !== inverted) bounding = { keep: new Set(), inverted, at: e };
      for (const c of caps) bounding.keep.add(c);
      bounding.at = e;
    } else if (e.key === "AmbientCapabilities") {
      if (e.value === "") {
        ambient = null;
        continue;
      }
      ambient ??= { caps: new Set(), at: e };
      for (const c of capabilityList(e.value.replace(/^~/, ""))) ambient.caps.add(c);
      ambient.at = e;
    }
  }
  if (memlock !== null) {
    const v = memlockBytes(memlock.value, "systemd");
    if (v !== null)
      ctx.scan.memlock.push({
        kind: "systemd",
        path: ctx.path,
        range: ctx.lines.range(memlock.start, memlock.end),
        ...v,
        subject: name,
        description: `systemd unit ${ctx.display} sets LimitMEMLOCK=${memlock.value}`,
      });
  }
  const nonRoot = user !== null && !/^(root|0)$/.test(user.value);
  if (nonRoot) {
    const at = ambient?.at ?? user!;
    const keep = ambient ? [...ambient.caps] : [];
    ctx.scan.privileges.push({
      kind: "systemd",
      path: ctx.path,
      range: ctx.lines.range(at.start, at.end),
      subject: name,
      container: false,
      privileged: false,
      add: [],
      drop: [],
      keep,
      description:
        // The user's name is not quoted: a finding shows only what the reader recognised (issue 11).
        `systemd unit ${ctx.display} runs nginx as a User= other than root` +
        (keep.length > 0 ? ` with AmbientCapabilities=${keep.join(" ")}` : " without ambient capabilities"),
    });
  } else if (bounding !== null) {
    const listed = [...bounding.keep];
    ctx.scan.privileges.push({
      kind: "systemd",
      path: ctx.path,
      range: ctx.lines.range(bounding.at.start, bounding.at.end),
      subject: name,
      container: false,
      privileged: false,
      add: [],
      drop: bounding.inverted ? listed : [],
      keep: bounding.inverted ? null : listed,
      description: `systemd unit ${ctx.display} sets CapabilityBoundingSet=${bounding.inverted ? "~" : ""}${listed.join(" ")}`,
    });
  }
}
