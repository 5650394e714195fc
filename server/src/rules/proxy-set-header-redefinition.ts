// proxy-set-header-redefinition: a block with a proxy_set_header of its own sends none of the request
// headers the enclosing levels set (nginx inherits the list only into blocks that set none:
// inheritance.ts); a dropped Host falls back to $proxy_host, a dropped Connection to "close". Read from the
// effective configuration (includes at every level). Option `headers`: only these names are reported.
// docs/rules/proxy-set-header-redefinition.md

import type { ConfigModel } from "../model";
import { reportedHeaders } from "./add-header-redefinition";
import { inheritanceFindings } from "./inheritance";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "proxy-set-header-redefinition";

export function proxySetHeaderRedefinitionFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  // Option `headers` (Gixy-Next's): only these header names are reported.
  const only = reportedHeaders(options, RULE_ID);
  return inheritanceFindings(model, RULE_ID, () => "warning", only === null ? undefined : (_f, key) => only.has(key));
}
