// `nginx-risk check -` (docs/cli.md, "Standard input"), run as users run it: the built CLI with its
// standard input fed by a real pipe. `nginx -T` output comes from the real nginx and must give the findings
// that checking the files themselves gives, named as nginx printed them, without the files being opened;
// a plain configuration must give what the same text as a file in the working directory gives.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLI, runCli, type CliRun as Run, type JsonFinding } from "../support/cli";
import { nginxBinary } from "../support/shared";
import { RECORD_OPENS, recordedOpens } from "../support/secrets";

const cli = runCli;

function tempTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-stdin-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const findingsOf = (r: Run): JsonFinding[] => (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;

/** A configuration `nginx -t` accepts, with findings in two files: an empty include glob, a proxy bundle. */
function site(dir: string): Record<string, string> {
  return {
    "nginx.conf": [
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log;`,
      "events { }",
      "http {",
      `    access_log ${dir}/access.log;`,
      "    include conf.d/*.conf;",
      "    include empty.d/*.conf;",
      "}",
      "",
    ].join("\n"),
    "conf.d/app.conf": [
      "server {",
      "    listen 127.0.0.1:8080;",
      "    proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
      "    proxy_ssl_verify on;",
      "    location /a/ { proxy_pass https://127.0.0.1:9443; }",
      "    location /b/ { proxy_pass https://127.0.0.1:9443; }",
      "}",
      "",
    ].join("\n"),
  };
}

describe("nginx-risk check - (standard input)", function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  const temp = (files: Record<string, string>): string => {
    const d = tempTree(files);
    dirs.push(d);
    return d;
  };

  before(function () {
    if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
  });
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("nginx -T | check -: the findings of the files themselves, named as nginx printed them, none opened", function () {
    const nginx = nginxBinary();
    if (!nginx) {
      if (process.env.CI) throw new Error("CI must provide nginx (the oracle of nginx -T)");
      this.skip();
    }
    const dir = temp({});
    for (const [name, text] of Object.entries(site(dir))) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    fs.mkdirSync(path.join(dir, "empty.d"));
    const dump = spawnSync(nginx, ["-T", "-c", path.join(dir, "nginx.conf"), "-p", `${dir}/`], {
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(dump.status, 0, dump.stderr);
    assert.match(dump.stdout, /^# configuration file .*conf\.d\/app\.conf:$/m);

    const options = ["--format", "json", "--nginx-version", "1.22.1"];
    const fromFiles = cli(["check", "nginx.conf", ...options], dir);
    // Elsewhere, so that nothing of the dump's folder is given: its files are in the dump.
    const elsewhere = temp({});
    const log = path.join(elsewhere, "opens.log");
    const fromStdin = cli(["check", "-", ...options], elsewhere, dump.stdout, {
      NODE_OPTIONS: `--require ${RECORD_OPENS}`,
      NGINX_RISK_RECORD_OPENS: log,
    });
    assert.equal(fromStdin.code, fromFiles.code, fromStdin.stderr);
    const expected = findingsOf(fromFiles);
    assert.ok(
      expected.some((f) => f.ruleId === "proxy-ssl-per-location"),
      JSON.stringify(expected, null, 1),
    );
    // The same findings, with the absolute names `nginx -T` printed (the files were given relative to dir).
    // (The empty glob nginx accepts is no finding in either: docs/rules/include.md.)
    const withoutMessage = ({ message: _m, ...f }: JsonFinding): Omit<JsonFinding, "message"> => f;
    const got = findingsOf(fromStdin);
    assert.deepEqual(
      got.map(withoutMessage),
      expected.map((f) => withoutMessage({ ...f, file: path.join(dir, f.file) })),
    );
    for (const [i, f] of expected.entries()) assert.equal(got[i].message, f.message);
    // The recorder ran (it sees the bundle being loaded), and saw nothing of the dump's folder.
    assert.ok(recordedOpens(log).length > 0, "no opens recorded: the recorder did not run");
    const opened = recordedOpens(log).filter((l) => l.slice(l.indexOf(" ") + 1).startsWith(dir));
    assert.deepEqual(opened, [], "the dump's files are read from the dump, not from the disk");

    // The text output says what was read, the files by the names nginx printed.
    const text = cli(["check", "-", "--nginx-version", "1.22.1"], elsewhere, dump.stdout);
    assert.match(
      text.stdout,
      new RegExp(`^read <stdin> \\(nginx -T output\\): ${dir}/nginx\\.conf, ${dir}/conf\\.d/app\\.conf$`, "m"),
    );
    assert.match(
      text.stdout,
      new RegExp(
        `^${dir}/conf\\.d/app\\.conf:3:5: info: "proxy_ssl_trusted_certificate" is loaded into 2 SSL contexts`,
        "m",
      ),
    );
  });

  it("a plain configuration: <stdin> in the working directory, its conf prefix, as the same text in a file", function () {
    const main = [
      "events { }",
      "http {",
      "    include snippets/*.conf;",
      "    server { listen 80; location / { proxy_pass http://app } }",
      "}",
      "",
    ].join("\n");
    const dir = temp({
      "nginx.conf": main,
      "snippets/broken.conf": "proxy_http_version 1.1 2.0;\n",
    });
    const fromFile = cli(["check", "nginx.conf", "--format", "json"], dir);
    const fromStdin = cli(["check", "-", "--format", "json"], dir, main);
    assert.equal(fromStdin.code, 1, fromStdin.stderr);
    assert.equal(fromStdin.code, fromFile.code);
    const expected = findingsOf(fromFile);
    // An error in each file: the include was followed from the working directory.
    assert.deepEqual([...new Set(expected.map((f) => f.file))].sort(), ["nginx.conf", "snippets/broken.conf"]);
    assert.deepEqual(
      findingsOf(fromStdin),
      expected.map((f) => (f.file === "nginx.conf" ? { ...f, file: "<stdin>" } : f)),
    );
    const text = cli(["check", "-"], dir, main);
    assert.match(text.stdout, /^read <stdin> and what it includes: snippets\/broken\.conf$/m);
    assert.match(text.stdout, /^<stdin>:4:\d+: error: "proxy_pass" directive is not terminated by ";"/m);
  });

  it("bytes as a file's: invalid UTF-8 and a byte order mark are positioned findings", function () {
    const dir = temp({});
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from("events { }\nhttp { server { listen 80; return 200 '"),
      Buffer.from([0xff]),
      Buffer.from("'; } }\n"),
    ]);
    const r = cli(["check", "-", "--format", "json"], dir, bytes);
    assert.equal(r.code, 1, r.stderr);
    const byCode = new Map(findingsOf(r).map((f) => [f.code, f]));
    assert.deepEqual(
      ["utf8-bom", "invalid-utf8"].map((c) => [byCode.get(c)?.file, byCode.get(c)?.line, byCode.get(c)?.severity]),
      [
        ["<stdin>", 1, "error"],
        ["<stdin>", 2, "warning"],
      ],
    );
  });

  it("more than --config-size-limit: refused with a message, status 2", function () {
    const dir = temp({});
    const big = "# padding\n".repeat(20_000); // 200,000 bytes
    const r = cli(["check", "-", "--config-size-limit", "0.1"], dir, big);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^nginx-risk: standard input is larger than the configuration size limit \(0\.1 MiB/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(cli(["check", "-", "--config-size-limit", "1"], dir, big).code, 0);
  });

  it('usage: "-" once, not with --root, and only for check', function () {
    const dir = temp({ "nginx.conf": "events { }\n" });
    for (const args of [
      ["check", "-", "-"],
      ["check", "-", "--root", "nginx.conf"],
      ["fix", "-", "--diff"],
      ["format", "-", "--check"],
      ["parse", "-"],
    ]) {
      const r = cli(args, dir, "events { }\n");
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}`);
      assert.match(r.stderr, /^nginx-risk: .*"-"/m, args.join(" "));
    }
  });
});
