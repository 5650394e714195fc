// What the four SSL-context rules share: one finding per place a CA bundle directive is set, saying how
// many SSL contexts parse that bundle because of it and what that costs (cost/report.ts).

import { siteKey, type ConfigContext, type ConfigModel, type DirectiveSite } from "../model";
import { fileLabel, includedByPhrase, writtenIn } from "../model/provenance";
import type { SslContext } from "../model/ssl-contexts";
import {
  bundleFor,
  costReport,
  sslContextBytes,
  type CostReport,
  type SslRuleId,
  type SslSource,
} from "../cost/report";
import { bundleFormula, MEASURED } from "../cost/estimate";
import { formatBytes, formatCount } from "../cost/format";
import { notReadText, sizeKnown, type BundleInfo } from "../cost/bundle";
import type { Finding, RelatedLocation, RuleOptions, Severity } from "./types";

/** A multiplied cost at least this large is a warning (≈ 10 contexts of Debian's bundle). */
export const WARNING_BYTES = 8 * 1024 * 1024;
/** How many inheriting blocks a finding lists as related information. */
export const RELATED_SAMPLE = 5;

/** One place a bundle directive is set, with the contexts that load the bundle because of it. */
export interface BundleSite {
  /** The first instance of the directive (a file included twice has one site per instance; they are merged). */
  site: DirectiveSite;
  source: SslSource;
  /** Read only: it may be the plan's own list (`bundleSites`). */
  loads: readonly SslContext[];
  bundle: BundleInfo;
  /** null when the bundle's size is unknown (not read, not a system CA store): nothing is guessed. */
  bytesPerContext: number | null;
  /** How many times nginx reads the bundle per context (2 for `ssl_client_certificate`: the store and the CA-name list). */
  parsesPerContext: number;
  /** The bundle is also kept as a list of CA names (ssl_client_certificate with verification). */
  clientCaList: boolean;
}

/** The places bundles are set for one rule, each with its loads, in reading order. */
export function bundleSites(report: CostReport, ruleId: SslRuleId): BundleSite[] {
  const out = new Map<string, BundleSite>();
  /** Entries holding a plan's own list (copied before anything is added to them). */
  const shared = new Set<BundleSite>();
  for (const source of report.sources) {
    if (source.ruleId !== ruleId) continue;
    // The loads of one source mostly share a few site objects (4,002 locations inheriting one bundle): the
    // key (a string with the directive's position) is made once per site object, not once per load.
    const entryOf = new Map<DirectiveSite, BundleSite>();
    const loads = source.plan.loads;
    // Every load of the source from one site (the incident: 4,002 locations inheriting one bundle): a new
    // entry takes the plan's own list, not a copy of it grown load by load (~100 KB per keystroke).
    const whole = loads.length > 0 && loads.every((l) => l.bundle === loads[0].bundle);
    for (const load of loads) {
      const site = load.bundle as DirectiveSite;
      let entry = entryOf.get(site);
      if (entry === undefined) {
        const key = `${source.module}\0${siteKey(site)}`;
        entry = out.get(key);
        if (entry === undefined) {
          const bundle = bundleFor(report, site) as BundleInfo;
          const clientCaList = load.clientCaList === true;
          const bytesPerContext = sslContextBytes(report, load);
          const parsesPerContext = clientCaList && !report.bundleCache ? 2 : 1;
          entry = { site, source, loads: [], bundle, bytesPerContext, parsesPerContext, clientCaList };
          out.set(key, entry);
          if (whole) {
            entry.loads = loads;
            shared.add(entry);
            break;
          }
        }
        entryOf.set(site, entry);
      }
      // An entry of an earlier source (same module and site) gets copies, never the plan's list changed.
      listed(entry, shared).push(load);
    }
  }
  return [...out.values()];
}

/** `entry.loads` as a list of its own (a copy of the plan's list it was given), to push to. */
function listed(entry: BundleSite, shared: Set<BundleSite>): SslContext[] {
  if (shared.has(entry)) {
    shared.delete(entry);
    entry.loads = [...entry.loads];
  }
  return entry.loads as SslContext[];
}

/**
 * How many times one `nginx -t` (and every reload) parses the bundle because of this directive: once per
 * context (twice for `ssl_client_certificate`: the store and the list of CA names), or once with nginx's
 * bundle cache (≥ 1.27.2). This finding's own count, not the configuration's (`configTestParses`).
 */
