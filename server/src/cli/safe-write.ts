// Writing several files as one transaction (`fix --write`, `format --write`): every file gets its new content
// or none does, and when anything fails every original is left byte for byte as it was.
//
//   1. Check and prepare, touching no original: each file still holds exactly the bytes the caller read
//      (and is the same inode, when the caller knows it), is writable, has no backup in the way; its new
//      content goes to a hidden temporary file beside it (O_EXCL, same folder so the rename is atomic),
//      fsynced, with the original's owner and mode. A full disk (ENOSPC), the file size limit (EFBIG,
//      `ulimit -f`: node ignores SIGXFSZ, measured: SigIgn of a node 20 process has bit 25 set, and a write
//      over the limit fails with EFBIG instead of killing it), a read-only file or folder (EACCES) or file
//      system (EROFS) fail here.
//   2. Backups: FILE.orig (or a hidden private one with --no-backup) as a hard link to the original inode:
//      atomic, and it costs no space, so it cannot fail for a full disk. A file with several hard links is
//      written in place (a rename would split it from its other names), and so is one whose owner this
//      process cannot give a new file (not root): its backup is a full copy.
//      The folders are fsynced, so the backups are on disk before any original is replaced.
//   3. For each file: check again that it is unchanged (another program may have written it since), then
//      rename the temporary file over it (or write it in place), and fsync the folders. On any failure,
//      every file already replaced is put back from its backup, temporary files are removed, and only then
//      are the backups made in this run removed; a file that cannot be put back keeps its backup, named.
//
// A symlink is followed: its target is written and the link stays a link. SIGINT, SIGTERM and SIGHUP
// arriving during the write take effect once it is complete or rolled back, never between two files.
// Extended attributes (ACLs, SELinux labels) of a renamed file are those the folder gives new files: node
// cannot copy them.

import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** A file to replace. */
export interface PlannedWrite {
  /** The file as the caller names it; a symlink is followed and its target written. */
  path: string;
  /** The bytes the caller read and computed `content` from: a file holding anything else is not written. */
  expected: Buffer;
  /** The new content. */
  content: Buffer;
  /** The file's identity when the caller read it, if known: a file replaced since (same bytes or not) is refused. */
  readAs?: FileIdentity;
}

export interface FileIdentity {
  dev: bigint;
  ino: bigint;
}

export interface WriteOptions {
  /** Keep each original as FILE + this suffix (".orig"); an existing one is never replaced. None: no backup kept. */
  backupSuffix?: string;
}

export interface WriteProblem {
  /** The file as the caller named it. */
  path: string;
  /** Its real path (the symlink's target), when it could be resolved. */
  real: string;
  /** What went wrong, in words, ending with the error code in parentheses when there is one. */
  reason: string;
  code?: string;
}

export type WriteResult =
  | { ok: true; written: { path: string; real: string; backup?: string }[] }
  | {
      ok: false;
      /** Why nothing was written. */
      problems: WriteProblem[];
      /** Files that could not be put back after a failure (their backup is kept and named): should never happen. */
      unrestored: WriteProblem[];
    };

/** The identity of an open file, as `readAs` wants it. */
export function identityOf(fd: number): FileIdentity {
  const s = fs.fstatSync(fd, { bigint: true });
  return { dev: s.dev, ino: s.ino };
}

/**
 * A failed write's messages for stderr: `nginx-risk: FILE: why (CODE); nothing was written`, one line per
 * problem, and the files that could not be put back (with where their original is).
 */
export function writeFailureLines(
  result: Extract<WriteResult, { ok: false }>,
  name: (problem: WriteProblem) => string,
): string[] {
  const lines = result.problems.map((p) => `nginx-risk: ${name(p)}: ${p.reason}`);
  if (result.unrestored.length > 0) {
    for (const p of result.unrestored) lines.push(`nginx-risk: ${name(p)}: ${p.reason}`);
    lines.push("nginx-risk: some files could not be put back: restore them from the backups named above");
  } else if (lines.length === 1) lines[0] += "; nothing was written";
  else lines.push("nginx-risk: nothing was written");
  return lines;
}

