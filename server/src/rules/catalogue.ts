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
  },
];

const byId = new Map(CATALOGUE.map((e) => [e.id, e]));

/** The catalogue entry of rule `id`, if it is one of these rules. */
export function catalogueEntry(id: string): CatalogueEntry | undefined {
  return byId.get(id);
}
