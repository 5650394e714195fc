// Rules quic-bpf-reuseport and quic-bpf-limits over real configurations (loaded through the workspace, includes
// expanded) with the facts the scanner finds around them: exact codes, severities, places and counts.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as dgram from "dgram";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { buildModel } from "../../server/src/model";
import { runChecks } from "../../server/src/rules";
import { capabilitiesSuffice, memlockEstimate, quicBpfLimitsFindings } from "../../server/src/rules/quic-bpf-limits";
import { quicBpfReuseportFindings } from "../../server/src/rules/quic-bpf-reuseport";
import type { Finding, RuleOptions } from "../../server/src/rules/types";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { factsFromFiles, type PrivilegeEvidence, type WorkspaceFacts } from "../../server/src/workspace/facts";
import { MemoryFileSource } from "../../server/src/workspace/files";

const ROOT = "/w/nginx/nginx.conf";

function load(files: Record<string, string>) {
  const source = new MemoryFileSource(files);
  const config = loadConfiguration(ROOT in files ? ROOT : Object.keys(files)[0], { source });
  assert.deepEqual(
    config.diagnostics.map((d) => d.message),
    [],
    "the test configuration itself is valid",
  );
  return config;
}

type Rule = typeof quicBpfReuseportFindings;

function run(rule: Rule, files: Record<string, string>, options: Partial<RuleOptions> = {}): Finding[] {
  const config = load(files);
  return rule(buildModel(config), { strict: false, ...options });
}

/** `code severity file:line "covered text"` for each finding. */
function summary(fs: Finding[], files: Record<string, string>): string[] {
  return fs.map((f) => {
    const text = files[f.path].slice(f.range.start.offset, f.range.end.offset);
    return `${f.code} ${f.severity} ${f.path.replace("/w/nginx/", "")}:${f.range.start.line + 1} ${JSON.stringify(text)}`;
  });
}

function conf(main: string, server: string): string {
  return `${main}\nevents {}\nhttp {\n    server {\n${server}\n        server_name example.com;\n    }\n}\n`;
}

const QUIC_LISTENS = "        listen 443 quic reuseport;\n        listen 443 ssl;";

