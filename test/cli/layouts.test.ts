// `nginx-risk check` on a container layout (examples/swag: a linuxserver/swag-like folder the image mounts
// at /config): the mapping is inferred and said once, nginx's stock files are its defaults, and what the
// analysis reads is what the real nginx reads from the same layout (nginx -T under a private prefix).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../server/src/cli/main";
import { loadInputs } from "../../server/src/cli/check";
import { cliSource } from "../../server/src/cli/read-access";
import { ParseCache } from "../../server/src/workspace/files";
import { nginxBinary, REPO } from "../support/shared";

const SWAG = path.join(REPO, "examples/swag/config");

/** Skips with a reason locally; under CI=true a missing tool is a failure. */
function need(ctx: Mocha.Context, ok: boolean, what: string): void {
  if (ok) return;
  if (process.env.CI) throw new Error(`CI must install ${what}`);
  ctx.skip();
}

function check(args: string[], cwd = REPO): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = main(["check", ...args], { out: (s) => (stdout += s), err: (s) => (stderr += s + "\n"), cwd });
  return { code, stdout, stderr };
}

interface JsonFinding {
  ruleId: string;
  code: string;
  severity: string;
  file: string;
  line: number;
  message: string;
}

function findings(args: string[]): JsonFinding[] {
  const r = check([...args, "--format", "json"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return JSON.parse(r.stdout).findings;
}

describe("nginx-risk check: a container layout (examples/swag)", function () {
  it("infers /config → the folder given, says it once with the --map to write, and reads every file", function () {
    const all = findings(["examples/swag/config"]);
    assert.deepEqual(
      all.filter((f) => f.severity === "error" || f.severity === "warning"),
      [],
      "no error or warning on a working configuration",
    );
    assert.deepEqual(
      all
        .filter((f) => f.ruleId === "include" || f.ruleId === "context" || f.ruleId === "access")
        .map((f) => [f.file, f.line, f.code]),
      [
        ["examples/swag/config/nginx/nginx.conf", 5, "inferred-mapping"],
        ["examples/swag/config/nginx/nginx.conf", 16, "include-stock-default"],
        ["examples/swag/config/nginx/site-confs/default.conf", 31, "include-stock-default"],
      ],
    );
    assert.match(all[0].message, new RegExp(`^assumed /config → ${SWAG} .*--map /config=${SWAG}\\)`));
    const text = check(["examples/swag/config"]).stdout;
    assert.match(
      text,
      /^read examples\/swag\/config\/nginx\/nginx\.conf and what it includes: .*proxy-confs\/sonarr\.subdomain\.conf\n/,
    );
    assert.match(
      text,
      / in 13 file\(s\) of 1 configuration\(s\); nginx -t would (pass|fail \(\d+ error\(s\) stop it\))\n$/,
    );
  });

  it("with the mapping written out (--map), the same findings without the hint", function () {
    const inferred = findings(["examples/swag/config"]);
    const explicit = findings(["examples/swag/config", "--map", "/config=examples/swag/config"]);
    assert.deepEqual(
      explicit,
      inferred.filter((f) => f.code !== "inferred-mapping"),
    );
  });

  it("given nginx.conf itself: the mapping stays inside its folder (/config/nginx), the certificate is outside", function () {
    const all = findings(["examples/swag/config/nginx/nginx.conf"]);
    const hint = all.find((f) => f.code === "inferred-mapping");
    assert.ok(hint);
    assert.match(hint.message, new RegExp(`^assumed /config/nginx → ${SWAG}/nginx `));
    assert.deepEqual(
      all.filter((f) => f.ruleId === "access").map((f) => [f.code, f.severity, f.line]),
      [["read-outside", "info", 11]],
    );
    assert.deepEqual(
      all.filter((f) => f.severity === "error" || f.severity === "warning"),
      [],
    );
  });

  it("--root reads its configuration with the same inference, into the folders given", function () {
    const all = findings(["examples/swag/config", "--root", "examples/swag/config/nginx/nginx.conf"]);
    assert.deepEqual(
      all.filter((f) => f.ruleId === "include" || f.ruleId === "access").map((f) => [f.line, f.code]),
      [
        [5, "inferred-mapping"],
        [16, "include-stock-default"],
        [31, "include-stock-default"],
      ],
    );
  });

  it("an absolute include nothing explains: one warning naming the fix, whether outside or not in the folder", function () {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-layouts-")));
    try {
      fs.writeFileSync(
        path.join(dir, "nginx.conf"),
        "events {}\nhttp {\n    include /opt/site/app.conf;\n    include /etc/nginx/extra.conf;\n}\n",
      );
      const r = check([".", "--format", "json"], dir);
      const got = (JSON.parse(r.stdout).findings as JsonFinding[]).map((f) => [f.line, f.severity, f.ruleId, f.code]);
      assert.deepEqual(got, [
        // Outside what is read: the read policy's warning (it says how to allow it), and nothing else.
        [3, "warning", "access", "read-outside"],
        // /etc/nginx is mapped to the folder by default, and the file is not there.
        [4, "warning", "include", "include-not-in-workspace"],
      ]);
      assert.equal(r.code, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("what the real nginx reads from the same layout", function () {
    const nginx = nginxBinary();
    let dir = "";
    before(function () {
      need(this, nginx !== null, "nginx (see .ci/run)");
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("nginx -T reads the files we read, in the same order, with the stock files from its own folder", function () {
      // The layout under a private prefix: /config → <dir>/config, /etc/nginx → <dir>/etc (holding the
      // installed package's mime.types and fastcgi_params, what the image would hold), nothing else changed
      // but what nginx -t needs here (no `user abc`, a pid file and logs of our own).
      dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-swag-")));
      fs.cpSync(SWAG, path.join(dir, "config"), { recursive: true });
      fs.mkdirSync(path.join(dir, "config/log/nginx"), { recursive: true });
      fs.mkdirSync(path.join(dir, "etc"));
      for (const stock of ["mime.types", "fastcgi_params"]) {
        need(this, fs.existsSync(`/etc/nginx/${stock}`), `Debian's nginx package (/etc/nginx/${stock})`);
        fs.copyFileSync(`/etc/nginx/${stock}`, path.join(dir, "etc", stock));
      }
      const files: string[] = [];
      for (const f of fs.readdirSync(path.join(dir, "config/nginx"), { recursive: true, encoding: "utf8" })) {
        const p = path.join(dir, "config/nginx", f);
        if (!fs.statSync(p).isFile()) continue;
        files.push(p);
        const text = fs
          .readFileSync(p, "utf8")
          .replaceAll("/config/", `${dir}/config/`)
          .replaceAll("/etc/nginx/", `${dir}/etc/`)
          .replace("user abc;", "")
          .replace("pid /run/nginx.pid;", `pid ${dir}/nginx.pid;`)
          .replace("/tmp/nginx-proxy-cache", `${dir}/cache`);
        fs.writeFileSync(p, text);
      }
      const conf = path.join(dir, "config/nginx/nginx.conf");
      const r = spawnSync(nginx!, ["-T", "-q", "-c", conf, "-e", "stderr"], { encoding: "utf8", timeout: 30000 });
      assert.equal(r.status, 0, r.stderr);
      const nginxRead = [...r.stdout.matchAll(/^# configuration file (.*):$/gm)].map((m) =>
        m[1].replace(`${dir}/config/`, `${SWAG}/`).replace(`${dir}/etc/`, "(nginx default) "),
      );
      // Ours, on the example as it is (absolute /config paths, no stock files).
      const source = cliSource([SWAG], undefined, []);
      const inputs = loadInputs({ inputs: [SWAG], mappings: [] }, source, new ParseCache());
      assert.deepEqual(inputs.roots, [path.join(SWAG, "nginx/nginx.conf")]);
      const ours = [...inputs.configurations.get(inputs.roots[0])!.files.keys()];
      assert.deepEqual(ours, nginxRead);
      assert.ok(files.length > 10);
    });
  });
});
