// End-to-end test of the quick-fixes of the built language server over stdio: the code actions offered for
// the lua-ssl-per-location finding of examples/openresty (a temp copy), the exact texts their workspace edit
// produces in both files, the fixed configuration analysed again and checked by the real `nginx -t` under
// strace, stale requests, the nginxRisk.setVersion command with its notification, CRLF files, `changes`
// for clients without versioned edits.
//
// Needs `npm run build` first (the server is tested as shipped, bundled).

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CodeActionRequest,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ExecuteCommandRequest,
  FileChangeType,
  InitializeRequest,
  InitializedNotification,
  TextDocumentEdit,
  type CodeAction,
  type Diagnostic,
  type InitializeParams,
  type PublishDiagnosticsParams,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver-protocol/node";
import { haveLuaModule } from "../support/nginx";
import { REPO, nginxBinary } from "../support/shared";
import { bundleOpens, haveStrace } from "../support/strace";
import { isPolicyRule } from "../support/cli";
import { TestClient, brief, initializeParams, range, requireBuiltServer, sameFile, uriOf } from "./client";

const RULE = "lua-ssl-per-location";
const EXAMPLE = path.join(REPO, "examples", "openresty");
const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

// examples/openresty after the move fix, written out.
const FIXED_NGINX_CONF = `# An OpenResty-style configuration in Debian's layout, for \`npm run demo\` and the tests.
# It passes \`nginx -t\` with Debian's nginx + libnginx-mod-http-lua (test/examples.test.ts checks that).

load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;

worker_processes auto;
pid nginx.pid;

events {
    worker_connections 1024;
}

http {
    include mime.types;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;

    # One line at http level: every location below inherits it (see docs/rules, issue #3).

    map $http_upgrade $connection_upgrade {
        default upgrade;
        ''      close;
    }

    upstream backend {
        server 127.0.0.1:8081;
        keepalive 16;
    }

    include conf.d/*.conf;
    include sites-enabled/*;
}
`;

const FIXED_APP_CONF = `server {
    listen 127.0.0.1:8080 reuseport;
    server_name app.example.com;

    location / {
        proxy_pass http://backend;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
    }

    location = /health {
        lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;
        lua_ssl_verify_depth 3;
        content_by_lua_block {
            -- braces in strings and comments do not end the block: "}" }
            local ok = [[ { ]]
            ngx.say("ok")
        }
    }

    location ~ "^/v[0-9]{1,2}/items$" {
        lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;
        lua_ssl_verify_depth 3;
        access_by_lua_block {
            if ngx.var.http_x_token == nil then
                return ngx.exit(401)
            end
        }
        proxy_pass http://backend;
    }

    location /static/ {
        root /var/www;
        expires 7d;
    }
}
`;

const MOVE_TITLE =
  "Move lua_ssl_trusted_certificate (with lua_ssl_verify_depth) into the 2 locations that run Lua code: " +
  "5 → 2 SSL contexts parsing the bundle";
const SETTING_TITLE =
  "Keep it at http level: lua-nginx-module ≥ 0.10.26 is deployed (set nginxRisk.versions.luaNginxModule)";

/** LSP positions (line, UTF-16 character) → offsets; `\n` and `\r\n` end lines. */
function offsetAt(text: string, pos: { line: number; character: number }): number {
  let start = 0;
  for (let line = 0; line < pos.line; line++) {
    const n = text.indexOf("\n", start);
    if (n === -1) throw new Error(`line ${pos.line} is past the end of the text`);
    start = n + 1;
  }
  return start + pos.character;
}

/** Applies LSP text edits as a client does: all ranges refer to the original text, none overlap. */
function applyLspEdits(text: string, edits: readonly TextEdit[]): string {
  const spans = edits.map((e, i) => ({
    s: offsetAt(text, e.range.start),
    e: offsetAt(text, e.range.end),
    t: e.newText,
    i,
  }));
  spans.sort((a, b) => b.s - a.s || b.i - a.i);
  let out = text;
  let limit = Infinity;
  for (const x of spans) {
    assert.ok(x.e <= limit, "overlapping edits");
    out = out.slice(0, x.s) + x.t + out.slice(x.e);
    limit = x.s;
  }
  return out;
}

