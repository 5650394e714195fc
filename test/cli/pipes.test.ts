// The built CLI (dist/cli.js) writing into a pipe whose reader stops early, as in `nginx-risk check | head`:
// run by bash with the real `head`, the CLI's own status read from PIPESTATUS. Node ignores SIGPIPE, so
// the writes after `head` exits fail with EPIPE; the CLI must say nothing about it (no stack trace) and exit
// with the status it has when its whole output is read (docs/cli.md), which each test measures first with
// the output going to /dev/null. Each output is larger than a pipe's buffer (64 KiB), so the writes do
// outlive the reader. A write error that is not a closed pipe (/dev/full) is an I/O error: status 2.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CORPUS, REPO, haveShared } from "../support/shared";

const CLI = path.join(REPO, "dist", "cli.js");

/** A shell word. */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

interface Piped {
  /** The CLI's status (PIPESTATUS[0]). */
  status: number;
  stderr: string;
}

/**
 * Runs `node dist/cli.js ARGS` in bash, its stdout into `reader` (a shell command such as `head -1`), or,
 * with `stderrToReader`, its stderr into the reader and its stdout to /dev/null.
 */
function piped(args: string[], reader: string, dir: string, stderrToReader = false, stdin?: string): Piped {
  const err = path.join(dir, "stderr.txt");
  const status = path.join(dir, "status.txt");
  const cli = [process.execPath, CLI, ...args].map(q).join(" ") + (stdin === undefined ? "" : ` < ${q(stdin)}`);
  const redirect = stderrToReader ? "2>&1 >/dev/null" : `2>${q(err)}`;
  const script = `${cli} ${redirect} | ${reader} >/dev/null; echo "\${PIPESTATUS[0]}" > ${q(status)}`;
  fs.writeFileSync(err, "");
  const r = spawnSync("bash", ["-c", script], { cwd: dir, encoding: "utf8", timeout: 300_000 });
  assert.equal(r.status, 0, `bash: ${r.stderr}`);
  return { status: Number(fs.readFileSync(status, "utf8")), stderr: fs.readFileSync(err, "utf8") };
}

/** The status and stderr with the whole output read (to /dev/null). */
function whole(args: string[], dir: string, stdin?: string): Piped {
  const input = stdin === undefined ? "ignore" : fs.openSync(stdin, "r");
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    encoding: "utf8",
    stdio: [input, "ignore", "pipe"],
    timeout: 300_000,
  });
  if (typeof input === "number") fs.closeSync(input);
  return { status: r.status ?? -1, stderr: r.stderr };
}

function assertQuiet(what: string, p: Piped): void {
  for (const bad of [/EPIPE/, /\n\s+at /, /node:events/, /Unhandled 'error' event/, /Error:/])
    assert.doesNotMatch(p.stderr, bad, `${what}: ${p.stderr.slice(0, 2000)}`);
}

/** One server, `n` locations proxying to https, half of them through a variable: a large payload and diff. */
function largeConfig(dir: string, n: number): string {
  const lines = ["events { }", "http {", "    proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;"];
  lines.push("    proxy_ssl_verify on;", "    server {", "        listen 127.0.0.1:8080;");
  for (let i = 0; i < n; i++) {
    const pass = i % 2 === 0 ? "https://127.0.0.1:9443" : "http://$host$uri";
    lines.push(`        location /l${i}/ {`, `            proxy_pass ${pass};`, "        }");
  }
  lines.push("    }", "}", "");
  fs.writeFileSync(path.join(dir, "nginx.conf"), lines.join("\n"));
  return "nginx.conf";
}

/**
 * `nginx -T` output of one file with `n` unknown directives: with --strict, one finding each (~500 KB of
 * text), read from standard input.
 */
function largeDump(dir: string, n: number): string {
  const lines = ["# configuration file /etc/nginx/nginx.conf:", "events { }", "http {"];
  for (let i = 0; i < n; i++) lines.push(`    unknown_directive_${i} on;`);
  lines.push("}", "");
  fs.writeFileSync(path.join(dir, "dump.txt"), lines.join("\n"));
  return "dump.txt";
}

describe("the CLI into a closed pipe: no stack trace, its own status", function () {
  this.timeout(600_000);
  let dir: string;

  before(function () {
    if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-pipes-"));
    largeConfig(dir, 4000);
    largeDump(dir, 5000);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const needCorpus = (ctx: Mocha.Context): void => {
    if (haveShared()) return;
    if (process.env.CI) throw new Error("CI must provide ../shared (the corpus)");
    ctx.skip();
  };

  const cases: { name: string; args: () => string[]; reader: string; corpus?: boolean; stdin?: string }[] = [
    // Every output format of check, each larger than a pipe's buffer.
    ...(["text", "json", "sarif", "github", "checkstyle"] as const).map((format) => ({
      name: `check --format ${format} --strict - < dump.txt | head -1`,
      args: () => ["check", "--format", format, "--strict", "-"],
      reader: "head -1",
      stdin: "dump.txt",
    })),
    {
      name: "format --diff CORPUS | head -1",
      args: () => ["format", "--diff", CORPUS],
      reader: "head -1",
      corpus: true,
    },
    { name: "check CORPUS | head -1", args: () => ["check", CORPUS], reader: "head -1", corpus: true },
    {
      name: "check --format json CORPUS | head -c 10",
      args: () => ["check", "--format", "json", CORPUS],
      reader: "head -c 10",
      corpus: true,
    },
    {
      name: "parse nginx.conf | head -c 10",
      args: () => ["parse", "nginx.conf", "--indent", "2"],
      reader: "head -c 10",
    },
    {
      name: "fix nginx.conf --diff | head",
      args: () => ["fix", "nginx.conf", "--diff", "--nginx-version", "1.22.1"],
      reader: "head",
    },
  ];
  for (const c of cases) {
    it(`${c.name}: quiet, and the status of a full read`, function () {
      if (c.corpus) needCorpus(this);
      const full = whole(c.args(), dir, c.stdin && path.join(dir, c.stdin));
      const p = piped(c.args(), c.reader, dir, false, c.stdin && path.join(dir, c.stdin));
      assertQuiet(c.name, p);
      assert.equal(p.status, full.status, `${c.name}: status ${p.status}, ${full.status} when read whole\n${p.stderr}`);
      // What goes to stderr is unchanged by the closed stdout (the fix titles and the summary, the files
      // that could not be formatted).
      assert.equal(p.stderr, full.stderr, c.name);
    });
  }

  it("format --check CORPUS with its stderr into head -c 1: quiet, and the status of a full read", function () {
    needCorpus(this);
    const args = ["format", "--check", CORPUS];
    const full = whole(args, dir);
    // Its stderr (one line per file it cannot format, then the summary) goes to head: a crash there
    // would change the status (1, Node's for an uncaught error), as nothing else can show it.
    assert.equal(full.status, 2, full.stderr);
    const p = piped(args, "head -c 1", dir, true);
    assert.equal(p.status, full.status);
  });

  it("check > /dev/full: an I/O error, said on stderr, status 2", function () {
    if (!fs.existsSync("/dev/full")) this.skip();
    const cli = [process.execPath, CLI, "check", "nginx.conf"].map(q).join(" ");
    const r = spawnSync("bash", ["-c", `${cli} > /dev/full`], { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^nginx-risk: cannot write the output: .*ENOSPC/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
