// The data-driven directive checks (server/src/parse/directives.ts): contexts, argument counts, terminators,
// unknown names, and the context model of block bodies. Expected problems are written from nginx's rules
// (ngx_conf_handler in src/core/ngx_conf_file.c and the block handlers), not from the checker's output.

import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  checkDirective,
  enterBlock,
  isLuaBlockDirective,
  lookupDirective,
  type ContextKind,
  type DirectiveCheckInput,
  type DirectiveCheckOptions,
  type DirectiveProblem,
  type DirectiveVariant,
} from "../../server/src/parse/directives";
import { REPO, SHARED } from "../support/shared";
import { problemsIn as checkedProblems } from "../support/directives";

const ALL_CHECKS: DirectiveCheckOptions = { strict: false, checkContext: true, checkArgs: true };
const STRICT: DirectiveCheckOptions = { ...ALL_CHECKS, strict: true };

const notAllowed = (name: string): DirectiveProblem => ({
  code: "not-allowed-here",
  message: `"${name}" directive is not allowed here`,
});
const invalidArgs = (name: string): DirectiveProblem => ({
  code: "invalid-args",
  message: `invalid number of arguments in "${name}" directive`,
});
const needsBlock = (name: string): DirectiveProblem => ({
  code: "needs-block",
  message: `"${name}" directive has no opening "{"`,
});
const notTerminated = (name: string): DirectiveProblem => ({
  code: "not-terminated",
  message: `"${name}" directive is not terminated by ";"`,
});
/** One of nginx's own directives that the judged release lacks (whatever `strict` says). */
const notIn = (name: string, why: string): DirectiveProblem => ({
  code: "not-in-version",
  message: `unknown directive "${name}" (${why})`,
});

const unknown = (name: string): DirectiveProblem => ({
  code: "unknown-directive",
  message: `unknown directive "${name}"`,
});

interface Case {
  what: string;
  input: DirectiveCheckInput;
  options?: DirectiveCheckOptions;
  expected: DirectiveProblem[];
}

function stmt(
  name: string,
  argCount: number,
  context: ContextKind,
  terminator: DirectiveCheckInput["terminator"] = ";",
): DirectiveCheckInput {
  return { name, argCount, terminator, context };
}

function runCases(cases: Case[]): void {
  for (const c of cases) {
    it(c.what, () => {
      assert.deepStrictEqual(checkDirective(c.input, c.options ?? ALL_CHECKS), c.expected);
    });
  }
}

/** Checks every statement of `text` as nginx reads the file from the main context: `LINE: message`. */
function problemsIn(text: string, options: DirectiveCheckOptions = ALL_CHECKS): string[] {
  return checkedProblems(text, options);
}

