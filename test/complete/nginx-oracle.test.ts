// The real `nginx -t` as the oracle of completion's context logic: every directive completion offers
// inside a `location` that Debian's nginx has (its core and built-in http modules, plus the dynamic lua,
// stream and ModSecurity modules loaded here) is written alone in a location, and nginx must not answer
// "is not allowed here" or "unknown directive"; every directive of those modules it does not offer there
// must get "is not allowed here".
//
// Which modules the binary has is read from `nginx -V` (configure switches) and the installed packages,
// and matched against the table's build information (server/data/directives.json, read directly).

import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { completionsAt } from "../../server/src/complete/completion";
import { variantPresentIn, type DirectiveVariant } from "../../server/src/parse/directives";
import { parse } from "../../server/src/parse/parser";
import { nginxTest } from "../support/nginx";
import { REPO, nginxBinary } from "../support/shared";

const MODULES_DIR = "/usr/lib/nginx/modules";
const LOADED = [
  "ndk_http_module.so",
  "ngx_http_lua_module.so",
  "ngx_stream_module.so",
  "ngx_http_modsecurity_module.so",
];

const TABLE = JSON.parse(fs.readFileSync(path.join(REPO, "server/data/directives.json"), "utf8")) as {
  directives: Record<string, DirectiveVariant[]>;
  builds: Record<string, { default: boolean | null; options: string[] }>;
};

// Compile guards this binary satisfies: OpenSSL and the SSL modules are in (`--with-http_ssl_module`,
// `--with-stream_ssl_module`), the cache and gzip are on by default, PCRE is linked (`--with-pcre-jit`), and
// ngx_devel_kit is loaded for lua's `set_by_lua*`. HAVE_LUA_PROXY_SSL needs OpenResty's patch: not here.
const GUARDS_MET = new Set([
  "NGX_HTTP_SSL",
  "NGX_STREAM_SSL",
  "NGX_SSL",
  "NGX_OPENSSL",
  "NGX_HTTP_CACHE",
  "NGX_HTTP_GZIP",
  "NGX_PCRE",
  "defined(NDK) && NDK",
  "NGX_HTTP_UPSTREAM_ZONE",
  "NGX_STREAM_UPSTREAM_ZONE",
]);

interface Binary {
  nginx: string;
  configure: string[];
  lua: string | null;
}

function binary(): Binary | null {
  const bin = nginxBinary();
  if (!bin || !LOADED.every((m) => fs.existsSync(path.join(MODULES_DIR, m)))) return null;
  const r = spawnSync(bin, ["-V"], { encoding: "utf8" });
  const out = (r.stdout ?? "") + (r.stderr ?? "");
  const version = /nginx version: nginx\/(\S+)/.exec(out)?.[1];
  if (!version) return null;
  const configure = (/configure arguments: (.*)/.exec(out)?.[1] ?? "").split(/\s+/);
  const dpkg = spawnSync("dpkg-query", ["-W", "-f=${Version}", "libnginx-mod-http-lua"], { encoding: "utf8" });
  const lua = /^(?:\d+:)?(\d+\.\d+\.\d+)/.exec(dpkg.stdout ?? "")?.[1] ?? null;
  return { nginx: version, configure, lua };
}

