// Facts about the deployment found in files *around* the nginx configuration (not in it): evidence of a
// periodic `nginx -t` (cron, systemd timers, monitoring agents, container health checks) and the versions
// that are deployed (Dockerfile `FROM`, a saved `nginx -V`).
//
// Why it matters: on nginx 1.9.1–1.13.3 / 1.12.0–1.12.1 every `nginx -t` joins the SO_REUSEPORT group of
// the running server and Linux drops the connections queued on its socket when it exits (semantics.md §5).
// Nothing in nginx.conf says whether a monitoring job runs `nginx -t` every minute; the crontab next to it
// does. Every reader here is line-based and forgiving: garbage gives no facts, never an exception.
//
// The public API. Each concern has its module: types.ts (the shapes), scan.ts (which files, and the walk),
// one reader per kind of file (cron, systemd, zabbix, yaml, docker, monit, nagios, version-dump) over
// file-context.ts, schedule.ts and shell.ts, and combine.ts (what files say together).

import * as path from "path";
import { normalizePath } from "../files";
import { combine } from "./combine";
import { readCronScript, readCrontab, systemCrontab } from "./cron";
import { readDockerfile } from "./docker";
import { readContainerPrivileges, readDockerRuns } from "./privileges";
import { Lines, type FileCtx, type FileScan } from "./file-context";
import { readMonit } from "./monit";
import { readNagios } from "./nagios";
import {
  CRON_PERIODIC_DIRS,
  isCrontabName,
  isDockerfileName,
  isMonitFile,
  readWorkspaceFiles,
  type ScanOptions,
} from "./scan";
import { readSystemdService, readSystemdTimer } from "./systemd";
import type { FactsFile, WorkspaceFacts } from "./types";
import { readVersionDump } from "./version-dump";
import { readComposeHealthchecks, readImages, readProbes } from "./yaml";
import { readZabbix } from "./zabbix";

export { imageVersion } from "./docker";
export type { ScanOptions } from "./scan";
export { cronInterval, everySeconds } from "./schedule";
export { shellCommands, shellTestInvocation, testInvocation } from "./shell";
export { NO_FACTS } from "./types";
export { memlockBytes } from "./privileges";
export type {
  ConfigTestEvidence,
  ConfigTestEvidenceKind,
  DetectedVersion,
  FactsFile,
  LimitEvidenceKind,
  MemlockEvidence,
  PrivilegeEvidence,
  VersionComponent,
  WorkspaceFacts,
} from "./types";

export interface FactsTextOptions {
  /** The name used in descriptions (e.g. relative to the workspace folder); `path` when absent. */
  displayPath?: string;
  /** Told about a reader that failed on a file (the file then gives no facts); ignored when absent. */
  onError?: (path: string, error: unknown) => void;
}

/** The facts of one file on its own. A systemd `.service` needs its `.timer`: see `factsFromFiles`. */
export function factsFromText(p: string, text: string, options: FactsTextOptions = {}): WorkspaceFacts {
  return factsFromFiles([{ path: p, text, displayPath: options.displayPath }], options.onError);
}

/**
 * The facts of several files read together: a systemd timer is paired with the service it starts, a
 * Nagios command with the services that check it, wherever they are. Versions are ordered most precise
 * first (`nginx -V` output, then a Dockerfile's final stage, …), which is what `resolveVersions` picks.
 */
export function factsFromFiles(
  files: readonly FactsFile[],
  onError?: (path: string, error: unknown) => void,
): WorkspaceFacts {
  const scans: FileScan[] = [];
  for (const f of files) {
    try {
      scans.push(scanFile(normalizePath(f.path), f.text, f.displayPath ?? f.path));
    } catch (e) {
      // A reader bug must not cost the rest of the workspace its facts.
      onError?.(f.path, e);
    }
  }
  return combine(scans);
}

/**
 * Walks the workspace folders (breadth-first, sorted, bounded; no node_modules, VCS or hidden folders,
 * no files over 1 MB or with NUL bytes) and reads the files that may hold facts.
 */
export function scanWorkspaceFacts(folders: readonly string[], options: ScanOptions = {}): WorkspaceFacts {
  return factsFromFiles(readWorkspaceFiles(folders, options));
}

/** One file: its name (for monit and `nginx -V` output, also its text) says which readers read it. */
function scanFile(p: string, text: string, display: string): FileScan {
  const scan: FileScan = {
    evidence: [],
    versions: [],
    services: [],
    timers: [],
    nagiosCommands: [],
    nagiosServices: [],
    memlock: [],
    privileges: [],
  };
  const lines = new Lines(text);
  const name = path.posix.basename(p);
  const parents = path.posix.dirname(p);
  const dir = path.posix.basename(parents);
  const ctx: FileCtx = { path: p, display, text, lines, scan };

  const period = CRON_PERIODIC_DIRS.get(dir);
  if (period) readCronScript(ctx, period);
  else if (isCrontabName(name, dir)) readCrontab(ctx, systemCrontab(p, dir));
  if (/\.service$/i.test(name)) readSystemdService(ctx, name);
  if (/\.timer$/i.test(name)) readSystemdTimer(ctx, name);
  if (/\.conf$/i.test(name) || /^zabbix_agent/i.test(name)) readZabbix(ctx);
  if (/\.ya?ml$/i.test(name)) {
    readProbes(ctx);
    readComposeHealthchecks(ctx);
    readImages(ctx);
    readContainerPrivileges(ctx);
  }
  if (isDockerfileName(name)) readDockerfile(ctx);
  // `docker run` in scripts, units and CI files; the literal test first (most files have none).
  if (/\b(docker|podman)\b/.test(text) && /\brun\b/.test(text)) readDockerRuns(ctx);
  // The literal tests first: a file without the word cannot match, and they cost a fifth of the line regexes.
  if (isMonitFile(name, dir, parents) || (/program/i.test(text) && /^\s*check\s+program\s/im.test(text)))
    readMonit(ctx);
  if (/\.cfg$/i.test(name)) readNagios(ctx);
  if (/ version:/i.test(text) && /^\s*(nginx|openresty) version:/im.test(text)) readVersionDump(ctx);
  return scan;
}
