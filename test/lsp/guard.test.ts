// guard.ts between the real vscode-jsonrpc connections of vscode-languageserver (server side) and
// vscode-languageserver-protocol (client side), over in-memory streams: what a handler that throws is
// answered with. None of the server's handlers is known to throw (each catches its own failures), so the
// handlers here throw on purpose, as a future bug would: a TypeError, an error naming a file, a rejected
// promise, a thrown string.

import * as assert from "assert";
import { PassThrough } from "stream";
import { ProposedFeatures, createConnection } from "vscode-languageserver/node";
import {
  StreamMessageReader,
  StreamMessageWriter,
  createProtocolConnection,
  type ProtocolConnection,
} from "vscode-languageserver-protocol/node";
import { checkingStrategy, guardConnection, internalErrorText } from "../../server/src/lsp/guard";

describe("guard: a handler's failure is logged, never answered", function () {
  let client: ProtocolConnection;
  const logged: string[] = [];
  const streams: PassThrough[] = [];

  before(function () {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    streams.push(toServer, toClient);
    // Message readers and writers, not streams: with streams the library would exit the process when they end.
    const raw = createConnection(
      ProposedFeatures.all,
      new StreamMessageReader(toServer),
      new StreamMessageWriter(toClient),
      { messageStrategy: checkingStrategy((m) => logged.push(m)) },
    );
    const connection = guardConnection(raw, (m) => logged.push(m));
    connection.onHover(() => {
      const params = undefined as unknown as { textDocument: { uri: string } };
      return { contents: params.textDocument.uri };
    });
    connection.onDocumentSymbol(() => {
      throw new Error("ENOENT: no such file or directory, open '/etc/nginx/secret.conf'");
    });
    connection.onDefinition(() => Promise.reject(new RangeError("Maximum call stack size exceeded")));
    connection.onRequest("nginxRisk/costReport", () => {
      throw "a string, not an Error";
    });
    connection.onDidOpenTextDocument(() => {
      throw new Error("a notification handler broke");
    });
    connection.listen();
    client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    client.listen();
  });

  after(() => {
    client.dispose();
    for (const s of streams) s.destroy();
  });

  const position = { textDocument: { uri: "file:///w/nginx.conf" }, position: { line: 0, character: 0 } };

  for (const [method, params, inside] of [
    ["textDocument/hover", position, /TypeError: Cannot read properties of undefined/],
    ["textDocument/documentSymbol", { textDocument: position.textDocument }, /\/etc\/nginx\/secret\.conf/],
    ["textDocument/definition", position, /RangeError: Maximum call stack/],
    ["nginxRisk/costReport", { uri: "file:///w/nginx.conf" }, /a string, not an Error/],
  ] as const) {
    it(`${method}: InternalError with a fixed text; the exception in the log`, async function () {
      const before = logged.length;
      const err = await client.sendRequest(method, params).then(
        () => assert.fail("answered with a result"),
        (e: { code: number; message: string }) => e,
      );
      assert.strictEqual(err.code, -32603);
      assert.strictEqual(err.message, internalErrorText(method));
      const log = logged.slice(before).join("\n");
      assert.match(log, new RegExp(`^${method.replace("/", "\\/")} failed: `));
      assert.match(log, inside);
    });
  }

  it("a notification handler that throws: logged, and the connection keeps serving", async function () {
    const before = logged.length;
    await client.sendNotification("textDocument/didOpen", {
      textDocument: { uri: "file:///w/a.conf", languageId: "nginx", version: 1, text: "" },
    });
    const err = await client.sendRequest("textDocument/hover", position).catch((e: { code: number }) => e);
    assert.strictEqual((err as { code: number }).code, -32603);
    assert.match(logged.slice(before).join("\n"), /textDocument\/didOpen failed: Error: a notification handler broke/);
  });
});
