// Quick-fixes for reuseport-config-test: remove `reuseport` (not where QUIC or UDP needs it), say that a
// fixed nginx is deployed, move `worker_processes` above the http block — the exact text after each fix,
// and the real nginx -t (Debian's 1.22.1) before and after. The affected versions (1.9.1–1.13.3,
// 1.12.0–1.12.1, < 1.15.2 for the order) cannot be run here: nginx -t on 1.22.1 only shows that the
// edited configuration is still accepted.

import { strict as assert } from "assert";
import type { Fix } from "../../server/src/fix";
import type { RuleOptions } from "../../server/src/rules/types";
import { factsFromText } from "../../server/src/workspace/facts";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { nginxTest } from "../support/nginx";
import { analyseFixes, appliedTexts, codesAfter, type Analysed } from "../support/fixes";
import { nginxBinary } from "../support/shared";

const WS = "/w/nginx";
const ROOT = `${WS}/nginx.conf`;
const CRON = factsFromText("/w/ops/crontab", "* * * * * /usr/sbin/nginx -t -q\n", { displayPath: "ops/crontab" });

function lines(...l: string[]): string {
  return l.join("\n") + "\n";
}

function analyse(files: Record<string, string>, extra: Partial<RuleOptions> = {}): Analysed {
  const source = new MemoryFileSource(Object.fromEntries(Object.entries(files).map(([k, v]) => [`${WS}/${k}`, v])));
  return analyseFixes(ROOT, source, "reuseport-config-test", extra);
}

const applied = (a: Analysed, fix: Fix): Record<string, string> => appliedTexts(a, fix, WS);

const CAUTION =
  "workers share one listening socket again: the kernel no longer spreads new connections over one socket per worker";
const SETTING_TITLE =
  "Keep reuseport: nginx ≥ 1.13.4 (or 1.12.2 on 1.12) is deployed, whose nginx -t does not join the socket group (set nginxRisk.versions.nginx)";

