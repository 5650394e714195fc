// Bundles the extension client, the language server and the CLI with esbuild: one file each in dist/,
// minified and without source maps, as the packages ship them, and the directive table beside them, which the
// server and the CLI read on first use (the .vsix takes client.js, server.js and directives.json,
// scripts/package-vsix.mjs; the npm package cli.js, server.js and directives.json, package.json `files`). Everything they import is
// bundled, so neither package has runtime dependencies; the licences of the bundled packages are collected
// into dist/THIRD-PARTY-NOTICES.md, which both packages ship.
//
// usage: node scripts/bundle.mjs [--sourcemap]
//   --sourcemap   also write linked source maps (dist/*.js.map) for debugging (node --enable-source-maps,
//                 the extension host's debugger). The packages never take them: both list their files.

import * as esbuild from "esbuild";
import { createHash } from "crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "fs";
import { createRequire } from "module";
import * as path from "path";

const args = process.argv.slice(2);
for (const a of args) {
  if (a !== "--sourcemap") {
    console.error(`usage: node scripts/bundle.mjs [--sourcemap]  (unknown: ${a})`);
    process.exit(2);
  }
}
const sourcemap = args.includes("--sourcemap");

const entries = [
  { in: "client/src/extension.ts", out: "dist/client.js", external: ["vscode"] },
  // Started by dist/server.js (lsp/boot.ts, built below): from V8's code cache when there is one.
  { in: "server/src/lsp/main.ts", out: "dist/server-bundle.js", lazy: true },
  { in: "server/src/cli/main.ts", out: "dist/cli.js", banner: "#!/usr/bin/env node", lazy: true },
  // dist/server.js, the server's entry: a few kB that start dist/server-bundle.js from V8's code cache
  // (lsp/boot.ts), after it is built. The cache is named after the bundle's hash: V8 checks only the length of
  // the source it was made from.
  {
    in: "server/src/lsp/boot.ts",
    out: "dist/server.js",
    banner: "#!/usr/bin/env node",
    // Node's own modules as they are: the boot loads nothing else.
    plugins: [],
    define: () => ({
      __BUNDLE_FILE__: JSON.stringify("server-bundle.js"),
      __BUILD_ID__: JSON.stringify(
        createHash("sha256").update(readFileSync("dist/server-bundle.js")).digest("hex").slice(0, 16),
      ),
    }),
  },
];

// The directive table (330 kB) ships beside the bundles as dist/directives.json (DIRECTIVE_TABLE), read when
// parse/directives.ts first asks for it: as a string literal inside the bundle it was scanned whenever the
// bundle was compiled, used or not (loading the server took 27 ms longer with it, medians of 21, same run,
// load average 7). It is written one directive per line, still JSON: the bundles' stand-in for the JSON file
// gives its text (`{ lines }`), and a name's registrations are parsed when it is first asked for
// (directives.ts `variantsFromLines`) instead of the whole table on every start (~12 ms of CPU profiles of a
// server start and of `parse`, which ask for a few hundred of the ~1,000 names).
const DIRECTIVE_TABLE = "dist/directives.json";
const tableBeside = {
  name: "directive-table-beside",
  setup(build) {
    build.onLoad({ filter: /[\\/]server[\\/]data[\\/]directives\.json$/ }, () => ({
      contents: `module.exports = { lines: require("fs").readFileSync(require("path").join(__dirname, ${JSON.stringify(path.basename(DIRECTIVE_TABLE))}), "latin1") };`,
      loader: "js",
    }));
  },
};
mkdirSync(path.dirname(DIRECTIVE_TABLE), { recursive: true });
writeFileSync(DIRECTIVE_TABLE, tableLines(JSON.parse(readFileSync("server/data/directives.json", "utf8"))));

/**
 * The table as JSON with its head on the first line and one directive per line after it (`"name":[…],`):
 * what directives.ts `variantsFromLines` indexes. Read as Latin-1, so it must be ASCII; names must be plain
 * words (a name is the text between its line's first two quotes).
 */
