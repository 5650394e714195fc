// `check --format github` and `--format checkstyle` (docs/cli.md, docs/ci.md), from the built CLI, read
// back as their consumers read them: GitHub's runner unescapes workflow commands (its ActionCommand
// rules, written again here), and Python's XML parser reads the Checkstyle report. Both must say what the
// JSON output of the same run says, for a tree whose file name and messages hold every character either
// format must escape (`%`, `,`, `:`, CR, LF, tab, `&<>"'`, a control character).

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { xmlAttribute } from "../../server/src/cli/checkstyle";
import { CLI, runCli, type CliRun, type JsonFinding } from "../support/cli";

const cli = (args: string[], cwd: string): CliRun => runCli(args, cwd);

const WEIRD_FILE = "conf.d/a,b:c 50%.conf";

/** Findings of every severity, one file name and one message full of characters to escape. */
function tree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-ci-"));
  const files: Record<string, string> = {
    // An absolute include the tree does not hold and no mapping explains: a warning that names the fix.
    "nginx.conf": "events {}\nhttp {\n    include conf.d/*.conf;\n    include /opt/nginx-risk-absent/extra.conf;\n}\n",
    // --strict: an unknown directive (error) named by a quoted word holding a control character, a tab, a
    // CR LF, XML's specials and `%`; a bundle parsed into two contexts (info) that is outside (info).
    [WEIRD_FILE]: [
      "server {",
      "    listen 80;",
      '    "we\u0001ird&<>\'\tname\r\nnext%,:" on;',
      "    proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
      "    proxy_ssl_verify on;",
      "    location /a/ { proxy_pass https://127.0.0.1:9443; }",
      "    location /b/ { proxy_pass https://127.0.0.1:9443; }",
      "}",
      "",
    ].join("\n"),
    // Included by nothing: analysed in a guessed context (a hint).
    "sites-available/orphan": "location /x {\n    return 204;\n}\n",
  };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** GitHub's runner: `::command key=value,…::message`, values unescaped as ActionCommand.cs does. */
function unescapeProperty(s: string): string {
  return s.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%25/g, "%");
}
function unescapeData(s: string): string {
  return s.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
}
interface Command {
  command: string;
  properties: Record<string, string>;
  message: string;
}
function readCommand(line: string): Command | null {
  const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!m) return null;
  const properties: Record<string, string> = {};
  for (const pair of (m[2] ?? "").split(",").filter((p) => p !== "")) {
    const eq = pair.indexOf("=");
    properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
  }
  return { command: m[1], properties, message: unescapeData(m[3]) };
}

const NOTICE: Record<string, string> = { error: "error", warning: "warning", info: "notice", hint: "notice" };
const CHECKSTYLE: Record<string, string> = { error: "error", warning: "warning", info: "info", hint: "info" };

