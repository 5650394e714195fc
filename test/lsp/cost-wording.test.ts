// The built language server over stdio on a configuration whose CA bundle is not read: a site's certificate
// at an absolute path outside the workspace (as /config/keys/cert.crt of a container layout is, unmapped).
// Its size is unknown, and nothing is guessed for it: the finding, the code lens, the status bar, the cost
// report and the hover count its SSL contexts and parses and say "unknown" where a figure needs its size.
// Once it may be read (nginxRisk.allowRead), it is measured: one certificate, not Debian's 144.
//
// The same session checks the wording: a directive in a snippet each server includes is "set in ssl.conf,
// included by 3 servers"; hovers show the documentation of the one registration that applies where the
// directive is written; nothing the server sends cites a document that does not ship (../shared's
// semantics.md, memory-model.md), and neither do the built bundles.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  InitializeRequest,
  InitializedNotification,
  MarkupContent,
  DidChangeConfigurationNotification,
  type Diagnostic,
  type Hover,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";
import {
  ANALYSED_NOTIFICATION,
  COST_REPORT_REQUEST,
  STATUS_REQUEST,
  type AnalysedParams,
  type CostReportResult,
  type StatusResult,
} from "../../server/src/lsp/cost-report-protocol";
import { REPO } from "../support/shared";
import { TestClient, initializeParams, requireBuiltServer, sameFile, uriOf } from "./client";

/** Citations of documents that are not shipped with the product (they live in the development folder). */
const UNSHIPPED = /semantics\.md|memory-model\.md|shared\/docs/;

/** Any byte figure as the product writes them (`~23.7 KiB`, `1,123 B`, `3.2 GiB`). */
const BYTES = /\d\s?(?:B|KiB|MiB|GiB)\b/;

const NGINX_CONF = [
  "events {}", // 0
  "http {", // 1
  "    server { listen 443 ssl; server_name a; include ssl.conf; }", // 2
  "    server { listen 443 ssl; server_name b; include ssl.conf; }", // 3
  "    server { listen 443 ssl; server_name c; include ssl.conf; }", // 4
  "    server { listen 8080 reuseport; server_name d; }", // 5
  "    upstream backend { server 127.0.0.1:8081; }", // 6
  "}", // 7
  "stream {", // 8
  "    server { listen 5000; proxy_pass 127.0.0.1:5001; }", // 9
  "}", // 10
  "",
].join("\n");

function sslConf(bundle: string): string {
  return [
    "ssl_certificate site.crt;", // 0
    "ssl_certificate_key site.key;", // 1
    `ssl_trusted_certificate ${bundle};`, // 2
    "",
  ].join("\n");
}

/** One (fake) certificate: what a site's certificate file holds. */
const CERT = "-----BEGIN CERTIFICATE-----\nQUFBQUFBQUFBQUFBQUFBQQ==\n-----END CERTIFICATE-----\n";

function messageOf(d: Diagnostic | undefined): string {
  if (!d) return "";
  return typeof d.message === "string" ? d.message : d.message.value;
}

function hoverText(h: Hover | null): string {
  assert.ok(h && MarkupContent.is(h.contents), `expected a markdown hover, got ${JSON.stringify(h)}`);
  return h.contents.value;
}

function costFinding(p: PublishDiagnosticsParams): Diagnostic | undefined {
  return p.diagnostics.find((d) => d.code === "ssl-bundle-per-server");
}