describe("fix/reuseport-config-test: config-test-drops-connections", function () {
  it("affected version set explicitly: remove reuseport (with what is lost), no version action", function () {
    const a = analyse(
      {
        "nginx.conf": lines(
          "events {}",
          "http {",
          "    server {",
          "        listen 80 reuseport backlog=4096;",
          "        listen 8080;",
          "    }",
          "}",
        ),
      },
      { nginxVersion: "1.12.1", facts: CRON },
    );
    assert.deepEqual(
      a.findings.map((f) => f.code),
      ["config-test-drops-connections"],
    );
    assert.equal(a.fixes.length, 1);
    const [fix] = a.fixes;
    assert.equal(
      fix.title,
      `Remove reuseport from "listen 80": nginx -t can no longer join its socket group (caution: ${CAUTION})`,
    );
    assert.equal(fix.caution, CAUTION);
    assert.equal(fix.isPreferred, false);
    assert.deepEqual(fix.effect, { moved: ["reuseport"], before: 1, after: 0, targets: ["server 80 8080"] });
    assert.deepEqual(applied(a, fix), {
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    server {",
        "        listen 80 backlog=4096;",
        "        listen 8080;",
        "    }",
        "}",
      ),
    });
    assert.deepEqual(codesAfter(a, fix), []);
  });

  it("version unknown, periodic nginx -t found: remove reuseport, or say a fixed nginx is deployed", function () {
    const a = analyse(
      { "nginx.conf": lines("events {}", "http {", "    server { listen 80 reuseport; }", "}") },
      { facts: CRON },
    );
    assert.deepEqual(
      a.fixes.map((f) => f.title),
      [
        `Remove reuseport from "listen 80": nginx -t can no longer join its socket group (caution: ${CAUTION})`,
        SETTING_TITLE,
      ],
    );
    const setting = a.fixes[1];
    assert.deepEqual(setting.edits, []);
    assert.deepEqual(setting.setting, { key: "versions.nginx", value: "1.13.4", flag: "--nginx-version 1.13.4" });
    assert.deepEqual(applied(a, a.fixes[0]), {
      "nginx.conf": lines("events {}", "http {", "    server { listen 80; }", "}"),
    });
  });

  it("a listen in an included file with CRLF and tabs, reuseport last on its line", function () {
    const a = analyse(
      {
        "nginx.conf": lines("events {}", "http {", "    include sites/*.conf;", "}"),
        "sites/app.conf": ["server {", "\tlisten 443 ssl\treuseport;", "\tserver_name app;", "}", ""].join("\r\n"),
      },
      { nginxVersion: "1.13.3" },
    );
    assert.equal(a.fixes.length, 1);
    assert.deepEqual(applied(a, a.fixes[0]), {
      "sites/app.conf": ["server {", "\tlisten 443 ssl;", "\tserver_name app;", "}", ""].join("\r\n"),
    });
  });

  it("a listen written over several lines, reuseport alone on its line: the line goes", function () {
    const a = analyse(
      {
        "nginx.conf": lines(
          "events {}",
          "http {",
          "    server {",
          "        listen 80",
          "            reuseport",
          "            backlog=511;",
          "    }",
          "}",
        ),
      },
      { nginxVersion: "1.10.3" },
    );
    assert.deepEqual(applied(a, a.fixes[0]), {
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    server {",
        "        listen 80",
        "            backlog=511;",
        "    }",
        "}",
      ),
    });
  });

  it("not removed with quic (HTTP/3 needs the group to route packets to a worker): only the version action", function () {
    const a = analyse(
      {
        "nginx.conf": lines("events {}", "http {", "    server { listen 443 quic reuseport; listen 443 ssl; }", "}"),
      },
      { facts: CRON },
    );
    assert.deepEqual(
      a.findings.map((f) => f.code),
      ["config-test-drops-connections"],
    );
    assert.deepEqual(
      a.fixes.map((f) => f.title),
      [SETTING_TITLE],
    );
  });

  it("not removed from a stream udp listen (a client's datagrams stay on one worker's socket)", function () {
    const a = analyse(
      {
        "nginx.conf": lines(
          "events {}",
          "stream {",
          "    server { listen 53 udp reuseport; proxy_pass 127.0.0.1:5353; }",
          "}",
        ),
      },
      { nginxVersion: "1.12.0" },
    );
    assert.deepEqual(
      a.findings.map((f) => f.code),
      ["config-test-drops-connections"],
    );
    assert.deepEqual(a.fixes, [], "no removal; the version is set to an affected one, so no version action");
  });
});

