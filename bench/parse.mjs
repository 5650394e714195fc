// Bundles bench/parse.ts, bench/analysis.ts and bench/fix.ts with esbuild into bench/tmp/ (gitignored) and runs them.
// Run through `npm run bench` (which builds the grammar and dist/ first).
import * as esbuild from "esbuild";
import { spawnSync } from "child_process";
import { mkdirSync } from "fs";
import { dirname, join } from "path";
import { fileURLToPath } from "url";

const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, "tmp"), { recursive: true });

// The parser benchmark, then the risk engine's (bench/analysis.ts), then fix --diff against check (bench/fix.ts).
let status = 0;
for (const name of ["parse", "analysis", "fix"]) {
  const outfile = join(here, "tmp", `${name}.js`);
  await esbuild.build({
    entryPoints: [join(here, `${name}.ts`)],
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
  status ||= r.status ?? 1;
}
process.exit(status);
