// What the cost model needs to know beyond the configuration: deployed versions, the memory budget, the
// bundle to assume, and where files are read from. The rules' options extend this (rules/types.ts).

import type { FileSource } from "../workspace/files";
import type { WorkspaceFacts } from "../workspace/facts";

export interface CostOptions {
  /** The deployed nginx version (`1.22.1`), from a setting or `--nginx-version`; detected or assumed when absent. */
  nginxVersion?: string;
  /** The deployed lua-nginx-module version (`0.10.23`). */
  luaNginxModuleVersion?: string;
  /** The deployed OpenResty version (`1.21.4.3`): implies its nginx core and lua-nginx-module. */
  openrestyVersion?: string;
  /** The OpenSSL the binary is linked with (`3.0.11`); only reported, the cost model is OpenSSL 3.0's. */
  opensslVersion?: string;
  /** The memory the configuration may use (bytes): SSL-cost findings whose reload peak exceeds it are errors. */
  memoryBudgetBytes?: number;
  /** What to assume for a CA bundle that cannot be read (default: Debian's 219,597 B / 144 certificates). */
  assumedBundle?: { bytes: number; certificates: number };
  /** Versions found around the configuration (workspace/facts/). */
  facts?: Pick<WorkspaceFacts, "versions">;
  /** Where CA bundles are read from (the workspace's reader, with editor buffers); disk when absent. */
  source?: FileSource;
}
