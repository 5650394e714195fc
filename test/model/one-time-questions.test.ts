// A one-time analysis (RuleOptions.once, `nginx-risk check`) answers every question of the rules
// (model/index.ts sitesWhere, names-under.ts) in one walk of every block (oneTimeQuestions), where a language
// server walks, per question, only the blocks that may hold its names. Both must give the same sites in the
// same reading order, for every question the rules register, on every corpus configuration and on the shapes
// the one walk reads differently: a block with an `include` (read from its sites), a block whose sites were made
// before the first question, an `if` inside a location, a snippet read in a guessed context. The sites given are
// the block's own objects (`directives` holds them), as the rules compare sites by identity.

import { strict as assert } from "assert";
import { buildModel, oneTimeQuestions, sitesWhere, type ConfigModel, type DirectiveSite } from "../../server/src/model";
import { knownQuestions } from "../../server/src/model/names-under";
// Loaded for the questions its rules register when their modules load.
import "../../server/src/rules";
import { loadConfiguration, type Configuration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { corpusConfigurations } from "../support/corpus-variants";
import { needShared } from "../support/shared";

const describe_ = (s: DirectiveSite): string =>
  `${s.file.path}:${s.directive.range.start.offset}:${s.directive.name}@${s.context.id}`;

/** Every known question's sites, asked of a model built the language server's way and of a one-time model. */
function compare(config: Configuration, label: string, before?: (m: ConfigModel) => void): number {
  const questions = knownQuestions();
  assert.ok(questions.length >= 10, `the rules register their questions (${questions.length} known)`);
  const walked = buildModel(config);
  const once = buildModel(config);
  oneTimeQuestions(once);
  before?.(walked);
  before?.(once);
  let sites = 0;
  // The one-time model's first question is a different one each time: any of them answers all.
  const order = [
    ...questions.slice(label.length % questions.length),
    ...questions.slice(0, label.length % questions.length),
  ];
  for (const q of order) {
    const a = sitesWhere(walked, q.key, q.wanted).map(describe_);
    const found = sitesWhere(once, q.key, q.wanted);
    assert.deepEqual(found.map(describe_), a, `${label}: question ${q.key}`);
    for (const s of found)
      assert.ok(s.context.directives.includes(s), `${label}: ${describe_(s)} is the block's own site object`);
    sites += found.length;
  }
  return sites;
}

function load(files: Record<string, string>, main: string, rootContext?: string[]): Configuration {
  const source = new MemoryFileSource(files);
  return loadConfiguration(main, { source, ...(rootContext ? { rootContext } : {}) });
}

describe("one-time questions: every question answered in one walk (oneTimeQuestions)", function () {
  it("gives each question's sites in reading order on every corpus configuration", function () {
    needShared(this);
    this.timeout(120_000);
    let configs = 0;
    let sites = 0;
    for (const { config } of corpusConfigurations()) {
      sites += compare(config, config.root.path);
      configs++;
    }
    assert.ok(configs > 500, `${configs} configurations`);
    assert.ok(sites > 10_000, `${sites} sites compared`);
  });

  const http = [
    "events {}",
    "http {",
    "  include /p/common.conf;",
    "  server {",
    "    listen 80;",
    "    allow 10.0.0.0/8; deny all;",
    "    location / {",
    "      include /p/loc.conf;",
    "      location /in { if ($a) { return 302 /x; add_header X-A 1; } proxy_pass http://u; }",
    "    }",
    "    location /b { if ($b) { rewrite ^ http://e/ redirect; } add_header X-B 2; proxy_set_header Host $host; }",
    "  }",
    "  upstream u { server 127.0.0.1:8080; }",
    "}",
  ].join("\n");
  const files = {
    "/p/nginx.conf": http,
    "/p/common.conf": "map $x $y { default 1; }\nadd_header X-C 3;\n",
    "/p/loc.conf": "location /inc { set $v 1; return 200 $v; }\ntry_files $uri =404;\nallow 127.0.0.1;\n",
  };

  it("reads blocks with an include from their sites, and the `if` blocks of locations", function () {
    const sites = compare(load(files, "/p/nginx.conf"), "includes and ifs");
    assert.ok(sites >= 15, `${sites} sites`);
  });

  it("finds the sites of a block read before the first question", function () {
    const sites = compare(load(files, "/p/nginx.conf"), "sites made first", (m) => {
      // Every location's sites made before any question is asked: the walk reads them, not their statements.
      for (const c of m.locationConfigurations) void c.directives;
    });
    assert.ok(sites >= 15, `${sites} sites`);
  });

  it("starts in the innermost implied block of a snippet", function () {
    const snippet =
      "add_header X-S 1;\nlocation /s { if ($a) { return 301 /t; } proxy_pass http://h; }\nlisten 8080;\n";
    const sites = compare(load({ "/p/site.conf": snippet }, "/p/site.conf", ["http", "server"]), "snippet");
    assert.ok(sites >= 4, `${sites} sites`);
  });

  it("answers a question first asked after the one walk with a walk of its own", function () {
    const config = load(files, "/p/nginx.conf");
    const once = buildModel(config);
    oneTimeQuestions(once);
    const first = knownQuestions()[0];
    sitesWhere(once, first.key, first.wanted);
    const late = sitesWhere(once, "test:one-time-late", (n) => n === "proxy_pass").map(describe_);
    const walked = sitesWhere(buildModel(config), "test:one-time-late", (n) => n === "proxy_pass").map(describe_);
    assert.equal(late.length, 1);
    assert.deepEqual(late, walked);
  });
});
