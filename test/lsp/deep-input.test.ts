// The built server over stdio (Node's default stack) on deep and wide documents (issue 11): 10,000 nested
// locations (nginx accepts them), 500,000 arguments on a line, 100,000 blocks never closed. Each is opened,
// its diagnostics awaited, then hover, completion, document symbols, folding ranges, formatting, code lens
// and definition are asked for at the deepest point. Nothing overflows the stack (no RangeError in any
// answer, log or stderr), the answers are right, errors are positioned, and the server still answers.
//
// The outline is flattened below OUTLINE_DEPTH levels (navigate/symbols.ts): a 10,000-deep DocumentSymbol
// tree is JSON that vscode-jsonrpc's JSON.stringify cannot write, for editors that walk it recursively.
// No time is asserted; the waits are generous for a shared machine.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  DefinitionRequest,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  FoldingRangeRequest,
  InitializeRequest,
  InitializedNotification,
  type DocumentSymbol,
  type Location,
  type MarkupContent,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";
import { OUTLINE_DEPTH } from "../../server/src/navigate/symbols";
import {
  DEEPER,
  DEPTH,
  FIRST_LOCATION_LINE,
  WIDE,
  nestedLocations,
  overflowed,
  unclosed,
  wideLines,
} from "../support/deep-inputs";
import { isPolicyRule } from "../support/cli";
import { TestClient, initializeParams, requireBuiltServer, sameFile, uriOf } from "./client";

const INNER = "proxy_pass http://backend;";
/** The deepest location's body (0-based line): proxy_pass, then a `listen` nginx refuses there. */
const DEEP_LINE = FIRST_LOCATION_LINE + DEPTH;
const DEEP = nestedLocations(DEPTH, `${INNER} listen 8081;`);
/** Lua in the deepest location, the CA bundle at http level: one SSL context per location configuration. */
const COSTLY = nestedLocations(DEPTH, "content_by_lua_block { ngx.say('deep') }", {
  head: "load_module /usr/lib/nginx/modules/ndk_http_module.so; load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;",
  extraHttp: "lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
});
/** Analyses of these documents take seconds of CPU; the machine is shared. */
const WAIT_MS = 300_000;

