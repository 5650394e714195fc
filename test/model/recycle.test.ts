// Differential test of the model's recycling (model/index.ts ModelRecycler): the server builds each
// keystroke's model in the contexts of a model it no longer keeps. After random edit sequences over corpus
// configurations and the 4,000-location incident, each applied as the server applies a didChange
// (ParseCache.update: the tree moved in place), the model built in a retired model's contexts must equal a
// model built from scratch of the same configuration, field by field (every context's fields, what is read
// of it on first use, the lists, the answers for names), and the rules and the cost report run over each
// must give the same findings (a per-context memo that survived recycling would show there).

import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  buildModel,
  contextsAt,
  effective,
  effectiveSitesOf,
  ModelRecycler,
  ownSites,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../../server/src/model";
import { costReport, type CostReport } from "../../server/src/cost/report";
import { runChecks, type Finding } from "../../server/src/rules";
import { bundleSites } from "../../server/src/rules/ssl-cost";
import type { SslContext } from "../../server/src/model/ssl-contexts";
import { loadConfiguration, type Configuration } from "../../server/src/workspace/configuration";
import { NodeFileSource, OverlayFileSource, ParseCache } from "../../server/src/workspace/files";
import { pickedConfigurations } from "../support/corpus-variants";
import { needShared } from "../support/shared";
import { randomBelow, randomEdit } from "../support/random";

/** Typed into the text: blocks appear and go (contexts added and removed), names the rules ask for. */
const SNIPPETS = [
  ";",
  "}",
  "{",
  "\n",
  "#",
  " x",
  "\nlocation /z { return 204; }\n",
  "\nlocation /y { location /yy { proxy_pass https://b; } }\n",
  "\nserver { listen 8443 ssl; server_name a.example b.example c.example; }\n",
  "\nstream { server { listen 9000; proxy_pass x:1; } }\n",
  "\nif ($x) { return 403; }\n",
  "\nlimit_except GET { deny all; }\n",
  "\nserver_name renamed.example;\n",
  "\nlisten 8080;\n",
  "\nproxy_pass https://backend;\n",
  "\nlua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;\n",
  "\nmodsecurity on;\nmodsecurity_rules 'SecRuleEngine On';\n",
  "\n    include extra/*.conf;\n",
];

/** Names asked of every context (effective, ownSites) and of the model (sitesOf). */
const NAMES = ["listen", "server_name", "proxy_pass", "ssl_certificate", "lua_ssl_trusted_certificate", "modsecurity"];

/** A site as plain data; the objects it points to are compared by identity apart (`sameSite`). */
function site(s: DirectiveSite): string {
  return `${s.file.id}:${s.directive.name}@${s.directive.startOffset}/${s.context.id}`;
}

/** Every field of every context, and the model's lists and answers, as plain data plus identity checks. */
function modelData(model: ConfigModel, where: string): unknown {
  const ids = (list: readonly ConfigContext[]) => list.map((c) => c.id);
  const contexts = model.contexts.map((c, i) => {
    assert.equal(c.id, i, `${where}: context ${i} has id ${c.id}`);
    return {
      id: c.id,
      kind: c.kind,
      // Identity of what the context points to, as data that the fresh model's must equal.
      directive: c.directive === null ? null : `${c.directive.name}@${c.directive.startOffset}`,
      file: c.file.id,
      parent: c.parent?.id ?? null,
      children: ids(c.children),
      isLocationConfiguration: c.isLocationConfiguration,
      // What is read on first use: asked in the same order of both models.
      label: c.label,
      location: c.location,
      range: c.range,
      own: NAMES.map((n) => ownSites(c, n).map(site)),
      effective: NAMES.map((n) => {
        const e = effective(c, n);
        return e === null ? null : { sites: e.sites.map(site), from: e.from.id, inherited: e.inherited };
      }),
      effectiveInServer: NAMES.map((n) => effectiveSitesOf(model, n, "server")(c)?.map(site) ?? null),
      directives: c.directives.map(site),
      ownMap: [...c.own].map(([n, sites]) => [n, sites.map(site)]),
    };
  });
  return {
    contexts,
    main: model.main.id,
    locationConfigurations: ids(model.locationConfigurations),
    streamServers: ids(model.streamServers),
    sitesOf: NAMES.map((n) => model.sitesOf(n).map(site)),
  };
}

