// Where configuration text comes from: the disk, open editor buffers laid over it, or an in-memory set
// of files (an `nginx -T` dump, tests). Everything above this module reads files only through a
// `FileSource`, so includes, globs and roots resolve the same way against any of them.
//
// nginx reads configuration as bytes (ngx_conf_read_token in src/core/ngx_conf_file.c never decodes),
// but our tree and the editor work in UTF-16 text. We decode as UTF-8 and keep going on invalid bytes
// (U+FFFD), reporting the first one, so that a stray Latin-1 comment does not hide the whole file.

import * as fs from "fs";
import * as path from "path";
import { isAscii, isUtf8 } from "buffer";
import type { ParsedFile, Range } from "../parse/ast";
import { updateParseAll, type RangeChange, type TextChange } from "../parse/incremental";
import { forgetChangedBlocks } from "./subtree-memo";
import { setTextWindow } from "./text-window";
import { EditLog, type EditMarks, type Span } from "./edit-log";
import { parse } from "../parse/parser";
import { ReadPolicy, type ReadKind, type Refusal } from "./access";
import type { GlobFs } from "./glob";

export type { ReadKind, Refusal } from "./access";

/** A problem with a file's bytes, found while decoding it. */
export interface FileProblem {
  message: string;
  range: Range;
  severity: "error" | "warning";
  code: string;
}

/** A file's decoded text plus what identifies this content. */
export interface LoadedFile {
  text: string;
  /** Changes whenever the content may have changed (disk: mtime/size/inode; buffers: a counter). */
  version: string;
  problems: FileProblem[];
  /**
   * An editor buffer's text read in parts without reading `text` itself: `text` is then a concatenation
   * that V8 copies whole on its first read (lsp/edited-document.ts), which a keystroke should not pay.
   */
  window?: TextWindow;
}

/** Parts of a text read without reading the text as one string (text-window.ts). */
export interface TextWindow {
  /** `text.slice(from, to)`. */
  slice(from: number, to: number): string;
  /** The text as consecutive parts, each a flat string (or a slice of one). */
  chunks(): Iterable<string>;
  /** Whether the text holds a NUL (the window may remember it for the parts an edit left unchanged). */
  holdsNul(): boolean;
}

/** What a directory entry is, told without opening it (a symbolic link is followed with stat). */
export type EntryKind = "file" | "directory" | "other";

export interface DirEntry {
  name: string;
  /** `other`: a FIFO, socket or device, or a link to nothing. */
  kind: EntryKind;
  /** A symbolic link (its target's kind is `kind`). */
  link: boolean;
}

export interface FileSource extends GlobFs {
  /** The file's text, or null if it cannot be read as a file (of `kind`: the size limit differs). */
  read(p: string, kind?: ReadKind): string | null;
  /** The file's text with its version and decoding problems, or null if it cannot be read as a file. */
  load(p: string, kind?: ReadKind): LoadedFile | null;
  /** Names in a directory (not full paths), or null if it is not a readable directory. */
  readdir(dir: string): string[] | null;
  isDirectory(p: string): boolean;
  /** True for anything at that path: file or directory. */
  exists(p: string): boolean;
  /** The path with symlinks resolved (Debian's sites-enabled/x → ../sites-available/x); identity if unknown. */
  realpath?(p: string): string;
  /**
   * Why the source will not read `p` as `kind` (outside what may be read, a FIFO, too large: access.ts), or
   * null when it would or when nothing is there. Sources without a read policy do not have it.
   */
  refusal?(p: string, kind?: ReadKind): Refusal | null;
  /**
   * The user opened this file (an editor buffer, a file named on the command line): its content may be shown
   * in messages whatever it looks like. Other files must read as nginx configuration first (classify.ts).
   */
  isOpened?(p: string): boolean;
  /** A directory's entries with their kinds (folder scans skip FIFOs and devices without opening them). */
  entries?(dir: string): DirEntry[] | null;
}

/** Position of `offset` in `text`, with LF, CRLF and a lone CR each one line break, as the scanner counts. */
export function positionAt(text: string, offset: number): { line: number; character: number; offset: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: offset - lineStart, offset };
}

