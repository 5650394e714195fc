// The `nginxRisk` settings as the server uses them. The client sends whatever the user typed into
// settings.json, so everything here is validated: a bad value falls back to the default and is reported
// once, instead of stopping analysis.

import * as path from "path";
import { DEBIAN_BUNDLE } from "../cost/bundle";
import { isVersion } from "../cost/versions";
import type { RuleOptions } from "../rules/types";
import type { PathMapping } from "../workspace/paths";

/** The deployed versions the user states (`nginxRisk.versions.*`); absent = unknown (detected or assumed). */
export interface VersionSettings {
  nginx?: string;
  luaNginxModule?: string;
  openresty?: string;
  openssl?: string;
}

export interface ServerSettings {
  /** Already substituted and absolute. */
  pathMappings: PathMapping[];
  strict: boolean;
  debounceMs: number;
  versions: VersionSettings;
  /** `nginxRisk.memoryBudgetMiB` in bytes; absent: no budget. */
  memoryBudgetBytes?: number;
  /** What an unreadable CA bundle is assumed to be. */
  assumedBundle: { bytes: number; certificates: number };
}

export const DEFAULT_DEBOUNCE_MS = 200;
const MAX_DEBOUNCE_MS = 10000;
const MIB = 1024 * 1024;

export const DEFAULT_SETTINGS: ServerSettings = {
  pathMappings: [],
  strict: false,
  debounceMs: DEFAULT_DEBOUNCE_MS,
  versions: {},
  assumedBundle: { bytes: DEBIAN_BUNDLE.bytes, certificates: DEBIAN_BUNDLE.certificates },
};

const VERSION_KEYS: (keyof VersionSettings)[] = ["nginx", "luaNginxModule", "openresty", "openssl"];

/**
 * The rule options the settings stand for. `facts` and `source` come from the analyzer (they depend on
 * the workspace, not on the settings).
 */
export function ruleOptionsOf(settings: ServerSettings): RuleOptions {
  const v = settings.versions;
  const options: RuleOptions = { strict: settings.strict, assumedBundle: settings.assumedBundle };
  if (v.nginx !== undefined) options.nginxVersion = v.nginx;
  if (v.luaNginxModule !== undefined) options.luaNginxModuleVersion = v.luaNginxModule;
  if (v.openresty !== undefined) options.openrestyVersion = v.openresty;
  if (v.openssl !== undefined) options.opensslVersion = v.openssl;
  if (settings.memoryBudgetBytes !== undefined) options.memoryBudgetBytes = settings.memoryBudgetBytes;
  return options;
}

export interface SettingsResult {
  settings: ServerSettings;
  /** Human-readable problems with the raw value, for the server log. */
  problems: string[];
}

/**
 * Reads the raw `nginxRisk` section. `workspaceFolder` is the path of the folder the document is in
 * (what `${workspaceFolder}` stands for and what relative targets are resolved against); null outside
 * any folder, where mappings that need it are dropped.
 */
export function readSettings(raw: unknown, workspaceFolder: string | null): SettingsResult {
  const problems: string[] = [];
  const obj = isRecord(raw) ? raw : {};
  if (raw !== undefined && raw !== null && !isRecord(raw))
    problems.push(`nginxRisk: expected an object, got ${typeof raw}`);

  let strict = DEFAULT_SETTINGS.strict;
  if (obj.strict !== undefined) {
    if (typeof obj.strict === "boolean") strict = obj.strict;
    else problems.push(`nginxRisk.strict: expected true or false`);
  }

  let debounceMs = DEFAULT_DEBOUNCE_MS;
  if (obj.debounceMs !== undefined) {
    if (typeof obj.debounceMs === "number" && Number.isFinite(obj.debounceMs)) {
      debounceMs = Math.min(MAX_DEBOUNCE_MS, Math.max(0, Math.round(obj.debounceMs)));
    } else problems.push(`nginxRisk.debounceMs: expected a number of milliseconds`);
  }

  const pathMappings: PathMapping[] = [];
  if (obj.pathMappings !== undefined && obj.pathMappings !== null) {
    if (!isRecord(obj.pathMappings)) problems.push(`nginxRisk.pathMappings: expected an object of "from": "to" paths`);
    else {
      for (const [fromRaw, toRaw] of Object.entries(obj.pathMappings)) {
        const m = readMapping(fromRaw, toRaw, workspaceFolder);
        if (typeof m === "string") problems.push(`nginxRisk.pathMappings["${fromRaw}"]: ${m}`);
        else pathMappings.push(m);
      }
    }
  }

  const versions: VersionSettings = {};
  if (obj.versions !== undefined && obj.versions !== null) {
    if (!isRecord(obj.versions)) problems.push(`nginxRisk.versions: expected an object of version strings`);
    else {
      for (const key of VERSION_KEYS) {
        const raw = obj.versions[key];
        if (raw === undefined || raw === null) continue;
        if (typeof raw !== "string") {
          problems.push(`nginxRisk.versions.${key}: expected a version string such as "1.22.1"`);
          continue;
        }
        const value = raw.trim();
        if (value === "") continue; // empty: unknown, detected or assumed
        if (!isVersion(value)) problems.push(`nginxRisk.versions.${key}: "${raw}" is not a version such as "1.22.1"`);
        else versions[key] = value;
      }
    }
  }

  let memoryBudgetBytes: number | undefined;
  const budget = obj.memoryBudgetMiB;
  if (budget !== undefined && budget !== null && budget !== "") {
    if (typeof budget === "number" && Number.isFinite(budget) && budget >= 0) {
      if (budget > 0) memoryBudgetBytes = Math.round(budget * MIB);
    } else problems.push(`nginxRisk.memoryBudgetMiB: expected a number of MiB (0 for no budget)`);
  }

  let assumedBundle = DEFAULT_SETTINGS.assumedBundle;
  if (obj.assumedBundle !== undefined && obj.assumedBundle !== null) {
    const a = obj.assumedBundle;
    if (isRecord(a) && isCount(a.bytes, 1) && isCount(a.certificates, 0)) {
      assumedBundle = { bytes: a.bytes, certificates: a.certificates };
    } else {
      problems.push(
        `nginxRisk.assumedBundle: expected { "bytes": a positive integer, "certificates": an integer ≥ 0 }`,
      );
    }
  }

  const settings: ServerSettings = { pathMappings, strict, debounceMs, versions, assumedBundle };
  if (memoryBudgetBytes !== undefined) settings.memoryBudgetBytes = memoryBudgetBytes;
  return { settings, problems };
}

function isCount(v: unknown, min: number): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min;
}

const FOLDER_VAR = "${workspaceFolder}";

function readMapping(fromRaw: string, toRaw: unknown, folder: string | null): PathMapping | string {
  if (typeof toRaw !== "string" || toRaw.trim() === "") return "expected a non-empty path";
  const needsFolder = fromRaw.includes(FOLDER_VAR) || toRaw.includes(FOLDER_VAR);
  if (needsFolder && folder === null) return "uses ${workspaceFolder} but the file is in no workspace folder";
  const sub = (s: string): string => (folder === null ? s : s.replaceAll(FOLDER_VAR, folder)).trim();
  const from = sub(fromRaw);
  let to = sub(toRaw);
  if (!from.startsWith("/")) return "the path nginx sees must be absolute";
  if (!path.isAbsolute(to)) {
    // Relative targets are relative to the folder, like ${workspaceFolder}/… written out.
    if (folder === null) return "a relative target needs a workspace folder";
    to = path.posix.join(folder, to);
  }
  return { from, to: to.replace(/\\/g, "/") };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
