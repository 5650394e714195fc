// Unit tests of the scanner (text → coarse statement tokens + errors) on the tricky inputs.
// Expected values are written from nginx's / crossplane's word rules and Lua's lexical rules, not copied
// from the scanner's output.

import * as assert from "assert";
import { deepStrictEqualPlain } from "../support/plain-tree";
import { normalizeNewlines, scan, scanTree, type ScanToken, type StmtToken } from "../../server/src/parse/scanner";
import { posAt, rangeOf } from "../support/text";

/** Position of `offset` in `text`, counting LF, CRLF and a lone CR as one line break (independent of the scanner). */

/** Shape of the tokens: type + word values (and the Lua code for Lua statements). */
function shape(tokens: ScanToken[]): unknown[] {
  return tokens.map((t) => {
    switch (t.type) {
      case "stmt":
        return t.lua
          ? { stmt: t.words.map((w) => w.value), lua: t.lua.code }
          : { stmt: t.words.map((w) => w.value), semi: t.semicolon !== null };
      case "open":
        return { open: t.words.map((w) => w.value) };
      case "close":
        return t.brace ? "}" : "}(synthetic)";
      case "comment":
        return { comment: t.comment.text };
    }
  });
}

function codes(text: string): string[] {
  return scan(text).errors.map((e) => e.code);
}

function luaStmt(text: string): StmtToken {
  const r = scan(text);
  deepStrictEqualPlain(r.errors, []);
  assert.strictEqual(r.tokens.length, 1);
  const t = r.tokens[0];
  assert.ok(t.type === "stmt" && t.lua, "expected one Lua statement");
  return t;
}

