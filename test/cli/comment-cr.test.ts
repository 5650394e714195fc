// The built CLI reads what nginx reads: a directive after a lone CR inside a `#` comment (nginx ends a
// comment only at LF) is not in `parse`'s payload, gets no finding from `check` (only the warning that says
// it is hidden) and no fix from `fix`. The same text with a real line break there has all three, so each
// assertion can fail.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HIDDEN, HIDDEN_COLUMN, HIDDEN_LINE, RULES_TEXT, VISIBLE } from "../support/comment-cr";
import { isPolicyRule } from "../support/cli";
import { REPO } from "../support/shared";

const CLI = path.join(REPO, "dist", "cli.js");

function run(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface PayloadStatement {
  directive: string;
  args: string[];
  comment?: string;
  block?: PayloadStatement[];
}

describe("CLI: text after a lone CR inside a comment is not analysed", function () {
  let dir = "";
  before(function () {
    if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-cr-cli-"));
    fs.mkdirSync(path.join(dir, "modsec"));
    fs.writeFileSync(path.join(dir, "modsec/main.conf"), RULES_TEXT);
    fs.writeFileSync(path.join(dir, "hidden.conf"), HIDDEN);
    fs.writeFileSync(path.join(dir, "visible.conf"), VISIBLE);
  });
  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const serverBlock = (file: string): PayloadStatement[] => {
    const r = run(["parse", file, "--include-comments"], dir);
    assert.equal(r.code, 0, r.stderr);
    const parsed = JSON.parse(r.stdout).config[0].parsed as PayloadStatement[];
    return parsed[1].block!.find((s) => s.directive === "server")!.block!;
  };

  it("parse: the directive is not in the payload; the comment holds it", function () {
    assert.deepEqual(
      serverBlock("hidden.conf").map((s) => [s.directive, s.args, s.comment]),
      [
        ["listen", ["80"], undefined],
        ["#", [], " moved to http:\r        modsecurity_rules_file /etc/nginx/modsec/main.conf;"],
      ],
    );
    assert.deepEqual(
      serverBlock("visible.conf").map((s) => s.directive),
      ["listen", "#", "modsecurity_rules_file"],
    );
  });

  it("check: no finding but the warning on the hidden text, placed where the editor shows it", function () {
    // Rule file's note that the absolute modsecurity_rules_file is not in the workspace is not about the CR.
    const findings = (file: string): { code: string; line: number; column: number }[] =>
      (
        JSON.parse(run(["check", file, "--format", "json"], dir).stdout).findings as {
          ruleId: string;
          code: string;
          line: number;
          column: number;
        }[]
      ).filter((f) => f.code !== "not-checked" && !isPolicyRule(f.ruleId));
    const hidden = findings("hidden.conf");
    assert.deepEqual(
      hidden.map((f) => [f.code, f.line, f.column]),
      // From right after the CR: the start of the editor line.
      [["comment-continues-past-cr", HIDDEN_LINE + 1, 1]],
    );
    assert.deepEqual(
      findings("visible.conf").map((f) => [f.code, f.line, f.column]),
      [["rules-loaded-twice", HIDDEN_LINE + 1, HIDDEN_COLUMN + 1]],
    );
    // The warning says which line nginx counts it on (it counts LFs only).
    const text = run(["check", "hidden.conf"], dir).stdout;
    assert.match(text, /for nginx this text is on line 7\)/);
  });

  it("fix: nothing to fix (and the visible version has its fix)", function () {
    const hidden = run(["fix", "hidden.conf", "--diff"], dir);
    assert.equal(hidden.stdout, "");
    assert.match(hidden.stderr, /^0 fixes in the diff/m);
    const visible = run(["fix", "visible.conf", "--diff"], dir);
    assert.match(visible.stdout, /^- {8}modsecurity_rules_file \/etc\/nginx\/modsec\/main\.conf;$/m);
  });
});
