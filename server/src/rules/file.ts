// Rule `file`: the files `nginx -t` opens besides the configuration itself (includes are the workspace's:
// workspace/includes.ts), checked as nginx would open them, in nginx's words. docs/rules/file.md.
//
// Which files are opened, and when (nginx 1.22.1, release-1.22.1 tag; each confirmed with the real nginx -t,
// test/rules/file.test.ts):
// - while the directive is read (the error names its line): `ssl_password_file` and the `*_ssl_password_file`
//   of proxy/grpc/uwsgi and stream (ngx_ssl_read_password_file, src/event/ngx_event_openssl.c), `load_module`
//   (ngx_load_module, src/core/nginx.c: dlopen), `modsecurity_rules_file` (ModSecurity-nginx,
//   ngx_conf_set_rules_file: libmodsecurity loads the rules at once);
// - when a server's SSL context is made (ngx_http_ssl_merge_srv_conf, ngx_stream_ssl_merge_conf,
//   ngx_mail_ssl_merge_conf; no line): `ssl_certificate`/`ssl_certificate_key` unless one of them has a
//   variable (ngx_http_ssl_compile_certificates: then they are loaded per handshake), `ssl_client_certificate`
//   with `ssl_verify_client`, `ssl_trusted_certificate`, `ssl_crl` (stream and mail: both only with
//   verification), `ssl_dhparam`, `ssl_session_ticket_key`, `ssl_stapling_file` with `ssl_stapling on`;
//   which servers have a context is model/ssl-contexts.ts's (serverSslPlan, checked under strace);
// - when an upstream SSL context is made (ngx_http_proxy_set_ssl and its grpc/uwsgi/stream copies): the
//   `*_ssl_certificate`/`*_ssl_certificate_key` pair, and with `*_ssl_verify on` the trusted bundle and the CRL;
//   `lua_ssl_trusted_certificate` where lua-nginx-module makes its context (ngx_http_lua_set_ssl);
// - when the cycle opens its files (ngx_init_cycle, src/core/ngx_cycle.c, also under -t): `error_log` and
//   `access_log` files, created when missing — only a missing folder fails (`open() … (2: …)`), no line —
//   and the `*_temp_path` / `*_cache_path` folders, made with mkdir (ngx_create_paths).
// - the `pid` file: nginx -t creates it (empty: ngx_init_cycle calls ngx_create_pidfile under -t, which opens
//   without truncating and writes nothing), so its folder must exist.
// Not opened at -t: `auth_basic_user_file` (read per request),
// `root`/`alias`, `lua_package_path`, `ssl_certificate` with variables.
//
// Paths resolve as nginx resolves them: SSL files, `ssl_password_file` against the conf prefix
// (ngx_conf_full_name(…, 1)); `load_module`, logs and temp paths against the prefix (`-p`, compile-time
// --prefix: ngx_conf_full_name(…, 0)), which the workspace does not tell; ModSecurity against nginx's working
// directory. Then through the path mappings. A file is checked only where nginx would find what the workspace
// holds: a conf-prefix-relative name, or an absolute one under a mapping of the user's; a file there that is
// missing or bad is nginx's error. Anything else is "not checked" (severity info), never read — not even
// looked at when the read policy (workspace/access.ts) keeps it out.

