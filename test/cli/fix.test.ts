// `nginx-risk fix` in-process (main(argv, io) with its own working directory), on real inputs in temp dirs:
// the bundled example, a generated incident configuration (../shared/tools/gen_incident_conf.py) and small
// hand-written configurations. The diff is checked by the real `git apply` / `patch`, the written files
// by `check` and by the real `nginx -t` (under strace, counting how many times it opens the CA bundle).

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { unifiedDiff } from "../../server/src/cli/fix";
import { main } from "../../server/src/cli/main";
import { FIXABLE_RULES } from "../../server/src/fix";
import { haveLuaModule } from "../support/nginx";
import { nginxBinary, REPO, SHARED } from "../support/shared";
import { bundleOpens, haveStrace } from "../support/strace";

const EXAMPLE = path.join(REPO, "examples", "openresty");
const BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const GENERATOR = path.join(SHARED, "tools", "gen_incident_conf.py");
/** Debian 12's nginx and lua-nginx-module: both before the versions that share one SSL context. */
const VERSIONS = ["--nginx-version", "1.22.1", "--lua-nginx-module-version", "0.10.23"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd: string): Run {
  let stdout = "";
  let stderr = "";
  const code = main(args, { out: (s) => (stdout += s), err: (s) => (stderr += s + "\n"), cwd });
  return { code, stdout, stderr };
}

function temp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `nginx-risk-fix-${prefix}-`));
}

/** A copy of the example (symlink included), optionally with every line break turned into CRLF. */
function copyExample(crlf = false): string {
  const dir = temp("example");
  fs.cpSync(EXAMPLE, dir, { recursive: true, verbatimSymlinks: true });
  if (crlf) for (const f of regularFiles(dir)) fs.writeFileSync(f, fs.readFileSync(f, "utf8").replace(/\n/g, "\r\n"));
  return dir;
}

function writeTree(files: Record<string, string>): string {
  const dir = temp("tree");
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** Regular files under `dir` (symlinks not followed), relative paths → bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of regularFiles(dir)) out.set(path.relative(dir, f), fs.readFileSync(f));
  return out;
}

function regularFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...regularFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

function sameTrees(a: Map<string, Buffer>, b: Map<string, Buffer>, what: string): void {
  assert.deepEqual([...a.keys()], [...b.keys()], `${what}: files`);
  for (const [k, v] of a) assert.ok(v.equals(b.get(k)!), `${what}: ${k} differs`);
}

