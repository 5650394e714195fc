// The cost report and the status bar text: plain functions of the last analysis of each root configuration a
// document belongs to (no connection, no LSP types: server.ts answers nginxRisk/costReport and
// nginxRisk/status with them, tests call them directly). Every number comes from the root's CostReport, the
// one the SSL rules used, grouped as the rules group it (rules/ssl-cost.ts `bundleSites`: one group per place a
// bundle directive is set), so the report lists exactly what the diagnostics and `nginx-risk check` report,
// plus the SSL contexts that load no bundle (they cost memory too, and are part of the estimate).

import * as path from "path";
import { sizeKnown } from "../cost/bundle";
import { MEASURED } from "../cost/estimate";
import { approxBytes, formatBytes, formatCount } from "../cost/format";
import type { CostReport, SslRuleId, SslSource } from "../cost/report";
import type { ResolvedVersion } from "../cost/versions";
import type { ConfigContext } from "../model";
import type { Range } from "../parse/ast";
import { costModelDocUri, ruleDocUri } from "../rules/docs";
import { bundleAssumption, bundleSites, ownParses, unknownReason } from "../rules/ssl-cost";
import type { Configuration } from "../workspace/configuration";
import type { RootAnalysis } from "./analysis";
import { uriToPath } from "./conversions";
import type {
  CostReportResult,
  ReportGroup,
  ReportLocation,
  ReportVersion,
  RootCostSummary,
  StatusResult,
} from "./cost-report-protocol";
import { code, fileLabel, moduleName, plural, why } from "./hover";

/** How many owning blocks a group names (a 4,000-location server would otherwise make the report unreadable). */
export const BLOCK_SAMPLE = 5;

type UriOf = (p: string) => string;

const zero = { line: 0, character: 0, offset: 0 };

// ---- data ----------------------------------------------------------------------------------------------

function locationOf(config: Configuration, uriOf: UriOf, p: string, range: Range): ReportLocation {
  return {
    uri: uriOf(p),
    file: fileLabel(config, p),
    line: range.start.line + 1,
    column: range.start.character + 1,
  };
}

function blocksOf(config: Configuration, uriOf: UriOf, owners: readonly ConfigContext[]): ReportGroup["blocks"] {
  return owners.slice(0, BLOCK_SAMPLE).map((o) => ({
    label: o.label,
    at: o.directive ? locationOf(config, uriOf, o.file.path, o.directive.range) : null,
  }));
}

function versionOf(config: Configuration, uriOf: UriOf, v: ResolvedVersion): ReportVersion {
  const out: ReportVersion = { version: v.version, source: v.source };
  if (v.detected) out.foundAt = locationOf(config, uriOf, v.detected.path, v.detected.range);
  return out;
}

/** The rules in the order their sources appear in the report (the order the CLI reports them in). */
function ruleIds(report: CostReport): SslRuleId[] {
  return [...new Set(report.sources.map((s) => s.ruleId))];
}

/** One group per place a bundle directive is set, as the SSL rules report them. */
function bundleGroups(a: RootAnalysis, uriOf: UriOf): ReportGroup[] {
  const { report, config } = a;
  return ruleIds(report).flatMap((id) =>
    bundleSites(report, id).map((b) => ({
      ruleId: id,
      module: b.source.module,
      moduleName: moduleName(b.source, b.loads[0]?.owner),
      reason: why(b.source),
      directive: b.site.directive.name,
      setAt: locationOf(config, uriOf, b.site.file.path, b.site.directive.range),
      bundle: {
        path: b.bundle.path,
        bytes: b.bundle.bytes,
        certificates: b.bundle.certificates,
        assumed: b.bundle.assumed,
        ...(sizeKnown(b.bundle) ? {} : { unknown: unknownReason(b.bundle) }),
      },
      contexts: b.loads.length,
      parses: report.bundleCache ? null : ownParses(report, b),
      bytesPerContext: b.bytesPerContext,
      bytes: b.bytesPerContext === null ? null : b.loads.length * b.bytesPerContext,
      blocks: blocksOf(
        config,
        uriOf,
        b.loads.map((l) => l.owner),
      ),
    })),
  );
}

