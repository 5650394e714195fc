// Pull diagnostics over stdio with the built server (LSP 3.17): a client that declares
// `textDocument.diagnostic` gets `diagnosticProvider` with workspace diagnostics, and
// - workspace/diagnostic reports every file of every main configuration of the folder, files never
//   opened included, the same findings as `nginx-risk check --format json` on the folder (a redis.conf
//   in it excepted: the CLI warns that it is not configuration, the editor keeps quiet);
// - result ids: the second pull answers `unchanged` for every file, and is held until something changes
//   (VS Code asks again 2 s after each answer); after an edit only the files whose list changed are `full`;
// - textDocument/diagnostic answers for the text the editor shows (after the debounce), `unchanged` for the
//   id the client holds; a pull waiting for an analysis and a held workspace pull are cancelled with
//   RequestCancelled when the client cancels;
// - after an edit that changes what an open document shows, the server asks for a pull
//   (workspace/diagnostic/refresh), since nothing the client does would ask for it;
// - a change on disk of a file never opened (a watcher event) reaches the held workspace pull;
// - nothing is ever pushed for an open document, and nothing at all once the workspace is pulled (push and
//   pull together would show every problem twice); a pull client that never pulls the workspace still gets
//   the other files pushed.

import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CancellationTokenSource,
  DiagnosticRefreshRequest,
  DidChangeWatchedFilesNotification,
  DocumentDiagnosticRequest,
  FileChangeType,
  InitializeRequest,
  InitializedNotification,
  WorkspaceDiagnosticRequest,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceDiagnosticReport,
} from "vscode-languageserver-protocol/node";
import { REPO } from "../support/shared";
import { OTHER_FORMATS } from "../support/other-formats";
import { TestClient, WAIT_MS, initializeParams, requireBuiltServer, sameFile, uriOf } from "./client";

const FILES: Record<string, string> = {
  "nginx.conf": [
    "events {}",
    "http {",
    "    include conf.d/*.conf;",
    "    include sites-enabled/*;",
    "    include /etc/nginx/missing.types;", // 4: include-not-found
    "}",
    "",
  ].join("\n"),
  "conf.d/broken.conf": "server {\n    listen 8081\n    root /srv;\n}\n", // line 3: the ; lost after 8081
  "conf.d/ok.conf": "server {\n    listen 8082;\n}\n",
  "sites-enabled/app.conf": "server {\n    listen 8083;\n    server_name app.example;\n}\n",
  // A second main configuration, in a folder of its own, whose include has a directive not allowed there.
  "stream/nginx.conf": "events {}\nstream {\n    include inc.conf;\n}\n",
  "stream/inc.conf": "server {\n    listen 9000;\n    worker_processes 2;\n    proxy_pass 127.0.0.1:9001;\n}\n",
  // Included by nobody: a main file of its own, analysed in a guessed context (a hint).
  "snippets/extra.conf": "location /extra {\n    return 204;\n}\n",
  "redis.conf": OTHER_FORMATS.find((f) => f.name === "redis.conf")!.text,
};

/** What VS Code's client declares for pull diagnostics. */
function pullParams(dir: string): InitializeParams {
  const p = initializeParams(dir, "pull");
  p.capabilities.textDocument = {
    ...p.capabilities.textDocument,
    diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
  };
  p.capabilities.workspace = { ...p.capabilities.workspace, diagnostics: { refreshSupport: true } };
  return p;
}

const codeOf = (d: Diagnostic): string => (d.data as { code?: string } | undefined)?.code ?? String(d.code);

