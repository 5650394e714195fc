// The estimate against a running nginx: start the real master (Debian nginx 1.22.1 + lua-nginx-module
// 0.10.23), read its RSS once the worker is up (≈ estimatedBytes), reload it with SIGHUP and read its
// high-water mark once the new worker is up (≈ reloadPeakBytes). The calibration test checks the model
// against memory-model.md's table; this one checks it on this machine, on configurations that mix modules,
// which the table does not have. Tolerance ±15%, as for the calibration.

import { strict as assert } from "assert";
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { writeSelfSignedPair } from "../support/certs";
import { haveLuaModule, LUA_MODULES, oracleVersions } from "../support/nginx";
import { nginxBinary } from "../support/shared";

const BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const TOLERANCE = 0.15;

interface LiveCase {
  name: string;
  /** The http block's body. */
  http: (port: () => number) => string;
}

const locations = (n: number, body: (i: number) => string): string =>
  Array.from({ length: n }, (_, i) => `location /l${i} { ${body(i)} }`).join("\n        ");

const CASES: LiveCase[] = [
  {
    name: "lua bundle at http, 1 server + 120 locations",
    http: (port) =>
      `lua_ssl_trusted_certificate ${BUNDLE};\n` +
      `    server { listen 127.0.0.1:${port()};\n        ${locations(120, (i) => `return 200 'l${i}';`)}\n    }`,
  },
  {
    // lua in one server only (its 41 location configurations), https proxying with verification in 40
    // locations of a second server (per location before 1.23.1), and a TLS server loading a client list.
    name: "mixed: lua in one server, proxy_ssl verify in another, TLS servers with client verification",
    http: (port) =>
      `proxy_ssl_trusted_certificate ${BUNDLE}; proxy_ssl_verify on;\n` +
      `    server { listen 127.0.0.1:${port()}; lua_ssl_trusted_certificate ${BUNDLE};\n        ${locations(40, () => "return 204;")}\n    }\n` +
      `    server { listen 127.0.0.1:${port()};\n        ${locations(40, () => "proxy_pass https://127.0.0.1:9;")}\n    }\n` +
      [1, 2, 3]
        .map(
          () =>
            `    server { listen 127.0.0.1:${port()} ssl; ssl_certificate cert.pem; ssl_certificate_key key.pem; ` +
            `ssl_verify_client on; ssl_client_certificate ${BUNDLE}; }`,
        )
        .join("\n"),
  },
];

function status(pid: number, key: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no ${key} for ${pid}`);
  return Number(m[1]) * 1024;
}

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function workerStarts(log: string): number {
  return fs.existsSync(log) ? (fs.readFileSync(log, "utf8").match(/start worker process \d+/g) ?? []).length : 0;
}

const within = (actual: number, estimate: number): boolean => Math.abs(estimate - actual) / actual <= TOLERANCE;
const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

describe("the estimate against a running nginx master (start, then reload)", function () {
  this.timeout(120_000);
  let port = 19400;
  for (const c of CASES) {
    it(c.name, async function () {
      if (!nginxBinary() || !haveLuaModule() || !fs.existsSync(BUNDLE)) {
        if (process.env.CI) throw new Error("CI must install nginx, libnginx-mod-http-lua and ca-certificates");
        this.skip();
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-live-"));
      let nginx: ChildProcess | undefined;
      try {
        writeSelfSignedPair(dir);
        const conf = path.join(dir, "nginx.conf");
        const log = path.join(dir, "error.log");
        fs.writeFileSync(
          conf,
          [
            LUA_MODULES,
            "worker_processes 1;",
            "daemon off;",
            `pid ${dir}/nginx.pid;`,
            `error_log ${log} notice;`,
            "events { worker_connections 64; }",
            "http {",
            "    access_log off;",
            ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path tmp_${t};`),
            `    ${c.http(() => port++)}`,
            "}",
            "",
          ].join("\n"),
        );
        const findings = runCheck({
          inputs: [],
          root: conf,
          mappings: [],
          strict: false,
          // The versions of the nginx that is measured.
          ...oracleVersions(),
        }).findings.filter((f) => typeof f.data?.estimatedBytes === "number");
        assert.ok(findings.length > 0, "no cost finding");
        const estimated = Number(findings[0].data?.estimatedBytes);
        const peak = Number(findings[0].data?.reloadPeakBytes);

        // Own process group, stopped by group id; stdio ignored (the log is the file).
        nginx = spawn(nginxBinary()!, ["-c", conf, "-p", dir, "-e", log], { detached: true, stdio: "ignore" });
        await waitFor("the first worker", () => workerStarts(log) >= 1, 60_000);
        const pid = Number(fs.readFileSync(path.join(dir, "nginx.pid"), "utf8"));
        const rss = status(pid, "VmRSS");
        process.kill(pid, "SIGHUP");
        await waitFor("the worker after the reload", () => workerStarts(log) >= 2, 90_000);
        const hwm = status(pid, "VmHWM");
        const report = `master ${mib(rss)} vs estimate ${mib(estimated)}; reload peak ${mib(hwm)} vs ${mib(peak)}`;
        if (process.env.NGINX_RISK_VERBOSE) console.log(`      ${report}`);
        assert.ok(within(rss, estimated), report);
        assert.ok(within(hwm, peak), report);
      } finally {
        if (nginx?.pid) {
          try {
            process.kill(-nginx.pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
