// deprecated-ssl-protocol: SSLv2, SSLv3, TLSv1 and TLSv1.1 in the `ssl_protocols` a TLS server uses (its
// own, or inherited from http/stream/mail). RFC 8996 deprecates TLS 1.0 and 1.1 (no AEAD ciphers, MD5/SHA-1
// in the handshake; BEAST, POODLE for SSLv3). What is negotiated also depends on the library: OpenSSL 3
// refuses TLS 1.0 and 1.1 at its default security level 1 and has no SSLv3 (checked: nginx 1.22.1 with
// OpenSSL 3.0 fails a TLSv1 handshake, and accepts it with `ssl_ciphers …:@SECLEVEL=0`), while OpenSSL
// 1.1.1 negotiates them; the list still says what any other build will do.
// Not set: nginx's default is "TLSv1 TLSv1.1 TLSv1.2" before 1.23.4 (with TLSv1.3 from 1.13.0) and
// "TLSv1.2 TLSv1.3" from 1.23.4; reported only where both versions are known to negotiate them.
// The peer: nginx-lint deprecated_ssl_protocol. docs/rules/deprecated-ssl-protocol.md

import type { ConfigModel } from "../model";
import { atLeast, below, nginxVersionOf, opensslVersion, serversPhrase, tlsSettings } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "deprecated-ssl-protocol";

const DEPRECATED = new Map([
  ["sslv2", "SSLv2"],
  ["sslv3", "SSLv3"],
  ["tlsv1", "TLSv1"],
  ["tlsv1.1", "TLSv1.1"],
]);

/** The nginx release whose default ssl_protocols leaves out TLSv1 and TLSv1.1. */
const MODERN_DEFAULT_SINCE = "1.23.4";

export function deprecatedSslProtocolFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const out: Finding[] = [];
  const openssl = opensslVersion(options);
  const library =
    openssl === null
      ? "OpenSSL 1.1.1 and older negotiate them (OpenSSL 3 refuses TLS 1.0/1.1 at its default security level 1 unless ssl_ciphers says @SECLEVEL=0)"
      : atLeast(openssl, "3.0.0")
        ? `OpenSSL ${openssl} refuses TLS 1.0/1.1 at its default security level 1 unless ssl_ciphers says @SECLEVEL=0, but any other build negotiates what the list allows`
        : `OpenSSL ${openssl} negotiates them`;
  const { set, unset } = tlsSettings(model, "ssl_protocols");
  for (const { site, servers } of set) {
    const args = site.directive.args;
    const old = args.filter((a) => DEPRECATED.has(a.value.toLowerCase()));
    if (old.length === 0) continue;
    const names = old.map((a) => DEPRECATED.get(a.value.toLowerCase())!);
    out.push({
      ruleId: RULE_ID,
      code: "deprecated-protocol",
      severity: "warning",
      path: site.file.path,
      range: old[0].range,
      message:
        `ssl_protocols enables ${names.join(", ")}${serversPhrase(servers)}: deprecated protocols (RFC 8996) without ` +
        `AEAD ciphers, with MD5/SHA-1 in the handshake, open to downgrade and BEAST/POODLE-style attacks; ${library}. ` +
        `Use "ssl_protocols TLSv1.2 TLSv1.3;".`,
      data: { protocols: names },
    });
  }
  const nginx = nginxVersionOf(options);
  if (unset.length > 0 && below(nginx, MODERN_DEFAULT_SINCE) && below(openssl, "3.0.0")) {
    for (const server of unset) {
      if (server.directive === null) continue;
      out.push({
        ruleId: RULE_ID,
        code: "default-enables-deprecated",
        severity: "warning",
        path: server.file.path,
        range: server.directive.nameWord.range,
        message:
          `${server.label} terminates TLS without ssl_protocols: nginx ${nginx}'s default is "TLSv1 TLSv1.1 TLSv1.2" ` +
          `(TLSv1.2 TLSv1.3 only from 1.23.4) and OpenSSL ${openssl} negotiates TLS 1.0 and 1.1. ` +
          `Set "ssl_protocols TLSv1.2 TLSv1.3;" in the http block.`,
      });
    }
  }
  return out;
}
