// End-to-end test of outline and navigation in the built language server over stdio, on a multi-file
// workspace in a temp folder: document symbols, folding ranges, document links, definitions (an include
// glob gives every file), references across files, workspace symbols, and an outline for a buffer that
// belongs to no configuration.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  DefinitionRequest,
  DocumentLinkRequest,
  DocumentSymbolRequest,
  FoldingRangeRequest,
  InitializeRequest,
  InitializedNotification,
  ReferencesRequest,
  SymbolKind,
  WorkspaceSymbolRequest,
  type DocumentSymbol,
  type Location,
  type SymbolInformation,
} from "vscode-languageserver-protocol/node";
import { TestClient, initializeParams, requireBuiltServer, sameFile, uriOf } from "./client";

const NGINX_CONF = [
  "events {}", // 0
  "http {", // 1
  "    upstream backend {", // 2
  "        server 127.0.0.1:8081;", // 3
  "    }", // 4
  "    include conf.d/*.conf;", // 5
  "    include sites-enabled/*;", // 6
  "}", // 7
  "",
].join("\n");

const APP = [
  "# The application.", // 0
  "# Served by the backend upstream.", // 1
  "server {", // 2
  "    listen 443 ssl;", // 3
  "    server_name app.example.com www.example.com;", // 4
  "    location / {", // 5
  "        try_files $uri @app;", // 6
  "    }", // 7
  "    location @app {", // 8
  "        proxy_pass http://backend;", // 9
  "    }", // 10
  "    location = /hello {", // 11
  "        content_by_lua_block {", // 12
  "            ngx.say('hello')", // 13
  "        }", // 14
  "    }", // 15
  "}", // 16
  "",
].join("\n");

