// Rule `ssl-stapling-letsencrypt`: `ssl_stapling on` for a certificate from Let's Encrypt, which stopped
// putting an OCSP URL in its certificates in 2025 and shut its OCSP responders down on 2025-08-06. With no
// responder URL nginx logs `"ssl_stapling" ignored, no OCSP responder URL in the certificate` at every start
// and reload (ngx_ssl_stapling_issuer / ngx_ssl_stapling_responder, src/event/ngx_event_openssl_stapling.c)
// and staples nothing: dead configuration, and an `ssl_trusted_certificate` kept only for it. The certificate
// is recognised by certbot's folder (/etc/letsencrypt/) in the certificate in effect for the server — the
// server's own, or http's when it has none — not by any certificate written somewhere above it.
// An `ssl_stapling_responder` given explicitly still gets responses: not reported.
// docs/rules/ssl-stapling-letsencrypt.md

import type { ConfigModel } from "../model";
import { effective } from "../model";
import { lastEffective, FindingSink, relatedAt } from "./upstream-common";
import { staplingServers } from "./ssl-stapling-common";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "ssl-stapling-letsencrypt";

const LETSENCRYPT = /^\/etc\/letsencrypt\//;

export function sslStaplingLetsencryptFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const sink = new FindingSink(RULE_ID, "info");
  for (const { server, stapling } of staplingServers(model)) {
    if (lastEffective(server, "ssl_stapling_responder") !== null) continue;
    const certs = effective(server, "ssl_certificate")?.sites ?? [];
    const le = certs.filter((s) => LETSENCRYPT.test(s.directive.argValue(0) ?? ""));
    // Every certificate of the server from Let's Encrypt (an RSA and an ECDSA one): none of them has a responder.
    if (le.length === 0 || le.length < certs.length) continue;
    const paths = le.map((s) => s.directive.argValue(0) ?? "");
    const related = le.map((s) => relatedAt(s, "a Let's Encrypt certificate (certbot's folder)", 0));
    const trusted = lastEffective(server, "ssl_trusted_certificate");
    if (trusted !== null) related.push(relatedAt(trusted, "kept for stapling only, perhaps", 0));
    sink.add(
      stapling,
      "no-responder",
      `ssl_stapling is on for ${paths.map((p) => `"${p}"`).join(", ")}, which looks like a Let's Encrypt ` +
        `certificate: Let's Encrypt no longer names an OCSP responder in its certificates (its responders ` +
        `were shut down on 2025-08-06), so nginx logs "ssl_stapling" ignored at every start and reload and ` +
        `staples nothing; remove ssl_stapling (or set ssl_stapling off in this server)`,
      0,
      related,
      { certificates: paths },
    );
  }
  return sink.findings;
}
