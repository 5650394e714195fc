// The four SSL-context rules, table-driven: for each configuration, exactly which findings (file:line of
// the bundle directive), how many SSL contexts load the bundle because of each (`data.contexts`), the rule's
// total (`data.totalContexts`: the sum over every place, reported or not, docs/cli.md), severity and code.
//
// A place whose bundle is loaded into exactly one context is reported as a `hint` (what using the directive
// costs; docs/rules/lua-ssl-per-location.md "Severity"); 2 or more contexts are `info` and up; a place whose
// bundle no context loads is not reported at all. The tables list every finding, hints included.
//
// Every count is worked out by hand from ../shared/docs/semantics.md (the comment of each case says how),
// never copied from our output:
// - lua-nginx-module ≤ 0.10.25 (§1): one SSL_CTX per merged location configuration (each server + every
//   location of every kind, nested, named, regex, `if`, `limit_except`; never the http level), each loading
//   the effective lua_ssl_trusted_certificate.
// - lua-nginx-module ≥ 0.10.26 (§1, ngx_http_lua_merge_ssl): a block that sets no lua_ssl_* directive uses its
//   parent's object; the first server that sets none creates the object all such blocks share. So: one
//   shared + one per block that sets a lua_ssl_* itself (which loads the effective, maybe inherited, bundle).
// - stream-lua (§1): one per `stream { server {} }`, every version.
// - proxy/grpc/uwsgi < 1.23.1 (§4): one per location (or if/limit_except) whose *own* *_pass uses TLS or has
//   variables; `if`/`limit_except` without their own pass share the parent's; the bundle loads only with
//   *_ssl_verify on. ≥ 1.23.1: one object per level that sets a *_ssl_* directive (+ the shared one).
// - server side (§4): one per server whose effective ssl_certificate is set (or ssl_reject_handshake on);
//   ssl_trusted_certificate always loaded into it, ssl_client_certificate when ssl_verify_client is not off.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleContextBytes, MEASURED } from "../../server/src/cost/estimate";
import { buildModel, type ConfigModel } from "../../server/src/model";
import { luaSslPerLocationFindings } from "../../server/src/rules/lua-ssl-per-location";
import { proxySslPerLocationFindings } from "../../server/src/rules/proxy-ssl-per-location";
import { WARNING_BYTES } from "../../server/src/rules/ssl-cost";
import { sslBundlePerServerFindings } from "../../server/src/rules/ssl-bundle-per-server";
import { streamLuaSslPerServerFindings } from "../../server/src/rules/stream-lua-ssl-per-server";
import type { Finding, RuleOptions, Severity } from "../../server/src/rules/types";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";

type Rule = "lua" | "stream-lua" | "proxy" | "server";
const RULES: Record<Rule, (m: ConfigModel, o: RuleOptions) => Finding[]> = {
  lua: luaSslPerLocationFindings,
  "stream-lua": streamLuaSslPerServerFindings,
  proxy: proxySslPerLocationFindings,
  server: sslBundlePerServerFindings,
};
const RULE_IDS: Record<Rule, string> = {
  lua: "lua-ssl-per-location",
  "stream-lua": "stream-lua-ssl-per-server",
  proxy: "proxy-ssl-per-location",
  server: "ssl-bundle-per-server",
};

const P = "/p";
/** Two distinct (fake) certificates: a small, readable, non-system bundle, so nothing is assumed about it. */
const CA_PEM = [
  "-----BEGIN CERTIFICATE-----",
  "QUFBQUFBQUFBQUFBQUFBQQ==",
  "-----END CERTIFICATE-----",
  "-----BEGIN CERTIFICATE-----",
  "QkJCQkJCQkJCQkJCQkJCQg==",
  "-----END CERTIFICATE-----",
  "",
].join("\n");
const OTHER_PEM = "-----BEGIN CERTIFICATE-----\nQ0NDQ0NDQ0NDQ0NDQ0NDQw==\n-----END CERTIFICATE-----\n";
/** Every version the rules look at is given: nothing assumed (Debian bookworm's packages). */
const KNOWN: Partial<RuleOptions> = { nginxVersion: "1.22.1", luaNginxModuleVersion: "0.10.23" };
const LUA_26: Partial<RuleOptions> = { nginxVersion: "1.25.3", luaNginxModuleVersion: "0.10.26" };
const NGINX_124: Partial<RuleOptions> = { nginxVersion: "1.24.0", luaNginxModuleVersion: "0.10.23" };

function load(files: Record<string, string>): { model: ConfigModel; source: MemoryFileSource } {
  const all: Record<string, string> = { "ca.pem": CA_PEM, "other.pem": OTHER_PEM, ...files };
  const source = new MemoryFileSource(Object.fromEntries(Object.entries(all).map(([k, v]) => [`${P}/${k}`, v])));
  const config = loadConfiguration(`${P}/nginx.conf`, { source });
  assert.deepEqual(
    config.diagnostics.map((d) => `${d.path}:${d.range.start.line + 1} ${d.code}`),
    [],
    "test configurations load without problems",
  );
  return { model: buildModel(config), source };
}

function run(rule: Rule, files: Record<string, string>, options: Partial<RuleOptions> = KNOWN): Finding[] {
  const { model, source } = load(files);
  const findings = RULES[rule](model, { strict: false, source, ...options });
  for (const f of findings) assert.equal(f.ruleId, RULE_IDS[rule]);
  return findings;
}

interface Expected {
  /** `file:line` of the bundle directive, relative to the prefix, 1-based. */
  at: string;
  contexts: number;
  total: number;
  code: string;
  severity?: Severity;
  module?: string;
}

function summary(f: Finding): Expected {
  const data = f.data ?? {};
  return {
    at: `${path.relative(P, f.path)}:${f.range.start.line + 1}`,
    contexts: data.contexts as number,
    total: data.totalContexts as number,
    code: f.code,
    severity: f.severity,
    module: data.module as string,
  };
}

interface Case {
  name: string;
  rule: Rule;
  files: Record<string, string>;
  options?: Partial<RuleOptions>;
  expect: Expected[];
}

function check(c: Case): void {
  const actual = run(c.rule, c.files, c.options).map(summary);
  const defaultModule = c.rule === "server" ? "server" : c.rule;
  const expected = c.expect.map((e) => ({ severity: "info" as Severity, module: defaultModule, ...e }));
  const order = (a: Expected, b: Expected): number => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0);
  assert.deepEqual(
    actual.map((e) => ({ ...e })).sort(order),
    expected
      .map((e) => ({
        at: e.at,
        contexts: e.contexts,
        total: e.total,
        code: e.code,
        severity: e.severity,
        module: e.module,
      }))
      .sort(order),
  );
}

const lines = (...l: string[]): string => l.join("\n") + "\n";

// ---- lua-nginx-module ------------------------------------------------------------------------------------

const LUA = "lua_ssl_trusted_certificate ca.pem;";
const LUA_OTHER = "lua_ssl_trusted_certificate other.pem;";
/** nginx.conf with the Lua module; `lua_ssl_trusted_certificate` at http level on line 4; body from line 5. */
function luaHttp(...body: string[]): string {
  return lines("load_module modules/ngx_http_lua_module.so;", "events { }", "http {", `    ${LUA}`, ...body, "}");
}
/** The same without the http-level directive (body from line 4). */
function luaPlain(...body: string[]): string {
  return lines("load_module modules/ngx_http_lua_module.so;", "events { }", "http {", ...body, "}");
}