/** Each file's edits of a workspace edit (documentChanges or changes), with the version it is meant for. */
function editsByFile(edit: WorkspaceEdit | undefined): Map<string, { version: number | null; edits: TextEdit[] }> {
  const out = new Map<string, { version: number | null; edits: TextEdit[] }>();
  assert.ok(edit, "the action has no edit");
  for (const c of edit.documentChanges ?? []) {
    assert.ok(TextDocumentEdit.is(c), `expected text document edits only, got ${JSON.stringify(c)}`);
    out.set(c.textDocument.uri, {
      version: c.textDocument.version,
      edits: c.edits.filter((e): e is TextEdit => "newText" in e),
    });
  }
  for (const [uri, edits] of Object.entries(edit.changes ?? {})) out.set(uri, { version: null, edits });
  return out;
}

function luaFinding(p: PublishDiagnosticsParams): Diagnostic | undefined {
  return p.diagnostics.find((d) => d.code === RULE);
}

function contexts(d: Diagnostic | undefined): number | null {
  const m = /is loaded into ([\d,]+) SSL contexts?/.exec(d ? (typeof d.message === "string" ? d.message : "") : "");
  return m ? Number(m[1].replace(/,/g, "")) : null;
}

/** initialize as VS Code sends it, with versioned workspace edits (or without). */
function params(dir: string, documentChanges: boolean): InitializeParams {
  const p = initializeParams(dir, "fixes");
  if (documentChanges) p.capabilities.workspace = { ...p.capabilities.workspace, workspaceEdit: { documentChanges } };
  return p;
}

async function startIn(dir: string, documentChanges = true, initializationOptions?: object): Promise<TestClient> {
  const client = new TestClient();
  const result = await client.connection.sendRequest(InitializeRequest.type, {
    ...params(dir, documentChanges),
    initializationOptions,
  });
  assert.deepStrictEqual(result.capabilities.codeActionProvider, { codeActionKinds: ["quickfix"] });
  assert.deepStrictEqual(result.capabilities.executeCommandProvider, {
    commands: ["nginxRisk.setVersion", "nginxRisk.setPathMapping"],
  });
  await client.connection.sendNotification(InitializedNotification.type, {});
  return client;
}

/** Whether an action is "Ignore RULE here" (a suppression comment: fix/suppress.ts), offered for every finding. */
function isIgnore(a: CodeAction): boolean {
  const edits = [
    ...Object.values(a.edit?.changes ?? {}).flat(),
    ...(a.edit?.documentChanges ?? []).flatMap((c) => ("edits" in c ? c.edits : [])),
  ];
  return edits.some((e) => "newText" in e && e.newText.includes("# nginx-risk-ignore "));
}

/** The quick-fixes the server offers, without the "Ignore RULE here" ones (`ignores`: only those). */
function codeActions(
  client: TestClient,
  file: string,
  r: Range,
  diagnostics: Diagnostic[],
  only?: string[],
  ignores = false,
): Promise<CodeAction[]> {
  return client.connection
    .sendRequest(CodeActionRequest.type, {
      textDocument: { uri: uriOf(file) },
      range: r,
      context: only ? { diagnostics, only } : { diagnostics },
    })
    .then((list) => ((list ?? []) as CodeAction[]).filter((a) => isIgnore(a) === ignores));
}

