// `nginx-risk check` in-process (main(argv, io) with its own working directory): the options and their
// errors, --fail-on, the SARIF log checked against the official schema, the JSON shape, the text output.
//
// The SARIF 2.1.0 schema is the one Microsoft's SARIF SDK for JavaScript ships: npm package
// @microsoft/jest-sarif 1.0.0-beta.0, file lib/schemas/sarif-2.1.0-rtm.5.json ("Static Analysis Results
// Format (SARIF) Version 2.1.0-rtm.5 JSON Schema", the OASIS 2.1.0 schema as published on SchemaStore). It is
// JSON Schema draft-04, hence ajv-draft-04 1.0.0 (on ajv 8.20.0), with ajv-formats 3.0.1 so that `uri` and
// `uri-reference` are checked (a path with a space must be percent-encoded to pass). The schema's `language`
// pattern is not a valid Unicode-mode RegExp, hence `unicodeRegExp: false`.

import { strict as assert } from "assert";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { runCheck, type CheckResult } from "../../server/src/cli/check";
import { costLines, formatBytes, formatCount, formatFindings } from "../../server/src/cli/format";
import { main } from "../../server/src/cli/main";
import { RULE_DESCRIPTIONS, toSarif } from "../../server/src/cli/sarif";
import { CATALOGUE } from "../../server/src/rules/catalogue";
import type { Finding } from "../../server/src/rules";
import { REPO } from "../support/shared";

const SCHEMA_FILE = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");

function sarifValidator(): (log: unknown) => void {
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")));
  return (log) => {
    if (!validate(log)) assert.fail(`not valid SARIF 2.1.0:\n${JSON.stringify(validate.errors, null, 2)}`);
  };
}

function check(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = main(["check", ...args], {
    out: (s) => (stdout += s),
    err: (s) => (stderr += s + "\n"),
    cwd,
  });
  return { code, stdout, stderr };
}

function tempTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-check-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

// server_tokens off: the version is not disclosed (version-disclosure): nothing to say about it at all.
const FINE = { "nginx.conf": "events {}\nhttp {\n    server_tokens off;\n    server { listen 80; }\n}\n" };
// A syntax error (error, with a related location), an absolute include the workspace does not hold (warning)
// and a file no main file includes (hint).
const SEVERAL = {
  "nginx.conf": "events {}\nhttp {\n    include conf.d/*.conf;\n    include /etc/nginx/missing.conf;\n}\n",
  "conf.d/app.conf": "server {\n    listen 80;\n    location / { return 200 }\n}\n",
  "sites-available/orphan": "location /x {\n    return 204;\n}\n",
};
const HINT_ONLY = { "site.conf": "server {\n    listen 80;\n}\n" };
const WARNING_ONLY = {
  "nginx.conf": "events {}\nhttp {\n    server_tokens off;\n    include /etc/nginx/missing.conf;\n}\n",
};
const ERROR_ONLY = { "nginx.conf": "events {}\nhttp {\n    server_tokens off;\n    server { listen 80 }\n}\n" };

