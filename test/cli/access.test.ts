// What the built CLI reads and shows (issue 11): a workspace with secrets planted around it
// (test/support/secrets.ts) reached by absolute include, `../`, glob, symbolic link, CA bundle directives and
// /proc/self/environ (holding a token exported to the process), a FIFO named x.conf and an .env inside.
// Every command's every output format is searched for every token, and the process's own `fs` is recorded
// (a preload, no strace) to show the files were not even opened. The positive control: an outside file that
// reads as configuration is opened once `--allow-read` allows it, so the recording does see opens.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { buildIncludeGraph, findCandidateFiles } from "../../server/src/workspace/roots";
import { CORPUS, REPO, haveShared, readManifest } from "../support/shared";
import { CorpusSource } from "../workspace/helpers";
import {
  ENV_TOKEN_NAME,
  RECORD_OPENS,
  forbiddenOpens,
  leakedTokens,
  plantWorkspace,
  recordedOpens,
  type PlantedWorkspace,
} from "../support/secrets";

const CLI = path.join(REPO, "dist", "cli.js");

interface Run {
  code: number | null;
  stdout: string;
  /** stdout and stderr. */
  out: string;
  opens: string[];
}

/**
 * Runs the built CLI in `cwd` with the recorder. 60 s is two orders of magnitude above a run here (~0.5 s):
 * a read blocked on the FIFO would hang forever and fail the run instead.
 */
function cli(planted: PlantedWorkspace, args: string[], cwd = planted.ws): Run {
  const log = path.join(planted.dir, `opens-${process.hrtime.bigint()}.log`);
  const r = spawnSync(process.execPath, ["-r", RECORD_OPENS, CLI, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, [ENV_TOKEN_NAME]: planted.envToken, NGINX_RISK_RECORD_OPENS: log },
  });
  assert.equal(r.error, undefined, `nginx-risk ${args.join(" ")}: ${String(r.error)}`);
  return { code: r.status, stdout: r.stdout, out: `${r.stdout}\n${r.stderr}`, opens: recordedOpens(log) };
}

