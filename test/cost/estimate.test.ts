// The cost model's arithmetic and the version logic it depends on. Expected numbers come from
// ../shared/docs/memory-model.md (measurements) and semantics.md (which versions behave how), not from
// running the code.

import { strict as assert } from "assert";
import type { BundleInfo, SizedBundle } from "../../server/src/cost/bundle";
import { countCertificates, DEBIAN_BUNDLE } from "../../server/src/cost/bundle";
import { bundleContextBytes, estimateMemory, MEASURED, type CostInput } from "../../server/src/cost/estimate";
import {
  compareVersions,
  inRange,
  luaFromOpenresty,
  nginxFromOpenresty,
  resolveVersions,
} from "../../server/src/cost/versions";
import type { RuleOptions } from "../../server/src/rules/types";
import type { DetectedVersion, VersionComponent } from "../../server/src/workspace/facts";

const MIB = 1024 * 1024;

function bundle(path: string, bytes: number, certificates: number, systemLike: boolean): SizedBundle {
  return { path, readFrom: path, bytes, certificates, assumed: false, systemLike };
}
const DEBIAN = bundle("/etc/ssl/certs/ca-certificates.crt", 219_597, 144, true);

describe("cost/estimate: bytes per SSL context", function () {
  it("Debian's bundle (219,597 B, 144 certificates): ≈ 852 KB, within 1% of the measured 851,705 B", function () {
    const b = bundleContextBytes(DEBIAN);
    assert.ok(Math.abs(b - 851_705) / 851_705 < 0.01, `${b}`);
    // memory-model.md A: "≈ 3.83 × bundle_bytes + 11 KB" for system-like bundles.
    assert.equal(b, Math.round(3.83 * 219_597 + 11_000));
    assert.deepEqual(DEBIAN_BUNDLE, { bytes: 219_597, certificates: 144 });
  });

  it("other bundles: 0.647 × bytes + 4,309 × distinct certificates + 19,203", function () {
    // 6,470 + 21,545 + 19,203 = 47,218.
    assert.equal(bundleContextBytes(bundle("/x.pem", 10_000, 5, false)), 47_218);
    // One certificate of 1,500 B: 970.5 + 4,309 + 19,203 = 24,482.5 → rounded.
    assert.equal(bundleContextBytes(bundle("/y.pem", 1_500, 1, false)), Math.round(24_482.5));
  });

  it("an SSL_CTX without a bundle: 13,405 B (memory-model.md A)", function () {
    assert.equal(MEASURED.emptySslContext, 13_405);
    const e = estimateMemory({
      locationConfigurations: 0,
      luaModule: false,
      emptyContexts: 10,
      loads: [],
      bundleCache: false,
    });
    assert.equal(e.sslBytes, 134_050);
    assert.equal(e.configBytes, 134_050);
    assert.equal(e.configTestParses, 0);
  });
});

