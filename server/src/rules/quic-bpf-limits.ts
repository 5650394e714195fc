// quic-bpf-limits: `quic_bpf on` makes the master create a BPF map and load a BPF program at start and at
// reload; whether it may is decided outside nginx.conf (issue 15's rule of its own, the family of
// reuseport-config-test: the evidence comes from the files around the configuration, workspace/facts/).
//
// In nginx (src/event/quic/ngx_event_quic_bpf.c, ngx_quic_bpf_create_group, once per `quic reuseport`
// address): bpf(BPF_MAP_CREATE) of a BPF_MAP_TYPE_SOCKHASH (key and value 8 bytes, worker_processes × 4
// entries), bpf(BPF_PROG_LOAD) of a BPF_PROG_TYPE_SK_REUSEPORT program (src/event/quic/ngx_event_quic_bpf_code.c,
// about 60 instructions) and setsockopt(SO_ATTACH_REUSEPORT_EBPF). `nginx -t` skips all of it
// (ngx_quic_bpf_module_init: `if (ngx_test_config) return NGX_OK`). A failure at start is fatal ("failed to
// initialize, check limits"), at reload it is logged and ignored ("nginx state now can be inconsistent").
//
// What the kernel asks (kernel/bpf/syscall.c, net/core/sock_map.c): CAP_BPF (or CAP_SYS_ADMIN) for any
// program type but socket filters, CAP_NET_ADMIN for a SOCKHASH; before 5.11 (memcg-based accounting, merge
// 97306be45fbe) map and program memory are also charged to the user's locked memory against RLIMIT_MEMLOCK.
// Measured with Debian trixie's nginx 1.26.3 on Linux 6.18: without CAP_BPF/CAP_SYS_ADMIN, or with CAP_BPF
// and without CAP_NET_ADMIN and CAP_SYS_ADMIN, nginx refuses to start; memlock 0 does not matter there.
// docs/rules/quic-bpf-limits.md

import { compareVersions } from "../cost/versions";
import type { ConfigModel } from "../model";
import type { MemlockEvidence, PrivilegeEvidence } from "../workspace/facts";
import { quicBpfSetup, versionLabel, type QuicBpfSetup } from "./quic-bpf";
import type { Finding, RelatedLocation, RuleOptions } from "./types";

export const RULE_ID = "quic-bpf-limits";

/** nginx's documentation of quic_bpf: "only supported on Linux 5.7+" (a SOCKHASH holding 64-bit socket cookies). */
export const KERNEL_SINCE = "5.7";
/** The kernel that charges BPF memory to the memory cgroup instead of RLIMIT_MEMLOCK. */
export const MEMCG_ACCOUNTING = "5.11";
/** Workers assumed for `worker_processes auto` in the memlock estimate. */
export const AUTO_WORKERS_ASSUMED = 64;

const PAGE = 4096;

/**
 * What one master charges to RLIMIT_MEMLOCK on kernels 5.7–5.10 for `addresses` groups: per group a program
 * (bpf_prog_charge_memlock: under 512 instructions fit one page) and a SOCKHASH map (sock_hash_alloc:
 * buckets × 16 bytes + entries × 56 bytes, a 48-byte element plus the 8-byte key, rounded up to pages).
 */
export function memlockEstimate(addresses: number, workers: number): number {
  const entries = Math.max(1, workers * 4);
  let buckets = 1;
  while (buckets < entries) buckets *= 2;
  const mapBytes = buckets * 16 + entries * 56;
  const mapPages = Math.ceil(mapBytes / PAGE);
  return addresses * (1 + mapPages) * PAGE;
}

/** The capabilities Docker and containerd give a container by default (moby's oci/caps/defaults.go). */
const CONTAINER_DEFAULT_CAPS = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FSETID",
  "FOWNER",
  "MKNOD",
  "NET_RAW",
  "SETGID",
  "SETUID",
  "SETFCAP",
  "SETPCAP",
  "NET_BIND_SERVICE",
  "SYS_CHROOT",
  "KILL",
  "AUDIT_WRITE",
];

/** Whether the process the evidence describes may create nginx's map and load its program. */
export function capabilitiesSuffice(e: PrivilegeEvidence): boolean {
  if (e.privileged) return true;
  let all = false;
  const caps = new Set<string>();
  if (e.container) {
    for (const c of CONTAINER_DEFAULT_CAPS) caps.add(c);
  } else if (e.keep === null) all = true;
  else for (const c of e.keep) caps.add(c);
  if (e.drop.includes("ALL")) {
    all = false;
    caps.clear();
  }
  for (const c of e.drop) caps.delete(c);
  for (const c of e.add) caps.add(c);
  if (caps.has("ALL")) all = true;
  const has = (c: string): boolean => caps.has(c) || (all && !e.drop.includes(c));
  return has("SYS_ADMIN") || (has("BPF") && has("NET_ADMIN"));
}

/** The kernel the rule is told about (`"quic-bpf-limits": { "kernel": "5.10" }`), if any. */
function kernelOption(options: RuleOptions): string | null {
  const v = options.ruleConfig?.[RULE_ID]?.kernel;
  return typeof v === "string" && /^\d+\.\d+(\.\d+)*$/.test(v.trim()) ? v.trim() : null;
}

function summaryOf(items: readonly { description: string }[]): string {
  const first = items[0].description;
  return items.length === 1 ? first : `${first} (and ${items.length - 1} more place${items.length > 2 ? "s" : ""})`;
}

