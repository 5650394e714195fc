// Facts around the configuration for rule quic-bpf-limits: memlock limits and capabilities of the nginx
// process, from systemd units, `docker run` commands, docker-compose services and Kubernetes containers.
// Exact values, subjects and the text each range covers.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { factsFromText, memlockBytes, scanWorkspaceFacts, type WorkspaceFacts } from "../../server/src/workspace/facts";
import { positionAt } from "../../server/src/workspace/files";

function covered(text: string, r: { start: { offset: number }; end: { offset: number } }): string {
  return text.slice(r.start.offset, r.end.offset);
}

/** `kind subject "covered" privileged +ADD -DROP keep=…` for each piece of capability evidence. */
function privileges(facts: WorkspaceFacts, text: string): string[] {
  return (facts.privileges ?? []).map((p) => {
    assert.deepEqual(p.range.start, positionAt(text, p.range.start.offset), "start position matches its offset");
    assert.deepEqual(p.range.end, positionAt(text, p.range.end.offset), "end position matches its offset");
    const parts = [p.kind, p.subject, JSON.stringify(covered(text, p.range))];
    if (p.privileged) parts.push("privileged");
    if (p.add.length > 0) parts.push(`+${p.add.join(",")}`);
    if (p.drop.length > 0) parts.push(`-${p.drop.join(",")}`);
    if (p.keep !== null) parts.push(`keep=${p.keep.join(",")}`);
    return parts.join(" ");
  });
}

function memlock(facts: WorkspaceFacts, text: string): string[] {
  return (facts.memlock ?? []).map(
    (m) => `${m.kind} ${m.subject} ${JSON.stringify(covered(text, m.range))} ${m.soft}:${m.hard}`,
  );
}

describe("workspace/facts: memlock values", function () {
  const table: [string, "systemd" | "docker", [number | null, number | null] | null][] = [
    ["64K", "systemd", [65536, 65536]],
    ["8M", "systemd", [8388608, 8388608]],
    ["infinity", "systemd", [null, null]],
    ["64K:infinity", "systemd", [65536, null]],
    ["1G", "systemd", [2 ** 30, 2 ** 30]],
    ["65536", "systemd", [65536, 65536]],
    ["-1", "docker", [null, null]],
    ["-1:-1", "docker", [null, null]],
    ["65536:131072", "docker", [65536, 131072]],
    ["64K", "docker", null],
    ["lots", "systemd", null],
    ["1:2:3", "docker", null],
  ];
  for (const [v, style, expected] of table) {
    it(`${style} ${v} → ${JSON.stringify(expected)}`, function () {
      const got = memlockBytes(v, style);
      assert.deepEqual(got === null ? null : [got.soft, got.hard], expected);
    });
  }
});

describe("workspace/facts: systemd units of nginx", function () {
  it("LimitMEMLOCK= of an nginx unit; another unit's is not nginx's", function () {
    const unit = "[Unit]\nDescription=web\n[Service]\nExecStart=/usr/sbin/nginx -g 'daemon off;'\nLimitMEMLOCK=64K\n";
    const f = factsFromText("/r/web.service", unit, { displayPath: "web.service" });
    assert.deepEqual(memlock(f, unit), ['systemd web.service "64K" 65536:65536']);
    assert.equal(f.memlock![0].description, "systemd unit web.service sets LimitMEMLOCK=64K");
    assert.equal(f.privileges, undefined, "root without a bounding set: nothing to report");
    const other = "[Service]\nExecStart=/usr/bin/redis-server\nLimitMEMLOCK=64K\n";
    assert.deepEqual(factsFromText("/r/redis.service", other), { configTests: [], versions: [] });
    // By its name alone (a wrapper script starts it).
    const named = "[Service]\nExecStart=/opt/start.sh\nLimitMEMLOCK=infinity\n";
    assert.deepEqual(memlock(factsFromText("/r/openresty.service", named), named), [
      'systemd openresty.service "infinity" null:null',
    ]);
  });

  it("CapabilityBoundingSet: lists accumulate, `~` inverts, an empty assignment resets", function () {
    const unit = [
      "[Service]",
      "ExecStart=/usr/sbin/nginx",
      "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID",
      "CapabilityBoundingSet=CAP_SETGID",
      "",
    ].join("\n");
    assert.deepEqual(privileges(factsFromText("/r/nginx.service", unit), unit), [
      'systemd nginx.service "CAP_SETGID" keep=NET_BIND_SERVICE,SETUID,SETGID',
    ]);
    const inverted = "[Service]\nExecStart=/usr/sbin/nginx\nCapabilityBoundingSet=~CAP_SYS_ADMIN CAP_BPF\n";
    assert.deepEqual(privileges(factsFromText("/r/nginx.service", inverted), inverted), [
      'systemd nginx.service "~CAP_SYS_ADMIN CAP_BPF" -SYS_ADMIN,BPF',
    ]);
    const reset = "[Service]\nExecStart=/usr/sbin/nginx\nCapabilityBoundingSet=CAP_SETUID\nCapabilityBoundingSet=\n";
    assert.equal(factsFromText("/r/nginx.service", reset).privileges, undefined);
  });

  it("User= other than root: only the ambient capabilities, and the user's name is not quoted", function () {
    const unit = "[Service]\nUser=www-data\nExecStart=/usr/sbin/nginx\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n";
    const f = factsFromText("/r/nginx.service", unit, { displayPath: "nginx.service" });
    assert.deepEqual(privileges(f, unit), ['systemd nginx.service "CAP_NET_BIND_SERVICE" keep=NET_BIND_SERVICE']);
    assert.ok(!f.privileges![0].description.includes("www-data"), f.privileges![0].description);
    const root = "[Service]\nUser=root\nExecStart=/usr/sbin/nginx\n";
    assert.equal(factsFromText("/r/nginx.service", root).privileges, undefined);
  });
});

