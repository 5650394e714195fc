// Where each rule is explained: docs/rules/<id>.md, shipped inside both packages beside dist/ (the .vsix,
// .vscodeignore; the npm package, package.json `files`), so every link the product gives — hovers, the cost
// report, SARIF's rule help, the text output — is a file the user has. The project has no web host to
// link to, and a link to a placeholder one would be dead.
//
// These are the product's own files, read from the folder it runs from, never a path from a configuration:
// they do not go through the read policy (workspace/access.ts), which is about the user's files.

import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";

/**
 * The folder that holds docs/: the package when bundled (dist/server.js, dist/cli.js: its parent), or the
 * repository when the sources run compiled by tsc (tests: out/server/src/rules/docs.js, four levels up).
 */
export function packageRoot(): string {
  return path.basename(__dirname) === "dist" ? path.dirname(__dirname) : path.resolve(__dirname, "../../../..");
}

const found = new Map<string, string | null>();

/** The absolute path of `docs/<rel>` in the package, or null when it is not there (a bundle copied alone). */
export function shippedDoc(rel: string): string | null {
  let p = found.get(rel);
  if (p === undefined) {
    const candidate = path.join(packageRoot(), "docs", ...rel.split("/"));
    p = fs.existsSync(candidate) ? candidate : null;
    found.set(rel, p);
  }
  return p;
}

/** The page of rule `id` (ids are lower-case words with dashes; anything else has no page). */
export function ruleDocPath(id: string): string | null {
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(id) ? shippedDoc(`rules/${id}.md`) : null;
}

/** The page of rule `id` as a `file:` URI (editors open it from hovers and diagnostics), or null. */
export function ruleDocUri(id: string): string | null {
  const p = ruleDocPath(id);
  return p === null ? null : pathToFileURL(p).href;
}

/** How the memory estimate is computed (docs/cost-model.md) as a `file:` URI, or null. */
export function costModelDocUri(): string | null {
  const p = shippedDoc("cost-model.md");
  return p === null ? null : pathToFileURL(p).href;
}

/** The markdown of rule `id`'s page, or null. */
export function ruleDocText(id: string): string | null {
  const p = ruleDocPath(id);
  if (p === null) return null;
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return null;
  }
}

/**
 * Markdown whose relative links (`[x](other.md)`, `[x](#part)`) are made plain text: they point into the
 * package's folder, which a page shown elsewhere (a code-scanning alert) cannot reach.
 */
export function withoutRelativeLinks(markdown: string): string {
  return markdown.replace(/\[([^\]\n]*)\]\((?![a-z][a-z0-9+.-]*:)[^)\s]*\)/gi, "$1");
}

/**
 * The sections of docs/cost-model.md that messages and hovers cite (GitHub's anchors of its headings). The
 * facts behind the estimate (nginx's and the modules' functions, the measurements) are written there: a
 * message never cites a document that does not ship with the product.
 */
export const COST_MODEL_SECTIONS = {
  contexts: { label: "cost model §1", anchor: "1-which-blocks-create-ssl-contexts" },
  bytes: { label: "cost model §2", anchor: "2-bytes-per-context" },
  whole: { label: "cost model §3", anchor: "3-the-whole-configuration" },
  versions: { label: "cost model §4", anchor: "4-versions" },
  unread: { label: "cost model §5", anchor: "5-bundles-that-are-not-read" },
} as const;

export type CostModelSection = keyof typeof COST_MODEL_SECTIONS;

/** The page of the cost model as a `file:` URI, at a section; null when the page is not shipped beside the bundle. */
export function costModelUrl(section?: CostModelSection): string | null {
  const uri = costModelDocUri();
  return uri && section ? `${uri}#${COST_MODEL_SECTIONS[section].anchor}` : uri;
}

/** `docs/cost-model.md §2`: a citation in plain text (messages, the CLI, the cost report's cells). */
export function costModelCite(section: CostModelSection): string {
  return `docs/cost-model.md ${COST_MODEL_SECTIONS[section].label.slice("cost model ".length)}`;
}
