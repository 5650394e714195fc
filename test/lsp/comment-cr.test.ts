// The built server over stdio reads what nginx reads: a directive after a lone CR inside a `#` comment
// (nginx ends a comment only at LF) gets no diagnostic but the warning that it is hidden, no hover, no code
// action, and completion there is inside a comment. Positions are the editor's (LSP counts a lone CR as a
// line break). The same document with a real line break there gets all of them, so each assertion can fail.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CodeActionRequest,
  InitializeRequest,
  InitializedNotification,
  type CodeAction,
  type Diagnostic,
  type InitializeParams,
} from "vscode-languageserver-protocol/node";
import { HIDDEN, HIDDEN_COLUMN, HIDDEN_LINE, RULES_TEXT, VISIBLE } from "../support/comment-cr";
import { isPolicyRule } from "../support/cli";
import { TestClient, initializeParams, requireBuiltServer, uriOf } from "./client";

describe("lsp: text after a lone CR inside a comment is not analysed", function () {
  this.timeout(60_000);
  let dir = "";
  let client: TestClient;
  let conf = "";

  before(async function () {
    requireBuiltServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-cr-lsp-"));
    fs.mkdirSync(path.join(dir, "modsec"));
    fs.writeFileSync(path.join(dir, "modsec/main.conf"), RULES_TEXT);
    conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, HIDDEN);
    client = new TestClient();
    const base = initializeParams(dir, "cr", { lenses: true });
    const params: InitializeParams = {
      ...base,
      capabilities: {
        ...base.capabilities,
        textDocument: { ...base.capabilities.textDocument, completion: { completionItem: { snippetSupport: true } } },
      },
    };
    await client.connection.sendRequest(InitializeRequest.type, params);
    await client.connection.sendNotification(InitializedNotification.type, {});
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const onHidden = (d: Diagnostic): boolean => d.range.start.line <= HIDDEN_LINE && d.range.end.line >= HIDDEN_LINE;
  const code = (d: Diagnostic): string => (d.data as { code?: string } | undefined)?.code ?? String(d.code);
  const actions = (diagnostics: Diagnostic[]): Promise<CodeAction[]> =>
    client.connection
      .sendRequest(CodeActionRequest.type, {
        textDocument: { uri: uriOf(conf) },
        range: {
          start: { line: HIDDEN_LINE, character: HIDDEN_COLUMN },
          end: { line: HIDDEN_LINE, character: HIDDEN_COLUMN + 10 },
        },
        context: { diagnostics },
      })
      .then((list) => (list ?? []) as CodeAction[]);

  it("hidden: only the warning, no hover, no code action, completion sees a comment", async function () {
    client.open(conf, HIDDEN, 1);
    const published = await client.waitFor(conf, (p) => p.version === 1);
    assert.deepStrictEqual(
      published.diagnostics
        .filter((d) => !isPolicyRule(String(d.code)))
        .map((d) => [code(d), d.range.start.line, d.range.start.character]),
      [["comment-continues-past-cr", HIDDEN_LINE, 0]],
    );
    assert.strictEqual(await client.hover(conf, HIDDEN_LINE, HIDDEN_COLUMN + 3), null);
    assert.deepStrictEqual(
      (await actions(published.diagnostics.filter(onHidden))).filter((a) => a.edit !== undefined),
      [],
    );
    assert.deepStrictEqual(await client.completion(conf, HIDDEN_LINE, HIDDEN_COLUMN), []);
  });

  it("the same text with a real line break: the finding, its hover and its fix, and completion", async function () {
    client.change(conf, 2, [{ text: VISIBLE }]);
    const published = await client.waitFor(conf, (p) => p.version === 2);
    const found = published.diagnostics.filter(onHidden);
    assert.deepStrictEqual(
      found.map((d) => [code(d), d.range.start.line, d.range.start.character]),
      [["rules-loaded-twice", HIDDEN_LINE, HIDDEN_COLUMN]],
    );
    assert.notStrictEqual(await client.hover(conf, HIDDEN_LINE, HIDDEN_COLUMN + 3), null);
    assert.ok((await actions(found)).some((a) => a.edit !== undefined));
    assert.ok((await client.completion(conf, HIDDEN_LINE, HIDDEN_COLUMN)).length > 0);
  });
});
