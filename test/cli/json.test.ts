// cli/json.ts: JSON text for values nested deeper than V8's JSON.stringify can go, the same text as
// JSON.stringify wherever that one works (every corpus payload, odd values, every indent), in chunks.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { deepJson, writeJson } from "../../server/src/cli/json";
import { buildPayload } from "../../server/src/workspace/crossplane-payload";
import { CORPUS, needShared, readManifest } from "../support/shared";

function deep(value: unknown, indent?: number): { text: string; chunks: number } {
  const chunks: string[] = [];
  deepJson(value, indent, (s) => chunks.push(s));
  return { text: chunks.join(""), chunks: chunks.length };
}

/** `[[…[leaf]…]]`, `depth` arrays around `leaf`. */
function nestedArrays(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe("cli/json: JSON of any depth", function () {
  it("writes what JSON.stringify writes, for odd values and every indent", function () {
    const values: unknown[] = [
      null,
      0,
      -0,
      1.5e300,
      NaN,
      Infinity,
      true,
      "",
      'quote " backslash \\ newline \n tab \t control \u0001 unicode é 😀 lone \ud800',
      [],
      {},
      [[], {}, [[]], { a: {} }],
      { a: undefined, b: () => 1, c: Symbol("s"), d: 1 },
      [undefined, () => 1, Symbol("s"), 2],
      { only: undefined },
      { toJSON: () => ({ replaced: [1, 2] }) },
      { date: new Date(0) },
      { 'key with "quote"': [1, { nested: ["x", null] }], "": "empty key" },
      nestedArrays(50, { leaf: [1, 2, 3] }),
    ];
    for (const indent of [undefined, 0, 1, 2, 4, 10, 11, 2.7, -1]) {
      for (const v of values) {
        assert.equal(deep(v, indent).text, JSON.stringify(v, null, indent), `${JSON.stringify(v)} indent ${indent}`);
      }
    }
    assert.equal(deep(undefined).text, "", "no text for undefined, as JSON.stringify returns none");
  });

  it("writes every corpus payload as JSON.stringify does (compact and indented)", function () {
    needShared(this);
    this.timeout(600_000);
    let compared = 0;
    for (const e of readManifest()) {
      if (e.kind === "include" || e.linkTo) continue;
      const file = path.join(CORPUS, e.path);
      const payload = buildPayload(file, {
        comments: true,
        readFile: (p) => (fs.existsSync(p) && fs.statSync(p).isFile() ? fs.readFileSync(p, "utf8") : null),
      });
      assert.equal(deep(payload).text, JSON.stringify(payload), e.path);
      assert.equal(deep(payload, 2).text, JSON.stringify(payload, null, 2), e.path);
      compared++;
    }
    assert.ok(compared > 100, `only ${compared} corpus payloads`);
  });

  it("writes 10,000 nested arrays (JSON.stringify throws) in chunks, indented by depth", function () {
    const depth = 10_000;
    const value = nestedArrays(depth, 7);
    assert.throws(() => JSON.stringify(value), /call stack/, "V8's JSON.stringify is recursive");
    const compact = deep(value);
    assert.equal(compact.text, "[".repeat(depth) + "7" + "]".repeat(depth));
    // Indented, each line is indented by its depth: the text grows with the square of the depth (~100 MB).
    const lines: string[] = [];
    for (let i = 0; i < depth; i++) lines.push(" ".repeat(2 * i) + "[");
    lines.push(" ".repeat(2 * depth) + "7");
    for (let i = depth - 1; i >= 0; i--) lines.push(" ".repeat(2 * i) + "]");
    const indented = deep(value, 2);
    assert.ok(indented.text === lines.join("\n"), "indented text differs");
    assert.ok(indented.chunks > 50, `${indented.chunks} chunks for ${indented.text.length} characters`);
  });

  it("writeJson uses JSON.stringify while it can, and the explicit stack when it cannot", function () {
    const shallow = { a: [1, { b: 2 }] };
    const pieces: string[] = [];
    writeJson(shallow, 2, (s) => pieces.push(s));
    assert.deepEqual(pieces, [JSON.stringify(shallow, null, 2)]);
    const deepValue = { config: nestedArrays(5_000, "x") };
    const out: string[] = [];
    writeJson(deepValue, undefined, (s) => out.push(s));
    assert.equal(out.join(""), `{"config":${"[".repeat(5_000)}"x"${"]".repeat(5_000)}}`);
    // A value JSON cannot write at all stays an error, as with JSON.stringify.
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => writeJson(cyclic, undefined, () => undefined), TypeError);
  });
});
