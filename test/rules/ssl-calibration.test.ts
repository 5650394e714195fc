// The SSL-context estimates against what real nginx measured: the incident generator's configurations
// (../shared/tools/gen_incident_conf.py), analysed in-process, must land within ±15% of the master RSS and
// reload peak that memory-model.md table B measured for the same configurations. Running nginx on them is
// too slow for a test (4,000 locations take 3 minutes), except one small configuration checked with strace.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { costReport } from "../../server/src/cost/report";
import { buildModel } from "../../server/src/model";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { haveLuaModule } from "../support/nginx";
import { nginxBinary, SHARED } from "../support/shared";
import { bundleOpens, haveStrace } from "../support/strace";

const GENERATOR = path.join(SHARED, "tools", "gen_incident_conf.py");
const BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const MIB = 1024 * 1024;
const TOLERANCE = 0.15;
/** What table B measured: Debian nginx 1.22.1 + lua-nginx-module 0.10.23. */
const VERSIONS = { nginxVersion: "1.22.1", luaNginxModuleVersion: "0.10.23" };

type Variant = "lua_cert" | "proxy_cert";
type PlainVariant = "base" | "lua_nocert" | "proxy_nocert";

/**
 * Measurements copied from ../shared/docs/memory-model.md table B ("master RSS MiB", "reload master peak MiB"):
 * real nginx on this project's machines, not outputs of ours.
 */
const TABLE_B: { variant: Variant; locations: number; masterMiB: number; reloadPeakMiB: number }[] = [
  { variant: "lua_cert", locations: 10, masterMiB: 19.8, reloadPeakMiB: 30.1 },
  { variant: "lua_cert", locations: 100, masterMiB: 93.6, reloadPeakMiB: 177.4 },
  { variant: "lua_cert", locations: 1000, masterMiB: 831.7, reloadPeakMiB: 1653.6 },
  { variant: "lua_cert", locations: 4000, masterMiB: 3292.0, reloadPeakMiB: 6574.2 },
  { variant: "proxy_cert", locations: 10, masterMiB: 16.1, reloadPeakMiB: 24.5 },
  { variant: "proxy_cert", locations: 100, masterMiB: 89.9, reloadPeakMiB: 172.0 },
  { variant: "proxy_cert", locations: 1000, masterMiB: 827.4, reloadPeakMiB: 1646.9 },
  { variant: "proxy_cert", locations: 4000, masterMiB: 3285.7, reloadPeakMiB: 6563.1 },
];

/**
 * The same table's rows without a bundle: no finding, so the cost report itself is checked. They pin the
 * constants of a location configuration, the Lua module and an SSL_CTX without a bundle (estimate.ts).
 */
const TABLE_B_PLAIN: { variant: PlainVariant; locations: number; masterMiB: number; reloadPeakMiB: number }[] = [
  { variant: "base", locations: 10, masterMiB: 6.7, reloadPeakMiB: 6.9 },
  { variant: "base", locations: 100, masterMiB: 7.3, reloadPeakMiB: 8.1 },
  { variant: "base", locations: 1000, masterMiB: 13.7, reloadPeakMiB: 20.9 },
  { variant: "base", locations: 4000, masterMiB: 35.0, reloadPeakMiB: 63.1 },
  { variant: "lua_nocert", locations: 10, masterMiB: 9.5, reloadPeakMiB: 10.2 },
  { variant: "lua_nocert", locations: 100, masterMiB: 11.5, reloadPeakMiB: 14.1 },
  { variant: "lua_nocert", locations: 1000, masterMiB: 30.2, reloadPeakMiB: 51.2 },
  { variant: "lua_nocert", locations: 4000, masterMiB: 92.1, reloadPeakMiB: 175.1 },
  { variant: "proxy_nocert", locations: 1000, masterMiB: 27.4, reloadPeakMiB: 47.6 },
  { variant: "proxy_nocert", locations: 4000, masterMiB: 87.4, reloadPeakMiB: 167.2 },
];

const RULE: Record<Variant, string> = { lua_cert: "lua-ssl-per-location", proxy_cert: "proxy-ssl-per-location" };

function havePython(): boolean {
  const r = spawnSync("python3", ["--version"], { encoding: "utf8" });
  return !r.error && r.status === 0;
}

