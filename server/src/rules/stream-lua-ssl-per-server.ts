// stream-lua-ssl-per-server: stream-lua-nginx-module creates an SSL_CTX for every `stream { server { } }`
// and parses the effective `lua_ssl_trusted_certificate` into each (ngx_stream_lua_merge_srv_conf, not
// fixed upstream; semantics.md §1). docs/rules/stream-lua-ssl-per-server.md

import type { ConfigModel } from "../model";
import { sslFindings } from "./ssl-cost";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "stream-lua-ssl-per-server";

export function streamLuaSslPerServerFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  return sslFindings(model, options, RULE_ID, {
    why: () => "one per stream server that sets or inherits it — stream-lua-nginx-module (every version)",
  });
}
