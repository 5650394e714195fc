// The built language server over stdio on a container layout (a copy of examples/swag/config opened as the
// workspace, mounted at /config in the container): the inferred mapping's hint and its code action, the
// action's command making it a setting, and that setting giving the same analysis without the hint; the
// stock files as hints; no guessed context on the files nginx.conf includes through /config.
//
// Needs `npm run build` first (the server is tested as shipped, bundled).

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CodeActionRequest,
  DiagnosticSeverity,
  ExecuteCommandRequest,
  InitializeRequest,
  InitializedNotification,
  type CodeAction,
  type Diagnostic,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";
import { persistedOverrides, readMappingOverride, readSettings, withOverrides } from "../../server/src/lsp/settings";
import { REPO } from "../support/shared";
import { isPolicyRule } from "../support/cli";
import { TestClient, brief, initializeParams, requireBuiltServer, uriOf } from "./client";

const SWAG = path.join(REPO, "examples/swag/config");

const codeOf = (d: Diagnostic): string | undefined => (d.data as { code?: string } | undefined)?.code;

async function start(ws: string, settings?: Record<string, unknown>): Promise<TestClient> {
  const client = new TestClient();
  if (settings) client.settings = { ...client.settings, ...settings };
  await client.connection.sendRequest(InitializeRequest.type, initializeParams(ws, "config"));
  await client.connection.sendNotification(InitializedNotification.type, {});
  return client;
}

/** The diagnostics of the first analysis of `file` opened at version 1. */
async function opened(client: TestClient, file: string): Promise<PublishDiagnosticsParams> {
  client.open(file, fs.readFileSync(file, "utf8"), 1);
  return client.waitFor(file, (p) => p.version === 1);
}

