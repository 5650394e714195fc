// `npm run bench` (after `npm run build`): bundles bench/main.ts with esbuild into bench/tmp/ (gitignored) and
// runs it with the arguments given (`npm run bench -- --quick`, `-- --baseline main`, `-- --help`).
// `--in-process` runs the older in-process figures instead: the parser (bench/parse.ts), what the risk
// engine adds over parsing (bench/analysis.ts) and fix --diff against check (bench/fix.ts).
import * as esbuild from "esbuild";
import { spawnSync } from "child_process";
import { mkdirSync } from "fs";
import { dirname, join } from "path";
import { fileURLToPath } from "url";

const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, "tmp"), { recursive: true });

const args = process.argv.slice(2);
const inProcess = args.includes("--in-process");
const names = inProcess ? ["parse", "analysis", "fix"] : ["main"];
let status = 0;
for (const name of names) {
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
  const r = spawnSync(
    process.execPath,
    ["--enable-source-maps", outfile, ...args.filter((a) => a !== "--in-process")],
    { stdio: "inherit" },
  );
  status ||= r.status ?? 1;
}
process.exit(status);
