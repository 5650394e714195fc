// The built CLI (dist/cli.js), run as a user runs it: exit codes, the crossplane payload and its options,
// --map, and `check` in text and JSON.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/shared";

const CLI = path.join(REPO, "dist", "cli.js");

function run(args: string[], cwd = REPO): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-cli-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe("nginx-risk CLI", function () {
  before(function () {
    if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
  });

  it("parse loads no node module it does not use: not crypto, not the streams of process.stdout (a pipe here)", function () {
    const dir = tempTree({ "nginx.conf": "events {}\nhttp { server { listen 80; } }\n" });
    // A preload writes the built-in modules node loaded after it, when the process ends.
    const probe = path.join(dir, "modules.js");
    fs.writeFileSync(
      probe,
      [
        "const before = new Set(process.moduleLoadList);",
        "process.on('exit', () => require('fs').writeFileSync(process.env.MODULES_OUT,",
        "  process.moduleLoadList.filter((m) => !before.has(m)).join('\\n')));",
      ].join("\n"),
    );
    const out = path.join(dir, "modules.txt");
    const r = spawnSync(process.execPath, ["-r", probe, CLI, "parse", "nginx.conf"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, MODULES_OUT: out },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).status, "ok");
    const loaded = fs.readFileSync(out, "utf8").split("\n");
    for (const m of ["NativeModule crypto", "NativeModule stream", "NativeModule net"])
      assert.ok(!loaded.includes(m), `${m} was loaded:\n${loaded.join("\n")}`);
    // The probe sees what it should: `check` writes its text through process.stdout, a stream.
    const c = spawnSync(process.execPath, ["-r", probe, CLI, "check", "nginx.conf"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, MODULES_OUT: out },
    });
    assert.ok(c.status !== null && c.status <= 1, c.stderr);
    assert.ok(fs.readFileSync(out, "utf8").split("\n").includes("NativeModule stream"));
  });

  it("parse prints the crossplane payload with includes followed, exit 0", function () {
    const dir = tempTree({
      "nginx.conf": "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
      "conf.d/b.conf": "server { listen 81; }\n",
      "conf.d/a.conf": "server { listen 80; } # trailing\n",
    });
    const r = run(["parse", "nginx.conf"], dir);
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    assert.equal(p.status, "ok");
    assert.deepEqual(
      p.config.map((c: { file: string }) => c.file),
      ["nginx.conf", "conf.d/a.conf", "conf.d/b.conf"],
    );
    assert.deepEqual(p.config[0].parsed[1].block[0], {
      directive: "include",
      line: 3,
      args: ["conf.d/*.conf"],
      includes: [1, 2],
    });
    assert.deepEqual(p.config[1].parsed, [
      { directive: "server", line: 1, args: [], block: [{ directive: "listen", line: 1, args: ["80"] }] },
    ]);
  });

  it("parse options: --include-comments, --single-file, --combine, --indent", function () {
    const dir = tempTree({ "nginx.conf": "# top\nhttp { include x.conf; }\n", "x.conf": "server { }\n" });
    const comments = JSON.parse(run(["parse", "nginx.conf", "--include-comments"], dir).stdout);
    assert.deepEqual(comments.config[0].parsed[0], { directive: "#", line: 1, args: [], comment: " top" });
    const single = JSON.parse(run(["parse", "--single-file", "nginx.conf"], dir).stdout);
    assert.equal(single.config.length, 1);
    assert.equal(single.config[0].parsed[0].block[0].includes, undefined);
    const combined = JSON.parse(run(["parse", "nginx.conf", "--combine"], dir).stdout);
    assert.equal(combined.config.length, 1);
    assert.deepEqual(combined.config[0].parsed[0].block, [
      { file: "x.conf", directive: "server", line: 1, args: [], block: [] },
    ]);
    const indented = run(["parse", "nginx.conf", "--indent", "4"], dir).stdout;
    assert.match(indented, /^\{\n {4}"status": "ok"/);
    assert.equal(run(["parse", "nginx.conf"], dir).stdout.split("\n").length, 2, "no indent: one line");
  });

  it("parse checks directives by default; --no-check-context --no-check-args turn that off", function () {
    const dir = tempTree({ "nginx.conf": "http { listen 80; server { location / { } } }\nevents;\n" });
    const checked = run(["parse", "nginx.conf"], dir);
    assert.equal(checked.code, 1);
    const p = JSON.parse(checked.stdout);
    assert.deepEqual(
      p.errors.map((e: { line: number; error: string }) => [e.line, e.error]),
      [
        [1, '"listen" directive is not allowed here in nginx.conf:1'],
        [2, '"events" directive has no opening "{" in nginx.conf:2'],
      ],
    );
    // A statement that fails a check is dropped, as crossplane does.
    assert.deepEqual(
      p.config[0].parsed[0].block.map((s: { directive: string }) => s.directive),
      ["server"],
    );
    const unchecked = run(["parse", "nginx.conf", "--no-check-context", "--no-check-args"], dir);
    assert.equal(unchecked.code, 0, unchecked.stdout);
    assert.equal(JSON.parse(unchecked.stdout).errors.length, 0);
  });

  it("--strict reports unknown directives", function () {
    const dir = tempTree({ "nginx.conf": "events {}\nfrobnicate on;\n" });
    assert.equal(run(["parse", "nginx.conf"], dir).code, 0);
    const strict = run(["parse", "nginx.conf", "--strict"], dir);
    assert.equal(strict.code, 1);
    assert.match(JSON.parse(strict.stdout).errors[0].error, /unknown directive "frobnicate"/);
  });

  it("--map reads absolute include paths from a folder", function () {
    const dir = tempTree({
      "nginx.conf": "http { include /opt/nginx-risk-absent/snippets/*.conf; }\n",
      "snippets/s.conf": "gzip on;\n",
    });
    const unmapped = JSON.parse(run(["parse", "nginx.conf", "--no-check-context", "--no-check-args"], dir).stdout);
    assert.equal(unmapped.config.length, 1, "no such folder on this machine");
    const mapped = JSON.parse(run(["parse", "nginx.conf", "--map", "/opt/nginx-risk-absent/=./"], dir).stdout);
    assert.deepEqual(mapped.config[1].parsed, [{ directive: "gzip", line: 1, args: ["on"] }]);
  });

  it("exit 2 with a clear message on usage and I/O errors", function () {
    const missing = run(["parse", "does-not-exist.conf"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does-not-exist\.conf: no such file/);
    const usage = run(["parse"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /parse takes exactly one FILE/);
    assert.equal(run(["parse", "x", "--indent", "many"]).code, 2);
    assert.equal(run(["frob"]).code, 2);
    assert.equal(run(["check", "--format", "xml"]).code, 2);
    assert.equal(run(["check", "--map", "relative=x"]).code, 2);
    assert.equal(run(["--help"]).code, 0);
  });

  it("check: positioned findings as text and JSON, exit 1 on errors", function () {
    const dir = tempTree({
      "nginx.conf": "events {}\nhttp {\n    include sites-enabled/*;\n}\n",
      "sites-enabled/app": "server {\n    listen 80\n    location / {\n        return 200;\n    }\n}\n}\n",
    });
    const text = run(["check", "."], dir);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^sites-enabled\/app:7:1: error: unexpected "}"/m);
    const json = JSON.parse(run(["check", ".", "--format", "json"], dir).stdout);
    assert.equal(json.version, 1);
    const stray = json.findings.find((f: { code: string }) => f.code === "unexpected-close-brace");
    assert.deepEqual(
      [stray.file, stray.line, stray.column, stray.endLine, stray.endColumn, stray.severity],
      ["sites-enabled/app", 7, 1, 7, 2, "error"],
    );
    // `listen 80` without `;` runs into `location / {`: nginx reads one block statement named listen.
    assert.ok(json.findings.some((f: { code: string; line: number }) => f.code === "not-terminated" && f.line === 2));
  });

  it("check reads an nginx -T dump as the files it holds, findings placed in the dump", function () {
    const real = run(["check", "test/fixtures/nginx-T/dump.txt", "--format", "json"]);
    assert.equal(real.code, 0, real.stdout);
    const dir = tempTree({
      "dump.txt": [
        "# configuration file /etc/nginx/nginx.conf:",
        "events {}",
        "http { include /etc/nginx/conf.d/*.conf; }",
        "",
        "# configuration file /etc/nginx/conf.d/a.conf:",
        "server { listen 80; location / { return 200 } }",
        "",
      ].join("\n"),
    });
    const r = run(["check", "dump.txt", "--format", "json"], dir);
    assert.equal(r.code, 1);
    // The syntax error (beside it, version-disclosure's note on the http block: the dump sets no server_tokens).
    const f = JSON.parse(r.stdout).findings.find((x: { ruleId: string }) => x.ruleId === "syntax");
    assert.deepEqual([f.file, f.line, f.column, f.code], ["dump.txt", 6, 41, "missing-semicolon"]);
    assert.match(f.message, /\(in \/etc\/nginx\/conf\.d\/a\.conf\)/);
  });

  it("parse reads an nginx -T dump back as the files it came from", function () {
    const r = run(["parse", "test/fixtures/nginx-T/dump.txt"]);
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    const files = p.config.map((c: { file: string }) => c.file);
    assert.equal(files[0], "/tmp/nginx-risk-fixture/nginx.conf");
    // Every file the dump holds, each once, and each include pointing at dumped files.
    const dumped = fs
      .readFileSync(path.join(REPO, "test/fixtures/nginx-T/dump.txt"), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("# configuration file "))
      .map((l) => l.slice("# configuration file ".length, -1));
    assert.deepEqual([...files].sort(), [...dumped].sort());
  });

  it("check on the bundled example exits 0", function () {
    const r = run(["check", "examples/openresty"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /0 error\(s\)/);
  });
});