/** Error codes in words (strerror's, as people know them from the shell). */
const ERROR_WORDS: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "file too large for the file size limit (ulimit -f)",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EIO: "input/output error",
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EEXIST: "already exists",
  EMLINK: "too many links",
  ETXTBSY: "text file busy",
};

function codeOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException)?.code;
  return typeof code === "string" ? code : undefined;
}

/** "writing its new content: no space left on device (ENOSPC)". */
function because(doing: string, e: unknown): { reason: string; code?: string } {
  const code = codeOf(e);
  const message = e instanceof Error ? e.message : String(e);
  // node's messages are "CODE: words, syscall 'path'": keep the words only, the file is named by the caller.
  const words = (code && ERROR_WORDS[code]) ?? /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1] ?? message;
  return { reason: `${doing}: ${words}${code ? ` (${code})` : ""}`, code };
}

interface Entry {
  write: PlannedWrite;
  real: string;
  dir: string;
  /** fstat of the original when checked in phase 1. */
  stat: fs.BigIntStats;
  /** Written in place (several hard links, or an owner this process cannot give a new file), not renamed over. */
  inPlace: boolean;
  /** The new content beside the file: renamed over it, or (in place) only proof that the space is there. */
  temp?: string;
  /** In place: the original, open for writing. */
  fd?: number;
  backup?: string;
  /** The backup is ours only for a rollback (--no-backup): removed at the end. */
  privateBackup: boolean;
  /** The backup is the original inode itself (a hard link), not a copy. */
  backupIsLink: boolean;
  /** Phase 3 started on it: it must be put back on failure. */
  touched: boolean;
}

function hiddenSibling(real: string, kind: "tmp" | "bak"): string {
  // Hidden and not ending in .conf: `include conf.d/*.conf;` and `include sites-enabled/*;` never read it
  // (nginx's glob() is called without GLOB_PERIOD, ngx_open_glob in src/os/unix/ngx_files.c).
  return path.join(
    path.dirname(real),
    // The name cut to 100 characters: with ours added it stays far below NAME_MAX (255).
    `.${path.basename(real).slice(0, 100)}.nginx-risk-${process.pid}-${randomBytes(4).toString("hex")}.${kind}`,
  );
}

function writeFully(fd: number, bytes: Buffer, position: number): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function readFully(fd: number): Buffer {
  const chunks: Buffer[] = [];
  const chunk = Buffer.allocUnsafe(64 * 1024);
  let position = 0;
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, chunk.length, position);
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
    position += n;
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    // Some file systems cannot fsync a folder (EINVAL): their renames are as durable as they get.
    if (codeOf(e) !== "EINVAL" && codeOf(e) !== "ENOTSUP") throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/** The file still holds the bytes the caller read, and is the inode phase 1 saw: null, or why not. */
function changedSince(entry: Entry): string | null {
  const fd = fs.openSync(entry.real, "r");
  try {
    const s = fs.fstatSync(fd, { bigint: true });
    if (s.dev !== entry.stat.dev || s.ino !== entry.stat.ino) return "replaced by another file since it was read";
    return readFully(fd).equals(entry.write.expected) ? null : "changed since it was read";
  } finally {
    fs.closeSync(fd);
  }
}

/** A new file with `bytes`, fsynced, with the original's mode and (when it can) owner; false: owner not kept. */
function createCopy(file: string, bytes: Buffer, like: fs.BigIntStats): boolean {
  const fd = fs.openSync(file, "wx", 0o600);
  try {
    writeFully(fd, bytes, 0);
    fs.fsyncSync(fd);
    let owned = true;
    const mine = fs.fstatSync(fd, { bigint: true });
    if (mine.uid !== like.uid || mine.gid !== like.gid) {
      try {
        fs.fchownSync(fd, Number(like.uid), Number(like.gid));
      } catch (e) {
        if (codeOf(e) !== "EPERM") throw e;
        owned = false;
      }
    }
    // After chown, which clears set-user-ID and set-group-ID bits.
    fs.fchmodSync(fd, Number(like.mode & 0o7777n));
    return owned;
  } finally {
    fs.closeSync(fd);
  }
}

