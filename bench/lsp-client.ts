// The bench's LSP client: spawns a built server (`node <dist>/server.js --stdio`) as an editor would, with one
// workspace folder and the `nginxRisk` settings it pulls (debounce 0), and times what the editor waits for:
// an edit to the publishDiagnostics of that version, a request to its answer. Speaks the protocol through
// vscode-languageserver-protocol directly (the bench does not import the tests' client).

import * as cp from "child_process";
import { readFileSync } from "fs";
import { performance } from "perf_hooks";
import { pathToFileURL } from "url";
import {
  CodeLensRefreshRequest,
  ConfigurationRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  UnregistrationRequest,
  createProtocolConnection,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from "vscode-languageserver-protocol/node";

/** How long any one wait may take before the bench gives up on a server: (d) opens in ~1 min on a machine at load 20. */
export const WAIT_LIMIT_MS = 300_000;

/** USER_HZ, the unit of /proc/PID/stat's times: 100 on every Linux architecture node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export class BenchClient {
  readonly child: cp.ChildProcess;
  readonly connection: ProtocolConnection;
  /** performance.now() when the process was spawned. */
  readonly spawnedAt: number;
  stderr = "";
  private readonly waiters = new Set<(p: PublishDiagnosticsParams, at: number) => void>();
  private readonly exited: Promise<void>;

  /** `settings`: the `nginxRisk` section answered to every workspace/configuration request. */
  /** `env`: the server's environment (default: the bench's). */
  constructor(
    serverJs: string,
    readonly settings: Record<string, unknown> = { debounceMs: 0 },
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.spawnedAt = performance.now();
    // BENCH_SERVER_NODE_ARGS: node options for the server only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
    this.child = cp.spawn(process.execPath, [...nodeArgs, serverJs, "--stdio"], {
      stdio: ["pipe", "pipe", "pipe"],
      env,
    });
    this.exited = new Promise((resolve) => this.child.on("exit", () => resolve()));
    this.child.stderr!.on("data", (b: Buffer) => {
      if (this.stderr.length < 20_000) this.stderr += b.toString("utf8");
    });
    this.connection = createProtocolConnection(
      new StreamMessageReader(this.child.stdout!),
      new StreamMessageWriter(this.child.stdin!),
    );
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const at = performance.now();
      for (const w of [...this.waiters]) w(p, at);
    });
    this.connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => this.settings));
    this.connection.onRequest(RegistrationRequest.type, () => undefined);
    this.connection.onRequest(UnregistrationRequest.type, () => undefined);
    this.connection.onRequest(CodeLensRefreshRequest.type, () => undefined);
    // Log messages and custom notifications (nginxRisk/analysed, …) are not needed.
    this.connection.onUnhandledNotification(() => undefined);
    this.connection.listen();
  }

  /** initialize + initialized, as an editor does for one folder (settings pulled, diagnostics versioned). */
  async initialize(folder: string): Promise<void> {
    const uri = pathToFileURL(folder).href;
    await this.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: "bench" }],
      // What the VS Code extension sends (client/src/extension.ts), so the server does what it does for it.
      initializationOptions: { analysedNotification: true, persistsSettings: true, workspaceTrusted: true },
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true },
        textDocument: {
          publishDiagnostics: { relatedInformation: true, versionSupport: true },
          hover: { contentFormat: ["markdown", "plaintext"] },
        },
      },
    });
    await this.connection.sendNotification(InitializedNotification.type, {});
  }

  /**
   * The first publishDiagnostics for `uri` whose version is `version` or later after `action` (run once the
   * waiter is in place), and performance.now() at its arrival. Rejects after WAIT_LIMIT_MS.
   */
  async waitPublish(
    uri: string,
    version: number,
    action: () => void,
  ): Promise<{ at: number; params: PublishDiagnosticsParams }> {
    let waiter: ((p: PublishDiagnosticsParams, at: number) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<{ at: number; params: PublishDiagnosticsParams }>((resolve, reject) => {
        waiter = (params, at) => {
          if (params.uri === uri && typeof params.version === "number" && params.version >= version)
            resolve({ at, params });
        };
        this.waiters.add(waiter);
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `no publishDiagnostics of version ${version} for ${uri} within ${WAIT_LIMIT_MS} ms\n` +
                  this.stderr.slice(-2000),
              ),
            ),
          WAIT_LIMIT_MS,
        );
        action();
      });
    } finally {
      if (waiter) this.waiters.delete(waiter);
      clearTimeout(timer);
    }
  }

  open(uri: string, text: string, version = 1): void {
    void this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: "nginx", version, text },
    });
  }

  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): void {
    void this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: changes,
    });
  }

  /**
   * CPU time (user + system, every thread) the server process has used so far, in ms, from /proc (Linux; in
   * clock ticks of 10 ms); NaN elsewhere. Less inflated than wall time by other load on a shared machine.
   */
  cpuMs(): number {
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, "utf8");
      // Fields after the command name (which may hold spaces) in parentheses: utime and stime are 14 and 15.
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    } catch {
      return NaN;
    }
  }

  /** Milliseconds from sending textDocument/hover to its answer. */
  async timeHover(uri: string, line: number, character: number): Promise<number> {
    const t0 = performance.now();
    await this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } });
    return performance.now() - t0;
  }

  /** shutdown + exit; killed if it is still there 5 s later. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const bye = (async () => {
        await this.connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
        await this.connection.sendNotification(ExitNotification.type).catch(() => undefined);
        await this.exited;
      })();
      await Promise.race([bye, new Promise((r) => setTimeout(r, 5000))]);
      if (this.child.exitCode === null) this.child.kill("SIGKILL");
    }
    this.connection.dispose();
  }
}
