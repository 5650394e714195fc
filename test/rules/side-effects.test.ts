// Rule side-effects against the real nginx -t.
// Host names: each case names a host that cannot resolve (`.invalid`, RFC 6761) where the product says a
// name is or is not resolved; nginx -t fails with "host not found" exactly where the product has a
// `resolves-host` finding (and on its line), and passes where the product has none (variables, upstream
// names, addresses). Sockets: nginx -t binds every listen address — shown by an address the host does not
// have (99: Cannot assign requested address) — and ignores EADDRINUSE (a port another process holds passes
// the test); the product reports one `binds-socket` per distinct address.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { runChecks, type Finding } from "../../server/src/rules";
import { forgetStatementShapes } from "../../server/src/rules/directive-checks";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { NodeFileSource, OverlayFileSource, ParseCache } from "../../server/src/workspace/files";
import { nginxTestFile, oracleVersions } from "../support/nginx";
import { freePorts } from "../support/nginx-run";
import { nginxBinary } from "../support/shared";

const STREAM = "/usr/lib/nginx/modules/ngx_stream_module.so";
const MAIL = "/usr/lib/nginx/modules/ngx_mail_module.so";
const BAD = "nohost.invalid";

interface HostCase {
  name: string;
  /** Main configuration; `@P@` a free port, `@H@` the unresolvable host. */
  conf: string;
  needs?: string;
}

const H = (body: string): string => `events {}\nhttp {\n${body}\n}\n`;
const S = (body: string): string => `server {\nlisten 127.0.0.1:@P@;\n${body}\n}`;

const HOST_CASES: HostCase[] = [
  {
    name: "upstream server name",
    conf: H(`upstream b {\nserver @H@:80;\n}\n${S("location / {\nproxy_pass http://b;\n}")}`),
  },
  {
    name: "upstream server address",
    conf: H(`upstream b {\nserver 127.0.0.1:80;\n}\n${S("location / {\nproxy_pass http://b;\n}")}`),
  },
  { name: "proxy_pass to a host name", conf: H(S("location / {\nproxy_pass http://@H@:8080/x;\n}")) },
  {
    name: "proxy_pass to an upstream block (not resolved)",
    conf: H(`upstream @H@ {\nserver 127.0.0.1:1;\n}\n${S("location / {\nproxy_pass http://@H@;\n}")}`),
  },
  {
    name: "proxy_pass to an upstream block, other case",
    conf: H(`upstream Back {\nserver 127.0.0.1:1;\n}\n${S("location / {\nproxy_pass http://back;\n}")}`),
  },
  {
    name: "proxy_pass with a variable (run time)",
    conf: H(S("location / {\nresolver 127.0.0.1;\nproxy_pass http://$host;\n}")),
  },
  { name: "fastcgi_pass to a host name", conf: H(S("location / {\nfastcgi_pass @H@:9000;\n}")) },
  { name: "grpc_pass to a host name", conf: H(S("location / {\ngrpc_pass grpc://@H@:50051;\n}")) },
  { name: "uwsgi_pass to a unix socket", conf: H(S("location / {\nuwsgi_pass unix:/run/nope.sock;\n}")) },
  { name: "listen on a host name", conf: H("server {\nlisten @H@:@P@;\n}") },
  { name: "resolver name", conf: H(`resolver @H@ valid=30s;\n${S("")}`) },
  { name: "resolver address", conf: H(`resolver 127.0.0.1 [::1]:5353;\n${S("")}`) },
  { name: "set_real_ip_from a name", conf: H(S("set_real_ip_from @H@;")) },
  { name: "set_real_ip_from a CIDR", conf: H(S("set_real_ip_from 10.0.0.0/8;")) },
  { name: "error_log to syslog by name", conf: `error_log syslog:server=@H@;\nevents {}\n` },
  { name: "access_log to syslog by name", conf: H(S("access_log syslog:server=@H@:514,tag=x;")) },
  { name: "localhost is resolved too", conf: H(S("location / {\nproxy_pass http://localhost:1;\n}")) },
  {
    name: "stream upstream server name",
    conf: `load_module ${STREAM};\nevents {}\nstream {\nupstream u {\nserver @H@:53;\n}\nserver {\nlisten 127.0.0.1:@P@;\nproxy_pass u;\n}\n}\n`,
    needs: STREAM,
  },
  {
    name: "stream proxy_pass to a host name",
    conf: `load_module ${STREAM};\nevents {}\nstream {\nserver {\nlisten 127.0.0.1:@P@;\nproxy_pass @H@:53;\n}\n}\n`,
    needs: STREAM,
  },
  {
    name: "stream proxy_pass to an upstream",
    conf: `load_module ${STREAM};\nevents {}\nstream {\nupstream @H@ {\nserver 127.0.0.1:1;\n}\nserver {\nlisten 127.0.0.1:@P@;\nproxy_pass @H@;\n}\n}\n`,
    needs: STREAM,
  },
  {
    name: "mail auth_http by name",
    conf: `load_module ${MAIL};\nevents {}\nmail {\nauth_http @H@:9000/auth;\nserver {\nlisten 127.0.0.1:@P@;\nprotocol imap;\n}\n}\n`,
    needs: MAIL,
  },
];

