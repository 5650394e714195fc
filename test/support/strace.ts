// The real `nginx -t` under strace as an oracle for SSL contexts: every SSL context that loads a CA bundle
// opens the file once (`SSL_CTX_load_verify_locations` → fopen), so counting the successful `openat` calls
// of the bundle's path counts the bundle loads.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nginxBinary } from "./shared";

export interface BundleOpens {
  /** Successful `openat` calls of exactly `bundle` (failures, `= -1 …`, are not counted). */
  opens: number;
  /** `nginx -t` exited with status 0 (and did not time out). */
  ok: boolean;
  /** nginx's stdout + stderr (and strace's complaints, if any). */
  output: string;
}

export interface BundleOpensOptions {
  /** The prefix (`-p`): relative paths in the configuration resolve against it. */
  dir: string;
  /** Absolute path of the main configuration file. */
  conf: string;
  /** The CA bundle's path, exactly as the configuration names it. */
  bundle: string;
  /** Add `-g 'pid DIR/nginx.pid;'` (default true); false when the configuration sets `pid` itself. */
  pid?: boolean;
  /** Milliseconds before nginx is given up on (default 120 s). */
  timeoutMs?: number;
}

let straceUsable: boolean | undefined;

/** Whether strace is installed and may trace here (containers may forbid ptrace). */
export function haveStrace(): boolean {
  if (straceUsable === undefined) {
    const r = spawnSync("strace", ["-qq", "-e", "trace=none", "true"], { encoding: "utf8", timeout: 10_000 });
    straceUsable = !r.error && r.status === 0;
  }
  return straceUsable;
}

/** Runs `nginx -t` on `conf` under strace and counts how many times the CA bundle was opened. */
export function bundleOpens(options: BundleOpensOptions): BundleOpens {
  const r = fileOpens(options, [options.bundle]);
  return { opens: r.opens.get(options.bundle) ?? 0, ok: r.ok, output: r.output };
}

export interface FileOpens {
  /** Successful `openat` calls of each file asked about, by its path. */
  opens: Map<string, number>;
  ok: boolean;
  output: string;
}

/** Runs `nginx -t` on `conf` under strace once and counts the successful opens of each of `files`. */
export function fileOpens(options: Omit<BundleOpensOptions, "bundle">, files: readonly string[]): FileOpens {
  const bin = nginxBinary();
  if (!bin) throw new Error("nginx is not installed");
  const traceDir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-strace-"));
  const traceFile = path.join(traceDir, "trace");
  try {
    const args = ["-f", "-qq", "-e", "trace=openat", "-o", traceFile, bin, "-t", "-c", options.conf];
    args.push("-p", options.dir, "-e", "stderr");
    if (options.pid ?? true) args.push("-g", `pid ${path.join(options.dir, "nginx.pid")};`);
    const r = spawnSync("strace", args, {
      encoding: "utf8",
      timeout: options.timeoutMs ?? 120_000,
      killSignal: "SIGKILL",
      maxBuffer: 64 * 1024 * 1024,
    });
    let output = (r.stdout ?? "") + (r.stderr ?? "");
    if (r.error) output += `\n${r.error.message}`;
    const trace = fs.existsSync(traceFile) ? fs.readFileSync(traceFile, "utf8") : "";
    const opens = new Map(files.map((f) => [f, countOpens(trace, f)]));
    return { opens, ok: !r.error && r.status === 0, output };
  } finally {
    fs.rmSync(traceDir, { recursive: true, force: true });
  }
}

/**
 * Counts successful openat calls of `file` in strace -f output. A call interrupted by another process's line
 * is split into `… <unfinished ...>` and `<... openat resumed> …) = N`: the result is read from the resumption.
 */
export function countOpens(trace: string, file: string): number {
  const quoted = JSON.stringify(file); // strace prints the path in C quotes; a plain path quotes the same
  const pending = new Set<string>();
  let opens = 0;
  for (const line of trace.split("\n")) {
    const pid = /^(\d+)\s/.exec(line)?.[1] ?? "";
    if (line.includes("openat(") && line.includes(`, ${quoted},`)) {
      if (line.endsWith("<unfinished ...>")) pending.add(pid);
      else if (succeeded(line)) opens++;
    } else if (pending.has(pid) && line.includes("<... openat resumed>")) {
      pending.delete(pid);
      if (succeeded(line)) opens++;
    }
  }
  return opens;
}

function succeeded(line: string): boolean {
  return /\)\s+=\s+\d+(\s|$)/.test(line);
}
