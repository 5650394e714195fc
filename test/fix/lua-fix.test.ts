// The lua-ssl-per-location and proxy-ssl-per-location quick-fixes, text by text: for each configuration the
// exact files after the fix (indentation, tabs, CRLF, comments, included files, nested locations, `if`),
// the counts it promises, and the cases where it must not be offered.
//
// Which blocks need the bundle is worked out by hand from the module sources (fix/lua-ssl-per-location.ts
// cites them): Lua code runs with the configuration of the location it is written in; rewrite/access/log/
// filter handlers are inherited by nested blocks; an `if` runs its location's content handler; timers copy
// the request's configuration; ssl_certificate_by_lua runs with the server's own configuration.

import { strict as assert } from "assert";
import { buildModel } from "../../server/src/model";
import { fixesFor, type Fix } from "../../server/src/fix";
import { editedTexts } from "../../server/src/fix/verify";
import { runChecks } from "../../server/src/rules";
import type { RuleOptions } from "../../server/src/rules/types";
import { loadConfiguration, type Configuration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";

const CA = "/p/ca.pem";
/** Two (fake) certificates: a readable bundle, so nothing is assumed. */
const CA_PEM =
  "-----BEGIN CERTIFICATE-----\nQUFBQUFBQUFBQUFBQUFBQQ==\n-----END CERTIFICATE-----\n" +
  "-----BEGIN CERTIFICATE-----\nQkJCQkJCQkJCQkJCQkJCQg==\n-----END CERTIFICATE-----\n";

interface Setup {
  config: Configuration;
  fixes: Fix[];
  options: RuleOptions;
}

function setup(files: Record<string, string>, versions: Partial<RuleOptions> = {}): Setup {
  const source = new MemoryFileSource({ [CA]: CA_PEM, ...files });
  const options: RuleOptions = {
    strict: false,
    nginxVersion: "1.22.1",
    luaNginxModuleVersion: "0.10.23",
    source,
    ...versions,
  };
  const config = loadConfiguration("/p/nginx.conf", { source });
  const model = buildModel(config);
  const findings = runChecks(config, options, model);
  return { config, fixes: fixesFor(config, findings, options, model), options };
}

function moveFix(s: Setup, rule = "lua-ssl-per-location"): Fix {
  const f = s.fixes.filter((x) => x.finding.ruleId === rule && x.edits.length > 0);
  assert.equal(f.length, 1, `one edit fix for ${rule}: ${s.fixes.map((x) => x.title).join(" | ")}`);
  return f[0];
}

function after(s: Setup, fix: Fix): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [p, t] of editedTexts(s.config, fix.edits)) out[p] = t;
  return out;
}

/** The same analysis over the fixed texts: the rule's context count for the moved directive. */
function contextsAfter(s: Setup, fix: Fix, rule = "lua-ssl-per-location"): number {
  const files: Record<string, string> = {};
  for (const [p, parsed] of s.config.files) files[p] = parsed.text;
  Object.assign(files, after(s, fix));
  const re = setup(files, {
    nginxVersion: s.options.nginxVersion,
    luaNginxModuleVersion: s.options.luaNginxModuleVersion,
  });
  const findings = runChecks(re.config, re.options).filter((f) => f.ruleId === rule);
  return findings.reduce((n, f) => n + (f.data?.contexts as number), 0);
}

const HEAD = "load_module modules/ngx_http_lua_module.so;\nevents {}\n";