describe("cost/estimate: estimateMemory", function () {
  const NONE: CostInput = {
    locationConfigurations: 0,
    luaModule: false,
    emptyContexts: 0,
    loads: [],
    bundleCache: false,
  };

  it("an empty configuration: everything is the process; reload and instance peaks equal it", function () {
    const e = estimateMemory(NONE);
    assert.equal(e.configBytes, 0);
    assert.equal(e.sslBytes, 0);
    assert.equal(e.estimatedBytes, Math.round(e.processBytes));
    assert.equal(e.reloadPeakBytes, Math.round(e.processBytes));
    assert.equal(e.instancePeakBytes, Math.round(e.processBytes));
    // The Lua module adds its VM to the process, which is not rebuilt on reload.
    const lua = estimateMemory({ ...NONE, luaModule: true });
    assert.equal(lua.processBytes - e.processBytes, MEASURED.luaProcessBytes);
    assert.equal(lua.configBytes, 0);
  });

  it("master = process + config; reload peak = process + 2 × config; instance peak = process + 3 × config", function () {
    // 100 location configurations with the Lua module, 101 contexts parsing Debian's bundle, 2 without.
    const input: CostInput = {
      locationConfigurations: 100,
      luaModule: true,
      emptyContexts: 2,
      loads: Array.from({ length: 101 }, () => DEBIAN),
      bundleCache: false,
    };
    const e = estimateMemory(input);
    const ssl = 2 * 13_405 + 101 * bundleContextBytes(DEBIAN);
    const config = 100 * (MEASURED.perLocationConfiguration + MEASURED.luaPerLocationConfiguration) + ssl;
    const process = MEASURED.processBytes + MEASURED.luaProcessBytes;
    assert.equal(e.sslBytes, Math.round(ssl));
    assert.equal(e.configBytes, config);
    assert.equal(e.processBytes, process);
    assert.equal(e.estimatedBytes, Math.round(process + config));
    assert.equal(e.reloadPeakBytes, Math.round(process + 2 * config));
    assert.equal(e.instancePeakBytes, Math.round(process + 3 * config));
    // Every context that parses a bundle parses it once per nginx -t / reload.
    assert.equal(e.configTestParses, 101);
  });

  it("within ±15% of memory-model.md table B (lua_cert, 1 server + N + 1 locations, all parse the bundle)", function () {
    const TABLE_B = [
      { n: 100, master: 93.6, reload: 177.4 },
      { n: 1000, master: 831.7, reload: 1653.6 },
      { n: 4000, master: 3292.0, reload: 6574.2 },
    ];
    for (const row of TABLE_B) {
      const confs = row.n + 2;
      const e = estimateMemory({
        locationConfigurations: confs,
        luaModule: true,
        emptyContexts: 0,
        loads: Array.from({ length: confs }, () => DEBIAN),
        bundleCache: false,
      });
      const master = e.estimatedBytes! / MIB;
      const reload = e.reloadPeakBytes! / MIB;
      assert.ok(Math.abs(master - row.master) / row.master < 0.15, `N=${row.n}: master ${master} vs ${row.master}`);
      assert.ok(Math.abs(reload - row.reload) / row.reload < 0.15, `N=${row.n}: reload ${reload} vs ${row.reload}`);
    }
  });

  it("nginx ≥ 1.27.2 bundle cache: each context costs an empty one, each distinct bundle is parsed once", function () {
    const other = bundle("/etc/nginx/ca.pem", 10_000, 5, false);
    const loads = [DEBIAN, DEBIAN, DEBIAN, DEBIAN, DEBIAN, other];
    const cached = estimateMemory({ ...NONE, loads, bundleCache: true });
    // 6 contexts × 13,405 + one parse of each distinct bundle (its cost beyond an empty context).
    const expected = 6 * 13_405 + (bundleContextBytes(DEBIAN) - 13_405) + (47_218 - 13_405);
    assert.equal(cached.sslBytes, expected);
    assert.equal(cached.configTestParses, 2);
    const uncached = estimateMemory({ ...NONE, loads, bundleCache: false });
    assert.equal(uncached.sslBytes, 5 * bundleContextBytes(DEBIAN) + 47_218);
    assert.equal(uncached.configTestParses, 6);
  });
});