/**
 * The SSL contexts that load no bundle, one group per module, counted as the estimate counts them: a block
 * whose context of that module loads a bundle (a server with only `ssl_trusted_certificate`) is not empty.
 */
function emptyGroups(a: RootAnalysis): { source: SslSource; owners: ConfigContext[] }[] {
  const { report } = a;
  const loaded = new Set<string>();
  for (const s of report.sources) for (const l of s.plan.loads) loaded.add(`${s.module}\0${l.owner.id}`);
  const groups = new Map<string, { source: SslSource; owners: ConfigContext[] }>();
  const seen = new Set<string>();
  for (const s of report.sources) {
    for (const c of s.plan.contexts) {
      const key = `${s.module}\0${c.owner.id}`;
      if (c.bundle || loaded.has(key) || seen.has(key)) continue;
      seen.add(key);
      let g = groups.get(s.module);
      if (!g) groups.set(s.module, (g = { source: s, owners: [] }));
      g.owners.push(c.owner);
    }
  }
  return [...groups.values()];
}

/** Everything the report says about one root configuration, as plain data. */
export function summarise(a: RootAnalysis, uriOf: UriOf): RootCostSummary {
  const { report, config, options } = a;
  const est = report.estimate;
  const groups = bundleGroups(a, uriOf);
  for (const e of emptyGroups(a)) {
    groups.push({
      ruleId: e.source.ruleId,
      module: e.source.module,
      moduleName: moduleName(e.source, e.owners[0]),
      reason: why(e.source),
      directive: null,
      setAt: null,
      bundle: null,
      contexts: e.owners.length,
      parses: 0,
      bytesPerContext: MEASURED.emptySslContext,
      bytes: e.owners.length * MEASURED.emptySslContext,
      blocks: blocksOf(config, uriOf, e.owners),
    });
  }
  const assumptions = new Set<string>();
  for (const s of report.sources) for (const x of s.assumptions) assumptions.add(x);
  for (const b of report.bundles.values()) {
    const assumed = bundleAssumption(b);
    if (assumed) assumptions.add(`${assumed}; map it with nginxRisk.pathMappings or allow it with nginxRisk.allowRead`);
  }
  const byPath = new Map<string, string>();
  for (const b of report.bundles.values()) byPath.set(b.path, unknownReason(b));
  const unknownBundles = est.unknownBundles.map((p) => ({ path: p, reason: byPath.get(p) ?? "not read" }));
  const budget = options.memoryBudgetBytes ?? null;
  const v = report.versions;
  return {
    main: locationOf(config, uriOf, config.rootPath, { start: zero, end: zero }),
    nginxPath: config.rootNginxPath,
    locationConfigurations: a.model.locationConfigurations.length,
    estimatedBytes: est.estimatedBytes,
    reloadPeakBytes: est.reloadPeakBytes,
    instancePeakBytes: est.instancePeakBytes,
    configTestParses: est.configTestParses,
    sslBytes: est.sslBytes,
    unknownBundles,
    memoryBudgetBytes: budget,
    // Over the budget only when certain: what it costs at least is above it.
    overBudget: budget !== null && (est.reloadPeakBytes ?? est.lowerBound.reloadPeakBytes) > budget,
    versions: {
      nginx: versionOf(config, uriOf, v.nginx),
      luaNginxModule: versionOf(config, uriOf, v.lua),
      openresty: versionOf(config, uriOf, v.openresty),
      openssl: versionOf(config, uriOf, v.openssl),
    },
    bundleCache: report.bundleCache,
    groups,
    assumptions: [...assumptions],
    notes: [...report.notes],
  };
}

