// The security and best-practice rules' catalogue (rules/catalogue.ts): ids named after the peer check they
// answer to, every rule listed in docs/rules/README.md's mapping with the same peer names, never `error` by
// default (an error says nginx -t refuses the file), and over the whole shared corpus the number of findings
// each rule gives (printed; a rule that throws fails the test).

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { runChecks } from "../../server/src/rules";
import { CATALOGUE } from "../../server/src/rules/catalogue";
import { BUILT_IN_RULES, isOffByDefault } from "../../server/src/rules/rule-settings";
import { corpusConfigurations } from "../support/corpus-variants";
import { REPO } from "../support/shared";

const kebab = (s: string): string => s.replace(/_/g, "-");

/** The rows of README's table between `<!-- catalogue -->` and `<!-- /catalogue -->`: [id, gixy, nginx-lint]. */
function readmeRows(): string[][] {
  const text = fs.readFileSync(path.join(REPO, "docs", "rules", "README.md"), "utf8");
  const start = text.indexOf("<!-- catalogue -->");
  const end = text.indexOf("<!-- /catalogue -->");
  assert.ok(start >= 0 && end > start, "docs/rules/README.md marks its mapping table");
  return text
    .slice(start, end)
    .split("\n")
    .filter((l) => /^\| \[`/.test(l))
    .map((l) => {
      const cells = l
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim());
      const id = /\[`([^`]+)`\]/.exec(cells[0])![1];
      const names = (c: string): string => [...c.matchAll(/`([^`]+)`/g)].map((m) => m[1]).join(",");
      return [id, names(cells[1]), names(cells[2])];
    });
}

describe("rules: the security and best-practice catalogue", function () {
  this.timeout(600_000);

  it("names each rule after the gixy check it answers to, lists it in docs/rules/README.md, and never says error", () => {
    const ids = CATALOGUE.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, "ids are unique");
    for (const e of CATALOGUE) {
      assert.match(e.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      // The rules that predict nginx -t keep their ids and severities (nginx-lint's syntax rules map to them).
      if (BUILT_IN_RULES.includes(e.id)) continue;
      if (e.gixy) assert.equal(e.id, kebab(e.gixy), `${e.id} answers to gixy's ${e.gixy}`);
      assert.notEqual(e.severity, "error", `${e.id}: an error says nginx -t refuses the configuration`);
    }
    assert.deepEqual(
      readmeRows(),
      CATALOGUE.map((e) => [e.id, e.gixy ?? "", (e.nginxLint ?? []).join(",")]),
    );
  });

  it("over the shared corpus: findings per rule (printed), none an error, no rule throws", () => {
    const ours = new Set(CATALOGUE.filter((e) => !BUILT_IN_RULES.includes(e.id)).map((e) => e.id));
    const counts = new Map<string, number>();
    const configs = corpusConfigurations();
    for (const { config } of configs) {
      // Every rule on, those off by default too (counted apart in the output).
      const ruleLevels = Object.fromEntries(
        CATALOGUE.filter((e) => isOffByDefault(e.id)).map((e) => [e.id, e.severity] as const),
      );
      for (const f of runChecks(config, { strict: false, nginxVersion: "1.22.1", ruleLevels })) {
        if (!ours.has(f.ruleId)) continue;
        counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
        assert.notEqual(f.severity, "error", `${f.ruleId} at ${f.path}:${f.range.start.line + 1}: ${f.message}`);
      }
    }
    console.log(`      ${configs.length} corpus configurations:`);
    for (const id of [...ours].sort())
      console.log(`      ${id}: ${counts.get(id) ?? 0}${isOffByDefault(id) ? " (off by default)" : ""}`);
  });
});
