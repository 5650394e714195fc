// parseSteps (the language server's parse in slices) gives the tree and errors of parse(), whatever the
// slice size: every corpus configuration, fed to nearley 1, 7 and 1,000 terminals at a time, and broken
// inputs (unclosed blocks, stray braces, an empty file). The pauses are counted: one after the scan, one
// between two slices.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { ParsedFile } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";
import { parseSteps } from "../../server/src/parse/parse-steps";
import { assertSameTree } from "../support/plain-tree";
import { CORPUS, needShared, readManifest } from "../support/shared";

/** The same ParsedFile, the directives' words included (not among their own fields: parse/ast.ts). */
function assertSameParsed(actual: ParsedFile, expected: ParsedFile, message: string): void {
  assert.deepStrictEqual(actual, expected, message);
  assertSameTree(actual.children, expected.children, message);
}

function run(text: string, perStep: number): { parsed: ParsedFile; pauses: number } {
  const steps = parseSteps(text, perStep);
  let pauses = 0;
  for (;;) {
    const r = steps.next();
    if (r.done) return { parsed: r.value, pauses };
    pauses++;
  }
}

describe("parseSteps: parse() in slices", function () {
  this.timeout(600_000);

  it("broken and empty inputs: the same tree and errors as parse()", function () {
    for (const text of ["", "events {", "}}} http { server { listen 80; }", "a b c", "http { # x\n", "x { y { z; }"]) {
      for (const n of [1, 2, 1000]) assertSameParsed(run(text, n).parsed, parse(text), JSON.stringify(text));
    }
  });

  it("every corpus configuration: the same tree and errors as parse(), for slices of 1, 7 and 1,000 terminals", function () {
    needShared(this);
    let files = 0;
    for (const e of readManifest()) {
      if (e.linkTo) continue;
      const full = path.join(CORPUS, e.path);
      if (!fs.existsSync(full) || fs.statSync(full).size > 2 * 1024 * 1024) continue;
      const text = fs.readFileSync(full, "utf8");
      const whole = parse(text);
      for (const n of [1, 7, 1000]) assertSameParsed(run(text, n).parsed, whole, `${e.path}, ${n} a slice`);
      files++;
    }
    assert.ok(files > 500, `only ${files} corpus files`);
  });

  it("pauses after the scan and between slices", function () {
    // nearley's terminals are the heads and closing braces of blocks that hold blocks, and runs of statements
    // (a block without blocks in it is one of them: scanner.ts): 2,000 blocks each holding an empty block are
    // 6,000 terminals (head, run, close), so 1 pause after the scan, then 6 slices of 1,000 with 5 pauses between.
    const text = Array.from({ length: 2000 }, (_, i) => `b${i} { c { } }`).join("\n");
    assert.strictEqual(run(text, 1000).pauses, 6);
    assert.strictEqual(run(text, 6000).pauses, 1);
    // 2,500 statements in a row are one terminal: one slice; so are 2,500 blocks without blocks in them.
    const flat = Array.from({ length: 2500 }, (_, i) => `worker_rlimit_nofile ${i};`).join("\n");
    assert.strictEqual(run(flat, 1).pauses, 1);
    const leaves = Array.from({ length: 2500 }, (_, i) => `b${i} { }`).join("\n");
    assert.strictEqual(run(leaves, 1).pauses, 1);
  });
});
