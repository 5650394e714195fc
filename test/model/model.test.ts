// The effective-configuration model: which contexts nginx creates (kind, file, range, parent), which of
// them are http *location configurations* (merged loc_confs, semantics.md §1) and in which order, what a
// block sets itself versus inherits, across included files. Every expectation below is counted by hand from
// the configuration text and the nginx behaviour semantics.md describes, not copied from the code's output.

import { strict as assert } from "assert";
import {
  buildModel,
  contextsAt,
  effective,
  ownDirectivesWhere,
  type ConfigContext,
  type ConfigModel,
} from "../../server/src/model";
import { loadConfiguration, type LoadOptions } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";

const ROOT = "/p/nginx.conf";

function model(files: Record<string, string>, options: Partial<LoadOptions> = {}, root = ROOT): ConfigModel {
  const config = loadConfiguration(root, { source: new MemoryFileSource(files), ...options });
  assert.deepEqual(
    config.diagnostics.map((d) => `${d.path}:${d.range.start.line + 1}: ${d.code} ${d.message}`),
    [],
    "test configurations are valid",
  );
  return buildModel(config);
}

/** `id kind file:startLine-endLine <parentId` (1-based lines; `-` for blocks without a directive; `root` for main). */
function row(c: ConfigContext): string {
  const r = c.range;
  const where = r ? `${r.start.line + 1}-${r.end.line + 1}` : "-";
  return `${c.id} ${c.kind} ${c.file.path}:${where} ${c.parent ? `<${c.parent.id}` : "root"}`;
}

function byLabel(m: ConfigModel, label: string, nth = 0): ConfigContext {
  const found = m.contexts.filter((c) => c.label === label);
  assert.ok(found.length > nth, `no context #${nth} labelled ${label}: ${m.contexts.map((c) => c.label).join(", ")}`);
  return found[nth];
}

/** A position (0-based line, character) in `text` as a UTF-16 offset. */
function offsetOf(text: string, line: number, character: number): number {
  const lines = text.split("\n");
  let off = 0;
  for (let i = 0; i < line; i++) off += lines[i].length + 1;
  return off + character;
}

// Every kind of block in one main file. Line numbers (1-based) are written at the right of each line.
const ALL_KINDS = [
  "user nginx;", // 1
  "events { worker_connections 64; }", // 2
  "http {", // 3
  "    types { text/html html; }", // 4
  "    map $uri $m { default 0; /a 1; }", // 5
  "    geo $g { default 0; 10.0.0.0/8 1; }", // 6
  "    upstream up { server 127.0.0.1:9; }", // 7
  "    server {", // 8
  "        listen 80;", // 9
  "        if ($host = x) { return 404; }", // 10
  "        location / { }", // 11
  "        location = /exact { }", // 12
  "        location ^~ /static/ { }", // 13
  "        location ~ \\.php$ { }", // 14
  "        location ~* \\.jpg$ { }", // 15
  "        location @named { }", // 16
  "        location =/glued { }", // 17
  "        location ~*\\.png$ { }", // 18
  "        location ^~/img/ { }", // 19
  "        location ~^/re { }", // 20
  "        location /outer {", // 21
  "            location /outer/inner { }", // 22
  "            if ($arg_x) { return 403; }", // 23
  "            limit_except GET POST {", // 24
  "                deny all;", // 25
  "            }", // 26
  "        }", // 27
  "    }", // 28
  "}", // 29
  "stream {", // 30
  "    upstream sup { server 127.0.0.1:10; }", // 31
  "    server { listen 12345; }", // 32
  "}", // 33
  "mail {", // 34
  "    server { listen 25; protocol smtp; }", // 35
  "}", // 36
  "",
].join("\n");

