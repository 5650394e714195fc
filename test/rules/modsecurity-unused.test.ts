// modsecurity-unused over real configurations: each case is a set of files loaded with loadConfiguration
// (includes, path mappings, conf prefix) over a MemoryFileSource, and the exact findings it must give.

import { strict as assert } from "assert";
import { buildModel } from "../../server/src/model";
import { modsecurityUnusedFindings, readRulesFile } from "../../server/src/rules/modsecurity-unused";
import type { Finding } from "../../server/src/rules/types";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";

/** The workspace folder holding the configuration; `/etc/nginx` maps here (default mapping of an nginx.conf). */
const WS = "/srv/conf";
const ROOT = `${WS}/nginx.conf`;

const MAIN_RULES = [
  "# OWASP CRS entry point",
  "SecRuleEngine On",
  'SecRule ARGS "@rx attack" "id:1,phase:2,deny"',
  "",
].join("\n");

interface Expected {
  code: "on-without-rules" | "module-never-enabled" | "rules-per-block" | "rules-loaded-twice";
  severity: "error" | "warning" | "info";
  /** Workspace path relative to WS. */
  file: string;
  /** 1-based line of the directive reported. */
  line: number;
  /** data.locationConfigurations for the first two codes, data.parses for rules-per-block. */
  count: number;
  /** Other data fields to check exactly. */
  data?: Record<string, unknown>;
}

interface Case {
  name: string;
  /** Files relative to WS (absolute keys are taken as they are). */
  files: Record<string, string>;
  expected: Expected[];
  /** Substrings every finding's message must contain. */
  messages?: string[];
}

function lines(...l: string[]): string {
  return l.join("\n") + "\n";
}

