// quic-bpf-reuseport: `quic_bpf on` with a `listen … quic reuseport` loses new QUIC connections after every
// reload (Gixy-Next's quic_bpf_reuseport; nginx/nginx#425, open).
//
// Why, in nginx's source: a worker that is shutting down keeps its QUIC listening sockets open
// (ngx_close_listening_sockets skips `ls[i].quic`: they still carry its connections) but refuses new QUIC
// connections (ngx_quic_handle_packet: `if (ngx_terminate || ngx_exiting)` → a Retry at best, else drop). An
// Initial packet carries a DCID no map knows (the BPF program answers -ENOENT and lets the kernel choose), so
// part of the new connections land on a draining worker until it exits. Measured with Debian trixie's nginx
// 1.26.3 (docs/rules/quic-bpf-reuseport.md): after a reload the draining worker rejected 106 of 400 new
// Initials with 2 workers and 122 of 400 with one, and 91 of 400 with quic_bpf off: neither one worker nor
// `quic_bpf off` avoids it, unlike what the peer says. The rule keeps the peer's scope (quic_bpf on and a QUIC
// reuseport listen) and drops its worker condition.

import type { ConfigModel } from "../model";
import { quicBpfSetup, versionLabel } from "./quic-bpf";
import type { Finding, RelatedLocation, RuleOptions } from "./types";

export const RULE_ID = "quic-bpf-reuseport";

/** How many `listen` statements a finding lists as related information. */
const RELATED_LISTENS = 5;

export function quicBpfReuseportFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const setup = quicBpfSetup(model, options);
  if (setup === null || setup.listens.length === 0) return [];
  // Any number of workers: after a reload the old worker drains beside the new one even with one
  // (measured), which is where Gixy-Next's `worker_processes 1` fixture is wrong.
  const wp = setup.workerProcesses;
  const related: RelatedLocation[] = setup.listens.slice(0, RELATED_LISTENS).map((l) => ({
    path: l.site.file.path,
    range: l.word.range,
    message: "QUIC listening socket in a reuseport group",
  }));
  return [
    {
      ruleId: RULE_ID,
      code: "reload-drops-quic-connections",
      severity: "warning",
      path: setup.site.file.path,
      range: setup.on.range,
      message:
        `quic_bpf with a "listen … quic reuseport": after each reload the old workers keep reading their QUIC ` +
        `sockets while they drain but refuse new connections, so part of the new HTTP/3 connections are ` +
        `dropped until they exit (nginx/nginx#425, unfixed; measured with one worker and with quic_bpf off too)`,
      related,
      data: {
        nginxVersion: setup.nginx.version,
        versionSource: setup.nginx.source,
        version: versionLabel(setup.nginx),
        workers: setup.workers,
        workerProcesses: wp === null ? null : { file: wp.file.path, line: wp.directive.range.start.line + 1 },
        listens: setup.listens.length,
        addresses: setup.addresses,
      },
    },
  ];
}