export function ownParses(report: CostReport, b: BundleSite): number {
  return report.bundleCache ? 1 : b.loads.length * b.parsesPerContext;
}

/** Why a bundle's size is unknown, as a clause: "it is outside what was opened", "not found". */
export function unknownReason(b: BundleInfo): string {
  if (b.notRead) return b.notRead.reason === "outside" ? "it is outside what was opened" : b.notRead.why;
  if (b.unread === "variable") return "it is named with a variable, known only at run time";
  return b.unread === "missing" ? "not found" : "not readable here";
}

/** "the size of /config/keys/cert.crt is unknown (it is outside what was opened)". */
export function unknownSizeText(b: BundleInfo): string {
  return `the size of ${b.path} is unknown (${unknownReason(b)})`;
}

/** What was assumed about a bundle, for `assumptions`; null when it was read (or its size is unknown: nothing assumed). */
export function bundleAssumption(b: BundleInfo): string | null {
  if (!b.assumed || !sizeKnown(b)) return null;
  return (
    `bundle ${b.path} ${notReadText(b)}: assumed ${formatCount(b.bytes)} B / ${b.certificates} certificates ` +
    `(${b.assumedAs ?? "a system CA store"})`
  );
}

function ownerRange(c: ConfigContext): { path: string; range: DirectiveSite["directive"]["range"] } | null {
  return c.directive ? { path: c.file.path, range: c.directive.nameWord.range } : null;
}

export function versionData(report: CostReport): Record<string, unknown> {
  const v = report.versions;
  return {
    nginx: v.nginx.version,
    nginxSource: v.nginx.source,
    luaNginxModule: v.lua.version,
    luaNginxModuleSource: v.lua.source,
    openssl: v.openssl.version,
  };
}

export interface SslRuleText {
  /** Why each context gets its own copy, e.g. "one per location configuration that inherits it (lua-nginx-module ≤ 0.10.25)". */
  why(b: BundleSite): string;
}

/** `per-location` / `per-server` (each block its own context), `per-level` (shared where nothing is set), `per-server-<directive>`. */
function findingCode(b: BundleSite): string {
  const m = b.source.module;
  if (m === "server") return `per-server-${b.site.directive.name.replace(/_/g, "-")}`;
  if (!b.source.perLocation) return "per-level";
  return m === "stream-lua" || m === "stream-proxy" ? "per-server" : "per-location";
}