function gitApply(dir: string, diff: string, check = false): void {
  const r = spawnSync("git", ["apply", ...(check ? ["--check"] : []), "-"], {
    cwd: dir,
    input: diff,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `git apply failed: ${r.stderr}\n${diff}`);
}

function requireNginx(ctx: Mocha.Context, strace = false): void {
  if (nginxBinary() && haveLuaModule() && (!strace || haveStrace())) return;
  if (process.env.CI) throw new Error("CI must install nginx, libnginx-mod-http-lua and strace (and allow ptrace)");
  ctx.skip();
}

/** `nginx -t` on the example copy: its `pid nginx.pid` and `logs/` are relative to the prefix. */
function exampleOpens(dir: string): { ok: boolean; opens: number; output: string } {
  fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
  return bundleOpens({ dir, conf: path.join(dir, "nginx.conf"), bundle: BUNDLE, pid: false });
}

const EXAMPLE_TITLE =
  "Move lua_ssl_trusted_certificate (with lua_ssl_verify_depth) into the 2 locations that run Lua code: 5 → 2 SSL contexts parsing the bundle";

describe("nginx-risk fix: the bundled example", function () {
  this.timeout(60_000);

  it("--diff applies with git apply and patch -p1, and gives the same bytes as --write", function () {
    const original = copyExample();
    const before = snapshot(original);
    const diff = cli(["fix", "."], original);
    assert.equal(diff.code, 2, "neither --diff nor --write");
    const d = cli(["fix", ".", "--diff"], original);
    assert.equal(d.code, 0, d.stderr);
    sameTrees(snapshot(original), before, "--diff writes nothing");
    // Headers name the real file: the symlink sites-enabled/app.conf cannot be patched through.
    assert.deepEqual(
      d.stdout.split("\n").filter((l) => /^(---|\+\+\+) /.test(l)),
      ["--- a/nginx.conf", "+++ b/nginx.conf", "--- a/sites-available/app.conf", "+++ b/sites-available/app.conf"],
    );
    assert.equal(d.stderr, `fix: ${EXAMPLE_TITLE}\n1 fix in the diff (2 files)\n`);

    const patched = copyExample();
    gitApply(patched, d.stdout);
    const patchedByPatch = copyExample();
    const p = spawnSync("patch", ["-p1", "--no-backup-if-mismatch"], {
      cwd: patchedByPatch,
      input: d.stdout,
      encoding: "utf8",
    });
    assert.equal(p.status, 0, p.stdout + p.stderr);

    const written = copyExample();
    const w = cli(["fix", ".", "--write", "--no-backup"], written);
    assert.equal(w.code, 0, w.stderr);
    assert.equal(w.stdout, "1 fix applied to 2 files");
    assert.equal(w.stderr, `fixed: ${EXAMPLE_TITLE}\n`);
    sameTrees(snapshot(written), snapshot(patched), "--write vs git apply");
    sameTrees(snapshot(written), snapshot(patchedByPatch), "--write vs patch");
    assert.ok(fs.lstatSync(path.join(written, "sites-enabled", "app.conf")).isSymbolicLink(), "the link stays a link");

    // What the fix must do, written out: the two lines leave http and open each Lua location.
    const expectedApp = fs
      .readFileSync(path.join(EXAMPLE, "sites-available", "app.conf"), "utf8")
      .replace(
        "    location = /health {\n",
        "    location = /health {\n" +
          "        lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;\n" +
          "        lua_ssl_verify_depth 3;\n",
      )
      .replace(
        '    location ~ "^/v[0-9]{1,2}/items$" {\n',
        '    location ~ "^/v[0-9]{1,2}/items$" {\n' +
          "        lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;\n" +
          "        lua_ssl_verify_depth 3;\n",
      );
    assert.equal(fs.readFileSync(path.join(written, "sites-available", "app.conf"), "utf8"), expectedApp);
    const expectedMain = fs
      .readFileSync(path.join(EXAMPLE, "nginx.conf"), "utf8")
      .replace(
        "    lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;\n    lua_ssl_verify_depth 3;\n",
        "",
      );
    assert.equal(fs.readFileSync(path.join(written, "nginx.conf"), "utf8"), expectedMain);
  });

  it("--write keeps a .orig of each changed file (next to the real file), not with --no-backup", function () {
    const dir = copyExample();
    const before = snapshot(dir);
    fs.chmodSync(path.join(dir, "nginx.conf"), 0o640);
    const w = cli(["fix", ".", "--write"], dir);
    assert.equal(w.code, 0, w.stderr);
    const after = snapshot(dir);
    assert.deepEqual(
      [...after.keys()].filter((k) => k.endsWith(".orig")),
      ["nginx.conf.orig", "sites-available/app.conf.orig"],
    );
    assert.ok(after.get("nginx.conf.orig")!.equals(before.get("nginx.conf")!));
    assert.ok(after.get("sites-available/app.conf.orig")!.equals(before.get("sites-available/app.conf")!));
    assert.ok(after.get("mime.types")!.equals(before.get("mime.types")!), "unchanged files are not touched");
    assert.equal(fs.statSync(path.join(dir, "nginx.conf")).mode & 0o777, 0o640, "the mode is kept");

    // A second run finds nothing left to fix, writes nothing and exits 0.
    const again = cli(["fix", ".", "--write"], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, "0 fixes applied to 0 files");

    const none = copyExample();
    assert.equal(cli(["fix", ".", "--write", "--no-backup"], none).code, 0);
    assert.deepEqual(
      [...snapshot(none).keys()].filter((k) => k.endsWith(".orig")),
      [],
    );
  });

  it("after --write, check reports the bundle only in the 2 locations that run Lua (5 → 2 contexts)", function () {
    const dir = copyExample();
    type JsonFinding = { ruleId: string; file: string; line: number; data?: { contexts?: number } };
    const lua = (r: Run): JsonFinding[] =>
      (JSON.parse(r.stdout).findings as JsonFinding[]).filter((f) => f.ruleId === "lua-ssl-per-location");
    const before = lua(cli(["check", ".", "--format", "json"], dir));
    // server app.example.com + its 4 locations inherit the http-level bundle (lua-nginx-module ≤ 0.10.25).
    assert.deepEqual(
      before.map((f) => [f.file, f.line, f.data?.contexts]),
      [["nginx.conf", 21, 5]],
    );
    assert.equal(cli(["fix", ".", "--write", "--no-backup"], dir).code, 0);
    const after = lua(cli(["check", ".", "--format", "json"], dir));
    // One directive in each of /health and the /v…/items location, each loaded once.
    assert.deepEqual(
      after.map((f) => [f.file, f.line, f.data?.contexts]),
      [
        ["sites-enabled/app.conf", 13, 1],
        ["sites-enabled/app.conf", 23, 1],
      ],
    );
  });

  it("the real nginx -t accepts the result and opens the bundle 2 times instead of 5", function () {
    requireNginx(this, true);
    const dir = copyExample();
    const before = exampleOpens(dir);
    assert.ok(before.ok, before.output);
    assert.equal(before.opens, 5);
    assert.equal(cli(["fix", ".", "--write"], dir).code, 0);
    const after = exampleOpens(dir);
    assert.ok(after.ok, after.output);
    assert.equal(after.opens, 2);
  });

  it("a CRLF copy: CRLF kept byte for byte, and the diff applies to it", function () {
    const lf = copyExample();
    assert.equal(cli(["fix", ".", "--write", "--no-backup"], lf).code, 0);
    const crlf = copyExample(true);
    const d = cli(["fix", ".", "--diff"], crlf);
    assert.equal(d.code, 0, d.stderr);
    const patched = copyExample(true);
    gitApply(patched, d.stdout);
    assert.equal(cli(["fix", ".", "--write", "--no-backup"], crlf).code, 0);
    sameTrees(snapshot(crlf), snapshot(patched), "--write vs git apply (CRLF)");
    const expected = new Map([...snapshot(lf)].map(([k, v]) => [k, Buffer.from(v.toString().replace(/\n/g, "\r\n"))]));
    sameTrees(snapshot(crlf), expected, "CRLF result = LF result with CRLF line breaks");
  });

  it("a UTF-8 byte order mark stays where it was", function () {
    const dir = copyExample();
    const app = path.join(dir, "sites-available", "app.conf");
    fs.writeFileSync(app, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fs.readFileSync(app)]));
    assert.equal(cli(["fix", ".", "--write", "--no-backup"], dir).code, 0);
    const plain = copyExample();
    assert.equal(cli(["fix", ".", "--write", "--no-backup"], plain).code, 0);
    const expected = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      fs.readFileSync(path.join(plain, "sites-available", "app.conf")),
    ]);
    assert.ok(fs.readFileSync(app).equals(expected));
  });

  it("writes nothing (exit 2) when a backup is in the way", function () {
    const dir = copyExample();
    fs.writeFileSync(path.join(dir, "sites-available", "app.conf.orig"), "an earlier backup\n");
    const before = snapshot(dir);
    const r = cli(["fix", ".", "--write"], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /sites-available\/app\.conf: app\.conf\.orig exists: not overwriting an earlier backup/);
    assert.match(r.stderr, /nothing was written/);
    sameTrees(snapshot(dir), before, "no file written");
  });
});

