// Path mappings inferred from the workspace: a container layout names its files by where the image mounts
// them (`include /config/nginx/ssl.conf;`, linuxserver/swag mounts the folder at /config), and the
// workspace is that folder under another name. Where an absolute include is not found, we look for the
// folder that holds what it names, and read the configuration again as if `/config` → that folder were set
// (docs/rules/include.md, "Inferred mappings"):
//
// - only absolute includes that nothing resolved (missing, outside what may be read, a glob matching
//   nothing, or a stock file read as nginx's default) and that no mapping of the user's covers: the user's
//   `nginxRisk.pathMappings` / `--map` always win, and no inferred prefix is inside or equal to theirs;
// - a target is a folder on the way from the main file up to the workspace folder (the configuration's
//   own tree; never outside the workspace, and never the tree of another configuration in a large
//   repository), or a sub-folder of one named as the folder it maps (`/data` → `deploy/data` beside
//   `deploy/etc/nginx/`); a mapping `/a/b → T` needs `T/<rest of the include>` to exist, and some folder
//   name of the include to be the workspace's too (`T` itself is named `b`, or `T/<next folder>` exists);
// - all unresolved includes of the configuration are weighed together: the mapping that explains most of
//   them wins, then the one whose target has the same name as its last folder (`/config` → `…/config`,
//   rather than `/etc` → a folder named otherwise), then the shortest `from`, then the target's path
//   bytewise. The next mapping explains what is left, until nothing more is explained;
// - the files the new mappings bring in may name more absolute includes: read again, at most MAX_ROUNDS
//   times (each round adds a mapping or stops).
//
// The loader says each inferred mapping once per configuration, on the first include it explains
// (configuration.ts, `inferred-mapping`), with what to write to make it explicit.

import * as path from "path";
import { loadConfiguration, type Configuration, type LoadOptions } from "./configuration";
import { NodeFileSource, ParseCache, normalizePath, type FileSource } from "./files";
import { expandGlob, hasMagic } from "./glob";
import { isUnder, mapPath, mappingFor, type PathMapping } from "./paths";

/** Where inferred mappings may point: the workspace (the server's workspace folder, the CLI's folders given). */
export interface MappingInference {
  folders: readonly string[];
}

/** Rounds of loading again with more mappings; each adds at least one, and real layouts need one or two. */
const MAX_ROUNDS = 8;

/** Include problems that leave an absolute include unresolved in a way a mapping could change. */
const UNRESOLVED = new Set(["include-not-found", "include-not-in-workspace", "read-outside"]);

/**
 * `loadConfiguration`, then again with the mappings inferred from where the configuration's unresolved
 * absolute includes are in the workspace, until no more is found. Without `inference`, one load.
 */
export function loadWithInference(
  root: string,
  options: LoadOptions,
  inference: MappingInference | null | undefined,
): Configuration {
  const source = options.source ?? new NodeFileSource();
  const cache = options.cache ?? new ParseCache();
  let config = loadConfiguration(root, { ...options, source, cache });
  if (!inference || inference.folders.length === 0) return config;
  const exists = existenceCheck(source);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const found = inferMappings(config, inference, exists);
    if (found.length === 0) break;
    config = loadConfiguration(root, {
      ...options,
      source,
      cache,
      mappings: [...config.mappings, ...found],
      defaultMapping: false,
      // The conf prefix stays what nginx -c gave: a mapping found later only says where files are.
      confPrefix: config.confPrefix,
    });
  }
  return config;
}

/** Whether a workspace path (or glob) names a readable file: memoised, the same candidates come back. */
function existenceCheck(source: FileSource): (p: string) => boolean {
  const memo = new Map<string, boolean>();
  return (p) => {
    let v = memo.get(p);
    if (v === undefined) {
      v = hasMagic(p) ? expandGlob(p, source).length > 0 : source.exists(p) && !source.isDirectory(p);
      memo.set(p, v);
    }
    return v;
  };
}

interface Candidate {
  mapping: PathMapping;
  /** The target folder has the name of the mapped folder (`/config` → `…/config`). */
  sameName: boolean;
}

