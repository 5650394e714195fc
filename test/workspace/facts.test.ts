// Facts around the configuration: periodic `nginx -t` in cron, systemd, monitoring, probes, health checks;
// versions from Dockerfiles, manifests and saved `nginx -V` output. Exact kinds, intervals, ranges.
import { strict as assert } from "assert";
import * as path from "path";
import { MemoryFileSource, NodeFileSource, OverlayFileSource, positionAt } from "../../server/src/workspace/files";
import {
  cronInterval,
  factsFromFiles,
  factsFromText,
  imageVersion,
  scanWorkspaceFacts,
  shellTestInvocation,
  type ConfigTestEvidence,
  type WorkspaceFacts,
} from "../../server/src/workspace/facts";
import { removeTree, tempTree } from "./helpers";

/** What a test expects of one piece of evidence: `text` is what its range covers in the file. */
interface ExpectedEvidence {
  kind: ConfigTestEvidence["kind"];
  line: number;
  text: string;
  invocation: string;
  interval?: string;
  description?: string;
}

/** The evidence of `facts` as ExpectedEvidence, checking that every range is consistent with its file's text. */
function evidenceOf(facts: WorkspaceFacts, texts: Record<string, string>): ExpectedEvidence[] {
  return facts.configTests.map((e) => {
    const text = texts[e.path];
    assert.ok(text !== undefined, `evidence in an unknown file ${e.path}`);
    assert.deepEqual(e.range.start, positionAt(text, e.range.start.offset), "start position matches its offset");
    assert.deepEqual(e.range.end, positionAt(text, e.range.end.offset), "end position matches its offset");
    const out: ExpectedEvidence = {
      kind: e.kind,
      line: e.range.start.line,
      text: text.slice(e.range.start.offset, e.range.end.offset),
      invocation: e.invocation ?? "",
    };
    if (e.interval !== undefined) out.interval = e.interval;
    return out;
  });
}

function evidenceIn(p: string, text: string): ExpectedEvidence[] {
  return evidenceOf(factsFromText(p, text), { [p]: text });
}

describe("workspace/facts: what runs a configuration test", function () {
  const cases: [string, string | null][] = [
    ["nginx -t", "nginx -t"],
    ["/usr/sbin/nginx -T", "/usr/sbin/nginx -T"],
    ["nginx -tq", "nginx -tq"],
    ["nginx -qt", "nginx -qt"],
    ["nginx -t -c /etc/nginx/nginx.conf", "nginx -t -c /etc/nginx/nginx.conf"],
    ["nginx -c/etc/nginx/nginx.conf -t", "nginx -c/etc/nginx/nginx.conf -t"],
    [
      "/usr/local/openresty/nginx/sbin/nginx -p /usr/local/openresty/nginx/ -t",
      "/usr/local/openresty/nginx/sbin/nginx -p /usr/local/openresty/nginx/ -t",
    ],
    ["openresty -t", "openresty -t"],
    ["service nginx configtest", "service nginx configtest"],
    ["/etc/init.d/nginx configtest", "/etc/init.d/nginx configtest"],
    ["sudo -n /usr/sbin/nginx -t 2>&1 >/dev/null", "/usr/sbin/nginx -t"],
    ["nginx -t>/dev/null 2>&1 && nginx -s reload", "nginx -t"],
    ["timeout 10 nginx -t || exit 1", "nginx -t"],
    ["sh -c 'nginx -t && echo ok'", "nginx -t"],
    ["docker exec web nginx -t", "nginx -t"],
    ["docker exec nginx nginx -t", "nginx -t"],
    ["kubectl exec deploy/web -- nginx -t", "nginx -t"],
    ["if $(nginx -t -q); then :; fi", "nginx -t -q"],
    ["nginx -t -g 'daemon on; master_process on;'", "nginx -t -g 'daemon on; master_process on;'"],
    // Not tests.
    ["nginx -s reload", null],
    ["systemctl reload nginx", null],
    ["systemctl restart nginx -t", null],
    ["service nginx reload", null],
    ["nginx -V", null],
    ["nginx", null],
    ["echo nginx -t", null],
    ["pgrep nginx -t", null],
    ["nginx -t extra", null],
    ["nginx -x -t", null],
    ["docker run --rm nginx:1.25 nginx -t", null],
    ["ls /etc/nginx # nginx -t", null],
    ["", null],
  ];
  for (const [command, expected] of cases) {
    it(`${JSON.stringify(command)} → ${expected === null ? "no test" : JSON.stringify(expected)}`, function () {
      const inv = shellTestInvocation(command);
      assert.equal(inv === null ? null : inv.map((w) => (/\s/.test(w) ? `'${w}'` : w)).join(" "), expected);
    });
  }
});