// Both rules at once: the Lua bundle is needed by /lua only, the proxy bundle by /api/ only (https); /www/ and
// /other/ have variables in proxy_pass, so nginx < 1.23.1 gives them an SSL context too, but their scheme
// is http: they never use it.
const BOTH = `load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
pid nginx.pid;
events {}
http {
    lua_ssl_trusted_certificate ${BUNDLE};
    proxy_ssl_trusted_certificate ${BUNDLE};
    proxy_ssl_verify on;
    server {
        listen 127.0.0.1:18081;
        location /api/ {
            proxy_pass https://127.0.0.1:8443;
        }
        location /www/ {
            proxy_pass http://$host;
        }
        location /lua {
            content_by_lua_block { ngx.say("hi") }
        }
        location /other/ {
            proxy_pass http://$http_host;
        }
    }
}
`;

/** BOTH with the proxy bundle moved into /api/, written out by hand. */
const PROXY_FIXED = BOTH.replace(
  `    proxy_ssl_trusted_certificate ${BUNDLE};\n    proxy_ssl_verify on;\n`,
  "",
).replace(
  "        location /api/ {\n",
  `        location /api/ {\n            proxy_ssl_trusted_certificate ${BUNDLE};\n            proxy_ssl_verify on;\n`,
);
const BOTH_FIXED = PROXY_FIXED.replace(`    lua_ssl_trusted_certificate ${BUNDLE};\n`, "").replace(
  "        location /lua {\n",
  `        location /lua {\n            lua_ssl_trusted_certificate ${BUNDLE};\n`,
);

