// directive-inheritance: the other array directives nginx inherits all or nothing (inheritance.ts
// ARRAY_FAMILIES: grpc_set_header, fastcgi/uwsgi/scgi_param, the *_hide_header and *_pass_header lists,
// error_page, limit_conn, limit_req): a block that sets one loses every value of the enclosing levels.
// add_header and proxy_set_header are rules of their own (add-header-redefinition,
// proxy-set-header-redefinition). docs/rules/directive-inheritance.md

import type { ConfigModel } from "../model";
import { inheritanceFindings } from "./inheritance";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "directive-inheritance";

export function directiveInheritanceFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  return inheritanceFindings(model, RULE_ID, () => "warning");
}