describe("workspace/facts: docker run of an nginx image", function () {
  const cases: [string, string[], string[]][] = [
    ["docker run -d -p 443:443/udp nginx:1.27", ['docker-run nginx:1.27 "nginx:1.27"'], []],
    ["docker run --cap-add=BPF --cap-add NET_ADMIN nginx", ['docker-run nginx "BPF" +BPF,NET_ADMIN'], []],
    [
      "podman run --privileged openresty/openresty:1.25.3.1",
      ['docker-run openresty/openresty:1.25.3.1 "--privileged" privileged'],
      [],
    ],
    [
      "docker container run --cap-drop ALL --cap-add CAP_SYS_ADMIN nginx",
      ['docker-run nginx "ALL" +SYS_ADMIN -ALL'],
      [],
    ],
    [
      "docker run --rm -it --ulimit memlock=-1:-1 -v /srv:/srv nginx",
      ['docker-run nginx "nginx"'],
      ['docker-run nginx "memlock=-1:-1" null:null'],
    ],
    // --name says it is nginx when the image does not.
    ["docker run --name edge-nginx ghcr.io/acme/edge:3", ['docker-run ghcr.io/acme/edge:3 "ghcr.io/acme/edge:3"'], []],
    // Options after the image belong to the container's command, not to docker.
    ["docker run nginx nginx --cap-add BPF", ['docker-run nginx "nginx"'], []],
    ["docker run postgres:16 --cap-add BPF", [], []],
    ["docker ps; echo run nginx", [], []],
  ];
  for (const [cmd, privs, limits] of cases) {
    it(JSON.stringify(cmd), function () {
      const text = `#!/bin/sh\nset -e\n${cmd}\n`;
      const f = factsFromText("/r/deploy.sh", text);
      assert.deepEqual(privileges(f, text), privs);
      assert.deepEqual(memlock(f, text), limits);
    });
  }

  it("continuation lines; a docker run in a systemd unit's ExecStart", function () {
    const script = "docker run -d \\\n  --cap-add BPF \\\n  --cap-add NET_ADMIN \\\n  nginx:mainline\nnext-command\n";
    assert.deepEqual(privileges(factsFromText("/r/run.sh", script), script), [
      'docker-run nginx:mainline "BPF" +BPF,NET_ADMIN',
    ]);
    const unit = "[Service]\nExecStart=/usr/bin/docker run --rm --name web --ulimit memlock=65536 nginx:1.27\n";
    const f = factsFromText("/r/web.service", unit);
    assert.deepEqual(memlock(f, unit), ['docker-run nginx:1.27 "memlock=65536" 65536:65536']);
    assert.deepEqual(privileges(f, unit), ['docker-run nginx:1.27 "nginx:1.27"']);
  });
});

