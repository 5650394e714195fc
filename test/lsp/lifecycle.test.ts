// The built server's life cycle (dist/server.js over stdio) while it analyses a large configuration:
// 40 site files of 2,500 locations each (100,000 locations), a few seconds of work even on a quiet machine.
// - `shutdown` is answered in the middle of the analysis, not after it; `exit` then ends it with 0, and an
//   `exit` without `shutdown` with 1 (the LSP's rule).
// - When the client dies it exits, even in the middle of the analysis: the process named by `processId`
//   (its pipes stay open, so only that check can tell), and a real parent (a small node process that starts
//   the server and passes its own pid) killed with SIGKILL.
// Times are compared with the analysis time T measured in the same run (a first server analysing the same
// configuration to the end), never with an absolute time alone.
//
// Needs `npm run build` first (the server is tested as shipped, bundled).

import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  ConfigurationRequest,
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  ShutdownRequest,
} from "vscode-languageserver-protocol/node";
import { SERVER, TestClient, initializeParams, requireBuiltServer, sameFile, uriOf } from "./client";

const FILES = 40;
const LOCATIONS_PER_FILE = 2500;

/** nginx.conf including sites-enabled/*.conf: one server per file, each with its locations and a Lua one. */
function writeConfiguration(dir: string): string {
  fs.mkdirSync(path.join(dir, "sites-enabled"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "nginx.conf"),
    [
      "load_module /usr/lib/nginx/modules/ndk_http_module.so;",
      "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;",
      "events { worker_connections 128; }",
      "http {",
      "    lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
      "    include sites-enabled/*.conf;",
      "}",
      "",
    ].join("\n"),
  );
  for (let f = 0; f < FILES; f++) {
    const lines = [
      "server {",
      `    listen 127.0.0.1:${8000 + f};`,
      "    location = /lua { content_by_lua_block { ngx.say('x') } }",
    ];
    for (let i = 0; i < LOCATIONS_PER_FILE; i++) lines.push(`    location /s${f}l${i} { return 200 'l${i}\\n'; }`);
    lines.push("}", "");
    fs.writeFileSync(path.join(dir, "sites-enabled", `s${String(f).padStart(2, "0")}.conf`), lines.join("\n"));
  }
  return path.join(dir, "nginx.conf");
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether process `pid` is gone: no such process, or a zombie nobody reaps (PID 1 of a container may not). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return /^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return true;
  }
}

/** Polls until `pid` is gone; the milliseconds it took, or null after `limitMs`. */
async function waitGone(pid: number, limitMs: number): Promise<number | null> {
  const t0 = Date.now();
  while (Date.now() - t0 < limitMs) {
    if (gone(pid)) return Date.now() - t0;
    await sleep(50);
  }
  return null;
}

/**
 * A client that opened the configuration's main file: `pulled` resolves when the server pulls the settings
 * for it, which is when its analysis starts (debounce 0 for a document just opened).
 */
async function openLarge(
  dir: string,
  conf: string,
  processId: number | null = process.pid,
): Promise<{ client: TestClient; pulled: Promise<number> }> {
  const client = new TestClient();
  let pulledAt: (t: number) => void = () => undefined;
  const pulled = new Promise<number>((r) => (pulledAt = r));
  client.connection.onRequest(ConfigurationRequest.type, (params) => {
    pulledAt(Date.now());
    return params.items.map(() => client.settings);
  });
  await client.connection.sendRequest(InitializeRequest.type, { ...initializeParams(dir, "large"), processId });
  await client.connection.sendNotification(InitializedNotification.type, {});
  client.open(conf, fs.readFileSync(conf, "utf8"));
  return { client, pulled };
}

const publishedFor = (client: TestClient, file: string): boolean => client.published.some((p) => sameFile(p.uri, file));

