// Parser benchmark (run with `npm run bench`; bench/parse.mjs bundles this file and runs it).
//
// Everything is measured in the same run, warm (warm-up iterations, then the median of N runs), and
// reported as ratios: absolute times drift from run to run on the shared 2-core machines
// (../shared/docs/performance.md). Nothing here asserts a time.

import { execFileSync, spawnSync } from "child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import type { Node } from "../server/src/parse/ast";
import { parse } from "../server/src/parse/parser";
import { scan } from "../server/src/parse/scanner";

const REPO = path.resolve(__dirname, "..", "..");
const TMP = path.join(REPO, "bench", "tmp");
const LARGE_REL = "corpus/nginxinc+nginx-go-crossplane/testdata/configs/large-config/nginx.conf";
/** nginx-go-crossplane Parse + JSON, whole process, on large-config: measured on ANOTHER run (performance.md). */
const GO_CROSSPLANE_LARGE_MS = 151;
/** Wall-clock budget of one measurement (warm-up excluded); N shrinks to fit it. */
const BUDGET_MS = 4000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median time (ms) of `fn` after `warmup` calls; at most `maxRuns` runs, fewer if they exceed the budget. */
function measure(fn: () => unknown, warmup = 3, maxRuns = 15, minRuns = 5): { ms: number; runs: number } {
  let slowest = 0;
  for (let i = 0; i < warmup; i++) {
    const t0 = performance.now();
    fn();
    slowest = Math.max(slowest, performance.now() - t0);
  }
  const runs = Math.max(minRuns, Math.min(maxRuns, Math.floor(BUDGET_MS / Math.max(slowest, 0.01))));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), runs };
}

