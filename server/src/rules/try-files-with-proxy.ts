// Rule `try-files-with-proxy`: `try_files` and `proxy_pass` in the same location. try_files runs first
// (NGX_HTTP_TRY_FILES_PHASE): when a file exists it only sets the request's URI to it, and the location's
// content handler — the proxy — then sends that request to the backend, so the file is never served from
// disk; when none exists its last argument redirects (a URI, a named location) or answers (=404). A named
// fallback (`@backend`) changes only the second half: existing files are still proxied (nginx-lint leaves
// that form out). Serve the files in this location and proxy in the named one.
// docs/rules/try-files-with-proxy.md

import type { ConfigContext, ConfigModel, DirectiveSite } from "../model";
import { FindingSink, locationStatements, relatedAt } from "./upstream-common";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "try-files-with-proxy";

export function tryFilesWithProxyFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const sink = new FindingSink(RULE_ID, "info");
  // A one-time analysis leaves none out (nothing to spare a next one).
  const statements = options.once === true ? locationStatements(model, true) : locationStatements(model);
  // try_files is rare beside the passes: the locations that have one first, then only their passes (a map of
  // the 45,000 passes of the bench's 1M-line workspace for its 2,000 try_files was most of this rule's time).
  const tried = new Set<ConfigContext>();
  for (const s of statements)
    if (s.directive.name === "try_files" && s.context.kind === "location") tried.add(s.context);
  if (tried.size === 0) return [];
  const passes = new Map<ConfigContext, DirectiveSite>();
  for (const s of statements) if (s.directive.name === "proxy_pass" && tried.has(s.context)) passes.set(s.context, s);
  for (const site of statements) {
    if (site.directive.name !== "try_files" || site.context.kind !== "location") continue;
    const pass = passes.get(site.context);
    if (pass === undefined) continue;
    const last = site.directive.argValue(site.directive.argCount - 1) ?? "";
    const fallback = last.startsWith("@") ? ` (only the requests that find no file go to ${last})` : "";
    sink.add(
      pass,
      "same-location",
      `try_files and proxy_pass in the same location: when a file exists try_files only sets the URI to it ` +
        `and the proxy still sends the request to the backend, so no file is ever served from disk${fallback}; ` +
        `keep try_files here without proxy_pass and proxy in a named location (try_files $uri $uri/ @backend;)`,
      -1,
      [relatedAt(site, "the try_files of this location")],
    );
  }
  return sink.findings;
}