describe("nginx-risk check: options", function () {
  const dir = tempTree(FINE);

  for (const [args, message] of [
    [["--format", "xml"], /--format must be text, json, sarif, github, checkstyle, not "xml"/],
    [["--fail-on", "critical"], /--fail-on must be one of error, warning, info, hint, never, not "critical"/],
    [["--fail-on"], /--fail-on needs a value/],
    [
      ["--lua-nginx-module-version", "0.10.25", "--openresty-version", "1.21.4.3"],
      /--lua-nginx-module-version and --openresty-version exclude each other/,
    ],
    [["--nginx-version", "latest"], /--nginx-version needs a version such as 1\.2\.3, not "latest"/],
    [["--openresty-version=stable"], /--openresty-version needs a version/],
    [["--lua-nginx-module-version", ""], /--lua-nginx-module-version needs a version/],
    [["--openssl-version", "three"], /--openssl-version needs a version/],
    [["--memory-budget", "0"], /--memory-budget needs a size in MiB greater than 0, not "0"/],
    [["--memory-budget", "-5"], /--memory-budget needs a size in MiB/],
    [["--memory-budget", "2GiB"], /--memory-budget needs a size in MiB/],
    [["--memory-budget="], /--memory-budget needs a size in MiB/],
    [["--fail-on", "error", "--frob"], /unknown option "--frob" for "check"/],
  ] as [string[], RegExp][]) {
    it(`exit 2: ${args.join(" ")}`, function () {
      const r = check(args, dir);
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "", "nothing on stdout");
    });
  }

  it("accepts valid versions, a budget in MiB and every --format / --fail-on value", function () {
    for (const args of [
      ["--nginx-version", "1.22.1", "--lua-nginx-module-version", "0.10.25", "--openssl-version", "3.0.11"],
      ["--openresty-version=1.21.4.3", "--nginx-version", "v1.21.4"],
      ["--memory-budget", "1.5"],
      ["--memory-budget=4096"],
      ...["text", "json", "sarif"].map((f) => ["--format", f]),
      ...["error", "warning", "info", "hint", "never"].map((f) => ["--fail-on", f]),
    ]) {
      const r = check([".", ...args], dir);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}${r.stdout}`);
    }
  });

  it("exit 2 for a missing input or an unreadable --root, relative to the working directory", function () {
    const missing = check(["nope.conf"], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.conf: no such file or directory/);
    const root = check(["--root", "nope.conf"], dir);
    assert.equal(root.code, 2);
    assert.match(root.stderr, /--root nope\.conf: not a readable file/);
    assert.equal(check(["--root", "nginx.conf"], dir).code, 0);
  });
});

describe("nginx-risk check: --fail-on", function () {
  const cases: [string, Record<string, string>, Record<string, number>][] = [
    // A syntax error: 1 at every threshold but never.
    ["a syntax error", ERROR_ONLY, { default: 1, error: 1, warning: 1, info: 1, hint: 1, never: 0 }],
    // An absolute include the workspace does not hold is a warning (the server may have it).
    [
      "an absolute include not in the workspace",
      WARNING_ONLY,
      { default: 0, error: 0, warning: 1, info: 1, hint: 1, never: 0 },
    ],
    // A file no main file includes, analysed in a guessed context: a hint.
    ["a guessed context", HINT_ONLY, { default: 0, error: 0, warning: 0, info: 0, hint: 1, never: 0 }],
  ];
  for (const [what, files, expected] of cases) {
    it(`${what}: ${Object.entries(expected)
      .map(([k, v]) => `${k} → ${v}`)
      .join(", ")}`, function () {
      const dir = tempTree(files);
      for (const [failOn, code] of Object.entries(expected)) {
        const args = failOn === "default" ? ["."] : [".", "--fail-on", failOn];
        for (const format of ["text", "json", "sarif"]) {
          assert.equal(check([...args, "--format", format], dir).code, code, `--fail-on ${failOn} --format ${format}`);
        }
      }
    });
  }

  it("the configurations give the severities the cases are named after", function () {
    const top = (files: Record<string, string>): string[] =>
      JSON.parse(check([".", "--format", "json"], tempTree(files)).stdout).findings.map(
        (f: { severity: string; code: string }) => `${f.severity}/${f.code}`,
      );
    assert.ok(top(ERROR_ONLY).every((s) => s.startsWith("error/")) && top(ERROR_ONLY).length > 0);
    assert.deepEqual(top(WARNING_ONLY), ["warning/include-not-in-workspace"]);
    assert.deepEqual(top(HINT_ONLY), ["hint/guessed-context"]);
  });
});

describe("nginx-risk check: facts around the configuration", function () {
  it("looks in the folders given and in the folder of each main file given as a file", function () {
    const dir = tempTree({
      "etc/nginx/nginx.conf": FINE["nginx.conf"],
      "etc/nginx/sites/a.conf": "server { listen 81; }\n",
      "deploy/site.conf": "server { listen 80; }\n",
      "dumps/dump.txt": "# configuration file /etc/nginx/nginx.conf:\nevents {}\n",
    });
    const at = (...p: string[]) => path.join(dir, ...p);
    const folders = (inputs: string[], root?: string) =>
      runCheck({ inputs: inputs.map((i) => at(i)), root: root && at(root), mappings: [], strict: false }).factFolders;
    assert.deepEqual(folders(["etc/nginx"]), [at("etc/nginx")]);
    assert.deepEqual(folders(["deploy/site.conf"]), [at("deploy")]);
    // A file included by a main file given too: the main file's folder.
    assert.deepEqual(folders(["etc/nginx/sites/a.conf", "etc/nginx/nginx.conf"]), [at("etc/nginx")]);
    // A folder inside another one is covered by it.
    assert.deepEqual(folders(["etc/nginx", "etc/nginx/sites/a.conf", "etc"]), [at("etc")]);
    assert.deepEqual(folders(["etc/nginx", "deploy/site.conf", "dumps/dump.txt"]), [
      at("deploy"),
      at("dumps"),
      at("etc/nginx"),
    ]);
    assert.deepEqual(folders([], "etc/nginx/nginx.conf"), [at("etc/nginx")]);
  });

  it("hands the versions found there (a Dockerfile's FROM) to the rules", function () {
    const dir = tempTree({
      "nginx.conf": FINE["nginx.conf"],
      Dockerfile: "FROM openresty/openresty:1.21.4.1-0-jammy\nCOPY nginx.conf /usr/local/openresty/nginx/conf/\n",
    });
    const result = runCheck({ inputs: [dir], mappings: [], strict: false });
    assert.deepEqual(
      result.facts.versions.map((v) => [v.component, v.version, v.path]),
      [["openresty", "1.21.4.1", path.join(dir, "Dockerfile")]],
    );
  });
});

describe("nginx-risk check --format sarif", function () {
  const validate = sarifValidator();

  it("validates the schema checker itself: it rejects a broken log", function () {
    assert.throws(() => validate({ version: "2.1.0", runs: [{ tool: { driver: {} } }] }), /not valid SARIF/);
    assert.throws(
      () =>
        validate({
          version: "2.1.0",
          runs: [
            {
              tool: { driver: { name: "x" } },
              results: [
                { message: { text: "m" }, locations: [{ physicalLocation: { artifactLocation: { uri: "a b" } } }] },
              ],
            },
          ],
        }),
      /uri-reference/,
    );
  });

  it("several findings, related locations: a valid SARIF 2.1.0 log", function () {
    const dir = tempTree(SEVERAL);
    const r = check([".", "--format", "sarif"], dir);
    assert.equal(r.code, 1, r.stderr);
    const log = JSON.parse(r.stdout);
    validate(log);
    assert.equal(log.version, "2.1.0");
    assert.equal(log.runs.length, 1);
    const run = log.runs[0];
    assert.equal(run.tool.driver.name, "nginx-risk");
    assert.match(run.tool.driver.version, /^\d+\.\d+\.\d+/);
    assert.equal(run.originalUriBaseIds["%SRCROOT%"].uri, pathToFileURL(dir).href + "/");
    assert.equal(run.columnKind, "utf16CodeUnits");

    // No URL names the project (it has no web host): each rule's help is its page, written in.
    assert.equal(run.tool.driver.informationUri, undefined);
    const rules = run.tool.driver.rules as {
      id: string;
      name: string;
      helpUri?: string;
      help: { text: string; markdown: string };
    }[];
    assert.deepEqual(
      rules.map((x) => x.id),
      [...new Set(run.results.map((x: { ruleId: string }) => x.ruleId))].sort(),
      "one descriptor per rule that has results",
    );
    for (const [i, rule] of rules.entries()) {
      assert.equal(rule.helpUri, undefined, rule.id);
      const page = fs.readFileSync(path.join(REPO, "docs/rules", `${rule.id}.md`), "utf8");
      // The page, apart from its links into the package's folder (a code-scanning alert cannot open them).
      const relativeLink = /\]\((?![a-z][a-z0-9+.-]*:)[^)]*\)/i;
      assert.doesNotMatch(rule.help.markdown, relativeLink, rule.id);
      const helpLines = rule.help.markdown.split("\n");
      const pageLines = page.split("\n");
      assert.equal(helpLines.length, pageLines.length, rule.id);
      for (const [n, line] of pageLines.entries())
        if (!line.includes("](")) assert.equal(helpLines[n], line, `${rule.id}:${n + 1}`);
      assert.match(rule.help.text, new RegExp(`docs/rules/${rule.id}\\.md`));
      for (const res of run.results.filter((x: { ruleId: string }) => x.ruleId === rule.id)) {
        assert.equal(res.ruleIndex, i);
      }
    }

    const byCode = (code: string) =>
      run.results.find((x: { properties: { code: string } }) => x.properties.code === code);
    const semicolon = byCode("missing-semicolon");
    assert.equal(semicolon.level, "error");
    assert.deepEqual(semicolon.locations[0].physicalLocation, {
      artifactLocation: { uri: "conf.d/app.conf", uriBaseId: "%SRCROOT%" },
      region: { startLine: 3, startColumn: 25, endLine: 3, endColumn: 28 },
    });
    assert.deepEqual(semicolon.relatedLocations, [
      {
        id: 0,
        physicalLocation: {
          artifactLocation: { uri: "conf.d/app.conf", uriBaseId: "%SRCROOT%" },
          region: { startLine: 3, startColumn: 29, endLine: 3, endColumn: 30 },
        },
        message: { text: 'the statement runs into this "}" (nginx: unexpected "}")' },
      },
    ]);
    assert.equal(byCode("include-not-in-workspace").level, "warning");
    const hint = byCode("guessed-context");
    assert.equal(hint.level, "none");
    assert.equal(hint.ruleId, "context");
    assert.equal(hint.locations[0].physicalLocation.artifactLocation.uri, "sites-available/orphan");

    // The same findings as the JSON output, in the same order, same positions.
    const json = JSON.parse(check([".", "--format", "json"], dir).stdout).findings;
    assert.deepEqual(
      run.results.map((x: { ruleId: string; properties: { code: string }; message: { text: string } }) => [
        x.ruleId,
        x.properties.code,
        x.message.text,
      ]),
      json.map((f: { ruleId: string; code: string; message: string }) => [f.ruleId, f.code, f.message]),
    );
  });

  it("a cost finding (the bundled example): related locations and its data as properties", function () {
    const r = check(["examples/openresty", "--format", "sarif"], REPO);
    assert.equal(r.code, 0, r.stderr);
    const log = JSON.parse(r.stdout);
    validate(log);
    const res = log.runs[0].results.find((x: { ruleId: string }) => x.ruleId === "lua-ssl-per-location");
    assert.ok(res, JSON.stringify(log.runs[0].results.map((x: { ruleId: string }) => x.ruleId)));
    assert.equal(res.level, "note");
    assert.equal(res.locations[0].physicalLocation.artifactLocation.uri, "examples/openresty/nginx.conf");
    assert.ok(res.relatedLocations.length >= 2);
    assert.equal(res.properties.code, "per-location");
    assert.equal(res.properties.contexts, 5);
    assert.equal(res.properties.bundle.path, "/etc/ssl/certs/ca-certificates.crt");
  });

  it("no findings: a valid log with no results and no rules", function () {
    const r = check([".", "--format", "sarif"], tempTree(FINE));
    assert.equal(r.code, 0);
    const log = JSON.parse(r.stdout);
    validate(log);
    assert.deepEqual(log.runs[0].results, []);
    assert.deepEqual(log.runs[0].tool.driver.rules, []);
  });

  it("paths with spaces, #, % and non-ASCII are percent-encoded URIs that resolve to the files", function () {
    const dir = tempTree({
      "my configs/nginx.conf": 'events {}\nhttp {\n    server_tokens off;\n    include "sites #1/*.conf";\n}\n',
      "my configs/sites #1/café 100%.conf": "server {\n    listen 80\n}\n",
    });
    const r = check(["my configs", "--format", "sarif"], dir);
    assert.equal(r.code, 1, r.stderr);
    const log = JSON.parse(r.stdout);
    validate(log);
    const run = log.runs[0];
    const base = run.originalUriBaseIds["%SRCROOT%"].uri;
    assert.ok(run.results.length > 0);
    for (const res of run.results) {
      const loc = res.locations[0].physicalLocation.artifactLocation;
      assert.equal(loc.uri, "my%20configs/sites%20%231/caf%C3%A9%20100%25.conf");
      assert.equal(loc.uriBaseId, "%SRCROOT%");
      const url = new URL(loc.uri, base);
      assert.equal(decodeURIComponent(url.pathname), path.join(dir, "my configs/sites #1/café 100%.conf"));
    }
  });

  it("a file outside the working directory gets an absolute file: URI", function () {
    const dir = tempTree({ "conf/site.conf": "server { listen 80 }\n", "elsewhere/x": "" });
    const r = check(["../conf/site.conf", "--format", "sarif"], path.join(dir, "elsewhere"));
    const log = JSON.parse(r.stdout);
    validate(log);
    for (const res of log.runs[0].results) {
      assert.deepEqual(res.locations[0].physicalLocation.artifactLocation, {
        uri: pathToFileURL(path.join(dir, "conf/site.conf")).href,
      });
    }
  });

  it("levels: error → error, warning → warning, info → note, hint → none; properties = data + code", function () {
    const at = (line: number) => ({
      start: { line, character: 0, offset: line * 10 },
      end: { line, character: 4, offset: line * 10 + 4 },
    });
    const cwd = "/srv/conf";
    const findings: Finding[] = (["error", "warning", "info", "hint"] as const).map((severity, i) => ({
      ruleId: i < 2 ? "made-up-rule" : "syntax",
      code: `c${i}`,
      severity,
      path: `/srv/conf/f${i}.conf`,
      range: at(i),
      message: `m${i}`,
      data:
        i === 0
          ? { contexts: 3, bundle: { path: "/etc/ssl/b.pem", bytes: 10, certificates: 1, assumed: true } }
          : undefined,
    }));
    const result: CheckResult = {
      roots: ["/srv/conf/f0.conf"],
      files: 4,
      filesByRoot: new Map([["/srv/conf/f0.conf", findings.map((f) => f.path)]]),
      findings,
      rootsOf: new Map(findings.map((f) => [f, ["/srv/conf/f0.conf"]])),
      factFolders: ["/srv/conf"],
      facts: { configTests: [], versions: [] },
    };
    const log = toSarif(result, { cwd, version: "9.9.9" });
    validate(log);
    const run = log.runs[0];
    assert.deepEqual(
      run.results.map((x) => x.level),
      ["error", "warning", "note", "none"],
    );
    assert.deepEqual(run.results[0].properties, {
      contexts: 3,
      bundle: { path: "/etc/ssl/b.pem", bytes: 10, certificates: 1, assumed: true },
      code: "c0",
    });
    assert.deepEqual(run.results[3].properties, { code: "c3" });
    assert.deepEqual(
      run.tool.driver.rules.map((x) => [x.id, x.name, x.shortDescription.text]),
      [
        ["made-up-rule", "MadeUpRule", 'nginx-risk rule "made-up-rule"'],
        ["syntax", "Syntax", RULE_DESCRIPTIONS.syntax],
      ],
    );
    assert.deepEqual(
      run.results.map((x) => x.ruleIndex),
      [0, 0, 1, 1],
    );
  });

  it("rule descriptions are the titles of docs/rules/<id>.md", function () {
    const titles = { ...Object.fromEntries(CATALOGUE.map((e) => [e.id, e.title])), ...RULE_DESCRIPTIONS };
    for (const [id, text] of Object.entries(titles)) {
      const title = fs.readFileSync(path.join(REPO, "docs/rules", `${id}.md`), "utf8").split("\n")[0];
      assert.equal(title, `# \`${id}\` — ${text}`);
    }
  });
});

