// Issue 11: a quick-fix never weakens a configuration. The bundle moves (lua_ssl_trusted_certificate,
// proxy_ssl_trusted_certificate) take their companions along (lua_ssl_verify_depth, lua_ssl_crl,
// proxy_ssl_verify, proxy_ssl_verify_depth, …). A block that keeps a bundle of its own but *inherited* a
// companion from the level the fix empties would silently lose it: `lua_ssl_verify_depth 2` falls back to
// the module's default 1 (ngx_http_lua_merge_loc_conf: ngx_conf_merge_uint_value(…, 1)), an inherited
// `proxy_ssl_verify on` to off (ngx_http_proxy_merge_loc_conf: ngx_conf_merge_value(…, 0)) — verification
// of that block's upstream changes although the fix is not about it.
//
// Each case is checked here by its own predicate, independent of fix/: for every block, for every
// directive the fix touches, the value in effect (the nearest level that sets it, as nginx's merge
// takes it) before and after the fix; a block whose code uses it (Lua code runs there / its pass speaks
// TLS with verification) must keep it, whatever the fix's own targets are.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../server/src/cli/main";
import { buildModel, type ConfigContext, type ConfigModel } from "../../server/src/model";
import { fixesFor, type Fix, type RefusedFix } from "../../server/src/fix";
import { editedTexts } from "../../server/src/fix/verify";
import { runChecks } from "../../server/src/rules";
import type { RuleOptions } from "../../server/src/rules/types";
import { loadConfiguration, type Configuration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";

const CA_PEM =
  "-----BEGIN CERTIFICATE-----\nQUFBQUFBQUFBQUFBQUFBQQ==\n-----END CERTIFICATE-----\n" +
  "-----BEGIN CERTIFICATE-----\nQkJCQkJCQkJCQkJCQkJCQg==\n-----END CERTIFICATE-----\n";

interface Setup {
  config: Configuration;
  model: ConfigModel;
  fixes: Fix[];
  refused: RefusedFix[];
}

function setup(files: Record<string, string>): Setup {
  const source = new MemoryFileSource({ "/p/ca.pem": CA_PEM, "/p/own.pem": CA_PEM, ...files });
  const options: RuleOptions = { strict: false, nginxVersion: "1.22.1", luaNginxModuleVersion: "0.10.23", source };
  const config = loadConfiguration("/p/nginx.conf", { source });
  assert.deepEqual(
    config.diagnostics.filter((d) => d.severity === "error").map((d) => d.message),
    [],
  );
  const model = buildModel(config);
  const refused: RefusedFix[] = [];
  const fixes = fixesFor(config, runChecks(config, options, model), options, model, refused);
  return { config, model, fixes, refused };
}

function editFixes(s: Setup, rule: string): Fix[] {
  return s.fixes.filter((f) => f.finding.ruleId === rule && f.edits.length > 0);
}

function only(s: Setup, rule: string): Fix {
  const f = editFixes(s, rule);
  assert.equal(f.length, 1, `one edit fix for ${rule}: ${s.fixes.map((x) => x.title).join(" | ")}`);
  return f[0];
}

/** The arguments in effect in a block: the nearest level that writes the directive (nginx's merge). */
function inEffect(c: ConfigContext, name: string): string | null {
  for (let p: ConfigContext | null = c; p; p = p.parent) {
    const sites = p.own.get(name);
    if (sites && sites.length > 0) return sites.map((x) => x.directive.args.map((a) => a.value).join(" ")).join("; ");
  }
  return null;
}

const LUA = /_by_lua(_block|_file)?$/;
/** Lua code runs in this block (the cases below write it in the block itself). */
const runsLua = (c: ConfigContext): boolean => [...c.own.keys()].some((n) => LUA.test(n) && c.own.get(n)!.length > 0);
/** The block's own proxy_pass speaks TLS and verification is on there. */
const verifiesUpstream = (c: ConfigContext): boolean =>
  /^https:\/\//.test(c.own.get("proxy_pass")?.[0]?.directive.args[0]?.value ?? "") &&
  inEffect(c, "proxy_ssl_verify") === "on";

/**
 * Every block where `uses` holds, before the fix: its values of `names` after the fix, and before, for
 * those that differ (label → [before, after]).
 */
function weakened(s: Setup, fix: Fix, names: readonly string[], uses: (c: ConfigContext) => boolean) {
  const files: Record<string, string> = { "/p/ca.pem": CA_PEM, "/p/own.pem": CA_PEM };
  for (const [p, parsed] of s.config.files) files[p] = parsed.text;
  for (const [p, t] of editedTexts(s.config, fix.edits)) files[p] = t;
  const after = buildModel(loadConfiguration("/p/nginx.conf", { source: new MemoryFileSource(files) }));
  assert.equal(after.contexts.length, s.model.contexts.length);
  const out: Record<string, [string | null, string | null]> = {};
  for (const c of s.model.contexts) {
    if (!uses(c)) continue;
    const a = after.contexts[c.id];
    for (const n of names) {
      const v0 = inEffect(c, n);
      const v1 = inEffect(a, n);
      if (v0 !== v1) out[`${c.label} ${n}`] = [v0, v1];
    }
  }
  return out;
}

/** Every lua_ssl_* that goes into a Lua SSL context (ngx_http_lua_set_ssl), moved or not. */
const LUA_NAMES = [
  "lua_ssl_trusted_certificate",
  "lua_ssl_verify_depth",
  "lua_ssl_crl",
  "lua_ssl_protocols",
  "lua_ssl_ciphers",
  "lua_ssl_conf_command",
];
const PROXY_NAMES = ["proxy_ssl_trusted_certificate", "proxy_ssl_verify", "proxy_ssl_verify_depth", "proxy_ssl_crl"];

describe("quick-fixes never weaken a block they are not about (issue 11)", () => {
  const luaConf =
    "events {}\nhttp {\n" +
    "    lua_ssl_trusted_certificate ca.pem;\n" +
    "    lua_ssl_verify_depth 2;\n" +
    "    lua_ssl_crl ca.pem;\n" +
    "    lua_ssl_protocols TLSv1.2 TLSv1.3;\n" +
    "    lua_ssl_ciphers HIGH:!aNULL;\n" +
    "    lua_ssl_conf_command Options PrioritizeChaCha;\n" +
    "    server {\n" +
    "        listen 80;\n" +
    "        location /a {\n            content_by_lua_block { ngx.say(1) }\n        }\n" +
    "        location /own {\n" +
    "            lua_ssl_trusted_certificate own.pem;\n" +
    "            content_by_lua_block { ngx.say(2) }\n" +
    "        }\n" +
    "        location /static { return 204; }\n" +
    "    }\n}\n";

  it("lua: a location keeping its own bundle keeps the inherited lua_ssl_verify_depth and lua_ssl_crl", () => {
    const s = setup({ "/p/nginx.conf": luaConf });
    const fix = only(s, "lua-ssl-per-location");
    assert.deepEqual(weakened(s, fix, LUA_NAMES, runsLua), {});
    // The fix is extended: what /own inherited is written into /own, in its own indentation.
    assert.equal(
      editedTexts(s.config, fix.edits).get("/p/nginx.conf"),
      "events {}\nhttp {\n" +
        "    lua_ssl_protocols TLSv1.2 TLSv1.3;\n" +
        "    lua_ssl_ciphers HIGH:!aNULL;\n" +
        "    lua_ssl_conf_command Options PrioritizeChaCha;\n" +
        "    server {\n" +
        "        listen 80;\n" +
        "        location /a {\n" +
        "            lua_ssl_trusted_certificate ca.pem;\n            lua_ssl_verify_depth 2;\n            lua_ssl_crl ca.pem;\n" +
        "            content_by_lua_block { ngx.say(1) }\n        }\n" +
        "        location /own {\n" +
        "            lua_ssl_verify_depth 2;\n            lua_ssl_crl ca.pem;\n" +
        "            lua_ssl_trusted_certificate own.pem;\n" +
        "            content_by_lua_block { ngx.say(2) }\n" +
        "        }\n" +
        "        location /static { return 204; }\n" +
        "    }\n}\n",
    );
    assert.match(
      fix.title,
      /^Move lua_ssl_trusted_certificate \(with lua_ssl_verify_depth, lua_ssl_crl\) into the 1 location that runs Lua code; location \/own keeps the lua_ssl_verify_depth, lua_ssl_crl it inherited: 3 → 1 SSL context parsing the bundle$/,
    );
    // server, /a and /static parse ca.pem before (/own parses own.pem); after, /a only.
    assert.deepEqual(fix.effect?.kept, ["location /own"]);
    assert.deepEqual(s.refused, []);
  });

  const proxyConf =
    "events {}\nhttp {\n" +
    "    proxy_ssl_trusted_certificate ca.pem;\n" +
    "    proxy_ssl_verify on;\n" +
    "    proxy_ssl_verify_depth 2;\n" +
    "    server {\n" +
    "        listen 80;\n" +
    "        location /tls { proxy_pass https://127.0.0.1:9443; }\n" +
    "        location /own {\n" +
    "            proxy_ssl_trusted_certificate own.pem;\n" +
    "            proxy_pass https://127.0.0.1:9444;\n" +
    "        }\n" +
    "        location /vars { proxy_pass http://$host$uri; }\n" +
    "    }\n}\n";

  it("proxy: a location keeping its own bundle keeps the inherited proxy_ssl_verify on and depth", () => {
    const s = setup({ "/p/nginx.conf": proxyConf });
    const fix = only(s, "proxy-ssl-per-location");
    assert.deepEqual(weakened(s, fix, PROXY_NAMES, verifiesUpstream), {});
    assert.equal(
      editedTexts(s.config, fix.edits).get("/p/nginx.conf"),
      "events {}\nhttp {\n" +
        "    server {\n" +
        "        listen 80;\n" +
        "        location /tls { proxy_ssl_trusted_certificate ca.pem; proxy_ssl_verify on; proxy_ssl_verify_depth 2; proxy_pass https://127.0.0.1:9443; }\n" +
        "        location /own {\n" +
        "            proxy_ssl_verify on;\n            proxy_ssl_verify_depth 2;\n" +
        "            proxy_ssl_trusted_certificate own.pem;\n" +
        "            proxy_pass https://127.0.0.1:9444;\n" +
        "        }\n" +
        "        location /vars { proxy_pass http://$host$uri; }\n" +
        "    }\n}\n",
    );
  });
  it("lua: a location keeping its own bundle but running no Lua code loses the companions (nothing uses them): nothing written", () => {
    const s = setup({ "/p/nginx.conf": luaConf.replace("content_by_lua_block { ngx.say(2) }", "return 204;") });
    const fix = only(s, "lua-ssl-per-location");
    assert.equal(fix.effect?.kept, undefined);
    const text = editedTexts(s.config, fix.edits).get("/p/nginx.conf")!;
    assert.match(text, /location \/own \{\n {12}lua_ssl_trusted_certificate own\.pem;\n {12}return 204;/);
    assert.equal(text.match(/lua_ssl_verify_depth/g)?.length, 1);
  });

  it("lua: a server keeping its own bundle gets the inherited depth once, where its bundle is written; the fix that only removes keeps it too", () => {
    const s = setup({
      "/p/nginx.conf":
        "events {}\nhttp {\n" +
        "\tlua_ssl_trusted_certificate ca.pem;\n" +
        "\tlua_ssl_verify_depth 2;\n" +
        "\tserver {\n\t\tlisten 80;\n\t\tlocation / { return 204; }\n\t}\n" +
        "\tserver {\n\t\tlisten 81;\n\t\tlua_ssl_trusted_certificate own.pem;\n" +
        "\t\tlocation /a { content_by_lua_block { ngx.say(1) } }\n" +
        "\t\tlocation /b {\n\t\t\taccess_by_lua_block { }\n\t\t\tlocation /b/c { content_by_lua_block { } }\n\t\t}\n" +
        "\t}\n}\n",
    });
    const fix = only(s, "lua-ssl-per-location");
    assert.deepEqual(weakened(s, fix, LUA_NAMES, runsLua), {});
    assert.match(
      fix.title,
      /^Remove lua_ssl_trusted_certificate \(with lua_ssl_verify_depth\): none of the 2 blocks that inherit it run Lua code; server 81 keeps the lua_ssl_verify_depth it inherited: 2 → 0 SSL contexts/,
    );
    assert.equal(
      editedTexts(s.config, fix.edits).get("/p/nginx.conf"),
      "events {}\nhttp {\n" +
        "\tserver {\n\t\tlisten 80;\n\t\tlocation / { return 204; }\n\t}\n" +
        "\tserver {\n\t\tlua_ssl_verify_depth 2;\n\t\tlisten 81;\n\t\tlua_ssl_trusted_certificate own.pem;\n" +
        "\t\tlocation /a { content_by_lua_block { ngx.say(1) } }\n" +
        "\t\tlocation /b {\n\t\t\taccess_by_lua_block { }\n\t\t\tlocation /b/c { content_by_lua_block { } }\n\t\t}\n" +
        "\t}\n}\n",
    );
  });

  // own.conf is read in two servers: under the first, /own inherits lua_ssl_verify_depth 2 from http;
  // under the second, 5 from its server. Writing 2 into own.conf would change the second one.
  const sharedFiles = {
    "/p/nginx.conf":
      "events {}\nhttp {\n" +
      "    lua_ssl_trusted_certificate ca.pem;\n" +
      "    lua_ssl_verify_depth 2;\n" +
      "    server {\n        listen 80;\n        location /a { content_by_lua_block { } }\n        include own.conf;\n    }\n" +
      "    server {\n        listen 81;\n        lua_ssl_verify_depth 5;\n        include own.conf;\n    }\n}\n",
    "/p/own.conf": "location /own {\n    lua_ssl_trusted_certificate own.pem;\n    content_by_lua_block { }\n}\n",
  };

  it("is refused, with the reason, when keeping the inherited value would change another block", () => {
    const s = setup(sharedFiles);
    assert.deepEqual(editFixes(s, "lua-ssl-per-location"), []);
    assert.equal(s.refused.length, 1);
    assert.equal(
      s.refused[0].title,
      "Move lua_ssl_trusted_certificate (with lua_ssl_verify_depth) into the 1 location that runs Lua code",
    );
    assert.equal(
      s.refused[0].refused,
      'location /own in server 80 (/p/own.conf) would lose "lua_ssl_verify_depth 2;", inherited from http, which it uses; ' +
        'keeping it there would change another block: location /own in server 81 (/p/own.conf) would get another "lua_ssl_verify_depth"',
    );
  });

  it("nginx-risk fix says why it skipped a refused fix, and changes nothing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-never-weaken-"));
    try {
      for (const [p, t] of Object.entries({ ...sharedFiles, "/p/ca.pem": CA_PEM, "/p/own.pem": CA_PEM }))
        fs.writeFileSync(path.join(dir, path.basename(p)), t);
      let stdout = "";
      let stderr = "";
      const args = [
        "fix",
        "nginx.conf",
        "--diff",
        "--nginx-version",
        "1.22.1",
        "--lua-nginx-module-version",
        "0.10.23",
      ];
      const code = main(args, { out: (x) => (stdout += x), err: (x) => (stderr += x + "\n"), cwd: dir });
      assert.equal(code, 0, stderr);
      assert.equal(stdout, "");
      assert.match(
        stderr,
        /^skipped: Move lua_ssl_trusted_certificate \(with lua_ssl_verify_depth\) into the 1 location that runs Lua code — its check refused it: location \/own in server 80 \(.*own\.conf\) would lose "lua_ssl_verify_depth 2;".* would get another "lua_ssl_verify_depth"$/m,
      );
      assert.match(stderr, /^0 fixes in the diff \(0 files\)$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("proxy: a location keeping its own bundle loses nothing it uses when its pass is plain http or it verifies nothing", () => {
    const conf = proxyConf.replace(
      "        location /vars",
      "        location /noverify {\n            proxy_ssl_trusted_certificate own.pem;\n            proxy_ssl_verify off;\n            proxy_pass https://127.0.0.1:9445;\n        }\n" +
        "        location /plain {\n            proxy_ssl_trusted_certificate own.pem;\n            proxy_pass http://127.0.0.1:9446;\n        }\n" +
        "        location /plainvars {\n            proxy_ssl_trusted_certificate own.pem;\n            proxy_pass http://$host$uri;\n        }\n" +
        "        location /vars",
    );
    const s = setup({ "/p/nginx.conf": conf });
    const fix = only(s, "proxy-ssl-per-location");
    assert.deepEqual(weakened(s, fix, PROXY_NAMES, verifiesUpstream), {});
    // Only /own verifies its upstream with what it inherited: /noverify loses the depth (unused with
    // verification off), /plain and /plainvars the verify flag (no TLS).
    assert.deepEqual(fix.effect?.kept, ["location /own"]);
    // ca.pem is parsed by /tls and /vars before, by /tls after. /plainvars parsed own.pem before (a pass
    // with variables, verification on) and no longer does: not a saving of this fix's bundle.
    assert.deepEqual([fix.effect?.before, fix.effect?.after], [2, 1]);
  });
});
