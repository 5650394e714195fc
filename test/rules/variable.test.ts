// Rule `variable` against the real `nginx -t`: generated cases (every variable of the table in a `return`,
// a typo of each, names defined by set/map/geo/split_clients/captures/Lua, script syntax errors, stream),
// each run through nginx and the product; the test asserts they agree on ≥ 99% of the verdicts and, where
// nginx names a line, that a finding sits on that statement, and prints the figures and every disagreement.

import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildModel } from "../../server/src/model";
import {
  knownVariables,
  logFormatNames,
  namedCaptures,
  scriptNames,
  variableFindings,
} from "../../server/src/rules/variable";
import type { Finding } from "../../server/src/rules/types";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { oracleVersions } from "../support/nginx";
import { nginxBinary } from "../support/shared";
import { lookupDirective, directiveNames } from "../../server/src/parse/directives";
import { compareVersions } from "../../server/src/cost/versions";

const MODULES = "/usr/lib/nginx/modules";
const STREAM_SO = `${MODULES}/ngx_stream_module.so`;
const LUA = [`${MODULES}/ndk_http_module.so`, `${MODULES}/ngx_http_lua_module.so`];

interface Case {
  name: string;
  /** The http block's body (servers, maps…). */
  http?: string;
  /** The stream block's body. */
  stream?: string;
  lua?: boolean;
  /** Other files beside nginx.conf (relative names). */
  files?: Record<string, string>;
}

interface Verdict {
  ok: boolean;
  message: string;
  line: number | null;
}

let port = 21000;
const srv = (body: string): string => `server { listen 127.0.0.1:${port++}; ${body} }`;
const ret = (expr: string): string => srv(`return 200 "${expr}";`);
const sret = (expr: string): string => `server { listen 127.0.0.1:${port++}; return "${expr}"; }`;

/** A name with one letter dropped (the middle one), the typo every case pairs with the real name. */
function typo(name: string): string {
  const i = Math.floor(name.length / 2);
  return name.slice(0, i) + name.slice(i + 1);
}

/** Modules the Debian nginx 1.22.1 here does not have (dynamic ones whose packages are not installed). */
const NOT_BUILT = /ngx_http_geoip_module|ngx_stream_geoip_module|\/v3\//;

