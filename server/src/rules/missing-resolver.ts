// Rule `missing-resolver`: a `*_pass` whose URL has variables names a host nginx must look up per request —
// no `upstream` block or implicit upstream has that name, and it is no address — but no `resolver` is in
// effect where the request is proxied. ngx_http_upstream_init_request (src/http/ngx_http_upstream.c) then
// logs "no resolver defined to resolve NAME" and answers 502; the stream module does the same
// (ngx_stream_proxy_handler). nginx -t says nothing: the URL is only evaluated per request. The `resolver` is
// the one merged into the block that proxies (http, server, location, `if`; stream, server), so a resolver
// in a sibling location or another server does not count. nginx's own resolver reads no /etc/hosts: a
// variable holding `localhost` needs one too. docs/rules/missing-resolver.md

import type { ConfigModel } from "../model";
import {
  FindingSink,
  upstreamIndexes,
  hostCandidates,
  isIpAddress,
  passSites,
  resolverIn,
  setValues,
} from "./upstream-common";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "missing-resolver";

export function missingResolverFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const sink = new FindingSink(RULE_ID, "warning");
  const passes = passSites(model, options);
  if (!passes.some((p) => p.url.variables)) return [];
  const sets = setValues(model);
  const indexes = upstreamIndexes(model);
  for (const p of passes) {
    const { url, site } = p;
    if (!url.variables || url.unix) continue;
    const candidates = hostCandidates(url.host, sets);
    // A variable whose value this configuration does not give (a map, a header) may name an upstream.
    if (candidates === null) continue;
    const index = p.stream ? indexes.stream : indexes.http;
    const looked = candidates.filter(
      (h) => h !== "" && !isIpAddress(h) && !index.knows(h, url.port, url.scheme) && !/^unix:/i.test(h),
    );
    if (looked.length === 0) continue;
    if (resolverIn(site.context) !== null) continue;
    const host = looked[0];
    sink.add(
      site,
      "no-resolver",
      `nginx looks "${host}" up for every request here (the URL has variables and no upstream has that ` +
        `name), but no \`resolver\` is in effect: each request fails with 502 and "no resolver defined to ` +
        `resolve ${host}" in the error log, while nginx -t passes; add a \`resolver\` (a local or private ` +
        `name server) to this ${p.stream ? "stream server" : "location"}, its server or ${p.stream ? "stream" : "http"}`,
      0,
      undefined,
      { host, candidates: looked },
    );
  }
  return sink.findings;
}