const LUA_CASES: Case[] = [
  {
    // server + /a + /a/b + /a/b/c + /d = 5.
    name: "nested locations",
    rule: "lua",
    files: {
      "nginx.conf": luaHttp(
        "    server { listen 1;",
        "        location /a { location /a/b { location /a/b/c { } } }",
        "        location /d { }",
        "    }",
      ),
    },
    expect: [{ at: "nginx.conf:4", contexts: 5, total: 5, code: "per-location" }],
  },
  {
    // server + / + @x + ~ + ~* + = + ^~ + glued =/g = 8 (ngx_http_add_location queues every kind).
    name: "named, regex, exact, ^~ and glued locations",
    rule: "lua",
    files: {
      "nginx.conf": luaHttp(
        "    server { listen 1;",
        "        location / { try_files $uri @x; } location @x { }",
        "        location ~ \\.php$ { } location ~* \\.jpg$ { }",
        "        location = /e { } location ^~ /s/ { } location =/g { }",
        "    }",
      ),
    },
    expect: [{ at: "nginx.conf:4", contexts: 8, total: 8, code: "per-location" }],
  },
  {
    // server + if (ngx_http_rewrite_if queues a noname loc_conf) + / = 3.
    name: "if in server",
    rule: "lua",
    files: {
      "nginx.conf": luaHttp("    server { listen 1; if ($host = x) { return 404; } location / { } }"),
    },
    expect: [{ at: "nginx.conf:4", contexts: 3, total: 3, code: "per-location" }],
  },
  {
    // server + / + two ifs = 4.
    name: "two ifs in a location",
    rule: "lua",
    files: {
      "nginx.conf": luaHttp("    server { listen 1; location / { if ($a) { return 404; } if ($b) { return 403; } } }"),
    },
    expect: [{ at: "nginx.conf:4", contexts: 4, total: 4, code: "per-location" }],
  },
  {
    // server + / + its limit_except + /n + /n/m + its limit_except = 6.
    name: "limit_except, also in a nested location",
    rule: "lua",
    files: {
      "nginx.conf": luaHttp(
        "    server { listen 1;",
        "        location / { limit_except GET { deny all; } }",
        "        location /n { location /n/m { limit_except POST { deny all; } } }",
        "    }",
      ),
    },
    expect: [{ at: "nginx.conf:4", contexts: 6, total: 6, code: "per-location" }],
  },
  {
    // (server + /) + (server + / + /x) + (server) = 2 + 3 + 1 = 6.
    name: "several servers",
    rule: "lua",
    files: {
      "nginx.conf": luaHttp(
        "    server { listen 1; location / { } }",
        "    server { listen 2; location / { } location /x { } }",
        "    server { listen 3; }",
      ),
    },
    expect: [{ at: "nginx.conf:4", contexts: 6, total: 6, code: "per-location" }],
  },
  {
    // The http level is never merged as a child: no server, no context.
    name: "http level without any server: nothing",
    rule: "lua",
    files: { "nginx.conf": luaHttp() },
    expect: [],
  },
  {
    // The module creates contexts (≈ 13 KB each) but no bundle is named anywhere: nothing to report.
    name: "Lua module without lua_ssl_trusted_certificate: nothing",
    rule: "lua",
    files: { "nginx.conf": luaPlain("    server { listen 1; location / { } location /x { } }") },
    expect: [],
  },
  {
    // conf.d/*.conf in order 00-lua, a, b. a: server + /x + /x/1 + if + /y = 5; b: server + / = 2. Total 7.
    name: "include globs at http, server and location level",
    rule: "lua",
    files: {
      "nginx.conf": luaPlain("    include conf.d/*.conf;"),
      "conf.d/00-lua.conf": lines(LUA),
      "conf.d/a.conf": lines("server { listen 1; include snippets/*.conf; }"),
      "conf.d/b.conf": lines("server { listen 2; location / { } }"),
      "snippets/x.conf": lines("location /x {", "    include loc.d/*.conf;", "}"),
      "snippets/y.conf": lines("location /y { }"),
      "loc.d/1.conf": lines("location /x/1 { }"),
      "loc.d/2.conf": lines("if ($arg_q) { return 404; }"),
    },
    expect: [{ at: "conf.d/00-lua.conf:1", contexts: 7, total: 7, code: "per-location" }],
  },
  {
    // Set at server level through an included file: server 1 + /a + /b = 3; server 2 loads nothing.
    name: "server level, through an include glob",
    rule: "lua",
    files: {
      "nginx.conf": luaPlain(
        "    server { listen 1; include lua.d/*.conf; location /a { } location /b { } }",
        "    server { listen 2; location /c { } }",
      ),
      "lua.d/ssl.conf": lines("# the CA for cosockets", LUA),
    },
    expect: [{ at: "lua.d/ssl.conf:2", contexts: 3, total: 3, code: "per-location" }],
  },
  {
    // Set in location /a through an include: /a + /a/b + the if in /a = 3.
    name: "location level, through an include glob",
    rule: "lua",
    files: {
      "nginx.conf": luaPlain(
        "    server { listen 1;",
        "        location /a { include lua.d/*.conf; location /a/b { } if ($x) { return 404; } }",
        "        location /c { }",
        "    }",
      ),
      "lua.d/ssl.conf": lines(LUA),
    },
    expect: [{ at: "lua.d/ssl.conf:1", contexts: 3, total: 3, code: "per-location" }],
  },
  {
    // nginx reads locations.conf once per include: 2 × (server + / + /x) = 6.
    name: "a locations file included by two servers",
    rule: "lua",
    files: {
      "nginx.conf": luaHttp(
        "    server { listen 1; include locations.conf; }",
        "    server { listen 2; include locations.conf; }",
      ),
      "locations.conf": lines("location / { }", "location /x { }"),
    },
    expect: [{ at: "nginx.conf:4", contexts: 6, total: 6, code: "per-location" }],
  },
  {
    // One file position, two instances of /x (one per server): 2 contexts, one finding.
    name: "the directive in a file included by two servers",
    rule: "lua",
    files: {
      "nginx.conf": luaPlain(
        "    server { listen 1; include locations.conf; }",
        "    server { listen 2; include locations.conf; }",
      ),
      "locations.conf": lines("location / { }", "location /x {", `    ${LUA}`, "}"),
    },
    expect: [{ at: "locations.conf:3", contexts: 2, total: 2, code: "per-location" }],
  },
  {
    // http's: server + / + /z = 3; /x's own: /x + /x/y = 2. Total 5, two findings.
    name: "set at http and again in one location: split counts",
    rule: "lua",
    files: {
      "nginx.conf": luaHttp(
        "    server {", // 5
        "        listen 1;", // 6
        "        location / { }", // 7
        "        location /x {", // 8
        `            ${LUA_OTHER}`, // 9
        "            location /x/y { }", // 10
        "        }", // 11
        "        location /z { }", // 12
        "    }", // 13
      ),
    },
    expect: [
      { at: "nginx.conf:4", contexts: 3, total: 5, code: "per-location" },
      { at: "nginx.conf:9", contexts: 2, total: 5, code: "per-location" },
    ],
  },
  {
    // http's: server A + /a = 2; server B's (line 7): server B + /d = 2; /b's (line 8): /b + /b/c = 2. Total 6.
    name: "http, server and location levels: three findings",
    rule: "lua",
    files: {
      "nginx.conf": luaHttp(
        "    server { listen 1; location /a { } }", // 5
        "    server {", // 6
        `        listen 2; ${LUA}`, // 7
        `        location /b { ${LUA} location /b/c { } }`, // 8
        "        location /d { }", // 9
        "    }", // 10
      ),
    },
    expect: [
      { at: "nginx.conf:4", contexts: 2, total: 6, code: "per-location" },
      { at: "nginx.conf:7", contexts: 2, total: 6, code: "per-location" },
      { at: "nginx.conf:8", contexts: 2, total: 6, code: "per-location" },
    ],
  },

  // ---- lua-nginx-module ≥ 0.10.26 ----
  {
    // Nothing below http sets a lua_ssl_*: server A creates the shared object (preserved in the http conf),
    // every other block reuses it. 1 context → only a hint.
    name: "0.10.26: http level only → one shared context, a hint",
    rule: "lua",
    options: LUA_26,
    files: {
      "nginx.conf": luaHttp(
        "    server { listen 1; location / { } location /x { location /x/y { } if ($a) { return 404; } } }",
        "    server { listen 2; location / { limit_except GET { deny all; } } }",
      ),
    },
    expect: [{ at: "nginx.conf:4", contexts: 1, total: 1, code: "per-level", severity: "hint" }],
  },
  {
    // The shared object (server, /) + /v's own (it sets lua_ssl_verify_depth; it loads the inherited
    // bundle again); /v/w and the if inside /v set nothing and reuse /v's. 2 contexts load ca.pem.
    name: "0.10.26: a location setting only lua_ssl_verify_depth gets its own context with the inherited bundle",
    rule: "lua",
    options: LUA_26,
    files: {
      "nginx.conf": luaHttp(
        "    server { listen 1;",
        "        location / { }",
        "        location /v { lua_ssl_verify_depth 3; location /v/w { } if ($a) { return 404; } }",
        "    }",
      ),
    },
    expect: [{ at: "nginx.conf:4", contexts: 2, total: 2, code: "per-level" }],
  },
  {
    // Server A sets lua_ssl_verify_depth: own. Server B sets nothing: the shared one. Server C sets
    // lua_ssl_protocols: own. Locations reuse their server's. 3 contexts, all with http's bundle.
    name: "0.10.26: servers that set lua_ssl_* get their own",
    rule: "lua",
    options: LUA_26,
    files: {
      "nginx.conf": luaHttp(
        "    server { listen 1; lua_ssl_verify_depth 2; location / { } location /x { } }",
        "    server { listen 2; location / { } }",
        "    server { listen 3; lua_ssl_protocols TLSv1.2; location / { } }",
      ),
    },
    expect: [{ at: "nginx.conf:4", contexts: 3, total: 3, code: "per-level" }],
  },
  {
    // Every server sets something: each has its own object and none is preserved as a shared one. 2.
    name: "0.10.26: every server sets lua_ssl_*: one each, no shared one",
    rule: "lua",
    options: LUA_26,
    files: {
      "nginx.conf": luaHttp(
        "    server { listen 1; lua_ssl_verify_depth 2; location / { } }",
        "    server { listen 2; lua_ssl_ciphers HIGH; location / { } }",
      ),
    },
    expect: [{ at: "nginx.conf:4", contexts: 2, total: 2, code: "per-level" }],
  },
  {
    // http's bundle: the shared object only (1); /x's: /x's own, /x/y reuses it (1). Two hints, total 2.
    name: "0.10.26: http level and again in one location: one context each, two hints",
    rule: "lua",
    options: LUA_26,
    files: {
      "nginx.conf": luaHttp(`    server { listen 1; location /a { } location /x { ${LUA_OTHER} location /x/y { } } }`),
    },
    expect: [
      { at: "nginx.conf:4", contexts: 1, total: 2, code: "per-level", severity: "hint" },
      { at: "nginx.conf:5", contexts: 1, total: 2, code: "per-level", severity: "hint" },
    ],
  },
  {
    // http's ca.pem: server A's own (it sets lua_ssl_verify_depth) + the shared object (created by server B,
    // the first server that sets nothing) = 2; /x's other.pem: /x's own, /x/y reuses it = 1. Total 3.
    name: "0.10.26: http bundle in a setting server and the shared object, another bundle in a location",
    rule: "lua",
    options: LUA_26,
    files: {
      "nginx.conf": luaHttp(
        "    server { listen 1; lua_ssl_verify_depth 2; }",
        `    server { listen 2; location /x { ${LUA_OTHER} location /x/y { } } }`,
      ),
    },
    expect: [
      { at: "nginx.conf:4", contexts: 2, total: 3, code: "per-level" },
      { at: "nginx.conf:6", contexts: 1, total: 3, code: "per-level", severity: "hint" },
    ],
  },
];

