// Where each rule is explained: docs/rules/<id>.md in the project's repository. One place for the CLI's
// SARIF `helpUri` and the editor's hover links.

/** The project's home: package.json's `repository` without `.git` (a test keeps them equal). */
export const PROJECT_URL = "https://example.invalid/nginx-risk";

/** The page of rule `id` on the main branch. */
export function ruleDocUrl(id: string): string {
  return `${PROJECT_URL}/blob/main/docs/rules/${encodeURIComponent(id)}.md`;
}
