// The CLI's output does not depend on the machine's locale or time zone: CI runs on machines set up by
// others, and a report that prints "1.234" in Germany or sorts "İ" differently in Turkey is not the same report.
// Each command is run under two environments that differ in everything a Node program can pick up from them
// (Intl's default locale follows LC_ALL / LANG, Date follows TZ) and must print the same bytes.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO } from "../support/shared";

const CLI = path.join(REPO, "dist", "cli.js");

const ENVIRONMENTS: Record<string, NodeJS.ProcessEnv> = {
  "C, UTC": { LANG: "C", LC_ALL: "C", TZ: "UTC" },
  // German number formatting (1.234,5), Turkish case mapping (I → ı), a time zone 12:45 ahead of UTC.
  "de_DE / tr_TR, Pacific/Chatham": { LANG: "de_DE.UTF-8", LC_ALL: "tr_TR.UTF-8", TZ: "Pacific/Chatham" },
};

function run(args: string[], env: NodeJS.ProcessEnv): { code: number | null; stdout: string; stderr: string } {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k === "LANG" || k === "TZ" || k.startsWith("LC_")) delete base[k];
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...base, ...env }, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("nginx-risk CLI: the same output in every locale and time zone", function () {
  this.timeout(120_000);

  before(function () {
    if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
    // The environments must really differ for Node, or this test could not fail.
    const probe = (env: NodeJS.ProcessEnv): string => {
      const code = `process.stdout.write([(1234.5).toLocaleString(), "I".toLocaleLowerCase(), new Date(0).getHours()].join(" "))`;
      const base = { ...process.env, ...env };
      return spawnSync(process.execPath, ["-e", code], { env: base, encoding: "utf8" }).stdout;
    };
    const seen = Object.values(ENVIRONMENTS).map(probe);
    assert.notEqual(seen[0], seen[1], `Node sees the same locale and time zone in both: ${seen.join(" | ")}`);
  });

  const commands: [string, string[]][] = [
    ["check (text) of the OpenResty example", ["check", "examples/openresty"]],
    ["check (JSON) of the OpenResty example", ["check", "examples/openresty", "--format", "json"]],
    ["check (SARIF) of the reuseport example", ["check", "examples/reuseport", "--format", "sarif"]],
    ["fix --diff of the OpenResty example", ["fix", "examples/openresty", "--diff"]],
    ["format --diff of the reuseport example", ["format", "examples/reuseport", "--diff"]],
    ["parse of the OpenResty example", ["parse", "examples/openresty/nginx.conf", "--indent", "2"]],
  ];
  for (const [name, args] of commands) {
    it(name, function () {
      const [a, b] = Object.values(ENVIRONMENTS).map((env) => run(args, env));
      assert.ok(a.stdout.length > 0 || a.stderr.length > 0, `no output: ${args.join(" ")}`);
      assert.equal(a.code, b.code);
      assert.equal(b.stdout, a.stdout);
      assert.equal(b.stderr, a.stderr);
    });
  }
});
