// What the four SSL-context rules share: one finding per place a CA bundle directive is set, saying how
// many SSL contexts parse that bundle because of it and what that costs (cost/report.ts).

import { siteKey, type ConfigContext, type ConfigModel, type DirectiveSite } from "../model";
import type { SslContext } from "../model/ssl-contexts";
import {
  bundleFor,
  costReport,
  sslContextBytes,
  type CostReport,
  type SslRuleId,
  type SslSource,
} from "../cost/report";
import { bundleFormula } from "../cost/estimate";
import { formatBytes, formatCount } from "../cost/format";
import { notReadText, type BundleInfo } from "../cost/bundle";
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
  loads: SslContext[];
  bundle: BundleInfo;
  bytesPerContext: number;
  /** How many times nginx reads the bundle per context (2 for `ssl_client_certificate`: the store and the CA-name list). */
  parsesPerContext: number;
  /** The bundle is also kept as a list of CA names (ssl_client_certificate with verification). */
  clientCaList: boolean;
}

/** The places bundles are set for one rule, each with its loads, in reading order. */
export function bundleSites(report: CostReport, ruleId: SslRuleId): BundleSite[] {
  const out = new Map<string, BundleSite>();
  for (const source of report.sources) {
    if (source.ruleId !== ruleId) continue;
    for (const load of source.plan.loads) {
      const site = load.bundle as DirectiveSite;
      const key = `${source.module}\0${siteKey(site)}`;
      let entry = out.get(key);
      if (!entry) {
        const bundle = bundleFor(report, site) as BundleInfo;
        const clientCaList = load.clientCaList === true;
        const bytesPerContext = sslContextBytes(report, load);
        const parsesPerContext = clientCaList && !report.bundleCache ? 2 : 1;
        out.set(key, (entry = { site, source, loads: [], bundle, bytesPerContext, parsesPerContext, clientCaList }));
      }
      entry.loads.push(load);
    }
  }
  return [...out.values()];
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
    const multiplied = (contexts - 1) * b.bytesPerContext;
    // One context is the cost of using the directive at all: a hint that says what it costs. Copies are
    // the risk: info, a warning from ~10 copies of Debian's bundle, an error past the memory budget.
    let severity: Severity = contexts < 2 ? "hint" : multiplied >= WARNING_BYTES ? "warning" : "info";
    if (contexts >= 2 && budget !== undefined && est.reloadPeakBytes > budget) severity = "error";
    const assumptions = [...b.source.assumptions];
    if (b.bundle.assumed)
      assumptions.push(
        `bundle ${b.bundle.path} ${notReadText(b.bundle)}: assumed ${formatCount(b.bundle.bytes)} B / ${b.bundle.certificates} certificates (${b.bundle.assumedAs ?? "Debian's ca-certificates bundle"})`,
      );
    const d = b.site.directive;
    const parses = report.bundleCache
      ? "nginx ≥ 1.27.2 parses it once and shares the certificates"
      : est.configTestParses === 1
        ? "every nginx -t and reload parses it once"
        : `every nginx -t and reload parses it ${formatCount(est.configTestParses)} times`;
    const message =
      (contexts === 1
        ? `"${d.name}" is loaded into 1 SSL context: ~${formatBytes(b.bytesPerContext)}. `
        : `"${d.name}" is loaded into ${formatCount(contexts)} SSL contexts, ${text.why(b)}: ` +
          `~${formatBytes(contexts * b.bytesPerContext)} (~${formatBytes(b.bytesPerContext)} each). `) +
      `Master ~${formatBytes(est.estimatedBytes)}, reload peak ~${formatBytes(est.reloadPeakBytes)}` +
      (budget !== undefined ? ` (budget ${formatBytes(budget)})` : "") +
      `; ${parses}.` +
      (assumptions.length > 0 ? ` Assumed: ${assumptions.join("; ")}.` : "");
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
      const inherited = load.owner !== b.site.context;
      related.push({
        ...r,
        message: `${load.owner.label}: own SSL context, parses the bundle${inherited ? ` (inherited from ${b.site.context.label})` : ""}`,
      });
    }
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
        bundle: {
          path: b.bundle.path,
          bytes: b.bundle.bytes,
          certificates: b.bundle.certificates,
          assumed: b.bundle.assumed,
        },
        bytesPerContext: b.bytesPerContext,
        parsesPerContext: b.parsesPerContext,
        formula:
          (report.bundleCache ? "nginx ≥ 1.27.2: ~13.4 KB per context, bundle parsed once" : bundleFormula(b.bundle)) +
          (b.clientCaList ? ` + 842 B × ${b.bundle.certificates} certificates (list of CA names)` : ""),
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