// ---- markdown ------------------------------------------------------------------------------------------

/** Text in a table cell: a `|` would end the cell (GFM), also inside code spans. */
function cell(s: string): string {
  return s.replace(/\|/g, "\\|");
}

/**
 * Plain text safe from markdown (labels of blocks hold regexes: `*`, `[`, `\`, `<`), escaped no more than
 * needed so the text stays readable where the markdown is shown as it is: `_` inside a word
 * (`limit_except`) never starts emphasis, `<` before a space (`nginx < 1.23.1`) never starts a tag.
 */
function text(s: string): string {
  return s.replace(/[\\`*[\]~]|<(?=[A-Za-z/!?])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (c) => `\\${c}`);
}

/** `label` linked to a page shipped in the package (rules/docs.ts), or plain when the page is not there. */
function docLink(label: string, uri: string | null): string {
  return uri === null ? text(label) : `[${text(label)}](${uri})`;
}

/** A link's target for a place: the `file:` URI, or a path relative to where the report is written. */
export type Href = (at: ReportLocation) => string;

const absoluteHref: Href = (at) => at.uri;

/** Links relative to the folder `base` (a report written there); `file:` URIs when there is none. */
export function relativeHref(base: string | null): Href {
  if (base === null) return absoluteHref;
  return (at) => {
    const target = uriToPath(at.uri);
    if (target === null) return at.uri;
    return path.relative(base, target).split(path.sep).map(encodeURIComponent).join("/");
  };
}

/** `[file:line](…#Lline)`: the markdown preview opens the file at that line. */
function link(label: string, at: ReportLocation, href: Href): string {
  return `[${label}](<${href(at)}#L${at.line}>)`;
}

function where(at: ReportLocation, href: Href): string {
  return link(text(`${at.file}:${at.line}`), at, href);
}

function versionCell(name: string, v: ReportVersion, href: Href): string {
  let from = v.foundAt ? `${text(v.source)} (${where(v.foundAt, href)})` : text(v.source);
  if (v.version === null) from = "no setting, not found in the workspace";
  return `| ${name} | ${v.version === null ? "unknown" : code(v.version)} | ${cell(from)} |`;
}

function groupRow(g: ReportGroup, href: Href): string {
  const what = g.directive && g.setAt ? `${code(g.directive)} at ${where(g.setAt, href)}` : "no CA bundle";
  const b = g.bundle;
  const bundle = !b
    ? "—"
    : b.bytes === null || b.certificates === null
      ? `${code(b.path)} (size unknown)`
      : `${code(b.path)} (${b.assumed ? "assumed: " : ""}${formatCount(b.bytes)} B, ${plural(b.certificates, "certificate")})`;
  const parses = g.parses === null ? "once per bundle (cached)" : formatCount(g.parses);
  const shown = g.blocks.map((b) => (b.at ? link(text(b.label), b.at, href) : text(b.label)));
  if (g.contexts > g.blocks.length) shown.push(`and ${formatCount(g.contexts - g.blocks.length)} more`);
  return (
    "| " +
    [
      what,
      text(g.moduleName),
      bundle,
      formatCount(g.contexts),
      parses,
      approxBytes(g.bytesPerContext),
      approxBytes(g.bytes),
      shown.join(", "),
    ]
      .map(cell)
      .join(" | ") +
    " |"
  );
}

function rootSection(r: RootCostSummary, href: Href): string[] {
  const out: string[] = [];
  out.push(`## ${link(code(r.main.file), r.main, href)}`, "");
  const budget =
    r.memoryBudgetBytes === null
      ? "none (`nginxRisk.memoryBudgetMiB`)"
      : `${formatBytes(r.memoryBudgetBytes)}: the reload peak is ${r.overBudget ? "**over**" : r.reloadPeakBytes === null ? "unknown against" : "within"} it`;
  const contexts = r.groups.reduce((n, g) => n + g.contexts, 0);
  out.push(
    "| Estimate | |",
    "|---|---|",
    `| Master after start | ${approxBytes(r.estimatedBytes)} |`,
    `| Reload peak (old and new configuration at once) | ${approxBytes(r.reloadPeakBytes)} |`,
    `| Master and workers during a reload | ${approxBytes(r.instancePeakBytes)} |`,
    `| CA bundle parses per ${code("nginx -t")} and reload | ${formatCount(r.configTestParses)} |`,
    `| SSL contexts | ${formatCount(contexts)} (${approxBytes(r.sslBytes)}) |`,
    `| http location configurations | ${formatCount(r.locationConfigurations)} |`,
    `| Main file as nginx names it | ${cell(code(r.nginxPath))} |`,
    `| Memory budget | ${budget} |`,
    "",
  );
  out.push(
    "| Version | | From |",
    "|---|---|---|",
    versionCell("nginx", r.versions.nginx, href),
    versionCell("lua-nginx-module", r.versions.luaNginxModule, href),
  );
  if (r.versions.openresty.version !== null) out.push(versionCell("OpenResty", r.versions.openresty, href));
  out.push(versionCell("OpenSSL", r.versions.openssl, href), "");
  if (r.unknownBundles.length > 0)
    out.push(
      "Size unknown (the estimate needs it; nothing is guessed):",
      "",
      ...r.unknownBundles.map((u) => `- ${cell(code(u.path))}: ${text(u.reason)}`),
      "",
    );
  if (r.assumptions.length > 0) out.push("Assumed:", "", ...r.assumptions.map((a) => `- ${text(a)}`), "");
  if (r.notes.length > 0) out.push("Notes:", "", ...r.notes.map((n) => `- ${text(n)}`), "");

  out.push("### SSL contexts", "");
  if (r.groups.length === 0) {
    out.push("None: no block of this configuration creates an SSL context.", "");
    return out;
  }
  out.push(
    "| Set by | Module | CA bundle | Contexts | Parses | Each | Total | Blocks |",
    "|---|---|---|--:|--:|--:|--:|---|",
  );
  // One row per bundle directive, appended one by one: push(...rows) overflows V8's stack past ~120,000.
  for (const g of r.groups) out.push(groupRow(g, href));
  out.push("");
  // Why each module makes these contexts, once per module and rule (with the rule's page).
  const reasons = new Map<string, string>();
  for (const g of r.groups)
    reasons.set(
      `${g.moduleName}\0${g.ruleId}`,
      `- ${text(g.moduleName)}: ${text(g.reason)} (${docLink(g.ruleId, ruleDocUri(g.ruleId))})`,
    );
  out.push(...reasons.values(), "");
  return out;
}

export function renderCostReport(
  docFile: string,
  roots: readonly RootCostSummary[],
  href: Href = absoluteHref,
): string {
  const out = ["# nginx-risk cost report", ""];
  out.push(
    roots.length === 1
      ? `${code(docFile)} is read by one main configuration.`
      : `${code(docFile)} is read by ${formatCount(roots.length)} main configurations.`,
    "",
    `Estimates of the nginx master's memory (${docLink("how", costModelDocUri())}); sizes in ` +
      "binary units (1 KiB = 1,024 B).",
    "",
  );
  for (const r of roots) for (const line of rootSection(r, href)) out.push(line);
  return out.join("\n");
}

/**
 * The report of every root configuration `p` belongs to (the analyses as analysesFor lists them). `href`
 * writes the links' targets (default: `file:` URIs, which VS Code's markdown preview refuses to render as
 * links; it follows relative ones, so the VS Code client writes the report to a file and asks for links
 * relative to its folder).
 */
export function costReportOf(
  analyses: readonly RootAnalysis[],
  p: string,
  uriOf: UriOf,
  href: Href = absoluteHref,
): CostReportResult {
  const roots = analyses.map((a) => summarise(a, uriOf));
  const first = analyses[0];
  const docFile = first ? fileLabel(first.config, p) : p;
  return { markdown: renderCostReport(docFile, roots, href), roots };
}

// ---- status bar ----------------------------------------------------------------------------------------

/**
 * The status bar of a document: the estimate of its root configuration, or of the largest (by reload peak)
 * when several read it; null when none does.
 */
export function statusOf(analyses: readonly RootAnalysis[]): StatusResult | null {
  if (analyses.length === 0) return null;
  const budgetOf = (a: RootAnalysis): number | null => a.options.memoryBudgetBytes ?? null;
  // What each costs at least (the estimate itself when every size is known): only a certain excess is "over".
  const peakOf = (a: RootAnalysis): number =>
    a.report.estimate.reloadPeakBytes ?? a.report.estimate.lowerBound.reloadPeakBytes;
  const over = (a: RootAnalysis): boolean => {
    const b = budgetOf(a);
    return b !== null && peakOf(a) > b;
  };
  const unknown = analyses.filter((a) => a.report.estimate.reloadPeakBytes === null);
  const known = analyses.filter((a) => a.report.estimate.reloadPeakBytes !== null);
  let status: string;
  if (known.length > 0) {
    const largest = known.reduce((m, a) => (peakOf(a) > peakOf(m) ? a : m));
    const est = largest.report.estimate;
    status = `nginx-risk: ${approxBytes(est.estimatedBytes)} · peak ${approxBytes(est.reloadPeakBytes)}`;
    if (analyses.length > 1)
      status += ` (largest of ${formatCount(known.length)}${unknown.length > 0 ? `; ${formatCount(unknown.length)} unknown` : ""})`;
  } else {
    // No figure without the size of a bundle: the count of SSL contexts is still known.
    const contexts = Math.max(...unknown.map((a) => sslContextCount(a)));
    status = `nginx-risk: size unknown · ${plural(contexts, "SSL context")}`;
    if (analyses.length > 1) status += ` (largest of ${formatCount(analyses.length)})`;
  }
  const lines = analyses.map((a) => {
    const e = a.report.estimate;
    const b = budgetOf(a);
    const parses = `nginx -t parses CA bundles ${e.configTestParses === 1 ? "once" : `${formatCount(e.configTestParses)} times`}`;
    const name = fileLabel(a.config, a.config.rootPath);
    if (e.reloadPeakBytes === null)
      return (
        `${name}: master and reload peak unknown: the size of ${listSome(e.unknownBundles)} is unknown ` +
        `(${plural(e.unknownLoads, "SSL context")} parse${e.unknownLoads === 1 ? "s" : ""} it)` +
        (b !== null && over(a) ? ` (over the budget of ${formatBytes(b)})` : "") +
        `; ${parses}`
      );
    return (
      `${name}: master ${approxBytes(e.estimatedBytes)}, ` +
      `reload peak ${approxBytes(e.reloadPeakBytes)}` +
      (b !== null ? ` (${over(a) ? "over" : "within"} the budget of ${formatBytes(b)})` : "") +
      `; ${parses}`
    );
  });
  lines.push("Click for the cost report.");
  return { text: status, tooltip: lines.join("\n"), severity: analyses.some(over) ? "warning" : "info" };
}

/** The first few of `items` and how many more: a tooltip stays short with thousands of bundles. */
function listSome(items: readonly string[], shown = 3): string {
  const head = items.slice(0, shown).join(", ");
  return items.length > shown ? `${head} and ${formatCount(items.length - shown)} more` : head;
}

/** The SSL contexts of a configuration (a server's one context counted once). */
function sslContextCount(a: RootAnalysis): number {
  const keys = new Set<string>();
  for (const s of a.report.sources) for (const c of s.plan.contexts) keys.add(`${s.module}\0${c.owner.id}`);
  return keys.size;
}
