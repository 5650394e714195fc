// What a rule reports. Plain data, no LSP types: the CLI, the tests and server/src/lsp/ all read it.

import type { Range } from "../parse/ast";

export type Severity = "error" | "warning" | "info" | "hint";

export interface RelatedLocation {
  /** Workspace path of the file. */
  path: string;
  range: Range;
  message: string;
}

export interface Finding {
  /** The rule's id (`syntax`, `include`, `directive-context`, …); docs/rules/<id>.md explains it. */
  ruleId: string;
  /** A finer code within the rule (`missing-semicolon`, `not-allowed-here`, …). */
  code: string;
  severity: Severity;
  /** Workspace path of the file the finding is in. */
  path: string;
  range: Range;
  message: string;
  related?: RelatedLocation[];
  /** Machine-readable details (stable per rule; documented in docs/cli.md). */
  data?: Record<string, unknown>;
}

export interface RuleOptions {
  /** Unknown directive names are errors (off by default: the binary may load modules the table lacks). */
  strict: boolean;
  /** Judge directives as this nginx version would (`1.24.0`); newest when absent. */
  nginxVersion?: string;
}
