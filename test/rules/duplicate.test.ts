// Rule `duplicate` against the real `nginx -t`: generated cases, each run through nginx and the product.
// For every directive of the table with a once-per-block handler (the standard setters and the handlers of
// their own listed below) that the installed nginx knows in http, server or location: a value nginx accepts
// once is found by trying candidates, then the directive is written twice in one block (nginx: "is
// duplicate") and once in http + once in server (an override, accepted). Plus location, upstream, listen,
// server name and map cases. The test asserts verdict and line agreement ≥ 99% and lists disagreements.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runChecks } from "../../server/src/rules";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { directiveNames, lookupDirective } from "../../server/src/parse/directives";
import { nginxBinary } from "../support/shared";
import { nginxTestAll, PREFIX } from "../support/nginx-batch";
import { describe1, figures, runOracle, type OracleCase, type Outcome } from "../support/oracle-cases";

type Where = "main" | "events" | "http" | "server" | "location" | "stream" | "stream_server";
const WHERE: readonly Where[] = ["main", "events", "http", "server", "location", "stream", "stream_server"];

const LUA = ["/usr/lib/nginx/modules/ndk_http_module.so", "/usr/lib/nginx/modules/ngx_http_lua_module.so"];
const STREAM = "/usr/lib/nginx/modules/ngx_stream_module.so";
const HAVE_LUA = LUA.every((m) => fs.existsSync(m));
const HAVE_STREAM = fs.existsSync(STREAM);

/**
 * A main configuration with a body for each block (each on lines of its own). Lua is loaded only for the
 * cases that name it (it triples nginx -t's time), stream only for stream cases; the stream server
 * answers with `return` unless the case is about `return`.
 */
function wrap(port: number, body: Partial<Record<Where, string>>): string {
  const lua = Object.values(body).some((t) => t.includes("lua"));
  const stream = body.stream !== undefined || body.stream_server !== undefined;
  const modules = [...(lua ? LUA : []), ...(stream ? [STREAM] : [])];
  const lines = [...modules.map((m) => `load_module ${m};`), "error_log stderr;", body.main ?? ""];
  lines.push("events {", body.events ?? "", "}");
  lines.push("http {", "access_log off;", body.http ?? "", "server {", `listen 127.0.0.1:${port};`, body.server ?? "");
  lines.push("location / {", body.location ?? "", "}", "}", "}");
  if (stream) {
    const own = body.stream_server ?? "";
    const answer = /^return\b/.test(own) ? "" : "return x;";
    lines.push("stream {", body.stream ?? "", "server {", `listen 127.0.0.1:${port + 1000};`, answer, own, "}", "}");
  }
  return lines.join("\n") + "\n";
}

const ENUM_WORDS = [
  "off",
  "on",
  "none",
  "any",
  "all",
  "default",
  "strict",
  "optional",
  "require",
  "crit",
  "exact",
  "before",
  "modified",
  "buffer",
  "auto",
  "replace",
  "upstream",
  "sse",
  "html",
  "1.1",
  "info",
];

/** Values to try, by handler (a standard setter's syntax, or a handler of its own). */
function candidates(handler: string, name: string): string[] {
  switch (handler) {
    case "ngx_conf_set_flag_slot":
      return ["on"];
    case "ngx_conf_set_num_slot":
      return ["1", "10", "503", "512"];
    case "ngx_conf_set_size_slot":
    case "ngx_conf_set_off_slot":
      return ["8k", "1m"];
    case "ngx_conf_set_msec_slot":
    case "ngx_conf_set_sec_slot":
      return ["10s"];
    case "ngx_conf_set_str_slot":
      return ["word", "/tmp", "HIGH"];
    case "ngx_conf_set_bufs_slot":
      return ["8 8k", "4 16k"];
    case "ngx_conf_set_enum_slot":
      return ENUM_WORDS;
    case "ngx_conf_set_path_slot":
      return [`${PREFIX}tmp_${name}`];
    case "ngx_conf_set_access_slot":
      return ["user:rw"];
    case "ngx_http_set_complex_value_slot":
    case "ngx_http_set_complex_value_zero_slot":
    case "ngx_http_set_complex_value_size_slot":
      return ["10", "$uri", "word"];
    default:
      return CUSTOM[handler] ?? [];
  }
}

