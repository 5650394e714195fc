// Go-to-definition and references across the files of one configuration (temp folders and examples/),
// with the real `nginx -t` deciding what a name means where it matters: an upstream name that nginx
// cannot find is a host it fails to resolve, a `try_files … @missing` is accepted.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { buildModel } from "../../server/src/model";
import { definitionAt, referencesAt, type NavLocation } from "../../server/src/navigate";
import type { Node } from "../../server/src/parse/ast";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { isStockPath } from "../../server/src/workspace/stock-files";
import { CORPUS, haveShared, nginxBinary, readManifest, REPO } from "../support/shared";
import { CorpusSource, removeTree, tempTree } from "../workspace/helpers";
import { analyse, nginxTestDir, posIn, STREAM_MODULE } from "./helpers";

const MAIN = [
  `load_module ${STREAM_MODULE};`,
  "events {}",
  "http {",
  "    upstream backend { server 127.0.0.1:8081; }",
  "    include conf.d/*.conf;",
  "    include sites-enabled/*;",
  "}",
  "stream {",
  "    upstream dns { server 127.0.0.1:53; }",
  "    server { listen 127.0.0.1:5353 udp; proxy_pass dns; }",
  "}",
  "",
].join("\n");

const UPSTREAMS = "upstream Api {\n    server 127.0.0.1:8082;\n}\n";
const MAPS = "map $uri $is_api {\n    default 0;\n    ~^/api/ 1;\n}\n";

const APP = [
  "server {",
  "    listen 127.0.0.1:8080;",
  "    server_name app.example.com;",
  "    location / {",
  "        try_files $uri $uri/ @fallback;",
  "        proxy_pass http://backend;",
  "    }",
  "    location /api/ { proxy_pass http://api/v1/; }",
  "    location /grpc { grpc_pass grpc://backend; }",
  "    location /ext { proxy_pass http://127.0.0.1:9000; }",
  "    error_page 404 = @fallback;",
  "    include snippets/named.conf;",
  "}",
  "server {",
  "    listen 127.0.0.1:8081;",
  "    location / { try_files $uri @fallback; }",
  "}",
  "",
].join("\n");

const NAMED = "location @fallback {\n    return 200 fallback;\n}\n";

function brief(dir: string, list: NavLocation[]): string[] {
  return list.map((l) => `${path.relative(dir, l.path)}:${l.range.start.line}:${l.range.start.character}`);
}

function at(dir: string, rel: string, needle: string, delta = 0, nth = 0): string {
  const p = posIn(path.join(dir, rel), needle, delta, nth);
  return `${rel}:${p.line}:${p.character}`;
}

