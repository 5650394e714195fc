// The security and best-practice rules (issue 15) against their peers' own fixtures (test/support/
// peer-fixtures.ts): every fixture of a peer check that a rule of the catalogue answers to must fire that
// rule exactly when the peer says it fires, apart from the differences listed with their reasons
// (peer-differences.ts). Prints, per rule, the fixtures that agree.

import { strict as assert } from "assert";
import * as path from "path";
import { CATALOGUE } from "../../server/src/rules/catalogue";
import { gixyFixtures, nginxLintFixtures, peerFindings, type PeerFixture } from "../support/peer-fixtures";
import { SHARED_CORPUS } from "../support/shared";
import { DIFFERENCES } from "./peer-differences";

/** nginx-lint's rules about layout only (indentation, spaces, blank lines): this product formats, it does not lint style. */
const STYLE_ONLY = new Set(["block_lines", "space_before_semicolon", "trailing_whitespace", "indent"]);

/**
 * Our rules for a peer's check: one, or several where the peer's check does the job of several of ours
 * (nginx-lint's directive_inheritance: add-header-redefinition, proxy-set-header-redefinition, …). A fixture
 * fires when any of them does.
 */
function ourRules(fx: PeerFixture): string[] {
  const lint = fx.repo.includes("nginx-lint");
  return CATALOGUE.filter((e) => (lint ? e.nginxLint?.includes(fx.peerRule) : e.gixy === fx.peerRule)).map((e) => e.id);
}

describe("security and best-practice rules: the peers' fixtures", function () {
  this.timeout(300_000);
  const fixtures = [...gixyFixtures(), ...nginxLintFixtures().filter((f) => !STYLE_ONLY.has(f.peerRule))];

  it("finds the peers' fixtures in the corpus", () => {
    assert.ok(fixtures.length > 250, `fixtures found: ${fixtures.length}`);
  });

  it("fires each rule exactly where its peer says, but for the listed differences", () => {
    const agree = new Map<string, number>();
    const total = new Map<string, number>();
    const wrong: string[] = [];
    const stale: string[] = [];
    const unmapped = new Set<string>();
    for (const fx of fixtures) {
      const rules = ourRules(fx);
      if (rules.length === 0) {
        unmapped.add(`${fx.repo.includes("nginx-lint") ? "nginx-lint" : "gixy"} ${fx.peerRule}`);
        continue;
      }
      const rel = path.relative(SHARED_CORPUS, fx.file);
      const rule = rules.join("|");
      const fired = peerFindings(fx, rules).some((f) => rules.includes(f.ruleId));
      const diff = DIFFERENCES[rel];
      total.set(rule, (total.get(rule) ?? 0) + 1);
      if (fired === fx.fires) {
        agree.set(rule, (agree.get(rule) ?? 0) + 1);
        if (diff) stale.push(`${rel}: listed as a difference of ${diff.rule}, but ${rule} agrees now`);
      } else if (!diff || !rules.includes(diff.rule))
        wrong.push(
          `${rel}: ${rule} ${fired ? "fires" : "does not fire"}; the peer says it ${fx.fires ? "does" : "does not"}`,
        );
    }
    for (const [rule, n] of [...total].sort()) console.log(`      ${rule}: ${agree.get(rule) ?? 0} / ${n} agree`);
    if (unmapped.size > 0) console.log(`      peer checks no rule answers to yet: ${[...unmapped].sort().join(", ")}`);
    assert.deepEqual([...unmapped], [], "every peer check has a rule that answers to it");
    console.log(`      ${fixtures.length} fixtures: ${[...agree.values()].reduce((a, b) => a + b, 0)} agree`);
    assert.deepEqual(wrong, [], "fixtures where a rule disagrees with its peer");
    assert.deepEqual(stale, [], "differences that are none any more");
  });
});
