// Analysis benchmark: what the risk engine (include expansion, effective-configuration model, cost report,
// every rule) adds on top of parsing, measured in the same run and reported as a ratio to the parse alone.
// Run with `npm run bench` (`npm run bench -- --in-process`: bench/run.mjs bundles and runs it after the parser benchmark). Nothing here
// asserts a time: the machines are shared and noisy (../shared/docs/performance.md).

import { performance } from "perf_hooks";
import { buildModel } from "../server/src/model";
import { parse } from "../server/src/parse/parser";
import { runChecks } from "../server/src/rules";
import { fixesFor } from "../server/src/fix";
import { loadConfiguration } from "../server/src/workspace/configuration";
import { completionsAt } from "../server/src/complete/completion";
import { configSymbols } from "../server/src/complete/symbols";
import { formatText } from "../server/src/format/format";
import { documentSymbols, foldingRanges } from "../server/src/navigate";
import { MemoryFileSource } from "../server/src/workspace/files";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function measure(fn: () => unknown, warmup = 3, runs = 11): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** The incident's shape (gen_incident_conf.py `lua_cert`): http-level bundle, one server, `n` locations. */
function incidentConfig(n: number): string {
  const out = [
    "load_module /usr/lib/nginx/modules/ndk_http_module.so;",
    "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;",
    "events { worker_connections 128; }",
    "http {",
    "    lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
    "    lua_ssl_verify_depth 3;",
    "    server {",
    "        listen 127.0.0.1:8080;",
  ];
  for (let i = 0; i < n; i++) out.push(`        location /l${i} { return 200 'l${i}\\n'; }`);
  out.push("    }", "}");
  return out.join("\n") + "\n";
}

const rows: string[] = [];
const editorRows: string[] = [];
for (const n of [100, 1000, 4000]) {
  const text = incidentConfig(n);
  const source = new MemoryFileSource({ "/bench/nginx.conf": text });
  const options = { strict: false, nginxVersion: "1.22.1", luaNginxModuleVersion: "0.10.23" };
  const parseMs = measure(() => parse(text));
  let contexts = 0;
  const analysisMs = measure(() => {
    // A fresh configuration each time, as after an edit: parse, includes, model, cost report, every rule.
    const config = loadConfiguration("/bench/nginx.conf", { source, defaultMapping: false });
    const findings = runChecks(config, { ...options }, buildModel(config));
    contexts = findings.reduce((sum, f) => sum + (typeof f.data?.contexts === "number" ? f.data.contexts : 0), 0);
  });
  // The quick-fixes of that analysis (what the editor computes once per analysis for the light bulb):
  // each fix is applied in memory and the configuration read again to check it.
  const config = loadConfiguration("/bench/nginx.conf", { source, defaultMapping: false });
  const model = buildModel(config);
  const findings = runChecks(config, { ...options, source }, model);
  let fixes = 0;
  const fixMs = measure(() => {
    fixes = fixesFor(config, findings, { ...options, source }, model).filter((f) => f.edits.length > 0).length;
  });
  // What the editor asks for besides diagnostics, each over the same text (the tree as the server keeps it).
  const parsed = parse(text);
  const ratio = (ms: number): string => `${(ms / parseMs).toFixed(2)}×`.padStart(7);
  const outlineMs = measure(() => documentSymbols(parsed));
  const foldMs = measure(() => foldingRanges(parsed));
  // The formatter parses its result again to prove the tree unchanged: about two parses by design.
  const formatMs = measure(() => formatText(text, { tabSize: 4, insertSpaces: true }), 1, 5);
  const middle = text.split("\n").findIndex((l) => l.includes(`/l${n >> 1} `));
  const symbols = configSymbols([config]);
  const completeMs = measure(() =>
    completionsAt({ text, parsed, position: { line: middle, character: 8 }, topContexts: ["main"], symbols }),
  );
  editorRows.push(
    `  ${String(n).padStart(5)} locations   outline ${ratio(outlineMs)}   folding ${ratio(foldMs)}   ` +
      `format ${ratio(formatMs)}   completion ${ratio(completeMs)}`,
  );
  rows.push(
    `  ${String(n).padStart(5)} locations  ${String(contexts).padStart(5)} contexts   parse ${parseMs.toFixed(1).padStart(6)}   ` +
      `analysis ${analysisMs.toFixed(1).padStart(6)}   analysis ÷ parse ${(analysisMs / parseMs).toFixed(2)}×   ` +
      `${fixes} fix${fixes === 1 ? "" : "es"} ${fixMs.toFixed(1).padStart(6)}   fixes ÷ analysis ${(fixMs / analysisMs).toFixed(2)}×`,
  );
}
console.log("\nRisk engine, in-process, warm, median (ms); the ratio is within this run:");
for (const r of rows) console.log(r);
console.log("\nEditor requests ÷ parse of the same text, within this run:");
for (const r of editorRows) console.log(r);
