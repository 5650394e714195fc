// nearley is the grammar of record; the scanner reads a block without blocks in it whole, as one node of its
// enclosing run (scanner.ts `closeLeafBlock`), so that nearley nests only the blocks that hold blocks. This
// shows that shortcut builds exactly the tree nearley builds when it is given every block as a head and a close
// (`parse(text, true)`): every file of ../shared/corpus, and seeded mutants of them with braces, semicolons,
// quotes, comments and line breaks typed or deleted at random places (unbalanced input included).

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "../../server/src/parse/parser";
import { deepStrictEqualPlain } from "../support/plain-tree";
import { mutant, random as seeded } from "../support/random";
import { CORPUS, haveShared, readManifest } from "../support/shared";

function corpusTexts(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const e of readManifest()) {
    if (e.linkTo) continue;
    const file = path.join(CORPUS, e.path);
    try {
      if (fs.statSync(file).isFile()) out.push({ file: e.path, text: fs.readFileSync(file, "utf8") });
    } catch {
      // listed but absent (a compressed original): not a text to parse here
    }
  }
  return out;
}

function assertSameParse(text: string, what: string): void {
  const fast = parse(text);
  const grammar = parse(text, true);
  deepStrictEqualPlain(fast.children, grammar.children, `${what}: tree`);
  deepStrictEqualPlain(fast.errors, grammar.errors, `${what}: errors`);
  assert.strictEqual(fast.lineCount, grammar.lineCount, `${what}: line count`);
}

const PIECES = ["{", "}", ";", "#", '"', "'", "\n", "\r", "x {", "} }", "location / {", "\\"];

describe("the scanner's whole leaf blocks build nearley's tree", function () {
  this.timeout(300_000);
  before(function () {
    if (!haveShared()) this.skip();
  });

  it("on every corpus file", () => {
    const texts = corpusTexts();
    assert.ok(texts.length >= 600, `corpus files read: ${texts.length}`);
    let blocks = 0;
    for (const { file, text } of texts) {
      assertSameParse(text, file);
      blocks += (text.match(/\{/g) ?? []).length;
    }
    assert.ok(blocks > 5_000, `braces in the corpus: ${blocks}`);
  });

  it("on 3,000 mutants (a piece typed or a character deleted at a random place)", () => {
    const texts = corpusTexts().filter((t) => t.text.length < 200_000);
    const rnd = seeded(20261206);
    for (let i = 0; i < 3000; i++) {
      const { file, text } = texts[Math.floor(rnd() * texts.length)];
      const t = mutant(text, rnd, PIECES);
      assertSameParse(t, `${file} mutant ${i}`);
    }
  });
});