function product(conf: string, dir: string): Finding[] {
  return runCheck({
    inputs: [],
    root: conf,
    mappings: [{ from: dir, to: dir }],
    strict: false,
    ...oracleVersions(),
  }).findings.filter((f) => f.ruleId === "side-effects");
}

function inDir<T>(fn: (dir: string) => T): T {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-side-")));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function run(
  text: string,
  dir: string,
): { real: { ok: boolean; line: number | null; out: string }; findings: Finding[] } {
  const conf = path.join(dir, "nginx.conf");
  fs.writeFileSync(conf, text);
  const r = nginxTestFile(nginxBinary()!, conf, dir);
  const m = /\[emerg\] \d+#\d+: .* in \S+:(\d+)$/m.exec(r.out);
  return { real: { ok: r.status === 0, line: m ? Number(m[1]) : null, out: r.out }, findings: product(conf, dir) };
}

describe("rule side-effects: host names nginx -t resolves, against the real nginx", function () {
  this.timeout(60_000);
  const tally = { cases: 0, agree: 0 };
  before(function () {
    if (!nginxBinary()) this.skip();
  });
  after(() => {
    if (tally.cases > 0)
      console.log(`    side-effects hosts: ${tally.cases} cases; nginx and the product agree on ${tally.agree}`);
  });
  for (const c of HOST_CASES) {
    it(c.name, async function () {
      if (c.needs && !fs.existsSync(c.needs)) this.skip();
      const [port] = await freePorts(1);
      inDir((dir) => {
        const text = c.conf.replace(/@P@/g, String(port)).replace(/@H@/g, BAD);
        const { real, findings } = run(text, dir);
        const resolving = findings.filter((f) => f.code === "resolves-host");
        const bad = resolving.filter((f) => (f.data as { host: string }).host === BAD);
        tally.cases++;
        const shown = `nginx: ${real.out.trim() || "ok"}\nproduct:\n${resolving.map((f) => `${f.range.start.line + 1}: ${f.message}`).join("\n")}`;
        // nginx fails on the unresolvable name exactly when the product says it is resolved.
        const nginxResolvedIt = !real.ok && /host not found/.test(real.out);
        assert.equal(bad.length > 0, nginxResolvedIt, shown);
        if (nginxResolvedIt && real.line !== null)
          assert.ok(
            bad.some((f) => f.range.start.line + 1 === real.line),
            shown,
          );
        if (!nginxResolvedIt) assert.ok(real.ok, shown);
        // localhost resolves here, so nginx passes; the product still says it is looked up.
        if (/localhost/.test(text))
          assert.ok(
            resolving.some((f) => (f.data as { host: string }).host === "localhost"),
            shown,
          );
        tally.agree++;
      });
    });
  }
});

describe("rule side-effects: one implicit upstream, one lookup", function () {
  this.timeout(30_000);
  before(function () {
    if (!nginxBinary()) this.skip();
  });
  it("passes to one host from two locations: nginx names the first, the product reports it once", async function () {
    const [port] = await freePorts(1);
    inDir((dir) => {
      const text = H(
        S(`location /a {\nproxy_pass http://${BAD}:8080;\n}\nlocation /b {\nproxy_pass http://${BAD}:8080/b;\n}`),
      );
      const { real, findings } = run(text.replace(/@P@/g, String(port)), dir);
      const resolving = findings.filter((f) => f.code === "resolves-host");
      assert.equal(real.ok, false, real.out);
      assert.deepEqual(
        resolving.map((f) => [f.range.start.line + 1, (f.data as { directives: number }).directives]),
        [[real.line, 2]],
        real.out,
      );
    });
  });
});