/** Python's XML parser: the report's elements, or a parse error. */
function parseXml(xml: string): { tag: string; attrib: Record<string, string>; children: unknown[] } {
  const script = [
    "import sys, json, xml.etree.ElementTree as ET",
    "def walk(e): return {'tag': e.tag, 'attrib': dict(e.attrib), 'children': [walk(c) for c in e]}",
    "print(json.dumps(walk(ET.fromstring(sys.stdin.buffer.read()))))",
  ].join("\n");
  const r = spawnSync("python3", ["-c", script], { input: xml, encoding: "utf8" });
  assert.equal(r.status, 0, `python3 cannot parse the XML: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function needPython(ctx: Mocha.Context): void {
  if (spawnSync("python3", ["--version"]).status === 0) return;
  if (process.env.CI) throw new Error("CI must provide python3 (the XML parser of these tests)");
  ctx.skip();
}

describe("check --format github and --format checkstyle", function () {
  this.timeout(120_000);
  let dir: string;
  let json: JsonFinding[];

  before(function () {
    if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
    dir = tree();
    const r = cli(["check", ".", "--strict", "--format", "json"], dir);
    assert.equal(r.code, 1, r.stderr);
    // `data` (the cost figures) has no place in either format.
    json = (JSON.parse(r.stdout) as { findings: (JsonFinding & { data?: unknown })[] }).findings.map(
      ({ data: _data, ...f }) => f,
    );
    // The tree has what the formats must carry: each severity, and the message to escape.
    assert.deepEqual([...new Set(json.map((f) => f.severity))].sort(), ["error", "hint", "info", "warning"]);
    assert.ok(json.some((f) => f.message.includes("\u0001") && f.message.includes("\n")));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("github: one workflow command per finding, read back as the JSON output's place, title and message", function () {
    const r = cli(["check", ".", "--strict", "--format", "github"], dir);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.split("\n");
    assert.equal(lines.pop(), "", "ends with a line break");
    // Nothing a message holds can start a line: one command per finding, then the summary.
    const commands = lines.map(readCommand);
    assert.equal(commands.filter((c) => c !== null).length, json.length, r.stdout);
    assert.equal(commands.length, json.length + 1);
    assert.match(lines[lines.length - 1], /^1 error\(s\), \d+ warning\(s\), \d+ note\(s\) in \d+ file\(s\)/);
    for (const [i, f] of json.entries())
      assert.deepEqual(commands[i], {
        command: NOTICE[f.severity],
        properties: {
          file: f.file,
          line: String(f.line),
          col: String(f.column),
          endLine: String(f.endLine),
          endColumn: String(f.endColumn),
          title: `${f.ruleId}/${f.code}`,
        },
        message: f.message,
      });
    assert.ok(json.some((f) => f.file === WEIRD_FILE));
  });

  it("github: each search stopped at --max-files is an ::error without a file, exit 2", function () {
    const args = ["check", ".", "--max-files", "1"];
    const r = cli([...args, "--format", "github"], dir);
    assert.equal(r.code, 2, r.stderr);
    const { incomplete } = JSON.parse(cli([...args, "--format", "json"], dir).stdout) as {
      incomplete: { message: string }[];
    };
    const commands = r.stdout
      .split("\n")
      .map(readCommand)
      .filter((c) => c?.properties.title === "incomplete");
    assert.deepEqual(
      commands,
      incomplete.map((s) => ({ command: "error", properties: { title: "incomplete" }, message: s.message })),
    );
    assert.ok(commands.length > 0);
  });

  it("checkstyle: XML a parser reads, one <error> per finding with the JSON output's place and message", function () {
    needPython(this);
    const r = cli(["check", ".", "--strict", "--format", "checkstyle"], dir);
    assert.equal(r.code, 1, r.stderr);
    const root = parseXml(r.stdout);
    assert.equal(root.tag, "checkstyle");
    assert.equal(root.attrib.version, "4.3");
    const read: JsonFinding[] = [];
    const files = root.children as { tag: string; attrib: Record<string, string>; children: unknown[] }[];
    for (const file of files) {
      assert.equal(file.tag, "file");
      for (const e of file.children as { tag: string; attrib: Record<string, string> }[]) {
        assert.equal(e.tag, "error");
        const [, ruleId, code] = /^nginx-risk\.([^.]+)\.(.+)$/.exec(e.attrib.source)!;
        read.push({
          ruleId,
          code,
          severity: e.attrib.severity,
          file: file.attrib.name,
          line: Number(e.attrib.line),
          column: Number(e.attrib.column),
          endLine: 0,
          endColumn: 0,
          message: e.attrib.message,
        });
      }
    }
    // Each file once, in the JSON output's order.
    assert.deepEqual(
      files.map((f) => f.attrib.name),
      [...new Set(json.map((f) => f.file))],
    );
    assert.deepEqual(
      read,
      json.map((f) => ({
        ...f,
        severity: CHECKSTYLE[f.severity],
        endLine: 0,
        endColumn: 0,
        // XML 1.0 cannot hold U+0001, even as a reference: written as text.
        message: f.message.split("\u0001").join("\\u{1}"),
      })),
    );
  });

  it("checkstyle: what XML 1.0 cannot hold is written as \\u{…}; the rest survives a parser unchanged", function () {
    needPython(this);
    const text = "a\u0000b\u0008c\u001fd\ud800e\udfff f\ufffe\uffff g\u{1F600}\t\r\n&<>\"'é";
    const root = parseXml(`<x m="${xmlAttribute(text)}"/>`);
    assert.equal(
      root.attrib.m,
      "a\\u{0}b\\u{8}c\\u{1F}d\\u{D800}e\\u{DFFF} f\\u{FFFE}\\u{FFFF} g\u{1F600}\t\r\n&<>\"'é",
    );
  });
});
