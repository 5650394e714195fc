// Rule `ssl-stapling-without-resolver`: `ssl_stapling on` in a TLS server with no `resolver` in effect at the
// server (or http) level. nginx fetches the OCSP response from the responder named in the certificate (or
// `ssl_stapling_responder`) and looks its host up with that resolver (ngx_ssl_stapling_resolver,
// src/event/ngx_event_openssl_stapling.c); without one every lookup fails with "no resolver defined to
// resolve …", nothing is stapled, and nginx -t says nothing. Clients then ask the CA themselves (a slower
// handshake, and the CA learns who visits the site) or, with OCSP Must-Staple, refuse the certificate.
// `ssl_stapling_file` (a response read from disk) and a responder given as an IP address need no resolver.
// docs/rules/ssl-stapling-without-resolver.md

import type { ConfigModel } from "../model";
import { lastEffective, FindingSink, isIpAddress, parsePassUrl, relatedAt } from "./upstream-common";
import { staplingServers } from "./ssl-stapling-common";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "ssl-stapling-without-resolver";

export function sslStaplingWithoutResolverFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const sink = new FindingSink(RULE_ID, "info");
  for (const { server, stapling } of staplingServers(model)) {
    if (lastEffective(server, "ssl_stapling_file") !== null) continue;
    const responder = lastEffective(server, "ssl_stapling_responder");
    if (responder !== null) {
      const url = parsePassUrl(responder.directive.argValue(0) ?? "");
      if (isIpAddress(url.host)) continue;
    }
    // The server's own location configuration: its `resolver` or http's, never a location's.
    if (lastEffective(server, "resolver") !== null) continue;
    const related = server.directive
      ? [
          {
            path: server.file.path,
            range: server.directive.nameWord.range,
            message: `the TLS server (${server.label}) that staples without a resolver`,
          },
        ]
      : [];
    if (stapling.context !== server && responder !== null) related.push(relatedAt(responder, "the OCSP responder"));
    sink.add(
      stapling,
      "no-resolver",
      `ssl_stapling is on but no \`resolver\` is in effect in ${server.label}: nginx cannot look up the OCSP ` +
        `responder, logs "no resolver defined to resolve …" and staples nothing (nginx -t passes), so clients ` +
        `query the CA themselves; add a \`resolver\` to the server or http block, or give the response with ` +
        `ssl_stapling_file`,
      0,
      related,
    );
  }
  return sink.findings;
}
