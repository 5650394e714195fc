// Every rule over every configuration of the shared corpus (625 real configurations from 13 repositories):
// nothing throws, every finding points inside the text of its file, and every number a cost finding
// carries is finite and consistent (contexts ≤ totalContexts, reload peak ≥ master).

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { NodeFileSource } from "../../server/src/workspace/files";
import { CORPUS, corpusFilesNotRead, haveShared } from "../support/shared";

describe("every rule over the shared corpus", function () {
  this.timeout(120_000);

  it("runs on every repository's folder; findings are in their files, cost numbers consistent", function () {
    if (!haveShared()) this.skip();
    const source = new NodeFileSource();
    const folders = fs
      .readdirSync(CORPUS)
      .map((d) => path.join(CORPUS, d))
      .filter((d) => fs.statSync(d).isDirectory());
    const read: string[] = [];
    const refused: string[] = [];
    let findings = 0;
    const rules = new Set<string>();
    for (const folder of folders) {
      const result = runCheck({ inputs: [folder], mappings: [], strict: false });
      for (const files of result.filesByRoot.values()) read.push(...files);
      for (const f of result.findings)
        if (f.ruleId === "access" && f.code === "not-configuration") refused.push(f.path);
      for (const f of result.findings) {
        findings++;
        rules.add(f.ruleId);
        const text = source.read(f.path);
        assert.ok(text !== null, `${f.path} (finding ${f.ruleId}) is not readable`);
        const { start, end } = f.range;
        assert.ok(start.offset <= end.offset && end.offset <= text.length, `${f.path}: range of ${f.ruleId}`);
        assert.equal(text.slice(0, start.offset).split("\n").length - 1, start.line, `${f.path}: line of ${f.ruleId}`);
        const d = f.data ?? {};
        if (typeof d.estimatedBytes === "number") {
          for (const k of ["contexts", "totalContexts", "bytesPerContext", "reloadPeakBytes", "configTestParses"])
            assert.ok(Number.isFinite(d[k]) && (d[k] as number) >= 0, `${f.path}: data.${k} = ${String(d[k])}`);
          assert.ok((d.contexts as number) <= (d.totalContexts as number), `${f.path}: contexts ≤ totalContexts`);
          assert.ok((d.reloadPeakBytes as number) >= d.estimatedBytes, `${f.path}: reload peak ≥ master`);
        }
      }
    }
    assert.deepEqual(corpusFilesNotRead(read, refused), [], "configuration files of the corpus that no analysis read");
    assert.ok(findings > 0 && rules.has("ssl-bundle-per-server"), [...rules].join(", "));
  });
});
