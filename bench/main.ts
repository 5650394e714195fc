// `npm run bench`: issue 13's figures in one run, as ratios to what the same run measures (bench/run.mjs
// bundles this file into bench/tmp/ and runs it after `npm run build`). Absolute times are printed beside
// the ratios, labelled as this run's: the machines are shared and noisy, so only ratios travel.
//
//   1. parse of large-config, whole process (`node dist/cli.js parse`), ÷ `node -e 0`, interleaved.
//   2. keystroke → publishDiagnostics of that version over LSP stdio (debounce 0), p50/p95, for the 50-line
//      floor, the 4,000-location incident, large-config and large-config ×10, each ÷ the floor's p95; and a
//      hover sent right after an edit of ×10 (how long the editor waits for it while the server analyses).
//   3. cold `check` of a generated 1,000,000-line workspace: wall ÷ `node -e 0`, and the CLI's peak RSS.
//   4. server spawn → first diagnostics of large-config, less `node -e 0`, with V8's code cache (written by a first
//      start, as after installing) and without one; the size of what a start compiles.
//
// `--baseline REF` builds REF in a temporary git worktree and measures both builds interleaved, printing
// both and new/old. Flags: docs/DEVELOPING.md, or `--help`. Nothing here asserts a time.

import { execFileSync, spawnSync } from "child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { pathToFileURL } from "url";
import type { PublishDiagnosticsParams } from "vscode-languageserver-protocol/node";
import { BenchClient } from "./lsp-client";
import { median, percentile, runNode, seeded, writeRssPreload, type ProcessRun } from "./measure";
import {
  REPO,
  TMP,
  incidentWorkload,
  largeConfigPath,
  largeWorkload,
  largeX10Workload,
  millionLineWorkload,
  smallWorkload,
  type Workload,
} from "./workloads";

interface Build {
  label: string;
  dist: string;
}

interface Options {
  quick: boolean;
  baseline: string | null;
  only: Set<string>;
  /** Keystroke workloads to run, of a, b, c, d. */
  workloads: Set<string>;
  runs: number;
  keystrokes: number;
  keystrokesX10: number;
  hovers: number;
  checkRuns: number;
  startRuns: number;
  seed: number;
}

const SECTIONS = ["parse", "keystroke", "check", "start"];

const USAGE = `usage: npm run bench -- [--quick] [--baseline REF] [--only ${SECTIONS.join(",")}]
         [--workloads a,b,c,d] [--runs N] [--keystrokes K] [--keystrokes-x10 K] [--hovers N] [--check-runs N] [--start-runs N] [--seed N]
  --quick           fewer runs and keystrokes (about a third of the time)
  --baseline REF    also build REF (a commit, branch or tag) in bench/tmp and measure both, interleaved
  --only LIST       only these sections (comma-separated)
  --workloads LIST  only these keystroke workloads, of a,b,c,d (the ratios need a, the floor)
  --runs N          whole-process runs of parse and of node -e 0 (default 11, quick 5)
  --keystrokes K    edits measured per workload (a)-(c) (default 40, quick 20), after 4 warm-up edits
  --keystrokes-x10 K  edits measured on (d) large-config x10 (default 12, quick 6)
  --hovers N        hovers sent right after an edit of (d) (default 6, quick 3)
  --check-runs N    cold checks of the 1M-line workspace per build (default 3, quick 1)
  --start-runs N    server starts on large-config per build (default 5, quick 3)
  --seed N          seed of the edit positions (default 13)`;

