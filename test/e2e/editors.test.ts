// Neovim 0.7 and Emacs 28 + eglot 1.9 (Debian's) as real LSP clients of the bundled server over stdio.
// Each editor runs a script (nvim-lsp.lua, eglot-lsp.el) that opens a configuration, waits for the
// diagnostics, asks for the hover and the code actions at each, applies one action as the editor applies
// a picked one, and writes what it saw as JSON. Every expectation comes from the CLI (`check --format json`,
// `fix --diff` applied with patch(1)) on the same files: an independent front end of the same analysis.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO } from "../support/shared";
import {
  CliFinding,
  OUTPUT,
  SERVER,
  applyCliFix,
  cliCheck,
  freshOutput,
  generateIncident,
  requireBuilt,
  runInGroup,
  tempDir,
  unavailable,
  which,
} from "./support";

/** What the scripts report (the union of both; each fills its own fields). */
interface EditorReport {
  error?: string;
  editor: string;
  filetype?: string;
  major_mode?: string;
  diagnostics?: {
    line: number;
    column: number;
    /** Emacs: where the server put it (flymake's `line` may differ for an empty range). */
    lspLine?: number;
    lspColumn?: number;
    endLine: number;
    code: string;
    source: string;
    severity?: number;
    type?: string;
    message?: string;
    text?: string;
  }[];
  hovers?: { line: number; text: string | null }[];
  actions?: { line: number; titles: string[] }[];
  applied?: { title: string; buffers: Record<string, string>; confirmations?: string[] };
}

interface Case {
  name: string;
  /** Makes the workspace in `dir`; returns the file to open. */
  make(dir: string): string;
  /** Part of the title of the action to apply (the CLI's fix of the same finding), if any. */
  apply?: string;
  /** Extra `nginx-risk fix` options that make the CLI apply the same fix (a cautious one). */
  fixArgs?: string[];
}

function copyExample(name: string): (dir: string) => string {
  return (dir) => {
    fs.cpSync(path.join(REPO, "examples", name), path.join(dir, name), { recursive: true, verbatimSymlinks: true });
    return path.join(dir, name, "nginx.conf");
  };
}

const SYNTAX_ERRORS = [
  "events {",
  "    worker_connections 64;",
  "}",
  "",
  "http {",
  "    server {",
  "        listen 127.0.0.1:8080;",
  "        server_name example.test;",
  "",
  "        location / {",
  "            proxy_pass http://127.0.0.1:8081;",
  "            proxy_buffer_size 4k 8k;",
  "            no_such_directive on;",
  "        }",
  "    }",
  "",
].join("\n");

const CASES: Case[] = [
  { name: "examples/openresty/nginx.conf", make: copyExample("openresty"), apply: "Move lua_ssl_trusted_certificate" },
  {
    name: "examples/reuseport/nginx.conf",
    make: copyExample("reuseport"),
    apply: "Remove reuseport",
    fixArgs: ["--include-cautious"],
  },
  {
    name: "the incident example with 50 locations",
    make: (dir) => path.join(generateIncident(dir, 50), "nginx.conf"),
    apply: "Move lua_ssl_trusted_certificate",
  },
  {
    name: "a broken configuration (a block never closed, a wrong argument count)",
    make: (dir) => {
      fs.mkdirSync(path.join(dir, "broken"));
      fs.writeFileSync(path.join(dir, "broken", "nginx.conf"), SYNTAX_ERRORS);
      return path.join(dir, "broken", "nginx.conf");
    },
  },
];

const SEVERITY = { error: 1, warning: 2, info: 3, hint: 4 } as const;
const EGLOT_TYPE = { error: "eglot-error", warning: "eglot-warning", info: "eglot-note", hint: "eglot-note" } as const;

/** The editor scripts are not compiled: they stay in test/e2e. */
const SCRIPTS = path.join(REPO, "test", "e2e");

interface Editor {
  name: string;
  available(): string | null;
  install: string;
  run(target: string, out: string, apply: string | undefined): Promise<{ status: number | null; log: string }>;
}

const EDITORS: Editor[] = [
  {
    name: "Neovim",
    install: "apt-get install neovim (0.7)",
    available: () => which("nvim"),
    async run(target, out, apply) {
      const r = await runInGroup(
        "nvim",
        ["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", `luafile ${path.join(SCRIPTS, "nvim-lsp.lua")}`],
        { timeoutMs: 60_000, cwd: path.dirname(target), env: scriptEnv(target, out, apply) },
      );
      return { status: r.timedOut ? null : r.status, log: r.stdout + r.stderr };
    },
  },
  {
    name: "Emacs + eglot",
    install: "apt-get install emacs-nox elpa-eglot (Emacs 28, eglot 1.9)",
    available: () =>
      which("emacs") && fs.existsSync("/usr/share/emacs/site-lisp/elpa/eglot-1.9") ? which("emacs") : null,
    async run(target, out, apply) {
      const r = await runInGroup("emacs", ["-Q", "--batch", "-l", path.join(SCRIPTS, "eglot-lsp.el")], {
        timeoutMs: 60_000,
        cwd: path.dirname(target),
        env: scriptEnv(target, out, apply),
      });
      return { status: r.timedOut ? null : r.status, log: r.stdout + r.stderr };
    },
  },
];

