// Unit tests of the parser (text → tree + errors) and of reparseBlockBody. Expected trees are written from
// nginx's / crossplane's rules and counted by hand (exact ranges) or with `posAt` (independent of the parser).

import * as assert from "assert";
import { deepStrictEqualPlain } from "../support/plain-tree";
import { random as seeded } from "../support/random";
import * as fs from "fs";
import * as path from "path";
import type { Block, Comment, Directive, Node, Position, Range } from "../../server/src/parse/ast";
import { parse, reparseBlockBody } from "../../server/src/parse/parser";
import { CORPUS, haveShared } from "../support/shared";
import { rangeOf } from "../support/text";

function pos(line: number, character: number, offset: number): Position {
  return { line, character, offset };
}

/** Position of `offset` in `text`, counting LF, CRLF and a lone CR as one line break. */

/** Compact shape: [name, ...args] for statements, [name, ...args, [children]] for blocks, "#text" for comments. */
type Shape = string | (string | Shape[])[];
function shape(nodes: Node[]): Shape[] {
  return nodes.map((n): Shape => {
    if (n.kind === "comment") return "#" + n.text;
    const words: (string | Shape[])[] = [n.name, ...n.args.map((a) => a.value)];
    if (n.block) words.push(shape(n.block.children));
    return words;
  });
}

function directive(n: Node | undefined): Directive {
  assert.ok(n && n.kind === "directive", "expected a directive");
  return n;
}

function block(n: Node | undefined): Block {
  const d = directive(n);
  assert.ok(d.block, `"${d.name}" has no block`);
  return d.block;
}

function errorsOf(text: string): [string, Range][] {
  return parse(text).errors.map((e) => [e.code, e.range]);
}

