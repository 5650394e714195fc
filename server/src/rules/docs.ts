// Where each rule is explained: docs/rules/<id>.md in the project's repository. One place for the CLI's
// SARIF `helpUri` and the editor's hover links.

/** The project's home: package.json's `repository` without `.git` (a test keeps them equal). */
export const PROJECT_URL = "https://example.invalid/nginx-risk";

/** The page of rule `id` on the main branch. */
export function ruleDocUrl(id: string): string {
  return `${PROJECT_URL}/blob/main/docs/rules/${encodeURIComponent(id)}.md`;
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

/** The page of the cost model, at a section. */
export function costModelUrl(section?: CostModelSection): string {
  const url = `${PROJECT_URL}/blob/main/docs/cost-model.md`;
  return section ? `${url}#${COST_MODEL_SECTIONS[section].anchor}` : url;
}

/** `docs/cost-model.md §2`: a citation in plain text (messages, the CLI, the cost report's cells). */
export function costModelCite(section: CostModelSection): string {
  return `docs/cost-model.md ${COST_MODEL_SECTIONS[section].label.slice("cost model ".length)}`;
}
