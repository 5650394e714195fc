// Roots: which main file reaches a file, the context it lands in, and the guess when none does.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "../../server/src/parse/parser";
import {
  analysisFor,
  buildIncludeGraph,
  findCandidateFiles,
  findRoots,
  guessContext,
} from "../../server/src/workspace/roots";
import { CORPUS, haveShared } from "../support/shared";
import { removeTree, tempTree } from "./helpers";

describe("workspace/roots: a Debian-style tree", function () {
  let dir = "";
  const p = (rel: string): string => path.join(dir, rel);
  before(function () {
    dir = tempTree({
      "nginx.conf":
        "user www-data;\nevents {}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n    include /etc/nginx/sites-enabled/*;\n}\n",
      "conf.d/upstreams.conf": "upstream app { server 127.0.0.1:9000; }\n",
      "sites-available/example.com":
        "server {\n    listen 80;\n    server_name example.com;\n    include snippets/ssl.conf;\n    location / { proxy_pass http://app; }\n}\n",
      "sites-available/old.example": "# not enabled\nserver {\n    listen 80;\n    server_name old.example;\n}\n",
      "snippets/ssl.conf": "ssl_certificate /etc/ssl/a.pem;\nssl_certificate_key /etc/ssl/a.key;\n",
      "snippets/loc.conf": "location /x {\n    include snippets/proxy.conf;\n}\n",
      "snippets/proxy.conf": "proxy_set_header Host $host;\n",
      "tcp.conf": "server {\n    listen 5432;\n    proxy_pass db:5432;\n}\n",
      "staging/nginx.conf": "events {}\nhttp {\n    include ../conf.d/*.conf;\n}\n",
      "node_modules/pkg/nginx.conf": "events {}\n",
      ".git/hooks/x.conf": "events {}\n",
      "README.md": "# not configuration\n",
    });
    fs.mkdirSync(p("sites-enabled"));
    fs.symlinkSync("../sites-available/example.com", p("sites-enabled/example.com"));
  });
  after(() => removeTree(dir));

  it("scans candidates: nginx.conf, *.conf, anything under sites-*/ and conf.d/, not node_modules/.git", function () {
    const found = findCandidateFiles(dir).map((f) => path.relative(dir, f));
    assert.deepEqual(found.sort(), [
      "conf.d/upstreams.conf",
      "nginx.conf",
      "sites-available/example.com",
      "sites-available/old.example",
      "sites-enabled/example.com",
      "snippets/loc.conf",
      "snippets/proxy.conf",
      "snippets/ssl.conf",
      "staging/nginx.conf",
      "tcp.conf",
    ]);
    assert.equal(findCandidateFiles(dir, { maxFiles: 3 }).length, 3, "bounded");
  });

  it("roots are the files nobody includes; a file shared by two main files has both", function () {
    const graph = buildIncludeGraph(findCandidateFiles(dir));
    assert.deepEqual(
      graph.roots.map((r) => path.relative(dir, r)),
      // nginx.conf files first, then the others shallowest first.
      ["nginx.conf", "staging/nginx.conf", "tcp.conf", "sites-available/old.example", "snippets/loc.conf"],
    );
    assert.deepEqual(
      findRoots(graph, p("conf.d/upstreams.conf")).map((r) => path.relative(dir, r)),
      ["nginx.conf", "staging/nginx.conf"],
    );
    assert.deepEqual(
      [...(graph.includedBy.get(p("snippets/ssl.conf")) ?? [])].map((f) => path.relative(dir, f)),
      ["sites-enabled/example.com"],
    );
  });

  it("a sites-enabled file is analysed in the http { } of the nginx.conf that includes it", function () {
    const graph = buildIncludeGraph(findCandidateFiles(dir));
    const a = analysisFor(graph, p("sites-enabled/example.com"));
    assert.equal(a.guess, null);
    assert.deepEqual(a.diagnostics, []);
    assert.equal(a.configurations.length, 1);
    assert.equal(a.configurations[0].configuration.rootPath, p("nginx.conf"));
    assert.deepEqual(
      a.configurations[0].instances.map((i) => i.context),
      [["http"]],
    );
    // Its snippet lands in http/server, resolved against the conf prefix (not sites-enabled/).
    const ssl = analysisFor(graph, p("snippets/ssl.conf"));
    assert.deepEqual(
      ssl.configurations[0].instances.map((i) => i.context),
      [["http", "server"]],
    );
    assert.deepEqual(ssl.configurations[0].configuration.diagnostics, []);
  });

  it("the file behind the sites-enabled symlink (sites-available/x) gets the same root and context", function () {
    const graph = buildIncludeGraph(findCandidateFiles(dir));
    const a = analysisFor(graph, p("sites-available/example.com"));
    assert.equal(a.guess, null);
    assert.equal(a.configurations[0].configuration.rootPath, p("nginx.conf"));
    assert.deepEqual(
      a.configurations[0].instances.map((i) => [path.relative(dir, i.path), i.context]),
      [["sites-enabled/example.com", ["http"]]],
    );
  });

  it("a file no nginx.conf includes is analysed in a guessed context, with a hint", function () {
    const graph = buildIncludeGraph(findCandidateFiles(dir));
    const old = analysisFor(graph, p("sites-available/old.example"));
    assert.deepEqual(old.guess?.context, ["http"]);
    assert.deepEqual(old.configurations[0].instances[0].context, ["http"]);
    assert.equal(old.diagnostics.length, 1);
    const [hint] = old.diagnostics;
    assert.equal(hint.severity, "hint");
    assert.equal(hint.code, "guessed-context");
    assert.match(hint.message, /^No nginx\.conf includes this file; analysed as if inside http \{ \}/);
    assert.deepEqual([hint.range.start.line, hint.range.start.character], [1, 0], "on the `server` that decided");

    const loc = analysisFor(graph, p("snippets/loc.conf"));
    assert.deepEqual(loc.guess?.context, ["http", "server"]);
    // The orphan's relative include still resolves against the workspace's conf prefix.
    assert.deepEqual(loc.configurations[0].configuration.diagnostics, []);
    const proxy = analysisFor(graph, p("snippets/proxy.conf"));
    assert.equal(proxy.guess, null);
    assert.deepEqual(proxy.configurations[0].instances[0].context, ["http", "server", "location"]);

    const tcp = analysisFor(graph, p("tcp.conf"));
    assert.deepEqual(tcp.guess?.context, ["http"]);
    assert.deepEqual(tcp.guess?.alternatives, [["stream"]]);
    assert.match(tcp.diagnostics[0].message, /could also belong in stream \{ \}/);
  });

  it("a main file is its own root, without a hint; a file outside the candidates is still analysed", function () {
    const graph = buildIncludeGraph(findCandidateFiles(dir));
    const main = analysisFor(graph, p("nginx.conf"));
    assert.equal(main.guess, null);
    assert.deepEqual(main.diagnostics, []);
    assert.deepEqual(main.configurations[0].instances[0].context, []);
    const readme = analysisFor(graph, p("README.md"));
    assert.equal(readme.diagnostics[0]?.code, "guessed-context");
  });
});