describe("workspace/facts: cron", function () {
  const intervals: [string, string][] = [
    ["* * * * *", "every minute"],
    ["*/1 * * * *", "every minute"],
    ["*/5 * * * *", "every 5 minutes"],
    ["0 * * * *", "every hour"],
    ["15 */2 * * *", "every 2 hours"],
    ["30 3 * * *", "every day"],
    ["0 3 * * 1", "on schedule `0 3 * * 1`"],
    ["0,30 * * * *", "on schedule `0,30 * * * *`"],
  ];
  for (const [fields, interval] of intervals) {
    it(`"${fields}" → ${interval}`, function () {
      assert.equal(cronInterval(fields.split(" ")), interval);
    });
  }

  it("a finding shows what the reader recognised, never the values a crontab or unit passes (issue 11)", function () {
    // A crontab is not nginx configuration: -g, -c, -p, -e and -s values and the program's folder are elided.
    const secret = "TOKEN=c2VjcmV0LWluLWNyb250YWI";
    const line = `* * * * * /opt/${secret}/sbin/nginx -q -g 'env ${secret};' -c/etc/${secret}.conf -t -p /srv/${secret}`;
    const facts = factsFromText("/repo/ops/crontab", line + "\n", { displayPath: "ops/crontab" });
    assert.equal(facts.configTests.length, 1);
    const [e] = facts.configTests;
    assert.equal(e.invocation, "nginx -q -g … -c … -t -p …");
    assert.equal(e.description, "crontab line in ops/crontab runs `nginx -q -g … -c … -t -p …` every minute");
    assert.ok(!e.description.includes("c2VjcmV0"), e.description);
  });

  it("a user crontab: commands after the five fields, comments and variables skipped, non-tests ignored", function () {
    const text = [
      "# m h dom mon dow command",
      "# * * * * * nginx -t",
      "SHELL=/bin/bash",
      "MAILTO=ops@example.com",
      "* * * * * /usr/sbin/nginx -t -q && /usr/sbin/nginx -s reload",
      "*/5 * * * * nginx -t 2>&1 | logger -t nginx-check",
      "0 * * * * nginx -s reload",
      "*/2 * * * * systemctl reload nginx",
      "@hourly service nginx configtest",
      "@reboot nginx -t",
      "0 4 * * 1 nginx -T > /tmp/dump.txt % mail",
      "not a cron line nginx -t",
      "for x in a b c; do nginx -t; done",
      "*/15 9-17 * JAN-dec Mon-Fri nginx -t",
      "",
    ].join("\n");
    assert.deepEqual(evidenceIn("/repo/ops/crontab", text), [
      {
        kind: "crontab",
        line: 4,
        text: "/usr/sbin/nginx -t -q && /usr/sbin/nginx -s reload",
        invocation: "nginx -t -q",
        interval: "every minute",
      },
      {
        kind: "crontab",
        line: 5,
        text: "nginx -t 2>&1 | logger -t nginx-check",
        invocation: "nginx -t",
        interval: "every 5 minutes",
      },
      {
        kind: "crontab",
        line: 8,
        text: "service nginx configtest",
        invocation: "service nginx configtest",
        interval: "every hour",
      },
      {
        kind: "crontab",
        line: 10,
        text: "nginx -T > /tmp/dump.txt",
        invocation: "nginx -T",
        interval: "on schedule `0 4 * * 1`",
      },
      {
        kind: "crontab",
        line: 13,
        text: "nginx -t",
        invocation: "nginx -t",
        interval: "on schedule `*/15 9-17 * JAN-dec Mon-Fri`",
      },
    ]);
  });

  it("exact range and description of a crontab line", function () {
    const text = "# check\n* * * * * nginx -t\n";
    const facts = factsFromText("/w/ops/crontab", text, { displayPath: "ops/crontab" });
    assert.deepEqual(facts.configTests, [
      {
        kind: "crontab",
        path: "/w/ops/crontab",
        range: { start: { line: 1, character: 10, offset: 18 }, end: { line: 1, character: 18, offset: 26 } },
        command: "nginx -t",
        interval: "every minute",
        description: "crontab line in ops/crontab runs `nginx -t` every minute",
        invocation: "nginx -t",
      },
    ]);
    assert.deepEqual(facts.versions, []);
  });

  it("system crontabs (/etc/crontab, cron.d/*) have a user field that is not part of the command", function () {
    assert.deepEqual(evidenceIn("/repo/etc/cron.d/nginx-check", "*/10 * * * * nginx /usr/sbin/nginx -qt\n"), [
      {
        kind: "crontab",
        line: 0,
        text: "/usr/sbin/nginx -qt",
        invocation: "nginx -qt",
        interval: "every 10 minutes",
      },
    ]);
    assert.deepEqual(evidenceIn("/repo/etc/crontab", "17 *\t* * *\troot    cd / && nginx -t\n"), [
      { kind: "crontab", line: 0, text: "cd / && nginx -t", invocation: "nginx -t", interval: "every hour" },
    ]);
    // Saved elsewhere, a `root` after the schedule still reads as the user field.
    assert.deepEqual(evidenceIn("/repo/ops/root.cron", "* * * * * root nginx -t\n"), [
      { kind: "crontab", line: 0, text: "nginx -t", invocation: "nginx -t", interval: "every minute" },
    ]);
  });

  it("CRLF line ends and non-ASCII text before the line count in UTF-16", function () {
    const text = "# café ☕ 😀\r\n* * * * * nginx -t\r\n";
    assert.deepEqual(evidenceIn("/repo/crontab", text), [
      { kind: "crontab", line: 1, text: "nginx -t", invocation: "nginx -t", interval: "every minute" },
    ]);
  });

  it("scripts in cron.daily (and .hourly, …) run at that period", function () {
    const text = "#!/bin/sh\n# nginx -t\nif /usr/sbin/nginx -t; then exit 0; fi\n";
    assert.deepEqual(evidenceIn("/repo/etc/cron.daily/nginx-check", text), [
      {
        kind: "crontab",
        line: 2,
        text: "if /usr/sbin/nginx -t; then exit 0; fi",
        invocation: "nginx -t",
        interval: "every day",
      },
    ]);
  });
});