/** Handlers of their own, with a value each accepts (read from their source). */
const CUSTOM: Record<string, string[]> = {
  ngx_http_proxy_pass: ["http://127.0.0.1:1"],
  ngx_http_fastcgi_pass: ["127.0.0.1:1"],
  ngx_http_uwsgi_pass: ["127.0.0.1:1"],
  ngx_http_scgi_pass: ["127.0.0.1:1"],
  ngx_http_grpc_pass: ["127.0.0.1:1"],
  ngx_http_memcached_pass: ["127.0.0.1:1"],
  ngx_http_try_files: ["$uri =404"],
  ngx_http_core_keepalive: ["10s"],
  ngx_http_core_internal: [""],
  ngx_http_core_root: ["/srv"],
  ngx_http_core_directio: ["off", "4m"],
  ngx_http_core_set_aio: ["off"],
  ngx_http_core_open_file_cache: ["off"],
  ngx_http_core_resolver: ["127.0.0.1"],
  ngx_http_disable_symlinks: ["off"],
  ngx_http_headers_expires: ["1h"],
  ngx_http_auth_request: ["/auth"],
  ngx_http_auth_basic_user_file: [`${PREFIX}htpasswd`],
  ngx_http_proxy_store: ["off"],
  ngx_http_fastcgi_store: ["off"],
  ngx_http_uwsgi_store: ["off"],
  ngx_http_scgi_store: ["off"],
  ngx_http_proxy_cache_key: ["$uri"],
  ngx_http_fastcgi_cache_key: ["$uri"],
  ngx_http_uwsgi_cache_key: ["$uri"],
  ngx_http_scgi_cache_key: ["$uri"],
  ngx_http_proxy_cache: ["off"],
  ngx_http_fastcgi_cache: ["off"],
  ngx_http_uwsgi_cache: ["off"],
  ngx_http_scgi_cache: ["off"],
  ngx_http_realip: ["X-Real-IP"],
  ngx_http_log_open_file_cache: ["off"],
  ngx_http_set_charset_slot: ["utf-8"],
  ngx_http_userid_expires: ["1h"],
  ngx_http_userid_mark: ["off"],
  ngx_http_upstream_bind_set_slot: ["off", "127.0.0.1"],
  ngx_http_proxy_redirect: ["off"],
  ngx_http_proxy_cookie_domain: ["off"],
  ngx_http_proxy_cookie_path: ["off"],
  ngx_http_proxy_cookie_flags: ["off"],
  ngx_http_mirror: ["off"],
  ngx_set_worker_processes: ["1"],
  ngx_set_priority: ["0"],
  ngx_set_cpu_affinity: ["auto"],
  ngx_event_connections: ["100"],
  ngx_event_use: ["epoll"],
  ngx_stream_proxy_pass: ["127.0.0.1:1"],
  ngx_stream_return: ["x"],
  ngx_stream_core_resolver: ["127.0.0.1"],
  ngx_stream_proxy_bind: ["off", "127.0.0.1"],
  ngx_stream_log_open_file_cache: ["off"],
  ngx_stream_set_complex_value_slot: ["x"],
  ngx_stream_set_complex_value_zero_slot: ["x"],
  ngx_stream_set_complex_value_size_slot: ["10"],
  ngx_http_lua_package_path: ["'/tmp/?.lua;;'"],
  ngx_http_lua_package_cpath: ["'/tmp/?.so;;'"],
  ngx_http_lua_capture_error_log: ["4k"],
  ...Object.fromEntries(
    [
      "rewrite",
      "server_rewrite",
      "access",
      "content",
      "log",
      "header_filter",
      "body_filter",
      "init",
      "init_worker",
      "exit_worker",
      "ssl_cert",
      "ssl_client_hello",
    ].map((p) => [`ngx_http_lua_${p}_by_lua`, ["'local a = 1'", "x.lua"]]),
  ),
};

interface Probe {
  name: string;
  where: Where;
  handler: string;
  values: string[];
  /** Written `name { }` (a Lua block). */
  block: boolean;
}

/** Names the wrapper or the test's command line sets already, or that need root. */
const SKIP = new Set(["pid", "user", "load_module", "error_log", "include", "daemon", "master_process"]);

