// The model rules that leave out what cannot matter (issue 15's keystroke work): the upstream group skips the
// location configurations whose passes all go to upstream blocks or addresses from blocks that keep the
// connection alive (upstream-common.ts, PassTree), and ssrf / http-splitting read only the statements whose
// value reads more than builtins, or whose builtins alone are a finding, with the set/map of the names they
// read (variable-sinks.ts). Leaving them out must change no finding: over every corpus configuration, and on
// the cases that make a skipped block worth a look again, the findings equal those of a reading of everything.

import { strict as assert } from "assert";
import { runChecks, type Finding } from "../../server/src/rules";
import { pruning } from "../../server/src/rules/pruning";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { corpusConfigurations } from "../support/corpus-variants";
import { needShared } from "../support/shared";

const RULES = new Set([
  "ssrf",
  "http-splitting",
  "missing-resolver",
  "stale-dns-cache",
  "proxy-keepalive",
  "proxy-pass-normalized",
  "proxy-pass-with-uri",
  "try-files-with-proxy",
]);

const plain = (fs: Finding[]): string[] =>
  fs
    .filter((f) => RULES.has(f.ruleId))
    .map((f) => JSON.stringify([f.ruleId, f.code, f.path, f.range, f.message, f.related ?? [], f.data ?? {}]))
    .sort();

/**
 * The group's findings with and without leaving things out, and those of a one-time analysis (RuleOptions.once,
 * `nginx-risk check`), which reads every location's statements from the lists of the model's one walk
 * (model/index.ts oneTimeQuestions) without the subtree summaries.
 */
function both(check: (once: boolean) => Finding[]): { pruned: string[]; everything: string[]; once: string[] } {
  // The one-time analysis first: the others keep per-block summaries it would otherwise find made.
  const once = plain(check(true));
  const pruned = plain(check(false));
  pruning.upstream = pruning.variables = false;
  try {
    return { pruned, everything: plain(check(false)), once };
  } finally {
    pruning.upstream = pruning.variables = true;
  }
}

const options = { strict: false, nginxVersion: "1.22.1" };

function checkText(text: string): (once: boolean) => Finding[] {
  return (once) => {
    const source = new MemoryFileSource({ "/p/nginx.conf": text });
    return runChecks(loadConfiguration("/p/nginx.conf", { source }), { ...options, source, once });
  };
}

/** A server of quiet locations (passes to an upstream, kept alive) with `extra` in one place. */
const quietServer = (extra: { server?: string; location?: string; http?: string }): string =>
  [
    "events {}",
    "http {",
    "  upstream app { server 10.0.0.1:8080; keepalive 8; }",
    `  ${extra.http ?? ""}`,
    "  server {",
    "    listen 80;",
    `    ${extra.server ?? ""}`,
    ...Array.from({ length: 20 }, (_, i) =>
      [
        `    location /q${i} {`,
        "      proxy_http_version 1.1;",
        '      proxy_set_header Connection "";',
        "      proxy_set_header Host $host;",
        "      proxy_pass http://app;",
        "    }",
      ].join("\n"),
    ),
    // Kept alive as the others, so that only what the case adds can make it worth a look.
    `    location /x { proxy_http_version 1.1; proxy_set_header Connection ""; ${extra.location ?? ""} }`,
    "  }",
    "}",
  ].join("\n");

describe("rules that leave out what cannot matter: the same findings as reading everything", function () {
  this.timeout(600_000);

  it("over every corpus configuration", function () {
    needShared(this);
    let compared = 0;
    let found = 0;
    for (const { config } of corpusConfigurations()) {
      const { pruned, everything, once } = both((o) => runChecks(config, { ...options, once: o }));
      assert.deepEqual(pruned, everything, config.root.path);
      assert.deepEqual(once, everything, `${config.root.path} (once)`);
      compared++;
      found += pruned.length;
    }
    console.log(`      ${compared} configurations, ${found} findings of the group alike`);
    assert.ok(found > 100, "the corpus gives the group findings to compare");
  });

  // Each case makes one quiet location or server worth a look again, or redefines a builtin's name.
  const cases: [string, Parameters<typeof quietServer>[0], string][] = [
    ["a raw rewrite in the server", { server: "rewrite ^ $request_uri;" }, "proxy-pass-normalized"],
    [
      "a raw rewrite in an if of a location",
      { location: "if ($arg_r) { rewrite ^ $request_uri; } proxy_pass http://app;" },
      "proxy-pass-normalized",
    ],
    ["a pass to a host name no upstream has", { location: "proxy_pass http://api.example.com;" }, "stale-dns-cache"],
    [
      "a pass with variables and no resolver",
      { location: "set $b api.example.com; proxy_pass http://$b;" },
      "missing-resolver",
    ],
    [
      "a pass that does not keep the connection alive",
      { location: "proxy_http_version 1.0; proxy_pass http://app;" },
      "proxy-keepalive",
    ],
    [
      "a later Connection header that closes",
      { location: "proxy_set_header Connection close; proxy_pass http://app;" },
      "proxy-keepalive",
    ],
    ["try_files beside a pass", { location: "try_files $uri @x; proxy_pass http://app;" }, "try-files-with-proxy"],
    ["a pass with a URI part", { location: "proxy_pass http://app/v1/;" }, "proxy-pass-with-uri"],
    ["a client's host as the address", { location: "proxy_pass http://$http_host;" }, "ssrf"],
    [
      "a set of a header variable's name from $uri",
      { server: "set $http_zz $uri;", location: "add_header X-Zz $http_zz;" },
      "http-splitting",
    ],
    [
      "a map of a variable a pass reads",
      { http: "map $arg_t $target { default $arg_t; }", location: "proxy_pass http://$target;" },
      "ssrf",
    ],
  ];
  for (const [name, extra, rule] of cases)
    it(name, () => {
      const { pruned, everything, once } = both(checkText(quietServer(extra)));
      assert.deepEqual(pruned, everything);
      assert.deepEqual(once, everything, "a one-time analysis");
      assert.ok(
        pruned.some((f) => JSON.parse(f)[0] === rule),
        `${rule} fires on it: ${pruned.join("\n") || "(nothing)"}`,
      );
    });
});
