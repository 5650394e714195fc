// The language server re-parses an edited buffer incrementally (parse/incremental.ts through
// ParseCache.update, fed the didChange's ranged changes): its diagnostics after every edit must be those of
// a from-scratch analysis of the same text. Two built servers over stdio get the same seeded edits: one as
// ranged changes (the incremental path), the other as whole texts (always parsed anew); after each edit, once
// both say nginxRisk/analysed for that version, the lists they show for the file are compared.
//
// Needs `npm run build` first (the server is tested as shipped, bundled).

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  InitializeRequest,
  InitializedNotification,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { random as prng } from "../support/random";
import { TestClient, initializeParams, requireBuiltServer, sameFile } from "./client";

const EDITS = 120;

/** A configuration the rules have things to say about: Lua and proxy TLS per location, a bad directive. */
function configuration(): string {
  const out = [
    "load_module /usr/lib/nginx/modules/ndk_http_module.so;",
    "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;",
    "events { worker_connections 128; }",
    "http {",
    "    lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
  ];
  for (let s = 0; s < 4; s++) {
    out.push("    server {", `        listen 127.0.0.1:${8080 + s};`, `        server_name s${s}.example;`);
    for (let i = 0; i < 40; i++) {
      out.push(`        location /l${i} {`);
      if (i % 7 === 0) out.push("            proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;");
      if (i % 5 === 0) out.push("            content_by_lua_block { ngx.say('{', \"}\") -- }", "            }");
      else out.push(`            return 200 'l${i}\\n';`);
      out.push("        }");
    }
    out.push("    }");
  }
  out.push("}", "");
  return out.join("\n");
}

const PIECES = [
  "a",
  " ",
  ";",
  "{",
  "}",
  "#",
  '"',
  "'",
  "\n",
  "\r\n",
  "gzip on;",
  "\n    location /n { }\n",
  "\\",
  // An include: the blocks around it are analysed with another file's statements (never kept per block).
  "\n    include snippets/*.conf;\n",
];

/** The included file: statements the directive rule judges by the context of each include site. */
const SNIPPET = "worker_connections 64;\nreturn 204;\nlocation /s { gzip on; }\n";

describe("incremental re-parse in the server: the same diagnostics as a from-scratch analysis", function () {
  this.timeout(600_000);
  let dir: string;
  let conf: string;
  let snippet: string;
  const clients: TestClient[] = [];

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-incremental-")));
    conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, configuration());
    fs.mkdirSync(path.join(dir, "snippets"));
    snippet = path.join(dir, "snippets", "a.conf");
    fs.writeFileSync(snippet, SNIPPET);
    for (const name of ["ranged", "whole"]) {
      const client = new TestClient();
      client.settings = { debounceMs: 0, strict: false };
      const params = initializeParams(dir, name);
      params.initializationOptions = { analysedNotification: true };
      await client.connection.sendRequest(InitializeRequest.type, params);
      await client.connection.sendNotification(InitializedNotification.type, {});
      clients.push(client);
    }
  });

  after(async () => {
    for (const c of clients) await c.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const analysed = (c: TestClient, v: number): Promise<unknown> =>
    c.waitForNotification<{ uri: string; version: number }>(
      "nginxRisk/analysed",
      (p) => sameFile(p.uri, conf) && p.version === v,
    );
  const shown = (c: TestClient, file = conf): PublishDiagnosticsParams["diagnostics"] => {
    const mine = c.published.filter((p) => sameFile(p.uri, file));
    return mine.length > 0 ? mine[mine.length - 1].diagnostics : [];
  };

  it(`${EDITS} seeded edits (braces, quotes, comments, line breaks, deletions)`, async function () {
    const [ranged, whole] = clients;
    let doc = TextDocument.create("file:///x", "nginx", 1, configuration());
    for (const c of clients) c.open(conf, doc.getText(), 1);
    await Promise.all(clients.map((c) => analysed(c, 1)));
    const random = prng(13);
    let differing = 0;
    let included = 0;
    for (let v = 2; v <= EDITS + 1; v++) {
      const text = doc.getText();
      const at = Math.floor(random() * text.length);
      const del = random() < 0.35 ? Math.min(text.length - at, 1 + Math.floor(random() * 6)) : 0;
      const piece = del > 0 && random() < 0.5 ? "" : PIECES[Math.floor(random() * PIECES.length)];
      const range = { start: doc.positionAt(at), end: doc.positionAt(at + del) };
      doc = TextDocument.update(doc, [{ range, text: piece }], v);
      ranged.change(conf, v, [{ range, text: piece }]);
      whole.change(conf, v, [{ text: doc.getText() }]);
      await Promise.all(clients.map((c) => analysed(c, v)));
      const a = shown(ranged);
      const b = shown(whole);
      if (JSON.stringify(a) !== JSON.stringify(b)) differing++;
      assert.deepStrictEqual(a, b, `after edit ${v - 1} (${JSON.stringify(piece)} at ${at}, ${del} deleted)`);
      assert.deepStrictEqual(shown(ranged, snippet), shown(whole, snippet), `the included file, after edit ${v - 1}`);
      if (shown(ranged, snippet).length > 0) included++;
    }
    assert.strictEqual(differing, 0);
    // The edits did change what is said: the test compared more than one list.
    const lists = new Set(
      ranged.published.filter((p) => sameFile(p.uri, conf)).map((p) => JSON.stringify(p.diagnostics)),
    );
    assert.ok(lists.size >= 5, `only ${lists.size} distinct lists published`);
    // Some edits included the snippet (its statements then judged in the blocks around the include).
    assert.ok(included >= 5, `the snippet was read after only ${included} edits`);
  });
});
