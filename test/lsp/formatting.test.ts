// Formatting through the real server (dist/server.js over stdio): the capabilities are advertised, the
// editor's options (tabSize, insertSpaces) are used, the answer is small edits (not one whole-document
// replacement) that give the expected text when applied as an editor applies them (by line and character,
// here on a CRLF document with a Lua body), range formatting touches only the statements in the range, a
// document with syntax errors gets no edits, and an already formatted one none either.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { InitializeRequest, InitializedNotification, type TextEdit } from "vscode-languageserver-protocol/node";
import { TestClient, initializeParams, range, requireBuiltServer, uriOf } from "./client";

/** Applies LSP edits as an editor does: positions are line + UTF-16 character; all against the original. */
function applyLsp(text: string, edits: TextEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  const at = (p: { line: number; character: number }): number => starts[p.line] + p.character;
  const sorted = [...edits].sort((a, b) => at(b.range.start) - at(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, at(e.range.start)) + e.newText + out.slice(at(e.range.end));
  return out;
}

const MESSY = [
  "http {",
  "server {",
  "  listen   80;   # web",
  "location / {",
  "content_by_lua_block {",
  "    ngx.say('}')  ",
  "}",
  "}",
  "}",
  "}",
].join("\r\n");

const TWO_SPACES = [
  "http {",
  "  server {",
  "    listen 80; # web",
  "    location / {",
  "      content_by_lua_block {",
  "    ngx.say('}')  ",
  "}",
  "    }",
  "  }",
  "}",
  "",
].join("\r\n");

describe("language server: formatting", function () {
  this.timeout(30000);
  let dir = "";
  let client: TestClient;
  let file = "";

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-format-")));
    file = path.join(dir, "nginx.conf");
    fs.writeFileSync(file, MESSY);
    client = new TestClient();
    const result = await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "format"));
    assert.strictEqual(result.capabilities.documentFormattingProvider, true);
    assert.strictEqual(result.capabilities.documentRangeFormattingProvider, true);
    await client.connection.sendNotification(InitializedNotification.type, {});
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const format = (f: string, options: object): Promise<TextEdit[] | null> =>
    client.request<TextEdit[] | null>("textDocument/formatting", {
      textDocument: { uri: uriOf(f) },
      options,
    });

  it("formats the document with the editor's options, as small edits", async function () {
    client.open(file, MESSY, 1);
    const edits = (await format(file, { tabSize: 2, insertSpaces: true })) ?? [];
    assert.strictEqual(applyLsp(MESSY, edits), TWO_SPACES);
    // Only the gaps that change: not one edit replacing the whole document.
    assert.ok(edits.length > 1 && edits.every((e) => !e.newText.includes("listen")), JSON.stringify(edits));
    const tabs = (await format(file, { tabSize: 4, insertSpaces: false })) ?? [];
    const TABS = [
      "http {",
      "\tserver {",
      "\t\tlisten 80; # web",
      "\t\tlocation / {",
      "\t\t\tcontent_by_lua_block {",
      "    ngx.say('}')  ",
      "}",
      "\t\t}",
      "\t}",
      "}",
      "",
    ].join("\r\n");
    assert.strictEqual(applyLsp(MESSY, tabs), TABS);
  });

  it("an already formatted document gets no edits", async function () {
    const f = path.join(dir, "clean.conf");
    client.open(f, TWO_SPACES, 1);
    assert.deepStrictEqual(await format(f, { tabSize: 2, insertSpaces: true }), []);
  });

  it("range formatting: only the statements in the range", async function () {
    const edits =
      (await client.request<TextEdit[] | null>("textDocument/rangeFormatting", {
        textDocument: { uri: uriOf(file) },
        range: range(2, 4, 2, 6), // inside `listen`
        options: { tabSize: 4, insertSpaces: true },
      })) ?? [];
    const lines = MESSY.split("\r\n");
    lines[2] = "        listen 80; # web";
    assert.strictEqual(applyLsp(MESSY, edits), lines.join("\r\n"));
  });

  it("a document with syntax errors gets no edits", async function () {
    const f = path.join(dir, "broken.conf");
    client.open(f, "http {\n  server {\n    listen 80\n  }\n}\n", 1);
    assert.deepStrictEqual(await format(f, { tabSize: 4, insertSpaces: true }), []);
  });
});
