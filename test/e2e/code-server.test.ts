// The extension as users get it (the .vsix of the current build) in the real VS Code: code-server 4.139.1
// (VS Code 1.139, the same Node extension host as the desktop) served on 127.0.0.1 and driven through
// Debian's chromium with playwright-core, on the incident example (4,000 locations). One browser session;
// each feature is its own `it`, so a failure names it; after each step a screenshot goes to
// test-output/e2e/code-server/NN-step.png (cleared when the suite starts, kept after it).
//
// What the editor shows is compared with the CLI on a copy of the same workspace (an independent front end
// of the same analysis): the finding's message and estimate, the fixed files (`fix --diff` applied with
// patch(1)), the formatted file (`format --write`).
import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO } from "../support/shared";
import {
  CHROMIUM,
  CLI,
  applyCliFix,
  cliCheck,
  codeServerReady,
  freshOutput,
  generateIncident,
  requireBuilt,
  sleep,
  tempDir,
  unavailable,
  type CliFinding,
} from "./support";
import { screenshotsAndCleanup, startCodeServer, trustFolder } from "./code-server-session";
import type { DomDocument, DomElement } from "./dom";
import { EDITOR, Workbench } from "./workbench";

declare const document: DomDocument;
declare function getComputedStyle(e: DomElement): { color: string };

/** Locations in the incident workspace: the real incident's size (4,000 + the Lua one + the server = 4,002). */
const LOCATIONS = 4000;
const DIRECTIVE = "lua_ssl_trusted_certificate";

/** A file to format: valid nginx, laid out badly (the formatter must only move whitespace). */
const MESSY = [
  "# formatted by the e2e test",
  "server {",
  "listen 127.0.0.1:8081;",
  "        server_name   messy.test;",
  "  location / {",
  "     return 200 'ok';   }",
  "",
  "",
  "",
  "  location = /lua { content_by_lua_block { ngx.say('hi') } }",
  "}",
  "",
].join("\n");

/**
 * A file whose `# was: …` comment ends in a lone CR (an editor once wrote it, or a sed): nginx reads the next
 * line as part of the comment, VS Code's text buffer turns the CR into the file's own line break on opening.
 */
const HIDDEN_BY_CR = [
  "server {",
  "    listen 127.0.0.1:8082;",
  "    location / {",
  "        return 200 'on';",
  "        # was:\r        return 503 'off';",
  "    }",
  "}",
  "",
].join("\n");

/** Where completion is asked for: an empty line inside a location. */
const COMPLETE = ["http {", "    server {", "        location / {", "            ", "        }", "    }", "}", ""].join(
  "\n",
);

/**
 * A file for definitions and references (snippets/upstream.nginx, a configuration of its own): an upstream
 * used by two proxy_pass, and a named location reached from try_files.
 */
const NAVIGATE = [
  "# definitions and references, e2e test",
  "http {",
  "    upstream backend {",
  "        server 127.0.0.1:9000;",
  "    }",
  "    server {",
  "        listen 127.0.0.1:8082;",
  "        location / {",
  "            try_files $uri @fallback;",
  "        }",
  "        location /api {",
  "            proxy_pass http://backend;",
  "        }",
  "        location @fallback {",
  "            proxy_pass http://backend;",
  "        }",
  "    }",
  "}",
  "",
].join("\n");

/** The setting the "Keep it at http level" quick-fix writes, and its value (lua-nginx-module's fix). */
const VERSION_KEY = "nginxRisk.versions.luaNginxModule";
const FIXED_LUA = "0.10.26";

