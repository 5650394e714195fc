// examples/swag: a container-style layout (linuxserver/swag-like) that is a *working* configuration. The real
// nginx says so: with the folder moved from /config to a temp root (every `/config/` rewritten, nothing else
// changed but the image's empty include folders, the pid file and `user abc`, which the test machine lacks),
// `nginx -t` passes, reading nginx's stock mime.types and fastcgi_params from Debian's /etc/nginx. So the
// product, given the example as it is (absolute /config/nginx/ includes, the stock files outside the
// workspace), must report no error on it and must read every file nginx reads.
import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO, nginxBinary } from "../support/shared";

const EXAMPLE = path.join(REPO, "examples", "swag", "config");
const CLI = path.join(REPO, "dist", "cli.js");

interface CliOutput {
  findings: { ruleId: string; code: string; severity: string; file: string; message: string }[];
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  }
  return out.sort();
}

describe("examples/swag: a working container layout", function () {
  this.timeout(60_000);
  const nginx = nginxBinary();
  let tmp = "";
  before(function () {
    if (!nginx) {
      if (process.env.CI) throw new Error("nginx is required under CI (.ci/run installs Debian's nginx)");
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-swag-"));
  });
  after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

  /** The configuration files nginx opens while testing the example, as example-relative paths. */
  let nginxRead: string[] = [];

  it("nginx -t passes on it in its own layout", function () {
    const root = path.join(tmp, "config");
    fs.cpSync(EXAMPLE, root, { recursive: true });
    fs.mkdirSync(path.join(root, "log", "nginx"), { recursive: true });
    for (const f of filesUnder(path.join(root, "nginx"))) {
      let text = fs.readFileSync(f, "utf8").replaceAll("/config/", `${root}/`);
      // What the image provides: empty include folders, a pid path, the `abc` user.
      for (const d of ["modules", "conf.d", "http.d"]) text = text.replaceAll(`/etc/nginx/${d}/`, `${tmp}/image/${d}/`);
      text = text.replace("pid /run/nginx.pid;", `pid ${tmp}/nginx.pid;`).replace(/^user abc;\n/m, "");
      fs.writeFileSync(f, text);
    }
    const conf = path.join(root, "nginx", "nginx.conf");
    const r = cp.spawnSync(
      "strace",
      ["-f", "-e", "trace=openat", "-o", path.join(tmp, "trace"), nginx!, "-t", "-c", conf, "-p", `${tmp}/`],
      {
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    assert.strictEqual(r.status, 0, `nginx -t on the example:\n${r.stderr}`);
    assert.match(r.stderr, /test is successful/);
    const opened = fs.readFileSync(path.join(tmp, "trace"), "utf8");
    nginxRead = [...new Set([...opened.matchAll(/openat\([^"]*"([^"]+)", [^)]*\) = \d+/g)].map((m) => m[1]))]
      .filter((p) => p.startsWith(`${root}/nginx/`) && p.endsWith(".conf"))
      .map((p) => path.relative(root, p))
      .sort();
    assert.ok(nginxRead.length > 5, `nginx read the configuration's files: ${nginxRead.join(", ")}`);
  });

  it("the product reports no error on it, as it is, and reads every configuration file nginx reads", function () {
    const r = cp.spawnSync(process.execPath, [CLI, "check", ".", "--format", "json", "--fail-on", "never"], {
      cwd: EXAMPLE,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.strictEqual(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as CliOutput;
    const errors = out.findings.filter((f) => f.severity === "error");
    assert.deepStrictEqual(errors, [], "no error on a configuration nginx accepts");
    const unread = out.findings.filter((f) => f.ruleId === "access" || f.code === "include-not-found");
    assert.deepStrictEqual(unread, [], "every include is found (nginx found them all)");
    // The text output lists the files read: "read nginx/nginx.conf and what it includes: a.conf, b/c.conf",
    // the included ones relative to the main file's folder.
    const text = cp.spawnSync(process.execPath, [CLI, "check", ".", "--fail-on", "never"], {
      cwd: EXAMPLE,
      encoding: "utf8",
      timeout: 60_000,
    }).stdout;
    const m = /^read (\S+) and what it includes: (.+)$/m.exec(text);
    assert.ok(m, text);
    const read = [m[1], ...m[2].split(", ").map((f) => path.join(path.dirname(m[1]), f))];
    for (const f of nginxRead) assert.ok(read.includes(f), `nginx read ${f}; the product did not: ${read.join(", ")}`);
  });
});
