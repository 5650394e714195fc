// lua-ssl-per-location: lua-nginx-module ≤ 0.10.25 gives every location configuration that has or
// inherits `lua_ssl_trusted_certificate` an SSL_CTX of its own and parses the whole CA bundle into it
// (semantics.md §1; the 2017 incident, lua-nginx-module #1005). From 0.10.26 only blocks that set a
// lua_ssl_* directive themselves get their own. docs/rules/lua-ssl-per-location.md

import type { ConfigModel } from "../model";
import { sslFindings } from "./ssl-cost";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "lua-ssl-per-location";

export function luaSslPerLocationFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  return sslFindings(model, options, RULE_ID, {
    why: (b) =>
      b.source.perLocation
        ? "one per location configuration (server, location, if, limit_except) that sets or inherits it — lua-nginx-module ≤ 0.10.25"
        : "one per block that sets a lua_ssl_* directive itself, plus one shared — lua-nginx-module ≥ 0.10.26",
  });
}
