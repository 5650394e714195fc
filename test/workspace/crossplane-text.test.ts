// `parse`'s compact JSON is written straight from the main file's text when it reads plainly
// (workspace/crossplane-text.ts), without a tree. The tree path stays the reference: here both give the same
// JSON text on every corpus file under the CLI's option sets, on seeded mutants of them (the mistakes and
// constructs the plain reader must give up on or read exactly as the scanner does), and on 10,000 nested
// locations; and the plain reader is the one that answers for most corpus files, so it is really exercised.
// The same for its WebAssembly version (workspace/crossplane-wasm.ts, for ASCII files): every case is built
// with it first, as the CLI does, and without it.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { writeJson, writePayloadText } from "../../server/src/cli/json";
import { checkDirective, enterBlock, type ContextKind } from "../../server/src/parse/directives";
import {
  buildPayload,
  buildPayloadText,
  type DirectiveChecker,
  type PayloadOptions,
} from "../../server/src/workspace/crossplane-payload";
import { plainParsedJson } from "../../server/src/workspace/crossplane-text";
import { wasmParsedJson } from "../../server/src/workspace/crossplane-wasm";
import { nestedLocations } from "../support/deep-inputs";
import { mutant, random as seeded } from "../support/random";
import { CORPUS, haveShared, readManifest } from "../support/shared";

/** The directive checks as the CLI runs them (cli/main.ts `memoisedChecker`, unmemoised). */
function checker(strict: boolean): DirectiveChecker {
  return {
    mainContext: "main",
    enterBlock: (parent, name) => enterBlock(parent as ContextKind, name),
    check: (input) =>
      checkDirective(input as typeof input & { context: ContextKind }, {
        strict,
        checkContext: true,
        checkArgs: true,
      }),
  };
}

/** The CLI's option sets: the defaults, comments, one file, strict, no checks. */
const OPTION_SETS: { name: string; options: Partial<PayloadOptions> }[] = [
  { name: "defaults", options: { checker: checker(false) } },
  { name: "--include-comments", options: { checker: checker(false), comments: true } },
  { name: "--single-file", options: { checker: checker(false), single: true } },
  { name: "--strict", options: { checker: checker(true) } },
  { name: "no checks", options: {} },
];

function reader(overrides: Map<string, string>): (p: string) => string | null {
  return (p) => {
    const own = overrides.get(p);
    if (own !== undefined) return own;
    try {
      return fs.statSync(p).isFile() ? fs.readFileSync(p, "utf8") : null;
    } catch {
      return null;
    }
  };
}

/** The JSON text of `buildPayloadText`, and which reader wrote the main file's list (null: the tree). */
function textWay(file: string, options: PayloadOptions): { text: string; reader: "wasm" | "js" | null } {
  const { payload, plain, reader } = buildPayloadText(file, options);
  const pieces: string[] = [];
  writePayloadText(payload, plain, undefined, (s) =>
    pieces.push(typeof s === "string" ? s : Buffer.from(s).toString("utf8")),
  );
  return { text: pieces.join(""), reader };
}

/**
 * The JSON text of the tree path, and of `buildPayloadText` with the WebAssembly reader first (as the CLI
 * runs) and without it (so the JavaScript reader reads what the WebAssembly one would); which readers
 * answered for the main file, and whether the tree path found the main file without error (the readers give
 * up on any error, by design).
 */
function bothWays(
  file: string,
  options: PayloadOptions,
): {
  tree: string;
  texts: { text: string; reader: "wasm" | "js" | null }[];
  plain: boolean;
  wasm: boolean;
  clean: boolean;
} {
  const treePieces: string[] = [];
  const reference = buildPayload(file, options);
  writeJson(reference, undefined, (s) => treePieces.push(s));
  const first = textWay(file, options);
  const js = textWay(file, { ...options, wasm: false });
  const clean = reference.config[0].status === "ok";
  return {
    tree: treePieces.join(""),
    texts: [first, js],
    plain: js.reader === "js",
    wasm: first.reader === "wasm",
    clean,
  };
}

function assertSame(
  file: string,
  options: PayloadOptions,
  what: string,
): { plain: boolean; wasm: boolean; clean: boolean } {
  const r = bothWays(file, options);
  for (const { text, reader } of r.texts) {
    if (r.tree === text) continue;
    let i = 0;
    while (i < r.tree.length && r.tree[i] === text[i]) i++;
    assert.fail(
      `${what}: JSON (${reader ?? "tree"}) differs at ${i}\n tree:  ${JSON.stringify(r.tree.slice(i - 80, i + 80))}\n ${reader}: ${JSON.stringify(text.slice(i - 80, i + 80))}`,
    );
  }
  return r;
}

/** Every character below U+0080 (what the WebAssembly reader reads). */
const isAscii = (s: string): boolean => Buffer.byteLength(s, "utf8") === s.length;

