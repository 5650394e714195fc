// Silencing and configuring the rules in the editor, over stdio with the built server (dist/server.js):
// a suppression comment typed into the buffer, the "Ignore RULE here" quick-fix applied, the project's
// .nginx-risk.json (and a change to it on disk), the editor's nginxRisk.rules over the file, and every
// diagnostic's link to its rule's page.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CodeActionRequest,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  InitializeRequest,
  InitializedNotification,
  type CodeAction,
  type Diagnostic,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";
import { isPolicyRule } from "../support/cli";
import { TestClient, initializeParams, requireBuiltServer, uriOf } from "./client";

const TEXT =
  "events {}\nhttp {\n    gzip maybe;\n    server { listen 127.0.0.1:8080; location / { gzip_vary maybe; } }\n}\n";

/** The diagnostics as `line rule/code severity`, but those of the security and best-practice rules. */
const codes = (p: PublishDiagnosticsParams): string[] =>
  p.diagnostics
    .filter((d) => !isPolicyRule(String(d.code)))
    .map((d) => `${d.range.start.line} ${String(d.code)}/${(d.data as { code?: string }).code} ${d.severity}`);

describe("language server: suppression comments, .nginx-risk.json and nginxRisk.rules", function () {
  this.timeout(120_000);
  let dir: string;
  let conf: string;
  let client: TestClient;

  before(() => requireBuiltServer());
  beforeEach(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-silence-")));
    conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, TEXT);
    client = new TestClient();
    await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "silence"));
    await client.connection.sendNotification(InitializedNotification.type, {});
  });
  afterEach(async () => {
    await client.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("links every diagnostic to its rule's page, and a comment typed in the buffer silences its finding", async () => {
    client.open(conf, TEXT);
    const first = await client.waitFor(conf, (p) => codes(p).length === 2);
    assert.deepEqual(codes(first), ["2 value/invalid-flag 1", "3 value/invalid-flag 1"]);
    for (const d of first.diagnostics.filter((x) => x.code === "value"))
      assert.match(d.codeDescription?.href ?? "", /^file:.*\/docs\/rules\/value\.md$/);
    const n = client.published.length;
    client.change(conf, 2, [
      { text: TEXT.replace("    gzip maybe;", "    # nginx-risk-ignore value -- reviewed\n    gzip maybe;") },
    ]);
    const after = await client.waitFor(conf, (p) => p.version === 2, n);
    assert.deepEqual(codes(after), ["4 value/invalid-flag 1"]);
  });

  it("offers 'Ignore RULE here' after the real fixes; applied, it silences exactly that finding", async () => {
    client.open(conf, TEXT);
    const first = await client.waitFor(conf, (p) => codes(p).length === 2);
    const d = first.diagnostics.find((x) => x.range.start.line === 3 && x.code === "value") as Diagnostic;
    const actions = (await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: uriOf(conf) },
      range: d.range,
      context: { diagnostics: [d] },
    })) as CodeAction[];
    const ignore = actions.find((a) => a.title.startsWith("Ignore value here"));
    assert.ok(ignore, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(ignore.isPreferred, false);
    const [edit] = ignore.edit!.changes![uriOf(conf)];
    // `location / { gzip_vary maybe; }` is on one line: the comment goes on a line of its own before it.
    const lines = TEXT.split("\n");
    const offsetOf = (l: number, c: number): number => lines.slice(0, l).join("\n").length + (l > 0 ? 1 : 0) + c;
    const start = offsetOf(edit.range.start.line, edit.range.start.character);
    const edited = TEXT.slice(0, start) + edit.newText + TEXT.slice(start);
    assert.match(edited, /\n\s*# nginx-risk-ignore value -- \n\s*gzip_vary maybe;/);
    const n = client.published.length;
    client.change(conf, 2, [{ text: edited }]);
    const after = await client.waitFor(conf, (p) => p.version === 2, n);
    assert.deepEqual(codes(after), ["2 value/invalid-flag 1", "4 suppression/no-reason 4"]);
  });

  it("reads .nginx-risk.json, again when it changes, and nginxRisk.rules overrides it rule by rule", async () => {
    const project = path.join(dir, ".nginx-risk.json");
    fs.writeFileSync(project, JSON.stringify({ rules: { value: "warning" } }));
    client.open(conf, TEXT);
    await client.waitFor(conf, (p) => codes(p).join() === "2 value/invalid-flag 2,3 value/invalid-flag 2");
    let n = client.published.length;
    fs.writeFileSync(project, JSON.stringify({ rules: { value: "off" } }));
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: uriOf(project), type: FileChangeType.Changed }],
    });
    await client.waitFor(conf, (p) => codes(p).length === 0, n);
    n = client.published.length;
    client.settings = { ...client.settings, rules: { value: { level: "info" } } };
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    await client.waitFor(conf, (p) => codes(p).join() === "2 value/invalid-flag 3,3 value/invalid-flag 3", n);
  });
});