describe("workspace/facts: systemd timers", function () {
  const service = "[Unit]\nDescription=Check nginx\n\n[Service]\nType=oneshot\nExecStart=-/usr/sbin/nginx -t -q\n";
  it("a service that runs nginx -t and a timer with the same name", function () {
    const files = {
      "/r/systemd/nginx-check.service": service,
      "/r/systemd/nginx-check.timer":
        "[Timer]\nOnBootSec=1min\nOnUnitActiveSec=5min\n\n[Install]\nWantedBy=timers.target\n",
    };
    const facts = factsFromFiles(Object.entries(files).map(([p, text]) => ({ path: p, text })));
    assert.deepEqual(evidenceOf(facts, files), [
      {
        kind: "systemd-timer",
        line: 5,
        text: "/usr/sbin/nginx -t -q",
        invocation: "nginx -t -q",
        interval: "every 5 minutes",
      },
    ]);
    assert.equal(
      facts.configTests[0].description,
      "systemd service /r/systemd/nginx-check.service (started by /r/systemd/nginx-check.timer) runs `nginx -t -q` every 5 minutes",
    );
  });

  it("Unit= names the service; OnCalendar shorthands; continuation lines", function () {
    const files = {
      "/r/a/conftest.service": "[Service]\nExecStart=/bin/sh -c \\\n  'nginx -t'\n",
      "/r/b/every-minute.timer": "[Timer]\nOnCalendar=minutely\nUnit=conftest.service\n",
    };
    const facts = factsFromFiles(Object.entries(files).map(([p, text]) => ({ path: p, text })));
    assert.deepEqual(evidenceOf(facts, files), [
      {
        kind: "systemd-timer",
        line: 1,
        text: "/bin/sh -c \\\n  'nginx -t'",
        invocation: "nginx -t",
        interval: "every minute",
      },
    ]);
  });

  it("without a timer a service is not periodic (nginx.service's own ExecStartPre)", function () {
    const unit =
      "[Service]\nType=forking\nExecStartPre=/usr/sbin/nginx -t -q -g 'daemon on; master_process on;'\nExecStart=/usr/sbin/nginx\nExecReload=/usr/sbin/nginx -s reload\n";
    assert.deepEqual(factsFromText("/r/nginx.service", unit), { configTests: [], versions: [] });
    const files = [
      { path: "/r/nginx.service", text: unit },
      { path: "/r/other.timer", text: "[Timer]\nOnUnitActiveSec=1h\n" },
    ];
    assert.deepEqual(factsFromFiles(files).configTests, []);
  });
});