describe("rule side-effects: listen sockets nginx -t binds, against the real nginx", function () {
  this.timeout(60_000);
  before(function () {
    if (!nginxBinary()) this.skip();
  });

  it("nginx -t binds: an address this host does not have fails the test (99); the product lists it", async function () {
    const [port] = await freePorts(1);
    inDir((dir) => {
      const { real, findings } = run(H(`server {\nlisten 192.0.2.1:${port};\n}`), dir);
      assert.ok(!real.ok && /bind\(\) to 192\.0\.2\.1:\d+ failed \(99: /.test(real.out), real.out);
      const socks = findings.filter((f) => f.code === "binds-socket");
      assert.deepEqual(
        socks.map((f) => (f.data as { address: string }).address),
        [`192.0.2.1:${port}`],
      );
    });
  });

  it("a port another process holds: nginx -t passes (EADDRINUSE ignored); a loopback listen is not reported", async function () {
    const held = net.createServer();
    const port = await new Promise<number>((resolve) =>
      held.listen(0, "127.0.0.1", () => resolve((held.address() as net.AddressInfo).port)),
    );
    try {
      inDir((dir) => {
        const { real, findings } = run(H(`server {\nlisten 127.0.0.1:${port};\n}`), dir);
        assert.ok(real.ok, `nginx -t on a held port: ${real.out}`);
        // Every configuration binds its listens: a loopback one can fail for no reason of its own.
        assert.deepEqual(
          findings.filter((f) => f.code === "binds-socket"),
          [],
        );
        // With reuseport it is reported, and says what a held port does to a reload.
        const again = run(H(`server {\nlisten 127.0.0.1:${port} reuseport;\n}`), dir);
        const socks = again.findings.filter((f) => f.code === "binds-socket");
        assert.equal(socks.length, 1);
        assert.match(socks[0].message, /98: Address already in use/);
      });
    } finally {
      await new Promise((r) => held.close(r));
    }
  });

  it("one finding per distinct bound address that can fail; addresses under a wildcard share its socket unless `bind`", async function () {
    const [a, b] = await freePorts(2);
    inDir((dir) => {
      const servers = (host: (i: number) => string): string =>
        H(
          [
            `server {\nlisten ${host(1)}:${a};\nlisten ${b};\n}`,
            `server {\nlisten ${host(1)}:${a};\nserver_name x;\n}`,
            `server {\nlisten ${host(2)}:${b};\n}`,
            `server {\nlisten ${host(3)}:${b} bind;\n}`,
          ].join("\n"),
        );
      // Loopback addresses and the wildcard: nginx -t binds them all and passes; none is reported.
      const { real, findings } = run(
        servers((i) => `127.0.0.${i}`),
        dir,
      );
      assert.ok(real.ok, real.out);
      assert.deepEqual(
        findings.filter((f) => f.code === "binds-socket"),
        [],
      );
      // Addresses the host may not have (not run: nginx -t would fail them with 99): the wildcard's port
      // holds 10.0.0.2 in its socket, 10.0.0.3 binds alone.
      const conf = path.join(dir, "nginx.conf");
      fs.writeFileSync(
        conf,
        servers((i) => `10.0.0.${i}`),
      );
      const addresses = product(conf, dir)
        .filter((f) => f.code === "binds-socket")
        .map((f) => (f.data as { address: string }).address)
        .sort();
      assert.deepEqual(addresses, [`10.0.0.1:${a}`, `10.0.0.3:${b}`].sort());
    });
  });

  it("a server without listen binds *:80: a wildcard, not reported", function () {
    inDir((dir) => {
      const conf = path.join(dir, "nginx.conf");
      fs.writeFileSync(conf, H("server {\nserver_name x;\n}"));
      assert.deepEqual(
        product(conf, dir).filter((f) => f.code === "binds-socket"),
        [],
      );
    });
  });
});

describe("rule side-effects: what a keystroke's analysis keeps", function () {
  // The facts of an unchanged block are kept, a block's passes to one implicit upstream compacted into one
  // (statement-checks.ts `compact`): the analyses after the first read those. They must say what the first
  // said, and after an edit what a fresh analysis says.
  it("passes compacted per kept block: counted, related and placed as when every pass is read", function () {
    inDir((dir) => {
      const conf = path.join(dir, "nginx.conf");
      const locations = (n: number, prefix: string, host: string): string =>
        Array.from({ length: n }, (_, i) => `location /${prefix}${i} {\nproxy_pass http://${host}/x${i};\n}`).join(
          "\n",
        );
      const text = H(
        `upstream up {\nserver 127.0.0.1:1;\n}\nserver {\nlisten 8080;\n${locations(14, "a", "a.example.com:8080")}\n` +
          `${locations(3, "u", "up")}\n${locations(2, "b", "B.example.com")}\n}\n` +
          `server {\nserver_name two;\n${locations(14, "c", "A.example.com:8080")}\n}`,
      );
      const source = new OverlayFileSource(new NodeFileSource());
      source.setOverlay(conf, text);
      const analyse = (cache: ParseCache): Finding[] =>
        runChecks(loadConfiguration(conf, { source, cache }), { strict: false, source }).filter(
          (f) => f.ruleId === "side-effects",
        );
      const cache = new ParseCache();
      const first = analyse(cache);
      const a = first.find((f) => f.data?.host === "a.example.com");
      assert.ok(a, JSON.stringify(first));
      assert.equal(a.data?.directives, 28);
      assert.equal(a.related?.length, 10);
      assert.match(a.message, /\(28 directives pass to it; this is the first\)/);
      assert.ok(!first.some((f) => f.data?.host === "up"));
      assert.deepStrictEqual(analyse(cache), first);
      assert.deepStrictEqual(analyse(cache), first);
      // An edit in the first location: its block is read again, the others' compacted facts are kept.
      const before = source.load(conf)!.version;
      const at = text.indexOf("/x0;");
      const change = { start: at, end: at + 3, text: "/y0" };
      source.setOverlay(conf, text.slice(0, change.start) + change.text + text.slice(change.end));
      cache.update(conf, source.load(conf)!, [change], before);
      const kept = analyse(cache);
      forgetStatementShapes();
      assert.deepStrictEqual(kept, analyse(new ParseCache()));
    });
  });
});