describe("nginx-risk fix: several rules, --rule, caution", function () {
  this.timeout(60_000);

  it("--rule proxy-ssl-per-location applies only that rule's fix", function () {
    const dir = writeTree({ "nginx.conf": BOTH });
    const r = cli(["fix", "nginx.conf", "--write", "--rule", "proxy-ssl-per-location", ...VERSIONS], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      "fixed: Move proxy_ssl_trusted_certificate (with proxy_ssl_verify) into the 1 location that may proxy to https: 3 → 1 SSL context parsing the bundle\n",
    );
    assert.equal(fs.readFileSync(path.join(dir, "nginx.conf"), "utf8"), PROXY_FIXED);
  });

  it("without --rule, both fixes one after the other in the same file; nginx -t agrees: 8 → 2 bundle opens", function () {
    const dir = writeTree({ "nginx.conf": BOTH });
    const d = cli(["fix", ".", "--diff", ...VERSIONS], dir);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stderr, /2 fixes in the diff \(1 file\)/);
    assert.equal(d.stdout, unifiedDiff(BOTH, BOTH_FIXED, "nginx.conf"));
    const w = cli(["fix", ".", "--write", "--no-backup", ...VERSIONS], dir);
    assert.equal(w.stdout, "2 fixes applied to 1 file");
    assert.equal(fs.readFileSync(path.join(dir, "nginx.conf"), "utf8"), BOTH_FIXED);

    requireNginx(this, true);
    const original = writeTree({ "nginx.conf": BOTH });
    // 5 Lua contexts (server + 4 locations) + 3 proxy contexts (/api/, /www/, /other/).
    const before = bundleOpens({ dir: original, conf: path.join(original, "nginx.conf"), bundle: BUNDLE, pid: false });
    assert.ok(before.ok, before.output);
    assert.equal(before.opens, 8);
    const after = bundleOpens({ dir, conf: path.join(dir, "nginx.conf"), bundle: BUNDLE, pid: false });
    assert.ok(after.ok, after.output);
    assert.equal(after.opens, 2);
  });

  it("a fix with a caution is skipped (and said) unless --include-cautious", function () {
    const conf = BOTH.replace("http {\n", 'http {\n    init_worker_by_lua_block { ngx.log(ngx.INFO, "up") }\n');
    const dir = writeTree({ "nginx.conf": conf });
    const r = cli(["fix", ".", "--diff", "--rule", "lua-ssl-per-location", ...VERSIONS], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^skipped: Move lua_ssl_trusted_certificate into the 1 location that runs Lua code: 5 → 1 SSL context parsing the bundle \(caution: init_worker_by_lua\* code does not run in a location.*\) — behaviour could change: apply it with --include-cautious$/m,
    );
    assert.match(r.stderr, /^0 fixes in the diff \(0 files\)$/m);
    const c = cli(["fix", ".", "--diff", "--rule", "lua-ssl-per-location", "--include-cautious", ...VERSIONS], dir);
    assert.equal(c.code, 0, c.stderr);
    assert.doesNotMatch(c.stderr, /skipped/);
    assert.equal(
      c.stdout,
      unifiedDiff(
        conf,
        conf
          .replace(`    lua_ssl_trusted_certificate ${BUNDLE};\n`, "")
          .replace(
            "        location /lua {\n",
            `        location /lua {\n            lua_ssl_trusted_certificate ${BUNDLE};\n`,
          ),
        "nginx.conf",
      ),
    );
  });

  it("warns when an include glob would read a backup (sites-enabled/* as regular files)", function () {
    const dir = writeTree({
      "nginx.conf": BOTH.replace(/ {4}server \{[\s\S]*\n {4}\}\n/, "    include sites-enabled/*;\n"),
      "sites-enabled/app": BOTH.slice(BOTH.indexOf("    server {"), BOTH.lastIndexOf("}")),
    });
    const r = cli(["fix", ".", "--write", "--rule", "proxy-ssl-per-location", ...VERSIONS], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "1 fix applied to 2 files");
    assert.match(r.stderr, /^warning: sites-enabled\/app\.orig matches an include: nginx would read the backup too/m);
    assert.doesNotMatch(r.stderr, /nginx\.conf\.orig matches/);
  });
});

