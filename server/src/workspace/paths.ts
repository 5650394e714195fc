// Path mappings: the configuration names paths as nginx sees them on the server (`/etc/nginx/…`), the
// workspace holds the same files somewhere else (`/home/u/proj/…`). A mapping is a prefix pair; the
// longest matching prefix wins, so `/etc/nginx/snippets/` can point somewhere other than `/etc/nginx/`.
//
// Prefixes match whole path segments: `/etc/nginx` covers `/etc/nginx` and `/etc/nginx/x`, never
// `/etc/nginx2`.

import * as path from "path";

export interface PathMapping {
  /** Prefix as nginx sees it (absolute). */
  from: string;
  /** Where those files are in the workspace. */
  to: string;
  /**
   * Absent: the user's (`nginxRisk.pathMappings`, `--map`), which always wins. `default`: `/etc/nginx` → the
   * folder of the root nginx.conf. `inferred`: found from where the included files are (infer-mappings.ts).
   */
  origin?: "default" | "inferred";
}

/** The prefix every default applies to: Debian, Ubuntu, RHEL and nginx.org packages use `--conf-path=/etc/nginx/nginx.conf`. */
export const DEFAULT_NGINX_PREFIX = "/etc/nginx";

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
}

function underPrefix(p: string, prefix: string): boolean {
  if (prefix === "/") return p.startsWith("/");
  return p === prefix || (p.startsWith(prefix) && p.charCodeAt(prefix.length) === 47); /* "/" */
}

function replacePrefix(p: string, from: string, to: string): string {
  if (p === from) return to;
  const rest = from === "/" ? p.slice(1) : p.slice(from.length + 1);
  return to === "/" ? "/" + rest : to + "/" + rest;
}

/** Normalises a list: trailing slashes dropped, later duplicates of a `from` ignored (the first one wins). */
export function normalizeMappings(mappings: readonly PathMapping[]): PathMapping[] {
  const seen = new Set<string>();
  const out: PathMapping[] = [];
  for (const m of mappings) {
    const from = trimSlash(m.from);
    if (seen.has(from)) continue;
    seen.add(from);
    const kept: PathMapping = { from, to: trimSlash(m.to) };
    if (m.origin) kept.origin = m.origin;
    out.push(kept);
  }
  return out;
}

/** The mapping whose `side` is the longest prefix of `p`, or null. */
function longest(p: string, mappings: readonly PathMapping[], side: "from" | "to"): PathMapping | null {
  let best: PathMapping | null = null;
  for (const m of mappings) {
    const prefix = trimSlash(m[side]);
    if (underPrefix(p, prefix) && (!best || prefix.length > trimSlash(best[side]).length)) best = m;
  }
  return best;
}

/** Rewrites `p` from one side of the mappings to the other, by the longest matching prefix. */
function rewrite(p: string, mappings: readonly PathMapping[], side: "from" | "to"): string {
  const other = side === "from" ? "to" : "from";
  const best = longest(p, mappings, side);
  return best ? replacePrefix(p, trimSlash(best[side]), trimSlash(best[other])) : p;
}

/** The mapping `mapPath` applies to the nginx path `p` (the longest `from` prefix), or null. */
export function mappingFor(p: string, mappings: readonly PathMapping[]): PathMapping | null {
  return longest(p, mappings, "from");
}

/** Whether the nginx path `p` is `prefix` or inside it (whole segments: `/etc/nginx2` is not in `/etc/nginx`). */
export function isUnder(p: string, prefix: string): boolean {
  return underPrefix(p, trimSlash(prefix));
}

/** nginx path → workspace path (unchanged when no mapping covers it). */
export function mapPath(p: string, mappings: readonly PathMapping[]): string {
  return rewrite(p, mappings, "from");
}

/** Workspace path → nginx path: the inverse of `mapPath`, longest `to` prefix first. */
export function unmapPath(p: string, mappings: readonly PathMapping[]): string {
  return rewrite(p, mappings, "to");
}

export type MappingParse = { ok: true; mapping: PathMapping } | { ok: false; error: string };

/**
 * Parses the CLI's `--map FROM=TO`. FROM must be absolute (nginx paths are); a relative TO is taken
 * relative to `cwd`. The split is at the first `=`, so TO may contain `=`.
 */
export function parseMapping(spec: string, cwd: string = process.cwd()): MappingParse {
  const eq = spec.indexOf("=");
  if (eq < 0) return { ok: false, error: `invalid mapping "${spec}": expected FROM=TO` };
  const from = spec.slice(0, eq).trim();
  const to = spec.slice(eq + 1).trim();
  if (from === "" || to === "") return { ok: false, error: `invalid mapping "${spec}": FROM and TO must not be empty` };
  if (!from.startsWith("/")) return { ok: false, error: `invalid mapping "${spec}": FROM must be an absolute path` };
  return { ok: true, mapping: { from: trimSlash(from), to: trimSlash(path.resolve(cwd, to)) } };
}

/**
 * The user's mappings plus the default one: `/etc/nginx` → the folder of the root `nginx.conf`, so the
 * absolute includes most configurations use (`include /etc/nginx/mime.types;`) find the workspace copy.
 * Added only when a root nginx.conf is known and the user mapped neither `/etc/nginx` itself nor a
 * prefix of it (a user's `/etc=…` already says where `/etc/nginx` is).
 */
export function withDefaultMappings(user: readonly PathMapping[], rootNginxConf: string | null): PathMapping[] {
  const out = normalizeMappings(user);
  if (!rootNginxConf) return out;
  if (out.some((m) => underPrefix(DEFAULT_NGINX_PREFIX, m.from))) return out;
  out.push({ from: DEFAULT_NGINX_PREFIX, to: trimSlash(path.posix.dirname(rootNginxConf)), origin: "default" });
  return out;
}
