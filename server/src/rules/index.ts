// Runs every rule over a loaded configuration. The CLI and the language server call only this.

import type { Directive } from "../parse/ast";
import { buildModel, oneTimeQuestions, type ConfigModel } from "../model";
import { WALK_SLICE, walkSteps, type ConfigVisitor, type Configuration } from "../workspace/configuration";
import { isStockPath, stockNameOf } from "../workspace/stock-files";
import { accessFindings } from "./access";
import { allowWithoutDenyFindings } from "./allow-without-deny";
import { defaultServerFlagFindings } from "./default-server-flag";
import { addHeaderContentTypeFindings } from "./add-header-content-type";
import { addHeaderRedefinitionFindings } from "./add-header-redefinition";
import { directiveInheritanceFindings } from "./directive-inheritance";
import { fileFindings } from "./file";
import { httpSplittingFindings } from "./http-splitting";
import { ssrfFindings } from "./ssrf";
import { directiveCheck } from "./directive-checks";
import { lowKeepaliveRequestsFindings } from "./low-keepalive-requests";
import { missingResolverFindings } from "./missing-resolver";
import { proxyKeepaliveFindings } from "./proxy-keepalive";
import { proxyPassNormalizedFindings } from "./proxy-pass-normalized";
import { proxyPassWithUriFindings } from "./proxy-pass-with-uri";
import { resolverExternalFindings } from "./resolver-external";
import { sslStaplingLetsencryptFindings } from "./ssl-stapling-letsencrypt";
import { sslStaplingWithoutResolverFindings } from "./ssl-stapling-without-resolver";
import { staleDnsCacheFindings } from "./stale-dns-cache";
import { tryFilesWithProxyFindings } from "./try-files-with-proxy";
import { luaSslPerLocationFindings } from "./lua-ssl-per-location";
import { mergeFindings } from "./merge";
import { modsecurityUnusedFindings } from "./modsecurity-unused";
import { proxyMissingHostHeaderFindings } from "./proxy-missing-host-header";
import { proxySetHeaderRedefinitionFindings } from "./proxy-set-header-redefinition";
import { proxySslPerLocationFindings } from "./proxy-ssl-per-location";
import { quicBpfLimitsFindings } from "./quic-bpf-limits";
import { quicBpfReuseportFindings } from "./quic-bpf-reuseport";
import { returnWithAllowDenyFindings } from "./return-with-allow-deny";
import { reuseportCheck } from "./reuseport-config-test";
import { sslBundlePerServerFindings } from "./ssl-bundle-per-server";
import { statusPageExposedFindings } from "./status-page-exposed";
import { streamLuaSslPerServerFindings } from "./stream-lua-ssl-per-server";
import { applyRuleLevels, isKnownRule, isPolicyRule } from "./rule-settings";
import { RULE_ID as SUPPRESSION_RULE, applySuppressions } from "./suppression";
import { syntaxFindings } from "./syntax";
import { tryFilesIsEvilTooFindings } from "./try-files-is-evil-too";
import type { Finding, RelatedLocation, RuleOptions } from "./types";
import { deprecatedSslProtocolFindings } from "./deprecated-ssl-protocol";
import { http2MisdirectedRequestFindings } from "./http2-misdirected-request";
import { listenHttp2DeprecatedFindings } from "./listen-http2-deprecated";
import { missingErrorLogFindings } from "./missing-error-log";
import { missingWorkerProcessesFindings } from "./missing-worker-processes";
import { sslEcdhCurveFindings } from "./ssl-ecdh-curve";
import { sslOnDeprecatedFindings } from "./ssl-on-deprecated";
import { versionDisclosureFindings } from "./version-disclosure";
import { weakSslCiphersFindings } from "./weak-ssl-ciphers";
import { workerRlimitNofileVsConnectionsFindings } from "./worker-rlimit-nofile-vs-connections";

export type { Finding, RuleOptions, Severity, RelatedLocation } from "./types";

/**
 * Rules about what a configuration costs, not about whether nginx takes it: their errors (a reload peak over
 * the memory budget) do not make `nginx -t` fail.
 */
const COST_RULES = new Set([
  "lua-ssl-per-location",
  "stream-lua-ssl-per-server",
  "proxy-ssl-per-location",
  "ssl-bundle-per-server",
  "reuseport-config-test",
]);

/** Whether a finding says `nginx -t` would refuse the configuration (and so would a reload or a start). */
export function failsNginxTest(f: Finding): boolean {
  // What the rule said, not what the user's configuration made of it: nginx -t does not read .nginx-risk.json.
  return (
    (f.ruleSeverity ?? f.severity) === "error" &&
    !COST_RULES.has(f.ruleId) &&
    !isPolicyRule(f.ruleId) &&
    f.ruleId !== SUPPRESSION_RULE
  );
}