describe("quick-fix: move lua_ssl_trusted_certificate into the blocks that run Lua code", () => {
  it("moves it (with lua_ssl_verify_depth and lua_ssl_crl) into each location running Lua, tabs kept", () => {
    const s = setup({
      "/p/nginx.conf":
        HEAD +
        "http {\n" +
        "\tlua_ssl_trusted_certificate ca.pem;\n" +
        "\tlua_ssl_verify_depth 3;\n" +
        "\tlua_ssl_crl crl.pem;\n" +
        "\tlua_ssl_protocols TLSv1.2;\n" +
        "\tserver {\n" +
        "\t\tlisten 8080;\n" +
        "\t\tlocation / {\n" +
        "\t\t\troot /srv;\n" +
        "\t\t}\n" +
        "\t\tlocation /api {\n" +
        "\t\t\tcontent_by_lua_block {\n" +
        "\t\t\t\tngx.say('hi')\n" +
        "\t\t\t}\n" +
        "\t\t}\n" +
        "\t\tlocation /static {\n" +
        "\t\t\tlocation /static/auth {\n" +
        "\t\t\t\taccess_by_lua_file auth.lua;\n" +
        "\t\t\t}\n" +
        "\t\t}\n" +
        "\t\tlocation /cond {\n" +
        "\t\t\tif ($arg_x) {\n" +
        "\t\t\t\trewrite_by_lua 'ngx.exit(403)';\n" +
        "\t\t\t}\n" +
        "\t\t\treturn 204;\n" +
        "\t\t}\n" +
        "\t}\n" +
        "}\n",
    });
    const fix = moveFix(s);
    // server + 5 locations (one nested) + the `if` = 7 location configurations inherit the bundle.
    assert.equal(fix.effect?.before, 7);
    // /api, /static/auth, /cond (the `if` cannot hold lua_ssl_*: its location does) and the `if` inside it.
    assert.equal(fix.effect?.after, 4);
    assert.deepEqual(fix.effect?.targets, ["location /api", "location /static/auth", "location /cond"]);
    assert.equal(fix.isPreferred, true);
    assert.equal(fix.caution, undefined);
    assert.match(
      fix.title,
      /^Move lua_ssl_trusted_certificate \(with lua_ssl_verify_depth, lua_ssl_crl\) into the 3 locations that run Lua code: 7 → 4 SSL contexts/,
    );
    const moved = "lua_ssl_trusted_certificate ca.pem;\n\t\t\tlua_ssl_verify_depth 3;\n\t\t\tlua_ssl_crl crl.pem;\n";
    assert.equal(
      after(s, fix)["/p/nginx.conf"],
      HEAD +
        "http {\n" +
        "\tlua_ssl_protocols TLSv1.2;\n" +
        "\tserver {\n" +
        "\t\tlisten 8080;\n" +
        "\t\tlocation / {\n" +
        "\t\t\troot /srv;\n" +
        "\t\t}\n" +
        "\t\tlocation /api {\n" +
        "\t\t\t" +
        moved +
        "\t\t\tcontent_by_lua_block {\n" +
        "\t\t\t\tngx.say('hi')\n" +
        "\t\t\t}\n" +
        "\t\t}\n" +
        "\t\tlocation /static {\n" +
        "\t\t\tlocation /static/auth {\n" +
        "\t\t\t\tlua_ssl_trusted_certificate ca.pem;\n\t\t\t\tlua_ssl_verify_depth 3;\n\t\t\t\tlua_ssl_crl crl.pem;\n" +
        "\t\t\t\taccess_by_lua_file auth.lua;\n" +
        "\t\t\t}\n" +
        "\t\t}\n" +
        "\t\tlocation /cond {\n" +
        "\t\t\t" +
        moved +
        "\t\t\tif ($arg_x) {\n" +
        "\t\t\t\trewrite_by_lua 'ngx.exit(403)';\n" +
        "\t\t\t}\n" +
        "\t\t\treturn 204;\n" +
        "\t\t}\n" +
        "\t}\n" +
        "}\n",
    );
    assert.equal(contextsAfter(s, fix), 4);
  });

  it("keeps CRLF line endings and a comment on the moved line's neighbours where they were", () => {
    const text = [
      "events {}",
      "http {",
      "    # CA for Lua cosockets",
      "    lua_ssl_trusted_certificate ca.pem; # keep me",
      "    server {",
      "        location /a { content_by_lua_block { ngx.say(1) } }",
      "        location /b {",
      "            return 200;",
      "        }",
      "    }",
      "}",
      "",
    ].join("\r\n");
    const s = setup({ "/p/nginx.conf": text });
    const fix = moveFix(s);
    assert.equal(
      after(s, fix)["/p/nginx.conf"],
      [
        "events {}",
        "http {",
        "    # CA for Lua cosockets",
        "    # keep me",
        "    server {",
        "        location /a { lua_ssl_trusted_certificate ca.pem; content_by_lua_block { ngx.say(1) } }",
        "        location /b {",
        "            return 200;",
        "        }",
        "    }",
        "}",
        "",
      ].join("\r\n"),
    );
    assert.equal(fix.effect?.before, 3);
    assert.equal(fix.effect?.after, 1);
  });

  it("edits every file involved: the directive in nginx.conf, the locations in an included file (once, though included twice)", () => {
    const s = setup({
      "/p/nginx.conf":
        "events {}\nhttp {\n  lua_ssl_trusted_certificate ca.pem;\n  server {\n    listen 80;\n    include app.conf;\n  }\n  server {\n    listen 81;\n    include app.conf;\n  }\n}\n",
      "/p/app.conf":
        "location /lua {\n  access_by_lua_block { return }\n  proxy_pass http://127.0.0.1:9;\n}\nlocation /plain {\n  return 204;\n}\n",
    });
    const fix = moveFix(s);
    assert.equal(fix.effect?.before, 6);
    assert.equal(fix.effect?.after, 2);
    assert.equal(fix.edits.filter((e) => e.path === "/p/app.conf").length, 1);
    assert.deepEqual(after(s, fix), {
      "/p/nginx.conf":
        "events {}\nhttp {\n  server {\n    listen 80;\n    include app.conf;\n  }\n  server {\n    listen 81;\n    include app.conf;\n  }\n}\n",
      "/p/app.conf":
        "location /lua {\n  lua_ssl_trusted_certificate ca.pem;\n  access_by_lua_block { return }\n  proxy_pass http://127.0.0.1:9;\n}\nlocation /plain {\n  return 204;\n}\n",
    });
    assert.equal(contextsAfter(s, fix), 2);
  });

  it("a location that already sets lua_ssl_verify_depth keeps its own; a server running ssl_certificate_by_lua gets the bundle itself", () => {
    const s = setup({
      "/p/nginx.conf":
        "events {}\nhttp {\n    lua_ssl_trusted_certificate ca.pem;\n    lua_ssl_verify_depth 2;\n" +
        "    server {\n        listen 443 ssl;\n        ssl_certificate_by_lua_block { }\n        location / { return 204; }\n    }\n" +
        "    server {\n        listen 80;\n        location /x {\n            lua_ssl_verify_depth 5;\n            content_by_lua_block { }\n        }\n        location /y { return 204; }\n    }\n}\n",
    });
    const fix = moveFix(s);
    assert.deepEqual(fix.effect?.targets, ["server 443", "location /x"]);
    assert.match(fix.title, /into the 2 blocks that run Lua code: 5 → 3 SSL contexts/);
    assert.equal(
      after(s, fix)["/p/nginx.conf"],
      "events {}\nhttp {\n" +
        "    server {\n        lua_ssl_trusted_certificate ca.pem;\n        lua_ssl_verify_depth 2;\n        listen 443 ssl;\n        ssl_certificate_by_lua_block { }\n        location / { return 204; }\n    }\n" +
        "    server {\n        listen 80;\n        location /x {\n            lua_ssl_trusted_certificate ca.pem;\n            lua_ssl_verify_depth 5;\n            content_by_lua_block { }\n        }\n        location /y { return 204; }\n    }\n}\n",
    );
  });

  it("removes it when no block that inherits it runs Lua code", () => {
    const s = setup({
      "/p/nginx.conf":
        HEAD +
        "http {\n    lua_shared_dict d 1m;\n    lua_ssl_trusted_certificate ca.pem;\n    server {\n        location / { return 204; }\n        location /b { return 204; }\n    }\n}\n",
    });
    const fix = moveFix(s);
    assert.match(
      fix.title,
      /^Remove lua_ssl_trusted_certificate: none of the 3 blocks that inherit it run Lua code: 3 → 0 SSL contexts/,
    );
    assert.equal(
      after(s, fix)["/p/nginx.conf"],
      HEAD +
        "http {\n    lua_shared_dict d 1m;\n    server {\n        location / { return 204; }\n        location /b { return 204; }\n    }\n}\n",
    );
  });

  it("comes with a caution when init_worker_by_lua code (which sees only the http-level value) exists", () => {
    const s = setup({
      "/p/nginx.conf":
        "events {}\nhttp {\n    lua_ssl_trusted_certificate ca.pem;\n    init_worker_by_lua_block { ngx.timer.at(0, function() end) }\n" +
        "    server {\n        location /a { content_by_lua_block { } }\n        location /b { return 204; }\n    }\n}\n",
    });
    const fix = moveFix(s);
    assert.equal(fix.isPreferred, false);
    assert.match(fix.caution ?? "", /init_worker_by_lua\*/);
    assert.match(fix.title, /\(caution: init_worker_by_lua\* code does not run in a location/);
  });

  it("is not offered where every block runs Lua code, nor on lua-nginx-module ≥ 0.10.26", () => {
    const files = {
      "/p/nginx.conf":
        "events {}\nhttp {\n    lua_ssl_trusted_certificate ca.pem;\n    access_by_lua_block { }\n" +
        "    server {\n        location /a { return 204; }\n        location /b { return 204; }\n    }\n}\n",
    };
    const s = setup(files, { luaNginxModuleVersion: undefined });
    assert.deepEqual(
      s.fixes.filter((f) => f.edits.length > 0).map((f) => f.title),
      [],
    );
    // With the version unknown (≤ 0.10.25 assumed), saying it is ≥ 0.10.26 is the fix left; not when the
    // version was set to an affected one (then the user said what is deployed).
    assert.deepEqual(setup(files).fixes, []);
    assert.deepEqual(
      s.fixes.map((f) => f.setting?.value),
      ["0.10.26"],
    );
    const upgraded = setup(files, { luaNginxModuleVersion: "0.10.26" });
    assert.deepEqual(upgraded.fixes, []);
  });

  it("is not offered when an included file shared with a block that does not inherit the bundle would change that block", () => {
    const s = setup({
      "/p/nginx.conf":
        "events {}\nhttp {\n  server {\n    listen 80;\n    lua_ssl_trusted_certificate ca.pem;\n    include app.conf;\n    location /other { return 204; }\n  }\n" +
        "  server {\n    listen 81;\n    include app.conf;\n  }\n}\n",
      "/p/app.conf": "location /lua { content_by_lua_block { } }\n",
    });
    // Moving into app.conf would give the second server's /lua a bundle it never had.
    assert.deepEqual(
      s.fixes.filter((f) => f.finding.ruleId === "lua-ssl-per-location" && f.edits.length > 0),
      [],
    );
  });
});

describe("quick-fix: move proxy_ssl_trusted_certificate into the locations that may proxy to https (nginx < 1.23.1)", () => {
  const conf =
    "events {}\nhttp {\n    proxy_ssl_trusted_certificate ca.pem;\n    proxy_ssl_verify on;\n    proxy_ssl_verify_depth 2;\n" +
    "    server {\n" +
    "        location /tls { proxy_pass https://127.0.0.1:9443; }\n" +
    "        location /vars { proxy_pass http://$host$uri; }\n" +
    "        location /scheme {\n            proxy_pass $scheme://127.0.0.1:9000;\n        }\n" +
    "        location /plain { proxy_pass http://127.0.0.1:9000; }\n" +
    "    }\n}\n";

  it("moves the bundle and proxy_ssl_verify* out of the way of plain-http passes with variables", () => {
    const s = setup({ "/p/nginx.conf": conf });
    const fix = moveFix(s, "proxy-ssl-per-location");
    // Contexts (< 1.23.1): /tls, /vars (variables), /scheme (variables); /plain has none.
    assert.equal(fix.effect?.before, 3);
    assert.equal(fix.effect?.after, 2);
    assert.deepEqual(fix.effect?.targets, ["location /tls", "location /scheme"]);
    const moved = "proxy_ssl_trusted_certificate ca.pem; proxy_ssl_verify on; proxy_ssl_verify_depth 2;";
    assert.equal(
      after(s, fix)["/p/nginx.conf"],
      "events {}\nhttp {\n" +
        "    server {\n" +
        `        location /tls { ${moved} proxy_pass https://127.0.0.1:9443; }\n` +
        "        location /vars { proxy_pass http://$host$uri; }\n" +
        "        location /scheme {\n            proxy_ssl_trusted_certificate ca.pem;\n            proxy_ssl_verify on;\n            proxy_ssl_verify_depth 2;\n            proxy_pass $scheme://127.0.0.1:9000;\n        }\n" +
        "        location /plain { proxy_pass http://127.0.0.1:9000; }\n" +
        "    }\n}\n",
    );
    assert.equal(contextsAfter(s, fix, "proxy-ssl-per-location"), 2);
  });

  it("is not offered when every context may use TLS, nor from nginx 1.23.1", () => {
    const allTls = setup(
      {
        "/p/nginx.conf":
          "events {}\nhttp {\n    proxy_ssl_trusted_certificate ca.pem;\n    proxy_ssl_verify on;\n    server {\n" +
          "        location /a { proxy_pass https://127.0.0.1:1; }\n        location /b { proxy_pass https://127.0.0.1:2; }\n    }\n}\n",
      },
      { nginxVersion: undefined },
    );
    assert.deepEqual(
      allTls.fixes.map((f) => f.setting?.key ?? "edit"),
      ["versions.nginx"],
    );
    assert.deepEqual(setup({ "/p/nginx.conf": conf }, { nginxVersion: "1.23.1" }).fixes, []);
  });
});
