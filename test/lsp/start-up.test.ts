// What the built language server loads before its first diagnostics (issue 13: server start → first
// diagnostics). Counted, not timed: the node built-ins and files the process loaded, recorded by a preload
// (test/support/record-modules.ts) over a real session. vscode-languageserver and vscode-jsonrpc require
// child_process and crypto at load (Files helpers, pipe names) and our pull diagnostics hash with crypto;
// the bundle (scripts/bundle.mjs, lazy-builtins) requires them on first use: ~24 ms of each start on
// this machine (CPU profiles of the start).

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  ConfigurationRequest,
  DocumentSymbolRequest,
  InitializeRequest,
  InitializedNotification,
  type DocumentSymbol,
} from "vscode-languageserver-protocol/node";
import { TestClient, initializeParams, requireBuiltServer, uriOf } from "./client";

const RECORD_MODULES = path.join(__dirname, "..", "support", "record-modules.js");

describe("language server start-up: loads what the first analysis needs", function () {
  this.timeout(60_000);
  let dir: string;

  before(function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-start-up-")));
    fs.writeFileSync(
      path.join(dir, "nginx.conf"),
      "events {}\nhttp {\n    server {\n        listen 80;\n        location / { return 200; }\n    }\n}\n",
    );
  });
  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A session: initialize, open nginx.conf, its first diagnostics, `more` (requests), shutdown; what was loaded. */
  async function session(more: (client: TestClient, file: string) => Promise<void>): Promise<string[]> {
    const log = path.join(dir, `modules-${Math.random().toString(36).slice(2)}.log`);
    const client = new TestClient({
      nodeArgs: ["-r", RECORD_MODULES],
      env: { ...process.env, NGINX_RISK_RECORD_MODULES: log },
    });
    const file = path.join(dir, "nginx.conf");
    try {
      await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "start-up"));
      await client.connection.sendNotification(InitializedNotification.type, {});
      client.open(file, fs.readFileSync(file, "utf8"), 1);
      const published = await client.waitFor(file, (p) => p.version === 1);
      assert.ok(Array.isArray(published.diagnostics));
      await more(client, file);
    } finally {
      await client.stop();
    }
    assert.ok(fs.existsSync(log), "the server exited through process.exit, which writes the record");
    return fs.readFileSync(log, "utf8").split("\n").filter(Boolean);
  }

  it("publishes the first diagnostics without child_process or crypto", async function () {
    const loaded = await session(async () => undefined);
    // The record is real: node's own modules and the stream stdin is read through are in it.
    assert.ok(loaded.includes("NativeModule fs") && loaded.includes("NativeModule net"), loaded.join(" "));
    assert.deepStrictEqual(
      loaded.filter((m) => /^NativeModule (child_process|crypto)$/.test(m)),
      [],
      "required only on first use",
    );
  });

  it("publishes the first diagnostics without worker_threads or os", async function () {
    const loaded = await session(async () => undefined);
    const mark = loaded.indexOf("-- first publishDiagnostics --");
    assert.ok(mark > 0, `the record marks the first publish: ${loaded.join(" ")}`);
    const before = loaded.slice(0, mark);
    assert.ok(before.includes("NativeModule net"), before.join(" "));
    // worker_threads (and six internal modules) is the watchdog's, started after the first publish or 1.5 s
    // after initialize (watchdog.ts), which the analysis of this 7-line file does not come near; os is
    // vscode-jsonrpc's for pipe names, unused over stdio. Both are required on first use (bundle.mjs).
    assert.deepStrictEqual(
      before.filter((m) => /^NativeModule (worker_threads|internal\/worker|os)$/.test(m)),
      [],
      "required only on first use",
    );
  });

  it("parses the opened buffer while its settings are pulled, not after", async function () {
    const client = new TestClient();
    const file = path.join(dir, "nginx.conf");
    // The client holds its answer to workspace/configuration until the outline has come back (or, so that
    // a server that waits for the settings first fails instead of hanging, for 20 s: the outline of this
    // 7-line file takes milliseconds).
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let asked!: () => void;
    const askedOnce = new Promise<void>((resolve) => (asked = resolve));
    client.connection.onRequest(ConfigurationRequest.type, async (params) => {
      asked();
      await released;
      return params.items.map(() => client.settings);
    });
    const fallback = setTimeout(release, 20_000);
    try {
      await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "start-up"));
      await client.connection.sendNotification(InitializedNotification.type, {});
      client.open(file, fs.readFileSync(file, "utf8"), 1);
      // The analysis has begun (it asks for the settings first); the outline waits for its parse of the
      // buffer (server.ts, parsedNow), which must not wait for the settings.
      await askedOnce;
      const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, {
        textDocument: { uri: uriOf(file) },
      })) as DocumentSymbol[];
      let settingsAnswered = false;
      void released.then(() => (settingsAnswered = true));
      await Promise.resolve();
      assert.ok(!settingsAnswered, "the outline came while the settings were still pulled");
      assert.deepStrictEqual(
        symbols.map((s) => s.name),
        ["events", "http"],
      );
      release();
      const published = await client.waitFor(file, (p) => p.version === 1);
      assert.ok(Array.isArray(published.diagnostics));
    } finally {
      clearTimeout(fallback);
      release();
      await client.stop();
    }
  });
});