describe("parser", () => {
  describe("exact trees", () => {
    it("a block with a statement and a trailing comment", () => {
      const text = "events {\n  worker_connections 1024; # c\n}\n";
      const f = parse(text);
      deepStrictEqualPlain(f.errors, []);
      assert.strictEqual(f.lineCount, 4);
      const wc = {
        kind: "directive",
        name: "worker_connections",
        nameWord: { value: "worker_connections", quote: null, range: { start: pos(1, 2, 11), end: pos(1, 20, 29) } },
        args: [{ value: "1024", quote: null, range: { start: pos(1, 21, 30), end: pos(1, 25, 34) } }],
        argComments: [],
        terminator: ";",
        semicolon: { start: pos(1, 25, 34), end: pos(1, 26, 35) },
        range: { start: pos(1, 2, 11), end: pos(1, 26, 35) },
      };
      const comment = { kind: "comment", text: " c", range: { start: pos(1, 27, 36), end: pos(1, 30, 39) } };
      const events = {
        kind: "directive",
        name: "events",
        nameWord: { value: "events", quote: null, range: { start: pos(0, 0, 0), end: pos(0, 6, 6) } },
        args: [],
        argComments: [],
        terminator: "{",
        block: {
          open: { start: pos(0, 7, 7), end: pos(0, 8, 8) },
          close: { start: pos(2, 0, 40), end: pos(2, 1, 41) },
          children: [wc, comment],
        },
        range: { start: pos(0, 0, 0), end: pos(2, 1, 41) },
      };
      deepStrictEqualPlain(f.children, [events]);
    });

    it("CRLF: ranges count CRLF as one break; a quoted multi-line value gets \\n", () => {
      const text = 'add_header X "a\r\nb";\r\nz;';
      const f = parse(text);
      deepStrictEqualPlain(f.errors, []);
      assert.strictEqual(f.lineCount, 3);
      const d = directive(f.children[0]);
      deepStrictEqualPlain(d.args[1], {
        value: "a\nb",
        quote: '"',
        range: { start: pos(0, 13, 13), end: pos(1, 2, 19) },
      });
      deepStrictEqualPlain(d.range, { start: pos(0, 0, 0), end: pos(1, 3, 20) });
      deepStrictEqualPlain(directive(f.children[1]).range, { start: pos(2, 0, 22), end: pos(2, 2, 24) });
    });

    it("a Lua body in a location", () => {
      const text = 'location / {\n  content_by_lua_block { ngx.say("}") }\n}';
      const f = parse(text);
      deepStrictEqualPlain(f.errors, []);
      const lua = directive(block(f.children[0]).children[0]);
      assert.strictEqual(lua.name, "content_by_lua_block");
      deepStrictEqualPlain(lua.args, []);
      assert.strictEqual(lua.terminator, "lua");
      assert.strictEqual(lua.semicolon, undefined);
      assert.strictEqual(lua.block, undefined);
      deepStrictEqualPlain(lua.lua, {
        code: ' ngx.say("}") ',
        range: { start: pos(1, 23, 36), end: pos(1, 39, 52) },
        inner: { start: pos(1, 24, 37), end: pos(1, 38, 51) },
      });
      deepStrictEqualPlain(lua.range, { start: pos(1, 2, 15), end: pos(1, 39, 52) });
      deepStrictEqualPlain(block(f.children[0]).close, { start: pos(2, 0, 53), end: pos(2, 1, 54) });
    });
  });

  describe("Lua blocks", () => {
    it("strings, comments and long brackets holding braces do not close the body", () => {
      const code = [
        "",
        '  local a = "}"',
        "  local b = '{'",
        "  -- }",
        "  local c = [[ } ]]",
        "  local d = [=[ ]] } ]=]",
        "  --[[ } ]]",
        "  local t = { x = {} }",
        "",
      ].join("\n");
      const text = `server {\n  access_by_lua_block {${code}}\n  listen 80;\n}\n`;
      const f = parse(text);
      deepStrictEqualPlain(f.errors, []);
      const body = block(f.children[0]).children;
      deepStrictEqualPlain(shape(body), [["access_by_lua_block"], ["listen", "80"]]);
      assert.strictEqual(directive(body[0]).lua?.code, code);
    });

    it("set_by_lua_block $v { … }", () => {
      const text = "set_by_lua_block $sum { return 1 + 2 -- } \n }\nx;";
      const f = parse(text);
      deepStrictEqualPlain(f.errors, []);
      deepStrictEqualPlain(shape(f.children), [["set_by_lua_block", "$sum"], ["x"]]);
      const d = directive(f.children[0]);
      assert.strictEqual(d.terminator, "lua");
      assert.strictEqual(d.lua?.code, " return 1 + 2 -- } \n ");
      deepStrictEqualPlain(d.args[0].range, rangeOf(text, "$sum"));
    });

    it("the crossplane lua-block-tricky case: a quoted *_by_lua_block name still reads Lua", () => {
      const text = 'server {\n  server_name content_by_lua_block ;\n  "rewrite_by_lua_block" { a = { 1 } }\n}';
      const f = parse(text);
      deepStrictEqualPlain(f.errors, []);
      deepStrictEqualPlain(shape(f.children), [
        ["server", [["server_name", "content_by_lua_block"], ["rewrite_by_lua_block"]]],
      ]);
      const d = directive(block(f.children[0]).children[1]);
      assert.strictEqual(d.nameWord.quote, '"');
      assert.strictEqual(d.lua?.code, " a = { 1 } ");
    });
  });

  describe("words", () => {
    it("every word's range is the text it was written as, whether its end follows from its value or not", () => {
      // ast.ts keeps a word's end only when it does not follow from its value on its start line (`SpanWord`):
      // both kinds are here, each written once, so its range is where `rangeOf` finds it.
      const written = [
        "plain",
        '"quoted"',
        "'single'",
        String.raw`"esc\"aped"`, // the value is one character shorter than the word
        '"multi\r\nline"', // a CRLF inside a string: the word ends on the next line
        "bare\\\nescape", // an escaped LF inside a bare word
        "${var}x",
        '"lone\rcr"', // a lone CR is a line break for positions
        "'é𝄞'", // UTF-16 code units
      ];
      const text = `d ${written.join(" ")};\nlast "unclosed`;
      const f = parse(text);
      const words = f.children.flatMap((n) => (n.kind === "directive" ? [n.nameWord, ...n.args] : []));
      const expected = ["d", ...written, "last", '"unclosed'];
      deepStrictEqualPlain(
        words.map((w) => text.slice(w.startOffset, w.endOffset)),
        expected,
      );
      for (let i = 0; i < words.length; i++)
        deepStrictEqualPlain(words[i].range, rangeOf(text, expected[i]), expected[i]);
    });

    it("quoted `}`, `;`, `#`; escapes; ${var}", () => {
      const text = String.raw`return 200 "}{;#" '\'' "\"" "\'" x\"y "a\\b" ` + "http://${host}/${uri};";
      const f = parse(text);
      deepStrictEqualPlain(f.errors, []);
      deepStrictEqualPlain(shape(f.children), [
        [
          "return",
          "200",
          "}{;#",
          "'",
          '"',
          String.raw`\'`,
          String.raw`x\"y`,
          String.raw`a\\b`,
          "http://${host}/${uri}",
        ],
      ]);
    });

    it("regex locations: quoted `{n}` works, unquoted `{` opens a block as in nginx", () => {
      const quoted = parse('location ~ "^/x{3}$" { return 204; }');
      deepStrictEqualPlain(quoted.errors, []);
      deepStrictEqualPlain(shape(quoted.children), [["location", "~", "^/x{3}$", [["return", "204"]]]]);
      const bare = parse("location ~ ^/x{3}$ { return 204; }");
      deepStrictEqualPlain(shape(bare.children), [
        ["location", "~", "^/x", [["3"]]],
        ["$", [["return", "204"]]],
      ]);
      deepStrictEqualPlain(
        bare.errors.map((e) => e.code),
        ["missing-semicolon"],
      );
    });

    it("map, geo, types and split_clients bodies are ordinary statements", () => {
      const text = [
        "map $http_upgrade $conn {",
        "  default upgrade;",
        "  ''      close;",
        "  ~^x     1;",
        "}",
        "geo $g { default 0; 10.0.0.0/8 1; }",
        "types { text/html html htm; }",
        'split_clients "${remote_addr}x" $v { 50% a; * b; }',
      ].join("\n");
      const f = parse(text);
      deepStrictEqualPlain(f.errors, []);
      deepStrictEqualPlain(shape(f.children), [
        [
          "map",
          "$http_upgrade",
          "$conn",
          [
            ["default", "upgrade"],
            ["", "close"],
            ["~^x", "1"],
          ],
        ],
        [
          "geo",
          "$g",
          [
            ["default", "0"],
            ["10.0.0.0/8", "1"],
          ],
        ],
        ["types", [["text/html", "html", "htm"]]],
        [
          "split_clients",
          "${remote_addr}x",
          "$v",
          [
            ["50%", "a"],
            ["*", "b"],
          ],
        ],
      ]);
      const empty = directive(block(f.children[0]).children[1]).nameWord;
      deepStrictEqualPlain(empty, { value: "", quote: "'", range: rangeOf(text, "''") });
    });

    it("comments between arguments go to argComments, not to the children", () => {
      const text = "add_header X-A b # why\n  # and why not\n  always;\nz;";
      const f = parse(text);
      deepStrictEqualPlain(f.errors, []);
      deepStrictEqualPlain(shape(f.children), [["add_header", "X-A", "b", "always"], ["z"]]);
      const d = directive(f.children[0]);
      deepStrictEqualPlain(d.argComments, [
        { kind: "comment", text: " why", range: rangeOf(text, "# why") },
        { kind: "comment", text: " and why not", range: rangeOf(text, "# and why not") },
      ]);
      deepStrictEqualPlain(d.range, { start: pos(0, 0, 0), end: rangeOf(text, ";").end });
    });

    it("`if` keeps its parentheses on the words", () => {
      const f = parse('if ($request_method = "POST") { return 405; }');
      deepStrictEqualPlain(f.errors, []);
      deepStrictEqualPlain(shape(f.children), [["if", "($request_method", "=", "POST", ")", [["return", "405"]]]]);
    });
  });

  describe("files", () => {
    it("an empty file", () => {
      deepStrictEqualPlain(parse(""), { text: "", children: [], errors: [], lineCount: 1 });
    });

    it("only comments", () => {
      const text = "# a\n\n#b";
      deepStrictEqualPlain(parse(text), {
        text,
        children: [
          { kind: "comment", text: " a", range: { start: pos(0, 0, 0), end: pos(0, 3, 3) } },
          { kind: "comment", text: "b", range: { start: pos(2, 0, 5), end: pos(2, 2, 7) } },
        ],
        errors: [],
        lineCount: 3,
      });
    });

    it("a UTF-8 BOM is skipped", () => {
      const f = parse("\uFEFFuser nginx;\n");
      deepStrictEqualPlain(f.errors, []);
      deepStrictEqualPlain(shape(f.children), [["user", "nginx"]]);
      deepStrictEqualPlain(directive(f.children[0]).range, { start: pos(0, 1, 1), end: pos(0, 12, 12) });
    });

    it("a lone CR is a line break", () => {
      const f = parse("a;\rb;\r");
      assert.strictEqual(f.lineCount, 3);
      deepStrictEqualPlain(directive(f.children[1]).range, { start: pos(1, 0, 3), end: pos(1, 2, 5) });
    });

    it("non-ASCII text: characters are UTF-16 units", () => {
      const text = "# Привет 😀\nserver_name пример.рф 😀.example;";
      const f = parse(text);
      deepStrictEqualPlain(f.errors, []);
      deepStrictEqualPlain(shape(f.children), ["# Привет 😀", ["server_name", "пример.рф", "😀.example"]]);
      deepStrictEqualPlain((f.children[0] as Comment).range.end, pos(0, 11, 11));
      const d = directive(f.children[1]);
      deepStrictEqualPlain(d.args[1].range, { start: pos(1, 22, 34), end: pos(1, 32, 44) });
    });
  });

  describe("errors and recovery", () => {
    it("missing `;` before `}`: the statement is kept, the block still closes", () => {
      const text = "http {\n  a b\n}\nc;";
      const f = parse(text);
      // The last word (after which `;` belongs), with the `}` it ran into as related information.
      deepStrictEqualPlain(errorsOf(text), [["missing-semicolon", { start: pos(1, 4, 11), end: pos(1, 5, 12) }]]);
      deepStrictEqualPlain(
        f.errors[0].related?.map((r) => r.range),
        [{ start: pos(2, 0, 13), end: pos(2, 1, 14) }],
      );
      deepStrictEqualPlain(shape(f.children), [["http", [["a", "b"]]], ["c"]]);
      const a = directive(block(f.children[0]).children[0]);
      assert.strictEqual(a.terminator, null);
      assert.strictEqual(a.semicolon, undefined);
      deepStrictEqualPlain(a.range, { start: pos(1, 2, 9), end: pos(1, 5, 12) });
      deepStrictEqualPlain(block(f.children[0]).close, { start: pos(2, 0, 13), end: pos(2, 1, 14) });
    });

    it("missing `;` at the end of the file", () => {
      const text = "a;\nb c";
      const f = parse(text);
      deepStrictEqualPlain(
        f.errors.map((e) => [e.code, e.range, e.fatalForCrossplane]),
        [["unexpected-eof", { start: pos(1, 0, 3), end: pos(1, 3, 6) }, true]],
      );
      deepStrictEqualPlain(shape(f.children), [["a"], ["b", "c"]]);
      assert.strictEqual(directive(f.children[1]).terminator, null);
    });

    it("a stray `}` is reported; the directives around it stay in the tree", () => {
      const text = "a;\n}\nb;";
      const f = parse(text);
      deepStrictEqualPlain(
        f.errors.map((e) => [e.code, e.range, e.fatalForCrossplane]),
        [["unexpected-close-brace", { start: pos(1, 0, 3), end: pos(1, 1, 4) }, true]],
      );
      deepStrictEqualPlain(shape(f.children), [["a"], ["b"]]);
    });

    it("a stray `;` is reported and dropped", () => {
      const text = "a;;\n;b;";
      deepStrictEqualPlain(errorsOf(text), [
        ["unexpected-semicolon", { start: pos(0, 2, 2), end: pos(0, 3, 3) }],
        ["unexpected-semicolon", { start: pos(1, 0, 4), end: pos(1, 1, 5) }],
      ]);
      deepStrictEqualPlain(shape(parse(text).children), [["a"], ["b"]]);
    });

    it("an unclosed `{` at the end: error at the end, crossplaneLine = the last token's line, close null", () => {
      const text = "http {\n  server {\n    listen 80;\n    # last\n\n";
      const f = parse(text);
      assert.strictEqual(f.errors.length, 1);
      const e = f.errors[0];
      assert.strictEqual(e.code, "unexpected-eof");
      assert.strictEqual(e.fatalForCrossplane, true);
      const end = pos(5, 0, text.length);
      deepStrictEqualPlain(e.range, { start: end, end });
      assert.strictEqual(e.crossplaneLine, 4); // the comment on line 4 is crossplane's last token
      deepStrictEqualPlain(shape(f.children), [["http", [["server", [["listen", "80"], "# last"]]]]]);
      const http = directive(f.children[0]);
      const server = directive(http.block?.children[0]);
      assert.strictEqual(http.block?.close, null);
      assert.strictEqual(server.block?.close, null);
      deepStrictEqualPlain(http.range.end, end);
      deepStrictEqualPlain(server.range.end, end);
    });

    it("an unterminated quote swallows the rest of the file into one word", () => {
      const text = 'a "b;\n}\nc;';
      const f = parse(text);
      deepStrictEqualPlain(
        f.errors.map((e) => [e.code, e.range]),
        [["unterminated-string", { start: pos(0, 2, 2), end: pos(0, 3, 3) }]],
      );
      deepStrictEqualPlain(shape(f.children), [["a", "b;\n}\nc;"]]);
      deepStrictEqualPlain(directive(f.children[0]).args[0].range, { start: pos(0, 2, 2), end: pos(2, 2, 10) });
    });

    it("a `{` without a name makes a directive with an empty name", () => {
      const text = "{ a; }";
      const f = parse(text);
      deepStrictEqualPlain(errorsOf(text), [["unexpected-open-brace", { start: pos(0, 0, 0), end: pos(0, 1, 1) }]]);
      const d = directive(f.children[0]);
      deepStrictEqualPlain(d.nameWord, { value: "", quote: null, range: { start: pos(0, 0, 0), end: pos(0, 0, 0) } });
      deepStrictEqualPlain(shape(f.children), [["", [["a"]]]]);
    });

    it("recovery: every statement after the errors is still in the tree", () => {
      const text = ["http {", "  a", "}", "}", "server {", "  listen 80;", '  x "y"z;', "  ;", "}", "b;"].join("\n");
      const f = parse(text);
      deepStrictEqualPlain(
        f.errors.map((e) => e.code),
        ["missing-semicolon", "unexpected-close-brace", "no-space-after-quote", "unexpected-semicolon"],
      );
      deepStrictEqualPlain(shape(f.children), [
        ["http", [["a"]]],
        [
          "server",
          [
            ["listen", "80"],
            ["x", "y", "z"],
          ],
        ],
        ["b"],
      ]);
    });
  });

  describe("reparseBlockBody", () => {
    it("re-parses an edited body in place", () => {
      const before = "http {\n  a 1;\n}\nz;";
      const f = parse(before);
      const b = block(f.children[0]);
      assert.ok(b.close);
      const after = "http {\n  a 1;\n  bb 2;\n}\nz;";
      const delta = after.length - before.length;
      const nodes = reparseBlockBody(after, b.open.end, b.close.start.offset + delta);
      assert.ok(nodes);
      deepStrictEqualPlain(shape(nodes), [
        ["a", "1"],
        ["bb", "2"],
      ]);
      deepStrictEqualPlain(directive(nodes[1]).range, { start: pos(2, 2, 16), end: pos(2, 7, 21) });
      deepStrictEqualPlain(nodes, block(parse(after).children[0]).children);
    });

    it("returns null when the braces of the body no longer balance", () => {
      const before = "http {\n  a 1;\n}\n";
      const b = block(parse(before).children[0]);
      assert.ok(b.close);
      for (const insert of ["}", "x {"]) {
        const after = before.slice(0, 9) + insert + before.slice(9);
        assert.strictEqual(reparseBlockBody(after, b.open.end, b.close.start.offset + insert.length), null, insert);
      }
    });

    // An edit that makes the body's last construct run into the closing `}` (a `#` comment, a quote, `\`,
    // `${`) changes what that `}` is: the body does not stand alone any more.
    for (const [what, insert, at] of [
      ["a comment reaching the closing brace", "#", 11],
      ["an unterminated quote", '"', 11],
      ["an escape of the closing brace", "\\", 12],
      ["${ before the closing brace", "${", 12],
    ] as const) {
      it(`returns null (or the full parse's children) for ${what}`, () => {
        const before = "http { a 1; }\nz;";
        const b = block(parse(before).children[0]);
        assert.ok(b.close);
        const after = before.slice(0, at) + insert + before.slice(at);
        const closeOffset = b.close.start.offset + insert.length;
        const nodes = reparseBlockBody(after, b.open.end, closeOffset);
        const full = parse(after).children[0];
        if (nodes !== null) {
          const fb = block(full);
          assert.strictEqual(fb.close?.start.offset, closeOffset, "the full parse closes the block elsewhere");
          deepStrictEqualPlain(nodes, fb.children);
        }
      });
    }

    it("random one-character edits in corpus block bodies agree with a full re-parse", function () {
      if (!haveShared()) this.skip();
      this.timeout(20000);
      const files = [
        "nginxinc+crossplane/tests/configs/lua-block-tricky/nginx.conf",
        "nginxinc+crossplane/tests/configs/lua-block-larger/nginx.conf",
        "nginxinc+crossplane/tests/configs/messy/nginx.conf",
        "nginxinc+crossplane/tests/configs/with-comments/nginx.conf",
        "ahmadalli+vscode-nginx-conf/test/workspace/lua-nginx-module/synopsis.conf",
        "h5bp+server-configs-nginx/nginx.conf",
      ];
      const random = seeded(0x5eed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
      const alphabet = ["{", "}", ";", "#", '"', "'", "\\", "$", " ", "\n", "\r", "[", "]", "=", "-", "a", "x"];
      let agreed = 0;
      let fellBack = 0;
      for (const file of files) {
        const text = fs.readFileSync(path.join(CORPUS, file), "utf8");
        const blocks: Block[] = [];
        const collect = (nodes: Node[]): void => {
          for (const n of nodes) {
            if (n.kind === "directive" && n.block) {
              if (n.block.close) blocks.push(n.block);
              collect(n.block.children);
            }
          }
        };
        collect(parse(text).children);
        assert.ok(blocks.length > 0, file);
        for (let i = 0; i < 150; i++) {
          const b = pick(blocks);
          assert.ok(b.close);
          const lo = b.open.end.offset;
          const hi = b.close.start.offset;
          const kind = hi > lo ? pick(["insert", "delete", "replace"] as const) : "insert";
          let newText: string;
          let delta: number;
          if (kind === "insert") {
            const at = lo + Math.floor(random() * (hi - lo + 1));
            newText = text.slice(0, at) + pick(alphabet) + text.slice(at);
            delta = 1;
          } else {
            const at = lo + Math.floor(random() * (hi - lo));
            newText = text.slice(0, at) + (kind === "replace" ? pick(alphabet) : "") + text.slice(at + 1);
            delta = kind === "replace" ? 0 : -1;
          }
          const closeOffset = hi + delta;
          const nodes = reparseBlockBody(newText, b.open.end, closeOffset);
          if (nodes === null) {
            fellBack++;
            continue;
          }
          // The same block (same `{`, unchanged by the edit) in a full parse of the new text.
          let found: Block | undefined;
          const find = (ns: Node[]): void => {
            for (const n of ns) {
              if (found || n.kind !== "directive" || !n.block) continue;
              if (n.block.open.start.offset === b.open.start.offset) found = n.block;
              else if (n.range.start.offset < b.open.start.offset) find(n.block.children);
            }
          };
          find(parse(newText).children);
          const edit = `${file}: ${kind} at body [${lo}, ${hi}] -> ${JSON.stringify(newText.slice(lo, closeOffset + 1))}`;
          assert.ok(found, `${edit}: no block at that brace in the full parse`);
          assert.strictEqual(
            found.close?.start.offset,
            closeOffset,
            `${edit}: the full parse closes the block elsewhere`,
          );
          deepStrictEqualPlain(nodes, found.children, edit);
          agreed++;
        }
      }
      // Both outcomes must occur, or the test proves nothing.
      assert.ok(agreed > 300, `only ${agreed} re-parses`);
      assert.ok(fellBack > 20, `only ${fellBack} fall-backs`);
    });
  });
});
