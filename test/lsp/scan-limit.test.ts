// The built server over stdio: a workspace folder whose search stops at `nginxRisk.maxFiles` says so on
// the document (a warning: the main file that includes it may be beyond the limit), and raising the
// setting finds the main file. Before, the search stopped at 2,000 files without a word.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  InitializeRequest,
  InitializedNotification,
} from "vscode-languageserver-protocol/node";
import { TestClient, brief, initializeParams, requireBuiltServer, withCode } from "./client";

describe("language server: a folder search that stops at nginxRisk.maxFiles", function () {
  this.timeout(30000);
  let dir: string;
  let client: TestClient;

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lsp-limit-")));
    // Breadth-first and sorted: the five snippets at the top come before conf.d/, where nginx.conf is not.
    for (let i = 1; i <= 5; i++) fs.writeFileSync(path.join(dir, `a${i}.conf`), "# snippet\n");
    fs.writeFileSync(path.join(dir, "nginx.conf"), "events {}\nhttp {\n    include conf.d/*.conf;\n}\n");
    fs.mkdirSync(path.join(dir, "conf.d"));
    client = new TestClient();
    client.settings = { ...client.settings, maxFiles: 3 };
    await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "limit"));
    await client.connection.sendNotification(InitializedNotification.type, {});
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("warns on the document, says how to raise it, and the warning goes once the limit is raised", async function () {
    const site = path.join(dir, "conf.d", "site.conf");
    const text = "server {\n    listen 80;\n}\n";
    fs.writeFileSync(site, text);
    client.open(site, text, 1);
    const first = await client.waitFor(site, (p) => p.version === 1);
    const warnings = first.diagnostics.filter((d) => (d.data as { code?: string } | undefined)?.code === "scan-limit");
    // The search for configuration files, and the one for files around them (a .conf may be a systemd unit).
    assert.strictEqual(warnings.length, 2, first.diagnostics.map(brief).join("; "));
    for (const w of warnings) {
      assert.strictEqual(w.severity, DiagnosticSeverity.Warning);
      assert.match(String(w.message), /after 3 files: .* Raise nginxRisk\.maxFiles \(now 3\)/);
    }
    assert.ok(
      warnings.some((w) => String(w.message).includes(`stopped searching ${dir} for configuration files`)),
      warnings.map(brief).join("; "),
    );
    // nginx.conf was beyond the limit: the file is analysed alone, in a guessed context.
    assert.ok(withCode(first, "guessed-context"));

    const since = client.published.length;
    client.settings = { ...client.settings, maxFiles: 100 };
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: {} });
    const after = await client.waitFor(site, (p) => withCode(p, "scan-limit") === undefined, since);
    // Now nginx.conf includes it: no guess either.
    assert.deepStrictEqual(after.diagnostics.map(brief), []);
  });
});
