// Quick-fixes for modsecurity-unused: the exact text after each fix, the cases where no fix may be offered
// (rule order, a block with ModSecurity on that would newly inherit rules), and the real nginx -t with
// ModSecurity-nginx before and after (under strace: how many times the rules file is opened).

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { fixesFor, type Fix } from "../../server/src/fix";
import { editedTexts } from "../../server/src/fix/verify";
import { buildModel } from "../../server/src/model";
import { runChecks } from "../../server/src/rules";
import type { RuleOptions } from "../../server/src/rules/types";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource, type FileSource } from "../../server/src/workspace/files";
import { analyseFixes, appliedTexts, codesAfter, type Analysed } from "../support/fixes";
import { nginxBinary } from "../support/shared";
import { bundleOpens, haveStrace } from "../support/strace";

const WS = "/srv/conf";
const ROOT = `${WS}/nginx.conf`;
const RULES_FILE = "/etc/nginx/modsec/main.conf";
const RULES_TEXT = 'SecRuleEngine On\nSecRule ARGS "@contains attack" "id:1001,phase:1,deny,status:403"\n';

function lines(...l: string[]): string {
  return l.join("\n") + "\n";
}

function analyse(files: Record<string, string>, root = ROOT, source?: FileSource): Analysed {
  const src =
    source ??
    new MemoryFileSource({
      [`${WS}/modsec/main.conf`]: RULES_TEXT,
      [`${WS}/modsec/other.conf`]: 'SecRule ARGS "@contains other" "id:2001,phase:1,deny,status:403"\n',
      ...Object.fromEntries(Object.entries(files).map(([k, v]) => [k.startsWith("/") ? k : `${WS}/${k}`, v])),
    });
  return analyseFixes(root, src, "modsecurity-unused");
}

const applied = (a: Analysed, fix: Fix): Record<string, string> => appliedTexts(a, fix, WS);

const codes = (a: Analysed): string[] => a.findings.map((f) => f.code);