function scriptEnv(target: string, out: string, apply: string | undefined): NodeJS.ProcessEnv {
  // HOME and XDG in the workspace: neither editor may read or write the user's configuration.
  const home = path.join(path.dirname(out), "home");
  fs.mkdirSync(home, { recursive: true });
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    XDG_STATE_HOME: path.join(home, ".local", "state"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    TMPDIR: home,
    NR_NODE: process.execPath,
    NR_SERVER: SERVER,
    NR_TARGET: target,
    NR_OUT: out,
    ...(apply ? { NR_APPLY: apply } : {}),
  };
}

/** "~13.4 MiB" after "Master" in a cost finding's message. */
function masterFigure(message: string): string | null {
  return /Master (~[\d.,]+ [KMGT]?i?B)/.exec(message)?.[1] ?? null;
}

function readAll(dir: string, rel: string[]): Record<string, string> {
  return Object.fromEntries(rel.map((r) => [r, fs.readFileSync(path.join(dir, r), "utf8")]));
}

/** The files a unified diff changes, relative to its root. */
function diffFiles(diff: string): string[] {
  return [...diff.matchAll(/^\+\+\+ b\/(.+)$/gm)].map((m) => m[1]);
}

describe("e2e: Neovim and Emacs/eglot against the stdio server", function () {
  before(function () {
    requireBuilt();
    freshOutput("editors");
  });

  for (const editor of EDITORS) {
    describe(editor.name, function () {
      this.timeout(90_000);
      for (const c of CASES) {
        it(`${c.name}: diagnostics, hover and code actions as the CLI reports them`, async function () {
          if (!editor.available()) unavailable(this, editor.name, editor.install);
          const dir = tempDir("editor");
          try {
            const target = c.make(dir);
            const root = path.dirname(target);
            const out = path.join(dir, "report.json");
            // What the CLI says of the same files, before the editor touches anything.
            const findings = cliCheck(target).filter((f) => path.resolve(root, f.file) === target);
            assert.ok(findings.length > 0, "every case has findings in the file it opens");

            const ran = await editor.run(target, out, c.apply);
            assert.ok(fs.existsSync(out), `${editor.name} wrote no report (exit ${ran.status}):\n${ran.log}`);
            const rep = JSON.parse(fs.readFileSync(out, "utf8")) as EditorReport;
            fs.writeFileSync(
              path.join(
                OUTPUT,
                "editors",
                `${editor.name.split(" ")[0].toLowerCase()}-${path.basename(path.dirname(target))}.json`,
              ),
              JSON.stringify(rep, null, 2),
            );
            assert.strictEqual(rep.error, undefined, `${editor.name}: ${rep.error}\n${ran.log}`);
            assert.strictEqual(ran.status, 0, `${editor.name} exited ${ran.status}:\n${ran.log}`);
            assert.strictEqual(rep.filetype ?? rep.major_mode, rep.filetype ? "nginx" : "nginx-mode");

            checkDiagnostics(editor, rep, findings, target);
            checkHovers(rep, findings);
            await checkActions(rep, c, target, dir);
          } finally {
            fs.rmSync(dir, { recursive: true, force: true });
          }
        });
      }
    });
  }
});

/**
 * The editor's message is the CLI's, but for what a path outside is outside of and how to allow it, which each
 * front end says its own way (rule `access`: "the workspace folders … nginxRisk.allowRead" in the editor,
 * "the files and folders given on the command line … --allow-read PATH" in the CLI).
 */
function sameMessage(editor: string, cli: string): boolean {
  if (editor === cli) return true;
  const outside =
    /outside (the workspace folders|the files and folders given on the command line); to read it, .*?\)\.(?= |$)/;
  const e = outside.exec(editor);
  const c = outside.exec(cli);
  return (
    e !== null &&
    c !== null &&
    e[1] === "the workspace folders" &&
    /nginxRisk\.allowRead/.test(e[0]) &&
    /--allow-read PATH/.test(c[0]) &&
    editor.replace(outside, "") === cli.replace(outside, "")
  );
}