// OpenResty's bundled lua-nginx-module decides (semantics.md §1: 1.21.4.3 has v0.10.25, 1.25.3.1 has v0.10.26).
// Config: server A + / + /x + /x/y + if = 5; server B + / + limit_except = 3 → 8 per location configuration.
const OPENRESTY_CONFIG = {
  "nginx.conf": luaHttp(
    "    server { listen 1; location / { } location /x { location /x/y { } if ($a) { return 404; } } }",
    "    server { listen 2; location / { limit_except GET { deny all; } } }",
  ),
};
const OPENRESTY_CASES: Case[] = [
  {
    name: "OpenResty 1.21.4.3 (lua-nginx-module 0.10.25): per location configuration",
    rule: "lua",
    options: { openrestyVersion: "1.21.4.3" },
    files: OPENRESTY_CONFIG,
    expect: [{ at: "nginx.conf:4", contexts: 8, total: 8, code: "per-location" }],
  },
  {
    name: "OpenResty 1.25.3.1 (lua-nginx-module 0.10.26): shared, a hint",
    rule: "lua",
    options: { openrestyVersion: "1.25.3.1" },
    files: OPENRESTY_CONFIG,
    expect: [{ at: "nginx.conf:4", contexts: 1, total: 1, code: "per-level", severity: "hint" }],
  },
  {
    name: "lua-nginx-module 0.10.23 given directly: the same as 1.21.4.3",
    rule: "lua",
    files: OPENRESTY_CONFIG,
    expect: [{ at: "nginx.conf:4", contexts: 8, total: 8, code: "per-location" }],
  },
];

// ---- stream-lua-nginx-module ------------------------------------------------------------------------------

/** nginx.conf with the stream Lua module; the stream-level directive on line 4 when given. */
function luaStream(...body: string[]): string {
  return lines("load_module modules/ngx_stream_lua_module.so;", "events { }", "stream {", ...body, "}");
}

const STREAM_CASES: Case[] = [
  {
    // One SSL_CTX per stream server, each loading the stream-level bundle: 3.
    name: "stream level, three stream servers",
    rule: "stream-lua",
    files: {
      "nginx.conf": luaStream(
        `    ${LUA}`,
        "    server { listen 1; }",
        "    server { listen 2; }",
        "    server { listen 3; }",
      ),
    },
    expect: [{ at: "nginx.conf:4", contexts: 3, total: 3, code: "per-server" }],
  },
  {
    // stream level: servers 2 and 3 (2); server 1 sets its own (1: a hint). Total 3.
    name: "stream level and one server with its own bundle",
    rule: "stream-lua",
    files: {
      "nginx.conf": luaStream(
        `    ${LUA}`,
        `    server { listen 1; ${LUA_OTHER} }`,
        "    server { listen 2; }",
        "    server { listen 3; }",
      ),
    },
    expect: [
      { at: "nginx.conf:4", contexts: 2, total: 3, code: "per-server" },
      { at: "nginx.conf:5", contexts: 1, total: 3, code: "per-server", severity: "hint" },
    ],
  },
  {
    // Servers from a glob (a.conf: 1, b.conf: 2) = 3. stream-lua has no 0.10.26-like fix: the version of
    // lua-nginx-module (an http module) changes nothing.
    name: "stream servers from include globs; lua-nginx-module 0.10.26 does not matter",
    rule: "stream-lua",
    options: LUA_26,
    files: {
      "nginx.conf": luaStream(`    ${LUA}`, "    include stream.d/*.conf;"),
      "stream.d/a.conf": lines("server { listen 1; }"),
      "stream.d/b.conf": lines("server { listen 2; }", "server { listen 3; content_by_lua_block { ngx.say(1) } }"),
    },
    expect: [{ at: "nginx.conf:4", contexts: 3, total: 3, code: "per-server" }],
  },
  {
    // The stream servers inherit nothing (the bundle is in http): no stream-lua context loads a bundle.
    name: "http-level Lua bundle does not reach stream servers",
    rule: "stream-lua",
    files: {
      "nginx.conf": lines(
        "load_module modules/ngx_http_lua_module.so;",
        "load_module modules/ngx_stream_lua_module.so;",
        "events { }",
        `http { ${LUA} server { listen 80; } }`,
        "stream { server { listen 1; } server { listen 2; } }",
      ),
    },
    expect: [],
  },
  {
    // No stream server: the stream level is never merged.
    name: "stream level without servers: nothing",
    rule: "stream-lua",
    files: { "nginx.conf": luaStream(`    ${LUA}`) },
    expect: [],
  },
];

// ---- proxy / grpc / uwsgi ----------------------------------------------------------------------------------

const H = "proxy_pass https://127.0.0.1:9;";
/** nginx.conf with proxy_ssl_trusted_certificate (line 3) + proxy_ssl_verify on (line 4) at http; body from 5. */
function proxyHttp(...body: string[]): string {
  return lines(
    "events { }",
    "http {",
    "    proxy_ssl_trusted_certificate ca.pem;",
    "    proxy_ssl_verify on;",
    ...body,
    "}",
  );
}
const OLD = KNOWN; // nginx 1.22.1
const NEW = NGINX_124;

/** Each proxy configuration, with its count before 1.23.1 and from 1.23.1 (given as full expectations). */
const PROXY_CASES: Case[] = [];
function proxyCase(
  name: string,
  files: Record<string, string>,
  old: Omit<Expected, "code">[],
  current: Omit<Expected, "code">[],
): void {
  PROXY_CASES.push({
    name: `${name} — nginx 1.22.1`,
    rule: "proxy",
    options: OLD,
    files,
    expect: old.map((e) => ({ ...e, code: "per-location" })),
  });
  PROXY_CASES.push({
    name: `${name} — nginx 1.24.0`,
    rule: "proxy",
    options: NEW,
    files,
    expect: current.map((e) => ({ ...e, code: "per-level" })),
  });
}