describe("directive checks", () => {
  describe("contexts", () => {
    runCases([
      { what: "listen is not allowed in http", input: stmt("listen", 1, "http"), expected: [notAllowed("listen")] },
      { what: "listen in an http server", input: stmt("listen", 1, "server"), expected: [] },
      {
        what: "listen in a stream server (the stream module's listen)",
        input: stmt("listen", 2, "stream_server"),
        expected: [],
      },
      { what: "listen in a mail server", input: stmt("listen", 1, "mail_server"), expected: [] },
      // A name that only another family registers is `not allowed here`, not `unknown`: ngx_conf_handler sets
      // `found` before it skips modules of another type.
      {
        what: "proxy_pass at the top level",
        input: stmt("proxy_pass", 1, "main"),
        expected: [notAllowed("proxy_pass")],
      },
      { what: "proxy_pass in if in location", input: stmt("proxy_pass", 1, "if_in_location"), expected: [] },
      {
        what: "proxy_pass in if in server (no NGX_HTTP_SIF_CONF)",
        input: stmt("proxy_pass", 1, "if_in_server"),
        expected: [notAllowed("proxy_pass")],
      },
      { what: "proxy_pass in limit_except", input: stmt("proxy_pass", 1, "limit_except"), expected: [] },
      {
        what: "http proxy_pass in server",
        input: stmt("proxy_pass", 1, "server"),
        expected: [notAllowed("proxy_pass")],
      },
      { what: "stream proxy_pass in a stream server", input: stmt("proxy_pass", 1, "stream_server"), expected: [] },
      {
        what: "stream proxy_pass in stream{}",
        input: stmt("proxy_pass", 1, "stream"),
        expected: [notAllowed("proxy_pass")],
      },
      {
        what: "stream proxy_pass takes one argument",
        input: stmt("proxy_pass", 2, "stream_server"),
        expected: [invalidArgs("proxy_pass")],
      },
      {
        what: "mail has no proxy_pass",
        input: stmt("proxy_pass", 1, "mail_server"),
        expected: [notAllowed("proxy_pass")],
      },
      {
        what: "lua_ssl_trusted_certificate in http",
        input: stmt("lua_ssl_trusted_certificate", 1, "http"),
        expected: [],
      },
      {
        what: "lua_ssl_trusted_certificate in server",
        input: stmt("lua_ssl_trusted_certificate", 1, "server"),
        expected: [],
      },
      {
        what: "lua_ssl_trusted_certificate in location",
        input: stmt("lua_ssl_trusted_certificate", 1, "location"),
        expected: [],
      },
      {
        what: "lua_ssl_trusted_certificate in if in location",
        input: stmt("lua_ssl_trusted_certificate", 1, "if_in_location"),
        expected: [notAllowed("lua_ssl_trusted_certificate")],
      },
      {
        what: "lua_ssl_trusted_certificate in a stream server (stream-lua)",
        input: stmt("lua_ssl_trusted_certificate", 1, "stream_server"),
        expected: [],
      },
      {
        what: "lua_ssl_trusted_certificate at the top level",
        input: stmt("lua_ssl_trusted_certificate", 1, "main"),
        expected: [notAllowed("lua_ssl_trusted_certificate")],
      },
      { what: "worker_connections belongs in events", input: stmt("worker_connections", 1, "events"), expected: [] },
      {
        what: "worker_connections at the top level",
        input: stmt("worker_connections", 1, "main"),
        expected: [notAllowed("worker_connections")],
      },
      { what: "location in location", input: stmt("location", 1, "location", "{"), expected: [] },
      { what: "location in http", input: stmt("location", 1, "http", "{"), expected: [notAllowed("location")] },
      {
        what: "location in if (not a location context)",
        input: stmt("location", 1, "if_in_location", "{"),
        expected: [notAllowed("location")],
      },
      { what: "if in server", input: stmt("if", 3, "server", "{"), expected: [] },
      { what: "if in location", input: stmt("if", 1, "location", "{"), expected: [] },
      {
        what: "if in if: `if` has no NGX_HTTP_LIF_CONF",
        input: stmt("if", 1, "if_in_location", "{"),
        expected: [notAllowed("if")],
      },
      { what: "if in http", input: stmt("if", 1, "http", "{"), expected: [notAllowed("if")] },
      { what: "mail server block", input: stmt("server", 0, "mail", "{"), expected: [] },
      { what: "upstream server line", input: stmt("server", 1, "upstream"), expected: [] },
      { what: "stream upstream server line", input: stmt("server", 2, "stream_upstream"), expected: [] },
      { what: "server at the top level", input: stmt("server", 0, "main", "{"), expected: [notAllowed("server")] },
    ]);
  });

  describe("include (NGX_ANY_CONF, module type NGX_CONF_MODULE)", () => {
    const everywhere: ContextKind[] = [
      "main",
      "events",
      "http",
      "server",
      "location",
      "if_in_server",
      "if_in_location",
      "limit_except",
      "upstream",
      "stream",
      "stream_server",
      "stream_upstream",
      "mail",
      "mail_server",
    ];
    for (const context of everywhere) {
      it(`is allowed in ${context}`, () =>
        assert.deepStrictEqual(checkDirective(stmt("include", 1, context), STRICT), []));
    }
    it("is allowed in (unchecked) custom bodies: map, geo and types accept it", () => {
      assert.deepStrictEqual(checkDirective(stmt("include", 1, "custom"), STRICT), []);
      assert.deepStrictEqual(
        problemsIn("http { map $a $b { include maps.conf; } types { include mime.types; } }", STRICT),
        [],
      );
    });
    it("takes exactly one argument", () => {
      assert.deepStrictEqual(checkDirective(stmt("include", 2, "http"), ALL_CHECKS), [invalidArgs("include")]);
      assert.deepStrictEqual(checkDirective(stmt("include", 0, "http"), ALL_CHECKS), [invalidArgs("include")]);
    });
  });

  describe("argument counts (ANY > FLAG > 1MORE > 2MORE > TAKEn; `{` not counted)", () => {
    runCases([
      { what: "location with one argument", input: stmt("location", 1, "server", "{"), expected: [] },
      { what: "location with two arguments", input: stmt("location", 2, "server", "{"), expected: [] },
      {
        what: "location with three arguments",
        input: stmt("location", 3, "server", "{"),
        expected: [invalidArgs("location")],
      },
      { what: "location with none", input: stmt("location", 0, "server", "{"), expected: [invalidArgs("location")] },
      { what: "if needs a condition (1MORE)", input: stmt("if", 0, "server", "{"), expected: [invalidArgs("if")] },
      { what: "FLAG: exactly one word", input: stmt("gzip", 2, "http"), expected: [invalidArgs("gzip")] },
      // ngx_conf_handler counts only; ngx_conf_set_flag_slot (the handler) is what insists on on/off.
      { what: "FLAG: the value is the handler's business", input: stmt("gzip", 1, "http"), expected: [] },
      { what: "TAKE23: two", input: stmt("add_header", 2, "location"), expected: [] },
      { what: "TAKE23: three", input: stmt("add_header", 3, "location"), expected: [] },
      { what: "TAKE23: one", input: stmt("add_header", 1, "location"), expected: [invalidArgs("add_header")] },
      { what: "TAKE23: four", input: stmt("add_header", 4, "location"), expected: [invalidArgs("add_header")] },
      {
        what: "2MORE: try_files with one",
        input: stmt("try_files", 1, "location"),
        expected: [invalidArgs("try_files")],
      },
      { what: "2MORE: try_files with five", input: stmt("try_files", 5, "location"), expected: [] },
      { what: "NOARGS|TAKE1: stub_status bare", input: stmt("stub_status", 0, "location"), expected: [] },
      {
        what: "NOARGS|TAKE1: stub_status with two",
        input: stmt("stub_status", 2, "location"),
        expected: [invalidArgs("stub_status")],
      },
      // NGX_CONF_1MORE is tested before the TAKE bits, so the NOARGS bit beside it never applies.
      {
        what: "NOARGS|1MORE behaves as 1MORE",
        input: stmt("vhost_traffic_status_measure_status_codes", 0, "http"),
        expected: [invalidArgs("vhost_traffic_status_measure_status_codes")],
      },
      { what: "NOARGS: events takes none", input: stmt("events", 1, "main", "{"), expected: [invalidArgs("events")] },
      { what: "upstream takes its name", input: stmt("upstream", 1, "http", "{"), expected: [] },
      { what: "limit_except takes methods", input: stmt("limit_except", 2, "location", "{"), expected: [] },
    ]);
  });

  describe("terminators", () => {
    runCases([
      { what: "events with `;`", input: stmt("events", 0, "main", ";"), expected: [needsBlock("events")] },
      {
        what: "server_name with `{`",
        input: stmt("server_name", 1, "server", "{"),
        expected: [notTerminated("server_name")],
      },
      // ngx_conf_handler checks the terminator before the count: the first problem is the one reported.
      {
        what: "terminator before count",
        input: stmt("server_name", 0, "server", "{"),
        expected: [notTerminated("server_name")],
      },
      { what: "if with `;`", input: stmt("if", 1, "location", ";"), expected: [needsBlock("if")] },
      {
        what: "missing terminator (already a syntax error): only the count",
        input: stmt("server_name", 0, "server", null),
        expected: [invalidArgs("server_name")],
      },
      { what: "missing terminator on a block directive", input: stmt("events", 0, "main", null), expected: [] },
      {
        what: "terminator is checked even with checkArgs off",
        input: stmt("events", 5, "main", ";"),
        options: { ...ALL_CHECKS, checkArgs: false },
        expected: [needsBlock("events")],
      },
    ]);
  });

  describe("*_by_lua_block", () => {
    runCases([
      // lua-nginx-module registers set_by_lua_block as TAKE1|BLOCK: the `$var` is the argument, the Lua body the block.
      { what: "set_by_lua_block $v { … }", input: stmt("set_by_lua_block", 1, "location", "lua"), expected: [] },
      {
        what: "set_by_lua_block without its variable",
        input: stmt("set_by_lua_block", 0, "location", "lua"),
        expected: [invalidArgs("set_by_lua_block")],
      },
      {
        what: "set_by_lua_block with two words",
        input: stmt("set_by_lua_block", 2, "location", "lua"),
        expected: [invalidArgs("set_by_lua_block")],
      },
      {
        what: "set_by_lua_block in if in server",
        input: stmt("set_by_lua_block", 1, "if_in_server", "lua"),
        expected: [],
      },
      {
        what: "set_by_lua_block with `;`",
        input: stmt("set_by_lua_block", 1, "location", ";"),
        expected: [needsBlock("set_by_lua_block")],
      },
      {
        what: "content_by_lua_block in location",
        input: stmt("content_by_lua_block", 0, "location", "lua"),
        expected: [],
      },
      {
        what: "content_by_lua_block in server",
        input: stmt("content_by_lua_block", 0, "server", "lua"),
        expected: [notAllowed("content_by_lua_block")],
      },
      {
        what: "content_by_lua_block in a stream server",
        input: stmt("content_by_lua_block", 0, "stream_server", "lua"),
        expected: [],
      },
      { what: "init_by_lua_block in http", input: stmt("init_by_lua_block", 0, "http", "lua"), expected: [] },
    ]);
    it("is recognised by name", () => {
      assert.strictEqual(isLuaBlockDirective("set_by_lua_block"), true);
      assert.strictEqual(isLuaBlockDirective("content_by_lua_block"), true);
      assert.strictEqual(isLuaBlockDirective("content_by_lua"), false);
      assert.strictEqual(isLuaBlockDirective("location"), false);
    });
  });

  describe("unknown directives", () => {
    runCases([
      {
        what: "unknown name, strict",
        input: stmt("proxy_passs", 1, "location"),
        options: STRICT,
        expected: [unknown("proxy_passs")],
      },
      {
        what: "unknown name, not strict (may be a module we do not know)",
        input: stmt("proxy_passs", 1, "location"),
        expected: [],
      },
      {
        what: "a listen parameter is not a directive",
        input: stmt("reuseport", 0, "server"),
        options: STRICT,
        expected: [unknown("reuseport")],
      },
      {
        what: "Object.prototype names are not directives",
        input: stmt("constructor", 0, "http"),
        options: STRICT,
        expected: [unknown("constructor")],
      },
      {
        what: "removed directives are unknown to current nginx",
        input: stmt("ssl", 1, "server"),
        options: STRICT,
        expected: [unknown("ssl")],
      },
    ]);
  });

  describe("bodies nginx does not read as directives", () => {
    for (const context of ["custom", "lua", "unknown"] as const) {
      it(`nothing is checked in ${context}`, () => {
        assert.deepStrictEqual(checkDirective(stmt("listen", 9, context, "{"), STRICT), []);
        assert.deepStrictEqual(checkDirective(stmt("no_such_directive", 0, context), STRICT), []);
      });
    }
    it("map, geo, types, split_clients, charset_map bodies are free-form", () => {
      const text = [
        "http {",
        "  map $uri $x { default 0; ~^/a 1; hostnames; }",
        "  geo $g { default 0; 10.0.0.0/8 1; ranges; }",
        "  types { text/html html htm; }",
        "  split_clients $a $b { 50% one; * two; }",
        "  charset_map koi8-r utf-8 { C0 D18E; }",
        "}",
        "stream { map $a $b { x y; } }",
      ].join("\n");
      assert.deepStrictEqual(problemsIn(text, STRICT), []);
    });
  });

  describe("enterBlock: the context of a block's body", () => {
    const cases: [ContextKind, string, ContextKind][] = [
      ["main", "http", "http"],
      ["main", "events", "events"],
      ["main", "stream", "stream"],
      ["main", "mail", "mail"],
      ["http", "server", "server"],
      ["server", "location", "location"],
      ["location", "location", "location"],
      // ngx_http_rewrite_if: SIF when the enclosing loc conf is the server's own, LIF inside a location.
      ["server", "if", "if_in_server"],
      ["location", "if", "if_in_location"],
      ["location", "limit_except", "limit_except"],
      ["http", "upstream", "upstream"],
      ["stream", "upstream", "stream_upstream"],
      ["stream", "server", "stream_server"],
      ["mail", "server", "mail_server"],
      ["http", "types", "custom"],
      ["location", "types", "custom"],
      ["http", "map", "custom"],
      ["stream", "map", "custom"],
      ["http", "geo", "custom"],
      ["http", "geoip2", "custom"],
      ["http", "split_clients", "custom"],
      ["http", "charset_map", "custom"],
      ["location", "content_by_lua_block", "lua"],
      ["http", "init_by_lua_block", "lua"],
      // Misplaced or unknown blocks: their bodies are not checked (nginx stops at the block itself).
      ["main", "server", "unknown"],
      ["http", "location", "unknown"],
      ["if_in_location", "if", "unknown"],
      ["server", "server_name", "unknown"],
      ["http", "match", "unknown"],
      ["http", "no_such_block", "unknown"],
      // Misplaced custom bodies are still not directives.
      ["server", "map", "custom"],
      ["custom", "anything", "custom"],
      ["lua", "anything", "lua"],
      ["unknown", "server", "unknown"],
    ];
    for (const [parent, name, expected] of cases) {
      it(`${name} in ${parent} → ${expected}`, () => assert.strictEqual(enterBlock(parent, name), expected));
    }

    it("places every current `directives` block of the table where it is allowed", () => {
      // Guards a re-vendored table: a new block kind must be taught to enterBlock.
      const file = path.join(REPO, "server", "data", "directives.json");
      const table = JSON.parse(fs.readFileSync(file, "utf8")) as { directives: Record<string, DirectiveVariant[]> };
      let seen = 0;
      for (const [name, variants] of Object.entries(table.directives)) {
        for (const v of variants) {
          if (v.removed !== null || v.body !== "directives") continue;
          for (const context of v.contexts) {
            if (context === "any") continue;
            seen++;
            assert.notStrictEqual(enterBlock(context, name), "unknown", `${name} (${v.module}) in ${context}`);
          }
        }
      }
      assert.ok(seen >= 12, `only ${seen} placements`);
    });
  });

  describe("options", () => {
    runCases([
      {
        what: "checkContext off: listen in http passes",
        input: stmt("listen", 1, "http"),
        options: { ...ALL_CHECKS, checkContext: false },
        expected: [],
      },
      // With the context unchecked every registration is tried: `server` is a noargs block in http but 1MORE in upstream.
      {
        what: "checkContext off: any registration may fit",
        input: stmt("server", 1, "http", ";"),
        options: { ...ALL_CHECKS, checkContext: false },
        expected: [],
      },
      {
        what: "checkArgs off: location with three arguments passes",
        input: stmt("location", 3, "server", "{"),
        options: { ...ALL_CHECKS, checkArgs: false },
        expected: [],
      },
    ]);
  });

  describe("version option (nginx's own directives)", () => {
    const at = (version: string): DirectiveCheckOptions => ({ ...STRICT, version });
    runCases([
      {
        what: "keepalive takes two words from 1.29.7",
        input: stmt("keepalive", 2, "upstream"),
        options: at("1.29.7"),
        expected: [],
      },
      {
        what: "keepalive took one word in 1.28.0",
        input: stmt("keepalive", 2, "upstream"),
        options: at("1.28.0"),
        expected: [invalidArgs("keepalive")],
      },
      { what: "ssl was a directive in 1.24.0", input: stmt("ssl", 1, "server"), options: at("1.24.0"), expected: [] },
      {
        what: "ssl is gone in 1.25.1",
        input: stmt("ssl", 1, "server"),
        options: at("1.25.1"),
        expected: [notIn("ssl", "nginx 1.25.1 does not have it: removed in 1.25.1")],
      },
      {
        what: "http2 did not exist in 1.24.0",
        input: stmt("http2", 1, "server"),
        options: at("1.24.0"),
        expected: [notIn("http2", "nginx 1.24.0 does not have it: it came in 1.25.1")],
      },
      { what: "http2 exists in 1.25.1", input: stmt("http2", 1, "server"), options: at("1.25.1"), expected: [] },
      // least_conn was backported to 1.2.2–1.2.9 and is in mainline from 1.3.1: 1.3.0 lacks it.
      {
        what: "least_conn in the 1.2 backport",
        input: stmt("least_conn", 0, "upstream"),
        options: at("1.2.5"),
        expected: [],
      },
      {
        what: "least_conn missing in 1.3.0",
        input: stmt("least_conn", 0, "upstream"),
        options: at("1.3.0"),
        // In 1.2.2–1.2.9 and from 1.3.1: not "newer" than 1.3.0, just not in it.
        expected: [notIn("least_conn", "nginx 1.3.0 does not have it")],
      },
      // try_files was location-only from 0.7.27 until 0.7.44.
      {
        what: "try_files in server in 0.7.30",
        input: stmt("try_files", 2, "server"),
        options: at("0.7.30"),
        expected: [notAllowed("try_files")],
      },
      { what: "try_files in server now", input: stmt("try_files", 2, "server"), options: STRICT, expected: [] },
      // Third-party directives are judged by their newest form whatever the nginx version.
      {
        what: "lua directives ignore the nginx version",
        input: stmt("content_by_lua_block", 0, "location", "lua"),
        options: at("1.0.0"),
        expected: [],
      },
      {
        what: "an unparsable version judges the newest nginx",
        input: stmt("ssl", 1, "server"),
        options: at("latest"),
        expected: [unknown("ssl")],
      },
    ]);
  });

  describe("whole files", () => {
    it("reports each problem on its line", () => {
      const text = [
        "events;", // 1
        "http {", // 2
        "  listen 80;", // 3
        "  server {", // 4
        "    server_name a { }", // 5
        "    location a b c { }", // 6
        "    if ($x) { proxy_pass http://u; set $a 1; }", // 7
        "    location / {", // 8
        "      if ($y) { proxy_pass http://u; }", // 9
        "      set_by_lua_block $v { return 1 }", // 10
        "      lua_ssl_trusted_certificate /etc/ca.pem;", // 11
        "      typo_directive on;", // 12
        "    }", // 13
        "  }", // 14
        "}", // 15
        "mail { server { listen 25; protocol smtp; } }", // 16
        "stream { server { listen 53 udp; proxy_pass dns; } }", // 17
      ].join("\n");
      assert.deepStrictEqual(problemsIn(text, STRICT), [
        '1: "events" directive has no opening "{"',
        '3: "listen" directive is not allowed here',
        '5: "server_name" directive is not terminated by ";"',
        '6: invalid number of arguments in "location" directive',
        '7: "proxy_pass" directive is not allowed here',
        '12: unknown directive "typo_directive"',
      ]);
    });
  });

  describe("lookupDirective", () => {
    it("lists every registration, with its family", () => {
      const types = lookupDirective("proxy_pass").map((v) => `${v.type}:${v.module}`);
      assert.deepStrictEqual(types.sort(), ["http:ngx_http_proxy_module", "stream:ngx_stream_proxy_module"]);
    });
    it("keeps removed registrations, marked", () => {
      const ssl = lookupDirective("ssl");
      assert.ok(ssl.length > 0);
      assert.ok(ssl.every((v) => v.removed === "1.25.1"));
    });
    it("returns nothing for unknown names", () => {
      assert.deepStrictEqual(lookupDirective("no_such_directive"), []);
      assert.deepStrictEqual(lookupDirective("__proto__"), []);
    });
  });
});

describe("server/data/directives.json", () => {
  it("is what scripts/vendor-directives.mjs makes of ../shared/data", function () {
    const source = path.join(SHARED, "data", "nginx-directives.json");
    if (!fs.existsSync(source)) this.skip();
    const script = path.join(REPO, "scripts", "vendor-directives.mjs");
    const fresh = execFileSync(process.execPath, [script, source, "-"], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const committed = fs.readFileSync(path.join(REPO, "server", "data", "directives.json"), "utf8");
    assert.ok(fresh === committed, "server/data/directives.json is stale: run `npm run vendor:directives`");
  });
});
