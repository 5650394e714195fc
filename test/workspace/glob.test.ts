// `include` globs matched as glibc's glob(3) matches them (nginx calls it with no flags), in bounded time.
//
// The oracle is glibc itself: probes/glob-probe.c, compiled here with gcc, runs fnmatch(3) (FNM_PERIOD, as
// glob(3) calls it for each directory entry) and glob(3) on the same inputs as our matcher, in the C locale
// like nginx. Random patterns and names come from fast-check with a fixed seed (NGINX_RISK_FC_SEED overrides
// it). What nginx does with the result — a reversed range reads nothing, `.*` reads "." — is asked of the
// real `nginx -t`.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { fnmatchSegment, type MatchCounter } from "../../server/src/workspace/fnmatch";
import { expandGlob } from "../../server/src/workspace/glob";
import { nginxBinary, REPO } from "../support/shared";
import { nginxTestFile } from "../support/nginx";
import { removeTree, tempTree } from "./helpers";

const SEED = Number(process.env.NGINX_RISK_FC_SEED ?? 0x676c6f62);
const PROBE_SOURCE = path.join(REPO, "test/workspace/probes/glob-probe.c");

/** Skips with a reason locally; under CI=true a missing tool is a failure. */
function need(ctx: Mocha.Context, ok: boolean, what: string): void {
  if (ok) return;
  if (process.env.CI) throw new Error(`CI must install ${what}`);
  ctx.skip();
}

