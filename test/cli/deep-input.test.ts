// Deep nesting and huge lines (issue 11): 10,000 nested locations (nginx accepts them), 500,000 arguments on
// a line, a word of a million characters, 100,000 blocks never closed or nested deeper than nginx can read.
// parse() and the built CLI (`parse`, `check` as text, JSON and SARIF, `format`, `fix`) run on them with
// Node's default stack: no stack overflow, the deepest block is found, the payload is exact, errors are
// positioned. What nginx says about such files is in test/support/deep-inputs.ts.
//
// No time is asserted. The limits below are generous: the quadratic walks these inputs used to cause
// (10^8..10^10 steps) would not finish within them.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Directive, ParsedFile } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";
import {
  DEEPER,
  DEPTH,
  FIRST_LOCATION_LINE,
  MANY,
  WIDE,
  deepUnknown,
  longWord,
  manyLocations,
  nestedLocations,
  nestedLocationsPayload,
  overflowed,
  unclosed,
  wideLines,
} from "../support/deep-inputs";
import { nginxTest } from "../support/nginx";
import { REPO, nginxBinary } from "../support/shared";

const CLI = path.join(REPO, "dist", "cli.js");
const INNER = "proxy_pass http://backend;";
const BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
/** The modules the rich input needs, on one line (line numbers stay those of nestedLocations). */
const MODULES = ["ndk_http_module", "ngx_http_lua_module", "ngx_http_modsecurity_module"]
  .map((m) => `load_module /usr/lib/nginx/modules/${m}.so;`)
  .join(" ");
/**
 * Depth whose payload JSON.stringify cannot write (it throws from about 2,100 nested blocks, each two JSON
 * levels), indented still small enough to keep in memory (~110 MB).
 */