function corpusFiles(): string[] {
  const out: string[] = [];
  for (const e of readManifest()) {
    if (e.linkTo) continue;
    const file = path.join(CORPUS, e.path);
    try {
      if (fs.statSync(file).isFile()) out.push(file);
    } catch {
      // listed but absent (a compressed original)
    }
  }
  return out;
}

/** Pieces typed into mutants: the scanner's special characters and the constructs the plain reader gives up on. */
const PIECES = [
  "{",
  "}",
  ";",
  "#",
  '"',
  "'",
  "\n",
  "\r",
  "\r\n",
  "\\",
  "\\\n",
  '\\"',
  "${",
  "}",
  "$x{",
  " ${host} ",
  "x {",
  "} }",
  "location / {",
  ' "a\\"b" ',
  " 'c\\'d' ",
  ' "" ',
  ' "a"b ',
  ' "x") ',
  " if ($a = b) { return 403; } ",
  " if ( $a ) { } ",
  " content_by_lua_block { ngx.say(1) } ",
  " # comment\n",
  " include mime.types; ",
  " include *.conf; ",
  " é ",
  " 😀 ",
  "\ud800",
  "\u0001",
  "\t",
  "\ufeff",
  '"\n"',
];

describe("parse: the compact JSON written from the text equals the tree's", function () {
  this.timeout(600_000);
  before(function () {
    if (!haveShared()) this.skip();
  });

  it("on every corpus file, with each of the CLI's option sets", () => {
    const files = corpusFiles();
    assert.ok(files.length >= 600, `corpus files: ${files.length}`);
    for (const set of OPTION_SETS) {
      let clean = 0;
      let plain = 0;
      let wasm = 0;
      let ascii = 0;
      for (const file of files) {
        const options: PayloadOptions = { ...set.options, readFile: reader(new Map()) };
        const r = assertSame(file, options, `${file} (${set.name})`);
        if (r.clean) clean++;
        if (r.plain) plain++;
        if (r.wasm) wasm++;
        if (r.plain && isAscii(fs.readFileSync(file, "latin1"))) ascii++;
      }
      // The WebAssembly reader reads the ASCII files the JavaScript one reads, unless comments are written
      // (left to the JavaScript reader); the few it leaves are quoted names with escapes.
      console.log(`      ${set.name}: JavaScript reader ${plain}, WebAssembly ${wasm} (of ${ascii} ASCII ones)`);
      if (set.options.comments) assert.equal(wasm, 0, `${set.name}: the WebAssembly reader answered for ${wasm}`);
      else assert.ok(wasm >= ascii * 0.95, `${set.name}: the WebAssembly reader answered for ${wasm} of ${ascii}`);
      // Most corpus files are fragments (a `server` or `location` file) that fail the checks as main files,
      // and the plain reader leaves every error to the tree. Of the others it reads nearly all (measured with
      // the defaults: 291 of 300; the rest have comments between words or Lua blocks). A reader that gives up
      // on everything would pass the comparison above and prove nothing.
      assert.ok(clean >= 100, `${set.name}: main files without error: ${clean}`);
      assert.ok(plain >= clean * 0.9, `${set.name}: the plain reader answered for ${plain} of ${clean} files`);
    }
  });

  it("on 4,000 mutants (a piece typed or a character deleted at a random place), both ways", () => {
    // Files the plain reader answers for (with the defaults), so that most mutants reach it.
    const texts = corpusFiles()
      .map((file) => ({ file, text: fs.readFileSync(file, "utf8") }))
      .filter((t) => t.text.length < 100_000)
      .filter((t) => bothWays(t.file, { ...OPTION_SETS[0].options, readFile: reader(new Map()) }).plain);
    assert.ok(texts.length >= 100, `plain corpus files: ${texts.length}`);
    const rnd = seeded(20261207);
    let plain = 0;
    let wasm = 0;
    for (let i = 0; i < 4000; i++) {
      const { file, text } = texts[Math.floor(rnd() * texts.length)];
      const t = mutant(text, rnd, PIECES);
      const set = OPTION_SETS[i % OPTION_SETS.length];
      const options: PayloadOptions = { ...set.options, readFile: reader(new Map([[file, t]])) };
      const r = assertSame(file, options, `${file} mutant ${i} (${set.name})`);
      if (r.plain) plain++;
      if (r.wasm) wasm++;
    }
    // All readers meet both kinds: a typed piece often leaves a file plain, often breaks it.
    console.log(`      mutants read plainly: ${plain} of 4000 by JavaScript, ${wasm} by WebAssembly`);
    assert.ok(plain > 1000 && plain < 3600, `mutants read plainly: ${plain}`);
    assert.ok(wasm > 500 && wasm < plain, `mutants read by WebAssembly: ${wasm}`);
  });

  it("reads 10,000 nested locations without recursion, to the tree's JSON", () => {
    const file = "/deep/nginx.conf";
    const text = nestedLocations(10_000, "return 200;");
    const options: PayloadOptions = { checker: checker(false), readFile: (p) => (p === file ? text : null) };
    const r = assertSame(file, options, "10,000 nested locations");
    assert.ok(r.plain && r.wasm, "both readers answered");
  });

  it("reads a file written on one line in steps proportional to its length", function () {
    // 1,000,000 quoted words on one 18 MB line: linear, a few seconds at most. A search for each string's
    // line feeds that ran on to the end of the line (as it once did) is ~10^13 character steps: minutes.
    this.timeout(30_000);
    const count = 1_000_000;
    const text = "http { " + 'add_header X "a"; '.repeat(count) + "}";
    const entry = '{"directive":"add_header","line":1,"args":["X","a"]}';
    const expected = `[{"directive":"http","line":1,"args":[],"block":[${Array(count).fill(entry).join(",")}]}]`;
    for (const read of [plainParsedJson, wasmParsedJson]) {
      const bytes = read(text, { context: "main", checker: checker(false), comments: false });
      assert.ok(bytes !== null, `${read.name}: read plainly`);
      assert.ok(Buffer.from(bytes).toString("latin1") === expected, `${read.name}: every statement, all on line 1`);
    }
  });

  it("gives up, rather than guess, on what the tree path reports or reads differently", () => {
    const cases: [string, string][] = [
      ["a syntax error", "events {}\nhttp { server { listen 80 } }\n"],
      ["a comment between words", "events {}\nhttp { gzip # why\n on; }\n"],
      ["a Lua block", "http { server { location / { content_by_lua_block { ngx.say(1) } } } }\n"],
      ["a lone CR", "events {}\rhttp {}\n"],
      ["an escaped line break", "http { server { location / { return 200 a\\\nb; } } }\n"],
      ["an escaped CR in a string", 'http { server { location / { return 200 "a\\\r\nb"; } } }\n'],
      ["an escaped line break in ${…}", "http { server { location / { return 200 ${a\\\nb}; } } }\n"],
      ["a lone CR in a comment", "# a\rb\nevents {}\n"],
      ["a failed check", "http { listen 80; }\n"],
      ["an unterminated string", 'http { server { location / { return 200 "a; } } }\n'],
      ["no space after a quote", 'http { server { location / { return 200 "a"b; } } }\n'],
    ];
    for (const [what, text] of cases)
      for (const read of [plainParsedJson, wasmParsedJson])
        assert.strictEqual(
          read(text, { context: "main", checker: checker(false), comments: false, include: () => null }),
          null,
          `${read.name}: ${what}`,
        );
    // What it does read, each compared with the tree's JSON.
    const plainCases: [string, string][] = [
      ["variables in braces", 'http { map ${host}x $v { default 1; } add_header X "${v}y"; }\n'],
      ["escaped quotes", "http { add_header X \"a\\\"b\\\\\"; add_header Y 'c\\'d'; }\n"],
      ["escapes in a bare word", "http { server { location ~ \\.php$ { return 200 a\\;b; } } }\n"],
      ["an if", 'http { server { if ($a = "b") { return 403; } if (-f $x) { } } }\n'],
      ["CRLF line breaks", "events {}\r\nhttp {\r\n  # note\r\n  gzip on;\r\n}\r\n"],
      ["UTF-8, a BOM and control characters", '\ufeffhttp { add_header X "é😀\t\u0001"; }\n'],
      ["a line break in a string", 'http { add_header X "a\nb"; gzip on; }\n'],
      // JSON.stringify's \u escapes are lower case (\u001f, not \u001F).
      ["control characters written in hex", 'http { add_header X "a\u000b\u001f\u007fb"; }\n'],
      // Six bytes of JSON per character: the output outgrows the room first made for it (twice the text).
      ["escapes that outgrow the buffer", `http { add_header X "${'\u0001\\"'.repeat(4000)}"; }\n`],
    ];
    for (const [what, text] of plainCases) {
      const file = "/plain/nginx.conf";
      const options: PayloadOptions = { checker: checker(false), readFile: (p) => (p === file ? text : null) };
      const r = assertSame(file, options, what);
      assert.ok(r.plain, `${what}: read plainly`);
      // The WebAssembly reader reads ASCII only.
      assert.equal(r.wasm, isAscii(text), `${what}: read by WebAssembly`);
    }
    // An include that reports a problem: the tree path reads the file, and says it once, in its place.
    const main = "/x/nginx.conf";
    const files = new Map([
      [main, "events {}\nhttp { include /x/a.conf; include /x/missing.conf; }\n"],
      ["/x/a.conf", "gzip on;\n"],
    ]);
    const built = buildPayloadText(main, { checker: checker(false), readFile: (p) => files.get(p) ?? null });
    assert.strictEqual(built.plain, null);
    assert.deepStrictEqual(
      built.payload.config.map((c) => c.file),
      [main, "/x/a.conf"],
    );
    assert.deepStrictEqual(built.payload.errors, [
      {
        file: main,
        line: 2,
        error: 'open() "/x/missing.conf" failed (2: No such file or directory) in /x/nginx.conf:2',
      },
    ]);
  });
});