describe("workspace/facts: monitoring agents", function () {
  it("Zabbix UserParameter: interval unknown (the item decides)", function () {
    const text =
      "Server=zabbix.example.com\n# UserParameter=off,nginx -t\nUserParameter=nginx.conftest,sudo nginx -t 2>&1 | grep -c successful\nUserParameter=nginx.status[*],curl -s http://127.0.0.1/status\n";
    const p = "/r/zabbix/zabbix_agentd.d/nginx.conf";
    assert.deepEqual(evidenceIn(p, text), [
      { kind: "zabbix", line: 2, text: "sudo nginx -t 2>&1 | grep -c successful", invocation: "nginx -t" },
    ]);
    assert.equal(
      factsFromText(p, text, { displayPath: "nginx.conf" }).configTests[0].description,
      "Zabbix UserParameter `nginx.conftest` in nginx.conf runs `nginx -t` each time its item is polled",
    );
  });

  it("monit check program: every N cycles, in seconds when `set daemon` says", function () {
    const text =
      'set daemon 60\n# check program old with path "/usr/sbin/nginx -t"\ncheck program nginx_conf with path "/usr/sbin/nginx -t"\n  every 2 cycles\n  if status != 0 then alert\ncheck process nginx with pidfile /run/nginx.pid\n';
    assert.deepEqual(evidenceIn("/r/monit/monitrc", text), [
      {
        kind: "monit",
        line: 2,
        text: "/usr/sbin/nginx -t",
        invocation: "nginx -t",
        interval: "every 2 minutes",
      },
    ]);
    // Unquoted, the path is one word: `-t` is not part of it.
    assert.deepEqual(evidenceIn("/r/monit.d/nginx", "check program conf with path /usr/sbin/nginx -t\n"), []);
    assert.deepEqual(evidenceIn("/r/monit.d/nginx", 'check program conf with path "nginx -t"\n  every 3 cycles\n'), [
      { kind: "monit", line: 0, text: "nginx -t", invocation: "nginx -t", interval: "every 3 monit cycles" },
    ]);
  });

  it("Nagios command_line with the service's check_interval; NRPE command[]", function () {
    const text = [
      "define command {",
      "    command_name    check_nginx_conf",
      "    command_line    sudo /usr/sbin/nginx -t ; needs sudoers",
      "}",
      "define service {",
      "    host_name       web1",
      "    check_command   check_nginx_conf!quiet",
      "    check_interval  5",
      "}",
      "",
    ].join("\n");
    assert.deepEqual(evidenceIn("/r/nagios/objects.cfg", text), [
      {
        kind: "nagios",
        line: 2,
        text: "sudo /usr/sbin/nginx -t",
        invocation: "nginx -t",
        interval: "every 5 minutes",
      },
    ]);
    assert.deepEqual(evidenceIn("/r/nrpe.d/nginx.cfg", "command[check_nginx]=/usr/bin/sudo /usr/sbin/nginx -t\n"), [
      { kind: "nagios", line: 0, text: "/usr/bin/sudo /usr/sbin/nginx -t", invocation: "nginx -t" },
    ]);
  });
});

