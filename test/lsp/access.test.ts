// What the built language server reads and shows (issue 11), over stdio with a real client: the workspace
// of test/support/secrets.ts (secrets outside reached by absolute include, `../`, glob, symbolic links, CA
// bundle directives, /proc/self/environ holding a token in the server's environment; a FIFO and an .env
// inside). Every byte the server sends — diagnostics, hovers on the includes and the bundle, document links,
// code lenses, the cost report, log messages — is searched for every token, and the server's own `fs` is
// recorded (a preload, no strace) to show the secrets were not opened. Restricted Mode: the workspace's
// settings do not widen what is read until the client says the workspace is trusted.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  DocumentLinkRequest,
  InitializeRequest,
  InitializedNotification,
  type DocumentLink,
} from "vscode-languageserver-protocol/node";
import { COST_REPORT_REQUEST, WORKSPACE_TRUSTED_NOTIFICATION } from "../../server/src/lsp/cost-report-protocol";
import {
  ENV_TOKEN_NAME,
  RECORD_OPENS,
  forbiddenOpens,
  leakedTokens,
  plantWorkspace,
  recordedOpens,
  type PlantedWorkspace,
} from "../support/secrets";
import { TestClient, initializeParams, requireBuiltServer, uriOf } from "./client";

/** A diagnostic's message as text. */
function text(d: { message: string | { value: string } }): string {
  return typeof d.message === "string" ? d.message : d.message.value;
}

/** `data.code` of the diagnostics at a line of a publication. */
function codesAt(diagnostics: { range: { start: { line: number } }; data?: unknown }[], line: number): string[] {
  return diagnostics
    .filter((d) => d.range.start.line === line)
    .map((d) => (d.data as { code?: string } | undefined)?.code ?? "");
}

