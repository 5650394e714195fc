// The `nginxRisk` settings as the server uses them. The client sends whatever the user typed into
// settings.json, so everything here is validated: a bad value falls back to the default and is reported
// once, instead of stopping analysis.

import * as path from "path";
import { DEBIAN_BUNDLE } from "../cost/bundle";
import { isVersion } from "../cost/versions";
import { isKnownRule } from "../rules/rule-settings";
import type { RuleLevel, RuleOptions } from "../rules/types";
import { readRuleEntries, type ProjectConfig } from "../workspace/project-config";
import { DEFAULT_LIMITS, type ReadKind } from "../workspace/access";
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
  /** `nginxRisk.allowRead`: more folders (or files) that may be read, absolute. Only in a trusted workspace. */
  allowRead: string[];
  /** `nginxRisk.limits.*MiB` in bytes: larger files are not read. Only in a trusted workspace. */
  limits: Record<ReadKind, number>;
  /** `nginxRisk.maxFiles`: files a folder scan looks for before it stops (and says so); absent: the default. */
  maxFiles?: number;
  /** Per rule: "off" or a severity (`nginxRisk.rules`, over the project's .nginx-risk.json). */
  ruleLevels: Record<string, RuleLevel>;
  /** Per rule: its options (likewise). */
  ruleConfig: Record<string, Record<string, unknown>>;
  /** The project configuration file these settings include, if any. */
  projectConfig?: string;
}

/**
 * The settings that widen what is read (path mapping targets, allowRead, size limits): ignored from an
 * untrusted workspace (package.json's restrictedConfigurations, and the server itself: server.ts).
 */
export const WIDENING_SETTINGS = ["pathMappings", "allowRead", "limits.configurationMiB", "limits.bundleMiB"];

export const DEFAULT_DEBOUNCE_MS = 200;
const MAX_DEBOUNCE_MS = 10000;
/** The largest `nginxRisk.maxFiles` (as `--max-files`): a bound stays a bound. */
const MAX_FILES = 10_000_000;
const MIB = 1024 * 1024;

export const DEFAULT_SETTINGS: ServerSettings = {
  pathMappings: [],
  strict: false,
  debounceMs: DEFAULT_DEBOUNCE_MS,
  versions: {},
  assumedBundle: { bytes: DEBIAN_BUNDLE.bytes, certificates: DEBIAN_BUNDLE.certificates },
  allowRead: [],
  limits: { ...DEFAULT_LIMITS },
  ruleLevels: {},
  ruleConfig: {},
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
  if (Object.keys(settings.ruleLevels).length > 0) options.ruleLevels = settings.ruleLevels;
  if (Object.keys(settings.ruleConfig).length > 0) options.ruleConfig = settings.ruleConfig;
  return options;
}

/**
 * `settings` over the project's configuration file: an editor setting overrides the file where it says
 * something (a mapping, a version, a budget, a rule's entry, `strict: true`); where it is left at its
 * default, the file's value applies. The file's mappings come after the editor's.
 */
