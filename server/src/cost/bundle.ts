// A CA bundle as the cost model needs it: its size and how many distinct certificates it holds, read
// through the path mappings (the bundle nginx names is on the server, e.g. /etc/ssl/certs/…).

import * as path from "path";
import type { FileSource, Refusal } from "../workspace/files";
import { includeNginxPath } from "../workspace/includes";
import { mapPath, type PathMapping } from "../workspace/paths";

export interface BundleInfo {
  /** The path as nginx resolves it (relative names are relative to the conf prefix: ngx_conf_full_name(…, 1)). */
  path: string;
  /** The workspace file read, or null when it could not be read. */
  readFrom: string | null;
  bytes: number;
  /** Distinct certificates (OpenSSL's X509_STORE keeps one copy of a duplicate). */
  certificates: number;
  /** True when the file could not be read and the default bundle was assumed. */
  assumed: boolean;
  /** What was assumed, for messages ("Debian's ca-certificates bundle", "a certbot chain"). */
  assumedAs?: string;
  /** A system trust store (or a large extract of one): the simpler fit of memory-model.md applies. */
  systemLike: boolean;
  /** Why the file was not read when the read policy refused it (workspace/access.ts); rule `access` says so. */
  notRead?: Refusal;
}

/** Debian 12's ca-certificates 20230311 bundle, the one memory-model.md measured. */
export const DEBIAN_BUNDLE = { bytes: 219_597, certificates: 144 } as const;

/** Bytes per certificate of Debian's bundle (1,525): what a bundle too large to read is estimated with. */
export const BYTES_PER_CERTIFICATE = Math.round(DEBIAN_BUNDLE.bytes / DEBIAN_BUNDLE.certificates);

/**
 * "not readable here", or why the read policy did not read it. A cost finding says the same from the CLI and
 * the editor (the editors' end-to-end tests compare them): "outside what was opened" rather than what was
 * opened (the workspace folders, the command line's files), which the `access` finding names, with how to
 * allow it in that front end.
 */
export function notReadText(b: Pick<BundleInfo, "notRead">): string {
  if (!b.notRead) return "not readable here";
  return b.notRead.reason === "outside" ? "not read (it is outside what was opened)" : `not read (${b.notRead.why})`;
}

/**
 * certbot's `chain.pem` / `fullchain.pem` hold an intermediate chain, not a trust store: assuming the
 * system bundle for them would overstate the cost a hundredfold. Two certificates of ~1.8 KB (Let's
 * Encrypt's R-series intermediate and its cross-signed root).
 */
const CERTBOT_CHAIN = /\/letsencrypt\/live\/[^/]+\/(full)?chain\.pem$/;
export const CERTBOT_CHAIN_BUNDLE = { bytes: 3_700, certificates: 2 } as const;

const SYSTEM_BUNDLES = new Set([
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/ssl/certs/ca-bundle.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
  "/etc/ssl/cert.pem",
  "/etc/ssl/ca-bundle.pem",
  "/usr/local/share/certs/ca-root-nss.crt",
  "/usr/local/etc/openssl/cert.pem",
]);

const BEGIN = "-----BEGIN ";
/** The PEM names OpenSSL reads as a certificate in a CA file (PEM_X509_INFO_read_bio: X509, X509_OLD, TRUSTED). */
const CERTIFICATE_NAMES = ["CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE"];

/** Whether `i` starts a line: OpenSSL reads PEM line by line and only a line's start counts as a marker. */
function lineStart(text: string, i: number): boolean {
  return i === 0 || text.charCodeAt(i - 1) === 10;
}

/**
 * Counts the PEM certificates of a bundle, each distinct body once (OpenSSL's X509_STORE keeps one copy
 * of a duplicate). One forward scan: each `-----BEGIN CERTIFICATE-----` line is paired with the next
 * `-----END CERTIFICATE-----` line of the same name; a BEGIN that another BEGIN follows before that END
 * is ignored (OpenSSL would refuse the whole file: "bad end line"; nginx -t then fails on it). The next
 * END of each name is remembered until the scan passes it, so no part of the text is searched twice: a
 * file of BEGIN lines without any END costs one pass (a lazy regex went back to every BEGIN: 5 MiB of
 * them took minutes).
 */
