// format/nginx-tokens.ts, the reader behind the formatter's proof, checked three ways:
// - on crafted inputs, against streams written here from ngx_conf_read_token and lua-nginx-module's lexer;
// - against the real nginx (1.22.1 + lua module): `nginx -t` on configurations whose verdict depends on
//   how a lone CR, an escape or a Lua body is read, and a running nginx answering `return 200 <word>` with
//   the word as it stored it;
// - against our own parser over every corpus file it reads without errors: two readers written apart
//   (the parser from crossplane's and nginx's rules, this one from nginx's functions alone) must agree.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nginxTokens } from "../../server/src/format/nginx-tokens";
import type { Node } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";
import { haveLuaModule, LUA_MODULES, nginxTest } from "../support/nginx";
import { freePort, get, runnableHead, runnableHttp, withNginx } from "../support/nginx-run";
import { CORPUS, haveShared, nginxBinary, readManifest } from "../support/shared";

const tokens = (text: string): string[] => nginxTokens(text).tokens;

function requireNginx(ctx: Mocha.Context, lua = false): void {
  if (nginxBinary() && (!lua || haveLuaModule())) return;
  if (process.env.CI) throw new Error("CI must install nginx and libnginx-mod-http-lua");
  ctx.skip();
}

describe("nginx-tokens: what nginx reads", function () {
  describe("crafted inputs (streams written from ngx_conf_read_token)", function () {
    it("a `#` comment ends at LF only: a lone CR inside it hides the rest of the line", function () {
      const r = nginxTokens("events {}\nhttp {\n    # maintenance\r    return 503;\n    return 200;\n}\n");
      assert.deepEqual(r.tokens, ["w:events", "{", "}", "w:http", "{", "w:return", "w:200", ";", "}"]);
      assert.deepEqual(r.comments, ["# maintenance\r    return 503;"]);
      // With CRLF the comment is the line (the CR is inside it for nginx, before the LF).
      assert.deepEqual(nginxTokens("# a\r\nb;").comments, ["# a\r"]);
      assert.deepEqual(tokens("# a\r\nb;"), ["w:b", ";"]);
    });

    it("elsewhere a CR separates words like a space", function () {
      assert.deepEqual(tokens("a\rb\r;"), ["w:a", "w:b", ";"]);
    });

    it("quotes, escapes and words as nginx stores them", function () {
      assert.deepEqual(tokens(`a "b c" 'd\\'e' f\\"g "h\\\\" i\\tj\\qk;`), [
        "w:a",
        "w:b c",
        "w:d'e",
        'w:f"g',
        "w:h\\",
        "w:i\tj\\qk",
        ";",
      ]);
      assert.deepEqual(tokens('a "";'), ["w:a", "w:", ";"]);
      // A backslash escapes one character: after `\` CR LF, the LF ends the word.
      assert.deepEqual(tokens("a b\\\r\nc;"), ["w:a", "w:b\\\r", "w:c", ";"]);
      assert.deepEqual(tokens("a b\\\nc;"), ["w:a", "w:b\\\nc", ";"]);
      // `#` inside a word, `}` inside a word, `${` inside a word.
      assert.deepEqual(tokens("a b#c d} ${e}f;"), ["w:a", "w:b#c", "w:d}", "w:${e}f", ";"]);
      // `)` right after a closing quote starts the next word (an `if`).
      assert.deepEqual(tokens('if ($a = "b") {}'), ["w:if", "w:($a", "w:=", "w:b", "w:)", "{", "}"]);
      // A byte order mark is part of the first word.
      assert.deepEqual(tokens("\uFEFFevents {}"), ["w:\uFEFFevents", "{", "}"]);
    });

    it("where nginx stops with an error", function () {
      assert.deepEqual(tokens('a "b"c;'), ['error:unexpected "c"']);
      assert.deepEqual(tokens("a;\n;"), ["w:a", ";", 'error:unexpected ";"']);
      assert.deepEqual(tokens("a {\nb }"), ["w:a", "{", 'error:unexpected "}"']);
      assert.deepEqual(tokens("}"), ['error:unexpected "}"']);
      assert.deepEqual(tokens("a {"), ["w:a", "{", 'error:unexpected end of file, expecting "}"']);
      assert.deepEqual(tokens("a # c"), ['error:unexpected end of file, expecting ";" or "}"']);
      assert.deepEqual(tokens('a "b;'), ['error:unexpected end of file, expecting ";" or "}"']);
    });

    it("Lua block bodies as lua-nginx-module's lexer reads them", function () {
      const body = (code: string): string[] => tokens(`content_by_lua_block {${code}}`);
      // Strings and comments hide braces; a long comment wins over a line comment.
      assert.deepEqual(body(' s = "}" '), ["w:content_by_lua_block", "{", 'lua: s = "}" ']);
      assert.deepEqual(body(" --[[ } ]] x "), ["w:content_by_lua_block", "{", "lua: --[[ } ]] x "]);
      assert.deepEqual(body(" [==[ ]] } ]==] "), ["w:content_by_lua_block", "{", "lua: [==[ ]] } ]==] "]);
      // A `--` comment runs past a lone CR; a string may hold a CR.
      assert.deepEqual(body(" -- }\r }\n"), ["w:content_by_lua_block", "{", "lua: -- }\r }\n"]);
      assert.deepEqual(body(' s = "a\r}" '), ["w:content_by_lua_block", "{", 'lua: s = "a\r}" ']);
      // A quote that starts no string on its line is plain text: the braces after it count.
      assert.deepEqual(body(' s = "a{\n" }\n'), ["w:content_by_lua_block", "{", 'lua: s = "a{\n" }\n']);
      assert.deepEqual(tokens('content_by_lua_block { s = "a\\\n} x;'), [
        "w:content_by_lua_block",
        "{",
        'lua: s = "a\\\n',
        "w:x",
        ";",
      ]);
      // The words before the `{` are read as for any block, comments included.
      assert.deepEqual(tokens("set_by_lua_block $v # c }\n{ return 1 }"), [
        "w:set_by_lua_block",
        "w:$v",
        "{",
        "lua: return 1 ",
      ]);
      // nginx checks the arguments before the body is read (ngx_conf_handler): none, or set_by_lua_block's one.
      assert.deepEqual(tokens("content_by_lua_block \\\r\n{ x }"), [
        "w:content_by_lua_block",
        "w:\\\r",
        "{",
        'error:invalid number of arguments in "content_by_lua_block" directive',
      ]);
      assert.deepEqual(tokens("content_by_lua_block { s = [[ }"), [
        "w:content_by_lua_block",
        "{",
        "error:Lua code block missing the closing long bracket",
      ]);
    });
  });

  describe("the real nginx agrees", function () {
    this.timeout(120_000);

    /** A main configuration around `body` (inside `location /`), optionally with the Lua module. */
    const conf = (body: string, lua = false): string =>
      (lua ? LUA_MODULES + "\n" : "") +
      "events {}\nhttp {\n  server {\n    listen 127.0.0.1:1;\n    location / {\n" +
      body +
      "\n    }\n  }\n}\n";

    // Each case: the location body, whether it needs Lua, and what nginx -t says (the emerg message and
    // its line, or "ok"). The reader must say the same: an error token with nginx's message where nginx's
    // reader stops, otherwise a stream in which the `bogus_directive` nginx never complains about is absent.
    const cases: { what: string; body: string; lua?: boolean; nginx: string }[] = [
      { what: "a lone CR inside a comment hides a directive", body: "# x\r bogus_directive on;", nginx: "ok" },
      {
        what: "a CRLF ends a comment",
        body: "# x\r\n bogus_directive on;",
        nginx: 'unknown directive "bogus_directive"',
      },
      { what: "a CR between words is a space", body: "default_type\rtext/plain;", nginx: "ok" },
      {
        what: "after `\\` CR LF the LF ends the word",
        body: "default_type a\\\r\nb;",
        nginx: 'invalid number of arguments in "default_type" directive',
      },
      { what: "an escaped LF continues the word", body: "default_type a\\\nb;", nginx: "ok" },
      { what: "a `#` inside a word", body: "default_type a#b;", nginx: "ok" },
      { what: "a character right after a closing quote", body: 'default_type "a"b;', nginx: 'unexpected "b"' },
      {
        what: "a Lua `--` comment runs past a lone CR",
        body: "content_by_lua_block { -- x\r }\n  bogus_directive on;\n}",
        lua: true,
        nginx: "ok",
      },
      { what: "a Lua string may hold a CR", body: 'content_by_lua_block { local s = "a\r}" }', lua: true, nginx: "ok" },
      {
        what: "a Lua long comment wins over a line comment",
        body: "content_by_lua_block { --[[ } ]] ngx.say(1) }",
        lua: true,
        nginx: "ok",
      },
      {
        what: "a Lua string cannot hold an escaped LF: the `}` after it closes the body",
        body: 'content_by_lua_block { local s = "a\\\n}\n bogus_directive on;',
        lua: true,
        nginx: 'unknown directive "bogus_directive"',
      },
      {
        what: "a Lua block directive with an argument: nginx stops before the body",
        body: "content_by_lua_block \\\r\n{ ngx.say(1) }",
        lua: true,
        nginx: 'invalid number of arguments in "content_by_lua_block" directive',
      },
      {
        what: "a comment between a Lua block's name and its `{`",
        body: "content_by_lua_block # }\n { ngx.say(1) }",
        lua: true,
        nginx: "ok",
      },
    ];
    for (const c of cases) {
      it(c.what, function () {
        requireNginx(this, c.lua);
        const text = conf(c.body, c.lua);
        const verdict = nginxTest(text);
        assert.equal(verdict.ok ? "ok" : verdict.message, c.nginx, verdict.output);
        const r = tokens(text);
        const error = r.find((t) => t.startsWith("error:"));
        if (error) assert.equal(error.slice("error:".length), c.nginx);
        else if (c.nginx === "ok") assert.ok(!r.includes("w:bogus_directive"), r.join(" "));
        else if (/unknown directive/.test(c.nginx)) assert.ok(r.includes("w:bogus_directive"), r.join(" "));
        else {
          // "invalid number of arguments" for a one-argument directive: two words after its name.
          const at = r.indexOf("w:default_type");
          assert.deepEqual(r.slice(at, at + 4), ["w:default_type", "w:a\\\r", "w:b", ";"]);
        }
      });
    }

    it("a running nginx answers each word as the reader stores it (quotes and escapes)", async function () {
      requireNginx(this);
      const words = [
        `"a\\"b"`,
        `'a\\'b'`,
        `a\\\\b`,
        `"a\\\\"`,
        `a\\tb`,
        `"x\\ny"`,
        `a\\qb`,
        `'a\\"b'`,
        `"a\rb"`,
        `"multi\nline"`,
        `a\\;b`,
        `\\#x`,
      ];
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-tokens-"));
      try {
        fs.chmodSync(dir, 0o755);
        const port = await freePort();
        const text = [
          ...runnableHead(dir),
          "events { worker_connections 16; }",
          "http {",
          ...runnableHttp(dir),
          "default_type application/octet-stream;",
          `server { listen 127.0.0.1:${port};`,
          "location = / { return 204; }",
          ...words.map((w, i) => `location = /${i} { return 200 ${w}; }`),
          "}",
          "}",
          "",
        ].join("\n");
        const file = path.join(dir, "nginx.conf");
        fs.writeFileSync(file, text);
        const expected = words.map((w) => {
          const r = tokens(`return 200 ${w};`);
          assert.equal(r.length, 4, `${JSON.stringify(w)} → ${r.join(" ")}`);
          return r[2].slice("w:".length);
        });
        const answers = await withNginx(dir, file, port, () =>
          Promise.all(words.map((_, i) => get(port, `/${i}`).then((res) => res.body))),
        );
        assert.deepEqual(answers, expected);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("our parser agrees on every corpus file it reads without errors", function () {
    this.timeout(300_000);

    /** Our tree as the reader's stream: words through nginx's escape rules, CRLF in values as LF. */
    function fromTree(nodes: readonly Node[], out: string[]): void {
      for (const n of nodes) {
        if (n.kind === "comment") continue;
        for (const w of [n.nameWord, ...n.args]) out.push("w:" + nginxStored(w.value));
        if (n.semicolon) out.push(";");
        else if (n.lua) out.push("{", "lua:" + n.lua.code);
        else if (n.block) {
          out.push("{");
          fromTree(n.block.children, out);
          out.push("}");
        }
      }
    }
    /**
     * A value of our tree as nginx stores the word: our values keep escapes as written except `\"` / `\'`
     * inside their own quotes, and nginx's rule (`\"`, `\'`, `\\` → the character; `\t`, `\r`, `\n` → control
     * characters; others kept) gives the same result on either.
     */
    function nginxStored(value: string): string {
      const controls: Record<string, string> = { t: "\t", r: "\r", n: "\n", '"': '"', "'": "'", "\\": "\\" };
      return value.replace(/\\([\s\S])/g, (all: string, c: string) => controls[c] ?? all);
    }

    it("the same stream of words, statement ends, blocks and Lua bodies", function () {
      if (!haveShared()) this.skip();
      const failures: string[] = [];
      let compared = 0;
      for (const entry of readManifest()) {
        const text = fs.readFileSync(path.join(CORPUS, entry.path), "utf8");
        const tree = parse(text);
        if (tree.errors.length > 0) continue;
        compared++;
        const fromOurs: string[] = [];
        fromTree(tree.children, fromOurs);
        // Our values have CRLF as LF (crossplane's universal newlines): compare both that way.
        const ours = fromOurs.map((t) => t.replace(/\r\n?/g, "\n"));
        // Our scanner skips a leading byte order mark, which nginx reads as part of the first word.
        const theirs = nginxTokens(text.replace(/^\uFEFF/, "")).tokens.map((t) => t.replace(/\r\n?/g, "\n"));
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
          let i = 0;
          while (i < ours.length && ours[i] === theirs[i]) i++;
          failures.push(
            `${entry.path}: token ${i}: ours ${JSON.stringify(ours[i])}, nginx's ${JSON.stringify(theirs[i])}`,
          );
        }
      }
      console.log(`      ${compared} corpus files compared`);
      assert.deepEqual(failures, []);
      assert.ok(compared > 600, `only ${compared} files`);
    });
  });
});