describe("workspace/facts: containers", function () {
  it("Kubernetes probes: block list (sh -c), inline list, periodSeconds (default 10 s)", function () {
    const text = [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "spec:",
      "  template:",
      "    spec:",
      "      containers:",
      "      - name: web",
      "        image: nginx:1.12.1",
      '        command: ["nginx", "-g", "daemon off;"]',
      "        livenessProbe:",
      "          exec:",
      "            command:",
      "            - /bin/sh",
      "            - -c",
      '            - "nginx -t 2>/dev/null"',
      "          periodSeconds: 5",
      "        readinessProbe:",
      "          exec:",
      '            command: ["nginx", "-t"]',
      "        startupProbe:",
      "          httpGet: {path: /, port: 80}",
      "",
    ].join("\n");
    const p = "/r/k8s/deploy.yaml";
    assert.deepEqual(evidenceIn(p, text), [
      {
        kind: "kubernetes-probe",
        line: 12,
        text: '/bin/sh\n            - -c\n            - "nginx -t 2>/dev/null"',
        invocation: "nginx -t",
        interval: "every 5 s",
      },
      { kind: "kubernetes-probe", line: 18, text: '"nginx", "-t"', invocation: "nginx -t", interval: "every 10 s" },
    ]);
    const facts = factsFromText(p, text, { displayPath: "k8s/deploy.yaml" });
    assert.equal(
      facts.configTests[0].description,
      "Kubernetes livenessProbe in k8s/deploy.yaml runs `nginx -t` every 5 s",
    );
    assert.deepEqual(
      facts.versions.map((v) => [v.component, v.version, v.how]),
      [["nginx", "1.12.1", "k8s/deploy.yaml image nginx:1.12.1"]],
    );
  });

  it("Kubernetes probe with a block scalar script", function () {
    const text =
      "livenessProbe:\n  exec:\n    command:\n    - sh\n    - -c\n    - |\n      set -e\n      nginx -t -q\n  periodSeconds: 60\n";
    assert.deepEqual(evidenceIn("/r/probe.yml", text), [
      {
        kind: "kubernetes-probe",
        line: 3,
        text: "sh\n    - -c\n    - |\n      set -e\n      nginx -t -q",
        invocation: "nginx -t -q",
        interval: "every minute",
      },
    ]);
  });

  it("docker-compose healthcheck: CMD-SHELL, string form, interval; disabled and NONE ignored", function () {
    const text = [
      "services:",
      "  web:",
      "    image: openresty/openresty:1.21.4.1-0-jammy",
      "    healthcheck:",
      '      test: ["CMD-SHELL", "nginx -t || exit 1"]',
      "      interval: 1m30s",
      "  b:",
      "    healthcheck:",
      "      test: openresty -t",
      "  c:",
      "    healthcheck:",
      "      test:",
      "        - CMD",
      "        - nginx",
      "        - -t",
      "      disable: true",
      "  d:",
      "    healthcheck:",
      '      test: ["NONE"]',
      "",
    ].join("\n");
    assert.deepEqual(evidenceIn("/r/docker-compose.yml", text), [
      {
        kind: "docker-healthcheck",
        line: 4,
        text: '"nginx -t || exit 1"',
        invocation: "nginx -t",
        interval: "every 90 s",
      },
      { kind: "docker-healthcheck", line: 8, text: "openresty -t", invocation: "openresty -t", interval: "every 30 s" },
    ]);
  });

  it("Dockerfile HEALTHCHECK: exec and shell form, --interval, continuation lines; NONE ignored", function () {
    const text = [
      "FROM nginx:1.12.1",
      'HEALTHCHECK --interval=5m --timeout=3s CMD ["/usr/sbin/nginx", "-t"]',
      "HEALTHCHECK NONE",
      "HEALTHCHECK CMD nginx -t \\",
      "    || exit 1",
      "",
    ].join("\n");
    assert.deepEqual(evidenceIn("/r/Dockerfile", text), [
      {
        kind: "docker-healthcheck",
        line: 1,
        text: '["/usr/sbin/nginx", "-t"]',
        invocation: "nginx -t",
        interval: "every 5 minutes",
      },
      {
        kind: "docker-healthcheck",
        line: 3,
        text: "nginx -t \\\n    || exit 1",
        invocation: "nginx -t",
        interval: "every 30 s",
      },
    ]);
  });
});

