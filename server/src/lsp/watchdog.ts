// The server never outlives its client. vscode-languageserver 10.1.2 (lib/node/main.js) already checks the
// `processId` of `initialize` (or `--clientProcessId`) every 3 s and exits when that process is gone, and
// exits when stdin ends; but both run on the main thread, as timers and stream events, and an analysis is
// synchronous work that can hold the main thread for seconds (a 350,000-location file: a minute on a busy
// machine). So a worker thread, which the main thread's work does not block, watches too: every
// POLL_MS it checks that the client process exists (`kill(pid, 0)`, as the library does) and that this
// process still has the parent it started with (an orphan is re-parented: its editor is gone, whatever
// `processId` said). When either is gone it asks the main thread to exit (status 1, or 0 after `shutdown`),
// and if the main thread does not within GRACE_MS (it is inside a step of an analysis) ends the process
// with SIGTERM (Node's default action: the process ends, status 143).

import { Worker } from "worker_threads";

const POLL_MS = 500;
const GRACE_MS = 1000;

/** Runs in the worker thread: plain JavaScript (no imports), started from this string. */
const WORKER = `
const { parentPort, workerData } = require("worker_threads");
const { pid, ppid, pollMs, graceMs } = workerData;
const alive = (p) => {
  try {
    process.kill(p, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
};
const timer = setInterval(() => {
  if ((pid === null || alive(pid)) && process.ppid === ppid) return;
  clearInterval(timer);
  parentPort.postMessage("client-gone");
  setTimeout(() => process.kill(process.pid, "SIGTERM"), graceMs);
}, pollMs);
`;

export interface Watchdog {
  stop(): void;
}

/**
 * Starts watching the client process `pid` (null: only the parent process) from a worker thread;
 * `exit` is called on the main thread when the client is gone, if the main thread gets a turn.
 */
export function watchClient(pid: number | null, exit: () => void): Watchdog {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { pid, ppid: process.ppid, pollMs: POLL_MS, graceMs: GRACE_MS },
    // Nothing of the main thread's (stdin, environment) is the worker's business.
    stdin: false,
    env: {},
  });
  worker.on("message", () => exit());
  // A broken watchdog must not take the server down; the library's own checks remain.
  worker.on("error", () => undefined);
  // The worker never keeps the process alive by itself.
  worker.unref();
  return { stop: () => void worker.terminate() };
}

/** The client process id of `--clientProcessId N` / `--clientProcessId=N` (as vscode-languageclient passes it). */
export function clientProcessIdArg(argv: readonly string[]): number | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = a === "--clientProcessId" ? argv[i + 1] : a.startsWith("--clientProcessId=") ? a.slice(18) : null;
    if (v !== null && v !== undefined && /^\d+$/.test(v)) return Number(v);
  }
  return null;
}