export function countCertificates(text: string): number {
  const seen = new Set<string>();
  /** Per name: the index of the next END line at or after where it was last looked for; -1: none left. */
  const nextEnd = new Map<string, number>();
  const endOf = (name: string, from: number): number => {
    let at = nextEnd.get(name);
    if (at === undefined || (at >= 0 && at < from)) {
      const marker = `-----END ${name}-----`;
      at = text.indexOf(marker, from);
      while (at >= 0 && !lineStart(text, at)) at = text.indexOf(marker, at + 1);
      nextEnd.set(name, at);
    }
    return at;
  };
  const nextBegin = (from: number): number => {
    let at = text.indexOf(BEGIN, from);
    while (at >= 0 && !lineStart(text, at)) at = text.indexOf(BEGIN, at + 1);
    return at;
  };
  for (let begin = nextBegin(0); begin >= 0;) {
    const name = CERTIFICATE_NAMES.find((n) => text.startsWith(`${n}-----`, begin + BEGIN.length));
    const bodyStart = begin + BEGIN.length + (name === undefined ? 0 : name.length + 5);
    const following = nextBegin(bodyStart);
    if (name !== undefined) {
      const end = endOf(name, bodyStart);
      const body = end >= 0 && (following < 0 || end < following) ? text.slice(bodyStart, end).replace(/\s+/g, "") : "";
      if (body !== "") seen.add(body);
    }
    begin = following;
  }
  return seen.size;
}

export interface BundleReadOptions {
  source: FileSource;
  mappings: readonly PathMapping[];
  confPrefix: string;
  assumed?: { bytes: number; certificates: number };
}

export function readBundle(arg: string, options: BundleReadOptions): BundleInfo {
  const nginxPath = includeNginxPath(arg, options.confPrefix);
  const file = mapPath(nginxPath, options.mappings);
  const variable = /\$/.test(arg);
  const text = variable ? null : options.source.read(file, "bundle");
  const systemPath = SYSTEM_BUNDLES.has(path.posix.normalize(nginxPath));
  if (text === null) {
    const refusal = variable ? null : (options.source.refusal?.(file, "bundle") ?? null);
    const notRead = refusal ? { notRead: refusal } : {};
    if (refusal?.reason === "too-large" && refusal.size !== undefined) {
      // Not read whole, but inside what may be read: its size is known, its certificates estimated from it.
      return {
        path: nginxPath,
        readFrom: null,
        bytes: refusal.size,
        certificates: Math.round(refusal.size / BYTES_PER_CERTIFICATE),
        assumed: true,
        assumedAs: `estimated from its size at ${BYTES_PER_CERTIFICATE} B per certificate, as in Debian's bundle`,
        systemLike: true,
        ...notRead,
      };
    }
    if (CERTBOT_CHAIN.test(nginxPath)) {
      const c = CERTBOT_CHAIN_BUNDLE;
      return {
        path: nginxPath,
        readFrom: null,
        bytes: c.bytes,
        certificates: c.certificates,
        assumed: true,
        assumedAs: "a certbot chain",
        systemLike: false,
        ...notRead,
      };
    }
    const a = options.assumed ?? DEBIAN_BUNDLE;
    const debian = a.bytes === DEBIAN_BUNDLE.bytes && a.certificates === DEBIAN_BUNDLE.certificates;
    return {
      path: nginxPath,
      readFrom: null,
      bytes: a.bytes,
      certificates: a.certificates,
      assumed: true,
      assumedAs: debian ? "Debian's ca-certificates bundle" : "the assumed bundle setting",
      systemLike: true,
      ...notRead,
    };
  }
  const certificates = countCertificates(text);
  return {
    path: nginxPath,
    readFrom: file,
    bytes: Buffer.byteLength(text, "utf8"),
    certificates,
    assumed: false,
    // System stores carry a hundred and more roots; a large bundle is (almost always) one or an extract of one.
    systemLike: systemPath || certificates >= 100,
  };
}