/** Both models point at the same objects of the same configuration (not only equal data). */
function assertSameObjects(fresh: ConfigModel, recycled: ConfigModel, where: string): void {
  assert.equal(recycled.config, fresh.config, where);
  for (let i = 0; i < fresh.contexts.length; i++) {
    const a = fresh.contexts[i];
    const b = recycled.contexts[i];
    assert.equal(b.directive, a.directive, `${where}: context ${i} directive`);
    assert.equal(b.file, a.file, `${where}: context ${i} file instance`);
    for (let k = 0; k < a.directives.length; k++) {
      assert.equal(b.directives[k].directive, a.directives[k].directive, `${where}: context ${i} site ${k}`);
      assert.equal(b.directives[k].file, a.directives[k].file, `${where}: context ${i} site ${k} file`);
      assert.equal(b.directives[k].context, b, `${where}: context ${i} site ${k} context`);
    }
  }
}

function findingsOf(config: Configuration, source: OverlayFileSource, model: ConfigModel): Finding[] {
  return runChecks(config, { strict: false, source, nginxVersion: "1.13.0" }, model);
}

/**
 * The versions the cost reports are made for: Lua's plans per location (unknown version) and per level
 * (0.10.26), which keep their entries in the blocks' slots (model/index.ts contextSlot).
 */
const REPORT_OPTIONS = [{ nginxVersion: "1.13.0" }, { nginxVersion: "1.13.0", luaNginxModuleVersion: "0.10.26" }];

/** A cost report's plans and bundle sites as plain data (owners and bundles by id and position). */
function reportData(report: CostReport): unknown {
  const entry = (c: SslContext) => [c.owner.id, c.bundle === null ? null : site(c.bundle), c.clientCaList ?? false];
  return {
    sources: report.sources.map((s) => ({
      ruleId: s.ruleId,
      module: s.module,
      contexts: s.plan.contexts.map(entry),
      loads: s.plan.loads.map(entry),
    })),
    sites: (["lua-ssl-per-location", "stream-lua-ssl-per-server"] as const).map((id) =>
      bundleSites(report, id).map((b) => [site(b.site), b.loads.map(entry)]),
    ),
    estimate: report.estimate,
  };
}

/** Each report option's report of a model as data, made in the options' order or the reverse. */
function reportsOf(model: ConfigModel, reversed = false): unknown[] {
  const options = reversed ? [...REPORT_OPTIONS].reverse() : REPORT_OPTIONS;
  const out = options.map((o) => reportData(costReport(model, o)));
  return reversed ? out.reverse() : out;
}

/** Every plan entry object of a model's reports (to count those a later model's reports take over). */
function entriesOf(model: ConfigModel): Set<SslContext> {
  const out = new Set<SslContext>();
  for (const o of REPORT_OPTIONS)
    for (const s of costReport(model, o).sources) for (const c of s.plan.contexts) out.add(c);
  return out;
}

/** Drives one configuration through `steps` random edits, comparing after each. Returns [edits, recycled]. */
function editAndCompare(
  original: Configuration,
  next: (n: number) => number,
  steps: number,
  focus?: (text: string) => number,
  given?: (text: string, step: number) => { start: number; end: number; text: string },
): [number, number, number] {
  const paths = [...original.files.keys()].filter((p) => !p.startsWith("("));
  if (paths.length === 0) return [0, 0, 0];
  const texts = new Map(paths.map((p) => [p, original.files.get(p)!.text]));
  const source = new OverlayFileSource(new NodeFileSource());
  for (const [p, t] of texts) source.setOverlay(p, t);
  const cache = new ParseCache();
  const load = (): Configuration =>
    loadConfiguration(original.rootPath, {
      source,
      mappings: original.mappings,
      defaultMapping: false,
      confPrefix: original.confPrefix,
      rootContext: original.root.context,
      cache,
    });
  const recycler = new ModelRecycler();
  // The server's chain: each model read whole (rules, report, every lazily read part) and then retired.
  let previous = buildModel(load());
  let edits = 0;
  let recycledContexts = 0;
  let keptEntries = 0;
  for (let step = 0; step < steps; step++) {
    const config0 = previous.config;
    findingsOf(config0, source, previous);
    modelData(previous, "before retiring");
    const entries = entriesOf(previous);
    recycler.retire(previous);
    const p = paths[next(paths.length)];
    const text = texts.get(p)!;
    let change = randomEdit(text, focus ? focus(text) : text.length === 0 ? 0 : next(text.length), next, SNIPPETS);
    if (given) change = given(text, step);
    const at = change.start;
    const newText = text.slice(0, change.start) + change.text + text.slice(change.end);
    const before = source.load(p)!.version;
    texts.set(p, newText);
    source.setOverlay(p, newText);
    cache.update(p, source.load(p)!, [change], before);
    const config = load();
    const shells = new Set(previous.contexts);
    const retiredCount = previous.contexts.length;
    const recycled = buildModel(config, recycler);
    const fresh = buildModel(config);
    let reused = 0;
    for (const c of recycled.contexts) if (shells.has(c)) reused++;
    const where = `${p}, edit ${step} at ${at} (${JSON.stringify(change.text)})`;
    // Every context the retired model had room for is reused: as many as the smaller of the two models.
    assert.equal(reused, Math.min(retiredCount, recycled.contexts.length), `${where}: contexts reused`);
    recycledContexts += reused;
    assert.deepStrictEqual(modelData(recycled, where), modelData(fresh, where), `${where}: model`);
    assertSameObjects(fresh, recycled, where);
    // The cost reports (whose plan entries are the retired model's, set again): the same plans, sites and
    // estimates as a fresh model's, asked in both orders of the options.
    assert.deepStrictEqual(reportsOf(recycled), reportsOf(fresh, true), `${where}: cost reports`);
    for (const c of entriesOf(recycled)) if (entries.has(c)) keptEntries++;
    assert.deepStrictEqual(
      findingsOf(config, source, recycled),
      findingsOf(config, source, fresh),
      `${where}: findings`,
    );
    // Positions: the contexts around an offset of the edited file.
    assert.deepStrictEqual(
      contextsAt(recycled, p, at).map((c) => c.id),
      contextsAt(fresh, p, at).map((c) => c.id),
      `${where}: contextsAt`,
    );
    previous = recycled;
    edits++;
  }
  return [edits, recycledContexts, keptEntries];
}