function cases(): Case[] {
  const out: Case[] = [];
  for (const family of ["http", "stream"] as const) {
    for (const row of knownVariables(family)) {
      if (NOT_BUILT.test(row.file)) continue;
      const name = row.prefix ? `${row.name}foo` : row.name;
      const one = (n: string): Case =>
        family === "http"
          ? { name: `http $${n}`, http: ret(`$${n}`) }
          : { name: `stream $${n}`, stream: sret(`$${n}`) };
      out.push(one(name));
      if (!row.prefix) out.push({ ...one(typo(name)), name: `${family} typo $${typo(name)} of $${name}` });
    }
  }
  const special: Case[] = [
    // case, captures, odd names
    { name: "upper case name", http: ret("$REQUEST_URI $Http_X_Y") },
    { name: "$0 is a name", http: ret("$0") },
    { name: "$1..$9 are captures", http: ret("$1$9$12") },
    { name: "${1} is a name", http: ret("${1}") },
    { name: "braces", http: ret("${uri}x${host}") },
    { name: "bare prefix $http_", http: ret("$http_") },
    { name: "bare prefix $arg_", http: ret("$arg_") },
    { name: "$ at the end", http: ret("a$") },
    { name: "unclosed brace", http: ret("${uri") },
    { name: "empty braces", http: ret("${}") },
    { name: "$ then dash", http: ret("$-") },
    { name: "single quotes still compile", http: srv("return 200 '$nosuch';") },
    { name: "unknown in add_header", http: srv("add_header X $nosuch;") },
    {
      name: "unknown in proxy_set_header",
      http: srv("location / { proxy_set_header X $nosuch; proxy_pass http://127.0.0.1:1; }"),
    },
    { name: "unknown in proxy_pass", http: srv("location / { proxy_pass http://$nosuch; }") },
    { name: "unknown in root", http: srv("root /tmp/$nosuch;") },
    { name: "unknown in try_files", http: srv("location / { try_files $uri $nosuch =404; }") },
    { name: "unknown in rewrite replacement", http: srv("rewrite ^/(.*)$ /$nosuch/$1;") },
    { name: "regex $ in rewrite is no variable", http: srv("rewrite ^/(.*)$ /x/$1;") },
    { name: "regex $ in location is no variable", http: srv("location ~ ^/x$ { return 204; }") },
    // definitions
    { name: "set then use", http: srv("set $mine 1; return 200 $mine;") },
    { name: "use in another server before set", http: ret("$later") + srv("set $later 1;") },
    { name: "set of a changeable builtin", http: srv("set $args a; set $limit_rate 5; return 204;") },
    { name: "set of a builtin", http: srv("set $uri 1;") },
    { name: "set of a header prefix name", http: srv("set $http_foo 1; return 200 $http_foo;") },
    { name: "set of a fixed header name", http: srv("set $http_host 1;") },
    { name: "set without $", http: srv("set foo 1;") },
    { name: "set $ alone", http: srv("set $ 1;") },
    { name: "set with unknown value", http: srv("set $a $nosuch;") },
    { name: "map defines", http: "map $uri $mapped { default 1; } " + ret("$mapped") },
    { name: "map of a builtin", http: "map $uri $uri { default 1; } " + ret("x") },
    { name: "map source unknown", http: "map $nosuch $m { default 1; } " + ret("$m") },
    { name: "map value unknown", http: "map $uri $m { default $nosuch; } " + ret("$m") },
    { name: "map value known", http: "map $uri $m { default $host; ~^/a $uri; } " + ret("$m") },
    { name: "map regex key capture", http: "map $uri $m { ~^/(?<mcap>.*) 1; } " + ret("$mcap") },
    { name: "geo one arg", http: "geo $g1 { default 1; } " + ret("$g1") },
    { name: "geo two args", http: "geo $remote_addr $g2 { default 1; } " + ret("$g2") },
    { name: "geo unknown source", http: "geo $nosuch $g3 { default 1; } " + ret("$g3") },
    { name: "split_clients", http: 'split_clients "${remote_addr}x" $sc { 50% a; * b; } ' + ret("$sc") },
    { name: "location capture", http: srv("location ~ ^/(?<lcap>x)$ { return 200 $lcap; }") },
    { name: "location capture P<>", http: srv("location ~ ^/(?P<pcap>x)$ { } return 200 $pcap;") },
    { name: "location capture quote", http: srv("location ~ \"^/(?'qcap'x)$\" { } return 200 $qcap;") },
    { name: "lookbehind is no capture", http: srv("location ~ (?<=a)b { return 200 $a; }") },
    { name: "capture used in another server", http: ret("$farcap") + srv("location ~ (?<farcap>x) { }") },
    { name: "if regex capture", http: srv('if ($uri ~ "^/(?<icap>x)") { } return 200 $icap;') },
    { name: "rewrite capture", http: srv("rewrite ^/(?<rcap>.*)$ /$rcap;") },
    { name: "server_name capture", http: srv("server_name ~^(?<sub>.+)\\.example\\.com$; return 200 $sub;") },
    { name: "capture of a builtin name", http: srv("location ~ (?<uri>x) { }") },
    { name: "if on unknown", http: srv("if ($nosuch) { return 204; }") },
    { name: "if on known", http: srv("if ($host) { return 204; }") },
    { name: "if compare unknown", http: srv("if ($host = $nosuch) { return 204; }") },
    { name: "if file unknown", http: srv("if (-f $nosuch) { return 204; }") },
    { name: "if spaced parens", http: srv("if ( $nosuch ) { return 204; }") },
    { name: "auth_request_set", http: srv("auth_request_set $ars $upstream_status; return 200 $ars;") },
    { name: "set_by_lua_block", http: srv("set_by_lua_block $lb { return 1 } return 200 $lb;"), lua: true },
    { name: "set_by_lua", http: srv("set_by_lua $lb2 'return 1'; return 200 $lb2;"), lua: true },
    {
      name: "lua block is not scanned",
      http: srv("location / { content_by_lua_block { local x = '$nosuch' } }"),
      lua: true,
    },
    { name: "memcached_pass without key", http: srv("location / { memcached_pass 127.0.0.1:1; }") },
    {
      name: "memcached_pass with key",
      http: srv("location / { set $memcached_key $uri; memcached_pass 127.0.0.1:1; }"),
    },
    { name: "charset unknown", http: srv("charset $nosuch;") },
    { name: "charset takes the whole word", http: srv("charset $host-x;") },
    { name: "charset known", http: srv("charset $host;") },
    { name: "source_charset unknown", http: srv("source_charset $nosuch;") },
    { name: "charset $ alone", http: srv("charset $;") },
    { name: "stream set without $", stream: `server { listen 127.0.0.1:${port++}; set foo 1; return 1; }` },
    { name: "stream map of a builtin", stream: `map $remote_addr $server_port { default 1; } ${sret("x")}` },
    // log_format
    { name: "log_format unknown", http: 'log_format f "$nosuch"; ' + ret("x") },
    { name: "log_format known", http: 'log_format f "$remote_addr $status $request_time"; ' + ret("x") },
    { name: "log_format $1", http: 'log_format f "$1"; ' + ret("x") },
    { name: "log_format $ at end", http: 'log_format f "a $"; ' + ret("x") },
    { name: "log_format unclosed", http: 'log_format f "${status"; ' + ret("x") },
    { name: "log_format escape", http: 'log_format f escape=json "$nosuch2"; ' + ret("x") },
    { name: "access_log path unknown", http: srv("access_log /tmp/$nosuch.log;") },
    { name: "access_log if unknown", http: srv("access_log /tmp/a.log combined if=$nosuch;") },
    // stream
    { name: "stream set", stream: `server { listen 127.0.0.1:${port++}; set $ss 1; return $ss; }` },
    { name: "stream map", stream: `map $remote_addr $sm { default 1; } ${sret("$sm")}` },
    { name: "stream geo", stream: `geo $sg { default 1; } ${sret("$sg")}` },
    { name: "stream split_clients", stream: `split_clients $remote_addr $ssc { * a; } ${sret("$ssc")}` },
    { name: "stream unknown in proxy_pass", stream: `server { listen 127.0.0.1:${port++}; proxy_pass $nosuch; }` },
    { name: "stream http-only name", stream: sret("$request_uri") },
    { name: "stream $ at end", stream: sret("a$") },
    { name: "stream set of builtin", stream: `server { listen 127.0.0.1:${port++}; set $remote_addr 1; return 1; }` },
    { name: "stream and http names apart", http: srv("set $onlyhttp 1;"), stream: sret("$onlyhttp") },
  ];
  return [...out, ...special, ...directiveCases(), ...includeCases()];
}

