// The incremental parse (server/src/parse/incremental.ts) against the full one: random edit sequences over
// corpus files (fast-check, fixed seed), and after *every* edit the incrementally updated tree, errors and
// line count must equal `parse()` of the new text, and the nodes outside the re-parsed part must be the
// same objects as before the edit (the rule caches keyed by node rely on it).

import { assertBases, assertSameTree, makeWordsOf } from "../support/plain-tree";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import type { Node, ParsedFile } from "../../server/src/parse/ast";
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  offsetAt,
  updateParseAll,
  updateParseDetailed,
  type RangeChange,
  type TextChange,
  type UpdateKind,
} from "../../server/src/parse/incremental";
import { ParseCache } from "../../server/src/workspace/files";
import { parse } from "../../server/src/parse/parser";
import { walkTree } from "../../server/src/parse/walk";
import { CORPUS, haveShared } from "../support/shared";

/** Fixed; NGINX_RISK_FC_SEED overrides it to explore (a failure report prints the seed to replay). */
const SEED = Number(process.env.NGINX_RISK_FC_SEED ?? 0x696e6372);

const LARGE_CONFIG = "nginxinc+nginx-go-crossplane/testdata/configs/large-config/nginx.conf";

/** Small and medium files: Lua bodies (strings, long brackets, comments), CRLF and lone CRs, comments, `if`. */
const FILES = [
  "nginxinc+crossplane/tests/configs/lua-block-tricky/nginx.conf",
  "nginxinc+crossplane/tests/configs/lua-block-larger/nginx.conf",
  "ahmadalli+vscode-nginx-conf/test/workspace/lua-nginx-module/synopsis.conf",
  "nginxinc+crossplane/tests/configs/messy/nginx.conf",
  "nginxinc+crossplane/tests/configs/with-comments/nginx.conf",
  "jhinch+nginx-linter/test/examples/newlines.conf",
  "h5bp+server-configs-nginx/nginx.conf",
  "digitalocean+nginxconfig.io/single-file-wordpress/nginx.conf",
  "digitalocean+nginxconfig.io/no-symlink-django/nginx.conf",
  "walf443+nginx-lint/crates/nginx-lint-parser/tests/fixtures/test_generated/0048_regex_rewrite_advanced.conf",
  "nginxinc+nginx-go-crossplane/testdata/configs/if-expr/nginx.conf",
  "nginxinc+nginx-go-crossplane/testdata/configs/emptiness/nginx.conf",
];

/** Sequences per small file; with the CRLF copies below that is 14 × 380 = 5,320 sequences. */
const RUNS_PER_FILE = 380;

/** Characters that change how nginx reads what follows them. */
const ALPHABET = ["{", "}", ";", "#", '"', "'", "\\", "$", " ", "\n", "\r", "\r\n", "[", "]", "=", "-", "a", "x"];

/** One edit as drawn, interpreted against the text it applies to (`toChange`). */
interface EditSeed {
  kind: number;
  at: number;
  size: number;
  pick: number;
}

const editSeed: fc.Arbitrary<EditSeed> = fc.record({
  kind: fc.integer({ min: 0, max: 7 }),
  at: fc.nat(),
  size: fc.nat(),
  pick: fc.nat(),
});

function lineBounds(text: string, at: number): [number, number] {
  let start = at;
  while (start > 0 && text[start - 1] !== "\n" && text[start - 1] !== "\r") start--;
  let end = at;
  while (end < text.length && text[end] !== "\n" && text[end] !== "\r") end++;
  if (text[end] === "\r" && text[end + 1] === "\n") end += 2;
  else if (end < text.length) end++;
  return [start, end];
}

/** The edit `seed` stands for in `text`; `snippets` are pieces of other corpus files to paste. */
function toChange(text: string, seed: EditSeed, snippets: readonly string[]): TextChange {
  const at = text.length === 0 ? 0 : seed.at % (text.length + 1);
  const char = ALPHABET[seed.pick % ALPHABET.length];
  const snippet = snippets[seed.pick % snippets.length];
  switch (seed.kind) {
    case 0: // type one character
    case 1:
      return { start: at, end: at, text: char };
    case 2: // delete 1-4 characters (backspace, a word)
      return { start: at, end: Math.min(text.length, at + 1 + (seed.size % 4)), text: "" };
    case 3: // overwrite one character
      return { start: at, end: Math.min(text.length, at + 1), text: char };
    case 4: {
      // a whole line inserted before the line holding `at`
      const [start] = lineBounds(text, at);
      const line = snippet.split(/\r?\n|\r/)[0];
      return { start, end: start, text: line + (seed.size % 3 === 0 ? "\r\n" : "\n") };
    }
    case 5: {
      // a whole line deleted
      const [start, end] = lineBounds(text, at);
      return { start, end, text: "" };
    }
    case 6: // paste a piece of another file
      return { start: at, end: at, text: snippet.slice(0, 1 + (seed.size % snippet.length)) };
    default: // select a range and paste over it
      return {
        start: at,
        end: Math.min(text.length, at + (seed.size % 120)),
        text: snippet.slice(0, seed.size % 40),
      };
  }
}

