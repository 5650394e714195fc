// End-to-end test of the built language server (dist/server.js) over stdio with a real LSP client
// connection: initialize, diagnostics of an open file and of the files it includes, incremental edits
// (debounced), open/close of an included file, garbage input, shutdown/exit.
//
// Needs `npm run build` first (the server is tested as shipped, bundled).

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  DidChangeConfigurationNotification,
  DiagnosticSeverity,
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  ShutdownRequest,
  TextDocumentSyncKind,
  type TextDocumentContentChangeEvent,
} from "vscode-languageserver-protocol/node";
import { parse } from "../../server/src/parse/parser";
import { TestClient, WAIT_MS, brief, initializeParams, range, requireBuiltServer, sameFile, withCode } from "./client";

/** Deterministic bytes, so a failure can be reproduced. */
function pseudoRandomBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const NGINX_CONF = [
  "events {}", // 0
  "http {", // 1
  "    include conf.d/*.conf;", // 2
  "    server {", // 3
  "        listen 80;", // 4
  "        server_name example.com", // 5: missing ";"
  "    }", // 6
  "}", // 7
  "",
].join("\n");

const BAD_CONF = ["server {", "    listen 81;", "}", "}", ""].join("\n"); // line 3: stray "}"

describe("language server over stdio", function () {
  this.timeout(30000);

  let dir: string;
  let nginxConf: string;
  let badConf: string;
  let client: TestClient;

  before(function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-")));
    nginxConf = path.join(dir, "nginx.conf");
    badConf = path.join(dir, "conf.d", "bad.conf");
    fs.mkdirSync(path.join(dir, "conf.d"));
    fs.mkdirSync(path.join(dir, "junk"));
    fs.writeFileSync(nginxConf, NGINX_CONF);
    fs.writeFileSync(badConf, BAD_CONF);
    // Found while scanning the folder for main files: bytes that are not UTF-8 and braces that do not balance.
    fs.writeFileSync(
      path.join(dir, "junk", "random.conf"),
      Buffer.concat([Buffer.from("}{{ \"'"), pseudoRandomBytes(4096, 7)]),
    );
    client = new TestClient();
  });

  after(function () {
    if (client && client.child.exitCode === null) client.child.kill();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("initializes with incremental sync", async function () {
    const result = await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "test"));
    const sync = result.capabilities.textDocumentSync;
    assert.ok(sync && typeof sync === "object", "textDocumentSync should be an options object");
    assert.strictEqual(sync.change, TextDocumentSyncKind.Incremental);
    assert.strictEqual(sync.openClose, true);
    await client.connection.sendNotification(InitializedNotification.type, {});
  });

  it("publishes the open file's syntax errors and those of the files it includes", async function () {
    client.open(nginxConf, NGINX_CONF, 1);
    const main = await client.waitFor(nginxConf, (p) => p.version === 1);
    const semi = withCode(main, "missing-semicolon");
    assert.ok(semi, `expected a missing-semicolon diagnostic, got ${main.diagnostics.map(brief).join("; ")}`);
    // The parser's range, unchanged by the conversion: the last word, `example.com`, after which `;` belongs.
    const expected = parse(NGINX_CONF).errors.find((e) => e.code === "missing-semicolon")!;
    assert.deepStrictEqual(semi.range, {
      start: { line: expected.range.start.line, character: expected.range.start.character },
      end: { line: expected.range.end.line, character: expected.range.end.character },
    });
    assert.deepStrictEqual(semi.range.end, { line: 5, character: 31 });
    // …with the `}` the statement ran into as related information.
    assert.equal(semi.relatedInformation?.length, 1);
    assert.match(semi.relatedInformation![0].message, /runs into this "}"/);
    assert.equal(semi.relatedInformation![0].location.uri, main.uri);
    assert.equal(semi.relatedInformation![0].location.range.start.line, 6);
    assert.strictEqual(semi.severity, DiagnosticSeverity.Error);
    assert.strictEqual(semi.source, "nginx-risk");
    assert.strictEqual(semi.code, "syntax");

    const included = await client.waitFor(badConf, (p) => withCode(p, "unexpected-close-brace") !== undefined);
    const brace = withCode(included, "unexpected-close-brace")!;
    assert.deepStrictEqual(brace.range, range(3, 0, 3, 1));
    assert.strictEqual(brace.severity, DiagnosticSeverity.Error);
  });

  it("re-analyses after incremental edits, once per burst of edits", async function () {
    const since = client.published.length;
    // Version 2: add the missing ";" (line 5, after `example.com`).
    client.change(nginxConf, 2, [{ range: range(5, 31, 5, 31), text: ";" }]);
    const fixed = await client.waitFor(nginxConf, (p) => p.version === 2, since);
    assert.strictEqual(withCode(fixed, "missing-semicolon"), undefined, fixed.diagnostics.map(brief).join("; "));

    // Versions 3..6 within a fraction of the debounce: only the last one is analysed. Version 6 leaves
    // a stray "}" on a new last line (line 8).
    const burst = client.published.length;
    const edits: [number, TextDocumentContentChangeEvent][] = [
      [3, { range: range(8, 0, 8, 0), text: "# a" }],
      [4, { range: range(8, 3, 8, 3), text: "b" }],
      [5, { range: range(8, 0, 8, 4), text: "" }],
      [6, { range: range(8, 0, 8, 0), text: "}\n" }],
    ];
    for (const [version, edit] of edits) {
      client.change(nginxConf, version, [edit]);
      await new Promise((r) => setTimeout(r, 20));
    }
    const broken = await client.waitFor(nginxConf, (p) => p.version === 6, burst);
    const stray = withCode(broken, "unexpected-close-brace");
    assert.ok(stray, broken.diagnostics.map(brief).join("; "));
    assert.deepStrictEqual(stray.range, range(8, 0, 8, 1));
    const intermediate = client.published
      .slice(burst)
      .filter((p) => sameFile(p.uri, nginxConf) && p.version !== undefined && p.version < 6);
    assert.deepStrictEqual(
      intermediate.map((p) => p.version),
      [],
      "edits within the debounce should be analysed once",
    );

    // Version 7: remove it again.
    const since7 = client.published.length;
    client.change(nginxConf, 7, [{ range: range(8, 0, 9, 0), text: "" }]);
    const clean = await client.waitFor(nginxConf, (p) => p.version === 7, since7);
    assert.strictEqual(withCode(clean, "unexpected-close-brace"), undefined, clean.diagnostics.map(brief).join("; "));
  });

  it("uses an open buffer of an included file instead of the disk, and the disk again after closing it", async function () {
    const since = client.published.length;
    client.open(badConf, BAD_CONF, 1);
    await client.waitFor(badConf, (p) => p.version === 1 && withCode(p, "unexpected-close-brace") !== undefined, since);

    const since2 = client.published.length;
    client.change(badConf, 2, [{ range: range(3, 0, 4, 0), text: "" }]);
    const fixed = await client.waitFor(badConf, (p) => p.version === 2, since2);
    assert.deepStrictEqual(fixed.diagnostics.filter((d) => d.code === "syntax").map(brief), []);

    // Closed without saving: nginx would read the broken file on disk again, and nginx.conf's analysis says so.
    const since3 = client.published.length;
    client.close(badConf);
    const again = await client.waitFor(badConf, (p) => withCode(p, "unexpected-close-brace") !== undefined, since3);
    assert.deepStrictEqual(withCode(again, "unexpected-close-brace")!.range, range(3, 0, 3, 1));
  });

  it("survives garbage: unbalanced braces, control characters, lone surrogates, self-includes", async function () {
    const garbage = path.join(dir, "garbage.conf");
    const rnd = pseudoRandomBytes(6000, 42);
    let noise = "";
    for (let i = 0; i + 1 < rnd.length; i += 2) noise += String.fromCharCode(rnd[i] | (rnd[i + 1] << 8));
    const text =
      "http {{ server { listen 80 }}}} }\n" +
      "include garbage.conf; include junk/random.conf; include /nonexistent/*.conf;\n" +
      'location ~ "unterminated { \\\n' +
      noise +
      '\n\'{"${x}"';
    const since = client.published.length;
    client.open(garbage, text, 1);
    const first = await client.waitFor(garbage, (p) => p.version === 1, since);
    assert.ok(first.diagnostics.length > 0, "garbage should produce diagnostics");

    // Random incremental edits, in quick succession, some splitting surrogate pairs.
    let current = text;
    let version = 1;
    const edits = pseudoRandomBytes(200, 99);
    for (let i = 0; i + 3 < edits.length; i += 4) {
      const lines = current.split("\n");
      const line = edits[i] % lines.length;
      const a = edits[i + 1] % (lines[line].length + 1);
      const b = Math.min(lines[line].length, a + (edits[i + 2] % 5));
      const insert = ["{", "}", ";", "\n", '"', "\uD800", "include garbage.conf;", ""][edits[i + 3] % 8];
      lines[line] = lines[line].slice(0, a) + insert + lines[line].slice(b);
      current = lines.join("\n");
      client.change(garbage, ++version, [{ range: range(line, a, line, b), text: insert }]);
    }
    await client.waitFor(garbage, (p) => p.version === version, since);
    assert.strictEqual(client.child.exitCode, null, `server exited; stderr:\n${client.stderr}`);

    // Still answering: a fresh edit of nginx.conf is analysed.
    const since2 = client.published.length;
    client.change(nginxConf, 8, [{ range: range(5, 31, 5, 32), text: "" }]);
    const after = await client.waitFor(nginxConf, (p) => p.version === 8, since2);
    assert.ok(withCode(after, "missing-semicolon"), after.diagnostics.map(brief).join("; "));
    assert.doesNotMatch(client.logs.join("\n"), /analysing .* failed|uncaught|unhandled/i);
  });

  it("reads an nginx -T dump as the files it holds, with diagnostics placed in the dump", async function () {
    const dumpPath = path.join(dir, "junk", "nginx-T.txt");
    const dump = [
      "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok", // 0
      "# configuration file /etc/nginx/nginx.conf:", // 1
      "events {}", // 2
      "http {", // 3
      "    include /etc/nginx/conf.d/*.conf;", // 4
      "}", // 5
      "", // 6
      "# configuration file /etc/nginx/conf.d/site.conf:", // 7
      "server {", // 8
      "    listen 80;", // 9
      "    location / { proxy_pass http://a }", // 10: missing ";"
      "}", // 11
      "",
    ].join("\n");
    client.open(dumpPath, dump, 1);
    const p = await client.waitFor(dumpPath, (x) => x.version === 1);
    const semi = withCode(p, "missing-semicolon");
    assert.ok(semi, p.diagnostics.map(brief).join("; "));
    assert.deepStrictEqual(semi.range, range(10, 28, 10, 36)); // `http://a`, at its place in the dump
    assert.match(semi.message as string, /\(in \/etc\/nginx\/conf\.d\/site\.conf\)$/);
    client.close(dumpPath);
  });

  it("shuts down and exits", async function () {
    await client.connection.sendRequest(ShutdownRequest.type);
    await client.connection.sendNotification(ExitNotification.type);
    const code = await Promise.race([client.exited, new Promise((r) => setTimeout(() => r("timeout"), WAIT_MS))]);
    assert.strictEqual(code, 0, `server did not exit cleanly; stderr:\n${client.stderr}`);
    client.connection.dispose();
  });
});