/** Index of the first byte that does not start (or continue) a well-formed UTF-8 sequence. */
function firstInvalidUtf8Byte(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8 either.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Decodes configuration bytes. Invalid UTF-8 becomes U+FFFD with one warning at the first bad byte.
 * A byte order mark is kept as U+FEFF: nginx does not skip it, it becomes part of the first directive's
 * name (`unknown directive "\uFEFFuser"`, checked with nginx 1.22.1), so we report it instead of hiding it.
 */
export function decodeConfigBytes(buf: Uint8Array): { text: string; problems: FileProblem[] } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  // Most configurations are ASCII: read as Latin-1, the same text without UTF-8 decoding (1.3 MB: about half
  // the time of the UTF-8 decoder here, and the file is read on every `parse` and cold `check`).
  if (isAscii(b)) return { text: b.toString("latin1"), problems: [] };
  // Buffer#toString keeps a leading BOM (TextDecoder would drop it) and substitutes U+FFFD.
  const text = b.toString("utf8");
  const problems: FileProblem[] = [];
  if (!isUtf8(b)) {
    const bad = firstInvalidUtf8Byte(b);
    const at = bad < 0 ? b.length : bad;
    const start = positionAt(text, b.subarray(0, at).toString("utf8").length);
    const byte = bad < 0 ? "" : ` (byte 0x${b[bad].toString(16).padStart(2, "0")} at byte offset ${bad})`;
    problems.push({
      message: `file is not valid UTF-8${byte}; invalid bytes are shown as U+FFFD`,
      range: { start, end: { line: start.line, character: start.character + 1, offset: start.offset + 1 } },
      severity: "warning",
      code: "invalid-utf8",
    });
  }
  const bom = bomProblem(text);
  if (bom) problems.push(bom);
  return { text, problems };
}

function bomProblem(text: string): FileProblem | null {
  if (text.charCodeAt(0) !== 0xfeff) return null;
  return {
    // nginx does not skip it: `nginx -t` fails with `unknown directive "\uFEFFevents"` (checked, 1.22.1).
    message:
      "file starts with a UTF-8 byte order mark: nginx reads it as part of the first directive's name and fails (unknown directive); save the file without BOM",
    range: { start: { line: 0, character: 0, offset: 0 }, end: { line: 0, character: 1, offset: 1 } },
    severity: "error",
    code: "utf8-bom",
  };
}

/** What identifies a disk file's content version: a change of any of them is read again. */
function diskVersion(st: fs.Stats): string {
  return `disk:${st.mtimeMs}:${st.size}:${st.ino}`;
}

/** Opens without following a last symbolic link and without blocking on a FIFO put there since the check. */
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/**
 * The bytes of the regular file `real` the policy just looked at (`seen`), read through one descriptor: if
 * what is there now is not that same regular file, or grew past `limit`, nothing is read.
 */
function readChecked(real: string, seen: fs.Stats, limit: number): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(real, OPEN_FLAGS);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.ino !== seen.ino || st.dev !== seen.dev || st.size > limit) return null;
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < buf.length) {
      const got = fs.readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
    }
    return n === buf.length ? buf : buf.subarray(0, n);
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The disk, through a read policy (access.ts: what may be read, never /proc, FIFOs or oversized files).
 * Keeps the decoded text of every file it read, keyed by a stat-based version, so a workspace reloaded on
 * every keystroke re-reads only files that changed (a stat costs far less than read+decode).
 */
export class NodeFileSource implements FileSource {
  private readonly texts = new Map<string, LoadedFile>();
  private readonly opened: Set<string>;

  /**
   * `policy`: what may be read (default: anything but /proc, /sys, /dev, special and oversized files).
   * `opened`: files the user named (the CLI's file arguments), shown whatever they look like.
   */
  constructor(
    readonly policy: ReadPolicy = new ReadPolicy(),
    opened: Iterable<string> = [],
  ) {
    this.opened = new Set([...opened].map(normalizePath));
  }

  load(p: string, kind: ReadKind = "configuration"): LoadedFile | null {
    const r = this.policy.file(p, kind);
    if (r.kind !== "ok") {
      this.texts.delete(p);
      return null;
    }
    const st = r.stats;
    const version = diskVersion(st);
    const cached = this.texts.get(p);
    if (cached && cached.version === version) return cached;
    const buf = readChecked(r.real, st, this.policy.limits[kind]);
    if (buf === null) return null;
    const loaded = { ...decodeConfigBytes(buf), version };
    this.texts.set(p, loaded);
    return loaded;
  }

