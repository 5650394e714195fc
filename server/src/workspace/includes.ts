// Resolving one `include` argument the way nginx does (src/core/ngx_conf_file.c, ngx_conf_include):
//
// - ngx_conf_full_name(cycle, &file, 1): a relative name is prefixed with the *conf prefix*, the
//   directory of the main configuration file (src/core/nginx.c, ngx_process_options: everything up to
//   the last "/" of the -c path) — not the directory of the file that contains the `include`.
// - no "*?[" in the name (strpbrk): ngx_conf_parse opens it; a missing file is
//   `open() "…" failed (2: No such file or directory)` and the configuration is rejected; a directory
//   opens but fails to read: `pread() "…" failed (21: Is a directory)` (both checked with nginx 1.22.1).
// - otherwise ngx_open_glob (src/os/unix/ngx_files.c) calls glob(3) with no flags, so matches are
//   sorted and hidden names need a leading "." in the pattern; with `gl.test = 1`, GLOB_NOMATCH is
//   accepted silently, and so do we: an empty `conf.d/*.conf` is how packages ship, not a mistake.
// The name is used as written: no variables, no `..` normalisation in messages.
//
// What the workspace does not hold is told apart from what nginx would fail on (docs/rules/include.md):
// - a relative name, or an absolute one the user mapped (`nginxRisk.pathMappings`, `--map`), missing in
//   the workspace: nginx would fail here too, an error (`include-not-found`);
// - any other absolute name missing in the workspace: the server may well have it (the image, the host),
//   a warning that says how to bring it in (`include-not-in-workspace`); outside what may be read at all,
//   the read policy's warning (rule `access`), which says the same;
// - one of nginx's stock files (stock-files.ts) in either case: the built-in stand-in is read instead,
//   and the configuration loader gives one hint per name.

import * as path from "path";
import { refusalText, type Refusal } from "./access";
import { expandGlob, hasMagic } from "./glob";
import type { FileSource } from "./files";
import { normalizePath } from "./files";
import { mapPath, mappingFor, unmapPath, type PathMapping } from "./paths";
import { stockFileName, stockPath } from "./stock-files";

export interface IncludeContext {
  /** nginx's conf prefix (directory of the main file, as nginx sees it), without trailing "/". */
  confPrefix: string;
  mappings: readonly PathMapping[];
  source: FileSource;
  /**
   * Every missing plain include is an error, absolute or not: an `nginx -T` dump holds every file nginx
   * read, so a name it lacks is missing (dump.ts).
   */
  missingIsError?: boolean;
}

export interface IncludeProblem {
  message: string;
  severity: "error" | "warning";
  code: "include-not-found" | "include-not-in-workspace" | "include-is-directory" | RefusalCode;
}

/** The codes of paths the read policy refused (rule `access`, docs/rules/access.md). */
export type RefusalCode = "read-outside" | "read-system" | "read-special" | "read-too-large";

/** A refused path as a problem: a warning (nginx reads it on the server; we cannot check it here). */
export function refusalProblem(name: string, refusal: Refusal): IncludeProblem {
  return { message: refusalText(name, refusal), severity: "warning", code: `read-${refusal.reason}` };
}

export interface IncludeResolution {
  /** The argument as written. */
  pattern: string;
  /** The absolute name nginx opens or globs (conf prefix applied, not normalised). */
  nginxPath: string;
  /** The same after path mappings: where we look in the workspace. */
  workspacePath: string;
  isGlob: boolean;
  /** Files to read, in nginx's order (workspace paths, normalised). */
  files: string[];
  /** Empty when nginx would read every file without complaint. */
  problems: IncludeProblem[];
  /**
   * Set when the workspace does not hold this stock file (`mime.types`, `fastcgi_params`, …): `files` is
   * the built-in stand-in (stock-files.ts), and the loader says so once per name.
   */
  stock?: string;
}

/** ngx_conf_full_name with conf_prefix = 1: absolute names are kept, others get the conf prefix. */
export function includeNginxPath(arg: string, confPrefix: string): string {
  if (arg.startsWith("/")) return arg;
  return confPrefix.endsWith("/") ? confPrefix + arg : confPrefix + "/" + arg;
}

function lookedFor(nginxPath: string, workspacePath: string): string {
  return workspacePath === nginxPath ? "" : ` (looked for ${workspacePath})`;
}