describe("model: contexts", function () {
  it("every block kind, with its file, range and parent, in reading order", function () {
    const m = model({ [ROOT]: ALL_KINDS });
    assert.deepEqual(m.contexts.map(row), [
      "0 main /p/nginx.conf:- root",
      "1 events /p/nginx.conf:2-2 <0",
      "2 http /p/nginx.conf:3-29 <0",
      "3 types /p/nginx.conf:4-4 <2",
      "4 map /p/nginx.conf:5-5 <2",
      "5 geo /p/nginx.conf:6-6 <2",
      "6 upstream /p/nginx.conf:7-7 <2",
      "7 server /p/nginx.conf:8-28 <2",
      "8 if /p/nginx.conf:10-10 <7",
      "9 location /p/nginx.conf:11-11 <7",
      "10 location /p/nginx.conf:12-12 <7",
      "11 location /p/nginx.conf:13-13 <7",
      "12 location /p/nginx.conf:14-14 <7",
      "13 location /p/nginx.conf:15-15 <7",
      "14 location /p/nginx.conf:16-16 <7",
      "15 location /p/nginx.conf:17-17 <7",
      "16 location /p/nginx.conf:18-18 <7",
      "17 location /p/nginx.conf:19-19 <7",
      "18 location /p/nginx.conf:20-20 <7",
      "19 location /p/nginx.conf:21-27 <7",
      "20 location /p/nginx.conf:22-22 <19",
      "21 if /p/nginx.conf:23-23 <19",
      "22 limit_except /p/nginx.conf:24-26 <19",
      "23 stream /p/nginx.conf:30-33 <0",
      "24 stream-upstream /p/nginx.conf:31-31 <23",
      "25 stream-server /p/nginx.conf:32-32 <23",
      "26 mail /p/nginx.conf:34-36 <0",
      "27 mail-server /p/nginx.conf:35-35 <26",
    ]);
    // ids are indexes; children lists agree with parents.
    m.contexts.forEach((c, i) => assert.equal(c.id, i));
    for (const c of m.contexts) for (const ch of c.children) assert.equal(ch.parent, c);
    assert.deepEqual(
      m.contexts[19].children.map((c) => c.id),
      [20, 21, 22],
    );
    assert.equal(m.main.directive, null);
    assert.equal(m.main, m.contexts[0]);
  });

  it("location modifiers: separate and glued to the path (ngx_http_core_location accepts both)", function () {
    const m = model({ [ROOT]: ALL_KINDS });
    assert.deepEqual(
      m.contexts.filter((c) => c.kind === "location").map((c) => [c.location?.modifier, c.location?.path]),
      [
        ["", "/"],
        ["=", "/exact"],
        ["^~", "/static/"],
        ["~", "\\.php$"],
        ["~*", "\\.jpg$"],
        ["@", "@named"],
        ["=", "/glued"], // `=/glued`
        ["~*", "\\.png$"], // `~*\.png$`: the `*` belongs to the modifier, not the regex
        ["^~", "/img/"], // `^~/img/`
        ["~", "^/re"], // `~^/re`: a regex anchored with ^
        ["", "/outer"],
        ["", "/outer/inner"],
      ],
    );
    // Non-location blocks carry no location info.
    assert.equal(m.contexts[7].location, undefined);
  });

  it("locationConfigurations: each server, then its locations depth-first (if, limit_except included; http not)", function () {
    const m = model({ [ROOT]: ALL_KINDS });
    // server (line 8) + if (10) + the 11 locations of lines 11–21 + /outer/inner + if + limit_except = 16.
    // Not: main, events, http (never merged as a child), types/map/geo/upstream, stream, mail and their servers.
    assert.deepEqual(
      m.locationConfigurations.map((c) => c.id),
      [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22],
    );
    assert.equal(m.locationConfigurations.length, 16);
    assert.deepEqual(
      m.contexts.filter((c) => c.isLocationConfiguration).map((c) => c.id),
      m.locationConfigurations.map((c) => c.id),
    );
    assert.deepEqual(
      m.streamServers.map((c) => c.id),
      [25],
    );
  });

  it("merge order across servers: server A, A's locations (nested depth-first), then server B, …", function () {
    const text = [
      "http {",
      "    server { listen 1; location /a { location /a/1 { } if ($x) { } } location /b { } }",
      "    server { listen 2; if ($y) { } location /c { limit_except GET { } } }",
      "    server { listen 3; }",
      "}",
    ].join("\n");
    const m = model({ [ROOT]: text });
    assert.deepEqual(
      m.locationConfigurations.map((c) => c.label),
      [
        "server 1",
        "location /a",
        "location /a/1",
        "if ($x)",
        "location /b",
        "server 2",
        "if ($y)",
        "location /c",
        "limit_except GET",
        "server 3",
      ],
    );
  });

  it("blocks in the wrong place are 'block', not location configurations", function () {
    // `location` directly in http and `limit_except` in a server are errors for nginx; the model does not
    // pretend they are merged loc_confs.
    const m = model({ [ROOT]: "http { location /x { } server { limit_except GET { } } }" });
    assert.deepEqual(
      m.contexts.map((c) => c.kind),
      ["main", "http", "block", "server", "block"],
    );
    assert.deepEqual(
      m.locationConfigurations.map((c) => c.kind),
      ["server"],
    );
  });
});

