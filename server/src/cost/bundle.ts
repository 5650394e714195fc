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
  /** Its size; null when unknown (not read, and not a system CA store whose size can be assumed). */
  bytes: number | null;
  /** Distinct certificates (OpenSSL's X509_STORE keeps one copy of a duplicate); null when unknown. */
  certificates: number | null;
  /** True when the file was not read and its figures were assumed (a system CA store) or estimated (too large). */
  assumed: boolean;
  /** What was assumed, for messages ("Debian's ca-certificates bundle"). */
  assumedAs?: string;
  /** A system trust store (or a large extract of one): the simpler fit of docs/cost-model.md §2 applies. */
  systemLike: boolean;
  /** Why the file was not read when the read policy refused it (workspace/access.ts); rule `access` says so. */
  notRead?: Refusal;
  /** Why the file was not read when the policy did not refuse it: it is missing, or named with a variable. */
  unread?: "missing" | "variable";
}

/** A bundle whose size is known (read, or assumed as a system CA store, or estimated from its size). */
export type SizedBundle = BundleInfo & { bytes: number; certificates: number };

export function sizeKnown(b: BundleInfo): b is SizedBundle {
  return b.bytes !== null && b.certificates !== null;
}

/** Debian 12's ca-certificates 20230311 bundle, the one docs/cost-model.md §2 measured. */
export const DEBIAN_BUNDLE = { bytes: 219_597, certificates: 144 } as const;

/** Bytes per certificate of Debian's bundle (1,525): what a bundle too large to read is estimated with. */
export const BYTES_PER_CERTIFICATE = Math.round(DEBIAN_BUNDLE.bytes / DEBIAN_BUNDLE.certificates);

/**
 * "not found", or why the read policy did not read it. A cost finding says the same from the CLI and
 * the editor (the editors' end-to-end tests compare them): "outside what was opened" rather than what was
 * opened (the workspace folders, the command line's files), which the `access` finding names, with how to
 * allow it in that front end.
 */
export function notReadText(b: Pick<BundleInfo, "notRead" | "unread">): string {
  if (!b.notRead) {
    if (b.unread === "variable") return "named with a variable (known only at run time)";
    return b.unread === "missing" ? "not found" : "not readable here";
  }
  return b.notRead.reason === "outside" ? "not read (it is outside what was opened)" : `not read (${b.notRead.why})`;
}

/**
 * The system CA stores nginx may be pointed at (a file of the distribution's trust store, a hundred and
 * more roots): only these are assumed to be the system store when they cannot be read. Where each comes
 * from (the lists Go's crypto/x509 searches, root_linux.go and root_bsd.go, and the distributions' packages):
 */
export const SYSTEM_CA_STORES: ReadonlyMap<string, string> = new Map([
  // ca-certificates' update-ca-certificates (Debian, Ubuntu; also Gentoo, Arch, Alpine's ca-certificates).
  ["/etc/ssl/certs/ca-certificates.crt", "Debian, Ubuntu, Gentoo, Arch, Alpine"],
  // Debian's OPENSSLDIR is /usr/lib/ssl, whose certs/ and cert.pem link to the above (`openssl version -d`).
  ["/usr/lib/ssl/certs/ca-certificates.crt", "Debian, Ubuntu (OPENSSLDIR)"],
  ["/usr/lib/ssl/cert.pem", "Debian, Ubuntu (OPENSSLDIR)"],
  // ca-certificates' update-ca-trust (RHEL, CentOS, Fedora, Amazon Linux) and its compatibility links.
  ["/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "RHEL, CentOS, Fedora (update-ca-trust)"],
  ["/etc/pki/tls/certs/ca-bundle.crt", "RHEL, CentOS, Fedora"],
  ["/etc/pki/tls/cert.pem", "RHEL, CentOS, Fedora"],
  ["/etc/pki/tls/cacert.pem", "OpenELEC"],
  // openSUSE / SLES (ca-certificates' p11-kit extract).
  ["/etc/ssl/ca-bundle.pem", "openSUSE, SLES"],
  // Alpine (ca-certificates-bundle), OpenBSD and macOS (LibreSSL's cert.pem).
  ["/etc/ssl/cert.pem", "Alpine, OpenBSD, macOS"],
  // An older Red Hat-family location, still searched by tools that look for the system store.
  ["/etc/ssl/certs/ca-bundle.crt", "older Red Hat-family systems"],
  // FreeBSD (OpenSSL's default and the ca_root_nss port), DragonFly, NetBSD.
  ["/usr/local/etc/ssl/cert.pem", "FreeBSD"],
  ["/usr/local/share/certs/ca-root-nss.crt", "FreeBSD, DragonFly (ca_root_nss)"],
  ["/etc/openssl/certs/ca-certificates.crt", "NetBSD"],
  // Homebrew's OpenSSL on macOS.
  ["/usr/local/etc/openssl/cert.pem", "Homebrew (macOS)"],
]);

/** Whether nginx's path names a known system CA store (SYSTEM_CA_STORES). */
export function isSystemCaStore(nginxPath: string): boolean {
  return SYSTEM_CA_STORES.has(path.posix.normalize(nginxPath));
}

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
  /** What an unread system CA store is assumed to be (default: Debian's, as measured). */
  assumed?: { bytes: number; certificates: number };
}

export function readBundle(arg: string, options: BundleReadOptions): BundleInfo {
  const nginxPath = includeNginxPath(arg, options.confPrefix);
  const file = mapPath(nginxPath, options.mappings);
  const variable = /\$/.test(arg);
  const text = variable ? null : options.source.read(file, "bundle");
  const systemPath = isSystemCaStore(nginxPath);
  if (text === null) {
    const refusal = variable ? null : (options.source.refusal?.(file, "bundle") ?? null);
    // Not refused and not read: named with a variable, or nothing readable there ("not found" only when
    // nothing is: a directory or an unreadable file is "not readable here").
    const notRead: Pick<BundleInfo, "notRead" | "unread"> = refusal
      ? { notRead: refusal }
      : variable
        ? { unread: "variable" }
        : options.source.exists(file)
          ? {}
          : { unread: "missing" };
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
    if (systemPath) {
      // A system CA store: the deployed machine's is assumed to be like the one measured (Debian's), or
      // what the user says it is (nginxRisk.assumedBundle).
      const a = options.assumed ?? DEBIAN_BUNDLE;
      const debian = a.bytes === DEBIAN_BUNDLE.bytes && a.certificates === DEBIAN_BUNDLE.certificates;
      return {
        path: nginxPath,
        readFrom: null,
        bytes: a.bytes,
        certificates: a.certificates,
        assumed: true,
        assumedAs: debian
          ? "a system CA store: Debian's ca-certificates bundle, as measured"
          : "a system CA store: as the assumed bundle setting says",
        systemLike: true,
        ...notRead,
      };
    }
    // Anything else (a site's certificate or chain, a private CA): its size is not known, and not guessed.
    return {
      path: nginxPath,
      readFrom: null,
      bytes: null,
      certificates: null,
      assumed: false,
      systemLike: false,
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
