// The built server over stdio with files of other formats sent as `nginx` (another extension maps every
// `*.conf` to the language): a redis.conf, a supervisord.conf, a php-fpm pool get one hint that they are not
// analysed and nothing else — no errors, no outline or folding, no formatting, no completion — while a
// broken nginx file beside them keeps its errors. A redis.conf that nginx.conf includes is, opened or not,
// the "does not read as configuration" warning at the include; typed into nginx, it is analysed again.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CompletionRequest,
  DiagnosticSeverity,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  FoldingRangeRequest,
  InitializeRequest,
  InitializedNotification,
} from "vscode-languageserver-protocol/node";
import { OTHER_FORMATS } from "../support/other-formats";
import { TestClient, brief, initializeParams, requireBuiltServer, uriOf, withCode } from "./client";

const NGINX_CONF = "events {}\nhttp {\n    include conf.d/*.conf;\n}\n";

describe("language server: files that are not nginx configuration", function () {
  this.timeout(60000);
  let dir: string;
  let client: TestClient;

  const code = (d: { data?: unknown }): string | undefined => (d.data as { code?: string } | undefined)?.code;
  const text = (name: string): string => OTHER_FORMATS.find((f) => f.name === name)!.text;

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-other-")));
    fs.mkdirSync(path.join(dir, "conf.d"));
    fs.writeFileSync(path.join(dir, "nginx.conf"), NGINX_CONF);
    fs.writeFileSync(path.join(dir, "conf.d", "site.conf"), "server {\n    listen 80;\n}\n");
    fs.writeFileSync(path.join(dir, "conf.d", "redis.conf"), text("redis.conf"));
    for (const name of ["supervisord.conf", "www.conf", "my.cnf"]) fs.writeFileSync(path.join(dir, name), text(name));
    client = new TestClient();
    await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "other"));
    await client.connection.sendNotification(InitializedNotification.type, {});
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const name of ["supervisord.conf", "www.conf", "my.cnf"]) {
    it(`${name}: one hint that it is not analysed; no outline, folding, formatting or completion`, async function () {
      const file = path.join(dir, name);
      client.open(file, text(name), 1);
      const p = await client.waitFor(file, (x) => x.version === 1);
      assert.deepStrictEqual(
        p.diagnostics.map((d) => [code(d), d.severity]),
        [["not-nginx", DiagnosticSeverity.Hint]],
        p.diagnostics.map(brief).join("\n"),
      );
      assert.match(
        String(p.diagnostics[0].message),
        /does not analyse this file: it does not read as nginx configuration/,
      );
      const doc = { textDocument: { uri: uriOf(file) } };
      assert.deepStrictEqual(await client.connection.sendRequest(DocumentSymbolRequest.type, doc), []);
      assert.deepStrictEqual(await client.connection.sendRequest(FoldingRangeRequest.type, doc), []);
      const edits = await client.connection.sendRequest(DocumentFormattingRequest.type, {
        ...doc,
        options: { tabSize: 4, insertSpaces: true },
      });
      assert.deepStrictEqual(edits, []);
      assert.ok(
        client.logs.some((l) => l.includes(`${uriOf(file)}: not formatted: it does not read as nginx configuration`)),
        client.logs.join("\n"),
      );
      const items = await client.connection.sendRequest(CompletionRequest.type, {
        ...doc,
        position: { line: 3, character: 0 },
      });
      assert.deepStrictEqual(Array.isArray(items) ? items : (items?.items ?? []), []);
      client.close(file);
    });
  }

  it("a redis.conf that nginx.conf includes: a hint on it, the warning at the include, and analysed once it is nginx", async function () {
    const nginxConf = path.join(dir, "nginx.conf");
    const redis = path.join(dir, "conf.d", "redis.conf");
    client.open(nginxConf, NGINX_CONF, 1);
    const main = await client.waitFor(nginxConf, (x) => x.version === 1);
    const atInclude = (x: { diagnostics: { range: { start: { line: number } }; data?: unknown }[] }): boolean =>
      x.diagnostics.some((d) => code(d) === "not-configuration" && d.range.start.line === 2);
    assert.ok(atInclude(main), main.diagnostics.map(brief).join("\n"));

    const since = client.published.length;
    client.open(redis, text("redis.conf"), 1);
    const own = await client.waitFor(redis, (x) => x.version === 1, since);
    assert.deepStrictEqual(own.diagnostics.map(code), ["not-nginx"], own.diagnostics.map(brief).join("\n"));
    // Opened, it is still what nginx.conf cannot read: nothing of its words as errors anywhere.
    const all = JSON.stringify(client.published.slice(since));
    for (const word of ["protected-mode", "tcp-backlog", "maxmemory"]) assert.ok(!all.includes(word), word);

    // Typed into nginx: analysed in nginx.conf's http { }, and the include's warning goes.
    const since2 = client.published.length;
    client.change(redis, 2, [{ text: "server {\n    listen 6380;\n    return 204\n}\n" }]);
    const now = await client.waitFor(redis, (x) => x.version === 2, since2);
    assert.deepStrictEqual(
      now.diagnostics.map((d) => code(d)),
      ["missing-semicolon"],
      now.diagnostics.map(brief).join("\n"),
    );
    await client.waitFor(nginxConf, (x) => !atInclude(x), since2);
    assert.strictEqual(withCode(now, "guessed-context"), undefined, "analysed where nginx.conf includes it");
    client.close(redis);
    client.close(nginxConf);
  });
});
