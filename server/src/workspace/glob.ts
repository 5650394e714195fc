// Glob expansion for `include`, as nginx does it with glob(3) (ngx_open_glob, no flags): `*`, `?` and
// `[…]` in any path segment, no match for names starting with "." unless the pattern's segment does,
// results sorted. A pattern without magic characters names one file, which must exist.

import * as fs from "fs";
import * as path from "path";

export function hasMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

function segmentToRegExp(seg: string): RegExp {
  let re = "^";
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = seg.indexOf("]", i + 2);
      if (close < 0) {
        re += "\\[";
        continue;
      }
      let body = seg.slice(i + 1, close);
      if (body.startsWith("!")) body = "^" + body.slice(1);
      re += "[" + body.replace(/\\/g, "\\\\") + "]";
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(re + "$");
}

export interface GlobFs {
  readdir(dir: string): string[] | null;
  isDirectory(p: string): boolean;
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
};

/** Expands a glob pattern (absolute, or relative to the process's working directory) to sorted paths. */
export function expandGlob(pattern: string, gfs: GlobFs = nodeGlobFs): string[] {
  const isAbs = pattern.startsWith("/");
  const segs = pattern.split("/");
  let bases: string[] = [isAbs ? "/" : ""];
  const startIdx = isAbs ? 1 : 0;
  for (let i = startIdx; i < segs.length; i++) {
    const seg = segs[i];
    const last = i === segs.length - 1;
    const next: string[] = [];
    if (seg === "") {
      // `a//b` or a trailing slash: keep the bases as they are.
      continue;
    }
    if (!hasMagic(seg)) {
      for (const b of bases) next.push(b === "" ? seg : b === "/" ? "/" + seg : b + "/" + seg);
    } else {
      const re = segmentToRegExp(seg);
      for (const b of bases) {
        const names = gfs.readdir(b === "" ? "." : b);
        if (!names) continue;
        for (const n of names) {
          if (n.startsWith(".") && !seg.startsWith(".")) continue;
          if (!re.test(n)) continue;
          const p = b === "" ? n : b === "/" ? "/" + n : b + "/" + n;
          if (!last && !gfs.isDirectory(p)) continue;
          next.push(p);
        }
      }
    }
    bases = next;
  }
  const out = bases.filter((b) => b !== "" && b !== "/");
  out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return out;
}

/** Joins like Python's os.path.join (crossplane): no normalisation of `.`/`..`, so file names match its payload. */
export function joinConfPath(dir: string, p: string): string {
  if (path.isAbsolute(p) || dir === "") return p;
  return dir.endsWith("/") ? dir + p : dir + "/" + p;
}