/** Compiles the probe once; null when there is no gcc. */
let probe: string | null | undefined;
let probeDir = "";
function globProbe(): string | null {
  if (probe !== undefined) return probe;
  const dir = (probeDir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-glob-probe-")));
  const bin = path.join(dir, "glob-probe");
  const r = spawnSync("gcc", ["-O1", "-Wall", "-o", bin, PROBE_SOURCE], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    if (r.status !== null && r.status !== 0) throw new Error(`gcc failed on the probe:\n${r.stderr}`);
    probe = null;
  } else {
    probe = bin;
  }
  return probe;
}

/** Runs the probe with NUL-separated fields on stdin; no POSIXLY_CORRECT (it changes `[^…]`), C locale. */
function runProbe(mode: "fnmatch" | "glob", fields: string[]): Buffer {
  const input = Buffer.concat(fields.map((f) => Buffer.from(f + "\0", "utf8")));
  const r = spawnSync(globProbe()!, [mode], { input, env: { PATH: process.env.PATH ?? "" }, maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout;
}

// Pieces of patterns and names: every bracket form glibc knows (negation with ! and ^, a leading ],
// ranges, reversed ranges, classes valid and not, equivalence classes, collating symbols, unclosed),
// escapes, a trailing backslash, a leading ".", and a two-byte UTF-8 character (bytes in the C locale).
const PATTERN_PIECES = [
  ..."abz.-]![^:=\\*?A1 é",
  "[a-c]",
  "[z-a]",
  "[!a]",
  "[^b]",
  "[]a]",
  "[!]]",
  "[a-]",
  "[[:alpha:]]",
  "[[:digit:][:punct:]]",
  "[[:nope:]]",
  "[[:alpha:]",
  "[[=a=]]",
  "[[.a.]]",
  "[[.ab.]]",
  "[[.a.]-c]",
  "[a-[.c.]]",
  "[\\]]",
  "[a\\-z]",
  "[é]",
  "[\\",
  "[",
];
const NAME_PIECES = [..."abcz.-]![^:=\\*?A1 é["];

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}

const piecesOf = (pieces: string[], maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...pieces), { maxLength }).map((a) => a.join(""));

describe("workspace/fnmatch: bounded work", function () {
  it("many `*` against a long name: steps bounded by name × pattern length (a backtracking regex never ended)", function () {
    // Before, each segment became a RegExp: `a*` ten times and `b` against 60 "a"s did not finish in two
    // minutes, and every extra `*` multiplied the time. glibc's algorithm (and ours) never goes back past a
    // `*`, so the work is at most proportional to name length × pattern length; the bound below is 4× that,
    // where the exponential search is beyond 10^15 steps.
    for (const [stars, length] of [
      [10, 60],
      [60, 255],
      [200, 255],
    ]) {
      const pattern = "a*".repeat(stars) + "b";
      const name = "a".repeat(length);
      for (const p of [pattern, "*" + "a".repeat(stars) + "b", "*[ab]".repeat(stars) + "c"]) {
        const counter: MatchCounter = { steps: 0 };
        assert.equal(fnmatchSegment(p, name, counter), false);
        assert.ok(
          counter.steps <= 4 * (p.length + 1) * (name.length + 1),
          `${counter.steps} steps for ${p.length} × ${name.length}`,
        );
      }
    }
  });

  it("an include of such a glob is analysed, not hung (the configuration loads, matching nothing)", function () {
    this.timeout(60000); // generous: it takes milliseconds; the regex took minutes for far less
    const src = new MemoryFileSource({
      "/p/nginx.conf": `events {}\nhttp { include conf.d/${"a*".repeat(60)}b; }\n`,
      [`/p/conf.d/${"a".repeat(250)}`]: "",
    });
    const c = loadConfiguration("/p/nginx.conf", { source: src });
    assert.deepEqual(
      c.edges.map((e) => [e.resolution?.isGlob, e.resolution?.files]),
      [[true, []]],
    );
    assert.deepEqual(c.diagnostics, []);
  });

  it("a reversed range [z-a] matches nothing and does not abort the analysis", function () {
    // `new RegExp("[z-a]")` threw "Range out of order in character class" and `check` exited 2.
    const src = new MemoryFileSource({
      "/p/nginx.conf": "events {}\nhttp { include conf.d/[z-a]*.conf; include conf.d/[a-z]*.conf; }\n",
      "/p/conf.d/x.conf": "server { listen 80; }\n",
    });
    assert.deepEqual(expandGlob("/p/conf.d/[z-a]*.conf", src), []);
    const c = loadConfiguration("/p/nginx.conf", { source: src });
    assert.deepEqual(
      c.instances.map((i) => i.path),
      ["/p/nginx.conf", "/p/conf.d/x.conf"],
    );
    assert.deepEqual(c.diagnostics, [], "an empty glob is accepted, as nginx accepts it");
  });
});

describe("workspace/fnmatch and glob vs glibc (gcc probe)", function () {
  this.timeout(120000);
  before(function () {
    need(this, globProbe() !== null, "gcc (the glob(3)/fnmatch(3) probe is compiled in the test)");
  });
  after(() => probeDir && removeTree(probeDir));

  it("fnmatch(3) with FNM_PERIOD: the same answer on 40,000 random patterns × names", function () {
    const arb = fc.tuple(piecesOf(PATTERN_PIECES, 6), piecesOf(NAME_PIECES, 6));
    const pairs = fc.sample(arb, { seed: SEED, numRuns: 40000 });
    // Names made from their pattern (its magic characters left out) match far more often than random
    // ones: half of the pairs.
    const derived = pairs.map(([p, n], i): [string, string] => [p, i % 2 ? p.replace(/[*?[\]\\]/g, "") : n]);
    const answers = runProbe(
      "fnmatch",
      derived.flatMap(([p, n]) => [p, n]),
    ).toString("latin1");
    assert.equal(answers.length, derived.length);
    const wrong: string[] = [];
    let matches = 0;
    derived.forEach(([p, n], i) => {
      const glibc = answers[i] === "1";
      if (glibc) matches++;
      if (fnmatchSegment(p, n) !== glibc) wrong.push(`${JSON.stringify(p)} vs ${JSON.stringify(n)}: glibc ${glibc}`);
    });
    assert.deepEqual(wrong.slice(0, 20), [], `seed ${SEED}: ${wrong.length} differences`);
    // The sample must exercise matches, not only mismatches.
    assert.ok(matches > 2000, `only ${matches} matches`);
  });

  it("glob(3): the same paths in the same order on a tree with hidden files, links and odd names", function () {
    // Three levels down a private folder: a pattern has at most three segments, so even `../../..` stays
    // inside it (other processes write to the system's temporary folder meanwhile).
    const top = tempTree({});
    const dir = path.join(top, "x/y/z");
    writeTree(dir, {
      "d1/a.conf": "",
      "d1/b.conf": "",
      "d1/.hidden.conf": "",
      "d1/x[1].conf": "",
      "d1/sp ace.conf": "",
      "d1/é.conf": "",
      "d1/-.conf": "",
      "d1/sub/c.conf": "",
      "d2/a.conf": "",
      "d2/*.conf": "",
      "d2/\\x.conf": "",
      "d2/B.conf": "",
      ".dot/a.conf": "",
      "[d/a.conf": "",
      f1: "",
    });
    fs.mkdirSync(path.join(top, "x/y/other"));
    try {
      fs.symlinkSync("d1", path.join(dir, "link"));
      fs.symlinkSync("nowhere", path.join(dir, "dangling"));
      const segment = fc.oneof(
        piecesOf([...PATTERN_PIECES, "d", "1", "2", "conf", "sub", "link", "dangling", "f1", ".dot", "x"], 4),
        fc.constantFrom("*", "d*", "d?", ".*", "*.conf", "[ad]*", "\\d1", "..", ".", "[d", "*/"),
      );
      const patterns = fc
        .sample(fc.array(segment, { minLength: 1, maxLength: 3 }), { seed: SEED + 1, numRuns: 3000 })
        .map((segs) => segs.join("/"))
        // An empty segment (`a//b`, a trailing `/`) never reaches the matcher: include paths are normalised first.
        .filter((p) => !p.split("/").includes(""))
        .map((p) => `${dir}/${p}`);
      const out = runProbe("glob", patterns);
      const lists: string[][] = [];
      let current: string[] = [];
      let start = 0;
      for (let i = 0; i < out.length; i++) {
        if (out[i] !== 0) continue;
        if (i === start) {
          lists.push(current);
          current = [];
        } else current.push(out.subarray(start, i).toString("utf8"));
        start = i + 1;
      }
      assert.equal(lists.length, patterns.length);
      const wrong: string[] = [];
      let nonEmpty = 0;
      patterns.forEach((p, i) => {
        const ours = expandGlob(p);
        if (lists[i].length > 0) nonEmpty++;
        if (JSON.stringify(ours) !== JSON.stringify(lists[i]))
          wrong.push(`${p}: glibc ${JSON.stringify(lists[i])}, ours ${JSON.stringify(ours)}`);
      });
      assert.deepEqual(wrong.slice(0, 10), [], `seed ${SEED + 1}: ${wrong.length} differences`);
      assert.ok(nonEmpty > 200, `only ${nonEmpty} patterns matched anything`);
    } finally {
      removeTree(top);
    }
  });
});

describe("workspace/glob: what nginx -t does with the matches", function () {
  const nginx = nginxBinary();
  let dir = "";
  before(function () {
    need(this, nginx !== null, "nginx (see .ci/run)");
  });
  afterEach(() => dir && removeTree(dir));

  const nginxT = (conf: string): { status: number | null; out: string } => nginxTestFile(nginx!, conf, dir);

  it("a reversed range reads no file: nginx -t passes, and we read nothing and report nothing", function () {
    // x.conf is not valid in http: nginx would fail if the glob matched it.
    dir = tempTree({
      "nginx.conf": "events {}\nhttp { include conf.d/[z-a]*.conf; }\n",
      "conf.d/x.conf": "garbage;\n",
      "conf.d/a.conf": "garbage;\n",
    });
    const conf = path.join(dir, "nginx.conf");
    const r = nginxT(conf);
    assert.equal(r.status, 0, r.out);
    const c = loadConfiguration(conf, { defaultMapping: false });
    assert.deepEqual([...c.files.keys()], [conf]);
    assert.deepEqual(c.diagnostics, []);
  });

  it("`include conf.d/.*;` reads conf.d/. first: nginx -t fails there, and so does our error", function () {
    dir = tempTree({
      "nginx.conf": "events {}\nhttp { include conf.d/.*; }\n",
      "conf.d/.hidden": "# hidden\n",
    });
    const conf = path.join(dir, "nginx.conf");
    const r = nginxT(conf);
    assert.notEqual(r.status, 0);
    const ours = loadConfiguration(conf, { defaultMapping: false }).diagnostics.find(
      (d) => d.code === "include-is-directory",
    );
    assert.ok(ours, "an Is a directory error");
    // nginx: `[crit] pread() "/…/conf.d/." failed (21: Is a directory)`.
    assert.ok(r.out.includes(ours.message), `nginx said:\n${r.out}\nwe say: ${ours.message}`);
  });
});
