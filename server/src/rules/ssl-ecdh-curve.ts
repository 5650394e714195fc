// ssl-ecdh-curve: post-quantum key-exchange groups in `ssl_ecdh_curve` that the OpenSSL nginx runs with does
// not know. nginx hands the list to SSL_CTX_set1_curves_list(), which rejects the whole list for one unknown
// group: nginx -t and a start fail ("SSL_CTX_set1_curves_list(...) failed ... group 'X25519MLKEM768' cannot
// be set"), and a reload keeps the old configuration. The hybrids (X25519MLKEM768, SecP256r1MLKEM768,
// SecP384r1MLKEM1024, the X25519Kyber768 drafts) exist from OpenSSL 3.5; the `?` prefix that makes OpenSSL
// skip an unknown group is itself refused by older releases (checked: nginx 1.22.1 with OpenSSL 3.0 fails on
// "?X25519MLKEM768:X25519" as on "X25519MLKEM768:X25519", test/rules/main-tls.test.ts).
// The effective value per TLS server; quiet when the deployed OpenSSL is known to be 3.5 or later.
// The peer: Gixy-Next ssl_ecdh_curve. docs/rules/ssl-ecdh-curve.md

import type { ConfigModel } from "../model";
import { atLeast, opensslVersion, serversPhrase, tlsSettings } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "ssl-ecdh-curve";

/** The OpenSSL release that first knows the ML-KEM hybrid groups. */
const PQ_SINCE = "3.5.0";

function isPostQuantum(group: string): boolean {
  return /MLKEM|KYBER/i.test(group);
}

export function sslEcdhCurveFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const openssl = opensslVersion(options);
  if (atLeast(openssl, PQ_SINCE)) return [];
  const out: Finding[] = [];
  for (const { site, servers } of tlsSettings(model, "ssl_ecdh_curve").set) {
    const value = site.directive.argValue(0) ?? "";
    const groups = value.split(":").filter((g) => g !== "" && isPostQuantum(g));
    if (groups.length === 0) continue;
    const lib =
      openssl === null
        ? "an OpenSSL before 3.5 (Debian 12, Ubuntu 24.04 and RHEL 9 ship 3.0 to 3.2)"
        : `OpenSSL ${openssl}`;
    out.push({
      ruleId: RULE_ID,
      code: "post-quantum-group",
      severity: "warning",
      path: site.file.path,
      range: site.directive.args[0].range,
      message:
        `${groups.join(", ")} ${groups.length === 1 ? "is a group" : "are groups"} that only OpenSSL 3.5 and later know: ` +
        `with ${lib} SSL_CTX_set1_curves_list() rejects the whole list, so nginx -t and a start fail and a reload ` +
        `keeps the old configuration${serversPhrase(servers)}. A "?" prefix does not help before OpenSSL 3.3 (it is refused too). ` +
        `Name classical groups (X25519:prime256v1) or "auto" until every host runs OpenSSL 3.5.`,
      data: { groups, openssl },
    });
  }
  return out;
}