describe("navigate: definitions and references across files", function () {
  let dir: string;
  before(function () {
    dir = tempTree({
      "nginx.conf": MAIN,
      "conf.d/upstreams.conf": UPSTREAMS,
      "conf.d/maps.conf": MAPS,
      "sites-enabled/app.conf": APP,
      "snippets/named.conf": NAMED,
    });
  });
  after(() => removeTree(dir));

  const def = (rel: string, needle: string, delta = 1, nth = 0): string[] => {
    const a = analyse(path.join(dir, "nginx.conf"));
    const p = path.join(dir, rel);
    return brief(dir, definitionAt([a], p, posIn(p, needle, delta, nth)));
  };
  const refs = (rel: string, needle: string, decl: boolean, delta = 1, nth = 0): string[] => {
    const a = analyse(path.join(dir, "nginx.conf"));
    const p = path.join(dir, rel);
    return brief(dir, referencesAt([a], p, posIn(p, needle, delta, nth), decl));
  };

  it("the configuration is one nginx accepts (the names below mean what nginx makes of them)", function () {
    if (!nginxBinary() || !fs.existsSync(STREAM_MODULE)) this.skip();
    const v = nginxTestDir(dir);
    assert.ok(v.ok, v.output);
  });

  it("proxy_pass http://NAME goes to the upstream in another file (case-insensitive, as nginx matches)", function () {
    assert.deepEqual(def("sites-enabled/app.conf", "http://backend", 8), [at(dir, "nginx.conf", "backend {")]);
    assert.deepEqual(def("sites-enabled/app.conf", "http://api", 8), [at(dir, "conf.d/upstreams.conf", "Api")]);
    assert.deepEqual(def("sites-enabled/app.conf", "grpc://backend", 9), [at(dir, "nginx.conf", "backend {")]);
    // A cursor on the scheme is on the same word: still the upstream.
    assert.deepEqual(def("sites-enabled/app.conf", "http://backend", 1), [at(dir, "nginx.conf", "backend {")]);
  });

  it("an address is not an upstream: nothing", function () {
    assert.deepEqual(def("sites-enabled/app.conf", "http://127.0.0.1:9000", 9), []);
  });

  it("the stream proxy_pass finds the stream upstream", function () {
    assert.deepEqual(def("nginx.conf", "proxy_pass dns", 12), [at(dir, "nginx.conf", "dns {")]);
  });

  it("@name goes to the named location of the same server, written in an included snippet", function () {
    const target = [at(dir, "snippets/named.conf", "@fallback")];
    assert.deepEqual(def("sites-enabled/app.conf", "@fallback", 2, 0), target);
    assert.deepEqual(def("sites-enabled/app.conf", "@fallback", 2, 1), target);
    // The second server has no @fallback: nginx looks names up per server.
    assert.deepEqual(def("sites-enabled/app.conf", "@fallback", 2, 2), []);
  });

  it("include goes to every file it reads (a glob: each match, in glob order)", function () {
    assert.deepEqual(def("nginx.conf", "include conf.d", 2), ["conf.d/maps.conf:0:0", "conf.d/upstreams.conf:0:0"]);
    assert.deepEqual(def("sites-enabled/app.conf", "snippets/named.conf", 3), ["snippets/named.conf:0:0"]);
  });

  it("references of an upstream: every pass naming it in the http block, from the declaration or a use", function () {
    const uses = [at(dir, "sites-enabled/app.conf", "backend;"), at(dir, "sites-enabled/app.conf", "backend; }")];
    const decl = at(dir, "nginx.conf", "backend {");
    assert.deepEqual(refs("nginx.conf", "backend {", false), uses);
    assert.deepEqual(refs("nginx.conf", "backend {", true), [decl, ...uses]);
    assert.deepEqual(refs("sites-enabled/app.conf", "http://backend", true, 9), [decl, ...uses]);
    // The stream upstream `dns` is not in the http block and vice versa.
    assert.deepEqual(refs("nginx.conf", "dns {", false), [at(dir, "nginx.conf", "dns;")]);
  });

  it("references of a named location stay in its server", function () {
    const uses = [
      at(dir, "sites-enabled/app.conf", "@fallback", 0, 0),
      at(dir, "sites-enabled/app.conf", "@fallback", 0, 1),
    ];
    assert.deepEqual(refs("snippets/named.conf", "@fallback", true), [
      ...uses,
      at(dir, "snippets/named.conf", "@fallback"),
    ]);
    assert.deepEqual(refs("sites-enabled/app.conf", "@fallback", false, 1, 1), uses);
    // From the other server's use: only itself (no declaration there).
    assert.deepEqual(refs("sites-enabled/app.conf", "@fallback", true, 1, 2), [
      at(dir, "sites-enabled/app.conf", "@fallback", 0, 2),
    ]);
  });

  it("references elsewhere in a file: the include directives that read it", function () {
    assert.deepEqual(refs("snippets/named.conf", "return", true), [
      at(dir, "sites-enabled/app.conf", "include snippets"),
    ]);
    assert.deepEqual(refs("conf.d/maps.conf", "default", true), [at(dir, "nginx.conf", "include conf.d")]);
  });
});

describe("navigate: what nginx -t says about names we do not resolve", function () {
  before(function () {
    if (!nginxBinary()) this.skip();
  });

  it("try_files … @missing (no such location in this server) passes nginx -t, and has no definition", function () {
    const dir = tempTree({
      "nginx.conf": [
        "events {}",
        "http {",
        "    server { listen 127.0.0.1:8999; location / { try_files $uri @missing; } }",
        "    server { listen 127.0.0.1:8998; location @missing { return 204; } }",
        "}",
        "",
      ].join("\n"),
    });
    try {
      const v = nginxTestDir(dir);
      assert.ok(v.ok, v.output);
      const p = path.join(dir, "nginx.conf");
      assert.deepEqual(definitionAt([analyse(p)], p, posIn(p, "@missing", 2)), []);
      // The declaration of the other server is found from itself, so the name is read right.
      assert.deepEqual(brief(dir, definitionAt([analyse(p)], p, posIn(p, "@missing", 2, 1))), [
        at(dir, "nginx.conf", "@missing", 0, 1),
      ]);
    } finally {
      removeTree(dir);
    }
  });

  it("proxy_pass to a name with no upstream is a host: nginx -t fails to resolve it, we return nothing", function () {
    const conf = (upstream: string): string =>
      [
        "events {}",
        "http {",
        upstream,
        "    server { listen 127.0.0.1:8999; location / { proxy_pass http://backend-x9/; } }",
        "}",
        "",
      ].join("\n");
    const without = tempTree({ "nginx.conf": conf("") });
    const withIt = tempTree({ "nginx.conf": conf("    upstream BACKEND-X9 { server 127.0.0.1:1; }") });
    try {
      const v1 = nginxTestDir(without);
      assert.ok(!v1.ok && v1.output.includes('host not found in upstream "backend-x9"'), v1.output);
      const p1 = path.join(without, "nginx.conf");
      assert.deepEqual(definitionAt([analyse(p1)], p1, posIn(p1, "backend-x9", 1)), []);
      // With an upstream of that name in another case, nginx accepts it: it is the upstream.
      const v2 = nginxTestDir(withIt);
      assert.ok(v2.ok, v2.output);
      const p2 = path.join(withIt, "nginx.conf");
      assert.deepEqual(brief(withIt, definitionAt([analyse(p2)], p2, posIn(p2, "backend-x9", 1))), [
        at(withIt, "nginx.conf", "BACKEND-X9"),
      ]);
    } finally {
      removeTree(without);
      removeTree(withIt);
    }
  });
});