/** Every node of a tree (explicit stack: walk.ts). */
function nodesOf(children: readonly Node[]): Node[] {
  const out: Node[] = [];
  walkTree(children, true, (n) => {
    out.push(n);
    return true;
  });
  return out;
}

interface Tally {
  kinds: Record<UpdateKind, number>;
  /** Edits strictly inside the body of a closed block (not touching its braces). */
  insideBlock: number;
  /** Of those, re-parsed inside a block (statements around the edit, or the whole body). */
  insideBlockIncremental: number;
  /**
   * Typing or deleting letters, spaces, `=` or `-` inside a block body of the corpus file itself (the first
   * edit of a sequence: later ones often land after an earlier random quote or brace that left the body
   * unbalanced, where a fall-back is right).
   */
  plainInsideBlock: number;
  plainInsideBlockIncremental: number;
}

function newTally(): Tally {
  return {
    kinds: { statements: 0, block: 0, top: 0, full: 0 },
    insideBlock: 0,
    insideBlockIncremental: 0,
    plainInsideBlock: 0,
    plainInsideBlockIncremental: 0,
  };
}

/** True when `[start, end)` lies in a closed block's body, computed on the tree by brute force. */
function insideSomeBody(parsed: ParsedFile, change: TextChange): boolean {
  let inside = false;
  walkTree(parsed.children, true, (n) => {
    const b = n.kind === "directive" ? n.block : undefined;
    if (b?.close && b.open.end.offset <= change.start && change.end <= b.close.start.offset) inside = true;
    return true;
  });
  return inside;
}

function assertSameParse(actual: ParsedFile, text: string, what: string): void {
  const expected = parse(text);
  assert.strictEqual(actual.text, text, `${what}: text`);
  assertSameTree(actual.children, expected.children, `${what}: tree`);
  assertBases(actual.children, what);
  assert.deepStrictEqual(actual.errors, expected.errors, `${what}: errors`);
  assert.strictEqual(actual.lineCount, expected.lineCount, `${what}: line count`);
}

/** Applies the edits one by one to one tree, checking each result against a full parse. */
function checkSequence(initial: string, seeds: readonly EditSeed[], snippets: readonly string[], tally: Tally): void {
  let current = parse(initial);
  for (let k = 0; k < seeds.length; k++) {
    const seed = seeds[k];
    const before = current.text;
    const change = toChange(before, seed, snippets);
    const text = before.slice(0, change.start) + change.text + before.slice(change.end);
    const inside = insideSomeBody(current, change);
    const oldNodes = new Set(nodesOf(current.children));
    // A third of the directives with their words made (moved as Words by the edit), the rest still packed
    // (moved as numbers): both kinds are compared after it, and a word made says what its numbers said.
    makeWordsOf(current.children, (_d, i) => (i + k) % 3 === 0, `before edit ${k}`);
    const u = updateParseDetailed(current, change);
    const what = `edit ${JSON.stringify(change)} of ${JSON.stringify(before.slice(Math.max(0, change.start - 40), change.end + 40))}`;
    assertSameParse(u.parsed, text, what);
    tally.kinds[u.kind]++;
    if (inside) {
      tally.insideBlock++;
      const incremental = u.kind === "statements" || u.kind === "block";
      if (incremental) tally.insideBlockIncremental++;
      if (k === 0 && /^[ax= -]*$/.test(change.text + before.slice(change.start, change.end))) {
        tally.plainInsideBlock++;
        if (incremental) tally.plainInsideBlockIncremental++;
      }
    }
    if (u.kind !== "full") {
      // Identity: every node outside the new part is an old object, and the changed ones are kept ones.
      const added = new Set(nodesOf(u.added));
      for (const n of nodesOf(u.parsed.children)) {
        if (!added.has(n)) assert.ok(oldNodes.has(n), `${what}: a node outside the re-parsed part is new`);
      }
      for (const d of u.changed) assert.ok(oldNodes.has(d), `${what}: a changed block is not the old object`);
    }
    current = u.parsed;
  }
}

