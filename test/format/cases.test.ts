// Hand-written cases for the formatter: what nginx formatters are known to break (Lua bodies and long
// strings, strings spanning lines, `map` bodies, regexes with braces, `${var}`, comments after `{`, `;` and
// `}`), line endings, a BOM, tabs, files without a final line break, and range formatting. Every expected
// text is written out here by hand; every case is also formatted twice (idempotent) and compared as trees.

import { strict as assert } from "assert";
import { formatText, sameTree, type FormatOptions } from "../../server/src/format/format";
import { parse } from "../../server/src/parse/parser";
import { applyByPosition, layoutProblems, payloadOf } from "./helpers";

const SPACES: FormatOptions = { tabSize: 4, insertSpaces: true };

/** Formats `input`, checks the result against `expected` and the invariants. */
function formats(input: string, expected: string, options = SPACES): void {
  const r = formatText(input, options);
  assert.ok(r.ok, r.ok ? "" : r.reason);
  assert.strictEqual(r.text, expected);
  assert.strictEqual(applyByPosition(input, r.edits), expected);
  assert.strictEqual(payloadOf(expected), payloadOf(input));
  const again = formatText(expected, options);
  assert.ok(again.ok && again.edits.length === 0, "formatting the result again changes it");
  assert.deepStrictEqual(layoutProblems(expected, options.insertSpaces ? " ".repeat(options.tabSize) : "\t"), []);
}

const lines = (...l: string[]): string => l.join("\n") + "\n";

