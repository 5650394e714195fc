// What a rule reports. Plain data, no LSP types: the CLI, the tests and server/src/lsp/ all read it.

import type { Range } from "../parse/ast";
import type { FileSource } from "../workspace/files";
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
}

export interface RuleOptions {
  /** Unknown directive names are errors (off by default: the binary may load modules the table lacks). */
  strict: boolean;
  /** The deployed nginx version (`1.22.1`), from a setting or `--nginx-version`; detected or assumed when absent. */
  nginxVersion?: string;
  /** The deployed lua-nginx-module version (`0.10.23`). */
  luaNginxModuleVersion?: string;
  /** The deployed OpenResty version (`1.21.4.3`): implies its nginx core and lua-nginx-module. */
  openrestyVersion?: string;
  /** The OpenSSL the binary is linked with (`3.0.11`); only reported, the cost model is OpenSSL 3.0's. */
  opensslVersion?: string;
  /** The memory the configuration may use (bytes): SSL-cost findings above it are errors. */
  memoryBudgetBytes?: number;
  /** What to assume for a CA bundle that cannot be read (default: Debian's 219,597 B / 144 certificates). */
  assumedBundle?: { bytes: number; certificates: number };
  /** Facts found in the files around the configuration: periodic `nginx -t`, deployed versions. */
  facts?: WorkspaceFacts;
  /** Where CA bundles are read from (the workspace's reader, with editor buffers); disk when absent. */
  source?: FileSource;
}
