// End-to-end test of the cost features of the built language server over stdio: the SSL-context finding
// where the cost is caused (with its related blocks in the included file), hover and code lenses that
// follow edits of an included file, the version and budget settings, and workspace facts (a Dockerfile)
// re-read when the watcher reports a change.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  InitializeRequest,
  InitializedNotification,
  MarkupContent,
  type Diagnostic,
  type Hover,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";
import { TestClient, WAIT_MS, brief, initializeParams, range, requireBuiltServer, sameFile, uriOf } from "./client";

const RULE = "lua-ssl-per-location";

const NGINX_CONF = [
  "events {}", // 0
  "http {", // 1
  "    lua_ssl_trusted_certificate ca.pem;", // 2
  "    include sites/*.conf;", // 3
  "}", // 4
  "",
].join("\n");

const SITE = [
  "server {", // 0
  "    listen 80;", // 1
  "    server_name a.example;", // 2
  "    location /a { return 200; }", // 3
  "    location /b { return 200; }", // 4
  "    location /c { return 200; }", // 5
  "}", // 6
  "",
].join("\n");

/** Two distinct (fake) certificates: a small bundle, not system-like, read from the workspace. */
const BUNDLE = ["AAAA", "BBBB"].map((b) => `-----BEGIN CERTIFICATE-----\n${b}\n-----END CERTIFICATE-----\n`).join("");

function luaFinding(p: PublishDiagnosticsParams): Diagnostic | undefined {
  return p.diagnostics.find((d) => d.code === RULE);
}

function messageOf(d: Diagnostic | undefined): string {
  if (!d) return "";
  return typeof d.message === "string" ? d.message : d.message.value;
}

function contexts(d: Diagnostic | undefined): number | null {
  const m = /is loaded into ([\d,]+) SSL contexts/.exec(messageOf(d));
  return m ? Number(m[1].replace(/,/g, "")) : null;
}

/** A finding that multiplies the bundle: two contexts or more (one context is only a hint of its cost). */
function multiplied(p: PublishDiagnosticsParams): Diagnostic | undefined {
  const d = luaFinding(p);
  return d && d.severity !== DiagnosticSeverity.Hint ? d : undefined;
}

function hoverText(h: Hover | null): string {
  assert.ok(h && MarkupContent.is(h.contents), `expected a markdown hover, got ${JSON.stringify(h)}`);
  return h.contents.value;
}

function lensTitles(lenses: { range: { start: { line: number } }; command?: { title: string } }[]): string[] {
  return lenses.map((l) => `${l.range.start.line}: ${l.command?.title ?? "(no command)"}`);
}

