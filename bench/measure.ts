// Small measuring helpers of the bench: order statistics and whole-process runs (wall time, peak RSS).

import { spawnSync } from "child_process";
import { readFileSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { performance } from "perf_hooks";

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The nearest-rank percentile (p in 0..100): with 20 samples, p95 is the 19th smallest. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/**
 * A preload that writes the process's own resource use to the file $BENCH_RSS_OUT when it exits (JSON of
 * process.resourceUsage(): maxRSS in KiB, user and system CPU time in µs): the measured node process itself,
 * whatever it spawns. CPU time is less inflated than wall time by other load on a shared machine.
 */
export function writeRssPreload(dir: string): string {
  const file = path.join(dir, "rss-preload.cjs");
  writeFileSync(
    file,
    "process.on('exit', () => { if (process.env.BENCH_RSS_OUT) require('fs').writeFileSync(" +
      "process.env.BENCH_RSS_OUT, JSON.stringify(process.resourceUsage())); });\n",
  );
  return file;
}

export interface ProcessRun {
  ms: number;
  /** Peak RSS in KiB when run with `rss`, else null. */
  maxRssKiB: number | null;
  /** User + system CPU time in ms when run with `rss`, else null. */
  cpuMs: number | null;
}

/**
 * One `node ARGS` run, stdout and stdin on /dev/null, wall time from spawn to exit. `rss`: the preload of
 * writeRssPreload and the file it writes. Throws when it exits with another status than `okStatus`.
 */
export function runNode(
  args: string[],
  options: { cwd: string; rss?: { preload: string; out: string }; okStatus?: number[] },
): ProcessRun {
  const env = { ...process.env };
  const nodeArgs = [...args];
  if (options.rss) {
    rmSync(options.rss.out, { force: true });
    env.BENCH_RSS_OUT = options.rss.out;
    nodeArgs.unshift("-r", options.rss.preload);
  }
  const t0 = performance.now();
  const r = spawnSync(process.execPath, nodeArgs, {
    cwd: options.cwd,
    env,
    stdio: ["ignore", "ignore", "pipe"],
    maxBuffer: 1 << 26,
  });
  const ms = performance.now() - t0;
  if (!(options.okStatus ?? [0]).includes(r.status ?? -1))
    throw new Error(`node ${args.join(" ")} exited ${r.status ?? r.signal}: ${String(r.stderr).slice(0, 800)}`);
  if (!options.rss) return { ms, maxRssKiB: null, cpuMs: null };
  const use = JSON.parse(readFileSync(options.rss.out, "utf8")) as NodeJS.ResourceUsage;
  return { ms, maxRssKiB: use.maxRSS, cpuMs: (use.userCPUTime + use.systemCPUTime) / 1000 };
}

/** The tests' seeded generator (mulberry32): the same seed gives the same edits in every run and for every build. */
export { random as seeded } from "../test/support/random";
