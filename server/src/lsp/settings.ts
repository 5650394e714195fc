// The `nginxRisk` settings as the server uses them. The client sends whatever the user typed into
// settings.json, so everything here is validated: a bad value falls back to the default and is reported
// once, instead of stopping analysis.

import * as path from "path";
import type { PathMapping } from "../workspace/paths";

export interface ServerSettings {
  /** Already substituted and absolute. */
  pathMappings: PathMapping[];
  strict: boolean;
  debounceMs: number;
}

export const DEFAULT_DEBOUNCE_MS = 200;
const MAX_DEBOUNCE_MS = 10000;

export const DEFAULT_SETTINGS: ServerSettings = { pathMappings: [], strict: false, debounceMs: DEFAULT_DEBOUNCE_MS };

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
  return { settings: { pathMappings, strict, debounceMs }, problems };
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
