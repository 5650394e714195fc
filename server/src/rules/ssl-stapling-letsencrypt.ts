// Rule `ssl-stapling-letsencrypt`: `ssl_stapling on` for a certificate that names no OCSP responder — above
// all Let's Encrypt's, which stopped putting an OCSP URL in its certificates in 2025 and shut its responders
// down on 2025-08-06. With no responder URL (and no `ssl_stapling_responder`) nginx logs `"ssl_stapling"
// ignored, no OCSP responder URL in the certificate` at every start and reload (ngx_ssl_stapling_responder,
// src/event/ngx_event_openssl_stapling.c) and staples nothing: dead configuration, and an
// `ssl_trusted_certificate` kept only for it.
// The certificates in effect for the server (its own, or http's when it has none) are read where the
// workspace holds them (path mappings, the read policy): the certificate's Authority Information Access says
// whether it names a responder, whoever issued it. A certificate not read is judged by certbot's folder
// (/etc/letsencrypt/), as Gixy-Next does. docs/rules/ssl-stapling-letsencrypt.md

import * as crypto from "crypto";
import type { ConfigModel, DirectiveSite } from "../model";
import { effective } from "../model";
import { NodeFileSource, type FileSource } from "../workspace/files";
import { includeNginxPath } from "../workspace/includes";
import { mapPath } from "../workspace/paths";
import { lastEffective, FindingSink, relatedAt } from "./upstream-common";
import { staplingServers } from "./ssl-stapling-common";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "ssl-stapling-letsencrypt";

const LETSENCRYPT = /^\/etc\/letsencrypt\//;

/** What a certificate says about OCSP: read (with or without a responder, and its issuer), or not read. */
type CertificateOcsp = { read: true; responder: boolean; letsEncrypt: boolean } | { read: false };

function readCertificate(site: DirectiveSite, model: ConfigModel, source: FileSource): CertificateOcsp {
  const arg = site.directive.argValue(0) ?? "";
  if (arg.includes("$") || arg.startsWith("data:") || arg.startsWith("engine:")) return { read: false };
  const file = mapPath(includeNginxPath(arg, model.config.confPrefix), model.config.mappings);
  const text = source.read(file, "bundle");
  if (text === null) return { read: false };
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(text);
  if (pem === null) return { read: false };
  try {
    const cert = new crypto.X509Certificate(pem[0]);
    return {
      read: true,
      responder: /OCSP - URI:/.test(cert.infoAccess ?? ""),
      letsEncrypt: /Let's Encrypt/i.test(cert.issuer),
    };
  } catch {
    // A certificate nginx cannot load is rule `file`'s.
    return { read: false };
  }
}

export function sslStaplingLetsencryptFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const sink = new FindingSink(RULE_ID, "info");
  const servers = staplingServers(model);
  if (servers.length === 0) return [];
  const source = options.source ?? new NodeFileSource();
  const known = new Map<string, CertificateOcsp>();
  for (const { server, stapling } of servers) {
    if (lastEffective(server, "ssl_stapling_responder") !== null) continue;
    const certs = effective(server, "ssl_certificate")?.sites ?? [];
    if (certs.length === 0) continue;
    // Every certificate of the server (an RSA and an ECDSA one) without a responder: nothing is stapled.
    let dead = true;
    let read = 0;
    let letsEncrypt = 0;
    for (const c of certs) {
      const key = `${c.file.path}\0${c.directive.argValue(0) ?? ""}`;
      let ocsp = known.get(key);
      if (ocsp === undefined) known.set(key, (ocsp = readCertificate(c, model, source)));
      const path = c.directive.argValue(0) ?? "";
      if (ocsp.read) {
        read++;
        if (ocsp.letsEncrypt) letsEncrypt++;
        if (ocsp.responder) dead = false;
      } else if (LETSENCRYPT.test(path)) letsEncrypt++;
      else dead = false;
    }
    if (!dead) continue;
    const paths = certs.map((s) => s.directive.argValue(0) ?? "");
    const related = certs.map((s) =>
      relatedAt(
        s,
        read > 0 ? "a certificate without an OCSP responder URL" : "a Let's Encrypt certificate (certbot's folder)",
        0,
      ),
    );
    const trusted = lastEffective(server, "ssl_trusted_certificate");
    if (trusted !== null) related.push(relatedAt(trusted, "kept for stapling only, perhaps", 0));
    const named = paths.map((p) => `"${p}"`).join(", ");
    const why =
      read === certs.length
        ? `${named} names no OCSP responder${letsEncrypt > 0 ? " (Let's Encrypt dropped them in 2025)" : ""}`
        : `${named} looks like a Let's Encrypt certificate, and Let's Encrypt no longer names an OCSP responder ` +
          `in its certificates (its responders were shut down on 2025-08-06)`;
    sink.add(
      stapling,
      read === certs.length ? "no-responder" : "letsencrypt-path",
      `ssl_stapling is on, but ${why}: nginx logs "ssl_stapling" ignored at every start and reload and ` +
        `staples nothing; remove ssl_stapling (or set ssl_stapling off in this server)`,
      0,
      related,
      { certificates: paths, read: read === certs.length },
    );
  }
  return sink.findings;
}