describe("e2e: code-server (VS Code 1.139) with the packaged extension, on the incident example", function () {
  this.timeout(60_000);
  const state: {
    out: string;
    tmp?: string;
    ws?: string;
    expected?: string;
    pgid?: number;
    wb?: Workbench;
    finding?: CliFinding;
    step: number;
  } = { out: path.join(REPO, "test-output", "e2e", "code-server"), step: 0 };
  const wb = (): Workbench => {
    if (!state.wb) throw new Error("the workbench did not start (see the before all hook)");
    return state.wb;
  };
  const ws = (...p: string[]): string => path.join(state.ws!, ...p);
  /** A screenshot in the middle of a step: NNa-name.png beside the step's own NN-step.png. */
  const shot = async (name: string): Promise<void> => {
    const n = String(state.step + 1).padStart(2, "0");
    await wb().page.screenshot({ path: path.join(state.out, `${n}${name}.png`), timeout: 15_000 });
  };

  before(async function () {
    this.timeout(300_000);
    requireBuilt();
    if (!codeServerReady()) unavailable(this, "code-server (.e2e/)", "run `bash test/e2e/setup.sh`");
    if (!fs.existsSync(CHROMIUM)) unavailable(this, CHROMIUM, "apt-get install chromium");
    state.out = freshOutput("code-server");
    const tmp = (state.tmp = tempDir("code-server"));

    // The workspace, and a copy the CLI fixes (what the quick-fix must produce).
    state.ws = generateIncident(path.join(tmp, "ws"), LOCATIONS);
    fs.mkdirSync(ws("snippets"));
    fs.writeFileSync(ws("snippets", "messy.nginx"), MESSY);
    fs.writeFileSync(ws("snippets", "hidden.nginx"), HIDDEN_BY_CR);
    fs.writeFileSync(ws("snippets", "complete.nginx"), COMPLETE);
    fs.writeFileSync(ws("snippets", "upstream.nginx"), NAVIGATE);
    state.expected = path.join(tmp, "expected");
    fs.cpSync(state.ws, state.expected, { recursive: true });
    const findings = cliCheck(path.join(state.expected, "nginx.conf"));
    state.finding = findings.find((f) => f.ruleId === "lua-ssl-per-location");
    assert.ok(state.finding, `the CLI finds the incident: ${JSON.stringify(findings)}`);
    applyCliFix(path.join(state.expected, "nginx.conf"), state.expected);
    // (snippets/ is no part of the configuration: the fix leaves it alone, format is checked on its own.)

    const session = await startCodeServer({ workspace: state.ws, out: state.out, tmp });
    state.pgid = session.pgid;
    state.wb = session.wb;
  });

  screenshotsAndCleanup(state);

  it("loads the workbench and trusts the folder", async function () {
    const { page } = wb();
    await trustFolder(wb(), shot);
    for (const name of ["nginx.conf", "sites-enabled", "snippets"]) {
      await page.locator(".explorer-folders-view .monaco-list-row", { hasText: name }).first().waitFor();
    }
  });

  it("opens nginx.conf in the nginx language", async function () {
    await wb().openFromExplorer("nginx.conf");
    await wb()
      .page.locator("#status\\.editor\\.mode", { hasText: /^\s*Nginx\s*$/i })
      .waitFor({ timeout: 20_000 });
  });

  it(`shows the warning squiggle on ${DIRECTIVE}`, async function () {
    this.timeout(120_000);
    // The first analysis of 4,002 location configurations (and the server's start) comes first.
    const lines = await wb().poll(
      async () => nonEmpty((await wb().squiggleLines("warning")).filter(Boolean)),
      90_000,
      500,
    );
    assert.ok(lines, "a warning squiggle appears");
    assert.deepStrictEqual(
      lines.map((l) => l.trim()),
      [`${DIRECTIVE} /etc/ssl/certs/ca-certificates.crt;`],
      "exactly the directive's line is squiggled",
    );
  });

  it("lists the finding with its estimate in the Problems panel", async function () {
    const f = state.finding!;
    const rows = await wb().poll(
      async () => nonEmpty((await wb().problems()).filter((r) => r.includes(DIRECTIVE))),
      20_000,
    );
    assert.ok(rows, `a Problems row: ${JSON.stringify(await wb().problems())}`);
    assert.strictEqual(rows.length, 1, `one Problems row: ${JSON.stringify(rows)}`);
    // The CLI's message of the same finding, its rule, and its place (line 17, column 5).
    assert.ok(rows[0].includes(f.message), `Problems row ${JSON.stringify(rows[0])}\nCLI: ${f.message}`);
    assert.match(rows[0], /~3\.\d+ GiB/);
    assert.ok(rows[0].includes("lua-ssl-per-location"), rows[0]);
    assert.ok(rows[0].includes(`[Ln ${f.line}, Col ${f.column}]`), rows[0]);
    await shot("a-problems");
    // Back to the editor for the next steps.
    await wb().page.keyboard.press("Control+Shift+M");
  });

  it("explains the estimate in the hover", async function () {
    const f = state.finding!;
    // The diagnostic's part of the hover comes at once, the server's explanation (a table) after it.
    const text = await wb().hover(DIRECTIVE, /Master, whole configuration/);
    const contexts = (f.data!.contexts as number).toLocaleString("en-US");
    assert.ok(text.includes(`${contexts} SSL contexts`), text);
    const master = /Master (~[\d.]+ GiB)/.exec(f.message)![1];
    const peak = /reload peak (~[\d.]+ GiB)/.exec(f.message)![1];
    assert.ok(
      text.includes(`Master, whole configuration ${master}`),
      `hover should give the master ${master}: ${text}`,
    );
    assert.ok(text.includes(`Reload peak ${peak}`), `hover should give the reload peak ${peak}: ${text}`);
    await shot("a-hover");
    await wb().dismiss();
  });

  it("documents a plain directive in the hover (worker_processes, access_log)", async function () {
    // The directive table the product vendors (server/data/directives.json), read here on its own: the hover
    // names the module, the contexts the directive is allowed in and the version it appeared in.
    const table = JSON.parse(fs.readFileSync(path.join(REPO, "server", "data", "directives.json"), "utf8")) as {
      directives: Record<string, { module: string; contexts: string[]; since: string | null }[]>;
    };
    const conf = fs.readFileSync(ws("nginx.conf"), "utf8");
    for (const [i, name] of ["worker_processes", "access_log"].entries()) {
      assert.ok(new RegExp(`^\\s*${name}\\s`, "m").test(conf), `nginx.conf has ${name}`);
      const entries = table.directives[name];
      assert.ok(entries?.length, `${name} is in the directive table`);
      const entry = entries[0];
      const text = await wb().hover(name, new RegExp(entry.module));
      await shot(`${"ab"[i]}-hover-${name.replace(/_/g, "-")}`);
      assert.ok(text.includes(entry.module), `the hover of ${name} names ${entry.module}: ${text}`);
      // The table names contexts by nginx's NGX_*_CONF bits (if_in_location); people read "if in location".
      const contexts = entry.contexts.map((c) => (c === "limit_except" ? c : c.replace(/_/g, " "))).join(", ");
      assert.ok(text.includes(`Context: ${contexts}`), `the hover of ${name} gives the contexts ${contexts}: ${text}`);
      assert.ok(entry.since, `${name} has a version in the table`);
      assert.ok(
        new RegExp(`since \\S+ ${entry.since.replace(/\./g, "\\.")}\\b`).test(text),
        `the hover of ${name} gives the version it appeared in, ${entry.since}: ${text}`,
      );
      // A plain directive's hover is documentation only, no estimate.
      assert.ok(!/SSL contexts|GiB/.test(text), `no cost in the hover of ${name}: ${text}`);
      await wb().dismiss();
    }
  });

  it("shows the cost in a code lens above the directive", async function () {
    const f = state.finding!;
    const contexts = (f.data!.contexts as number).toLocaleString("en-US");
    const peak = /reload peak (~[\d.]+ GiB)/.exec(f.message)![1];
    const lenses = await wb().poll(
      async () => nonEmpty((await wb().codeLenses()).filter((l) => l.includes("SSL contexts"))),
      20_000,
    );
    assert.ok(lenses, `a code lens: ${JSON.stringify(await wb().codeLenses())}`);
    // "4,002 SSL contexts · ~3.18 GiB · reload peak ~6.42 GiB" (the figures from the CLI's finding).
    assert.ok(
      lenses.some((l) => new RegExp(`${contexts} SSL contexts · ~[\\d.]+ GiB · reload peak ${peak}`).test(l)),
      JSON.stringify(lenses),
    );
  });

  /** The text of the extension's status bar item, once `ok` (or the last one after `ms`). */
  const statusText = async (ms: number, ok: (t: string) => boolean): Promise<string> => {
    const item = wb().page.locator(".statusbar-item[aria-label^='nginx-risk memory estimate']").first();
    await item.waitFor({ state: "visible", timeout: ms });
    let text = "";
    await wb().poll(async () => ok((text = (await item.innerText()).replace(/\s+/g, " ").trim())), ms);
    return text;
  };

  /** The rows of the Explorer's Outline view for the active editor (expanded, then collapsed again). */
  const outlineRows = async (expect: RegExp): Promise<string[] | null> => {
    const { page } = wb();
    const header = page.locator(".pane-header", { hasText: /^\s*Outline/i }).first();
    await header.waitFor({ state: "visible" });
    if ((await header.getAttribute("aria-expanded")) !== "true") await header.click();
    const outline = page.locator(".pane").filter({
      has: page.locator(":scope > .pane-header", { hasText: /^\s*Outline/i }),
    });
    // Each row as "name" or "name — detail" (a server's listen addresses are its detail).
    const labels = await wb().poll(async () => {
      const all = await outline.locator(".monaco-list-row").evaluateAll((rows) =>
        (rows as unknown as DomElement[]).map((r) => {
          const part = (sel: string): string => [...r.querySelectorAll(sel)].map((e) => e.textContent ?? "").join("");
          const name = part(".label-name").trim();
          const detail = part(".label-description").trim();
          return detail ? `${name} — ${detail}` : name;
        }),
      );
      return all.some((l) => expect.test(l)) ? all : null;
    }, 20_000);
    await shot("a-outline");
    await header.click(); // collapsed again: it takes room from the editor
    return labels;
  };

  it("shows the blocks of nginx.conf in the Outline view", async function () {
    const labels = await outlineRows(/^http\b/);
    assert.ok(labels, "the Outline lists symbols");
    // nginx.conf's blocks: events and http at the top level (its servers are in the included app.conf).
    assert.deepStrictEqual(labels, ["events", "http"]);
  });

  it("shows the estimate in the status bar", async function () {
    // The CLI's summary line of the same workspace: "memory of nginx.conf: master ~3.22 GiB, reload peak ~6.42 GiB".
    const { master, peak } = cliMemory(path.join(state.ws!, "nginx.conf"));
    const text = await statusText(20_000, (t) => t.includes(master));
    assert.ok(text.includes(master) && text.includes(peak), `status bar "${text}" should give ${master} and ${peak}`);
  });

  it('runs "nginx-risk: Show cost report" from the command palette', async function () {
    await wb().focusEditor();
    await wb().command("nginx-risk: Show cost report");
    const f = state.finding!;
    const contexts = (f.data!.contexts as number).toLocaleString("en-US");
    const frame = await wb().frameWith(new RegExp(`${contexts}`), 30_000);
    assert.ok(frame, "the report shows the SSL contexts of the configuration");
    const body = await frame.evaluate(() => document.body?.innerText ?? "");
    assert.match(body, /cost report/i);
    assert.ok(body.includes(DIRECTIVE), body.slice(0, 2000));
    // The preview renders no file: link (markdown-it refuses the scheme); the report's links are relative.
    assert.ok(!body.includes("](<"), `links shown as markdown text: ${body.slice(0, 2000)}`);
    await shot("a-cost-report");
    // Its link to the directive opens nginx.conf at that line.
    const anchor = frame.locator("a", { hasText: /^nginx\.conf:\d+$/ }).first();
    const label = await anchor.innerText({ timeout: 10_000 });
    const line = Number(/:(\d+)$/.exec(label)![1]);
    assert.strictEqual(line, f.line, `the report links ${label} for the finding's line`);
    await anchor.click({ timeout: 10_000 });
    const selection = wb().page.locator('[id="status.editor.selection"]');
    const at = await wb().poll(async () => {
      const tab = await wb().activeTab();
      const where = await selection.innerText({ timeout: 1_000 }).catch(() => "");
      return tab === "nginx.conf" && where.startsWith(`Ln ${line},`) ? where : null;
    }, 15_000);
    await shot("b-report-link");
    assert.ok(at, `the link opens nginx.conf at line ${line}; active tab: ${await wb().activeTab()}`);
    // Back to one editor group with nginx.conf.
    await wb().command("View: Close All Editor Groups");
    await wb().openFromExplorer("nginx.conf");
  });

  it("goes to the definition of an include (sites-enabled/*.conf → app.conf)", async function () {
    const lines = fs.readFileSync(ws("nginx.conf"), "utf8").split("\n");
    const line = lines.findIndex((l) => l.includes("include sites-enabled/")) + 1;
    const column = lines[line - 1].indexOf("sites-enabled") + 3;
    await wb().gotoLine(line, column);
    await wb().page.keyboard.press("F12");
    const ok = await wb().poll(async () => (await wb().activeTab()) === "app.conf", 15_000);
    assert.ok(ok, `F12 on the include opens app.conf; active tab: ${await wb().activeTab()}`);
  });

  it("shows app.conf's server (by its server_name) and locations in the Outline view", async function () {
    // app.conf is open (previous step); with outline.collapseItems off, the tree is expanded.
    const labels = await outlineRows(/^location \/l0\b/);
    assert.ok(labels, "the Outline lists the locations");
    assert.ok(
      labels.includes("localhost — listen 127.0.0.1:8080"),
      `the server named by its server_name, its listen as detail: ${JSON.stringify(labels)}`,
    );
    for (const name of ["location = /lua", "content_by_lua_block", "location /l0", "location /l1"]) {
      assert.ok(
        labels.some((l) => l === name || l.startsWith(`${name} `)),
        `${name}: ${JSON.stringify(labels)}`,
      );
    }
  });

  it("finds a location by Go to Symbol in Workspace (l3999 → app.conf at its line)", async function () {
    const { page } = wb();
    const lines = fs.readFileSync(ws("sites-enabled", "app.conf"), "utf8").split("\n");
    const line = lines.findIndex((l) => /^\s*location \/l3999 /.test(l)) + 1;
    assert.ok(line > 0, "app.conf has location /l3999");
    // Away from that line first, so arriving there is the symbol's doing.
    await wb().gotoLine(1, 1);
    await wb().command("Go to Symbol in Workspace...", 10_000, true);
    const input = page.locator(".quick-input-widget input");
    await page.locator(".quick-input-widget input[placeholder*='symbol']").waitFor({ timeout: 5000 });
    await page.keyboard.type("l3999", { delay: 20 });
    const row = page.locator(".quick-input-list .monaco-list-row", {
      has: page.locator(".label-name", { hasText: /^location \/l3999$/ }),
    });
    await row.first().waitFor({ state: "visible", timeout: 20_000 });
    const labels = (await page.locator(".quick-input-list .monaco-list-row .label-name").allInnerTexts()).map((t) =>
      t.trim(),
    );
    await shot("a-workspace-symbols");
    assert.ok(labels.includes("location /l3999"), JSON.stringify(labels));
    await row.first().click();
    await input.waitFor({ state: "hidden", timeout: 5000 });
    const at = await wb().cursorWhere((c) => c.line === line, 15_000);
    assert.strictEqual(await wb().activeTab(), "app.conf");
    assert.strictEqual(at?.line, line, `the symbol opens app.conf at line ${line}: ${JSON.stringify(at)}`);
  });

  it("completes directive names inside a location", async function () {
    // In a file of its own (snippets/complete.nginx), so the incident's files stay as the fix expects them.
    const { page } = wb();
    await wb().quickOpen("complete.nginx");
    const lines = fs.readFileSync(ws("snippets", "complete.nginx"), "utf8").split("\n");
    const line = lines.findIndex((l) => l.includes("location / {")) + 2;
    await wb().gotoLine(line, lines[line - 1].length + 1);
    await page.keyboard.type("proxy_pass_he", { delay: 30 });
    await page.keyboard.press("Control+Space");
    const rows = page.locator(`${EDITOR} .suggest-widget .monaco-list-row`);
    await rows.first().waitFor({ state: "visible", timeout: 15_000 });
    const labels = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    await shot("a-completion");
    assert.ok(
      labels.some((l) => l.startsWith("proxy_pass_header")),
      `proxy_pass_header offered inside a location: ${JSON.stringify(labels)}`,
    );
    await page.keyboard.press("Escape");
    await wb().command("View: Revert and Close Editor");
  });

  it("highlights the Lua inside content_by_lua_block", async function () {
    const { page } = wb();
    const lines = fs.readFileSync(ws("sites-enabled", "app.conf"), "utf8").split("\n");
    const line = lines.findIndex((l) => l.includes("ngx.say(")) + 1;
    await wb().gotoLine(line, 1);
    // The colours of the tokens on the Lua line and on an nginx line: the Lua string has the theme's
    // string colour, and `ngx.say` is split into Lua tokens (the nginx grammar alone would not).
    const colours = await page.evaluate((sel) => {
      const out: Record<string, string[]> = {};
      for (const l of document.querySelectorAll(`${sel} .view-lines .view-line`)) {
        const text = (l.textContent ?? "").replace(/\u00a0/g, " ");
        const key = text.includes("ngx.say(") ? "lua" : text.includes("server_name") ? "nginx" : null;
        if (!key) continue;
        out[key] = [...l.querySelectorAll("span > span")].map(
          (s) => `${(s.textContent ?? "").replace(/\u00a0/g, " ")}=${getComputedStyle(s).color}`,
        );
      }
      return out;
    }, EDITOR);
    assert.ok(colours.lua, `the Lua line is on screen: ${JSON.stringify(colours)}`);
    const lua = colours.lua.map((t) => {
      const i = t.lastIndexOf("=");
      return { text: t.slice(0, i), colour: t.slice(i + 1) };
    });
    const tokens = lua.map((t) => t.text.trim()).filter(Boolean);
    // Lua's tokens, not nginx words: `ngx.say('hello from ', jit.version)` would be two nginx words split
    // at the space; Lua splits it at `.`, `(` and `,` and keeps the string whole.
    for (const tok of ["ngx", "say", "(", "'hello from '", "jit", "version", ")"]) {
      assert.ok(tokens.includes(tok), `Lua token ${tok}: ${JSON.stringify(lua)}`);
    }
    const colour = (text: string): string => lua.find((t) => t.text.trim() === text)!.colour;
    assert.notStrictEqual(colour("'hello from '"), colour("ngx"), "a Lua string is coloured unlike a name");
    assert.notStrictEqual(colour("say"), colour("ngx"), "a called function is coloured unlike its table");
    // And the nginx line around it is coloured by the nginx grammar: its directive name unlike the Lua names.
    const nginx = (colours.nginx ?? []).map((t) => t.slice(t.lastIndexOf("=") + 1));
    assert.ok(nginx.length >= 2, `the nginx line is on screen: ${JSON.stringify(colours)}`);
    assert.ok(new Set([...nginx, ...lua.map((t) => t.colour)]).size >= 4, JSON.stringify(colours));
  });

  it("formats a document as `nginx-risk format` does", async function () {
    const { page } = wb();
    await wb().quickOpen("messy.nginx");
    await page.locator("#status\\.editor\\.mode", { hasText: /^\s*Nginx\s*$/i }).waitFor({ timeout: 10_000 });
    await wb().focusEditor();
    await wb().command("Format Document");
    await sleep(500);
    await wb().command("File: Save");
    const expectedDir = path.join(state.tmp!, "format");
    fs.mkdirSync(expectedDir, { recursive: true });
    fs.writeFileSync(path.join(expectedDir, "messy.nginx"), MESSY);
    // The editor formats with the indentation it detected in the file ("Spaces: 3"): the CLI is given the same.
    const indent = /Spaces: (\d+)/.exec(await page.locator("#status\\.editor\\.indentation").innerText())?.[1];
    assert.ok(indent, "the status bar shows the indentation");
    const r = cp.spawnSync(process.execPath, [CLI, "format", "messy.nginx", "--write", "--indent", indent], {
      cwd: expectedDir,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.strictEqual(r.status, 0, `nginx-risk format failed:\n${r.stdout}${r.stderr}`);
    const expected = fs.readFileSync(path.join(expectedDir, "messy.nginx"), "utf8");
    assert.notStrictEqual(expected, MESSY, "the CLI changes the layout");
    const saved = await wb().poll(async () => {
      const t = fs.readFileSync(ws("snippets", "messy.nginx"), "utf8");
      return t !== MESSY ? t : null;
    }, 10_000);
    await shot("a-formatted");
    assert.strictEqual(saved, expected);
    // Well-formed: the formatted file has no syntax error (the CLI reads it back).
    assert.deepStrictEqual(
      cliCheck(ws("snippets", "messy.nginx")).filter((x) => x.severity === "error"),
      [],
    );
    await wb().command("View: Close All Editors");
  });

  it("warns where VS Code turned a lone CR into a line break: the text nginx reads as comment would be saved live", async function () {
    await wb().quickOpen("hidden.nginx");
    await wb()
      .page.locator("#status\\.editor\\.mode", { hasText: /^\s*Nginx\s*$/i })
      .waitFor({ timeout: 10_000 });
    const rows = await wb().poll(
      async () => nonEmpty((await wb().problems()).filter((r) => r.includes("turned a lone carriage return"))),
      30_000,
    );
    await shot("a-line-breaks");
    assert.ok(rows, `a Problems row: ${JSON.stringify(await wb().problems())}`);
    // On the hidden text's line as the editor shows it (line 6, after the CR), where `return 503` starts.
    assert.ok(rows[0].includes("[Ln 6, Col 9]"), rows[0]);
    // The server warns only when the buffer is the disk text with its line breaks rewritten: VS Code did it.
    assert.strictEqual(fs.readFileSync(ws("snippets", "hidden.nginx"), "utf8"), HIDDEN_BY_CR, "nothing was saved");
    await wb().page.keyboard.press("Control+Shift+M");
    await wb().command("View: Close All Editors");
  });

  it("goes to the definitions of an upstream and a named location, and lists the upstream's references", async function () {
    const { page } = wb();
    await wb().quickOpen("upstream.nginx");
    const lines = NAVIGATE.split("\n");
    const lineOf = (re: RegExp): number => lines.findIndex((l) => re.test(l)) + 1;
    const upstream = lineOf(/^\s*upstream backend\b/);
    const named = lineOf(/^\s*location @fallback\b/);
    const pass = lineOf(/proxy_pass http:\/\/backend;/);
    const tryFiles = lineOf(/try_files .*@fallback;/);
    const uses = lines.filter((l) => /proxy_pass http:\/\/backend;/.test(l)).length;
    // F12 on a word (Go to Definition) lands on the declaration's name.
    const f12 = async (line: number, word: string, to: number, name: string): Promise<void> => {
      await wb().gotoLine(line, lines[line - 1].indexOf(word) + 2);
      await page.keyboard.press("F12");
      const column = lines[to - 1].indexOf(name) + 1;
      const at = await wb().cursorWhere((c) => c.line === to, 15_000);
      assert.deepStrictEqual(at, { line: to, column }, `F12 on ${word} (line ${line}) goes to line ${to}`);
      assert.strictEqual(await wb().activeTab(), "upstream.nginx");
    };
    await f12(pass, "backend", upstream, "backend");
    await shot("a-definition-upstream");
    await f12(tryFiles, "@fallback", named, "@fallback");
    await shot("b-definition-named-location");
    // Peek References on the upstream's name: its uses, each a proxy_pass, and the declaration itself.
    await wb().gotoLine(upstream, lines[upstream - 1].indexOf("backend") + 2);
    await page.keyboard.press("Shift+F12");
    const tree = page.locator(`${EDITOR} .peekview-widget .ref-tree .monaco-list-row`);
    const refs = await wb().poll(async () => {
      const rows = (await tree.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
      return rows.filter((r) => /backend/.test(r)).length >= uses ? rows : null;
    }, 15_000);
    await shot("c-references-upstream");
    assert.ok(refs, `the references are listed: ${JSON.stringify(await tree.allInnerTexts())}`);
    const passes = refs.filter((r) => r.includes("proxy_pass http://backend;"));
    assert.strictEqual(passes.length, uses, `one reference per proxy_pass http://backend: ${JSON.stringify(refs)}`);
    // Anything else listed is the file's row or the declaration.
    const others = refs.filter((r) => !passes.includes(r));
    assert.ok(
      others.every((r) => r.includes("upstream.nginx") || r.includes("upstream backend")),
      JSON.stringify(refs),
    );
    await page.keyboard.press("Escape");
    await wb().command("View: Close All Editors");
  });

  it('"Keep it at http level" writes nginxRisk.versions.luaNginxModule to the workspace settings', async function () {
    this.timeout(120_000);
    const { page } = wb();
    const f = state.finding!;
    const settings = ws(".vscode", "settings.json");
    const before = fs.existsSync(settings) ? fs.readFileSync(settings, "utf8") : null;
    const hadDir = fs.existsSync(ws(".vscode"));
    await wb().openFromExplorer("nginx.conf");
    const directiveLine = `${DIRECTIVE} /etc/ssl/certs/ca-certificates.crt;`;
    const warned = async (): Promise<boolean> =>
      (await wb().squiggleLines("warning")).some((l) => l.trim() === directiveLine);
    assert.ok(await wb().poll(warned, 30_000), "the warning is there before");
    await wb().gotoLine(f.line, f.column + 6);
    const bulb = page.locator(`${EDITOR} .lightBulbWidget`);
    await bulb.waitFor({ state: "visible", timeout: 20_000 });
    await bulb.click();
    const rows = await wb().actionRows();
    const keep = rows.filter({ hasText: /^\s*Keep it at http level/ }).first();
    await keep.waitFor({ state: "visible", timeout: 10_000 });
    await shot("a-keep-it-menu");
    await keep.click();
    // The extension persists the version to the workspace's settings (the server only keeps it for its session).
    const written = await wb().poll(async () => {
      if (!fs.existsSync(settings)) return null;
      try {
        const value = (JSON.parse(fs.readFileSync(settings, "utf8")) as Record<string, unknown>)[VERSION_KEY];
        return value === FIXED_LUA ? value : null;
      } catch {
        return null; // being written
      }
    }, 20_000);
    assert.strictEqual(
      written,
      FIXED_LUA,
      `${settings}: ${fs.existsSync(settings) ? fs.readFileSync(settings, "utf8") : "absent"}`,
    );
    // With that version one SSL context is shared: the finding is a hint, the warning squiggle goes.
    const gone = await wb().poll(async () => !(await warned()), 30_000, 500);
    assert.ok(gone, "the warning squiggle is gone");
    const hint = await wb().poll(
      async () => (await wb().squiggleLines("hint")).some((l) => l.trim() === directiveLine),
      20_000,
      500,
    );
    await shot("b-hint");
    assert.ok(hint, `the finding is a hint now: ${JSON.stringify(await wb().squiggleLines("hint"))}`);
    // The CLI given the same version: a hint, its figures those of the hover. (Asking for the hover also
    // makes the server run the analysis the settings change scheduled, which reads the persisted value and
    // drops the session's own: removing the key before that leaves the warning away for the session.)
    const cli = cliCheck(ws("nginx.conf"), ["--lua-nginx-module-version", FIXED_LUA]).find(
      (x) => x.ruleId === "lua-ssl-per-location",
    );
    assert.ok(cli, "the CLI still reports the directive's cost");
    assert.strictEqual(cli.severity, "hint");
    const contexts = cli.data!.contexts as number;
    const master = /Master (~[\d.]+ [KMGT]iB)/.exec(cli.message)![1];
    const text = await wb().hover(DIRECTIVE, /Master, whole configuration/);
    await shot("c-hover-after");
    assert.match(text, new RegExp(`(?<![\\d,])${formatCount(contexts)} SSL contexts?\\b`), `${contexts} context(s)`);
    assert.ok(text.includes(`Master, whole configuration ${master}`), `the master ${master}: ${text}`);
    await wb().dismiss();

    // Restored as before, so the next step still sees the warning (and fixes it by moving the directive).
    if (before === null) {
      fs.rmSync(settings);
      if (!hadDir) fs.rmSync(ws(".vscode"), { recursive: true });
    } else {
      fs.writeFileSync(settings, before);
    }
    const back = await wb().poll(warned, 60_000, 500);
    await shot("d-warning-back");
    assert.ok(back, "the warning squiggle is back once the setting is removed");
  });

  it("applies the quick-fix from the light bulb: the files change as `nginx-risk fix` says, the warning goes", async function () {
    this.timeout(120_000);
    const { page } = wb();
    const f = state.finding!;
    await wb().openFromExplorer("nginx.conf");
    await wb().gotoLine(f.line, f.column + 6);
    const bulb = page.locator(`${EDITOR} .lightBulbWidget`);
    await bulb.waitFor({ state: "visible", timeout: 20_000 });
    await shot("a-light-bulb");
    await bulb.click();
    const rows = await wb().actionRows();
    const titles = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    const move = titles.find((t) => t.startsWith(`Move ${DIRECTIVE}`));
    assert.ok(move, `the light bulb offers the move: ${JSON.stringify(titles)}`);
    await shot("b-quick-fix-menu");
    await rows
      .filter({ hasText: `Move ${DIRECTIVE}` })
      .first()
      .click();
    // The edit touches nginx.conf (open) and app.conf (not open): Save All writes both.
    await wb().poll(async () => !(await wb().visibleLines()).some((l) => l.includes(DIRECTIVE)), 15_000);
    await wb().command("File: Save All Files");
    const expected = (p: string): string => fs.readFileSync(path.join(state.expected!, p), "utf8");
    const same = await wb().poll(
      async () => ["nginx.conf", "sites-enabled/app.conf"].every((p) => fs.readFileSync(ws(p), "utf8") === expected(p)),
      15_000,
    );
    for (const p of ["nginx.conf", "sites-enabled/app.conf"]) {
      assert.strictEqual(fs.readFileSync(ws(p), "utf8"), expected(p), `${p} as nginx-risk fix --diff changes it`);
    }
    assert.ok(same);
    const gone = await wb().poll(async () => (await wb().squiggleLines("warning")).length === 0, 30_000, 500);
    assert.ok(gone, "the warning squiggle is gone");
    const left = await wb().poll(async () => {
      const rows = await wb().problems();
      return rows.some((r) => r.includes("4,002 SSL contexts")) ? null : rows;
    }, 30_000);
    assert.ok(left, "the Problems panel no longer lists the 4,002 SSL contexts");
    // The status bar follows: the fixed configuration's estimate, as the CLI gives it for the fixed copy.
    const { master, peak } = cliMemory(path.join(state.expected!, "nginx.conf"));
    const text = await statusText(20_000, (t) => t.includes(master));
    assert.ok(text.includes(master) && text.includes(peak), `status bar "${text}" should give ${master} and ${peak}`);
  });
});

/** 4002 → "4,002", as people read counts (and the editor shows them). */
function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

function nonEmpty<T>(a: T[]): T[] | null {
  return a.length > 0 ? a : null;
}

/** The estimate the CLI's text output gives for a main configuration (its "memory of FILE:" line). */
function cliMemory(file: string): { master: string; peak: string } {
  const r = cp.spawnSync(process.execPath, [CLI, "check", path.basename(file), "--fail-on", "never"], {
    cwd: path.dirname(file),
    encoding: "utf8",
    timeout: 60_000,
  });
  const m = /^memory of \S+: master (~[\d.]+ [KMGT]iB), reload peak (~[\d.]+ [KMGT]iB)/m.exec(r.stdout);
  assert.ok(m, `nginx-risk check ${file} gives the memory estimate:\n${r.stdout}${r.stderr}`);
  return { master: m[1], peak: m[2] };
}
