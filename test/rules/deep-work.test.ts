// Work on deep nesting, counted: the rules, the cost report, the contexts at the deepest position and a
// block's descendants on 20,000 nested locations, with every step from a block to its parent counted (a
// getter on `parent`), at 10,000 and 20,000 levels. Linear work is some steps per block (effective() looks
// 64 levels up before it remembers); walking to the root per block, as `enclosing()`, `effective()`,
// `rulesInEffect()` or `contextsAt` did per location configuration, is 20,000² / 2 = 2·10^8 steps, and four
// times as many at twice the depth. No time is measured.

import { strict as assert } from "assert";
import { buildModel, contextsAt, descendants, type ConfigContext } from "../../server/src/model";
import { runChecks } from "../../server/src/rules";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { FIRST_LOCATION_LINE, nestedLocations } from "../support/deep-inputs";

const LEVELS = 20_000;
const MODULES = ["ndk_http_module", "ngx_http_lua_module", "ngx_http_modsecurity_module"]
  .map((m) => `load_module /usr/lib/nginx/modules/${m}.so;`)
  .join(" ");

/** Parent steps of the rules, the cost report, contextsAt and descendants on `levels` nested locations. */
function parentSteps(levels: number): { steps: number; blocks: number } {
  // Lua in the deepest location with an http-level bundle (one SSL context per location configuration),
  // ModSecurity on without rules (a finding over every location configuration).
  const text = nestedLocations(levels, "content_by_lua_block { ngx.say('deep') }", {
    head: MODULES,
    extraHttp: "lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
    extraServer: "modsecurity on;",
  });
  const source = new MemoryFileSource({ "/d/nginx.conf": text });
  const config = loadConfiguration("/d/nginx.conf", { source });
  const model = buildModel(config);
  assert.equal(model.locationConfigurations.length, levels + 1);

  let steps = 0;
  for (const c of model.contexts) {
    const parent = c.parent;
    Object.defineProperty(c, "parent", {
      get(): ConfigContext | null {
        steps++;
        return parent;
      },
    });
  }

  const options = { strict: false, nginxVersion: "1.22.1", luaNginxModuleVersion: "0.10.23", source };
  const findings = runChecks(config, options, model);
  const lua = findings.find((f) => f.ruleId === "lua-ssl-per-location");
  assert.equal(lua?.data?.contexts, levels + 1, "every location configuration loads the bundle");
  const modsec = findings.find((f) => f.ruleId === "modsecurity-unused");
  assert.equal(modsec?.data?.locationConfigurations, levels + 1);

  const deepestOffset =
    text
      .split("\n")
      .slice(0, FIRST_LOCATION_LINE + levels)
      .join("\n").length + 3;
  const around = contextsAt(model, "/d/nginx.conf", deepestOffset);
  assert.equal(around.length, levels + 2, "every location, the server and http, innermost first");
  assert.equal(around[0].directive?.range.start.line, FIRST_LOCATION_LINE + levels - 1);
  assert.equal(descendants(model.main).length, model.contexts.length);
  return { steps, blocks: model.contexts.length };
}

describe("rules and model on deeply nested locations: counted work", function () {
  this.timeout(300_000);

  it("walks parents a bounded number of times per block: twice the depth, twice the steps", function () {
    const half = parentSteps(LEVELS / 2);
    const full = parentSteps(LEVELS);
    // Counted, not timed: linear work doubles, a walk to the root per block quadruples (2·10^8 steps here).
    const growth = full.steps / half.steps;
    assert.ok(growth < 2.5, `${half.steps} steps at ${LEVELS / 2} levels, ${full.steps} at ${LEVELS}: ×${growth}`);
    const bound = 500 * full.blocks;
    assert.ok(full.steps < bound, `${full.steps} parent steps for ${full.blocks} blocks (bound ${bound})`);
  });
});
