// dist/server.js: starts the language server's bundle (dist/server-bundle.js, lsp/main.ts) from V8's code
// cache when there is one. Built on its own (scripts/bundle.mjs), so it stays a few kB that compile at once.
//
// Why: a start of the server compiles the 0.5 MB bundle (~12 ms here) and then, on the first analysis, every
// function the analysis calls, as it is first called; all of that is the same on every start. The cache V8
// writes after a session (`createCachedData`) holds the bytecode of the functions that ran, so the next start
// of the same build skips both: first diagnostics of large-config ~70 ms sooner in the drive of issue 13's
// trace (medians of 11 starts, same run), ~25% of what the server adds to node's own start.
//
// The cache is a file per build, V8 and architecture in the user's cache folder (codeCacheDir), written once
// per build: at the first quiet moment after the first analysis (`saveCodeCacheSoon`, called by server.ts), or
// when the process exits. It is only ever a speed-up: read only when it is a regular file of this user that
// nobody else may write, checked by V8 (its version, flags and the source's length) and named after the
// bundle's hash (BUILD_ID, which V8's check does not cover); anything wrong with it, and the bundle compiles as
// before. NGINX_RISK_CODE_CACHE=off turns it off, NGINX_RISK_CODE_CACHE=<folder> puts it elsewhere.

import * as fs from "fs";
import * as path from "path";
import * as vm from "vm";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require("module") as { wrap(source: string): string };
import { CODE_CACHE_HOOK, type CodeCacheHook, type CodeCacheState } from "./code-cache";

/** The bundle's file name and the first 16 hex digits of its SHA-256, set by scripts/bundle.mjs. */
declare const __BUNDLE_FILE__: string;
declare const __BUILD_ID__: string;

/**
 * The folder of the cache, or null when it is off. `home` is asked only when the environment names no folder
 * (os.homedir(): the os module is not loaded before the first diagnostics, test/lsp/start-up.test.ts).
 */
export function codeCacheDir(env: NodeJS.ProcessEnv, platform: string, home: () => string): string | null {
  const setting = env.NGINX_RISK_CODE_CACHE;
  if (setting === "off" || setting === "0") return null;
  if (setting !== undefined && setting !== "") return path.resolve(setting);
  if (platform === "win32")
    return path.join(env.LOCALAPPDATA || path.join(home(), "AppData", "Local"), "nginx-risk", "Cache");
  if (platform === "darwin") return path.join(home(), "Library", "Caches", "nginx-risk");
  const xdg = env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home(), ".cache"), "nginx-risk");
}

/** A cache file this process may trust: a regular file, ours, that nobody else may write (POSIX). */
function trustworthy(st: fs.Stats): boolean {
  if (!st.isFile()) return false;
  if (process.platform === "win32" || typeof process.getuid !== "function") return true;
  return st.uid === process.getuid() && (st.mode & 0o022) === 0;
}