const INDENTED_DEPTH = 2_500;
/** Depth the formatter still indents: 4 spaces × 2 lines × depth² / 2 = 9 MB of indentation, under its 16 MiB. */
const FORMATTED_DEPTH = 1_500;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], cwd: string): Run {
  // Node's default stack: no --stack-size. Output up to 256 MiB (the indented payload is ~70 MB).
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Fails with the output when the run overflowed the stack or exited otherwise than `code`. */
function expectExit(r: Run, code: number, what: string): void {
  assert.ok(!overflowed(r.stderr) && !overflowed(r.stdout.slice(0, 10_000)), `${what}: stack overflow\n${r.stderr}`);
  assert.equal(r.code, code, `${what}: exit ${r.code}\n${r.stderr.slice(0, 2000)}`);
}

/** The deepest `location` of a nestedLocations tree, walking down one block at a time. */
function deepestLocation(file: ParsedFile, depth: number): Directive {
  const http = file.children.find((n): n is Directive => n.kind === "directive" && n.name === "http")!;
  const server = http.block!.children.find((n): n is Directive => n.kind === "directive" && n.name === "server")!;
  let block = server.block!.children;
  let location: Directive | null = null;
  for (let level = 0; level < depth; level++) {
    const next = block.find((n): n is Directive => n.kind === "directive" && n.name === "location");
    assert.ok(next?.block, `no location at level ${level}`);
    assert.equal(next.range.start.line, FIRST_LOCATION_LINE + level);
    location = next;
    block = next.block.children;
  }
  return location!;
}

interface JsonFinding {
  ruleId: string;
  code: string;
  line: number;
  column: number;
  data?: Record<string, unknown>;
}

interface SarifResult {
  ruleId: string;
  locations: { physicalLocation: { region: { startLine: number; startColumn: number } } }[];
}

function jsonFindings(r: Run): JsonFinding[] {
  return JSON.parse(r.stdout).findings;
}

describe("deep and wide inputs: parse() and the built CLI", function () {
  this.timeout(900_000);

  let dir: string;
  const file = (name: string): string => path.join(dir, name, "nginx.conf");
  const inputs: Record<string, string> = {};

  before(function () {
    if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-deep-")));
    Object.assign(inputs, {
      nested: nestedLocations(DEPTH, INNER),
      indented: nestedLocations(INDENTED_DEPTH, INNER),
      formattable: nestedLocations(FORMATTED_DEPTH, INNER),
      // One SSL context per location configuration loading the bundle (lua-nginx-module ≤ 0.10.25), and
      // ModSecurity on without rules: findings about all 10,001 of them, and a fix into the deepest one.
      rich: nestedLocations(DEPTH, "content_by_lua_block { ngx.say('deep') }", {
        head: MODULES,
        extraHttp: `lua_ssl_trusted_certificate ${BUNDLE};`,
        extraServer: "modsecurity on;",
      }),
      misplaced: nestedLocations(DEPTH, `${INNER} listen 8081;`),
      wide: wideLines(WIDE),
      word: longWord(1_000_000),
      unclosed: unclosed(DEEPER),
      unknown: deepUnknown(DEEPER),
      many: manyLocations(MANY),
      cycle: "events {}\nhttp {\n    include nginx.conf;\n}\n",
    });
    for (const [name, text] of Object.entries(inputs)) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(file(name), text);
    }
  });

  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`nginx -t accepts ${DEPTH.toLocaleString("en")} nested locations (the oracle for the depth)`, function () {
    if (!nginxBinary()) {
      if (process.env.CI === "true") assert.fail("CI must install nginx");
      this.skip();
    }
    const verdict = nginxTest(inputs.nested);
    assert.ok(verdict.ok, verdict.output);
  });

  it("parse() reads every input: the deepest block, every argument, errors where they are", function () {
    const nested = parse(inputs.nested);
    assert.deepEqual(nested.errors, []);
    const deepest = deepestLocation(nested, DEPTH);
    const inner = deepest.block!.children[0] as Directive;
    assert.equal(inner.name, "proxy_pass");
    assert.equal(inner.range.start.line, FIRST_LOCATION_LINE + DEPTH);

    const wide = parse(inputs.wide);
    assert.deepEqual(wide.errors, []);
    const http = wide.children[1] as Directive;
    const logFormat = http.block!.children[0] as Directive;
    assert.equal(logFormat.args.length, WIDE + 1);
    const serverName = (http.block!.children[1] as Directive).block!.children[1] as Directive;
    assert.equal(serverName.args.length, WIDE);
    assert.equal(serverName.args[WIDE - 1].value, `h${WIDE - 1}.example.com`);

    const word = parse(inputs.word);
    assert.deepEqual(word.errors, []);

    const open = parse(inputs.unclosed);
    assert.equal(open.errors.length, 1, JSON.stringify(open.errors.slice(0, 3)));
    assert.equal(open.errors[0].code, "unexpected-eof");
    assert.equal(open.errors[0].range.start.line, DEEPER + 3, "at the end of the file");

    const unknown = parse(inputs.unknown);
    assert.deepEqual(unknown.errors, []);
    let levels = 0;
    for (let nodes = unknown.children; nodes.length > 0; levels++) nodes = (nodes[0] as Directive).block!.children;
    assert.equal(levels, DEEPER);
  });

  it("parse prints the exact payload of 10,000 nested locations, and of 100,000 blocks", function () {
    const r = run(["parse", "nginx.conf"], path.join(dir, "nested"));
    expectExit(r, 0, "parse");
    assert.ok(
      r.stdout ===
        nestedLocationsPayload("nginx.conf", DEPTH, { directive: "proxy_pass", args: ["http://backend"] }) + "\n",
      `payload differs; starts ${r.stdout.slice(0, 300)}`,
    );
    const unknown = run(["parse", "nginx.conf", "--no-check-context", "--no-check-args"], path.join(dir, "unknown"));
    expectExit(unknown, 0, "parse of 100,000 nested unknown blocks");
    assert.ok(unknown.stdout.startsWith(`{"status":"ok","errors":[],"config":[{"file":"nginx.conf","status":"ok"`));
    assert.equal(unknown.stdout.split(`"directive":"x"`).length - 1, DEEPER);
    const combined = run(["parse", "nginx.conf", "--combine"], path.join(dir, "nested"));
    expectExit(combined, 0, "parse --combine");
    assert.equal(combined.stdout.split(`{"file":"nginx.conf","directive":"location","line":`).length - 1, DEPTH);
  });

  it(`parse --indent 2 prints ${INDENTED_DEPTH.toLocaleString("en")} nested locations, indented by depth`, function () {
    // 10,000 levels print the same way, but indented they are 1.8 GB (the text grows with the square of
    // the depth): this depth is past JSON.stringify's reach (~2,100 levels of blocks) and ~110 MB.
    const r = run(["parse", "nginx.conf", "--indent", "2"], path.join(dir, "indented"));
    expectExit(r, 0, "parse --indent 2");
    const compact = nestedLocationsPayload("nginx.conf", INDENTED_DEPTH, {
      directive: "proxy_pass",
      args: ["http://backend"],
    });
    // No string of this payload has whitespace: without it, the text is the compact payload.
    assert.ok(r.stdout.replace(/\s+/g, "") === compact, "indented payload differs from the compact one");
    // Each line is indented by two spaces per open bracket before it.
    let depth = 0;
    let lineNo = 0;
    for (const line of r.stdout.split("\n")) {
      if (line === "") continue;
      lineNo++;
      const body = line.trimStart();
      const closes = body.startsWith("}") || body.startsWith("]") ? 1 : 0;
      assert.equal(line.length - body.length, 2 * (depth - closes), `line ${lineNo}: ${line.slice(0, 80)}`);
      for (const c of body) {
        if (c === "{" || c === "[") depth++;
        else if (c === "}" || c === "]") depth--;
      }
    }
    assert.equal(depth, 0);
  });

  it("parse reports 100,000 blocks never closed as crossplane does, with the line", function () {
    const r = run(["parse", "nginx.conf"], path.join(dir, "unclosed"));
    expectExit(r, 1, "parse of unclosed blocks");
    const payload = JSON.parse(r.stdout);
    assert.equal(payload.status, "failed");
    assert.deepEqual(payload.config[0].parsed, []);
    assert.equal(payload.errors.length, 1);
    assert.match(payload.errors[0].error, /^unexpected end of file, expecting "}"/);
    assert.equal(typeof payload.errors[0].line, "number");
  });

  it("check (text, JSON, SARIF) counts all 10,001 location configurations", function () {
    const versions = ["--nginx-version", "1.22.1", "--lua-nginx-module-version", "0.10.23"];
    const cwd = path.join(dir, "rich");
    const json = run(["check", "nginx.conf", "--format", "json", ...versions], cwd);
    expectExit(json, 0, "check --format json");
    const findings = jsonFindings(json);
    const lua = findings.find((f) => f.ruleId === "lua-ssl-per-location");
    assert.ok(lua, JSON.stringify(findings).slice(0, 2000));
    assert.equal(lua.data?.contexts, DEPTH + 1, "the server and every location");
    assert.equal(lua.line, 4, "on the http-level lua_ssl_trusted_certificate");
    const modsec = findings.find((f) => f.ruleId === "modsecurity-unused");
    assert.ok(modsec);
    assert.equal(modsec.data?.locationConfigurations, DEPTH + 1);

    const sarif = run(["check", "nginx.conf", "--format", "sarif", ...versions], cwd);
    expectExit(sarif, 0, "check --format sarif");
    const results: SarifResult[] = JSON.parse(sarif.stdout).runs[0].results;
    assert.deepEqual(
      results.map((x) => [x.ruleId, x.locations[0].physicalLocation.region.startLine]),
      findings.map((f) => [f.ruleId, f.line]),
    );

    const text = run(["check", "nginx.conf", ...versions], cwd);
    expectExit(text, 0, "check");
    assert.match(
      text.stdout,
      /nginx\.conf:4:\d+: warning: "lua_ssl_trusted_certificate" is loaded into 10,001 SSL contexts/,
    );
  });

  it("check places an error in the deepest location, and at the end of 100,000 unclosed blocks", function () {
    const deepLine = FIRST_LOCATION_LINE + DEPTH + 1; // 1-based line of the deepest location's body
    const misplaced = run(["check", "nginx.conf", "--format", "json"], path.join(dir, "misplaced"));
    expectExit(misplaced, 1, "check of the misplaced listen");
    const listen = jsonFindings(misplaced).filter((f) => f.ruleId === "directive");
    assert.deepEqual(
      listen.map((f) => [f.code, f.line, f.column]),
      [["not-allowed-here", deepLine, INNER.length + 2]],
    );
    const sarif = run(["check", "nginx.conf", "--format", "sarif"], path.join(dir, "misplaced"));
    expectExit(sarif, 1, "check --format sarif of the misplaced listen");
    const region = (JSON.parse(sarif.stdout).runs[0].results as SarifResult[]).find((x) => x.ruleId === "directive")!
      .locations[0].physicalLocation.region;
    assert.deepEqual([region.startLine, region.startColumn], [deepLine, INNER.length + 2]);

    const open = run(["check", "nginx.conf", "--format", "json"], path.join(dir, "unclosed"));
    expectExit(open, 1, "check of unclosed blocks");
    const eof = jsonFindings(open).filter((f) => f.ruleId === "syntax");
    assert.deepEqual(
      eof.map((f) => [f.code, f.line, f.column]),
      [["unexpected-eof", DEEPER + 4, 1]],
    );
  });

  it("check reads 500,000 arguments, a million-character word and 100,000 nested unknown blocks", function () {
    for (const name of ["wide", "word", "unknown"]) {
      const r = run(["check", "nginx.conf", "--format", "json"], path.join(dir, name));
      expectExit(r, 0, `check of ${name}`);
      assert.ok(Array.isArray(jsonFindings(r)));
    }
  });

  it("check reports 130,000 findings of one rule (more than push(...list) takes)", function () {
    const r = run(["check", "nginx.conf", "--format", "json", "--nginx-version", "1.22.1"], path.join(dir, "many"));
    expectExit(r, 0, "check of 130,000 locations");
    const findings = jsonFindings(r).filter((f) => f.ruleId === "proxy-ssl-per-location");
    assert.equal(findings.length, MANY, "one per location that loads the bundle");
    assert.deepEqual(
      [findings[0].line, findings[MANY - 1].line],
      [5, 4 + MANY],
      "on each location's proxy_ssl_trusted_certificate",
    );
  });

  it("parse --combine stops at a file that includes itself, with the place", function () {
    const r = run(["parse", "nginx.conf", "--combine"], path.join(dir, "cycle"));
    expectExit(r, 1, "parse --combine of an include cycle");
    const payload = JSON.parse(r.stdout);
    assert.equal(payload.status, "failed");
    assert.deepEqual(payload.errors, [
      { file: "nginx.conf", line: 3, error: `include cycle: "nginx.conf" is already being included in nginx.conf:3` },
    ]);
    // The statements around the include once, without it.
    assert.deepEqual(
      payload.config[0].parsed.map((s: { directive: string; block?: unknown[] }) => [s.directive, s.block?.length]),
      [
        ["events", 0],
        ["http", 0],
      ],
    );
  });

  it("format refuses 10,000 levels with the place, and indents 1,500 levels", function () {
    const deep = run(["format", "nginx.conf", "--check"], path.join(dir, "nested"));
    expectExit(deep, 2, "format --check");
    const innerLine = FIRST_LOCATION_LINE + DEPTH + 1;
    assert.match(
      deep.stderr,
      new RegExp(`^nginx\\.conf:${innerLine}:1: not formatted: blocks nested ${DEPTH + 2} deep`),
    );
    const diff = run(["format", "nginx.conf", "--diff"], path.join(dir, "formattable"));
    expectExit(diff, 1, "format --diff");
    // The deepest statement is indented by its depth: http, server and every location.
    assert.ok(
      diff.stdout.includes(`\n+${" ".repeat(4 * (FORMATTED_DEPTH + 2))}${INNER}\n`),
      "deepest line not indented",
    );
    const wide = run(["format", "nginx.conf", "--check"], path.join(dir, "wide"));
    expectExit(wide, 0, "format --check of 500,000 arguments");
  });

  it("fix moves the bundle into the deepest location, and the result reads back", function () {
    const versions = ["--nginx-version", "1.22.1", "--lua-nginx-module-version", "0.10.23"];
    const cwd = path.join(dir, "rich");
    const diff = run(["fix", "nginx.conf", "--diff", "--rule", "lua-ssl-per-location", ...versions], cwd);
    expectExit(diff, 0, "fix --diff");
    assert.ok(diff.stdout.includes(`\n+lua_ssl_trusted_certificate ${BUNDLE};\n`), diff.stdout.slice(0, 2000));
    const write = run(
      ["fix", "nginx.conf", "--write", "--no-backup", "--rule", "lua-ssl-per-location", ...versions],
      cwd,
    );
    expectExit(write, 0, "fix --write");
    const fixed = parse(fs.readFileSync(file("rich"), "utf8"));
    assert.deepEqual(fixed.errors, []);
    const http = fixed.children.find((n): n is Directive => n.kind === "directive" && n.name === "http")!;
    assert.ok(!http.block!.children.some((n) => n.kind === "directive" && n.name === "lua_ssl_trusted_certificate"));
    const deepest = deepestLocation(fixed, DEPTH);
    assert.deepEqual(
      deepest.block!.children.map((n) => (n.kind === "directive" ? n.name : "#")),
      ["lua_ssl_trusted_certificate", "content_by_lua_block"],
    );
  });
});