describe("language server: pull diagnostics (textDocument/diagnostic, workspace/diagnostic)", function () {
  this.timeout(60000);
  let dir: string;
  let client: TestClient;
  let init: InitializeResult;
  let refreshes = 0;
  const file = (rel: string): string => path.join(dir, rel);
  const relOf = (uri: string): string => path.relative(dir, new URL(uri).pathname);

  /** What the client shows per URI and the id it holds for it, kept from the reports as a client keeps them. */
  const shown = new Map<string, { resultId: string; items: Diagnostic[] }>();
  const heldIds = (): { uri: string; value: string }[] => [...shown].map(([uri, r]) => ({ uri, value: r.resultId }));
  const take = (r: WorkspaceDiagnosticReport): void => {
    for (const i of r.items)
      shown.set(i.uri, { resultId: i.resultId!, items: i.kind === "full" ? i.items : (shown.get(i.uri)?.items ?? []) });
  };
  const codesOf = (rel: string): string[] | undefined => shown.get(uriOf(file(rel)))?.items.map(codeOf);
  const pullWorkspace = (
    previousResultIds: { uri: string; value: string }[],
    token?: CancellationTokenSource,
  ): Promise<WorkspaceDiagnosticReport> =>
    client.connection.sendRequest(WorkspaceDiagnosticRequest.type, { previousResultIds }, token?.token);
  /** Pulls the workspace as a client does (the ids it holds in each pull) until `done` holds. */
  const pullUntil = async (done: () => boolean): Promise<void> => {
    while (!done()) take(await pullWorkspace(heldIds()));
  };

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-pull-")));
    for (const [rel, text] of Object.entries(FILES)) {
      fs.mkdirSync(path.dirname(file(rel)), { recursive: true });
      fs.writeFileSync(file(rel), text);
    }
    client = new TestClient();
    client.connection.onRequest(DiagnosticRefreshRequest.type, () => {
      refreshes++;
    });
    init = await client.connection.sendRequest(InitializeRequest.type, pullParams(dir));
    await client.connection.sendNotification(InitializedNotification.type, {});
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("declares pull diagnostics with workspace diagnostics and inter-file dependencies", function () {
    assert.deepStrictEqual(init.capabilities.diagnosticProvider, {
      identifier: "nginx-risk",
      interFileDependencies: true,
      workspaceDiagnostics: true,
    });
  });

  it("workspace/diagnostic: every file of every configuration, never opened, as the CLI finds them", async function () {
    const first = await pullWorkspace([]);
    take(first);
    const reported = new Map(first.items.map((i) => [relOf(i.uri), i]));
    for (const rel of Object.keys(FILES).filter((r) => r !== "redis.conf"))
      assert.ok(reported.get(rel)?.kind === "full", `${rel} is not reported: ${[...reported.keys()].join(", ")}`);
    // The other format beside them: never an error (not even a report).
    assert.deepStrictEqual(codesOf("redis.conf") ?? [], []);

    const found = new Set<string>();
    for (const [uri, r] of shown)
      for (const d of r.items) found.add(`${relOf(uri)}:${d.range.start.line + 1}:${codeOf(d)}`);
    // The CLI on the same folder (exit 1: it finds errors).
    const cli = cp.spawnSync(process.execPath, [path.join(REPO, "dist", "cli.js"), "check", ".", "--format", "json"], {
      cwd: dir,
      encoding: "utf8",
    });
    const expected = new Set<string>();
    for (const f of (JSON.parse(cli.stdout) as { findings: { file: string; line: number; code: string }[] }).findings)
      if (f.file !== "redis.conf") expected.add(`${f.file}:${f.line}:${f.code}`);
    assert.deepStrictEqual([...found].sort(), [...expected].sort());
    assert.ok(found.has("conf.d/broken.conf:3:lost-semicolon"), [...found].join("\n"));
    assert.ok(found.has("stream/inc.conf:3:not-allowed-here"), [...found].join("\n"));
    // Pulled, never pushed.
    assert.deepStrictEqual(
      client.published.filter((p) => p.diagnostics.length > 0),
      [],
    );
  });

  it("the ids the client holds: held until something changes, cancelled when the client cancels", async function () {
    const source = new CancellationTokenSource();
    let answered = false;
    const pending = pullWorkspace(heldIds(), source).then(
      () => (answered = true),
      (e: { code: number }) => e,
    );
    await new Promise((r) => setTimeout(r, 1000));
    assert.strictEqual(answered, false, "answered although nothing changed");
    source.cancel();
    const err = (await pending) as { code: number };
    assert.strictEqual(err.code, -32800, JSON.stringify(err));
  });

  it("after an edit, only the file whose list changed is full; the open document by textDocument/diagnostic", async function () {
    const ok = file("conf.d/ok.conf");
    const before = refreshes;
    const known = shown.size;
    const pending = pullWorkspace(heldIds());
    client.open(ok, FILES["conf.d/ok.conf"], 1);
    client.change(ok, 2, [{ text: "server {\n    listen 8082;\n    gzip on off;\n}\n" }]);
    const report = await pending;
    take(report);
    assert.deepStrictEqual(
      report.items.filter((i) => i.kind === "full").map((i) => relOf(i.uri)),
      ["conf.d/ok.conf"],
    );
    assert.strictEqual(report.items.filter((i) => i.kind === "unchanged").length, known - 1);
    const item = report.items.find((i) => i.kind === "full")!;
    assert.strictEqual(item.version, 2);
    assert.deepStrictEqual(codesOf("conf.d/ok.conf"), ["invalid-args"]);

    const doc = { textDocument: { uri: uriOf(ok) } };
    const pulled = await client.connection.sendRequest(DocumentDiagnosticRequest.type, doc);
    assert.deepStrictEqual(pulled.kind === "full" ? pulled.items.map(codeOf) : null, ["invalid-args"]);
    assert.strictEqual(pulled.resultId, item.resultId, "one list, one id, whichever request reports it");
    const again = await client.connection.sendRequest(DocumentDiagnosticRequest.type, {
      ...doc,
      previousResultId: pulled.resultId,
    });
    assert.deepStrictEqual(again, { kind: "unchanged", resultId: pulled.resultId });
    // No pull of the document was waiting for the edit's analysis: the server asks for one.
    const deadline = Date.now() + WAIT_MS;
    while (refreshes === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(refreshes > before, "no workspace/diagnostic/refresh");
    assert.ok(!client.published.some((p) => sameFile(p.uri, ok)), "an open document's diagnostics were pushed");
  });

  it("a pull waiting for the debounce answers for the new text, or is cancelled", async function () {
    const ok = file("conf.d/ok.conf");
    const doc = { textDocument: { uri: uriOf(ok) } };
    // Sent right after the edit: it waits out the debounce (500 ms in these tests) and the analysis.
    client.change(ok, 3, [{ text: FILES["conf.d/ok.conf"] }]);
    const fixed = await client.connection.sendRequest(DocumentDiagnosticRequest.type, doc);
    assert.deepStrictEqual(fixed.kind === "full" ? fixed.items : null, []);

    client.change(ok, 4, [{ text: "server {\n    listen 8082;\n    gzip on off;\n}\n" }]);
    const source = new CancellationTokenSource();
    const pending = client.connection.sendRequest(DocumentDiagnosticRequest.type, doc, source.token).then(
      () => null,
      (e: { code: number }) => e,
    );
    source.cancel();
    assert.strictEqual(((await pending) as { code: number } | null)?.code, -32800);
    await pullUntil(() => codesOf("conf.d/ok.conf")?.join() === "invalid-args");
  });

  it("an include typed into an open nginx.conf: the file it reaches is no main file of its own any more", async function () {
    const nginxConf = file("nginx.conf");
    assert.deepStrictEqual(codesOf("snippets/extra.conf"), ["guessed-context"]);
    client.open(nginxConf, FILES["nginx.conf"], 1);
    const withInclude = FILES["nginx.conf"].replace(
      "    include conf.d/*.conf;\n",
      "    include conf.d/*.conf;\n    server {\n        include snippets/extra.conf;\n    }\n",
    );
    client.change(nginxConf, 2, [{ text: withInclude }]);
    await pullUntil(() => codesOf("snippets/extra.conf")?.length === 0);
    // And back: a main file again, with its hint.
    client.change(nginxConf, 3, [{ text: FILES["nginx.conf"] }]);
    await pullUntil(() => codesOf("snippets/extra.conf")?.join() === "guessed-context");
    client.close(nginxConf);
  });

  it("a change on disk of files never opened reaches the workspace pull; a deleted file's list is emptied", async function () {
    // The lost `;` makes nginx read `server_name` as a listen parameter: rule value's error, and the hint why.
    assert.deepStrictEqual(codesOf("conf.d/broken.conf"), ["invalid-parameter", "lost-semicolon"]);
    fs.writeFileSync(file("conf.d/broken.conf"), "server {\n    listen 8081;\n    root /srv;\n}\n");
    fs.rmSync(file("stream/inc.conf"));
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [
        { uri: uriOf(file("conf.d/broken.conf")), type: FileChangeType.Changed },
        { uri: uriOf(file("stream/inc.conf")), type: FileChangeType.Deleted },
      ],
    });
    await pullUntil(
      () =>
        codesOf("conf.d/broken.conf")?.length === 0 &&
        codesOf("stream/inc.conf")?.length === 0 &&
        codesOf("stream/nginx.conf")?.join() === "include-not-found",
    );
    // The open document kept its own list.
    assert.deepStrictEqual(codesOf("conf.d/ok.conf"), ["invalid-args"]);
    assert.deepStrictEqual(
      client.published.filter((p) => p.diagnostics.length > 0),
      [],
    );
  });
});

