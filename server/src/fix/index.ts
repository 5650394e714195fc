// Fixes for findings: edits that move or remove directives, each checked by reading the edited
// configuration again (fix/verify.ts) before it is offered. The language server and the CLI call only this.

import { buildModel, type ConfigModel } from "../model";
import type { Finding, RuleOptions } from "../rules/types";
import type { Configuration } from "../workspace/configuration";
import { aliasTraversalFixes } from "./alias-traversal";
import { allowWithoutDenyFixes } from "./allow-without-deny";
import { addHeaderRedefinitionFixes } from "./add-header-redefinition";
import { luaSslFixes } from "./lua-ssl-per-location";
import { mixedCaseFixes } from "./mixed-case-variable";
import { modsecurityFixes } from "./modsecurity-unused";
import { pathMappingFixes } from "./path-mapping";
import { proxySslFixes } from "./proxy-ssl-per-location";
import { reuseportFixes } from "./reuseport-config-test";
import type { Fix, RefusedFix } from "./types";

export type { Fix, FixEffect, RefusedFix, SettingChange, TextEdit } from "./types";

type FixProvider = (model: ConfigModel, finding: Finding, options: RuleOptions) => (Fix | RefusedFix)[];

const PROVIDERS: Record<string, FixProvider> = {
  "lua-ssl-per-location": luaSslFixes,
  "proxy-ssl-per-location": proxySslFixes,
  "modsecurity-unused": modsecurityFixes,
  "reuseport-config-test": reuseportFixes,
  "alias-traversal": aliasTraversalFixes,
  "allow-without-deny": allowWithoutDenyFixes,
  "mixed-case-variable": mixedCaseFixes,
  "add-header-redefinition": addHeaderRedefinitionFixes,
};

/** Rules whose only fixes set a setting (no edit: nothing for `nginx-risk fix` to apply). */
const SETTING_PROVIDERS: Record<string, FixProvider> = {
  include: (_model, finding) => pathMappingFixes(finding),
};

/** Rule ids that have fixes that edit the configuration. */
export const FIXABLE_RULES = (): string[] => Object.keys(PROVIDERS);

/**
 * The fixes for `findings` of one configuration (findings of other rules or configurations give none).
 * Fixes whose check refused them are left out, and added to `refused` when given (the CLI says why).
 */
export function fixesFor(
  config: Configuration,
  findings: readonly Finding[],
  options: RuleOptions,
  model: ConfigModel = buildModel(config),
  refused?: RefusedFix[],
): Fix[] {
  const out: Fix[] = [];
  for (const f of findings) {
    const provider = PROVIDERS[f.ruleId] ?? SETTING_PROVIDERS[f.ruleId];
    if (!provider || !config.files.has(f.path)) continue;
    try {
      // One by one, not push(...): no bound on the count.
      for (const x of provider(model, f, options)) {
        if ("refused" in x) refused?.push(x);
        else out.push(x);
      }
    } catch (err) {
      // A fix we cannot compute is a fix we do not offer; the finding still stands.
      if (process.env.NGINX_RISK_DEBUG) console.error(err);
    }
  }
  return out;
}
