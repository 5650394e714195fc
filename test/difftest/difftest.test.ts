// The differential test of issue 14: configurations made from ../shared/corpus with one mistake each (the
// generator, mutations.ts), run through the real `nginx -t` and the product; the verdict and the line must
// agree. `npm run difftest -- --cases N` runs more (test/difftest/cli.ts).
import * as assert from "assert";
import { haveShared, nginxBinary } from "../support/shared";
import { describe as describeCase, figures, formatReport, runDifftest, type CaseResult } from "./run";

/** Disagreements that are understood, each with its reason. Every other disagreement fails the test. */
export const KNOWN: { reason: string; matches: (r: CaseResult) => boolean }[] = [
  {
    reason:
      "merge: nginx names the line where http {} ends (the merge runs there), whatever line set the value; the " +
      "finding is on the directive that set it and names nginx's line as related information (docs/rules/merge.md)",
    matches: (r) =>
      r.verdictAgrees &&
      r.lineAgrees === false &&
      r.errors.some(
        (f) =>
          f.ruleId === "merge" &&
          f.related?.some(
            (x) => x.path === r.nginx.error?.file && x.range.start.line === (r.nginx.error?.line ?? 0) - 1,
          ),
      ),
  },
  {
    reason:
      "value: the words of lua-nginx-module's lua_ssl_protocols (a bitmask under #if NGX_HTTP_SSL in its command " +
      "table) are not in server/data/values.json: scripts/vendor-values.mjs does not read that entry, so its values go unchecked",
    matches: (r) => !r.verdictAgrees && r.nginx.error !== null && /lua_ssl_protocols/.test(r.variant),
  },
  {
    reason:
      "value: variables_hash_max_size / variables_hash_bucket_size 0 pass their setter; nginx fails later, with no " +
      "line, when it builds the variables hash ('could not build variables_hash'), which is not predicted",
    matches: (r) => !r.verdictAgrees && /^variables_hash_(max|bucket)_size 0;/.test(r.variant),
  },
  {
    reason: "value: worker_cpu_affinity's CPU masks (ngx_set_cpu_affinity) are not checked",
    matches: (r) => !r.verdictAgrees && /^worker_cpu_affinity /.test(r.variant),
  },
];

const CASES = Number(process.env.DIFFTEST_CASES ?? 2000);

describe("nginx -t without nginx: differential test against the real nginx", function () {
  this.timeout(30 * 60_000);
  it(`agrees with nginx -t on ${CASES} generated cases`, async function () {
    if (!nginxBinary() || !haveShared()) this.skip();
    const report = await runDifftest({ cases: CASES, seed: 14, bases: 120, concurrency: 4 });
    console.log(formatReport(report));
    const f = figures(report.results);
    const unexplained = report.results.filter(
      (r) => (!r.verdictAgrees || r.lineAgrees === false) && !KNOWN.some((k) => k.matches(r)),
    );
    for (const r of unexplained.slice(0, 60)) console.log("  " + describeCase(r));
    assert.ok(f.cases >= Math.min(CASES, 2000), `only ${f.cases} cases were made`);
    assert.ok(f.verdictAgree / f.cases >= 0.99, `verdict agreement ${f.verdictAgree}/${f.cases}`);
    assert.ok(f.lineAgree / Math.max(1, f.lineNamed) >= 0.95, `line agreement ${f.lineAgree}/${f.lineNamed}`);
    assert.ok(f.falseErrors / f.cases <= 0.005, `false errors ${f.falseErrors}/${f.cases}`);
    assert.deepStrictEqual(unexplained.map(describeCase), [], "disagreements without a listed reason");
  });
});
