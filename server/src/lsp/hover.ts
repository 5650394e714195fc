// What hovers and code lenses say: plain functions of a root's last analysis (model + cost report +
// findings) to markdown and titles. No connection, no LSP types: server.ts converts, tests call these
// directly. Every number comes from the same CostReport the SSL rules used, so a hover never disagrees
// with the diagnostic next to it.
//
// A file read in several configurations (two main files, or included from two sites) is answered for
// the first one the caller lists, and the hover says in how many it is read.

import { documentationFor } from "../complete/directive-doc";
import { notReadText, sizeKnown } from "../cost/bundle";
import { bundleFormula, MEASURED } from "../cost/estimate";
import {
  bundleFor,
  ownedCost,
  sslContextBytes,
  type CostReport,
  type OwnedCost,
  type SslRuleId,
  type SslSource,
} from "../cost/report";
import { approxBytes, formatBytes, formatCount } from "../cost/format";
import type { ResolvedVersion, ResolvedVersions } from "../cost/versions";
import { descendants, effective, type ConfigContext } from "../model";
import { fileLabel, includedByPhrase, writtenIn } from "../model/provenance";
import type { Directive, Node, Range } from "../parse/ast";
import { directiveAt, le } from "../navigate/text";
import { rootContextKind } from "../rules/statement-checks";
import { configTestJoinsReuseport, RULE_ID as REUSEPORT_RULE } from "../rules/reuseport-config-test";
import { costModelCite, costModelUrl, ruleDocUri } from "../rules/docs";
import { bundleAssumption, bundleSites, ownParses, unknownReason, type BundleSite } from "../rules/ssl-cost";
import type { Configuration, FileInstance } from "../workspace/configuration";
import type { RootAnalysis } from "./analysis";

/** A position in a file: 0-based line, UTF-16 character (LSP's). */
export interface Position {
  line: number;
  character: number;
}

export interface HoverInfo {
  markdown: string;
  /** What the hover is about (the directive, or a block's name). */
  range: Range;
  /** The directive it describes (a block: with its body). */
  directive: Directive;
  /**
   * Its directive is one the risk engine speaks of (it says so from the analysis's model, by node, or says
   * that the model has nothing there); else only the directive's documentation, from the tree and the
   * root's context and version.
   */
  fromModel: boolean;
  /** It compares findings' ranges (made when the analysis ran) with the tree's (server.ts lastAnalyses). */
  readsFindingRanges: boolean;
}

export interface LensInfo {
  range: Range;
  title: string;
  /** The directive it sits on (a server: its body is what it sums). */
  directive: Directive;
}

/** The directives that name a CA bundle parsed into SSL contexts. */
export const BUNDLE_DIRECTIVES: ReadonlySet<string> = new Set([
  "lua_ssl_trusted_certificate",
  "proxy_ssl_trusted_certificate",
  "grpc_ssl_trusted_certificate",
  "uwsgi_ssl_trusted_certificate",
  "ssl_client_certificate",
  "ssl_trusted_certificate",
]);

/** Block directives whose hover tells their SSL contexts. */
const SSL_OWNER_BLOCKS = new Set(["server", "location", "if", "limit_except"]);
/** http, stream and mail servers: each may own a TLS context (model/ssl-contexts.ts serverSslPlan). */
const SERVER_KINDS: ReadonlySet<ConfigContext["kind"]> = new Set(["server", "stream-server", "mail-server"]);
const OWNER_KINDS = new Set<ConfigContext["kind"]>([...SERVER_KINDS, "location", "if", "limit_except"]);

/** How many blocks a hover lists by name. */
const LIST_SAMPLE = 8;

// ---- small helpers -------------------------------------------------------------------------------------

export function plural(n: number, one: string, many = one + "s"): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Inline code that survives backticks in the text. */
export function code(s: string): string {
  const fence = s.includes("`") ? "``" : "`";
  return `${fence}${fence.length > 1 ? " " : ""}${s}${fence.length > 1 ? " " : ""}${fence}`;
}

export { fileLabel };

function at(config: Configuration, p: string, range: Range): string {
  return `${fileLabel(config, p)}:${range.start.line + 1}`;
}

function ctxAt(config: Configuration, c: ConfigContext): string {
  return c.directive ? at(config, c.file.path, c.directive.range) : fileLabel(config, c.file.path);
}

