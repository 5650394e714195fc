// The real nginx with ModSecurity-nginx (Debian libnginx-mod-http-modsecurity 1.0.3, libmodsecurity 3) as
// the oracle for modsecurity-unused: whether `nginx -t` accepts the configuration, and — under strace —
// how many times it reads a rules file. libmodsecurity opens a rules file twice per load (measured: one
// modsecurity_rules_file at http level → 2 opens), so the opens are 2 × the loads our rule counts.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { nginxBinary } from "../support/shared";
import { bundleOpens, haveStrace } from "../support/strace";

const MODULE = "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so";
const RULES = 'SecRuleEngine On\nSecRule ARGS "@contains attack" "id:1001,phase:1,deny,status:403"\n';

interface Case {
  name: string;
  /** The http block's body; `@RULES@` stands for the absolute path of a rules file in the prefix. */
  http: string;
  /** nginx -t's verdict: ok, or the text of its [emerg]. */
  nginx: true | RegExp;
  /** Opens of the rules file by nginx -t (strace). */
  opens: number;
  /** Our findings of the rule: code@line. */
  findings: string[];
  /** data.parses of the rules-per-block findings (opens = 2 × parses when nginx accepts the config). */
  parses?: number;
}

const COMMON = [
  "access_log off;",
  ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path tmp_${t};`),
].join(" ");

let port = 19100;
const server = (body: string): string => `server { listen 127.0.0.1:${port++}; ${body} }`;

const CASES: Case[] = [
  {
    name: "rules once at http, on: accepted, read once (2 opens), nothing to report",
    http: `modsecurity on; modsecurity_rules_file @RULES@; ${server("location /a { } location /b { }")}`,
    nginx: true,
    opens: 2,
    findings: [],
  },
  {
    name: "the same rules file in 3 servers: accepted, parsed 3 times (6 opens)",
    http: `modsecurity on; ${[1, 2, 3].map(() => server("modsecurity_rules_file @RULES@;")).join(" ")}`,
    nginx: true,
    opens: 6,
    findings: ["rules-per-block@9", "rules-per-block@9", "rules-per-block@9"],
    parses: 3,
  },
  {
    name: "the same rules at http and again in a server: nginx -t fails, an error where the second load is",
    http: `modsecurity on; modsecurity_rules_file @RULES@;\n${server("modsecurity_rules_file @RULES@;")}`,
    nginx: /Rule id: 1001 is duplicated/,
    opens: 4,
    findings: ["rules-loaded-twice@10"],
  },
  {
    name: "the same rules in a server and its location: nginx -t fails",
    http: `modsecurity on;\n${server("modsecurity_rules_file @RULES@;\nlocation /x { modsecurity_rules_file @RULES@; }")}`,
    nginx: /Rule id: 1001 is duplicated/,
    opens: 4,
    findings: ["rules-loaded-twice@11"],
  },
  {
    name: "modsecurity on without any rules: accepted, a warning",
    http: `modsecurity on; ${server("location /a { }")}`,
    nginx: true,
    opens: 0,
    findings: ["on-without-rules@9"],
  },
  {
    name: "module loaded, rules at http, never on: accepted, the rules still read (2 opens)",
    http: `modsecurity_rules_file @RULES@; ${server("location /a { }")}`,
    nginx: true,
    opens: 2,
    findings: ["module-never-enabled@1"],
  },
];

describe("modsecurity-unused against the real nginx -t with ModSecurity-nginx", function () {
  this.timeout(60_000);
  for (const c of CASES) {
    it(c.name, function () {
      if (!nginxBinary() || !haveStrace() || !fs.existsSync(MODULE)) {
        if (process.env.CI) throw new Error("CI must install nginx, libnginx-mod-http-modsecurity and strace");
        this.skip();
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-modsec-"));
      try {
        const rules = path.join(dir, "modsec", "rules.conf");
        fs.mkdirSync(path.dirname(rules));
        fs.writeFileSync(rules, RULES);
        const conf = path.join(dir, "nginx.conf");
        const text = [
          `load_module ${MODULE};`,
          "worker_processes 1;",
          "events { worker_connections 64; }",
          "http {",
          `    ${COMMON}`,
          "",
          "",
          "",
          `    ${c.http.replaceAll("@RULES@", rules)}`,
          "}",
          "",
        ].join("\n");
        fs.writeFileSync(conf, text);

        const real = bundleOpens({ dir, conf, bundle: rules });
        if (c.nginx === true) assert.ok(real.ok, `nginx -t failed:\n${real.output}`);
        else {
          assert.ok(!real.ok, `nginx -t accepted it:\n${real.output}`);
          assert.match(real.output, c.nginx);
        }
        assert.equal(real.opens, c.opens, `nginx -t opened the rules file ${real.opens} times`);

        const findings = runCheck({ inputs: [], root: conf, mappings: [], strict: false }).findings.filter(
          (f) => f.ruleId === "modsecurity-unused",
        );
        const shown = findings.map((f) => `${f.code}@${f.range.start.line + 1}`);
        assert.deepEqual(shown, c.findings, findings.map((f) => f.message).join("\n"));
        if (c.parses !== undefined) {
          for (const f of findings) assert.equal(f.data?.parses, c.parses);
          assert.equal(real.opens, 2 * c.parses, "libmodsecurity reads a rules file twice per load");
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