/** Median wall time (ms) of a whole process, stdout discarded; throws if it fails. */
function measureProcess(args: string[], warmup = 1, runs = 7): number {
  const once = (): number => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${String(r.stderr).slice(0, 500)}`);
    return ms;
  };
  for (let i = 0; i < warmup; i++) once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(once());
  return median(times);
}

/** large-config from the shared corpus (decompressed into bench/tmp when only the .bz2 is there). */
function largeConfigPath(): string {
  const p = path.resolve(REPO, "..", "shared", LARGE_REL);
  if (existsSync(p)) return p;
  if (existsSync(p + ".bz2")) {
    const out = path.join(TMP, "large-config.nginx.conf");
    if (!existsSync(out)) writeFileSync(out, execFileSync("bzip2", ["-dc", p + ".bz2"], { maxBuffer: 1 << 28 }));
    return out;
  }
  throw new Error(`large-config not found at ${p}(.bz2)`);
}

/** ../shared/tools/gen_incident_conf.py, variant `base`: one server with `n` one-line locations. */
function generatedConfig(n: number, prefix = "/tmp/nginx-risk-bench", port = 8080): string {
  const out: string[] = [
    "worker_processes 1;",
    "master_process on;",
    "daemon off;",
    `pid ${prefix}/nginx.pid;`,
    `error_log ${prefix}/error.log notice;`,
    "events { worker_connections 128; }",
    "http {",
    "    access_log off;",
  ];
  for (const t of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    out.push(`    ${t}_temp_path ${prefix}/tmp_${t};`);
  out.push("    server {", `        listen 127.0.0.1:${port};`, "        server_name localhost;");
  for (let i = 0; i < n; i++) out.push(`        location /l${i} { return 200 'l${i}\\n'; }`);
  out.push("    }", "}");
  return out.join("\n") + "\n"; // python's print() adds the final newline
}

function countDirectives(nodes: Node[]): number {
  let n = 0;
  for (const x of nodes) {
    if (x.kind !== "directive") continue;
    n++;
    if (x.block) n += countDirectives(x.block.children);
  }
  return n;
}

interface InputResult {
  name: string;
  bytes: number;
  lines: number;
  directives: number;
  errors: number;
  scanMs: number;
  parseMs: number;
  parseJsonMs: number;
  parseOverScan: number;
  parseJsonOverParse: number;
  runs: number;
}

function benchInput(name: string, text: string): InputResult {
  const tree = parse(text);
  const s = measure(() => scan(text), 3, 21);
  const p = measure(() => parse(text), 3, 15);
  const pj = measure(() => JSON.stringify(parse(text)), 3, 15);
  return {
    name,
    bytes: Buffer.byteLength(text),
    lines: tree.lineCount,
    directives: countDirectives(tree.children),
    errors: tree.errors.length,
    scanMs: s.ms,
    parseMs: p.ms,
    parseJsonMs: pj.ms,
    parseOverScan: p.ms / s.ms,
    parseJsonOverParse: pj.ms / p.ms,
    runs: Math.min(s.runs, p.runs, pj.runs),
  };
}

function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

function main(): void {
  const t0 = performance.now();
  mkdirSync(TMP, { recursive: true });
  const largePath = largeConfigPath();
  const inputs: [string, string][] = [
    ["large-config", readFileSync(largePath, "utf8")],
    ["generated-4000-locations", generatedConfig(4000)],
  ];
  const results = inputs.map(([name, text]) => benchInput(name, text));

  const f = (x: number): string => x.toFixed(1);
  console.log("In-process, warm, median (ms); ratios are within this run:");
  console.log(
    [
      "input".padEnd(26),
      pad("bytes", 9),
      pad("lines", 7),
      pad("dirs", 7),
      pad("errs", 5),
      pad("scan", 7),
      pad("parse", 7),
      pad("parse/scan", 11),
      pad("parse+JSON", 11),
      pad("(p+J)/parse", 12),
      pad("N", 4),
    ].join(" "),
  );
  for (const r of results) {
    console.log(
      [
        r.name.padEnd(26),
        pad(r.bytes, 9),
        pad(r.lines, 7),
        pad(r.directives, 7),
        pad(r.errors, 5),
        pad(f(r.scanMs), 7),
        pad(f(r.parseMs), 7),
        pad(r.parseOverScan.toFixed(2) + "x", 11),
        pad(f(r.parseJsonMs), 11),
        pad(r.parseJsonOverParse.toFixed(2) + "x", 12),
        pad(r.runs, 4),
      ].join(" "),
    );
  }
  console.log(
    "(the generated config follows ../shared/tools/gen_incident_conf.py `base 4000`: one line per location, so it is\n" +
      " smaller than performance.md's 28,018-line generated input; do not compare it with that row)",
  );

  const nodeStartMs = measureProcess(["-e", "0"]);
  const cliPath = path.join(REPO, "dist", "cli.js");
  let cliMs: number | null = null;
  let cliError: string | null = null;
  if (existsSync(cliPath)) {
    try {
      cliMs = measureProcess([cliPath, "parse", largePath], 1, 5);
    } catch (e) {
      cliError = (e as Error).message;
    }
  }
  const cliLessNode = cliMs === null ? null : cliMs - nodeStartMs;
  const overAnchor = cliLessNode === null ? null : cliLessNode / GO_CROSSPLANE_LARGE_MS;

  console.log("\nWhole process, median wall time (ms):");
  console.log(`  node -e 0 (Node's bare start)            ${f(nodeStartMs)}`);
  if (cliMs !== null && cliLessNode !== null && overAnchor !== null) {
    console.log(`  node dist/cli.js parse large-config      ${f(cliMs)}`);
    console.log(`  cli - node start                         ${f(cliLessNode)}`);
    console.log(
      `  (cli - node start) / go-crossplane anchor ${overAnchor.toFixed(2)}  (target <= 0.67, i.e. 1.5x faster)\n` +
        `  NOTE: the anchor (${GO_CROSSPLANE_LARGE_MS} ms, nginx-go-crossplane Parse + JSON, whole process) was measured on ANOTHER\n` +
        "  run (../shared/docs/performance.md); only the ratios between numbers of this run are reliable.",
    );
  } else {
    console.log(
      `  node dist/cli.js parse large-config      ${cliError ? "FAILED: " + cliError : "skipped (no dist/cli.js)"}`,
    );
  }
  const totalS = (performance.now() - t0) / 1000;
  console.log(`\nbench time ${totalS.toFixed(1)} s`);

  const round = (x: number): number => Math.round(x * 1000) / 1000;
  console.log(
    JSON.stringify({
      bench: "parse",
      node: process.version,
      inputs: results.map((r) => ({
        ...r,
        scanMs: round(r.scanMs),
        parseMs: round(r.parseMs),
        parseJsonMs: round(r.parseJsonMs),
        parseOverScan: round(r.parseOverScan),
        parseJsonOverParse: round(r.parseJsonOverParse),
      })),
      nodeStartMs: round(nodeStartMs),
      cliParseLargeMs: cliMs === null ? null : round(cliMs),
      cliError,
      cliLessNodeStartMs: cliLessNode === null ? null : round(cliLessNode),
      cliLessNodeStartOverGoCrossplane: overAnchor === null ? null : round(overAnchor),
      goCrossplaneAnchorMs: GO_CROSSPLANE_LARGE_MS,
      anchorMeasuredOnAnotherRun: true,
      benchSeconds: round(totalS),
    }),
  );
}

main();