describe("nginx-risk fix: what it refuses to edit", function () {
  const main = (name: string): string =>
    `events {}\nhttp {\n    include shared/lua.conf;\n    server {\n        listen 127.0.0.1:${name};\n` +
    `        location /lua {\n            content_by_lua_block { ngx.say("hi") }\n        }\n` +
    "        location /static/ {\n            root /var/www;\n        }\n    }\n}\n";

  it("a file two main files read: the fix was checked for one of them only", function () {
    const dir = writeTree({
      "nginx.conf": main("18082"),
      "staging/nginx.conf": main("18083").replace("shared/", "../shared/"),
      "shared/lua.conf": `lua_ssl_trusted_certificate ${BUNDLE};\n`,
    });
    const both = cli(["fix", "nginx.conf", "staging/nginx.conf", "--diff", ...VERSIONS], dir);
    assert.equal(both.code, 0, both.stderr);
    assert.equal(both.stdout, "");
    assert.match(both.stderr, /^skipped: Move lua_ssl_trusted_certificate .* — .*shared\/lua\.conf is also read by /m);
    // One main file at a time, the fix is that main file's to make.
    const one = cli(["fix", "nginx.conf", "--diff", ...VERSIONS], dir);
    assert.match(one.stderr, /^1 fix in the diff \(2 files\)$/m);
  });

  it("a file that is not valid UTF-8 is not rewritten", function () {
    const dir = writeTree({
      "nginx.conf": main("18084").replace("include shared/lua.conf;", `lua_ssl_trusted_certificate ${BUNDLE};`),
    });
    // A Latin-1 comment: decoded as U+FFFD, it would not be written back as the same byte.
    fs.appendFileSync(path.join(dir, "nginx.conf"), Buffer.from("# caf\xe9\n", "latin1"));
    const before = snapshot(dir);
    const r = cli(["fix", ".", "--write", ...VERSIONS], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /nginx\.conf is not valid UTF-8: writing it back would change bytes/);
    assert.equal(r.stdout, "0 fixes applied to 0 files");
    sameTrees(snapshot(dir), before, "nothing written");
  });
});

describe("nginx-risk fix: a generated incident configuration", function () {
  this.timeout(120_000);

  it("gen_incident_conf.py lua_cert 50: fixed, and the real nginx -t passes with 1 bundle open instead of 52", function () {
    if (!fs.existsSync(GENERATOR)) {
      if (process.env.CI) throw new Error(`${GENERATOR} is missing`);
      this.skip();
    }
    requireNginx(this, true);
    const dir = temp("incident");
    const g = spawnSync("python3", [GENERATOR, "lua_cert", "50", dir, "18090"], { encoding: "utf8" });
    assert.equal(g.status, 0, g.stderr);
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, g.stdout);
    // The configuration sets its own pid (under the prefix the generator created).
    const before = bundleOpens({ dir, conf, bundle: BUNDLE, pid: false });
    assert.ok(before.ok, before.output);
    // The server, 50 locations and the /gc64 Lua location.
    assert.equal(before.opens, 52);
    const r = cli(["fix", "nginx.conf", "--write", ...VERSIONS], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "1 fix applied to 1 file");
    assert.ok(fs.readFileSync(conf + ".orig", "utf8") === g.stdout);
    const t = spawnSync(nginxBinary()!, ["-t", "-p", dir, "-c", conf, "-e", "stderr"], { encoding: "utf8" });
    assert.equal(t.status, 0, t.stderr);
    const after = bundleOpens({ dir, conf, bundle: BUNDLE, pid: false });
    assert.ok(after.ok, after.output);
    assert.equal(after.opens, 1);
  });
});

