// proxy-ssl-per-location: before nginx 1.23.1 every location whose proxy_pass (grpc_pass, uwsgi_pass)
// uses TLS — or has variables — gets its own SSL_CTX, and with `proxy_ssl_verify on` parses the trusted
// bundle into it (ngx_http_proxy_merge_loc_conf; fixed by "Upstream: optimized use of SSL contexts",
// 1.23.1; semantics.md §4). docs/rules/proxy-ssl-per-location.md

import type { ConfigModel } from "../model";
import { sslFindings } from "./ssl-cost";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "proxy-ssl-per-location";

export function proxySslPerLocationFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  return sslFindings(model, options, RULE_ID, {
    why: (b) =>
      b.source.perLocation
        ? `one per location whose ${b.source.module}_pass uses TLS or variables — nginx < 1.23.1`
        : `one per block that sets a ${b.source.module}_ssl_* directive itself — nginx ≥ 1.23.1`,
  });
}
