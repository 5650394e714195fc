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

export interface WorkspaceFacts {
  configTests: ConfigTestEvidence[];
  versions: DetectedVersion[];
}

export const NO_FACTS: WorkspaceFacts = { configTests: [], versions: [] };

export interface FactsFile {
  path: string;
  text: string;
  displayPath?: string;
}
