// effectiveSitesOf (model/index.ts) remembers the answer of effective() for every block on the way up, per
// model: it must give the very sites effective() finds, whatever order the blocks are asked in (the SSL
// plans ask in reading order, hovers and other readers do not), for every name and `stopAt`, and it must not
// recurse on the nesting (10,000 nested locations, asked from the deepest first).

import { strict as assert } from "assert";
import {
  buildModel,
  effective,
  effectiveSitesOf,
  ownSites,
  sitesByName,
  type ConfigContext,
  type ConfigModel,
  type ContextKind,
  type DirectiveSite,
} from "../../server/src/model";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { corpusConfigurations } from "../support/corpus-variants";
import { DEPTH, nestedLocations } from "../support/deep-inputs";
import { random } from "../support/random";
import { needShared } from "../support/shared";

const STOPS: (ContextKind | undefined)[] = [undefined, "http", "server", "location", "stream", "mail"];

/** Every name the model holds, and one it does not. */
function namesOf(model: ConfigModel): string[] {
  return [...sitesByName(model).keys(), "no_such_directive"];
}

function shuffled<T>(list: readonly T[], next: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The same site objects in the same order (null for none): effective() is the reference. */
function assertSameSites(
  got: readonly DirectiveSite[] | null,
  want: readonly DirectiveSite[] | null,
  what: string,
): void {
  if (want === null) {
    assert.equal(got, null, what);
    return;
  }
  assert.ok(got !== null, `${what}: null, effective() found ${want.length} site(s)`);
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(got[i] === want[i], `${what}: site ${i} is another object`);
}

/** Asks every block in `order` for every name and stop, and compares with effective(). Returns the questions asked. */
function compare(model: ConfigModel, order: readonly ConfigContext[], names: readonly string[], label: string): number {
  let asked = 0;
  for (const name of names)
    for (const stop of STOPS) {
      const sitesOf = effectiveSitesOf(model, name, stop);
      for (const c of order) {
        assertSameSites(sitesOf(c), effective(c, name, stop)?.sites ?? null, `${label} ${c.label} ${name} ${stop}`);
        asked++;
      }
    }
  return asked;
}

describe("model: effectiveSitesOf remembers effective()'s answers", function () {
  it("the same sites as effective() for every block, name and stopAt of every corpus configuration, in any order", function () {
    needShared(this);
    this.timeout(300_000);
    const next = random(13);
    let asked = 0;
    let configs = 0;
    for (const { folder, config } of corpusConfigurations()) {
      const label = `${folder} ${config.rootPath}`;
      const names = namesOf(buildModel(config));
      // Reading order (parents answered first), then another model asked in a random order (blocks whose
      // parents nobody asked yet: the walk up remembers the path).
      const inOrder = buildModel(config);
      asked += compare(inOrder, inOrder.contexts, names, label);
      const anyOrder = buildModel(config);
      asked += compare(anyOrder, shuffled(anyOrder.contexts, next), names, label);
      configs++;
    }
    assert.ok(configs > 100, `corpus configurations compared: ${configs}`);
    assert.ok(asked > 100_000, `questions compared: ${asked}`);
  });

  it("an answer inherited through includes, set twice in a block, set empty, and cut by stopAt", function () {
    const files = {
      "/p/nginx.conf": [
        "events {}",
        "http {",
        "    lua_ssl_trusted_certificate /a.pem;",
        "    include /p/servers.conf;",
        "}",
      ].join("\n"),
      "/p/servers.conf": [
        "server { location /x { location /y { } } location /z { lua_ssl_trusted_certificate /z.pem; location /w { } } }",
        'server { lua_ssl_trusted_certificate ""; lua_ssl_trusted_certificate /b.pem; location /v { if ($a) { } } }',
      ].join("\n"),
    };
    const config = loadConfiguration("/p/nginx.conf", { source: new MemoryFileSource(files) });
    assert.deepEqual(config.diagnostics, []);
    const next = random(7);
    for (let round = 0; round < 20; round++) {
      const model = buildModel(config);
      const asked = compare(model, shuffled(model.contexts, next), namesOf(model), `round ${round}`);
      assert.equal(asked, model.contexts.length * namesOf(model).length * STOPS.length);
    }
    // The values themselves, counted from the text: /y inherits http's, /w the one of /z, /v both of its server.
    const model = buildModel(config);
    const of = effectiveSitesOf(model, "lua_ssl_trusted_certificate", "http");
    const byLabel = (label: string): ConfigContext => model.contexts.find((c) => c.label === label)!;
    assert.deepEqual(
      of(byLabel("location /y"))!.map((s) => s.directive.args[0].value),
      ["/a.pem"],
    );
    assert.deepEqual(
      of(byLabel("location /w"))!.map((s) => s.directive.args[0].value),
      ["/z.pem"],
    );
    assert.deepEqual(
      of(byLabel("if ($a)"))!.map((s) => s.directive.args[0].value),
      ["", "/b.pem"],
    );
    assert.equal(effectiveSitesOf(model, "lua_ssl_trusted_certificate", "server")(byLabel("location /y")), null);
  });

  it(`${DEPTH.toLocaleString("en")} nested locations, the deepest asked first: no recursion, the same answers`, function () {
    this.timeout(120_000);
    const text = nestedLocations(DEPTH, "proxy_ssl_verify on;", { extraServer: "proxy_ssl_verify off;" });
    const config = loadConfiguration("/p/nginx.conf", { source: new MemoryFileSource({ "/p/nginx.conf": text }) });
    const model = buildModel(config);
    const deepestFirst = [...model.contexts].reverse();
    for (const name of ["proxy_ssl_verify", "listen", "no_such_directive"])
      for (const stop of STOPS) {
        const sitesOf = effectiveSitesOf(model, name, stop);
        for (const c of deepestFirst)
          assertSameSites(sitesOf(c), effective(c, name, stop)?.sites ?? null, `${c.id} ${name} ${stop}`);
      }
  });

  it("a large block's sites found by scanning its statements are the objects its `directives` and `own` hold later", function () {
    // 30 statements (more than ownSites scans one by one), `listen` three times; the second server has an
    // include among them, whose statements are its sites too.
    const body = Array.from({ length: 30 }, (_, i) => (i % 10 === 3 ? `listen ${8000 + i};` : `set $v${i} ${i};`));
    const files = {
      "/p/nginx.conf": `events {}\nhttp {\n server { ${body.join(" ")} }\n server { ${body.join(" ")} include /p/l.conf; }\n}\n`,
      "/p/l.conf": "listen 9999;\n",
    };
    const config = loadConfiguration("/p/nginx.conf", { source: new MemoryFileSource(files) });
    assert.deepEqual(config.diagnostics, []);
    const model = buildModel(config);
    const [first, second] = model.contexts.filter((c) => c.kind === "server");
    const ports = (sites: readonly DirectiveSite[]): string[] => sites.map((s) => s.directive.args[0].value);
    // Asked more times than the block is scanned: the answers stay the same objects.
    const asked = Array.from({ length: 12 }, () => ownSites(first, "listen"));
    assert.deepEqual(ports(asked[0]), ["8003", "8013", "8023"]);
    for (const a of asked) for (let i = 0; i < 3; i++) assert.ok(a[i] === asked[0][i], "one object per site");
    assert.equal(first.label, "server 8003 8013");
    const listed = first.directives.filter((s) => s.directive.name === "listen");
    for (let i = 0; i < 3; i++) assert.ok(listed[i] === asked[0][i], "directives holds the scanned sites");
    for (let i = 0; i < 3; i++) assert.ok(first.own.get("listen")![i] === asked[0][i], "own holds them too");
    assert.deepEqual(ports(ownSites(second, "listen")), ["8003", "8013", "8023", "9999"]);
    assert.equal(ownSites(second, "listen")[3].file.path, "/p/l.conf");
  });
});