// < 1.23.1: /a /b /c /d = 4. ≥ 1.23.1: no block below http sets proxy_ssl_*: one shared object → a hint.
proxyCase(
  "https proxy_pass in four locations, verify at http",
  {
    "nginx.conf": proxyHttp(
      `    server { listen 1; location /a { ${H} } location /b { ${H} } location /c { ${H} } location /d { ${H} } }`,
    ),
  },
  [{ at: "nginx.conf:3", contexts: 4, total: 4 }],
  [{ at: "nginx.conf:3", contexts: 1, total: 1, severity: "hint" }],
);
// < 1.23.1: /a /b /c = 3. ≥ 1.23.1: /b sets proxy_ssl_verify_depth → own; /a and /c (proxy_ssl_server_name is
// not one of the directives ngx_http_proxy_merge_ssl checks) share → 2, both with http's bundle.
proxyCase(
  "one location sets proxy_ssl_verify_depth, another only proxy_ssl_server_name",
  {
    "nginx.conf": proxyHttp(
      "    server { listen 1;",
      `        location /a { ${H} }`,
      `        location /b { proxy_ssl_verify_depth 2; ${H} }`,
      `        location /c { proxy_ssl_server_name on; ${H} }`,
      "    }",
    ),
  },
  [{ at: "nginx.conf:3", contexts: 3, total: 3 }],
  [{ at: "nginx.conf:3", contexts: 2, total: 2 }],
);
// < 1.23.1: /a /b /c = 3. ≥ 1.23.1: server 1 sets proxy_ssl_verify_depth → its object (used by /a, /b);
// server 2 sets nothing → the shared one (/c). 2.
proxyCase(
  "server level setter in one of two servers",
  {
    "nginx.conf": proxyHttp(
      `    server { listen 1; proxy_ssl_verify_depth 3; location /a { ${H} } location /b { ${H} } }`,
      `    server { listen 2; location /c { ${H} } }`,
    ),
  },
  [{ at: "nginx.conf:3", contexts: 3, total: 3 }],
  [{ at: "nginx.conf:3", contexts: 2, total: 2 }],
);
// http:// without variables never sets the ssl flag: no context at all.
proxyCase(
  "proxy_pass http:// loads nothing",
  {
    "nginx.conf": proxyHttp(
      "    server { listen 1; location /a { proxy_pass http://127.0.0.1:9; } location /b { proxy_pass http://127.0.0.1:9; } }",
    ),
  },
  [],
  [],
);
// Any variable sets the ssl flag (release-1.23.0 l.4154/4167): /a (https://$host), /b (http://$host),
// /d ($scheme://…) = 3; /c (plain http://) none. ≥ 1.23.1: one shared object (a hint).
proxyCase(
  "proxy_pass with variables counts, whatever the scheme",
  {
    "nginx.conf": proxyHttp(
      "    server { listen 1;",
      "        location /a { proxy_pass https://$host; }",
      "        location /b { proxy_pass http://$host; }",
      "        location /c { proxy_pass http://127.0.0.1:9; }",
      "        location /d { proxy_pass $scheme://127.0.0.1:9; }",
      "    }",
    ),
  },
  [{ at: "nginx.conf:3", contexts: 3, total: 3 }],
  [{ at: "nginx.conf:3", contexts: 1, total: 1, severity: "hint" }],
);
// < 1.23.1: /a, /b load (2); /c has proxy_ssl_verify off: a context without the bundle. ≥ 1.23.1: /c sets
// proxy_ssl_verify → own object, no bundle; /a, /b share one that loads it → 1, a hint.
proxyCase(
  "proxy_ssl_verify off in one location",
  {
    "nginx.conf": proxyHttp(
      `    server { listen 1; location /a { ${H} } location /b { ${H} } location /c { proxy_ssl_verify off; ${H} } }`,
    ),
  },
  [{ at: "nginx.conf:3", contexts: 2, total: 2 }],
  [{ at: "nginx.conf:3", contexts: 1, total: 1, severity: "hint" }],
);
// < 1.23.1: /a 1 (its if and limit_except copy /a's object); /b 1 + its if with its own https pass 1 = 2.
// Total 3. ≥ 1.23.1: nothing below http sets proxy_ssl_*: one shared object (a hint).
proxyCase(
  "if and limit_except inside https locations",
  {
    "nginx.conf": proxyHttp(
      "    server { listen 1;",
      `        location /a { ${H} if ($x) { return 404; } limit_except GET { deny all; } }`,
      `        location /b { ${H} if ($y) { proxy_pass https://127.0.0.1:10; } }`,
      "    }",
    ),
  },
  [{ at: "nginx.conf:3", contexts: 3, total: 3 }],
  [{ at: "nginx.conf:3", contexts: 1, total: 1, severity: "hint" }],
);
// A limit_except with its own https proxy_pass gets its own context (/c has no pass itself): 1 + /d 1 = 2.
proxyCase(
  "limit_except with its own https proxy_pass",
  {
    "nginx.conf": proxyHttp(
      "    server { listen 1;",
      "        location /c { limit_except GET { proxy_pass https://127.0.0.1:11; } }",
      `        location /d { ${H} }`,
      "    }",
    ),
  },
  [{ at: "nginx.conf:3", contexts: 2, total: 2 }],
  [{ at: "nginx.conf:3", contexts: 1, total: 1, severity: "hint" }],
);
// proxy_pass is not inherited by nested locations: /a and /a/b have their own (2); /a/c has none.
proxyCase(
  "nested locations",
  {
    "nginx.conf": proxyHttp(`    server { listen 1; location /a { ${H} location /a/b { ${H} } location /a/c { } } }`),
  },
  [{ at: "nginx.conf:3", contexts: 2, total: 2 }],
  [{ at: "nginx.conf:3", contexts: 1, total: 1, severity: "hint" }],
);
// Named @up, regex and an upstream-block target: 3.
proxyCase(
  "named and regex locations, https to an upstream block",
  {
    "nginx.conf": proxyHttp(
      "    upstream up { server 127.0.0.1:9; }",
      "    server { listen 1;",
      `        location / { try_files $uri @up; } location @up { ${H} }`,
      `        location ~ \\.php$ { ${H} } location /u { proxy_pass https://up; }`,
      "    }",
    ),
  },
  [{ at: "nginx.conf:3", contexts: 3, total: 3 }],
  [{ at: "nginx.conf:3", contexts: 1, total: 1, severity: "hint" }],
);
// Globs at every level: a.conf's server → loc.d/1.conf /1, loc.d/2.conf /2 and its inner.d /2/x; b.conf /b. 4.
proxyCase(
  "include globs at http, server and location level",
  {
    "nginx.conf": lines("events { }", "http {", "    include conf.d/*.conf;", "}"),
    "conf.d/00-tls.conf": lines("proxy_ssl_trusted_certificate ca.pem;", "proxy_ssl_verify on;"),
    "conf.d/a.conf": lines("server { listen 1; include loc.d/*.conf; }"),
    "conf.d/b.conf": lines(`server { listen 2; location /b { ${H} } }`),
    "loc.d/1.conf": lines(`location /1 { ${H} }`),
    "loc.d/2.conf": lines("location /2 {", `    ${H}`, "    include inner.d/*.conf;", "}"),
    "inner.d/x.conf": lines(`location /2/x { ${H} }`),
  },
  [{ at: "conf.d/00-tls.conf:1", contexts: 4, total: 4 }],
  [{ at: "conf.d/00-tls.conf:1", contexts: 1, total: 1, severity: "hint" }],
);
// 2 servers × 2 https locations of the shared file = 4.
proxyCase(
  "a locations file included by two servers",
  {
    "nginx.conf": proxyHttp(
      "    server { listen 1; include locations.conf; }",
      "    server { listen 2; include locations.conf; }",
    ),
    "locations.conf": lines(`location / { ${H} }`, `location /x { ${H} }`),
  },
  [{ at: "nginx.conf:3", contexts: 4, total: 4 }],
  [{ at: "nginx.conf:3", contexts: 1, total: 1, severity: "hint" }],
);
// < 1.23.1: http's: /a, /c = 2; /b's own (line 7): /b + /b/c = 2 (verify on is inherited). Total 4.
// ≥ 1.23.1: /b sets proxy_ssl_trusted_certificate → own object (/b/c reuses it): 1 load of other.pem; the
// shared object (/a, /c): 1 load of ca.pem. Two hints, total 2.
proxyCase(
  "set at http and again in one location: split counts",
  {
    "nginx.conf": proxyHttp(
      "    server { listen 1;", // 5
      `        location /a { ${H} }`, // 6
      `        location /b { proxy_ssl_trusted_certificate other.pem; ${H} location /b/c { ${H} } }`, // 7
      `        location /c { ${H} }`, // 8
      "    }", // 9
    ),
  },
  [
    { at: "nginx.conf:3", contexts: 2, total: 4 },
    { at: "nginx.conf:7", contexts: 2, total: 4 },
  ],
  [
    { at: "nginx.conf:3", contexts: 1, total: 2, severity: "hint" },
    { at: "nginx.conf:7", contexts: 1, total: 2, severity: "hint" },
  ],
);
// Only the trusted certificate at http, verify on in /a and /b: they load (2), /c has a context without it.
proxyCase(
  "proxy_ssl_verify on per location, bundle at http",
  {
    "nginx.conf": lines(
      "events { }",
      "http {",
      "    proxy_ssl_trusted_certificate ca.pem;",
      "    server { listen 1;",
      `        location /a { proxy_ssl_verify on; ${H} } location /b { proxy_ssl_verify on; ${H} }`,
      `        location /c { ${H} }`,
      "    }",
      "}",
    ),
  },
  [{ at: "nginx.conf:3", contexts: 2, total: 2 }],
  // ≥ 1.23.1: /a and /b each set proxy_ssl_verify → own objects, each loading ca.pem (2); /c the shared, no bundle.
  [{ at: "nginx.conf:3", contexts: 2, total: 2 }],
);
// proxy_ssl_verify is off by default: proxy_ssl_trusted_certificate alone loads nothing.
proxyCase(
  "proxy_ssl_verify off (the default): no load",
  {
    "nginx.conf": lines(
      "events { }",
      "http {",
      "    proxy_ssl_trusted_certificate ca.pem;",
      `    server { listen 1; location /a { ${H} } location /b { ${H} } }`,
      "}",
    ),
  },
  [],
  [],
);
// grpcs:// /a, /b, /d = 3; grpc:// /c none.
proxyCase(
  "grpc_pass grpcs://",
  {
    "nginx.conf": lines(
      "events { }",
      "http {",
      "    grpc_ssl_trusted_certificate ca.pem;",
      "    grpc_ssl_verify on;",
      "    server { listen 1;",
      "        location /a { grpc_pass grpcs://127.0.0.1:9; } location /b { grpc_pass grpcs://127.0.0.1:9; }",
      "        location /c { grpc_pass grpc://127.0.0.1:9; } location /d { grpc_pass grpcs://127.0.0.1:9; }",
      "    }",
      "}",
    ),
  },
  [{ at: "nginx.conf:3", contexts: 3, total: 3, module: "grpc" }],
  [{ at: "nginx.conf:3", contexts: 1, total: 1, severity: "hint", module: "grpc" }],
);
// uwsgi: suwsgi:// /a, /c = 2; plain /b none.
proxyCase(
  "uwsgi_pass suwsgi://",
  {
    "nginx.conf": lines(
      "events { }",
      "http {",
      "    uwsgi_ssl_trusted_certificate ca.pem;",
      "    uwsgi_ssl_verify on;",
      "    server { listen 1;",
      "        location /a { uwsgi_pass suwsgi://127.0.0.1:9; } location /b { uwsgi_pass 127.0.0.1:9; }",
      "        location /c { uwsgi_pass suwsgi://127.0.0.1:9; }",
      "    }",
      "}",
    ),
  },
  [{ at: "nginx.conf:3", contexts: 2, total: 2, module: "uwsgi" }],
  [{ at: "nginx.conf:3", contexts: 1, total: 1, severity: "hint", module: "uwsgi" }],
);
// proxy and grpc in one configuration: separate SSL objects; the rule's total counts both modules (2 + 2).
proxyCase(
  "proxy and grpc together",
  {
    "nginx.conf": lines(
      "events { }",
      "http {",
      "    proxy_ssl_trusted_certificate ca.pem; proxy_ssl_verify on;",
      "    grpc_ssl_trusted_certificate ca.pem; grpc_ssl_verify on;",
      `    server { listen 1; location /a { ${H} } location /b { ${H} }`,
      "        location /g { grpc_pass grpcs://127.0.0.1:9; } location /h { grpc_pass grpcs://127.0.0.1:9; } }",
      "}",
    ),
  },
  [
    { at: "nginx.conf:3", contexts: 2, total: 4, module: "proxy" },
    { at: "nginx.conf:4", contexts: 2, total: 4, module: "grpc" },
  ],
  [
    { at: "nginx.conf:3", contexts: 1, total: 2, severity: "hint", module: "proxy" },
    { at: "nginx.conf:4", contexts: 1, total: 2, severity: "hint", module: "grpc" },
  ],
);

