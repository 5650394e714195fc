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
];

const byId = new Map(CATALOGUE.map((e) => [e.id, e]));

/** The catalogue entry of rule `id`, if it is one of these rules. */
export function catalogueEntry(id: string): CatalogueEntry | undefined {
  return byId.get(id);
}
