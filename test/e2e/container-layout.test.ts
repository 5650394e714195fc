// A container-style workspace in the real VS Code (code-server, the packaged extension): examples/swag/config,
// a linuxserver/swag-like layout whose includes are absolute under /config/nginx/ (the folder the container
// mounts), with nginx's stock files left in the image and the site's own certificate in keys/. A working
// configuration: nginx -t passes on it in the container's layout (test/workspace/container-layout.test.ts
// checks that with the real nginx). So the editor must be quiet and right on it: no error, no cost invented
// from an assumed CA bundle, every file of the configuration in Problems without opening it, and what it shows
// equal to the CLI's analysis of the same folder. Screenshots go to test-output/e2e/container-layout/.
import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO } from "../support/shared";
import { CHROMIUM, CLI, codeServerReady, freshOutput, requireBuilt, tempDir, unavailable } from "./support";
import { screenshotsAndCleanup, startCodeServer, trustFolder } from "./code-server-session";
import type { Workbench } from "./workbench";

interface Finding {
  ruleId: string;
  severity: "error" | "warning" | "info" | "hint";
  file: string;
  line: number;
  message: string;
}

/** `nginx-risk check FOLDER --format json`: the CLI's analysis of the workspace the editor has open. */
function cliFindings(folder: string): Finding[] {
  const r = cp.spawnSync(process.execPath, [CLI, "check", ".", "--format", "json", "--fail-on", "never"], {
    cwd: folder,
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.strictEqual(r.status, 0, `nginx-risk check ${folder} failed:\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
}

describe("e2e: code-server on a container-style layout (examples/swag: absolute /config/nginx includes)", function () {
  this.timeout(60_000);
  const state: { out: string; tmp?: string; ws?: string; pgid?: number; wb?: Workbench; step: number } = {
    out: path.join(REPO, "test-output", "e2e", "container-layout"),
    step: 0,
  };
  const wb = (): Workbench => {
    if (!state.wb) throw new Error("the workbench did not start (see the before all hook)");
    return state.wb;
  };
  const shot = async (name: string): Promise<void> => {
    const n = String(state.step + 1).padStart(2, "0");
    await wb().page.screenshot({ path: path.join(state.out, `${n}${name}.png`), timeout: 15_000 });
  };

  before(async function () {
    this.timeout(300_000);
    requireBuilt();
    if (!codeServerReady()) unavailable(this, "code-server (.e2e/)", "run `bash test/e2e/setup.sh`");
    if (!fs.existsSync(CHROMIUM)) unavailable(this, CHROMIUM, "apt-get install chromium");
    state.out = freshOutput("container-layout");
    const tmp = (state.tmp = tempDir("container"));
    // The folder a user would open: what the container mounts at /config.
    state.ws = path.join(tmp, "config");
    fs.cpSync(path.join(REPO, "examples", "swag", "config"), state.ws, { recursive: true });
    const session = await startCodeServer({ workspace: state.ws, out: state.out, tmp });
    state.pgid = session.pgid;
    state.wb = session.wb;
  });

  screenshotsAndCleanup(state);

  it("loads the workbench and trusts the folder", async function () {
    await trustFolder(wb(), shot);
    await wb().page.locator(".explorer-folders-view .monaco-list-row", { hasText: "nginx" }).first().waitFor();
  });

  /** The status bar's problem counts (its label: "Errors: 0, Warnings: 2, Infos: 1", or "No Problems"). */
  const problemCounts = async (): Promise<{ errors: number; warnings: number; infos: number; label: string }> => {
    const item = wb().page.locator("#status\\.problems").first();
    await item.waitFor({ state: "visible" });
    const label = (await item.getAttribute("aria-label")) ?? "";
    const n = (what: string): number => Number(new RegExp(`${what}: (\\d+)`).exec(label)?.[1] ?? 0);
    return { errors: n("Errors"), warnings: n("Warnings"), infos: n("Infos"), label };
  };

  it("lists the whole configuration in Problems before any file is opened, as the CLI does, with no error", async function () {
    this.timeout(120_000);
    const cli = cliFindings(state.ws!);
    const count = (s: Finding["severity"]): number => cli.filter((f) => f.severity === s).length;
    // (Hints are not in the Problems panel: VS Code shows them only in the editor.)
    const want = { errors: count("error"), warnings: count("warning"), infos: count("info") };
    assert.strictEqual(want.errors, 0, `a working configuration has no error: ${JSON.stringify(cli)}`);
    assert.ok(want.infos > 0, `the CLI has a note on a file no editor opens (ssl.conf's cost): ${JSON.stringify(cli)}`);
    // No file is open: only pull diagnostics of the whole workspace can fill the panel.
    const got = await wb().poll(async () => {
      const c = await problemCounts();
      return c.errors === want.errors && c.warnings === want.warnings && c.infos === want.infos ? c : null;
    }, 90_000);
    const rows = await wb().problems();
    await shot("a-problems");
    assert.ok(got, `Problems ${JSON.stringify(await problemCounts())} should equal the CLI's ${JSON.stringify(want)}`);
    for (const f of cli.filter((x) => x.severity === "warning" || x.severity === "info")) {
      const first = f.message.split("\n")[0].slice(0, 60);
      assert.ok(
        rows.some((r) => r.includes(first)),
        `Problems shows the CLI's ${f.severity} ${first}: ${JSON.stringify(rows)}`,
      );
    }
  });

  it("costs the site certificate as what it is in the hover of ssl_trusted_certificate (ssl.conf)", async function () {
    await wb().page.keyboard.press("Control+Shift+M");
    await wb().quickOpen("ssl.conf");
    await wb().poll(async () => (await wb().wordBox("ssl_trusted_certificate")) !== null, 15_000);
    // Wait for the cost hover itself: the diagnostic's part of the widget ("… SSL contexts …") can show first.
    const text = await wb().hover("ssl_trusted_certificate", / B · \d+ certificates?/);
    await shot("a-hover");
    assert.ok(!/144 certificates|219,597|225,079/.test(text), `no assumed CA bundle: ${text}`);
    assert.ok(!/semantics\.md|memory-model\.md/.test(text), `cites only documents that ship: ${text}`);
    // Read through the inferred /config mapping: the certificate as it is, and where the directive is written.
    assert.match(text, /1,\d{3} B · 1 certificate/);
    assert.match(text, /set in ssl\.conf, included by 7 servers/);
    await wb().dismiss();
  });

  it("shows in the status bar the estimate the CLI gives", async function () {
    const r = cp.spawnSync(process.execPath, [CLI, "check", ".", "--fail-on", "never"], {
      cwd: state.ws,
      encoding: "utf8",
      timeout: 60_000,
    });
    const m = /^memory of \S+: master (~[\d.]+ [KMGT]iB), reload peak (~[\d.]+ [KMGT]iB)/m.exec(r.stdout);
    assert.ok(m, `the CLI gives an estimate:\n${r.stdout}`);
    const item = wb().page.locator(".statusbar-item[aria-label^='nginx-risk memory estimate']").first();
    await item.waitFor({ state: "visible", timeout: 20_000 });
    let text = "";
    await wb().poll(async () => (text = (await item.innerText()).replace(/\s+/g, " ").trim()).includes(m[1]), 20_000);
    await shot("a-status-bar");
    assert.ok(text.includes(m[1]) && text.includes(m[2]), `status bar "${text}" should give ${m[1]} and ${m[2]}`);
  });
});