function tableLines(table) {
  const { directives, ...head } = table;
  const names = Object.keys(directives);
  const bad = names.find((n) => !/^[A-Za-z0-9_]+$/.test(n));
  if (bad !== undefined) throw new Error(`directive table: name ${JSON.stringify(bad)} is not a plain word`);
  const text =
    JSON.stringify(head).slice(0, -1) +
    ',"directives":{\n' +
    names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(directives[n])}`).join(",\n") +
    "\n}}";
  if (!/^[\x00-\x7f]*$/.test(text)) throw new Error("directive table: not ASCII (it is read as Latin-1)");
  return text;
}

// Node built-ins that the language server's libraries require at load but use late or never: vscode-languageserver's
// Files helpers (child_process: resolving global node modules), vscode-jsonrpc's pipe names and our pull
// diagnostics' result ids (crypto). Loading them took ~17 ms (child_process) and ~7 ms (crypto, 15 internal
// modules) of every server start (CPU profiles of issue 13's start-up); each is now required on its first use.
// The CLI too: only `fix` and `--write` use crypto, which every `nginx-risk parse` loaded (18 ms of a profile).
// worker_threads (six internal modules) is the watchdog's, which starts after the first publish (lsp/watchdog.ts),
// and os is vscode-jsonrpc's for pipe names (--node-ipc, --pipe): neither is needed before the first diagnostics.
// The stand-in has a getter per export of the real module (as this node lists them) and no `__esModule`, so
// esbuild's and TypeScript's import helpers copy the getters without reading them.
const LAZY_BUILTINS = ["child_process", "crypto", "worker_threads", "os"];
const require = createRequire(import.meta.url);
const lazyBuiltins = {
  name: "lazy-builtins",
  setup(build) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join("|")})$`);
    build.onResolve({ filter }, (args) =>
      args.namespace === "lazy-builtin"
        ? { path: args.path, external: true }
        : { path: args.path.replace(/^node:/, ""), namespace: "lazy-builtin" },
    );
    build.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
      contents: [
        "let real;",
        `const load = () => (real ??= require(${JSON.stringify(args.path)}));`,
        `for (const key of ${JSON.stringify(Object.keys(require(args.path)))})`,
        "  Object.defineProperty(module.exports, key, { get: () => load()[key], enumerable: true });",
      ].join("\n"),
      loader: "js",
    }));
  },
};

// esbuild gives every source file that imports a CommonJS module its own copy of the module's exports
// (`__toESM`: a getter per export, copied from the module object). vscode-languageserver/node has 321 exports and
// eight of our files import it: 21 ms of each server start (measured on this machine, cold). Our sources'
// imports of these modules go through one ES module per module that re-exports it, so the copy is made once.
const SHARED_INTEROP = ["vscode-languageserver/node", "fs", "path"];
const sharedInterop = {
  name: "shared-interop",
  setup(build) {
    const filter = new RegExp(`^(${SHARED_INTEROP.map((m) => m.replace(/[/]/g, "\\/")).join("|")})$`);
    build.onResolve({ filter }, (args) => {
      if (args.namespace === "shared-interop" || !/[\\/]server[\\/]src[\\/]/.test(args.importer)) return undefined;
      return { path: args.path, namespace: "shared-interop" };
    });
    build.onLoad({ filter: /.*/, namespace: "shared-interop" }, (args) => ({
      contents: `export * from ${JSON.stringify(args.path)};`,
      resolveDir: process.cwd(),
      loader: "js",
    }));
  },
};

/** The package folder of a bundled input path: the last node_modules/<name> or node_modules/@scope/<name>. */
function packageOf(input) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m ? m[1] : null;
}

const packages = new Set();
for (const e of entries) {
  if (!existsSync(e.in)) continue;
  // Maps of an earlier --sourcemap build would go stale beside the new bundle.
  if (!sourcemap) rmSync(`${e.out}.map`, { force: true });
  const result = await esbuild.build({
    entryPoints: [e.in],
    outfile: e.out,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minify: true,
    sourcemap,
    // The notices file below carries the bundled packages' licences; comments would only repeat parts.
    legalComments: "none",
    metafile: true,
    external: e.external ?? [],
    banner: e.banner ? { js: e.banner } : undefined,
    define: e.define?.(),
    plugins: e.plugins ?? (e.lazy ? [tableBeside, lazyBuiltins, sharedInterop] : [tableBeside, sharedInterop]),
    logLevel: "warning",
  });
  for (const input of Object.keys(result.metafile.inputs)) {
    const pkg = packageOf(input);
    if (pkg) packages.add(pkg);
  }
  if (e.banner) chmodSync(e.out, 0o755);
}

// Each bundled package once (a nested copy of another version counts as its own), with its licence text.
const notices = [
  "# Third-party notices",
  "",
  "The bundles in this folder contain code of the following packages, under these licences.",
  "",
];
const seen = new Set();
for (const dir of [...packages].sort()) {
  const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  const id = `${manifest.name}@${manifest.version}`;
  if (seen.has(id)) continue;
  seen.add(id);
  const licenceFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  if (!licenceFile) throw new Error(`${id} (${dir}) has no licence file to ship with its bundled code`);
  notices.push(`## ${id} (${manifest.license})`, "", "```", readFileSync(path.join(dir, licenceFile), "utf8").trim());
  notices.push("```", "");
}
writeFileSync("dist/THIRD-PARTY-NOTICES.md", notices.join("\n"));
