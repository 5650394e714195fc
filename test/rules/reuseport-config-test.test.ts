// Rule reuseport-config-test over real configurations (loaded through the workspace) with the facts the
// scanner finds around them: exact codes, severities, places and counts.
import { strict as assert } from "assert";
import {
  before as versionBefore,
  configTestJoinsReuseport,
  reuseportFindings,
} from "../../server/src/rules/reuseport-config-test";
import type { Finding, RuleOptions } from "../../server/src/rules/types";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { factsFromFiles, factsFromText, type WorkspaceFacts } from "../../server/src/workspace/facts";
import { MemoryFileSource } from "../../server/src/workspace/files";

const CRON = factsFromText("/w/ops/crontab", "* * * * * /usr/sbin/nginx -t -q\n", { displayPath: "ops/crontab" });

function findings(files: Record<string, string>, options: Partial<RuleOptions> = {}): Finding[] {
  const source = new MemoryFileSource(files);
  const config = loadConfiguration("/w/nginx/nginx.conf", { source });
  assert.deepEqual(
    config.diagnostics.map((d) => d.message),
    [],
    "the test configuration itself is valid",
  );
  return reuseportFindings(config, { strict: false, ...options });
}

/** `code severity file:line:character "covered text"` for each finding. */
function summary(fs: Finding[], files: Record<string, string>): string[] {
  return fs.map((f) => {
    const text = files[f.path].slice(f.range.start.offset, f.range.end.offset);
    const where = `${f.path.replace("/w/nginx/", "")}:${f.range.start.line + 1}:${f.range.start.character}`;
    return `${f.code} ${f.severity} ${where} ${JSON.stringify(text)}`;
  });
}

const ONE_SERVER = {
  "/w/nginx/nginx.conf":
    "events {}\nhttp {\n    server {\n        listen 80 reuseport;\n        listen 8080;\n    }\n}\n",
};

describe("rules/reuseport-config-test: affected versions", function () {
  const table: [string, boolean][] = [
    ["1.9.0", false],
    ["1.9.1", true],
    ["1.10.3", true],
    ["1.11.13", true],
    ["1.12.0", true],
    ["1.12.1", true],
    ["1.12.2", false],
    ["1.13.0", true],
    ["1.13.3", true],
    ["1.13.4", false],
    ["1.14.0", false],
    ["1.22.1", false],
    ["1.25.3", false],
    // A series (a Docker tag such as nginx:1.12) is its newest release.
    ["1.10", true],
    ["1.12", false],
    ["1.13", false],
  ];
  for (const [v, joins] of table) {
    it(`nginx ${v}: nginx -t ${joins ? "joins" : "does not join"} the reuseport group`, function () {
      assert.equal(configTestJoinsReuseport(v), joins);
    });
  }

  it("before() compares a series with the fix's series", function () {
    assert.equal(versionBefore("1.15.1", "1.15.2"), true);
    assert.equal(versionBefore("1.15", "1.15.2"), false);
    assert.equal(versionBefore("1.14", "1.15.2"), true);
    assert.equal(versionBefore("1.21.0", "1.21.1"), true);
  });
});