describe("fix/modsecurity-unused: rules-per-block → load once at http level", function () {
  it("three servers loading the same file, one server off: one load at the top of http", function () {
    const a = analyse({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    access_log off;",
        "    server {",
        "        listen 80;",
        "        modsecurity on;",
        `        modsecurity_rules_file ${RULES_FILE};`,
        "    }",
        "    server {",
        "        listen 81;",
        "        modsecurity on;",
        `        modsecurity_rules_file ${RULES_FILE};`,
        "        location /static { modsecurity off; }",
        "    }",
        "    server {",
        "        listen 82;",
        `        modsecurity_rules_file ${RULES_FILE};`,
        "        modsecurity on;",
        "    }",
        "    server {",
        "        listen 83;",
        "        modsecurity off;",
        "    }",
        "}",
      ),
    });
    assert.deepEqual(codes(a), ["rules-per-block", "rules-per-block", "rules-per-block"]);
    assert.equal(a.fixes.length, 3, "one fix per finding");
    const fix = a.fixes[0];
    assert.equal(
      fix.title,
      "Load /etc/nginx/modsec/main.conf once at http level (blocks keep their modsecurity on/off): 3 loads → 1",
    );
    assert.equal(fix.isPreferred, true);
    assert.equal(fix.caution, undefined);
    assert.deepEqual(fix.effect, {
      moved: ["modsecurity_rules_file"],
      before: 3,
      after: 1,
      targets: ["server 80", "server 81", "server 82"],
    });
    for (const other of a.fixes) assert.deepEqual(other.edits, fix.edits, "the same fix from every finding");
    assert.deepEqual(applied(a, fix), {
      "nginx.conf": lines(
        "events {}",
        "http {",
        `    modsecurity_rules_file ${RULES_FILE};`,
        "    access_log off;",
        "    server {",
        "        listen 80;",
        "        modsecurity on;",
        "    }",
        "    server {",
        "        listen 81;",
        "        modsecurity on;",
        "        location /static { modsecurity off; }",
        "    }",
        "    server {",
        "        listen 82;",
        "        modsecurity on;",
        "    }",
        "    server {",
        "        listen 83;",
        "        modsecurity off;",
        "    }",
        "}",
      ),
    });
    assert.deepEqual(codesAfter(a, fix), []);
  });

  it("CRLF and tabs: the file's line endings and indentation are kept", function () {
    const text = [
      "events {}",
      "http {",
      "\tserver {",
      "\t\tlisten 80;",
      "\t\tmodsecurity on;",
      `\t\tmodsecurity_rules_file ${RULES_FILE};`,
      "\t}",
      "\tserver {",
      "\t\tlisten 81;",
      "\t\tmodsecurity on;",
      `\t\tmodsecurity_rules_file ${RULES_FILE};`,
      "\t}",
      "}",
      "",
    ].join("\r\n");
    const a = analyse({ "nginx.conf": text });
    assert.equal(a.fixes.length, 2);
    assert.deepEqual(applied(a, a.fixes[0]), {
      "nginx.conf": [
        "events {}",
        "http {",
        `\tmodsecurity_rules_file ${RULES_FILE};`,
        "\tserver {",
        "\t\tlisten 80;",
        "\t\tmodsecurity on;",
        "\t}",
        "\tserver {",
        "\t\tlisten 81;",
        "\t\tmodsecurity on;",
        "\t}",
        "}",
        "",
      ].join("\r\n"),
    });
  });

  it("a snippet included by two servers: the load leaves the snippet, which keeps modsecurity on", function () {
    const a = analyse({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    server { listen 80; include snippets/waf.conf; }",
        "    server { listen 81; include snippets/waf.conf; }",
        "}",
      ),
      "snippets/waf.conf": lines("# WAF", "modsecurity on;", `modsecurity_rules_file ${RULES_FILE};`),
    });
    assert.deepEqual(codes(a), ["rules-per-block"]);
    const [fix] = a.fixes;
    assert.equal(
      fix.title,
      "Load /etc/nginx/modsec/main.conf once at http level (blocks keep their modsecurity on/off): 2 loads → 1",
    );
    assert.deepEqual(applied(a, fix), {
      "snippets/waf.conf": lines("# WAF", "modsecurity on;"),
      "nginx.conf": lines(
        "events {}",
        "http {",
        `    modsecurity_rules_file ${RULES_FILE};`,
        "    server { listen 80; include snippets/waf.conf; }",
        "    server { listen 81; include snippets/waf.conf; }",
        "}",
      ),
    });
    assert.deepEqual(codesAfter(a, fix), []);
  });

  it("not offered when the file is not the last rules in effect: inherited rules run after a block's own", function () {
    const a = analyse({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    modsecurity on;",
        "    server {",
        "        listen 80;",
        `        modsecurity_rules_file ${RULES_FILE};`,
        "        modsecurity_rules_file /etc/nginx/modsec/other.conf;",
        "    }",
        `    server { listen 81; modsecurity_rules_file ${RULES_FILE}; }`,
        "}",
      ),
    });
    assert.deepEqual(codes(a), ["rules-per-block", "rules-per-block"]);
    assert.deepEqual(a.fixes, [], "server :80 would run other.conf before main.conf");
  });

  it("offered when the file is the last rules a block loads: the order in effect stays the same", function () {
    const a = analyse({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    modsecurity on;",
        "    server {",
        "        listen 80;",
        "        modsecurity_rules_file /etc/nginx/modsec/other.conf;",
        `        modsecurity_rules_file ${RULES_FILE};`,
        "    }",
        `    server { listen 81; modsecurity_rules_file ${RULES_FILE}; }`,
        "}",
      ),
    });
    assert.equal(a.fixes.length, 2);
    assert.deepEqual(applied(a, a.fixes[0]), {
      "nginx.conf": lines(
        "events {}",
        "http {",
        `    modsecurity_rules_file ${RULES_FILE};`,
        "    modsecurity on;",
        "    server {",
        "        listen 80;",
        "        modsecurity_rules_file /etc/nginx/modsec/other.conf;",
        "    }",
        "    server { listen 81; }",
        "}",
      ),
    });
  });

  it("not offered when a block with ModSecurity on would newly inherit the rules", function () {
    const a = analyse({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    modsecurity on;",
        `    server { listen 80; modsecurity_rules_file ${RULES_FILE}; }`,
        `    server { listen 81; modsecurity_rules_file ${RULES_FILE}; }`,
        "    server { listen 82; }",
        "}",
      ),
    });
    assert.deepEqual(codes(a), ["on-without-rules", "rules-per-block", "rules-per-block"]);
    assert.deepEqual(
      a.fixes.map((f) => f.finding.code),
      [],
      "server :82 (on, no rules) would start enforcing main.conf; its `modsecurity on` is also in effect where rules are",
    );
  });

  it("not offered when a block that is off but has rules of its own would newly inherit the file (repeated ids)", function () {
    const a = analyse({
      "nginx.conf": lines(
        "events {}",
        "http {",
        `    server { listen 80; modsecurity on; modsecurity_rules_file ${RULES_FILE}; }`,
        `    server { listen 81; modsecurity on; modsecurity_rules_file ${RULES_FILE}; }`,
        "    server { listen 82; modsecurity off; modsecurity_rules_file /etc/nginx/modsec/other.conf; }",
        "}",
      ),
    });
    assert.deepEqual(codes(a), ["rules-per-block", "rules-per-block"]);
    assert.deepEqual(a.fixes, []);
  });
});