import * as crypto from "crypto";
import * as path from "path";
import {
  effective,
  registerQuestion,
  sitesWhere,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../model";
import { Directive } from "../parse/ast";
import { costReport, serverTlsVersion } from "../cost/report";
import { serverSslPlan } from "../model/ssl-contexts";
import { refusalText } from "../workspace/access";
import { NodeFileSource, normalizePath, type FileSource } from "../workspace/files";
import type { Configuration } from "../workspace/configuration";
import { includeNginxPath } from "../workspace/includes";
import { mapPath, mappingFor } from "../workspace/paths";
import type { BlockFact, StatementCheck } from "./statement-checks";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "file";

/** What nginx does with the file, which decides what it says when it cannot. */
export type OpenKind =
  | "certificate"
  | "key"
  | "verify"
  | "crl"
  | "dhparam"
  | "ticket-key"
  | "stapling"
  | "password"
  | "module"
  | "log"
  | "folder"
  | "modsecurity";

/** What a name is relative to (ngx_conf_full_name's conf_prefix argument; ModSecurity: the working directory). */
type Base = "conf" | "prefix" | "cwd";

/**
 * The directives whose files nginx opens at -t: when (parse: as the directive is read; context: when an SSL
 * context is made; cycle: when the cycle opens its files), what the name is relative to, and which call
 * opens it. The table docs/rules/file.md prints. Sources: release-1.22.1.
 */
export const OPENED_FILES: readonly {
  directive: string;
  kind: OpenKind;
  base: Base;
  when: "parse" | "context" | "cycle";
  source: string;
}[] = [
  {
    directive: "ssl_certificate",
    kind: "certificate",
    base: "conf",
    when: "context",
    source: "ngx_ssl_load_certificate (event/ngx_event_openssl.c)",
  },
  {
    directive: "ssl_certificate_key",
    kind: "key",
    base: "conf",
    when: "context",
    source: "ngx_ssl_load_certificate_key (event/ngx_event_openssl.c)",
  },
  {
    directive: "ssl_client_certificate",
    kind: "verify",
    base: "conf",
    when: "context",
    source: "ngx_ssl_client_certificate (with ssl_verify_client)",
  },
  {
    directive: "ssl_trusted_certificate",
    kind: "verify",
    base: "conf",
    when: "context",
    source: "ngx_ssl_trusted_certificate",
  },
  { directive: "ssl_crl", kind: "crl", base: "conf", when: "context", source: "ngx_ssl_crl" },
  { directive: "ssl_dhparam", kind: "dhparam", base: "conf", when: "context", source: "ngx_ssl_dhparam" },
  {
    directive: "ssl_session_ticket_key",
    kind: "ticket-key",
    base: "conf",
    when: "context",
    source: "ngx_ssl_session_ticket_keys",
  },
  {
    directive: "ssl_stapling_file",
    kind: "stapling",
    base: "conf",
    when: "context",
    source: "ngx_ssl_stapling_file (event/ngx_event_openssl_stapling.c, with ssl_stapling on)",
  },
  {
    directive: "ssl_password_file",
    kind: "password",
    base: "conf",
    when: "parse",
    source: "ngx_ssl_read_password_file",
  },
  {
    directive: "proxy_ssl_certificate",
    kind: "certificate",
    base: "conf",
    when: "context",
    source: "ngx_http_proxy_set_ssl → ngx_ssl_certificate",
  },
  {
    directive: "proxy_ssl_certificate_key",
    kind: "key",
    base: "conf",
    when: "context",
    source: "ngx_http_proxy_set_ssl → ngx_ssl_certificate",
  },
  {
    directive: "proxy_ssl_trusted_certificate",
    kind: "verify",
    base: "conf",
    when: "context",
    source: "ngx_http_proxy_set_ssl (with proxy_ssl_verify on)",
  },
  {
    directive: "proxy_ssl_crl",
    kind: "crl",
    base: "conf",
    when: "context",
    source: "ngx_http_proxy_set_ssl (with proxy_ssl_verify on)",
  },
  {
    directive: "proxy_ssl_password_file",
    kind: "password",
    base: "conf",
    when: "parse",
    source: "ngx_http_proxy_ssl_password_file",
  },
  {
    directive: "lua_ssl_trusted_certificate",
    kind: "verify",
    base: "conf",
    when: "context",
    source: "ngx_http_lua_set_ssl (lua-nginx-module)",
  },
  { directive: "load_module", kind: "module", base: "prefix", when: "parse", source: "ngx_load_module (core/nginx.c)" },
  {
    directive: "error_log",
    kind: "log",
    base: "prefix",
    when: "cycle",
    source: "ngx_log_set_log → ngx_conf_open_file; opened in ngx_init_cycle",
  },
  {
    directive: "access_log",
    kind: "log",
    base: "prefix",
    when: "cycle",
    source: "ngx_http_log_set_log → ngx_conf_open_file; opened in ngx_init_cycle",
  },
  {
    directive: "client_body_temp_path",
    kind: "folder",
    base: "prefix",
    when: "cycle",
    source: "ngx_conf_set_path_slot; ngx_create_paths in ngx_init_cycle",
  },
  {
    directive: "proxy_cache_path",
    kind: "folder",
    base: "prefix",
    when: "cycle",
    source: "ngx_http_file_cache_set_slot; ngx_create_paths",
  },
  {
    directive: "modsecurity_rules_file",
    kind: "modsecurity",
    base: "cwd",
    when: "parse",
    source: "ngx_conf_set_rules_file (ModSecurity-nginx)",
  },
];

/** Folders nginx makes at -t (ngx_create_paths), named by the first argument. */
const FOLDER_DIRECTIVES = [
  "client_body_temp_path",
  "proxy_temp_path",
  "fastcgi_temp_path",
  "uwsgi_temp_path",
  "scgi_temp_path",
  "proxy_cache_path",
  "fastcgi_cache_path",
  "uwsgi_cache_path",
  "scgi_cache_path",
];

const PASSWORD_DIRECTIVES = [
  "ssl_password_file",
  "proxy_ssl_password_file",
  "grpc_ssl_password_file",
  "uwsgi_ssl_password_file",
];

/**
 * The directives whose files are opened as they are read, wherever they stand: few, the model is asked for
 * them (one question).
 */
const PARSE_TIME: ReadonlySet<string> = new Set([...PASSWORD_DIRECTIVES, "load_module", "modsecurity_rules_file"]);

/**
 * The directives whose files the cycle opens or makes, wherever they stand: common (a log per location), read
 * by the statement check (`fileCheck`) and judged after the walk.
 */
const CYCLE_KINDS: ReadonlyMap<string, "log" | "folder"> = new Map<string, "log" | "folder">([
  ["error_log", "log"],
  ["access_log", "log"],
  ["pid", "log"],
  ...FOLDER_DIRECTIVES.map((n): [string, "folder"] => [n, "folder"]),
]);

/** Kinds whose files are not said to be "not checked" when they are not in the workspace. */
const QUIET_OUTSIDE: ReadonlySet<OpenKind> = new Set<OpenKind>(["log", "folder", "module"]);

/** OpenSSL 3's words for a file fopen() did not find (the suffix nginx's ngx_ssl_error adds). */
function noSuchFile(p: string, mode = "r", x509 = false): string {
  return (
    `(SSL: error:80000002:system library::No such file or directory:calling fopen(${p}, ${mode}) ` +
    `error:10000080:BIO routines::no such file${x509 ? " error:05880002:x509 certificate routines::system lib" : ""})`
  );
}

const NO_CERT_OR_CRL = "(SSL: error:05800088:x509 certificate routines::no certificate or crl found)";

/** nginx's message for a file of `kind` that is not there. */
function missingMessage(kind: OpenKind, p: string, arg: string): string {
  switch (kind) {
    case "certificate":
      return `cannot load certificate "${p}": BIO_new_file() failed ${noSuchFile(p)}`;
    case "key":
      return `cannot load certificate key "${p}": BIO_new_file() failed ${noSuchFile(p)}`;
    case "verify":
      return `SSL_CTX_load_verify_locations("${p}") failed ${noSuchFile(p, "r", true)}`;
    case "crl":
      return `X509_LOOKUP_load_file("${p}") failed ${noSuchFile(p, "r", true)}`;
    case "dhparam":
      return `BIO_new_file("${p}") failed ${noSuchFile(p)}`;
    case "stapling":
      return `BIO_new_file("${p}") failed ${noSuchFile(p, "rb")}`;
    case "module":
      return `dlopen() "${p}" failed (${p}: cannot open shared object file: No such file or directory)`;
    case "folder":
      return `mkdir() "${p}" failed (2: No such file or directory)`;
    case "modsecurity":
      return `"modsecurity_rules_file" directive Failed to open the file: ${arg}`;
    default:
      return `open() "${p}" failed (2: No such file or directory)`;
  }
}

/** PEM blocks OpenSSL's PEM_read_bio_X509_AUX accepts as a certificate. */
const CERT_PEM = /-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----/;
const KEY_PEM = /-----BEGIN (?:(?:RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY-----/;
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;

/** The first `-----BEGIN CERTIFICATE-----` block, for node's parser (null: none in that form). */
function firstCertificate(text: string): string | null {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(text);
  return m ? m[0] : null;
}

/** What is wrong with the content of a file of `kind` as nginx would say it, or null (fine, or not judged). */
function contentMessage(kind: OpenKind, p: string, text: string): string | null {
  switch (kind) {
    case "certificate": {
      const bad = `cannot load certificate "${p}": PEM_read_bio_X509_AUX() failed`;
      if (!CERT_PEM.test(text))
        return `${bad} (SSL: error:0480006C:PEM routines::no start line:Expecting: TRUSTED CERTIFICATE)`;
      const first = firstCertificate(text);
      if (first !== null && text.indexOf(first) === text.search(CERT_PEM)) {
        try {
          new crypto.X509Certificate(first);
        } catch {
          return bad;
        }
      }
      return null;
    }
    case "key": {
      const bad = `cannot load certificate key "${p}": PEM_read_bio_PrivateKey() failed`;
      if (!KEY_PEM.test(text))
        return `${bad} (SSL: error:1E08010C:DECODER routines::unsupported:No supported data to decode. Input type: PEM)`;
      if (!ENCRYPTED_KEY.test(text) && privateKey(text) === null) return bad;
      return null;
    }
    case "verify":
      return CERT_PEM.test(text) || /-----BEGIN X509 CRL-----/.test(text)
        ? null
        : `SSL_CTX_load_verify_locations("${p}") failed ${NO_CERT_OR_CRL}`;
    case "crl":
      return CERT_PEM.test(text) || /-----BEGIN X509 CRL-----/.test(text)
        ? null
        : `X509_LOOKUP_load_file("${p}") failed ${NO_CERT_OR_CRL}`;
    case "dhparam":
      return /-----BEGIN (?:X9\.42 )?DH PARAMETERS-----/.test(text)
        ? null
        : `PEM_read_bio_DHparams("${p}") failed (SSL: error:0480006C:PEM routines::no start line:Expecting: DH PARAMETERS)`;
    case "ticket-key": {
      // The size in bytes is known from the text only when it is ASCII (a key is 48 or 80 random bytes).
      // eslint-disable-next-line no-control-regex
      if (!/^[\x00-\x7f]*$/.test(text)) return null;
      return text.length === 48 || text.length === 80 ? null : `"${p}" must be 48 or 80 bytes`;
    }
    case "stapling":
      // A DER OCSP response is an ASN.1 SEQUENCE: its first byte is 0x30.
      return text.length > 0 && text.charCodeAt(0) === 0x30 ? null : `d2i_OCSP_RESPONSE_bio("${p}") failed`;
    case "module":
      return text.startsWith("\x7fELF") ? null : `dlopen() "${p}" failed (${p}: invalid ELF header)`;
    default:
      return null;
  }
}

function privateKey(text: string): crypto.KeyObject | null {
  try {
    return crypto.createPrivateKey(text);
  } catch {
    return null;
  }
}

/**
 * The size in bits of the prime of `-----BEGIN DH PARAMETERS-----` (PKCS#3: SEQUENCE { INTEGER p, INTEGER g })
 * or `X9.42 DH PARAMETERS` (SEQUENCE { p, g, q, … }: p first too), or null when it does not read so.
 */
export function dhPrimeBits(text: string): number | null {
  const m = /-----BEGIN (?:X9\.42 )?DH PARAMETERS-----([\s\S]*?)-----END (?:X9\.42 )?DH PARAMETERS-----/.exec(text);
  if (!m) return null;
  const der = Buffer.from(m[1].replace(/\s+/g, ""), "base64");
  let i = 0;
  const length = (): number | null => {
    const first = der[i++];
    if (first === undefined) return null;
    if (first < 0x80) return first;
    let n = 0;
    for (let k = first & 0x7f; k > 0; k--) n = n * 256 + (der[i++] ?? 0);
    return n;
  };
  if (der[i++] !== 0x30 || length() === null || der[i++] !== 0x02) return null;
  let n = length();
  if (n === null || i + n > der.length) return null;
  while (n > 0 && der[i] === 0) {
    i++;
    n--;
  }
  if (n === 0) return 0;
  return (n - 1) * 8 + (32 - Math.clz32(der[i]));
}

/**
 * The smallest DH prime OpenSSL accepts at the security level of the effective `ssl_ciphers` (`@SECLEVEL=n`;
 * default 2 on Debian, Ubuntu and RHEL builds of OpenSSL 1.1.1 and 3): SSL_CTX_set_tmp_dh refuses a smaller
 * one ("dh key too small"). 0: no limit known.
 */
function dhMinimumBits(owner: ConfigContext, top: ConfigContext["kind"]): number {
  const ciphers = sitesIn(owner, "ssl_ciphers", top).slice(-1)[0]?.directive.argValue(0) ?? "";
  const level = /@SECLEVEL=(\d)/i.exec(ciphers);
  const n = level ? Number(level[1]) : 2;
  return [0, 1024, 2048, 3072, 7680, 15360][n] ?? 0;
}

/** How a path stands: read (with its text), a folder, missing, or not checked (and why). */
type Status =
  | { kind: "read"; text: string; file: string }
  | { kind: "folder"; file: string }
  | { kind: "missing"; file: string }
  | { kind: "not-checked"; why: string; refused?: boolean };

/** A finding of the rule before it is placed (none names other places). */
type FileFinding = Pick<Finding, "code" | "severity" | "message" | "data">;

interface Ctx {
  config: Configuration;
  source: FileSource;
  /** Makes the finding (a Finding of the model rule, a seed of the statement check). */
  emit: (d: Directive, path: string, argIndex: number, finding: FileFinding) => void;
  /** Positions already reported, with the check: a file included twice is reported once per position. */
  seen: Set<string>;
  /** Status per path and what is looked at (file, parent folder), within one run. */
  statuses: Map<string, Status>;
  /** Paths said to be not checked (once per path). */
  notChecked: Set<string>;
}

/** The nginx path of `arg` against `base`, or null when nginx's base is not known here. */
function nginxPathOf(arg: string, base: Base, confPrefix: string): string | null {
  if (arg.startsWith("/")) return arg;
  if (base === "conf") return includeNginxPath(arg, confPrefix);
  return null;
}

/**
 * Where `nginxPath` is in the workspace, and whether a missing file there is nginx's error: a conf-prefix
 * name (the workspace is the conf prefix), or an absolute name under a mapping of the user's. Else the
 * server's, not ours to tell (the default /etc/nginx mapping and inferred ones hold the configuration, not
 * necessarily its certificates).
 */
function statusOf(c: Ctx, arg: string, nginxPath: string, look: Look): Status {
  const key = `${look}\0${nginxPath}`;
  const known = c.statuses.get(key);
  if (known) return known;
  const status = computeStatus(c, arg, nginxPath, look);
  c.statuses.set(key, status);
  return status;
}

/** What is looked at: the file (read), its parent folder, or whether anything is there (not read: a log file). */
type Look = "file" | "parent" | "present";

function computeStatus(c: Ctx, arg: string, nginxPath: string, look: Look): Status {
  const mappings = c.config.mappings;
  const mapping = mappingFor(nginxPath, mappings);
  const ours = !arg.startsWith("/") || (mapping !== null && mapping.origin === undefined);
  const target = normalizePath(mapPath(nginxPath, mappings));
  // An absolute name no mapping covers is the server's: not looked at on this machine at all.
  if (mapping === null && arg.startsWith("/")) return notInWorkspace(nginxPath, target);
  const file = look === "parent" ? path.posix.dirname(target) : target;
  const refused = c.source.refusal?.(file, "bundle");
  if (refused) return { kind: "not-checked", why: refusalText(nginxPath, refused), refused: true };
  if (look === "present") return c.source.exists(file) ? { kind: "folder", file } : { kind: "missing", file };
  if (look === "parent") {
    if (c.source.isDirectory(file)) return { kind: "folder", file };
    return ours && !c.source.exists(file) ? { kind: "missing", file } : notInWorkspace(nginxPath, target);
  }
  if (c.source.isDirectory(file)) return { kind: "folder", file };
  const text = c.source.read(file, "bundle");
  if (text !== null) return { kind: "read", text, file };
  if (!c.source.exists(file)) return ours ? { kind: "missing", file } : notInWorkspace(nginxPath, target);
  return { kind: "not-checked", why: `"${nginxPath}" cannot be read here` };
}

function notInWorkspace(nginxPath: string, target: string): Status {
  const looked = target === nginxPath ? "" : ` (looked for ${target})`;
  return {
    kind: "not-checked",
    why:
      `"${nginxPath}" is not in the workspace${looked}; nginx opens it on the server. To check it, map the ` +
      `folder that holds it (nginxRisk.pathMappings, --map FROM=TO)`,
  };
}

function report(c: Ctx, site: DirectiveSite, argIndex: number, finding: FileFinding): void {
  reportAt(c, site.directive, site.file.path, argIndex, finding);
}

function reportAt(c: Ctx, d: Directive, path: string, argIndex: number, finding: FileFinding): void {
  const key = `${path}\0${d.startOffset}\0${finding.code}\0${argIndex}`;
  if (c.seen.has(key)) return;
  c.seen.add(key);
  c.emit(d, path, argIndex, finding);
}

/** Checks one file nginx opens; returns its text when it was read and judged fine (for the key pair check). */
function check(c: Ctx, site: DirectiveSite, kind: OpenKind, base: Base, argIndex = 0): string | null {
  const d = site.directive;
  const arg = d.argValue(argIndex);
  if (arg === undefined || arg === "" || arg.includes("$")) return null;
  if ((kind === "certificate" || kind === "key") && /^(data|engine):/.test(arg)) return null;
  const nginxPath = nginxPathOf(arg, base, c.config.confPrefix);
  if (nginxPath === null) {
    const why =
      base === "cwd"
        ? `"${arg}" is relative to nginx's working directory, which the configuration does not tell`
        : `"${arg}" is relative to nginx's prefix (-p, or --prefix when nginx was built), which the configuration does not tell`;
    if (!QUIET_OUTSIDE.has(kind)) notChecked(c, site, argIndex, arg, why, d.name);
    return null;
  }
  const st = statusOf(c, arg, nginxPath, "file");
  const data = { path: nginxPath, directive: d.name, kind };
  if (st.kind === "not-checked") {
    // Modules are the server's (/usr/lib/nginx/modules): outside the workspace is their normal place — not
    // said. A CA bundle not read is said by rule access already (rules/access.ts: the cost estimate reads
    // every CA bundle and says which it could not), at the same place.
    if (!QUIET_OUTSIDE.has(kind) && kind !== "verify") notChecked(c, site, argIndex, nginxPath, st.why, d.name);
    return null;
  }
  if (st.kind === "missing") {
    report(c, site, argIndex, {
      code: "missing",
      severity: "error",
      message: missingMessage(kind, nginxPath, arg),
      data: { ...data, lookedFor: st.file },
    });
    return null;
  }
  if (st.kind === "folder") {
    if (kind === "module") return null; // dlopen of a folder: not judged
    report(c, site, argIndex, {
      code: "is-directory",
      severity: "error",
      message: isDirectoryMessage(kind, nginxPath, arg),
      data,
    });
    return null;
  }
  if (st.kind !== "read") return null;
  const bad = contentMessage(kind, nginxPath, st.text);
  if (bad !== null) {
    report(c, site, argIndex, { code: "bad-content", severity: "error", message: bad, data });
    return null;
  }
  return st.text;
}

/** A log file or a folder nginx makes, absolute (a relative one is the prefix's, not known: never said). */
interface CycleOutcome {
  nginxPath: string;
  message: string;
  lookedFor: string;
}

/**
 * What nginx -t says of a log file (or the pid file) or a folder it makes at `arg`, an absolute name: null
 * when it opens or makes it, or when that is not ours to tell. A log file is created when missing, a folder
 * made (mkdir's EEXIST is fine): what is there already is not read (a log may be large); else the parent
 * folder must exist. Logs, the pid file and temp folders are the server's (/var/log/nginx): outside the
 * workspace is their normal place, and nothing of the user's is in them — "not checked" is not said.
 */
function cycleOutcome(c: Ctx, kind: "log" | "folder", arg: string): CycleOutcome | null {
  const nginxPath = arg;
  if (statusOf(c, arg, nginxPath, "present").kind === "folder") return null;
  const st = statusOf(c, arg, nginxPath, "parent");
  if (st.kind !== "missing") return null;
  // A log or temp folder whose parent is missing too: the workspace does not hold that tree at all (logs and
  // runtime folders are rarely in a repository, `/config/log/nginx` of a container volume) — not said.
  if (!c.source.isDirectory(path.posix.dirname(st.file))) return null;
  return { nginxPath, message: missingMessage(kind, nginxPath, arg), lookedFor: st.file };
}

function isDirectoryMessage(kind: OpenKind, p: string, arg: string): string {
  // A folder opens, and the first read fails with EISDIR: nginx names the call that read.
  switch (kind) {
    case "certificate":
      return `cannot load certificate "${p}": PEM_read_bio_X509_AUX() failed`;
    case "key":
      return `cannot load certificate key "${p}": PEM_read_bio_PrivateKey() failed`;
    case "verify":
      return `SSL_CTX_load_verify_locations("${p}") failed`;
    case "crl":
      return `X509_LOOKUP_load_file("${p}") failed`;
    case "dhparam":
      return `PEM_read_bio_DHparams("${p}") failed`;
    case "stapling":
      return `d2i_OCSP_RESPONSE_bio("${p}") failed`;
    case "modsecurity":
      return `"modsecurity_rules_file" directive Failed to open the file: ${arg}`;
    default:
      return `read() "${p}" failed (21: Is a directory)`;
  }
}

function notChecked(c: Ctx, site: DirectiveSite, argIndex: number, name: string, why: string, directive: string): void {
  if (c.notChecked.has(name)) return;
  c.notChecked.add(name);
  report(c, site, argIndex, {
    code: "not-checked",
    severity: "info",
    message: `not checked: ${why}`,
    data: { path: name, directive },
  });
}

/** The effective sites of `name` in `ctx` (the nearest level that sets it), up to `stopAt`. */
function sitesIn(ctx: ConfigContext, name: string, stopAt: ConfigContext["kind"]): readonly DirectiveSite[] {
  return effective(ctx, name, stopAt)?.sites ?? [];
}

function isOnIn(ctx: ConfigContext, name: string, stopAt: ConfigContext["kind"]): boolean {
  const s = sitesIn(ctx, name, stopAt);
  return s.length > 0 && s[s.length - 1].directive.argValue(0)?.toLowerCase() === "on";
}

/** The certificate/key pairs of an SSL context: each opened unless one of them is named with a variable. */
function checkPairs(c: Ctx, owner: ConfigContext, prefix: string, stopAt: ConfigContext["kind"]): void {
  const certs = sitesIn(owner, `${prefix}ssl_certificate`, stopAt);
  const keys = sitesIn(owner, `${prefix}ssl_certificate_key`, stopAt);
  if (certs.length === 0 || keys.length < certs.length) return; // nginx's "no … key is defined": not ours
  const named = [...certs, ...keys].map((s) => s.directive.argValue(0) ?? "");
  if (named.some((v) => v.includes("$"))) return;
  for (let i = 0; i < certs.length; i++) {
    const certText = check(c, certs[i], "certificate", "conf");
    const keyText = check(c, keys[i], "key", "conf");
    if (certText === null || keyText === null || ENCRYPTED_KEY.test(keyText)) continue;
    const first = firstCertificate(certText);
    const key = privateKey(keyText);
    if (first === null || key === null) continue;
    let matches: boolean;
    try {
      matches = new crypto.X509Certificate(first).checkPrivateKey(key);
    } catch {
      continue;
    }
    if (!matches) {
      const p = nginxPathOf(keys[i].directive.argValue(0) ?? "", "conf", c.config.confPrefix) ?? "";
      report(c, keys[i], 0, {
        code: "key-mismatch",
        severity: "error",
        message: `SSL_CTX_use_PrivateKey("${p}") failed (SSL: error:05800074:x509 certificate routines::key values mismatch)`,
        data: { path: p, directive: keys[i].directive.name, kind: "key" },
      });
    }
  }
}

const TOP: Partial<Record<ConfigContext["kind"], ConfigContext["kind"]>> = {
  server: "http",
  "stream-server": "stream",
  "mail-server": "mail",
};

function newCtx(config: Configuration, options: RuleOptions, emit: Ctx["emit"]): Ctx {
  return {
    config,
    source: options.source ?? new NodeFileSource(),
    emit,
    seen: new Set(),
    statuses: new Map(),
    notChecked: new Set(),
  };
}

/**
 * The files opened as the directives are read and where SSL contexts are made: a model rule (an SSL context
 * is the effective configuration's). Logs and folders are `fileCheck`'s.
 */
export function fileFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const findings: Finding[] = [];
  const c = newCtx(model.config, options, (d, path, argIndex, finding) => {
    const range = d.args[argIndex]?.range ?? d.nameWord.range;
    findings.push({ ruleId: RULE_ID, path, range, ...finding });
  });

  // The directives read wherever they stand: one question to the model for their rare names (its walk skips
  // the blocks that cannot hold them, remembered per block across keystrokes).
  const byName = new Map<string, DirectiveSite[]>();
  for (const s of sitesWhere(model, "rule:file", FILE_QUESTION)) {
    const list = byName.get(s.directive.name);
    if (list) list.push(s);
    else byName.set(s.directive.name, [s]);
  }
  const sitesOf = (name: string): readonly DirectiveSite[] => byName.get(name) ?? [];

  // Parse time: every site, whatever surrounds it.
  for (const name of PASSWORD_DIRECTIVES) for (const s of sitesOf(name)) check(c, s, "password", "conf");
  for (const s of sitesOf("load_module")) check(c, s, "module", "prefix");
  for (const s of sitesOf("modsecurity_rules_file")) check(c, s, "modsecurity", "cwd");

  // Server SSL contexts (http, stream, mail): the servers serverSslPlan says have one.
  const tls = serverTlsVersion(options.nginxVersion ?? null);
  const report_ = costReport(model, options);
  const owners = serverSslPlan(model, "ssl_trusted_certificate", tls).contexts.map((x) => x.owner);
  for (const owner of owners) {
    const top = TOP[owner.kind];
    if (top === undefined) continue;
    checkPairs(c, owner, "", top);
    const verifies = ["on", "optional", "optional_no_ca"].includes(
      sitesIn(owner, "ssl_verify_client", top).slice(-1)[0]?.directive.argValue(0)?.toLowerCase() ?? "off",
    );
    // http reads the CRL into every context; stream and mail only with client verification.
    if (top === "http" || verifies)
      for (const s of sitesIn(owner, "ssl_crl", top).slice(-1)) check(c, s, "crl", "conf");
    for (const s of sitesIn(owner, "ssl_dhparam", top).slice(-1)) {
      const text = check(c, s, "dhparam", "conf");
      const bits = text === null ? null : dhPrimeBits(text);
      if (bits !== null && bits < dhMinimumBits(owner, top)) {
        const p = nginxPathOf(s.directive.argValue(0) ?? "", "conf", model.config.confPrefix) ?? "";
        report(c, s, 0, {
          code: "bad-content",
          severity: "error",
          message: `SSL_CTX_set_tmp_dh("${p}") failed (SSL: error:0A00018A:SSL routines::dh key too small)`,
          data: { path: p, directive: "ssl_dhparam", kind: "dhparam", bits },
        });
      }
    }
    for (const s of sitesIn(owner, "ssl_session_ticket_key", top)) check(c, s, "ticket-key", "conf");
    if (top === "http" && isOnIn(owner, "ssl_stapling", top))
      for (const s of sitesIn(owner, "ssl_stapling_file", top).slice(-1)) check(c, s, "stapling", "conf");
  }
  // Upstream SSL contexts, and every CA bundle some context loads (cost/report.ts: the plans checked under strace).
  for (const source of report_.sources) {
    for (const load of source.plan.loads) if (load.bundle) check(c, load.bundle, "verify", "conf");
    const m = source.module;
    if (m !== "proxy" && m !== "grpc" && m !== "uwsgi" && m !== "stream-proxy") continue;
    const prefix = m === "stream-proxy" ? "proxy_" : `${m}_`;
    const top = m === "stream-proxy" ? "stream" : "http";
    for (const ctx of source.plan.contexts) {
      checkPairs(c, ctx.owner, prefix, top);
      if (isOnIn(ctx.owner, `${prefix}ssl_verify`, top))
        for (const s of sitesIn(ctx.owner, `${prefix}ssl_crl`, top).slice(-1)) check(c, s, "crl", "conf");
    }
  }

  return findings;
}

/**
 * A log, pid or temp-folder statement naming an absolute path, as `collect` keeps it. Compacted per kept
 * block (`compact`): one fact per kind and name, `sites` the statements that name it (or the compacted facts
 * of the blocks below, which hold theirs), in reading order; null: the fact's own statement alone.
 */
interface CycleFact {
  kind: "log" | "folder";
  arg: string;
  sites: readonly (Directive | CycleFact)[] | null;
}

/** Calls `visit` with each statement of `v` (its own, `d`, when not compacted), in reading order. */
function forEachSite(v: CycleFact, d: Directive, visit: (d: Directive) => void): void {
  if (v.sites === null) {
    visit(d);
    return;
  }
  // An explicit stack: compacted facts nest as deep as blocks do.
  const stack: { sites: readonly (Directive | CycleFact)[]; i: number }[] = [{ sites: v.sites, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i >= top.sites.length) {
      stack.pop();
      continue;
    }
    const m = top.sites[top.i++];
    if (m instanceof Directive) visit(m);
    else if (m.sites !== null) stack.push({ sites: m.sites, i: 0 });
  }
}

/**
 * The files the cycle opens or makes (ngx_init_cycle, also under -t): log files, created when missing (only
 * their folder must exist), the pid file, and the folders nginx makes (ngx_create_paths). A check of each
 * statement: a log per location is common (large-config ×10: 25,000 `error_log /dev/null`), and whether its
 * folder exists can change without an edit of the configuration, so nothing of the file system is kept:
 * `collect` keeps the names (one fact per name and kept block), `resolve` looks at the files on every
 * analysis, once per name.
 */
export const fileCheck: StatementCheck = {
  wantsWithin: true,
  ruleId: RULE_ID,
  collect(d, _context, _parents, _options, facts) {
    const kind = CYCLE_KINDS.get(d.name);
    if (kind === undefined) return;
    const arg = d.argValue(0) ?? "";
    if (kind === "log" && (arg === "off" || arg === "stderr" || /^(syslog|memory):/.test(arg))) return;
    // A relative name is nginx's prefix's (-p, --prefix), which the configuration does not tell: not said.
    if (arg === "" || arg.includes("$") || !arg.startsWith("/")) return;
    facts.push({ kind, arg, sites: null } satisfies CycleFact);
  },
  compact(facts) {
    const out: BlockFact[] = [];
    const groups = new Map<string, (Directive | CycleFact)[]>();
    for (const f of facts) {
      const v = f.value as CycleFact;
      const key = `${v.kind}\0${v.arg}`;
      let sites = groups.get(key);
      if (sites === undefined) {
        groups.set(key, (sites = []));
        out.push({
          value: { kind: v.kind, arg: v.arg, sites } satisfies CycleFact,
          d: f.d,
          outermost: f.outermost,
          within: f.within,
        });
      }
      sites.push(v.sites === null ? f.d : v);
    }
    return out;
  },
  resolve(facts, options, out, config) {
    const c = newCtx(config, options, (d, path, word, finding) =>
      out.push({ ruleId: RULE_ID, d, path, word, ...finding }),
    );
    const outcomes = new Map<string, CycleOutcome | null>();
    for (const f of facts) {
      const v = f.value as CycleFact;
      const key = `${v.kind}\0${v.arg}`;
      let o = outcomes.get(key);
      if (o === undefined) outcomes.set(key, (o = cycleOutcome(c, v.kind, v.arg)));
      if (o === null) continue;
      const { nginxPath, message, lookedFor } = o;
      forEachSite(v, f.d, (d) =>
        reportAt(c, d, f.path, 0, {
          code: "missing",
          severity: "error",
          message,
          data: { path: nginxPath, directive: d.name, kind: v.kind, lookedFor },
        }),
      );
    }
  },
};

/** The rule's question, known from the start (model/index.ts registerQuestion). */
const FILE_QUESTION = registerQuestion("rule:file", (n) => PARSE_TIME.has(n));