describe("model: included files", function () {
  // Globs at http, server and location level; conf.d/*.conf sorted: a.conf, b.conf.
  const FILES = {
    [ROOT]: [
      "http {", // 1
      "    include http.d/*.conf;", // 2
      "    server {", // 3
      "        listen 80;", // 4
      "        include srv.d/*.conf;", // 5
      "        location /a { }", // 6
      "        location /b { gzip on; }", // 7
      "    }", // 8
      "}", // 9
    ].join("\n"),
    "/p/http.d/a.conf": "proxy_read_timeout 10s;\n",
    "/p/http.d/b.conf": "gzip_types text/css;\nclient_max_body_size 1m;\n",
    "/p/srv.d/x.conf": "gzip off;\nlocation /inc {\n    include loc.d/*.conf;\n}\n",
    "/p/loc.d/1.conf": "client_max_body_size 5m;\nlocation /inc/deep { }\n",
  };

  it("contexts of included files are written in those files, under the include site's block", function () {
    const m = model(FILES);
    assert.deepEqual(m.contexts.map(row), [
      "0 main /p/nginx.conf:- root",
      "1 http /p/nginx.conf:1-9 <0",
      "2 server /p/nginx.conf:3-8 <1",
      "3 location /p/srv.d/x.conf:2-4 <2",
      "4 location /p/loc.d/1.conf:2-2 <3",
      "5 location /p/nginx.conf:6-6 <2",
      "6 location /p/nginx.conf:7-7 <2",
    ]);
    assert.deepEqual(
      m.locationConfigurations.map((c) => c.label),
      ["server 80", "location /inc", "location /inc/deep", "location /a", "location /b"],
    );
  });

  it("effective(): own vs inherited, and from which context and file", function () {
    const m = model(FILES);
    const http = m.contexts[1];
    const server = m.contexts[2];
    const inc = byLabel(m, "location /inc");
    const deep = byLabel(m, "location /inc/deep");
    const a = byLabel(m, "location /a");
    const b = byLabel(m, "location /b");

    // gzip: set in srv.d/x.conf (server level) and in /b. /a inherits the server's; /b has its own.
    const ga = effective(a, "gzip")!;
    assert.equal(ga.from, server);
    assert.equal(ga.inherited, true);
    assert.deepEqual(
      ga.sites.map((s) => [s.file.path, s.directive.range.start.line + 1, s.directive.args[0].value]),
      [["/p/srv.d/x.conf", 1, "off"]],
    );
    const gb = effective(b, "gzip")!;
    assert.equal(gb.from, b);
    assert.equal(gb.inherited, false);
    assert.equal(gb.sites[0].directive.args[0].value, "on");
    const gs = effective(server, "gzip")!;
    assert.equal(gs.from, server);
    assert.equal(gs.inherited, false);

    // proxy_read_timeout: http level, through http.d/a.conf; inherited by every level below.
    for (const c of [server, inc, deep, a, b]) {
      const e = effective(c, "proxy_read_timeout")!;
      assert.equal(e.from, http, c.label);
      assert.equal(e.inherited, true);
      assert.equal(e.sites[0].file.path, "/p/http.d/a.conf");
    }
    assert.equal(effective(http, "proxy_read_timeout")!.inherited, false);

    // client_max_body_size: http (http.d/b.conf line 2) and location /inc (loc.d/1.conf line 1, included in /inc).
    const cd = effective(deep, "client_max_body_size")!;
    assert.equal(cd.from, inc);
    assert.equal(cd.inherited, true);
    assert.deepEqual(
      [cd.sites[0].file.path, cd.sites[0].directive.range.start.line + 1, cd.sites[0].directive.args[0].value],
      ["/p/loc.d/1.conf", 1, "5m"],
    );
    const ca = effective(a, "client_max_body_size")!;
    assert.equal(ca.from, http);
    assert.deepEqual([ca.sites[0].file.path, ca.sites[0].directive.range.start.line + 1], ["/p/http.d/b.conf", 2]);

    // Not set anywhere; and stopAt limits the walk (stops after the server).
    assert.equal(effective(a, "proxy_buffering"), null);
    assert.equal(effective(a, "proxy_read_timeout", "server"), null);
    assert.equal(effective(a, "gzip", "server")!.from, server);
    assert.equal(effective(a, "gzip", "location"), null, "stops at /a itself, which does not set gzip");
  });

  it("a block's sites are made when first read: what an include brings in is found before any of them is read", function () {
    // Nothing read before these questions (no label, no `directives`): a block's statements are looked at
    // first (ownSites, ownDirectivesWhere), and an `include` among them must count as a possible setter.
    const m = model(FILES);
    const [, http, server, inc, deep] = m.contexts;
    const e = effective(deep, "client_max_body_size")!;
    assert.equal(e.from, inc);
    assert.deepEqual([e.sites[0].file.path, e.sites[0].directive.args[0].value], ["/p/loc.d/1.conf", "5m"]);
    assert.equal(effective(server, "gzip")!.sites[0].file.path, "/p/srv.d/x.conf");
    assert.equal(effective(server, "proxy_read_timeout")!.from, http);
    assert.deepEqual(
      ownDirectivesWhere(inc, (n) => n === "client_max_body_size").map((d) => d.args[0].value),
      ["5m"],
    );
    assert.deepEqual(
      ownDirectivesWhere(server, (n) => n === "gzip" || n === "listen").map((d) => d.name),
      ["listen", "gzip"],
    );
    // The sites read later are the ones the answers gave.
    assert.ok(inc.directives.includes(e.sites[0]));
  });

  it("the include directives themselves are sites of their block (they are where the file lands)", function () {
    const m = model(FILES);
    assert.deepEqual(
      m.sitesOf("include").map((s) => [s.context.label, s.file.path]),
      [
        ["http", "/p/nginx.conf"],
        ["server 80", "/p/nginx.conf"],
        ["location /inc", "/p/srv.d/x.conf"],
      ],
    );
  });

  it("a file included twice yields two sets of contexts, each under its own include site", function () {
    const m = model({
      [ROOT]: [
        "http {",
        "    server { listen 1; include locations.conf; }",
        "    server { listen 2; include locations.conf; }",
        "}",
      ].join("\n"),
      "/p/locations.conf": "location / { }\nlocation /x {\n    proxy_read_timeout 5s;\n    location /x/y { }\n}\n",
    });
    // Per server: server + / + /x + /x/y = 4; two servers = 8.
    assert.equal(m.locationConfigurations.length, 8);
    assert.deepEqual(
      m.locationConfigurations.map((c) => `${c.label}@${c.file.path}`),
      [
        "server 1@/p/nginx.conf",
        "location /@/p/locations.conf",
        "location /x@/p/locations.conf",
        "location /x/y@/p/locations.conf",
        "server 2@/p/nginx.conf",
        "location /@/p/locations.conf",
        "location /x@/p/locations.conf",
        "location /x/y@/p/locations.conf",
      ],
    );
    const [x1, x2] = [byLabel(m, "location /x", 0), byLabel(m, "location /x", 1)];
    assert.equal(x1.parent!.label, "server 1");
    assert.equal(x2.parent!.label, "server 2");
    assert.notEqual(x1.file, x2.file, "two instances of the same file");
    assert.equal(x1.file.path, x2.file.path);
    // The directive is one position in one file but two sites, one per instance.
    const sites = m.sitesOf("proxy_read_timeout");
    assert.equal(sites.length, 2);
    assert.equal(sites[0].directive, sites[1].directive, "the same parsed directive");
    assert.deepEqual(
      sites.map((s) => s.context),
      [x1, x2],
    );
    // Each /x/y inherits from its own /x.
    assert.equal(effective(byLabel(m, "location /x/y", 0), "proxy_read_timeout")!.from, x1);
    assert.equal(effective(byLabel(m, "location /x/y", 1), "proxy_read_timeout")!.from, x2);
  });

  it("a snippet analysed in a guessed context [http, server] (rootContext)", function () {
    const snippet = [
      "proxy_read_timeout 3s;", // 1: server level (implied)
      "location / { }", // 2
      "location /x {", // 3
      "    if ($a) { return 404; }", // 4
      "}", // 5
    ].join("\n");
    const m = model({ "/p/site.conf": snippet }, { rootContext: ["http", "server"] }, "/p/site.conf");
    assert.deepEqual(m.contexts.map(row), [
      "0 main /p/site.conf:- root",
      "1 http /p/site.conf:- <0",
      "2 server /p/site.conf:- <1",
      "3 location /p/site.conf:2-2 <2",
      "4 location /p/site.conf:3-5 <2",
      "5 if /p/site.conf:4-4 <4",
    ]);
    // The implied server is a location configuration (it is a server); the implied http is not.
    // server + / + /x + if = 4.
    assert.deepEqual(
      m.locationConfigurations.map((c) => c.id),
      [2, 3, 4, 5],
    );
    const e = effective(m.contexts[5], "proxy_read_timeout")!;
    assert.equal(e.from, m.contexts[2]);
    assert.equal(e.inherited, true);

    // [http] only: `server { … }` in the snippet is a real server block.
    const m2 = model({ "/p/site": "server { location / { } }" }, { rootContext: ["http"] }, "/p/site");
    assert.deepEqual(
      m2.contexts.map((c) => c.kind),
      ["main", "http", "server", "location"],
    );
    assert.equal(m2.locationConfigurations.length, 2);
  });
});