describe("fix/modsecurity-unused: rules-loaded-twice → remove the repeated load", function () {
  it("http and a server load the same file: the server's load goes", function () {
    const a = analyse({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    modsecurity on;",
        `    modsecurity_rules_file ${RULES_FILE};`,
        "    server {",
        "        listen 80;",
        `        modsecurity_rules_file ${RULES_FILE};  # again`,
        "    }",
        "}",
      ),
    });
    assert.deepEqual(codes(a), ["rules-loaded-twice"]);
    const [fix] = a.fixes;
    assert.equal(
      fix.title,
      'Remove the repeated load of /etc/nginx/modsec/main.conf (inherited from http): nginx -t no longer fails with "is duplicated"',
    );
    assert.equal(fix.isPreferred, true);
    assert.deepEqual(fix.effect, { moved: ["modsecurity_rules_file"], before: 2, after: 1, targets: ["http"] });
    assert.deepEqual(applied(a, fix), {
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    modsecurity on;",
        `    modsecurity_rules_file ${RULES_FILE};`,
        "    server {",
        "        listen 80;",
        "        # again",
        "    }",
        "}",
      ),
    });
    assert.deepEqual(codesAfter(a, fix), []);
  });

  it("http, server and location: both repeats go in one fix, offered on both findings", function () {
    const a = analyse({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    modsecurity on;",
        `    modsecurity_rules_file ${RULES_FILE};`,
        "    server {",
        "        listen 80;",
        `        modsecurity_rules_file ${RULES_FILE};`,
        `        location /x { modsecurity_rules_file ${RULES_FILE}; }`,
        "    }",
        "}",
      ),
    });
    assert.deepEqual(codes(a), ["rules-loaded-twice", "rules-loaded-twice"]);
    assert.equal(a.fixes.length, 2);
    assert.equal(
      a.fixes[0].title,
      'Remove the 2 repeated loads of /etc/nginx/modsec/main.conf (inherited from http): nginx -t no longer fails with "is duplicated"',
    );
    assert.deepEqual(a.fixes[1].edits, a.fixes[0].edits);
    assert.deepEqual(applied(a, a.fixes[0]), {
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    modsecurity on;",
        `    modsecurity_rules_file ${RULES_FILE};`,
        "    server {",
        "        listen 80;",
        "        location /x { }",
        "    }",
        "}",
      ),
    });
  });

  it("a caution when the repeated load came before other rules of its block", function () {
    const a = analyse({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    modsecurity on;",
        `    modsecurity_rules_file ${RULES_FILE};`,
        "    server {",
        "        listen 80;",
        `        modsecurity_rules_file ${RULES_FILE};`,
        "        modsecurity_rules_file /etc/nginx/modsec/other.conf;",
        "    }",
        "}",
      ),
    });
    const [fix] = a.fixes;
    assert.equal(
      fix.caution,
      "in server 80 the inherited rules now run after the block's own rules directives, not where the removed load was",
    );
    assert.equal(fix.isPreferred, false);
    assert.match(fix.title, /\(caution: in server 80 /);
  });
});

