// walkTogether (rules/index.ts) runs two visitors in one walk of the configuration: each must see exactly
// what a walk of its own shows it, also when it skips blocks (and included files) the other walks, as the
// directive and reuseport rules do with the blocks they remember. Checked on every main configuration of the
// corpus, with visitors that skip seeded choices of blocks, includes and plain directives.
import { strict as assert } from "assert";
import type { Directive } from "../../server/src/parse/ast";
import { walkTogether } from "../../server/src/rules/index";
import { walk, type ConfigVisitor } from "../../server/src/workspace/configuration";
import { corpusConfigurations } from "../support/corpus-variants";
import { randomBelow } from "../support/random";

/** A visitor that records what it is shown and skips the directives `skips` picks (the same ones every time). */
function recorder(skips: (d: Directive) => boolean): { visitor: ConfigVisitor; seen: string[] } {
  const seen: string[] = [];
  const visitor: ConfigVisitor = {
    enter(d, info) {
      seen.push(`> ${info.file.path}:${d.startOffset} ${d.name} [${info.context.join(" ")}]`);
      return skips(d) ? false : undefined;
    },
    leave(d, info) {
      seen.push(`< ${info.file.path}:${d.startOffset} ${d.name}`);
    },
  };
  return { visitor, seen };
}

/** A choice of directives, fixed per directive object: `percent` of them, drawn from `seed`. */
function someDirectives(seed: number, percent: number): (d: Directive) => boolean {
  const next = randomBelow(seed);
  const picked = new Map<Directive, boolean>();
  return (d) => {
    let p = picked.get(d);
    if (p === undefined) picked.set(d, (p = next(100) < percent));
    return p;
  };
}

describe("rules: walkTogether", function () {
  this.timeout(120_000);

  it("shows each visitor what its own walk shows it, on every corpus configuration", () => {
    const configs = corpusConfigurations();
    assert.ok(configs.length > 100, `the corpus holds its configurations (${configs.length})`);
    let skippedSomewhere = 0;
    let includesWalked = 0; // configurations of several files where a visitor skipped something
    configs.forEach(({ config }, n) => {
      // A visitor that walks everything beside one that skips; two that skip different (overlapping) choices;
      // two that skip the same directives (where neither walks on, the walk itself skips).
      const pairs = [
        [() => false, someDirectives(n * 5 + 1, 30)],
        [someDirectives(n * 5 + 2, 20), someDirectives(n * 5 + 3, 50)],
        [someDirectives(n * 5 + 4, 50), someDirectives(n * 5 + 4, 50)],
      ];
      for (const choices of pairs) {
        const alone = choices.map((skips) => {
          const r = recorder(skips);
          walk(config, r.visitor);
          return r.seen;
        });
        const together = choices.map((skips) => recorder(skips));
        // Paused every 3 directives (the server's analysis pauses in it): what each sees must not change.
        let pauses = 0;
        for (const _ of walkTogether(config, together[0].visitor, together[1].visitor, 3)) pauses++;
        assert.ok(pauses > 0 || Math.max(alone[0].length, alone[1].length) < 6, `no pause in ${config.root.path}`);
        for (let i = 0; i < choices.length; i++)
          assert.deepEqual(together[i].seen, alone[i], `visitor ${i} of ${config.root.path}`);
        const all = recorder(() => false);
        walk(config, all.visitor);
        if (alone[1].length < all.seen.length) {
          skippedSomewhere++;
          if (config.files.size > 1) includesWalked++;
        }
      }
    });
    // The property is only worth something if skipping happened, inside included files too.
    assert.ok(skippedSomewhere > 50, `visitors skipped blocks in ${skippedSomewhere} configurations`);
    assert.ok(includesWalked > 10, `configurations of several files with skips: ${includesWalked}`);
  });
});