describe("language server: SSL cost diagnostics, hover and code lenses over stdio", function () {
  this.timeout(30000);

  let dir: string;
  let nginxConf: string;
  let site: string;
  let client: TestClient;

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-cost-")));
    nginxConf = path.join(dir, "nginx.conf");
    site = path.join(dir, "sites", "a.conf");
    fs.mkdirSync(path.join(dir, "sites"));
    fs.writeFileSync(nginxConf, NGINX_CONF);
    fs.writeFileSync(site, SITE);
    fs.writeFileSync(path.join(dir, "ca.pem"), BUNDLE);
    client = new TestClient();
    const result = await client.connection.sendRequest(
      InitializeRequest.type,
      initializeParams(dir, "cost", { lenses: true }),
    );
    assert.strictEqual(result.capabilities.hoverProvider, true);
    assert.deepStrictEqual(result.capabilities.codeLensProvider, { resolveProvider: false });
    await client.connection.sendNotification(InitializedNotification.type, {});
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reports the finding at the directive, with the blocks of the included file as related information", async function () {
    client.open(nginxConf, NGINX_CONF, 1);
    const p = await client.waitFor(nginxConf, (x) => x.version === 1);
    const d = luaFinding(p);
    assert.ok(d, p.diagnostics.map(brief).join("; "));
    // 1 server + 3 locations, lua-nginx-module version unknown (≤ 0.10.25 assumed): one context each.
    assert.strictEqual(contexts(d), 4, messageOf(d));
    assert.deepStrictEqual(d.range, range(2, 4, 2, 39));
    assert.strictEqual(d.severity, DiagnosticSeverity.Information);
    assert.strictEqual((d.data as { code?: string }).code, "per-location");
    const related = d.relatedInformation ?? [];
    const inSite = related.filter((r) => sameFile(r.location.uri, site));
    assert.deepStrictEqual(
      inSite.map((r) => r.location.range.start.line),
      [0, 3, 4, 5],
      JSON.stringify(related, null, 1),
    );
    assert.strictEqual(inSite[0].location.uri, uriOf(site));
    assert.match(inSite[1].message, /location \/a: own SSL context, parses the bundle \(inherited from http\)/);
    assert.ok(related.some((r) => sameFile(r.location.uri, nginxConf)));
  });

  it("hovers on the directive with the estimate and its formula", async function () {
    const hover = await client.hover(nginxConf, 2, 8);
    const md = hoverText(hover);
    const bytes = Buffer.byteLength(BUNDLE);
    for (const part of [
      "**4 SSL contexts** parse this bundle",
      `0.647 × ${bytes} B + 4,309 B × 2 certificates + 19,203 B`,
      "| Reload peak |",
      "`server a.example` (sites/a.conf:1)",
      "lua-ssl-per-location.md",
    ])
      assert.ok(md.includes(part), `${part} not in hover:\n${md}`);
    assert.deepStrictEqual(hover!.range, range(2, 4, 2, 39));
    // Only the table's documentation on a plain directive's name, nothing on its argument.
    const plain = hoverText(await client.hover(site, 2, 6));
    assert.ok(plain.startsWith("**server_name** · `ngx_http_core_module`") && !plain.includes("SSL context"), plain);
    assert.strictEqual(await client.hover(site, 2, 18), null);
  });

  it("shows the count as a code lens above the directive", async function () {
    const lenses = await client.codeLens(nginxConf);
    assert.strictEqual(lenses.length, 1, JSON.stringify(lenses));
    assert.match(lensTitles(lenses)[0], /^2: 4 SSL contexts · ~[\d.]+ KiB · reload peak ~[\d.]+ MiB$/);
    assert.strictEqual(lenses[0].command?.command, "");
  });

  it("follows edits of the included file: diagnostics, hover and lenses of the main file count one more", async function () {
    client.open(site, SITE, 1);
    await client.waitFor(site, (x) => x.version === 1);
    const refreshes = client.lensRefreshes;
    const since = client.published.length;
    client.change(site, 2, [{ range: range(6, 0, 6, 0), text: "    location /d { return 200; }\n" }]);
    // Asked at once (within the debounce), the lenses answer from the last complete analysis, without
    // waiting for the next one (server.ts lastAnalyses); that one asks the client to refresh them (below).
    const lenses = await client.codeLens(nginxConf);
    assert.match(lensTitles(lenses)[0], /^2: 4 SSL contexts · /);
    const p = await client.waitFor(nginxConf, (x) => contexts(luaFinding(x)) === 5, since);
    assert.match(lensTitles(await client.codeLens(nginxConf))[0], /^2: 5 SSL contexts · /);
    assert.strictEqual(luaFinding(p)!.relatedInformation!.filter((r) => sameFile(r.location.uri, site)).length, 5);
    assert.match(hoverText(await client.hover(site, 0, 2)), /In all: 5 SSL contexts/);
    assert.match(lensTitles(await client.codeLens(site))[0], /^0: 5 SSL contexts · ~/);
    // The client was asked to refresh its lenses after the analysis.
    const deadline = Date.now() + WAIT_MS;
    while (client.lensRefreshes === refreshes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(client.lensRefreshes > refreshes, "no workspace/codeLens/refresh after the analysis");
  });

  it("follows the version settings: lua-nginx-module 0.10.26 shares one context, and the multiplied finding goes", async function () {
    const since = client.published.length;
    client.settings = { ...client.settings, versions: { luaNginxModule: "0.10.26" } };
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    const p = await client.waitFor(nginxConf, (x) => multiplied(x) === undefined, since);
    // What is left is the hint of what the one context costs.
    assert.match(messageOf(luaFinding(p)), /is loaded into 1 SSL context:/);
    assert.deepStrictEqual(
      lensTitles(await client.codeLens(nginxConf)).map((t) => t.split(" · ")[0]),
      ["2: 1 SSL context"],
    );
  });

  it("makes the finding an error when the reload peak exceeds the memory budget", async function () {
    const since = client.published.length;
    client.settings = { ...client.settings, versions: {}, memoryBudgetMiB: 1 };
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    const p = await client.waitFor(nginxConf, (x) => luaFinding(x)?.severity === DiagnosticSeverity.Error, since);
    assert.match(messageOf(luaFinding(p)), /\(budget 1 MiB\)/);
  });

  it("reads the deployed version from a Dockerfile, again when the watcher reports a change", async function () {
    client.settings = { ...client.settings, memoryBudgetMiB: 0 };
    const dockerfile = path.join(dir, "Dockerfile");
    fs.writeFileSync(dockerfile, "FROM openresty/openresty:1.25.3.1-0-jammy\nCOPY nginx.conf /etc/nginx/nginx.conf\n");
    const since = client.published.length;
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: uriOf(dockerfile), type: FileChangeType.Created }],
    });
    // OpenResty 1.25.3.1 bundles lua-nginx-module 0.10.26: one shared context, no finding.
    await client.waitFor(nginxConf, (x) => multiplied(x) === undefined, since);
    const md = hoverText(await client.hover(nginxConf, 2, 8));
    assert.match(md, /\*\*1 SSL context\*\* parse/);
    assert.match(md, /OpenResty 1\.25\.3\.1/);

    fs.writeFileSync(dockerfile, "FROM openresty/openresty:1.21.4.3-0-jammy\n");
    const since2 = client.published.length;
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: uriOf(dockerfile), type: FileChangeType.Changed }],
    });
    const p = await client.waitFor(nginxConf, (x) => contexts(luaFinding(x)) === 5, since2);
    assert.match(messageOf(luaFinding(p)), /lua-nginx-module ≤ 0\.10\.25/);
    assert.doesNotMatch(client.logs.join("\n"), /failed|uncaught|unhandled/i);
  });
});