/** Each directive the rule reads, with an unknown name and with a known one, where nginx accepts a `$` there. */
function directiveCases(): Case[] {
  const http: [string, string][] = [
    ["add_header", "add_header X $V;"],
    ["expires", "expires $V;"],
    ["fastcgi_param", "location / { fastcgi_param X $V; }"],
    ["uwsgi_param", "location / { uwsgi_param X $V; }"],
    ["scgi_param", "location / { scgi_param X $V; }"],
    ["grpc_set_header", "location / { grpc_set_header X $V; }"],
    ["fastcgi_pass", "location / { fastcgi_pass $V; }"],
    ["uwsgi_pass", "location / { uwsgi_pass $V; }"],
    ["scgi_pass", "location / { scgi_pass $V; }"],
    ["grpc_pass", "location / { grpc_pass grpc://$V; }"],
    ["proxy_cache_key", "proxy_cache_key $V;"],
    ["fastcgi_cache_key", "fastcgi_cache_key $V;"],
    ["proxy_cache", "location / { proxy_cache $V; proxy_pass http://127.0.0.1:1; }"],
    ["proxy_store", "location / { proxy_store /tmp/$V; proxy_pass http://127.0.0.1:1; }"],
    ["proxy_bind", "proxy_bind $V;"],
    ["alias", "location /a/ { alias /tmp/$V/; }"],
    ["error_page", "error_page 404 /$V;"],
    ["index", "index $V.html;"],
    ["ssl_certificate", "ssl_certificate /tmp/$V.pem; ssl_certificate_key /tmp/k.pem;"],
    ["ssl_certificate_key", "ssl_certificate /tmp/c$host.pem; ssl_certificate_key /tmp/$V.pem;"],
    ["auth_basic_user_file", "auth_basic x; auth_basic_user_file /tmp/$V;"],
    ["sub_filter", "sub_filter $V x;"],
    ["proxy_redirect", "location / { proxy_pass http://127.0.0.1:1; proxy_redirect $V /; }"],
    ["proxy_redirect value", "location / { proxy_pass http://127.0.0.1:1; proxy_redirect / /$V; }"],
    ["proxy_cookie_domain", "proxy_cookie_domain $V x;"],
    ["proxy_cookie_path", "proxy_cookie_path /x /$V;"],
    ["return url", "return 302 /$V;"],
    ["access_log", "access_log /tmp/$V.log;"],
  ];
  const out: Case[] = [];
  for (const [name, stmt] of http) {
    out.push({ name: `${name} with an unknown name`, http: srv(stmt.replaceAll("$V", "$nosuch")) });
    out.push({ name: `${name} with a known name`, http: srv(stmt.replaceAll("$V", "$host")) });
  }
  out.push({ name: "limit_req_zone unknown key", http: `limit_req_zone $nosuch zone=z:1m rate=1r/s; ${ret("x")}` });
  out.push({ name: "limit_conn_zone unknown key", http: `limit_conn_zone $nosuch zone=c:1m; ${ret("x")}` });
  out.push({ name: "upstream hash unknown key", http: `upstream u { hash $nosuch; server 127.0.0.1; } ${ret("x")}` });
  out.push({ name: "upstream hash known key", http: `upstream u { hash $uri; server 127.0.0.1; } ${ret("x")}` });
  // Every directive of nginx's own http/stream modules whose entry names a complex-value setter, in a
  // location (http) or a server (stream), with one argument.
  const version = "1.22.1";
  for (const name of directiveNames()) {
    for (const v of lookupDirective(name)) {
      if (
        v.repo !== "nginx/nginx" ||
        !v.handler ||
        !/_set_complex_value(_size|_zero)?_slot$|_set_predicate_slot$/.test(v.handler)
      )
        continue;
      if (v.since && compareVersions(version, v.since) < 0) continue;
      if (v.removed && compareVersions(version, v.removed) >= 0) continue;
      if (!(v.argcMin <= 1 && (v.argcMax ?? 99) >= 1)) continue;
      // The table keeps the newest handler: the *_limit_rate ones took sizes, not variables, before 1.27.0.
      if (name.endsWith("_limit_rate")) continue;
      for (const [tag, value] of [
        ["unknown", "$nosuch"],
        ["known", "$remote_addr"],
      ]) {
        if (v.type === "http" && v.contexts.includes("location"))
          out.push({ name: `${name} (table) ${tag}`, http: srv(`location / { ${name} x${value}; }`) });
        if (v.type === "stream" && v.contexts.includes("stream_server"))
          out.push({
            name: `stream ${name} (table) ${tag}`,
            stream: `server { listen 127.0.0.1:${port++}; ${name} x${value}; proxy_pass 127.0.0.1:1; }`,
          });
      }
    }
  }
  return out;
}

