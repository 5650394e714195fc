// `npm run fuzz [-- --seed N --count N --show I]`: the check of test/format/mutations.test.ts, longer and
// with any seed (default: a new one, printed, so a failure can be replayed). Prints what it tried: the seed,
// how many mutants of how many corpus files, how often each kind of edit was formatted, and every failure
// with its index; `--show I` prints mutant I of that seed (its source file, edits and text) instead.
// Exit code 1 when anything failed.

import { haveShared } from "../support/shared";
import { checkFormatting, corpusFiles, KINDS, mutants, mutationSources, OPTIONS, type MutationKind } from "./mutations";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): number {
  if (!haveShared()) {
    console.error("fuzz: ../shared/corpus is missing (set NGINX_RISK_SHARED)");
    return 2;
  }
  const seed = Number(arg("--seed") ?? Math.floor(Math.random() * 2 ** 31));
  const count = Number(arg("--count") ?? 200_000);
  const show = arg("--show");
  const sources = mutationSources(corpusFiles());
  if (show !== undefined) {
    const index = Number(show);
    let i = 0;
    for (const m of mutants(sources, index + 1, seed)) {
      if (i++ < index) continue;
      const options = OPTIONS[index % OPTIONS.length];
      console.log(
        `mutant ${index} of seed ${seed}: ${m.from} with ${m.kinds.join(", ")}; options ${JSON.stringify(options)}`,
      );
      console.log(JSON.stringify(m.text));
      console.log(JSON.stringify(checkFormatting(m.text, options), null, 2));
    }
    return 0;
  }
  console.log(
    `fuzz: seed ${seed}, ${count} mutants of ${sources.length} corpus files (replay: npm run fuzz -- --seed ${seed})`,
  );
  const outcomes = { formatted: 0, unchanged: 0, refused: 0 };
  const formattedWith = new Map<MutationKind, number>(KINDS.map((k) => [k, 0]));
  const failures: string[] = [];
  let i = 0;
  const started = Date.now();
  for (const m of mutants(sources, count, seed)) {
    const v = checkFormatting(m.text, OPTIONS[i % OPTIONS.length]);
    outcomes[v.outcome]++;
    if (v.outcome !== "refused") for (const k of new Set(m.kinds)) formattedWith.set(k, formattedWith.get(k)! + 1);
    for (const p of v.problems) {
      failures.push(`mutant ${i} of ${m.from} (${m.kinds.join(", ")}): ${p}`);
      console.log(`FAIL ${failures[failures.length - 1]}  (npm run fuzz -- --seed ${seed} --show ${i})`);
    }
    i++;
    if (i % 20_000 === 0)
      console.log(`  ${i} mutants, ${failures.length} failures (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  console.log(
    `${i} mutants: ${outcomes.formatted} formatted, ${outcomes.unchanged} already formatted, ${outcomes.refused} refused (syntax errors)`,
  );
  console.log(`formatted with each kind of edit: ${[...formattedWith].map(([k, n]) => `${k} ${n}`).join(", ")}`);
  console.log(failures.length === 0 ? "no failures" : `${failures.length} failures`);
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = main();
