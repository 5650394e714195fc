// Glob expansion for `include`, as nginx does it with glibc's glob(3) (ngx_open_glob, no flags): `*`, `?`,
// `[…]` and `\` escapes in any path segment, each directory entry compared with fnmatch(3) and FNM_PERIOD
// (fnmatch.ts: O(name × pattern) steps, never a backtracking regex), no match for names starting with "."
// unless the pattern's segment says "." literally — and then "." and ".." match too, as readdir(3) lists
// them — results sorted by bytes (strcoll in the C locale). A pattern without magic characters names one
// file, which must exist (posix/glob.c, glob_in_dir: lstat).

import * as fs from "fs";
import * as path from "path";
import { fnmatchSegment } from "./fnmatch";

/** nginx's test for a glob (ngx_conf_include: strpbrk(name, "*?[")); otherwise it opens the name as written. */
export function hasMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/**
 * glibc's __glob_pattern_type (posix/glob_internal.h): whether a segment needs matching against the
 * directory (a `*` or `?`, or a `[` — closed or not: fnmatch takes an unclosed `[` literally), or is a name,
 * possibly with `\` escapes to remove.
 */
function segmentKind(seg: string): "pattern" | "escaped" | "name" {
  let escaped = false;
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === "*" || c === "?" || c === "[") return "pattern";
    if (c === "\\") {
      escaped = true;
      if (i + 1 < seg.length) i++;
    }
  }
  return escaped ? "escaped" : "name";
}

/** A segment without magic, as a name: `\x` is `x`. */
function unescape(seg: string): string {
  return seg.replace(/\\(.)/gs, "$1");
}

/** The segment without a last `\` that escapes nothing (an odd run of them at its end). */
function withoutTrailingBackslash(seg: string): string {
  let run = 0;
  while (run < seg.length && seg[seg.length - 1 - run] === "\\") run++;
  return run % 2 === 1 ? seg.slice(0, -1) : seg;
}

export interface GlobFs {
  readdir(dir: string): string[] | null;
  isDirectory(p: string): boolean;
  /** Whether anything is at `p` (the last segment of a pattern that has no magic of its own). */
  exists?(p: string): boolean;
}

export const nodeGlobFs: GlobFs = {
  readdir(dir) {
    try {
      return fs.readdirSync(dir);
    } catch {
      return null;
    }
  },
  isDirectory(p) {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  },
  exists(p) {
    try {
      fs.lstatSync(p);
      return true;
    } catch {
      return false;
    }
  },
};

export interface GlobOptions {
  /**
   * Whether "." and ".." are directory entries, as readdir(3) gives them to glob(3) (`include conf.d/.*;`
   * reads `conf.d/.` and fails: "Is a directory"). Default true; Python's glob (crossplane) skips them.
   */
  dotEntries?: boolean;
}

/** Sorted as glob(3) sorts in the C locale: by the bytes of the UTF-8 names (strcoll is strcmp there). */
function sortByBytes(paths: string[]): string[] {
  return paths
    .map((p) => ({ p, key: Buffer.from(p, "utf8") }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map((x) => x.p);
}

/** Expands a glob pattern (absolute, or relative to the process's working directory) to sorted paths. */
export function expandGlob(pattern: string, gfs: GlobFs = nodeGlobFs, options: GlobOptions = {}): string[] {
  const dotEntries = options.dotEntries ?? true;
  const isAbs = pattern.startsWith("/");
  const segs = pattern.split("/");
  let bases: string[] = [isAbs ? "/" : ""];
  const startIdx = isAbs ? 1 : 0;
  const join = (b: string, n: string): string => (b === "" ? n : b === "/" ? "/" + n : b + "/" + n);
  // Only the last non-empty segment may name a file; the ones before must be directories.
  let lastIdx = segs.length - 1;
  while (lastIdx > startIdx && segs[lastIdx] === "") lastIdx--;
  for (let i = startIdx; i < segs.length; i++) {
    const seg = segs[i];
    const last = i === lastIdx;
    const next: string[] = [];
    if (seg === "") {
      // `a//b` or a trailing slash: keep the bases as they are.
      continue;
    }
    // glob(3) splits at the last "/" and globs the directory part on its own, where an unquoted `\` at its
    // end escapes nothing and is dropped (posix/glob.c, glob: "foo\\/bar").
    const part = last ? seg : withoutTrailingBackslash(seg);
    const kind = segmentKind(part);
    // The last segment is compared with every entry unless it is a plain name (glob_in_dir: fnmatch for
    // any magic or escape, lstat for a plain name); a directory part with escapes only is unescaped.
    if (kind === "name" || (kind === "escaped" && !last)) {
      const name = kind === "escaped" ? unescape(part) : part;
      for (const b of bases) {
        const p = join(b, name);
        // A name after a matched segment must exist; before the last segment, reading it as a directory
        // next tells.
        if (last && gfs.exists && !gfs.exists(p)) continue;
        next.push(p);
      }
    } else {
      const pat = Buffer.from(part, "utf8");
      for (const b of bases) {
        const listed = gfs.readdir(b === "" ? "." : b);
        if (!listed) continue;
        const names = dotEntries ? [...listed, ".", ".."] : listed;
        for (const n of names) {
          if (!fnmatchSegment(pat, n)) continue;
          const p = join(b, n);
          if (!last && !gfs.isDirectory(p)) continue;
          next.push(p);
        }
      }
    }
    bases = next;
  }
  return sortByBytes(bases.filter((b) => b !== "" && b !== "/"));
}

/** Joins like Python's os.path.join (crossplane): no normalisation of `.`/`..`, so file names match its payload. */
export function joinConfPath(dir: string, p: string): string {
  if (path.isAbsolute(p) || dir === "") return p;
  return dir.endsWith("/") ? dir + p : dir + "/" + p;
}