export function withProjectConfig(settings: ServerSettings, project: ProjectConfig | null): ServerSettings {
  if (project === null) return settings;
  const versions: VersionSettings = { ...settings.versions };
  for (const key of VERSION_KEYS)
    if (versions[key] === undefined && project.versions[key] !== undefined) versions[key] = project.versions[key];
  // OpenResty implies its lua-nginx-module: a file's one does not join the editor's other.
  if (settings.versions.openresty !== undefined && settings.versions.luaNginxModule === undefined)
    delete versions.luaNginxModule;
  if (settings.versions.luaNginxModule !== undefined && settings.versions.openresty === undefined)
    delete versions.openresty;
  const out: ServerSettings = {
    ...settings,
    pathMappings: [...settings.pathMappings, ...project.pathMappings],
    strict: settings.strict || project.strict === true,
    versions,
    ruleLevels: { ...project.ruleLevels, ...settings.ruleLevels },
    ruleConfig: { ...project.ruleConfig, ...settings.ruleConfig },
    projectConfig: project.path,
  };
  const budget = settings.memoryBudgetBytes ?? project.memoryBudgetBytes;
  if (budget !== undefined) out.memoryBudgetBytes = budget;
  return out;
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

  const allowRead: string[] = [];
  if (obj.allowRead !== undefined && obj.allowRead !== null) {
    if (!Array.isArray(obj.allowRead)) problems.push(`nginxRisk.allowRead: expected an array of paths`);
    else
      for (const raw of obj.allowRead) {
        const p = readFolderPath(raw, workspaceFolder);
        if (typeof p === "string") allowRead.push(p);
        else problems.push(`nginxRisk.allowRead: ${JSON.stringify(raw)}: ${p === null ? "expected a path" : p.error}`);
      }
  }

  const limits = { ...DEFAULT_SETTINGS.limits };
  const rawLimits = obj.limits;
  if (rawLimits !== undefined && rawLimits !== null) {
    if (!isRecord(rawLimits)) problems.push(`nginxRisk.limits: expected an object of sizes in MiB`);
    else
      for (const [key, kind] of [
        ["configurationMiB", "configuration"],
        ["bundleMiB", "bundle"],
      ] as const) {
        const v = rawLimits[key];
        if (v === undefined || v === null) continue;
        if (typeof v === "number" && Number.isFinite(v) && v > 0) limits[kind] = Math.round(v * MIB);
        else problems.push(`nginxRisk.limits.${key}: expected a number of MiB greater than 0`);
      }
  }

  let maxFiles: number | undefined;
  if (obj.maxFiles !== undefined && obj.maxFiles !== null) {
    if (isCount(obj.maxFiles, 1) && obj.maxFiles <= MAX_FILES) maxFiles = obj.maxFiles;
    else problems.push(`nginxRisk.maxFiles: expected a whole number of files from 1 to ${MAX_FILES}`);
  }

  const rules: Pick<ServerSettings, "ruleLevels" | "ruleConfig"> = { ruleLevels: {}, ruleConfig: {} };
  readRuleEntries(obj.rules, isKnownRule, rules, (m) => void problems.push(m), "nginxRisk.rules");

  const settings: ServerSettings = {
    pathMappings,
    strict,
    debounceMs,
    versions,
    assumedBundle,
    allowRead,
    limits,
    ...rules,
  };
  if (memoryBudgetBytes !== undefined) settings.memoryBudgetBytes = memoryBudgetBytes;
  if (maxFiles !== undefined) settings.maxFiles = maxFiles;
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

/** A path setting: `${workspaceFolder}` substituted, relative to the folder; a string when it is fine. */
function readFolderPath(raw: unknown, folder: string | null): string | { error: string } | null {
  if (typeof raw !== "string" || raw.trim() === "") return null;
  if (raw.includes(FOLDER_VAR) && folder === null)
    return { error: "uses ${workspaceFolder} but the file is in no workspace folder" };
  const p = (folder === null ? raw : raw.replaceAll(FOLDER_VAR, folder)).trim().replace(/\\/g, "/");
  if (path.posix.isAbsolute(p)) return p;
  if (folder === null) return { error: "a relative path needs a workspace folder" };
  return path.posix.join(folder, p);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---- session overrides -------------------------------------------------------------------------------------
// A quick-fix such as "lua-nginx-module ≥ 0.10.26 is deployed" sets a setting instead of editing the config
// (`nginxRisk.setVersion`; `nginxRisk.setPathMapping` for an inferred mapping made explicit). The server cannot write the user's settings itself, so it keeps the value as an
// override on top of what the client returns, for the session; the VS Code extension persists it, other
// editors keep it until restart (docs/editor.md says how to make it permanent).

/** The settings a command may override, as dotted keys under `nginxRisk.` (package.json's names). */
export const OVERRIDABLE_KEYS: readonly string[] = VERSION_KEYS.map((k) => `versions.${k}`);

/** A validated override, or why it is refused (the command's arguments come from the client). */
export function readOverride(key: unknown, value: unknown): { key: string; value: string } | string {
  if (typeof key !== "string" || !OVERRIDABLE_KEYS.includes(key))
    return `expected one of ${OVERRIDABLE_KEYS.join(", ")} as the setting, got ${JSON.stringify(key)}`;
  if (typeof value !== "string" || !isVersion(value)) return `"${String(value)}" is not a version such as "0.10.26"`;
  return { key, value: value.trim() };
}

/**
 * A "make the mapping explicit" action's override (`nginxRisk.setPathMapping`): `pathMappings.<from>` set to
 * the target as it is written in the settings (`${workspaceFolder}/…`), or why it is refused.
 */
export function readMappingOverride(from: unknown, to: unknown): { key: string; value: string } | string {
  if (typeof from !== "string" || !from.startsWith("/") || from.includes(FOLDER_VAR))
    return `expected an absolute nginx path as the mapping's prefix, got ${JSON.stringify(from)}`;
  if (typeof to !== "string" || to.trim() === "") return `expected the folder to map ${from} to`;
  return { key: `pathMappings.${from}`, value: to };
}

/** `versions.nginx` → ["versions", "nginx"]; `pathMappings./etc/nginx.d` → ["pathMappings", "/etc/nginx.d"]. */
function splitKey(key: string): [string, string] {
  const dot = key.indexOf(".");
  return [key.slice(0, dot), key.slice(dot + 1)];
}

/** The raw `nginxRisk` section with the overrides written into it (validated afterwards by readSettings). */
export function withOverrides(raw: unknown, overrides: ReadonlyMap<string, string>): unknown {
  if (overrides.size === 0) return raw;
  const out: Record<string, unknown> = isRecord(raw) ? { ...raw } : {};
  for (const [key, value] of overrides) {
    const [section, name] = splitKey(key);
    const inner = isRecord(out[section]) ? { ...(out[section] as Record<string, unknown>) } : {};
    inner[name] = value;
    out[section] = inner;
  }
  return out;
}

/**
 * The overrides the raw section already holds with the same value: the client has persisted them (the
 * VS Code extension does on `nginxRisk/settingChanged`). They can be dropped, so that a later change of
 * the setting by the user is not masked by the session's value.
 */
export function persistedOverrides(raw: unknown, overrides: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  if (!isRecord(raw)) return out;
  for (const [key, value] of overrides) {
    const [section, name] = splitKey(key);
    const inner = raw[section];
    if (isRecord(inner) && typeof inner[name] === "string" && inner[name].trim() === value) out.push(key);
  }
  return out;
}