describe("nginx-risk fix: usage and inputs", function () {
  const dir = writeTree({ "nginx.conf": "events {}\nhttp { server { listen 80; } }\n" });

  for (const [args, message] of [
    [["fix", "."], /fix needs exactly one of --diff/],
    [["fix", ".", "--diff", "--write"], /fix needs exactly one of --diff/],
    [["fix", ".", "--diff", "--no-backup"], /--no-backup goes with --write/],
    [["fix", "--diff"], /fix needs the FILES or DIRS to fix/],
    [
      ["fix", ".", "--diff", "--rule", "syntax"],
      new RegExp(`--rule syntax: no fixes for that rule; fixable: ${FIXABLE_RULES().join(", ")}$`, "m"),
    ],
    [["fix", ".", "--diff", "--rule"], /--rule needs a value/],
    [["fix", ".", "--diff", "--format", "json"], /unknown option "--format" for "fix"/],
    [["fix", ".", "--diff", "--nginx-version", "new"], /--nginx-version needs a version/],
  ] as [string[], RegExp][]) {
    it(`${args.slice(1).join(" ")} → exit 2`, function () {
      const r = cli(args, dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    });
  }

  it("a missing input → exit 2; nothing to fix → exit 0", function () {
    const missing = cli(["fix", "absent.conf", "--diff"], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /absent\.conf: no such file or directory/);
    const nothing = cli(["fix", ".", "--diff"], dir);
    assert.equal(nothing.code, 0, nothing.stderr);
    assert.equal(nothing.stdout, "");
    assert.equal(nothing.stderr, "0 fixes in the diff (0 files)\n");
  });

  it("an nginx -T dump is not fixed: it says so", function () {
    const dump = writeTree({
      "dump.txt":
        "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n" +
        "# configuration file /etc/nginx/nginx.conf:\n" +
        fs.readFileSync(path.join(EXAMPLE, "nginx.conf"), "utf8"),
    });
    const before = snapshot(dump);
    const r = cli(["fix", "dump.txt", "--write"], dump);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^nginx-risk: dump\.txt is nginx -T output: no fixes there, run fix on the files it came from$/m,
    );
    sameTrees(snapshot(dump), before, "the dump is not edited");
  });
});

describe("unifiedDiff", function () {
  it("matches GNU diff -u hunks, including a last line without a line break", function () {
    const a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\nlast";
    const b = "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\nend\n";
    // Written out from GNU diffutils 3.8 `diff -u` (headers aside) on the same two files.
    assert.equal(
      unifiedDiff(a, b, "f"),
      [
        "--- a/f",
        "+++ b/f",
        "@@ -1,6 +1,6 @@",
        " 1",
        " 2",
        "-3",
        "+three",
        " 4",
        " 5",
        " 6",
        "@@ -13,4 +13,4 @@",
        " 13",
        " 14",
        " 15",
        "-last",
        "\\ No newline at end of file",
        "+end",
        "",
      ].join("\n"),
    );
    assert.equal(unifiedDiff(a, a, "f"), "");
  });

  it("random edits: git apply turns the old text into the new one, never more lines than GNU diff", function () {
    this.timeout(60_000);
    const dir = temp("diff");
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 150; i++) {
      const eol = rnd(3) === 0 ? "\r\n" : "\n";
      const lines = Array.from({ length: rnd(25) }, () => "abcd"[rnd(4)]);
      const a = lines.join(eol) + (lines.length > 0 && rnd(3) > 0 ? eol : "");
      const edited = a.split("\n");
      for (let k = 1 + rnd(5); k > 0; k--) {
        const at = rnd(edited.length + 1);
        if (rnd(2) === 0) edited.splice(at, 1);
        else edited.splice(at, 0, "xyz"[rnd(3)]);
      }
      const b = edited.join("\n");
      if (a === b) continue;
      fs.writeFileSync(path.join(dir, "f"), a);
      fs.writeFileSync(path.join(dir, "g"), b);
      const diff = unifiedDiff(a, b, "f");
      gitApply(dir, diff);
      assert.equal(fs.readFileSync(path.join(dir, "f"), "utf8"), b, diff);
      const count = (d: string): number => d.split("\n").filter((l) => /^[-+](?![-+]{2} )/.test(l)).length;
      fs.writeFileSync(path.join(dir, "f"), a);
      const g = spawnSync("diff", ["-u", "f", "g"], { cwd: dir, encoding: "utf8" });
      assert.ok(count(diff) <= count(g.stdout), `longer than GNU diff:\n${diff}\n${g.stdout}`);
    }
  });
});
