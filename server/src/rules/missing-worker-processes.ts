// missing-worker-processes: a whole configuration without `worker_processes` runs one worker process
// (ngx_core_module_init_conf: ccf->worker_processes defaults to 1), which uses one CPU core however many
// the machine has. `worker_processes auto` starts one per core. A snippet of main-level lines or a fragment
// is not judged: the main file it belongs to may set it.
// Gixy-Next: missing_worker_processes. docs/rules/missing-worker-processes.md

import type { ConfigModel } from "../model";
import { firstMainSite, isFullConfiguration, mainHoldsUnreadInclude, sitesNamed } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "missing-worker-processes";

export function missingWorkerProcessesFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  if (!isFullConfiguration(model) || mainHoldsUnreadInclude(model)) return [];
  if (sitesNamed(model, "worker_processes").some((s) => s.context.kind === "main")) return [];
  const at = firstMainSite(model);
  if (at === null) return [];
  return [
    {
      ruleId: RULE_ID,
      code: "missing",
      severity: "info",
      path: at.file.path,
      range: at.directive.nameWord.range,
      message:
        "worker_processes is not set: nginx starts one worker process, which serves every connection on one " +
        'CPU core however many the machine has. Set "worker_processes auto;" at the main level (one per core).',
    },
  ];
}
