// Suppression comments (rules/suppression.ts) and the "Ignore RULE here" edit (fix/suppress.ts), through the
// built CLI as users run it: each comment silences exactly the findings it names on its statement (or file),
// and rule `suppression` reports the comments that cannot do what they say. The findings silenced are real
// ones: each case first checks that, without the comment, the finding is there.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runChecks } from "../../server/src/rules";
import { suppressionFix } from "../../server/src/fix/suppress";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { isPolicyRule, runCli, type JsonFinding } from "../support/cli";

let dir: string;

function check(text: string, extra: string[] = []): { findings: JsonFinding[]; stdout: string; code: number | null } {
  fs.writeFileSync(path.join(dir, "nginx.conf"), text);
  const r = runCli(["check", "nginx.conf", "--format", "json", "--no-project-config", ...extra], dir);
  // The security and best-practice rules also speak of these configurations (server_tokens left on): not here.
  const findings = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.filter(
    (f) => !isPolicyRule(f.ruleId),
  );
  return { findings, stdout: r.stdout, code: r.code };
}

const brief = (f: JsonFinding): string => `${f.line} ${f.ruleId}/${f.code}`;

/** A main configuration with `body` in http {}. */
const conf = (body: string): string => `events {}\nhttp {\n${body}\n}\n`;

describe("suppression comments", function () {
  this.timeout(120_000);
  before(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-suppress-")));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("silences the named rule on the next statement only, and says nothing else", () => {
    const without = check(conf("    gzip maybe;\n    gzip_vary maybe;"));
    assert.deepEqual(without.findings.map(brief), ["3 value/invalid-flag", "4 value/invalid-flag"]);
    const withIt = check(
      conf("    # nginx-risk-ignore value -- our build takes it\n    gzip maybe;\n    gzip_vary maybe;"),
    );
    assert.deepEqual(withIt.findings.map(brief), ["5 value/invalid-flag"]);
  });

  it("covers the whole block of the statement it precedes, and a statement it follows on its line", () => {
    const body = [
      "    # nginx-risk-ignore value, duplicate -- reviewed",
      "    server {",
      "        listen 127.0.0.1:8080;",
      "        location / { gzip maybe; gzip on; }",
      "    }",
      "    sendfile maybe; # nginx-risk-ignore value -- same line",
      "    tcp_nopush maybe;",
    ].join("\n");
    const without = check(conf(body.replace(/# nginx-risk-ignore[^\n]*/g, "#")));
    assert.deepEqual(without.findings.map(brief).sort(), [
      "6 duplicate/directive",
      "6 value/invalid-flag",
      "8 value/invalid-flag",
      "9 value/invalid-flag",
    ]);
    assert.deepEqual(check(conf(body)).findings.map(brief), ["9 value/invalid-flag"]);
  });

  it("-file silences a rule in its file only, wherever it is written", () => {
    fs.writeFileSync(path.join(dir, "site.conf"), "server {\n    listen 127.0.0.1:8081;\n    gzip maybe;\n}\n");
    const body = "    gzip_vary maybe;\n    include site.conf;\n    # nginx-risk-ignore-file value -- legacy main file";
    const r = check(conf(body));
    assert.deepEqual(
      r.findings.map((f) => `${path.basename(f.file)}:${brief(f)}`),
      ["site.conf:3 value/invalid-flag"],
    );
  });

  it("reports unknown rules, comments with no rule or no statement, syntax, unused rules and a missing reason", () => {
    const body = [
      "    # nginx-risk-ignore valid-referer -- typo",
      "    gzip maybe;",
      "    # nginx-risk-ignore",
      "    sendfile on;",
      "    # nginx-risk-ignore value, duplicate",
      "    tcp_nopush maybe;",
      "    # nginx-risk-ignore syntax -- never",
    ].join("\n");
    const found = check(conf(body)).findings.map((f) => `${brief(f)} ${f.severity}`);
    assert.deepEqual(found.sort(), [
      "3 suppression/unknown-rule warning",
      "4 value/invalid-flag error",
      "5 suppression/no-rule warning",
      "7 suppression/no-reason hint",
      "7 suppression/unused warning",
      "9 suppression/no-statement warning",
      "9 suppression/not-silenced warning",
    ]);
  });

  it("does not take a marker inside a quoted word or a longer word for a comment", () => {
    const r = check(
      conf("    add_header X-Note '# nginx-risk-ignore value';\n    # nginx-risk-ignored value\n    gzip maybe;"),
    );
    assert.deepEqual(r.findings.map(brief), ["5 value/invalid-flag"]);
  });

  it("a silenced error is the user's judgement: the summary's verdict follows it", () => {
    fs.writeFileSync(path.join(dir, "nginx.conf"), conf("    # nginx-risk-ignore value -- x\n    gzip maybe;"));
    const r = runCli(["check", "nginx.conf", "--no-project-config"], dir);
    assert.match(r.stdout, /nginx -t would pass/);
    assert.equal(r.code, 0);
  });

  it("'Ignore RULE here' writes a comment that silences exactly that finding, first on its line or not", () => {
    for (const body of [
      "    gzip maybe;\n    sendfile on;",
      "    server { listen 127.0.0.1:8082; location / { gzip maybe; } }",
    ]) {
      const file = path.join(dir, "nginx.conf");
      fs.writeFileSync(file, conf(body));
      const before = runChecks(loadConfiguration(file), { strict: false });
      const target = before.find((f) => f.ruleId === "value");
      assert.ok(target, `a value finding in ${body}`);
      const fix = suppressionFix(loadConfiguration(file), target);
      assert.ok(fix);
      const text = fs.readFileSync(file, "utf8");
      const [edit] = fix.edits;
      const edited = text.slice(0, edit.range.start.offset) + edit.newText + text.slice(edit.range.end.offset);
      fs.writeFileSync(file, edited);
      const after = runChecks(loadConfiguration(file), { strict: false });
      assert.deepEqual(
        after
          .filter((f) => (f.ruleId !== "suppression" || f.code !== "no-reason") && !isPolicyRule(f.ruleId))
          .map((f) => `${f.ruleId}/${f.code}`),
        [],
        `after the edit:\n${edited}`,
      );
      assert.ok(
        after.some((f) => f.ruleId === "suppression" && f.code === "no-reason"),
        "the reason is left to write",
      );
    }
  });
});