describe("language server life cycle during a large analysis", function () {
  this.timeout(600_000);
  let dir: string;
  let conf: string;
  /** Milliseconds from the settings pull to the diagnostics of the main file: the analysis, measured here. */
  let analysisMs: number;
  const children: cp.ChildProcess[] = [];

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lifecycle-")));
    conf = writeConfiguration(dir);
    const { client, pulled } = await openLarge(dir, conf);
    const start = await pulled;
    // Its own wait: the analysis takes long on a busy machine (TestClient.waitFor gives up after 10 s).
    const deadline = start + 300_000;
    while (!publishedFor(client, conf)) {
      assert.ok(Date.now() < deadline, `no diagnostics after 300 s; stderr:\n${client.stderr}`);
      await sleep(50);
    }
    analysisMs = Date.now() - start;
    await client.stop();
    console.log(`      the analysis of ${FILES * LOCATIONS_PER_FILE} locations in ${FILES} files: ${analysisMs} ms`);
  });

  after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  // Where the shutdown comes, and the share of the analysis it may wait. Measured (100,000 locations, the
  // analysis in steps timed one by one): the files are parsed one per step in the first 0.3 to 0.45 of it
  // (0.01 to 0.05 each, one up to 0.14 where a major GC falls); the graph 0.01 to 0.03; the model 0.04 to
  // 0.06; the rules' walk of every statement in slices of 8,192 statements (0.01 each, the first up to 0.08);
  // then the rules one by one, the longest lua-ssl-per-location (0.09 to 0.13). The server answered after
  // 0.01 to 0.02 at both points. Before the walk and the graph took steps of their own (issue 14's rules),
  // the walk was one step of 0.3 to 0.4 and the graph one of 0.09 to 0.15: 0.07 to 0.10 at 0.3 (a CI run
  // failed on 0.102), 0.16 to 0.21 at 0.65.
  for (const [at, limit] of [
    [0.3, 0.1],
    [0.65, 0.2],
  ]) {
    it(`answers shutdown sent at ${at} of the analysis within ${limit} of it; exit then ends it with 0`, async function () {
      const { client, pulled } = await openLarge(dir, conf);
      children.push(client.child);
      await sleep(analysisMs * at - (Date.now() - (await pulled)));
      assert.ok(!publishedFor(client, conf), "the analysis ended before the shutdown: nothing measured");
      const sent = Date.now();
      await client.connection.sendRequest(ShutdownRequest.type);
      const latency = Date.now() - sent;
      const ratio = latency / analysisMs;
      console.log(`      shutdown at ${at} answered after ${latency} ms: ${ratio.toFixed(3)} of the analysis`);
      assert.ok(ratio < limit, `shutdown answered after ${latency} ms, ${ratio.toFixed(3)} of ${analysisMs} ms`);
      const exited = new Promise<number | null>((r) => client.child.on("exit", (code) => r(code)));
      await client.connection.sendNotification(ExitNotification.type);
      const code = await Promise.race([exited, sleep(10_000).then(() => "still running")]);
      assert.strictEqual(code, 0, `exit after shutdown; stderr:\n${client.stderr}`);
      assert.ok(!publishedFor(client, conf), "nothing is published after shutdown");
      client.connection.dispose();
    });
  }

  it("exit without shutdown ends it with 1", async function () {
    const client = new TestClient();
    children.push(client.child);
    await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "exit"));
    await client.connection.sendNotification(InitializedNotification.type, {});
    const exited = new Promise<number | null>((r) => client.child.on("exit", (code) => r(code)));
    await client.connection.sendNotification(ExitNotification.type);
    assert.strictEqual(await Promise.race([exited, sleep(10_000).then(() => "still running")]), 1);
    client.connection.dispose();
  });

  it("exits when the client process named by processId dies mid-analysis, though its pipes stay open", async function () {
    // The "editor": a process of its own, which the server only knows by its pid.
    const editor = cp.spawn(process.execPath, ["-e", "setTimeout(() => {}, 600000)"], { stdio: "ignore" });
    children.push(editor);
    const { client, pulled } = await openLarge(dir, conf, editor.pid!);
    children.push(client.child);
    const exit = new Promise<string>((r) => client.child.on("exit", (code, signal) => r(`${code ?? signal}`)));
    await sleep(analysisMs / 4 - (Date.now() - (await pulled)));
    assert.ok(!publishedFor(client, conf), "the analysis ended before the editor died: nothing measured");
    assert.strictEqual(client.child.exitCode, null, "the server must live while its client does");
    editor.kill("SIGKILL");
    const killed = Date.now();
    // Polled every 500 ms, 1 s for the main thread to exit on its own: 2 s, or a quarter of the analysis.
    const limit = Math.max(2000, analysisMs / 4);
    const how = await Promise.race([exit, sleep(3 * limit).then(() => "still running")]);
    const after = Date.now() - killed;
    console.log(`      server gone ${after} ms after its client (status ${how}); the analysis takes ${analysisMs} ms`);
    assert.notStrictEqual(how, "still running", `server still running ${after} ms after its client died`);
    assert.ok(after < limit, `server gone only ${after} ms after its client died (limit ${limit} ms)`);
    assert.ok(!publishedFor(client, conf), "it died in the middle of the analysis");
    client.connection.dispose();
  });

  it("exits when its parent process (the editor that started it over stdio) is SIGKILLed mid-analysis", async function () {
    // The parent: starts the server over stdio, passes its own pid as processId, opens the main file,
    // answers the settings pull, and reports on its stdout (one JSON object a line).
    const parentJs = path.join(dir, "parent.js");
    fs.writeFileSync(
      parentJs,
      `
const cp = require("child_process");
const rpc = require(${JSON.stringify(require.resolve("vscode-languageserver-protocol/node"))});
const say = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
const server = cp.spawn(process.execPath, [${JSON.stringify(SERVER)}, "--stdio"], { stdio: ["pipe", "pipe", "ignore"] });
say({ server: server.pid });
const c = rpc.createProtocolConnection(new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
c.onRequest("workspace/configuration", (p) => { say({ pulled: true }); return p.items.map(() => ({ debounceMs: 0 })); });
c.onRequest("client/registerCapability", () => null);
c.onNotification("textDocument/publishDiagnostics", (p) => say({ published: p.uri }));
c.listen();
(async () => {
  const dir = ${JSON.stringify(dir)};
  const uri = ${JSON.stringify(uriOf(conf))};
  await c.sendRequest("initialize", { processId: process.pid, rootUri: ${JSON.stringify(uriOf(dir))},
    workspaceFolders: [{ uri: ${JSON.stringify(uriOf(dir))}, name: "parent" }],
    capabilities: { workspace: { configuration: true } } });
  c.sendNotification("initialized", {});
  c.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "nginx", version: 1,
    text: require("fs").readFileSync(${JSON.stringify(conf)}, "utf8") } });
})();
`,
    );
    const parent = cp.spawn(process.execPath, [parentJs], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(parent);
    const events: Record<string, unknown>[] = [];
    let buffered = "";
    parent.stdout!.on("data", (b: Buffer) => {
      buffered += b.toString("utf8");
      for (let i = buffered.indexOf("\n"); i !== -1; i = buffered.indexOf("\n")) {
        events.push(JSON.parse(buffered.slice(0, i)) as Record<string, unknown>);
        buffered = buffered.slice(i + 1);
      }
    });
    const until = async (
      what: string,
      pred: (e: Record<string, unknown>) => boolean,
    ): Promise<Record<string, unknown>> => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const e = events.find(pred);
        if (e) return e;
        assert.ok(Date.now() < deadline, `the parent did not report ${what}: ${JSON.stringify(events)}`);
        await sleep(20);
      }
    };
    const serverPid = (await until("the server's pid", (e) => typeof e.server === "number")).server as number;
    await until("the settings pull", (e) => e.pulled === true);
    await sleep(analysisMs / 4);
    assert.ok(!events.some((e) => e.published), "the analysis ended before the parent died: nothing measured");
    assert.ok(!gone(serverPid), "the server must live while its parent does");
    parent.kill("SIGKILL");
    const limit = Math.max(2000, analysisMs / 4);
    const after = await waitGone(serverPid, 3 * limit);
    console.log(`      server gone ${after} ms after its parent was killed; the analysis takes ${analysisMs} ms`);
    assert.ok(after !== null, `server ${serverPid} still running ${3 * limit} ms after its parent was killed`);
    assert.ok(after < limit, `server gone only ${after} ms after its parent was killed (limit ${limit} ms)`);
  });
});