describe("language server: a CA bundle of unknown size, and wording that is true (over stdio)", function () {
  this.timeout(30000);

  let dir: string;
  let outside: string;
  let bundle: string;
  let nginxConf: string;
  let ssl: string;
  let client: TestClient;

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-wording-")));
    // The certificate exists and the process could read it, but it is outside the workspace folder.
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-keys-")));
    bundle = path.join(outside, "keys", "cert.crt");
    fs.mkdirSync(path.dirname(bundle));
    fs.writeFileSync(bundle, CERT);
    nginxConf = path.join(dir, "nginx.conf");
    ssl = path.join(dir, "ssl.conf");
    fs.writeFileSync(nginxConf, NGINX_CONF);
    fs.writeFileSync(ssl, sslConf(bundle));
    client = new TestClient();
    const params = {
      ...initializeParams(dir, "wording", { lenses: true }),
      initializationOptions: { analysedNotification: true },
    };
    await client.connection.sendRequest(InitializeRequest.type, params);
    await client.connection.sendNotification(InitializedNotification.type, {});
    const since = client.notifications.length;
    client.open(ssl, sslConf(bundle), 1);
    client.open(nginxConf, NGINX_CONF, 1);
    await client.waitForNotification<AnalysedParams>(
      ANALYSED_NOTIFICATION,
      (p) => sameFile(p.uri, nginxConf) && p.version === 1,
      since,
    );
  });

  after(async function () {
    if (client) await client.stop();
    for (const d of [dir, outside]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it("the finding counts the contexts and parses, says the size is unknown and why, and where the directive is set", async function () {
    const p = await client.waitFor(ssl, (x) => costFinding(x) !== undefined);
    const m = messageOf(costFinding(p));
    // 3 servers with a certificate, each with its own SSL_CTX (ngx_http_ssl_merge_srv_conf), each including ssl.conf.
    assert.match(m, /is loaded into 3 SSL contexts/);
    assert.ok(m.includes("(set in ssl.conf, included by 3 servers)"), m);
    assert.ok(m.includes(`the size of ${bundle} is unknown (it is outside what was opened)`), m);
    assert.match(m, /parses it 3 times/);
    assert.doesNotMatch(m, BYTES);
    assert.doesNotMatch(m, /inherited from|144 certificates/);
  });

  it("code lenses: the count, 'size unknown' and 'reload peak unknown', no byte figure", async function () {
    const lenses = (await client.codeLens(ssl)).map((l) => `${l.range.start.line}: ${l.command?.title}`);
    assert.deepStrictEqual(lenses, ["2: 3 SSL contexts · size unknown · reload peak unknown"]);
    const servers = (await client.codeLens(nginxConf)).map((l) => `${l.range.start.line}: ${l.command?.title}`);
    assert.deepStrictEqual(
      servers,
      [2, 3, 4].map((line) => `${line}: 1 SSL context · size unknown`),
    );
  });

  it("status bar and cost report: unknown, with the contexts and the bundle that is not read", async function () {
    const status = await client.request<StatusResult | null>(STATUS_REQUEST, { uri: uriOf(nginxConf) });
    assert.ok(status);
    assert.strictEqual(status.text, "nginx-risk: size unknown · 3 SSL contexts");
    assert.ok(status.tooltip.includes(`the size of ${bundle} is unknown`), status.tooltip);
    assert.match(status.tooltip, /nginx -t parses CA bundles 3 times/);
    assert.doesNotMatch(status.text + status.tooltip, BYTES);

    const report = await client.request<CostReportResult | null>(COST_REPORT_REQUEST, { uri: uriOf(nginxConf) });
    assert.ok(report);
    const [root] = report.roots;
    assert.deepStrictEqual(
      [root.estimatedBytes, root.reloadPeakBytes, root.instancePeakBytes, root.sslBytes],
      [null, null, null, null],
    );
    assert.strictEqual(root.configTestParses, 3);
    assert.deepStrictEqual(root.unknownBundles, [{ path: bundle, reason: "it is outside what was opened" }]);
    const group = root.groups.find((g) => g.directive === "ssl_trusted_certificate");
    assert.ok(group);
    assert.deepStrictEqual([group.contexts, group.parses, group.bytesPerContext, group.bytes], [3, 3, null, null]);
    assert.deepStrictEqual(group.bundle, {
      path: bundle,
      bytes: null,
      certificates: null,
      assumed: false,
      unknown: "it is outside what was opened",
    });
    assert.ok(report.markdown.includes("| Master after start | unknown |"), report.markdown);
    assert.ok(report.markdown.includes("Size unknown"), report.markdown);
  });

  it("hover on the bundle directive: the count, 'size unknown', set in ssl.conf included by 3 servers", async function () {
    const md = hoverText(await client.hover(ssl, 2, 4));
    for (const part of [
      "**3 SSL contexts** parse this bundle",
      "set in ssl.conf, included by 3 servers",
      "**size unknown**: it is outside what was opened",
      "| Per context | unknown",
      "| Master, whole configuration | unknown",
      "| Parses of this bundle by this directive, per nginx -t / reload | 3 |",
    ])
      assert.ok(md.includes(part), `${part} not in:\n${md}`);
    assert.ok(!md.includes("inherits it"), md);
  });

  it("hovers document the registration that applies where the directive is written, one module", async function () {
    const http = hoverText(await client.hover(ssl, 0, 4));
    assert.ok(http.startsWith("**ssl_certificate** · `ngx_http_ssl_module`"), http.slice(0, 80));
    assert.ok(!/ngx_(stream|mail)_ssl_module/.test(http), http);
    const upstream = hoverText(await client.hover(nginxConf, 6, 25));
    assert.ok(upstream.startsWith("**server** · `ngx_http_upstream_module`"), upstream.slice(0, 80));
    assert.ok(!upstream.includes("ngx_http_core_module"), upstream);
    const stream = hoverText(await client.hover(nginxConf, 9, 26));
    assert.ok(stream.startsWith("**proxy_pass** · `ngx_stream_proxy_module`"), stream.slice(0, 80));
    assert.ok(!stream.includes("ngx_http_proxy_module"), stream);
  });

  it("nothing the server sends cites a document that is not shipped (hovers of every kind included)", async function () {
    // The hovers that cited them before: a bundle directive, a server block, a location's share, reuseport.
    const hovers = [
      await client.hover(ssl, 2, 4),
      await client.hover(nginxConf, 2, 6),
      await client.hover(nginxConf, 5, 30),
    ].map(hoverText);
    assert.ok(hovers[2].includes("reuseport-config-test"), hovers[2]);
    for (const h of hovers) assert.doesNotMatch(h, UNSHIPPED);
    await client.request(COST_REPORT_REQUEST, { uri: uriOf(nginxConf) });
    assert.doesNotMatch(client.stdout, UNSHIPPED);
  });

  it("the built server, CLI and client cite no unshipped document", function () {
    for (const bundleFile of ["server.js", "server-bundle.js", "cli.js", "client.js"]) {
      const file = path.join(REPO, "dist", bundleFile);
      if (!fs.existsSync(file)) {
        if (bundleFile === "client.js" && !process.env.CI) continue;
        assert.fail(`${file} is not built`);
      }
      const text = fs.readFileSync(file, "utf8");
      const hit = UNSHIPPED.exec(text);
      assert.strictEqual(hit, null, hit ? `${bundleFile}: …${text.slice(hit.index - 80, hit.index + 40)}…` : "");
    }
  });

  it("once the certificate may be read, it is measured: one certificate, bytes in every front", async function () {
    const since = client.published.length;
    client.settings = { ...client.settings, allowRead: [outside] };
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    const p = await client.waitFor(ssl, (x) => /KiB/.test(messageOf(costFinding(x))), since);
    const m = messageOf(costFinding(p));
    assert.ok(!m.includes("is unknown") && !m.includes("not estimated"), m);
    const lenses = (await client.codeLens(ssl)).map((l) => l.command?.title ?? "");
    assert.match(lenses[0], /^3 SSL contexts · ~[\d.]+ KiB · reload peak ~[\d.]+ MiB$/);
    const report = await client.request<CostReportResult | null>(COST_REPORT_REQUEST, { uri: uriOf(nginxConf) });
    const group = report!.roots[0].groups.find((g) => g.directive === "ssl_trusted_certificate")!;
    assert.deepStrictEqual(group.bundle, {
      path: bundle,
      bytes: Buffer.byteLength(CERT),
      certificates: 1,
      assumed: false,
    });
    const status = await client.request<StatusResult | null>(STATUS_REQUEST, { uri: uriOf(nginxConf) });
    assert.match(status!.text, /^nginx-risk: ~[\d.]+ MiB · peak ~[\d.]+ MiB$/);
  });
});
