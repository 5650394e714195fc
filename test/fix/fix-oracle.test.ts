// The proof issue #4 asks for: the quick-fixes that move a CA bundle directive, applied through the code the
// editor uses (fixesFor + editedTexts), checked against the real nginx on real configurations.
//
// The shared corpus sets neither lua_ssl_trusted_certificate nor proxy_ssl_trusted_certificate, so no fix
// applies to it as written (asserted). The incident is injected instead into every corpus configuration the
// CLI finds (runCheck: each repository folder's include graph and its roots), with a 3-certificate bundle,
// in three variants (test/support/corpus-variants.ts):
// - "lua": `lua_ssl_trusted_certificate` + `lua_ssl_verify_depth` first in every http block. Almost no corpus
//   location runs Lua code, so almost every fix *removes* the directives;
// - "lua-code": the same, plus Lua code in real locations so that the fix must *move* the bundle into them:
//   `log_by_lua_block { }` (no content handler, nothing to conflict with) first in every second `location`
//   without a `log_by_lua*` (reading order), and `access_by_lua_block { }` in the first `if` written inside a
//   location (the bundle then goes into that location: an `if` is no place for it). Configurations without a
//   location are left out. Found with the parser's ranges, not regexes;
// - "proxy": `proxy_ssl_trusted_certificate` + `proxy_ssl_verify on` (the corpus has no configuration mixing
//   `https://` passes with `http://$var` ones, so these fixes only remove: see the mixed case below).
// For every variant where a fix with edits is offered:
// 1. the real `nginx -t` (Debian nginx 1.22.1 + lua-nginx-module 0.10.23, private prefix, the files the analysis
//    read copied to a temporary directory: test/support/materialise.ts) passes before and after, or fails with
//    the same message before and after (corpus files that need modules or files we do not have);
// 2. the SSL contexts parsing the bundle — counted by our re-analysis of the edited texts, by a predicate
//    written here from the module sources (not the product's: `expect` — which blocks need the bundle, the
//    outermost server/location holding each, every location configuration inside those), and by strace of
//    `nginx -t` — are `fix.effect.before` before and `fix.effect.after` after;
// 3. every block's effective configuration is the same before and after apart from the moved directives,
//    and every block that needs them keeps them with the same arguments — and so does every location
//    configuration whose code uses them (Lua code runs there; a TLS pass with verification on), bundle of
//    its own or not (issue 11).
// The summary counts the moves (not removals) that passed nginx -t with strace agreeing.
// Then generated configurations: those of ../shared/tools/gen_incident_conf.py (lua_cert 10, 200, 4000;
// proxy_cert 50, where every location needs the bundle and no move may be offered), and a mixed proxy server
// (`mixedProxy`: N/2 locations to `https://`, N/2 to `http://$host$uri`, one to `$scheme://`, one without a
// pass), where before 1.23.1 every https or variable pass has its own context (N + 1) and the fix keeps the
// bundle for the https and `$scheme` ones only (N/2 + 1), checked by nginx -t and strace.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fixesFor, type Fix } from "../../server/src/fix";
import { editedTexts } from "../../server/src/fix/verify";
import { buildModel, type ConfigContext, type ConfigModel } from "../../server/src/model";
import { luaSslPlan, upstreamSslPlan } from "../../server/src/model/ssl-contexts";
import { runChecks } from "../../server/src/rules";
import type { Finding, RuleOptions } from "../../server/src/rules/types";
import { parse } from "../../server/src/parse/parser";
import { classifyConfiguration } from "../../server/src/workspace/classify";
import { loadConfiguration, type Configuration } from "../../server/src/workspace/configuration";
import { NodeFileSource, type FileSource } from "../../server/src/workspace/files";
import { corpusConfigurations, hasSyntaxErrors, injectAtHttp, injectLuaCode, reload } from "../support/corpus-variants";
import { materialise, pool, runNginxTest, verdict, writeSmallBundle, type NginxRun } from "../support/materialise";
import { haveLuaModule, oracleVersions } from "../support/nginx";
import { CORPUS, corpusFilesNotRead, haveShared, nginxBinary, readManifest, SHARED } from "../support/shared";
import { haveStrace } from "../support/strace";

const LUA_MODULES = ["ndk_http_module.so", "ngx_http_lua_module.so"];
const PARALLEL = Math.max(2, Math.min(4, os.cpus().length + 1));
const GENERATOR = path.join(SHARED, "tools", "gen_incident_conf.py");

// ---- which blocks need the bundle: our own reading of the module sources, independent of fix/ -----------

