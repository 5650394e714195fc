// Which files of the workspace are read for facts, and the walk that finds them (breadth-first, sorted,
// bounded), from the disk or through a `FileSource` whose editor buffers stand over the disk. Only the text
// is read here; what a file says is for the readers (index.ts hands each file to those its name calls for).

import * as path from "path";
import { NodeFileSource, OverlayFileSource, normalizePath, type FileSource } from "../files";
import type { FactsFile } from "./types";

export interface ScanOptions {
  source?: FileSource;
  /** Stop after reading this many candidate files. */
  maxFiles?: number;
  maxDepth?: number;
}

const MAX_FILE_BYTES = 1024 * 1024;
const SKIPPED_DIRS = new Set(["node_modules", ".git", ".hg", ".svn", "__pycache__"]);

/** The walk of `scanWorkspaceFacts`: the candidate files of the folders, with their text and a path to show. */
export function readWorkspaceFiles(folders: readonly string[], options: ScanOptions = {}): FactsFile[] {
  const maxFiles = options.maxFiles ?? 5000;
  const maxDepth = options.maxDepth ?? 8;
  const reader = options.source ? sourceReader(options.source) : diskReader();
  const files: FactsFile[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  // Entries looked at, read or not: a bound on the walk itself in a huge monorepo.
  let budget = maxFiles * 20;
  for (const folder of folders) {
    const top = normalizePath(folder);
    let level = [top];
    for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
      const next: string[] = [];
      for (const dir of level) {
        const real = reader.realpath(dir);
        if (seenDirs.has(real)) continue;
        seenDirs.add(real);
        const names = reader.readdir(dir);
        if (!names) continue;
        names.sort();
        for (const name of names) {
          if (--budget < 0 || files.length >= maxFiles) return files;
          const p = dir === "/" ? "/" + name : dir + "/" + name;
          if (reader.isDirectory(p)) {
            if (!SKIPPED_DIRS.has(name) && !name.startsWith(".")) next.push(p);
            continue;
          }
          if (seenFiles.has(p) || !isCandidateFile(p)) continue;
          seenFiles.add(p);
          const text = reader.read(p);
          if (text === null) continue;
          files.push({ path: p, text, displayPath: path.posix.relative(top, p) || name });
        }
      }
      level = next;
    }
  }
  return files;
}

interface Reader {
  readdir(dir: string): string[] | null;
  isDirectory(p: string): boolean;
  /** Text of a small text file, or null (unreadable, too big, binary). */
  read(p: string): string | null;
  realpath(p: string): string;
}

function looksBinary(text: string): boolean {
  return text.slice(0, 8192).includes("\0");
}

/** The disk through its read policy (workspace/access.ts): no file outside it, no FIFO, nothing large. */
function diskReader(disk: NodeFileSource = new NodeFileSource()): Reader {
  return {
    readdir: (dir) => disk.readdir(dir),
    isDirectory: (p) => disk.isDirectory(p),
    read: (p) => disk.readText(p, MAX_FILE_BYTES),
    realpath: (p) => disk.realpath(p),
  };
}

/** The disk source `source` reads `p` from (no editor buffer over it), or null. */
function diskUnder(source: FileSource, p: string): NodeFileSource | null {
  if (source instanceof NodeFileSource) return source;
  if (source instanceof OverlayFileSource) return source.hasOverlay(p) ? null : diskUnder(source.base, p);
  return null;
}

function sourceReader(source: FileSource): Reader {
  return {
    readdir: (dir) => source.readdir(dir),
    isDirectory: (p) => source.isDirectory(p),
    read: (p) => {
      // Disk files are stat'ed before they are read (under the source's read policy), and not kept in the
      // source's cache of configuration text: a workspace has many YAML and .conf files that are not nginx
      // configuration.
      const disk = diskUnder(source, p);
      if (disk) return disk.readText(p, MAX_FILE_BYTES);
      const text = source.read(p);
      // Buffers and memory have no stat: judge by the (decoded) length, which is at most the byte count.
      if (text === null || text.length > MAX_FILE_BYTES || looksBinary(text)) return null;
      return text;
    },
    realpath: (p) => (source.realpath ? source.realpath(p) : p),
  };
}

// ---------------------------------------------------------------------------------------------------
// Which files are read, and as what.

const CRON_DIRS = new Set(["cron.d", "crontabs", "cron"]);
export const CRON_PERIODIC_DIRS = new Map<string, string>(
  Object.entries({
    "cron.hourly": "every hour",
    "cron.daily": "every day",
    "cron.weekly": "every week",
    "cron.monthly": "every month",
  }),
);

export function isCrontabName(name: string, dir: string): boolean {
  return /^crontab(\.[^/]*)?$/i.test(name) || /\.(cron|crontab)$/i.test(name) || CRON_DIRS.has(dir);
}

export function isDockerfileName(name: string): boolean {
  return /^(Dockerfile|Containerfile)([.-].*)?$/i.test(name) || /\.(dockerfile|containerfile)$/i.test(name);
}

export function isMonitFile(name: string, dir: string, parents: string): boolean {
  return name === "monitrc" || name === ".monitrc" || dir === "monit.d" || /(^|\/)monit(\/|$)/.test(parents);
}

/** A saved `nginx -V` (or `openresty -V`): `nginx-V.txt`, `nginx_version.out`, `openresty-build.log`, … */
function isVersionDumpName(name: string): boolean {
  return /(nginx|openresty)/i.test(name) && (/\.(txt|out|log|info)$/i.test(name) || !name.includes("."));
}

function isCandidateFile(p: string): boolean {
  const name = path.posix.basename(p);
  const parents = path.posix.dirname(p);
  const dir = path.posix.basename(parents);
  return (
    isCrontabName(name, dir) ||
    CRON_PERIODIC_DIRS.has(dir) ||
    /\.(service|timer|conf|cfg|ya?ml)$/i.test(name) ||
    /^zabbix_agent/i.test(name) ||
    isDockerfileName(name) ||
    isMonitFile(name, dir, parents) ||
    isVersionDumpName(name)
  );
}