describe("cost/estimate: a bundle of unknown size", function () {
  const unknown: BundleInfo = {
    path: "/config/keys/cert.crt",
    readFrom: null,
    bytes: null,
    certificates: null,
    assumed: false,
    systemLike: false,
    unread: "missing",
  };
  const input: CostInput = {
    locationConfigurations: 7,
    luaModule: false,
    emptyContexts: 1,
    loads: [...Array.from({ length: 7 }, () => unknown), DEBIAN],
    bundleCache: false,
  };

  it("the figures that need its size are null; the parses are counted; nothing is guessed", function () {
    const e = estimateMemory(input);
    assert.deepEqual(
      [e.estimatedBytes, e.reloadPeakBytes, e.instancePeakBytes, e.sslBytes, e.configBytes],
      [null, null, null, null, null],
    );
    assert.equal(e.configTestParses, 8);
    assert.deepEqual(e.unknownBundles, ["/config/keys/cert.crt"]);
    assert.equal(e.unknownLoads, 7);
  });

  it("the lower bound counts each of its contexts as an empty SSL_CTX (what a parse only adds to)", function () {
    const e = estimateMemory(input);
    const ssl = 8 * MEASURED.emptySslContext + bundleContextBytes(DEBIAN);
    const config = 7 * MEASURED.perLocationConfiguration + ssl;
    assert.equal(e.lowerBound.sslBytes, Math.round(ssl));
    assert.equal(e.lowerBound.reloadPeakBytes, Math.round(MEASURED.processBytes + 2 * config));
    // Every known size: the lower bound is the estimate.
    const known = estimateMemory({ ...input, loads: [DEBIAN] });
    assert.equal(known.lowerBound.estimatedBytes, known.estimatedBytes);
    assert.deepEqual(known.unknownBundles, []);
  });

  it("with nginx's bundle cache too: unknown, one parse per distinct bundle", function () {
    const e = estimateMemory({ ...input, bundleCache: true });
    assert.equal(e.estimatedBytes, null);
    assert.equal(e.configTestParses, 2);
  });
});

