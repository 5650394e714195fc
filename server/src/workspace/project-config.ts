// The project's configuration file, `.nginx-risk.json`, found upward from the analysed files: which rules
// run and how loud, each rule's options, the deployed versions, path mappings and the memory budget. The CLI
// and the language server read it alike (the editor's own settings override it: lsp/server.ts). Its JSON
// schema is schemas/nginx-risk.schema.json, contributed to VS Code for completion and validation.
//
// It is read only inside what the user opened: the search stops at the workspace folder (the editor) or at
// the folder given (the CLI: at the working directory when the inputs are inside it), and a path mapping's
// target must stay inside the file's own folder — a repository's file must not make the CLI read /etc and
// print it into a CI log.

import * as fs from "fs";
import * as path from "path";
import { isVersion } from "../cost/versions";
import type { RuleLevel } from "../rules/types";
import { parseMapping, type PathMapping } from "./paths";

export const PROJECT_CONFIG_NAME = ".nginx-risk.json";

/** Larger files are not read (a configuration file of rules is a few hundred bytes). */
const MAX_BYTES = 1024 * 1024;

export interface ProjectVersions {
  nginx?: string;
  luaNginxModule?: string;
  openresty?: string;
  openssl?: string;
}

export interface ProjectConfig {
  /** The file, absolute. */
  path: string;
  /** Per rule: "off" or a severity. */
  ruleLevels: Record<string, RuleLevel>;
  /** Per rule: its options. */
  ruleConfig: Record<string, Record<string, unknown>>;
  versions: ProjectVersions;
  /** nginx path → a folder inside the file's folder. */
  pathMappings: PathMapping[];
  memoryBudgetBytes?: number;
  strict?: boolean;
  /** What could not be used, one sentence each (the rest of the file still applies). */
  problems: string[];
}

/**
 * The nearest `.nginx-risk.json` in `from` or a folder above it, up to and including `stop` (`from` must
 * be inside `stop`; otherwise only `from` is looked in). Null when there is none.
 */
export function findProjectConfig(from: string, stop: string): string | null {
  let dir = path.resolve(from);
  const top = path.resolve(stop);
  const inside = dir === top || dir.startsWith(top.endsWith(path.sep) ? top : top + path.sep);
  for (;;) {
    const candidate = path.join(dir, PROJECT_CONFIG_NAME);
    try {
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // none here
    }
    if (!inside || dir === top) return null;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

const LEVELS = new Set(["off", "error", "warning", "info", "hint"]);
const VERSION_KEYS: (keyof ProjectVersions)[] = ["nginx", "luaNginxModule", "openresty", "openssl"];
const KEYS = new Set(["$schema", "rules", "versions", "pathMappings", "memoryBudgetMiB", "strict"]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The `rules` object (of this file, or of the editor's `nginxRisk.rules`): each known rule id to a level, or
 * to `{ "level", "options" }`; into `into`, what is wrong through `problem` (named after `label`).
 */
export function readRuleEntries(
  rules: unknown,
  isKnownRule: (id: string) => boolean,
  into: Pick<ProjectConfig, "ruleLevels" | "ruleConfig">,
  problem: (m: string) => void,
  label: string,
): void {
  if (rules === undefined || rules === null) return;
  if (!isRecord(rules)) {
    problem(`${label}: expected an object of rule ids`);
    return;
  }
  for (const [id, v] of Object.entries(rules)) {
    if (!isKnownRule(id)) {
      problem(`${label}: there is no rule "${id}"`);
      continue;
    }
    if (typeof v === "string") {
      if (LEVELS.has(v)) into.ruleLevels[id] = v as RuleLevel;
      else problem(`${label}."${id}": "${v}" is not one of off, error, warning, info, hint`);
    } else if (isRecord(v)) {
      if (v.level !== undefined) {
        if (typeof v.level === "string" && LEVELS.has(v.level)) into.ruleLevels[id] = v.level as RuleLevel;
        else problem(`${label}."${id}".level: expected one of off, error, warning, info, hint`);
      }
      if (v.options !== undefined) {
        if (isRecord(v.options)) into.ruleConfig[id] = v.options;
        else problem(`${label}."${id}".options: expected an object`);
      }
      for (const k of Object.keys(v))
        if (k !== "level" && k !== "options") problem(`${label}."${id}": "${k}" is not level or options`);
    } else problem(`${label}."${id}": expected a level or { "level", "options" }`);
  }
}

/** Reads `file` (see ProjectConfig); a file that cannot be read or parsed gives an empty one with the problem. */
export function readProjectConfig(file: string, isKnownRule: (id: string) => boolean): ProjectConfig {
  const config: ProjectConfig = {
    path: file,
    ruleLevels: {},
    ruleConfig: {},
    versions: {},
    pathMappings: [],
    problems: [],
  };
  const problem = (m: string): void => void config.problems.push(m);
  let raw: unknown;
  try {
    const stat = fs.statSync(file);
    if (stat.size > MAX_BYTES) {
      problem(`larger than ${MAX_BYTES / 1024} KiB: not read`);
      return config;
    }
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    problem(err instanceof SyntaxError ? `not JSON: ${err.message}` : `cannot be read`);
    return config;
  }
  if (!isRecord(raw)) {
    problem("expected an object");
    return config;
  }
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) problem(`"${key}" is not a setting of this file`);

  readRuleEntries(raw.rules, isKnownRule, config, problem, `"rules"`);

  const versions = raw.versions;
  if (versions !== undefined) {
    if (!isRecord(versions)) problem(`"versions": expected an object of version strings`);
    else
      for (const [key, v] of Object.entries(versions)) {
        if (!(VERSION_KEYS as string[]).includes(key)) {
          problem(`"versions": "${key}" is not one of ${VERSION_KEYS.join(", ")}`);
          continue;
        }
        if (typeof v === "string" && isVersion(v.trim())) config.versions[key as keyof ProjectVersions] = v.trim();
        else problem(`"versions".${key}: expected a version such as "1.22.1"`);
      }
  }

  const folder = path.dirname(file);
  const mappings = raw.pathMappings;
  if (mappings !== undefined) {
    if (!isRecord(mappings)) problem(`"pathMappings": expected an object of "nginx path": "folder" pairs`);
    else
      for (const [from, to] of Object.entries(mappings)) {
        if (typeof to !== "string" || to.trim() === "") {
          problem(`"pathMappings"."${from}": expected a folder`);
          continue;
        }
        const parsed = parseMapping(`${from}=${to}`, folder);
        if (!parsed.ok) {
          problem(`"pathMappings"."${from}": ${parsed.error}`);
          continue;
        }
        const target = parsed.mapping.to;
        if (target !== folder && !target.startsWith(folder.endsWith("/") ? folder : folder + "/")) {
          problem(`"pathMappings"."${from}": "${to}" is outside the folder of ${PROJECT_CONFIG_NAME}: not used`);
          continue;
        }
        config.pathMappings.push(parsed.mapping);
      }
  }

  const budget = raw.memoryBudgetMiB;
  if (budget !== undefined) {
    if (typeof budget === "number" && Number.isFinite(budget) && budget >= 0) {
      if (budget > 0) config.memoryBudgetBytes = Math.round(budget * 1024 * 1024);
    } else problem(`"memoryBudgetMiB": expected a number of MiB (0 for no budget)`);
  }

  if (raw.strict !== undefined) {
    if (typeof raw.strict === "boolean") config.strict = raw.strict;
    else problem(`"strict": expected true or false`);
  }
  return config;
}