describe("language server: outline and navigation over stdio", function () {
  this.timeout(30000);

  let dir: string;
  let nginxConf: string;
  let app: string;
  let client: TestClient;

  const doc = (file: string): { textDocument: { uri: string } } => ({ textDocument: { uri: uriOf(file) } });
  const brief = (list: Location[] | null): string[] =>
    (list ?? []).map((l) => {
      const p = l.uri.startsWith("file:") ? path.relative(dir, new URL(l.uri).pathname) : l.uri;
      return `${p}:${l.range.start.line}:${l.range.start.character}-${l.range.end.line}:${l.range.end.character}`;
    });

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-nav-")));
    nginxConf = path.join(dir, "nginx.conf");
    app = path.join(dir, "sites-enabled", "app.conf");
    fs.mkdirSync(path.join(dir, "sites-enabled"));
    fs.mkdirSync(path.join(dir, "conf.d"));
    fs.writeFileSync(nginxConf, NGINX_CONF);
    fs.writeFileSync(app, APP);
    fs.writeFileSync(path.join(dir, "conf.d", "a.conf"), "map $uri $a { default 0; }\n");
    fs.writeFileSync(path.join(dir, "conf.d", "b.conf"), "map $uri $b { default 1; }\n");
    client = new TestClient();
    const result = await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "nav"));
    const caps = result.capabilities;
    assert.ok(caps.documentSymbolProvider, "documentSymbolProvider");
    assert.ok(caps.workspaceSymbolProvider, "workspaceSymbolProvider");
    assert.ok(caps.foldingRangeProvider, "foldingRangeProvider");
    assert.ok(caps.documentLinkProvider, "documentLinkProvider");
    assert.ok(caps.definitionProvider, "definitionProvider");
    assert.ok(caps.referencesProvider, "referencesProvider");
    await client.connection.sendNotification(InitializedNotification.type, {});
    client.open(nginxConf, NGINX_CONF, 1);
    client.open(app, APP, 1);
    await client.waitFor(app, (p) => p.version === 1);
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("documentSymbol: the server named by its server_name with its listen, its locations, the Lua block", async function () {
    const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, doc(app))) as DocumentSymbol[];
    const outline = (list: DocumentSymbol[]): unknown[] =>
      list.map((s) => [s.name, s.kind, s.detail ?? null, outline(s.children ?? [])]);
    assert.deepStrictEqual(outline(symbols), [
      [
        "app.example.com www.example.com",
        SymbolKind.Module,
        "listen 443 ssl",
        [
          ["location /", SymbolKind.Method, null, []],
          ["location @app", SymbolKind.Function, null, []],
          ["location = /hello", SymbolKind.Method, null, [["content_by_lua_block", SymbolKind.Event, null, []]]],
        ],
      ],
    ]);
    // The whole block, and its head (the name: `server` has no arguments).
    assert.deepStrictEqual(symbols[0].range, { start: { line: 2, character: 0 }, end: { line: 16, character: 1 } });
    assert.deepStrictEqual(symbols[0].selectionRange, {
      start: { line: 2, character: 0 },
      end: { line: 2, character: 6 },
    });
    assert.deepStrictEqual(symbols[0].children![2].selectionRange, {
      start: { line: 11, character: 4 },
      end: { line: 11, character: 21 },
    });
  });

  it("foldingRange: blocks up to the line before their `}`, the Lua body, the comment run", async function () {
    const folds = await client.connection.sendRequest(FoldingRangeRequest.type, doc(app));
    assert.deepStrictEqual(
      (folds ?? []).map((f) => [f.startLine, f.endLine, f.kind ?? null]),
      [
        [0, 1, "comment"],
        [2, 15, null],
        [5, 6, null],
        [8, 9, null],
        [11, 14, null],
        [12, 13, null],
      ],
    );
  });

  it("documentLink: each include argument, a glob to its first file with the count in the tooltip", async function () {
    const links = (await client.connection.sendRequest(DocumentLinkRequest.type, doc(nginxConf))) ?? [];
    assert.deepStrictEqual(
      links.map((l) => [l.range.start.line, l.range.start.character, l.range.end.character]),
      [
        [5, 12, 25],
        [6, 12, 27],
      ],
    );
    assert.ok(links[0].target && sameFile(links[0].target, path.join(dir, "conf.d", "a.conf")), links[0].target);
    assert.match(links[0].tooltip ?? "", /^2 files match conf\.d\/\*\.conf/);
    assert.ok(links[1].target && sameFile(links[1].target, app), links[1].target);
  });

  it("definition: an include glob gives every file; proxy_pass and @name go to their declarations", async function () {
    const def = async (file: string, line: number, character: number): Promise<string[]> =>
      brief(
        (await client.connection.sendRequest(DefinitionRequest.type, {
          ...doc(file),
          position: { line, character },
        })) as Location[] | null,
      );
    assert.deepStrictEqual(await def(nginxConf, 5, 20), ["conf.d/a.conf:0:0-0:0", "conf.d/b.conf:0:0-0:0"]);
    assert.deepStrictEqual(await def(app, 9, 30), ["nginx.conf:2:13-2:20"]);
    assert.deepStrictEqual(await def(app, 6, 25), ["sites-enabled/app.conf:8:13-8:17"]);
    // Nothing to go to on an ordinary directive.
    assert.deepStrictEqual(await def(app, 3, 6), []);
  });

  it("references: the upstream from its declaration in another file, with and without it", async function () {
    const refs = async (
      file: string,
      line: number,
      character: number,
      includeDeclaration: boolean,
    ): Promise<string[]> =>
      brief(
        await client.connection.sendRequest(ReferencesRequest.type, {
          ...doc(file),
          position: { line, character },
          context: { includeDeclaration },
        }),
      );
    assert.deepStrictEqual(await refs(nginxConf, 2, 15, true), [
      "nginx.conf:2:13-2:20",
      "sites-enabled/app.conf:9:26-9:33",
    ]);
    assert.deepStrictEqual(await refs(nginxConf, 2, 15, false), ["sites-enabled/app.conf:9:26-9:33"]);
    assert.deepStrictEqual(await refs(app, 8, 15, true), [
      "sites-enabled/app.conf:6:23-6:27",
      "sites-enabled/app.conf:8:13-8:17",
    ]);
  });

  it("workspace/symbol: across the files of the configuration, with the enclosing server as container", async function () {
    const found = (await client.connection.sendRequest(WorkspaceSymbolRequest.type, {
      query: "app",
    })) as SymbolInformation[];
    assert.deepStrictEqual(
      found.map((s) => [s.name, s.containerName ?? null, path.relative(dir, new URL(s.location.uri).pathname)]),
      [
        ["app.example.com www.example.com", null, "sites-enabled/app.conf"],
        ["location @app", "app.example.com www.example.com", "sites-enabled/app.conf"],
      ],
    );
    const maps = (await client.connection.sendRequest(WorkspaceSymbolRequest.type, {
      query: "map",
    })) as SymbolInformation[];
    // Names containing the query come first (then names holding its letters in order, like the server's).
    assert.deepStrictEqual(
      maps
        .slice(0, 2)
        .map((s) => s.name)
        .sort(),
      ["map $uri $a", "map $uri $b"],
    );
  });

  it("a buffer no configuration reads still has an outline and folding", async function () {
    const uri = "untitled:Untitled-1";
    const text = "location /x {\n    if ($bad) {\n        return 403;\n    }\n}\n";
    client.open(uri, text, 1);
    const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, {
      textDocument: { uri },
    })) as DocumentSymbol[];
    assert.deepStrictEqual(
      symbols.map((s) => [s.name, (s.children ?? []).map((c) => c.name)]),
      [["location /x", ["if ($bad)"]]],
    );
    const folds = await client.connection.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } });
    assert.deepStrictEqual(
      (folds ?? []).map((f) => [f.startLine, f.endLine]),
      [
        [0, 3],
        [1, 2],
      ],
    );
  });
});
