// `npm run difftest -- --cases N [--seed S] [--bases B] [--jobs J] [--keep] [--show K]`: the differential test
// with more cases than CI runs, printing the figures and the disagreements.
import { describe, figures, formatReport, runDifftest } from "./run";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const report = await runDifftest({
    cases: option("cases", 2000),
    seed: option("seed", 14),
    bases: option("bases", 120),
    concurrency: option("jobs", 4),
    keep: process.argv.includes("--keep"),
  });
  console.log(formatReport(report));
  const show = option("show", 40);
  const bad = report.results.filter((r) => !r.verdictAgrees || r.lineAgrees === false);
  for (const r of bad.slice(0, show))
    console.log("  " + describe(r) + (process.argv.includes("--keep") ? ` ${r.dir}` : ""));
  const f = figures(report.results);
  process.exitCode = f.verdictAgree / f.cases >= 0.99 ? 0 : 1;
}

void main();