describe("workspace/facts: docker-compose services and Kubernetes containers", function () {
  it("compose: caps, privileged, ulimits memlock as a number and as soft/hard; other services ignored", function () {
    const text = [
      "services:",
      "  proxy:",
      "    image: nginx:1.27",
      "    cap_drop: [ALL]",
      "    cap_add:",
      "      - NET_BIND_SERVICE",
      "      - CAP_BPF",
      "    ulimits:",
      "      nofile: 65536",
      "      memlock:",
      "        soft: 65536",
      "        hard: -1",
      "  edge:",
      "    container_name: edge-nginx",
      "    build: .",
      "    privileged: true",
      "    ulimits:",
      "      memlock: -1",
      "  db:",
      "    image: postgres:16",
      "    cap_add: [SYS_ADMIN]",
      "",
    ].join("\n");
    const f = factsFromText("/r/docker-compose.yml", text, { displayPath: "docker-compose.yml" });
    assert.deepEqual(privileges(f, text), [
      'compose proxy "NET_BIND_SERVICE" +NET_BIND_SERVICE,BPF -ALL',
      'compose edge "privileged: true" privileged',
    ]);
    assert.deepEqual(memlock(f, text), ['compose proxy "65536" 65536:null', 'compose edge "-1" null:null']);
    assert.equal(
      f.memlock![0].description,
      "docker-compose service `proxy` in docker-compose.yml sets ulimits memlock soft 65536, hard -1",
    );
  });

  it("Kubernetes: containers and initContainers, block and flow lists, name or image says nginx", function () {
    const text = [
      "apiVersion: v1",
      "kind: Pod",
      "spec:",
      "  initContainers:",
      "  - name: init",
      "    image: busybox",
      "  containers:",
      "  - name: proxy",
      "    image: nginx:1.27",
      "    ports:",
      "    - containerPort: 443",
      "      protocol: UDP",
      "    securityContext:",
      "      capabilities:",
      "        add:",
      "        - BPF",
      "        - NET_ADMIN",
      "  - name: app",
      "    image: example/app:1",
      "    securityContext:",
      "      privileged: true",
      "  - image: openresty/openresty:alpine",
      "    name: edge",
      "    securityContext: {}",
      "",
    ].join("\n");
    const f = factsFromText("/r/pod.yaml", text);
    assert.deepEqual(privileges(f, text), [
      'kubernetes proxy "BPF" +BPF,NET_ADMIN',
      'kubernetes edge "image: openresty/openresty:alpine"',
    ]);
    const privileged = text.replace("name: app", "name: nginx-app");
    assert.deepEqual(
      privileges(factsFromText("/r/pod.yaml", privileged), privileged)[1],
      'kubernetes nginx-app "privileged: true" privileged',
    );
  });

  it("a YAML file without services or containers gives nothing; CI YAML with docker run does", function () {
    assert.deepEqual(factsFromText("/r/values.yaml", "image:\n  repository: nginx\n"), {
      configTests: [],
      versions: [],
    });
    const ci = "jobs:\n  e2e:\n    steps:\n      - run: docker run -d --cap-add SYS_ADMIN nginx:1.27\n";
    assert.deepEqual(privileges(factsFromText("/r/.github/ci.yml", ci), ci), [
      'docker-run nginx:1.27 "SYS_ADMIN" +SYS_ADMIN',
    ]);
  });

  it("garbage never throws, and every range lies within the text", function () {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pieces = [
      "services:",
      "  nginx:",
      "    cap_add: [",
      "- BPF",
      "containers:",
      "  - name: nginx",
      "docker run ",
      "--cap-add",
      "\\\n",
      "'",
      '"',
      "memlock:",
      " -1",
      "\r\n",
      "\n",
      "[Service]",
      "LimitMEMLOCK=",
      "CapabilityBoundingSet=~",
      "nginx",
    ];
    for (let n = 0; n < 300; n++) {
      let text = "";
      for (let i = 0; i < 30; i++) text += pieces[rand(pieces.length)];
      for (const name of ["/r/docker-compose.yml", "/r/nginx.service", "/r/x.sh"]) {
        const f = factsFromText(name, text);
        for (const e of [...(f.privileges ?? []), ...(f.memlock ?? [])]) {
          assert.ok(
            e.range.start.offset >= 0 &&
              e.range.end.offset <= text.length &&
              e.range.start.offset <= e.range.end.offset,
          );
        }
      }
    }
  });
});

describe("workspace/facts: scanning folders finds scripts", function () {
  it("a .sh script is read, with a compose file and a unit", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "facts-priv-"));
    try {
      fs.mkdirSync(path.join(dir, "ops"));
      fs.writeFileSync(path.join(dir, "ops/deploy.sh"), "docker run -d nginx:1.27\n");
      fs.writeFileSync(path.join(dir, "compose.yaml"), "services:\n  nginx:\n    image: nginx\n");
      fs.writeFileSync(path.join(dir, "nginx.service"), "[Service]\nExecStart=/usr/sbin/nginx\nLimitMEMLOCK=64K\n");
      const f = scanWorkspaceFacts([dir]);
      assert.deepEqual((f.privileges ?? []).map((p) => `${p.kind} ${path.relative(dir, p.path)}`).sort(), [
        "compose compose.yaml",
        "docker-run ops/deploy.sh",
      ]);
      assert.deepEqual(
        (f.memlock ?? []).map((m) => m.description),
        ["systemd unit nginx.service sets LimitMEMLOCK=64K"],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
