// A real LSP client for the end-to-end tests: spawns the built server (dist/server.js) over stdio, answers
// its requests (settings, registrations, code lens refreshes) and records what it publishes.
//
// Needs `npm run build` first (the server is tested as shipped, bundled).

import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as path from "path";
import { fileURLToPath, pathToFileURL } from "url";
import {
  CodeLensRefreshRequest,
  ExitNotification,
  ShutdownRequest,
  CodeLensRequest,
  CompletionRequest,
  CompletionResolveRequest,
  ConfigurationRequest,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  HoverRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  StreamMessageReader,
  StreamMessageWriter,
  UnregistrationRequest,
  createProtocolConnection,
  type CodeLens,
  type CompletionItem,
  type Diagnostic,
  type Hover,
  type InitializeParams,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
  type TextDocumentContentChangeEvent,
} from "vscode-languageserver-protocol/node";
import { REPO } from "../support/shared";

export const SERVER = path.join(REPO, "dist", "server.js");
export const WAIT_MS = 10000;
export const DEBOUNCE_MS = 500;

export function requireBuiltServer(): void {
  if (!fs.existsSync(SERVER)) {
    throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests (they test the bundled server)`);
  }
}

/** A client side of the protocol: records every publishDiagnostics and lets a test wait for one. */
export class TestClient {
  readonly child: cp.ChildProcess;
  readonly connection: ProtocolConnection;
  readonly published: PublishDiagnosticsParams[] = [];
  readonly logs: string[] = [];
  /** The `nginxRisk` section the server pulls (a test may change it, then notify the server). */
  settings: Record<string, unknown> = { debounceMs: DEBOUNCE_MS, strict: false, pathMappings: {} };
  /** workspace/codeLens/refresh requests received. */
  lensRefreshes = 0;
  /** Notifications no handler above takes (custom ones such as nginxRisk/analysed), in arrival order. */
  readonly notifications: { method: string; params: unknown }[] = [];
  stderr = "";
  /** Every byte the server wrote to stdout (all its messages), for tests that search them. */
  stdout = "";
  exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  /**
   * `node` options before the server (e.g. `-r` a preload) and its environment, when a test needs them;
   * `server`: another build of the server than the repository's (the one an installed package holds).
   */
  constructor(options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; server?: string } = {}) {
    this.child = cp.spawn(process.execPath, [...(options.nodeArgs ?? []), options.server ?? SERVER, "--stdio"], {
      stdio: ["pipe", "pipe", "pipe"],
      env: options.env ?? process.env,
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
    this.child.stderr!.on("data", (b: Buffer) => (this.stderr += b.toString("utf8")));
    this.child.stdout!.on("data", (b: Buffer) => (this.stdout += b.toString("utf8")));
    this.connection = createProtocolConnection(
      new StreamMessageReader(this.child.stdout!),
      new StreamMessageWriter(this.child.stdin!),
    );
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      for (const w of this.waiters.splice(0)) w();
    });
    this.connection.onNotification(LogMessageNotification.type, (m) => {
      this.logs.push(m.message);
    });
    this.connection.onUnhandledNotification((n) => {
      this.notifications.push({ method: n.method, params: n.params });
      for (const w of this.waiters.splice(0)) w();
    });
    // The settings the server pulls: by default a debounce long enough to tell coalesced edits apart.
    this.connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => this.settings));
    this.connection.onRequest(RegistrationRequest.type, () => undefined);
    this.connection.onRequest(UnregistrationRequest.type, () => undefined);
    this.connection.onRequest(CodeLensRefreshRequest.type, () => {
      this.lensRefreshes++;
    });
    this.connection.listen();
  }
  /** Shuts the server down politely if it still runs, kills it after 2 s, and closes the connection. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      await this.connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
      await this.connection.sendNotification(ExitNotification.type).catch(() => undefined);
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000))]);
      if (this.child.exitCode === null) this.child.kill();
    }
    this.connection.dispose();
  }

  /**
   * The first publication (from index `since` of the history on) for `file` that satisfies `pred`;
   * fails after WAIT_MS with what was published for the file, so a failure says what came instead.
   */
  async waitFor(
    file: string,
    pred: (p: PublishDiagnosticsParams) => boolean,
    since = 0,
  ): Promise<PublishDiagnosticsParams> {
    const deadline = Date.now() + WAIT_MS;
    let i = since;
    for (;;) {
      for (; i < this.published.length; i++) {
        const p = this.published[i];
        if (sameFile(p.uri, file) && pred(p)) return p;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const forFile = this.published.slice(since).filter((p) => sameFile(p.uri, file));
        assert.fail(
          `no matching publishDiagnostics for ${file} within ${WAIT_MS} ms; got:\n` +
            JSON.stringify(
              forFile.map((p) => ({ version: p.version, diagnostics: p.diagnostics.map(brief) })),
              null,
              1,
            ) +
            `\nserver log:\n${this.logs.join("\n")}\nstderr:\n${this.stderr}`,
        );
      }
      await this.nextMessage(left);
    }
  }

  /** Resolves when the next message arrives (a publish, a notification), or after `ms`. */
  private nextMessage(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /**
   * The first notification `method` (from index `since` of `notifications` on) whose params satisfy `pred`;
   * fails after WAIT_MS with the notifications of that method that came.
   */
  async waitForNotification<T>(method: string, pred: (params: T) => boolean, since = 0): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    let i = since;
    for (;;) {
      for (; i < this.notifications.length; i++) {
        const n = this.notifications[i];
        if (n.method === method && pred(n.params as T)) return n.params as T;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const got = this.notifications.slice(since).filter((n) => n.method === method);
        assert.fail(
          `no matching ${method} within ${WAIT_MS} ms; got:\n${JSON.stringify(got, null, 1)}` +
            `\nserver log:\n${this.logs.join("\n")}\nstderr:\n${this.stderr}`,
        );
      }
      await this.nextMessage(left);
    }
  }

  /** A request by method name (the server's custom requests). */
  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest(method, params) as Promise<T>;
  }

  /** `file` is a path, or a non-file URI such as `untitled:Untitled-1`. */
  open(file: string, text: string, version = 1): void {
    void this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: uriOf(file), languageId: "nginx", version, text },
    });
  }

  change(file: string, version: number, changes: TextDocumentContentChangeEvent[]): void {
    void this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: uriOf(file), version },
      contentChanges: changes,
    });
  }

  close(file: string): void {
    void this.connection.sendNotification(DidCloseTextDocumentNotification.type, {
      textDocument: { uri: uriOf(file) },
    });
  }

  hover(file: string, line: number, character: number): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: uriOf(file) },
      position: { line, character },
    });
  }

  /** textDocument/completion: the items, whether the server answers with a list or an array. */
  async completion(file: string, line: number, character: number): Promise<CompletionItem[]> {
    const r = await this.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri: uriOf(file) },
      position: { line, character },
    });
    return r === null ? [] : Array.isArray(r) ? r : r.items;
  }

  resolveCompletion(item: CompletionItem): Promise<CompletionItem> {
    return this.connection.sendRequest(CompletionResolveRequest.type, item);
  }

  async codeLens(file: string): Promise<CodeLens[]> {
    return (await this.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: uriOf(file) } })) ?? [];
  }
}

/**
 * What an editor like VS Code sends in `initialize` for a folder: pulled configuration, folder events,
 * dynamic watcher registration, diagnostics with related information; `more` adds code lens and hover.
 */
export function initializeParams(dir: string, name: string, more: { lenses?: boolean } = {}): InitializeParams {
  return {
    processId: process.pid,
    rootUri: uriOf(dir),
    workspaceFolders: [{ uri: uriOf(dir), name }],
    capabilities: {
      workspace: {
        configuration: true,
        workspaceFolders: true,
        didChangeConfiguration: { dynamicRegistration: true },
        didChangeWatchedFiles: { dynamicRegistration: true },
        ...(more.lenses ? { codeLens: { refreshSupport: true } } : {}),
      },
      textDocument: {
        publishDiagnostics: { relatedInformation: true, versionSupport: true },
        ...(more.lenses ? { hover: { contentFormat: ["markdown", "plaintext"] }, codeLens: {} } : {}),
      },
    },
  };
}

export function uriOf(file: string): string {
  return file.startsWith("/") ? pathToFileURL(file).href : file;
}

export function sameFile(uri: string, file: string): boolean {
  return uri.startsWith("file:") ? fileURLToPath(uri) === file : uri === file;
}

export function brief(d: Diagnostic): string {
  const r = d.range;
  const code = (d.data as { code?: string } | undefined)?.code;
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character} ${String(d.code)}/${code} ${d.message}`;
}

export function withCode(p: PublishDiagnosticsParams, code: string): Diagnostic | undefined {
  return p.diagnostics.find((d) => (d.data as { code?: string } | undefined)?.code === code);
}

export function range(sl: number, sc: number, el: number, ec: number): Range {
  return { start: { line: sl, character: sc }, end: { line: el, character: ec } };
}