/** The directive/block pairs to generate, with their candidate values. */
function probes(): Probe[] {
  const out: Probe[] = [];
  for (const name of directiveNames()) {
    if (SKIP.has(name)) continue;
    const done = new Set<Where>();
    for (const v of lookupDirective(name)) {
      if (v.removed !== null || !v.handler) continue;
      if (v.repo !== "nginx/nginx" && !(HAVE_LUA && v.repo === "openresty/lua-nginx-module")) continue;
      const lua = v.body === "lua";
      if (v.block && !lua) continue;
      const values = lua ? ["{ }"] : candidates(v.handler, name);
      if (values.length === 0) continue;
      for (const where of WHERE) {
        if (done.has(where) || !v.contexts.includes(where)) continue;
        if ((where === "stream" || where === "stream_server") && !HAVE_STREAM) continue;
        done.add(where);
        out.push({ name, where, handler: v.handler, values, block: lua });
      }
    }
  }
  return out;
}

const OUTER: Partial<Record<Where, Where>> = { server: "http", location: "server", stream_server: "stream" };

const stmt = (name: string, value: string): string =>
  value === "" ? `${name};` : value === "{ }" ? `${name} { }` : `${name} ${value};`;

describe("rule duplicate: generated cases against the real nginx -t", function () {
  // Under 30 s on an idle 2-core machine; generous for a machine shared with other work.
  this.timeout(300000);
  let outcomes: Outcome[] = [];
  let uncovered: string[] = [];

  before(async function () {
    if (!nginxBinary()) this.skip();
    const t0 = Date.now();
    // 1. A value nginx accepts once, per directive and block: candidates tried in rounds.
    const all = probes();
    const accepted = new Map<Probe, string>();
    let pending = all.slice();
    for (let round = 0; pending.length > 0; round++) {
      const trying = pending.filter((p) => round < p.values.length);
      if (trying.length === 0) break;
      const verdicts = await nginxTestAll(trying.map((p) => wrap(18200, { [p.where]: stmt(p.name, p.values[round]) })));
      trying.forEach((p, i) => {
        if (verdicts[i].ok) accepted.set(p, p.values[round]);
      });
      pending = trying.filter((p) => !accepted.has(p));
    }
    uncovered = all.filter((p) => !accepted.has(p)).map((p) => `${p.name}@${p.where}`);
    // 2. Twice in one block; once in http and once in the server.
    const cases: OracleCase[] = [];
    for (const [p, value] of accepted) {
      const s = stmt(p.name, value);
      cases.push({ name: `${p.name} twice in ${p.where}`, text: wrap(18202, { [p.where]: `${s}\n${s}` }) });
      // Once in the enclosing block and once inside: the inner value overrides, nginx accepts it.
      const outer = OUTER[p.where];
      if (outer && all.some((q) => q.name === p.name && q.where === outer))
        cases.push({ name: `${p.name} in ${outer} and ${p.where}`, text: wrap(18203, { [outer]: s, [p.where]: s }) });
    }
    for (const c of HAND_CASES) cases.push(c);
    const t1 = Date.now();
    outcomes = await runOracle(cases);
    console.log(`      (values found in ${t1 - t0} ms, ${cases.length} cases run in ${Date.now() - t1} ms)`);
  });

  it("agrees with nginx on ≥ 99% of the verdicts and lines", function () {
    if (!nginxBinary()) this.skip();
    const f = figures(outcomes);
    const off = outcomes.filter((o) => !o.verdictAgrees || o.lineAgrees === false);
    console.log(
      `      duplicate: ${f.cases} cases, verdict ${f.verdict}/${f.cases} (${((100 * f.verdict) / f.cases).toFixed(1)}%), ` +
        `line ${f.lines}/${f.lineCases}; no value found for ${uncovered.length} directive/block pairs`,
    );
    for (const o of off) console.log(`        disagrees: ${describe1(o)}`);
    // Not a disagreement: no candidate value was accepted alone (a directive that needs another one first,
    // a file, a zone, or a value the candidates lack); these are not generated.
    console.log(`        no value: ${uncovered.join(" ")}`);
    assert.ok(f.cases > 100, "cases were generated");
    assert.ok(f.verdict / f.cases >= 0.99, "verdicts agree");
    assert.ok(f.lines / Math.max(1, f.lineCases) >= 0.99, "lines agree");
  });

  it("predicts nginx's conflicting server name, duplicate extension and duplicate network warnings", function () {
    if (!nginxBinary()) this.skip();
    const ours = /^(conflicting server name|duplicate extension|duplicate network)/;
    for (const o of outcomes.filter((x) => x.c.name.startsWith("warn:"))) {
      const mine = o.product.filter((f) => f.severity === "warning" && f.ruleId === "duplicate").map((f) => f.message);
      // nginx prints a `default` geo duplicate twice (its IPv4 and IPv6 trees): compared as a set.
      const theirs = [...new Set(o.nginxWarnings.filter((w) => ours.test(w)))];
      assert.deepEqual(mine.sort(), theirs.sort(), o.c.name);
    }
  });
});

