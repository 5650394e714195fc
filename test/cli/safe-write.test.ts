// `fix --write` and `format --write` when writing fails or races: the built CLI (dist/cli.js) as a user runs it,
// on a full tmpfs, under a file size limit, as an unprivileged user on read-only files and folders, on a
// read-only file system, with a backup in the way, through symlinks and hard links, and with another program
// editing a file in the middle of the write (strace stops the CLI at a chosen system call, the test edits the
// file, then lets it go on: deterministic, no sleeps, no hook in the product). Every file involved is compared
// with a copy taken before, byte for byte with the real `cmp`, and no temporary file or backup may be left.

import { strict as assert } from "assert";
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/shared";
import { haveStrace } from "../support/strace";

const CLI = path.join(REPO, "dist", "cli.js");
const EXAMPLE = path.join(REPO, "examples", "openresty");
/** The unprivileged user the EACCES cases run as (Debian's nobody:nogroup). */
const NOBODY = 65534;
const AS_NOBODY = ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI, optionally behind a wrapper command (setpriv, prlimit, a shell setting ulimit). */
function run(args: string[], cwd: string, wrapper: string[] = []): Run {
  const argv = [...wrapper, process.execPath, CLI, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: "utf8" });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const temps: string[] = [];
function temp(what: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nginx-risk-safe-write-${what}-`));
  fs.chmodSync(dir, 0o755); // nobody must reach the files in the EACCES cases
  temps.push(dir);
  return dir;
}

/** A copy of the bundled example (its sites-enabled symlink included) in `dir`. */
function copyExample(dir: string): string {
  fs.cpSync(EXAMPLE, dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

/** A copy taken with `cp -a` (bytes, modes, owners, symlinks), to compare with afterwards. */
function keep(dir: string): string {
  const copy = temp("before");
  const r = spawnSync("cp", ["-a", `${dir}/.`, copy], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return copy;
}

/** Every name under `dir` (symlinks not followed), relative, sorted. */
function names(dir: string, under = ""): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, under), { withFileTypes: true })) {
    const rel = path.join(under, e.name);
    out.push(rel);
    if (e.isDirectory()) out.push(...names(dir, rel));
  }
  return out.sort();
}

function cmp(a: string, b: string): boolean {
  const r = spawnSync("cmp", ["-s", a, b]);
  if (r.error) throw r.error;
  return r.status === 0;
}

/**
 * `dir` holds exactly what `copy` holds: the same names (no temporary file, no backup left behind), every
 * regular file the same bytes (`cmp`), mode and owner, every symlink the same target.
 */
function assertSame(copy: string, dir: string, what: string): void {
  assert.deepEqual(names(dir), names(copy), `${what}: the same files, nothing left behind`);
  for (const rel of names(copy)) {
    const a = fs.lstatSync(path.join(copy, rel));
    const b = fs.lstatSync(path.join(dir, rel));
    if (a.isSymbolicLink()) {
      assert.ok(b.isSymbolicLink(), `${what}: ${rel} is still a symlink`);
      assert.equal(fs.readlinkSync(path.join(dir, rel)), fs.readlinkSync(path.join(copy, rel)));
    } else if (a.isFile()) {
      assert.ok(cmp(path.join(copy, rel), path.join(dir, rel)), `${what}: ${rel} differs (cmp)`);
      assert.equal(b.mode, a.mode, `${what}: ${rel} mode`);
      assert.deepEqual([b.uid, b.gid], [a.uid, a.gid], `${what}: ${rel} owner`);
    }
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Mounting and setpriv need root. CI may not run as root, so these skip there too, saying why. */
function requireRoot(ctx: Mocha.Context, why: string): void {
  if (isRoot()) return;
  console.log(`      skipped: needs root (${why}); CI may not run as root, so this skips under CI=true too`);
  ctx.skip();
}

function requireStrace(ctx: Mocha.Context): void {
  if (haveStrace()) return;
  if (process.env.CI) throw new Error("CI must install strace (and allow ptrace)");
  console.log("      skipped: strace is missing or may not trace here");
  ctx.skip();
}

const mounts: string[] = [];
/** A tmpfs of `kib` KiB (unmounted in after(), even when a test fails). */
function mountTmpfs(kib: number): string {
  const dir = temp("mnt");
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${kib}k,mode=0755`, "tmpfs", dir], { encoding: "utf8" });
  assert.equal(r.status, 0, `mount: ${r.stderr}`);
  mounts.push(dir);
  return dir;
}

