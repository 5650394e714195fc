// What a rule reports. Plain data, no LSP types: the CLI, the tests and server/src/lsp/ all read it.

import type { Range } from "../parse/ast";
import type { CostOptions } from "../cost/options";
import type { WorkspaceFacts } from "../workspace/facts";

export type Severity = "error" | "warning" | "info" | "hint";

export interface RelatedLocation {
  /** Workspace path of the file. */
  path: string;
  range: Range;
  message: string;
}

export interface Finding {
  /** The rule's id (`syntax`, `include`, `lua-ssl-per-location`, …); docs/rules/<id>.md explains it. */
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
  /** The severity the rule gave, when the user's configuration changed it (rule-settings.ts). */
  ruleSeverity?: Severity;
}

export interface RuleOptions extends CostOptions {
  /** Unknown directive names are errors (off by default: the binary may load modules the table lacks). */
  strict: boolean;
  /** Facts found in the files around the configuration: periodic `nginx -t`, deployed versions. */
  facts?: WorkspaceFacts;
  /**
   * Each rule's own options, by rule id (`{ "origins": { "domains": ["example.com"] } }`): from the
   * configuration file (.nginx-risk.json) or the editor's settings. A rule reads only its own entry and
   * checks its shape itself (a wrong shape: the rule's defaults).
   */
  ruleConfig?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Each rule's configured severity, or "off" (rule-settings.ts); a rule not named keeps its own. */
  ruleLevels?: Readonly<Record<string, RuleLevel>>;
  /**
   * No later analysis will read these same trees (a CLI check): the statement checks keep nothing per block
   * for it to replay (rules/directive-checks.ts). A language server leaves it unset: its next keystroke
   * replays every block the edit left alone.
   */
  once?: boolean;
}

/** What the user's configuration makes of a rule's findings: a severity, or "off" (dropped). */
export type RuleLevel = Severity | "off";