describe("the CLI reads only what it is given and never shows a secret", function () {
  this.timeout(240_000);
  let planted: PlantedWorkspace;

  before(function () {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    planted = plantWorkspace();
  });
  after(function () {
    if (planted) fs.rmSync(planted.dir, { recursive: true, force: true });
  });

  const COMMANDS: string[][] = [
    ["check", "."],
    ["check", ".", "--format", "json"],
    ["check", ".", "--format", "sarif"],
    ["check", ".", "--strict", "--format", "json"],
    ["check", "nginx.conf", "--strict"],
    ["check", "--root", "nginx.conf", "--format", "sarif"],
    ["parse", "nginx.conf", "--indent", "1"],
    ["parse", "nginx.conf", "--combine", "--strict"],
    ["fix", ".", "--diff"],
    ["format", ".", "--diff"],
  ];

  for (const args of COMMANDS) {
    it(`nginx-risk ${args.join(" ")}: no token in the output, no secret opened`, function () {
      const r = cli(planted, args);
      assert.deepEqual(leakedTokens(planted, r.out), [], r.out);
      assert.deepEqual(forbiddenOpens(planted, r.opens), []);
      // The recording works: the main file was opened (format opens every candidate, nginx.conf among them).
      assert.ok(r.opens.includes(`open ${planted.main}`), r.opens.join("\n"));
    });
  }

  it("each refused path is said at its directive, with how to allow it; the FIFO did not block", function () {
    if (!fs.existsSync(planted.fifo)) this.skip(); // no mkfifo here
    const r = cli(planted, ["check", ".", "--format", "json", "--fail-on", "never"]);
    const findings = JSON.parse(r.stdout).findings as {
      ruleId: string;
      code: string;
      file: string;
      line: number;
      message: string;
    }[];
    const access = findings.filter((f) => f.ruleId === "access");
    const at = (line: number): string[] =>
      access.filter((f) => f.file === "nginx.conf" && f.line === line).map((f) => f.code);
    // Lines of nginx.conf (1-based): the includes from line 3, the bundle directive on line 11.
    assert.deepEqual(at(3), ["read-outside"]); // absolute path
    assert.deepEqual(at(4), ["read-outside"]); // ../
    assert.deepEqual(at(5), ["read-outside"]); // a glob whose folder is outside
    assert.deepEqual(at(6), ["read-outside"]); // a glob match that is a link out
    assert.deepEqual(at(7), ["read-outside"]); // a link out
    assert.deepEqual(at(8), ["read-system"]); // /proc/self/environ
    assert.deepEqual(at(9), ["read-special"]); // the FIFO
    assert.deepEqual(at(10), ["not-configuration"]); // local.env: inside, read, not shown
    assert.deepEqual(at(11), ["read-outside"]); // the CA bundle
    for (const f of access.filter((x) => x.code === "read-outside"))
      assert.match(f.message, /--allow-read PATH/, f.message);
    // The candidates of conf.d/ that link to the environment and out of the folder: not read either.
    const roots = access.filter((f) => f.file.includes("conf.d/")).map((f) => `${path.basename(f.file)} ${f.code}`);
    assert.deepEqual(roots.sort(), ["environ.conf read-system", "passwd.conf read-outside"]);
    // The estimate goes on: the bundle is not a system CA store, so its size is unknown, and said (no bytes
    // guessed for it); its contexts are still counted.
    const lua = findings.find((f) => f.ruleId === "lua-ssl-per-location");
    assert.ok(lua, JSON.stringify(findings.map((f) => f.ruleId)));
    assert.match(lua.message, /the size of \S*bundle\.pem is unknown \(it is outside what was opened\)/);
    assert.doesNotMatch(lua.message, /assumed 219,597 B/);
  });

  it("--allow-read widens what is read (the positive control), and still shows no secret", function () {
    const r = cli(planted, ["check", ".", "--allow-read", planted.outside, "--strict", "--format", "json"]);
    // The outside configuration is read now: the recording sees it, so it would see the others too.
    assert.ok(r.opens.includes(`open ${planted.outsideConfig}`), r.opens.join("\n"));
    // Its unknown directive is the token: shown, since it reads as configuration and was allowed.
    const conf = [...planted.tokens].find(([, where]) => where === "outside/conf/evil.conf")![0];
    assert.ok(r.out.includes(conf), "the allowed configuration's unknown directive is reported");
    // The secret files outside are read now but are not configuration: nothing of them is shown.
    const others = leakedTokens(planted, r.out).filter((x) => !x.startsWith(conf));
    assert.deepEqual(others, []);
    // Never /proc, never the FIFO, whatever is allowed.
    assert.deepEqual(
      r.opens.filter((l) => /^\S+ \/(proc|sys|dev)\//.test(l) || l.endsWith(planted.fifo)),
      [],
    );
  });

  it("a file named on the command line is read even through a link out of its folder, and only it", function () {
    const dir = path.join(planted.dir, "named");
    fs.mkdirSync(dir, { recursive: true });
    const named = path.join(dir, "site.conf");
    fs.symlinkSync(planted.outsideConfig, named);
    const r = cli(planted, ["check", "site.conf", "--strict", "--format", "json"], dir);
    assert.ok(r.opens.includes(`open ${planted.outsideConfig}`), r.opens.join("\n"));
    // What the user named is shown (its unknown directive is a token), nothing else of outside is opened.
    const conf = [...planted.tokens].find(([, where]) => where === "outside/conf/evil.conf")![0];
    assert.ok(r.stdout.includes(conf));
    assert.deepEqual(
      forbiddenOpens(planted, r.opens).filter((l) => !l.endsWith(planted.outsideConfig)),
      [],
    );
  });

  it("a size limit: an oversized file is said, not read; a CA bundle is estimated from its size", function () {
    const dir = path.join(planted.dir, "sizes");
    fs.mkdirSync(dir, { recursive: true });
    // 2 MiB of configuration (limit 1 MiB), a 3 MiB bundle of ~2,062 certificates (limit 1 MiB).
    const line = "    add_header X-Padding 0123456789012345678901234567890123456789;\n";
    fs.writeFileSync(path.join(dir, "big.conf"), line.repeat(Math.ceil((2 * 1024 * 1024) / line.length)));
    const pem = "-----BEGIN CERTIFICATE-----\n" + "A".repeat(1460) + "\n-----END CERTIFICATE-----\n";
    const certs = Math.ceil((3 * 1024 * 1024) / pem.length);
    fs.writeFileSync(path.join(dir, "bundle.pem"), pem.repeat(certs));
    fs.writeFileSync(
      path.join(dir, "nginx.conf"),
      "events {}\nhttp {\n    include big.conf;\n    lua_ssl_trusted_certificate bundle.pem;\n" +
        "    server { location / { content_by_lua_block { } } location /b { content_by_lua_block { } } }\n}\n",
    );
    const r = cli(
      planted,
      ["check", "nginx.conf", "--format", "json", "--config-size-limit", "1", "--bundle-size-limit", "1"],
      dir,
    );
    assert.ok(!r.opens.some((l) => l.endsWith("/big.conf") || l.endsWith("/bundle.pem")), r.opens.join("\n"));
    const findings = JSON.parse(r.stdout).findings as {
      code: string;
      line: number;
      message: string;
      data?: { bundle?: { bytes: number; certificates: number; assumed: boolean } };
    }[];
    const big = findings.find((f) => f.code === "read-too-large" && f.line === 3);
    assert.ok(big, JSON.stringify(findings));
    assert.match(big.message, /2\.0 MiB is over the 1\.0 MiB limit/);
    const lua = findings.find((f) => f.data?.bundle);
    assert.ok(lua, JSON.stringify(findings));
    const size = fs.statSync(path.join(dir, "bundle.pem")).size;
    assert.equal(lua.data!.bundle!.bytes, size);
    // Estimated at Debian's 1,525 B per certificate: within 5% of the real count (1,519 B each here).
    assert.ok(
      Math.abs(lua.data!.bundle!.certificates - certs) / certs < 0.05,
      `${lua.data!.bundle!.certificates} ≉ ${certs}`,
    );
  });
});

describe("the shared corpus with its link stubs as real symbolic links", function () {
  this.timeout(300_000);
  let copy: string;
  let linked: string[];
  let stubTargets: Map<string, string>;

  before(function () {
    if (!haveShared()) this.skip();
    copy = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-corpus-links-")));
    fs.cpSync(CORPUS, copy, { recursive: true });
    const links = readManifest().filter((e) => e.linkTo);
    for (const e of links) {
      const p = path.join(copy, e.path);
      fs.rmSync(p);
      fs.symlinkSync(path.relative(path.dirname(p), path.join(copy, e.linkTo!)), p);
    }
    linked = [...new Set(links.map((e) => e.path.split("/")[0]))].sort();
    stubTargets = new Map(links.map((e) => [path.join(CORPUS, e.path), path.join(CORPUS, e.linkTo!)]));
  });
  after(function () {
    if (copy) fs.rmSync(copy, { recursive: true, force: true });
  });

  it("the corpus as the workspace: every link is followed, as the emulated stubs are", function () {
    assert.ok(linked.length >= 2, linked.join());
    for (const repo of linked) {
      const result = runCheck({
        inputs: [path.join(copy, repo)],
        mappings: [],
        strict: false,
        access: { allowRead: [copy] },
      });
      // Paths the corpus names on the server (/etc/letsencrypt/…) stay outside; no link in it is refused.
      const refused = result.findings.filter((f) => f.code.startsWith("read-") && /symbolic link/.test(f.message));
      assert.deepEqual(refused, [], `${repo}: ${refused.map((f) => f.message).join("\n")}`);
      // The same files per main file as the stubs give when a source follows them (test/workspace/helpers.ts),
      // a stub's real path being its target's (so sites-available/x is not a main file of its own).
      const source = new CorpusSource();
      source.realpath = (p: string): string => stubTargets.get(p) ?? p;
      const graph = buildIncludeGraph(findCandidateFiles(path.join(CORPUS, repo), { source }), {
        source,
        mappings: [],
      });
      const expected = [...graph.configurations].map(([root, c]) => `${path.relative(CORPUS, root)}: ${c.files.size}`);
      const got = [...result.filesByRoot].map(([root, files]) => `${path.relative(copy, root)}: ${files.length}`);
      assert.deepEqual(got.sort(), expected.sort(), repo);
    }
  });

  it("one repository folder as the workspace: a link into another one is refused, and says how to allow it", function () {
    const repo = "digitalocean+nginxconfig.io";
    const result = runCheck({ inputs: [path.join(copy, repo)], mappings: [], strict: false });
    const out = readManifest().filter(
      (e) => e.linkTo && e.path.startsWith(repo + "/") && !e.linkTo.startsWith(repo + "/"),
    );
    assert.ok(out.length > 0, "the folder has links into other repositories");
    const refused = result.findings.filter((f) => f.code === "read-outside" && /symbolic link/.test(f.message));
    assert.ok(refused.length > 0);
    for (const f of refused) assert.match(f.message, /through a symbolic link.*--allow-read PATH/);
  });
});
