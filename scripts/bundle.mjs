// Bundles the extension client, the language server and the CLI with esbuild (one file each in dist/).
import * as esbuild from "esbuild";
import { existsSync, chmodSync } from "fs";

const entries = [
  { in: "client/src/extension.ts", out: "dist/client.js", external: ["vscode"] },
  { in: "server/src/lsp/main.ts", out: "dist/server.js", banner: "#!/usr/bin/env node" },
  { in: "server/src/cli/main.ts", out: "dist/cli.js", banner: "#!/usr/bin/env node" },
];

for (const e of entries) {
  if (!existsSync(e.in)) continue;
  await esbuild.build({
    entryPoints: [e.in],
    outfile: e.out,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: true,
    external: e.external ?? [],
    banner: e.banner ? { js: e.banner } : undefined,
    minify: e.out === "dist/client.js",
    logLevel: "warning",
  });
  if (e.banner) chmodSync(e.out, 0o755);
}