describe("model: contextsAt (hover positions)", function () {
  it("innermost first, only blocks of that file that contain the offset", function () {
    const m = model({ [ROOT]: ALL_KINDS });
    const at = (line: number, character: number): string[] =>
      contextsAt(m, ROOT, offsetOf(ALL_KINDS, line - 1, character)).map((c) => c.label);
    // Inside `location /outer/inner { }` (line 22, on its `{`).
    assert.deepEqual(at(22, 35), ["location /outer/inner", "location /outer", "server 80", "http"]);
    // On `deny all;` inside limit_except (line 25).
    assert.deepEqual(at(25, 17), ["limit_except GET POST", "location /outer", "server 80", "http"]);
    // In the if in the server (line 10).
    assert.deepEqual(at(10, 28), ["if ($host = x)", "server 80", "http"]);
    // On `listen 80;` (line 9): only server and http.
    assert.deepEqual(at(9, 9), ["server 80", "http"]);
    // On `user nginx;` (line 1): main has no directive, nothing contains it.
    assert.deepEqual(at(1, 2), []);
    // In the stream server (line 32).
    assert.deepEqual(at(32, 15), ["server 12345", "stream"]);
    // A path that is not in the configuration.
    assert.deepEqual(contextsAt(m, "/p/other.conf", 10), []);
  });

  it("a file included twice: one context per instance", function () {
    const loc = "location /x {\n    return 204;\n}\n";
    const main = "http {\n    server { listen 1; include l.conf; }\n    server { listen 2; include l.conf; }\n}\n";
    const m = model({ [ROOT]: main, "/p/l.conf": loc });
    const found = contextsAt(m, "/p/l.conf", offsetOf(loc, 1, 6));
    assert.deepEqual(
      found.map((c) => [c.label, c.parent!.label]),
      [
        ["location /x", "server 1"],
        ["location /x", "server 2"],
      ],
    );
    // The include line in nginx.conf is inside server and http only (the included file's blocks are elsewhere).
    assert.deepEqual(
      contextsAt(m, ROOT, main.indexOf("include l.conf") + 2).map((c) => c.label),
      ["server 1", "http"],
    );
  });
});