describe("navigate: definitions on examples/openresty", function () {
  const root = path.join(REPO, "examples", "openresty", "nginx.conf");
  const app = path.join(REPO, "examples", "openresty", "sites-enabled", "app.conf");

  it("both proxy_pass http://backend go to `upstream backend` in nginx.conf, and are its references", function () {
    const a = analyse(root);
    const decl = posIn(root, "upstream backend", "upstream ".length);
    for (const nth of [0, 1]) {
      const d = definitionAt([a], app, posIn(app, "http://backend", 9, nth));
      assert.deepEqual(
        d.map((l) => [l.path, l.range.start.line, l.range.start.character]),
        [[root, decl.line, decl.character]],
      );
    }
    const r = referencesAt([a], root, decl, false);
    assert.deepEqual(
      r.map((l) => [l.path, l.range.start.line, l.range.start.character]),
      [0, 1].map((nth) => {
        const u = posIn(app, "http://backend", "http://".length, nth);
        return [app, u.line, u.character];
      }),
    );
  });

  it("include sites-enabled/* goes to the one site, include mime.types to mime.types", function () {
    const a = analyse(root);
    assert.deepEqual(
      definitionAt([a], root, posIn(root, "include sites-enabled", 1)).map((l) => l.path),
      [app],
    );
    assert.deepEqual(
      definitionAt([a], root, posIn(root, "include mime.types", 10)).map((l) => l.path),
      [path.join(REPO, "examples", "openresty", "mime.types")],
    );
  });
});

describe("navigate: definitions and references over ../shared/corpus", function () {
  before(function () {
    if (!haveShared()) this.skip();
  });

  it("every use of an upstream or a named location: its definition names it and lists the use among its references", function () {
    this.timeout(120000);
    const source = new CorpusSource();
    const BACK_CHECKS = 25;
    const NAMES = new Set([
      "try_files",
      "error_page",
      "proxy_pass",
      "grpc_pass",
      "fastcgi_pass",
      "uwsgi_pass",
      "include",
    ]);
    const problems: string[] = [];
    let uses = 0;
    let resolved = 0;
    let includes = 0;
    for (const entry of readManifest()) {
      if (entry.kind === "include") continue;
      const config = loadConfiguration(path.join(CORPUS, entry.path), { source });
      const a = { config, model: buildModel(config), options: { source } };
      let resolvedHere = 0;
      for (const [p, parsed] of config.files) {
        const visit = (nodes: readonly Node[]): void => {
          for (const n of nodes) {
            if (n.kind !== "directive") continue;
            if (n.block) visit(n.block.children);
            if (!NAMES.has(n.name) || n.args.length === 0) continue;
            const w = n.name === "proxy_pass" || n.name.endsWith("_pass") ? n.args[0] : n.args[n.args.length - 1];
            const pos = { line: w.range.start.line, character: w.range.start.character + 1 };
            const defs = definitionAt([a], p, pos);
            if (n.name === "include") {
              // nginx's stock files read as its defaults are no files to go to (workspace/stock-files.ts).
              const edgeFiles = new Set(
                config.edges
                  .filter((e) => e.directive === n)
                  .flatMap((e) => e.resolution?.files ?? [])
                  .filter((f) => !isStockPath(f)),
              );
              if (defs.length !== edgeFiles.size || defs.some((d) => !edgeFiles.has(d.path)))
                problems.push(`${p}:${n.range.start.line + 1}: include definitions ≠ include edges`);
              includes += defs.length;
              continue;
            }
            if (n.name !== "proxy_pass" && !n.name.endsWith("_pass") && !w.value.startsWith("@")) continue;
            uses++;
            if (defs.length === 0) continue;
            resolved++;
            for (const d of defs) {
              const text = config.files.get(d.path)?.text;
              if (text === undefined) {
                problems.push(`${p}:${n.range.start.line + 1}: definition in a file the configuration did not read`);
                continue;
              }
              const name = text.slice(d.range.start.offset, d.range.end.offset).toLowerCase();
              if (!w.value.toLowerCase().includes(name.replace(/^["']|["']$/g, "")))
                problems.push(`${p}:${n.range.start.line + 1}: ${w.value} → ${name}`);
              // References scan the whole http block: checked for the first uses of each configuration
              // (a generated corpus file has 2,500 locations passing to one upstream).
              if (resolvedHere++ >= BACK_CHECKS) continue;
              const back = referencesAt([a], d.path, d.range.start, false);
              if (!back.some((r) => r.path === p && r.range.start.line === w.range.start.line))
                problems.push(`${p}:${n.range.start.line + 1}: not among the references of ${name}`);
            }
          }
        };
        visit(parsed.children);
      }
    }
    assert.deepEqual(problems.slice(0, 20), []);
    assert.ok(
      uses > 100 && resolved > 20 && includes > 100,
      `${uses} uses, ${resolved} resolved, ${includes} includes`,
    );
    console.log(`      (${uses} uses, ${resolved} resolved, ${includes} include targets)`);
  });
});