  read(p: string, kind: ReadKind = "configuration"): string | null {
    return this.load(p, kind)?.text ?? null;
  }

  /** The file's bytes under the policy, not kept (the formatter compares them with what it writes). */
  readBytes(p: string, kind: ReadKind = "configuration", maxBytes = this.policy.limits[kind]): Buffer | null {
    const r = this.policy.file(p, kind);
    if (r.kind !== "ok" || r.stats.size > maxBytes) return null;
    return readChecked(r.real, r.stats, maxBytes);
  }

  /**
   * A small text file under the policy, not kept (the workspace facts read many files that are not
   * configuration): null when refused, missing, over `maxBytes` or not text (a NUL byte).
   */
  readText(p: string, maxBytes: number): string | null {
    const r = this.policy.file(p, "configuration");
    if (r.kind !== "ok" || r.stats.size > maxBytes) return null;
    // A configuration file read already, unchanged since (the same stat as load()'s): its text is the same
    // Buffer#toString of the same bytes (decodeConfigBytes only adds problems beside it), and a text without
    // U+0000 had no NUL byte (only a NUL byte decodes to it). The facts scan reads every `.conf` file, so a
    // cold check of 1,000 site files read and decoded each twice (32 MB) without this.
    const cached = this.texts.get(p);
    if (cached !== undefined && cached.version === diskVersion(r.stats) && !cached.text.includes("\0"))
      return cached.text;
    const buf = readChecked(r.real, r.stats, maxBytes);
    if (buf === null || buf.subarray(0, 8192).includes(0)) return null;
    return buf.toString("utf8");
  }

  readdir(dir: string): string[] | null {
    const r = this.policy.entry(dir);
    if (r.kind !== "ok" || !r.stats.isDirectory()) return null;
    try {
      return fs.readdirSync(r.real);
    } catch {
      return null;
    }
  }

  isDirectory(p: string): boolean {
    const r = this.policy.entry(p);
    return r.kind === "ok" && r.stats.isDirectory();
  }

  exists(p: string): boolean {
    return this.policy.entry(p).kind === "ok";
  }

  realpath(p: string): string {
    return this.policy.realpath(p);
  }

  refusal(p: string, kind: ReadKind = "configuration"): Refusal | null {
    return this.policy.refusal(p, kind);
  }

  isOpened(p: string): boolean {
    return this.opened.has(normalizePath(p));
  }

  /**
   * A folder's entries with their kinds, under the read policy: a folder it refuses lists nothing, and a link
   * is looked at through it (one that leaves what may be read is never followed). stat follows a link without
   * opening its target, so a FIFO stays closed.
   */
  entries(dir: string): DirEntry[] | null {
    const r = this.policy.entry(dir);
    if (r.kind !== "ok" || !r.stats.isDirectory()) return null;
    let dirents: fs.Dirent[];
    try {
      dirents = fs.readdirSync(r.real, { withFileTypes: true });
    } catch {
      return null;
    }
    return dirents.map((d) => {
      const link = d.isSymbolicLink();
      if (!link) return { name: d.name, kind: direntKind(d), link };
      const e = this.policy.entry(path.posix.join(dir, d.name));
      // A link the policy refuses (out of the roots, into /proc) is listed as a file: reading it is then
      // refused with its reason, which the user sees. A link to a device is skipped instead: never
      // configuration (a packaged default.conf is masked with a link to /dev/null, which nginx reads as an
      // empty file). A dangling link is nothing at all.
      if (e.kind === "refused") return { name: d.name, kind: linksToDevice(dir, d.name) ? "other" : "file", link };
      return { name: d.name, kind: e.kind === "ok" ? direntKind(e.stats) : "other", link };
    });
  }

  /** Forgets cached text (e.g. on a file-watcher event whose change a stat could miss) and the links seen. */
  forget(p?: string): void {
    if (p === undefined) this.texts.clear();
    else this.texts.delete(p);
    this.policy.forget();
  }
}