describe("workspace/roots: guessing a context", function () {
  const guess = (text: string) => guessContext(parse(text));
  it("follows the first deciding directives", function () {
    assert.deepEqual(guess("worker_processes 2;\nevents {}").context, []);
    assert.deepEqual(guess("http { }").context, []);
    assert.deepEqual(guess("upstream a { server x; }").context, ["http"]);
    assert.deepEqual(guess("map $a $b { }").context, ["http"]);
    assert.deepEqual(guess("location / { }").context, ["http", "server"]);
    assert.deepEqual(guess("listen 80;\nserver_name a;").context, ["http", "server"]);
    assert.deepEqual(guess("proxy_pass http://a;").context, ["http", "server", "location"]);
    assert.deepEqual(guess("worker_connections 1024;").context, ["events"]);
    assert.deepEqual(guess("add_header X-A 1;").context, ["http"]);
    assert.deepEqual(guess("").context, ["http"]);
  });
  it("prefers http for a listen+proxy_pass server but names stream as the alternative", function () {
    assert.deepEqual(guess("server { listen 53 udp; proxy_pass dns; }").alternatives, [["stream"]]);
    assert.deepEqual(guess("listen 5432;\nproxy_pass db;").alternatives, [["stream", "server"]]);
    assert.deepEqual(guess("server { listen 80; location / { proxy_pass http://a; } }").alternatives, []);
    assert.deepEqual(guess("server { listen 80; server_name a; proxy_pass b; }").alternatives, []);
  });
});

describe("workspace/roots: ubuntu-default (shared corpus)", function () {
  before(function () {
    if (!haveShared()) this.skip();
  });
  it("sites-enabled/default has nginx.conf as its root and http as its context", function () {
    const folder = path.join(CORPUS, "nginxinc+nginx-go-crossplane/testdata/configs/ubuntu-default");
    const graph = buildIncludeGraph(findCandidateFiles(folder));
    assert.deepEqual(graph.roots, [path.join(folder, "nginx.conf")]);
    const a = analysisFor(graph, path.join(folder, "sites-enabled/default"));
    assert.deepEqual(
      a.configurations.map((c) => c.configuration.rootPath),
      [path.join(folder, "nginx.conf")],
    );
    assert.deepEqual(
      a.configurations[0].instances.map((i) => i.context),
      [["http"]],
    );
    assert.equal(a.guess, null);
  });
});