describe("scanner", () => {
  describe("*_by_lua_block bodies", () => {
    const cases: [string, string][] = [
      ["brace in a double-quoted string", ' local s = "}" ngx.say(s) '],
      ["brace in a single-quoted string with an escaped quote", " local s = '\\'}' "],
      ["brace in an escaped-quote double string", ' local s = "\\"}{" '],
      ["line comment with a brace", "\n  -- }\n  ngx.say(1)\n"],
      ["long bracket string", " local s = [[ } ]] "],
      ["level-1 long bracket containing ]] and }", " local s = [=[ ]] } ]=] "],
      ["long comment", "\n  --[[ } ]]\n  ngx.exit(200)\n"],
      ["level-2 long comment containing ]] and ]=]", " --[==[ ]] } ]=] ]==] x = 1 "],
      ["nested table constructors", " local t = { a = { b = {} }, c = '{' } "],
      ["multi-line long string", " local s = [[\n}\n}]]\n"],
      ["empty body", ""],
    ];
    for (const [what, code] of cases) {
      it(what, () => {
        const text = `content_by_lua_block {${code}}`;
        const t = luaStmt(text);
        deepStrictEqualPlain(
          t.words.map((w) => w.value),
          ["content_by_lua_block"],
        );
        assert.strictEqual(t.semicolon, null);
        assert.ok(t.lua);
        assert.strictEqual(t.lua.code, code);
        // The body is the whole rest of the text: the last `}` closes it.
        deepStrictEqualPlain(t.lua.range, { start: posAt(text, 21), end: posAt(text, text.length) });
        deepStrictEqualPlain(t.lua.inner, { start: posAt(text, 22), end: posAt(text, text.length - 1) });
        deepStrictEqualPlain(t.end, posAt(text, text.length));
      });
    }

    it("a directive after the body is its own statement", () => {
      const r = scan('access_by_lua_block { local x = "}" }\nlisten 80;');
      deepStrictEqualPlain(r.errors, []);
      deepStrictEqualPlain(shape(r.tokens), [
        { stmt: ["access_by_lua_block"], lua: ' local x = "}" ' },
        { stmt: ["listen", "80"], semi: true },
      ]);
    });

    it("set_by_lua_block reads the variable before the body", () => {
      const text = 'set_by_lua_block $v { return "}" .. [[{]] }';
      const t = luaStmt(text);
      deepStrictEqualPlain(
        t.words.map((w) => [w.value, w.quote]),
        [
          ["set_by_lua_block", null],
          ["$v", null],
        ],
      );
      assert.strictEqual(t.lua?.code, ' return "}" .. [[{]] ');
      deepStrictEqualPlain(t.words[1].range, rangeOf(text, "$v"));
    });

    it("a *_by_lua_block name not followed by `{` is an ordinary statement", () => {
      deepStrictEqualPlain(shape(scan("content_by_lua_block;").tokens), [
        { stmt: ["content_by_lua_block"], semi: true },
      ]);
      const r = scan("set_by_lua_block $v x;");
      deepStrictEqualPlain(r.errors, []);
      deepStrictEqualPlain(shape(r.tokens), [{ stmt: ["set_by_lua_block", "$v", "x"], semi: true }]);
    });

    it("the body may start on the next line; CRLF inside is normalised in the code", () => {
      const text = "content_by_lua_block\r\n{\r\n  a = '}'\r\n}";
      const t = luaStmt(text);
      assert.strictEqual(t.lua?.code, "\n  a = '}'\n");
      deepStrictEqualPlain(t.lua?.range, {
        start: { line: 1, character: 0, offset: 22 },
        end: posAt(text, text.length),
      });
      deepStrictEqualPlain(t.lua?.range.end, { line: 3, character: 1, offset: 37 });
    });

    it("an unterminated body is a fatal error at its `{` and ends at the end of the input", () => {
      const text = 'content_by_lua_block {\n  s = "}"\n';
      const r = scan(text);
      assert.strictEqual(r.errors.length, 1);
      const e = r.errors[0];
      assert.strictEqual(e.code, "unterminated-lua");
      assert.strictEqual(e.fatalForCrossplane, true);
      deepStrictEqualPlain(e.range, rangeOf(text, "{"));
      // No block is open: crossplane's parser runs out of tokens inside the statement and gives no line.
      assert.strictEqual(e.crossplaneLine, null);
      const t = r.tokens[0];
      assert.ok(t.type === "stmt" && t.lua);
      assert.strictEqual(t.lua.code, '\n  s = "}"\n');
      deepStrictEqualPlain(t.lua.range.end, posAt(text, text.length));
    });

    // Found by test/parse/property.test.ts: a `\` as the last character of a Lua string at the end of the
    // input moved the scanner past the end of the text (positions with offset > text.length).
    it("a backslash at the very end of an unterminated Lua string stays within the text", () => {
      for (const text of ['content_by_lua_block { "\\', "content_by_lua_block { '\\"]) {
        const r = scan(text);
        deepStrictEqualPlain(
          r.errors.map((e) => e.code),
          ["unterminated-lua"],
        );
        const t = r.tokens[0];
        assert.ok(t.type === "stmt" && t.lua);
        deepStrictEqualPlain(t.lua.range.end, posAt(text, text.length));
        deepStrictEqualPlain(t.end, posAt(text, text.length));
        deepStrictEqualPlain(r.end, posAt(text, text.length));
      }
    });
  });

  // nginx ends a `#` comment only at LF (ngx_conf_read_token clears `sharp_comment` on LF); positions stay
  // in editor coordinates (a lone CR ends an editor line). Each case was run through nginx 1.22.1
  // (test/format/nginx-oracle-cr.test.ts runs them again).
  describe("line breaks: nginx's tokens, editor positions", () => {
    it("a lone CR inside a `#` comment does not end it: what follows up to LF is comment", () => {
      const text = "# maintenance\r    return 503;\nreturn 200;\n";
      const r = scan(text);
      deepStrictEqualPlain(shape(r.tokens), [
        { comment: " maintenance\r    return 503;" },
        { stmt: ["return", "200"], semi: true },
      ]);
      const c = r.tokens[0];
      assert.ok(c.type === "comment");
      // The comment spans two editor lines.
      deepStrictEqualPlain(c.comment.range, { start: posAt(text, 0), end: posAt(text, text.indexOf("\n")) });
      assert.strictEqual(c.comment.range.end.line, 1);
      // A warning on the hidden text, in editor coordinates (line 1, where the editor shows it).
      deepStrictEqualPlain(
        r.errors.map((e) => [e.code, e.severity]),
        [["comment-continues-past-cr", "warning"]],
      );
      deepStrictEqualPlain(r.errors[0].range, {
        start: posAt(text, text.indexOf("\r") + 1),
        end: posAt(text, text.indexOf("\n")),
      });
      const t = r.tokens[1];
      assert.ok(t.type === "stmt");
      deepStrictEqualPlain(t.words[0].range, rangeOf(text, "return", 1));
    });

    it("the CR of a CRLF ends the comment with its LF; a CR before CRLF or at the end hides nothing (no warning)", () => {
      deepStrictEqualPlain(shape(scan("# a\r\nb;").tokens), [{ comment: " a" }, { stmt: ["b"], semi: true }]);
      const r = scan("# a \r\r\nb;\r# c\r");
      deepStrictEqualPlain(shape(r.tokens), [{ comment: " a \r" }, { stmt: ["b"], semi: true }, { comment: " c\r" }]);
      deepStrictEqualPlain(r.errors, []);
    });

    it("the warnings' nginx line numbers cost one pass over the file, however many there are", function () {
      this.timeout(120_000);
      // 200,000 comments hiding text: counting the LFs before each one from the start of the file would be
      // ~10^10 steps (minutes); one pass is ~10^6 (well under a second). The limit is generous on purpose.
      const n = 200_000;
      const text = "# off\r x;\n".repeat(n);
      const started = Date.now();
      const r = scan(text);
      const ms = Date.now() - started;
      assert.strictEqual(r.errors.length, n);
      assert.match(r.errors[n - 1].message, new RegExp(`for nginx this text is on line ${n}\\)`));
      assert.ok(ms < 30_000, `${ms} ms`);
    });

    it("a comment between arguments runs past a lone CR too", () => {
      const text = "listen 80 # note\r ssl;\n  reuseport;";
      const r = scan(text);
      deepStrictEqualPlain(shape(r.tokens), [{ stmt: ["listen", "80", "reuseport"], semi: true }]);
      const t = r.tokens[0];
      assert.ok(t.type === "stmt");
      deepStrictEqualPlain(
        t.comments.map((c) => c.text),
        [" note\r ssl;"],
      );
    });

    it("outside comments a lone CR separates words like a space, and starts an editor line", () => {
      const text = "bogus_directive\ron;";
      const r = scan(text);
      deepStrictEqualPlain(shape(r.tokens), [{ stmt: ["bogus_directive", "on"], semi: true }]);
      const t = r.tokens[0];
      assert.ok(t.type === "stmt");
      deepStrictEqualPlain(t.words[1].range, { start: { line: 1, character: 0, offset: 16 }, end: posAt(text, 18) });
    });

    it("a backslash escapes one character: `\\` CR LF keeps the CR in the word and the LF ends it", () => {
      const text = "return 200 foo\\\r\nbar;";
      const r = scan(text);
      deepStrictEqualPlain(r.errors, []);
      const t = r.tokens[0];
      assert.ok(t.type === "stmt");
      // nginx 1.22.1: `invalid number of arguments in "return"`: foo\<CR> and bar are two words.
      assert.strictEqual(t.words.length, 4);
      deepStrictEqualPlain(t.words[2].range, { start: posAt(text, 11), end: posAt(text, 16) });
      deepStrictEqualPlain(t.words[3].range, rangeOf(text, "bar"));
      // An escaped LF (or lone CR) continues the word over the line break.
      deepStrictEqualPlain(shape(scan("a b\\\nc;").tokens), [{ stmt: ["a", "b\\\nc"], semi: true }]);
    });

    it("Lua bodies: a `--` comment runs past a lone CR; a string may hold a CR, not an LF", () => {
      const comment = luaStmt("content_by_lua_block { -- x\r } ngx.say(1)\n}");
      assert.strictEqual(comment.lua?.code, " -- x\n } ngx.say(1)\n");
      const string = luaStmt('content_by_lua_block { local s = "a\r}" }');
      assert.strictEqual(string.lua?.code, ' local s = "a\n}" ');
      const escapedCr = luaStmt('content_by_lua_block { local s = "a\\\r}" }');
      assert.strictEqual(escapedCr.lua?.code, ' local s = "a\\\n}" ');
    });

    it("Lua bodies: a quote that starts no string on its line is plain text, so braces after it count", () => {
      // `"a{` then LF: lua-nginx-module's lexer finds no string at the quote and counts the `{`.
      const open = scan('content_by_lua_block { local s = "a{\n" }\n');
      deepStrictEqualPlain(
        open.errors.map((e) => e.code),
        ["unterminated-lua"],
      );
      // `"a\` LF: an escaped LF is not part of a string for it; the `}` after it closes the body.
      const r = scan('content_by_lua_block { local s = "a\\\n} x;');
      deepStrictEqualPlain(r.errors, []);
      deepStrictEqualPlain(shape(r.tokens), [
        { stmt: ["content_by_lua_block"], lua: ' local s = "a\\\n' },
        { stmt: ["x"], semi: true },
      ]);
    });

    it("a comment between a *_by_lua_block name and its `{` (nginx accepts it)", () => {
      const text = "content_by_lua_block # c }\n { ngx.say(1) }";
      const r = scan(text);
      deepStrictEqualPlain(r.errors, []);
      deepStrictEqualPlain(shape(r.tokens), [{ stmt: ["content_by_lua_block"], lua: " ngx.say(1) " }]);
      const t = r.tokens[0];
      assert.ok(t.type === "stmt");
      deepStrictEqualPlain(
        t.comments.map((c) => c.text),
        [" c }"],
      );
      // Without a `{` after the comment the words are read again as an ordinary statement, the comment once.
      const plain = scan("set_by_lua_block $v # c\n x;");
      deepStrictEqualPlain(plain.errors, []);
      const p = plain.tokens[0];
      assert.ok(p.type === "stmt");
      deepStrictEqualPlain(
        p.words.map((w) => w.value),
        ["set_by_lua_block", "$v", "x"],
      );
      deepStrictEqualPlain(
        p.comments.map((c) => c.text),
        [" c"],
      );
    });
  });

  describe("words", () => {
    it("repeated words keep their own text, also when their hashes collide (the scan reuses equal words' strings)", () => {
      // "Aa" and "BB" have the same 31-based hash (65·31+97 = 66·31+66), as do "AaAa", "AaBB", "BBAa" and "BBBB".
      const words = ["Aa", "BB", "Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa", "AaAa", "A", "a\\;", "x${Aa}", "BB"];
      const text = `${words.join(" ")};\n${words.join(" ")};\n`;
      const statements = scan(text).tokens.filter((t): t is StmtToken => t.type === "stmt");
      assert.strictEqual(statements.length, 2);
      for (const t of statements)
        deepStrictEqualPlain(
          t.words.map((w) => w.value),
          words,
        );
    });

    it("quoted `}`, `;`, `#` and `{` are ordinary characters", () => {
      const text = `a "}" ';' "#x" '{';`;
      const r = scan(text);
      deepStrictEqualPlain(r.errors, []);
      assert.strictEqual(r.tokens.length, 1);
      const t = r.tokens[0];
      assert.ok(t.type === "stmt");
      deepStrictEqualPlain(
        t.words.map((w) => [w.value, w.quote]),
        [
          ["a", null],
          ["}", '"'],
          [";", "'"],
          ["#x", '"'],
          ["{", "'"],
        ],
      );
      deepStrictEqualPlain(t.words[1].range, rangeOf(text, '"}"'));
      deepStrictEqualPlain(t.semicolon, rangeOf(text, ";", 1));
    });

    it("only the escaped quote of the enclosing kind is unescaped; other escapes are kept", () => {
      // As written (TS escapes resolved): a "x\"y" 'x\'y' "x\'y" 'x\"y' x\"y "a\\b" a\\b "\n";
      const text = String.raw`a "x\"y" 'x\'y' "x\'y" 'x\"y' x\"y "a\\b" a\\b "\n";`;
      const t = scan(text).tokens[0];
      assert.ok(t.type === "stmt");
      deepStrictEqualPlain(
        t.words.map((w) => w.value),
        [
          "a",
          'x"y',
          "x'y",
          String.raw`x\'y`,
          String.raw`x\"y`,
          String.raw`x\"y`,
          String.raw`a\\b`,
          String.raw`a\\b`,
          String.raw`\n`,
        ],
      );
      // The range covers the word as written, quotes and backslashes included.
      deepStrictEqualPlain(t.words[1].range, rangeOf(text, String.raw`"x\"y"`));
    });

    it("an escaped `;`, `{`, `}` or space stays in a bare word", () => {
      const t = scan(String.raw`a b\;c d\{ e\} f\ g;`).tokens[0];
      assert.ok(t.type === "stmt");
      deepStrictEqualPlain(
        t.words.map((w) => w.value),
        ["a", String.raw`b\;c`, String.raw`d\{`, String.raw`e\}`, String.raw`f\ g`],
      );
    });

    it("`${var}` inside a word does not open a block", () => {
      const text = "proxy_pass http://${host}:8080/${uri}; set $a ${b}c;";
      const r = scan(text);
      deepStrictEqualPlain(r.errors, []);
      deepStrictEqualPlain(shape(r.tokens), [
        { stmt: ["proxy_pass", "http://${host}:8080/${uri}"], semi: true },
        { stmt: ["set", "$a", "${b}c"], semi: true },
      ]);
      const t = r.tokens[0];
      assert.ok(t.type === "stmt");
      deepStrictEqualPlain(t.words[1].range, rangeOf(text, "http://${host}:8080/${uri}"));
    });

    it("a `{` not preceded by `$` ends the word and opens a block (as in nginx)", () => {
      deepStrictEqualPlain(shape(scan("location ~ ^/a{2}$ { }").tokens), [
        { open: ["location", "~", "^/a"] },
        { stmt: ["2"], semi: false },
        "}",
        { open: ["$"] },
        "}",
      ]);
      deepStrictEqualPlain(codes("location ~ ^/a{2}$ { }"), ["missing-semicolon"]);
      // Quoted, the quantifier is part of the regex.
      const r = scan('location ~ "^/a{2}$" { }');
      deepStrictEqualPlain(r.errors, []);
      deepStrictEqualPlain(shape(r.tokens), [{ open: ["location", "~", "^/a{2}$"] }, "}"]);
    });

    it("`#` inside a word is not a comment; at the start of a word it is", () => {
      const r = scan("a b#c #d\n;");
      deepStrictEqualPlain(r.errors, []);
      const t = r.tokens[0];
      assert.ok(t.type === "stmt");
      deepStrictEqualPlain(
        t.words.map((w) => w.value),
        ["a", "b#c"],
      );
      deepStrictEqualPlain(
        t.comments.map((c) => c.text),
        ["d"],
      );
    });

    it("a closing quote followed by a non-separator is reported", () => {
      const text = 'a "b"c;';
      const r = scan(text);
      deepStrictEqualPlain(
        r.errors.map((e) => [e.code, e.range]),
        [["no-space-after-quote", rangeOf(text, "c")]],
      );
      const t = r.tokens[0];
      assert.ok(t.type === "stmt");
      deepStrictEqualPlain(
        t.words.map((w) => w.value),
        ["a", "b", "c"],
      );
    });
  });

  describe("positions", () => {
    it("exact ranges with CRLF line ends", () => {
      const text = 'a b;\r\nc "x\r\ny";\r\n';
      const r = scan(text);
      deepStrictEqualPlain(r.errors, []);
      const [t0, t1] = r.tokens;
      assert.ok(t0.type === "stmt" && t1.type === "stmt");
      deepStrictEqualPlain(t0.words[1].range, {
        start: { line: 0, character: 2, offset: 2 },
        end: { line: 0, character: 3, offset: 3 },
      });
      deepStrictEqualPlain(t1.words[0].range, {
        start: { line: 1, character: 0, offset: 6 },
        end: { line: 1, character: 1, offset: 7 },
      });
      deepStrictEqualPlain(t1.words[1], {
        value: "x\ny",
        quote: '"',
        range: { start: { line: 1, character: 2, offset: 8 }, end: { line: 2, character: 2, offset: 14 } },
      });
      deepStrictEqualPlain(t1.semicolon, {
        start: { line: 2, character: 2, offset: 14 },
        end: { line: 2, character: 3, offset: 15 },
      });
      deepStrictEqualPlain(r.end, { line: 3, character: 0, offset: 17 });
    });

    it("a lone CR is a line break; a multi-line string value gets \\n", () => {
      const text = "a;\rb 'x\ry';";
      const r = scan(text);
      const t1 = r.tokens[1];
      assert.ok(t1.type === "stmt");
      deepStrictEqualPlain(t1.words[0].range.start, { line: 1, character: 0, offset: 3 });
      assert.strictEqual(t1.words[1].value, "x\ny");
      deepStrictEqualPlain(t1.words[1].range.end, { line: 2, character: 2, offset: 10 });
    });

    it("characters are counted in UTF-16 code units", () => {
      const text = 'a "é😀" b;';
      const t = scan(text).tokens[0];
      assert.ok(t.type === "stmt");
      assert.strictEqual(t.words[1].value, "é😀");
      deepStrictEqualPlain(t.words[1].range, {
        start: { line: 0, character: 2, offset: 2 },
        end: { line: 0, character: 7, offset: 7 },
      });
      deepStrictEqualPlain(t.words[2].range.start, { line: 0, character: 8, offset: 8 });
    });

    it("a UTF-8 BOM is skipped (not part of the first word)", () => {
      const t = scan("\uFEFFuser nginx;").tokens[0];
      assert.ok(t.type === "stmt");
      assert.strictEqual(t.words[0].value, "user");
      deepStrictEqualPlain(t.words[0].range.start, { line: 0, character: 1, offset: 1 });
    });

    // Found by test/parse/property.test.ts: an escaped line break inside `${…}` was stepped over without
    // counting the line, so every later position had the wrong line/character.
    it("an escaped line break inside `${…}` is counted", () => {
      const text = "a ${b\\\nc} d;\nx;";
      const r = scan(text);
      const [t0, t1] = r.tokens;
      assert.ok(t0.type === "stmt" && t1.type === "stmt");
      deepStrictEqualPlain(
        t0.words.map((w) => w.value),
        ["a", "${b\\\nc}", "d"],
      );
      deepStrictEqualPlain(t0.words[2].range, rangeOf(text, "d"));
      deepStrictEqualPlain(t1.words[0].range, {
        start: { line: 2, character: 0, offset: 13 },
        end: { line: 2, character: 1, offset: 14 },
      });
    });
  });

  describe("errors", () => {
    it("empty input and whitespace only", () => {
      for (const text of ["", " \t\n\r\n"]) {
        const r = scan(text);
        deepStrictEqualPlain(r.tokens, []);
        deepStrictEqualPlain(r.errors, []);
        deepStrictEqualPlain(r.end, posAt(text, text.length));
      }
    });

    it("missing `;` before `}` and at the end of the input", () => {
      const text = "http { a b }\nc d";
      const r = scan(text);
      deepStrictEqualPlain(
        r.errors.map((e) => [e.code, e.range, e.fatalForCrossplane]),
        [
          // Before `}`: the last word, after which the `;` belongs (nginx: unexpected "}" at the brace).
          ["missing-semicolon", rangeOf(text, "b"), undefined],
          // At the end: the whole statement; nginx: unexpected end of file, crossplane gives up.
          ["unexpected-eof", { start: rangeOf(text, "c").start, end: rangeOf(text, "d").end }, true],
        ],
      );
      deepStrictEqualPlain(shape(r.tokens), [
        { open: ["http"] },
        { stmt: ["a", "b"], semi: false },
        "}",
        { stmt: ["c", "d"], semi: false },
      ]);
    });

    it("a stray `}` is dropped and fatal for crossplane; `;` without a directive is reported", () => {
      const text = "a; }\n; b;";
      const r = scan(text);
      deepStrictEqualPlain(
        r.errors.map((e) => [e.code, e.range, e.fatalForCrossplane]),
        [
          ["unexpected-close-brace", rangeOf(text, "}"), true],
          ["unexpected-semicolon", rangeOf(text, ";", 1), undefined],
        ],
      );
      deepStrictEqualPlain(shape(r.tokens), [
        { stmt: ["a"], semi: true },
        { stmt: ["b"], semi: true },
      ]);
    });

    it("an unclosed `{` gets a synthetic close and an error at the end, on crossplane's last-token line", () => {
      const text = "http {\n  server {\n    a;\n\n";
      const r = scan(text);
      assert.strictEqual(r.errors.length, 1);
      const e = r.errors[0];
      assert.strictEqual(e.code, "unexpected-eof");
      assert.strictEqual(e.fatalForCrossplane, true);
      const end = { line: 4, character: 0, offset: text.length };
      deepStrictEqualPlain(e.range, { start: end, end });
      assert.strictEqual(e.crossplaneLine, 3); // the line of `a;`
      assert.match(e.message, /"server" block opened on line 2/);
      deepStrictEqualPlain(shape(r.tokens), [
        { open: ["http"] },
        { open: ["server"] },
        { stmt: ["a"], semi: true },
        "}(synthetic)",
        "}(synthetic)",
      ]);
    });

    it("an unterminated quote runs to the end of the input", () => {
      const text = 'a "b;\nc;';
      const r = scan(text);
      // One error, at the opening quote (the rest of the file is inside the string).
      deepStrictEqualPlain(
        r.errors.map((e) => [e.code, e.range, e.fatalForCrossplane]),
        [["unterminated-string", { start: posAt(text, 2), end: posAt(text, 3) }, true]],
      );
      const t = r.tokens[0];
      assert.ok(t.type === "stmt");
      deepStrictEqualPlain(t.words[1].range, { start: posAt(text, 2), end: posAt(text, text.length) });
      deepStrictEqualPlain(shape(r.tokens), [{ stmt: ["a", "b;\nc;"], semi: false }]);
    });

    // The `$var` of set_by_lua_block is read once while looking for the Lua body and again as an ordinary word.
    it("an unterminated quote after set_by_lua_block is reported once", () => {
      deepStrictEqualPlain(codes('set_by_lua_block "x'), ["unterminated-string"]);
    });

    it("a `{` with no directive name is reported", () => {
      const r = scan("{ a; }");
      deepStrictEqualPlain(codes("{ a; }"), ["unexpected-open-brace"]);
      deepStrictEqualPlain(shape(r.tokens), [{ open: [] }, { stmt: ["a"], semi: true }, "}"]);
    });
  });

  describe("options (block-body re-scan)", () => {
    it("scans from a position to an offset, tolerating the closing `}` of the enclosing block", () => {
      const text = "http {\n  a 1;\n  b { c; }\n}\nz;";
      const from = posAt(text, text.indexOf("{") + 1);
      const to = text.lastIndexOf("}");
      const r = scan(text, { from, to, allowUnbalanced: true });
      deepStrictEqualPlain(r.errors, []);
      deepStrictEqualPlain(shape(r.tokens), [
        { stmt: ["a", "1"], semi: true },
        { open: ["b"] },
        { stmt: ["c"], semi: true },
        "}",
      ]);
      const t = r.tokens[0];
      assert.ok(t.type === "stmt");
      deepStrictEqualPlain(t.words[0].range, rangeOf(text, "a"));
    });
  });

  describe("grammar terminals (scanTree)", () => {
    it("statements and standalone comments in a row are one terminal: nearley's work is per terminal", () => {
      const text = "user www;\n# note\nworker_processes 2;\nevents {\n  a 1; b 2; # c\n}\npid x;\nhttp { }\n";
      const kinds = scanTree(text).tokens.map((t) =>
        t.kind === "run" ? t.nodes.map((n) => (n.kind === "comment" ? `#${n.text}` : n.name)) : t.kind,
      );
      // `events` and `http` hold no block: each is read whole, a node of the run (its body included).
      deepStrictEqualPlain(kinds, [["user", "# note", "worker_processes", "events", "pid", "http"]]);
      const events = scanTree(text).tokens[0];
      assert.ok(events.kind === "run" && events.nodes[3].kind === "directive");
      deepStrictEqualPlain(
        events.nodes[3].block!.children.map((n) => (n.kind === "comment" ? `#${n.text}` : n.name)),
        ["a", "b", "# c"],
      );
    });

    it("only a block that holds a block is an open and a close terminal: the grammar nests those", () => {
      const text = "http {\n  a 1;\n  server { b 2; }\n  c 3;\n  map $x $y { }\n  upstream u { d; }\n}\ne 4;\n";
      const kinds = scanTree(text).tokens.map((t) =>
        t.kind === "run" ? t.nodes.map((n) => (n.kind === "comment" ? `#${n.text}` : n.name)) : t.kind,
      );
      deepStrictEqualPlain(kinds, ["open", ["a", "server", "c", "map", "upstream"], "close", ["e"]]);
    });

    it("a statement cut short by `}` or by the end of the input ends its run before the close", () => {
      const kinds = scanTree("a {\n  b 1\n}\nc {\n  d").tokens.map((t) =>
        t.kind === "run" ? t.nodes.map((n) => (n.kind === "directive" ? n.name : n.text)) : t.kind,
      );
      // `a`'s block is closed by its `}` and holds no block: read whole; `c`'s is closed by the end of the input.
      deepStrictEqualPlain(kinds, [["a"], "open", ["d"], "close"]);
      const run = scanTree("a {\n  b 1\n}\nc {\n  d").tokens[0];
      assert.ok(run.kind === "run" && run.nodes[0].kind === "directive");
      deepStrictEqualPlain(
        run.nodes[0].block!.children.map((n) => (n.kind === "directive" ? [n.name, n.terminator] : n.text)),
        [["b", null]],
      );
    });
  });

  it("normalizeNewlines", () => {
    assert.strictEqual(normalizeNewlines("a\r\nb\rc\nd\r"), "a\nb\nc\nd\n");
    assert.strictEqual(normalizeNewlines("abc"), "abc");
  });
});
