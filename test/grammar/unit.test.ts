// The hand-written syntax tests of test/grammar/unit/ (vscode-tmgrammar-test's `# SYNTAX TEST "source.nginx"`
// format: each `#   ^^^ scope - excluded` line asserts the scopes of the characters above it), run by the tool's
// own CLI over the grammar package.json declares. One file per feature of the highlighting, each with the cases
// other nginx grammars get wrong (a `}` in a Lua string, `#` inside a word or quotes, `${var}` braces, `;` in quotes).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/shared";

const CLI = path.join(REPO, "node_modules/vscode-tmgrammar-test/dist/unit.js");
const UNIT = path.join(REPO, "test/grammar/unit");

function runUnit(files: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [CLI, "--config", path.join(REPO, "package.json"), ...files], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe("grammar: syntax tests (vscode-tmgrammar-test)", function () {
  this.timeout(60_000);

  it("passes every assertion of test/grammar/unit/*.test.nginx", () => {
    const files = fs.readdirSync(UNIT).filter((f) => f.endsWith(".test.nginx"));
    for (const feature of ["directives", "comments", "variables", "strings", "regex", "values", "lua"])
      assert.ok(files.includes(`${feature}.test.nginx`), `no syntax test for ${feature}`);
    const { status, output } = runUnit(files.map((f) => path.relative(REPO, path.join(UNIT, f))));
    assert.strictEqual(status, 0, output);
    for (const f of files) assert.ok(output.includes(`✓ test/grammar/unit/${f} run successfuly`), `${f}:\n${output}`);
  });

  it("fails, naming the line and the scopes, when an assertion does not hold", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-grammar-unit-"));
    try {
      const file = path.join(dir, "wrong.test.nginx");
      fs.writeFileSync(
        file,
        [
          '# SYNTAX TEST "source.nginx"',
          'add_header X "a#b";',
          "#              ^^^ comment.line.number-sign.nginx",
          "",
        ].join("\n"),
      );
      const { status, output } = runUnit([file]);
      assert.notStrictEqual(status, 0, output);
      assert.ok(output.includes("missing required scopes: comment.line.number-sign.nginx"), output);
      assert.ok(output.includes("string.quoted.double.nginx"), output);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