function remountReadOnly(dir: string): void {
  const r = spawnSync("mount", ["-o", "remount,ro", dir], { encoding: "utf8" });
  assert.equal(r.status, 0, `mount -o remount,ro: ${r.stderr}`);
}

/** Fills the file system of `dir` with a file until a write fails with ENOSPC; then frees `pages` 4 KiB pages. */
function fill(dir: string, pages = 0): void {
  const filler = path.join(dir, "filler");
  const fd = fs.openSync(filler, "w");
  const block = Buffer.alloc(4096, 0x78);
  let size = 0;
  try {
    for (;;) size += fs.writeSync(fd, block);
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, "ENOSPC");
  }
  fs.ftruncateSync(fd, Math.max(0, Math.floor(size / 4096) - pages) * 4096);
  fs.closeSync(fd);
}

/** The files `fix --write` gives for the example, computed on a copy by the same CLI. */
function fixedExample(): string {
  const dir = copyExample(temp("reference"));
  const r = run(["fix", ".", "--write", "--no-backup"], dir);
  assert.equal(r.code, 0, r.stderr);
  return dir;
}

const MESSY_SMALL = "events {\nworker_connections 8;\n}\n";
const MESSY_BIG = `http {\n${"server {\nlisten 80;\n}\n".repeat(60)}}\n`;

/** Two unformatted files: a.conf (formatted: under 1 KiB) and b.conf (formatted: over 1 KiB). */
function messyPair(dir: string): void {
  fs.writeFileSync(path.join(dir, "a.conf"), MESSY_SMALL);
  fs.writeFileSync(path.join(dir, "b.conf"), MESSY_BIG);
}

