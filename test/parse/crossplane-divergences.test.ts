// Each kind of divergence from crossplane listed in crossplane-parity.test.ts, shown on a minimal
// configuration to the real `nginx -t`: nginx agrees with us, not with crossplane.

import { strict as assert } from "assert";
import { parse } from "../../server/src/parse/parser";
import { decodeConfigBytes } from "../../server/src/workspace/files";
import { buildPayload } from "../../server/src/workspace/crossplane-payload";
import { nginxBinary } from "../support/shared";
import { haveLuaModule, LUA_MODULES, nginxTest } from "../support/nginx";

function wrap(serverBody: string): string {
  return `events {}\nhttp {\n  server {\n    listen 127.0.0.1:8080;\n${serverBody}\n  }\n}\n`;
}

/** 1-based lines covered by our errors. */
function errorLines(text: string): Set<number> {
  const lines = new Set<number>();
  for (const e of parse(text).errors) {
    for (const r of [e.range, ...(e.related ?? []).map((x) => x.range)]) {
      for (let l = r.start.line; l <= r.end.line; l++) lines.add(l + 1);
    }
  }
  return lines;
}

describe("divergences from crossplane, checked with the real nginx -t", function () {
  before(function () {
    if (!nginxBinary()) {
      if (process.env.CI) throw new Error("CI must install nginx (see .ci/run)");
      this.skip();
    }
  });

  it("dollar-brace-space: `${x} y` is two arguments", function () {
    const text = wrap("    location / {\n      set $x /;\n      proxy_pass ${x} y;\n    }");
    const verdict = nginxTest(text);
    assert.equal(verdict.ok, false);
    assert.match(verdict.message, /invalid number of arguments in "proxy_pass" directive/);
    assert.equal(verdict.line, 7);
    const payload = buildPayload("t.conf", { readFile: () => text });
    const location = payload.config[0].parsed[1].block![0].block![1];
    assert.deepEqual(location.block![1].args, ["${x}", "y"]);
  });

  it("missing-semicolon: a statement ended by `}`", function () {
    const text = wrap("    location / {\n      return 200\n    }");
    const verdict = nginxTest(text);
    assert.equal(verdict.ok, false);
    assert.match(verdict.message, /unexpected "}"/);
    assert.ok(errorLines(text).has(verdict.line!), `nginx line ${verdict.line}`);
  });

  it('no-space-after-quote: `"a"-b`', function () {
    const text = wrap('    location / {\n      return 200 "a"-b;\n    }');
    const verdict = nginxTest(text);
    assert.equal(verdict.ok, false);
    assert.match(verdict.message, /unexpected "-"/);
    assert.ok(errorLines(text).has(verdict.line!));
  });

  it("unquoted-regex-brace: `location ~ ^/a{2}$ {` fails, the quoted form passes", function () {
    const bad = wrap("    location ~ ^/a{2}$ {\n      return 200;\n    }");
    const verdict = nginxTest(bad);
    assert.equal(verdict.ok, false);
    assert.ok(errorLines(bad).has(verdict.line!), `nginx: ${verdict.output}`);
    const good = wrap('    location ~ "^/a{2}$" {\n      return 200;\n    }');
    assert.equal(nginxTest(good).ok, true);
    assert.deepEqual(parse(good).errors, []);
  });

  it("a UTF-8 BOM: nginx -t fails on it; we say so at 1:1 and still analyse the rest", function () {
    const text = "\uFEFF" + wrap("    location / {\n      return 200\n    }");
    const verdict = nginxTest(text);
    assert.equal(verdict.ok, false);
    assert.equal(verdict.message, 'unknown directive "\uFEFFevents"');
    const bom = decodeConfigBytes(Buffer.from(text, "utf8")).problems;
    assert.deepEqual(
      bom.map((p) => [p.code, p.severity, p.range.start.offset]),
      [["utf8-bom", "error", 0]],
    );
    // The scanner skips the mark, so the missing `;` further down is still found.
    assert.deepEqual(
      parse(text).errors.map((e) => e.code),
      ["missing-semicolon"],
    );
  });

  it("lone-cr: a lone CR inside a comment does not end it; after `\\` it is the escaped character", function () {
    const hidden = wrap("    location / {\n      # off:\r      bogus_directive on;\n    }");
    assert.equal(nginxTest(hidden).ok, true, nginxTest(hidden).output);
    const statements = JSON.stringify(buildPayload("t.conf", { readFile: () => hidden }).config[0].parsed);
    assert.ok(!statements.includes('"directive":"bogus_directive"'), statements);
    assert.deepEqual(
      parse(hidden).errors.map((e) => e.code),
      ["comment-continues-past-cr"],
    );
    // `\` CR LF: the LF ends the word, so default_type gets two arguments.
    const escaped = wrap("    default_type a\\\r\nb;");
    const verdict = nginxTest(escaped);
    assert.match(verdict.message, /invalid number of arguments in "default_type" directive/);
    const http = parse(escaped).children[1];
    assert.ok(http.kind === "directive");
    const server = http.block!.children[0];
    assert.ok(server.kind === "directive" && server.block);
    const defaultType = server.block.children[1];
    assert.ok(defaultType.kind === "directive");
    assert.equal(defaultType.args.length, 2);
  });

  it("lua-long-comment: braces inside `--[[ ]]` do not count", function () {
    if (!haveLuaModule()) this.skip();
    const text =
      LUA_MODULES +
      "\nevents {}\nhttp {\n  server {\n    location / {\n      content_by_lua_block {\n--[[}\n    }\n    --]]}\n    }\n  }\n";
    const verdict = nginxTest(text);
    assert.equal(verdict.ok, false);
    assert.match(verdict.message, /unexpected end of file, expecting "}"/);
    const ours = parse(text).errors;
    assert.equal(ours.length, 1);
    assert.equal(ours[0].code, "unexpected-eof");
    assert.equal(ours[0].range.start.line + 1, verdict.line);
    // …and once the missing brace is added, both nginx and we accept it.
    assert.equal(nginxTest(text + "}\n").ok, true);
    assert.deepEqual(parse(text + "}\n").errors, []);
  });
});