function parseOptions(argv: string[]): Options {
  const quick = argv.includes("--quick");
  const o: Options = {
    quick,
    baseline: null,
    only: new Set(SECTIONS),
    workloads: new Set(["a", "b", "c", "d"]),
    runs: quick ? 5 : 11,
    keystrokes: quick ? 20 : 40,
    keystrokesX10: quick ? 6 : 12,
    hovers: quick ? 3 : 6,
    checkRuns: quick ? 1 : 3,
    startRuns: quick ? 3 : 5,
    seed: 13,
  };
  const num = (i: number): number => {
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${argv[i]}: not a positive integer: ${argv[i + 1]}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") continue;
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (a === "--baseline") {
      if (!argv[i + 1]) throw new Error("--baseline needs a git revision");
      o.baseline = argv[++i];
    } else if (a === "--only") {
      const list = (argv[++i] ?? "").split(",").filter(Boolean);
      const bad = list.filter((s) => !SECTIONS.includes(s));
      if (list.length === 0 || bad.length > 0) throw new Error(`--only: one or more of ${SECTIONS.join(",")}`);
      o.only = new Set(list);
    } else if (a === "--workloads") {
      const list = (argv[++i] ?? "").split(",").filter(Boolean);
      if (list.length === 0 || list.some((w) => !["a", "b", "c", "d"].includes(w)))
        throw new Error("--workloads: one or more of a,b,c,d");
      o.workloads = new Set(list);
    } else if (a === "--runs") o.runs = num(i++);
    else if (a === "--keystrokes") o.keystrokes = num(i++);
    else if (a === "--keystrokes-x10") o.keystrokesX10 = num(i++);
    else if (a === "--hovers") o.hovers = num(i++);
    else if (a === "--check-runs") o.checkRuns = num(i++);
    else if (a === "--start-runs") o.startRuns = num(i++);
    else if (a === "--seed") o.seed = num(i++);
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return o;
}

// ---- output ---------------------------------------------------------------------------------------------

const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(x < 10 ? 1 : 0) : "-");
const times = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) + "x" : "-");
const mib = (kib: number): string => (kib / 1024).toFixed(0);

/** Every figure, for the JSON summary (bench/tmp/bench-result.json and the last line printed). */
const summary: Record<string, unknown> = {};

function record(key: string, value: unknown): void {
  summary[key] = value;
}

/** A row: the label, then per build the cells, then new/old of the first number when there are two builds. */
function row(label: string, perBuild: string[], ratio?: [number, number]): string {
  const cells = perBuild.map((c) => c.padStart(26)).join("");
  const r = ratio && Number.isFinite(ratio[0] / ratio[1]) ? `   ${(ratio[0] / ratio[1]).toFixed(2)}` : "";
  return `  ${label.padEnd(36)}${cells}${r}`;
}

function header(builds: Build[]): string {
  return (
    row(
      "",
      builds.map((b) => b.label),
    ) + (builds.length > 1 ? "   new/old" : "")
  );
}

// ---- baseline -------------------------------------------------------------------------------------------