describe("proxy-ssl-per-location: stream proxy_ssl", function () {
  // semantics.md §4: the 1.23.1 change "applies to proxy, grpc, uwsgi and stream proxy". Before it,
  // ngx_stream_proxy_merge_srv_conf calls ngx_stream_proxy_set_ssl for every stream server whose (merged)
  // `proxy_ssl` is on: a new SSL_CTX each, loading proxy_ssl_trusted_certificate when proxy_ssl_verify is on.
  // The stream level is not merged. 3 stream servers → 3 contexts; from 1.23.1 one shared → a hint.
  const files = {
    "nginx.conf": lines(
      "events { }",
      "stream {",
      "    proxy_ssl on;",
      "    proxy_ssl_verify on;",
      "    proxy_ssl_trusted_certificate ca.pem;",
      "    server { listen 1; proxy_pass 127.0.0.1:9; }",
      "    server { listen 2; proxy_pass 127.0.0.1:9; }",
      "    server { listen 3; proxy_pass 127.0.0.1:9; }",
      "}",
    ),
  };
  it("nginx 1.22.1: one context per stream server", function () {
    // Only position and counts: the rule's docs name no `module`/`code` for stream proxy.
    assert.deepEqual(
      run("proxy", files, OLD).map((f) => [summary(f).at, f.data?.contexts, f.data?.totalContexts]),
      [["nginx.conf:5", 3, 3]],
    );
  });
  it("nginx 1.24.0: shared, one context (a hint)", function () {
    assert.deepEqual(
      run("proxy", files, NEW).map((f) => [summary(f).at, f.data?.contexts, f.data?.totalContexts, f.severity]),
      [["nginx.conf:5", 1, 1, "hint"]],
    );
  });
});

// ---- server side ---------------------------------------------------------------------------------------------

const CERT = "ssl_certificate c.pem; ssl_certificate_key k.pem;";
const TLS1 = `    server { listen 443 ssl; server_name a; ${CERT} }`;
const TLS2 = `    server { listen 443 ssl; server_name b; ${CERT} }`;
const TLS3 = `    server { listen 443 ssl; server_name c; ${CERT} }`;
const PLAIN = "    server { listen 80; server_name d; }";

const SERVER_CASES: Case[] = [
  {
    // 3 servers with a certificate get an SSL_CTX each and load the trusted bundle; the plain one has none.
    name: "ssl_trusted_certificate at http: 3 TLS servers and 1 plain → 3",
    rule: "server",
    files: {
      "nginx.conf": lines("events { }", "http {", "    ssl_trusted_certificate ca.pem;", TLS1, TLS2, TLS3, PLAIN, "}"),
    },
    expect: [{ at: "nginx.conf:3", contexts: 3, total: 3, code: "per-server-ssl-trusted-certificate" }],
  },
  {
    // ssl_verify_client on at http: the client CA list is loaded into each of the 3 TLS servers.
    name: "ssl_client_certificate with ssl_verify_client on → 3",
    rule: "server",
    files: {
      "nginx.conf": lines(
        "events { }",
        "http {",
        "    ssl_client_certificate ca.pem;",
        "    ssl_verify_client on;",
        TLS1,
        TLS2,
        TLS3,
        PLAIN,
        "}",
      ),
    },
    expect: [{ at: "nginx.conf:3", contexts: 3, total: 3, code: "per-server-ssl-client-certificate" }],
  },
  {
    // ssl_verify_client is off by default: ngx_ssl_client_certificate is not called.
    name: "ssl_client_certificate without ssl_verify_client → nothing",
    rule: "server",
    files: {
      "nginx.conf": lines("events { }", "http {", "    ssl_client_certificate ca.pem;", TLS1, TLS2, TLS3, "}"),
    },
    expect: [],
  },
  {
    // optional (a) and optional_no_ca (b) load it; c (off) does not → 2.
    name: "ssl_verify_client optional / optional_no_ca in two of three servers → 2",
    rule: "server",
    files: {
      "nginx.conf": lines(
        "events { }",
        "http {",
        "    ssl_client_certificate ca.pem;",
        `    server { listen 443 ssl; server_name a; ${CERT} ssl_verify_client optional; }`,
        `    server { listen 443 ssl; server_name b; ${CERT} ssl_verify_client optional_no_ca; }`,
        TLS3,
        "}",
      ),
    },
    expect: [{ at: "nginx.conf:3", contexts: 2, total: 2, code: "per-server-ssl-client-certificate" }],
  },
  {
    // ssl_certificate at http is inherited by all four servers, the one listening without ssl too (the
    // merged ssl_certificate is what counts) → 4.
    name: "ssl_certificate at http: every server has a context, plain ones too → 4",
    rule: "server",
    files: {
      "nginx.conf": lines(
        "events { }",
        "http {",
        "    ssl_trusted_certificate ca.pem;",
        `    ${CERT}`,
        "    server { listen 443 ssl; server_name a; }",
        "    server { listen 443 ssl; server_name b; }",
        "    server { listen 443 ssl; server_name c; }",
        PLAIN,
        "}",
      ),
    },
    expect: [{ at: "nginx.conf:3", contexts: 4, total: 4, code: "per-server-ssl-trusted-certificate" }],
  },
  {
    // ssl_reject_handshake on: a context without a certificate, and the bundle goes in: 1 + 2 TLS = 3.
    name: "ssl_reject_handshake on counts as a TLS server",
    rule: "server",
    files: {
      "nginx.conf": lines(
        "events { }",
        "http {",
        "    ssl_trusted_certificate ca.pem;",
        "    server { listen 443 ssl default_server; ssl_reject_handshake on; }",
        TLS1,
        TLS2,
        "}",
      ),
    },
    expect: [{ at: "nginx.conf:3", contexts: 3, total: 3, code: "per-server-ssl-trusted-certificate" }],
  },
  {
    // Both lists go into the same 3 contexts: 3 loads each; total = 3 + 3 (docs/cli.md: the sum of contexts).
    name: "client and trusted certificates together: two findings",
    rule: "server",
    files: {
      "nginx.conf": lines(
        "events { }",
        "http {",
        "    ssl_client_certificate ca.pem;",
        "    ssl_verify_client on;",
        "    ssl_trusted_certificate other.pem;",
        TLS1,
        TLS2,
        TLS3,
        "}",
      ),
    },
    expect: [
      { at: "nginx.conf:3", contexts: 3, total: 6, code: "per-server-ssl-client-certificate" },
      { at: "nginx.conf:5", contexts: 3, total: 6, code: "per-server-ssl-trusted-certificate" },
    ],
  },
  {
    // One per server, each set in the server itself: 1 context per place → two hints, total 2.
    name: "set in each server: a hint each",
    rule: "server",
    files: {
      "nginx.conf": lines(
        "events { }",
        "http {",
        `    server { listen 443 ssl; server_name a; ${CERT} ssl_trusted_certificate ca.pem; }`,
        `    server { listen 443 ssl; server_name b; ${CERT} ssl_trusted_certificate ca.pem; }`,
        "}",
      ),
    },
    expect: [
      { at: "nginx.conf:3", contexts: 1, total: 2, code: "per-server-ssl-trusted-certificate", severity: "hint" },
      { at: "nginx.conf:4", contexts: 1, total: 2, code: "per-server-ssl-trusted-certificate", severity: "hint" },
    ],
  },
  {
    // Servers from a glob (2) and a site file included twice (2 servers) = 4; the directive in an included file.
    name: "includes: glob of sites and a file included twice",
    rule: "server",
    files: {
      "nginx.conf": lines(
        "events { }",
        "http {",
        "    include tls.conf;",
        "    include sites/*.conf;",
        "    include twice.conf;",
        "    include twice.conf;",
        "}",
      ),
      "tls.conf": lines("# CA for upstream OCSP / client checks", "ssl_trusted_certificate ca.pem;"),
      "sites/a.conf": lines(`server { listen 443 ssl; server_name a; ${CERT} }`),
      "sites/b.conf": lines(`server { listen 443 ssl; server_name b; ${CERT} }`, "server { listen 80; }"),
      "twice.conf": lines(`server { listen 443 ssl; server_name t; ${CERT} }`),
    },
    expect: [{ at: "tls.conf:2", contexts: 4, total: 4, code: "per-server-ssl-trusted-certificate" }],
  },
  {
    // stream before 1.27.2 reads ssl_trusted_certificate only with ssl_verify_client (ngx_stream_ssl_merge_conf,
    // inside `if (conf->verify)`; http reads it always): two TLS servers, nothing loaded.
    name: "stream 1.22.1: ssl_trusted_certificate without ssl_verify_client is not read",
    rule: "server",
    files: {
      "nginx.conf": lines(
        "events { }",
        "stream {",
        "    ssl_trusted_certificate ca.pem;",
        `    server { listen 1 ssl; ${CERT} }`,
        `    server { listen 2 ssl; ${CERT} }`,
        "    server { listen 3; }",
        "}",
      ),
    },
    expect: [],
  },
  {
    // From 1.27.2 it is read into every stream SSL_CTX, verification or not: servers 1 and 2 → 2 (the third
    // has no certificate).
    name: "stream 1.27.2: ssl_trusted_certificate is read without ssl_verify_client",
    rule: "server",
    options: { nginxVersion: "1.27.2" },
    files: {
      "nginx.conf": lines(
        "events { }",
        "stream {",
        "    ssl_trusted_certificate ca.pem;",
        `    server { listen 1 ssl; ${CERT} }`,
        `    server { listen 2 ssl; ${CERT} }`,
        "    server { listen 3; }",
        "}",
      ),
    },
    expect: [{ at: "nginx.conf:3", contexts: 2, total: 2, code: "per-server-ssl-trusted-certificate" }],
  },
  {
    // 1.15.0–1.25.4: only a server with its own `listen … ssl` gets an SSL_CTX (servers 1 and 3); server 2
    // inherits the certificate but listens without ssl → 2 (ngx_stream_ssl_merge_conf: `if (!conf->listen)`).
    name: "stream 1.22.1: the inherited certificate without listen … ssl creates no context",
    rule: "server",
    files: { "nginx.conf": streamTls() },
    expect: [{ at: "nginx.conf:3", contexts: 2, total: 2, code: "per-server-ssl-client-certificate" }],
  },
  {
    // Before 1.15.0 the certificate is enough, as in http: all three servers → 3.
    name: "stream 1.14.2: the inherited certificate is enough",
    rule: "server",
    options: { nginxVersion: "1.14.2" },
    files: { "nginx.conf": streamTls() },
    expect: [{ at: "nginx.conf:3", contexts: 3, total: 3, code: "per-server-ssl-client-certificate" }],
  },
  {
    // From 1.25.5 (virtual servers, ngx_stream_ssl_merge_srv_conf) the certificate is enough again → 3.
    name: "stream 1.25.5: the inherited certificate is enough again",
    rule: "server",
    options: { nginxVersion: "1.25.5" },
    files: { "nginx.conf": streamTls() },
    expect: [{ at: "nginx.conf:3", contexts: 3, total: 3, code: "per-server-ssl-client-certificate" }],
  },
  {
    // lua_ssl_trusted_certificate is the stream Lua module's own SSL_CTX (one per server whatever it listens
    // on); the stream-level ssl_* directives do not change it: the same three servers → 3 stream-lua contexts.
    name: "stream-lua beside stream TLS: one context per server, listen … ssl or not",
    rule: "stream-lua",
    files: { "nginx.conf": streamTls(LUA) },
    expect: [{ at: "nginx.conf:5", contexts: 3, total: 3, code: "per-server" }],
  },
  {
    // ... and the server side of the same configuration still counts the listen … ssl servers only → 2.
    name: "stream TLS beside stream-lua: the listen … ssl servers only",
    rule: "server",
    files: { "nginx.conf": streamTls(LUA) },
    expect: [{ at: "nginx.conf:4", contexts: 2, total: 2, code: "per-server-ssl-client-certificate" }],
  },
  {
    // mail from 1.15.0: `starttls on` at mail level gives both servers an SSL_CTX; the third sets
    // `starttls off` and has none; the client list is read into 2 (ngx_mail_ssl_merge_conf).
    name: "mail 1.22.1: starttls at mail level, off in one server",
    rule: "server",
    files: { "nginx.conf": mailTls("starttls on;", "", "", "starttls off;") },
    expect: [{ at: "nginx.conf:3", contexts: 2, total: 2, code: "per-server-ssl-client-certificate" }],
  },
  {
    // `listen … ssl` in one server, `ssl on` in another (inherited is the same), nothing in the third → 2.
    name: "mail 1.22.1: listen … ssl and ssl on",
    rule: "server",
    files: { "nginx.conf": mailTls("", " ssl", "ssl on;", "") },
    expect: [{ at: "nginx.conf:3", contexts: 2, total: 2, code: "per-server-ssl-client-certificate" }],
  },
  {
    // The certificate alone gives a mail server no SSL_CTX from 1.15.0 → nothing loaded, no finding.
    name: "mail 1.22.1: a certificate alone creates no context",
    rule: "server",
    files: { "nginx.conf": mailTls("", "", "", "") },
    expect: [],
  },
  {
    // Before 1.15.0 it does: all three servers → 3.
    name: "mail 1.14.2: a certificate alone creates a context",
    rule: "server",
    options: { nginxVersion: "1.14.2" },
    files: { "nginx.conf": mailTls("", "", "", "") },
    expect: [{ at: "nginx.conf:3", contexts: 3, total: 3, code: "per-server-ssl-client-certificate" }],
  },
  {
    // mail reads ssl_trusted_certificate only with verification, in every version (ngx_mail_ssl_merge_conf):
    // `starttls on` in all three servers, no ssl_verify_client → nothing, even on 1.27.2.
    name: "mail 1.27.2: ssl_trusted_certificate without ssl_verify_client is not read",
    rule: "server",
    options: { nginxVersion: "1.27.2" },
    files: {
      "nginx.conf": lines(
        "events { }",
        "mail {",
        "    ssl_trusted_certificate ca.pem;",
        `    auth_http 127.0.0.1:9/auth; starttls on; ${CERT}`,
        "    server { listen 1; protocol imap; }",
        "    server { listen 2; protocol imap; }",
        "}",
      ),
    },
    expect: [],
  },
];