const MODULE_NAMES: Record<string, string> = {
  lua: "lua-nginx-module",
  "stream-lua": "stream-lua-nginx-module",
  proxy: "ngx_http_proxy_module",
  grpc: "ngx_http_grpc_module",
  uwsgi: "ngx_http_uwsgi_module",
  server: "ngx_http_ssl_module",
  "stream-proxy": "ngx_stream_proxy_module",
};

export function moduleName(source: SslSource, owner?: ConfigContext): string {
  if (source.module === "server" && owner?.kind === "stream-server") return "ngx_stream_ssl_module";
  if (source.module === "server" && owner?.kind === "mail-server") return "ngx_mail_ssl_module";
  return MODULE_NAMES[source.module] ?? source.module;
}

const CM1 = costModelCite("contexts");

/** Why the module creates these contexts, on the deployed (or assumed) version. */
export function why(source: SslSource): string {
  switch (source.module) {
    case "lua":
      return source.perLocation
        ? "lua-nginx-module ≤ 0.10.25 creates one for every location configuration (server, location, if, " +
            `limit_except) that has or inherits it, even without any other lua_ssl_* directive (${CM1})`
        : "lua-nginx-module ≥ 0.10.26 creates one per block that sets a lua_ssl_* directive itself, plus one " +
            `shared by all other blocks (${CM1})`;
    case "stream-lua":
      return `stream-lua-nginx-module creates one for every \`stream\` server (${CM1})`;
    case "proxy":
    case "grpc":
    case "uwsgi": {
      const m = source.module;
      return source.perLocation
        ? `nginx < 1.23.1 creates one for every location whose ${m}_pass uses TLS or variables; with ` +
            `${m}_ssl_verify on each parses the bundle (${CM1})`
        : `nginx ≥ 1.23.1 creates one per block that sets a ${m}_ssl_* directive itself (${CM1})`;
    }
    case "stream-proxy":
      return source.perLocation
        ? "nginx < 1.23.1 creates one for every stream server where proxy_ssl is on; with proxy_ssl_verify on " +
            `each parses the bundle (${CM1})`
        : `nginx ≥ 1.23.1 creates one per level that sets a proxy_ssl_* directive itself (${CM1})`;
    case "server":
      return `every server with TLS has an SSL context of its own and parses the bundle into it; servers share none (${CM1})`;
    default:
      return "";
  }
}

/**
 * Adds `b` to `sum`, which it changes and returns. Summing into one total keeps a sum over a block's blocks
 * linear: a new total per step copied the entries so far each time (10,000 nested locations: 5·10^7 copies).
 */
function addTo(sum: OwnedCost, b: OwnedCost): OwnedCost {
  sum.contexts += b.contexts;
  // Unknown (a bundle of unknown size) stays unknown: the sum is never a guess.
  sum.bytes = sum.bytes === null || b.bytes === null ? null : sum.bytes + b.bytes;
  sum.unknownContexts += b.unknownContexts;
  for (const e of b.entries) sum.entries.push(e);
  return sum;
}

function nothing(): OwnedCost {
  return { contexts: 0, bytes: 0, unknownContexts: 0, entries: [] };
}

