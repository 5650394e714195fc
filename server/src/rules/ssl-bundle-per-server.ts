// ssl-bundle-per-server: every `server` with TLS has an SSL_CTX of its own (ngx_http_ssl_merge_srv_conf,
// no sharing between servers), and `ssl_client_certificate` / `ssl_trusted_certificate` set at http level
// are parsed into each one (semantics.md §4); nginx ≥ 1.27.2 caches the parsed bundle.
// docs/rules/ssl-bundle-per-server.md

import type { ConfigModel } from "../model";
import { sslFindings } from "./ssl-cost";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "ssl-bundle-per-server";

export function sslBundlePerServerFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  return sslFindings(model, options, RULE_ID, {
    why: () => "one per server with TLS that sets or inherits it",
  });
}
