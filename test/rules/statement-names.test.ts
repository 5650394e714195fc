// The statement checks that look at a few directive names say so (StatementCheck.names, and `entries` for the
// entries of map-like bodies): the walk then calls them for those statements only (rules/directive-checks.ts),
// where a check called for each of the 1M-line workspace's 755,000 statements cost a call per statement. The
// filter must leave out only statements the check would ignore: with every check called for every statement,
// the findings over the corpus and the peers' fixtures are the same.

import { strict as assert } from "assert";
import { runChecks, type Finding } from "../../server/src/rules";
import { forgetStatementShapes } from "../../server/src/rules/directive-checks";
import { STATEMENT_CHECKS } from "../../server/src/rules/statement-checkers";
import type { StatementCheck } from "../../server/src/rules/statement-checks";
import { loadConfiguration, type Configuration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { corpusConfigurations } from "../support/corpus-variants";
import { needShared } from "../support/shared";

const plain = (fs: Finding[]): string[] =>
  fs.map((f) => JSON.stringify([f.ruleId, f.code, f.path, f.range, f.message, f.related ?? [], f.data ?? {}])).sort();

/** Runs `body` with every check's name filter off (each called for every statement), then restores them. */
function unfiltered<T>(body: () => T): T {
  const saved = STATEMENT_CHECKS.map((c) => ({ names: c.names, entries: c.entries }));
  for (const c of STATEMENT_CHECKS) {
    (c as { names?: StatementCheck["names"] }).names = undefined;
    (c as { entries?: boolean }).entries = undefined;
  }
  forgetStatementShapes();
  try {
    return body();
  } finally {
    STATEMENT_CHECKS.forEach((c, i) => {
      (c as { names?: StatementCheck["names"] }).names = saved[i].names;
      (c as { entries?: boolean }).entries = saved[i].entries;
    });
    forgetStatementShapes();
  }
}

describe("statement checks called by name: the same findings as checks called for every statement", function () {
  it("over every corpus configuration (the peers' fixtures among them)", function () {
    needShared(this);
    this.timeout(300_000);
    const filtered = STATEMENT_CHECKS.filter((c) => c.names !== undefined).length;
    assert.ok(filtered >= 15, `${filtered} checks look at a few names`);
    let configs = 0;
    let found = 0;
    for (const { config } of corpusConfigurations()) {
      const [byName, everyStatement] = both(config);
      assert.deepEqual(byName, everyStatement, config.root.path);
      found += byName.length;
      configs++;
    }
    assert.ok(configs > 500, `${configs} configurations`);
    assert.ok(found > 1000, `${found} findings compared`);
  });

  it("on map entries and http-level settings that the filters let through by `entries` and by name", function () {
    const text = [
      "events {}",
      "http {",
      "  client_max_body_size 10m;",
      "  map $http_origin $cors { ~^https?://.*\\.example\\.com $http_origin; }",
      "  map $http_x_tenant $upstream_host { default $http_x_tenant; }",
      "  map $uri $target { /a $http_x_a; /b $http_x_b; }",
      "  server {",
      "    listen 80;",
      "    location / { proxy_set_header Host $upstream_host; add_header X-T $target; proxy_pass http://127.0.0.1:81; }",
      '    location /t { return 200 "t=$target"; }',
      "    if ($http_origin ~ example.com) { return 403; }",
      "  }",
      "}",
    ].join("\n");
    const source = new MemoryFileSource({ "/p/nginx.conf": text });
    const [byName, everyStatement] = both(loadConfiguration("/p/nginx.conf", { source }));
    assert.deepEqual(byName, everyStatement);
    const rules = new Set(byName.map((f) => JSON.parse(f)[0] as string));
    for (const rule of ["origins", "host-spoofing", "hash-without-default"])
      assert.ok(rules.has(rule), `${rule} fires: ${[...rules].join(", ")}`);
  });
});

/**
 * The findings of a one-time analysis with the checks called by name, and with every check called for every
 * statement (one-time: a language server's analysis keeps each block's findings, and the second run would
 * replay the first's).
 */
function both(config: Configuration): [string[], string[]] {
  const options = { strict: false, nginxVersion: "1.22.1", once: true };
  forgetStatementShapes();
  const byName = plain(runChecks(config, options));
  return [byName, unfiltered(() => plain(runChecks(config, options)))];
}
