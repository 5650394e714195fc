// weak-ssl-ciphers: the `ssl_ciphers` a TLS server uses (its own, or inherited) enables weak suites, as
// OpenSSL evaluates the string (cipher-string.ts): anonymous key exchange (aNULL: no certificate, so any
// man in the middle), no encryption (eNULL), RC4, single DES and export grades (broken), 3DES and IDEA
// (64-bit blocks: Sweet32), MD5 MACs. What the handshake then accepts depends on the library: OpenSSL 1.1.0
// and later refuse aNULL, eNULL and MD5 at their default security level 1 (checked: nginx 1.22.1 with
// OpenSSL 3.0 and `ssl_ciphers HIGH` refuses an aNULL handshake and accepts it with `HIGH:@SECLEVEL=0`), and
// OpenSSL 3.0 builds have no RC4, DES or export suites; OpenSSL 1.0.2 negotiates all of them. The string
// is reported for what it asks, with what the deployed library makes of it.
// Not set: nginx's default "HIGH:!aNULL:!MD5" is none of these.
// The peer: nginx-lint weak_ssl_ciphers. docs/rules/weak-ssl-ciphers.md

import type { ConfigModel } from "../model";
import { evaluateCipherString, type WeakFamily } from "./cipher-string";
import { atLeast, opensslVersion, serversPhrase, tlsSettings } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "weak-ssl-ciphers";

const WHY: Record<WeakFamily, string> = {
  aNULL: "anonymous key exchange, no certificate: any man in the middle can read and change the traffic",
  eNULL: "no encryption at all",
  RC4: "RC4, broken (RFC 7465 forbids it)",
  DES: "single DES, 56-bit keys broken by brute force",
  EXPORT: "export grades, 40/56-bit keys (FREAK, Logjam)",
  "3DES": "3DES, 64-bit blocks (Sweet32)",
  IDEA: "IDEA, 64-bit blocks (Sweet32)",
  MD5: "MD5 MACs",
};

/** The families OpenSSL ≥ 1.1.0 refuses at security level ≥ 1 (ssl_security_default_callback). */
const REFUSED_AT_LEVEL_1 = new Set<WeakFamily>(["aNULL", "eNULL", "MD5"]);

export function weakSslCiphersFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const out: Finding[] = [];
  const openssl = opensslVersion(options);
  for (const { site, servers } of tlsSettings(model, "ssl_ciphers").set) {
    const value = site.directive.argValue(0);
    if (value === undefined) continue;
    const list = evaluateCipherString(value);
    if (list.weak.size === 0) continue;
    const families = [...list.weak.keys()];
    const level0 = list.seclevel === 0;
    const modern = atLeast(openssl, "1.1.0");
    const parts = families.map(
      (f) =>
        `${f} (${list.weak.get(f)!.slice(0, 2).join(", ")}${list.weak.get(f)!.length > 2 ? ", …" : ""}: ${WHY[f]})`,
    );
    // Known library only: each family is refused there (security level 1) or missing from it (legacy suites).
    const refusedHere =
      openssl !== null &&
      families.every(
        (f) =>
          (REFUSED_AT_LEVEL_1.has(f) && modern && !level0) ||
          (atLeast(openssl, "3.0.0") && list.weak.get(f)!.every((n) => list.legacy.includes(n))),
      );
    const library =
      openssl === null
        ? "OpenSSL 1.0.2 negotiates all of these; OpenSSL 1.1.0 and later refuse aNULL, eNULL and MD5 suites at security level 1 unless the string says @SECLEVEL=0, and OpenSSL 3.0 builds lack RC4, DES and export suites"
        : refusedHere
          ? `OpenSSL ${openssl} does not negotiate them (security level 1, or suites it does not have), but any older or differently built library does`
          : `OpenSSL ${openssl} negotiates them${level0 ? " (the string sets @SECLEVEL=0)" : ""}`;
    out.push({
      ruleId: RULE_ID,
      code: "weak-cipher",
      severity: "warning",
      path: site.file.path,
      range: site.directive.args[0].range,
      message:
        `ssl_ciphers enables weak suites${serversPhrase(servers)}: ${parts.join("; ")}. ${library}. ` +
        `Exclude them (append ${families.map((f) => `!${f}`).join(":")}) or use nginx's default "HIGH:!aNULL:!MD5".`,
      data: { families, suites: Object.fromEntries(list.weak), openssl },
    });
  }
  return out;
}
