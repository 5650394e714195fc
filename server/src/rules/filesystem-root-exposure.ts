// Rule `filesystem-root-exposure` (Gixy-Next's filesystem_root_exposure): a `root` or a prefix location's
// `alias` that is the file system's root once normalised (`/`, `//`, `/.`, `/var/..`): the request's path
// is then a path from `/`, and `/etc/passwd`, keys and other sites' files are served to anyone who asks.
// docs/rules/filesystem-root-exposure.md

import type { Directive } from "../parse/ast";
import { isPrefix, locationHead } from "./location-match";
import type { StatementCheck } from "./statement-checks";

export const RULE_ID = "filesystem-root-exposure";

/** Whether an absolute path without variables names `/` (POSIX normalisation: `.`, `..`, repeated slashes). */
export function isFilesystemRoot(path: string): boolean {
  if (!path.startsWith("/") || path.includes("$")) return false;
  const parts: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return parts.length === 0;
}

/** The blocks where `root` and `alias` are taken (an http location configuration, or http itself for root). */
const ROOT_CONTEXTS = new Set(["http", "server", "location", "if_in_location"]);

export const filesystemRootExposureCheck: StatementCheck = {
  ruleId: RULE_ID,
  names: new Set(["root", "alias"]),
  statement(d, context, parents, _options, out) {
    if ((d.name !== "root" && d.name !== "alias") || d.argCount !== 1 || !ROOT_CONTEXTS.has(context)) return;
    const path = d.argValue(0) ?? "";
    if (!isFilesystemRoot(path)) return;
    if (d.name === "alias" && !aliasMapsRoot(parents, path)) return;
    out.push({
      ruleId: RULE_ID,
      code: d.name,
      severity: "warning",
      message:
        `"${d.name} ${path}" maps request paths onto the file system's root: any file the worker processes can ` +
        `read (/etc/passwd, private keys, other sites' files) is served to whoever asks for its path`,
      d,
      word: 0,
      data: { path },
    });
  },
};

/**
 * An alias replaces the location's name: in a regex location (no captures glued on) the URI maps to the alias
 * itself, and where the location ends with `/` but the alias does not (`alias /.` in `location /f/`) the rest
 * is glued onto the last name, not below `/` (alias-traversal's finding).
 */
function aliasMapsRoot(parents: readonly Directive[], path: string): boolean {
  if (parents.length === 0) return false;
  const head = locationHead(parents[parents.length - 1]);
  if (head === null || !isPrefix(head)) return false;
  return !(head.path.endsWith("/") && !path.endsWith("/"));
}