/**
 * stream: client list at line 3 (4 with `lua`, which is line 5), verification and the certificate at stream
 * level; servers 1 and 3 listen with ssl.
 */
function streamTls(lua?: string): string {
  return lines(
    ...(lua ? ["load_module modules/ngx_stream_lua_module.so;"] : []),
    "events { }",
    "stream {",
    "    ssl_client_certificate ca.pem;",
    ...(lua ? [`    ${lua}`] : []),
    `    ssl_verify_client on; ${CERT}`,
    "    server { listen 1 ssl; }",
    "    server { listen 2; }",
    "    server { listen 3; listen 4 ssl; }",
    "}",
  );
}

/**
 * mail: client list at line 3, verification, the certificate and `level` at mail level; three imap servers,
 * the first listening with `listen1`, the second and third with their own `server2` / `server3` directives.
 */
function mailTls(level: string, listen1: string, server2: string, server3: string): string {
  return lines(
    "events { }",
    "mail {",
    "    ssl_client_certificate ca.pem;",
    `    auth_http 127.0.0.1:9/auth; ssl_verify_client on; ${CERT} ${level}`,
    `    server { listen 1${listen1}; protocol imap; }`,
    `    server { listen 2; protocol imap; ${server2} }`,
    `    server { listen 3; protocol imap; ${server3} }`,
    "}",
  );
}

describe("ssl-bundle-per-server: stream and mail on an unknown nginx version", function () {
  it("says what it assumed where another version would count more servers", function () {
    const f = run("server", { "nginx.conf": streamTls() }, {});
    assert.equal(f.length, 1);
    assert.equal(f[0].data?.contexts, 2);
    const assumed = (f[0].data?.assumptions as string[]).join("\n");
    assert.match(assumed, /nginx version unknown, so 1\.15\.0–1\.25\.4/);
  });
  it("says nothing of it where every server listens with ssl", function () {
    const conf = lines(
      "events { }",
      "stream {",
      "    ssl_client_certificate ca.pem;",
      `    ssl_verify_client on; ${CERT}`,
      "    server { listen 1 ssl; }",
      "    server { listen 2 ssl; }",
      "}",
    );
    const f = run("server", { "nginx.conf": conf }, {});
    assert.equal(f.length, 1);
    assert.equal(f[0].data?.contexts, 2);
    assert.doesNotMatch((f[0].data?.assumptions as string[]).join("\n"), /1\.15\.0–1\.25\.4/);
  });
});

describe("ssl rules: exact findings", function () {
  for (const [group, cases] of [
    ["lua-ssl-per-location", LUA_CASES],
    ["lua-ssl-per-location (OpenResty versions)", OPENRESTY_CASES],
    ["stream-lua-ssl-per-server", STREAM_CASES],
    ["proxy-ssl-per-location", PROXY_CASES],
    ["ssl-bundle-per-server", SERVER_CASES],
  ] as const) {
    describe(group, function () {
      for (const c of cases) it(c.name, () => check(c));
    });
  }

  it("the http-level Lua bundle with stream servers: the http rule counts http blocks only", function () {
    // http: server + / = 2 contexts; the two stream servers are not http location configurations.
    const files = {
      "nginx.conf": lines(
        "load_module modules/ngx_http_lua_module.so;",
        "load_module modules/ngx_stream_lua_module.so;",
        "events { }",
        `http { ${LUA} server { listen 80; location / { } } }`,
        "stream { server { listen 1; } server { listen 2; } }",
      ),
    };
    assert.deepEqual(run("lua", files).map(summary), [
      { at: "nginx.conf:4", contexts: 2, total: 2, code: "per-location", severity: "info", module: "lua" },
    ]);
  });
});

// ---- severity, versions, assumptions, bundles --------------------------------------------------------------