/** The rules that read the effective configuration (model/); exported for bench/rules.ts. */
export const MODEL_RULES: ((model: ConfigModel, options: RuleOptions) => Finding[])[] = [
  luaSslPerLocationFindings,
  streamLuaSslPerServerFindings,
  proxySslPerLocationFindings,
  sslBundlePerServerFindings,
  modsecurityUnusedFindings,
  accessFindings,
  mergeFindings,
  fileFindings,
  quicBpfReuseportFindings,
  quicBpfLimitsFindings,
  deprecatedSslProtocolFindings,
  http2MisdirectedRequestFindings,
  listenHttp2DeprecatedFindings,
  missingErrorLogFindings,
  missingWorkerProcessesFindings,
  sslEcdhCurveFindings,
  sslOnDeprecatedFindings,
  versionDisclosureFindings,
  weakSslCiphersFindings,
  workerRlimitNofileVsConnectionsFindings,
  // Issue 15's access-control rules (one question of the model for all: access-rules.ts).
  allowWithoutDenyFindings,
  returnWithAllowDenyFindings,
  statusPageExposedFindings,
  tryFilesIsEvilTooFindings,
  defaultServerFlagFindings,
  addHeaderRedefinitionFindings,
  proxySetHeaderRedefinitionFindings,
  directiveInheritanceFindings,
  addHeaderContentTypeFindings,
  proxyMissingHostHeaderFindings,
  ssrfFindings,
  httpSplittingFindings,
  // Resolvers, upstreams and proxying (issue 15): one model question for all of them (upstream-common.ts).
  resolverExternalFindings,
  missingResolverFindings,
  staleDnsCacheFindings,
  sslStaplingWithoutResolverFindings,
  sslStaplingLetsencryptFindings,
  proxyKeepaliveFindings,
  lowKeepaliveRequestsFindings,
  proxyPassNormalizedFindings,
  proxyPassWithUriFindings,
  tryFilesWithProxyFindings,
];

export function runChecks(
  config: Configuration,
  options: RuleOptions,
  model: ConfigModel = buildModel(config),
): Finding[] {
  const steps = checkSteps(config, options, model);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `runChecks` one rule at a time: it yields between two rules, so that the language server can take its
 * messages in between (lsp/analysis.ts); the rules of a 100,000-location configuration take seconds.
 */
export function* checkSteps(
  config: Configuration,
  options: RuleOptions,
  model: ConfigModel,
): Generator<void, Finding[]> {
  // Appended one by one: `push(...list)` passes each finding as an argument, and V8 overflows its stack past
  // ~120,000 of them (a location per line of a 200,000-line file).
  const findings: Finding[] = [];
  // One analysis of this model: its rules' questions are answered in one walk (model/index.ts).
  if (options.once) oneTimeQuestions(model);
  for (const f of syntaxFindings(config)) findings.push(f);
  yield;
  // The two rules that read every statement, in one walk: the walk itself was most of each rule's time on a
  // server's first analysis (cold code; large-config, CPU profiles of issue 13).
  const directive = directiveCheck(config, options);
  const reuseport = reuseportCheck(options);
  yield* walkTogether(config, directive.visitor, reuseport.visitor);
  directive.finish();
  for (const f of directive.findings) findings.push(f);
  for (const f of reuseport.findings()) findings.push(f);
  for (const rule of MODEL_RULES) {
    yield;
    for (const f of rule(model, options)) findings.push(f);
  }
  for (const f of findings)
    if (isStockPath(f.path) || f.related?.some((r) => isStockPath(r.path))) atInclude(config, f);
  // What the user silenced where it is written, then what the configuration makes of each rule.
  const shown = applyRuleLevels(applySuppressions(config, findings, isKnownRule), options.ruleLevels);
  shown.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.range.start.offset - b.range.start.offset);
  return shown;
}

/**
 * `walk` with two visitors at once, each seeing exactly what a walk of its own would show it: a visitor whose
 * `enter` says false is not called again inside that directive's block (or the files of its include), nor its
 * `leave`, while the other walks on; the block is skipped when both skip it. Two named visitors, the two
 * rules it serves: no list to loop over per statement. It pauses as `walkSteps` does.
 */
export function* walkTogether(
  config: Configuration,
  a: ConfigVisitor,
  b: ConfigVisitor,
  slice = WALK_SLICE,
): Generator<void, void> {
  // The directive each visitor skipped that the walk has not left yet (null: it is walking).
  let skippingA: Directive | null = null;
  let skippingB: Directive | null = null;
  yield* walkSteps(
    config,
    {
      enter(d, info) {
        if (skippingA === null && a.enter?.(d, info) === false) skippingA = d;
        if (skippingB === null && b.enter?.(d, info) === false) skippingB = d;
        if (skippingA === null || skippingB === null) return undefined;
        // Neither enters: the walk will not leave it either.
        if (skippingA === d) skippingA = null;
        if (skippingB === d) skippingB = null;
        return false;
      },
      leave(d, info) {
        if (skippingA === d) skippingA = null;
        else if (skippingA === null) a.leave?.(d, info);
        if (skippingB === d) skippingB = null;
        else if (skippingB === null) b.leave?.(d, info);
      },
    },
    slice,
  );
}

/**
 * A finding in a built-in stand-in of nginx's stock files (workspace/stock-files.ts) is moved to the
 * `include` that read it: the stand-in is no file the editor can open. (They hold nothing the rules object
 * to where nginx's own copies go; this is for a stock file included where its directives are refused.)
 */
function atInclude(config: Configuration, f: Finding): void {
  const place = (p: string): RelatedLocation | null => {
    const site = config.instancesByPath.get(p)?.[0]?.includedBy;
    if (!site) return null;
    const name = stockNameOf(p);
    return {
      path: site.instance.path,
      range: site.directive.args[0]?.range ?? site.directive.range,
      message: `in nginx's default ${name}, assumed`,
    };
  };
  if (isStockPath(f.path)) {
    const at = place(f.path);
    if (at) {
      f.path = at.path;
      f.range = at.range;
      f.message += ` (${at.message})`;
    }
  }
  if (f.related) {
    const kept: RelatedLocation[] = [];
    for (const r of f.related) {
      if (!isStockPath(r.path)) kept.push(r);
      else {
        const at = place(r.path);
        if (at) kept.push({ ...at, message: `${r.message} (${at.message})` });
      }
    }
    f.related = kept;
  }
}