describe("safe writes", function () {
  after(function () {
    for (const m of mounts.reverse()) {
      if (spawnSync("umount", [m]).status !== 0) spawnSync("umount", ["-l", m]);
    }
    for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
  });

  describe("nothing is lost when writing fails", function () {
    this.timeout(120_000);
    before(function () {
      if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
    });

    it("a full disk (tmpfs): fix --write exits 2 naming the file and ENOSPC; every file as it was", function () {
      requireRoot(this, "to mount a tmpfs");
      const mnt = mountTmpfs(256);
      const dir = copyExample(path.join(mnt, "conf"));
      const before = keep(dir);
      fill(mnt);
      const r = run(["fix", ".", "--write"], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^nginx-risk: nginx\.conf: writing its new content beside it: no space left on device \(ENOSPC\); nothing was written$/m,
      );
      assertSame(before, dir, "full disk");
    });

    it("room for one new file only: the second fails, the first temporary file is removed, every file as it was", function () {
      requireRoot(this, "to mount a tmpfs");
      const mnt = mountTmpfs(256);
      const dir = copyExample(path.join(mnt, "conf"));
      const before = keep(dir);
      fill(mnt, 1); // nginx.conf's new content (under 4 KiB) fits in one page; app.conf's then finds none
      const r = run(["fix", ".", "--write"], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^nginx-risk: sites-available\/app\.conf: writing its new content beside it: no space left on device \(ENOSPC\); nothing was written$/m,
      );
      assertSame(before, dir, "one page free");
    });

    it("a full disk: format --write formats no file (all or nothing), exit 2", function () {
      requireRoot(this, "to mount a tmpfs");
      const mnt = mountTmpfs(256);
      const dir = path.join(mnt, "conf");
      fs.mkdirSync(dir);
      messyPair(dir);
      const before = keep(dir);
      fill(mnt, 1);
      const r = run(["format", "--write", "."], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^nginx-risk: b\.conf: writing its new content beside it: no space left on device \(ENOSPC\); nothing was written$/m,
      );
      assert.match(r.stderr, /0 files formatted, 0 files already formatted, 2 files not formatted/);
      assertSame(before, dir, "format, full disk");
    });

    it("ulimit -f: format --write gets EFBIG (node ignores SIGXFSZ: not killed), exit 2, every file as it was", function () {
      const dir = temp("fsize");
      messyPair(dir);
      const before = keep(dir);
      // 1 block of 1 KiB: a.conf's result fits, b.conf's does not.
      const r = run(["format", "--write", "."], dir, ["bash", "-c", 'ulimit -f 1 && exec "$@"', "bash"]);
      assert.equal(r.signal, null, "killed by a signal");
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^nginx-risk: b\.conf: writing its new content beside it: file too large for the file size limit \(ulimit -f\) \(EFBIG\); nothing was written$/m,
      );
      assertSame(before, dir, "ulimit -f");
    });

    it("a file size limit between the two new sizes: fix --write writes neither file, exit 2", function () {
      const reference = fixedExample();
      const small = fs.statSync(path.join(reference, "nginx.conf")).size;
      const large = fs.statSync(path.join(reference, "sites-available", "app.conf")).size;
      assert.ok(small < large, `the example's new nginx.conf (${small}) is smaller than its new app.conf (${large})`);
      const dir = copyExample(temp("fsize-fix"));
      const before = keep(dir);
      const r = run(["fix", ".", "--write"], dir, ["prlimit", `--fsize=${small}`, "--"]);
      assert.equal(r.signal, null, "killed by a signal");
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^nginx-risk: sites-available\/app\.conf: writing its new content beside it: .*\(EFBIG\); nothing was written$/m,
      );
      assertSame(before, dir, "prlimit --fsize");
    });

    it("a read-only file (EACCES, as an unprivileged user): fix --write writes nothing, exit 2", function () {
      const dir = copyExample(temp("ro-file"));
      if (isRoot()) spawnSync("chown", ["-R", `${NOBODY}:${NOBODY}`, dir]);
      fs.chmodSync(path.join(dir, "sites-available", "app.conf"), 0o444);
      const before = keep(dir);
      const r = run(["fix", ".", "--write"], dir, isRoot() ? AS_NOBODY : []);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^nginx-risk: sites-available\/app\.conf: not writable: permission denied \(EACCES\); nothing was written$/m,
      );
      assertSame(before, dir, "read-only file");
    });

    it("a read-only folder (EACCES): writable files, but no new file can be made beside them; nothing written", function () {
      const dir = copyExample(temp("ro-dir"));
      const fdir = temp("ro-dir-format");
      messyPair(fdir);
      const mine = ["nginx.conf", "sites-available/app.conf"].map((f) => path.join(dir, f));
      mine.push(path.join(fdir, "a.conf"), path.join(fdir, "b.conf"));
      // Files the user may write, in folders it may not (root's, or read-only when not root).
      if (isRoot()) for (const f of mine) fs.chownSync(f, NOBODY, NOBODY);
      else for (const d of [dir, fdir]) fs.chmodSync(d, 0o555);
      const before = keep(dir);
      const fbefore = keep(fdir);
      try {
        const r = run(["fix", ".", "--write"], dir, isRoot() ? AS_NOBODY : []);
        assert.equal(r.code, 2, r.stderr);
        assert.match(
          r.stderr,
          /^nginx-risk: nginx\.conf: writing its new content beside it: permission denied \(EACCES\); nothing was written$/m,
        );
        const f = run(["format", "--write", "."], fdir, isRoot() ? AS_NOBODY : []);
        assert.equal(f.code, 2, f.stderr);
        assert.match(
          f.stderr,
          /^nginx-risk: a\.conf: writing its new content beside it: permission denied \(EACCES\); nothing was written$/m,
        );
      } finally {
        for (const d of [dir, fdir]) fs.chmodSync(d, 0o755);
      }
      assertSame(before, dir, "read-only folder (fix)");
      assertSame(fbefore, fdir, "read-only folder (format)");
    });

    it("a read-only file system (EROFS): fix and format write nothing, exit 2", function () {
      requireRoot(this, "to mount a read-only tmpfs");
      const mnt = mountTmpfs(256);
      const dir = copyExample(path.join(mnt, "conf"));
      const other = path.join(mnt, "other");
      fs.mkdirSync(other);
      fs.writeFileSync(path.join(other, "messy.conf"), MESSY_SMALL);
      const before = keep(mnt);
      remountReadOnly(mnt);
      const r = run(["fix", ".", "--write"], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^nginx-risk: nginx\.conf: not writable: read-only file system \(EROFS\)$/m);
      assert.match(
        r.stderr,
        /^nginx-risk: sites-available\/app\.conf: not writable: read-only file system \(EROFS\)$/m,
      );
      assert.match(r.stderr, /^nginx-risk: nothing was written$/m);
      const f = run(["format", "--write", "messy.conf"], other);
      assert.equal(f.code, 2, f.stderr);
      assert.match(
        f.stderr,
        /^nginx-risk: messy\.conf: not writable: read-only file system \(EROFS\); nothing was written$/m,
      );
      assertSame(before, mnt, "read-only file system");
    });

    it("an existing .orig (a file, or a dangling symlink) is never replaced: nothing written, exit 2", function () {
      const dir = copyExample(temp("orig"));
      fs.writeFileSync(path.join(dir, "nginx.conf.orig"), "an earlier backup\n");
      fs.symlinkSync("nowhere", path.join(dir, "sites-available", "app.conf.orig"));
      const before = keep(dir);
      const r = run(["fix", ".", "--write"], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^nginx-risk: nginx\.conf: nginx\.conf\.orig exists: not overwriting an earlier backup/m);
      assert.match(r.stderr, /^nginx-risk: sites-available\/app\.conf: app\.conf\.orig exists: not overwriting/m);
      assertSame(before, dir, "backups in the way");
    });
  });

  describe("what a write keeps", function () {
    this.timeout(120_000);

    it("a symlink stays a link: its target is written and backed up (fix), or formatted (format)", function () {
      const reference = fixedExample();
      const dir = copyExample(temp("symlink"));
      const before = keep(dir);
      const r = run(["fix", "sites-enabled/app.conf", "nginx.conf", "--write"], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.readlinkSync(path.join(dir, "sites-enabled", "app.conf")), "../sites-available/app.conf");
      assert.ok(
        cmp(path.join(dir, "sites-available", "app.conf"), path.join(reference, "sites-available", "app.conf")),
      );
      assert.ok(
        cmp(path.join(dir, "sites-available", "app.conf.orig"), path.join(before, "sites-available", "app.conf")),
      );
      assert.ok(!fs.existsSync(path.join(dir, "sites-enabled", "app.conf.orig")));

      const fdir = temp("symlink-format");
      fs.mkdirSync(path.join(fdir, "sites-available"));
      fs.mkdirSync(path.join(fdir, "sites-enabled"));
      fs.writeFileSync(path.join(fdir, "sites-available", "x.conf"), MESSY_SMALL, { mode: 0o640 });
      fs.symlinkSync("../sites-available/x.conf", path.join(fdir, "sites-enabled", "x.conf"));
      // Both names of one file: formatted once.
      const f = run(["format", "--write", "sites-enabled/x.conf", "sites-available"], fdir);
      assert.equal(f.code, 0, f.stderr);
      assert.match(f.stderr, /^1 file formatted, 0 files already formatted$/m);
      assert.ok(fs.lstatSync(path.join(fdir, "sites-enabled", "x.conf")).isSymbolicLink());
      assert.equal(
        fs.readFileSync(path.join(fdir, "sites-available", "x.conf"), "utf8"),
        "events {\n    worker_connections 8;\n}\n",
      );
      assert.equal(fs.statSync(path.join(fdir, "sites-available", "x.conf")).mode & 0o7777, 0o640);
      assert.deepEqual(names(fdir), [
        "sites-available",
        "sites-available/x.conf",
        "sites-enabled",
        "sites-enabled/x.conf",
      ]);
    });

    it("owner and mode are kept (root writing a file owned by nobody), the .orig has them too", function () {
      requireRoot(this, "to give a file to another user");
      const reference = fixedExample();
      const dir = copyExample(temp("owner"));
      const conf = path.join(dir, "nginx.conf");
      fs.chownSync(conf, NOBODY, NOBODY);
      fs.chmodSync(conf, 0o2640);
      const r = run(["fix", ".", "--write"], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(cmp(conf, path.join(reference, "nginx.conf")));
      for (const f of [conf, conf + ".orig"]) {
        const s = fs.statSync(f);
        assert.deepEqual([s.uid, s.gid, s.mode & 0o7777], [NOBODY, NOBODY, 0o2640], f);
      }
    });

    it("a file with another hard link is written in place (both names see it); its .orig is a full copy", function () {
      const reference = fixedExample();
      const dir = copyExample(temp("hardlink"));
      const conf = path.join(dir, "nginx.conf");
      const other = path.join(temp("elsewhere"), "nginx.conf");
      fs.linkSync(conf, other);
      const before = keep(dir);
      const inode = fs.statSync(conf).ino;
      const r = run(["fix", ".", "--write"], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.statSync(conf).ino, inode, "the same inode");
      assert.ok(cmp(conf, path.join(reference, "nginx.conf")));
      assert.ok(cmp(other, path.join(reference, "nginx.conf")), "the other name sees the new content");
      assert.ok(cmp(conf + ".orig", path.join(before, "nginx.conf")));
      assert.notEqual(fs.statSync(conf + ".orig").ino, inode);
      assert.equal(fs.statSync(conf).nlink, 2);
    });

    it("an owner this user cannot give a new file (root:nogroup, group-writable): written in place, owner kept", function () {
      requireRoot(this, "to run as nobody on a file owned by root");
      const dir = temp("foreign-owner");
      fs.chownSync(dir, NOBODY, NOBODY);
      const file = path.join(dir, "a.conf");
      fs.writeFileSync(file, MESSY_SMALL);
      fs.chownSync(file, 0, NOBODY);
      fs.chmodSync(file, 0o664);
      const inode = fs.statSync(file).ino;
      const r = run(["format", "--write", "a.conf"], dir, AS_NOBODY);
      assert.equal(r.code, 0, r.stderr);
      const s = fs.statSync(file);
      assert.deepEqual([s.uid, s.gid, s.mode & 0o7777, s.ino], [0, NOBODY, 0o664, inode]);
      assert.equal(fs.readFileSync(file, "utf8"), "events {\n    worker_connections 8;\n}\n");
      assert.deepEqual(names(dir), ["a.conf"]);
    });
  });

  // ---------------------------------------------------------------------------------------------------------
  // Another program writes a file while the CLI writes: strace stops the CLI with SIGSTOP right after a chosen
  // system call (signal injection takes effect when the call returns), the test edits, then sends SIGCONT.

  interface Stopped {
    /** The node process, stopped. */
    pid: number;
  }

  /** Runs the CLI under strace, stopped after the `when`-th call of one of `syscalls`; `whileStopped` runs then. */
  /** strace processes still running (a failed test): killed in afterEach, so no CLI stays stopped. */
  const running = new Set<ChildProcess>();
  /** CLIs strace stopped: killing strace leaves its tracee stopped, so they are killed too. */
  const tracees = new Set<number>();
  afterEach(function () {
    for (const child of running) child.kill("SIGKILL");
    running.clear();
    for (const pid of tracees) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone: the usual case
      }
    }
    tracees.clear();
  });

  /**
   * Runs the CLI under strace, stopped (SIGSTOP injected, delivered when the call returns) after the
   * `when`-th call of one of `syscalls` in its main thread; `whileStopped` runs then, and SIGCONT follows.
   * The stop is read from strace's own log ("--- stopped by SIGSTOP ---" for every thread): the process
   * state alone cannot tell it from strace's stops at each system call.
   */
  async function runStoppedAt(
    args: string[],
    cwd: string,
    syscalls: string,
    when: number,
    whileStopped: (s: Stopped) => void,
  ): Promise<Run> {
    const log = path.join(temp("strace"), "log");
    const child = spawn(
      "strace",
      [
        "-f",
        "-o",
        log,
        "-e",
        `trace=${syscalls}`,
        "-e",
        `inject=${syscalls}:signal=SIGSTOP:when=${when}`,
        process.execPath,
        CLI,
        ...args,
      ],
      { cwd },
    );
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<Run>((resolve) =>
      child.on("close", (code, signal) => {
        running.delete(child);
        resolve({ code, signal, stdout, stderr });
      }),
    );
    let done = false;
    void exited.then(() => (done = true));
    // However long the machine takes (the test's timeout bounds it): this is an event, not a time.
    let pid = 0;
    const since = { at: 0 };
    // A bound far beyond a stop that is coming (milliseconds on a quiet machine), so that a stop that is never
    // seen fails with strace's log instead of the test's timeout. (It once was never seen: strace pads a pid
    // to five columns, so below 10000 two spaces follow it, and the log was read with one.)
    const giveUp = Date.now() + 90_000;
    while (!done && !(pid = stoppedPid(log, since))) {
      if (Date.now() > giveUp) {
        const trace = readOr(log, (f) => fs.readFileSync(f, "utf8"), "(no log)")
          .split("\n")
          .slice(-30)
          .join("\n");
        assert.fail(`no stop seen at ${syscalls} #${when} after 90 s; strace's log ends:\n${trace}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (done) assert.fail(`the CLI was never stopped at ${syscalls} #${when}: ${stderr}`);
    tracees.add(pid);
    try {
      whileStopped({ pid });
    } finally {
      process.kill(pid, "SIGCONT");
    }
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const trace = readOr(log, (f) => fs.readFileSync(f, "utf8"), "(no log)")
          .split("\n")
          .slice(-30)
          .join("\n");
        reject(new Error(`the CLI did not finish within 90 s of SIGCONT; strace's log ends:\n${trace}\n${stderr}`));
      }, 90_000);
    });
    try {
      return await Promise.race([exited, stuck]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The stopped process, once strace logged the injected SIGSTOP and every one of its threads in group-stop.
   * The CLI does its file work on the main thread: once that one has been in group-stop for a while, an idle
   * helper thread whose stop strace has not logged does not keep the test waiting (a full run once waited
   * out the timeout three times on that; `since` remembers when the main thread was first seen stopped).
   */
  function stoppedPid(log: string, since: { at: number }): number {
    const text = readOr(log, (f) => fs.readFileSync(f, "utf8"), "");
    const pid = Number(/^(\d+) +--- SIGSTOP \{/m.exec(text)?.[1] ?? 0);
    if (!pid) return 0;
    const stopped = new Set([...text.matchAll(/^(\d+) +--- stopped by SIGSTOP ---$/gm)].map((m) => m[1]));
    // Any thread of the process in group-stop starts the clock (the one that took the signal may be a helper
    // thread whose own stop strace logs late, or not before it exits).
    if (stopped.size === 0) return 0;
    since.at ||= Date.now();
    const threads = readOr(`/proc/${pid}/task`, (d) => fs.readdirSync(d), []);
    if (threads.length > 0 && threads.every((t) => stopped.has(t))) return pid;
    return Date.now() - since.at > 2000 ? pid : 0;
  }

  /** `read(file)`, or `otherwise` when it does not exist (yet, or any more). */
  function readOr<T>(file: string, read: (f: string) => T, otherwise: T): T {
    try {
      return read(file);
    } catch {
      return otherwise;
    }
  }

  describe("a file edited by someone else during the write", function () {
    this.timeout(180_000);
    before(function () {
      if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
    });

    it("format --write: the file changes after it was read: refused, the other program's bytes kept, exit 2", async function () {
      requireStrace(this);
      const dir = temp("race-format");
      messyPair(dir);
      const theirs = "# written by someone else\nevents {}\n";
      // The first fsync is a.conf's new content, beside it: after the read, before the last check.
      const r = await runStoppedAt(["format", "--write", "."], dir, "fsync", 1, () => {
        fs.writeFileSync(path.join(dir, "a.conf"), theirs);
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^nginx-risk: a\.conf: changed since it was read; nothing was written$/m);
      assert.equal(fs.readFileSync(path.join(dir, "a.conf"), "utf8"), theirs);
      assert.equal(fs.readFileSync(path.join(dir, "b.conf"), "utf8"), MESSY_BIG);
      assert.deepEqual(names(dir), ["a.conf", "b.conf"]);
    });

    it("format --write: the file is replaced by another with the same bytes (a rename): refused too", async function () {
      requireStrace(this);
      const dir = temp("race-replace");
      messyPair(dir);
      const before = keep(dir);
      const r = await runStoppedAt(["format", "--write", "."], dir, "fsync", 1, () => {
        fs.writeFileSync(path.join(dir, "new"), MESSY_SMALL);
        fs.renameSync(path.join(dir, "new"), path.join(dir, "a.conf"));
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^nginx-risk: a\.conf: replaced by another file since it was read; nothing was written$/m);
      assertSame(before, dir, "replaced");
    });

    it("fix --write: a second file changes after the first was replaced: the first is put back (same inode), exit 2", async function () {
      requireStrace(this);
      const dir = copyExample(temp("race-fix"));
      const before = keep(dir);
      const conf = path.join(dir, "nginx.conf");
      const app = path.join(dir, "sites-available", "app.conf");
      const inode = fs.statSync(conf).ino;
      const theirs = Buffer.concat([fs.readFileSync(app), Buffer.from("# edited meanwhile\n")]);
      // nginx.conf is replaced first (files go in order of their real paths).
      const r = await runStoppedAt(["fix", ".", "--write"], dir, "rename,renameat,renameat2", 1, () => {
        assert.notEqual(fs.statSync(conf).ino, inode, "stopped after nginx.conf was replaced");
        // Backups exist before any original is replaced.
        assert.ok(cmp(conf + ".orig", path.join(before, "nginx.conf")));
        assert.ok(cmp(app + ".orig", path.join(before, "sites-available", "app.conf")));
        fs.writeFileSync(app, theirs);
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^nginx-risk: sites-available\/app\.conf: changed since it was read; nothing was written$/m,
      );
      assert.equal(fs.statSync(conf).ino, inode, "nginx.conf is its original inode again");
      fs.writeFileSync(path.join(before, "sites-available", "app.conf"), theirs);
      assertSame(before, dir, "rolled back");
    });

    it("fix --write, a hard-linked file written in place: put back in place when a later file changed", async function () {
      requireStrace(this);
      const dir = copyExample(temp("race-inplace"));
      const conf = path.join(dir, "nginx.conf");
      const other = path.join(temp("elsewhere"), "nginx.conf");
      fs.linkSync(conf, other);
      const before = keep(dir);
      const app = path.join(dir, "sites-available", "app.conf");
      const inode = fs.statSync(conf).ino;
      const theirs = Buffer.concat([fs.readFileSync(app), Buffer.from("# edited meanwhile\n")]);
      // ftruncate ends the in-place write of nginx.conf.
      const r = await runStoppedAt(["fix", ".", "--write"], dir, "ftruncate", 1, () => {
        assert.ok(!cmp(conf, path.join(before, "nginx.conf")), "stopped after nginx.conf was written");
        assert.ok(cmp(conf + ".orig", path.join(before, "nginx.conf")), "its full copy exists");
        fs.writeFileSync(app, theirs);
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^nginx-risk: sites-available\/app\.conf: changed since it was read; nothing was written$/m,
      );
      assert.equal(fs.statSync(conf).ino, inode);
      assert.ok(cmp(other, path.join(before, "nginx.conf")), "the other name sees the original again");
      fs.writeFileSync(path.join(before, "sites-available", "app.conf"), theirs);
      assertSame(before, dir, "rolled back in place");
    });

    it("SIGTERM between two files: the write completes first, then the signal ends the process", async function () {
      requireStrace(this);
      const reference = fixedExample();
      const dir = copyExample(temp("signal"));
      const before = keep(dir);
      const r = await runStoppedAt(["fix", ".", "--write"], dir, "rename,renameat,renameat2", 1, ({ pid }) => {
        process.kill(pid, "SIGTERM");
      });
      assert.equal(r.signal, "SIGTERM", `ended by SIGTERM: ${r.code} ${r.stderr}`);
      for (const f of ["nginx.conf", "sites-available/app.conf"]) {
        assert.ok(cmp(path.join(dir, f), path.join(reference, f)), `${f} has its new content`);
        assert.ok(cmp(path.join(dir, f + ".orig"), path.join(before, f)), `${f}.orig is the original`);
      }
      assert.deepEqual(names(dir), [...names(before), "nginx.conf.orig", "sites-available/app.conf.orig"].sort());
    });
  });
});