/** Writes the generator's configuration to a fresh prefix; returns the prefix. */
function generate(variant: Variant | PlainVariant, locations: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-calib-"));
  const r = spawnSync("python3", [GENERATOR, variant, String(locations), dir, "18080"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`gen_incident_conf.py failed: ${r.stderr}`);
  }
  fs.writeFileSync(path.join(dir, "nginx.conf"), r.stdout);
  return dir;
}

function within(actual: unknown, expected: number, what: string): void {
  assert.equal(typeof actual, "number", `${what}: ${String(actual)} is not a number`);
  const ratio = (actual as number) / expected;
  assert.ok(
    Math.abs(ratio - 1) <= TOLERANCE,
    `${what}: ${((actual as number) / MIB).toFixed(1)} MiB vs measured ${(expected / MIB).toFixed(1)} MiB ` +
      `(${((ratio - 1) * 100).toFixed(1)}%, allowed ±${TOLERANCE * 100}%)`,
  );
}

describe("SSL-context estimates vs. memory-model.md table B (gen_incident_conf.py configurations)", function () {
  this.timeout(120_000);

  before(function () {
    // Like the other tests of the shared material: skipped where ../shared (or python3) is absent.
    if (!fs.existsSync(GENERATOR) || !havePython()) this.skip();
  });

  for (const row of TABLE_B) {
    it(`${row.variant}, ${row.locations} locations: master ${row.masterMiB} MiB, reload peak ${row.reloadPeakMiB} MiB`, function () {
      const dir = generate(row.variant, row.locations);
      try {
        const options = { inputs: [], root: path.join(dir, "nginx.conf"), mappings: [], strict: false, ...VERSIONS };
        const findings = runCheck(options).findings.filter((f) => f.ruleId === RULE[row.variant]);
        // The generator sets the bundle once, at http level.
        assert.equal(findings.length, 1, findings.map((f) => f.message).join("\n"));
        const data = findings[0].data ?? {};
        // lua: the server + N locations + the Lua (gc64) location; proxy: the N https locations.
        const contexts = row.variant === "lua_cert" ? 1 + row.locations + 1 : row.locations;
        assert.equal(data.totalContexts, contexts, "totalContexts");
        assert.equal(data.contexts, contexts, "contexts");
        within(data.estimatedBytes, row.masterMiB * MIB, "estimatedBytes (master RSS)");
        within(data.reloadPeakBytes, row.reloadPeakMiB * MIB, "reloadPeakBytes (reload master peak)");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  for (const row of TABLE_B_PLAIN) {
    it(`${row.variant}, ${row.locations} locations (no bundle): master ${row.masterMiB} MiB, reload peak ${row.reloadPeakMiB} MiB`, function () {
      const dir = generate(row.variant, row.locations);
      try {
        const config = loadConfiguration(path.join(dir, "nginx.conf"));
        const { estimate } = costReport(buildModel(config), { ...VERSIONS });
        within(estimate.estimatedBytes, row.masterMiB * MIB, "estimatedBytes (master RSS)");
        within(estimate.reloadPeakBytes, row.reloadPeakMiB * MIB, "reloadPeakBytes (reload master peak)");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  for (const [variant, opens] of [
    ["lua_cert", 12],
    ["proxy_cert", 10],
  ] as const) {
    it(`${variant}, 10 locations: the real nginx -t opens the bundle ${opens} times, as many as our contexts`, function () {
      if (!nginxBinary() || !haveStrace() || !fs.existsSync(BUNDLE) || (variant === "lua_cert" && !haveLuaModule())) {
        if (process.env.CI)
          throw new Error("CI must install nginx, libnginx-mod-http-lua, strace (and allow ptrace), ca-certificates");
        this.skip();
      }
      const dir = generate(variant, 10);
      try {
        const conf = path.join(dir, "nginx.conf");
        // The generated configuration sets `pid` itself.
        const real = bundleOpens({ dir, conf, bundle: BUNDLE, pid: false });
        assert.ok(real.ok, `nginx -t failed:\n${real.output}`);
        assert.equal(real.opens, opens);
        const options = { inputs: [], root: conf, mappings: [], strict: false, ...VERSIONS };
        const findings = runCheck(options).findings.filter((f) => f.ruleId === RULE[variant]);
        const sum = findings.reduce((s, f) => s + Number(f.data?.contexts ?? NaN), 0);
        assert.equal(sum, real.opens, "sum of data.contexts");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
