// The README's "Settings" and "Commands" tables list exactly what package.json contributes, with the same
// defaults and titles, so the documentation cannot drift from the extension; its "Command line" table lists
// every command of the CLI and the output formats, and its "Development" section keeps the developers' two
// commands. Also checks the manifest's
// parts the client relies on: command palette entries name contributed commands, and the workspace trust
// declaration restricts the settings that can widen what the server reads.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { COMMANDS, FORMATS } from "../../server/src/cli/main";
import { WIDENING_SETTINGS } from "../../server/src/lsp/settings";
import { REPO } from "../support/shared";

interface Manifest {
  contributes: {
    configuration: { properties: Record<string, { default?: unknown }> };
    commands: { command: string; title: string; category?: string }[];
    menus?: { commandPalette?: { command: string; when?: string }[] };
  };
  capabilities?: {
    untrustedWorkspaces?: { supported: boolean | "limited"; restrictedConfigurations?: string[] };
    virtualWorkspaces?: { supported: boolean | "limited" } | boolean;
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as Manifest;
const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");

/** The lines of the section under `### title` (or `## title`), up to the next heading. */
function section(title: string, level = 3): string[] {
  const lines = readme.split("\n");
  const start = lines.indexOf(`${"#".repeat(level)} ${title}`);
  assert.ok(start >= 0, `README has no "${"#".repeat(level)} ${title}" section`);
  const end = lines.findIndex((l, i) => i > start && /^#{1,3} /.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The body rows of the first table of a section, as cells (header and separator dropped). */
function tableRows(lines: string[]): string[][] {
  const rows = lines.filter((l) => l.startsWith("|"));
  assert.ok(rows.length > 2, "no table");
  return rows.slice(2).map((r) =>
    r
      .replace(/^\|\s*/, "")
      .replace(/\s*\|$/, "")
      .split(/(?<!\\)\|/)
      .map((c) => c.trim()),
  );
}

/** `` `x` `` → `x` (a cell that is one code span), else null. */
function codeSpan(cell: string): string | null {
  const m = /^`([^`]+)`$/.exec(cell);
  return m ? m[1] : null;
}

describe("README documents the contributed settings and commands", function () {
  it("lists every nginxRisk setting exactly once, with its default", function () {
    const rows = tableRows(section("Settings"));
    const documented = rows.map((r) => codeSpan(r[0]));
    const contributed = Object.keys(manifest.contributes.configuration.properties);
    assert.ok(contributed.length > 0);
    assert.deepStrictEqual([...documented].sort(), [...contributed].sort());
    for (const r of rows) {
      const key = codeSpan(r[0])!;
      const def = codeSpan(r[1]);
      assert.ok(def !== null, `${key}: the default column is not one code span: ${r[1]}`);
      assert.deepStrictEqual(JSON.parse(def), manifest.contributes.configuration.properties[key].default, key);
      assert.ok(r[2] && r[2].length > 10, `${key}: no meaning given`);
    }
  });

  it("lists every command exactly once, with the title the command palette shows", function () {
    const rows = tableRows(section("Commands"));
    const commands = manifest.contributes.commands;
    assert.deepStrictEqual(rows.map((r) => codeSpan(r[0])).sort(), commands.map((c) => c.command).sort());
    for (const r of rows) {
      const c = commands.find((x) => x.command === codeSpan(r[0]))!;
      assert.strictEqual(r[1], c.category ? `${c.category}: ${c.title}` : c.title);
    }
    const ids = commands.map((c) => c.command);
    assert.ok(ids.includes("nginxRisk.showCostReport") && ids.includes("nginxRisk.restartServer"), ids.join());
    assert.strictEqual(commands.find((c) => c.command === "nginxRisk.showCostReport")?.title, "Show cost report");
  });

  it("declares workspace trust, restricting only settings it contributes", function () {
    const trust = manifest.capabilities?.untrustedWorkspaces;
    assert.ok(trust, "capabilities.untrustedWorkspaces is missing");
    assert.strictEqual(trust.supported, "limited");
    const restricted = trust.restrictedConfigurations ?? [];
    // Every setting that widens what the server reads (server/src/lsp/settings.ts WIDENING_SETTINGS).
    for (const key of WIDENING_SETTINGS) assert.ok(restricted.includes(`nginxRisk.${key}`), restricted.join());
    for (const key of restricted) assert.ok(key in manifest.contributes.configuration.properties, key);
    assert.ok(manifest.capabilities?.virtualWorkspaces !== undefined, "capabilities.virtualWorkspaces is missing");
    for (const m of manifest.contributes.menus?.commandPalette ?? [])
      assert.ok(
        manifest.contributes.commands.some((c) => c.command === m.command),
        m.command,
      );
  });
});

describe("README documents the command line and keeps the developers' commands", function () {
  it("lists every command of the CLI once, and every output format of check", function () {
    const lines = section("Command line", 2);
    const listed = tableRows(lines).map((r) => /^`([a-z]+)[ `]/.exec(r[0])?.[1]);
    assert.deepStrictEqual([...listed].sort(), [...COMMANDS].sort());
    const text = lines.join("\n");
    for (const format of FORMATS) assert.match(text, new RegExp(`\\b${format}\\b`), `--format ${format}`);
    // docs/cli.md has a section per command.
    const cli = fs.readFileSync(path.join(REPO, "docs", "cli.md"), "utf8");
    for (const command of COMMANDS) assert.ok(cli.includes(`\n## \`${command}\`\n`), `docs/cli.md: ${command}`);
  });

  it("keeps `npm ci && npm run demo` and `npm test` in the Development section", function () {
    const text = section("Development", 2).join("\n");
    const block = /```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? "";
    const commands = block.split("\n").map((l) => l.replace(/#.*$/, "").trim());
    assert.ok(commands.includes("npm ci && npm run demo"), block);
    assert.ok(commands.includes("npm test"), block);
    // They are package.json's scripts.
    const scripts = (JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { scripts: object })
      .scripts;
    assert.ok("demo" in scripts && "test" in scripts);
  });
});

describe("README says what configuration cannot show", function () {
  /** The lines under `## title`, up to the next `##` heading. */
  function topSection(title: string): string {
    const lines = readme.split("\n");
    const start = lines.indexOf(`## ${title}`);
    assert.ok(start >= 0, `README has no "## ${title}" section`);
    const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
    return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
  }

  /** Every file under a folder, recursively (the server's sources). */
  function sources(dir: string): string[] {
    const out: string[] = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) out.push(...sources(p));
      else if (e.name.endsWith(".ts")) out.push(p);
    }
    return out;
  }

  it("kernel memory and process limits set outside the workspace, which nothing in the server reads", function () {
    const text = topSection("What configuration cannot show");
    // The incident the issue names, and the limits outside the configuration.
    for (const words of ["SUnreclaim", "24 GB", "kernel", "LimitNOFILE", "ulimit", "container", "MemoryMax"])
      assert.ok(text.includes(words), `the section does not mention ${words}`);
    assert.match(text, /does not judge/);
    // What the section says the product does not read, it does not read: none of these names is in the
    // server's sources (a reader of systemd's LimitNOFILE or of /proc/meminfo would make the README wrong).
    const named = ["SUnreclaim", "/proc/meminfo", "slabtop", "LimitNOFILE", "MemoryMax", "fs.file-max", "somaxconn"];
    for (const file of sources(path.join(REPO, "server", "src"))) {
      const code = fs.readFileSync(file, "utf8");
      for (const n of named) assert.ok(!code.includes(n), `${path.relative(REPO, file)} mentions ${n}`);
    }
  });
});