/** Whether this binary (with the modules loaded) registers `v`. */
function inBinary(v: DirectiveVariant, b: Binary): boolean {
  if (v.guard && !v.guard.split(" && ").every((g) => GUARDS_MET.has(g)) && !GUARDS_MET.has(v.guard)) return false;
  switch (v.repo) {
    case "nginx/nginx": {
      // `since` null: only on the default branch after the newest release, in no binary yet.
      if (v.since === null || variantPresentIn(v, b.nginx) !== true) return false;
      const build = TABLE.builds[v.module];
      if (!build || build.default === null) return false;
      const on = (o: string): boolean => b.configure.includes(o);
      if (build.options.some((o) => o.startsWith("--without") && on(o))) return false;
      if (build.default) return true;
      // The family switches (`--with-stream`, `--with-mail`, `--with-imap`, or their dynamic forms) are
      // alternatives; only the stream module is loaded here. The module's own switch must be on, built in.
      const withs = build.options.filter((o) => o.startsWith("--with-"));
      const family = withs.filter((o) => /^--with-(stream|mail|imap)(=dynamic)?$/.test(o));
      const own = withs.filter((o) => !family.includes(o) && !o.endsWith("=dynamic"));
      const familyOk =
        family.length === 0 || family.some((o) => on(o) && (o === "--with-stream=dynamic" || !o.endsWith("=dynamic")));
      return familyOk && (own.length === 0 ? family.length > 0 : own.some(on));
    }
    case "openresty/lua-nginx-module":
      return b.lua !== null && v.since !== null && variantPresentIn(v, b.lua) === true;
    case "owasp-modsecurity/ModSecurity-nginx":
      return v.removed === null;
    case "vision5/ngx_devel_kit":
      return v.removed === null;
    default:
      return false;
  }
}

/** The statement written for `name`: its minimum argument count of placeholder words. */
function statement(name: string, v: DirectiveVariant): string {
  if (name === "if") return "if ($uri) { }";
  const n = Math.max(v.argcMin, 0);
  const words = Array.from({ length: n }, () => (v.args === "flag" ? "on" : "x"));
  const head = [name, ...words].join(" ");
  return v.block ? `${head} { }` : `${head};`;
}

function config(line: string): string {
  return [
    ...LOADED.map((m) => `load_module ${MODULES_DIR}/${m};`),
    "events {}",
    "http {",
    "    server {",
    "        listen 127.0.0.1:8080;",
    "        location / {",
    `            ${line}`,
    "        }",
    "    }",
    "}",
    "",
  ].join("\n");
}

describe("completion in a location, checked with the real nginx -t", function () {
  this.timeout(600_000);

  it("nginx accepts every offered directive there and refuses the others as `not allowed here`", function () {
    const b = binary();
    if (!b) this.skip();
    const text = "http {\n  server {\n    location / {\n      \n    }\n  }\n}\n";
    const offered = completionsAt({
      text,
      parsed: parse(text),
      position: { line: 3, character: 6 },
      topContexts: ["main"],
      symbols: { variables: [], upstreams: [], namedLocations: [] },
    });
    const offeredNames = new Set(offered.map((e) => e.label));
    let accepted = 0;
    const wrong: string[] = [];
    for (const e of offered) {
      if (e.deprecated) continue;
      const v = (TABLE.directives[e.label] ?? []).find(
        (x) => x.removed === null && x.type === "http" && inBinary(x, b),
      );
      if (!v || !(v.contexts.includes("location") || e.label === "include")) continue;
      const verdict = nginxTest(config(statement(e.label, v)));
      if (/is not allowed here|unknown directive/.test(verdict.message)) wrong.push(`${e.label}: ${verdict.message}`);
      else accepted++;
    }
    let refused = 0;
    for (const [name, variants] of Object.entries(TABLE.directives)) {
      if (offeredNames.has(name)) continue;
      const v = variants.find((x) => x.removed === null && inBinary(x, b));
      if (!v) continue;
      const verdict = nginxTest(config(statement(name, v)));
      if (/is not allowed here/.test(verdict.message)) refused++;
      else wrong.push(`${name} (not offered): ${verdict.message || "accepted"}`);
    }
    assert.deepStrictEqual(wrong, []);
    // Debian's build has several hundred directives usable in a location, and more that are not.
    assert.ok(accepted > 400, `only ${accepted} offered directives checked`);
    assert.ok(refused > 100, `only ${refused} refused directives checked`);
    console.log(
      `      nginx ${b.nginx} (lua ${b.lua ?? "none"}): ${accepted} offered accepted, ${refused} others refused`,
    );
  });
});
