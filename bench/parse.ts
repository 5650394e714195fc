// In-process parser benchmark (`npm run bench -- --in-process`; bench/run.mjs bundles this file and runs it).
// The whole-process figure (`nginx-risk parse` ÷ `node -e 0`) is bench/main.ts's.
//
// Everything is measured in the same run, warm (warm-up iterations, then the median of N runs), and
// reported as ratios: absolute times drift from run to run on the shared 2-core machines
// (../shared/docs/performance.md). Nothing here asserts a time.

import { execFileSync } from "child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import type { Node } from "../server/src/parse/ast";
import { parse } from "../server/src/parse/parser";
import { scan } from "../server/src/parse/scanner";

const REPO = path.resolve(__dirname, "..", "..");
const TMP = path.join(REPO, "bench", "tmp");
const LARGE_REL = "corpus/nginxinc+nginx-go-crossplane/testdata/configs/large-config/nginx.conf";
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
      benchSeconds: round(totalS),
    }),
  );
}

main();