describe("cost/bundle: countCertificates", function () {
  const pem = (body: string, kind = "CERTIFICATE"): string =>
    `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
  it("counts distinct certificates; a duplicate (even wrapped differently) once; TRUSTED CERTIFICATE too", function () {
    assert.equal(countCertificates(""), 0);
    assert.equal(countCertificates(pem("QUFB") + pem("QkJC")), 2);
    assert.equal(countCertificates(pem("QUFBQUFB") + pem("QUFB\nQUFB")), 1);
    assert.equal(countCertificates(pem("QUFB") + pem("Q0ND", "TRUSTED CERTIFICATE")), 2);
    // A private key is not a certificate.
    assert.equal(countCertificates(pem("QUFB") + pem("S0VZ", "PRIVATE KEY")), 1);
  });
});

describe("cost/versions: compareVersions", function () {
  const CASES: [string, string, number][] = [
    ["1.9.15", "1.13.4", -1], // numeric, not lexical
    ["1.13.4", "1.9.15", 1],
    ["1.23.1", "1.23.1", 0],
    ["1.23.0", "1.23.1", -1],
    ["0.10.25", "0.10.26", -1],
    ["0.10.26", "0.10.25", 1],
    ["1.21.4.3", "1.21.4", 1], // an extra component is more
    ["1.21.4", "1.21.4.0", 0],
    ["1.25.3.1", "1.25.3", 1],
    ["v0.10.26", "0.10.26", 0],
    ["0.10.26rc1", "0.10.26", 0], // suffixes are ignored
    ["1.27.2", "1.27.10", -1],
  ];
  for (const [a, b, want] of CASES) it(`${a} vs ${b} → ${want}`, () => assert.equal(compareVersions(a, b), want));

  it("inRange is inclusive at both ends; either bound may be absent", function () {
    assert.equal(inRange("0.10.3", "0.10.3", "0.10.7"), true);
    assert.equal(inRange("0.10.7", "0.10.3", "0.10.7"), true);
    assert.equal(inRange("0.10.8", "0.10.3", "0.10.7"), false);
    assert.equal(inRange("0.10.2", "0.10.3", null), false);
    assert.equal(inRange("9.9.9", null, null), true);
  });
});

describe("cost/versions: OpenResty → nginx core and lua-nginx-module", function () {
  it("nginx core: the first three numbers", function () {
    assert.equal(nginxFromOpenresty("1.21.4.3"), "1.21.4");
    assert.equal(nginxFromOpenresty("1.25.3.1"), "1.25.3");
    assert.equal(nginxFromOpenresty("1.27.1.2"), "1.27.1");
  });

  it("lua-nginx-module: 0.10.26 from 1.25.3.1; the brk trick (0.10.3–0.10.7) in 1.9.15.1–1.11.2.2 (semantics.md §1, §2)", function () {
    const fixed = (o: string): boolean => compareVersions(luaFromOpenresty(o), "0.10.26") >= 0;
    const trick = (o: string): boolean => inRange(luaFromOpenresty(o), "0.10.3", "0.10.7");
    assert.equal(luaFromOpenresty("1.21.4.3"), "0.10.25");
    assert.equal(fixed("1.21.4.3"), false);
    assert.equal(fixed("1.21.4.4"), false);
    assert.equal(fixed("1.25.3.1"), true);
    assert.equal(fixed("1.27.1.2"), true);
    for (const o of ["1.9.15.1", "1.11.2.1", "1.11.2.2"]) assert.equal(trick(o), true, o);
    for (const o of ["1.11.2.3", "1.13.6.2", "1.25.3.1"]) assert.equal(trick(o), false, o);
  });
});

describe("cost/versions: resolveVersions precedence (setting > OpenResty > detected)", function () {
  const RANGE = { start: { line: 0, character: 0, offset: 0 }, end: { line: 0, character: 0, offset: 0 } };
  const detected = (component: VersionComponent, version: string): DetectedVersion => ({
    component,
    version,
    path: "/p/Dockerfile",
    range: RANGE,
    how: `Dockerfile FROM ${component}:${version}`,
  });
  const resolve = (o: Partial<RuleOptions>, found: DetectedVersion[] = []) =>
    resolveVersions({ strict: false, facts: { configTests: [], versions: found }, ...o });

  it("nothing known: every version null", function () {
    const v = resolve({});
    assert.deepEqual(
      [v.nginx.version, v.lua.version, v.openssl.version, v.openresty.version],
      [null, null, null, null],
    );
    // An empty or blank setting is no setting.
    assert.equal(resolve({ nginxVersion: "  " }).nginx.version, null);
  });

  it("OpenResty 1.21.4.3 → nginx 1.21.4 and lua-nginx-module 0.10.25", function () {
    const v = resolve({ openrestyVersion: "1.21.4.3" });
    assert.equal(v.nginx.version, "1.21.4");
    assert.equal(v.lua.version, "0.10.25");
    assert.equal(v.openresty.version, "1.21.4.3");
    assert.match(v.nginx.source, /OpenResty 1\.21\.4\.3/);
  });

  it("a component setting beats OpenResty's bundled version", function () {
    const v = resolve({ openrestyVersion: "1.21.4.3", nginxVersion: "1.24.0", luaNginxModuleVersion: "0.10.26" });
    assert.equal(v.nginx.version, "1.24.0");
    assert.equal(v.lua.version, "0.10.26");
  });

  it("OpenResty (setting or detected) beats a detected plain nginx / lua-nginx-module", function () {
    const found = [detected("nginx", "1.22.1"), detected("lua-nginx-module", "0.10.23")];
    const v = resolve({ openrestyVersion: "1.25.3.1" }, found);
    assert.equal(v.nginx.version, "1.25.3");
    assert.equal(v.lua.version, "0.10.26");
    const w = resolve({}, [...found, detected("openresty", "1.21.4.1")]);
    assert.equal(w.nginx.version, "1.21.4");
    assert.equal(w.lua.version, "0.10.25");
    assert.equal(w.lua.detected?.component, "openresty");
  });

  it("detected versions are used when nothing else says, and a setting beats them", function () {
    const found = [detected("nginx", "1.22.1"), detected("lua-nginx-module", "0.10.23"), detected("openssl", "3.0.11")];
    const v = resolve({}, found);
    assert.deepEqual([v.nginx.version, v.lua.version, v.openssl.version], ["1.22.1", "0.10.23", "3.0.11"]);
    assert.equal(v.nginx.source, "Dockerfile FROM nginx:1.22.1");
    const w = resolve({ nginxVersion: "1.27.2", opensslVersion: "1.1.1w" }, found);
    assert.deepEqual([w.nginx.version, w.lua.version, w.openssl.version], ["1.27.2", "0.10.23", "1.1.1w"]);
  });
});