describe("a model built in a retired model's contexts equals one built from scratch", function () {
  this.timeout(300_000);

  it("random edits over corpus configurations", function () {
    needShared(this);
    const next = randomBelow(20261207);
    const picked = pickedConfigurations(next, 60);
    let edits = 0;
    let recycled = 0;
    for (const config of picked) {
      const [e, r] = editAndCompare(config, next, 8);
      edits += e;
      recycled += r;
    }
    // The walk must really have recycled: most contexts of most edits are a retired model's.
    assert.ok(edits >= 400, `${edits} edits`);
    assert.ok(recycled >= edits * 5, `${recycled} recycled contexts over ${edits} edits`);
  });

  it("a rule's per-context memo does not outlive recycling (modsecurity rules taken out and put back)", function () {
    // modsecurity-unused remembers per block whether rules are in effect (a contextMemo): the server that
    // had rules is recycled into the same server without them, which must then be reported.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-recycle-"));
    try {
      const rules = "        modsecurity_rules 'SecRuleEngine On';\n";
      const main = [
        "events {}",
        "http {",
        "    server {",
        "        listen 80;",
        "        modsecurity on;",
        rules + "        location /a { return 200; }",
        "        location /b { return 200; }",
        "    }",
        "}",
        "",
      ].join("\n");
      fs.writeFileSync(path.join(dir, "nginx.conf"), main);
      const source = new OverlayFileSource(new NodeFileSource());
      const original = loadConfiguration(path.join(dir, "nginx.conf"), { source, defaultMapping: false });
      const [edits] = editAndCompare(original, randomBelow(1), 4, undefined, (text, step) => {
        const at = text.indexOf("        location /a");
        // Out, in, out, in.
        return step % 2 === 0
          ? { start: text.indexOf(rules), end: text.indexOf(rules) + rules.length, text: "" }
          : { start: at, end: at, text: rules };
      });
      assert.equal(edits, 4);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("random edits in the 4,000-location incident's server", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-recycle-"));
    try {
      execFileSync(process.execPath, [path.join(__dirname, "../../../scripts/gen-incident-example.mjs"), "4000", dir]);
      const source = new OverlayFileSource(new NodeFileSource());
      const original = loadConfiguration(path.join(dir, "nginx.conf"), { source, defaultMapping: false });
      assert.ok(original.files.size >= 2, "the incident reads its site file");
      const next = randomBelow(4000);
      // Edits near the server's start (its listen and server_name: what the keystroke bench types into) and
      // anywhere in the file.
      const [edits, recycled, kept] = editAndCompare(original, next, 30, (text) =>
        next(2) === 0 ? next(Math.min(text.length, 200)) : next(Math.max(1, text.length)),
      );
      assert.equal(edits, 30);
      // Each edit reuses as many contexts as the smaller model has (asserted per edit); an edit that types a
      // brace into the server may cut it short, but most keep its 4,000 locations.
      assert.ok(recycled >= 30 * 1_000, `${recycled} recycled contexts over ${edits} edits`);
      // The Lua plan's entries (one per location configuration) were the retired models' objects: 4,002 per
      // edit until the random edits break the server's braces or its bundle.
      assert.ok(kept >= 8 * 4_000, `${kept} plan entries kept over ${edits} edits`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