function relatedOf(items: readonly (MemlockEvidence | PrivilegeEvidence)[]): RelatedLocation[] {
  return items.map((e) => ({ path: e.path, range: e.range, message: e.description }));
}

function evidenceData(items: readonly (MemlockEvidence | PrivilegeEvidence)[]): Record<string, unknown>[] {
  return items.map((e) => ({ kind: e.kind, file: e.path, line: e.range.start.line + 1, subject: e.subject }));
}

function formatKiB(bytes: number): string {
  return bytes >= 2 ** 20 && bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

export function quicBpfLimitsFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const setup = quicBpfSetup(model, options);
  // Without a `listen … quic reuseport` the module creates nothing (measured: no map, no failure).
  if (setup === null || setup.listens.length === 0) return [];
  const kernel = kernelOption(options);
  const facts = options.facts;
  const privileges = facts?.privileges ?? [];
  const memlock = facts?.memlock ?? [];
  const base = {
    nginxVersion: setup.nginx.version,
    versionSource: setup.nginx.source,
    kernel,
    addresses: setup.addresses,
  };
  const at = (
    code: string,
    severity: Finding["severity"],
    message: string,
    related: RelatedLocation[],
    data: object,
  ): Finding => ({
    ruleId: RULE_ID,
    code,
    severity,
    path: setup.site.file.path,
    range: setup.on.range,
    message,
    related: [...related, listenRelated(setup)],
    data: { ...base, ...data },
  });
  const findings: Finding[] = [];

  if (kernel !== null && compareVersions(kernel, KERNEL_SINCE) < 0) {
    findings.push(
      at(
        "kernel-too-old",
        "warning",
        `quic_bpf needs Linux ${KERNEL_SINCE} or later (a SOCKHASH of 64-bit socket cookies); on the configured ` +
          `kernel ${kernel} creating the map fails and nginx refuses to start ("ngx_quic_bpf_module failed to ` +
          `initialize, check limits"), which \`nginx -t\` does not notice`,
        [],
        {},
      ),
    );
    return findings;
  }

  const lacking = privileges.filter((e) => !capabilitiesSuffice(e));
  if (lacking.length > 0) {
    findings.push(
      at(
        "missing-capabilities",
        "warning",
        `${summaryOf(lacking)}: without CAP_BPF and CAP_NET_ADMIN (or CAP_SYS_ADMIN) the master cannot create ` +
          `quic_bpf's BPF map, so nginx refuses to start ("ngx_quic_bpf_module failed to initialize, check ` +
          `limits") and a reload that needs a new map goes on without it; \`nginx -t\` does not try`,
        relatedOf(lacking),
        { evidence: evidenceData(lacking) },
      ),
    );
  }

  const accounted = kernel === null || compareVersions(kernel, MEMCG_ACCOUNTING) < 0;
  const workers = setup.workers ?? AUTO_WORKERS_ASSUMED;
  const need = memlockEstimate(setup.addresses, workers);
  const finite = accounted ? memlock.filter((m) => m.soft !== null) : [];
  const low = finite.filter((m) => m.soft! < need);
  const roomy = finite.filter((m) => m.soft! >= need);
  const estimate =
    `about ${formatKiB(need)} for ${setup.addresses} QUIC reuseport address${setup.addresses === 1 ? "" : "es"} ` +
    `× ${setup.workers === null ? `${AUTO_WORKERS_ASSUMED} workers (worker_processes auto, assumed)` : `${workers} worker${workers === 1 ? "" : "s"}`}`;
  const onKernel = kernel === null ? `on kernels before ${MEMCG_ACCOUNTING}` : `on the configured kernel ${kernel}`;
  if (low.length > 0) {
    findings.push(
      at(
        "memlock-too-low",
        "warning",
        `${summaryOf(low)}: ${onKernel} quic_bpf's map and program are charged to RLIMIT_MEMLOCK (${estimate}, ` +
          `before anything else the same user has locked), so the load fails and nginx refuses to start`,
        relatedOf(low),
        { need, evidence: evidenceData(low) },
      ),
    );
  }
  if (roomy.length > 0) {
    findings.push(
      at(
        "memlock-shared",
        kernel === null ? "info" : "warning",
        `${summaryOf(roomy)}: ${onKernel} quic_bpf's map and program (${estimate}) are charged to the locked ` +
          `memory of the user, with every BPF object and mlock() of that user's other processes (systemd's ` +
          `own BPF programs, for root), against this limit: set it to infinity, or deploy on Linux ≥ ` +
          `${MEMCG_ACCOUNTING}` +
          (kernel === null ? ` (set the kernel in this rule's options when known)` : ""),
        relatedOf(roomy),
        { need, evidence: evidenceData(roomy) },
      ),
    );
  }

  if (privileges.length === 0 && memlock.length === 0) {
    findings.push(
      at(
        "load-not-tested",
        "info",
        `\`nginx -t\` does not load quic_bpf's BPF program: only a start or reload finds out whether the master ` +
          `may (CAP_BPF and CAP_NET_ADMIN, or CAP_SYS_ADMIN, as in a container they are not by default; on ` +
          `Linux ${KERNEL_SINCE}–5.10 also room under RLIMIT_MEMLOCK, ${estimate}); ` +
          `no unit, container or limit for nginx was found around the configuration (${versionLabel(setup.nginx)})`,
        [],
        { need },
      ),
    );
  }
  return findings;
}

function listenRelated(setup: QuicBpfSetup): RelatedLocation {
  const l = setup.listens[0];
  return {
    path: l.site.file.path,
    range: l.word.range,
    message: "the QUIC reuseport socket the BPF program is attached to",
  };
}