const CASES: Case[] = [
  {
    name: "modsecurity on at http without any rules",
    files: {
      "nginx.conf": lines(
        "load_module modules/ngx_http_modsecurity_module.so;",
        "events {}",
        "http {",
        "    modsecurity on;",
        "    server {",
        "        listen 80;",
        "        location / { }",
        "        location /api { }",
        "    }",
        "}",
      ),
    },
    expected: [{ code: "on-without-rules", severity: "warning", file: "nginx.conf", line: 4, count: 3 }],
    messages: ["in 3 location configurations with nothing to enforce", "RulesSet per location configuration"],
  },
  {
    name: "on at server, rules at http: nothing to report",
    files: {
      "nginx.conf": lines(
        "http {",
        "    modsecurity_rules_file /etc/nginx/modsec/main.conf;",
        "    server { modsecurity on; location / { } }",
        "    server { location / { } }",
        "}",
      ),
      "modsec/main.conf": MAIN_RULES,
    },
    expected: [],
  },
  {
    name: "inline modsecurity_rules count as rules",
    files: {
      "nginx.conf": lines(
        "http {",
        "    modsecurity on;",
        "    modsecurity_rules 'SecRuleEngine On';",
        "    server { location / { } }",
        "}",
      ),
    },
    expected: [],
  },
  {
    name: "on in one location with the rules file in that location: nothing to report",
    files: {
      "nginx.conf": lines(
        "http {",
        "    server {",
        "        location / { }",
        "        location /app {",
        "            modsecurity on;",
        "            modsecurity_rules_file /etc/nginx/modsec/main.conf;",
        "        }",
        "    }",
        "}",
      ),
      "modsec/main.conf": MAIN_RULES,
    },
    expected: [],
  },
  {
    name: "on in a server, rules only in one of its locations",
    files: {
      "nginx.conf": lines(
        "http {",
        "    server {",
        "        modsecurity on;",
        "        location / { }",
        "        location /app { modsecurity_rules_file /etc/nginx/modsec/main.conf; }",
        "        location /img { }",
        "    }",
        "}",
      ),
      "modsec/main.conf": MAIN_RULES,
    },
    // The server itself and / and /img: the server's own configuration serves requests no location matches.
    expected: [{ code: "on-without-rules", severity: "warning", file: "nginx.conf", line: 3, count: 3 }],
  },
  {
    name: "module loaded, modsecurity never on",
    files: {
      "nginx.conf": lines(
        "load_module modules/ngx_http_modsecurity_module.so;",
        "events {}",
        "http {",
        "    server { location / { } location /x { } }",
        "    server { }",
        "}",
      ),
    },
    // 2 servers + 2 locations + the http level.
    expected: [
      {
        code: "module-never-enabled",
        severity: "info",
        file: "nginx.conf",
        line: 1,
        count: 5,
        data: { rulesDirectives: 0, loadModule: true },
      },
    ],
    messages: ["RulesSet in each of 5 location configurations", "create_conf"],
  },
  {
    name: "module loaded from a modules-enabled snippet, modsecurity set from a variable: may be on",
    files: {
      "nginx.conf": lines(
        "include /etc/nginx/modules-enabled/*.conf;",
        "events {}",
        "http {",
        "    map $host $waf { default off; app.example on; }",
        "    modsecurity $waf;",
        "    modsecurity_rules_file /etc/nginx/modsec/main.conf;",
        "    server { }",
        "}",
      ),
      "modules-enabled/50-mod-http-modsecurity.conf": "load_module modules/ngx_http_modsecurity_module.so;\n",
      "modsec/main.conf": MAIN_RULES,
    },
    expected: [],
  },
  {
    name: "the same rules file loaded in 3 servers (absolute and relative names)",
    files: {
      "nginx.conf": lines(
        "http {",
        "    modsecurity on;",
        "    server {",
        "        modsecurity_rules_file /etc/nginx/modsec/main.conf;",
        "    }",
        "    server {",
        "        modsecurity_rules_file modsec/main.conf;",
        "    }",
        "    server {",
        "        modsecurity_rules_file /etc/nginx/modsec/../modsec/main.conf;",
        "    }",
        "}",
      ),
      "modsec/main.conf": MAIN_RULES,
    },
    expected: [4, 7, 10].map((line) => ({
      code: "rules-per-block" as const,
      severity: "warning" as const,
      file: "nginx.conf",
      line,
      count: 3,
      data: { sites: 3, file: "/etc/nginx/modsec/main.conf", rules: 1, bytes: Buffer.byteLength(MAIN_RULES) },
    })),
    messages: [
      "/etc/nginx/modsec/main.conf is parsed 3 times",
      "here 3 directives",
      "1 SecRule in 1 file",
      "Load it once at http level",
      "Reported in ModSecurity-nginx #181: 14 MB without ModSecurity, 300 MB with rules in 1 vhost, 500–700 MB with 5",
      "ModSecurity #1546: +12,392 KB per reload with 1 vhost",
    ],
  },
  {
    // Checked with the real nginx -t (modsecurity-oracle.test.ts): it fails with "Rule id: 1 is duplicated".
    name: "rules loaded at http and again in a server: nginx refuses it, an error on the server's load",
    files: {
      "nginx.conf": lines(
        "http {",
        "    modsecurity on;",
        "    modsecurity_rules_file /etc/nginx/modsec/main.conf;",
        "    server {",
        "        modsecurity_rules_file /etc/nginx/modsec/main.conf;",
        "    }",
        "    server { }",
        "}",
      ),
      "modsec/main.conf": MAIN_RULES,
    },
    expected: [
      {
        code: "rules-loaded-twice",
        severity: "error",
        file: "nginx.conf",
        line: 5,
        count: 1,
        data: { file: "/etc/nginx/modsec/main.conf", firstLoad: "http", ruleId: "1" },
      },
    ],
  },
  {
    name: "a rules file in a snippet included from 2 servers",
    files: {
      "nginx.conf": lines(
        "http {",
        "    server { server_name a.example; include snippets/waf.conf; }",
        "    server { server_name b.example; include snippets/waf.conf; }",
        "    server { server_name c.example; }",
        "}",
      ),
      "snippets/waf.conf": lines("modsecurity on;", "modsecurity_rules_file /etc/nginx/modsec/main.conf;"),
      "modsec/main.conf": MAIN_RULES,
    },
    expected: [
      {
        code: "rules-per-block",
        severity: "warning",
        file: "snippets/waf.conf",
        line: 2,
        count: 2,
        data: { sites: 1, rules: 1 },
      },
    ],
    messages: ["is parsed 2 times", "1 directive read 2 times through include"],
  },
  {
    name: "if blocks are location configurations: they inherit rules, or count as without",
    files: {
      "nginx.conf": lines(
        "http {",
        "    server {",
        "        modsecurity on;",
        "        location / {",
        "            modsecurity_rules_file /etc/nginx/modsec/main.conf;",
        "            if ($request_method = POST) { return 405; }",
        "        }",
        "        location /static {",
        "            if ($args) { return 400; }",
        "            limit_except GET { deny all; }",
        "        }",
        "    }",
        "}",
      ),
      "modsec/main.conf": MAIN_RULES,
    },
    // The server, /static, its if and its limit_except; location / and its if have the rules.
    expected: [
      {
        code: "on-without-rules",
        severity: "warning",
        file: "nginx.conf",
        line: 3,
        count: 4,
        data: { contexts: ["server", "location /static", "if ($args)", "limit_except GET"] },
      },
    ],
  },
  {
    name: "modsecurity off everywhere, rules loaded at http",
    files: {
      "nginx.conf": lines(
        "http {",
        "    modsecurity off;",
        "    modsecurity_rules_file /etc/nginx/modsec/main.conf;",
        "    server { location / { } }",
        "    server { modsecurity off; }",
        "}",
      ),
      "modsec/main.conf": MAIN_RULES,
    },
    // No load_module (a static build): reported on the rules directive. 2 servers + 1 location + http.
    expected: [
      {
        code: "module-never-enabled",
        severity: "info",
        file: "nginx.conf",
        line: 3,
        count: 4,
        data: { rulesDirectives: 1, loadModule: false },
      },
    ],
    messages: ["ModSecurity #2381", "parses the rules of 1 rules directive"],
  },
  {
    name: "a rules file with Include of other files (relative, glob, absolute)",
    files: {
      "nginx.conf": lines(
        "http {",
        "    modsecurity on;",
        "    server {",
        "        modsecurity_rules_file /etc/nginx/modsec/main.conf;",
        "    }",
        "    server {",
        "        modsecurity_rules_file /etc/nginx/modsec/main.conf;",
        "    }",
        "}",
      ),
      "modsec/main.conf": lines(
        "SecRuleEngine On",
        "Include crs-setup.conf",
        'Include "/usr/share/modsecurity-crs/rules/*.conf"',
        'SecRule ARGS "@rx a" "id:1,deny"',
      ),
      "modsec/crs-setup.conf": lines(
        'SecAction "id:900000,phase:1,pass,nolog"',
        'SecRule REQUEST_HEADERS:X-Test "@rx b" \\',
        '    "id:2,phase:1,deny"',
        '# SecRule ARGS "@rx commented" "id:3"',
      ),
      "/usr/share/modsecurity-crs/rules/REQUEST-901.conf": lines(
        'SecRule ARGS "@rx c" "id:901,deny"',
        'secrule ARGS "@rx d" "id:902,deny"',
      ),
      "/usr/share/modsecurity-crs/rules/REQUEST-942.conf": lines('SecRule ARGS "@rx e" "id:942,deny"'),
      "/usr/share/modsecurity-crs/rules/.disabled.conf": lines('SecRule ARGS "@rx f" "id:999,deny"'),
    },
    expected: [4, 7].map((line) => ({
      code: "rules-per-block" as const,
      severity: "warning" as const,
      file: "nginx.conf",
      line,
      count: 2,
      data: { sites: 2, rules: 5 },
    })),
    messages: ["5 SecRules in 4 files"],
  },
  {
    name: "a rules file that cannot be read",
    files: {
      "nginx.conf": lines(
        "http {",
        "    modsecurity on;",
        "    server { modsecurity_rules_file /opt/waf/rules.conf; }",
        "    server { modsecurity_rules_file /opt/waf/rules.conf; }",
        "}",
      ),
    },
    expected: [3, 4].map((line) => ({
      code: "rules-per-block" as const,
      severity: "warning" as const,
      file: "nginx.conf",
      line,
      count: 2,
      data: { sites: 2, file: "/opt/waf/rules.conf", rules: null, bytes: null },
    })),
    messages: ["/opt/waf/rules.conf is not readable here; its size is unknown"],
  },
  {
    name: "the same remote rules in 2 locations",
    files: {
      "nginx.conf": lines(
        "http {",
        "    modsecurity on;",
        "    server {",
        "        location /a { modsecurity_rules_remote KEY https://rules.example/r.conf; }",
        "        location /b { modsecurity_rules_remote KEY https://rules.example/r.conf; }",
        "    }",
        "}",
      ),
    },
    // The server itself has no rules: modsecurity on there inspects with nothing to enforce.
    expected: [
      { code: "on-without-rules", severity: "warning", file: "nginx.conf", line: 2, count: 1 },
      ...[4, 5].map((line) => ({
        code: "rules-per-block" as const,
        severity: "warning" as const,
        file: "nginx.conf",
        line,
        count: 2,
        data: { sites: 2, file: "https://rules.example/r.conf", rules: null, bytes: null },
      })),
    ],
  },
];