describe("fix/modsecurity-unused: on-without-rules and module-never-enabled", function () {
  it("modsecurity on with no rules anywhere: removed", function () {
    const a = analyse({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    modsecurity on;",
        "    server { listen 80; location / { } }",
        "}",
      ),
    });
    assert.deepEqual(codes(a), ["on-without-rules"]);
    const [fix] = a.fixes;
    assert.equal(
      fix.title,
      'Remove "modsecurity on": it enforces nothing (no rules in the 2 location configurations where it is in effect)',
    );
    assert.deepEqual(applied(a, fix), {
      "nginx.conf": lines("events {}", "http {", "    server { listen 80; location / { } }", "}"),
    });
    assert.deepEqual(codesAfter(a, fix), []);
  });

  it("not offered when the same modsecurity on is in effect where rules are loaded", function () {
    const a = analyse({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    modsecurity on;",
        `    server { listen 80; modsecurity_rules_file ${RULES_FILE}; }`,
        "    server { listen 81; }",
        "}",
      ),
    });
    assert.deepEqual(codes(a), ["on-without-rules"]);
    assert.deepEqual(a.fixes, []);
  });

  it("module loaded, never on: the rules loads are removed, load_module and modsecurity off stay", function () {
    const a = analyse({
      "nginx.conf": lines(
        "load_module modules/ngx_http_modsecurity_module.so;",
        "events {}",
        "http {",
        "    modsecurity off;",
        `    modsecurity_rules_file ${RULES_FILE};`,
        "    server { listen 80; modsecurity_rules 'SecRuleEngine DetectionOnly'; }",
        "}",
      ),
    });
    assert.deepEqual(codes(a), ["module-never-enabled"]);
    const [fix] = a.fixes;
    assert.equal(
      fix.title,
      "Remove the 2 modsecurity_rules* directives: ModSecurity is on nowhere, so no request is inspected against them; every start, reload and nginx -t parses 2 → 0",
    );
    assert.equal(fix.isPreferred, false);
    assert.deepEqual(applied(a, fix), {
      "nginx.conf": lines(
        "load_module modules/ngx_http_modsecurity_module.so;",
        "events {}",
        "http {",
        "    modsecurity off;",
        "    server { listen 80; }",
        "}",
      ),
    });
    assert.deepEqual(codesAfter(a, fix), ["module-never-enabled"], "the module is still loaded: still reported");
  });

  it("module never on and no rules: nothing to remove, no fix", function () {
    const a = analyse({
      "nginx.conf": lines(
        "load_module modules/ngx_http_modsecurity_module.so;",
        "events {}",
        "http { modsecurity off; server { listen 80; } }",
      ),
    });
    assert.deepEqual(codes(a), ["module-never-enabled"]);
    assert.deepEqual(a.fixes, []);
  });
});

// ---------------------------------------------------------------------------------------------------
// The real nginx -t with ModSecurity-nginx (Debian libnginx-mod-http-modsecurity) before and after.