describe("language server: a container layout (examples/swag as the workspace)", function () {
  this.timeout(60000);
  let dir = "";
  let ws = "";
  let client: TestClient | undefined;
  const changed: unknown[] = [];

  before(function () {
    requireBuiltServer();
    // A copy, so that nothing the test does can touch the example; its folder is named config as in the image.
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-layouts-")));
    ws = path.join(dir, "config");
    fs.cpSync(SWAG, ws, { recursive: true });
  });
  after(async function () {
    await client?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  let first: Diagnostic[] = [];

  it("says the mapping it assumed once, on nginx.conf's first /config include; stock files are hints", async function () {
    client = await start(ws);
    client.connection.onNotification("nginxRisk/settingChanged", (p: unknown) => void changed.push(p));
    const nginxConf = path.join(ws, "nginx/nginx.conf");
    first = (await opened(client, nginxConf)).diagnostics.filter((d) => !isPolicyRule(String(d.code)));
    assert.deepStrictEqual(
      first.filter((d) => d.severity !== DiagnosticSeverity.Hint && !isPolicyRule(String(d.code))).map(brief),
      [],
      "no error, warning or information in nginx.conf",
    );
    assert.deepStrictEqual(
      first.filter((d) => !isPolicyRule(String(d.code))).map((d) => [d.range.start.line, d.code, codeOf(d)]),
      [
        [4, "include", "inferred-mapping"],
        [15, "include", "include-stock-default"],
      ],
    );
    assert.strictEqual(
      first[0].message,
      `assumed /config → ${ws} (the folder where the included files are); set nginxRisk.pathMappings ` +
        `(or --map /config=${ws}) to make it explicit`,
    );
  });

  it("a file nginx.conf includes through /config is analysed in its place, not in a guessed context", async function () {
    const grafana = path.join(ws, "nginx/proxy-confs/grafana.subdomain.conf");
    const p = await opened(client!, grafana);
    // The security and best-practice rules' notes aside (test/rules/*: what they say of a site).
    assert.deepStrictEqual(p.diagnostics.filter((d) => !isPolicyRule(String(d.code))).map(brief), []);
    const site = path.join(ws, "nginx/site-confs/default.conf");
    const s = await opened(client!, site);
    assert.deepStrictEqual(
      s.diagnostics.filter((d) => !isPolicyRule(String(d.code))).map((d) => [d.range.start.line, codeOf(d)]),
      [[30, "include-stock-default"]],
    );
  });

  it("offers to write the mapping; the command makes it a setting, and the analysis is the same without the hint", async function () {
    const nginxConf = path.join(ws, "nginx/nginx.conf");
    const hint = first[0];
    const actions = (await client!.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: uriOf(nginxConf) },
      range: hint.range,
      context: { diagnostics: [hint] },
    })) as CodeAction[];
    // Beside it, "Ignore include here" (a suppression comment, offered for every finding: test/lsp/silence.test.ts).
    assert.ok(actions.some((a) => a.title.startsWith("Ignore include here")));
    const fixes = actions.filter((a) => !a.title.startsWith("Ignore "));
    assert.deepStrictEqual(
      fixes.map((a) => [a.title, a.command?.command, a.command?.arguments, a.edit]),
      [
        [
          `Make the mapping explicit: nginxRisk.pathMappings "/config" → ${ws}`,
          "nginxRisk.setPathMapping",
          ["/config", ws],
          undefined,
        ],
      ],
    );
    const since = client!.published.length;
    await client!.connection.sendRequest(ExecuteCommandRequest.type, {
      command: fixes[0].command!.command,
      arguments: fixes[0].command!.arguments,
    });
    // Written as a user writes it in the workspace's settings.
    assert.deepStrictEqual(changed, [{ key: "pathMappings", value: { "/config": "${workspaceFolder}" } }]);
    const after = await client!.waitFor(
      nginxConf,
      (p) => !p.diagnostics.some((d) => codeOf(d) === "inferred-mapping"),
      since,
    );
    assert.deepStrictEqual(
      after.diagnostics.filter((d) => !isPolicyRule(String(d.code))),
      first.slice(1),
    );
    // Refused: not an absolute nginx path.
    await client!.connection.sendRequest(ExecuteCommandRequest.type, {
      command: "nginxRisk.setPathMapping",
      arguments: ["config", ws],
    });
    assert.strictEqual(changed.length, 1);
  });

  it("a server started with that setting gives the same diagnostics, without the hint", async function () {
    const other = await start(ws, { pathMappings: { "/config": "${workspaceFolder}" } });
    try {
      const p = await opened(other, path.join(ws, "nginx/nginx.conf"));
      assert.deepStrictEqual(
        p.diagnostics.filter((d) => !isPolicyRule(String(d.code))),
        first.slice(1),
      );
    } finally {
      await other.stop();
    }
  });
});

describe("lsp/settings: a mapping made explicit for the session", function () {
  it("is written into pathMappings under its prefix (dots and all), read as a mapping, and dropped once persisted", function () {
    const o = readMappingOverride("/etc/nginx.d", "${workspaceFolder}/conf");
    assert.deepStrictEqual(o, { key: "pathMappings./etc/nginx.d", value: "${workspaceFolder}/conf" });
    if (typeof o === "string") return;
    const overrides = new Map([[o.key, o.value]]);
    const raw = withOverrides({ pathMappings: { "/srv": "/x" }, strict: true }, overrides);
    assert.deepStrictEqual(raw, {
      pathMappings: { "/srv": "/x", "/etc/nginx.d": "${workspaceFolder}/conf" },
      strict: true,
    });
    assert.deepStrictEqual(readSettings(raw, "/ws").settings.pathMappings, [
      { from: "/srv", to: "/x" },
      { from: "/etc/nginx.d", to: "/ws/conf" },
    ]);
    assert.deepStrictEqual(persistedOverrides({ pathMappings: { "/etc/nginx.d": "/elsewhere" } }, overrides), []);
    assert.deepStrictEqual(persistedOverrides(raw, overrides), ["pathMappings./etc/nginx.d"]);
    for (const bad of [
      ["config", "/ws"],
      ["${workspaceFolder}/x", "/ws"],
      ["/config", ""],
      ["/config", 3],
    ])
      assert.strictEqual(typeof readMappingOverride(bad[0], bad[1]), "string", JSON.stringify(bad));
  });
});