describe("nginx-risk check --format json", function () {
  it("keeps the version-1 shape: the same keys in the same order", function () {
    const r = check([".", "--format", "json"], tempTree(SEVERAL));
    const json = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(json), ["version", "findings"]);
    assert.equal(json.version, 1);
    assert.ok(json.findings.length >= 3);
    for (const f of json.findings) {
      assert.deepEqual(
        Object.keys(f).filter((k) => k !== "data"),
        ["ruleId", "code", "severity", "file", "line", "column", "endLine", "endColumn", "message"],
      );
    }
  });
});

describe("nginx-risk check: text output", function () {
  it("formatBytes: binary units, 2–3 significant digits", function () {
    const cases: [number, string][] = [
      [0, "0 B"],
      [512, "512 B"],
      [1023, "1023 B"],
      [1024, "1 KiB"],
      [1536, "1.5 KiB"],
      [10 * 1024, "10 KiB"],
      [100 * 1024, "100 KiB"],
      [800 * 1024, "800 KiB"],
      [852057, "832 KiB"],
      [999.4 * 1024, "999 KiB"],
      [999.6 * 1024, "0.98 MiB"],
      [1024 * 1024, "1 MiB"],
      [5 * 852057, "4.06 MiB"],
      [14074238, "13.4 MiB"],
      [45.3 * 1024 * 1024, "45.3 MiB"],
      [3.2 * 1024 ** 3, "3.2 GiB"],
      [6.44 * 1024 ** 3, "6.44 GiB"],
      [1200 * 1024 ** 3, "1,200 GiB"],
      [-2048, "-2 KiB"],
    ];
    for (const [n, s] of cases) assert.equal(formatBytes(n), s, String(n));
  });

  it("formatCount: thousands separators", function () {
    const cases: [number, string][] = [
      [0, "0"],
      [7, "7"],
      [999, "999"],
      [4002, "4,002"],
      [219597, "219,597"],
      [1234567, "1,234,567"],
      [-1024, "-1,024"],
      [12.6, "13"],
    ];
    for (const [n, s] of cases) assert.equal(formatCount(n), s, String(n));
  });

  // A finding as an SSL-cost rule gives it (built here: this tests the formatter, not the rule).
  const costData = {
    contexts: 4002,
    totalContexts: 4002,
    bundle: { path: "/etc/ssl/certs/ca-certificates.crt", bytes: 219597, certificates: 144, assumed: false },
    bytesPerContext: 832 * 1024,
    estimatedBytes: Math.round(3.2 * 1024 ** 3),
    reloadPeakBytes: Math.round(6.4 * 1024 ** 3),
    configTestParses: 4002,
    assumptions: ["lua-nginx-module ≤ 0.10.25 (version unknown)"],
  };

  it("costLines: what a cost finding measured, in three lines", function () {
    assert.deepEqual(costLines(costData), [
      "4,002 SSL contexts load /etc/ssl/certs/ca-certificates.crt (219,597 B, 144 certificates) at ~832 KiB each",
      "whole configuration: master ~3.2 GiB, reload peak ~6.4 GiB; nginx -t parses CA bundles 4,002 times in all",
      "assumed: lua-nginx-module ≤ 0.10.25 (version unknown)",
    ]);
    // The finding's own parses on its line; the configuration's in all on the next.
    assert.deepEqual(costLines({ ...costData, parses: 2, configTestParses: 7, assumptions: [] }), [
      "4,002 SSL contexts load /etc/ssl/certs/ca-certificates.crt (219,597 B, 144 certificates) at ~832 KiB each; " +
        "parsed 2 times per nginx -t",
      "whole configuration: master ~3.2 GiB, reload peak ~6.4 GiB; nginx -t parses CA bundles 7 times in all",
    ]);
    // A bundle of unknown size: why, and no byte figure anywhere.
    assert.deepEqual(
      costLines({
        contexts: 7,
        bundle: {
          path: "/config/keys/cert.crt",
          bytes: null,
          certificates: null,
          assumed: false,
          unknown: "not found",
        },
        bytesPerContext: null,
        parses: 7,
        estimatedBytes: null,
        reloadPeakBytes: null,
        instancePeakBytes: null,
        configTestParses: 7,
      }),
      [
        "7 SSL contexts load /config/keys/cert.crt (size unknown: not found); parsed 7 times per nginx -t",
        "whole configuration: memory unknown (a CA bundle's size is unknown); nginx -t parses CA bundles 7 times in all",
      ],
    );
    assert.deepEqual(
      costLines({
        contexts: 1,
        totalContexts: 3,
        bundle: { path: "/x.pem", bytes: 219597, certificates: 144, assumed: true },
        configTestParses: 1,
      }),
      [
        "1 SSL context loads /x.pem (assumed: 219,597 B, 144 certificates)",
        "whole configuration: nginx -t parses CA bundles once in all",
      ],
    );
    assert.deepEqual(
      costLines({
        estimatedBytes: 14074238,
        reloadPeakBytes: 18375748,
        instancePeakBytes: 22677258,
        notes: ["cost per context measured with OpenSSL 3.0; OpenSSL 1.1.1w not verified"],
      }),
      [
        "whole configuration: master ~13.4 MiB, reload peak ~17.5 MiB (with workers ~21.6 MiB)",
        "note: cost per context measured with OpenSSL 3.0; OpenSSL 1.1.1w not verified",
      ],
    );
    assert.deepEqual(costLines(undefined), []);
    assert.deepEqual(costLines({ foo: 1 }), []);
    assert.deepEqual(costLines({ contexts: "many", estimatedBytes: "big", assumptions: "x" }), [], "wrong shapes");
  });

  it("prints the block under its finding and a memory total per configuration", function () {
    const range = {
      start: { line: 11, character: 8, offset: 200 },
      end: { line: 11, character: 40, offset: 232 },
    };
    const finding: Finding = {
      ruleId: "lua-ssl-per-location",
      code: "per-location",
      severity: "warning",
      path: "/srv/nginx/sites/api.conf",
      range,
      message: "lua_ssl_trusted_certificate in location blocks: each location loads the bundle",
      data: costData,
    };
    const plain: Finding = { ...finding, ruleId: "syntax", code: "x", severity: "error", message: "broken", data: {} };
    plain.range = { start: { ...range.start, line: 2, offset: 20 }, end: { ...range.end, line: 2, offset: 30 } };
    const result: CheckResult = {
      roots: ["/srv/nginx/nginx.conf"],
      files: 2,
      filesByRoot: new Map([["/srv/nginx/nginx.conf", ["/srv/nginx/nginx.conf", "/srv/nginx/sites/api.conf"]]]),
      findings: [plain, finding],
      rootsOf: new Map([
        [plain, ["/srv/nginx/nginx.conf"]],
        [finding, ["/srv/nginx/nginx.conf"]],
      ]),
      factFolders: ["/srv/nginx"],
      facts: { configTests: [], versions: [] },
    };
    assert.equal(
      formatFindings(result, "text", "/srv/nginx"),
      [
        "read nginx.conf and what it includes: sites/api.conf",
        "sites/api.conf:3:9: error: broken [syntax/x]",
        "sites/api.conf:12:9: warning: lua_ssl_trusted_certificate in location blocks: each location loads the bundle [lua-ssl-per-location/per-location]",
        "    4,002 SSL contexts load /etc/ssl/certs/ca-certificates.crt (219,597 B, 144 certificates) at ~832 KiB each",
        "    whole configuration: master ~3.2 GiB, reload peak ~6.4 GiB; nginx -t parses CA bundles 4,002 times in all",
        "    assumed: lua-nginx-module ≤ 0.10.25 (version unknown)",
        // The page shipped in the package (here the repository's, outside the working directory).
        `    how to fix: ${path.join(REPO, "docs", "rules", "lua-ssl-per-location.md")}`,
        "memory of nginx.conf: master ~3.2 GiB, reload peak ~6.4 GiB; nginx -t parses CA bundles 4,002 times in all",
        "1 error(s), 1 warning(s), 0 note(s) in 2 file(s) of 1 configuration(s); nginx -t would fail (1 error(s) stop it)",
        "",
      ].join("\n"),
    );
  });

  it("the bundled example: a real cost finding, what it measured, the configuration's total", function () {
    const r = check(["examples/openresty"], REPO);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    const at = lines.findIndex((l) =>
      /^examples\/openresty\/nginx\.conf:21:5: info: .* \[lua-ssl-per-location\/per-location\]$/.test(l),
    );
    assert.ok(at >= 0, r.stdout);
    const block = lines.slice(at + 1, at + 4).join("\n");
    const size = String.raw`~[\d.]+ [KM]iB`;
    assert.match(
      block,
      new RegExp(
        "^ {4}5 SSL contexts load /etc/ssl/certs/ca-certificates\\.crt \\((assumed: )?[\\d,]+ B, [\\d,]+ certificates\\) " +
          `at ${size} each; parsed 5 times per nginx -t\n` +
          ` {4}whole configuration: master ${size}, reload peak ${size} \\(with workers ${size}\\); ` +
          "nginx -t parses CA bundles 5 times in all\n" +
          " {4}assumed: lua-nginx-module version unknown",
      ),
      r.stdout,
    );
    assert.match(
      r.stdout,
      new RegExp(
        `^memory of examples/openresty/nginx\\.conf: master ${size}, reload peak ${size} \\(with workers ${size}\\); ` +
          "nginx -t parses CA bundles 5 times in all$",
        "m",
      ),
    );
  });

  it("the versions and the budget reach the rules", function () {
    const findings = (...args: string[]) =>
      JSON.parse(check(["examples/openresty", "--format", "json", ...args], REPO).stdout).findings.filter(
        (f: { ruleId: string }) => f.ruleId === "lua-ssl-per-location",
      );
    const unknown = findings();
    assert.equal(unknown.length, 1);
    assert.ok(unknown[0].data.assumptions.length > 0);
    // The bundle, /etc/ssl/certs/ca-certificates.crt, is outside the folder given: not read, and said.
    const versionAssumptions = (f: { data: { assumptions: string[] } }): string[] =>
      f.data.assumptions.filter((a) => !a.startsWith("bundle "));
    const known = findings("--lua-nginx-module-version", "0.10.25", "--nginx-version", "1.22.1");
    assert.equal(known[0].data.versions.luaNginxModule, "0.10.25");
    assert.deepEqual(versionAssumptions(known[0]), []);
    assert.equal(known[0].data.assumptions.length, 1);
    assert.match(known[0].data.assumptions[0], /^bundle \/etc\/ssl\/certs\/ca-certificates\.crt not read \(.*outside/);
    assert.equal(known[0].data.bundle.assumed, true);
    // The nginx core decides whether the bundle is parsed per context (1.27.2 caches it): unknown, it is named.
    assert.deepEqual(versionAssumptions(findings("--lua-nginx-module-version", "0.10.25")[0]), [
      "nginx version unknown, so < 1.27.2 (every context parses the bundle)",
    ]);
    // lua-nginx-module 0.10.26 (OpenResty 1.25.3.1 bundles it) shares the http-level context: one context,
    // reported as a hint of what the directive costs, not as a multiplied risk.
    const shared = (f: { severity: string; data: { contexts: number } }[]) =>
      f.map((x) => [x.severity, x.data.contexts]);
    assert.deepEqual(shared(findings("--lua-nginx-module-version", "0.10.26")), [["hint", 1]]);
    assert.deepEqual(shared(findings("--openresty-version", "1.25.3.1")), [["hint", 1]]);
    assert.equal(findings("--openresty-version", "1.21.4.3")[0].data.versions.luaNginxModule, "0.10.25");
    // A budget below the reload peak makes the finding an error, and the run fail. The example names the
    // system bundle, /etc/ssl/certs/ca-certificates.crt: mapped to an empty folder, it is not this machine's
    // (whose size changes with ca-certificates updates) but the assumed one, Debian 12's 219,597 B / 144
    // certificates, which the figures below are computed from.
    const noBundle = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-no-bundle-"));
    try {
      const map = ["--map", `/etc/ssl/certs/=${noBundle}/`];
      const tight = check(["examples/openresty", "--memory-budget", "1", ...map], REPO);
      assert.equal(tight.code, 1);
      assert.match(tight.stdout, /nginx\.conf:21:5: error: /);
      assert.match(tight.stdout, /\(assumed: 219,597 B, 144 certificates\)/);
      assert.match(
        tight.stdout,
        /^ {4}whole configuration: master ~13\.4 MiB, reload peak ~17\.5 MiB .*, over the budget of 1 MiB;/m,
      );
      // Under the budget, no cost error (the empty folder mapped in place of /etc/ssl/certs/ makes the bundle
      // missing for rule file, which nginx -t would refuse: not what this asserts).
      const roomy = check(["examples/openresty", "--memory-budget", "4096", "--format", "json", ...map], REPO);
      const costErrors = JSON.parse(roomy.stdout).findings.filter(
        (f: { ruleId: string; severity: string }) => f.ruleId === "lua-ssl-per-location" && f.severity === "error",
      );
      assert.deepEqual(costErrors, []);
    } finally {
      fs.rmSync(noBundle, { recursive: true, force: true });
    }
  });

  it("a real configuration without cost findings prints no cost lines", function () {
    const r = check(["."], tempTree(SEVERAL));
    assert.match(r.stdout, /^conf\.d\/app\.conf:3:25: error: "return" directive is not terminated by ";"/m);
    assert.doesNotMatch(r.stdout, /^ {4}|memory of/m);
    assert.match(
      r.stdout,
      /1 error\(s\), 1 warning\(s\), 1 note\(s\) in 3 file\(s\) of 2 configuration\(s\); nginx -t would (pass|fail \(\d+ error\(s\) stop it\))\n$/,
    );
  });
});

describe("nginx-risk check: a main file that includes itself through a symlink", function () {
  it("is analysed and fails with the include cycle (it was dropped: empty analysis, exit 0)", function () {
    // conf.d/loop.conf → ../nginx.conf: nginx -t fails reading the link (test/workspace/configuration.test.ts
    // compares with it). Before, nginx.conf "reached itself" by its real path and was no root any more.
    const dir = tempTree({ "nginx.conf": "events {}\nhttp {\n    include conf.d/*.conf;\n}\n", "conf.d/a.conf": "" });
    fs.symlinkSync("../nginx.conf", path.join(dir, "conf.d/loop.conf"));
    for (const input of [".", "nginx.conf"]) {
      const r = check([input, "--format", "json"], dir);
      assert.equal(r.code, 1, `${input}: ${r.stdout}`);
      const findings = JSON.parse(r.stdout).findings as { code: string; file: string; line: number }[];
      assert.deepEqual(
        findings.map((f) => [f.code, f.file, f.line]),
        [["include-cycle", "nginx.conf", 3]],
        input,
      );
    }
    assert.match(
      check(["."], dir).stdout,
      /in 2 file\(s\) of 1 configuration\(s\); nginx -t would (pass|fail \(\d+ error\(s\) stop it\))\n$/,
    );
  });
});

describe("nginx-risk check, fix, format: a folder scan that stops says so (--max-files)", function () {
  const validate = sarifValidator();
  const run = (args: string[], cwd: string): { code: number; stdout: string; stderr: string } => {
    let stdout = "";
    let stderr = "";
    const code = main(args, { out: (s) => (stdout += s), err: (s) => (stderr += s + "\n"), cwd });
    return { code, stdout, stderr };
  };
  // Eight main files: a limit of 5 leaves three unread. Before, the limit (2,000, not settable) stopped the
  // scan silently and check exited 0.
  const EIGHT = Object.fromEntries(
    Array.from({ length: 8 }, (_, i) => [`m${i}.conf`, "worker_processes 1;\nevents {}\n"]),
  );

  it("--max-files takes a whole number from 1", function () {
    const dir = tempTree(FINE);
    for (const v of ["0", "-1", "1.5", "many", ""]) {
      const r = check([".", "--max-files", v], dir);
      assert.equal(r.code, 2, v);
      assert.match(r.stderr, /--max-files needs a number of files from 1 to 10000000/);
    }
    assert.equal(check([".", "--max-files=1"], dir).code, 0);
  });

  it("text: the incomplete search is said with how to raise the limit, and check exits 2 whatever --fail-on says", function () {
    const dir = tempTree(EIGHT);
    for (const failOn of ["error", "never"]) {
      const r = check([".", "--max-files", "5", "--fail-on", failOn], dir);
      assert.equal(r.code, 2, r.stdout);
      assert.match(
        r.stdout,
        /^incomplete: the search for configuration files in \. stopped after 5 files: main files beyond them were not analysed; raise the limit with --max-files N \(now 5\)/m,
      );
      assert.match(
        r.stdout,
        /in 5 file\(s\) of 5 configuration\(s\); nginx -t would pass — the analysis is incomplete\n$/,
      );
    }
    // Exactly as many as allowed: complete.
    const all = check([".", "--max-files", "8"], dir);
    assert.equal(all.code, 0, all.stdout);
    assert.doesNotMatch(all.stdout, /incomplete/);
  });

  it("JSON: an `incomplete` list (only then), the message on stderr too", function () {
    const dir = tempTree(EIGHT);
    const r = check([".", "--max-files", "5", "--format", "json"], dir);
    assert.equal(r.code, 2);
    const json = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(json), ["version", "findings", "incomplete"]);
    // The *.conf files are also among the files read for facts (a .conf may be a systemd or monit file).
    assert.deepEqual(
      json.incomplete.map((x: Record<string, unknown>) => [x.folder, x.scan, x.reason, x.maxFiles, x.maxEntries]),
      [
        [".", "configuration", "files", 5, 500],
        [".", "facts", "files", 5, 100],
      ],
    );
    const [s] = json.incomplete;
    assert.match(s.message, /raise the limit with --max-files N/);
    assert.ok(r.stderr.includes(`nginx-risk: incomplete: ${s.message}`), r.stderr);
    assert.deepEqual(Object.keys(JSON.parse(check([".", "--format", "json"], dir).stdout)), ["version", "findings"]);
  });

  it("SARIF: a valid log whose invocation failed, with a tool execution notification", function () {
    const dir = tempTree(EIGHT);
    const r = check([".", "--max-files", "5", "--format", "sarif"], dir);
    assert.equal(r.code, 2);
    const log = JSON.parse(r.stdout);
    validate(log);
    const [inv] = log.runs[0].invocations;
    assert.equal(inv.executionSuccessful, false);
    assert.equal(inv.exitCode, 2);
    assert.equal(inv.toolExecutionNotifications.length, 2);
    assert.equal(inv.toolExecutionNotifications[0].level, "error");
    assert.match(inv.toolExecutionNotifications[0].message.text, /^incomplete: the search for configuration files/);
    assert.equal(JSON.parse(check([".", "--format", "sarif"], dir).stdout).runs[0].invocations, undefined);
  });

  it("the files around the configuration: their search stopping is said too", function () {
    const dir = tempTree({
      ...FINE,
      ...Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`cron.d/job${i}`, "* * * * * true\n"])),
    });
    const r = check([".", "--max-files", "3", "--format", "json"], dir);
    assert.equal(r.code, 2);
    assert.deepEqual(
      JSON.parse(r.stdout).incomplete.map((s: { scan: string }) => s.scan),
      ["facts"],
    );
  });

  it("fix fixes nothing and exits 2; format does the files found and exits 2", function () {
    const dir = tempTree(EIGHT);
    const fix = run(["fix", ".", "--diff", "--max-files", "5"], dir);
    assert.equal(fix.code, 2);
    assert.equal(fix.stdout, "");
    assert.match(fix.stderr, /incomplete: .*nothing was fixed/);
    const format = run(["format", ".", "--check", "--max-files", "5"], dir);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /incomplete: .*stopped after 5 files: files beyond them were not formatted/);
    assert.equal(run(["format", ".", "--check", "--max-files", "8"], dir).code, 0);
  });

  it("four links to '.': one configuration, read once (they multiplied it: 1,600 configurations)", function () {
    const dir = tempTree({ "nginx.conf": "events {}\nhttp { include conf.d/*.conf; }\n", "conf.d/a.conf": "" });
    for (const l of ["l1", "l2", "l3", "l4"]) fs.symlinkSync(".", path.join(dir, l));
    const r = check(["."], dir);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(
      r.stdout,
      "read nginx.conf and what it includes: conf.d/a.conf\n0 error(s), 0 warning(s), 0 note(s) in 2 file(s) of 1 configuration(s); nginx -t would pass\n",
    );
  });
});