const LUA_CODE = /_by_lua(_block|_file)?$/;
/** Handlers a nested block inherits (ngx_http_lua_merge_loc_conf). */
const LUA_INHERITED = /^(rewrite|access|log|header_filter|body_filter)_by_lua(_block|_file)?$/;

function owns(c: ConfigContext, test: (name: string) => boolean): boolean {
  for (const [name, sites] of c.own) if (sites.length > 0 && test(name)) return true;
  return false;
}

/** Lua code runs with this block's location configuration. */
function luaNeeds(c: ConfigContext): boolean {
  if (owns(c, (n) => LUA_CODE.test(n))) return true;
  for (let p = c.parent; p !== null && p.kind !== "main"; p = p.parent)
    if (owns(p, (n) => LUA_INHERITED.test(n))) return true;
  // An if / limit_except runs its location's content handler with its own configuration.
  for (let x: ConfigContext | null = c; x && (x.kind === "if" || x.kind === "limit_except"); x = x.parent)
    if (x.parent && owns(x.parent, (n) => /^content_by_lua(_block|_file)?$/.test(n))) return true;
  return false;
}

function ownProxyPass(c: ConfigContext): string | null {
  const sites = c.own.get("proxy_pass") ?? [];
  return sites.length > 0 ? (sites[sites.length - 1].directive.args[0]?.value ?? "") : null;
}

