// The bundles read the directive table from dist/directives.json, written one directive per line by
// scripts/bundle.mjs, and parse a name's registrations when it is first asked for (directives.ts
// `variantsFromLines`). Here that reader gives, for every name and in the same order, exactly what the whole
// JSON gives, and the file is the vendored table.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { variantsFromLines } from "../../server/src/parse/directives";
import { REPO } from "../support/shared";

describe("the directive table as the bundles read it", function () {
  it("gives every name's registrations, in the table's order, as the whole JSON does", function () {
    const shipped = path.join(REPO, "dist", "directives.json");
    if (!fs.existsSync(shipped)) {
      if (process.env.CI) assert.fail("dist/directives.json is missing: build first");
      this.skip();
    }
    const text = fs.readFileSync(shipped, "latin1");
    const vendored = JSON.parse(fs.readFileSync(path.join(REPO, "server", "data", "directives.json"), "utf8"));
    assert.deepStrictEqual(JSON.parse(text), vendored, "dist/directives.json is the vendored table");
    const lines = variantsFromLines(text);
    const names = Object.keys(vendored.directives);
    assert.ok(names.length > 900, `names: ${names.length}`);
    assert.deepStrictEqual([...lines.keys()], names);
    // Asked in another order than the file's, each twice (the second answer is the remembered one).
    for (const name of [...names].reverse()) {
      assert.deepStrictEqual(lines.get(name), vendored.directives[name], name);
      assert.strictEqual(lines.get(name), lines.get(name));
    }
    for (const absent of ["", "constructor", "__proto__", "gzi", "gzip_", "}}"])
      assert.strictEqual(lines.get(absent), undefined, absent);
  });
});