function copyExample(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-fix-")));
  // The symlink sites-enabled/app.conf → ../sites-available/app.conf stays a symlink, as in the example.
  fs.cpSync(EXAMPLE, dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

describe("language server: quick-fixes over stdio", function () {
  this.timeout(60000);

  let dir: string;
  let nginxConf: string;
  let appConf: string;
  let original: string;
  let client: TestClient;

  before(async function () {
    requireBuiltServer();
    dir = copyExample();
    nginxConf = path.join(dir, "nginx.conf");
    appConf = path.join(dir, "sites-enabled", "app.conf");
    original = fs.readFileSync(nginxConf, "utf8");
    client = await startIn(dir);
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("offers the move (both files, versioned) and the deployed-version setting for the finding", async function () {
    client.open(nginxConf, original, 1);
    const p = await client.waitFor(nginxConf, (x) => x.version === 1);
    const d = luaFinding(p);
    assert.ok(d, p.diagnostics.map(brief).join("; "));
    assert.deepStrictEqual(d.range, range(20, 4, 20, 67));

    const actions = await codeActions(client, nginxConf, d.range, [d]);
    assert.deepStrictEqual(
      actions.map((a) => [a.title, a.kind, a.isPreferred]),
      [
        [MOVE_TITLE, "quickfix", true],
        [SETTING_TITLE, "quickfix", false],
      ],
    );
    const [move, setting] = actions;
    assert.deepStrictEqual(move.diagnostics, [d]);
    assert.strictEqual(move.command, undefined);
    const files = editsByFile(move.edit);
    assert.deepStrictEqual([...files.keys()], [uriOf(nginxConf), uriOf(appConf)]);
    // The open document at the version analysed; the included file from disk (not open): null.
    assert.strictEqual(files.get(uriOf(nginxConf))!.version, 1);
    assert.strictEqual(files.get(uriOf(appConf))!.version, null);
    assert.strictEqual(applyLspEdits(original, files.get(uriOf(nginxConf))!.edits), FIXED_NGINX_CONF);
    assert.strictEqual(
      applyLspEdits(fs.readFileSync(appConf, "utf8"), files.get(uriOf(appConf))!.edits),
      FIXED_APP_CONF,
    );

    assert.deepStrictEqual(setting.diagnostics, [d]);
    assert.strictEqual(setting.edit, undefined);
    assert.deepStrictEqual(setting.command, {
      title: SETTING_TITLE,
      command: "nginxRisk.setVersion",
      arguments: ["versions.luaNginxModule", "0.10.26"],
    });
  });

  it("offers the same for a cursor on the directive without diagnostics in the context, none for other kinds", async function () {
    const cursor = await codeActions(client, nginxConf, range(20, 10, 20, 10), []);
    assert.deepStrictEqual(
      cursor.map((a) => a.title),
      [MOVE_TITLE, SETTING_TITLE],
    );
    assert.deepStrictEqual(await codeActions(client, nginxConf, range(20, 10, 20, 10), [], ["source"]), []);
    // Elsewhere in the file: nothing.
    assert.deepStrictEqual(await codeActions(client, nginxConf, range(15, 0, 15, 0), []), []);
  });

  it("returns no action for a request made after the document changed, and versioned edits once re-analysed", async function () {
    const old = luaFinding(client.published.filter((x) => sameFile(x.uri, nginxConf) && x.version === 1).pop()!)!;
    const since = client.published.length;
    // Version 2: one more line at the top; the analysis (debounced) still describes version 1.
    client.change(nginxConf, 2, [{ range: range(0, 0, 0, 0), text: "# edited\n" }]);
    assert.deepStrictEqual(await codeActions(client, nginxConf, old.range, [old]), []);

    const p2 = await client.waitFor(nginxConf, (x) => x.version === 2, since);
    const d2 = luaFinding(p2)!;
    assert.deepStrictEqual(d2.range, range(21, 4, 21, 67));
    const [move] = await codeActions(client, nginxConf, d2.range, [d2]);
    assert.strictEqual(move.title, MOVE_TITLE);
    const mine = editsByFile(move.edit).get(uriOf(nginxConf))!;
    assert.strictEqual(mine.version, 2);
    assert.strictEqual(applyLspEdits("# edited\n" + original, mine.edits), "# edited\n" + FIXED_NGINX_CONF);

    // Back to the original text (version 3) for the next test.
    const since3 = client.published.length;
    client.change(nginxConf, 3, [{ range: range(0, 0, 1, 0), text: "" }]);
    await client.waitFor(nginxConf, (x) => x.version === 3, since3);
  });

  it("applied, leaves the bundle in exactly the locations that run Lua (real nginx -t: 5 → 2 loads)", async function () {
    const p3 = client.published.filter((x) => sameFile(x.uri, nginxConf) && x.version === 3).pop()!;
    const d = luaFinding(p3)!;
    const [move] = await codeActions(client, nginxConf, d.range, [d]);
    const files = editsByFile(move.edit);
    assert.strictEqual(files.get(uriOf(nginxConf))!.version, 3);

    const canTrace = nginxBinary() !== null && haveLuaModule() && haveStrace() && fs.existsSync(SYSTEM_BUNDLE);
    const nginxT = (): ReturnType<typeof bundleOpens> =>
      bundleOpens({ dir, conf: nginxConf, bundle: SYSTEM_BUNDLE, pid: false });
    if (canTrace) {
      fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
      const before = nginxT();
      assert.ok(before.ok, before.output);
      assert.strictEqual(before.opens, 5, "the title's 5 SSL contexts, as nginx counts them");
    }

    // As the editor applies it: the open document edited (didChange), the other file written and reported.
    const since = client.published.length;
    const fixedMain = applyLspEdits(original, files.get(uriOf(nginxConf))!.edits);
    client.change(nginxConf, 4, [{ text: fixedMain }]);
    fs.writeFileSync(appConf, applyLspEdits(fs.readFileSync(appConf, "utf8"), files.get(uriOf(appConf))!.edits));
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: uriOf(appConf), type: FileChangeType.Changed }],
    });

    const main = await client.waitFor(nginxConf, (x) => x.version === 4 && luaFinding(x) === undefined, since);
    // Nothing left but what the security and best-practice rules say of the example (server_tokens left on, …).
    assert.deepStrictEqual(main.diagnostics.filter((d) => !isPolicyRule(String(d.code))).map(brief), []);
    // Each Lua location now sets the bundle itself: one SSL context each, a hint where it is written.
    const app = await client.waitFor(appConf, (x) => x.diagnostics.filter((y) => y.code === RULE).length === 2, since);
    const found = app.diagnostics.filter((y) => y.code === RULE);
    assert.deepStrictEqual(
      found.map((y) => [y.range.start.line, y.severity, contexts(y)]),
      [
        [12, DiagnosticSeverity.Hint, 1],
        [22, DiagnosticSeverity.Hint, 1],
      ],
    );
    // …and nothing is left to fix: one context is what using the directive costs, on any version.
    assert.deepStrictEqual(await codeActions(client, appConf, found[0].range, [found[0]]), []);

    if (canTrace) {
      fs.writeFileSync(nginxConf, fixedMain);
      const after = nginxT();
      assert.ok(after.ok, after.output);
      assert.strictEqual(after.opens, 2, "one SSL context per location that runs Lua");
    } else if (process.env.CI) {
      throw new Error("CI must install nginx, libnginx-mod-http-lua and strace");
    }
  });
});