/** The block's proxy_pass may speak TLS: `https://`, or a scheme nginx only knows at run time. */
function proxyNeeds(c: ConfigContext): boolean {
  let pass: string | null = null;
  for (
    let x: ConfigContext | null = c;
    x && pass === null;
    x = x.kind === "if" || x.kind === "limit_except" ? x.parent : null
  )
    pass = ownProxyPass(x);
  if (pass === null) return false;
  if (/^https:\/\//i.test(pass)) return true;
  const i = pass.indexOf("://");
  return (i === -1 ? pass : pass.slice(0, i)).includes("$");
}

/** nginx < 1.23.1 gives a block an upstream SSL_CTX for its own proxy_pass with `https://` or any variable. */
function proxyLoads(c: ConfigContext): boolean {
  const pass = ownProxyPass(c);
  return pass !== null && (/^https:\/\//i.test(pass) || pass.includes("$"));
}

interface Variant {
  name: "lua" | "lua-code" | "proxy";
  /** Lua code is written into real locations too (injectLuaCode), so the fix has blocks to move into. */
  code?: boolean;
  rule: string;
  cert: string;
  statements(bundle: string): string[];
  /** Our predicate: the block uses the bundle. */
  needs(c: ConfigContext): boolean;
  /**
   * Our predicate: the block's code uses the moved directives' values in effect there, whether it inherits
   * the bundle or has its own (issue 11: it must keep an inherited lua_ssl_verify_depth / proxy_ssl_verify).
   */
  uses(c: ConfigContext): boolean;
  /** A location configuration that inherits the directives parses the bundle (lua: every one). */
  loads(c: ConfigContext): boolean;
  /** The product's count of SSL contexts parsing `bundle` (ssl-contexts.ts). */
  planned(model: ConfigModel, bundle: string): number;
}

const bundleOf = (l: { bundle: { directive: { args: { value: string }[] } } | null }): string | undefined =>
  l.bundle?.directive.args[0]?.value;

/** The lua incident: the bundle at http level (the "lua-code" variant also adds Lua code to locations). */
const LUA: Omit<Variant, "name"> = {
  rule: "lua-ssl-per-location",
  cert: "lua_ssl_trusted_certificate",
  statements: (b) => [`lua_ssl_trusted_certificate ${b};`, "lua_ssl_verify_depth 2;"],
  needs: luaNeeds,
  uses: luaNeeds,
  loads: () => true,
  planned: (m, b) => luaSslPlan(m, true).loads.filter((l) => bundleOf(l) === b).length,
};

const VARIANTS: Variant[] = [
  { name: "lua", ...LUA },
  { name: "lua-code", code: true, ...LUA },
  {
    name: "proxy",
    rule: "proxy-ssl-per-location",
    cert: "proxy_ssl_trusted_certificate",
    statements: (b) => [`proxy_ssl_trusted_certificate ${b};`, "proxy_ssl_verify on;"],
    needs: proxyNeeds,
    // The bundle and depth are loaded only with verification on (ngx_http_proxy_set_ssl).
    uses: (c) => proxyNeeds(c) && valueOf(c, "proxy_ssl_verify") === "on",
    loads: proxyLoads,
    planned: (m, b) => upstreamSslPlan(m, "proxy", true).loads.filter((l) => bundleOf(l) === b).length,
  },
];

// ---- the model before and after, block by block -----------------------------------------------------------

function valueOf(c: ConfigContext, name: string): string | undefined {
  for (let x: ConfigContext | null = c; x !== null; x = x.parent) {
    const sites = x.own.get(name);
    if (sites && sites.length > 0)
      return sites
        .map((s) => s.directive.args.map((a) => a.value).join(" ") + (s.directive.lua?.code ?? ""))
        .join("\n");
  }
  return undefined;
}

/** Every directive in effect in a block (own, else the nearest enclosing block's), blocks themselves aside. */
function inEffect(c: ConfigContext, ignore: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (let x: ConfigContext | null = c; x !== null; x = x.parent)
    for (const [name, sites] of x.own)
      if (!out.has(name) && !ignore.has(name) && sites.length > 0 && !sites.some((s) => s.directive.block))
        out.set(name, valueOf(x, name)!);
  return out;
}

/** Why the two models differ apart from `moved` (and for `keep` and location configurations that `use` them, not even there), or null. */
function modelDifference(
  a: ConfigModel,
  b: ConfigModel,
  moved: readonly string[],
  keep: Set<ConfigContext>,
  uses: (c: ConfigContext) => boolean,
): string | null {
  if (a.contexts.length !== b.contexts.length) return `${a.contexts.length} blocks before, ${b.contexts.length} after`;
  const ignore = new Set(moved);
  for (let i = 0; i < a.contexts.length; i++) {
    const x = a.contexts[i];
    const y = b.contexts[i];
    if (x.kind !== y.kind || x.label !== y.label || x.file.path !== y.file.path || x.parent?.id !== y.parent?.id)
      return `block ${i}: ${x.label} before, ${y.label} after`;
    const ex = inEffect(x, ignore);
    const ey = inEffect(y, ignore);
    for (const [k, v] of ex)
      if (ey.get(k) !== v) return `${x.label} (${x.file.path}): "${k}" ${ey.has(k) ? "changes" : "is gone"}`;
    for (const k of ey.keys()) if (!ex.has(k)) return `${x.label} (${x.file.path}): "${k}" comes into effect`;
    for (const name of moved) {
      const v0 = valueOf(x, name);
      const v1 = valueOf(y, name);
      if (keep.has(x) && v0 !== v1)
        return `${x.label} needs "${name}" and has ${v1 ?? "none"} after, ${v0 ?? "none"} before`;
      if (x.isLocationConfiguration && uses(x) && v0 !== v1)
        return `${x.label} uses "${name}" and has ${v1 ?? "none"} after, ${v0 ?? "none"} before`;
      if (v1 !== undefined && v1 !== v0) return `${x.label} gets another "${name}"`;
    }
  }
  return null;
}

// ---- one configuration with one fix ---------------------------------------------------------------------

interface Expectation {
  before: number;
  after: number;
  /** A block that needs the bundle has no block of its own to write it in (a snippet's implied block). */
  implied: boolean;
  needing: Set<ConfigContext>;
}

/**
 * Counts worked out here: the location configurations inheriting the directive at `site` that parse the
 * bundle (before), and those of them inside the outermost server/location blocks that hold a block needing
 * it (after: the needing ones plus what is nested inside a target and inherits from it).
 */
function expect(model: ConfigModel, v: Variant, finding: Finding): Expectation {
  const sources = new Set(
    model
      .sitesOf(v.cert)
      .filter((s) => s.file.path === finding.path && s.directive.range.start.offset === finding.range.start.offset)
      .map((s) => s.context),
  );
  const inheriting = model.locationConfigurations.filter((c) => {
    for (let x: ConfigContext | null = c; x !== null; x = x.parent)
      if ((x.own.get(v.cert)?.length ?? 0) > 0) return sources.has(x);
    return false;
  });
  const needing = new Set(inheriting.filter((c) => v.needs(c)));
  const key = (c: ConfigContext): string =>
    c.directive ? `${c.file.path}\0${c.directive.range.start.offset}` : `implied\0${c.id}`;
  // The nearest server/location of each needing block; the outermost of those (an instance inside another
  // one needs no copy of its own: it inherits) are where the bundle is written, each text block once — so
  // every instance of a target's text block (a file included twice) gets it.
  const nearest = new Set<ConfigContext>();
  let implied = false;
  for (const c of needing) {
    let h: ConfigContext | null = c;
    while (h && h.kind !== "server" && h.kind !== "location") h = h.parent;
    if (!h || !h.directive) implied = true;
    else nearest.add(h);
  }
  const hosts = new Set<string>();
  for (const h of nearest) {
    let inner = false;
    for (let p = h.parent; p !== null; p = p.parent) if (nearest.has(p)) inner = true;
    if (!inner) hosts.add(key(h));
  }
  const underTarget = (c: ConfigContext): boolean => {
    for (let x: ConfigContext | null = c; x !== null; x = x.parent) if (x.directive && hosts.has(key(x))) return true;
    return false;
  };
  return {
    before: inheriting.filter((c) => v.loads(c)).length,
    after: inheriting.filter((c) => v.loads(c) && underTarget(c)).length,
    implied,
    needing,
  };
}

interface Case {
  label: string;
  variant: Variant;
  fix: Fix;
  before: { config: Configuration; model: ConfigModel };
  after: { config: Configuration; model: ConfigModel };
  /** lua-code: an `if` inside a location was given Lua code (its location must host the bundle). */
  ifCode?: boolean;
}

interface Tally {
  configs: number;
  syntaxErrors: number;
  noHttp: number;
  injectedAt: Map<string, number>;
  findings: number;
  fixed: number;
  cautioned: number;
  /** Fixes that move the directives into blocks (the others remove them: no block needs them). */
  moves: number;
  /** The blocks those moves write the directives into, and the location configurations inheriting them after. */
  moveTargets: number;
  moveKept: number;
  /** lua-code: configurations given code, the locations and `if` blocks it was written in, and those without a location. */
  code: { configs: number; locations: number; ifs: number; noLocation: number };
  notOffered: string[];
  nginx: {
    passedBoth: number;
    /** Of those, fixes that move into blocks (not only remove), and of these, the ones strace agrees with. */
    movesPassed: number;
    movesStrace: number;
    /** Moves (strace agreeing) of configurations with Lua code in an `if`. */
    ifMovesStrace: number;
    failedIdentically: number;
    sameLines: number;
    differing: string[];
    strace: number;
  };
  failures: Map<string, number>;
  ms: number;
}

function newTally(): Tally {
  return {
    configs: 0,
    syntaxErrors: 0,
    noHttp: 0,
    injectedAt: new Map(),
    findings: 0,
    fixed: 0,
    cautioned: 0,
    moves: 0,
    moveTargets: 0,
    moveKept: 0,
    code: { configs: 0, locations: 0, ifs: 0, noLocation: 0 },
    notOffered: [],
    nginx: {
      passedBoth: 0,
      movesPassed: 0,
      movesStrace: 0,
      ifMovesStrace: 0,
      failedIdentically: 0,
      sameLines: 0,
      differing: [],
      strace: 0,
    },
    failures: new Map(),
    ms: 0,
  };
}

function options(source: FileSource): RuleOptions {
  return { strict: false, ...oracleVersions(), source };
}

/**
 * Applies `fix` as the editor does, reads the edited configuration again and checks counts (2) and the
 * model (3). Returns the case for nginx (1).
 */
function checkFix(label: string, v: Variant, bundle: string, before: Case["before"], fix: Fix): Case {
  const what = `${label}: ${fix.title}`;
  const e = expect(before.model, v, fix.finding);
  assert.ok(fix.effect, `${what}: no effect`);
  assert.ok(!e.implied, `${what}: offered although a needing block has no block of its own`);
  assert.equal(fix.effect.before, e.before, `${what}: effect.before vs our count`);
  assert.equal(v.planned(before.model, bundle), e.before, `${what}: planned contexts before vs our count`);
  assert.equal(fix.effect.after, e.after, `${what}: effect.after vs our count (${e.needing.size} needing)`);
  assert.ok(e.after < e.before, `${what}: saves nothing`);

  const texts = editedTexts(before.config, fix.edits);
  const again = reload(before.config, texts);
  const model = buildModel(again.config);
  assert.equal(v.planned(model, bundle), e.after, `${what}: re-analysis counts ${v.planned(model, bundle)} contexts`);
  const findings = runChecks(again.config, options(again.source), model).filter(
    (f) => f.ruleId === v.rule && f.message.includes(v.cert),
  );
  const sum = findings.reduce((n, f) => n + Number(f.data?.contexts ?? 0), 0);
  assert.equal(sum, e.after, `${what}: the findings after count ${sum} contexts`);
  const problem = modelDifference(before.model, model, fix.effect.moved, e.needing, v.uses);
  assert.equal(problem, null, `${what}: ${problem}`);
  return { label, variant: v, fix, before, after: { config: again.config, model } };
}

/** nginx -t before and after, under strace; compares verdicts and bundle opens. */
async function nginxCheck(c: Case, root: string, n: number, bundle: string, t: Tally): Promise<void> {
  const dirs = [path.join(root, `${n}-before`), path.join(root, `${n}-after`)];
  try {
    const runs: NginxRun[] = [];
    for (const [i, side] of [c.before, c.after].entries()) {
      const m = materialise(side.config, side.model, { dir: dirs[i], modules: LUA_MODULES });
      runs.push(await runNginxTest(m, bundle));
    }
    const [v0, v1] = runs.map((r, i) => verdict(r, dirs[i], false));
    if (runs[0].ok && runs[1].ok) {
      t.nginx.passedBoth++;
      const eff = c.fix.effect!;
      const move = eff.targets.length > 0;
      if (move) t.nginx.movesPassed++;
      if (runs[0].opens !== eff.before || runs[1].opens !== eff.after)
        t.nginx.differing.push(
          `${c.label}: strace opens ${runs[0].opens} → ${runs[1].opens}, the fix says ${eff.before} → ${eff.after}`,
        );
      else {
        t.nginx.strace++;
        if (move) t.nginx.movesStrace++;
        if (move && c.ifCode) t.nginx.ifMovesStrace++;
      }
    } else if (v0 === v1) {
      t.nginx.failedIdentically++;
      if (verdict(runs[0], dirs[0]) === verdict(runs[1], dirs[1])) t.nginx.sameLines++;
      const reason = v0
        .split("\n")[0]
        .replace(/^nginx: \[\w+\] /, "")
        .replace(/ in .*$/, "")
        .replace(/".*?"/g, '"…"');
      t.failures.set(reason, (t.failures.get(reason) ?? 0) + 1);
    } else {
      t.nginx.differing.push(`${c.label}: before ${v0 || "(no message)"}\n  after ${v1 || "(no message)"}`);
    }
  } finally {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

function describeTally(v: string, t: Tally): string {
  const at = [...t.injectedAt].map(([k, n]) => `${n} at ${k}`).join(", ");
  const fails = [...t.failures]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k, n]) => `      ${n} × ${k}`)
    .join("\n");
  const code = t.code.configs
    ? [
        `    Lua code written into ${t.code.configs} of them: log_by_lua_block in ${t.code.locations} locations, access_by_lua_block in ${t.code.ifs} ifs inside a location; ${t.code.noLocation} without a location left out`,
      ]
    : [];
  return [
    `  ${v}: ${t.configs} corpus configurations, ${t.syntaxErrors} skipped for syntax errors, ${t.noHttp} without an http or server level to inject at; injected ${at}`,
    ...code,
    `    ${t.findings} findings; fixes with edits applied: ${t.fixed} (${t.fixed - t.cautioned} preferred, ${t.cautioned} with a caution; ${t.moves} move into blocks — ${t.moveTargets} target blocks, ${t.moveKept} location configurations keeping the bundle — ${t.fixed - t.moves} remove); nothing to save (every inheriting block needs it): ${t.findings - t.fixed - t.notOffered.length}; reducible but not offered: ${t.notOffered.length}`,
    `    nginx -t: passed before+after ${t.nginx.passedBoth} (${t.nginx.movesPassed} of them moves, strace agreeing on ${t.nginx.movesStrace}${t.code.configs ? `, ${t.nginx.ifMovesStrace} with Lua code in an if` : ""}; strace opens = effect.before → effect.after: ${t.nginx.strace}), failed identically ${t.nginx.failedIdentically} (${t.nginx.sameLines} with the same line numbers), differing ${t.nginx.differing.length}; ${(t.ms / 1000).toFixed(1)} s`,
    ...(fails ? ["    why the identical failures fail (top reasons):", fails] : []),
  ].join("\n");
}

function requireTools(ctx: Mocha.Context, lua = true): void {
  if (haveShared() && nginxBinary() && haveStrace() && (!lua || haveLuaModule())) return;
  if (process.env.CI)
    throw new Error("CI must provide ../shared, nginx, libnginx-mod-http-lua and strace (with ptrace allowed)");
  ctx.skip();
}

describe("fix oracle: the bundle-moving quick-fixes against the real nginx -t (issue #4)", function () {
  this.timeout(600_000);
  let root = "";
  let bundle = "";
  const summary: string[] = [];
  const started = Date.now();
  const tallies = new Map<string, Tally>();

  before(async function () {
    requireTools(this);
    root = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-fix-oracle-"));
    bundle = path.join(root, "ca-bundle.pem");
    await writeSmallBundle(bundle, 3);
  });

  after(function () {
    if (root) fs.rmSync(root, { recursive: true, force: true });
    const fixed = [...tallies.values()].reduce((n, t) => n + t.fixed, 0);
    const passed = [...tallies.values()].reduce((n, t) => n + t.nginx.passedBoth, 0);
    const failed = [...tallies.values()].reduce((n, t) => n + t.nginx.failedIdentically, 0);
    const straced = [...tallies.values()].reduce((n, t) => n + t.nginx.strace, 0);
    const moves = [...tallies.values()].reduce((n, t) => n + t.nginx.movesStrace, 0);
    if (summary.length === 0) return;
    console.log(
      [
        `fix oracle: ${fixed} corpus configs × variants fixed; nginx -t passed before+after: ${passed}, failed identically: ${failed}; strace-checked: ${straced}, of them moves into blocks: ${moves} (${((Date.now() - started) / 1000).toFixed(1)} s, ${PARALLEL} nginx at a time)`,
        ...summary,
      ].join("\n"),
    );
  });

  it("the corpus as written sets no CA bundle these fixes move: 0 findings, 0 fixes", function () {
    requireTools(this, false);
    const read: string[] = [];
    let configs = 0;
    let findings = 0;
    let fixes = 0;
    for (const { config } of corpusConfigurations()) {
      configs++;
      read.push(...config.files.keys());
      const source = new NodeFileSource();
      const model = buildModel(config);
      const found = runChecks(config, options(source), model).filter((f) => VARIANTS.some((v) => v.rule === f.ruleId));
      findings += found.length;
      fixes += fixesFor(config, found, options(source), model).filter((f) => f.edits.length > 0).length;
    }
    // The fixtures that do not read as configuration are never expanded (workspace/classify.ts).
    const notConfiguration = readManifest()
      .map((e) => path.join(CORPUS, e.path))
      .filter((p) => !classifyConfiguration(parse(fs.readFileSync(p, "utf8"))).configuration);
    assert.deepEqual(
      corpusFilesNotRead(read, notConfiguration),
      [],
      "configuration files of the corpus that no configuration read",
    );
    assert.equal(findings, 0);
    assert.equal(fixes, 0);
    summary.push(`  raw corpus: ${configs} configurations, ${findings} findings, ${fixes} fixes apply`);
  });

  for (const v of VARIANTS) {
    it(`corpus × ${v.name}: the fix passes nginx -t as before, strace opens drop to effect.after, nothing else changes`, async function () {
      const t0 = Date.now();
      const t = newTally();
      tallies.set(v.name, t);
      const cases: Case[] = [];
      for (const { folder, config } of corpusConfigurations()) {
        t.configs++;
        if (hasSyntaxErrors(config)) {
          t.syntaxErrors++;
          continue;
        }
        const label = `${v.name} ${path.relative(path.dirname(folder), config.rootPath)}`;
        const injected = injectAtHttp(config, buildModel(config), v.statements(bundle));
        if (!injected) {
          t.noHttp++;
          continue;
        }
        let variant = reload(config, injected.texts);
        let ifCode = false;
        if (v.code) {
          const code = injectLuaCode(variant.config);
          if (!code) {
            t.code.noLocation++;
            continue;
          }
          t.code.configs++;
          t.code.locations += code.locations;
          t.code.ifs += code.ifs;
          ifCode = code.ifs > 0;
          variant = reload(variant.config, code.texts);
        }
        for (const l of injected.levels) t.injectedAt.set(l, (t.injectedAt.get(l) ?? 0) + 1);
        const model = buildModel(variant.config);
        const opts = options(variant.source);
        const findings = runChecks(variant.config, opts, model).filter((f) => f.ruleId === v.rule);
        t.findings += findings.length;
        const fixes = fixesFor(variant.config, findings, opts, model).filter((f) => f.edits.length > 0);
        for (const f of findings) {
          const fix = fixes.find((x) => x.finding === f);
          if (!fix) {
            const e = expect(model, v, f);
            if (!e.implied && e.after < e.before) t.notOffered.push(`${label} (${e.before} → ${e.after})`);
            continue;
          }
          t.fixed++;
          if (fix.caution) t.cautioned++;
          if (fix.effect && fix.effect.targets.length > 0) {
            t.moves++;
            t.moveTargets += fix.effect.targets.length;
            t.moveKept += fix.effect.after;
          }
          cases.push({ ...checkFix(label, v, bundle, { config: variant.config, model }, fix), ifCode });
        }
      }
      await pool(
        cases.map((c, i) => () => nginxCheck(c, root, i, bundle, t)),
        PARALLEL,
      );
      t.ms = Date.now() - t0;
      summary.push(describeTally(v.name, t));
      assert.deepEqual(t.nginx.differing, [], "nginx -t differs before and after the fix");
      assert.equal(t.nginx.passedBoth + t.nginx.failedIdentically, cases.length);
      if (v.name === "lua") assert.ok(t.fixed > 100, `only ${t.fixed} lua fixes applied`);
      if (v.code) {
        // Every fix moves (each configuration has Lua code under its bundle), and most pass nginx -t.
        assert.equal(t.moves, t.fixed, "a lua-code fix removes the bundle");
        assert.ok(t.moves > 300, `only ${t.moves} lua-code moves`);
        assert.ok(t.nginx.movesStrace > 150, `only ${t.nginx.movesStrace} moves pass nginx -t with strace agreeing`);
        assert.ok(t.nginx.ifMovesStrace > 5, `only ${t.nginx.ifMovesStrace} moves with Lua code in an if checked`);
      }
    });
  }

  /** A generated incident configuration, analysed as the CLI would (its folder's nginx.conf). */
  function generated(variant: string, n: number): { config: Configuration; model: ConfigModel; dir: string } {
    const dir = path.join(root, `gen-${variant}-${n}`);
    fs.mkdirSync(dir, { recursive: true });
    const r = spawnSync("python3", [GENERATOR, variant, String(n), dir, "19080", bundle], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(r.status, 0, r.stderr);
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, r.stdout);
    const config = loadConfiguration(conf, { mappings: [] });
    return { config, model: buildModel(config), dir };
  }

  for (const n of [10, 200, 4000]) {
    it(`gen_incident_conf lua_cert ${n}: ${n + 2} → 1 SSL context, nginx -t passes, strace opens ${n + 2} → 1`, async function () {
      const v = VARIANTS.find((x) => x.name === "lua")!;
      const g = generated("lua_cert", n);
      const opts = options(new NodeFileSource());
      const findings = runChecks(g.config, opts, g.model).filter((f) => f.ruleId === v.rule);
      assert.equal(findings.length, 1);
      const fixes = fixesFor(g.config, findings, opts, g.model).filter((f) => f.edits.length > 0);
      assert.equal(fixes.length, 1, fixes.map((f) => f.title).join(" | "));
      assert.ok(fixes[0].isPreferred && !fixes[0].caution);
      const c = checkFix(`lua_cert ${n}`, v, bundle, g, fixes[0]);
      // The server, the gc64 Lua location and the N others; afterwards only the Lua location.
      assert.equal(c.fix.effect!.before, n + 2);
      assert.equal(c.fix.effect!.after, 1);
      const runs: NginxRun[] = [];
      for (const [i, side] of [c.before, c.after].entries()) {
        const m = materialise(side.config, side.model, { dir: path.join(g.dir, i === 0 ? "before" : "after") });
        runs.push(await runNginxTest(m, bundle));
      }
      for (const r of runs) assert.ok(r.ok, r.output);
      assert.equal(runs[0].opens, n + 2, "strace opens before");
      assert.equal(runs[1].opens, 1, "strace opens after");
      summary.push(
        `  lua_cert ${n}: ${c.fix.effect!.before} → ${c.fix.effect!.after} contexts; nginx -t passes both; strace opens ${runs[0].opens} → ${runs[1].opens}; nginx -t ${runs[0].ms} ms → ${runs[1].ms} ms`,
      );
      fs.rmSync(g.dir, { recursive: true, force: true });
    });
  }

  it("gen_incident_conf proxy_cert 50: every location proxies to https, so no move is offered and 50 contexts stay", async function () {
    requireTools(this, false);
    const v = VARIANTS.find((x) => x.name === "proxy")!;
    const g = generated("proxy_cert", 50);
    const opts = options(new NodeFileSource());
    const findings = runChecks(g.config, opts, g.model).filter((f) => f.ruleId === v.rule);
    assert.equal(findings.length, 1);
    const all = fixesFor(g.config, findings, opts, g.model);
    assert.deepEqual(
      all.filter((f) => f.edits.length > 0).map((f) => f.title),
      [],
      "no move may be offered",
    );
    const e = expect(g.model, v, findings[0]);
    assert.equal(e.needing.size, 50);
    assert.equal(e.before, 50);
    assert.equal(e.after, 50);
    assert.equal(findings[0].data?.contexts, 50);
    assert.equal(v.planned(g.model, bundle), 50);
    const m = materialise(g.config, g.model, { dir: path.join(g.dir, "run") });
    const r = await runNginxTest(m, bundle);
    assert.ok(r.ok, r.output);
    assert.equal(r.opens, 50);
    summary.push(
      `  proxy_cert 50: ${all.length} fix(es) offered, none with edits (${all.map((f) => f.title).join("; ")}); 50 needing, 50 contexts; strace opens ${r.opens}`,
    );
    fs.rmSync(g.dir, { recursive: true, force: true });
  });

  /**
   * One server mixing passes: `half` locations proxying to `https://`, `half` to `http://$host$uri` (a
   * variable, so a context of their own before 1.23.1, though they never speak TLS), one to
   * `$scheme://…` (may speak TLS) and one without a pass; the bundle and `proxy_ssl_verify on` at http.
   * No `resolver`: nginx -t does not need one for a variable pass (only a request would).
   */
  function mixedProxy(half: number): { config: Configuration; model: ConfigModel; dir: string } {
    const dir = path.join(root, `gen-mixed-proxy-${half}`);
    fs.mkdirSync(dir, { recursive: true });
    const locations: string[] = [];
    for (let i = 0; i < half; i++) {
      locations.push(
        `        location /tls${i}/ {`,
        `            proxy_pass https://127.0.0.1:${19443 + (i % 7)};`,
        "        }",
      );
      locations.push(`        location /plain${i}/ {`, "            proxy_pass http://$host$uri;", "        }");
    }
    const text = [
      "events { }",
      "http {",
      `    proxy_ssl_trusted_certificate ${bundle};`,
      "    proxy_ssl_verify on;",
      "    proxy_ssl_verify_depth 2;",
      "    server {",
      "        listen 127.0.0.1:19081;",
      ...locations,
      "        location /either/ {",
      "            proxy_pass $scheme://127.0.0.1:19443;",
      "        }",
      "        location = /health {",
      "            return 204;",
      "        }",
      "    }",
      "}",
      "",
    ].join("\n");
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, text);
    const config = loadConfiguration(conf, { mappings: [] });
    return { config, model: buildModel(config), dir };
  }

  for (const half of [10, 200]) {
    const n = 2 * half;
    it(`mixed proxy ${n}+2 locations (${half} https, ${half} http://$host$uri, 1 $scheme, 1 return): ${n + 1} → ${half + 1} contexts, nginx -t passes, strace agrees`, async function () {
      requireTools(this, false);
      const v = VARIANTS.find((x) => x.name === "proxy")!;
      const g = mixedProxy(half);
      const opts = options(new NodeFileSource());
      const findings = runChecks(g.config, opts, g.model).filter((f) => f.ruleId === v.rule);
      assert.equal(findings.length, 1);
      const fixes = fixesFor(g.config, findings, opts, g.model).filter((f) => f.edits.length > 0);
      assert.equal(fixes.length, 1, fixes.map((f) => f.title).join(" | "));
      assert.ok(fixes[0].isPreferred && !fixes[0].caution);
      const c = checkFix(`mixed proxy ${n}`, v, bundle, g, fixes[0]);
      const eff = c.fix.effect!;
      assert.deepEqual(eff.moved.sort(), [
        "proxy_ssl_trusted_certificate",
        "proxy_ssl_verify",
        "proxy_ssl_verify_depth",
      ]);
      assert.equal(eff.targets.length, half + 1, "one target per https / $scheme location");
      assert.equal(eff.before, n + 1);
      assert.equal(eff.after, half + 1);
      const runs: NginxRun[] = [];
      for (const [i, side] of [c.before, c.after].entries()) {
        const m = materialise(side.config, side.model, { dir: path.join(g.dir, i === 0 ? "before" : "after") });
        runs.push(await runNginxTest(m, bundle));
      }
      for (const r of runs) assert.ok(r.ok, r.output);
      assert.equal(runs[0].opens, n + 1, "strace opens before");
      assert.equal(runs[1].opens, half + 1, "strace opens after");
      summary.push(
        `  mixed proxy ${n}+2: move into ${eff.targets.length} locations; ${eff.before} → ${eff.after} contexts; nginx -t passes both; strace opens ${runs[0].opens} → ${runs[1].opens}`,
      );
      fs.rmSync(g.dir, { recursive: true, force: true });
    });
  }
});
