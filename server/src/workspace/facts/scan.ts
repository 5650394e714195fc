// Which files of the workspace are read for facts, and the walk that finds them (folder-scan.ts:
// breadth-first, sorted, bounded, each real folder once), from the disk or through a `FileSource` whose
// editor buffers stand over the disk. Only the text is read here; what a file says is for the readers
// (index.ts hands each file to those its name calls for).

import * as path from "path";
import { NodeFileSource, OverlayFileSource, normalizePath, type FileSource } from "../files";
import { scanFolder, type ScanLimit } from "../folder-scan";
import type { FactsFile } from "./types";

export interface ScanOptions {
  source?: FileSource;
  /** Stop after this many candidate files (in all folders); reaching it is told to `onLimit`. */
  maxFiles?: number;
  maxDepth?: number;
  /** Told when a folder's scan stopped at a limit: facts beyond it were not read. */
  onLimit?: (limit: ScanLimit) => void;
}

const MAX_FILE_BYTES = 1024 * 1024;
const SKIPPED_DIRS = new Set(["node_modules", ".git", ".hg", ".svn", "__pycache__"]);
/** Candidate files the scan reads by default (in all folders). */
export const DEFAULT_MAX_FACT_FILES = 5000;
/** Entries looked at per candidate allowed: a bound on the walk itself in a huge monorepo. */
const ENTRIES_PER_FILE = 20;

/** The walk of `scanWorkspaceFacts`: the candidate files of the folders, with their text and a path to show. */
export function readWorkspaceFiles(folders: readonly string[], options: ScanOptions = {}): FactsFile[] {
  const maxFiles = options.maxFiles ?? DEFAULT_MAX_FACT_FILES;
  const reader = options.source ? sourceReader(options.source) : diskReader();
  const files: FactsFile[] = [];
  const seenFiles = new Set<string>();
  let found = 0;
  for (const folder of folders) {
    const top = normalizePath(folder);
    const left = maxFiles - found;
    // The walk (folder-scan.ts): each real folder once, links to a folder seen or to an ancestor not
    // followed, regular files only, told apart without opening them.
    const scan = scanFolder(top, {
      source: options.source ?? DISK,
      maxFiles: left,
      maxEntries: left * ENTRIES_PER_FILE,
      maxDepth: options.maxDepth ?? 8,
      skipDirectory: (name) => SKIPPED_DIRS.has(name) || name.startsWith("."),
      accept: (p) => isCandidateFile(p),
    });
    found += scan.files.length;
    for (const p of scan.files) {
      if (seenFiles.has(p)) continue;
      seenFiles.add(p);
      const text = reader.read(p);
      if (text === null) continue;
      files.push({ path: p, text, displayPath: path.posix.relative(top, p) || path.posix.basename(p) });
    }
    if (scan.limit) {
      options.onLimit?.({ ...scan.limit, maxFiles, maxEntries: maxFiles * ENTRIES_PER_FILE });
      break;
    }
  }
  return files;
}

/** The disk, for listing folders when no source is given (the text is read by diskReader). */
const DISK = new NodeFileSource();

/** Reads a candidate's text: small text files only (unreadable, too big or binary: null). */
interface Reader {
  read(p: string): string | null;
}

function looksBinary(text: string): boolean {
  return text.slice(0, 8192).includes("\0");
}

/** The disk through its read policy (workspace/access.ts): no file outside it, no FIFO, nothing large. */
function diskReader(disk: NodeFileSource = new NodeFileSource()): Reader {
  return {
    read: (p) => disk.readText(p, MAX_FILE_BYTES),
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
    // Scripts may `docker run` the nginx image (its capabilities and memlock limit: rule quic-bpf-limits).
    /\.(sh|bash)$/i.test(name) ||
    /^zabbix_agent/i.test(name) ||
    isDockerfileName(name) ||
    isMonitFile(name, dir, parents) ||
    isVersionDumpName(name)
  );
}
