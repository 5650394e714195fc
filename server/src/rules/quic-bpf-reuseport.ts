// quic-bpf-reuseport: `quic_bpf on` with a `listen … quic reuseport` and more than one worker loses new QUIC
// connections after every reload (Gixy-Next's quic_bpf_reuseport; nginx/nginx#425, open).
//
// Why, in nginx's source: a worker that is shutting down keeps its QUIC listening sockets open
// (ngx_close_listening_sockets skips `ls[i].quic`: they still carry its connections) but refuses new QUIC
// connections (ngx_quic_handle_packet: `if (ngx_terminate || ngx_exiting)` → a Retry at best, else drop). With
// reuseport those sockets stay in the kernel's group, and an Initial packet carries a DCID no map knows
// (the BPF program answers -ENOENT and lets the kernel's hash choose): part of the new connections land on a
// draining worker until it exits. docs/rules/quic-bpf-reuseport.md

import type { ConfigModel } from "../model";
import { quicBpfSetup, versionLabel } from "./quic-bpf";
import type { Finding, RelatedLocation, RuleOptions } from "./types";

export const RULE_ID = "quic-bpf-reuseport";

/** How many `listen` statements a finding lists as related information. */
const RELATED_LISTENS = 5;

export function quicBpfReuseportFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const setup = quicBpfSetup(model, options);
  if (setup === null || setup.listens.length === 0) return [];
  // One worker (written, or the default when worker_processes is absent): no other worker's socket to land on.
  if (setup.workers === 1) return [];
  const wp = setup.workerProcesses;
  // worker_processes with something that is neither a number nor `auto` is nginx's own error.
  if (wp !== null && setup.workers === null && wp.directive.args[0]?.value !== "auto") return [];

  const workers = setup.workers === null ? "one worker per CPU (worker_processes auto)" : `${setup.workers} workers`;
  const related: RelatedLocation[] = setup.listens.slice(0, RELATED_LISTENS).map((l) => ({
    path: l.site.file.path,
    range: l.word.range,
    message: "QUIC listening socket in a reuseport group",
  }));
  if (wp !== null) related.push({ path: wp.file.path, range: wp.directive.args[0].range, message: `${workers}` });
  return [
    {
      ruleId: RULE_ID,
      code: "reload-drops-quic-connections",
      severity: "warning",
      path: setup.site.file.path,
      range: setup.on.range,
      message:
        `quic_bpf with a "listen … quic reuseport" and ${workers}: after each reload the old workers keep ` +
        `their QUIC sockets in the reuseport group while they drain but refuse new connections, so part of ` +
        `the new HTTP/3 connections are dropped until they exit (nginx/nginx#425, unfixed)`,
      related,
      data: {
        nginxVersion: setup.nginx.version,
        versionSource: setup.nginx.source,
        version: versionLabel(setup.nginx),
        workers: setup.workers,
        listens: setup.listens.length,
        addresses: setup.addresses,
      },
    },
  ];
}