function git(args: string[], cwd = REPO): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** REF built in a temporary worktree under bench/tmp (node_modules linked to this one's). Returns its build. */
function buildBaseline(ref: string): { build: Build; remove: () => void } {
  const sha = git(["rev-parse", "--verify", `${ref}^{commit}`]);
  const dir = path.join(TMP, `baseline-${sha.slice(0, 12)}`);
  const remove = (): void => {
    try {
      git(["worktree", "remove", "--force", dir]);
    } catch {
      rmSync(dir, { recursive: true, force: true });
      try {
        git(["worktree", "prune"]);
      } catch {
        // nothing to prune
      }
    }
  };
  if (existsSync(dir)) remove();
  git(["worktree", "add", "--detach", dir, sha]);
  try {
    symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    console.error(`building ${ref} (${sha.slice(0, 12)}) in ${path.relative(REPO, dir)} ...`);
    const r = spawnSync("npm", ["run", "build"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
    if (r.status !== 0) throw new Error(`npm run build of ${ref} failed (${r.status ?? r.signal})`);
  } catch (e) {
    remove();
    throw e;
  }
  return { build: { label: `old ${ref.slice(0, 20)}`, dist: path.join(dir, "dist") }, remove };
}

// ---- 1. parse, whole process ----------------------------------------------------------------------------

function benchParse(builds: Build[], o: Options): void {
  const large = largeConfigPath();
  const rss = { preload: writeRssPreload(TMP), out: path.join(TMP, "rss.out") };
  const node: ProcessRun[] = [];
  const cli: ProcessRun[][] = builds.map(() => []);
  // One warm-up round (page cache), then N interleaved rounds.
  for (let round = -1; round < o.runs; round++) {
    const n = runNode(["-e", "0"], { cwd: REPO, rss });
    const order = round % 2 ? [...builds.keys()].reverse() : [...builds.keys()];
    const c: ProcessRun[] = [];
    for (const i of order) c[i] = runNode([path.join(builds[i].dist, "cli.js"), "parse", large], { cwd: REPO, rss });
    if (round < 0) continue;
    node.push(n);
    c.forEach((x, i) => cli[i].push(x));
  }
  const nodeMs = median(node.map((r) => r.ms));
  const nodeCpu = median(node.map((r) => r.cpuMs ?? NaN));
  const cliMs = cli.map((rs) => median(rs.map((r) => r.ms)));
  const cliCpu = cli.map((rs) => median(rs.map((r) => r.cpuMs ?? NaN)));
  console.log(`\n1. parse of large-config, whole process (median of ${o.runs}, interleaved with node -e 0)`);
  console.log(header(builds));
  console.log(
    row(
      "node -e 0 (ms, this run)",
      builds.map(() => ms(nodeMs)),
    ),
  );
  console.log(row("nginx-risk parse large-config (ms)", cliMs.map(ms), [cliMs[0], cliMs[1]]));
  console.log(
    row(
      "  ÷ node -e 0                (≤1.90x)",
      cliMs.map((c) => times(c / nodeMs)),
      [cliMs[0], cliMs[1]],
    ),
  );
  // CPU time (user + system) of the same runs: less inflated by other load than wall time.
  console.log(
    row(
      "  CPU time ÷ node -e 0's CPU time",
      cliCpu.map((c) => times(c / nodeCpu)),
      [cliCpu[0], cliCpu[1]],
    ),
  );
  record("parse", {
    runs: o.runs,
    nodeMs,
    cliMs,
    cliOverNode: cliMs.map((c) => c / nodeMs),
    nodeCpuMs: nodeCpu,
    cliCpuMs: cliCpu,
    cliCpuOverNodeCpu: cliCpu.map((c) => c / nodeCpu),
  });
}

// ---- 2. keystroke → diagnostics -------------------------------------------------------------------------

interface Edit {
  line: number;
  character: number;
  char: string;
}

/**
 * `pairs` seeded positions inside the first argument of a simple directive (`name arg...;` on one line, the
 * argument an unquoted word), each typed and then deleted again: the text is the original after every pair.
 */
function editPlan(text: string, pairs: number, seed: number): Edit[] {
  const lines = text.split("\n");
  const candidates: { line: number; start: number; length: number }[] = [];
  lines.forEach((l, line) => {
    const m = /^(\s*[a-z_][a-z0-9_]*\s+)([^\s;'"{}#$\\]+)[^{}#]*;\s*$/.exec(l);
    if (m) candidates.push({ line, start: m[1].length, length: m[2].length });
  });
  if (candidates.length === 0) throw new Error("no directive arguments to type into");
  const rnd = seeded(seed);
  const edits: Edit[] = [];
  for (let i = 0; i < pairs; i++) {
    const c = candidates[Math.floor(rnd() * candidates.length)];
    const character = c.start + 1 + Math.floor(rnd() * Math.max(1, c.length - 1));
    edits.push({ line: c.line, character, char: String.fromCharCode(97 + Math.floor(rnd() * 26)) });
  }
  return edits;
}

/** The LSP change of keystroke `k` of the plan: even ones type the character, odd ones delete it. */
function keystroke(plan: Edit[], k: number): { range: { start: Pos; end: Pos }; text: string } {
  const e = plan[k >> 1];
  const at = { line: e.line, character: e.character };
  return k % 2 === 0
    ? { range: { start: at, end: at }, text: e.char }
    : { range: { start: at, end: { line: e.line, character: e.character + 1 } }, text: "" };
}

interface Pos {
  line: number;
  character: number;
}

interface Session {
  client: BenchClient;
  version: number;
  /** The diagnostics published for the opened text, in a canonical form. */
  opened: string;
  /** Publications after a deletion (the text is the opened text again) whose diagnostics differ from `opened`. */
  mismatches: number;
}

/** Diagnostics in an order-independent form, to compare two publications. */
function canonical(p: PublishDiagnosticsParams): string {
  return JSON.stringify(p.diagnostics.map((d) => JSON.stringify(d)).sort());
}

/** Starts a server per build on the workload's folder, opens the file and waits for its first diagnostics. */
async function openSessions(builds: Build[], w: Workload, uri: string, text: string): Promise<Session[]> {
  const sessions: Session[] = [];
  for (const b of builds) {
    const client = new BenchClient(path.join(b.dist, "server.js"));
    await client.initialize(w.dir);
    const { params } = await client.waitPublish(uri, 1, () => client.open(uri, text, 1));
    sessions.push({ client, version: 1, opened: canonical(params), mismatches: 0 });
  }
  return sessions;
}

/**
 * Sends keystroke `k` to a session and resolves with ms from sending it to the publish of its version, and the
 * server's CPU time meanwhile.
 */
async function timeKeystroke(s: Session, uri: string, plan: Edit[], k: number): Promise<{ ms: number; cpuMs: number }> {
  const version = ++s.version;
  const cpu0 = s.client.cpuMs();
  const t0 = performance.now();
  const { at, params } = await s.client.waitPublish(uri, version, () =>
    s.client.change(uri, version, [keystroke(plan, k)]),
  );
  if (k % 2 === 1 && canonical(params) !== s.opened) s.mismatches++;
  return { ms: at - t0, cpuMs: s.client.cpuMs() - cpu0 };
}

const WARMUP_KEYSTROKES = 4;

interface KeystrokeResult {
  workload: string;
  lines: number;
  files: number;
  keystrokes: number;
  p50: number[];
  p95: number[];
  max: number[];
  /** Per build: the server's median CPU time per keystroke (10 ms ticks). */
  cpuP50: number[];
  /** Per build: publications for the opened text again whose diagnostics differed from the opening's. */
  mismatches: number[];
  /** Per build: how many such publications were compared. */
  compared: number;
}

async function benchWorkload(
  builds: Build[],
  w: Workload,
  count: number,
  seed: number,
  hovers = 0,
): Promise<{ result: KeystrokeResult; hover?: { ms: number[][]; beforePublish: number[] } }> {
  const uri = pathToFileURL(w.file).href;
  const text = readFileSync(w.file, "utf8");
  const total = WARMUP_KEYSTROKES + count + hovers;
  const plan = editPlan(text, Math.ceil(total / 2) + 1, seed);
  const sessions = await openSessions(builds, w, uri, text);
  const samples: number[][] = builds.map(() => []);
  const cpuSamples: number[][] = builds.map(() => []);
  const hoverMs: number[][] = builds.map(() => []);
  const beforePublish = builds.map(() => 0);
  try {
    let k = 0;
    for (; k < WARMUP_KEYSTROKES + count; k++) {
      // Alternate which build goes first, so neither always follows the other's GC or page faults.
      const order = k % 2 ? [...sessions.keys()].reverse() : [...sessions.keys()];
      for (const i of order) {
        const t = await timeKeystroke(sessions[i], uri, plan, k);
        if (k >= WARMUP_KEYSTROKES) {
          samples[i].push(t.ms);
          cpuSamples[i].push(t.cpuMs);
        }
      }
    }
    // A hover right after a keystroke, on the edited directive's name: answered at once, or after the analysis?
    for (let h = 0; h < hovers; h++, k++) {
      for (const i of sessions.keys()) {
        const s = sessions[i];
        const version = ++s.version;
        const e = plan[k >> 1];
        let hoverAt = 0;
        let hovered: Promise<number> | undefined;
        const published = s.client.waitPublish(uri, version, () => {
          s.client.change(uri, version, [keystroke(plan, k)]);
          hovered = s.client.timeHover(uri, e.line, firstWordColumn(text, e.line)).then((t) => {
            hoverAt = performance.now();
            return t;
          });
        });
        const { at: publishedAt, params } = await published;
        if (k % 2 === 1 && canonical(params) !== s.opened) s.mismatches++;
        hoverMs[i].push(await hovered!);
        if (hoverAt <= publishedAt) beforePublish[i]++;
      }
    }
  } finally {
    await Promise.all(sessions.map((s) => s.client.stop()));
  }
  const result: KeystrokeResult = {
    workload: w.name,
    lines: w.lines,
    files: w.files,
    keystrokes: count,
    p50: samples.map((x) => percentile(x, 50)),
    p95: samples.map((x) => percentile(x, 95)),
    max: samples.map((x) => Math.max(...x)),
    cpuP50: cpuSamples.map((x) => median(x)),
    mismatches: sessions.map((s) => s.mismatches),
    compared: Math.floor(total / 2),
  };
  return hovers > 0 ? { result, hover: { ms: hoverMs, beforePublish } } : { result };
}

function firstWordColumn(text: string, line: number): number {
  const l = text.split("\n", line + 1)[line] ?? "";
  return l.length - l.trimStart().length;
}

const KEYSTROKE_GOALS = ["", "≤20", "≤30", "≤45"];

async function benchKeystrokes(builds: Build[], o: Options): Promise<void> {
  const workloads: [string, () => Workload, number][] = [
    ["a", smallWorkload, o.keystrokes],
    ["b", incidentWorkload, o.keystrokes],
    ["c", largeWorkload, o.keystrokes],
    ["d", largeX10Workload, o.keystrokesX10],
  ];
  const results: KeystrokeResult[] = [];
  const goals: string[] = [];
  let hover: { ms: number[][]; beforePublish: number[] } | undefined;
  for (const [i, [key, make, count]] of workloads.entries()) {
    if (!o.workloads.has(key)) continue;
    const w = make();
    console.error(`  keystrokes: ${w.name} (${w.lines} lines, ${w.files} files), ${count} edits ...`);
    const r = await benchWorkload(builds, w, count, o.seed + i, key === "d" ? o.hovers : 0);
    results.push(r.result);
    goals.push(KEYSTROKE_GOALS[i]);
    if (r.hover) hover = r.hover;
  }
  const floor = o.workloads.has("a") ? results[0].p95 : builds.map(() => NaN);
  console.log(
    `\n2. keystroke → publishDiagnostics of that version, LSP stdio, debounceMs 0 (ms, this run; ` +
      `${WARMUP_KEYSTROKES} warm-up edits not counted)`,
  );
  console.log(header(builds));
  for (const [i, r] of results.entries()) {
    console.log(`  ${r.workload}: ${r.lines} lines in ${r.files} file(s), ${r.keystrokes} keystrokes`);
    console.log(
      row(
        `    p50 / p95 / max  ${goals[i] ? `(p95 goal ${goals[i]})` : ""}`,
        builds.map((_, b) => `${ms(r.p50[b])} / ${ms(r.p95[b])} / ${ms(r.max[b])}`),
        [r.p95[0], r.p95[1]],
      ),
    );
    console.log(row("    server CPU per keystroke, median", r.cpuP50.map(ms), [r.cpuP50[0], r.cpuP50[1]]));
    if (r.mismatches.some((m) => m > 0))
      console.log(
        row(
          "    STALE? diagnostics ≠ the opening's",
          builds.map((_, b) => `${r.mismatches[b]} of ${r.compared}`),
        ),
      );
    if (goals[i])
      console.log(
        row(
          "    p95 ÷ the floor's p95",
          builds.map((_, b) => times(r.p95[b] / floor[b])),
        ),
      );
  }
  if (hover) {
    const h = hover;
    console.log(`  hover sent right after an edit of (d) (goal: answered within 50 ms), ${h.ms[0].length} hovers:`);
    console.log(
      row(
        "    median / max (ms)",
        builds.map((_, b) => `${ms(median(h.ms[b]))} / ${ms(Math.max(...h.ms[b]))}`),
        [median(h.ms[0]), median(h.ms[1] ?? [])],
      ),
    );
    console.log(
      row(
        "    answered within 50 ms",
        builds.map((_, b) => `${h.ms[b].filter((x) => x <= 50).length} of ${h.ms[b].length}`),
      ),
    );
    console.log(
      row(
        "    answered before the diagnostics",
        builds.map((_, b) => `${h.beforePublish[b]} of ${h.ms[b].length}`),
      ),
    );
  }
  record("keystroke", {
    results: results.map((r) => ({ ...r, p95OverFloor: r.p95.map((x, b) => x / floor[b]) })),
    hover: hover ? { ms: hover.ms, answeredBeforePublish: hover.beforePublish } : null,
  });
}

// ---- 3. cold check of the 1M-line workspace -------------------------------------------------------------

function benchCheck(builds: Build[], o: Options): void {
  const w = millionLineWorkload();
  const preload = writeRssPreload(TMP);
  const rssOut = path.join(TMP, "rss.out");
  const node: ProcessRun[] = [];
  const wall: number[][] = builds.map(() => []);
  const rss: number[][] = builds.map(() => []);
  const cpu: number[][] = builds.map(() => []);
  console.error(`  check: ${w.name} (${w.lines} lines, ${w.files} files), ${o.checkRuns} run(s) per build ...`);
  for (let round = 0; round < o.checkRuns; round++) {
    node.push(runNode(["-e", "0"], { cwd: w.dir, rss: { preload, out: rssOut } }));
    const order = round % 2 ? [...builds.keys()].reverse() : [...builds.keys()];
    for (const i of order) {
      const r = runNode([path.join(builds[i].dist, "cli.js"), "check", w.file, "--fail-on", "never"], {
        cwd: w.dir,
        rss: { preload, out: rssOut },
      });
      wall[i].push(r.ms);
      rss[i].push(r.maxRssKiB ?? NaN);
      cpu[i].push(r.cpuMs ?? NaN);
    }
  }
  const nodeMs = median(node.map((r) => r.ms));
  const nodeCpu = median(node.map((r) => r.cpuMs ?? NaN));
  const wallMs = wall.map(median);
  const rssKiB = rss.map((x) => Math.max(...x));
  const cpuMs = cpu.map(median);
  console.log(
    `\n3. cold check of a generated workspace: ${w.lines} lines in ${w.files} files ` +
      `(median of ${o.checkRuns}; peak RSS: the CLI process's process.resourceUsage().maxRSS, from a preload)`,
  );
  console.log(header(builds));
  console.log(
    row(
      "node -e 0 (ms, this run)",
      builds.map(() => ms(nodeMs)),
    ),
  );
  console.log(row("nginx-risk check (ms)       (<5000)", wallMs.map(ms), [wallMs[0], wallMs[1]]));
  console.log(
    row(
      "  ÷ node -e 0",
      wallMs.map((x) => times(x / nodeMs)),
    ),
  );
  console.log(row("  CPU time, user + system (ms)", cpuMs.map(ms), [cpuMs[0], cpuMs[1]]));
  console.log(
    row(
      "    ÷ node -e 0's CPU time",
      cpuMs.map((x) => times(x / nodeCpu)),
    ),
  );
  console.log(row("peak RSS (MiB)              (<1024)", rssKiB.map(mib), [rssKiB[0], rssKiB[1]]));
  record("check", {
    lines: w.lines,
    files: w.files,
    runs: o.checkRuns,
    nodeMs,
    nodeCpuMs: nodeCpu,
    wallMs,
    cpuMs,
    maxRssKiB: rssKiB,
  });
}

// ---- 4. server start → first diagnostics ----------------------------------------------------------------

async function benchStart(builds: Build[], o: Options): Promise<void> {
  const w = largeWorkload();
  const uri = pathToFileURL(w.file).href;
  const text = readFileSync(w.file, "utf8");
  // V8's code cache (lsp/boot.ts) in a folder per build, written by the first start (the warm-up round) as
  // it is after installing; and starts without it (NGINX_RISK_CODE_CACHE=off), as the very first start is.
  const cacheDirs = builds.map((_, i) => path.join(TMP, `code-cache-${i}`));
  for (const d of cacheDirs) rmSync(d, { recursive: true, force: true });
  const node: number[] = [];
  const first: number[][] = builds.map(() => []);
  const uncached: number[][] = builds.map(() => []);
  const startOnce = async (i: number, cache: string): Promise<number> => {
    const env = { ...process.env, NGINX_RISK_CODE_CACHE: cache };
    const client = new BenchClient(path.join(builds[i].dist, "server.js"), undefined, env);
    try {
      await client.initialize(w.dir);
      const { at } = await client.waitPublish(uri, 1, () => client.open(uri, text, 1));
      return at - client.spawnedAt;
    } finally {
      await client.stop();
    }
  };
  for (let round = -1; round < o.startRuns; round++) {
    const n = runNode(["-e", "0"], { cwd: REPO }).ms;
    const order = round % 2 ? [...builds.keys()].reverse() : [...builds.keys()];
    for (const i of order) {
      // Which goes first alternates too: in one run the first of two starts was ~30 ms slower either way.
      let cached: number, bare: number;
      if (round % 2) {
        cached = await startOnce(i, cacheDirs[i]);
        bare = await startOnce(i, "off");
      } else {
        bare = await startOnce(i, "off");
        cached = await startOnce(i, cacheDirs[i]);
      }
      if (round >= 0) {
        first[i].push(cached);
        uncached[i].push(bare);
      }
    }
    if (round >= 0) node.push(n);
  }
  for (const d of cacheDirs) rmSync(d, { recursive: true, force: true });
  const nodeMs = median(node);
  const firstMs = first.map(median);
  const uncachedMs = uncached.map(median);
  // What a start compiles: the entry and, where there is one (lsp/boot.ts), the bundle it starts.
  const bytes = builds.map((b) =>
    ["server.js", "server-bundle.js"].reduce((sum, f) => {
      const p = path.join(b.dist, f);
      return sum + (existsSync(p) ? statSync(p).size : 0);
    }, 0),
  );
  console.log(`\n4. server start → first diagnostics of large-config (median of ${o.startRuns}, spawn to publish)`);
  console.log(header(builds));
  console.log(row("spawn → first diagnostics (ms)", firstMs.map(ms), [firstMs[0], firstMs[1]]));
  console.log(
    row(
      "node -e 0 (ms, this run)",
      builds.map(() => ms(nodeMs)),
    ),
  );
  console.log(
    row(
      "  less node -e 0 (ms)        (≤250)",
      firstMs.map((x) => ms(x - nodeMs)),
      [firstMs[0] - nodeMs, firstMs[1] - nodeMs],
    ),
  );
  console.log(
    row(
      "  without a code cache (ms, less node)",
      uncachedMs.map((x) => ms(x - nodeMs)),
      [uncachedMs[0] - nodeMs, uncachedMs[1] - nodeMs],
    ),
  );
  console.log(row("dist/server*.js (bytes)", bytes.map(String), [bytes[0], bytes[1]]));
  record("start", {
    runs: o.startRuns,
    nodeMs,
    firstDiagnosticsMs: firstMs,
    withoutCodeCacheMs: uncachedMs,
    serverJsBytes: bytes,
  });
}

// ---- main -----------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  mkdirSync(TMP, { recursive: true });
  const t0 = performance.now();
  const current: Build = { label: "new (this tree)", dist: path.join(REPO, "dist") };
  for (const f of ["cli.js", "server.js"])
    if (!existsSync(path.join(current.dist, f))) throw new Error(`dist/${f} is missing: run npm run build`);
  const builds = [current];
  let removeBaseline: (() => void) | null = null;
  if (o.baseline) {
    const b = buildBaseline(o.baseline);
    builds.push(b.build);
    removeBaseline = b.remove;
    process.on("SIGINT", () => {
      b.remove();
      process.exit(130);
    });
  }
  try {
    const load = os.loadavg()[0].toFixed(1);
    console.log(
      `nginx-risk bench: node ${process.version}, ${os.cpus().length} cores, load average ${load} at start${o.quick ? ", --quick" : ""}`,
    );
    console.log("Times are this run's, in ms; compare only ratios (and new/old), never one absolute time.");
    if (builds.length > 1)
      console.log(`Builds: ${builds.map((b) => `${b.label} = ${path.relative(REPO, b.dist)}`).join(", ")}`);
    record("node", process.version);
    record("loadAverageAtStart", os.loadavg()[0]);
    record(
      "builds",
      builds.map((b) => b.label),
    );
    if (o.only.has("parse")) benchParse(builds, o);
    if (o.only.has("keystroke")) await benchKeystrokes(builds, o);
    if (o.only.has("check")) benchCheck(builds, o);
    if (o.only.has("start")) await benchStart(builds, o);
  } finally {
    removeBaseline?.();
  }
  const seconds = (performance.now() - t0) / 1000;
  record("benchSeconds", seconds);
  record("loadAverageAtEnd", os.loadavg()[0]);
  console.log(`\nbench time ${seconds.toFixed(0)} s, load average ${os.loadavg()[0].toFixed(1)} at the end`);
  const json = JSON.stringify(summary);
  writeFileSync(path.join(TMP, "bench-result.json"), json + "\n");
  console.log(json);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
