// Bundles bench/parse.ts with esbuild into bench/tmp/parse.js (gitignored) and runs it.
// Run through `npm run bench` (which builds the grammar and dist/ first).
import * as esbuild from "esbuild";
import { spawnSync } from "child_process";
import { mkdirSync } from "fs";
import { dirname, join } from "path";
import { fileURLToPath } from "url";

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, "tmp", "parse.js");
mkdirSync(join(here, "tmp"), { recursive: true });

await esbuild.build({
  entryPoints: [join(here, "parse.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
});

const r = spawnSync(process.execPath, ["--enable-source-maps", outfile, ...process.argv.slice(2)], {
  stdio: "inherit",
});
process.exit(r.status ?? 1);