const MODULE = "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so";
const COMMON = [
  "access_log off;",
  ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path tmp_${t};`),
].join(" ");

interface Real {
  ok: boolean;
  output: string;
  opens: number;
}

/**
 * Writes the configuration (`@RULES@` = the rules file), runs nginx -t under strace, applies the first fix
 * offered for `code` to the files on disk and runs nginx -t again.
 */
function realBeforeAfter(
  ctx: Mocha.Context,
  http: string,
  code: string,
): { before: Real; after: Real; fix: Fix; text: string } {
  if (!nginxBinary() || !haveStrace() || !fs.existsSync(MODULE)) {
    if (process.env.CI) throw new Error("CI must install nginx, libnginx-mod-http-modsecurity and strace");
    ctx.skip();
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-modsec-fix-"));
  try {
    const rules = path.join(dir, "modsec", "rules.conf");
    fs.mkdirSync(path.dirname(rules));
    fs.writeFileSync(rules, 'SecRuleEngine On\nSecRule ARGS "@contains attack" "id:1001,phase:1,deny,status:403"\n');
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(
      conf,
      lines(
        `load_module ${MODULE};`,
        "worker_processes 1;",
        "events { worker_connections 64; }",
        "http {",
        `    ${COMMON}`,
        ...http.replaceAll("@RULES@", rules).split("\n"),
        "}",
      ),
    );
    const run = (): Real => bundleOpens({ dir, conf, bundle: rules });
    const before = run();
    const config = loadConfiguration(conf);
    const options: RuleOptions = { strict: false };
    const model = buildModel(config);
    const findings = runChecks(config, options, model).filter(
      (f) => f.ruleId === "modsecurity-unused" && f.code === code,
    );
    const fix = fixesFor(config, findings, options, model)[0];
    assert.ok(fix, `a fix for ${code}`);
    for (const [p, t] of editedTexts(config, fix.edits)) fs.writeFileSync(p, t);
    const text = fs.readFileSync(conf, "utf8").replaceAll(rules, "@RULES@");
    return { before, after: run(), fix, text };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("fix/modsecurity-unused against the real nginx -t with ModSecurity-nginx", function () {
  this.timeout(60_000);

  it("rules-per-block: accepted before and after; the rules file is opened 6 times before, 2 after", function () {
    const r = realBeforeAfter(
      this,
      lines(
        "    modsecurity on;",
        "    server { listen 127.0.0.1:19201; modsecurity_rules_file @RULES@; }",
        "    server { listen 127.0.0.1:19202; modsecurity_rules_file @RULES@; }",
        "    server { listen 127.0.0.1:19203; modsecurity_rules_file @RULES@; }",
        "    server { listen 127.0.0.1:19204; modsecurity off; }",
      ).trimEnd(),
      "rules-per-block",
    );
    assert.ok(r.before.ok, r.before.output);
    assert.equal(r.before.opens, 6, "libmodsecurity opens a rules file twice per load: 3 loads");
    assert.ok(r.after.ok, r.after.output);
    assert.equal(r.after.opens, 2, "one load");
    assert.equal(r.fix.effect?.before, 3);
    assert.equal(r.fix.effect?.after, 1);
    assert.ok(r.text.includes("http {\n    modsecurity_rules_file @RULES@;\n    access_log off;"), r.text);
  });

  it('rules-loaded-twice: "Rule id: 1001 is duplicated" before, accepted after', function () {
    const r = realBeforeAfter(
      this,
      lines(
        "    modsecurity on;",
        "    modsecurity_rules_file @RULES@;",
        "    server {",
        "        listen 127.0.0.1:19205;",
        "        modsecurity_rules_file @RULES@;",
        "        location /x { modsecurity_rules_file @RULES@; }",
        "    }",
      ).trimEnd(),
      "rules-loaded-twice",
    );
    assert.ok(!r.before.ok, "nginx -t accepted the repeated load");
    assert.match(r.before.output, /Rule id: 1001 is duplicated/);
    assert.ok(r.after.ok, r.after.output);
    assert.equal(r.after.opens, 2);
  });

  it("on-without-rules: accepted before and after, no rules file read", function () {
    const r = realBeforeAfter(
      this,
      lines("    modsecurity on;", "    server { listen 127.0.0.1:19206; location /a { } }").trimEnd(),
      "on-without-rules",
    );
    assert.ok(r.before.ok, r.before.output);
    assert.ok(r.after.ok, r.after.output);
    assert.ok(!r.text.includes("modsecurity on"), r.text);
  });

  it("module-never-enabled: accepted before and after; the rules file is opened 2 times before, 0 after", function () {
    const r = realBeforeAfter(
      this,
      lines("    modsecurity_rules_file @RULES@;", "    server { listen 127.0.0.1:19207; location /a { } }").trimEnd(),
      "module-never-enabled",
    );
    assert.ok(r.before.ok, r.before.output);
    assert.equal(r.before.opens, 2);
    assert.ok(r.after.ok, r.after.output);
    assert.equal(r.after.opens, 0);
  });
});

// ---------------------------------------------------------------------------------------------------
// A running nginx: what each server enforces is the same after the fix. Both rules files deny the same
// request with different statuses, so the status says which rules ran first (inherited rules run after a
// block's own: msc_rules_merge(child, parent) appends the parent's).

function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/?q=attack", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.setTimeout(5000, () => req.destroy(new Error("timeout")));
  });
}

async function statuses(dir: string, conf: string, ports: number[]): Promise<number[]> {
  const bin = nginxBinary()!;
  // The master daemonizes: no pipe may stay open to it, or spawnSync would wait for its exit.
  const log = path.join(dir, "error.log");
  const start = spawnSync(bin, ["-c", conf, "-p", dir, "-e", log], { stdio: "ignore", timeout: 20_000 });
  assert.equal(start.status, 0, fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "nginx did not start");
  const pid = Number(fs.readFileSync(path.join(dir, "nginx.pid"), "utf8"));
  try {
    const out: number[] = [];
    for (const p of ports) out.push(await get(p));
    return out;
  } finally {
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && fs.existsSync(path.join(dir, "nginx.pid")); i++)
      await new Promise((r) => setTimeout(r, 50));
  }
}

describe("fix/modsecurity-unused with a running nginx: each server enforces the same rules after the fix", function () {
  this.timeout(60_000);

  it("server A loads other.conf then main.conf, B main.conf: 404 / 403 before and after", async function () {
    if (!nginxBinary() || !fs.existsSync(MODULE)) {
      if (process.env.CI) throw new Error("CI must install nginx and libnginx-mod-http-modsecurity");
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-modsec-live-"));
    try {
      const main = path.join(dir, "main.conf");
      const other = path.join(dir, "other.conf");
      fs.writeFileSync(main, 'SecRuleEngine On\nSecRule ARGS "@contains attack" "id:1001,phase:1,deny,status:403"\n');
      fs.writeFileSync(other, 'SecRuleEngine On\nSecRule ARGS "@contains attack" "id:2001,phase:1,deny,status:404"\n');
      const conf = path.join(dir, "nginx.conf");
      fs.writeFileSync(
        conf,
        lines(
          `load_module ${MODULE};`,
          "worker_processes 1;",
          `pid ${dir}/nginx.pid;`,
          "events { worker_connections 64; }",
          "http {",
          `    ${COMMON}`,
          "    modsecurity on;",
          `    server { listen 127.0.0.1:19211; modsecurity_rules_file ${other}; modsecurity_rules_file ${main}; location / { return 200; } }`,
          `    server { listen 127.0.0.1:19212; modsecurity_rules_file ${main}; location / { return 200; } }`,
          "    server { listen 127.0.0.1:19213; modsecurity off; location / { return 200; } }",
          "}",
        ),
      );
      const ports = [19211, 19212, 19213];
      const before = await statuses(dir, conf, ports);
      assert.deepEqual(before, [404, 403, 200]);

      const config = loadConfiguration(conf);
      const options: RuleOptions = { strict: false };
      const model = buildModel(config);
      const findings = runChecks(config, options, model).filter((f) => f.code === "rules-per-block");
      const [fix] = fixesFor(config, findings, options, model);
      assert.ok(fix, "the fix is offered: main.conf is the last rules server A loads");
      for (const [p, t] of editedTexts(config, fix.edits)) fs.writeFileSync(p, t);
      assert.ok(fs.readFileSync(conf, "utf8").includes(`http {\n    modsecurity_rules_file ${main};\n`));
      assert.deepEqual(await statuses(dir, conf, ports), before);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("server A loads main.conf then other.conf: not offered — loading main.conf at http would turn A's 403 into 404", async function () {
    if (!nginxBinary() || !fs.existsSync(MODULE)) {
      if (process.env.CI) throw new Error("CI must install nginx and libnginx-mod-http-modsecurity");
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-modsec-live-"));
    try {
      const main = path.join(dir, "main.conf");
      const other = path.join(dir, "other.conf");
      fs.writeFileSync(main, 'SecRuleEngine On\nSecRule ARGS "@contains attack" "id:1001,phase:1,deny,status:403"\n');
      fs.writeFileSync(other, 'SecRuleEngine On\nSecRule ARGS "@contains attack" "id:2001,phase:1,deny,status:404"\n');
      const conf = path.join(dir, "nginx.conf");
      const write = (httpLoad: string, a: string, b: string): void =>
        fs.writeFileSync(
          conf,
          lines(
            `load_module ${MODULE};`,
            "worker_processes 1;",
            `pid ${dir}/nginx.pid;`,
            "events { worker_connections 64; }",
            "http {",
            httpLoad,
            `    ${COMMON}`,
            "    modsecurity on;",
            `    server { listen 127.0.0.1:19214; ${a} location / { return 200; } }`,
            `    server { listen 127.0.0.1:19215; ${b} location / { return 200; } }`,
            "}",
          ),
        );
      write("", `modsecurity_rules_file ${main}; modsecurity_rules_file ${other};`, `modsecurity_rules_file ${main};`);
      const config = loadConfiguration(conf);
      const options: RuleOptions = { strict: false };
      const model = buildModel(config);
      const findings = runChecks(config, options, model).filter((f) => f.code === "rules-per-block");
      assert.equal(findings.length, 2);
      assert.deepEqual(fixesFor(config, findings, options, model), []);
      assert.deepEqual(await statuses(dir, conf, [19214, 19215]), [403, 403]);
      // What the refused edit would do.
      write(`    modsecurity_rules_file ${main};`, `modsecurity_rules_file ${other};`, "");
      assert.deepEqual(await statuses(dir, conf, [19214, 19215]), [404, 403]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
