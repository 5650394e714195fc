// The bench's inputs (npm run bench, bench/workloads.ts) are what they claim: the generated workspace has a
// million lines and is a configuration the real nginx accepts, large-config ×10 is ten times the servers of
// large-config and still parses without an error, and the 50-line floor is a valid configuration.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import type { Directive, ParsedFile } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";
import { nginxTestFile } from "../support/nginx";
import { REPO, SHARED_CORPUS, nginxBinary } from "../support/shared";

const WORKSPACE_GEN = path.join(REPO, "scripts", "gen-bench-workspace.mjs");
const X10_GEN = path.join(REPO, "scripts", "gen-large-x10.mjs");
const LARGE = path.join(SHARED_CORPUS, "nginxinc+nginx-go-crossplane/testdata/configs/large-config/nginx.conf");

function generate(script: string, args: string[]): void {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
}

function lineCount(file: string): number {
  const text = fs.readFileSync(file, "utf8");
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

function needNginx(ctx: Mocha.Context): string {
  const bin = nginxBinary();
  if (!bin) {
    if (process.env.CI === "true") assert.fail("CI must install nginx");
    ctx.skip();
  }
  return bin!;
}

describe("bench inputs", function () {
  // Writing a million lines (32 MB) and parsing 350,000: seconds, minutes on a loaded machine.
  this.timeout(300_000);
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-bench-gen-"))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("the generated workspace has nginx.conf and 1,000 site files, at least 1,000,000 lines", function () {
    const dir = path.join(tmp, "ws");
    generate(WORKSPACE_GEN, [dir]);
    const sites = fs.readdirSync(path.join(dir, "sites")).filter((f) => f.endsWith(".conf"));
    assert.equal(sites.length, 1000);
    let lines = lineCount(path.join(dir, "nginx.conf"));
    for (const s of sites) {
      const n = lineCount(path.join(dir, "sites", s));
      assert.ok(n >= 1000 && n < 1030, `${s}: ${n} lines`);
      lines += n;
    }
    assert.ok(lines >= 1_000_000, `${lines} lines`);
  });

  it("the generated workspace is the same bytes for the same seed, other bytes for another", function () {
    const read = (d: string): string[] => filesUnder(d).map((f) => fs.readFileSync(f, "utf8"));
    generate(WORKSPACE_GEN, [path.join(tmp, "a"), "--sites", "5"]);
    generate(WORKSPACE_GEN, [path.join(tmp, "b"), "--sites", "5"]);
    generate(WORKSPACE_GEN, [path.join(tmp, "c"), "--sites", "5", "--seed", "14"]);
    assert.deepEqual(read(path.join(tmp, "a")), read(path.join(tmp, "b")));
    assert.notDeepEqual(read(path.join(tmp, "a")), read(path.join(tmp, "c")));
  });

  it("a workspace of the same generator passes nginx -t and reads with no error or warning", function () {
    const bin = needNginx(this);
    // 20 sites (20,000 lines): every site is written by the same code; nginx -t of all 1,000 needs 1.3 GB.
    const dir = path.join(tmp, "ws");
    generate(WORKSPACE_GEN, [dir, "--sites", "20"]);
    const conf = path.join(dir, "nginx.conf");
    const t = nginxTestFile(bin, conf, tmp);
    assert.equal(t.status, 0, t.out);
    const result = runCheck({ inputs: [conf], mappings: [], strict: true });
    assert.deepEqual(result.roots, [conf]);
    assert.equal(result.files, 21);
    assert.deepEqual(
      result.findings.filter((f) => f.severity === "error" || f.severity === "warning").map((f) => f.message),
      [],
    );
  });

  it("large-config x10 repeats large-config's servers ten times and parses without an error", function () {
    if (!fs.existsSync(LARGE)) {
      if (process.env.CI === "true") assert.fail(`${LARGE} is missing`);
      this.skip();
    }
    const out = path.join(tmp, "x10.conf");
    generate(X10_GEN, [LARGE, out]);
    const original = parse(fs.readFileSync(LARGE, "utf8"));
    const x10 = parse(fs.readFileSync(out, "utf8"));
    assert.deepEqual(original.errors, []);
    assert.deepEqual(x10.errors, []);
    const servers = (t: ParsedFile): number => {
      const http = t.children.find((n): n is Directive => n.kind === "directive" && n.name === "http");
      return (http?.block?.children ?? []).filter((n) => n.kind === "directive" && n.name === "server").length;
    };
    assert.equal(servers(original), 4);
    assert.equal(servers(x10), 40);
    // One copy: large-config itself, byte for byte.
    generate(X10_GEN, [LARGE, path.join(tmp, "x1.conf"), "--copies", "1"]);
    assert.equal(fs.readFileSync(path.join(tmp, "x1.conf"), "utf8"), fs.readFileSync(LARGE, "utf8"));
  });

  it("the 50-line floor passes nginx -t", function () {
    const bin = needNginx(this);
    const conf = path.join(tmp, "nginx.conf");
    fs.copyFileSync(path.join(REPO, "bench", "fixtures", "small", "nginx.conf"), conf);
    fs.mkdirSync(path.join(tmp, "logs"));
    assert.equal(lineCount(conf), 50);
    const t = nginxTestFile(bin, conf, tmp);
    assert.equal(t.status, 0, t.out);
  });
});