describe("rules/reuseport-config-test: periodic nginx -t", function () {
  it("affected version + crontab evidence → one warning on the reuseport word, evidence as related", function () {
    const fs = findings(ONE_SERVER, { nginxVersion: "1.12.1", facts: CRON });
    assert.deepEqual(summary(fs, ONE_SERVER), ['config-test-drops-connections warning nginx.conf:4:18 "reuseport"']);
    const [f] = fs;
    assert.equal(f.ruleId, "reuseport-config-test");
    assert.equal(
      f.message,
      "crontab line in ops/crontab runs `nginx -t -q` every minute; on nginx 1.12.1 (the nginx version setting) " +
        "each test joins this reuseport group and Linux drops the connections queued on its socket when it exits " +
        "(fixed in 1.13.4 / 1.12.2)",
    );
    assert.deepEqual(f.related, [
      {
        path: "/w/ops/crontab",
        range: CRON.configTests[0].range,
        message: "crontab line in ops/crontab runs `nginx -t -q` every minute",
      },
    ]);
    assert.deepEqual(f.data, {
      nginxVersion: "1.12.1",
      versionSource: "the nginx version setting",
      affected: true,
      assumed: false,
      evidence: [{ kind: "crontab", file: "/w/ops/crontab", line: 1, interval: "every minute" }],
    });
  });

  it("unknown version + evidence → info naming the assumption", function () {
    const fs = findings(ONE_SERVER, { facts: CRON });
    assert.deepEqual(summary(fs, ONE_SERVER), ['config-test-drops-connections info nginx.conf:4:18 "reuseport"']);
    assert.equal(
      fs[0].message,
      "crontab line in ops/crontab runs `nginx -t -q` every minute; each test joins this reuseport group " +
        "and Linux drops the connections queued on its socket when it exits. nginx version unknown — assumed affected " +
        "(1.9.1–1.13.3 / 1.12.0–1.12.1); set nginxRisk.versions.nginx / --nginx-version",
    );
    assert.equal(fs[0].related?.length, 1);
    assert.deepEqual(fs[0].data?.nginxVersion, null);
    assert.deepEqual(fs[0].data?.assumed, true);
  });

  it("a fixed version (1.22.1, measured) → no finding, with or without evidence", function () {
    assert.deepEqual(findings(ONE_SERVER, { nginxVersion: "1.22.1", facts: CRON }), []);
    assert.deepEqual(findings(ONE_SERVER, { nginxVersion: "1.13.4", facts: CRON }), []);
    assert.deepEqual(findings(ONE_SERVER, { nginxVersion: "1.12.2", facts: CRON }), []);
  });

  it("unknown version and no evidence → nothing; affected version and no evidence → info", function () {
    assert.deepEqual(findings(ONE_SERVER), []);
    const fs = findings(ONE_SERVER, { nginxVersion: "1.11.5" });
    assert.deepEqual(summary(fs, ONE_SERVER), ['config-test-drops-connections info nginx.conf:4:18 "reuseport"']);
    assert.equal(fs[0].related, undefined);
    assert.match(fs[0].message, /^on nginx 1\.11\.5 \(the nginx version setting\) any `nginx -t` run while/);
  });

  it("before reuseport existed (< 1.9.1) → nothing", function () {
    assert.deepEqual(findings(ONE_SERVER, { nginxVersion: "1.8.1", facts: CRON }), []);
  });

  it("the version comes from the facts: a Dockerfile FROM, an OpenResty release", function () {
    const facts: WorkspaceFacts = factsFromFiles([
      { path: "/w/Dockerfile", text: "FROM nginx:1.13.3-alpine\n", displayPath: "Dockerfile" },
      { path: "/w/k8s.yaml", text: "livenessProbe:\n  exec:\n    command: [nginx, -t]\n", displayPath: "k8s.yaml" },
    ]);
    const fs = findings(ONE_SERVER, { facts });
    assert.equal(fs.length, 1);
    assert.equal(fs[0].severity, "warning");
    assert.match(
      fs[0].message,
      /^Kubernetes livenessProbe in k8s\.yaml runs `nginx -t` every 10 s; on nginx 1\.13\.3 \(Dockerfile FROM nginx:1\.13\.3-alpine\)/,
    );

    const resty = findings(ONE_SERVER, { openrestyVersion: "1.11.2.5", facts: CRON });
    assert.equal(resty.length, 1);
    assert.match(resty[0].message, /on nginx 1\.11\.2 \(OpenResty 1\.11\.2\.5 \(the OpenResty version setting\)\)/);
  });

  it("several pieces of evidence: the message names the first, related lists all", function () {
    const facts = factsFromText("/w/ops/crontab", "* * * * * nginx -t\n*/5 * * * * nginx -T\n@hourly nginx -t\n", {
      displayPath: "ops/crontab",
    });
    const fs = findings(ONE_SERVER, { nginxVersion: "1.12.1", facts });
    assert.equal(fs.length, 1);
    assert.match(
      fs[0].message,
      /^crontab line in ops\/crontab runs `nginx -t` every minute \(and 2 more places\); on nginx/,
    );
    assert.deepEqual(
      fs[0].related?.map((r) => r.range.start.line),
      [0, 1, 2],
    );
  });
});

describe("rules/reuseport-config-test: where the listens are", function () {
  const files = {
    "/w/nginx/nginx.conf": "events {}\nhttp {\n    include sites/*.conf;\n}\nstream {\n    include stream.conf;\n}\n",
    "/w/nginx/sites/a.conf":
      "server {\n    listen 443 ssl reuseport;\n    listen [::]:443 ssl reuseport;\n}\nserver {\n    listen 443 ssl;\n}\n",
    "/w/nginx/sites/b.conf": 'server {\n    listen 127.0.0.1:8080 "reuseport";\n}\n',
    "/w/nginx/stream.conf": "server {\n    listen 5432 reuseport;\n    proxy_pass db:5432;\n}\n",
  };

  it("http and stream servers, several listens, quoted or not: one finding per reuseport", function () {
    assert.deepEqual(summary(findings(files, { nginxVersion: "1.13.0", facts: CRON }), files), [
      'config-test-drops-connections warning sites/a.conf:2:19 "reuseport"',
      'config-test-drops-connections warning sites/a.conf:3:24 "reuseport"',
      'config-test-drops-connections warning sites/b.conf:2:26 "\\"reuseport\\""',
      'config-test-drops-connections warning stream.conf:2:16 "reuseport"',
    ]);
  });

  it("a file included twice is reported once per position", function () {
    const twice = {
      "/w/nginx/nginx.conf":
        "events {}\nhttp {\n    server {\n        include listen.conf;\n    }\n    server {\n        include listen.conf;\n    }\n}\n",
      "/w/nginx/listen.conf": "listen 80 reuseport;\n",
    };
    assert.deepEqual(summary(findings(twice, { nginxVersion: "1.12.0", facts: CRON }), twice), [
      'config-test-drops-connections warning listen.conf:1:10 "reuseport"',
    ]);
  });

  it("no reuseport → nothing, whatever the version and evidence", function () {
    const plain = { "/w/nginx/nginx.conf": "worker_processes 4;\nevents {}\nhttp { server { listen 80; } }\n" };
    assert.deepEqual(findings(plain, { nginxVersion: "1.12.1", facts: CRON }), []);
  });
});