describe("language server: reads only the workspace, shows no secret", function () {
  this.timeout(60_000);
  let planted: PlantedWorkspace;

  before(function () {
    requireBuiltServer();
    planted = plantWorkspace();
  });
  after(function () {
    if (planted) fs.rmSync(planted.dir, { recursive: true, force: true });
  });

  async function start(
    log: string,
    trusted: boolean | undefined,
    settings: Record<string, unknown> = {},
  ): Promise<TestClient> {
    const client = new TestClient({
      nodeArgs: ["-r", RECORD_OPENS],
      env: { ...process.env, [ENV_TOKEN_NAME]: planted.envToken, NGINX_RISK_RECORD_OPENS: log },
    });
    client.settings = { ...client.settings, debounceMs: 50, strict: true, ...settings };
    const params = initializeParams(planted.ws, "planted", { lenses: true });
    if (trusted !== undefined) params.initializationOptions = { workspaceTrusted: trusted };
    await client.connection.sendRequest(InitializeRequest.type, params);
    await client.connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  it("diagnostics, hovers, links, code lenses and the cost report quote no secret; none was opened", async function () {
    const log = path.join(planted.dir, "server-opens.log");
    const client = await start(log, undefined);
    const mainText = fs.readFileSync(planted.main, "utf8");
    try {
      client.open(planted.main, mainText, 1);
      const p = await client.waitFor(planted.main, (x) => x.version === 1);
      // Each way out is refused at its include, and the rest of the configuration is analysed.
      assert.deepStrictEqual(codesAt(p.diagnostics, 2), ["read-outside"]);
      assert.deepStrictEqual(codesAt(p.diagnostics, 3), ["read-outside"]);
      assert.deepStrictEqual(codesAt(p.diagnostics, 5), ["read-outside"]);
      assert.deepStrictEqual(codesAt(p.diagnostics, 6), ["read-outside"]);
      assert.deepStrictEqual(codesAt(p.diagnostics, 7), ["read-system"]);
      if (fs.existsSync(planted.fifo)) assert.deepStrictEqual(codesAt(p.diagnostics, 8), ["read-special"]);
      assert.deepStrictEqual(codesAt(p.diagnostics, 9), ["not-configuration"]);
      assert.ok(codesAt(p.diagnostics, 10).includes("read-outside"), JSON.stringify(p.diagnostics));
      assert.match(
        text(p.diagnostics.find((d) => d.range.start.line === 2)!),
        /outside the workspace folders; to read it, map it into the workspace \(nginxRisk\.pathMappings\) or allow it \(nginxRisk\.allowRead\)/,
      );

      const lines = mainText.split("\n");
      for (let line = 2; line < 15; line++) {
        await client.hover(planted.main, line, lines[line].indexOf(lines[line].trim()) + 2);
        await client.hover(planted.main, line, lines[line].length - 3);
      }
      const links = (await client.connection.sendRequest(DocumentLinkRequest.type, {
        textDocument: { uri: uriOf(planted.main) },
      })) as DocumentLink[] | null;
      // No link leads out of the workspace (that would tell the file exists).
      for (const l of links ?? [])
        assert.ok(l.target === undefined || l.target.startsWith(uriOf(planted.ws)), l.target);
      const lenses = await client.codeLens(planted.main);
      assert.ok(lenses.length > 0, "the cost lenses are there (the bundle directive is analysed)");
      const report = await client.request<{ markdown: string } | null>(COST_REPORT_REQUEST, {
        uri: uriOf(planted.main),
      });
      assert.ok(report !== null);
      // The bundle outside is not a system CA store: its size is unknown, and the report says why.
      assert.match(report.markdown, /Size unknown[^]*bundle\.pem`: it is outside what was opened/);
    } finally {
      await client.stop();
    }
    assert.deepStrictEqual(leakedTokens(planted, client.stdout + client.stderr), []);
    const opens = recordedOpens(log);
    assert.deepStrictEqual(forbiddenOpens(planted, opens), []);
    // The recording works: the workspace folder was listed (candidate scan) while looking for main files.
    assert.ok(opens.includes(`list ${planted.ws}`), opens.join("\n"));
  });

  it("untrusted, the workspace's allowRead and mapping targets are ignored until the workspace is trusted", async function () {
    const log = path.join(planted.dir, "untrusted-opens.log");
    const settings = {
      allowRead: [planted.outside],
      pathMappings: { "/srv/conf/": path.join(planted.outside, "conf") },
    };
    const client = await start(log, false, settings);
    const mainText = fs.readFileSync(planted.main, "utf8");
    try {
      client.open(planted.main, mainText, 1);
      const first = await client.waitFor(planted.main, (x) => x.version === 1);
      // The glob of outside configuration (line 4) is still refused: the settings would have allowed it.
      assert.deepStrictEqual(codesAt(first.diagnostics, 4), ["read-outside"]);
      assert.match(text(first.diagnostics.find((d) => d.range.start.line === 4)!), /trust the workspace, then/);
      // Trusted: the same settings apply; the outside configuration is read (its unknown directive, the
      // token it starts with, is reported in strict mode: the file is configuration and now allowed).
      const since = client.published.length;
      await client.connection.sendNotification(WORKSPACE_TRUSTED_NOTIFICATION);
      const conf = [...planted.tokens].find(([, where]) => where === "outside/conf/evil.conf")![0];
      const evil = planted.outsideConfig;
      await client.waitFor(evil, (x) => x.diagnostics.some((d) => text(d).includes(conf)), since);
      const after = await client.waitFor(planted.main, (x) => codesAt(x.diagnostics, 4).length === 0, since);
      assert.deepStrictEqual(codesAt(after.diagnostics, 2), ["not-configuration"]); // allowed, but a secret
    } finally {
      await client.stop();
    }
    const opens = recordedOpens(log);
    assert.ok(opens.includes(`open ${planted.outsideConfig}`), "read once trusted: " + opens.join("\n"));
    // Even trusted and allowed: nothing of the secret files is shown, and /proc or the FIFO are never opened.
    const conf = [...planted.tokens].find(([, where]) => where === "outside/conf/evil.conf")![0];
    assert.deepStrictEqual(
      leakedTokens(planted, client.stdout + client.stderr).filter((x) => !x.startsWith(conf)),
      [],
    );
    assert.deepStrictEqual(
      opens.filter((l) => /^\S+ \/(proc|sys|dev)\//.test(l) || l.endsWith(planted.fifo)),
      [],
    );
  });
});
