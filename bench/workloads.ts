// The bench's inputs, written into bench/tmp/work/ by the repository's seeded generators (scripts/), each in a
// folder of its own (the folder the LSP client opens as its workspace).

import { execFileSync } from "child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "fs";
import * as path from "path";

export const REPO = path.resolve(__dirname, "..", "..");
export const TMP = path.join(REPO, "bench", "tmp");
const WORK = path.join(TMP, "work");
const SHARED = process.env.NGINX_RISK_SHARED ?? path.resolve(REPO, "..", "shared");
const LARGE_REL = "corpus/nginxinc+nginx-go-crossplane/testdata/configs/large-config/nginx.conf";

export interface Workload {
  /** Short name, as printed. */
  name: string;
  /** The workspace folder. */
  dir: string;
  /** The file the editor opens and types into. */
  file: string;
  /** Lines of every configuration file of the folder, and how many files. */
  lines: number;
  files: number;
}

/** large-config from the shared corpus (decompressed into bench/tmp when only the .bz2 is there). */
export function largeConfigPath(): string {
  const p = path.join(SHARED, LARGE_REL);
  if (existsSync(p)) return p;
  if (existsSync(p + ".bz2")) {
    const out = path.join(TMP, "large-config.nginx.conf");
    if (!existsSync(out)) writeFileSync(out, execFileSync("bzip2", ["-dc", p + ".bz2"], { maxBuffer: 1 << 28 }));
    return out;
  }
  throw new Error(`large-config not found at ${p}(.bz2); set NGINX_RISK_SHARED to the shared test material`);
}

function generator(script: string, args: string[]): void {
  execFileSync(process.execPath, [path.join(REPO, "scripts", script), ...args], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}

function fresh(name: string): string {
  const dir = path.join(WORK, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Lines and files of the configuration files (*.conf) under `dir`. */
function size(dir: string): { lines: number; files: number } {
  let lines = 0;
  let files = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    for (const e of readdirSync(d)) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) stack.push(p);
      else if (e.endsWith(".conf")) {
        files++;
        const text = readFileSync(p, "utf8");
        lines += text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
      }
    }
  }
  return { lines, files };
}

function workload(name: string, dir: string, file: string): Workload {
  return { name, dir, file, ...size(dir) };
}

/** (a) the floor: a 50-line configuration (bench/fixtures/small/nginx.conf). */
export function smallWorkload(): Workload {
  const dir = fresh("small");
  copyFileSync(path.join(REPO, "bench", "fixtures", "small", "nginx.conf"), path.join(dir, "nginx.conf"));
  return workload("(a) 50-line file", dir, path.join(dir, "nginx.conf"));
}

/**
 * (b) the incident (scripts/gen-incident-example.mjs, 4,000 locations): typing in the site file of 4,000
 * locations that nginx.conf includes, so every analysis also finds and reads the main file.
 */
export function incidentWorkload(): Workload {
  const dir = fresh("incident");
  generator("gen-incident-example.mjs", ["4000", dir]);
  return workload("(b) incident, 4,000 locations", dir, path.join(dir, "sites-enabled", "app.conf"));
}

/** (c) nginx-go-crossplane's large-config, 35,178 lines. */
export function largeWorkload(): Workload {
  const dir = fresh("large");
  copyFileSync(largeConfigPath(), path.join(dir, "nginx.conf"));
  return workload("(c) large-config", dir, path.join(dir, "nginx.conf"));
}

/** (d) large-config with its servers ×10 (scripts/gen-large-x10.mjs), 350,754 lines. */
export function largeX10Workload(): Workload {
  const dir = fresh("large-x10");
  generator("gen-large-x10.mjs", [largeConfigPath(), path.join(dir, "nginx.conf")]);
  return workload("(d) large-config x10", dir, path.join(dir, "nginx.conf"));
}

/** The 1,000,000-line workspace (scripts/gen-bench-workspace.mjs): nginx.conf and 1,000 site files. */
export function millionLineWorkload(): Workload {
  const dir = fresh("workspace-1m");
  generator("gen-bench-workspace.mjs", [dir]);
  return workload("1M-line workspace", dir, path.join(dir, "nginx.conf"));
}
