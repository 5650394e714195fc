// The security and best-practice rules (issue 15) and the peers' names for the same check, so that users
// migrating from gixy (yandex/gixy and its forks gixy-ng, Gixy-Next) or nginx-lint (walf443/nginx-lint) find
// them: a rule that does the job of a gixy plugin is named after it in kebab-case (`add_header_redefinition`
// → `add-header-redefinition`); one that does the job of an nginx-lint rule only keeps nginx-lint's name.
// docs/rules/README.md lists the mapping (a test compares it with this table), and the fixture tests run
// each peer's fixtures against the rule named here.

import type { Severity } from "./types";

export interface CatalogueEntry {
  /** The rule id (docs/rules/<id>.md). */
  id: string;
  /** One line: what the rule reports (SARIF's shortDescription, the docs index). */
  title: string;
  /** The severity of its findings unless configured otherwise. */
  severity: Severity;
  /** gixy's plugin name (any fork), when the rule does that plugin's job. */
  gixy?: string;
  /** nginx-lint's rule names whose job the rule does. */
  nginxLint?: string[];
  /**
   * False for a rule that reports a matter of taste on most configurations (a setting left at nginx's
   * default: gzip off, no client_max_body_size): it reports only once the configuration gives it a level.
   */
  enabled?: false;
}

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: "quic-bpf-reuseport",
    title: "quic_bpf with a QUIC reuseport listen loses new HTTP/3 connections after reloads",
    severity: "warning",
    gixy: "quic_bpf_reuseport",
  },
  {
    id: "quic-bpf-limits",
    title: "quic_bpf loads an eBPF program at start and reload: capabilities and RLIMIT_MEMLOCK decide if it can",
    severity: "warning",
  },
  // Rules of issue 14 whose job nginx-lint's syntax checks do.
  {
    id: "duplicate",
    title: "something written twice that `nginx -t` refuses",
    severity: "error",
    nginxLint: ["duplicate_directive"],
  },
  {
    id: "directive",
    title: "a statement nginx would refuse before running it",
    severity: "error",
    nginxLint: ["invalid_directive_context"],
  },
  // Main level.
  {
    id: "worker-rlimit-nofile-vs-connections",
    title: "worker_rlimit_nofile below twice worker_connections: workers run out of file descriptors",
    severity: "warning",
    gixy: "worker_rlimit_nofile_vs_connections",
  },
  {
    id: "missing-worker-processes",
    title: "worker_processes not set: one worker process, one CPU core",
    severity: "info",
    gixy: "missing_worker_processes",
    enabled: false,
  },
  {
    id: "error-log-off",
    title: "error_log off writes to a file named off",
    severity: "warning",
    gixy: "error_log_off",
  },
  {
    id: "missing-error-log",
    title: "No error_log anywhere: errors go where the binary was built to",
    severity: "info",
    nginxLint: ["missing_error_log"],
    enabled: false,
  },
  // http.
  {
    id: "version-disclosure",
    title: "server_tokens in effect discloses the nginx version",
    severity: "warning",
    gixy: "version_disclosure",
    nginxLint: ["server_tokens_enabled"],
  },
  {
    id: "client-max-body-size-not-set",
    title: "client_max_body_size set nowhere: request bodies over 1 MiB get 413",
    severity: "info",
    nginxLint: ["client_max_body_size_not_set"],
    enabled: false,
  },
  {
    id: "gzip-not-enabled",
    title: "gzip turned on nowhere in an http block",
    severity: "info",
    nginxLint: ["gzip_not_enabled"],
    enabled: false,
  },
  {
    id: "nginx-rift",
    title: "a redirecting rewrite with ? and an unnamed capture: CVE-2026-9256 heap overflow",
    severity: "warning",
    nginxLint: ["nginx_rift"],
  },
  // TLS.
  {
    id: "weak-ssl-ciphers",
    title: "ssl_ciphers in effect enables weak cipher suites",
    severity: "warning",
    nginxLint: ["weak_ssl_ciphers"],
  },
  {
    id: "deprecated-ssl-protocol",
    title: "ssl_protocols in effect enables SSLv2, SSLv3, TLSv1 or TLSv1.1",
    severity: "warning",
    nginxLint: ["deprecated_ssl_protocol"],
  },
  {
    id: "ssl-ecdh-curve",
    title: "Post-quantum ssl_ecdh_curve groups the deployed OpenSSL does not know: nginx fails to start",
    severity: "warning",
    gixy: "ssl_ecdh_curve",
  },
  {
    id: "http2-misdirected-request",
    title: "Default TLS server rejecting handshakes with HTTP/2 but no return 421",
    severity: "warning",
    gixy: "http2_misdirected_request",
  },
  // Deprecations.
  {
    id: "ssl-on-deprecated",
    title: "The ssl directive, deprecated since 1.15.0 and removed in 1.25.1",
    severity: "warning",
    nginxLint: ["ssl_on_deprecated"],
  },
  {
    id: "listen-http2-deprecated",
    title: "listen … http2, deprecated since 1.25.1",
    severity: "warning",
    nginxLint: ["listen_http2_deprecated"],
  },
  // Access control and location handling.
  {
    id: "alias-traversal",
    title: "alias glues the rest of the URI onto a path where location and alias do not end alike",
    severity: "warning",
    gixy: "alias_traversal",
    nginxLint: ["alias_location_slash_mismatch"],
  },
  {
    id: "allow-without-deny",
    title: "allow without any deny in the access list in effect: everyone is let in",
    severity: "warning",
    gixy: "allow_without_deny",
  },
  {
    id: "return-with-allow-deny",
    title: "return or a redirect answers before the allow/deny in effect are checked",
    severity: "warning",
    gixy: "return_with_allow_deny",
  },
  {
    id: "if-is-evil",
    title: "if in a location does more than end the request",
    severity: "info",
    gixy: "if_is_evil",
    nginxLint: ["if_is_evil_in_location"],
  },
  {
    id: "try-files-is-evil-too",
    title: "try_files looks up files with no open_file_cache in effect",
    severity: "info",
    gixy: "try_files_is_evil_too",
  },
  {
    id: "filesystem-root-exposure",
    title: "root or alias serves the file system's root",
    severity: "warning",
    gixy: "filesystem_root_exposure",
  },
  {
    id: "status-page-exposed",
    title: "status page reachable by anyone: no deny or authentication in effect",
    severity: "warning",
    gixy: "status_page_exposed",
  },
  {
    id: "default-server-flag",
    title: "several servers share a listen socket and none is default_server",
    severity: "info",
    gixy: "default_server_flag",
  },
  {
    id: "root-in-location",
    title: "root set inside a location instead of the server",
    severity: "info",
    nginxLint: ["root_in_location"],
  },
  {
    id: "unreachable-location",
    title: "regex location that no request can reach",
    severity: "warning",
    nginxLint: ["unreachable_location"],
  },
  {
    id: "autoindex-enabled",
    title: "autoindex on lists folder contents",
    severity: "warning",
    nginxLint: ["autoindex_enabled"],
  },
  {
    id: "unanchored-regex",
    title: "a regex location ends with a file extension but not with $, so it matches other files too",
    severity: "info",
    gixy: "unanchored_regex",
  },
  {
    id: "invalid-regex",
    title: "a $1..$9 refers to a capture its regex does not have (or did not set), so it is empty or stale",
    severity: "warning",
    gixy: "invalid_regex",
  },
  {
    id: "hash-without-default",
    title: "a map or geo block has no default, so unlisted requests silently get an empty value",
    severity: "warning",
    gixy: "hash_without_default",
    nginxLint: ["map_missing_default"],
  },
  {
    id: "overlapping-captures",
    title: "a rewrite escapes two nested captures into a buffer sized for them raw (CVE-2026-9256)",
    severity: "warning",
    gixy: "overlapping_captures",
  },
  {
    id: "unnamed-groups",
    title: "a rewrite with arguments is followed by a set, if or rewrite reading $1..$9 (CVE-2026-42945)",
    severity: "warning",
    gixy: "unnamed_groups",
    nginxLint: ["nginx_rift"],
  },
  {
    id: "map-unnamed-capture",
    title:
      "an http map regex has an unnamed capture, which a cloned subrequest can turn into a stale read (CVE-2026-42533)",
    severity: "warning",
    nginxLint: ["map_unnamed_capture"],
  },
  {
    id: "mixed-case-variable",
    title: "one variable is written with two spellings that differ only in case",
    severity: "info",
    gixy: "mixed_case_variable",
  },
  {
    id: "add-header-redefinition",
    title: "A block's own add_header drops every add_header of the enclosing levels",
    severity: "warning",
    gixy: "add_header_redefinition",
    nginxLint: ["directive_inheritance"],
  },
  {
    id: "proxy-set-header-redefinition",
    title: "A block's own proxy_set_header drops every proxy_set_header of the enclosing levels",
    severity: "warning",
    gixy: "proxy_set_header_redefinition",
    nginxLint: ["directive_inheritance"],
  },
  {
    id: "directive-inheritance",
    title: "A block's own fastcgi_param, error_page, limit_req, … drops those of the enclosing levels",
    severity: "warning",
    nginxLint: ["directive_inheritance"],
  },
  {
    id: "add-header-multiline",
    title: "A response header value written over several lines",
    severity: "warning",
    gixy: "add_header_multiline",
  },
  {
    id: "add-header-content-type",
    title: "add_header Content-Type sends a second Content-Type header",
    severity: "info",
    gixy: "add_header_content_type",
  },
  {
    id: "host-spoofing",
    title: "The proxied Host header comes from what the client sends ($http_host, arguments, cookies)",
    severity: "warning",
    gixy: "host_spoofing",
  },
  {
    id: "proxy-missing-host-header",
    title: "proxy_pass sends nginx's default Host $proxy_host (no proxy_set_header Host in effect)",
    severity: "info",
    nginxLint: ["proxy_missing_host_header"],
    enabled: false,
  },
  {
    id: "ssrf",
    title: "A client chooses the address proxy_pass (or another *_pass) connects to",
    severity: "warning",
    gixy: "ssrf",
  },
  {
    id: "http-splitting",
    title: "A variable that can hold CR/LF from the request is written into a header or the upstream request line",
    severity: "warning",
    gixy: "http_splitting",
  },
  {
    id: "origins",
    title: "A regex checking $http_origin or $http_referer lets a hostile origin through",
    severity: "warning",
    gixy: "origins",
  },
  {
    id: "valid-referers",
    title: "valid_referers none: a request without a Referer passes the referer check",
    severity: "warning",
    gixy: "valid_referers",
  },
  // Resolvers, upstreams and proxying.
  {
    id: "resolver-external",
    title: "a resolver that sends nginx's DNS queries to a public name server (spoofable upstream names)",
    severity: "warning",
    gixy: "resolver_external",
  },
  {
    id: "missing-resolver",
    title: "a proxied host nginx must look up per request, with no resolver in effect (502 at run time)",
    severity: "warning",
    gixy: "missing_resolver",
  },
  {
    id: "stale-dns-cache",
    title: "a host name resolved only at start and reload, then used with stale addresses",
    severity: "info",
    gixy: "stale_dns_cache",
    nginxLint: ["upstream_server_no_resolve", "proxy_pass_domain"],
  },
  {
    id: "ssl-stapling-without-resolver",
    title: "OCSP stapling on without a resolver in effect: nothing is stapled",
    severity: "info",
    gixy: "ssl_stapling_without_resolver",
  },
  {
    id: "ssl-stapling-letsencrypt",
    title: "OCSP stapling on for a certificate that names no OCSP responder (Let's Encrypt's, since 2025)",
    severity: "info",
    gixy: "ssl_stapling_letsencrypt",
  },
  {
    id: "proxy-keepalive",
    title:
      "an upstream keeps connections alive but the location proxying to it closes them (HTTP/1.0, Connection: close)",
    severity: "info",
    nginxLint: ["proxy_keepalive"],
  },
  {
    id: "low-keepalive-requests",
    title: "keepalive_requests below 1000 closes client connections, HTTP/2 ones included, too early",
    severity: "info",
    gixy: "low_keepalive_requests",
  },
  {
    id: "proxy-pass-normalized",
    title: "proxy_pass sends the backend a decoded, normalised or twice-escaped path instead of the client's",
    severity: "warning",
    gixy: "proxy_pass_normalized",
  },
  {
    id: "proxy-pass-with-uri",
    title: "proxy_pass with a URI part replaces the location's prefix (off-by-slash when the slashes differ)",
    severity: "info",
    nginxLint: ["proxy_pass_with_uri"],
  },
  {
    id: "try-files-with-proxy",
    title: "try_files and proxy_pass in one location: existing files are proxied, never served from disk",
    severity: "info",
    nginxLint: ["try_files_with_proxy"],
  },
];

const byId = new Map(CATALOGUE.map((e) => [e.id, e]));

/** The catalogue entry of rule `id`, if it is one of these rules. */
export function catalogueEntry(id: string): CatalogueEntry | undefined {
  return byId.get(id);
}