describe("language server: malformed requests get a proper answer, and it keeps serving", function () {
  this.timeout(60_000);
  let dir: string;
  let conf: string;
  let client: TestClient;
  /** In the configuration only: an answer holding it leaks file content. */
  const MARKER = "marker-5d1f0c";

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-malformed-")));
    conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(
      conf,
      [
        `# ${MARKER}`,
        "events {}",
        "http {",
        "    server {",
        "        listen 80;",
        `        location /${MARKER} { return 204; }`,
        "    }",
        "}",
        "",
      ].join("\n"),
    );
    client = new TestClient();
    await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "malformed"));
    await client.connection.sendNotification(InitializedNotification.type, {});
    client.open(conf, fs.readFileSync(conf, "utf8"));
    await client.waitFor(conf, () => true);
  });

  after(async () => {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The answer of a request: its result, or its error's code and message. */
  async function answer(
    method: string,
    params: unknown,
  ): Promise<{ result?: unknown; code?: number; message?: string }> {
    try {
      return { result: await client.connection.sendRequest(method, params) };
    } catch (e) {
      const err = e as { code?: number; message?: string };
      return { code: err.code, message: err.message };
    }
  }

  /** Nothing of the server's insides or of the files in an error message. */
  function assertClean(method: string, message: string): void {
    for (const leak of [/\n\s+at /, /Error\b/, /Cannot read/, /undefined/, /is not a function/]) {
      assert.doesNotMatch(message, leak, `${method}: internal text in the answer: ${message}`);
    }
    assert.ok(!message.includes(dir), `${method}: a file path in the answer: ${message}`);
    assert.ok(!message.includes(MARKER), `${method}: file content in the answer: ${message}`);
  }

  it("wrong or missing params: InvalidParams naming the field, never what it held", async function () {
    const uri = uriOf(conf);
    const at = { line: 5, character: 12 };
    const options = { tabSize: 4, insertSpaces: true };
    const cases: [string, unknown, RegExp][] = [
      ["textDocument/hover", { textDocument: { uri } }, /params\.position must be/],
      ["textDocument/hover", { position: at }, /params\.textDocument must be/],
      ["textDocument/hover", { textDocument: { uri: 42 }, position: at }, /params\.textDocument must be/],
      ["textDocument/hover", { textDocument: { uri }, position: { line: -1, character: 0 } }, /position\.line must be/],
      ["textDocument/hover", { textDocument: { uri }, position: { line: 0, character: 1e300 } }, /character must be/],
      [
        "textDocument/hover",
        { textDocument: { uri }, position: { line: 1.5, character: 0 } },
        /position\.line must be/,
      ],
      [
        "textDocument/hover",
        { textDocument: { uri }, position: { line: "3", character: 0 } },
        /position\.line must be/,
      ],
      ["textDocument/hover", "garbage", /params must be an object/],
      ["textDocument/hover", [uri, at], /params must be an object/],
      ["textDocument/completion", { textDocument: { uri }, position: null }, /params\.position must be/],
      ["textDocument/definition", { textDocument: {}, position: at }, /params\.textDocument must be/],
      ["textDocument/references", { textDocument: { uri }, position: at }, /params\.context must be/],
      ["textDocument/documentSymbol", {}, /params\.textDocument must be/],
      ["textDocument/foldingRange", { textDocument: null }, /params\.textDocument must be/],
      ["textDocument/documentLink", { textDocument: { uri: {} } }, /params\.textDocument must be/],
      ["textDocument/codeLens", { textDocument: { uri: [] } }, /params\.textDocument must be/],
      ["textDocument/formatting", { textDocument: { uri } }, /params\.options must be/],
      [
        "textDocument/formatting",
        { textDocument: { uri }, options: { tabSize: 0, insertSpaces: true } },
        /tabSize must be/,
      ],
      [
        "textDocument/rangeFormatting",
        { textDocument: { uri }, options, range: { start: at } },
        /params\.range\.end must be/,
      ],
      ["textDocument/codeAction", { textDocument: { uri }, range: { start: at, end: at } }, /params\.context must be/],
      [
        "textDocument/codeAction",
        { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [{ message: "x" }] } },
        /diagnostics\[\]\.range must be/,
      ],
      ["completionItem/resolve", { kind: 1 }, /params\.label must be/],
      ["workspace/symbol", { query: 7 }, /params\.query must be/],
      ["workspace/executeCommand", { arguments: [] }, /params\.command must be/],
      ["textDocument/diagnostic", { textDocument: { uri }, previousResultId: 3 }, /previousResultId must be/],
      ["workspace/diagnostic", {}, /params\.previousResultIds must be/],
      ["workspace/diagnostic", { previousResultIds: [{ uri }] }, /previousResultIds\[\] must be/],
    ];
    for (const [method, params, why] of cases) {
      const a = await answer(method, params);
      const shown = `${method} ${JSON.stringify(params)}`;
      assert.strictEqual(a.code, -32602, `${shown}: InvalidParams expected, got ${JSON.stringify(a)}`);
      assert.ok(a.message!.startsWith(`${method}: `), `${shown}: ${a.message}`);
      assert.match(a.message!, why, shown);
      assertClean(shown, a.message!);
    }
  });

  it("unopened, unknown, non-file documents and positions past the end: null or nothing, no error", async function () {
    const far = { line: 2 ** 31 - 1, character: 2 ** 31 - 1 };
    const options = { tabSize: 4, insertSpaces: true };
    const docs = [
      uriOf(path.join(dir, "missing.conf")),
      "file:///",
      "untitled:Untitled-9",
      "https://example.com/nginx.conf",
      "not a uri %%% at all",
      uriOf(conf),
    ];
    for (const uri of docs) {
      const textDocument = { uri };
      const requests: [string, unknown][] = [
        ["textDocument/hover", { textDocument, position: far }],
        ["textDocument/completion", { textDocument, position: far }],
        ["textDocument/definition", { textDocument, position: far }],
        ["textDocument/references", { textDocument, position: far, context: { includeDeclaration: true } }],
        ["textDocument/rangeFormatting", { textDocument, options, range: { start: far, end: far } }],
        ["textDocument/codeAction", { textDocument, range: { start: far, end: far }, context: { diagnostics: [] } }],
        ["nginxRisk/costReport", { uri: 7 }],
        ["nginxRisk/status", null],
      ];
      if (uri !== uriOf(conf))
        requests.push(
          ["textDocument/documentSymbol", { textDocument }],
          ["textDocument/foldingRange", { textDocument }],
          ["textDocument/documentLink", { textDocument }],
          ["textDocument/codeLens", { textDocument }],
          ["textDocument/formatting", { textDocument, options }],
        );
      for (const [method, params] of requests) {
        const a = await answer(method, params);
        const shown = `${method} ${JSON.stringify(params)}`;
        assert.strictEqual(a.code, undefined, `${shown}: ${a.message}`);
        const r = a.result;
        // Completion past the end of the open file still offers the directives of its context.
        const empty = r === null || (Array.isArray(r) && (r.length === 0 || method === "textDocument/completion"));
        assert.ok(empty, `${shown}: ${JSON.stringify(r).slice(0, 300)}`);
      }
    }
  });

  it("an unknown method: MethodNotFound; malformed notifications are dropped; and it keeps serving", async function () {
    const a = await answer("nginxRisk/noSuchThing", { uri: uriOf(conf) });
    assert.strictEqual(a.code, -32601);
    assertClean("nginxRisk/noSuchThing", a.message!);
    // A didOpen without text and a didChange with a negative position: dropped, the document is unchanged.
    await client.connection.sendNotification("textDocument/didOpen", { textDocument: { uri: uriOf(conf) } });
    await client.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri: uriOf(conf), version: 2 },
      contentChanges: [{ range: { start: { line: -3, character: 0 }, end: { line: 0, character: 0 } }, text: "x" }],
    });
    const hover = await client.hover(conf, 4, 9);
    assert.ok(hover, "hover on `listen` after the garbage");
    assert.match(JSON.stringify(hover.contents), /listen/);
    assert.ok(
      client.logs.some((l) => l.startsWith("ignored a malformed textDocument/didOpen notification")),
      client.logs.join("\n"),
    );
    assert.strictEqual(client.child.exitCode, null, `server exited; stderr:\n${client.stderr}`);
  });
});