describe("workspace/facts: versions", function () {
  const images: [string, string | null][] = [
    ["openresty/openresty:1.21.4.1-0-jammy", "openresty 1.21.4.1"],
    ["openresty/openresty:1.25.3.1-alpine-fat", "openresty 1.25.3.1"],
    ["openresty/openresty:alpine", null],
    ["nginx:1.22", "nginx 1.22"],
    ["nginx:1.22.1-alpine", "nginx 1.22.1"],
    ["nginx:1.22.1-alpine-perl", "nginx 1.22.1"],
    ["docker.io/library/nginx:1.25.3@sha256:0123abcd", "nginx 1.25.3"],
    ["nginxinc/nginx-unprivileged:1.25-alpine", "nginx 1.25"],
    ["registry.example.com:5000/mirror/nginx:1.18.0", "nginx 1.18.0"],
    ["registry.example.com:5000/mirror/nginx", null],
    ["nginx", null],
    ["nginx:latest", null],
    ["nginx:stable", null],
    ["nginx:mainline-alpine", null],
    ["nginx:1-alpine", null],
    ["nginx@sha256:0123abcd", null],
    ["golang:1.21", null],
  ];
  for (const [ref, expected] of images) {
    it(`image ${ref} → ${expected ?? "no version"}`, function () {
      const v = imageVersion(ref);
      assert.equal(v === null ? null : `${v.component} ${v.version}`, expected);
    });
  }

  function versionsIn(p: string, text: string): string[][] {
    const facts = factsFromText(p, text, { displayPath: path.posix.basename(p) });
    return facts.versions.map((v) => [
      v.component,
      v.version,
      text.slice(v.range.start.offset, v.range.end.offset),
      v.how,
    ]);
  }

  it("Dockerfile: the final stage's FROM first, ARG substitution, no version for `FROM nginx`", function () {
    const text = [
      "ARG RESTY=1.21.4.1",
      "FROM openresty/openresty:${RESTY}-0-jammy AS build",
      "FROM --platform=linux/amd64 nginx:1.22.1-alpine AS web",
      "",
    ].join("\n");
    assert.deepEqual(versionsIn("/r/Dockerfile", text), [
      ["nginx", "1.22.1", "nginx:1.22.1-alpine", "Dockerfile FROM nginx:1.22.1-alpine"],
      [
        "openresty",
        "1.21.4.1",
        "openresty/openresty:${RESTY}-0-jammy",
        "Dockerfile FROM openresty/openresty:1.21.4.1-0-jammy",
      ],
    ]);
    assert.deepEqual(versionsIn("/r/Dockerfile.prod", "FROM nginx\nFROM nginx:latest\n"), []);
  });

  it("Dockerfile: package pins and version variables", function () {
    const text = [
      "FROM debian:bookworm",
      "ENV NGINX_VERSION 1.25.3",
      "RUN apt-get update && apt-get install -y \\",
      "      nginx=1.18.0-6ubuntu14.4 \\",
      "      libnginx-mod-http-lua=1:0.10.23-1",
      "",
    ].join("\n");
    assert.deepEqual(versionsIn("/r/Containerfile", text), [
      ["nginx", "1.25.3", "1.25.3", "Containerfile ENV NGINX_VERSION=1.25.3"],
      ["nginx", "1.18.0", "nginx=1.18.0-6ubuntu14.4", "Containerfile installs nginx=1.18.0-6ubuntu14.4"],
      [
        "lua-nginx-module",
        "0.10.23",
        "libnginx-mod-http-lua=1:0.10.23-1",
        "Containerfile installs libnginx-mod-http-lua=1:0.10.23-1",
      ],
    ]);
  });

  it("saved `nginx -V` output: nginx / OpenResty, OpenSSL, lua-nginx-module", function () {
    const nginx =
      "nginx version: nginx/1.22.1\nbuilt with OpenSSL 3.0.11 19 Sep 2023\nTLS SNI support enabled\nconfigure arguments: --with-cc-opt='-g -O2' --add-dynamic-module=/build/lua-nginx-module-0.10.26 --add-dynamic-module=/build/stream-lua-nginx-module-0.0.14\n";
    assert.deepEqual(versionsIn("/r/nginx-V.txt", nginx), [
      ["nginx", "1.22.1", "nginx/1.22.1", "`nginx -V` output in nginx-V.txt"],
      ["openssl", "3.0.11", "3.0.11", "`nginx -V` output in nginx-V.txt"],
      [
        "lua-nginx-module",
        "0.10.26",
        "--add-dynamic-module=/build/lua-nginx-module-0.10.26",
        "`nginx -V` output in nginx-V.txt",
      ],
    ]);
    const resty =
      "nginx version: openresty/1.21.4.3\nbuilt by gcc 11.4.0\nbuilt with OpenSSL 1.1.1w  11 Sep 2023 (running with OpenSSL 3.0.2 15 Mar 2022)\nconfigure arguments: --prefix=/usr/local/openresty/nginx --add-module=../ngx_lua-0.10.25\n";
    assert.deepEqual(
      versionsIn("/r/build-info", resty).map((v) => v.slice(0, 3)),
      [
        ["openresty", "1.21.4.3", "openresty/1.21.4.3"],
        ["openssl", "3.0.2", "3.0.2"],
        ["lua-nginx-module", "0.10.25", "--add-module=../ngx_lua-0.10.25"],
      ],
    );
  });

  it("`nginx -V` output outranks a Dockerfile across files", function () {
    const facts = factsFromFiles([
      { path: "/r/Dockerfile", text: "FROM nginx:1.12\n" },
      { path: "/r/nginx-V.txt", text: "nginx version: nginx/1.12.1\n" },
    ]);
    assert.deepEqual(
      facts.versions.map((v) => `${v.component} ${v.version}`),
      ["nginx 1.12.1", "nginx 1.12"],
    );
  });
});