/** Whether the link `dir/name` points into /dev (read from the link itself, nothing followed). */
function linksToDevice(dir: string, name: string): boolean {
  try {
    const target = path.posix.resolve(dir, fs.readlinkSync(path.posix.join(dir, name)));
    return target === "/dev" || target.startsWith("/dev/");
  } catch {
    return false;
  }
}

function direntKind(d: { isFile(): boolean; isDirectory(): boolean }): EntryKind {
  return d.isFile() ? "file" : d.isDirectory() ? "directory" : "other";
}

/** Posix-style normalisation used for every path key (cache, overlays, virtual files). */
export function normalizePath(p: string): string {
  const n = path.posix.normalize(p);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

/** Files held in memory: the files of an `nginx -T` dump, or a test's virtual tree. Directories are implied. */
export class MemoryFileSource implements FileSource {
  private readonly files = new Map<string, LoadedFile>();
  private readonly dirs = new Map<string, Set<string>>();
  private counter = 0;

  constructor(files?: Record<string, string>) {
    if (files) for (const [p, t] of Object.entries(files)) this.set(p, t);
  }

  set(p: string, text: string, problems: FileProblem[] = []): void {
    const key = normalizePath(p);
    this.files.set(key, { text, version: `mem:${++this.counter}`, problems });
    let child = key;
    for (let dir = path.posix.dirname(key); ; dir = path.posix.dirname(dir)) {
      let names = this.dirs.get(dir);
      if (!names) this.dirs.set(dir, (names = new Set()));
      names.add(path.posix.basename(child));
      if (dir === "/" || dir === "." || dir === path.posix.dirname(dir)) break;
      child = dir;
    }
  }

  paths(): string[] {
    return [...this.files.keys()];
  }

  load(p: string): LoadedFile | null {
    return this.files.get(normalizePath(p)) ?? null;
  }

  read(p: string): string | null {
    return this.load(p)?.text ?? null;
  }

  readdir(dir: string): string[] | null {
    const names = this.dirs.get(normalizePath(dir));
    return names ? [...names] : null;
  }

  isDirectory(p: string): boolean {
    return this.dirs.has(normalizePath(p));
  }

  exists(p: string): boolean {
    const key = normalizePath(p);
    return this.files.has(key) || this.dirs.has(key);
  }

  entries(dir: string): DirEntry[] | null {
    const key = normalizePath(dir);
    const names = this.dirs.get(key);
    if (!names) return null;
    return [...names].map((name) => {
      const kind: EntryKind = this.dirs.has(key === "/" ? "/" + name : key + "/" + name) ? "directory" : "file";
      return { name, kind, link: false };
    });
  }
}

/**
 * Open editor buffers over another source: a buffer's text wins over the file on disk, and a buffer for a
 * path that does not exist yet is visible to globs in its directory.
 */
export class OverlayFileSource implements FileSource {
  private readonly overlays = new Map<string, LoadedFile>();
  private counter = 0;

  constructor(readonly base: FileSource) {}

  /**
   * `version` (e.g. the editor's document version) is optional; each call gets a distinct version anyway.
   * `decoded`: the problems `decodeConfigBytes` found in the bytes of `text` (the CLI's standard input).
   */
  setOverlay(p: string, text: string, version?: number | string, decoded?: FileProblem[], window?: TextWindow): void {
    // Editor text is already decoded; the only byte-level finding left to report is a BOM.
    const bom = bomProblem(window ? window.slice(0, 1) : text);
    const problems = decoded ?? (bom ? [bom] : []);
    const v = `overlay:${++this.counter}${version === undefined ? "" : ":" + String(version)}`;
    const loaded: LoadedFile = { text, version: v, problems };
    if (window) loaded.window = window;
    this.overlays.set(normalizePath(p), loaded);
  }

  removeOverlay(p: string): void {
    this.overlays.delete(normalizePath(p));
  }

  hasOverlay(p: string): boolean {
    return this.overlays.has(normalizePath(p));
  }

  load(p: string, kind?: ReadKind): LoadedFile | null {
    return this.overlays.get(normalizePath(p)) ?? this.base.load(p, kind);
  }

  read(p: string, kind?: ReadKind): string | null {
    return this.load(p, kind)?.text ?? null;
  }

  readdir(dir: string): string[] | null {
    const fromBase = this.base.readdir(dir);
    const key = normalizePath(dir);
    let extra: string[] | null = null;
    for (const o of this.overlays.keys()) {
      if (path.posix.dirname(o) !== key) continue;
      const name = path.posix.basename(o);
      if (fromBase && fromBase.includes(name)) continue;
      (extra ??= []).push(name);
    }
    if (!extra) return fromBase;
    return fromBase ? [...fromBase, ...extra] : extra;
  }

  isDirectory(p: string): boolean {
    return !this.overlays.has(normalizePath(p)) && this.base.isDirectory(p);
  }

  exists(p: string): boolean {
    return this.overlays.has(normalizePath(p)) || this.base.exists(p);
  }

  realpath(p: string): string {
    return this.base.realpath ? this.base.realpath(p) : p;
  }

  refusal(p: string, kind?: ReadKind): Refusal | null {
    // An open buffer is what the user opened: read whatever its path.
    if (this.overlays.has(normalizePath(p))) return null;
    return this.base.refusal ? this.base.refusal(p, kind) : null;
  }

  isOpened(p: string): boolean {
    const key = normalizePath(p);
    if (this.overlays.has(key) && (this.openedFilter === null || this.openedFilter(key))) return true;
    return this.base.isOpened?.(p) ?? false;
  }

  private openedFilter: ((p: string) => boolean) | null = null;

  /**
   * Which buffers count as opened (`isOpened`). The language server leaves out a buffer whose text does not
   * read as nginx configuration (a redis.conf an editor sent as `nginx`): it is then read as any file the user
   * did not open, so an include that reaches it gets the "not configuration" warning, and it is no main file.
   */
  setOpenedFilter(filter: ((p: string) => boolean) | null): void {
    this.openedFilter = filter;
  }

  entries(dir: string): DirEntry[] | null {
    const key = normalizePath(dir);
    const fromBase = this.base.entries
      ? this.base.entries(dir)
      : (this.base.readdir(dir)?.map((name) => {
          const kind: EntryKind = this.base.isDirectory(path.posix.join(key, name)) ? "directory" : "file";
          return { name, kind, link: false };
        }) ?? null);
    const own = new Set<string>();
    for (const o of this.overlays.keys()) if (path.posix.dirname(o) === key) own.add(path.posix.basename(o));
    if (own.size === 0) return fromBase;
    // A buffer is a file, whatever is on disk under its name.
    const out = (fromBase ?? []).map((e) => (own.has(e.name) ? { ...e, kind: "file" as const } : e));
    const listed = new Set(out.map((e) => e.name));
    for (const name of own) if (!listed.has(name)) out.push({ name, kind: "file", link: false });
    return out;
  }
}

/**
 * Parses each file once per content version. One entry per path (the latest version), so the cache
 * stays as large as the set of files, not the edit history.
 */
export class ParseCache {
  private readonly entries = new Map<string, { version: string; parsed: ParsedFile }>();
  /** Number of actual parses, for tests and diagnostics of the cache itself. */
  parses = 0;
  /** Trees `update` moved into newer ones in place (superseded). */
  private readonly replaced = new WeakSet<ParsedFile>();
  /** Number of edits `update` applied by re-parsing only the part around them (parse/incremental.ts). */
  incrementalParses = 0;
  /** Per tree `update` moved or made: the log of the edits of its buffer, and how many were applied then. */
  private readonly marks: EditMarks = new WeakMap();

  /**
   * An edited buffer: `changes` (one LSP didChange's, in order) turn the cached version `from` of `p` into
   * `file`. The cached tree is updated in place (parse/incremental.ts: its unchanged nodes stay the same
   * objects, and the trees handed out for `from` are no longer valid). Without an entry of version `from`,
   * the file is parsed whole. The version is the contract that `file.text` is the cached text with the
   * changes applied; comparing the whole texts would cost more than the re-parse of a keystroke on a large
   * file, so only the length and the last change's text in place are checked (a mismatch: parsed whole).
   */
  update(p: string, file: LoadedFile, changes: readonly (TextChange | RangeChange)[], from: string): ParsedFile {
    const key = normalizePath(p);
    const hit = this.entries.get(key);
    if (hit?.version === file.version) return hit.parsed;
    if (!hit || hit.version !== from || changes.length === 0) return this.get(p, file);
    // The last change gets the buffer's own text: a text built by concatenation is a V8 cons string, and the
    // scanner's first read of it copies the whole file (measured ~100 ms on a 13 MB file).
    const window = file.window;
    const updates = updateParseAll(hit.parsed, changes, file.text, window && ((a, b) => window.slice(a, b)));
    let marked = this.marks.get(hit.parsed);
    if (!marked) this.marks.set(hit.parsed, (marked = { log: new EditLog(), mark: 0 }));
    const log = marked.log;
    for (const u of updates) {
      log.add(u);
      this.marks.set(u.parsed, { log, mark: log.mark });
    }
    // Moved in place, whatever follows: what was derived from the old tree must not be read as its text's.
    this.replaced.add(hit.parsed);
    // The kept blocks whose content changed: nothing remembered of their subtrees holds (subtree-memo.ts).
    for (const u of updates) forgetChangedBlocks(u.changed);
    const lastUpdate = updates[updates.length - 1];
    const parsed = lastUpdate.parsed;
    const lastChange = lastUpdate.change;
    const expectedLength = lastUpdate.oldLength + lastChange.text.length - (lastChange.end - lastChange.start);
    if (
      expectedLength !== file.text.length ||
      (window ?? file.text).slice(lastChange.start, lastChange.start + lastChange.text.length) !== lastChange.text
    ) {
      this.entries.delete(key);
      return this.get(p, file);
    }
    for (const u of updates) {
      if (u.kind === "full") this.parses++;
      else this.incrementalParses++;
    }
    for (const u of updates) if (u.parsed !== parsed) this.replaced.add(u.parsed);
    if (window) setTextWindow(parsed, window);
    this.entries.set(key, { version: file.version, parsed });
    return parsed;
  }

  get(p: string, file: LoadedFile): ParsedFile {
    const key = normalizePath(p);
    const hit = this.entries.get(key);
    if (hit && hit.version === file.version) return hit.parsed;
    const parsed = parse(file.text);
    this.parses++;
    this.entries.set(key, { version: file.version, parsed });
    return parsed;
  }

  /** The version of `p` whose parse is held, if any. */
  versionOf(p: string): string | undefined {
    return this.entries.get(normalizePath(p))?.version;
  }

  /**
   * Whether `parsed` was updated in place into a newer tree (`update`): its nodes now hold the newer text's
   * positions, so what was derived from it (a kept analysis) no longer matches its own text.
   */
  superseded(parsed: ParsedFile): boolean {
    return this.replaced.has(parsed);
  }

  /**
   * For a tree `update` has since moved in place (`superseded`): the tree now held for `p`, which shares
   * every node of `older` outside `made`, at the positions of its own text, and the spans of that text
   * (sorted, disjoint, closed) holding what the edits since re-parsed. Null when the held tree is not
   * `older` moved by logged edits (a whole parse since, another buffer's tree, too many edits).
   */
  editedSince(p: string, older: ParsedFile): { parsed: ParsedFile; made: Span[] } | null {
    const from = this.marks.get(older);
    const hit = this.entries.get(normalizePath(p));
    const now = hit && this.marks.get(hit.parsed);
    if (!from || !now || now.log !== from.log || now.mark !== from.log.mark) return null;
    const made = from.log.madeSince(from.mark);
    return made && { parsed: hit.parsed, made };
  }

  /** Whether the parse of this version of `p` is held (`get` would not parse). */
  holds(p: string, file: LoadedFile): boolean {
    return this.versionOf(p) === file.version;
  }

  /** Stores a parse of `file` made elsewhere (the server's parse in steps, parse/parse-steps.ts). */
  put(p: string, file: LoadedFile, parsed: ParsedFile): void {
    this.parses++;
    this.entries.set(normalizePath(p), { version: file.version, parsed });
  }

  delete(p: string): void {
    this.entries.delete(normalizePath(p));
  }

  /** Drops entries for paths not in `keep` (files deleted or no longer reachable). */
  retain(keep: Iterable<string>): void {
    const set = new Set([...keep].map(normalizePath));
    for (const k of this.entries.keys()) if (!set.has(k)) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}