export function sslFindings(model: ConfigModel, options: RuleOptions, ruleId: SslRuleId, text: SslRuleText): Finding[] {
  const report = costReport(model, options);
  const sites = bundleSites(report, ruleId);
  const totalContexts = sites.reduce((n, s) => n + s.loads.length, 0);
  const findings: Finding[] = [];
  for (const b of sites) {
    const contexts = b.loads.length;
    const est = report.estimate;
    const budget = options.memoryBudgetBytes;
    // An unknown size is judged by what is certain: each context costs at least an empty SSL_CTX.
    const perContext = b.bytesPerContext ?? MEASURED.emptySslContext;
    const multiplied = (contexts - 1) * perContext;
    const reloadPeak = est.reloadPeakBytes ?? est.lowerBound.reloadPeakBytes;
    // One context is the cost of using the directive at all: a hint that says what it costs. Copies are
    // the risk: info, a warning from ~10 copies of Debian's bundle, an error past the memory budget.
    let severity: Severity = contexts < 2 ? "hint" : multiplied >= WARNING_BYTES ? "warning" : "info";
    if (contexts >= 2 && budget !== undefined && reloadPeak > budget) severity = "error";
    const assumptions = [...b.source.assumptions];
    const assumed = bundleAssumption(b.bundle);
    if (assumed) assumptions.push(assumed);
    const d = b.site.directive;
    const parsesN = ownParses(report, b);
    const parses = report.bundleCache
      ? "nginx ≥ 1.27.2 parses it once and shares the certificates"
      : parsesN === 1
        ? "every nginx -t and reload parses it once"
        : `every nginx -t and reload parses it ${formatCount(parsesN)} times`;
    const where = includedByPhrase(writtenIn(model, b.site));
    const head =
      contexts === 1
        ? `"${d.name}" is loaded into 1 SSL context${where ? ` (${where})` : ""}`
        : `"${d.name}" is loaded into ${formatCount(contexts)} SSL contexts, ${text.why(b)}${where ? ` (${where})` : ""}`;
    const bytesPerContext = b.bytesPerContext;
    let message: string;
    if (bytesPerContext === null) {
      // Unknown size: the count is known, the bytes are not, and none is guessed.
      message =
        `${head}; ${unknownSizeText(b.bundle)}. ` +
        `${parses.charAt(0).toUpperCase()}${parses.slice(1)}; the memory ${contexts === 1 ? "it takes" : "they take"} is not estimated` +
        (budget !== undefined ? ` (budget ${formatBytes(budget)})` : "") +
        "." +
        (assumptions.length > 0 ? ` Assumed: ${assumptions.join("; ")}.` : "");
    } else {
      message =
        (contexts === 1
          ? `${head}: ~${formatBytes(bytesPerContext)}. `
          : `${head}: ~${formatBytes(contexts * bytesPerContext)} (~${formatBytes(bytesPerContext)} each). `) +
        (est.estimatedBytes !== null && est.reloadPeakBytes !== null
          ? `Master ~${formatBytes(est.estimatedBytes)}, reload peak ~${formatBytes(est.reloadPeakBytes)}`
          : `Master and reload peak unknown (${est.unknownBundles.length === 1 ? "a CA bundle" : "CA bundles"} of unknown size elsewhere)`) +
        (budget !== undefined ? ` (budget ${formatBytes(budget)})` : "") +
        `; ${parses}.` +
        (assumptions.length > 0 ? ` Assumed: ${assumptions.join("; ")}.` : "");
    }
    const related: RelatedLocation[] = [
      {
        path: model.config.rootPath,
        range: model.config.root.parsed.children[0]?.range ?? d.range,
        message: `main configuration ${model.config.rootNginxPath}: ${formatCount(model.locationConfigurations.length)} location configurations`,
      },
    ];
    for (const load of b.loads.slice(0, RELATED_SAMPLE)) {
      const r = ownerRange(load.owner);
      if (!r) continue;
      related.push({
        ...r,
        message: `${load.owner.label}: own SSL context, parses the bundle${originOf(model, load)}`,
      });
    }
    const bundleData: Record<string, unknown> = {
      path: b.bundle.path,
      bytes: b.bundle.bytes,
      certificates: b.bundle.certificates,
      assumed: b.bundle.assumed,
    };
    if (!sizeKnown(b.bundle)) bundleData.unknown = unknownReason(b.bundle);
    findings.push({
      ruleId,
      code: findingCode(b),
      severity,
      path: b.site.file.path,
      range: d.range,
      message,
      related,
      data: {
        module: b.source.module,
        contexts,
        totalContexts,
        bundle: bundleData,
        bytesPerContext,
        parsesPerContext: b.parsesPerContext,
        parses: parsesN,
        formula: formulaOf(report, b),
        estimatedBytes: est.estimatedBytes,
        reloadPeakBytes: est.reloadPeakBytes,
        instancePeakBytes: est.instancePeakBytes,
        configTestParses: est.configTestParses,
        memoryBudgetBytes: budget ?? null,
        assumptions,
        notes: report.notes,
        versions: versionData(report),
      },
    });
  }
  return findings;
}

/** The per-context formula in words; null when the bundle's size is unknown. */
function formulaOf(report: CostReport, b: BundleSite): string | null {
  const bundle = b.bundle;
  if (!sizeKnown(bundle)) return null;
  return (
    (report.bundleCache ? "nginx ≥ 1.27.2: ~13.4 KB per context, bundle parsed once" : bundleFormula(bundle)) +
    (b.clientCaList ? ` + 842 B × ${bundle.certificates} certificates (list of CA names)` : "")
  );
}

/**
 * Where the bundle a context parses comes from, from the directive instance that applies to its block (the
 * model's effective site): inherited from an enclosing block, or set in the block itself — through an
 * include when the file is read by several blocks. Never the first instance's block for all of them.
 */
function originOf(model: ConfigModel, load: SslContext): string {
  const site = load.bundle;
  if (!site) return "";
  if (site.context !== load.owner) return ` (inherited from ${site.context.label})`;
  const by = site.file.includedBy;
  if (by === null || site.file === load.owner.file) return "";
  const at = `${fileLabel(model.config, by.instance.path)}:${by.directive.range.start.line + 1}`;
  return ` (set in it through the include at ${at})`;
}