function checkDiagnostics(editor: Editor, rep: EditorReport, findings: CliFinding[], target: string): void {
  const diags = rep.diagnostics ?? [];
  // Position and rule of every diagnostic: exactly the CLI's findings of the file, none more or less.
  const key = (line: number, column: number, rule: string): string => `${line}:${column} ${rule}`;
  const expected = findings.map((f) => key(f.line, f.column, f.ruleId)).sort();
  const got = diags.map((d) => key(d.lspLine ?? d.line, d.lspColumn ?? d.column, d.code)).sort();
  assert.deepStrictEqual(got, expected, `${editor.name}: diagnostics of ${target}`);

  const lines = fs.readFileSync(target, "utf8").split("\n");
  const lastTextLine = lines.length - (lines[lines.length - 1] === "" ? 1 : 0);
  for (const f of findings) {
    // Two findings may share a place (reuseport): told apart by the message.
    const d = diags.find(
      (x) =>
        (x.lspLine ?? x.line) === f.line &&
        (x.lspColumn ?? x.column) === f.column &&
        sameMessage(x.message ?? x.text?.replace(/^nginx-risk \[[^\]]*\]: /, "") ?? "", f.message),
    );
    assert.ok(d, `${editor.name}: no diagnostic at ${f.line}:${f.column} says "${f.message}"`);
    assert.strictEqual(d.source, "nginx-risk");
    if (d.severity !== undefined) {
      assert.strictEqual(d.severity, SEVERITY[f.severity], `severity of ${f.ruleId} at ${f.line}`);
      assert.ok(sameMessage(d.message ?? "", f.message), `${d.message}\nCLI: ${f.message}`);
      assert.strictEqual(d.line, f.line);
    } else {
      assert.strictEqual(d.type, EGLOT_TYPE[f.severity], `flymake type of ${f.ruleId} at ${f.line}`);
      assert.ok(sameMessage(d.text ?? "", `nginx-risk [${f.ruleId}]: ${f.message}`), `${d.text}\nCLI: ${f.message}`);
      // flymake shows an empty range past the last line of text (end of file) on that last line.
      const emptyAtEnd = f.line === f.endLine && f.column === f.endColumn && f.line > lastTextLine;
      assert.strictEqual(d.line, emptyAtEnd ? lastTextLine : f.line, `flymake line of ${f.ruleId}`);
    }
  }
}

function checkHovers(rep: EditorReport, findings: CliFinding[]): void {
  const hovers = rep.hovers ?? [];
  assert.strictEqual(hovers.length, (rep.diagnostics ?? []).length, "one hover asked per diagnostic");
  for (const f of findings) {
    const at = hovers.filter((h) => h.line === f.line).map((h) => h.text ?? "");
    const contexts = f.data?.contexts;
    if (typeof contexts === "number") {
      // An SSL-cost finding: the hover on the directive gives the same count and estimate.
      const count = `**${contexts.toLocaleString("en-US")} SSL context${contexts === 1 ? "" : "s"}**`;
      assert.ok(
        at.some((t) => t.includes(count)),
        `hover at line ${f.line} should say ${count}:\n${at.join("\n---\n")}`,
      );
      const master = masterFigure(f.message);
      assert.ok(master, `the CLI message gives the master estimate: ${f.message}`);
      assert.ok(
        at.some((t) => t.includes(`| Master, whole configuration | ${master}`)),
        `hover at line ${f.line} should give the master estimate ${master}`,
      );
    } else if (f.ruleId === "reuseport-config-test" && f.severity === "warning") {
      // The reuseport hover on `listen … reuseport` explains the warning, with the CLI's words.
      assert.ok(
        at.some((t) => t.startsWith("**listen … reuseport**") && t.includes(f.message)),
        `hover at line ${f.line} should explain ${f.code}:\n${at.join("\n---\n")}`,
      );
    }
  }
}

async function checkActions(rep: EditorReport, c: Case, target: string, dir: string): Promise<void> {
  const all = (rep.actions ?? []).flatMap((a) => a.titles);
  // Every finding also offers "Ignore RULE here" (a suppression comment, test/lsp/silence.test.ts): not a fix.
  assert.ok(
    all.filter((t) => t.startsWith("Ignore ")).every((t) => / here \(a comment above the statement/.test(t)),
    JSON.stringify(all),
  );
  const titles = all.filter((t) => !t.startsWith("Ignore "));
  if (!c.apply) {
    // Syntax and argument errors have no quick-fix, in the CLI (nothing to apply) or in the editor.
    assert.deepStrictEqual(titles, []);
    return;
  }
  // The CLI's fix of the same workspace, applied with patch(1) to a copy: what the buffers must hold.
  const root = path.dirname(target);
  const expectedDir = path.join(dir, "expected");
  // Symlinks resolved: patch(1) edits regular files only (the editors edit the file a link names).
  fs.cpSync(root, expectedDir, { recursive: true, dereference: true });
  const { diff, log } = applyCliFix(target, expectedDir, c.fixArgs);
  const fixTitle = /^fix: (.+)$/m.exec(log)?.[1];
  const changed = diffFiles(diff);
  assert.ok(changed.length > 0, `the CLI fixes something:\n${diff}`);

  const applied = rep.applied;
  assert.ok(applied, `an action with "${c.apply}" was offered and applied; offered: ${JSON.stringify(titles)}`);
  if (fixTitle) assert.strictEqual(applied.title, fixTitle);
  // Buffers by the workspace-relative path of the file itself: the editor names a file by the symlink it
  // was reached through (sites-enabled/), the diff by the file the link points to (sites-available/).
  const realRoot = fs.realpathSync(root);
  const buffers: Record<string, string> = {};
  for (const [file, text] of Object.entries(applied.buffers)) {
    buffers[path.relative(realRoot, fs.realpathSync(file))] = text;
  }
  assert.deepStrictEqual(Object.keys(buffers).sort(), [...changed].sort(), "the files the action edited");
  assert.deepStrictEqual(buffers, readAll(expectedDir, changed));
}