function boot(): void {
  const bundle = path.join(__dirname, __BUNDLE_FILE__);
  const source = fs.readFileSync(bundle, "utf8").replace(/^#!.*/, "");
  let dir: string | null = null;
  try {
    // As os.homedir() answers when HOME (USERPROFILE) is set, without loading os.
    const env = process.env;
    const home = (): string =>
      (process.platform === "win32" ? env.USERPROFILE : env.HOME) ||
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require("os") as { homedir(): string }).homedir();
    dir = codeCacheDir(env, process.platform, home);
  } catch {
    // No home folder: no cache.
  }
  const name = `server-${__BUILD_ID__}-v8-${process.versions.v8}-${process.arch}.bin`;
  const file = dir === null ? null : path.join(dir, name);
  let state: CodeCacheState = file === null ? "off" : "none";
  let cachedData: Buffer | undefined;
  if (file !== null) {
    try {
      const fd = fs.openSync(file, "r");
      try {
        if (!trustworthy(fs.fstatSync(fd))) state = "unsafe";
        else {
          cachedData = unwrap(fs.readFileSync(fd));
          if (cachedData === undefined) state = "rejected";
        }
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      // No cache yet (or unreadable): compiled as without one.
    }
  }
  let script: vm.Script;
  try {
    script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
    if (cachedData !== undefined) state = script.cachedDataRejected === true ? "rejected" : "used";
  } catch (err) {
    // Without a cache the error is the bundle's own (thrown as it is); with one, compiled again without it.
    if (cachedData === undefined) throw err;
    script = new vm.Script(Module.wrap(source), { filename: bundle });
    state = "rejected";
  }
  let saved = state === "used" || state === "off";
  const save = (): void => {
    if (saved || file === null) return;
    saved = true;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const data = script.createCachedData();
      // Written whole under another name, then renamed over: a reader sees the old file or the new one. The
      // new name is created, never opened through a link someone left there (the folder may be shared:
      // NGINX_RISK_CODE_CACHE), and removed when the write fails.
      const tmp = `${file}.${process.pid}.tmp`;
      fs.rmSync(tmp, { force: true });
      try {
        fs.writeFileSync(tmp, Buffer.concat([header(data), data]), { mode: 0o600, flag: "wx" });
        fs.renameSync(tmp, file);
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
      }
      pruneOlder(path.dirname(file), name);
    } catch {
      // A cache that cannot be written is no cache; the server works the same.
    }
  };
  const hook: CodeCacheHook = { state, save };
  (globalThis as Record<symbol, unknown>)[CODE_CACHE_HOOK] = hook;
  if (!saved) process.on("exit", save);
  const run = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: NodeJS.Module,
    filename: string,
    dirname: string,
  ) => void;
  run.call(module.exports, module.exports, require, module, bundle, __dirname);
}

// The file: a header of four 32-bit words (little-endian) and V8's data. V8 checks the data's origin (its
// version, flags, the source's length) but not its integrity in release builds: a damaged file ends the
// process in V8's deserializer ("unreachable code", seen here with bytes flipped in a real cache). So the
// header holds the data's length and a checksum, and data that does not match is never handed to V8.
const MAGIC = 0x6363726e; // "nrcc"
const FORMAT = 1;
const HEADER_BYTES = 16;

function header(data: Uint8Array): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeUInt32LE(MAGIC, 0);
  h.writeUInt32LE(FORMAT, 4);
  h.writeUInt32LE(data.length, 8);
  h.writeUInt32LE(checksum(data), 12);
  return h;
}

/** V8's data of a cache file, or undefined when the file is not one this build wrote whole. */
function unwrap(file: Buffer): Buffer | undefined {
  if (file.length < HEADER_BYTES || file.readUInt32LE(0) !== MAGIC || file.readUInt32LE(4) !== FORMAT) return undefined;
  const data = file.subarray(HEADER_BYTES);
  if (file.readUInt32LE(8) !== data.length || file.readUInt32LE(12) !== checksum(data)) return undefined;
  return data;
}

/**
 * FNV-1a over 32-bit words (then the last bytes): every step is a bijection of the state, so a change of
 * one word always changes the sum. ~2 ms for the server's ~0.8 MB on a cold VM here.
 */
export function checksum(bytes: Uint8Array): number {
  const b = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  const n = b.length >>> 2;
  const words = new Int32Array(b.buffer, b.byteOffset, n);
  let h = 0x811c9dc5 ^ b.length;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ words[i], 0x01000193);
  for (let i = n * 4; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

/** Removes this cache's files of other builds written more than 30 days ago (each upgrade leaves one behind). */
function pruneOlder(dir: string, keep: string): void {
  const monthAgo = Date.now() - 30 * 24 * 3600 * 1000;
  for (const entry of fs.readdirSync(dir)) {
    if (entry === keep || !/^server-[0-9a-f]{16}-v8-.*\.bin$/.test(entry)) continue;
    const p = path.join(dir, entry);
    try {
      if (fs.statSync(p).mtimeMs < monthAgo) fs.unlinkSync(p);
    } catch {
      // Another process pruned it first.
    }
  }
}

if (require.main === module) boot();
