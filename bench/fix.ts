// `nginx-risk fix --diff` against `nginx-risk check` on the same files (the built dist/cli.js, as a user
// runs it), at 2,500 and 10,000 locations where the fix writes the bundle into half of them: what fixing
// costs over checking, and how both grow with 4× the locations (linear: up to 4×, start-up included).
// Each process reports its own CPU time (`process.cpuUsage()`, from a preloaded hook): other load on the
// shared machine inflates it far less than wall time. Ratios within this run, never one absolute time.
// Run with `npm run bench -- --in-process` (it builds dist/ first).

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** bench/tmp/fix.js, where bench/run.mjs bundles this file. */
const CLI = path.resolve(__dirname, "..", "..", "dist", "cli.js");

/** One server; half its locations proxy to https (the fix moves the bundle into them), half to a variable. */
function proxyConfig(n: number): string {
  const out = [
    "events { }",
    "http {",
    "    proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
    "    proxy_ssl_verify on;",
    "    server {",
    "        listen 127.0.0.1:8080;",
  ];
  for (let i = 0; i < n / 2; i++) {
    out.push(
      `        location /tls${i}/ {`,
      `            proxy_pass https://127.0.0.1:${9443 + (i % 7)};`,
      "        }",
    );
    out.push(`        location /plain${i}/ {`, "            proxy_pass http://$host$uri;", "        }");
  }
  out.push("    }", "}", "");
  return out.join("\n");
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-bench-fix-"));
const hook = path.join(dir, "cpu-time.js");
fs.writeFileSync(
  hook,
  'process.on("exit", () => { const u = process.cpuUsage(); require("fs").writeFileSync(process.env.NGINX_RISK_CPU_OUT, String((u.user + u.system) / 1000)); });\n',
);

/** Median CPU milliseconds of three runs of the CLI. */
function cpuMs(args: string[], cwd: string): number {
  const out = path.join(dir, "cpu.txt");
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, ["--require", hook, CLI, ...args], {
      cwd,
      stdio: "ignore",
      env: { ...process.env, NGINX_RISK_CPU_OUT: out },
    });
    if (r.status !== 0) throw new Error(`${args.join(" ")}: exit ${r.status}`);
    times.push(Number(fs.readFileSync(out, "utf8")));
  }
  return median(times);
}

const results = new Map<number, { check: number; fix: number }>();
try {
  if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
  const versions = ["--nginx-version", "1.22.1"];
  for (const n of [2500, 10_000]) {
    const work = path.join(dir, String(n));
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, "nginx.conf"), proxyConfig(n));
    const check = cpuMs(["check", "nginx.conf", "--fail-on", "never", ...versions], work);
    const fix = cpuMs(["fix", "nginx.conf", "--diff", ...versions], work);
    results.set(n, { check, fix });
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log("\nfix --diff (a move into half the locations) ÷ check of the same files, CPU time, within this run:");
for (const [n, r] of results)
  console.log(`  ${n.toLocaleString("en-US").padStart(6)} locations   fix ÷ check ${(r.fix / r.check).toFixed(2)}×`);
const small = results.get(2500)!;
const large = results.get(10_000)!;
console.log(
  `  10,000 ÷ 2,500 locations   fix ${(large.fix / small.fix).toFixed(2)}×   check ${(large.check / small.check).toFixed(2)}×   (linear: up to 4×)`,
);