describe("workspace/facts: robustness", function () {
  const names = [
    "/r/crontab",
    "/r/cron.d/x",
    "/r/cron.daily/x",
    "/r/x.service",
    "/r/x.timer",
    "/r/zabbix_agentd.conf",
    "/r/x.yaml",
    "/r/Dockerfile",
    "/r/monitrc",
    "/r/x.cfg",
    "/r/nginx-V.txt",
  ];
  // A small deterministic generator: the same garbage on every run.
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = [
    ..."*/ \t\n\r-#:[]{}\"'\\|&;%=@,.0123456789abcnginxtT",
    "nginx -t",
    "command:",
    "- ",
    "livenessProbe:",
    "healthcheck:",
    "HEALTHCHECK CMD ",
    "FROM nginx:",
    "check program x with path ",
    "define command {",
    "UserParameter=",
    "ExecStart=",
    "[Service]",
    "nginx version: ",
    "\u0000",
    "😀",
    "\ud800",
  ];

  it("garbage never throws, and every range lies within the text", function () {
    for (let round = 0; round < 300; round++) {
      let text = "";
      const len = rand(400);
      for (let i = 0; i < len; i++) text += alphabet[rand(alphabet.length)];
      for (const p of names) {
        const facts = factsFromText(p, text, {
          onError: (_p, e) => assert.fail(`reader failed on ${JSON.stringify(text)}: ${String(e)}`),
        });
        for (const r of [...facts.configTests.map((e) => e.range), ...facts.versions.map((v) => v.range)]) {
          assert.ok(0 <= r.start.offset && r.start.offset <= r.end.offset && r.end.offset <= text.length, p);
        }
      }
    }
    assert.deepEqual(factsFromText("/r/crontab", "\u0000\u0001\uFFFD".repeat(1000)), { configTests: [], versions: [] });
  });

  it("names of Object.prototype members are plain names", function () {
    const none = { configTests: [], versions: [] };
    assert.deepEqual(factsFromText("/r/constructor/x", "nginx -t\n"), none);
    assert.deepEqual(factsFromText("/r/crontab", "@constructor nginx -t\n@toString nginx -t\n"), none);
    assert.deepEqual(factsFromText("/r/Dockerfile", "ARG constructor=1.2.3\nENV __proto__ 1.2.3\n"), none);
    const timer = factsFromFiles([
      { path: "/r/x.service", text: "[Service]\nExecStart=nginx -t\n" },
      { path: "/r/x.timer", text: "[Timer]\nOnCalendar=constructor\n" },
    ]);
    assert.deepEqual(
      timer.configTests.map((e) => e.interval),
      ["on calendar `constructor`"],
    );
  });
});

