// A directive's words are packed numbers until `nameWord` or `args` is first read (parse/ast.ts): a parse makes
// no `Word`, the readers that answer from the packed numbers (argCount, argValue, argQuote, nameQuote,
// argsOnNameLine, startCharacter, wordRange) answer what the made words say, and the made words are the ones `scan`
// (which makes them as it reads) gives for the same text: on every corpus configuration and on inputs whose
// words keep their ends (multi-line strings, escaped quotes, CRLF, unclosed quotes) or start on later lines.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { Directive, Range } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";
import { scan, type ScanToken } from "../../server/src/parse/scanner";
import { directivesOf } from "../support/plain-tree";
import { CORPUS, needShared, readManifest } from "../support/shared";

interface Answers {
  argCount: number;
  nameQuote: string | null;
  values: (string | undefined)[];
  quotes: (string | null)[];
  onNameLine: boolean;
  startCharacter: number;
  range: Range;
  /** `wordRange` of the name (-1), of each argument, and past the last argument. */
  wordRanges: Range[];
}

function answers(d: Directive): Answers {
  const values: (string | undefined)[] = [];
  const quotes: (string | null)[] = [];
  for (let i = 0; i <= d.argCount; i++) values.push(d.argValue(i));
  for (let i = 0; i < d.argCount; i++) quotes.push(d.argQuote(i));
  return {
    argCount: d.argCount,
    nameQuote: d.nameQuote,
    values,
    quotes,
    onNameLine: d.argsOnNameLine(),
    startCharacter: d.startCharacter,
    range: d.range,
    // -1, each argument, and past the last (the name's again)
    wordRanges: Array.from({ length: d.argCount + 2 }, (_, w) => d.wordRange(w - 1)),
  };
}

/** The words of `scan`'s statements and block heads, in document order (a `{` without a name has none). */
function scannedWords(text: string): { value: string; quote: string | null; range: Range }[][] {
  const out: { value: string; quote: string | null; range: Range }[][] = [];
  for (const t of scan(text).tokens as ScanToken[])
    if ((t.type === "stmt" || t.type === "open") && t.words.length > 0)
      out.push(t.words.map((w) => ({ value: w.value, quote: w.quote, range: w.range })));
  return out;
}

function check(text: string, what: string): number {
  const directives = directivesOf(parse(text).children);
  const scanned = scannedWords(text);
  let s = 0;
  for (const d of directives) {
    assert.ok(!d.wordsMade, `${what}: a parse made the words of ${d.name}`);
    const packed = d.wordData();
    const before = answers(d);
    const args = d.args;
    assert.ok(d.wordsMade, what);
    assert.strictEqual(d.args, args, `${what}: args is made once`);
    assert.deepStrictEqual(d.wordData(), packed, `${what}: the words made of ${d.name} say what was packed`);
    assert.deepStrictEqual(answers(d), before, `${what}: ${d.name} answers the same once its words are made`);
    const words = [d.nameWord, ...args];
    assert.strictEqual(d.nameWord.value, d.name, what);
    assert.strictEqual(before.nameQuote, d.nameWord.quote, what);
    assert.strictEqual(before.argCount, args.length, what);
    assert.deepStrictEqual(before.values, [...args.map((w) => w.value), undefined], what);
    assert.deepStrictEqual(
      before.quotes,
      args.map((w) => w.quote),
      what,
    );
    assert.strictEqual(
      before.onNameLine,
      args.every((w) => w.startLine === d.nameWord.startLine),
      `${what}: ${d.name}`,
    );
    assert.strictEqual(before.startCharacter, d.nameWord.startCharacter, what);
    assert.deepStrictEqual(
      before.wordRanges,
      [d.nameWord, ...args, d.nameWord].map((w) => w.range),
      `${what}: ${d.name}: wordRange is each word's range`,
    );
    for (const w of words) assert.strictEqual(w.base, d, what);
    if (d.name === "" && d.terminator === "{") continue; // a `{` without a name: no word in `scan`'s head
    assert.deepStrictEqual(
      words.map((w) => ({ value: w.value, quote: w.quote, range: w.range })),
      scanned[s++],
      `${what}: the words of ${d.name} as scan reads them`,
    );
  }
  assert.strictEqual(s, scanned.length, `${what}: every statement of scan is a directive`);
  return directives.length;
}

describe("words made when read (parse/ast.ts, Directive)", function () {
  this.timeout(300_000);

  it("inputs whose words keep their ends or start on later lines", () => {
    const inputs = [
      'a "x\ny" z;\n',
      "a \"x\\\"y\" 'p\\'q' r;\n",
      "a\r\n  b\r\n  c;\r\nd 'e\r\nf';\r\n",
      "a b\n  c\n  d;\n",
      "a\\\nb c;\n",
      "x ${a\\\nb}c;\n",
      '"quoted name" 1 "2";\n',
      "{ a; }\n",
      "http { server { a 1 2 3; location / { b; } } }\n",
      "set_by_lua_block $v { return 1 }\nset_by_lua_block $w ;\n",
      "content_by_lua_block { ngx.say('}') }\n",
      'a "unclosed\nb;\n',
      "a b",
      "http { a b }\n",
      "a # c\n b; # d\n",
      '  é 𝄞 "𝄞" x;\n',
    ];
    for (const text of inputs) check(text, JSON.stringify(text));
  });

  it("every corpus configuration", function () {
    needShared(this);
    let files = 0;
    let directives = 0;
    for (const e of readManifest()) {
      if (e.linkTo) continue;
      const full = path.join(CORPUS, e.path);
      if (!fs.existsSync(full) || fs.statSync(full).size > 2 * 1024 * 1024) continue;
      directives += check(fs.readFileSync(full, "utf8"), e.path);
      files++;
    }
    assert.ok(files > 500 && directives > 40_000, `only ${files} corpus files, ${directives} directives`);
  });
});