describe("language server: deep and wide documents over stdio", function () {
  this.timeout(900_000);

  let dir: string;
  let client: TestClient;
  const doc = (file: string): { textDocument: { uri: string } } => ({ textDocument: { uri: uriOf(file) } });
  const fileOf = (name: string): string => path.join(dir, name, "nginx.conf");

  /** The first publication for `file` with a diagnostic satisfying `pred` (a long wait, unlike client.waitFor). */
  async function diagnosticsFor(
    file: string,
    pred: (p: PublishDiagnosticsParams) => boolean,
  ): Promise<PublishDiagnosticsParams> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = client.published.find((p) => sameFile(p.uri, file) && pred(p));
      if (found) return found;
      assertNoOverflow();
      if (Date.now() > deadline || client.child.exitCode !== null)
        assert.fail(`no diagnostics for ${file}; logs:\n${client.logs.slice(firstLog).join("\n").slice(0, 3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Where this test's server messages start (a test does not fail for the one before it). */
  let firstLog = 0;
  let firstNotification = 0;
  beforeEach(function () {
    if (!client) return;
    firstLog = client.logs.length;
    firstNotification = client.notifications.length;
  });

  function assertNoOverflow(): void {
    const seen = [
      client.stderr,
      ...client.logs.slice(firstLog),
      JSON.stringify(client.notifications.slice(firstNotification)).slice(0, 1_000_000),
    ];
    for (const text of seen) assert.ok(!overflowed(text), `stack overflow in the server:\n${text.slice(0, 3000)}`);
    assert.strictEqual(client.child.exitCode, null, `the server exited:\n${client.stderr}`);
  }

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-deep-")));
    const inputs: Record<string, string> = {
      deep: DEEP,
      costly: COSTLY,
      wide: wideLines(WIDE),
      unclosed: unclosed(DEEPER),
    };
    for (const [name, text] of Object.entries(inputs)) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(fileOf(name), text);
    }
    client = new TestClient();
    await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "deep", { lenses: true }));
    await client.connection.sendNotification(InitializedNotification.type, {});
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("10,000 nested locations: the error in the deepest one, and every request there", async function () {
    const file = fileOf("deep");
    client.open(file, DEEP, 1);
    const published = await diagnosticsFor(file, (p) => p.diagnostics.length > 0);
    const listen = INNER.length + 1;
    assert.deepStrictEqual(
      published.diagnostics
        .filter((d) => !isPolicyRule(String(d.code)))
        .map((d) => [d.range.start.line, d.range.start.character, d.message]),
      [[DEEP_LINE, listen, `"listen" directive is not allowed here`]],
    );

    const hover = await client.hover(file, DEEP_LINE, 2);
    assert.ok(hover, "no hover on the deepest proxy_pass");
    assert.match((hover.contents as MarkupContent).value, /proxy_pass/);

    // A new statement after the `listen`: the directives of a location, not those of a server.
    const items = (await client.completion(file, DEEP_LINE, DEEP.split("\n")[DEEP_LINE].length)).map((i) => i.label);
    assert.ok(items.includes("proxy_pass") && items.includes("root"), items.slice(0, 20).join(" "));
    assert.ok(!items.includes("listen") && !items.includes("server_name"), "server directives offered in a location");

    const definition = (await client.connection.sendRequest(DefinitionRequest.type, {
      ...doc(file),
      position: { line: DEEP_LINE, character: INNER.indexOf("backend") + 1 },
    })) as Location[];
    assert.deepStrictEqual(
      definition.map((l) => [l.range.start.line, l.range.start.character]),
      [[3, "    upstream ".length]],
      "proxy_pass goes to the upstream",
    );

    const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, doc(file))) as DocumentSymbol[];
    // Every block is in the outline: events, http, upstream, server and each location, nested OUTLINE_DEPTH
    // levels deep at most, the deeper ones listed flat (and said so).
    let count = 0;
    let maxDepth = 0;
    const notes: string[] = [];
    const stack: [DocumentSymbol, number][] = symbols.map((s) => [s, 1]);
    while (stack.length > 0) {
      const [s, depth] = stack.pop()!;
      count++;
      maxDepth = Math.max(maxDepth, depth);
      if (s.detail?.includes("listed flat")) notes.push(s.name);
      for (const c of s.children ?? []) stack.push([c, depth + 1]);
    }
    assert.strictEqual(count, 4 + DEPTH);
    assert.strictEqual(maxDepth, OUTLINE_DEPTH);
    assert.deepStrictEqual(notes, ["location /"]);

    const folds = await client.connection.sendRequest(FoldingRangeRequest.type, doc(file));
    // http, server and every location span lines; events and upstream are on one line.
    assert.strictEqual(folds?.length, DEPTH + 2);
    const innermost = folds.find((f) => f.startLine === DEEP_LINE - 1);
    assert.deepStrictEqual([innermost?.startLine, innermost?.endLine], [DEEP_LINE - 1, DEEP_LINE]);

    // Indented, 10,000 levels are 400 MB of whitespace: no edits, and the reason in the log.
    const edits = await client.connection.sendRequest(DocumentFormattingRequest.type, {
      ...doc(file),
      options: { tabSize: 4, insertSpaces: true },
    });
    assert.deepStrictEqual(edits ?? [], []);
    assert.ok(
      client.logs.some((l) => /not formatted: blocks nested \d+ deep/.test(l)),
      client.logs.join("\n").slice(0, 2000),
    );

    const lenses = await client.codeLens(file);
    assert.ok(Array.isArray(lenses));
    assertNoOverflow();
    client.close(file);
  });

  it("10,000 nested locations with an SSL context each: the code lens counts them, the deepest one's hover", async function () {
    const file = fileOf("costly");
    client.open(file, COSTLY, 1);
    // lua-nginx-module unknown: assumed ≤ 0.10.25, one SSL context per location configuration.
    const published = await diagnosticsFor(file, (p) => p.diagnostics.some((d) => d.code === "lua-ssl-per-location"));
    const lua = published.diagnostics.find((d) => d.code === "lua-ssl-per-location");
    assert.strictEqual(lua?.range.start.line, 3);
    const lenses = await client.codeLens(file);
    const titles = lenses.map((l) => [l.range.start.line, l.command?.title ?? ""]);
    assert.ok(
      titles.some(([line, title]) => line === 3 && /^10,001 SSL contexts/.test(String(title))),
      JSON.stringify(titles),
    );
    assert.ok(
      titles.some(([line, title]) => line === 4 && /^10,001 SSL contexts/.test(String(title))),
      "the server's lens counts every location inside it",
    );
    const hover = await client.hover(file, DEEP_LINE - 1, 2);
    assert.match((hover?.contents as MarkupContent | undefined)?.value ?? "", /1 SSL context of its own/);
    assertNoOverflow();
    client.close(file);
  });

  it("500,000 arguments on a line: analysed, hovered, completed after the last one, outlined", async function () {
    const file = fileOf("wide");
    const text = wideLines(WIDE);
    client.open(file, text, 1);
    await diagnosticsFor(file, () => true);
    const line = text.split("\n")[5];
    const hover = await client.hover(file, 5, "        server_".length);
    assert.match((hover?.contents as MarkupContent | undefined)?.value ?? "", /server_name/);
    // After the `;` that ends 500,000 names: a new statement of the server.
    const items = (await client.completion(file, 5, line.length)).map((i) => i.label);
    assert.ok(items.includes("listen") && items.includes("location"), items.slice(0, 20).join(" "));
    const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, doc(file))) as DocumentSymbol[];
    const server = symbols.find((s) => s.name === "http")?.children?.[0];
    assert.strictEqual(server?.name, "h0.example.com h1.example.com h2.example.com …");
    const edits = await client.connection.sendRequest(DocumentFormattingRequest.type, {
      ...doc(file),
      options: { tabSize: 4, insertSpaces: true },
    });
    assert.deepStrictEqual(edits ?? [], [], "the file is formatted already");
    assertNoOverflow();
    client.close(file);
  });

  it("100,000 blocks never closed: one error at the end of the file", async function () {
    const file = fileOf("unclosed");
    client.open(file, unclosed(DEEPER), 1);
    const published = await diagnosticsFor(file, (p) => p.diagnostics.some((d) => d.severity === 1));
    const errors = published.diagnostics.filter((d) => d.severity === 1);
    assert.deepStrictEqual(
      errors.map((d) => [d.range.start.line, d.range.start.character]),
      [[DEEPER + 3, 0]],
    );
    const folds = await client.connection.sendRequest(FoldingRangeRequest.type, doc(file));
    assert.ok((folds?.length ?? 0) >= DEEPER, `${folds?.length} folding ranges`);
    const symbols = await client.connection.sendRequest(DocumentSymbolRequest.type, doc(file));
    assert.ok(Array.isArray(symbols) && symbols.length === 2, "events and http");
    // Still answering: a hover on the first line.
    assert.ok(await client.hover(file, 0, 2));
    assertNoOverflow();
  });
});