/** `n` location configurations: one server and n − 1 locations, the bundle at http (line 4). */
function luaLocations(n: number, bundle = "/etc/ssl/certs/ca-certificates.crt"): Record<string, string> {
  const locations = Array.from({ length: n - 1 }, (_, i) => `location /l${i} { }`).join(" ");
  return {
    "nginx.conf": lines(
      "load_module modules/ngx_http_lua_module.so;",
      "events { }",
      "http {",
      `    lua_ssl_trusted_certificate ${bundle};`,
      `    server { listen 1; ${locations} }`,
      "}",
    ),
  };
}

describe("ssl rules: severity", function () {
  // The system bundle is not in the in-memory tree: Debian's 219,597 B / 144 certificates are assumed,
  // ≈ 852 KB per context (memory-model.md: 851,705 B measured). Warning when the copies beyond the first
  // cost ≥ 8 MiB (docs/rules/lua-ssl-per-location.md): 9 copies ≈ 7.7 MB < 8 MiB, 10 copies ≈ 8.5 MB ≥ 8 MiB.
  it("10 contexts of Debian's bundle: info; 11: warning", function () {
    const ten = run("lua", luaLocations(10));
    assert.deepEqual(
      ten.map((f) => [f.data?.contexts, f.severity]),
      [[10, "info"]],
    );
    const eleven = run("lua", luaLocations(11));
    assert.deepEqual(
      eleven.map((f) => [f.data?.contexts, f.severity]),
      [[11, "warning"]],
    );
    assert.equal(WARNING_BYTES, 8 * 1024 * 1024);
  });

  it("a memory budget below the reload peak makes it an error; a generous one changes nothing", function () {
    // 3 contexts × ≈ 852 KB ≈ 2.5 MB of configuration; the reload peak holds it twice: > 1 MiB whatever
    // the rest is.
    const small = { ...KNOWN, memoryBudgetBytes: 1024 * 1024 };
    assert.deepEqual(
      run("lua", luaLocations(3), small).map((f) => f.severity),
      ["error"],
    );
    assert.match(run("lua", luaLocations(3), small)[0].message, /\(budget [^)]*\)/);
    const large = { ...KNOWN, memoryBudgetBytes: 64 * 1024 ** 3 };
    assert.deepEqual(
      run("lua", luaLocations(3), large).map((f) => f.severity),
      ["info"],
    );
    assert.deepEqual(
      run("lua", luaLocations(11), large).map((f) => f.severity),
      ["warning"],
    );
    // The server rule follows the same budget.
    const files = {
      "nginx.conf": lines("events { }", "http {", "    ssl_trusted_certificate ca.pem;", TLS1, TLS2, "}"),
    };
    assert.deepEqual(
      run("server", files, small).map((f) => f.severity),
      ["error"],
    );
  });
});

describe("ssl rules: versions and assumptions", function () {
  // One configuration per rule that yields exactly one finding, with a readable bundle (nothing assumed
  // about it): only versions can be assumed.
  const PER_RULE: Record<Rule, Record<string, string>> = {
    lua: {
      "nginx.conf": luaHttp("    server { listen 1; location / { } }"),
    },
    "stream-lua": {
      "nginx.conf": luaStream(`    ${LUA}`, "    server { listen 1; }", "    server { listen 2; }"),
    },
    proxy: {
      "nginx.conf": proxyHttp(`    server { listen 1; location /a { ${H} } location /b { ${H} } }`),
    },
    server: {
      "nginx.conf": lines("events { }", "http {", "    ssl_trusted_certificate ca.pem;", TLS1, TLS2, "}"),
    },
  };

  for (const rule of Object.keys(PER_RULE) as Rule[]) {
    it(`${rule}: every deciding version known → no assumption`, function () {
      const [f] = run(rule, PER_RULE[rule], KNOWN);
      assert.ok(f, "one finding");
      assert.deepEqual(f.data?.assumptions, []);
      assert.doesNotMatch(f.message, /Assumed/);
      assert.equal((f.data?.bundle as { assumed: boolean }).assumed, false);
    });

    // lua: the lua-nginx-module version decides the count. proxy: the nginx version (1.23.1) decides it.
    // stream-lua and server: the count is the same in every version, but the nginx version decides the cost
    // per context (≥ 1.27.2 parses the bundle once, ~13.4 KB per context instead of ~852 KB; semantics.md
    // §4, cost-model.md §4: "when a deciding version is unknown … every message … and data (assumptions)
    // says so"). So every rule must say what it assumed when no version is known.
    it(`${rule}: no version known → assumptions and "Assumed" in the message`, function () {
      const [f] = run(rule, PER_RULE[rule], {});
      assert.ok(f, "one finding (the affected versions are assumed)");
      const assumptions = f.data?.assumptions as string[];
      assert.ok(Array.isArray(assumptions) && assumptions.length > 0, `assumptions: ${JSON.stringify(assumptions)}`);
      assert.match(f.message, /Assumed/);
    });
  }

  it("lua: lua-nginx-module known, nginx unknown → the nginx core (bundle cache from 1.27.2) is assumed", function () {
    const [f] = run("lua", PER_RULE.lua, { luaNginxModuleVersion: "0.10.23" });
    assert.ok(f);
    const assumptions = f.data?.assumptions as string[];
    assert.ok(
      assumptions.some((a) => /nginx/.test(a) && !/lua-nginx-module/.test(a)),
      `assumptions: ${JSON.stringify(assumptions)}`,
    );
  });

  it("OpenResty given: both nginx and lua-nginx-module follow from it, nothing assumed", function () {
    const [f] = run("lua", PER_RULE.lua, { openrestyVersion: "1.21.4.3" });
    assert.deepEqual(f.data?.assumptions, []);
    const versions = f.data?.versions as Record<string, unknown>;
    assert.equal(versions.nginx, "1.21.4");
    assert.equal(versions.luaNginxModule, "0.10.25");
    // OpenResty 1.21.4.3's nginx core is 1.21.4 < 1.23.1: per location for proxy too.
    assert.deepEqual(run("proxy", PER_RULE.proxy, { openrestyVersion: "1.21.4.3" }).map(summary), [
      { at: "nginx.conf:3", contexts: 2, total: 2, code: "per-location", severity: "info", module: "proxy" },
    ]);
    // 1.25.3.1: nginx 1.25.3 ≥ 1.23.1 → shared: one context, a hint.
    assert.deepEqual(run("proxy", PER_RULE.proxy, { openrestyVersion: "1.25.3.1" }).map(summary), [
      { at: "nginx.conf:3", contexts: 1, total: 1, code: "per-level", severity: "hint", module: "proxy" },
    ]);
  });
});

describe("ssl rules: nginx 1.27.2 bundle cache", function () {
  const files = {
    "nginx.conf": lines("events { }", "http {", "    ssl_trusted_certificate ca.pem;", TLS1, TLS2, TLS3, "}"),
  };
  it("≥ 1.27.2: ~13.4 KB per context, the bundle parsed once", function () {
    const [f] = run("server", files, { nginxVersion: "1.27.2" });
    assert.equal(f.data?.contexts, 3, "still one SSL_CTX per TLS server");
    // memory-model.md A: an SSL_CTX without a bundle, 13,405 B; the cached certificates are shared.
    assert.equal(f.data?.bytesPerContext, 13_405);
    assert.equal(f.data?.configTestParses, 1);
  });
  it("1.27.1: the full cost per context, parsed 3 times", function () {
    const [f] = run("server", files, { nginxVersion: "1.27.1" });
    assert.equal(f.data?.contexts, 3);
    // ca.pem: 2 distinct certificates, not a system store → 0.647 × bytes + 4,309 × 2 + 19,203 (memory-model.md A).
    const bytes = Buffer.byteLength(CA_PEM);
    assert.equal(f.data?.bytesPerContext, Math.round(0.647 * bytes + 4_309 * 2 + 19_203));
    assert.equal(f.data?.configTestParses, 3);
  });
  it("the cache applies to the Lua module too (it calls the same nginx function)", function () {
    const [f] = run("lua", luaLocations(4, "ca.pem"), { nginxVersion: "1.27.2", luaNginxModuleVersion: "0.10.25" });
    assert.equal(f.data?.contexts, 4);
    assert.equal(f.data?.bytesPerContext, 13_405);
    assert.equal(f.data?.configTestParses, 1);
  });
});