describe("workspace/facts: scanning folders", function () {
  let dir = "";
  before(function () {
    dir = tempTree({
      "ops/crontab": "* * * * * nginx -t\n",
      "ops/systemd/conftest.service": "[Service]\nExecStart=/usr/sbin/nginx -t\n",
      "ops/systemd/conftest.timer": "[Timer]\nOnUnitActiveSec=30s\n",
      "deploy/k8s/web.yaml": "livenessProbe:\n  exec:\n    command: [nginx, -t]\n",
      "docker/Dockerfile": "FROM openresty/openresty:1.21.4.1-0-jammy\n",
      "nginx/nginx.conf": "events {}\nhttp { server { listen 80 reuseport; } }\n",
      "README.md": "* * * * * nginx -t\n",
      "node_modules/pkg/crontab": "* * * * * nginx -t\n",
      ".hidden/crontab": "* * * * * nginx -t\n",
      "big/crontab": "* * * * * nginx -t\n" + "#".repeat(1024 * 1024),
      "bin/crontab": Buffer.from("* * * * * nginx -t\n\u0000\u0001", "utf8"),
      "a/b/c/d/e/f/g/h/i/crontab": "* * * * * nginx -t\n",
    });
  });
  after(() => removeTree(dir));

  it("finds the evidence and versions, skipping node_modules, hidden folders, big and binary files, and depth > 8", function () {
    const facts = scanWorkspaceFacts([dir]);
    assert.deepEqual(facts.configTests.map((e) => [e.kind, path.relative(dir, e.path), e.interval]).sort(), [
      ["crontab", "ops/crontab", "every minute"],
      ["kubernetes-probe", "deploy/k8s/web.yaml", "every 10 s"],
      ["systemd-timer", "ops/systemd/conftest.service", "every 30 s"],
    ]);
    assert.deepEqual(facts.configTests.map((e) => e.description).sort(), [
      "Kubernetes livenessProbe in deploy/k8s/web.yaml runs `nginx -t` every 10 s",
      "crontab line in ops/crontab runs `nginx -t` every minute",
      "systemd service ops/systemd/conftest.service (started by ops/systemd/conftest.timer) runs `nginx -t` every 30 s",
    ]);
    assert.deepEqual(
      facts.versions.map((v) => [v.component, v.version, v.how]),
      [["openresty", "1.21.4.1", "docker/Dockerfile FROM openresty/openresty:1.21.4.1-0-jammy"]],
    );
  });

  it("is bounded by maxFiles and maxDepth", function () {
    assert.equal(scanWorkspaceFacts([dir], { maxFiles: 1 }).configTests.length <= 1, true);
    assert.deepEqual(scanWorkspaceFacts([dir], { maxDepth: 0 }), { configTests: [], versions: [] });
    const deep = scanWorkspaceFacts([dir], { maxDepth: 20 }).configTests.map((e) => path.relative(dir, e.path));
    assert.ok(deep.includes("a/b/c/d/e/f/g/h/i/crontab"));
  });

  it("editor buffers over the disk: a buffer wins, disk files are still size-checked", function () {
    const source = new OverlayFileSource(new NodeFileSource());
    source.setOverlay(path.join(dir, "ops/crontab"), "# * * * * * nginx -t\n0 * * * * nginx -t\n");
    const facts = scanWorkspaceFacts([dir], { source });
    assert.deepEqual(facts.configTests.map((e) => [path.relative(dir, e.path), e.interval]).sort(), [
      ["deploy/k8s/web.yaml", "every 10 s"],
      ["ops/crontab", "every hour"],
      ["ops/systemd/conftest.service", "every 30 s"],
    ]);
  });

  it("reads through a FileSource (editor buffers, tests)", function () {
    const source = new MemoryFileSource({
      "/w/ops/crontab": "*/5 * * * * nginx -t\n",
      "/w/node_modules/x/crontab": "* * * * * nginx -t\n",
      "/w/Dockerfile": "FROM nginx:1.12.1\n",
    });
    const facts = scanWorkspaceFacts(["/w"], { source });
    assert.deepEqual(
      facts.configTests.map((e) => e.description),
      ["crontab line in ops/crontab runs `nginx -t` every 5 minutes"],
    );
    assert.deepEqual(
      facts.versions.map((v) => v.how),
      ["Dockerfile FROM nginx:1.12.1"],
    );
  });
});