const srv = (port: number | string, body: string): string => `server { listen ${port}; ${body} }`;
const http = (body: string): string => `error_log stderr;\nevents { }\nhttp {\naccess_log off;\n${body}\n}\n`;

/** Locations, upstreams, listen, server names, map keys, root/alias, handlers with conditions. */
const HAND_CASES: OracleCase[] = [
  { name: "two equal prefix locations", text: http(srv("127.0.0.1:18300", "location /a { }\nlocation /a { }")) },
  { name: "prefix and ^~ with one path", text: http(srv("127.0.0.1:18300", "location /a { }\nlocation ^~ /a { }")) },
  { name: "two exact locations", text: http(srv("127.0.0.1:18300", "location = /a { }\nlocation = /a { }")) },
  { name: "exact and prefix with one path", text: http(srv("127.0.0.1:18300", "location = /a { }\nlocation /a { }")) },
  { name: "two regex locations", text: http(srv("127.0.0.1:18300", "location ~ ^/a { }\nlocation ~ ^/a { }")) },
  { name: "two named locations", text: http(srv("127.0.0.1:18300", "location @a { }\nlocation @a { }")) },
  {
    name: "nested duplicates",
    text: http(srv("127.0.0.1:18300", "location /a {\nlocation /a/b { }\nlocation /a/b { }\n}")),
  },
  {
    name: "same path in two servers",
    text: http(srv("127.0.0.1:18300", "location /a { }") + "\n" + srv("127.0.0.1:18301", "location /a { }")),
  },
  { name: "case differs", text: http(srv("127.0.0.1:18300", "location /a { }\nlocation /A { }")) },
  { name: "two upstreams", text: http("upstream u { server 127.0.0.1:1; }\nupstream u { server 127.0.0.1:2; }") },
  { name: "two upstreams, case", text: http("upstream u { server 127.0.0.1:1; }\nupstream U { server 127.0.0.1:2; }") },
  {
    name: "proxy_pass then upstream",
    text: http(srv("127.0.0.1:18300", "location / { proxy_pass http://u; }") + "\nupstream u { server 127.0.0.1:1; }"),
  },
  { name: "listen twice in a server", text: http(srv("127.0.0.1:18300", "listen 127.0.0.1:18300;")) },
  {
    name: "listen options twice",
    text: http(srv("127.0.0.1:18300 backlog=10", "") + "\n" + srv("127.0.0.1:18300 backlog=20", "")),
  },
  {
    name: "listen options once",
    text: http(srv("127.0.0.1:18300 backlog=10", "") + "\n" + srv("127.0.0.1:18300", "")),
  },
  {
    name: "default server twice",
    text: http(srv("127.0.0.1:18300 default_server", "") + "\n" + srv("127.0.0.1:18300 default_server", "")),
  },
  {
    name: "default server on two addresses",
    text: http(srv("127.0.0.1:18300 default_server", "") + "\n" + srv("127.0.0.1:18301 default_server", "")),
  },
  {
    name: "default twice, older word",
    text: http(srv("127.0.0.1:18300 default", "") + "\n" + srv("127.0.0.1:18300 default_server", "")),
  },
  {
    name: "reuseport twice",
    text: http(srv("127.0.0.1:18300 reuseport", "") + "\n" + srv("127.0.0.1:18300 reuseport", "")),
  },
  {
    name: "ssl on two servers (not an option)",
    text: http(srv("127.0.0.1:18300 http2", "") + "\n" + srv("127.0.0.1:18300 http2", "")),
  },
  {
    name: "warn: one name, two servers",
    text: http(
      srv("127.0.0.1:18300", "server_name a.example;") + "\n" + srv("127.0.0.1:18300", "server_name a.example;"),
    ),
  },
  {
    name: "warn: one name, case",
    text: http(
      srv("127.0.0.1:18300", "server_name a.example;") + "\n" + srv("127.0.0.1:18300", "server_name A.example;"),
    ),
  },
  {
    name: "warn: one name, two addresses",
    text: http(
      srv("127.0.0.1:18300", "server_name a.example;") + "\n" + srv("127.0.0.1:18301", "server_name a.example;"),
    ),
  },
  { name: "map key twice", text: http("map $uri $m {\na 1;\na 2;\n}") },
  { name: "map default twice", text: http("map $uri $m {\ndefault 1;\ndefault 2;\n}") },
  { name: "map key, case", text: http("map $uri $m {\na 1;\nA 2;\n}") },
  { name: "map regex twice", text: http("map $uri $m {\n~a 1;\n~a 2;\n}") },
  { name: "root then alias", text: http(srv("127.0.0.1:18300", "location /a/ {\nroot /srv;\nalias /srv/;\n}")) },
  { name: "alias then root", text: http(srv("127.0.0.1:18300", "location /a/ {\nalias /srv/;\nroot /srv;\n}")) },
  { name: "root twice", text: http(srv("127.0.0.1:18300", "root /srv;\nroot /srv;")) },
  {
    name: "root in server, alias in location",
    text: http(srv("127.0.0.1:18300", "root /srv;\nlocation /a/ { alias /srv/; }")),
  },
  {
    name: "limit_req one zone twice",
    text: http(
      "limit_req_zone $uri zone=z:1m rate=1r/s;\n" +
        srv("127.0.0.1:18300", "limit_req zone=z;\nlimit_req zone=z burst=5;"),
    ),
  },
  {
    name: "limit_req two zones",
    text: http(
      "limit_req_zone $uri zone=z:1m rate=1r/s;\nlimit_req_zone $uri zone=y:1m rate=1r/s;\n" +
        srv("127.0.0.1:18300", "limit_req zone=z;\nlimit_req zone=y;"),
    ),
  },
  {
    name: "limit_conn one zone twice",
    text: http("limit_conn_zone $uri zone=z:1m;\n" + srv("127.0.0.1:18300", "limit_conn z 1;\nlimit_conn z 2;")),
  },
  {
    name: "proxy_redirect off then value",
    text: http(srv("127.0.0.1:18300", "proxy_redirect off;\nproxy_redirect / /a/;")),
  },
  {
    name: "proxy_redirect values",
    text: http(srv("127.0.0.1:18300", "proxy_redirect /b/ /a/;\nproxy_redirect / /a/;")),
  },
  {
    name: "proxy_redirect value then off",
    text: http(srv("127.0.0.1:18300", "proxy_redirect / /a/;\nproxy_redirect off;")),
  },
  { name: "mirror twice", text: http(srv("127.0.0.1:18300", "mirror /m;\nmirror /n;")) },
  { name: "mirror then off", text: http(srv("127.0.0.1:18300", "mirror /m;\nmirror off;")) },
  {
    name: "proxy_pass in if and location",
    text: http(
      srv(
        "127.0.0.1:18300",
        "location / {\nproxy_pass http://127.0.0.1:1;\nif ($uri) { proxy_pass http://127.0.0.1:2; }\n}",
      ),
    ),
  },
  {
    name: "gzip in if twice",
    text: http(srv("127.0.0.1:18300", "location / {\nif ($uri) {\ngzip on;\ngzip on;\n}\n}")),
  },
  {
    name: "limit_except twice",
    text: http(srv("127.0.0.1:18300", "location / {\nlimit_except GET { }\nlimit_except POST { }\n}")),
  },
  { name: "worker_priority 0 then 5", text: "worker_priority 0;\nworker_priority 5;\n" + http("") },
  { name: "worker_priority 5 then 0", text: "worker_priority 5;\nworker_priority 0;\n" + http("") },
  { name: "worker_processes twice", text: "worker_processes 1;\nworker_processes 2;\n" + http("") },
  { name: "events twice", text: "events { }\n" + http("") },
  { name: "http twice", text: http("") + "http { }\n" },
  {
    name: "worker_connections twice",
    text: "error_log stderr;\nevents {\nworker_connections 10;\nworker_connections 20;\n}\n",
  },
  { name: "gzip via include twice", text: http(srv("127.0.0.1:18300", "gzip on;\ngzip off;")) },
  {
    name: "keepalive in upstream twice",
    text: http("upstream u {\nserver 127.0.0.1:1;\nkeepalive 2;\nkeepalive 4;\n}"),
  },
  { name: "access_log twice", text: http(srv("127.0.0.1:18300", "access_log off;\naccess_log off;")) },
  { name: "error_log twice", text: http(srv("127.0.0.1:18300", "error_log stderr;\nerror_log stderr;")) },
  {
    name: "lua: content block then file",
    text: wrap(18310, { location: "content_by_lua_block {\n}\ncontent_by_lua_file x.lua;" }),
  },
  {
    name: "lua: content file then block",
    text: wrap(18311, { location: "content_by_lua_file x.lua;\ncontent_by_lua_block {\nlocal a = 1\n}" }),
  },
  {
    name: "lua: access in server and location",
    text: wrap(18312, { server: "access_by_lua_block { }", location: "access_by_lua_block { }" }),
  },
  {
    name: "lua: access and rewrite",
    text: wrap(18313, { location: "access_by_lua_block { }\nrewrite_by_lua_block { }" }),
  },
  { name: "lua: init twice", text: wrap(18314, { http: "init_by_lua_block { }\ninit_by_lua 'local a = 1';" }) },
  { name: "warn: types extension twice", text: http("types {\ntext/html html;\ntext/plain HTML htm;\n}") },
  {
    name: "warn: types extension twice, two blocks",
    text: http("types {\ntext/html html;\n}\ntypes {\ntext/plain html;\n}"),
  },
  {
    name: "warn: types in http and server",
    text: http("types {\ntext/html html;\n}\n" + srv("127.0.0.1:18300", "types { text/plain html; }")),
  },
  { name: "warn: geo network twice", text: http("geo $g {\n10.0.0.0/8 a;\n10.0.0.0/8 b;\n}") },
  { name: "warn: geo address and /32", text: http("geo $g {\n10.0.0.1 a;\n10.0.0.1/32 b;\n}") },
  { name: "warn: geo different masks", text: http("geo $g {\n10.0.0.0/8 a;\n10.0.0.0/16 b;\n}") },
  { name: "warn: geo ranges", text: http("geo $g {\nranges;\n10.0.0.1-10.0.0.9 a;\n10.0.0.1-10.0.0.9 b;\n}") },
  { name: "split_clients over 100%", text: http("split_clients $uri $s {\n60% a;\n50% b;\n}") },
  { name: "split_clients 100% and *", text: http("split_clients $uri $s {\n60% a;\n40% b;\n* c;\n}") },
  { name: "split_clients * then more", text: http("split_clients $uri $s {\n* c;\n10% a;\n}") },
  { name: "split_clients decimals", text: http("split_clients $uri $s {\n50.5% a;\n49.5% b;\n}") },
  { name: "split_clients decimals over", text: http("split_clients $uri $s {\n50.5% a;\n49.51% b;\n}") },
  {
    name: "proxy_store then proxy_cache",
    text: http(
      "proxy_cache_path @PREFIX@c keys_zone=c:1m;\n" + srv("127.0.0.1:18300", "proxy_store on;\nproxy_cache c;"),
    ),
  },
];

describe("rule duplicate: listen quic beside listen ssl on one port", function () {
  // nginx ≥ 1.25.0 keeps a `quic` listen's UDP port apart from the TCP one (ngx_http_add_listen compares the
  // socket type): nginx 1.26.3 (Debian trixie) accepts the pair, checked with the real binary by the quic
  // rules' helper (test/rules/quic-bpf.test.ts runs it where NGINX_RISK_QUIC_NGINX names one). Debian
  // 1.22.1 here has no quic, so this case is not an oracle case.
  const check = (body: string): string[] => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-quic-dup-"));
    try {
      const file = path.join(dir, "nginx.conf");
      fs.writeFileSync(file, `events {}\nhttp {\n${body}\n}\n`);
      return runChecks(loadConfiguration(file), { strict: false, nginxVersion: "1.26.3" })
        .filter((f) => f.ruleId === "duplicate")
        .map((f) => `${f.code} ${f.message}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  it("is no duplicate; two quic listens on the port are", function () {
    assert.deepEqual(check("server { listen 443 ssl; listen 443 quic reuseport; }"), []);
    assert.deepEqual(check("server { listen 443 quic; listen 443 quic; }"), ["listen a duplicate listen 0.0.0.0:443"]);
  });
});