describe("language server: nginxRisk.setVersion over stdio", function () {
  this.timeout(60000);

  let dir: string;
  let nginxConf: string;
  let client: TestClient;
  const changed: unknown[] = [];

  before(async function () {
    requireBuiltServer();
    dir = copyExample();
    nginxConf = path.join(dir, "nginx.conf");
    client = await startIn(dir);
    client.connection.onNotification("nginxRisk/settingChanged", (p: unknown) => {
      changed.push(p);
    });
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("applies the version for the session, republishes, and tells the client to persist it", async function () {
    client.open(nginxConf, fs.readFileSync(nginxConf, "utf8"), 1);
    const p = await client.waitFor(nginxConf, (x) => x.version === 1 && luaFinding(x) !== undefined);
    const d = luaFinding(p)!;
    assert.strictEqual(contexts(d), 5);
    const setting = (await codeActions(client, nginxConf, d.range, [d])).find((a) => a.command);
    assert.ok(setting?.command);

    const since = client.published.length;
    await client.connection.sendRequest(ExecuteCommandRequest.type, {
      command: setting.command.command,
      arguments: setting.command.arguments,
    });
    // ≥ 0.10.26: every location shares the http level's context.
    const after = await client.waitFor(nginxConf, (x) => contexts(luaFinding(x)) === 1, since);
    const shared = luaFinding(after)!;
    assert.strictEqual(shared.severity, DiagnosticSeverity.Hint);
    assert.deepStrictEqual(changed, [{ key: "versions.luaNginxModule", value: "0.10.26" }]);
    // That diagnostic has no fix.
    assert.deepStrictEqual(await codeActions(client, nginxConf, shared.range, [shared]), []);
  });

  it("refuses what is not a version setting", async function () {
    await client.connection.sendRequest(ExecuteCommandRequest.type, {
      command: "nginxRisk.setVersion",
      arguments: ["strict", "true"],
    });
    await client.connection.sendRequest(ExecuteCommandRequest.type, {
      command: "nginxRisk.setVersion",
      arguments: ["versions.nginx", "latest"],
    });
    // The notification is sent before the command's response: none came for these.
    assert.strictEqual(changed.length, 1);
  });

  it("lets the user's setting decide again once the client has persisted the value", async function () {
    // What the VS Code extension does on nginxRisk/settingChanged: write the setting, which notifies the server.
    client.settings = { ...client.settings, versions: { luaNginxModule: "0.10.26" } };
    let since = client.published.length;
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    const same = await client.waitFor(nginxConf, (x) => luaFinding(x) !== undefined, since);
    assert.strictEqual(contexts(luaFinding(same)), 1);
    // Later the user says 0.10.25 after all: no session value masks it.
    client.settings = { ...client.settings, versions: { luaNginxModule: "0.10.25" } };
    since = client.published.length;
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    const back = await client.waitFor(nginxConf, (x) => contexts(luaFinding(x)) === 5, since);
    // The setting says ≤ 0.10.25 now: no "≥ 0.10.26 is deployed" action, the move only.
    const d = luaFinding(back)!;
    assert.deepStrictEqual(
      (await codeActions(client, nginxConf, d.range, [d])).map((a) => a.title),
      [MOVE_TITLE],
    );
  });
});

describe("language server: nginxRisk.setVersion for a client that persists it (the VS Code extension)", function () {
  this.timeout(60000);

  let dir: string;
  let client: TestClient;

  before(async function () {
    requireBuiltServer();
    dir = copyExample();
    client = await startIn(dir, true, { persistsSettings: true });
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a setting persisted and removed at once, within the debounce: the user's settings decide", async function () {
    // Found in code-server: "Keep it at http level", then the key deleted from settings.json half a second
    // later. Settings are read after the debounce, so the server never saw the persisted value and kept the
    // session's value for good: the warning stayed a hint.
    const nginxConf = path.join(dir, "nginx.conf");
    client.open(nginxConf, fs.readFileSync(nginxConf, "utf8"), 1);
    const p = await client.waitFor(nginxConf, (x) => x.version === 1 && luaFinding(x) !== undefined);
    const d = luaFinding(p)!;
    const setting = (await codeActions(client, nginxConf, d.range, [d])).find((a) => a.command);
    assert.ok(setting?.command);
    let since = client.published.length;
    await client.connection.sendRequest(ExecuteCommandRequest.type, {
      command: setting.command.command,
      arguments: setting.command.arguments,
    });
    await client.waitFor(nginxConf, (x) => contexts(luaFinding(x)) === 1, since);

    const before = client.settings;
    client.settings = { ...before, versions: { luaNginxModule: "0.10.26" } };
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    client.settings = before;
    since = client.published.length;
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    const back = await client.waitFor(nginxConf, (x) => contexts(luaFinding(x)) === 5, since);
    assert.strictEqual(luaFinding(back)!.severity, d.severity);
  });
});

describe("language server: quick-fixes in a CRLF file, for clients without versioned edits", function () {
  this.timeout(60000);

  const CRLF = [
    "events {}", // 0
    "http {", // 1
    "    lua_ssl_trusted_certificate ca.pem;", // 2
    "    server {", // 3
    "        listen 80;", // 4
    "        location /lua {", // 5
    '            content_by_lua_block { ngx.say("hi") }', // 6
    "        }", // 7
    "        location /static {", // 8
    "            return 204;", // 9
    "        }", // 10
    "    }", // 11
    "}", // 12
    "",
  ].join("\r\n");

  const FIXED = [
    "events {}",
    "http {",
    "    server {",
    "        listen 80;",
    "        location /lua {",
    "            lua_ssl_trusted_certificate ca.pem;",
    '            content_by_lua_block { ngx.say("hi") }',
    "        }",
    "        location /static {",
    "            return 204;",
    "        }",
    "    }",
    "}",
    "",
  ].join("\r\n");

  let dir: string;
  let nginxConf: string;
  let client: TestClient;

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-crlf-")));
    nginxConf = path.join(dir, "nginx.conf");
    fs.writeFileSync(nginxConf, CRLF);
    fs.writeFileSync(path.join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    client = await startIn(dir, false);
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("inserts CRLF lines and sends `changes`", async function () {
    client.open(nginxConf, CRLF, 1);
    const p = await client.waitFor(nginxConf, (x) => x.version === 1);
    const d = luaFinding(p);
    assert.ok(d, p.diagnostics.map(brief).join("; "));
    const [move] = await codeActions(client, nginxConf, d.range, [d]);
    assert.match(move.title, /^Move lua_ssl_trusted_certificate into the 1 location that runs Lua code: 3 → 1 /);
    assert.strictEqual(move.edit?.documentChanges, undefined);
    assert.deepStrictEqual(Object.keys(move.edit?.changes ?? {}), [uriOf(nginxConf)]);
    assert.strictEqual(applyLspEdits(CRLF, move.edit!.changes![uriOf(nginxConf)]), FIXED);
  });
});