describe("language server: a pull client that never pulls the workspace", function () {
  this.timeout(30000);
  let dir: string;
  let client: TestClient;

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-pull-doc-")));
    fs.mkdirSync(path.join(dir, "conf.d"));
    fs.writeFileSync(path.join(dir, "nginx.conf"), FILES["nginx.conf"]);
    fs.writeFileSync(path.join(dir, "conf.d", "broken.conf"), FILES["conf.d/broken.conf"]);
    client = new TestClient();
    client.connection.onRequest(DiagnosticRefreshRequest.type, () => undefined);
    await client.connection.sendRequest(InitializeRequest.type, pullParams(dir));
    await client.connection.sendNotification(InitializedNotification.type, {});
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("gets the open document by pull and the files it reads pushed, each once", async function () {
    const nginxConf = path.join(dir, "nginx.conf");
    const broken = path.join(dir, "conf.d", "broken.conf");
    client.open(nginxConf, FILES["nginx.conf"], 1);
    const pulled = await client.connection.sendRequest(DocumentDiagnosticRequest.type, {
      textDocument: { uri: uriOf(nginxConf) },
    });
    // Its own finding: an absolute include the workspace does not hold (a warning that names the fix).
    assert.ok(
      pulled.kind === "full" && pulled.items.map(codeOf).includes("include-not-in-workspace"),
      JSON.stringify(pulled),
    );
    const pushed = await client.waitFor(broken, (p) => p.diagnostics.length > 0);
    assert.deepStrictEqual(pushed.diagnostics.map(codeOf), ["invalid-parameter", "lost-semicolon"]);
    assert.ok(!client.published.some((p) => sameFile(p.uri, nginxConf)), "the open document was pushed too");

    // Opened, the included file is pulled: what was pushed for it is taken back.
    const since = client.published.length;
    client.open(broken, FILES["conf.d/broken.conf"], 1);
    await client.waitFor(broken, (p) => p.diagnostics.length === 0, since);
    const own = await client.connection.sendRequest(DocumentDiagnosticRequest.type, {
      textDocument: { uri: uriOf(broken) },
    });
    assert.deepStrictEqual(own.kind === "full" ? own.items.map(codeOf) : null, ["invalid-parameter", "lost-semicolon"]);
  });
});

