// .nginx-risk.json through the built CLI (workspace/project-config.ts): found upward from the inputs to the
// working directory and no further, rule levels and versions applied, the command line over the file,
// problems reported without stopping the check, and mapping targets kept inside the file's folder.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { knownRules } from "../../server/src/rules/rule-settings";
import { runCli, type JsonFinding } from "../support/cli";
import { REPO } from "../support/shared";

let dir: string;

const MAIN = "events {}\nhttp {\n    gzip maybe;\n    http2 on;\n}\n";

function json(args: string[], cwd: string): { findings: JsonFinding[]; stderr: string; code: number | null } {
  const r = runCli(["check", ...args, "--format", "json"], cwd);
  return { findings: (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings, stderr: r.stderr, code: r.code };
}

const brief = (f: JsonFinding): string => `${f.ruleId}/${f.code} ${f.severity}`;

describe("cli: the project configuration file (.nginx-risk.json)", function () {
  this.timeout(120_000);
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-project-")));
    fs.mkdirSync(path.join(dir, "repo", "deploy", "nginx"), { recursive: true });
    fs.writeFileSync(path.join(dir, "repo", "deploy", "nginx", "nginx.conf"), MAIN);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (rel: string, value: unknown): void =>
    fs.writeFileSync(path.join(dir, rel), typeof value === "string" ? value : JSON.stringify(value));

  it("without a file: the rules' own levels", () => {
    const r = json(["deploy/nginx/nginx.conf", "--nginx-version", "1.22.1"], path.join(dir, "repo"));
    assert.deepEqual(r.findings.map(brief), ["value/invalid-flag error", "directive/not-in-version error"]);
  });

  it("found upward to the working directory: levels, off, and versions apply; the verdict stays nginx's", () => {
    write("repo/.nginx-risk.json", {
      rules: { value: "warning", directive: "off" },
      versions: { nginx: "1.22.1" },
    });
    const r = json(["deploy/nginx/nginx.conf"], path.join(dir, "repo"));
    assert.deepEqual(r.findings.map(brief), ["value/invalid-flag warning"]);
    const text = runCli(["check", "deploy/nginx/nginx.conf"], path.join(dir, "repo"));
    // Downgraded, the finding still says nginx -t refuses the file.
    assert.match(text.stdout, /nginx -t would fail/);
  });

  it("is not looked for above the working directory, and --no-project-config reads none", () => {
    write(".nginx-risk.json", { rules: { value: "off" } });
    const r = json(["deploy/nginx/nginx.conf", "--nginx-version", "1.22.1"], path.join(dir, "repo"));
    assert.ok(
      r.findings.some((f) => f.ruleId === "value"),
      "the file above the working directory is not read",
    );
    write("repo/.nginx-risk.json", { rules: { value: "off" } });
    const off = json(["deploy/nginx/nginx.conf"], path.join(dir, "repo"));
    assert.ok(!off.findings.some((f) => f.ruleId === "value"));
    const none = json(["deploy/nginx/nginx.conf", "--no-project-config"], path.join(dir, "repo"));
    assert.ok(none.findings.some((f) => f.ruleId === "value"));
  });

  it("the command line overrides it; --project-config names one anywhere", () => {
    write("repo/.nginx-risk.json", { versions: { nginx: "1.25.1" } });
    // 1.25.1 has `http2 on`; --nginx-version 1.22.1 does not.
    const file = json(["deploy/nginx/nginx.conf"], path.join(dir, "repo"));
    assert.ok(!file.findings.some((f) => f.code === "not-in-version"));
    const flag = json(["deploy/nginx/nginx.conf", "--nginx-version", "1.22.1"], path.join(dir, "repo"));
    assert.ok(flag.findings.some((f) => f.code === "not-in-version"));
    write("other.json", { rules: { value: "off" } });
    const named = json(["deploy/nginx/nginx.conf", "--project-config", "../other.json"], path.join(dir, "repo"));
    assert.ok(!named.findings.some((f) => f.ruleId === "value"));
  });

  it("reports what it cannot use and applies the rest; a mapping may not leave the file's folder", () => {
    fs.writeFileSync(path.join(dir, "secret.conf"), "user root;\n");
    fs.writeFileSync(
      path.join(dir, "repo", "deploy", "nginx", "nginx.conf"),
      "events {}\ninclude /outside/secret.conf;\nhttp {\n    gzip maybe;\n}\n",
    );
    write("repo/.nginx-risk.json", {
      rules: { value: "off", "no-such-rule": "off", regex: "loud" },
      versions: { nginx: "one" },
      pathMappings: { "/outside": "..", "/inside": "deploy" },
      colour: "red",
    });
    const r = json(["deploy/nginx/nginx.conf"], path.join(dir, "repo"));
    for (const said of [
      /"rules": there is no rule "no-such-rule"/,
      /"rules"\."regex": "loud" is not one of off, error, warning, info, hint/,
      /"versions"\.nginx: expected a version/,
      /"pathMappings"\."\/outside": "\.\." is outside the folder of \.nginx-risk\.json: not used/,
      /"colour" is not a setting of this file/,
    ])
      assert.match(r.stderr, said);
    assert.ok(!r.findings.some((f) => f.ruleId === "value"), "the rest of the file applies");
    // The include under /outside is not read: the mapping to ../ was not used (the file is outside what was
    // given, and said so), and nothing of it is quoted.
    assert.ok(!JSON.stringify(r.findings).includes("user root"));
    assert.deepEqual(r.findings.map(brief), ["access/read-outside warning"]);
  });

  it("a file that is not JSON is reported, and the check goes on", () => {
    write("repo/.nginx-risk.json", "{ rules: ");
    const r = json(["deploy/nginx/nginx.conf"], path.join(dir, "repo"));
    assert.match(r.stderr, /\.nginx-risk\.json: not JSON/);
    assert.ok(r.findings.some((f) => f.ruleId === "value"));
  });

  it("the JSON schema the build writes offers every rule but syntax, and VS Code is given it", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, "dist", "nginx-risk.schema.json"), "utf8")) as {
      properties: { rules: { properties: Record<string, unknown> } };
    };
    assert.deepEqual(
      Object.keys(schema.properties.rules.properties).sort(),
      knownRules().filter((id) => id !== "syntax"),
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
      contributes: { jsonValidation: { fileMatch: string; url: string }[] };
      files: string[];
    };
    assert.deepEqual(pkg.contributes.jsonValidation, [
      { fileMatch: ".nginx-risk.json", url: "./dist/nginx-risk.schema.json" },
    ]);
    assert.ok(pkg.files.includes("dist/nginx-risk.schema.json"));
  });
});