describe("language server without workspace folders or settings pull", function () {
  this.timeout(30000);

  let dir: string;
  let client: TestClient;

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-loose-")));
    fs.mkdirSync(path.join(dir, "conf.d"));
    fs.writeFileSync(path.join(dir, "nginx.conf"), "events {}\nhttp {\n    include conf.d/*.conf;\n}\n");
    client = new TestClient();
    await client.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: {},
    });
    await client.connection.sendNotification(InitializedNotification.type, {});
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("finds the nginx.conf of a loose conf.d file and analyses the file in its http context", async function () {
    const site = path.join(dir, "conf.d", "site.conf");
    const text = "server {\n    listen 80;\n}\n";
    fs.writeFileSync(site, text);
    client.open(site, text, 1);
    const p = await client.waitFor(site, (x) => x.version === 1);
    assert.deepStrictEqual(p.diagnostics.map(brief), [], "a server block in http is fine, and no context is guessed");
  });

  it("analyses an untitled buffer alone, in a guessed context, and follows pushed settings", async function () {
    const untitled = "untitled:Untitled-1";
    client.open(untitled, "server {\n    frobnicate on;\n}\n", 1);
    const first = await client.waitFor(untitled, (x) => x.version === 1);
    assert.ok(withCode(first, "guessed-context"), first.diagnostics.map(brief).join("; "));
    assert.strictEqual(withCode(first, "unknown-directive"), undefined);

    const since = client.published.length;
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { nginxRisk: { strict: true } },
    });
    const strict = await client.waitFor(untitled, (x) => withCode(x, "unknown-directive") !== undefined, since);
    assert.deepStrictEqual(withCode(strict, "unknown-directive")!.range, range(1, 4, 1, 14));
  });
});
