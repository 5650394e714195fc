// The rules about resolvers, upstreams and proxying (issue 15): each fires on the problem and stays quiet on
// the fixed configuration, through includes and inheritance, with `check FILE` over real files; where the
// peers' fixtures disagree (peer-differences.ts) a case of its own says why; and the behaviour each rule
// claims is asked of the real nginx where it can run here (a second server of the same nginx echoes what
// the backend receives).

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as net from "net";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import type { Finding } from "../../server/src/rules/types";
import { nginxTestFile } from "../support/nginx";
import { freePorts, get, runnableHead, runnableHttp, withNginx } from "../support/nginx-run";
import { nginxBinary, SHARED_CORPUS } from "../support/shared";
import { lines, writeWorkspace } from "../support/workspace-files";
import { DIFFERENCES } from "./peer-differences";

/** Writes `files` (relative paths) into a fresh folder and runs `check` on the first one. */
function check(files: Record<string, string>, nginxVersion: string | null = "1.22.1"): Finding[] {
  const dir = writeWorkspace(files, "nginx-risk-upstream-");
  try {
    const main = path.join(dir, Object.keys(files)[0]);
    const result = runCheck({ inputs: [main], mappings: [], strict: false, ...(nginxVersion ? { nginxVersion } : {}) });
    return result.findings.map((f) => ({ ...f, path: path.relative(dir, f.path) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `code file:line` of the findings of `rule` (lines 1-based). */
function of(findings: Finding[], rule: string): string[] {
  return findings.filter((f) => f.ruleId === rule).map((f) => `${f.code} ${f.path}:${f.range.start.line + 1}`);
}

function one(findings: Finding[], rule: string): Finding {
  const mine = findings.filter((f) => f.ruleId === rule);
  assert.equal(mine.length, 1, JSON.stringify(mine.map((f) => f.message)));
  return mine[0];
}

function fixture(rel: string): string {
  return fs.readFileSync(path.join(SHARED_CORPUS, rel), "utf8");
}

function requireNginx(ctx: Mocha.Context): void {
  if (nginxBinary()) return;
  if (process.env.CI) throw new Error("CI must install nginx");
  ctx.skip();
}

/**
 * Runs the real nginx with a front server on ports[0] (`front` is its body) and a backend on ports[1] that
 * answers with what it received: the request line's URI, the Connection header and the protocol.
 */
async function withEcho<T>(
  front: string[],
  use: (port: number, log: () => string) => Promise<T>,
  extraHttp: string[] = [],
  files: Record<string, string> = {},
): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-upstream-run-"));
  // The workers run as nobody when the tests run as root: they read the files served from here.
  fs.chmodSync(dir, 0o755);
  try {
    for (const [rel, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, rel), text);
    const [port, backend] = await freePorts(2);
    const conf = path.join(dir, "nginx.conf");
    const body = front.map((l) => l.replace(/__BACKEND__/g, String(backend)).replace(/__DIR__/g, dir));
    fs.writeFileSync(
      conf,
      lines(
        ...runnableHead(dir),
        "events {}",
        "http {",
        ...runnableHttp(dir),
        ...extraHttp.map((l) => l.replace(/__BACKEND__/g, String(backend))),
        "  server {",
        `    listen 127.0.0.1:${backend};`,
        '    location / { return 200 "$request_uri|$http_connection|$server_protocol"; }',
        "  }",
        "  server {",
        `    listen 127.0.0.1:${port};`,
        "    location = /ready { return 200; }",
        ...body,
        "  }",
        "}",
      ),
    );
    return await withNginx(
      dir,
      conf,
      port,
      () => use(port, () => fs.readFileSync(path.join(dir, "error.log"), "utf8")),
      "/ready",
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A backend that normalises nothing (nginx as a backend refuses `/../x` with 400): it answers each request
 * with its request line's target. Closed when `use` ends.
 */
async function withRawBackend<T>(use: (port: number) => Promise<T>): Promise<T> {
  const server = net.createServer((socket) => {
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      const target = head.split(" ")[1] ?? "";
      socket.end(`HTTP/1.0 200 OK\r\nContent-Length: ${target.length}\r\n\r\n${target}`);
    });
    socket.on("error", () => undefined);
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
  );
  try {
    return await use(port);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe("rules: resolvers, upstreams and proxying", function () {
  this.timeout(60_000);

  describe("resolver-external", () => {
    it("reports each public name server of a resolver, on its word, and not the private ones", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  resolver 1.1.1.1 [::1]:53 10.0.0.2 valid=30s ipv6=off;",
          "  server { listen 80; location / { resolver 127.0.0.53 fd00::1 kube-dns [2606:4700::1111]:53; } }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "resolver-external"), ["public-address nginx.conf:3", "public-address nginx.conf:4"]);
      const mine = f.filter((x) => x.ruleId === "resolver-external");
      assert.equal(mine[0].range.start.character, "  resolver ".length);
      assert.deepEqual(
        mine.map((x) => x.data?.nameServers),
        [["1.1.1.1"], ["2606:4700::1111"]],
      );
      assert.ok(mine.every((x) => x.severity === "warning"));
    });

    it("reports a resolver in a file included by two servers once", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  server { listen 80; include dns.conf; }",
          "  server { listen 81; include dns.conf; }",
          "}",
        ),
        "dns.conf": "resolver 8.8.8.8;\n",
      });
      assert.deepEqual(of(f, "resolver-external"), ["public-address dns.conf:1"]);
    });
  });

  describe("missing-resolver", () => {
    it("fires where a variable URL names a host and no resolver is in effect — a sibling's does not count", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  server {",
          "    listen 80;",
          "    location /a { proxy_pass http://api.example.com$request_uri; }",
          "    location /b { resolver 127.0.0.1; proxy_pass http://api.example.com$request_uri; }",
          "  }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "missing-resolver"), ["no-resolver nginx.conf:5"]);
      assert.match(one(f, "missing-resolver").message, /no resolver defined to resolve api\.example\.com/);
    });

    it("is quiet with a resolver at http level in an included file", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  include resolver.conf;",
          "  server { listen 80; location / { set $b api.example.com; proxy_pass http://$b; } }",
          "}",
        ),
        "resolver.conf": "resolver 127.0.0.53;\n",
      });
      assert.deepEqual(of(f, "missing-resolver"), []);
    });

    it("follows set: a variable holding an upstream's name needs no resolver, one holding a host name does", () => {
      const base = (value: string): Record<string, string> => ({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  upstream backend { server 127.0.0.1:8080; }",
          `  server { listen 80; set $b ${value}; location / { proxy_pass http://$b; } }`,
          "}",
        ),
      });
      assert.deepEqual(of(check(base("backend")), "missing-resolver"), []);
      assert.deepEqual(of(check(base("api.example.com")), "missing-resolver"), ["no-resolver nginx.conf:4"]);
      // An address needs no lookup.
      assert.deepEqual(of(check(base("10.1.2.3:8080")), "missing-resolver"), []);
    });

    it("leaves a variable it cannot know (a map) alone", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  map $host $b { default backend; }",
          "  server { listen 80; location / { proxy_pass http://$b; } }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "missing-resolver"), []);
    });

    it("reads a scheme made of a variable as the scheme, not as the host", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  server {",
          "    listen 80;",
          "    location / { set $proto http; set $h api.example.com; proxy_pass $proto://$h; }",
          "  }",
          "}",
        ),
      });
      assert.deepEqual(
        f.filter((x) => x.ruleId === "missing-resolver").map((x) => x.data?.host),
        ["api.example.com"],
      );
      assert.deepEqual(of(f, "proxy-pass-normalized"), []);
    });

    it("knows the implicit upstream another proxy_pass makes (nginx matches it by name and port)", () => {
      const conf = (other: boolean): Record<string, string> => ({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  server {",
          "    listen 80;",
          other ? "    location /plain { proxy_pass http://localhost:8080; }" : "",
          "    location / { proxy_pass http://localhost:8080$request_uri; }",
          "  }",
          "}",
        ),
      });
      assert.deepEqual(of(check(conf(true)), "missing-resolver"), []);
      assert.deepEqual(of(check(conf(false)), "missing-resolver"), ["no-resolver nginx.conf:6"]);
    });

    it("the real nginx: 502 and 'no resolver defined' without a resolver, the implicit upstream without one", async function () {
      requireNginx(this);
      await withEcho(
        ["    location /v/ { proxy_pass http://localhost:__BACKEND__$request_uri; }"],
        async (port, log) => {
          const r = await get(port, "/v/x");
          assert.equal(r.status, 502);
          assert.match(log(), /no resolver defined to resolve localhost/);
        },
      );
      await withEcho(
        [
          "    location /plain/ { proxy_pass http://localhost:__BACKEND__; }",
          "    location /v/ { proxy_pass http://localhost:__BACKEND__$request_uri; }",
        ],
        async (port, log) => {
          const r = await get(port, "/v/x");
          assert.equal(r.status, 200);
          assert.match(r.body, /^\/v\/x\|/);
          assert.doesNotMatch(log(), /no resolver defined/);
        },
      );
    });

    it("differs from MegaManSec/gixy's missing_resolver, which checks stale DNS under that name", () => {
      const dir = "MegaManSec+gixy/tests/plugins/simply/missing_resolver";
      const listed = Object.keys(DIFFERENCES).filter((k) => k.startsWith(dir));
      assert.equal(listed.length, 6);
      // The peer's firing fixtures are names resolved once: stale-dns-cache reports them, missing-resolver not.
      for (const name of ["no_var.conf", "upstream.conf", "upstream_2.conf", "upstream_3.conf", "upstream_4.conf"]) {
        const f = check({ "f.conf": fixture(`${dir}/${name}`) });
        assert.deepEqual(of(f, "missing-resolver"), [], name);
        assert.ok(of(f, "stale-dns-cache").length > 0, name);
      }
      // Its `_fp` fixture with a host and a variable is the one that fails at run time without a resolver.
      const f = check({ "f.conf": fixture(`${dir}/no_var_fp.conf`) });
      assert.deepEqual(of(f, "missing-resolver"), ["no-resolver f.conf:1"]);
    });
  });

  describe("stale-dns-cache", () => {
    const upstream = (server: string, extra = ""): Record<string, string> => ({
      "nginx.conf": lines(
        "events {}",
        "http {",
        `  upstream backend { ${extra} server ${server}; }`,
        "  server { listen 80; location / { proxy_pass http://backend; } }",
        "}",
      ),
    });

    it("reports an upstream server name without resolve, with the advice of the deployed version", () => {
      const old = one(check(upstream("api.example.com:8080")), "stale-dns-cache");
      assert.equal(old.code, "upstream-server");
      assert.match(old.message, /`resolve` needs nginx 1\.27\.3/);
      assert.match(old.message, /set \$backend/);
      const recent = one(check(upstream("api.example.com:8080"), "1.27.3"), "stale-dns-cache");
      assert.match(recent.message, /add `resolve` to the server/);
      assert.doesNotMatch(recent.message, /needs nginx/);
      const unknown = one(check(upstream("api.example.com:8080"), null), "stale-dns-cache");
      assert.match(unknown.message, /1\.27\.3\+ or NGINX Plus/);
    });

    it("is quiet for addresses, sockets and `server … resolve`", () => {
      assert.deepEqual(of(check(upstream("10.0.0.1:8080")), "stale-dns-cache"), []);
      assert.deepEqual(of(check(upstream("[2001:db8::1]")), "stale-dns-cache"), []);
      assert.deepEqual(of(check(upstream("unix:/run/app.sock")), "stale-dns-cache"), []);
      const f = check(upstream("api.example.com:8080 resolve", "zone backend 64k; resolver 10.0.0.2;"), "1.27.3");
      assert.deepEqual(of(f, "stale-dns-cache"), []);
    });

    it("reports a proxy_pass to a host name that is no upstream, not one to an upstream block", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  upstream backend { server 10.0.0.1; }",
          "  server {",
          "    listen 80;",
          "    location /a { proxy_pass http://api.example.com; }",
          "    location /b { proxy_pass http://backend/; }",
          "    location /c { proxy_pass http://10.0.0.9:8080; }",
          "    location /d { proxy_pass http://localhost:8080; }",
          "  }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "stale-dns-cache"), ["pass-name nginx.conf:6", "localhost nginx.conf:9"]);
    });

    it("reports the passes to one implicit upstream once, with their count", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  server {",
          "    listen 80;",
          "    location /a { proxy_pass http://api.example.com; }",
          "    location /b { proxy_pass http://API.example.com; }",
          "    location /c { proxy_pass http://api.example.com:8080; }",
          "  }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "stale-dns-cache"), ["pass-name nginx.conf:5", "pass-name nginx.conf:7"]);
      const first = f.find((x) => x.ruleId === "stale-dns-cache")!;
      assert.equal(first.data?.passes, 2);
      assert.equal(first.related?.length, 1);
    });

    it("reports stream upstreams too", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "stream {",
          "  upstream db { server db.example.com:5432; }",
          "  server { listen 5432; proxy_pass db; }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "stale-dns-cache"), ["upstream-server nginx.conf:3"]);
    });

    it("leaves a one-label name in a fragment alone (an upstream in a file not in view), not a name with a port", () => {
      const frag = (pass: string): Record<string, string> => ({
        "site.conf": lines("location /app {", `  ${pass}`, "}"),
      });
      assert.deepEqual(of(check(frag("fastcgi_pass php-fpm;")), "stale-dns-cache"), []);
      assert.deepEqual(of(check(frag("proxy_pass http://web:8000;")), "stale-dns-cache"), ["pass-name site.conf:2"]);
      // In a whole configuration the same name is an implicit upstream: resolved once.
      const whole = {
        "nginx.conf": lines("events {}", "http { server { listen 80; location / { fastcgi_pass php-fpm; } } }"),
      };
      assert.deepEqual(of(check(whole), "stale-dns-cache"), ["pass-name nginx.conf:2"]);
    });

    it("the real nginx: localhost is both 127.0.0.1 and ::1, and a backend on one refuses the other", async function () {
      requireNginx(this);
      await withEcho(
        ["    location /u/ { proxy_pass http://lh; }"],
        async (port, log) => {
          for (let i = 0; i < 4; i++) assert.equal((await get(port, `/u/${i}`)).status, 200);
          // ::1 is refused (or unreachable) and retried on 127.0.0.1: the error log says so.
          if (!/\[::1\]:\d+/.test(log())) this.skip();
          assert.match(log(), /connect\(\) failed .* upstream: "http:\/\/\[::1\]:\d+/);
        },
        ["  upstream lh { server localhost:__BACKEND__; }"],
      );
    });
  });

  describe("ssl-stapling-without-resolver", () => {
    const tls = (serverBody: string, httpBody = "ssl_stapling on;"): Record<string, string> => ({
      "nginx.conf": lines(
        "events {}",
        "http {",
        `  ${httpBody}`,
        "  server {",
        "    listen 443 ssl;",
        "    ssl_certificate /etc/ssl/site.pem; ssl_certificate_key /etc/ssl/site.key;",
        `    ${serverBody}`,
        "  }",
        "}",
      ),
    });

    it("fires on the ssl_stapling in effect when no resolver is at server or http level", () => {
      assert.deepEqual(of(check(tls("")), "ssl-stapling-without-resolver"), ["no-resolver nginx.conf:3"]);
      // A resolver in a location is not the server's: the stapling still has none.
      assert.deepEqual(of(check(tls("location / { resolver 127.0.0.1; }")), "ssl-stapling-without-resolver"), [
        "no-resolver nginx.conf:3",
      ]);
    });

    it("is quiet with a resolver in http or the server, ssl_stapling_file, an IP responder or stapling off", () => {
      assert.deepEqual(
        of(check(tls("", "ssl_stapling on; resolver 127.0.0.53;")), "ssl-stapling-without-resolver"),
        [],
      );
      assert.deepEqual(of(check(tls("resolver 127.0.0.53;")), "ssl-stapling-without-resolver"), []);
      assert.deepEqual(of(check(tls("ssl_stapling_file /etc/ssl/ocsp.der;")), "ssl-stapling-without-resolver"), []);
      assert.deepEqual(
        of(check(tls("ssl_stapling_responder http://192.0.2.1/ocsp;")), "ssl-stapling-without-resolver"),
        [],
      );
      assert.deepEqual(of(check(tls("ssl_stapling off;")), "ssl-stapling-without-resolver"), []);
    });

    it("counts a server as TLS when another server lists its address with ssl (the flag is the socket's)", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  server { listen 443 ssl; ssl_certificate a.pem; ssl_certificate_key a.key; resolver 127.0.0.1; }",
          "  server { listen 443; server_name b; ssl_certificate b.pem; ssl_certificate_key b.key; ssl_stapling on; }",
          "  server { listen 80; ssl_stapling on; }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "ssl-stapling-without-resolver"), ["no-resolver nginx.conf:4"]);
    });
  });

  describe("ssl-stapling-letsencrypt", () => {
    it("fires for the Let's Encrypt certificate in effect, inherited stapling included", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  ssl_stapling on; resolver 127.0.0.53;",
          "  server {",
          "    listen 443 ssl;",
          "    ssl_certificate /etc/letsencrypt/live/a/fullchain.pem;",
          "    ssl_certificate_key /etc/letsencrypt/live/a/privkey.pem;",
          "  }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "ssl-stapling-letsencrypt"), ["letsencrypt-path nginx.conf:3"]);
    });

    it("is quiet when the server's own certificate replaces http's Let's Encrypt one", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  ssl_stapling on; resolver 127.0.0.53;",
          "  ssl_certificate /etc/letsencrypt/live/a/fullchain.pem;",
          "  ssl_certificate_key /etc/letsencrypt/live/a/privkey.pem;",
          "  server {",
          "    listen 443 ssl;",
          "    ssl_certificate /etc/ssl/commercial.pem; ssl_certificate_key /etc/ssl/commercial.key;",
          "  }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "ssl-stapling-letsencrypt"), []);
    });
  });

  describe("ssl-stapling-letsencrypt: the certificate read", () => {
    /**
     * A leaf certificate (with its issuer after it, as certbot's fullchain.pem) and its key, with an OCSP
     * responder URL in the leaf's Authority Information Access or without; the issuer named `issuer`.
     */
    function certificate(issuer: string, ocsp: boolean): { cert: string; key: string } {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-ocsp-"));
      const at = (f: string): string => path.join(dir, f);
      const run = (args: string[]): void => {
        const r = spawnSync("openssl", args, { encoding: "utf8" });
        if (r.status !== 0) throw new Error(r.stderr);
      };
      const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
      try {
        run(["req", "-x509", ...ec, "-subj", issuer, "-days", "2", "-keyout", at("ca.key"), "-out", at("ca.pem")]);
        run(["req", "-new", ...ec, "-subj", "/CN=example.test", "-keyout", at("k.pem"), "-out", at("leaf.csr")]);
        fs.writeFileSync(
          at("ext"),
          ocsp ? "authorityInfoAccess=OCSP;URI:http://ocsp.example.test\n" : "basicConstraints=CA:FALSE\n",
        );
        run(
          ["x509", "-req", "-in", at("leaf.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca.key")].concat([
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            at("ext"),
            "-out",
            at("c.pem"),
          ]),
        );
        return {
          cert: fs.readFileSync(at("c.pem"), "utf8") + fs.readFileSync(at("ca.pem"), "utf8"),
          key: fs.readFileSync(at("k.pem"), "utf8"),
        };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    const conf = lines(
      "events {}",
      "http {",
      "  server {",
      "    listen 127.0.0.1:8443 ssl;",
      "    ssl_certificate c.pem; ssl_certificate_key k.pem;",
      "    ssl_stapling on; resolver 127.0.0.1;",
      "  }",
      "}",
    );

    it("fires for any certificate without a responder (here a Let's Encrypt issuer), not for one with", function () {
      if (spawnSync("openssl", ["version"]).status !== 0) this.skip();
      const none = certificate("/O=Let's Encrypt/CN=R11", false);
      const f = check({ "nginx.conf": conf, "c.pem": none.cert, "k.pem": none.key });
      const finding = one(f, "ssl-stapling-letsencrypt");
      assert.equal(finding.code, "no-responder");
      assert.match(finding.message, /names no OCSP responder \(Let's Encrypt dropped them in 2025\)/);
      const withOcsp = certificate("/O=Commercial CA/CN=CA 1", true);
      assert.deepEqual(
        of(check({ "nginx.conf": conf, "c.pem": withOcsp.cert, "k.pem": withOcsp.key }), "ssl-stapling-letsencrypt"),
        [],
      );
    });

    it("the real nginx: warns that stapling is ignored for the certificate without a responder URL", function () {
      requireNginx(this);
      if (spawnSync("openssl", ["version"]).status !== 0) this.skip();
      for (const [ocsp, ignored] of [
        [false, true],
        [true, false],
      ] as const) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-ocsp-run-"));
        try {
          const pair = certificate("/CN=Test CA", ocsp);
          fs.writeFileSync(path.join(dir, "c.pem"), pair.cert);
          fs.writeFileSync(path.join(dir, "k.pem"), pair.key);
          fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
          const r = nginxTestFile(nginxBinary()!, path.join(dir, "nginx.conf"), dir);
          assert.equal(r.status, 0, r.out);
          assert.equal(/"ssl_stapling" ignored, no OCSP responder URL in the certificate/.test(r.out), ignored, r.out);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
    });
  });

  describe("proxy-keepalive", () => {
    const conf = (location: string, httpExtra = ""): Record<string, string> => ({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "  upstream backend { server 127.0.0.1:8080; keepalive 16; }",
        `  ${httpExtra}`,
        `  server { listen 80; location / { ${location} proxy_pass http://backend; } }`,
        "}",
      ),
    });

    it("fires when the location speaks HTTP/1.0 or sends Connection: close to a keepalive upstream", () => {
      assert.deepEqual(of(check(conf("")), "proxy-keepalive"), ["http-1.0 nginx.conf:5"]);
      assert.deepEqual(of(check(conf("proxy_http_version 1.1;")), "proxy-keepalive"), [
        "connection-close nginx.conf:5",
      ]);
      assert.deepEqual(
        of(check(conf('proxy_http_version 1.1; proxy_set_header Connection "";')), "proxy-keepalive"),
        [],
      );
    });

    it("sees the http-level Connection header lost under a location's own proxy_set_header", () => {
      const f = check(conf("proxy_set_header Host $host;", 'proxy_http_version 1.1; proxy_set_header Connection "";'));
      const finding = one(f, "proxy-keepalive");
      assert.equal(finding.code, "connection-close");
      assert.ok(finding.related?.some((r) => /not inherited here/.test(r.message)));
      // Without the location's own proxy_set_header the http level's is in effect.
      assert.deepEqual(
        of(check(conf("", 'proxy_http_version 1.1; proxy_set_header Connection "";')), "proxy-keepalive"),
        [],
      );
    });

    it("is quiet without keepalive in the upstream, and from nginx 1.29.7 on with the defaults", () => {
      const plain = {
        "nginx.conf": lines(
          "events {}",
          "http { upstream backend { server 127.0.0.1:8080; }",
          "  server { listen 80; location / { proxy_pass http://backend; } } }",
        ),
      };
      assert.deepEqual(of(check(plain), "proxy-keepalive"), []);
      assert.deepEqual(of(check(conf(""), "1.29.7"), "proxy-keepalive"), []);
      // An explicit HTTP/1.0 still defeats it there.
      assert.deepEqual(of(check(conf("proxy_http_version 1.0;"), "1.29.7"), "proxy-keepalive"), [
        "http-1.0 nginx.conf:5",
      ]);
    });

    it("fastcgi_pass to a keepalive upstream needs fastcgi_keep_conn on in effect", () => {
      const fcgi = (extra: string): Record<string, string> => ({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  upstream php { server 127.0.0.1:9000; keepalive 8; }",
          `  ${extra}`,
          "  server { listen 80; location / { fastcgi_pass php; } }",
          "}",
        ),
      });
      assert.deepEqual(of(check(fcgi("")), "proxy-keepalive"), ["fastcgi-keep-conn nginx.conf:5"]);
      assert.deepEqual(of(check(fcgi("fastcgi_keep_conn on;")), "proxy-keepalive"), []);
    });

    it("the real nginx: HTTP/1.0 and Connection: close by default, HTTP/1.1 and no close when set", async function () {
      requireNginx(this);
      await withEcho(
        [
          "    location /plain/ { proxy_pass http://ka; }",
          '    location /set/ { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://ka; }',
        ],
        async (port) => {
          assert.equal((await get(port, "/plain/")).body, "/plain/|close|HTTP/1.0");
          assert.equal((await get(port, "/set/")).body, "/set/||HTTP/1.1");
        },
        ["  upstream ka { server 127.0.0.1:__BACKEND__; keepalive 4; }"],
      );
    });
  });

  describe("low-keepalive-requests", () => {
    it("fires below 1000 for client connections, not for an upstream's", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  keepalive_requests 100;",
          "  upstream b { server 127.0.0.1; keepalive 8; keepalive_requests 100; }",
          "  server { listen 80; keepalive_requests 5000; location / { keepalive_requests 0; } }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "low-keepalive-requests"), ["low nginx.conf:3", "keepalive-off nginx.conf:5"]);
    });

    it("reports the default of 100 on nginx 1.19.7–1.19.9, when HTTP/2 already followed it", () => {
      const files = { "nginx.conf": lines("events {}", "http {", "  server { listen 80; }", "}") };
      assert.deepEqual(of(check(files, "1.19.8"), "low-keepalive-requests"), ["low-default nginx.conf:2"]);
      assert.deepEqual(of(check(files, "1.19.10"), "low-keepalive-requests"), []);
      assert.deepEqual(of(check(files, "1.18.0"), "low-keepalive-requests"), []);
    });
  });

  describe("proxy-pass-normalized", () => {
    it("fires on a URI part, a variable URI and a raw URI escaped twice; quiet on exact locations", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  server {",
          "    listen 80;",
          "    location /a/ { proxy_pass http://127.0.0.1:8080/; }",
          "    location /b/ { proxy_pass http://127.0.0.1:8080; }",
          "    location ~ ^/c/(.*)$ { proxy_pass http://127.0.0.1:8080/$1; }",
          "    location /d/ { rewrite ^ $request_uri; proxy_pass http://127.0.0.1:8080; }",
          "    location /e/ { rewrite ^ $request_uri; rewrite ^/e(/.*) $1 break; proxy_pass http://127.0.0.1:8080$uri; }",
          "    location = /f { proxy_pass http://127.0.0.1:8080/g; }",
          "    location /h/ { rewrite ^ $request_uri; rewrite ^/h(/.*) $1 break; proxy_pass http://127.0.0.1:8080$document_uri; }",
          "    location /i/ { if ($arg_raw) { rewrite ^ $request_uri; } proxy_pass http://127.0.0.1:8080; }",
          "    location /j/ { if ($arg_raw) { rewrite ^ $request_uri; } proxy_pass http://127.0.0.1:8080/$uri; }",
          "  }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "proxy-pass-normalized"), [
        "uri-part nginx.conf:5",
        "decoded-variables nginx.conf:7",
        "escaped-twice nginx.conf:8",
        "escaped-twice nginx.conf:12",
        "decoded-variables nginx.conf:13",
      ]);
    });

    it("leaves a URI part nginx -t refuses (in if, limit_except) to rule location", () => {
      const rel = "MegaManSec+gixy-ng/tests/plugins/simply/proxy_pass_normalized/missing_variable_in_if.conf";
      assert.ok(DIFFERENCES[rel]);
      const f = check({ "nginx.conf": lines("events {}", "http { server { listen 80;", fixture(rel), "} }") });
      assert.deepEqual(of(f, "proxy-pass-normalized"), []);
      assert.ok(
        f.some((x) => x.ruleId === "location" && x.severity === "error"),
        JSON.stringify(f.map((x) => `${x.ruleId} ${x.message}`)),
      );
    });

    it("the real nginx: a URI part sends %2F decoded, a pass without one keeps the client's path", async function () {
      requireNginx(this);
      await withEcho(
        [
          "    location /a/ { proxy_pass http://127.0.0.1:__BACKEND__/; }",
          "    location /b/ { proxy_pass http://127.0.0.1:__BACKEND__; }",
        ],
        async (port) => {
          assert.equal((await get(port, "/a/x%2Fy")).body.split("|")[0], "/x/y");
          assert.equal((await get(port, "/b/x%2Fy")).body.split("|")[0], "/b/x%2Fy");
        },
      );
    });
  });

  describe("proxy-pass-with-uri", () => {
    it("tells an extra slash, a missing slash and a plain replacement apart", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  server {",
          "    listen 80;",
          "    location /api { proxy_pass http://127.0.0.1:8080/; }",
          "    location /web/ { proxy_pass http://127.0.0.1:8080/app; }",
          "    location /v2/ { proxy_pass http://127.0.0.1:8080/v3/; }",
          "    location /ok/ { proxy_pass http://127.0.0.1:8080; }",
          "    location / { proxy_pass http://127.0.0.1:8080/; }",
          "    location ~ ^/img/(.*)$ { proxy_pass http://127.0.0.1:8080/$1; }",
          "  }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "proxy-pass-with-uri"), [
        "extra-slash nginx.conf:5",
        "missing-slash nginx.conf:6",
        "rewrites nginx.conf:7",
      ]);
    });

    it("the real nginx: location /api with proxy_pass …/ sends /api../x as /../x", async function () {
      requireNginx(this);
      await withRawBackend((raw) =>
        withEcho([`    location /api { proxy_pass http://127.0.0.1:${raw}/; }`], async (port) => {
          assert.equal((await get(port, "/api/x")).body, "//x");
          assert.equal((await get(port, "/api../x")).body, "/../x");
        }),
      );
    });
  });

  describe("try-files-with-proxy", () => {
    it("fires on try_files beside proxy_pass, a named fallback included", () => {
      const f = check({
        "nginx.conf": lines(
          "events {}",
          "http {",
          "  server {",
          "    listen 80;",
          "    location / { try_files $uri @app; proxy_pass http://127.0.0.1:8080; }",
          "    location /s/ { try_files $uri @app; }",
          "    location @app { proxy_pass http://127.0.0.1:8080; }",
          "  }",
          "}",
        ),
      });
      assert.deepEqual(of(f, "try-files-with-proxy"), ["same-location nginx.conf:5"]);
    });

    it("the real nginx: an existing file is proxied, not served, even with a named fallback", async function () {
      requireNginx(this);
      await withEcho(
        [
          "    location / { root __DIR__; try_files $uri @app; proxy_pass http://127.0.0.1:__BACKEND__; }",
          "    location @app { return 404; }",
        ],
        async (port) => {
          const r = await get(port, "/file.txt");
          assert.equal(r.body.split("|")[0], "/file.txt");
          assert.equal((await get(port, "/missing.txt")).status, 404);
        },
        [],
        { "file.txt": "on disk\n" },
      );
    });
  });
});