describe("language server: the workspace's diagnostics stop at nginxRisk.maxFiles", function () {
  this.timeout(30000);
  let dir: string;
  let client: TestClient;

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-pull-limit-")));
    // Breadth-first and sorted: a1.conf to a3.conf are found; nginx.conf and the other snippets sort after them.
    fs.writeFileSync(path.join(dir, "nginx.conf"), "events {}\nhttp {\n    include conf.d/*.conf;\n}\n");
    for (let i = 1; i <= 6; i++) fs.writeFileSync(path.join(dir, `a${i}.conf`), `server { listen ${8000 + i} }\n`);
    client = new TestClient();
    client.settings = { ...client.settings, maxFiles: 3 };
    await client.connection.sendRequest(InitializeRequest.type, pullParams(dir));
    await client.connection.sendNotification(InitializedNotification.type, {});
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reports the configurations of the files found, and says once where the search stopped", async function () {
    const report = await client.connection.sendRequest(WorkspaceDiagnosticRequest.type, { previousResultIds: [] });
    const files = report.items.map((i) => path.relative(dir, new URL(i.uri).pathname)).sort();
    // The first 3 files of the sorted scan (a1, a2, a3); the others were never read.
    assert.deepStrictEqual(files, ["a1.conf", "a2.conf", "a3.conf"]);
    const limits = report.items.flatMap((i) =>
      i.kind === "full" ? i.items.filter((d) => codeOf(d) === "scan-limit").map(() => i.uri) : [],
    );
    // Two searches stopped (configuration files, and the files around them), said on one file only.
    assert.strictEqual(limits.length, 2, JSON.stringify(report.items, null, 1));
    assert.strictEqual(new Set(limits).size, 1);
  });
});