export function resolveInclude(arg: string, ctx: IncludeContext): IncludeResolution {
  const nginxPath = includeNginxPath(arg, ctx.confPrefix);
  const workspacePath = mapPath(nginxPath, ctx.mappings);
  const base = { pattern: arg, nginxPath, workspacePath };
  if (!hasMagic(nginxPath)) {
    const file = normalizePath(workspacePath);
    // Before anything else: outside what may be read, the file's existence is not ours to tell either.
    const refused = ctx.source.refusal?.(file);
    const stock = stockFileName(nginxPath);
    // Not in the workspace (outside it, or not there): nginx's own copy on the server. A link in the workspace
    // that leads out is the user's copy: said by rule access, which tells how to have it read.
    if (stock && ((refused?.reason === "outside" && !refused.viaLink) || (!refused && !ctx.source.exists(file))))
      return { ...base, isGlob: false, files: [stockPath(stock)], problems: [], stock };
    if (refused) {
      const name = nginxPath + lookedFor(nginxPath, workspacePath);
      return { ...base, isGlob: false, files: [], problems: [refusalProblem(name, refused)] };
    }
    if (ctx.source.isDirectory(file)) {
      return {
        ...base,
        isGlob: false,
        files: [],
        problems: [isDirectoryProblem(nginxPath, workspacePath)],
      };
    }
    if (!ctx.source.exists(file)) {
      return { ...base, isGlob: false, files: [], problems: [missingProblem(arg, nginxPath, workspacePath, ctx)] };
    }
    return { ...base, isGlob: false, files: [file], problems: [] };
  }
  // A pattern whose fixed part is refused (`/etc/*.conf`, `/proc/*/environ`) matches nothing we may list:
  // say why instead of "matches no files".
  const fixed = fixedPrefix(normalizePath(workspacePath));
  const prefixRefused = fixed === null ? null : ctx.source.refusal?.(fixed);
  if (prefixRefused) {
    const name = nginxPath + lookedFor(nginxPath, workspacePath);
    return { ...base, isGlob: true, files: [], problems: [refusalProblem(name, prefixRefused)] };
  }
  // expandGlob walks segment by segment, so `.`/`..` segments must be gone first (glob(3) would
  // resolve them through the directory entries).
  const matched = expandGlob(normalizePath(workspacePath), ctx.source);
  // A match that is a symbolic link out of the roots, a FIFO or too large is reported, not read.
  const problems: IncludeProblem[] = [];
  /** The matches read, named as glob(3) gave them. */
  const kept: string[] = [];
  for (const m of matched) {
    const r = ctx.source.refusal?.(normalizePath(m));
    if (r) problems.push(refusalProblem(unmapPath(normalizePath(m), ctx.mappings), r));
    else kept.push(m);
  }
  const files = kept.map(normalizePath);
  // glob(3) returns directories too (`include sites-enabled/*;` with a sub-folder); nginx then fails
  // reading the first one. Keep the files, report the directory where nginx would stop.
  // Named as glob(3) gave it: `include conf.d/.*;` fails on "conf.d/." (readdir lists "." and "..").
  const dirAt = files.findIndex((f) => ctx.source.isDirectory(f));
  if (dirAt >= 0) {
    problems.push(isDirectoryProblem(unmapPath(kept[dirAt], ctx.mappings), kept[dirAt]));
    return { ...base, isGlob: true, files: files.filter((f) => !ctx.source.isDirectory(f)), problems };
  }
  return { ...base, isGlob: true, files, problems };
}

/**
 * A plain include the workspace does not hold: nginx's error where nginx would fail on it too (a relative
 * name, a path the user mapped, a dump), else a warning that the server may have it and how to bring it in.
 */
function missingProblem(arg: string, nginxPath: string, workspacePath: string, ctx: IncludeContext): IncludeProblem {
  const looked = lookedFor(nginxPath, workspacePath);
  const mapping = mappingFor(nginxPath, ctx.mappings);
  if (ctx.missingIsError || !arg.startsWith("/") || (mapping !== null && mapping.origin === undefined)) {
    return {
      message: `open() "${nginxPath}" failed (2: No such file or directory)${looked}`,
      severity: "error",
      code: "include-not-found",
    };
  }
  return {
    message:
      `"${nginxPath}" is not in the workspace${looked}; nginx reads it on the server. To analyse it, map the ` +
      `folder that holds it (nginxRisk.pathMappings, --map FROM=TO) or allow reading it ` +
      `(nginxRisk.allowRead, --allow-read PATH)`,
    severity: "warning",
    code: "include-not-in-workspace",
  };
}

function isDirectoryProblem(nginxPath: string, workspacePath: string): IncludeProblem {
  return {
    message: `pread() "${nginxPath}" failed (21: Is a directory)${lookedFor(nginxPath, workspacePath)}`,
    severity: "error",
    code: "include-is-directory",
  };
}

/** The folder a glob pattern lists first: everything before its first segment with `*`, `?` or `[`. */
function fixedPrefix(pattern: string): string | null {
  const segs = pattern.split("/");
  const i = segs.findIndex((s) => hasMagic(s));
  if (i <= 0) return null;
  const dir = segs.slice(0, i).join("/");
  return dir === "" ? "/" : dir;
}

/** The conf prefix for a main file given as an nginx path (ngx_process_options). */
export function confPrefixOf(nginxMainPath: string): string {
  return path.posix.dirname(nginxMainPath);
}
