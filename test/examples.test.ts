// The bundled example (`npm run demo`) is a real configuration: the real nginx with the Lua module
// accepts it, and our analysis reports no error on it.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../server/src/cli/check";
import { catalogueEntry } from "../server/src/rules/catalogue";
import { haveLuaModule } from "./support/nginx";
import { nginxBinary, REPO } from "./support/shared";

const EXAMPLE = path.join(REPO, "examples", "openresty", "nginx.conf");

describe("examples/openresty", function () {
  it("passes the real nginx -t (Debian nginx + libnginx-mod-http-lua)", function () {
    const bin = nginxBinary();
    if (!bin || !haveLuaModule() || !fs.existsSync("/etc/ssl/certs/ca-certificates.crt")) {
      if (process.env.CI) throw new Error("CI must install nginx and libnginx-mod-http-lua (see .ci/run)");
      this.skip();
    }
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-example-"));
    fs.mkdirSync(path.join(prefix, "logs"));
    try {
      const r = spawnSync(bin!, ["-t", "-c", EXAMPLE, "-p", prefix, "-e", "stderr"], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /test is successful/);
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("has no error finding, and its sites-enabled symlink is read inside http { }", function () {
    const result = runCheck({ inputs: [path.dirname(EXAMPLE)], mappings: [], strict: true });
    assert.deepEqual(result.roots, [EXAMPLE]);
    assert.deepEqual(
      // The security and best-practice rules (issue 15) have their say on the demo too; these tests are about
      // what nginx -t and the costs say.
      result.findings
        .filter((f) => f.severity === "error" || (f.severity === "warning" && !catalogueEntry(f.ruleId)))
        .map((f) => f.message),
      [],
    );
    assert.equal(result.files, 4);
  });
});

describe("examples/reuseport", function () {
  const dir = path.join(REPO, "examples", "reuseport");

  it("passes the real nginx -t", function () {
    const bin = nginxBinary();
    if (!bin) {
      if (process.env.CI) throw new Error("CI must install nginx (see .ci/run)");
      this.skip();
    }
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-example-"));
    fs.mkdirSync(path.join(prefix, "logs"));
    try {
      const conf = path.join(dir, "nginx.conf");
      const r = spawnSync(bin!, ["-t", "-c", conf, "-p", prefix, "-e", "stderr", "-g", `pid ${prefix}/nginx.pid;`], {
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("warns on reuseport with the cron job as evidence and the Dockerfile's nginx 1.13.2", function () {
    const result = runCheck({ inputs: [dir], mappings: [], strict: false });
    const warnings = result.findings.filter((f) => f.severity === "warning" && !catalogueEntry(f.ruleId));
    assert.deepEqual(
      warnings.map((f) => [f.ruleId, f.code, f.range.start.line + 1]),
      [["reuseport-config-test", "config-test-drops-connections", 16]],
    );
    assert.match(warnings[0].message, /every minute; on nginx 1\.13\.2 \(Dockerfile FROM nginx:1\.13\.2-alpine\)/);
    assert.deepEqual(
      warnings[0].related?.map((r) => [path.relative(dir, r.path), r.range.start.line + 1]),
      [["monitoring/crontab", 2]],
    );
  });
});
