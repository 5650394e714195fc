// worker-rlimit-nofile-vs-connections: a worker may hold more connections than it may open files. Each
// proxied request holds two sockets (client and upstream) and often a file (a temp file, a static file),
// so worker_connections above half of the open-file limit makes accept()/socket()/open() fail with EMFILE
// ("Too many open files") under load, before worker_connections is reached. Without worker_rlimit_nofile
// nginx keeps the limit it was started with: 1024 soft under systemd (its default open-files limit, systemd ≥ 240)
// and most shells; nginx itself only warns at start when worker_connections exceeds it
// (ngx_event_process_init: "worker_connections exceed open file resource limit").
// gixy (MegaManSec's fork, Gixy-Next): worker_rlimit_nofile_vs_connections. docs/rules/worker-rlimit-nofile-vs-connections.md

import type { ConfigModel, DirectiveSite } from "../model";
import { mainHoldsUnreadInclude, sitesNamed } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "worker-rlimit-nofile-vs-connections";

/** worker_connections' default (ngx_event_core_init_conf: DEFAULT_CONNECTIONS). */
const DEFAULT_CONNECTIONS = 512;
/** The soft RLIMIT_NOFILE a service starts with when nothing raises it (systemd ≥ 240, login shells). */
const ASSUMED_SOFT_LIMIT = 1024;

function intArg(s: DirectiveSite): number | null {
  const v = s.directive.argValue(0) ?? "";
  return /^\d+$/.test(v) ? Number(v) : null;
}

export function workerRlimitNofileVsConnectionsFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  // worker_connections belongs in `events`; a snippet of main-level lines may hold it misplaced (nginx
  // refuses that, rule `directive`), and its value is still what the author meant.
  const conns = sitesNamed(model, "worker_connections").filter(
    (s) => s.context.kind === "events" || s.context.kind === "main",
  );
  const limits = sitesNamed(model, "worker_rlimit_nofile").filter((s) => s.context.kind === "main");
  const limit = limits.length > 0 ? limits[limits.length - 1] : null;
  // Not set, but an unread file is included at the main level: it may set it.
  if (limit === null && mainHoldsUnreadInclude(model)) return [];
  const limitValue = limit ? intArg(limit) : ASSUMED_SOFT_LIMIT;
  if (limitValue === null) return []; // a value nginx refuses: rule `value`
  const out: Finding[] = [];
  const conn = conns.length > 0 ? conns[conns.length - 1] : null;
  const connections = conn ? intArg(conn) : DEFAULT_CONNECTIONS;
  if (connections === null || limitValue >= connections * 2) return out;
  const at = conn ?? limit;
  if (at === null) return out; // neither set: 512 × 2 fits the assumed 1024
  const connText = conn ? `worker_connections ${connections}` : `the default worker_connections (${connections})`;
  const limitText = limit
    ? `worker_rlimit_nofile ${limitValue}`
    : `no worker_rlimit_nofile: the limit nginx is started with, ${ASSUMED_SOFT_LIMIT} under systemd and most shells`;
  out.push({
    ruleId: RULE_ID,
    code: limit ? "too-low" : "missing",
    // Without worker_rlimit_nofile the limit is an assumption (containers often start with 1048576): info.
    severity: limit ? "warning" : "info",
    path: at.file.path,
    range: (conn ? conn.directive.args[0] : limit!.directive.args[0])?.range ?? at.directive.nameWord.range,
    message:
      `${connText} with ${limitText}: a proxied request holds two sockets and often a file, so under load ` +
      `a worker runs out of file descriptors ("Too many open files", EMFILE) long before its connection limit ` +
      `and new requests fail. Set worker_rlimit_nofile to at least ${connections * 2} at the main level.`,
    related:
      conn && limit
        ? [{ path: limit.file.path, range: limit.directive.range, message: `worker_rlimit_nofile ${limitValue}` }]
        : [],
    data: { workerConnections: connections, workerRlimitNofile: limit ? limitValue : null },
  });
  return out;
}
