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
];

const byId = new Map(CATALOGUE.map((e) => [e.id, e]));

/** The catalogue entry of rule `id`, if it is one of these rules. */
export function catalogueEntry(id: string): CatalogueEntry | undefined {
  return byId.get(id);
}