function absolute(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([p, t]) => [p.startsWith("/") ? p : `${WS}/${p}`, t]));
}

function run(files: Record<string, string>): Finding[] {
  const source = new MemoryFileSource(absolute(files));
  const config = loadConfiguration(ROOT, { source });
  assert.deepEqual(
    config.diagnostics.map((d) => `${d.path}:${d.range.start.line + 1} ${d.message}`),
    [],
    "the test configuration loads cleanly",
  );
  return modsecurityUnusedFindings(buildModel(config), { strict: false, source });
}

function countOf(f: Finding): unknown {
  if (f.code === "rules-loaded-twice") return f.related?.length;
  return f.code === "rules-per-block" ? f.data?.parses : f.data?.locationConfigurations;
}

describe("modsecurity-unused", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const findings = run(c.files);
      const actual = findings.map((f) => ({
        code: f.code,
        severity: f.severity,
        file: f.path.slice(WS.length + 1),
        line: f.range.start.line + 1,
        count: countOf(f),
      }));
      const expected = c.expected.map(({ code, severity, file, line, count }) => ({
        code,
        severity,
        file,
        line,
        count,
      }));
      assert.deepEqual(actual, expected);
      findings.forEach((f, i) => {
        assert.equal(f.ruleId, "modsecurity-unused");
        for (const [k, v] of Object.entries(c.expected[i].data ?? {}))
          assert.deepEqual(f.data?.[k], v, `${f.code} line ${f.range.start.line + 1}: data.${k}`);
        for (const m of c.messages ?? []) assert.ok(f.message.includes(m), `"${m}" not in: ${f.message}`);
      });
    });
  }

  it("related locations point at the other loads of the same file", () => {
    const [first] = run(CASES.find((c) => c.name.startsWith("the same rules file loaded in 3 servers"))!.files);
    assert.deepEqual(
      first.related?.map((r) => [r.range.start.line + 1, r.message]),
      [
        [7, "also loaded in server"],
        [10, "also loaded in server"],
      ],
    );
  });

  it("readRulesFile: an Include that cannot be read is named, the rest still counted", () => {
    const source = new MemoryFileSource({
      "/srv/conf/modsec/main.conf": lines('SecRule ARGS "x" "id:1"', "Include missing.conf", "Include /nowhere/*.conf"),
    });
    const size = readRulesFile("/etc/nginx/modsec/main.conf", source, [{ from: "/etc/nginx", to: WS }]);
    assert.deepEqual(size, {
      rules: 1,
      bytes: Buffer.byteLength(source.read("/srv/conf/modsec/main.conf")!),
      files: 1,
      unreadable: ["/etc/nginx/modsec/missing.conf"],
      lookedFor: "/srv/conf/modsec/main.conf",
      firstRuleId: "1",
    });
  });

  it("readRulesFile: an Include cycle stops", () => {
    const source = new MemoryFileSource({
      "/r/a.conf": lines("Include b.conf", 'SecRule ARGS "x" "id:1"'),
      "/r/b.conf": lines("Include a.conf", 'SecRule ARGS "y" "id:2"'),
    });
    const size = readRulesFile("/r/a.conf", source, []);
    assert.equal(size.rules, 2);
    assert.equal(size.files, 2);
  });
});
