// Completion and directive hovers through the built server (dist/server.js) over stdio, on a multi-file
// configuration in a temp folder: an http site and a stream server included from nginx.conf, each
// completed in the context its include site gives it; items resolved to the table's documentation; the
// hover on lua_ssl_trusted_certificate with its cost first and the documentation after.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CompletionItemKind,
  CompletionItemTag,
  InitializeRequest,
  InitializedNotification,
  InsertTextFormat,
  MarkupContent,
  type CompletionItem,
  type Hover,
  type InitializeParams,
} from "vscode-languageserver-protocol/node";
import { TestClient, initializeParams, requireBuiltServer } from "./client";

const NGINX_CONF = [
  "events {}", // 0
  "http {", // 1
  "    lua_ssl_trusted_certificate ca.pem;", // 2
  "    map $uri $backend_pool { default app; }", // 3
  "    upstream app { server 127.0.0.1:8080; }", // 4
  "    include sites/*.conf;", // 5
  "}", // 6
  "stream {", // 7
  "    upstream tcp_pool { server 127.0.0.1:9000; }", // 8
  "    include tcp/*.conf;", // 9
  "}", // 10
  "",
].join("\n");

const SITE = [
  "server {", // 0
  "    listen 80;", // 1
  "    location @fallback { return 200; }", // 2
  "    location / {", // 3
  "        ", // 4
  "    }", // 5
  "}", // 6
  "",
].join("\n");

const TCP = ["server {", "    listen 5432;", "    ", "}", ""].join("\n");

const BUNDLE = ["AAAA", "BBBB"].map((b) => `-----BEGIN CERTIFICATE-----\n${b}\n-----END CERTIFICATE-----\n`).join("");

function hoverText(h: Hover | null): string {
  assert.ok(h && MarkupContent.is(h.contents), `expected a markdown hover, got ${JSON.stringify(h)}`);
  return h.contents.value;
}

function item(items: CompletionItem[], label: string): CompletionItem {
  const i = items.find((x) => x.label === label);
  assert.ok(i, `${label} not among ${items.length} items`);
  return i;
}

function newText(i: CompletionItem): string {
  assert.ok(i.textEdit && "range" in i.textEdit, JSON.stringify(i));
  return i.textEdit.newText;
}

describe("language server: completion and directive hovers over stdio", function () {
  this.timeout(30000);

  let dir: string;
  let nginxConf: string;
  let site: string;
  let tcp: string;
  let client: TestClient;

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-complete-")));
    nginxConf = path.join(dir, "nginx.conf");
    site = path.join(dir, "sites", "app.conf");
    tcp = path.join(dir, "tcp", "db.conf");
    fs.mkdirSync(path.join(dir, "sites"));
    fs.mkdirSync(path.join(dir, "tcp"));
    fs.writeFileSync(nginxConf, NGINX_CONF);
    fs.writeFileSync(site, SITE);
    fs.writeFileSync(tcp, TCP);
    fs.writeFileSync(path.join(dir, "ca.pem"), BUNDLE);
    client = new TestClient();
    const base = initializeParams(dir, "complete", { lenses: true });
    const params: InitializeParams = {
      ...base,
      capabilities: {
        ...base.capabilities,
        textDocument: {
          ...base.capabilities.textDocument,
          completion: {
            completionItem: { snippetSupport: true, tagSupport: { valueSet: [CompletionItemTag.Deprecated] } },
          },
        },
      },
    };
    const result = await client.connection.sendRequest(InitializeRequest.type, params);
    assert.deepStrictEqual(result.capabilities.completionProvider, {
      triggerCharacters: ["$", "@", "/"],
      resolveProvider: true,
    });
    await client.connection.sendNotification(InitializedNotification.type, {});
    client.open(site, SITE, 1);
    client.open(tcp, TCP, 1);
    client.open(nginxConf, NGINX_CONF, 1);
    await client.waitFor(nginxConf, (p) => p.version === 1);
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("in a location of an included site: http directives with snippets, not main or stream ones", async function () {
    const items = await client.completion(site, 4, 8);
    const pass = item(items, "proxy_pass");
    assert.strictEqual(pass.detail, "ngx_http_proxy_module");
    assert.strictEqual(pass.kind, CompletionItemKind.Keyword);
    assert.strictEqual(pass.insertTextFormat, InsertTextFormat.Snippet);
    assert.strictEqual(newText(pass), "proxy_pass ${1};");
    assert.strictEqual(newText(item(items, "content_by_lua_block")), "content_by_lua_block {\n\t$0\n}");
    assert.strictEqual(item(items, "location").kind, CompletionItemKind.Struct);
    for (const absent of ["worker_processes", "upstream", "http", "server_name", "proxy_timeout"])
      assert.ok(!items.some((i) => i.label === absent), absent);
    // Removed since: offered, marked deprecated.
    assert.deepStrictEqual(item(items, "proxy_pass_unparsed_uri").tags, [CompletionItemTag.Deprecated]);
  });

  it("resolves an item to the table's documentation for the context it was offered in", async function () {
    const items = await client.completion(site, 4, 8);
    const resolved = await client.resolveCompletion(item(items, "proxy_pass"));
    const doc = resolved.documentation;
    assert.ok(doc && MarkupContent.is(doc), JSON.stringify(resolved));
    assert.ok(doc.value.startsWith("**proxy_pass** · `ngx_http_proxy_module`"), doc.value);
    assert.ok(doc.value.includes("- Context: location, if in location, limit_except"), doc.value);
  });

  it("in the server of an included stream file: stream directives", async function () {
    const items = await client.completion(tcp, 2, 4);
    assert.strictEqual(item(items, "proxy_pass").detail, "ngx_stream_proxy_module");
    assert.ok(items.some((i) => i.label === "proxy_timeout"));
    assert.ok(!items.some((i) => i.label === "location" || i.label === "proxy_set_header"));
  });

  it("arguments: upstreams after proxy_pass http://, variables after $, named locations after @", async function () {
    // The line being typed, and the completion at its end.
    const at = async (line: string, version: number): Promise<string[]> => {
      client.change(site, version, [{ text: SITE.replace("        \n", `        ${line}\n`) }]);
      return (await client.completion(site, 4, 8 + line.length)).map((i) => i.label);
    };
    assert.deepStrictEqual(await at("proxy_pass http://", 2), ["app"]);
    const vars = await at('return 200 "$', 3);
    assert.ok(vars.includes("$backend_pool") && vars.includes("$remote_addr"), vars.join(" "));
    assert.deepStrictEqual(await at("try_files $uri @", 4), ["@fallback"]);
    assert.deepStrictEqual(await at("gzip ", 5), ["on", "off"]);
    client.change(site, 6, [{ text: SITE }]);
  });

  it("hovers: cost and documentation on lua_ssl_trusted_certificate, documentation on a plain name", async function () {
    const md = hoverText(await client.hover(nginxConf, 2, 8));
    const [cost, doc] = md.split("\n\n---\n\n");
    assert.ok(cost.includes("SSL context") && cost.includes("`ca.pem`"), cost);
    assert.ok(doc.startsWith("**lua_ssl_trusted_certificate** · `ngx_http_lua_module`"), doc);
    assert.ok(doc.includes("https://github.com/openresty/lua-nginx-module"), doc);
    const listen = hoverText(await client.hover(tcp, 1, 5));
    assert.ok(listen.startsWith("**listen** · `ngx_stream_core_module`"), listen);
    assert.strictEqual(await client.hover(tcp, 1, 13), null);
  });
});
