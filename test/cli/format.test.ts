// `nginx-risk format` as shipped (dist/cli.js, run as a user runs it) on files in a temporary directory:
// --check lists what would change (exit 1) or nothing (exit 0), --diff prints a patch the real `patch`
// applies to give what --write writes, --write rewrites the file (mode kept) and a second run finds nothing
// to do, a file with syntax errors is left alone with a positioned message (exit 2), --indent, folders,
// and usage errors.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/shared";

const CLI = path.join(REPO, "dist", "cli.js");

function run(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MESSY = "http {\nserver {\n  listen   80;  # web\n}\n}";
const FORMATTED = "http {\n    server {\n        listen 80; # web\n    }\n}\n";
const CLEAN = "events {\n    worker_connections 8;\n}\n";
const BROKEN = "http {\n  server {\n    listen 80\n  }\n}\n";

describe("cli: nginx-risk format", function () {
  this.timeout(60_000);
  let dir = "";
  before(function () {
    if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
  });
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-format-cli-"));
    fs.mkdirSync(path.join(dir, "conf.d"));
    fs.writeFileSync(path.join(dir, "nginx.conf"), MESSY);
    fs.writeFileSync(path.join(dir, "conf.d", "clean.conf"), CLEAN);
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("--check: lists the files that would change and exits 1; 0 when all are formatted", function () {
    const r = run(["format", "--check", "."], dir);
    assert.strictEqual(r.code, 1, r.stderr);
    assert.strictEqual(r.stdout, "nginx.conf\n");
    assert.match(r.stderr, /1 file would be formatted, 1 file already formatted/);
    assert.strictEqual(fs.readFileSync(path.join(dir, "nginx.conf"), "utf8"), MESSY, "--check wrote");
    const clean = run(["format", "--check", "conf.d/clean.conf"], dir);
    assert.strictEqual(clean.code, 0, clean.stderr);
    assert.strictEqual(clean.stdout, "");
  });

  it("--diff: a patch that `patch` applies, giving what --write writes", function () {
    const r = run(["format", "--diff", "nginx.conf"], dir);
    assert.strictEqual(r.code, 1, r.stderr);
    assert.match(r.stdout, /^--- a\/nginx\.conf\n\+\+\+ b\/nginx\.conf\n@@ /);
    const copy = path.join(dir, "copy");
    fs.mkdirSync(copy);
    fs.writeFileSync(path.join(copy, "nginx.conf"), MESSY);
    const p = spawnSync("patch", ["-p1", "-s"], { cwd: copy, input: r.stdout, encoding: "utf8" });
    if (p.error) this.skip(); // no `patch` here
    assert.strictEqual(p.status, 0, p.stderr);
    assert.strictEqual(fs.readFileSync(path.join(copy, "nginx.conf"), "utf8"), FORMATTED);
  });

  it("--write: rewrites keeping the mode; a second run has nothing to do", function () {
    const file = path.join(dir, "nginx.conf");
    fs.chmodSync(file, 0o640);
    const r = run(["format", "--write", "."], dir);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /1 file formatted, 1 file already formatted/);
    assert.strictEqual(fs.readFileSync(file, "utf8"), FORMATTED);
    assert.strictEqual(fs.readFileSync(path.join(dir, "conf.d", "clean.conf"), "utf8"), CLEAN);
    assert.strictEqual(fs.statSync(file).mode & 0o777, 0o640);
    const again = run(["format", "--check", "."], dir);
    assert.strictEqual(again.code, 0, again.stderr);
  });

  it("--indent tab and --indent 2", function () {
    const file = path.join(dir, "nginx.conf");
    assert.strictEqual(run(["format", "--write", "--indent", "tab", "nginx.conf"], dir).code, 0);
    assert.strictEqual(fs.readFileSync(file, "utf8"), "http {\n\tserver {\n\t\tlisten 80; # web\n\t}\n}\n");
    assert.strictEqual(run(["format", "--write", "--indent=2", "nginx.conf"], dir).code, 0);
    assert.strictEqual(fs.readFileSync(file, "utf8"), "http {\n  server {\n    listen 80; # web\n  }\n}\n");
  });

  it("a file with syntax errors: not formatted, positioned message, exit 2 (others still formatted)", function () {
    fs.writeFileSync(path.join(dir, "conf.d", "broken.conf"), BROKEN);
    const r = run(["format", "--write", "."], dir);
    assert.strictEqual(r.code, 2, r.stderr);
    assert.match(r.stderr, /^conf\.d\/broken\.conf:3:12: not formatted: the file has syntax errors \(line 3: /m);
    assert.strictEqual(fs.readFileSync(path.join(dir, "conf.d", "broken.conf"), "utf8"), BROKEN);
    assert.strictEqual(fs.readFileSync(path.join(dir, "nginx.conf"), "utf8"), FORMATTED);
  });

  it("usage errors exit 2", function () {
    for (const args of [
      ["format", "nginx.conf"],
      ["format", "--check", "--write", "nginx.conf"],
      ["format", "--check"],
      ["format", "--check", "--indent", "0", "nginx.conf"],
      ["format", "--check", "missing.conf"],
    ]) {
      const r = run(args, dir);
      assert.strictEqual(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    }
  });
});