function removeQuietly(file: string | undefined): void {
  if (file === undefined) return;
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

/**
 * Signals that would end the process between two files take effect after the write instead: node runs
 * signal listeners from the event loop, so a signal arriving during this synchronous write is handled after
 * it; the listener then raises it again with the default action. Listeners are removed on the next turn of
 * the loop, after a pending signal had its turn.
 */
function deferSignals(): () => void {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const listeners = signals.map((signal) => {
    const listener = (): void => {
      process.removeListener(signal, listener);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, listener);
    return { signal, listener };
  });
  return () =>
    setImmediate(() => {
      for (const { signal, listener } of listeners) process.removeListener(signal, listener);
    });
}

/** Writes every file or none; see the top of this file. */
export function writeFilesAtomically(writes: readonly PlannedWrite[], options: WriteOptions = {}): WriteResult {
  const release = deferSignals();
  try {
    return transaction(writes, options);
  } finally {
    release();
  }
}

function transaction(writes: readonly PlannedWrite[], options: WriteOptions): WriteResult {
  const problems: WriteProblem[] = [];
  const entries: Entry[] = [];
  const byReal = new Map<string, PlannedWrite>();
  const problem = (write: PlannedWrite, real: string, doing: string, e?: unknown): void => {
    if (e === undefined) problems.push({ path: write.path, real, reason: doing });
    else problems.push({ path: write.path, real, ...because(doing, e) });
  };

  // Phase 1a: checks of every file, all reported at once.
  for (const write of writes) {
    let real: string;
    try {
      real = fs.realpathSync(write.path);
    } catch (e) {
      problem(write, write.path, "cannot be found", e);
      continue;
    }
    const same = byReal.get(real);
    if (same) {
      problem(write, real, `is the same file as ${same.path}`);
      continue;
    }
    byReal.set(real, write);
    let stat: fs.BigIntStats;
    try {
      const fd = fs.openSync(real, "r");
      try {
        stat = fs.fstatSync(fd, { bigint: true });
        if (!stat.isFile()) {
          problem(write, real, "not a regular file");
          continue;
        }
        if (write.readAs && (write.readAs.dev !== stat.dev || write.readAs.ino !== stat.ino)) {
          problem(write, real, "replaced by another file since it was read");
          continue;
        }
        if (!readFully(fd).equals(write.expected)) {
          problem(write, real, "changed since it was read");
          continue;
        }
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      problem(write, real, "cannot be read again", e);
      continue;
    }
    try {
      // A read-only file is not replaced, even where its folder would let a rename do it (root: EROFS only).
      fs.accessSync(real, fs.constants.W_OK);
    } catch (e) {
      problem(write, real, "not writable", e);
      continue;
    }
    if (options.backupSuffix !== undefined && lexists(real + options.backupSuffix)) {
      problem(
        write,
        real,
        `${path.basename(real)}${options.backupSuffix} exists: not overwriting an earlier backup (or use --no-backup)`,
      );
      continue;
    }
    entries.push({
      write,
      real,
      dir: path.dirname(real),
      stat,
      inPlace: stat.nlink > 1n,
      privateBackup: options.backupSuffix === undefined,
      backupIsLink: false,
      touched: false,
    });
  }
  if (problems.length > 0) return { ok: false, problems, unrestored: [] };

  const dirs = [...new Set(entries.map((e) => e.dir))];
  const cleanUp = (): void => {
    for (const e of entries) {
      if (e.fd !== undefined) fs.closeSync(e.fd);
      e.fd = undefined;
      removeQuietly(e.temp);
    }
  };

  // Phase 1b: the new contents, beside the originals.
  for (const e of entries) {
    let doing = "writing its new content beside it";
    try {
      e.temp = hiddenSibling(e.real, "tmp");
      // A new file whose owner cannot be the original's (not root) would change who owns the configuration.
      if (!createCopy(e.temp, e.write.content, e.stat)) e.inPlace = true;
      doing = "opening it for writing in place";
      if (e.inPlace) e.fd = fs.openSync(e.real, "r+");
    } catch (e2) {
      problem(e.write, e.real, doing, e2);
      cleanUp();
      return { ok: false, problems, unrestored: [] };
    }
  }

  // Phase 2: backups, on disk before any original is replaced.
  const dropBackups = (which: Entry[]): void => {
    for (const e of which) removeQuietly(e.backup);
  };
  for (const e of entries) {
    const backup = options.backupSuffix !== undefined ? e.real + options.backupSuffix : hiddenSibling(e.real, "bak");
    try {
      if (!e.inPlace) {
        try {
          fs.linkSync(e.real, backup);
          e.backup = backup;
          e.backupIsLink = true;
          continue;
        } catch (linkError) {
          // EEXIST: a backup appeared since phase 1; other errors: no hard links here (vfat, some FUSE, or
          // fs.protected_hardlinks): a copy.
          if (codeOf(linkError) === "EEXIST") throw linkError;
        }
      }
      createCopy(backup, e.write.expected, e.stat);
      e.backup = backup;
    } catch (e2) {
      problem(e.write, e.real, `keeping a backup (${path.basename(backup)})`, e2);
      dropBackups(entries);
      cleanUp();
      return { ok: false, problems, unrestored: [] };
    }
  }
  try {
    for (const dir of dirs) fsyncDir(dir);
  } catch (e2) {
    problem(entries[0].write, entries[0].real, "making the backups durable (fsync of the folder)", e2);
    dropBackups(entries);
    cleanUp();
    return { ok: false, problems, unrestored: [] };
  }

  // Phase 3: replace, each after a last check.
  let current: Entry | undefined;
  try {
    for (const e of entries) {
      current = e;
      const changed = changedSince(e);
      if (changed !== null) {
        problem(e.write, e.real, changed);
        break;
      }
      e.touched = true;
      if (e.inPlace) {
        removeQuietly(e.temp); // it proved the space is there: give it back for the write
        e.temp = undefined;
        writeFully(e.fd!, e.write.content, 0);
        fs.ftruncateSync(e.fd!, e.write.content.length);
        fs.fsyncSync(e.fd!);
      } else {
        fs.renameSync(e.temp!, e.real);
        e.temp = undefined;
      }
    }
    current = undefined;
    if (problems.length === 0) for (const dir of dirs) fsyncDir(dir);
  } catch (e2) {
    const at = current ?? entries[0];
    problem(at.write, at.real, current ? "replacing it" : "making the new files durable (fsync of the folder)", e2);
  }
  if (problems.length === 0) {
    cleanUp();
    for (const e of entries) if (e.privateBackup) removeQuietly(e.backup);
    return {
      ok: true,
      written: entries.map((e) => ({
        path: e.write.path,
        real: e.real,
        backup: e.privateBackup ? undefined : e.backup,
      })),
    };
  }

  // Rollback: every touched file back from its backup, then the backups go.
  const unrestored: WriteProblem[] = [];
  for (const e of [...entries].reverse()) {
    if (!e.touched) continue;
    try {
      if (e.inPlace) {
        writeFully(e.fd!, e.write.expected, 0);
        fs.ftruncateSync(e.fd!, e.write.expected.length);
        fs.fsyncSync(e.fd!);
      } else if (readBack(e.real)?.equals(e.write.expected) && isOriginalInode(e)) {
        // The rename never happened (it failed): the original is still in place.
      } else {
        // The backup is the original inode (or a copy of it): renaming it back is atomic.
        fs.renameSync(e.backup!, e.real);
        e.backup = undefined;
      }
      e.touched = false;
    } catch (e2) {
      unrestored.push({
        path: e.write.path,
        real: e.real,
        ...because(`could not be put back; its original is in ${e.backup}`, e2),
      });
    }
  }
  try {
    for (const dir of dirs) fsyncDir(dir);
  } catch {
    // the files are back; their durability is the file system's
  }
  cleanUp();
  dropBackups(entries.filter((e) => !e.touched));
  return { ok: false, problems, unrestored };
}

/** Anything by that name, a dangling symlink too. */
function lexists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

function readBack(file: string): Buffer | null {
  try {
    return fs.readFileSync(file);
  } catch {
    return null;
  }
}

function isOriginalInode(e: Entry): boolean {
  try {
    const s = fs.statSync(e.real, { bigint: true });
    return s.dev === e.stat.dev && s.ino === e.stat.ino;
  } catch {
    return false;
  }
}
