// Every file of ../shared/corpus that has a crossplane reference must give the same payload as crossplane
// (check_ctx=False, check_args=False): same files in the same order, same statements, and errors on the
// same file and line. Where crossplane is demonstrably wrong, the file is in DIVERGENCES below with the
// reason and what we report instead; test/parse/crossplane-divergences.test.ts shows, with the real
// `nginx -t`, that nginx agrees with us on each kind of divergence.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { buildPayload, type Payload } from "../../server/src/workspace/crossplane-payload";
import { CORPUS, CORPUS_REF, haveShared, readManifest } from "../support/shared";
import { DIVERGENCES, REASONS } from "./crossplane-divergence-list";

function statements(p: Payload): string {
  return JSON.stringify(p.config.map((c) => ({ file: c.file, status: c.status, parsed: c.parsed })));
}

function errorKeys(errors: { file: string; line: number | null }[]): string[] {
  return errors.map((e) => `${e.file}:${e.line}`).sort();
}

describe("crossplane parity over ../shared/corpus", function () {
  before(function () {
    if (!haveShared()) this.skip();
  });

  it("matches crossplane's payload for every referenced file (divergences listed and explained)", function () {
    const manifest = readManifest();
    const links = new Map(manifest.filter((e) => e.linkTo).map((e) => [e.path, e.linkTo as string]));
    const cwd = process.cwd();
    process.chdir(CORPUS); // the references were made from there, with paths relative to it
    const failures: string[] = [];
    let compared = 0;
    let divergent = 0;
    try {
      const readFile = (p: string): string | null => {
        const real = links.get(path.posix.normalize(p)) ?? p;
        try {
          return fs.statSync(real).isFile() ? fs.readFileSync(real, "utf8") : null;
        } catch {
          return null;
        }
      };
      for (const entry of manifest) {
        if (entry.kind === "include") continue;
        const refFile = path.join(CORPUS_REF, entry.path + ".json");
        if (!fs.existsSync(refFile)) continue; // roots that need /etc/nginx have no reference
        const ref = JSON.parse(fs.readFileSync(refFile, "utf8")) as Payload;
        // Absolute includes must not reach this machine's /etc/nginx (CI installs nginx): map them away.
        const got = buildPayload(entry.path, { readFile, mapPath: (p) => "/nonexistent-root" + p });
        compared++;
        const divergence = DIVERGENCES[entry.path];
        const sameTree = statements(ref) === statements(got);
        const refErrors = errorKeys(ref.errors);
        const gotErrors = errorKeys(got.errors);
        if (!divergence) {
          if (!sameTree) failures.push(`${entry.path}: statements differ from crossplane`);
          else if (JSON.stringify(refErrors) !== JSON.stringify(gotErrors))
            failures.push(`${entry.path}: errors ${gotErrors.join(",")} ≠ crossplane ${refErrors.join(",")}`);
          continue;
        }
        divergent++;
        // A listed divergence must still be one: and every crossplane error must still be ours too.
        const extra = gotErrors.slice();
        for (const e of refErrors) {
          const i = extra.indexOf(e);
          if (i < 0) failures.push(`${entry.path}: crossplane's error ${e} is missing`);
          else extra.splice(i, 1);
        }
        const extraLines = extra.map((e) => Number(e.slice(e.lastIndexOf(":") + 1))).sort((a, b) => a - b);
        if (sameTree && extraLines.length === 0)
          failures.push(
            `${entry.path}: listed as "${divergence.kind}" (${REASONS[divergence.kind]}) but now equals crossplane`,
          );
        if (JSON.stringify(extraLines) !== JSON.stringify(divergence.extraErrorLines))
          failures.push(`${entry.path}: extra errors on lines ${extraLines} ≠ listed ${divergence.extraErrorLines}`);
      }
    } finally {
      process.chdir(cwd);
    }
    assert.deepEqual(failures, []);
    assert.equal(divergent, Object.keys(DIVERGENCES).length, "every listed divergence is in the corpus");
    assert.ok(compared > 600, `compared ${compared} files`);
  });
});
