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
}

export const CATALOGUE: readonly CatalogueEntry[] = [
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