function sumBytes(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

/** A block and everything inside it. */
export function subtreeCost(report: CostReport, ctx: ConfigContext): OwnedCost {
  const sum = nothing();
  for (const c of descendants(ctx)) addTo(sum, ownedCost(report, c));
  return sum;
}

function locationConfigurationBytes(report: CostReport): number {
  return MEASURED.perLocationConfiguration + (report.luaModule ? MEASURED.luaPerLocationConfiguration : 0);
}

/** Every bundle directive site of every SSL rule (sites of a file read twice are merged, as the rules do). */
function allBundleSites(report: CostReport): BundleSite[] {
  const rules = new Set<SslRuleId>(report.sources.map((s) => s.ruleId));
  return [...rules].flatMap((id) => bundleSites(report, id));
}

function versionText(name: string, v: ResolvedVersion): string {
  return v.version === null ? `${name} unknown` : `${name} ${v.version} (${v.source})`;
}

function versionsLine(v: ResolvedVersions): string {
  const parts = [versionText("nginx", v.nginx), versionText("lua-nginx-module", v.lua)];
  if (v.openresty.version !== null) parts.push(versionText("OpenResty", v.openresty));
  parts.push(versionText("OpenSSL", v.openssl));
  return `Versions: ${parts.join(" · ")}`;
}

/** "cost model", linked to docs/cost-model.md shipped in the package (or plain when it is not there). */
function costModelLink(): string {
  const uri = costModelUrl();
  return uri === null ? "cost model (docs/cost-model.md)" : `[cost model](${uri})`;
}

/** The rule's id, linked to its page shipped in the package (or plain when the page is not there). */
function ruleLink(id: string): string {
  const uri = ruleDocUri(id);
  return uri === null ? `\`${id}\`` : `[${id}](${uri})`;
}

// ---- occurrences -------------------------------------------------------------------------------------

interface Occurrence {
  analysis: RootAnalysis;
  instance: FileInstance;
}

function occurrences(analyses: readonly RootAnalysis[], p: string): Occurrence[] {
  return analyses.flatMap((analysis) =>
    (analysis.config.instancesByPath.get(p) ?? []).map((instance) => ({ analysis, instance })),
  );
}

/** "main file nginx.conf, included at sites.conf:3" */
function occurrenceLabel(o: Occurrence): string {
  const config = o.analysis.config;
  const by = o.instance.includedBy;
  const main = `main file ${code(fileLabel(config, config.rootPath))}`;
  return by ? `${main}, included at ${at(config, by.instance.path, by.directive.range)}` : main;
}

function severalNote(occ: readonly Occurrence[]): string | null {
  if (occ.length < 2) return null;
  const roots = new Set(occ.map((o) => o.analysis.config.rootPath)).size;
  return (
    `_This file is read in ${formatCount(occ.length)} configurations` +
    (roots > 1 ? ` (${formatCount(roots)} main files)` : "") +
    `; shown for the first: ${occurrenceLabel(occ[0])}._`
  );
}

// ---- hover ---------------------------------------------------------------------------------------------

/**
 * The hover at `pos` in file `p`, from the analyses that read it (the first is answered), or null when
 * there is nothing to say there. On a directive's name: the risk engine's cost part (where it has one)
 * first, then the directive's documentation from the table. On an argument: only a directive with a cost
 * part has a hover (it covers the whole statement), with the documentation after it.
 */
export function hoverAt(
  analyses: readonly RootAnalysis[],
  p: string,
  pos: Position,
  nodes?: readonly Node[],
): HoverInfo | null {
  const occ = occurrences(analyses, p);
  if (occ.length === 0) return null;
  const first = occ[0];
  // `nodes`: the tree the analysed one was moved into in place (ParseCache.editedSince), where `pos` is.
  const tree = nodes ?? first.instance.parsed.children;
  const d = directiveAt(tree, pos);
  if (!d) return null;
  let body: string | null = null;
  // The directives the risk engine speaks of: what it says is read from the model, by node.
  let fromModel = true;
  const reuseport = d.name === "listen" && d.args.some((a) => a.value === "reuseport");
  if (BUNDLE_DIRECTIVES.has(d.name)) body = bundleHover(first.analysis, d);
  else if (SSL_OWNER_BLOCKS.has(d.name) && d.block) body = blockHover(first.analysis, first.instance, d);
  else if (reuseport) body = reuseportHover(first.analysis, p, d);
  else if (d.name === "include") body = includeHover(first.analysis, first.instance, d);
  else fromModel = false;
  const onName = le(d.nameWord.range.start, pos) && le(pos, d.nameWord.range.end);
  if (body === null && !onName) return null;
  const v = first.analysis.report.versions.nginx;
  const docs = documentationFor(
    tree,
    d,
    rootContextKind(first.instance.context),
    v.version !== null ? { version: v.version, source: v.source } : null,
  );
  const parts = [body, docs, severalNote(occ)].filter((x): x is string => x !== null);
  const range = body === null ? d.nameWord.range : d.block ? d.nameWord.range : d.range;
  return {
    markdown: parts.join("\n\n---\n\n"),
    range,
    directive: d,
    fromModel,
    readsFindingRanges: reuseport,
  };
}

/** On a bundle directive: the contexts that parse it because of this directive, the estimate and its formula. */
export function bundleHover(a: RootAnalysis, d: Directive): string {
  const report = a.report;
  const config = a.config;
  const entries = allBundleSites(report).filter((b) => b.site.directive === d);
  const arg = d.args[0]?.value ?? "";
  const out: string[] = [`**${d.name}** ${code(arg)}`];
  const assumptions: string[] = [];
  const rules = new Set<string>();
  if (entries.length === 0) {
    out.push(noLoadsReason(a, d));
    for (const s of report.sources) if (s.bundleDirective === d.name) assumptions.push(...s.assumptions);
  }
  for (const b of entries) {
    rules.add(b.source.ruleId);
    assumptions.push(...b.source.assumptions);
    out.push(...bundleSection(a, b));
  }
  for (const b of entries) {
    const assumed = bundleAssumption(b.bundle);
    if (assumed) assumptions.push(`${assumed}; nginxRisk.assumedBundle`);
  }
  out.push(versionsLine(report.versions));
  const unique = [...new Set(assumptions)];
  if (unique.length > 0) out.push(`Assumed: ${unique.join("; ")}.`);
  for (const n of report.notes) out.push(`Note: ${n}`);
  if (rules.size === 0) for (const s of report.sources) if (s.bundleDirective === d.name) rules.add(s.ruleId);
  const links = [...rules].map(ruleLink);
  out.push(
    (links.length > 0 ? `Rule: ${links.join(", ")} · ` : "") +
      `${costModelLink()} · main file ${code(fileLabel(config, config.rootPath))}`,
  );
  return out.join("\n\n");
}

function bundleSection(a: RootAnalysis, b: BundleSite): string[] {
  const report = a.report;
  const config = a.config;
  const est = report.estimate;
  const n = b.loads.length;
  const bpc = b.bytesPerContext;
  const bundle = b.bundle;
  const formula = report.bundleCache
    ? "nginx ≥ 1.27.2 parses the bundle once and shares it: ~13.4 KB per context"
    : sizeKnown(bundle)
      ? bundleFormula(bundle)
      : "depends on the bundle's size, which is unknown";
  const readFrom = !sizeKnown(bundle)
    ? `**size unknown**: ${unknownReason(bundle)}`
    : bundle.assumed
      ? `**assumed** (${bundle.assumedAs ?? "a system CA store"}): ${notReadText(bundle)}`
      : `read from ${code(fileLabel(config, bundle.readFrom ?? bundle.path))}`;
  const facts = sizeKnown(bundle)
    ? `${formatCount(bundle.bytes)} B · ${plural(bundle.certificates, "certificate")}`
    : "size unknown";
  const set = b.site.context;
  const where = includedByPhrase(writtenIn(a.model, b.site));
  const setText = where ?? `set in ${code(set.label)} at ${at(config, b.site.file.path, b.site.directive.range)}`;
  const unknownNote =
    est.unknownBundles.length > 0
      ? ` (${plural(est.unknownBundles.length, "CA bundle")} of unknown size: ${est.unknownBundles
          .slice(0, 3)
          .map(code)
          .join(", ")}${est.unknownBundles.length > 3 ? ", …" : ""})`
      : "";
  const out: string[] = [
    `**${plural(n, "SSL context")}** ${n === 1 ? "parses" : "parse"} this bundle because of this directive (${moduleName(b.source)}, ` +
      `${setText})` +
      (why(b.source) ? `: ${why(b.source)}.` : "."),
    [
      "| | |",
      "|---|---|",
      `| Bundle | ${code(bundle.path)} · ${facts} · ${readFrom} |`,
      `| Per context | ${approxBytes(bpc)} = ${formula} |`,
      `| These contexts | ${formatCount(n)} × ${approxBytes(bpc)} = ${approxBytes(bpc === null ? null : n * bpc)} |`,
      `| Master, whole configuration | ${approxBytes(est.estimatedBytes)}${unknownNote} (${plural(a.model.locationConfigurations.length, "location configuration")}) |`,
      `| Reload peak | ${approxBytes(est.reloadPeakBytes)}: old and new configuration at once (${costModelCite("whole")}) |`,
      `| Instance peak | ${approxBytes(est.instancePeakBytes)}: master + workers during a reload (${costModelCite("whole")}) |`,
      `| Parses of this bundle by this directive, per nginx -t / reload | ${formatCount(ownParses(report, b))} |`,
      `| All CA bundle parses per nginx -t / reload | ${formatCount(est.configTestParses)} |`,
    ].join("\n"),
  ];
  const listed = b.loads.slice(0, LIST_SAMPLE).map((l) => {
    // The instance of the directive that applies to this block (the model's effective site), not the first.
    const inherited = l.bundle !== null && l.bundle.context !== l.owner;
    return `- ${code(l.owner.label)} (${ctxAt(config, l.owner)})${inherited ? ", inherits it" : ""}`;
  });
  if (b.loads.length > LIST_SAMPLE) listed.push(`- … and ${formatCount(b.loads.length - LIST_SAMPLE)} more`);
  if (listed.length > 0) out.push(`Contexts:\n${listed.join("\n")}`);
  return out;
}

function noLoadsReason(a: RootAnalysis, d: Directive): string {
  const report = a.report;
  const sources = report.sources.filter((s) => s.bundleDirective === d.name);
  const none = "No SSL context parses this bundle because of this directive";
  if (sources.length === 0) {
    if (d.name === "lua_ssl_trusted_certificate") return `${none}: no block here creates a Lua SSL context.`;
    if (d.name === "ssl_client_certificate" || d.name === "ssl_trusted_certificate")
      return `${none}: no server that inherits it has TLS (ssl_certificate or ssl_reject_handshake on).`;
    const m = d.name.split("_")[0];
    return `${none}: no location passes to a TLS upstream (${m}_pass with a TLS scheme or variables).`;
  }
  if (/^(proxy|grpc|uwsgi)_/.test(d.name))
    return `${none}: the blocks that inherit it do not verify the upstream (${d.name.split("_")[0]}_ssl_verify on), or set their own bundle.`;
  if (d.name === "ssl_client_certificate")
    return `${none}: the TLS servers that inherit it do not verify clients (ssl_verify_client), or set their own.`;
  return `${none}: every block that would load it sets its own, or shares a context created elsewhere.`;
}

/** On a `server`/`location`/`if`/`limit_except` name: its own SSL contexts, where their bundles come from, its share. */
export function blockHover(a: RootAnalysis, instance: FileInstance, d: Directive): string | null {
  const ctx = a.model.contexts.find((c) => c.directive === d && c.file === instance);
  if (!ctx || !OWNER_KINDS.has(ctx.kind)) return null;
  const report = a.report;
  const config = a.config;
  const own = ownedCost(report, ctx);
  const out: string[] = [`**${ctx.label}**`];
  if (own.contexts === 0) {
    let line = "No SSL context of its own.";
    const shares = report.sources.filter((s) => !s.perLocation && (s.module === "lua" || s.module === "proxy"));
    if (shares.length > 0)
      line += ` (${shares.map((s) => moduleName(s)).join(", ")} on this version: blocks that set no *_ssl_* directive share their parent's or a shared one.)`;
    out.push(line);
  } else {
    out.push(`**${plural(own.contexts, "SSL context")} of its own** (${approxBytes(own.bytes)}):`);
    const lines = own.entries.map((e) => {
      const m = moduleName(e.source, ctx);
      if (!e.context.bundle) return `- ${m}: no CA bundle loaded, ~${formatBytes(MEASURED.emptySslContext)}`;
      const eff = effective(ctx, e.source.bundleDirective);
      const site = eff ? eff.sites[eff.sites.length - 1] : e.context.bundle;
      const from = eff ? eff.from : e.context.bundle.context;
      const where = at(config, site.file.path, site.directive.range);
      const origin = from === ctx ? `set here (${where})` : `inherited from ${code(from.label)} (${where})`;
      const bundle = bundleFor(report, e.context.bundle);
      const unknown = bundle && !sizeKnown(bundle) ? ` (${unknownReason(bundle)})` : "";
      return (
        `- ${m}: parses ${code(bundle?.path ?? site.directive.args[0]?.value ?? "")} — ${e.source.bundleDirective} ` +
        `${origin}: ${approxBytes(sslContextBytes(report, e.context))}${unknown}`
      );
    });
    out.push(lines.join("\n"));
  }
  if (SERVER_KINDS.has(ctx.kind) || ctx.children.length > 0) {
    const inside = descendants(ctx).slice(1);
    const confs = inside.filter((c) => c.isLocationConfiguration).length;
    let owning = 0;
    const sum = nothing();
    for (const c of inside) {
      const cost = ownedCost(report, c);
      if (cost.contexts > 0) owning++;
      addTo(sum, cost);
    }
    if (confs > 0 || sum.contexts > 0)
      out.push(
        `Inside: ${plural(confs, "location configuration")}` +
          (sum.contexts > 0
            ? `, ${formatCount(owning)} with SSL contexts of their own: ${plural(sum.contexts, "SSL context")}, ${approxBytes(sum.bytes)}.`
            : ", none with an SSL context of its own.") +
          ` In all: ${plural(own.contexts + sum.contexts, "SSL context")}, ${approxBytes(sumBytes(own.bytes, sum.bytes))}.`,
      );
  }
  const share = ctx.isLocationConfiguration
    ? ` + ~${formatBytes(locationConfigurationBytes(report))} for its location configuration (every module's loc_conf, ${costModelCite("whole")})`
    : "";
  out.push(
    `Its share: ${approxBytes(own.bytes)} of SSL contexts${own.bytes === null ? " (a CA bundle of unknown size)" : ""}${share}, built again on every reload and nginx -t.`,
  );
  out.push(`${ctxAt(config, ctx)} · ${versionsLine(report.versions)}`);
  return out.join("\n\n");
}

/** On `listen … reuseport`: what the reuseport rule found there, and what the flag does to `nginx -t`. */
export function reuseportHover(a: RootAnalysis, p: string, d: Directive): string {
  const out: string[] = [`**listen … reuseport**`];
  const findings = a.findings.filter(
    (f) =>
      f.ruleId === REUSEPORT_RULE && f.path === p && le(d.range.start, f.range.end) && le(f.range.start, d.range.end),
  );
  for (const f of findings) out.push(`${ruleLink(REUSEPORT_RULE)} (${f.severity}): ${f.message}`);
  out.push(
    "On Linux, nginx 1.9.1–1.13.3 and 1.12.0–1.12.1 open the listening sockets with SO_REUSEPORT also under " +
      "`nginx -t`: the test process joins the running server's socket group, and when it exits Linux drops the " +
      "connections queued on its socket (nginx ticket #1300; fixed in 1.13.4 and 1.12.2). Also: reducing " +
      "worker_processes on reload resets connections queued on the closed sockets, and before 1.15.2 " +
      `\`reuseport\` was ignored when worker_processes came after listen (${ruleLink(REUSEPORT_RULE)}).`,
  );
  const v = a.report.versions.nginx;
  if (v.version !== null)
    out.push(
      `nginx ${v.version} (${v.source}): ` +
        (configTestJoinsReuseport(v.version) ? "**affected**." : "not affected by the nginx -t problem."),
    );
  else out.push("nginx version unknown: set `nginxRisk.versions.nginx` to know whether it is affected.");
  const tests = a.options.facts?.configTests ?? [];
  if (tests.length > 0)
    out.push(
      `Periodic nginx -t found: ${tests
        .slice(0, 3)
        .map((t) => t.description)
        .join("; ")}${tests.length > 3 ? ` (and ${formatCount(tests.length - 3)} more)` : ""}.`,
    );
  return out.join("\n\n");
}

/** Whether `file` is (or is inside) what `directive` in `inst` included. */
function includedThrough(file: FileInstance, inst: FileInstance, directive: Directive): boolean {
  for (let f: FileInstance = file; f.includedBy !== null; f = f.includedBy.instance) {
    if (f.includedBy.instance === inst && f.includedBy.directive === directive) return true;
  }
  return false;
}

/** On `include`: the location configurations the included file(s) add, and the SSL contexts they own. */
export function includeHover(a: RootAnalysis, inst: FileInstance, d: Directive): string {
  const report = a.report;
  const config = a.config;
  const files = inst.includes.get(d) ?? [];
  const out: string[] = [`**include** ${code(d.args.map((w) => w.value).join(" "))}`];
  if (files.length === 0) {
    out.push("Includes no file here.");
    return out.join("\n\n");
  }
  const confs = a.model.locationConfigurations.filter((c) => includedThrough(c.file, inst, d));
  let owners = 0;
  const cost = nothing();
  for (const [owner] of report.byOwner) {
    if (!includedThrough(owner.file, inst, d)) continue;
    const c = ownedCost(report, owner);
    if (c.contexts > 0) owners++;
    addTo(cost, c);
  }
  const confBytes = confs.length * locationConfigurationBytes(report);
  out.push(
    `Adds **${plural(confs.length, "location configuration")}** from ${plural(files.length, "file")}` +
      ` (~${formatBytes(confBytes)} of loc_conf structures)` +
      (cost.contexts > 0
        ? ` and **${plural(cost.contexts, "SSL context")}** (${formatCount(owners)} blocks own them): ${approxBytes(cost.bytes)}.`
        : "; none of them owns an SSL context."),
  );
  const perFile = files.slice(0, LIST_SAMPLE).map((f) => {
    const n = a.model.locationConfigurations.filter((c) => inside(c.file, f)).length;
    return `- ${code(fileLabel(config, f.path))}: ${plural(n, "location configuration")}`;
  });
  if (files.length > LIST_SAMPLE) perFile.push(`- … and ${formatCount(files.length - LIST_SAMPLE)} more`);
  out.push(perFile.join("\n"));
  if (cost.contexts > 0) {
    const byModule = new Map<string, number>();
    for (const e of cost.entries) {
      const m = moduleName(e.source);
      byModule.set(m, (byModule.get(m) ?? 0) + 1);
    }
    out.push(`By module: ${[...byModule].map(([m, n]) => `${m} ${formatCount(n)}`).join(", ")}.`);
  }
  out.push(
    `Whole configuration: master ${approxBytes(report.estimate.estimatedBytes)}, reload peak ${approxBytes(report.estimate.reloadPeakBytes)}.`,
  );
  return out.join("\n\n");
}

/** Whether instance `file` is `f` or was included (at any depth) from it. */
function inside(file: FileInstance, f: FileInstance): boolean {
  for (let x: FileInstance | null = file; x !== null; x = x.includedBy?.instance ?? null) if (x === f) return true;
  return false;
}

// ---- code lenses -----------------------------------------------------------------------------------------

/**
 * Lenses for file `p`: above each bundle directive that makes SSL contexts parse its bundle, and above each
 * server that owns SSL contexts or holds blocks that do. Each place once, from the first analysis that has it.
 */
export function codeLenses(analyses: readonly RootAnalysis[], p: string): LensInfo[] {
  const out = new Map<Directive, LensInfo>();
  for (const a of analyses) {
    if (!a.config.instancesByPath.has(p)) continue;
    const report = a.report;
    const byDirective = new Map<Directive, BundleSite[]>();
    for (const b of allBundleSites(report)) {
      if (b.site.file.path !== p) continue;
      let list = byDirective.get(b.site.directive);
      if (!list) byDirective.set(b.site.directive, (list = []));
      list.push(b);
    }
    for (const [d, sites] of byDirective) {
      if (out.has(d)) continue;
      const n = sites.reduce((s, b) => s + b.loads.length, 0);
      if (n === 0) continue;
      const bytes = sites.reduce<number | null>(
        (s, b) => (s === null || b.bytesPerContext === null ? null : s + b.loads.length * b.bytesPerContext),
        0,
      );
      // An unknown size is said, not guessed: the count stays, the bytes say "size unknown".
      const size = bytes === null ? "size unknown" : `~${formatBytes(bytes)}`;
      const peak = report.estimate.reloadPeakBytes;
      out.set(d, {
        directive: d,
        range: d.nameWord.range,
        title: `${plural(n, "SSL context")} · ${size} · reload peak ${peak === null ? "unknown" : `~${formatBytes(peak)}`}`,
      });
    }
    for (const c of a.model.contexts) {
      if (!SERVER_KINDS.has(c.kind) || c.file.path !== p || !c.directive) continue;
      if (out.has(c.directive)) continue;
      const cost = subtreeCost(report, c);
      if (cost.contexts === 0) continue;
      // lua-nginx-module ≤ 0.10.25 gives every block a context, bundle or not: say how many parse one, so a
      // moved bundle shows here too.
      const parsing = new Set(
        cost.entries.filter((e) => e.context.bundle).map((e) => `${e.source.module}\0${e.context.owner.id}`),
      ).size;
      const some = parsing < cost.contexts ? ` (${formatCount(parsing)} parsing a CA bundle)` : "";
      out.set(c.directive, {
        directive: c.directive,
        range: c.directive.nameWord.range,
        title: `${plural(cost.contexts, "SSL context")}${some} · ${cost.bytes === null ? "size unknown" : `~${formatBytes(cost.bytes)}`}`,
      });
    }
  }
  return [...out.values()].sort(
    (x, y) => x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character,
  );
}