/** Names defined and used across included files; a file included twice. */
function includeCases(): Case[] {
  return [
    {
      name: "defined in an included file",
      http: `include defs.conf; ${ret("$fromfile")}`,
      files: { "defs.conf": "map $uri $fromfile { default 1; }\n" },
    },
    { name: "unknown in an included file", http: `include use.conf;`, files: { "use.conf": ret("$nosuchinc") + "\n" } },
    {
      name: "unknown in a file included twice",
      http: `include twice.conf; include twice.conf;`,
      files: { "twice.conf": "server { listen 127.0.0.1:0; return 200 $nosuch2x; }\n".replace(":0", `:${port++}`) },
    },
  ];
}

function text(c: Case, dir: string): string {
  const lines = [
    ...(c.stream ? [`load_module ${STREAM_SO};`] : []),
    ...(c.lua ? LUA.map((m) => `load_module ${m};`) : []),
    "error_log stderr;",
    "events {}",
  ];
  if (c.http) {
    lines.push(
      "http {",
      `access_log off; ${["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path ${dir}/${t};`).join(" ")}`,
      c.http,
      "}",
    );
  }
  if (c.stream) lines.push("stream {", c.stream, "}");
  return lines.join("\n") + "\n";
}

function runNginx(bin: string, conf: string, dir: string): Promise<Verdict> {
  return new Promise((resolve) => {
    const p = spawn(bin, ["-t", "-q", "-c", conf, "-p", dir + "/", "-e", "stderr", "-g", `pid ${dir}/nginx.pid;`]);
    let out = "";
    p.stdout.on("data", (b: Buffer) => (out += b.toString()));
    p.stderr.on("data", (b: Buffer) => (out += b.toString()));
    p.on("close", (status) => {
      const m = /\[emerg\] \d+#\d+: (.*?)(?: in (\S+):(\d+))?$/m.exec(out);
      resolve({ ok: status === 0, message: m ? m[1] : out.trim(), line: m?.[3] ? Number(m[3]) : null });
    });
  });
}

async function pool<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

function product(conf: string, files: Record<string, string>, nginxVersion: string): Finding[] {
  const config = loadConfiguration(conf, { source: new MemoryFileSource(files) });
  return variableFindings(buildModel(config), { strict: false, nginxVersion }).filter((f) => f.severity === "error");
}

describe("rules/variable: script readers", function () {
  it("reads names and errors as ngx_http_script_compile does", function () {
    assert.deepEqual(scriptNames("a$b${c}d$1$0-$x_y2z"), { names: ["b", "c", "0", "x_y2z"] });
    assert.equal(scriptNames("${ab").error, 'the closing bracket in "ab" variable is missing');
    assert.equal(scriptNames("x$").error, "invalid variable name");
    assert.equal(logFormatNames("$1").names[0], "1");
    assert.equal(logFormatNames("a $").error, 'invalid parameter "$"');
    assert.deepEqual(namedCaptures("(?<a>x)(?P<b>y)(?'c'z)(?<=w)(?<!v)\\(?<no>)[(?<no2>)]"), ["a", "b", "c"]);
  });
});

describe("rules/variable against the real nginx -t", function () {
  this.timeout(120_000);
  const bin = nginxBinary();
  const all = cases();
  let results: { c: Case; real: Verdict; ours: Finding[]; body: string }[] = [];

  before(async function () {
    if (!bin || !fs.existsSync(STREAM_SO)) {
      if (process.env.CI) throw new Error("CI must install nginx and its stream module");
      this.skip();
    }
    const { nginxVersion } = oracleVersions();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-var-"));
    try {
      results = await pool(all, 4, async (c) => {
        const lua = c.lua && fs.existsSync(LUA[1]);
        const dir = fs.mkdtempSync(path.join(root, "c"));
        const conf = path.join(dir, "nginx.conf");
        const body = text(lua || !c.lua ? c : { ...c, http: undefined }, dir);
        fs.writeFileSync(conf, body);
        for (const [name, t] of Object.entries(c.files ?? {})) fs.writeFileSync(path.join(dir, name), t);
        const real = await runNginx(bin!, conf, dir);
        const files: Record<string, string> = { [conf]: body };
        for (const [name, t] of Object.entries(c.files ?? {})) files[path.join(dir, name)] = t;
        return { c, real, ours: product(conf, files, nginxVersion), body };
      });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("agrees with nginx on ≥ 99% of the verdicts and on the line or message of its error", function () {
    let agree = 0;
    let failing = 0;
    let placed = 0;
    const disagreements: string[] = [];
    for (const { c, real, ours, body } of results) {
      const oursOk = ours.length === 0;
      const shown = ours.map((f) => `${f.message}@${f.range.start.line + 1}`).join(", ") || "ok";
      if (oursOk !== real.ok) {
        disagreements.push(`${c.name}: nginx ${real.ok ? "ok" : `"${real.message}" line ${real.line}`}; ours ${shown}`);
        continue;
      }
      agree++;
      if (real.ok) continue;
      failing++;
      // nginx names the line for the errors it finds while reading, none for `unknown "x" variable`.
      const at = real.line;
      const mine = ours.filter((f) => f.message === real.message);
      if (mine.some((f) => at === null || f.range.start.line + 1 === at)) placed++;
      else {
        const line = body.split("\n")[(at ?? 1) - 1]?.slice(0, 80);
        disagreements.push(`${c.name}: nginx "${real.message}" line ${at} (${line}); ours ${shown}`);
      }
    }
    const n = results.length;
    console.log(
      `      variable: ${n} cases, ${results.filter((r) => !r.real.ok).length} rejected by nginx; agreement ${agree}/${n} (${((100 * agree) / n).toFixed(1)}%), errors placed ${placed}/${failing}`,
    );
    for (const d of disagreements) console.log(`        - ${d}`);
    assert.ok(n > 300, `only ${n} cases`);
    assert.ok(agree / n >= 0.99, `agreement ${agree}/${n}`);
    assert.ok(placed / failing >= 0.95, `errors placed ${placed}/${failing}`);
  });
});

describe("rules/variable: where it does not call a name unknown", function () {
  // rootContext: a snippet read in the context the workspace guesses for it (workspace/roots.ts).
  const unknowns = (files: Record<string, string>, root = "/w/nginx.conf", rootContext?: string[]): string[] =>
    variableFindings(buildModel(loadConfiguration(root, { source: new MemoryFileSource(files), rootContext })), {
      strict: false,
    }).map((f) => f.message);

  it("reports an unknown name in a main file (the control)", function () {
    assert.deepEqual(unknowns({ "/w/nginx.conf": "events {}\nhttp { server { return 200 $nosuch; } }\n" }), [
      'unknown "nosuch" variable',
    ]);
  });
  it("says in which version a name of another version came (data.since)", function () {
    const files = { "/w/nginx.conf": "events {}\nhttp { server { return 200 $ssl_curve$proxy_protocol_tlv_x; } }\n" };
    const fs = variableFindings(
      buildModel(loadConfiguration("/w/nginx.conf", { source: new MemoryFileSource(files) })),
      {
        strict: false,
        nginxVersion: "1.21.4",
      },
    );
    assert.deepEqual(
      fs.map((f) => [f.message, f.data?.since]),
      [
        ['unknown "ssl_curve" variable', "1.21.5"],
        ['unknown "proxy_protocol_tlv_x" variable', "1.23.2"],
      ],
    );
  });
  it("not in a snippet read alone: its names may come from the file that includes it", function () {
    assert.deepEqual(
      unknowns({ "/w/snippet.conf": "location / { return 200 $nosuch; }\n" }, "/w/snippet.conf", ["http", "server"]),
      [],
    );
  });
  it("not in a block with an include it cannot read", function () {
    const files = {
      "/w/nginx.conf":
        "events {}\nhttp { include /w/missing/*.conf; include /w/gone.conf; server { return 200 $nosuch; } }\n",
    };
    assert.deepEqual(unknowns(files), []);
  });
  it("a directive the table does not know may define its $name arguments (mruby_set $x …)", function () {
    const files = { "/w/nginx.conf": "events {}\nhttp { server { mruby_set $mr /x.rb; return 200 $mr; } }\n" };
    assert.deepEqual(unknowns(files), []);
  });
  it("still reports the duplicate of a fixed name in a snippet", function () {
    assert.deepEqual(
      unknowns({ "/w/snippet.conf": "location / { set $host x; }\n" }, "/w/snippet.conf", ["http", "server"]),
      ['the duplicate "host" variable'],
    );
  });
});
