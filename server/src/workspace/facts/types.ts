// The shapes of the workspace facts: where a periodic `nginx -t` runs, which versions are deployed, and the
// files they are read from. Plain data, shared by every reader here and by the rules and the cost estimate.

import type { Range } from "../../parse/ast";

export type ConfigTestEvidenceKind =
  "crontab" | "systemd-timer" | "zabbix" | "kubernetes-probe" | "docker-healthcheck" | "monit" | "nagios";

/** One place that runs `nginx -t` (or `nginx -T`, `service nginx configtest`, …) periodically. */
export interface ConfigTestEvidence {
  kind: ConfigTestEvidenceKind;
  /** Workspace path of the file. */
  path: string;
  /** The command (or the line holding it). */
  range: Range;
  /** The command as written. */
  command: string;
  /** How often it runs, in words ("every minute", "every 30 s"), when the file says. */
  interval?: string;
  /** One sentence for people: "crontab line runs `nginx -t` every minute". */
  description: string;
  /** The `nginx -t` invocation inside the command, as words (`/usr/sbin/nginx -t -q`, `service nginx configtest`). */
  invocation?: string;
}

export type VersionComponent = "nginx" | "openresty" | "lua-nginx-module" | "openssl";

export interface DetectedVersion {
  component: VersionComponent;
  version: string;
  path: string;
  range: Range;
  /** Where it came from, for messages: "Dockerfile FROM openresty/openresty:1.21.4.1-0-jammy". */
  how: string;
}

/** Where a limit or a privilege of the nginx process is set: a unit, a `docker run`, a compose service, a pod. */
export type LimitEvidenceKind = "systemd" | "docker-run" | "compose" | "kubernetes";

/**
 * RLIMIT_MEMLOCK set for the nginx process: systemd `LimitMEMLOCK=` of an nginx unit, `docker run --ulimit
 * memlock=…` of an nginx image, compose `ulimits: memlock:` of an nginx service. Kubernetes has no such setting.
 */
export interface MemlockEvidence {
  kind: Exclude<LimitEvidenceKind, "kubernetes">;
  path: string;
  /** The value as written. */
  range: Range;
  /** In bytes; null: unlimited (`infinity`, `-1`, `unlimited`). */
  soft: number | null;
  hard: number | null;
  /** Whom it is set for: `nginx.service`, the compose service, the image. */
  subject: string;
  /** One sentence for people: "systemd unit nginx.service sets LimitMEMLOCK=64K". */
  description: string;
}

/**
 * The capabilities the nginx process starts with, as far as a file says: a container (docker run, compose,
 * Kubernetes) starts from the runtime's default set, changed by `privileged`, cap_add and cap_drop; a systemd
 * unit running as root from every capability, cut by `CapabilityBoundingSet=` (or, with `User=` other than
 * root, only `AmbientCapabilities=`).
 */
export interface PrivilegeEvidence {
  kind: LimitEvidenceKind;
  path: string;
  /** The setting that decides (cap_add, securityContext, CapabilityBoundingSet=), else the image or command. */
  range: Range;
  subject: string;
  /** Starts from the container runtime's default capabilities (false: a systemd unit). */
  container: boolean;
  privileged: boolean;
  /** Capability names in upper case without `CAP_` (`BPF`, `NET_ADMIN`, `ALL`). */
  add: string[];
  drop: string[];
  /** systemd: the only capabilities kept (bounding set, or ambient set of a non-root `User=`); null: all. */
  keep: string[] | null;
  description: string;
}

export interface WorkspaceFacts {
  configTests: ConfigTestEvidence[];
  versions: DetectedVersion[];
  /** Present only when a file sets one (rule quic-bpf-limits). */
  memlock?: MemlockEvidence[];
  /** Present only when a file says what the nginx process or container may do (rule quic-bpf-limits). */
  privileges?: PrivilegeEvidence[];
}

export const NO_FACTS: WorkspaceFacts = { configTests: [], versions: [] };

export interface FactsFile {
  path: string;
  text: string;
  displayPath?: string;
}