describe("format: cases", function () {
  it("one statement per line, indented by depth, one space between words", function () {
    formats(
      "user  nginx;   worker_processes\tauto;\nevents{worker_connections 1024;}\nhttp {\nserver {listen 80 ;\n      server_name a  b;}}\n",
      lines(
        "user nginx;",
        "worker_processes auto;",
        "events {",
        "    worker_connections 1024;",
        "}",
        "http {",
        "    server {",
        "        listen 80;",
        "        server_name a b;",
        "    }",
        "}",
      ),
    );
  });

  it("keeps Lua bodies byte for byte: long strings, long comments, braces inside them", function () {
    const lua = ["{", "    local s = [[ } { ]]", "  --[==[ } ]==]", "\tngx.say(s, '}')   ", "}"].join("\n");
    formats(
      lines("location / {", "content_by_lua_block " + lua, "}"),
      lines("location / {", "    content_by_lua_block " + lua, "}"),
    );
    formats("set_by_lua_block   $x {return 1}\n", "set_by_lua_block $x {return 1}\n");
  });

  it("keeps strings spanning lines byte for byte (trailing spaces in them too)", function () {
    formats(
      lines("http {", "  log_format x 'a   ", "   b  ';", "}"),
      lines("http {", "    log_format x 'a   ", "   b  ';", "}"),
    );
  });

  it("keeps continuation lines aligned under the word they were aligned with", function () {
    formats(
      lines(
        "http {",
        "  log_format  main  '$remote_addr - $remote_user'",
        "                    '$status $body_bytes_sent';",
        "  add_header X",
        "        'y';",
        "}",
      ),
      lines(
        "http {",
        "    log_format main '$remote_addr - $remote_user'",
        "                    '$status $body_bytes_sent';",
        "    add_header X",
        "          'y';",
        "}",
      ),
    );
  });

  it("keeps the spacing inside map (table) entries, regex keys with {} and ; in quotes", function () {
    formats(
      lines("map $uri $x {", "  default          0;", '  "~^/a{2}/(;)$"   1;', "  ~*\\.php  2;  # php", "}"),
      lines("map $uri $x {", "    default          0;", '    "~^/a{2}/(;)$"   1;', "    ~*\\.php  2; # php", "}"),
    );
  });

  it("if with a quoted regex touching its parenthesis, rewrite, ${var}", function () {
    formats(
      lines(
        'if ($a ~ "^x{2}") { return 403; }',
        "rewrite  ^/(.*)$  /$1  break;",
        'set $b "${a}c";  return 200 ${host}x;',
      ),
      lines(
        'if ($a ~ "^x{2}") {',
        "    return 403;",
        "}",
        "rewrite ^/(.*)$ /$1 break;",
        'set $b "${a}c";',
        "return 200 ${host}x;",
      ),
    );
  });

  it("a space before a block's {, never inside a word", function () {
    formats("location /{return 204;}\nlocation ~ ^/a{\n}\n", "location / {\n    return 204;\n}\nlocation ~ ^/a {\n}\n");
  });

  it("keeps comments where they are: after {, after ;, after }, between arguments, standalone", function () {
    formats(
      lines(
        "# top   ",
        "server {   # after open",
        "listen 80;# after semi",
        "  add_header X # between",
        "    'y';",
        "      # standalone",
        "}   # after close",
      ),
      lines(
        "# top",
        "server { # after open",
        "    listen 80; # after semi",
        "    add_header X # between",
        "      'y';",
        "    # standalone",
        "} # after close",
      ),
    );
  });

  it("keeps a comment at column 0 inside a block at column 0 (commented-out code); others are indented", function () {
    formats(
      lines(
        "http {",
        "  server {",
        "#    location /old {",
        "#        return 404;",
        "#    }",
        "",
        "#listen 8080;",
        "      listen 80;",
        "   # indented: re-indented",
        "  server_name a.example",
        "#   b.example",
        "        c.example;",
        "  }",
        "#}",
        "}",
      ),
      lines(
        "http {",
        "    server {",
        "#    location /old {",
        "#        return 404;",
        "#    }",
        "",
        "#listen 8080;",
        "        listen 80;",
        "        # indented: re-indented",
        "        server_name a.example",
        "#   b.example",
        // Its continuation keeps its width relative to the statement (6 columns), as before.
        "              c.example;",
        "    }",
        "#}",
        "}",
      ),
    );
    // Right after `{` and with CRLF line breaks too; a tab-indented file the same.
    formats(
      "events {\r\n#use epoll;\r\n  worker_connections 10;\r\n}\r\n",
      "events {\r\n#use epoll;\r\n    worker_connections 10;\r\n}\r\n",
    );
    formats(lines("a {", "#b 1;", "c 2;", "}"), lines("a {", "#b 1;", "\tc 2;", "}"), {
      tabSize: 4,
      insertSpaces: false,
    });
  });

  it("keeps at most one blank line between statements, none at the top or bottom of a block", function () {
    formats(
      lines("", "", "a 1;", "", "", "", "b 2;", "c {", "", "  d 3;", "", "  e 4;", "", "}", "", ""),
      lines("a 1;", "", "b 2;", "c {", "    d 3;", "", "    e 4;", "}"),
    );
  });

  it("empty blocks: {} and { } stay on their line, a block over lines closes on its own line", function () {
    formats("events {}\nhttp { }\nstream {\n\n}\n", "events {}\nhttp { }\nstream {\n}\n");
  });

  it("keeps CRLF line endings, a BOM, and adds the missing final line break", function () {
    formats("events {\r\n  worker_connections 10;\r\n}", "events {\r\n    worker_connections 10;\r\n}\r\n");
    formats("\uFEFFuser  nginx;\ninclude   conf.d/*.conf;", "\uFEFFuser nginx;\ninclude conf.d/*.conf;\n");
  });

  it("indents with tabs or 2 spaces as asked", function () {
    const input = "http {\n    server {\n        listen 80;\n    }\n}\n";
    formats(input, "http {\n\tserver {\n\t\tlisten 80;\n\t}\n}\n", { tabSize: 4, insertSpaces: false });
    formats(input, "http {\n  server {\n    listen 80;\n  }\n}\n", { tabSize: 2, insertSpaces: true });
  });

  it("leaves an already formatted file alone (no edits)", function () {
    const text = lines("http {", "    server {", "        listen 80; # x", "    }", "}");
    const r = formatText(text, SPACES);
    assert.ok(r.ok);
    assert.deepStrictEqual(r.edits, []);
  });

  it("does not format a file with syntax errors, and says where", function () {
    for (const [text, line] of [
      ["server {\n  listen 80\n}\n", 2],
      ["add_header \"a\"'b';\n", 1],
      ["http {\n  server {\n", 3],
      ["events {}\n}\n", 2],
    ] as const) {
      const r = formatText(text, SPACES);
      assert.ok(!r.ok, `formatted ${JSON.stringify(text)}`);
      assert.deepStrictEqual(r.edits, []);
      assert.strictEqual(r.range?.start.line, line - 1, r.reason);
      assert.match(r.reason, new RegExp(`line ${line}\\b`));
    }
  });

  it("range formatting: only the statements overlapping the range", function () {
    const text = lines("http {", "server {", "   listen  80;", "      server_name   a;", "}", "}");
    // The range: inside `listen  80` on line 3 only.
    const at = text.indexOf("listen") + 2;
    const r = formatText(text, SPACES, { start: at, end: at + 3 });
    assert.ok(r.ok);
    assert.strictEqual(r.text, lines("http {", "server {", "        listen 80;", "      server_name   a;", "}", "}"));
    // The edits alone, applied by line and character as an editor does, give that text.
    assert.strictEqual(applyByPosition(text, r.edits), r.text);
    assert.ok(sameTree(parse(text).children, parse(r.text).children));
  });

  it("a 4,000-location file", function () {
    const n = 4000;
    const messy: string[] = ["http {", "server {"];
    const clean: string[] = ["http {", "    server {"];
    for (let i = 0; i < n; i++) {
      messy.push(`location /l${i} {`, `proxy_pass   http://b${i % 7};  # ${i}`, "}");
      clean.push(`        location /l${i} {`, `            proxy_pass http://b${i % 7}; # ${i}`, "        }");
    }
    messy.push("}", "}");
    clean.push("    }", "}");
    formats(messy.join("\n"), clean.join("\n") + "\n");
  });
});
