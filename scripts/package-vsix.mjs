// Packages the VS Code extension (after `npm run build`; `npm run package` does both). package.json's
// `files` lists the npm package (the CLI and the language server), and vsce refuses a .vscodeignore beside
// a `files`, so the extension is packaged from a staging folder holding only its own files, with a manifest
// whose `files` is the list below and without what only npm uses (bin, scripts, devDependencies).
//
// usage: node scripts/package-vsix.mjs [OUT]   (default nginx-risk.vsix; prints vsce's summary)
//        node scripts/package-vsix.mjs --list  (the files the .vsix takes, one per line, and nothing else)

import { spawnSync } from "child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { fileURLToPath } from "url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * What the extension needs: the client and the server (bundled: no node_modules, no source maps, no CLI) with
 * the directive table it reads,
 * the grammar and language configuration, the icon, the licences, the changelog, and the documentation
 * the extension links to (hovers, diagnostics, the cost report) or its README names.
 */
const VSIX_FILES = [
  "README.md",
  "CHANGELOG.md",
  "LICENSE",
  "language-configuration.json",
  "syntaxes/nginx.tmLanguage.json",
  "dist/client.js",
  "dist/server.js",
  "dist/server-bundle.js",
  "dist/directives.json",
  "dist/icon.png",
  "dist/THIRD-PARTY-NOTICES.md",
  "dist/nginx-risk.schema.json",
  "docs/cli.md",
  "docs/ci.md",
  "docs/cost-model.md",
  "docs/configuration.md",
  "docs/editor.md",
  "docs/rules/*.md",
];

/** VSIX_FILES with `dir/*.ext` expanded (the only pattern used), sorted within each pattern. */
function expand() {
  const out = [];
  for (const f of VSIX_FILES) {
    const m = /^(.*)\/\*(\.[a-z]+)$/.exec(f);
    if (!m) {
      out.push(f);
      continue;
    }
    for (const name of readdirSync(path.join(REPO, m[1])).sort()) if (name.endsWith(m[2])) out.push(`${m[1]}/${name}`);
  }
  return out;
}

const args = process.argv.slice(2);
if (args[0] === "--list") {
  process.stdout.write(expand().join("\n") + "\n");
  process.exit(0);
}
const out = path.resolve(args[0] ?? "nginx-risk.vsix");

const files = expand();
const missing = files.filter((f) => !existsSync(path.join(REPO, f)));
if (missing.length > 0) {
  console.error(`package-vsix: missing ${missing.join(", ")} (run npm run build first)`);
  process.exit(2);
}

const manifest = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8"));
for (const npmOnly of ["files", "bin", "scripts", "devDependencies"]) delete manifest[npmOnly];
manifest.files = VSIX_FILES;

const stage = mkdtempSync(path.join(tmpdir(), "nginx-risk-vsix-"));
try {
  for (const f of files) cpSync(path.join(REPO, f), path.join(stage, f));
  writeFileSync(path.join(stage, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  const vsce = path.join(REPO, "node_modules", "@vscode", "vsce", "vsce");
  // The project has no repository URL to give (a placeholder would be a dead link): vsce asks, so say so.
  const r = spawnSync(
    process.execPath,
    [vsce, "package", "--no-dependencies", "--allow-missing-repository", "-o", out],
    { cwd: stage, stdio: "inherit" },
  );
  process.exitCode = r.status ?? 2;
} finally {
  rmSync(stage, { recursive: true, force: true });
}
