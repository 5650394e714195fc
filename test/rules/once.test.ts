// A one-time analysis (RuleOptions.once, what `nginx-risk check` runs) keeps nothing per block for a next
// analysis, and drops each fact a statement check's `resolve` would find the same as an earlier one of its
// scope (StatementCheck.sameAs: the later places of a variable's spelling, the later reads of a variable the
// same way). Neither may change a finding: over every corpus configuration, and on cases where the dropped
// facts sit in several scopes, the findings equal those of the language server's analysis, which keeps.

import { strict as assert } from "assert";
import { runChecks, type Finding, type RuleOptions } from "../../server/src/rules";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { corpusConfigurations } from "../support/corpus-variants";
import { needShared } from "../support/shared";
import { lines } from "../support/workspace-files";

const plain = (fs: Finding[]): string[] =>
  fs.map((f) => JSON.stringify([f.ruleId, f.code, f.path, f.range, f.message, f.related ?? [], f.data ?? {}]));

const options: RuleOptions = { strict: false, nginxVersion: "1.22.1" };

/** The findings of an analysis that keeps (first, on fresh trees) and of a one-time one, on the same trees. */
function both(text: string): { kept: string[]; once: string[] } {
  const source = new MemoryFileSource({ "/p/nginx.conf": text });
  const config = loadConfiguration("/p/nginx.conf", { source });
  const kept = plain(runChecks(config, { ...options, source }));
  return { kept, once: plain(runChecks(config, { ...options, source, once: true })) };
}

describe("a one-time analysis (check): the findings of an analysis that keeps", function () {
  this.timeout(600_000);

  it("over every corpus configuration", function () {
    needShared(this);
    let compared = 0;
    const found = new Map<string, number>();
    for (const { config } of corpusConfigurations()) {
      const kept = plain(runChecks(config, options));
      const once = plain(runChecks(config, { ...options, once: true }));
      assert.deepEqual(once, kept, config.root.path);
      compared++;
      for (const f of kept) {
        const rule = (JSON.parse(f) as string[])[0];
        found.set(rule, (found.get(rule) ?? 0) + 1);
      }
    }
    const total = [...found.values()].reduce((a, b) => a + b, 0);
    console.log(
      `      ${compared} configurations, ${total} findings alike (mixed-case-variable ${found.get("mixed-case-variable") ?? 0}, ` +
        `hash-without-default ${found.get("hash-without-default") ?? 0})`,
    );
    assert.ok(total > 1000, "the corpus gives findings to compare");
  });

  it("spellings and reads repeated across blocks and scopes: only the first of each counts, per scope", function () {
    const text = lines(
      "events {}",
      "http {",
      "  map $uri $Route { /a a; /b b; }",
      "  map $uri $gate { /a 1; /b 1; }",
      "  map $uri $side { /a 1; /b 1; }",
      "  server {",
      "    listen 80;",
      "    location /1 { return 200 $route; add_header X-Gate $gate; }",
      "    location /2 { return 200 $Route$ROUTE; add_header X-Gate $gate; }",
      "    location /3 { if ($side) { return 200 $ROUTE; } set $x $gate; return 200 $x; }",
      "    location /4 { add_header X-Side $side; return 200 $route; }",
      "  }",
      "}",
      "stream {",
      "  map $remote_addr $Route { default a; }",
      "  server { listen 81; return $route$ROUTE; }",
      "}",
    );
    const { kept, once } = both(text);
    assert.deepEqual(once, kept);
    const rules = kept.map((f) => (JSON.parse(f) as string[])[0]);
    // The case is worth its name: the spellings are reported in both scopes, and a map read "on" somewhere is
    // reported even though its other reads are where empty means off.
    assert.ok(rules.filter((r) => r === "mixed-case-variable").length >= 3, kept.join("\n"));
    assert.ok(rules.includes("hash-without-default"), kept.join("\n"));
  });

  it("mixed-case-variable: one upper-case spelling is enough (a one-time analysis reads the spellings only then)", function () {
    for (const statement of ["return 200 $Foo;", "add_header X-A ${Foo}x;", "proxy_set_header X-H $Host;"]) {
      const text = lines(
        "events {}",
        "http {",
        "  server {",
        "    listen 80;",
        `    location /a { set $foo 1; ${statement} }`,
        "  }",
        "}",
      );
      const { kept, once } = both(text);
      assert.deepEqual(once, kept, statement);
      assert.ok(
        kept.some((f) => (JSON.parse(f) as string[])[0] === "mixed-case-variable"),
        `${statement}: ${kept.join("\n")}`,
      );
    }
  });

  it("hash-without-default reads the uses in map entries too (a one-time analysis reads them after the walk)", function () {
    const text = lines(
      "events {}",
      "http {",
      "  map $uri $inner { /a 1; /b 2; }",
      "  map $uri $outer { /a $inner; /b 3; default 0; }",
      "  map $uri $quiet { /a 1; /b 2; }",
      "  server {",
      "    listen 80;",
      "    location / { add_header X-Inner $inner; add_header X-Quiet $quiet; return 200 $outer; }",
      "  }",
      "}",
    );
    const { kept, once } = both(text);
    assert.deepEqual(once, kept);
    // $inner is read where empty means off (add_header) and in a map entry (where it is not): reported; $quiet
    // only where empty means off: not.
    const reported = kept.filter((f) => (JSON.parse(f) as string[])[0] === "hash-without-default");
    assert.equal(reported.length, 1, kept.join("\n"));
    assert.match(reported[0], /map \$inner/);
  });
});