describe("rules/quic-bpf-reuseport: quic_bpf and a QUIC reuseport listen", function () {
  // The cases of Gixy-Next's own fixtures (tests/plugins/simply/quic_bpf_reuseport/, not in the shared
  // corpus), written again here: which fire and which must not. Two differ from the peer: with one worker
  // (worker_processes 1, or absent) the old worker still drains beside the new one after a reload, and the
  // real nginx 1.26.3 dropped 122 of 400 new Initials there (docs/rules/quic-bpf-reuseport.md).
  const table: [string, string, string, boolean][] = [
    ["worker_processes auto", "worker_processes auto;\nquic_bpf on;", QUIC_LISTENS, true],
    ["an explicit worker count", "worker_processes 4;\nquic_bpf on;", QUIC_LISTENS, true],
    ["quic_bpf off", "worker_processes auto;\nquic_bpf off;", QUIC_LISTENS, false],
    [
      "no reuseport on the QUIC listen",
      "worker_processes auto;\nquic_bpf on;",
      "        listen 443 quic;\n        listen 443 ssl;",
      false,
    ],
    ["worker_processes absent (one worker; the peer: quiet)", "quic_bpf on;", QUIC_LISTENS, true],
    ["worker_processes 1 (the peer: quiet)", "worker_processes 1;\nquic_bpf on;", QUIC_LISTENS, true],
    // nginx reads the flag in any case (ngx_conf_set_flag_slot: ngx_strcasecmp); the peer compares with "on".
    ["quic_bpf ON", "worker_processes 2;\nquic_bpf ON;", QUIC_LISTENS, true],
    [
      "reuseport on a TCP listen only",
      "worker_processes 2;\nquic_bpf on;",
      "        listen 443 quic;\n        listen 443 ssl reuseport;",
      false,
    ],
  ];
  for (const [name, main, server, fires] of table) {
    it(`${name}: ${fires ? "fires" : "quiet"}`, function () {
      const files = { [ROOT]: conf(main, server) };
      const fs = run(quicBpfReuseportFindings, files);
      assert.equal(fs.length, fires ? 1 : 0, JSON.stringify(summary(fs, files)));
      if (fires) {
        assert.match(summary(fs, files)[0], /^reload-drops-quic-connections warning nginx\.conf:\d+ "(on|ON)"$/);
        assert.match(fs[0].message, /nginx\/nginx#425/);
      }
    });
  }

  it("the effective configuration: quic_bpf and worker_processes from an included file, the listen from conf.d", function () {
    const files = {
      [ROOT]: "include main.d/*.conf;\nevents {}\nhttp {\n    include conf.d/*.conf;\n}\n",
      "/w/nginx/main.d/quic.conf": "worker_processes 8;\nquic_bpf on;\n",
      "/w/nginx/conf.d/site.conf": `server {\n${QUIC_LISTENS}\n}\n`,
    };
    const fs = run(quicBpfReuseportFindings, files);
    assert.deepEqual(summary(fs, files), ['reload-drops-quic-connections warning main.d/quic.conf:2 "on"']);
    assert.deepEqual(
      fs[0].related!.map((r) => `${r.path.replace("/w/nginx/", "")}:${r.range.start.line + 1} ${r.message}`),
      ["conf.d/site.conf:2 QUIC listening socket in a reuseport group"],
    );
    assert.equal(fs[0].data!.workers, 8);
    assert.deepEqual(fs[0].data!.workerProcesses, { file: "/w/nginx/main.d/quic.conf", line: 1 });
  });

  it("a server file included twice is one listen; a server fragment alone has no quic_bpf to judge", function () {
    const site = `server {\n${QUIC_LISTENS}\n}\n`;
    const files = {
      [ROOT]:
        "worker_processes 2;\nquic_bpf on;\nevents {}\nhttp {\n    include site.conf;\n    include site.conf;\n}\n",
      "/w/nginx/site.conf": site,
    };
    const fs = run(quicBpfReuseportFindings, files);
    assert.equal(fs.length, 1);
    assert.equal(fs[0].data!.listens, 1);
    assert.deepEqual(run(quicBpfReuseportFindings, { "/w/frag/site.conf": site }), []);
  });

  it("version-aware: quiet before nginx 1.25.0 (no quic_bpf there), fires from 1.25.0", function () {
    const files = { [ROOT]: conf("worker_processes 2;\nquic_bpf on;", QUIC_LISTENS) };
    assert.equal(run(quicBpfReuseportFindings, files, { nginxVersion: "1.24.0" }).length, 0);
    assert.equal(run(quicBpfReuseportFindings, files, { nginxVersion: "1.25.0" }).length, 1);
    assert.equal(run(quicBpfReuseportFindings, files, { nginxVersion: "1.29.8" }).length, 1);
  });
});

// ---------------------------------------------------------------------------------------------------

const QUIC_CONF = { [ROOT]: conf("worker_processes 4;\nquic_bpf on;", QUIC_LISTENS) };

function facts(files: Record<string, string>): WorkspaceFacts {
  return factsFromFiles(
    Object.entries(files).map(([p, text]) => ({ path: p, text, displayPath: p.replace("/w/", "") })),
  );
}

function limits(factFiles: Record<string, string>, options: Partial<RuleOptions> = {}, files = QUIC_CONF): Finding[] {
  return run(quicBpfLimitsFindings, files, { facts: facts(factFiles), ...options });
}

const COMPOSE_DEFAULT = [
  "services:",
  "  web:",
  "    image: nginx:1.27-alpine",
  "    ports:",
  '      - "443:443/udp"',
  "  db:",
  "    image: postgres:16",
  "",
].join("\n");

describe("rules/quic-bpf-limits: what the master needs to load quic_bpf's program", function () {
  it("memlock estimate: one page of program and the SOCKHASH's pages per address", function () {
    // 4 workers: 16 entries, 16 buckets: 16×16 + 16×56 = 1,152 bytes → one page; plus the program's page.
    assert.equal(memlockEstimate(1, 4), 2 * 4096);
    assert.equal(memlockEstimate(2, 4), 4 * 4096);
    // 64 workers: 256 entries and buckets: 4,096 + 14,336 = 18,432 bytes → 5 pages, plus one.
    assert.equal(memlockEstimate(1, 64), 6 * 4096);
  });

  it("which capabilities suffice (measured on Linux 6.18 with nginx 1.26.3: SYS_ADMIN, or BPF with NET_ADMIN)", function () {
    const container = (add: string[], drop: string[] = [], privileged = false): PrivilegeEvidence => ({
      kind: "compose",
      path: "/w/compose.yaml",
      range: { start: { line: 0, character: 0, offset: 0 }, end: { line: 0, character: 0, offset: 0 } },
      subject: "web",
      container: true,
      privileged,
      add,
      drop,
      keep: null,
      description: "",
    });
    assert.equal(capabilitiesSuffice(container([])), false, "Docker's defaults");
    assert.equal(capabilitiesSuffice(container(["BPF"])), false, "BPF alone: no SOCKHASH without NET_ADMIN");
    assert.equal(capabilitiesSuffice(container(["NET_ADMIN"])), false);
    assert.equal(capabilitiesSuffice(container(["BPF", "NET_ADMIN"])), true);
    assert.equal(capabilitiesSuffice(container(["SYS_ADMIN"])), true);
    assert.equal(capabilitiesSuffice(container(["ALL"])), true);
    assert.equal(capabilitiesSuffice(container(["BPF", "NET_ADMIN"], ["ALL"])), true, "drop ALL, then add");
    assert.equal(capabilitiesSuffice(container([], [], true)), true, "privileged");
    const unit = (keep: string[] | null, drop: string[] = []): PrivilegeEvidence => ({
      ...container([]),
      kind: "systemd",
      container: false,
      keep,
      drop,
    });
    assert.equal(capabilitiesSuffice(unit(null)), true, "root without a bounding set");
    assert.equal(capabilitiesSuffice(unit(["NET_BIND_SERVICE", "SETUID", "SETGID"])), false);
    assert.equal(capabilitiesSuffice(unit(null, ["SYS_ADMIN", "BPF"])), false, "~CAP_SYS_ADMIN CAP_BPF");
    assert.equal(capabilitiesSuffice(unit(null, ["SYS_ADMIN"])), true, "BPF and NET_ADMIN still there");
  });

  it("a compose service of the nginx image with the default capabilities: nginx will not start", function () {
    const fs = limits({ "/w/compose.yaml": COMPOSE_DEFAULT });
    assert.deepEqual(summary(fs, QUIC_CONF), ['missing-capabilities warning nginx.conf:2 "on"']);
    assert.match(
      fs[0].message,
      /^docker-compose service `web` in compose\.yaml \(default capabilities\): without CAP_BPF/,
    );
    assert.match(fs[0].message, /refuses to start/);
    assert.deepEqual(fs[0].data!.evidence, [{ kind: "compose", file: "/w/compose.yaml", line: 2, subject: "web" }]);
    assert.equal(fs[0].related!.length, 2, "the compose service and the QUIC listen");
  });

  it("cap_add BPF + NET_ADMIN, SYS_ADMIN or privileged: no finding; BPF alone: still one", function () {
    const compose = (extra: string): string => ["services:", "  web:", "    image: nginx:1.27", extra, ""].join("\n");
    assert.deepEqual(limits({ "/w/compose.yaml": compose("    cap_add:\n      - BPF\n      - NET_ADMIN") }), []);
    assert.deepEqual(limits({ "/w/compose.yaml": compose("    cap_add: [SYS_ADMIN]") }), []);
    assert.deepEqual(limits({ "/w/compose.yaml": compose("    privileged: true") }), []);
    const fs = limits({ "/w/compose.yaml": compose("    cap_add: [CAP_BPF]") });
    assert.deepEqual(
      fs.map((f) => f.code),
      ["missing-capabilities"],
    );
    assert.match(fs[0].message, /adds BPF/);
  });

  it("a Kubernetes nginx container without capabilities, and one that adds them", function () {
    const pod = (caps: string): string =>
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        "        - name: metrics",
        "          image: nginx/nginx-prometheus-exporter:1.1",
        "        - name: web",
        "          image: registry.example/nginx:1.27",
        caps,
        "",
      ].join("\n");
    const bare = limits({ "/w/k8s/deploy.yaml": pod("") });
    assert.deepEqual(
      bare.map((f) => `${f.code} ${f.severity}`),
      ["missing-capabilities warning"],
    );
    assert.match(bare[0].message, /^Kubernetes container `web` in k8s\/deploy\.yaml \(default capabilities\)/);
    const withCaps = pod(
      '          securityContext:\n            capabilities:\n              add: ["BPF", "NET_ADMIN"]\n              drop: ["ALL"]',
    );
    assert.deepEqual(limits({ "/w/k8s/deploy.yaml": withCaps }), []);
    const dropped = pod(
      "          securityContext:\n            capabilities:\n              drop:\n              - ALL",
    );
    assert.match(limits({ "/w/k8s/deploy.yaml": dropped })[0].message, /drops ALL/);
  });

  it("systemd: LimitMEMLOCK=64K is too low for 4 addresses × 64 workers; infinity is fine", function () {
    const files = {
      [ROOT]: conf(
        "worker_processes auto;\nquic_bpf on;",
        ["443", "8443", "9443", "10443"].map((p) => `        listen ${p} quic reuseport;`).join("\n"),
      ),
    };
    const unit = (limit: string): string =>
      `[Unit]\nDescription=nginx\n[Service]\nType=forking\nExecStart=/usr/sbin/nginx\nLimitMEMLOCK=${limit}\n`;
    const low = limits({ "/w/systemd/nginx.service": unit("64K") }, {}, files);
    assert.deepEqual(summary(low, files), ['memlock-too-low warning nginx.conf:2 "on"']);
    assert.match(
      low[0].message,
      /^systemd unit systemd\/nginx\.service sets LimitMEMLOCK=64K: on kernels before 5\.11/,
    );
    assert.match(
      low[0].message,
      /about 96 KiB for 4 QUIC reuseport addresses × 64 workers \(worker_processes auto, assumed\)/,
    );
    assert.equal(low[0].data!.need, 4 * 6 * 4096);
    assert.deepEqual(limits({ "/w/systemd/nginx.service": unit("infinity") }, {}, files), []);
    // Enough for nginx alone: an info that the limit is shared with the user's other locked memory.
    const roomy = limits({ "/w/systemd/nginx.service": unit("8M") }, {}, files);
    assert.deepEqual(
      roomy.map((f) => `${f.code} ${f.severity}`),
      ["memlock-shared info"],
    );
  });

  it("the kernel option: ≥ 5.11 ignores memlock, 5.10 makes it a warning, 5.4 cannot run quic_bpf at all", function () {
    const unit = "[Service]\nExecStart=/usr/sbin/nginx -g 'daemon off;'\nLimitMEMLOCK=8M\n";
    const f = { "/w/nginx.service": unit };
    const cfg = (kernel: string) => ({ ruleConfig: { "quic-bpf-limits": { kernel } } });
    assert.deepEqual(limits(f, cfg("6.1")), []);
    assert.deepEqual(
      limits(f, cfg("5.10.0")).map((x) => `${x.code} ${x.severity}`),
      ["memlock-shared warning"],
    );
    assert.deepEqual(
      limits(f, cfg("5.4")).map((x) => `${x.code} ${x.severity}`),
      ["kernel-too-old warning"],
    );
    // A malformed option is ignored (kernel unknown).
    assert.deepEqual(
      limits(f, { ruleConfig: { "quic-bpf-limits": { kernel: 5 } } }).map((x) => `${x.code} ${x.severity}`),
      ["memlock-shared info"],
    );
  });

  it("docker run in a script: default capabilities and --ulimit memlock", function () {
    const script = [
      "#!/bin/sh",
      "docker run -d --name web \\",
      "  --ulimit memlock=65536:65536 \\",
      "  -p 443:443/udp nginx:1.27 nginx -g 'daemon off;'",
      "",
    ].join("\n");
    const fs = limits({ "/w/deploy.sh": script });
    assert.deepEqual(
      fs.map((f) => `${f.code} ${f.severity}`),
      // 64 KiB leave room for nginx's 8 KiB alone (1 address × 4 workers): the info about sharing it.
      ["missing-capabilities warning", "memlock-shared info"],
    );
    assert.match(fs[1].message, /sets --ulimit memlock=65536:65536/);
    const tight = limits({ "/w/deploy.sh": script.replace("65536:65536", "4096") });
    assert.deepEqual(
      tight.map((f) => `${f.code} ${f.severity}`),
      ["missing-capabilities warning", "memlock-too-low warning"],
    );
  });

  it("no evidence around the configuration: one info that nginx -t does not load the program", function () {
    const fs = run(quicBpfLimitsFindings, QUIC_CONF, { facts: { configTests: [], versions: [] } });
    assert.deepEqual(summary(fs, QUIC_CONF), ['load-not-tested info nginx.conf:2 "on"']);
    assert.match(fs[0].message, /does not load quic_bpf's BPF program/);
  });

  it("nothing is loaded without a QUIC reuseport listen, with quic_bpf off, or before nginx 1.25.0", function () {
    const compose = { "/w/compose.yaml": COMPOSE_DEFAULT };
    const noReuseport = { [ROOT]: conf("quic_bpf on;", "        listen 443 quic;") };
    assert.deepEqual(limits(compose, {}, noReuseport), []);
    const off = { [ROOT]: conf("quic_bpf off;", QUIC_LISTENS) };
    assert.deepEqual(limits(compose, {}, off), []);
    assert.deepEqual(limits(compose, { nginxVersion: "1.24.0" }), []);
    // worker_processes 1 still makes the map (measured: max_entries 4): the load needs the same.
    const one = { [ROOT]: conf("worker_processes 1;\nquic_bpf on;", QUIC_LISTENS) };
    assert.equal(limits(compose, {}, one).length, 1);
  });

  it("runs with every rule (runChecks), once per position", function () {
    const config = load(QUIC_CONF);
    const fs = runChecks(config, { strict: false, facts: facts({ "/w/compose.yaml": COMPOSE_DEFAULT }) });
    const mine = fs.filter((f) => f.ruleId.startsWith("quic-bpf-"));
    assert.deepEqual(mine.map((f) => `${f.ruleId} ${f.code}`).sort(), [
      "quic-bpf-limits missing-capabilities",
      "quic-bpf-reuseport reload-drops-quic-connections",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// The real nginx, where one with QUIC can run. Debian bookworm's 1.22.1 has none; Debian trixie's 1.26.3 has
// ngx_quic_bpf_module. NGINX_RISK_QUIC_NGINX names a program that runs it (docs/rules/quic-bpf-limits.md says
// how the runs behind the docs were made); without it, or without root and capsh, these tests are skipped.

const QUIC_NGINX = process.env.NGINX_RISK_QUIC_NGINX ?? "";

describe("rules/quic-bpf-limits: the real nginx with quic_bpf (NGINX_RISK_QUIC_NGINX)", function () {
  this.timeout(20000);
  let dir = "";
  before(function () {
    const capsh = spawnSync("capsh", ["--supports=cap_bpf"]);
    if (QUIC_NGINX === "" || process.getuid?.() !== 0 || capsh.status !== 0) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-quic-"));
    const key = spawnSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-keyout",
      path.join(dir, "key.pem"),
      "-out",
      path.join(dir, "cert.pem"),
    ]);
    if (key.status !== 0) this.skip();
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  function config(quicBpf: string, port: number): string {
    return [
      "worker_processes 2;",
      `pid ${dir}/nginx.pid;`,
      `quic_bpf ${quicBpf};`,
      "events { worker_connections 64; }",
      "http {",
      "    access_log off;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${dir};`),
      "    server {",
      `        listen 127.0.0.1:${port} quic reuseport;`,
      `        listen 127.0.0.1:${port} ssl;`,
      `        ssl_certificate ${dir}/cert.pem;`,
      `        ssl_certificate_key ${dir}/key.pem;`,
      "        return 200;",
      "    }",
      "}",
      "",
    ].join("\n");
  }

  /**
   * Runs nginx (with `args`) after dropping `drop` from the capabilities; its exit code and output. The output
   * goes to a file: a started master keeps stderr open, and a pipe would keep spawnSync waiting for it.
   */
  function nginx(drop: string[], args: string[]): { status: number | null; output: string } {
    const log = path.join(dir, "out.log");
    const cmd = [QUIC_NGINX, "-p", dir, "-e", "stderr", ...args].map((a) => `'${a}'`).join(" ") + ` >'${log}' 2>&1`;
    const r = spawnSync("capsh", [...(drop.length > 0 ? [`--drop=${drop.join(",")}`] : []), "--", "-c", cmd], {
      stdio: "ignore",
      timeout: 10000,
    });
    return { status: r.status, output: fs.readFileSync(log, "utf8") };
  }

  function stop(): void {
    const pidFile = path.join(dir, "nginx.pid");
    if (!fs.existsSync(pidFile)) return;
    const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
    // Only a real process id: kill(0) would signal this test's own process group.
    if (!Number.isInteger(pid) || pid <= 1) return;
    try {
      process.kill(pid, "SIGQUIT");
    } catch {
      // gone already
    }
    for (let i = 0; i < 50 && fs.existsSync(pidFile); i++) spawnSync("sleep", ["0.1"]);
  }

  it("without CAP_BPF/CAP_SYS_ADMIN the start fails, nginx -t passes, and the rule says so beforehand", function () {
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, config("on", 18400 + (process.pid % 500)));
    const drop = ["cap_bpf", "cap_sys_admin"];
    assert.equal(nginx(drop, ["-t", "-c", conf]).status, 0, "nginx -t does not load the program");
    const start = nginx(drop, ["-c", conf]);
    if (start.status === 0) stop();
    assert.notEqual(start.status, 0, start.output);
    assert.match(start.output, /failed to create BPF map \(1: Operation not permitted\)/);
    assert.match(start.output, /ngx_quic_bpf_module failed to initialize, check limits/);
    const files = { [ROOT]: fs.readFileSync(conf, "utf8") };
    const compose = "services:\n  web:\n    image: nginx:1.26\n    cap_add: [NET_ADMIN]\n";
    const fs2 = run(quicBpfLimitsFindings, files, { facts: facts({ "/w/compose.yaml": compose }) });
    assert.deepEqual(
      fs2.map((f) => f.code),
      ["missing-capabilities"],
    );
  });

  it("with CAP_BPF and CAP_NET_ADMIN (CAP_SYS_ADMIN dropped) nginx starts and holds a SOCKHASH of workers × 4", function () {
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, config("on", 18900 + (process.pid % 500)));
    const start = nginx(["cap_sys_admin"], ["-c", conf]);
    try {
      assert.equal(start.status, 0, start.output);
      const pid = Number(fs.readFileSync(path.join(dir, "nginx.pid"), "utf8"));
      const maps = fs
        .readdirSync(`/proc/${pid}/fd`)
        .filter((fd) => fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === "anon_inode:bpf-map")
        .map((fd) => fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"));
      assert.equal(maps.length, 1);
      assert.match(maps[0], /map_type:\s+18\n/, "BPF_MAP_TYPE_SOCKHASH");
      assert.match(maps[0], /max_entries:\s+8\n/, "worker_processes 2 × 4");
    } finally {
      stop();
    }
  });
});

describe("rules/quic-bpf-reuseport: the real nginx drops new QUIC connections after a reload (NGINX_RISK_QUIC_NGINX)", function () {
  this.timeout(30000);
  let dir = "";
  before(function () {
    if (QUIC_NGINX === "" || process.getuid?.() !== 0) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-quic-reload-"));
    const key = spawnSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-keyout",
      path.join(dir, "key.pem"),
      "-out",
      path.join(dir, "cert.pem"),
    ]);
    if (key.status !== 0) this.skip();
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  /** `n` QUIC v1 Initial packets with fresh random connection IDs, each from a socket of its own. */
  async function sendInitials(port: number, n: number): Promise<void> {
    const sends: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const s = dgram.createSocket("udp4");
      const dcid = crypto.randomBytes(8);
      const head = Buffer.concat([
        Buffer.from([0xc0, 0, 0, 0, 1, dcid.length]),
        dcid,
        Buffer.from([8]),
        crypto.randomBytes(8),
        Buffer.from([0]),
      ]);
      const rest = 1200 - head.length - 2;
      const packet = Buffer.concat([head, Buffer.from([0x40 | (rest >> 8), rest & 0xff]), crypto.randomBytes(rest)]);
      sends.push(new Promise((resolve) => s.send(packet, port, "127.0.0.1", () => (s.close(), resolve()))));
    }
    await Promise.all(sends);
  }

  it("worker_processes 1, quic_bpf on: the draining old worker reads and rejects new Initials", async function () {
    const upstream = http.createServer((_q, r) => setTimeout(() => r.end("slow\n"), 15000));
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const upstreamPort = (upstream.address() as { port: number }).port;
    const quicPort = 19400 + (process.pid % 500);
    const tcpPort = quicPort + 500;
    const log = path.join(dir, "error.log");
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(
      conf,
      [
        "worker_processes 1;",
        `pid ${dir}/nginx.pid;`,
        `error_log ${log} debug;`,
        "quic_bpf on;",
        "events { worker_connections 512; }",
        "http {",
        "    access_log off;",
        ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${dir};`),
        "    server {",
        `        listen 127.0.0.1:${quicPort} quic reuseport;`,
        `        listen 127.0.0.1:${tcpPort};`,
        `        ssl_certificate ${dir}/cert.pem;`,
        `        ssl_certificate_key ${dir}/key.pem;`,
        `        location / { proxy_pass http://127.0.0.1:${upstreamPort}; }`,
        "    }",
        "}",
        "",
      ].join("\n"),
    );
    const start = spawnSync("sh", ["-c", `'${QUIC_NGINX}' -p '${dir}' -e '${log}' -c '${conf}' >/dev/null 2>&1`], {
      stdio: "ignore",
      timeout: 10000,
    });
    let master = 0;
    const request = http.get(`http://127.0.0.1:${tcpPort}/`);
    request.on("error", () => undefined);
    try {
      assert.equal(start.status, 0, fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-2000) : "no log");
      master = Number(fs.readFileSync(path.join(dir, "nginx.pid"), "utf8").trim());
      assert.ok(Number.isInteger(master) && master > 1);
      await sleep(500);
      const old = spawnSync("pgrep", ["-P", String(master)], { encoding: "utf8" }).stdout.trim();
      assert.match(old, /^\d+$/, "one worker");
      process.kill(master, "SIGHUP");
      await sleep(1500);
      await sendInitials(quicPort, 200);
      await sleep(1000);
      const text = fs.readFileSync(log, "utf8");
      const rejected = text.match(new RegExp(`\\] ${old}#${old}: \\*\\d+ quic packet rejected rc:-1`, "g")) ?? [];
      assert.ok(process.kill(Number(old), 0), "the old worker still drains the slow request");
      assert.ok(rejected.length > 0, "the draining worker took part of the new connections and rejected them");
      // And the rule reports this configuration, whatever the number of workers.
      const files = { [ROOT]: fs.readFileSync(conf, "utf8") };
      assert.equal(run(quicBpfReuseportFindings, files).length, 1);
    } finally {
      request.destroy();
      upstream.close();
      if (Number.isInteger(master) && master > 1) {
        try {
          process.kill(master, "SIGTERM");
        } catch {
          // gone already
        }
      }
      await sleep(500);
    }
  });
});