describe("fix/reuseport-config-test: worker-processes-after-listen", function () {
  it("worker_processes after http: moved above it (events stays first)", function () {
    const a = analyse(
      {
        "nginx.conf": lines(
          "events {}",
          "http {",
          "    server { listen 80 reuseport; }",
          "}",
          "worker_processes 4;",
          "pid /run/nginx.pid;",
        ),
      },
      { nginxVersion: "1.14.2" },
    );
    const fix = a.fixes.find((f) => f.finding.code === "worker-processes-after-listen");
    assert.ok(fix);
    assert.deepEqual(
      a.fixes.map((f) => f.finding.code),
      ["worker-processes-after-listen"],
      "no fix for the other codes",
    );
    assert.equal(
      fix.title,
      "Move worker_processes above the http block: reuseport then takes effect on nginx < 1.15.2 (1 listen)",
    );
    assert.equal(fix.isPreferred, true);
    assert.deepEqual(fix.effect, { moved: ["worker_processes"], before: 1, after: 0, targets: ["http"] });
    assert.deepEqual(applied(a, fix), {
      "nginx.conf": lines(
        "events {}",
        "worker_processes 4;",
        "http {",
        "    server { listen 80 reuseport; }",
        "}",
        "pid /run/nginx.pid;",
      ),
    });
    assert.ok(!codesAfter(a, fix).includes("worker-processes-after-listen"));
  });

  it("CRLF, tabs, an indented main file, stream before http", function () {
    const text = [
      "events {}",
      "stream {",
      "\tserver { listen 12345 reuseport; proxy_pass 127.0.0.1:1; }",
      "}",
      "http {",
      "\tserver { listen 80 reuseport; }",
      "}",
      "worker_processes\t8;  # one per core",
      "",
    ].join("\r\n");
    const a = analyse({ "nginx.conf": text }, { nginxVersion: "1.15.1" });
    const fix = a.fixes.find((f) => f.finding.code === "worker-processes-after-listen");
    assert.ok(fix);
    assert.equal(
      fix.title,
      "Move worker_processes above the stream block: reuseport then takes effect on nginx < 1.15.2 (2 listens)",
    );
    assert.deepEqual(applied(a, fix), {
      "nginx.conf": [
        "events {}",
        "worker_processes\t8;",
        "stream {",
        "\tserver { listen 12345 reuseport; proxy_pass 127.0.0.1:1; }",
        "}",
        "http {",
        "\tserver { listen 80 reuseport; }",
        "}",
        "# one per core",
        "",
      ].join("\r\n"),
    });
  });

  it("worker_processes in an included file after http: removed there, written above http in the main file", function () {
    const a = analyse(
      {
        "nginx.conf": lines(
          "events {}",
          "http {",
          "    server { listen 80 reuseport; }",
          "}",
          "include main.d/*.conf;",
        ),
        "main.d/workers.conf": lines("worker_processes auto;", "worker_rlimit_nofile 65535;"),
      },
      { nginxVersion: "1.14.0" },
    );
    const fix = a.fixes.find((f) => f.finding.code === "worker-processes-after-listen");
    assert.ok(fix);
    assert.deepEqual(applied(a, fix), {
      "nginx.conf": lines(
        "events {}",
        "worker_processes auto;",
        "http {",
        "    server { listen 80 reuseport; }",
        "}",
        "include main.d/*.conf;",
      ),
      "main.d/workers.conf": lines("worker_rlimit_nofile 65535;"),
    });
  });
});

describe("fix/reuseport-config-test against the real nginx -t (1.22.1: accepted before and after)", function () {
  this.timeout(30_000);
  const COMMON = ["error_log stderr;", "events { worker_connections 64; }"];
  const HTTP_COMMON = [
    "access_log off;",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path /tmp/nginx-risk-${t};`),
  ].join(" ");

  function beforeAfter(ctx: Mocha.Context, text: string, code: string, options: Partial<RuleOptions>): string {
    if (!nginxBinary()) {
      if (process.env.CI) throw new Error("CI must install nginx");
      ctx.skip();
    }
    const before = nginxTest(text);
    assert.ok(before.ok, before.output);
    const a = analyse({ "nginx.conf": text }, options);
    const fix = a.fixes.find((f) => f.finding.code === code && f.edits.length > 0);
    assert.ok(fix, `a fix for ${code}`);
    const edited = applied(a, fix)["nginx.conf"];
    const after = nginxTest(edited);
    assert.ok(after.ok, after.output);
    return edited;
  }

  it("config-test-drops-connections: reuseport removed, still accepted", function () {
    const text = lines(
      ...COMMON,
      "worker_processes 2;",
      "http {",
      `    ${HTTP_COMMON}`,
      "    server { listen 127.0.0.1:19301 reuseport; return 204; }",
      "}",
    );
    const edited = beforeAfter(this, text, "config-test-drops-connections", { nginxVersion: "1.12.1" });
    assert.ok(edited.includes("listen 127.0.0.1:19301; return 204;"), edited);
  });

  it("worker-processes-after-listen: worker_processes moved above http, still accepted", function () {
    const text = lines(
      ...COMMON,
      "http {",
      `    ${HTTP_COMMON}`,
      "    server { listen 127.0.0.1:19302 reuseport; return 204; }",
      "}",
      "worker_processes 2;",
    );
    const edited = beforeAfter(this, text, "worker-processes-after-listen", { nginxVersion: "1.14.2" });
    assert.ok(edited.includes("worker_processes 2;\nhttp {"), edited);
  });
});
