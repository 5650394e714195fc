// The built CLI (dist/cli.js) as users run it, for the tests that read its output.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
export { isPolicyRule } from "../../server/src/rules/rule-settings";
import { REPO } from "./shared";

export const CLI = path.join(REPO, "dist", "cli.js");

/** A finding as `nginx-risk check --format json` prints it. */
export interface JsonFinding {
  ruleId: string;
  code: string;
  severity: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  data?: unknown;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI in `cwd`, `input` written to its standard input through a pipe. */
export function runCli(args: string[], cwd: string, input?: string | Buffer, env: NodeJS.ProcessEnv = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    input,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  assert.equal(r.error, undefined, String(r.error));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
