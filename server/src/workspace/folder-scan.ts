// The walk of a workspace folder that both scans share: the candidate configuration files (roots.ts) and
// the files around the configuration (facts/scan.ts). Breadth-first, sorted, bounded, and safe on any tree:
//
// - each real directory is read once: a symbolic link to a directory already seen, to the folder itself or
//   to one of its ancestors is not followed (four links to "." used to multiply every path at every level:
//   thousands of copies of each file, minutes and hundreds of MiB), and links are followed only after the
//   folders themselves, so a folder of the tree keeps its own name;
// - only regular files are offered: FIFOs, sockets and devices (and links to nothing) are skipped from the
//   entry's type, without opening them (opening a FIFO blocks until a writer comes);
// - at most `maxDepth` levels, `maxFiles` accepted files and `maxEntries` entries looked at (a huge tree
//   with few candidates is bounded too); reaching a limit is reported (`limit`), never silent.

import * as path from "path";
import { normalizePath, type DirEntry, type FileSource } from "./files";

export interface FolderScanOptions {
  source: FileSource;
  maxFiles: number;
  /** Entries (files, folders, anything) looked at, in all. */
  maxEntries: number;
  maxDepth: number;
  /** Folders not to enter, by name (node_modules, .git, …). */
  skipDirectory(name: string): boolean;
  /** Whether a regular file is one the scan is for. */
  accept(file: string, name: string, dir: string): boolean;
}

/** A scan that stopped before the end of its folder. */
export interface ScanLimit {
  folder: string;
  maxFiles: number;
  maxEntries: number;
  /** Which limit was reached: more accepted files than `maxFiles`, or more entries than `maxEntries`. */
  reason: "files" | "entries";
}

export interface FolderScan {
  /** Accepted files, level by level, sorted by name within a folder. */
  files: string[];
  /** Set when the walk stopped at a limit: there may be more. */
  limit: ScanLimit | null;
  /** Directories read (for tests: each real directory at most once). */
  directoriesRead: number;
}

/** The entries of a directory with their kinds, from the source's `entries` or, lacking it, readdir + isDirectory. */
function listEntries(source: FileSource, dir: string): DirEntry[] | null {
  if (source.entries) return source.entries(dir);
  const names = source.readdir(dir);
  if (!names) return null;
  return names.map((name) => ({
    name,
    kind: source.isDirectory(path.posix.join(dir, name)) ? "directory" : "file",
    link: false,
  }));
}

/** Whether `dir` is `p` or one of its ancestors. */
function isAncestorOrSelf(dir: string, p: string): boolean {
  return dir === p || dir === "/" || p.startsWith(dir + "/");
}

export function scanFolder(folder: string, options: FolderScanOptions): FolderScan {
  const { source, maxFiles, maxDepth } = options;
  const real = (p: string): string => (source.realpath ? normalizePath(source.realpath(p)) : p);
  const top = normalizePath(folder);
  const topReal = real(top);
  const files: string[] = [];
  const visited = new Set<string>([topReal]);
  let entriesLeft = options.maxEntries;
  let directoriesRead = 0;
  const stop = (reason: ScanLimit["reason"]): FolderScan => ({
    files,
    limit: { folder: top, maxFiles, maxEntries: options.maxEntries, reason },
    directoriesRead,
  });
  interface Folder {
    dir: string;
    real: string;
    depth: number;
  }
  // Breadth-first over the folders themselves; links to folders wait until the tree is done, so that a
  // folder inside it is found under its own name (conf.d/, not a link "again" → conf.d sorted before it).
  const queue: Folder[] = [{ dir: top, real: topReal, depth: 0 }];
  const links: Folder[] = [];
  for (let head = 0, link = 0; ;) {
    if (head === queue.length) {
      if (link === links.length) break;
      const l = links[link++];
      if (visited.has(l.real)) continue;
      visited.add(l.real);
      queue.push(l);
    }
    const { dir, real: dirReal, depth } = queue[head++];
    const entries = listEntries(source, dir);
    directoriesRead++;
    if (!entries) continue;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (--entriesLeft < 0) return stop("entries");
      const p = dir === "/" ? "/" + e.name : dir + "/" + e.name;
      if (e.kind === "directory") {
        if (options.skipDirectory(e.name) || depth === maxDepth) continue;
        if (e.link) {
          const r = real(p);
          // Already seen, the folder itself or one of its ancestors (a link to "." or ".." or "/"): a loop.
          if (!visited.has(r) && !isAncestorOrSelf(r, topReal)) links.push({ dir: p, real: r, depth: depth + 1 });
          continue;
        }
        // A plain sub-folder's real path follows from its parent's.
        const r = dirReal === "/" ? "/" + e.name : dirReal + "/" + e.name;
        if (visited.has(r)) continue;
        visited.add(r);
        queue.push({ dir: p, real: r, depth: depth + 1 });
      } else if (e.kind === "file" && options.accept(p, e.name, dir)) {
        if (files.length >= maxFiles) return stop("files");
        files.push(p);
      }
    }
  }
  return { files, limit: null, directoriesRead };
}
