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

/**
 * The start-up delay of the watchdog: starting a worker costs node 20 ~250 ms of CPU (its own bootstrap,
 * compiling node's internal modules: CPU profile of a server start), which on a busy 2-core machine ran
 * beside the first analysis: the server without it published the first diagnostics of large-config in 0.77
 * and 0.93 of the time beyond `node -e 0` (0.83 and 0.88 of the process' CPU; two runs, medians of 9 each,
 * interleaved, load average 8-10). So the worker
 * starts once the first diagnostics are out (`now`), or START_DELAY_MS after it was asked, whichever comes
 * first: in the meantime the library's own checks (initialize's processId every 3 s, the end of stdin) run
 * between the analysis' steps, and a client gone in the first moments is noticed at most START_DELAY_MS later,
 * or, if the main thread is then inside one long step of the first analysis, once that step ends.
 */
export const START_DELAY_MS = 1500;

export interface DeferredWatchdog extends Watchdog {
  /** Starts the worker now (if it has not started). */
  now(): void;
  /**
   * Until the worker runs: checks on the main thread, at most every POLL_MS, that the client is still there
   * (the worker's test), and calls `exit` when it is not. The analysis calls it between its steps, so a client
   * that dies during the first analysis is noticed at the next step, not when the analysis is over.
   */
  check(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** `watchClient`, started by `now()` or after START_DELAY_MS (an unref'd timer). */
export function watchClientSoon(pid: number | null, exit: () => void): DeferredWatchdog {
  let started: Watchdog | null = null;
  let stopped = false;
  const start = (): void => {
    clearTimeout(timer);
    if (started === null && !stopped) started = watchClient(pid, exit);
  };
  const timer = setTimeout(start, START_DELAY_MS);
  timer.unref();
  const ppid = process.ppid;
  let checked = 0;
  return {
    now: start,
    check: () => {
      if (started !== null || stopped || Date.now() - checked < POLL_MS) return;
      checked = Date.now();
      if ((pid === null || alive(pid)) && process.ppid === ppid) return;
      stopped = true;
      exit();
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      started?.stop();
    },
  };
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
