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
];

const byId = new Map(CATALOGUE.map((e) => [e.id, e]));

/** The catalogue entry of rule `id`, if it is one of these rules. */
export function catalogueEntry(id: string): CatalogueEntry | undefined {
  return byId.get(id);
}
