// `nginx-risk fix --diff` is linear in the size of the change: the built CLI (dist/cli.js) on two
// generated configurations where the fix moves the bundle into half of N locations, N = 2,500 and 10,000,
// in the same run. Work is compared as the CPU time of each process (its own `process.cpuUsage()`, written
// by a preloaded hook), which another agent's load on the machine does not inflate as it does wall time.
// Linear work gives a ratio up to 4 (measured: 1.8 to 2.3, start-up included); the quadratic version this
// replaces gave 32 and 42 (2.4 s → 77 s and 2.0 s → 84 s of CPU), so the bound of 6 leaves room for noise.
// `check` on the same files is the yardstick: the ratio fix ÷ check is printed.
//
// The diff itself is checked too: `git apply` turns the files into what `fix --write` writes, and it has
// as many changed lines as GNU `diff -u` (a move into thousands of locations is nothing but insertions).

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/shared";

const CLI = path.join(REPO, "dist", "cli.js");
const VERSIONS = ["--nginx-version", "1.22.1", "--lua-nginx-module-version", "0.10.23"];
/** A process that ran this long is stuck (quadratic: 10,000 locations took 180 s): fail instead of waiting. */
const STUCK_MS = 240_000;

/** Half the locations need the bundle: the fix writes it into each of them. */
function proxyConfig(n: number): string {
  const locations: string[] = [];
  for (let i = 0; i < n / 2; i++) {
    locations.push(
      `        location /tls${i}/ {`,
      `            proxy_pass https://127.0.0.1:${9443 + (i % 7)};`,
      "        }",
    );
    locations.push(`        location /plain${i}/ {`, "            proxy_pass http://$host$uri;", "        }");
  }
  return [
    "events { }",
    "http {",
    "    proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
    "    proxy_ssl_verify on;",
    "    server {",
    "        listen 127.0.0.1:8080;",
    ...locations,
    "    }",
    "}",
    "",
  ].join("\n");
}

function luaConfig(n: number): string {
  const locations: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0)
      locations.push(`        location /lua${i} {`, "            content_by_lua_block { ngx.say('x') }", "        }");
    else locations.push(`        location /l${i} { return 200; }`);
  }
  return [
    "load_module /usr/lib/nginx/modules/ndk_http_module.so;",
    "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;",
    "events { }",
    "http {",
    "    lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
    "    server {",
    "        listen 127.0.0.1:8080;",
    ...locations,
    "    }",
    "}",
    "",
  ].join("\n");
}

describe("nginx-risk fix --diff: linear in the size of the change", function () {
  this.timeout(4 * STUCK_MS);
  let dir: string;
  let hook: string;

  before(function () {
    if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-fix-scale-"));
    hook = path.join(dir, "cpu-time.js");
    fs.writeFileSync(
      hook,
      'process.on("exit", () => { const u = process.cpuUsage(); require("fs").writeFileSync(process.env.NGINX_RISK_CPU_OUT, String((u.user + u.system) / 1000)); });\n',
    );
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs the CLI; its output and the CPU milliseconds it used. */
  function run(args: string[], cwd: string): { code: number; stdout: string; stderr: string; cpuMs: number } {
    const out = path.join(dir, "cpu.txt");
    fs.rmSync(out, { force: true });
    const r = spawnSync(process.execPath, ["--require", hook, CLI, ...args], {
      cwd,
      encoding: "utf8",
      maxBuffer: 1 << 28,
      timeout: STUCK_MS,
      env: { ...process.env, NGINX_RISK_CPU_OUT: out },
    });
    assert.equal(r.error, undefined, `${args.join(" ")}: ${r.error?.message}`);
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, cpuMs: Number(fs.readFileSync(out, "utf8")) };
  }

  for (const [shape, make] of [
    ["proxy_ssl into the https half", proxyConfig],
    ["lua_ssl into the Lua half", luaConfig],
  ] as const) {
    it(`${shape}: 10,000 vs 2,500 locations, CPU time ratio < 6; the diff applies and is as short as GNU diff's`, function () {
      const cpu = new Map<number, { fix: number; check: number }>();
      for (const n of [2500, 10_000]) {
        const work = path.join(dir, `${shape.split(" ")[0]}-${n}`);
        fs.mkdirSync(work);
        const text = make(n);
        fs.writeFileSync(path.join(work, "nginx.conf"), text);
        const check = run(["check", "nginx.conf", "--format", "json", "--fail-on", "never", ...VERSIONS], work);
        assert.equal(check.code, 0, check.stderr);
        const fix = run(["fix", "nginx.conf", "--diff", ...VERSIONS], work);
        assert.equal(fix.code, 0, fix.stderr);
        assert.match(fix.stderr, new RegExp(`into the ${(n / 2).toLocaleString("en-US")} locations`));
        cpu.set(n, { fix: fix.cpuMs, check: check.cpuMs });

        // The diff: git apply gives what --write writes; GNU diff finds as many changed lines.
        const written = path.join(work, "written");
        fs.mkdirSync(written);
        fs.writeFileSync(path.join(written, "nginx.conf"), text);
        const w = run(["fix", "nginx.conf", "--write", "--no-backup", ...VERSIONS], written);
        assert.equal(w.code, 0, w.stderr);
        const after = fs.readFileSync(path.join(written, "nginx.conf"), "utf8");
        const applied = spawnSync("git", ["apply", "-"], { cwd: work, input: fix.stdout });
        assert.equal(applied.status, 0, `git apply: ${applied.stderr}`);
        assert.ok(
          fs.readFileSync(path.join(work, "nginx.conf"), "utf8") === after,
          "git apply gives what --write writes",
        );
        fs.writeFileSync(path.join(work, "nginx.conf"), text);
        const gnu = spawnSync("diff", ["-u", "nginx.conf", path.join("written", "nginx.conf")], {
          cwd: work,
          encoding: "utf8",
          maxBuffer: 1 << 28,
        });
        assert.equal(gnu.status, 1, gnu.stderr);
        const changed = (d: string): number => d.split("\n").filter((l) => /^[-+](?![-+]{2} )/.test(l)).length;
        assert.equal(changed(fix.stdout), changed(gnu.stdout));
      }
      const small = cpu.get(2500)!;
      const large = cpu.get(10_000)!;
      const ratio = large.fix / small.fix;
      console.log(
        `      CPU ms: fix ${small.fix.toFixed(0)} → ${large.fix.toFixed(0)} (×${ratio.toFixed(2)}), ` +
          `check ${small.check.toFixed(0)} → ${large.check.toFixed(0)} (×${(large.check / small.check).toFixed(2)}); ` +
          `fix ÷ check at 10,000: ${(large.fix / large.check).toFixed(2)}`,
      );
      assert.ok(ratio < 6, `fix --diff: 4× the locations cost ${ratio.toFixed(2)}× the CPU time (linear: ~4)`);
    });
  }
});