/** The absolute includes of `config` a mapping could resolve (nginx paths, each once, in reading order). */
function unresolvedIncludes(config: Configuration): string[] {
  const explicit = config.mappings.filter((m) => m.origin === undefined);
  const out = new Set<string>();
  for (const e of config.edges) {
    const r = e.resolution;
    if (!r || !r.pattern.startsWith("/")) continue;
    if (r.files.length > 0 && r.stock === undefined) continue;
    if (!r.problems.every((p) => UNRESOLVED.has(p.code))) continue;
    if (explicit.some((m) => isUnder(r.nginxPath, m.from))) continue;
    out.add(r.nginxPath);
  }
  return [...out];
}

/** The folders from the main file's folder up to the outermost workspace folder holding it, innermost first. */
function anchors(config: Configuration, folders: readonly string[]): string[] {
  const inside = (p: string): boolean => folders.some((f) => isUnder(p, normalizePath(f)));
  const out: string[] = [];
  for (let dir = path.posix.dirname(config.rootPath); inside(dir); dir = path.posix.dirname(dir)) {
    out.push(dir);
    if (dir === "/") break;
  }
  return out;
}

/** The mappings that would resolve this configuration's unresolved absolute includes (none: nothing to add). */
export function inferMappings(
  config: Configuration,
  inference: MappingInference,
  exists: (p: string) => boolean = existenceCheck(new NodeFileSource()),
): PathMapping[] {
  let open = unresolvedIncludes(config);
  if (open.length === 0) return [];
  const targets = anchors(config, inference.folders);
  if (targets.length === 0) return [];
  const explicit = config.mappings.filter((m) => m.origin === undefined);
  const taken = new Set(config.mappings.map((m) => m.from));

  const candidates = new Map<string, Candidate>();
  for (const p of open) {
    const segs = p.split("/").slice(1);
    // The include's fixed folders: up to its file name, or to the first segment with a glob character.
    let fixed = 0;
    while (fixed < segs.length - 1 && !hasMagic(segs[fixed])) fixed++;
    for (let j = 1; j <= fixed; j++) {
      const from = "/" + segs.slice(0, j).join("/");
      if (taken.has(from) || explicit.some((m) => isUnder(from, m.from))) continue;
      const rest = segs.slice(j).join("/");
      const named = targets.map((t) => path.posix.join(t, segs[j - 1]));
      for (const to of [...targets, ...named]) {
        const sameName = path.posix.basename(to) === segs[j - 1];
        // Some folder of the include must be the workspace's by name: the target's own, or the next one.
        if (j === fixed && !sameName) continue;
        if (!exists(normalizePath(path.posix.join(to, rest)))) continue;
        const key = `${from}\0${to}`;
        if (!candidates.has(key)) candidates.set(key, { mapping: { from, to, origin: "inferred" }, sameName });
      }
    }
  }

  const chosen: PathMapping[] = [];
  for (;;) {
    let best: { c: Candidate; explains: string[] } | null = null;
    for (const c of candidates.values()) {
      const m = c.mapping;
      // Nested with one already chosen, it would take over (or give up) paths that one explains.
      if (chosen.some((x) => isUnder(m.from, x.from) || isUnder(x.from, m.from))) continue;
      const all = [...config.mappings, ...chosen, m];
      const explains = open.filter((p) => mappingFor(p, all) === m && exists(normalizePath(mapPath(p, all))));
      if (explains.length === 0) continue;
      if (!best || better({ c, explains }, best)) best = { c, explains };
    }
    if (!best) break;
    chosen.push(best.c.mapping);
    const explained = new Set(best.explains);
    open = open.filter((p) => !explained.has(p));
    if (open.length === 0) break;
  }
  return chosen;
}

function better(a: { c: Candidate; explains: string[] }, b: { c: Candidate; explains: string[] }): boolean {
  if (a.explains.length !== b.explains.length) return a.explains.length > b.explains.length;
  if (a.c.sameName !== b.c.sameName) return a.c.sameName;
  const sa = a.c.mapping.from.split("/").length;
  const sb = b.c.mapping.from.split("/").length;
  if (sa !== sb) return sa < sb;
  if (a.c.mapping.to !== b.c.mapping.to) return a.c.mapping.to < b.c.mapping.to;
  return a.c.mapping.from < b.c.mapping.from;
}
