// The formatter over every corpus file and over 20,000 mutated ones (test/format/mutations.ts: lone CRs,
// CRLF, LF turned into CR, byte order marks, backslashes, quotes, `#`, seeded), judged by nginx's reading:
// the same tokens and comments before and after, only whitespace changed, idempotent; a refusal only for
// syntax errors. `npm run fuzz` runs the same check longer, with other seeds.
//
// Bounded: ~600 bytes per file on average, each formatted twice; about a minute on a loaded 2-core machine.

import { strict as assert } from "assert";
import { haveShared } from "../support/shared";
import { checkFormatting, corpusFiles, KINDS, mutants, mutationSources, OPTIONS, type MutationKind } from "./mutations";

const MUTANTS = 20_000;
const SEED = Number(process.env.NGINX_RISK_FUZZ_SEED ?? 0x63726c66);

describe("format: the corpus and 20,000 mutated files, judged by nginx's reading", function () {
  this.timeout(600_000);
  before(function () {
    if (!haveShared()) this.skip();
  });

  it("every corpus file: nginx reads the formatted text the same, and formatting is idempotent", function () {
    const files = corpusFiles();
    const failures: string[] = [];
    let formatted = 0;
    for (const [i, f] of files.entries()) {
      const v = checkFormatting(f.text, OPTIONS[i % OPTIONS.length]);
      if (v.outcome === "formatted") formatted++;
      for (const p of v.problems) failures.push(`${f.path}: ${p}`);
    }
    console.log(`      ${files.length} files, ${formatted} changed by formatting`);
    assert.deepEqual(failures.slice(0, 20), []);
    assert.ok(files.length > 800 && formatted > 300);
  });

  it(`${MUTANTS} mutants (seed ${SEED}): the same for nginx, idempotent, refused only for syntax errors`, function () {
    const sources = mutationSources(corpusFiles());
    const failures: string[] = [];
    const outcomes = { formatted: 0, unchanged: 0, refused: 0 };
    // How often each kind of edit was in a mutant that was formatted (the check is not vacuous for it).
    const formattedWith = new Map<MutationKind, number>(KINDS.map((k) => [k, 0]));
    let i = 0;
    for (const m of mutants(sources, MUTANTS, SEED)) {
      const v = checkFormatting(m.text, OPTIONS[i % OPTIONS.length]);
      outcomes[v.outcome]++;
      if (v.outcome !== "refused") for (const k of new Set(m.kinds)) formattedWith.set(k, formattedWith.get(k)! + 1);
      for (const p of v.problems) failures.push(`mutant ${i} of ${m.from} (${m.kinds.join(", ")}): ${p}`);
      i++;
    }
    console.log(
      `      ${i} mutants of ${sources.length} files: ${outcomes.formatted} formatted, ${outcomes.unchanged} ` +
        `already formatted, ${outcomes.refused} refused (syntax errors)`,
    );
    console.log(
      `      formatted with each kind of edit: ${[...formattedWith].map(([k, n]) => `${k} ${n}`).join(", ")}`,
    );
    assert.deepEqual(failures.slice(0, 20), []);
    assert.equal(i, MUTANTS);
    // Most mutants still read without errors, and every kind of edit is in thousands of them.
    assert.ok(outcomes.formatted + outcomes.unchanged > MUTANTS / 2, JSON.stringify(outcomes));
    for (const [k, n] of formattedWith) assert.ok(n > 1000, `only ${n} formatted mutants with "${k}"`);
  });
});
