// Across files: a systemd service meets the timers that start it and a Nagios command the services that check
// it, wherever they are; evidence found twice counts once, and versions are ordered most precise first.

import { describeRun, displayInvocation, type FileScan, type RankedVersion, type SystemdTimer } from "./file-context";
import type { ConfigTestEvidence, MemlockEvidence, PrivilegeEvidence, WorkspaceFacts } from "./types";

export function combine(scans: readonly FileScan[]): WorkspaceFacts {
  const evidence: ConfigTestEvidence[] = [];
  const versions: RankedVersion[] = [];
  const memlock: MemlockEvidence[] = [];
  const privileges: PrivilegeEvidence[] = [];
  const timers = new Map<string, SystemdTimer[]>();
  const nagiosIntervals = new Map<string, string | undefined>();
  for (const s of scans) {
    evidence.push(...s.evidence);
    versions.push(...s.versions);
    for (const m of s.memlock) memlock.push(m);
    for (const p of s.privileges) privileges.push(p);
    for (const t of s.timers) {
      const list = timers.get(t.unit) ?? [];
      list.push(t);
      timers.set(t.unit, list);
    }
    for (const n of s.nagiosServices) {
      if (!nagiosIntervals.has(n.command) || nagiosIntervals.get(n.command) === undefined)
        nagiosIntervals.set(n.command, n.interval);
    }
  }
  for (const s of scans) {
    for (const svc of s.services) {
      const timer = timers.get(svc.unit)?.[0];
      if (!timer) continue; // a service nobody starts periodically (nginx.service's own ExecStartPre)
      const inv = displayInvocation(svc.invocation);
      evidence.push({
        kind: "systemd-timer",
        path: svc.path,
        range: svc.range,
        command: svc.command,
        ...(timer.interval !== undefined ? { interval: timer.interval } : {}),
        description: describeRun(
          `systemd service ${svc.display} (started by ${timer.display})`,
          inv,
          timer.interval ?? "when the timer fires",
        ),
        invocation: inv,
      });
    }
    for (const c of s.nagiosCommands) {
      const interval = c.nrpe ? undefined : nagiosIntervals.get(c.name);
      const inv = displayInvocation(c.invocation);
      evidence.push({
        kind: "nagios",
        path: c.path,
        range: c.range,
        command: c.command,
        ...(interval !== undefined ? { interval } : {}),
        description: describeRun(
          `${c.nrpe ? "NRPE" : "Nagios"} command \`${c.name}\` in ${c.display}`,
          inv,
          interval ?? "each time its service is checked",
        ),
        invocation: inv,
      });
    }
  }
  const seen = new Set<string>();
  const configTests = evidence.filter((e) => {
    const key = `${e.path}\0${e.range.start.offset}\0${e.kind}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // Stable sort: most precise source first, then reading order.
  const ranked = versions.map((v, i) => ({ v, i })).sort((a, b) => a.v.rank - b.v.rank || a.i - b.i);
  return {
    configTests,
    versions: ranked.map(({ v }) => {
      const { rank: _rank, ...rest } = v;
      return rest;
    }),
    // Only when a file set them: most workspaces have neither, and their facts read as before.
    ...(memlock.length > 0 ? { memlock } : {}),
    ...(privileges.length > 0 ? { privileges } : {}),
  };
}
