// Runs every rule over a loaded configuration. The CLI and the language server call only this.

import { buildModel, type ConfigModel } from "../model";
import type { Configuration } from "../workspace/configuration";
import { directiveFindings } from "./directive-checks";
import { luaSslPerLocationFindings } from "./lua-ssl-per-location";
import { modsecurityUnusedFindings } from "./modsecurity-unused";
import { proxySslPerLocationFindings } from "./proxy-ssl-per-location";
import { reuseportFindings } from "./reuseport-config-test";
import { sslBundlePerServerFindings } from "./ssl-bundle-per-server";
import { streamLuaSslPerServerFindings } from "./stream-lua-ssl-per-server";
import { syntaxFindings } from "./syntax";
import type { Finding, RuleOptions } from "./types";

export type { Finding, RuleOptions, Severity, RelatedLocation } from "./types";

/** The rules that read the effective configuration (model/). */
const MODEL_RULES: ((model: ConfigModel, options: RuleOptions) => Finding[])[] = [
  luaSslPerLocationFindings,
  streamLuaSslPerServerFindings,
  proxySslPerLocationFindings,
  sslBundlePerServerFindings,
  modsecurityUnusedFindings,
];

export function runChecks(
  config: Configuration,
  options: RuleOptions,
  model: ConfigModel = buildModel(config),
): Finding[] {
  const findings = [
    ...syntaxFindings(config),
    ...directiveFindings(config, options),
    ...reuseportFindings(config, options),
  ];
  // Appended one by one: `push(...list)` passes each finding as an argument, and V8 overflows its stack past
  // ~120,000 of them (a location per line of a 200,000-line file).
  for (const rule of MODEL_RULES) for (const f of rule(model, options)) findings.push(f);
  findings.sort(
    (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.range.start.offset - b.range.start.offset,
  );
  return findings;
}