function readCorpus(rel: string): string {
  return fs.readFileSync(path.join(CORPUS, rel), "utf8");
}

describe("incremental parse", function () {
  // 5,000+ sequences of full parses of small files and deep comparisons: ~20 s on a quiet machine.
  this.timeout(300_000);

  describe("hand-written edits", () => {
    const cases: [string, string, TextChange][] = [
      [
        "inside a location",
        "http {\n  server {\n    location / { a 1; }\n  }\n}\nz;\n",
        { start: 34, end: 34, text: " b 2;" },
      ],
      ["a new line before a later block", "http {\n  a 1;\n}\nevents {\n}\n", { start: 13, end: 13, text: "\n\n" }],
      ["a brace that closes the block early", "http {\n  a {\n  b;\n  }\n}\n", { start: 11, end: 12, text: "" }],
      ["a stray brace at top level", "a 1;\nb 2;\nhttp { c; }\n", { start: 4, end: 4, text: "}" }],
      ["a comment running into the closing brace", "http { a 1; }\nz;\n", { start: 11, end: 11, text: "#" }],
      ["an unclosed block later names its line", "http {\n  a 1;\n}\nevents {\n", { start: 13, end: 13, text: "\n" }],
      [
        "a comment past a lone CR after the edit",
        "http {\n  a 1;\n}\n# x\ry\nz;\n",
        { start: 13, end: 13, text: "\n\n" },
      ],
      ["a CRLF split by the edit", "http {\r\n  a 1;\r\n}\r\nz;\r\n", { start: 15, end: 15, text: "x" }],
      ["a Lua body", "http {\n  content_by_lua_block { ngx.say('}') }\n}\n", { start: 33, end: 33, text: "--" }],
      ["the first character of the file", "\ufeffhttp { }\n", { start: 0, end: 1, text: "" }],
      // Later on the edited line: a word that keeps its end (an escaped quote), its words not made yet.
      [
        "a word with an escaped quote after the edit on its line",
        'http {\n  b 1; a "x\\"y" z;\n}\n',
        { start: 12, end: 12, text: "22" },
      ],
      [
        "a word spanning lines after the edit on its line",
        'http {\n  b 1; a "x\ny" z;\n}\n',
        { start: 12, end: 12, text: "22" },
      ],
    ];
    for (const [what, text, change] of cases) {
      it(what, () => {
        const u = updateParseDetailed(parse(text), change);
        assertSameParse(u.parsed, text.slice(0, change.start) + change.text + text.slice(change.end), what);
      });
    }

    it("keeps the nodes after the edit and shifts them in place", () => {
      const text = "http {\n  server {\n    a 1;\n  }\n  server {\n    b 2;\n  }\n}\n";
      const old = parse(text);
      const http = old.children[0];
      assert.ok(http.kind === "directive" && http.block);
      const [first, second] = http.block.children;
      assert.ok(first.kind === "directive" && first.block && second.kind === "directive");
      const change = { start: text.indexOf("a 1;"), end: text.indexOf("a 1;"), text: "x;\n    " };
      const u = updateParseDetailed(old, change);
      assert.strictEqual(u.kind, "statements");
      assert.deepStrictEqual(u.changed, [http, first]);
      const [first2, second2] = (u.parsed.children[0] as typeof http).block!.children;
      assert.strictEqual(first2, first);
      assert.strictEqual(second2, second);
      assert.strictEqual(second.range.start.line, 5);
      assert.strictEqual(second.range.start.offset, text.indexOf("server", 20) + change.text.length);
    });
  });

  describe("random edit sequences over corpus files (differential)", () => {
    const tally = newTally();
    let snippets: string[] = [];

    before(function () {
      if (!haveShared()) this.skip();
      // Pieces to paste: lines of every file, and short runs of lines.
      snippets = [];
      for (const f of FILES) {
        const lines = readCorpus(f).split("\n");
        for (let i = 0; i < lines.length; i += 3) snippets.push(lines.slice(i, i + 1 + (i % 4)).join("\n"));
      }
      snippets = snippets.filter((s) => s.length > 0);
    });

    const inputs: [string, () => string][] = FILES.map((f) => [f, () => readCorpus(f)]);
    inputs.push([`${FILES[3]} with CRLF`, () => readCorpus(FILES[3]).replace(/\n/g, "\r\n")]);
    inputs.push([`${FILES[0]} with CRLF`, () => readCorpus(FILES[0]).replace(/\n/g, "\r\n")]);

    inputs.forEach(([name, read], index) => {
      it(`${name}: ${RUNS_PER_FILE} sequences`, () => {
        const text = read();
        fc.assert(
          fc.property(fc.array(editSeed, { minLength: 2, maxLength: 8 }), (seeds) => {
            checkSequence(text, seeds, snippets, tally);
          }),
          { seed: SEED + index, numRuns: RUNS_PER_FILE },
        );
      });
    });

    it("large-config (35k lines): fewer sequences of the same edits", function () {
      if (!fs.existsSync(path.join(CORPUS, LARGE_CONFIG))) this.skip();
      const text = readCorpus(LARGE_CONFIG);
      fc.assert(
        fc.property(fc.array(editSeed, { minLength: 2, maxLength: 3 }), (seeds) => {
          checkSequence(text, seeds, snippets, tally);
        }),
        // Each edit costs a full parse and a deep comparison of a 35k-line tree (~1 s on a busy machine).
        { seed: SEED - 1, numRuns: 3 },
      );
    });

    it("the changes of one didChange applied together give the same tree", () => {
      const text = readCorpus(FILES[2]);
      fc.assert(
        fc.property(fc.array(editSeed, { minLength: 1, maxLength: 6 }), (seeds) => {
          let current = text;
          const changes: TextChange[] = [];
          for (const seed of seeds) {
            const change = toChange(current, seed, snippets);
            changes.push(change);
            current = current.slice(0, change.start) + change.text + current.slice(change.end);
          }
          const updates = updateParseAll(parse(text), changes, current);
          assertSameParse(updates[updates.length - 1].parsed, current, JSON.stringify(changes));
        }),
        { seed: SEED + 100, numRuns: 300 },
      );
    });

    it("an edited buffer read through a window: the same trees, and nothing read from the new text itself", () => {
      // lsp/edited-document.ts hands the parse the new text as a concatenation that V8 copies whole on its
      // first read, and a window that reads parts of it. Here the new text given is a decoy of the same length
      // (only "#"): a scan that read it instead of the window would parse comments, not the real tree.
      let windowed = 0;
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: FILES.length - 1 }),
          fc.array(editSeed, { minLength: 1, maxLength: 6 }),
          (f, seeds) => {
            let current = parse(readCorpus(FILES[f]));
            for (const seed of seeds) {
              const before = current.text;
              const change = toChange(before, seed, snippets);
              const text = before.slice(0, change.start) + change.text + before.slice(change.end);
              let lf = 0;
              for (let i = change.start; i < change.end; i++) if (before.charCodeAt(i) === 10) lf++;
              const decoy = "#".repeat(text.length);
              let read = 0;
              const window = (a: number, b: number): string => {
                read += b - a;
                return text.slice(a, b);
              };
              const u = updateParseDetailed(current, { ...change, removedLfs: lf }, decoy, window);
              // The whole file re-parsed, or a scan that needed text before its window (nginx's line number in
              // the warning on a comment running past a lone CR), reads the text given: here the decoy.
              const needsWhole = parse(text).errors.some((e) => e.code === "comment-continues-past-cr");
              if (u.kind === "full" || read === 0 || needsWhole) {
                current = parse(text);
                continue;
              }
              windowed++;
              const what = `windowed edit ${JSON.stringify(change)}`;
              assertSameTree(u.parsed.children, parse(text).children, `${what}: tree`);
              assert.deepStrictEqual(u.parsed.errors, parse(text).errors, `${what}: errors`);
              assert.strictEqual(u.parsed.lineCount, parse(text).lineCount, `${what}: line count`);
              // The decoy is that tree's text from now on: the same edit of the real text, windowed, goes on.
              const next = updateParseDetailed(parse(before), change, text, window);
              assertSameParse(next.parsed, text, what);
              current = next.parsed;
            }
          },
        ),
        { seed: SEED + 210, numRuns: 300 },
      );
      assert.ok(windowed >= 500, `${windowed} edits re-parsed through the window`);
    });

    it("edits sent as editor ranges land where vscode-languageserver-textdocument puts them", () => {
      const text = readCorpus(FILES[5]) + readCorpus(FILES[2]);
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              a: fc.record({ line: fc.integer({ min: -1, max: 140 }), character: fc.integer({ min: -1, max: 90 }) }),
              b: fc.record({ line: fc.integer({ min: -1, max: 140 }), character: fc.integer({ min: -1, max: 90 }) }),
              text: fc.constantFrom("", "x", "}", "{", "\n", "\r\n", "\r", "a b;\n", '"'),
            }),
            { minLength: 1, maxLength: 5 },
          ),
          (edits) => {
            const doc = TextDocument.create("file:///x.conf", "nginx", 1, text);
            let parsed = parse(text);
            for (const e of edits) {
              for (const p of [e.a, e.b]) assert.strictEqual(offsetAt(parsed, p), doc.offsetAt(p), JSON.stringify(p));
            }
            const changes: RangeChange[] = edits.map((e) => ({ range: { start: e.a, end: e.b }, text: e.text }));
            TextDocument.update(doc, changes, 2);
            const updates = updateParseAll(parsed, changes);
            parsed = updates[updates.length - 1].parsed;
            assertSameParse(parsed, doc.getText(), JSON.stringify(changes));
          },
        ),
        { seed: SEED + 200, numRuns: 300 },
      );
    });

    it("ParseCache.update: a didChange's edits update the cached tree, counted apart from full parses", () => {
      const text = readCorpus(FILES[6]);
      const cache = new ParseCache();
      const first = cache.get("/w/nginx.conf", { text, version: "v1", problems: [] });
      const at = text.indexOf("{", text.indexOf("\nhttp")) + 1;
      const change = { start: at, end: at, text: "\n  x 1;" };
      const text2 = text.slice(0, at) + change.text + text.slice(at);
      const second = cache.update("/w/nginx.conf", { text: text2, version: "v2", problems: [] }, [change], "v1");
      assert.deepStrictEqual([cache.parses, cache.incrementalParses], [1, 1]);
      assert.strictEqual(second.children, first.children, "the top-level list is the cached one, updated");
      assertSameParse(second, text2, "after the update");
      // Asked again for the same version: the cached tree, no work.
      assert.strictEqual(cache.get("/w/nginx.conf", { text: text2, version: "v2", problems: [] }), second);
      // Changes from a version the cache does not hold, or that do not add up to the text: parsed whole.
      const text3 = "x" + text2;
      cache.update(
        "/w/nginx.conf",
        { text: text3, version: "v3", problems: [] },
        [{ start: 0, end: 0, text: "x" }],
        "v1",
      );
      assert.deepStrictEqual([cache.parses, cache.incrementalParses], [2, 1]);
      const lying = cache.update(
        "/w/nginx.conf",
        { text: "y" + text3, version: "v4", problems: [] },
        [{ start: 0, end: 0, text: "zz" }],
        "v3",
      );
      assert.deepStrictEqual([cache.parses, cache.incrementalParses], [3, 1]);
      assertSameParse(lying, "y" + text3, "after changes that do not match the text");
    });

    it("takes the incremental path for most edits inside blocks", () => {
      const { kinds, insideBlock, insideBlockIncremental, plainInsideBlock, plainInsideBlockIncremental } = tally;
      const total = kinds.statements + kinds.block + kinds.top + kinds.full;
      // Random edits of braces, quotes and `#` unbalance a body often; typing inside a block mostly does not.
      assert.ok(total > 20_000, `only ${total} edits checked`);
      assert.ok(insideBlockIncremental > 0.6 * insideBlock, `${insideBlockIncremental} of ${insideBlock} in blocks`);
      // Plain typing rarely changes what a body's braces are (a `-` may start a Lua `--` comment, a deleted
      // space may join a word to a `${`).
      assert.ok(
        plainInsideBlockIncremental > 0.97 * plainInsideBlock,
        `${plainInsideBlockIncremental} of ${plainInsideBlock} plain edits in blocks`,
      );
      assert.ok(kinds.top > 0 && kinds.block > 0 && kinds.statements > kinds.block, JSON.stringify(kinds));
      console.log(
        `      edits: ${JSON.stringify(kinds)}; inside blocks ${insideBlockIncremental}/${insideBlock}, plain ones ${plainInsideBlockIncremental}/${plainInsideBlock}`,
      );
    });
  });
});
