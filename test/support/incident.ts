// The incident example (scripts/gen-incident-example.mjs) generated into a temporary folder for a test.
import { strict as assert } from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO } from "./shared";

/**
 * Writes the incident example with `locations` locations into `dir` and returns the folder holding its
 * nginx.conf. The script writes beside itself (../examples), so a copy of it runs in `dir`: the
 * repository's examples/ stay untouched.
 */
export function generateIncident(dir: string, locations: number): string {
  fs.mkdirSync(path.join(dir, "scripts"), { recursive: true });
  const script = path.join(dir, "scripts", "gen-incident-example.mjs");
  fs.copyFileSync(path.join(REPO, "scripts", "gen-incident-example.mjs"), script);
  const r = cp.spawnSync(process.execPath, [script, String(locations)], { encoding: "utf8", timeout: 60_000 });
  assert.strictEqual(r.status, 0, `gen-incident-example failed:\n${r.stderr}`);
  return path.join(dir, "examples", "incident", "generated");
}