describe("rules/reuseport-config-test: related hazards", function () {
  const after = {
    "/w/nginx/nginx.conf":
      "events {}\nhttp {\n    server {\n        listen 80 reuseport;\n    }\n}\nworker_processes 4;\n",
  };
  const table: [string, Partial<RuleOptions>, string[]][] = [
    [
      "1.14.0: worker_processes after listen (warning), slow test, fewer workers",
      { nginxVersion: "1.14.0" },
      [
        'worker-processes-after-listen warning nginx.conf:7:0 "worker_processes"',
        'slow-config-test info nginx.conf:4:18 "reuseport"',
        'fewer-workers-on-reload info nginx.conf:7:17 "4"',
      ],
    ],
    [
      "1.16.0: order fixed (1.15.2); slow test still",
      { nginxVersion: "1.16.0" },
      ['slow-config-test info nginx.conf:4:18 "reuseport"', 'fewer-workers-on-reload info nginx.conf:7:17 "4"'],
    ],
    ["1.22.1: only the reload hint", { nginxVersion: "1.22.1" }, ['fewer-workers-on-reload info nginx.conf:7:17 "4"']],
    [
      "unknown version, no evidence: the order hazard as info, assumed",
      {},
      [
        'worker-processes-after-listen info nginx.conf:7:0 "worker_processes"',
        'fewer-workers-on-reload info nginx.conf:7:17 "4"',
      ],
    ],
    [
      "unknown version with evidence: the main finding and the slow test too",
      { facts: CRON },
      [
        'config-test-drops-connections info nginx.conf:4:18 "reuseport"',
        'worker-processes-after-listen info nginx.conf:7:0 "worker_processes"',
        'slow-config-test info nginx.conf:4:18 "reuseport"',
        'fewer-workers-on-reload info nginx.conf:7:17 "4"',
      ],
    ],
  ];
  for (const [name, options, expected] of table) {
    it(name, function () {
      assert.deepEqual(summary(findings(after, options), after), expected);
    });
  }

  it("the messages name the version or the assumption", function () {
    const [order] = findings(after, {});
    assert.match(order.message, /; nginx version unknown; assuming < 1\.15\.2$/);
    assert.deepEqual(
      order.related?.map((r) => r.range.start.line),
      [3],
    );
    const old = findings(after, { nginxVersion: "1.14.0" });
    assert.match(old[0].message, /; nginx 1\.14\.0 \(the nginx version setting\)$/);
    assert.match(old[1].message, /\(1 reuseport address × 4 workers = 4\)/);
  });

  it("worker_processes before the listens, or 1 worker: no order hazard", function () {
    const first = {
      "/w/nginx/nginx.conf": "worker_processes auto;\nevents {}\nhttp {\n    server { listen 80 reuseport; }\n}\n",
    };
    assert.deepEqual(summary(findings(first, { nginxVersion: "1.14.0" }), first), [
      'slow-config-test info nginx.conf:4:23 "reuseport"',
    ]);
    const one = {
      "/w/nginx/nginx.conf": "events {}\nhttp {\n    server { listen 80 reuseport; }\n}\nworker_processes 1;\n",
    };
    assert.deepEqual(findings(one, { nginxVersion: "1.14.0" }), []);
  });

  it("master_process off with several workers: warning before 1.23.3, nothing after", function () {
    const off = {
      "/w/nginx/nginx.conf":
        "master_process off;\nworker_processes auto;\nevents {}\nstream {\n    server { listen 53 udp reuseport; proxy_pass dns:53; }\n}\n",
    };
    assert.deepEqual(summary(findings(off, { nginxVersion: "1.22.1" }), off), [
      'master-process-off warning nginx.conf:1:15 "off"',
    ]);
    assert.deepEqual(findings(off, { nginxVersion: "1.23.3" }), []);
    const unknown = findings(off, {});
    assert.deepEqual(summary(unknown, off), ['master-process-off info nginx.conf:1:15 "off"']);
    assert.match(unknown[0].message, /; nginx version unknown; assuming < 1\.23\.3$/);
  });
});