describe("ssl rules: the bundle as read", function () {
  const SYSTEM = "/etc/ssl/certs/ca-certificates.crt";
  let dir = "";
  afterEach(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it("a bundle of real certificates: its bytes, distinct certificates (a duplicate once), non-system formula", function () {
    if (!fs.existsSync(SYSTEM)) this.skip();
    const pems = fs
      .readFileSync(SYSTEM, "utf8")
      .match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g);
    if (!pems || pems.length < 3) this.skip();
    // Three certificates and the first one again: 4 PEM blocks, 3 distinct.
    const text = [pems[0], pems[1], pems[2], pems[0]].map((p) => (p.endsWith("\n") ? p : p + "\n")).join("");
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-bundle-")));
    const file = path.join(dir, "few.pem");
    fs.writeFileSync(file, text);
    const bytes = Buffer.byteLength(text);
    // Read from disk (no `source` option): the report uses the real file system for bundles.
    const { model } = load(luaLocations(3, file));
    const [f] = luaSslPerLocationFindings(model, { strict: false, ...KNOWN });
    assert.deepEqual(f.data?.bundle, { path: file, bytes, certificates: 3, assumed: false });
    assert.equal(f.data?.contexts, 3);
    // memory-model.md A, general fit: 0.647 × bytes + 4,309 × distinct certificates + 19,203.
    assert.equal(f.data?.bytesPerContext, Math.round(0.647 * bytes + 4_309 * 3 + 19_203));
    assert.deepEqual(f.data?.assumptions, []);
  });

  it("the system bundle read from disk: the system fit (≈ 3.83 × bytes + 11 KB)", function () {
    if (!fs.existsSync(SYSTEM)) this.skip();
    const text = fs.readFileSync(SYSTEM, "utf8");
    const { model } = load(luaLocations(2, SYSTEM));
    const [f] = luaSslPerLocationFindings(model, { strict: false, ...KNOWN });
    const bundle = f.data?.bundle as { bytes: number; certificates: number; assumed: boolean };
    assert.equal(bundle.bytes, Buffer.byteLength(text));
    assert.equal(bundle.assumed, false);
    assert.equal(f.data?.bytesPerContext, Math.round(3.83 * bundle.bytes + 11_000));
  });

  it("an unread system CA store: Debian's 219,597 B / 144 certificates assumed, and said", function () {
    // The in-memory tree has no /etc/pki: RHEL's store path is not read, and it is a system store.
    const store = "/etc/pki/tls/certs/ca-bundle.crt";
    const [f] = run("lua", luaLocations(3, store));
    assert.deepEqual(f.data?.bundle, { path: store, bytes: 219_597, certificates: 144, assumed: true });
    // ≈ 852 KB per context (docs/cost-model.md §2: 851,705 B measured for this bundle), within 1%.
    const per = f.data?.bytesPerContext as number;
    assert.ok(Math.abs(per - 851_705) / 851_705 < 0.01, `bytesPerContext ${per}`);
    assert.equal(per, bundleContextBytes({ bytes: 219_597, certificates: 144, systemLike: true }));
    const assumptions = f.data?.assumptions as string[];
    assert.ok(
      assumptions.some((a) => a.includes(store) && a.includes("system CA store")),
      JSON.stringify(assumptions),
    );
    assert.match(f.message, /Assumed/);
  });

  // A file that is not a system CA store and is not read: its size is not known, so no bytes are invented for
  // it; the count of contexts (known from the configuration) and the parses stay.
  for (const [what, bundle] of [
    ["a private CA file", "/nowhere/ca.pem"],
    ["certbot's chain.pem", "/etc/letsencrypt/live/example.com/chain.pem"],
    ["certbot's fullchain.pem", "/etc/letsencrypt/live/example.com/fullchain.pem"],
    ["a site certificate", "/config/keys/cert.crt"],
  ]) {
    it(`an unread ${what}: size unknown, no bytes; the contexts and parses still counted`, function () {
      const [f] = run("lua", luaLocations(3, bundle));
      assert.deepEqual(f.data?.bundle, {
        path: bundle,
        bytes: null,
        certificates: null,
        assumed: false,
        unknown: "not found",
      });
      assert.equal(f.data?.contexts, 3);
      assert.equal(f.data?.parses, 3);
      for (const k of ["bytesPerContext", "formula", "estimatedBytes", "reloadPeakBytes", "instancePeakBytes"])
        assert.equal(f.data?.[k], null, k);
      assert.match(f.message, new RegExp(`the size of ${bundle.replace(/[.]/g, "\\.")} is unknown \\(not found\\)`));
      assert.match(f.message, /parses it 3 times/);
      // No byte figure anywhere in the message, and nothing "assumed" about the file.
      assert.doesNotMatch(f.message, /[KMG]iB|\d B\b/);
      assert.ok(!(f.data?.assumptions as string[]).some((a) => a.includes(bundle)));
      // 3 contexts cost at least 3 empty SSL_CTXs, far below the warning: a note, not a warning.
      assert.equal(f.severity, "info");
    });
  }

  it("an unknown size is judged by what is certain: a warning from ~626 contexts (empty SSL_CTXs ≥ 8 MiB)", function () {
    // Each context costs at least an empty SSL_CTX (13,405 B): (n − 1) × 13,405 ≥ 8 MiB from n = 627.
    const atLeast = Math.ceil(WARNING_BYTES / MEASURED.emptySslContext) + 1;
    assert.equal(run("lua", luaLocations(atLeast - 1, "/nowhere/ca.pem"))[0].severity, "info");
    assert.equal(run("lua", luaLocations(atLeast, "/nowhere/ca.pem"))[0].severity, "warning");
  });

  it("the configured assumedBundle replaces Debian's for an unread system CA store, never for another file", function () {
    const options = { ...KNOWN, assumedBundle: { bytes: 100_000, certificates: 50 } };
    const [store] = run("lua", luaLocations(3, "/etc/ssl/cert.pem"), options);
    const bundle = store.data?.bundle as { bytes: number; certificates: number; assumed: boolean };
    assert.deepEqual([bundle.bytes, bundle.certificates, bundle.assumed], [100_000, 50, true]);
    const [other] = run("lua", luaLocations(3, "/nowhere/ca.pem"), options);
    assert.deepEqual((other.data?.bundle as { bytes: null }).bytes, null);
  });

  it("the empty-context constant is the measured one", function () {
    assert.equal(MEASURED.emptySslContext, 13_405);
  });
});

describe("ssl rules: wording that is true", function () {
  // A snippet included by every server (the linuxserver/swag layout: ssl.conf in each server block): nginx
  // reads it once per include (one site per instance), and each server sets the bundle itself.
  const SNIPPET = {
    "nginx.conf": lines(
      "events { }",
      "http {",
      "    server { listen 443 ssl; server_name a; include ssl.conf; location / { } }",
      "    server { listen 443 ssl; server_name b; include ssl.conf; }",
      "    server { listen 443 ssl; server_name c; include ssl.conf; }",
      "}",
    ),
    "ssl.conf": lines(CERT, "ssl_trusted_certificate ca.pem;"),
  };

  it("a directive in a snippet each server includes: 'set in ssl.conf, included by 3 servers', never 'inherited from'", function () {
    const [f] = run("server", SNIPPET);
    assert.equal(f.data?.contexts, 3);
    assert.equal(path.relative(P, f.path), "ssl.conf");
    assert.match(f.message, /\(set in ssl\.conf, included by 3 servers\)/);
    // Each server's related location says it sets the bundle itself, through its own include.
    const servers = (f.related ?? []).filter((r) => r.message.startsWith("server "));
    assert.deepEqual(
      servers.map((r) => r.message),
      ["a", "b", "c"].map(
        (n, i) =>
          `server ${n}: own SSL context, parses the bundle (set in it through the include at nginx.conf:${3 + i})`,
      ),
    );
    assert.ok(!(f.related ?? []).some((r) => r.message.includes("inherited")), JSON.stringify(f.related));
  });

  it("inherited from an enclosing block: said for the blocks that inherit it, from the instance that applies", function () {
    // lua ≤ 0.10.25: each server and its location get a context; the location inherits its own server's instance.
    const files = {
      "nginx.conf": lines(
        "load_module modules/ngx_http_lua_module.so;",
        "events { }",
        "http {",
        "    server { listen 1; server_name a; include lua.conf; location /x { } }",
        "    server { listen 2; server_name b; include lua.conf; location /y { } }",
        "}",
      ),
      "lua.conf": lines("lua_ssl_trusted_certificate ca.pem;"),
    };
    const [f] = run("lua", files);
    assert.equal(f.data?.contexts, 4);
    assert.match(f.message, /\(set in lua\.conf, included by 2 servers\)/);
    assert.deepEqual(
      (f.related ?? []).slice(1).map((r) => r.message),
      [
        "server a: own SSL context, parses the bundle (set in it through the include at nginx.conf:4)",
        "location /x: own SSL context, parses the bundle (inherited from server a)",
        "server b: own SSL context, parses the bundle (set in it through the include at nginx.conf:5)",
        "location /y: own SSL context, parses the bundle (inherited from server b)",
      ],
    );
  });

  it("a directive read once says nothing of includes", function () {
    const [f] = run("server", {
      "nginx.conf": lines("events { }", "http {", "    ssl_trusted_certificate ca.pem;", TLS1, TLS2, "}"),
    });
    assert.doesNotMatch(f.message, /included by/);
    assert.match(f.message, /one per server with TLS that sets or inherits it:/);
  });

  it("'parses it N times' is each finding's own count, not the configuration's total", function () {
    // Two findings: the lua bundle at http (1 server + 2 locations = 3 contexts, 3 parses) and the server's
    // client bundle with verification (1 server, read twice: store + CA names = 2 parses). The
    // configuration parses bundles 5 times in all.
    const files = {
      "nginx.conf": lines(
        "load_module modules/ngx_http_lua_module.so;",
        "events { }",
        "http {",
        "    lua_ssl_trusted_certificate ca.pem;",
        `    server { listen 443 ssl; ${CERT} ssl_client_certificate other.pem; ssl_verify_client on;`,
        "        location /a { } location /b { } }",
        "}",
      ),
    };
    const { model, source } = load(files);
    const options = { strict: false, source, ...KNOWN };
    const [lua] = luaSslPerLocationFindings(model, options);
    const [server] = sslBundlePerServerFindings(model, options);
    assert.deepEqual([lua.data?.parses, server.data?.parses], [3, 2]);
    assert.deepEqual([lua.data?.configTestParses, server.data?.configTestParses], [5, 5]);
    assert.match(lua.message, /parses it 3 times/);
    assert.match(server.message, /parses it 2 times/);
    assert.doesNotMatch(lua.message + server.message, /parses it 5 times/);
  });
});
