// The main-level, TLS and deprecation rules of issue 15 over real workspaces written to disk and checked as
// the CLI checks them (runCheck: main files found, includes, fragments in their guessed context), and the
// behaviour they rest on asked of the real nginx and openssl where they are installed.

import { catalogueEntry } from "../../server/src/rules/catalogue";
import { isOffByDefault } from "../../server/src/rules/rule-settings";
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runCheck, type CheckOptions } from "../../server/src/cli/check";
import { evaluateCipherString } from "../../server/src/rules/cipher-string";
import type { Finding } from "../../server/src/rules/types";
import { writeSelfSignedPair } from "../support/certs";
import { nginxTest } from "../support/nginx";
import { freePorts, runnableHead, runnableHttp, withNginx } from "../support/nginx-run";
import { nginxBinary } from "../support/shared";
import { lines, writeWorkspace } from "../support/workspace-files";

const dirs: string[] = [];

function workspace(files: Record<string, string>): string {
  const dir = writeWorkspace(files, "nginx-risk-h15-main-");
  dirs.push(dir);
  return dir;
}

/** `file:line code` of each finding of `rule` from checking `input` (a file of the workspace, or all of it). */
function check(rule: string, files: Record<string, string>, options: Partial<CheckOptions> = {}, input = ""): string[] {
  return findings(rule, files, options, input).map((f) => `${f.path}:${f.range.start.line + 1} ${f.code}`);
}

function findings(
  rule: string,
  files: Record<string, string>,
  options: Partial<CheckOptions> = {},
  input = "",
): Finding[] {
  const dir = workspace(files);
  // The rule asked about is on, also one that is off by default (rule-settings.ts), as a user who asks for it.
  const ruleLevels = isOffByDefault(rule) ? { [rule]: catalogueEntry(rule)?.severity ?? "info" } : undefined;
  const r = runCheck({ inputs: [path.join(dir, input)], mappings: [], strict: false, ruleLevels, ...options });
  return r.findings.filter((f) => f.ruleId === rule).map((f) => ({ ...f, path: path.relative(dir, f.path) }));
}

const V = { nginxVersion: "1.22.1" };

after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("worker-rlimit-nofile-vs-connections", () => {
  const rule = "worker-rlimit-nofile-vs-connections";
  it("fires without worker_rlimit_nofile when worker_connections needs more than 1024 files", () => {
    assert.deepEqual(
      check(rule, { "nginx.conf": lines("events {", "    worker_connections 4096;", "}", "http {}") }, V),
      ["nginx.conf:2 missing"],
    );
  });
  it("the assumed limit is said as info, a limit written too low as a warning", () => {
    const assumed = findings(rule, { "nginx.conf": lines("events { worker_connections 4096; }", "http {}") }, V);
    const written = findings(
      rule,
      { "nginx.conf": lines("worker_rlimit_nofile 4096;", "events { worker_connections 4096; }", "http {}") },
      V,
    );
    assert.deepEqual(
      [...assumed, ...written].map((f) => f.severity),
      ["info", "warning"],
    );
  });
  it("reads worker_rlimit_nofile from an included main-level file", () => {
    const files = {
      "nginx.conf": lines("include main.d/*.conf;", "events { worker_connections 1024; }", "http {}"),
      "main.d/limits.conf": "worker_rlimit_nofile 1500;\n",
    };
    assert.deepEqual(check(rule, files, V), ["nginx.conf:2 too-low"]);
    files["main.d/limits.conf"] = "worker_rlimit_nofile 2048;\n";
    assert.deepEqual(check(rule, files, V), []);
  });
  it("is quiet with the defaults (512 connections, 1024 files)", () => {
    assert.deepEqual(check(rule, { "nginx.conf": lines("events {}", "http {}") }, V), []);
  });
  it("compares a lone worker_rlimit_nofile with the default worker_connections", () => {
    assert.deepEqual(check(rule, { "nginx.conf": lines("worker_rlimit_nofile 800;", "events {}", "http {}") }, V), [
      "nginx.conf:1 too-low",
    ]);
  });
});

describe("missing-worker-processes", () => {
  const rule = "missing-worker-processes";
  it("fires on a whole configuration without worker_processes, at its first line", () => {
    assert.deepEqual(check(rule, { "nginx.conf": lines("events {}", "http {}") }, V), ["nginx.conf:1 missing"]);
  });
  it("is quiet when an included main-level file sets it", () => {
    const files = {
      "nginx.conf": lines("include core.conf;", "events {}", "http {}"),
      "core.conf": "worker_processes auto;\n",
    };
    assert.deepEqual(check(rule, files, V), []);
  });
  it("is quiet on a server fragment (its main file may set it)", () => {
    assert.deepEqual(check(rule, { "site.conf": "server { listen 80; }\n" }, V, "site.conf"), []);
  });
  it("is quiet on a file holding only an http block (no events: not a main file yet)", () => {
    const files = { "nginx.conf": lines("http {", "    server { listen 80; }", "}") };
    assert.deepEqual(check(rule, files, V), []);
    assert.deepEqual(check("missing-error-log", files, V), []);
    // Its http block is still judged.
    assert.deepEqual(check("client-max-body-size-not-set", files, V), ["nginx.conf:1 not-set"]);
  });
});

describe("error-log-off", () => {
  const rule = "error-log-off";
  it("fires on error_log off at any level, once for a file included twice", () => {
    const files = {
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    server { include common.conf; }",
        "    server { include common.conf; }",
        "}",
      ),
      "common.conf": "error_log off;\n",
    };
    assert.deepEqual(check(rule, files, V), ["common.conf:1 file-named-off"]);
  });
  it("is quiet on a real file or /dev/null", () => {
    assert.deepEqual(check(rule, { "nginx.conf": lines("error_log /dev/null crit;", "events {}") }, V), []);
  });
  it("nginx writes to a file named off in its prefix (real nginx -t)", function () {
    if (!nginxBinary()) this.skip();
    const dir = workspace({});
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, lines(`pid ${dir}/nginx.pid;`, "error_log off;", "events {}"));
    const r = spawnSync(nginxBinary()!, ["-t", "-q", "-c", conf, "-p", dir + "/"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(dir, "off")), "a file named off in the prefix");
  });
});

describe("missing-error-log", () => {
  const rule = "missing-error-log";
  it("fires on a whole configuration without error_log", () => {
    assert.deepEqual(check(rule, { "nginx.conf": lines("events {}", "http { server { listen 80; } }") }, V), [
      "nginx.conf:1 missing",
    ]);
  });
  it("an error_log in a location only covers its requests: still reported", () => {
    const files = { "nginx.conf": lines("events {}", "http { server { location / { error_log /var/log/a.log; } } }") };
    assert.deepEqual(check(rule, files, V), ["nginx.conf:1 missing"]);
  });
  it("is quiet when an included file sets one", () => {
    const files = {
      "nginx.conf": lines("include log.conf;", "events {}"),
      "log.conf": "error_log /var/log/nginx/error.log;\n",
    };
    assert.deepEqual(check(rule, files, V), []);
  });
});

describe("version-disclosure", () => {
  const rule = "version-disclosure";
  it("a whole configuration without server_tokens: the default on, at its http block", () => {
    const f = findings(rule, { "nginx.conf": lines("events {}", "http {", "    server { listen 80; }", "}") }, V);
    assert.deepEqual(
      f.map((x) => `${x.path}:${x.range.start.line + 1} ${x.code}`),
      ["nginx.conf:2 default-on"],
    );
    assert.equal(f[0].related?.length, 1);
  });
  it("server_tokens off in an included http-level file covers every server", () => {
    const files = {
      "nginx.conf": lines("events {}", "http {", "    include conf.d/*.conf;", "    server { listen 80; }", "}"),
      "conf.d/security.conf": "server_tokens off;\n",
    };
    assert.deepEqual(check(rule, files, V), []);
  });
  it("a location that turns it back on is reported, the servers that set off are not", () => {
    const files = {
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    server { listen 80; server_tokens off; location /status { server_tokens build; } }",
        "}",
      ),
    };
    assert.deepEqual(check(rule, files, V), ["nginx.conf:3 enabled"]);
  });
  it("a server fragment: only what it says (the http block including it may say off)", () => {
    assert.deepEqual(check(rule, { "site.conf": "server { listen 80; }\n" }, V, "site.conf"), []);
    assert.deepEqual(check(rule, { "site.conf": "server { listen 80; server_tokens on; }\n" }, V, "site.conf"), [
      "site.conf:1 enabled",
    ]);
  });
});

describe("what a block lacks, next to an include that could not be read", () => {
  it("is not reported: the unread file may set it", () => {
    const files = {
      "nginx.conf": lines(
        "include main.d/missing.conf;",
        "events { worker_connections 4096; }",
        "http {",
        "    include conf.d/missing.conf;",
        "    server { listen 80; }",
        "}",
      ),
    };
    for (const rule of [
      "missing-worker-processes",
      "missing-error-log",
      "worker-rlimit-nofile-vs-connections",
      "version-disclosure",
      "client-max-body-size-not-set",
      "gzip-not-enabled",
    ])
      assert.deepEqual(check(rule, files, V), [], rule);
    // The same without the includes: each of them reports.
    const read = { "nginx.conf": files["nginx.conf"].replace(/ *include .*\n/g, "") };
    for (const rule of ["missing-worker-processes", "version-disclosure", "gzip-not-enabled"])
      assert.equal(check(rule, read, V).length, 1, rule);
  });
});

describe("client-max-body-size-not-set and gzip-not-enabled", () => {
  it("fire on a whole configuration's http block that sets neither", () => {
    const files = { "nginx.conf": lines("events {}", "http {", "    server { listen 80; }", "}") };
    assert.deepEqual(check("client-max-body-size-not-set", files, V), ["nginx.conf:2 not-set"]);
    assert.deepEqual(check("gzip-not-enabled", files, V), ["nginx.conf:2 not-enabled"]);
  });
  it("are quiet when a server's included file sets them", () => {
    const files = {
      "nginx.conf": lines("events {}", "http {", "    server { listen 80; include site.conf; }", "}"),
      "site.conf": lines("client_max_body_size 20m;", "gzip on;"),
    };
    assert.deepEqual(check("client-max-body-size-not-set", files, V), []);
    assert.deepEqual(check("gzip-not-enabled", files, V), []);
  });
  it("gzip off is not on", () => {
    const files = { "nginx.conf": lines("events {}", "http {", "    gzip off;", "}") };
    assert.deepEqual(check("gzip-not-enabled", files, V), ["nginx.conf:2 not-enabled"]);
  });
  it("are quiet on fragments", () => {
    const files = { "site.conf": "server { listen 80; }\n" };
    assert.deepEqual(check("client-max-body-size-not-set", files, V, "site.conf"), []);
    assert.deepEqual(check("gzip-not-enabled", files, V, "site.conf"), []);
  });
});

describe("nginx-rift", () => {
  const rule = "nginx-rift";
  const loc = (...body: string[]): Record<string, string> => ({
    "nginx.conf": lines(
      "events {}",
      "http {",
      "    server {",
      "        location ~ ^/api/(.*)$ {",
      ...body,
      "        }",
      "    }",
      "}",
    ),
  });
  it("a rewrite with ? then a set of $1 is unnamed-groups' (CVE-2026-42945), reported there only", () => {
    const files = loc("rewrite ^/api/(.*)$ /internal?migrated=true;", "set $orig $1;");
    assert.deepEqual(check(rule, files, V), []);
    assert.equal(check("unnamed-groups", files, V).length, 1);
  });
  it("a redirect whose replacement holds ? and $1 (CVE-2026-9256)", () => {
    assert.deepEqual(check(rule, loc("rewrite ^/api/(.*)$ /new/$1?x=1 permanent;"), V), ["nginx.conf:5 redirect"]);
    assert.deepEqual(check(rule, loc("rewrite ^/api/(.*)$ /new/$1? permanent;"), V), []);
  });
  it("is version-aware: 1.30.2 and 1.31.1 fixed it", () => {
    const both = loc("rewrite ^/x/(.*)$ https://a/$1?y=1 redirect;");
    assert.deepEqual(check(rule, both, { nginxVersion: "1.30.1" }), ["nginx.conf:5 redirect"]);
    assert.deepEqual(check(rule, both, { nginxVersion: "1.31.0" }), ["nginx.conf:5 redirect"]);
    assert.deepEqual(check(rule, both, { nginxVersion: "1.30.2" }), []);
    assert.deepEqual(check(rule, both, { nginxVersion: "1.31.1" }), []);
    assert.deepEqual(check(rule, both, {}), ["nginx.conf:5 redirect"]);
  });
});

/** A TLS server of a whole configuration (certificate inherited or its own). */
function tlsConf(httpLines: string[], serverLines: string[] = []): Record<string, string> {
  return {
    "nginx.conf": lines(
      "events {}",
      "http {",
      ...httpLines.map((l) => "    " + l),
      "    server {",
      "        listen 443 ssl;",
      "        ssl_certificate /etc/ssl/c.pem;",
      "        ssl_certificate_key /etc/ssl/k.pem;",
      ...serverLines.map((l) => "        " + l),
      "    }",
      "}",
    ),
  };
}

describe("weak-ssl-ciphers", () => {
  const rule = "weak-ssl-ciphers";
  it("an http-level ssl_ciphers inherited by a TLS server", () => {
    const f = findings(rule, tlsConf(["ssl_ciphers ALL;"]), V);
    assert.deepEqual(
      f.map((x) => `${x.path}:${x.range.start.line + 1} ${x.code}`),
      ["nginx.conf:3 weak-cipher"],
    );
    assert.match(f[0].message, /in effect in 1 TLS server/);
    // OpenSSL 3's ALL holds the anonymous suites; 1.0.2's also RC4, DES, export grades, 3DES, IDEA, MD5.
    assert.deepEqual(f[0].data?.families, ["aNULL", "RC4", "MD5", "3DES", "DES", "EXPORT", "IDEA"]);
  });
  it("an http-level setting no TLS server uses is not reported", () => {
    const files = {
      "nginx.conf": lines("events {}", "http {", "    ssl_ciphers ALL;", "    server { listen 80; }", "}"),
    };
    assert.deepEqual(check(rule, files, V), []);
  });
  it("the server's own setting overrides the inherited one", () => {
    assert.deepEqual(check(rule, tlsConf(["ssl_ciphers ALL;"], ["ssl_ciphers HIGH:!aNULL:!MD5;"]), V), []);
  });
  it("a removed suite comes back when named again, a killed one does not", () => {
    assert.deepEqual(check(rule, tlsConf(["ssl_ciphers HIGH:-aNULL:ADH;"]), V), ["nginx.conf:3 weak-cipher"]);
    assert.deepEqual(check(rule, tlsConf(["ssl_ciphers HIGH:!aNULL:ADH;"]), V), []);
  });
  it("legacy suites OpenSSL 3 lacks are reported for what an older library does", () => {
    const f = findings(rule, tlsConf(["ssl_ciphers RC4-SHA:AES256-SHA;"]), { ...V, opensslVersion: "3.0.2" });
    assert.equal(f.length, 1);
    assert.deepEqual(f[0].data?.families, ["RC4"]);
    assert.match(f[0].message, /OpenSSL 3\.0\.2 does not negotiate them/);
  });
  it("the evaluator selects what the real openssl selects", function () {
    const probe = spawnSync("openssl", ["version"], { encoding: "utf8" });
    if (probe.status !== 0) this.skip();
    for (const s of [
      "HIGH",
      "ALL:!aNULL",
      "HIGH:!aNULL:!MD5",
      "DEFAULT",
      "ECDHE+AESGCM:!aNULL",
      "EECDH+AESGCM:EDH+AESGCM",
      "ALL:-aNULL:ADH",
      "ALL:!aNULL:ADH",
      "kRSA+AES256:ECDHE-RSA-AES128-GCM-SHA256",
      "ALL:!ECDHE:!DHE:+SHA1",
      "eNULL:HIGH",
      "RC4-SHA:AES256-SHA:!aNULL:!eNULL:!EXPORT:!DES:!MD5",
    ]) {
      const r = spawnSync("openssl", ["ciphers", s], { encoding: "utf8" });
      const real = r.stdout
        .trim()
        .split(":")
        .filter((n) => n !== "" && !n.startsWith("TLS_"))
        .sort();
      const ours = evaluateCipherString(s)
        .enabled.filter((n) => !evaluateCipherString(s).legacy.includes(n))
        .sort();
      assert.deepEqual(ours, real, s);
    }
  });
  it("real nginx with OpenSSL 3: HIGH lists aNULL suites but refuses them, @SECLEVEL=0 accepts them", async function () {
    this.timeout(30_000);
    if (!nginxBinary() || spawnSync("openssl", ["version"]).status !== 0) this.skip();
    const dir = workspace({});
    writeSelfSignedPair(dir);
    const [plain, high, level0] = await freePorts(3);
    const tls = (port: number, ciphers: string): string =>
      `server { listen 127.0.0.1:${port} ssl; ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem; ssl_ciphers '${ciphers}'; return 200; }`;
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(
      conf,
      lines(
        ...runnableHead(dir),
        "events {}",
        "http {",
        ...runnableHttp(dir),
        `server { listen 127.0.0.1:${plain}; return 200; }`,
        tls(high, "HIGH"),
        tls(level0, "HIGH:@SECLEVEL=0"),
        "}",
      ),
    );
    const cipherOf = (port: number): string => {
      const r = spawnSync(
        "openssl",
        ["s_client", "-connect", `127.0.0.1:${port}`, "-tls1_2", "-cipher", "aNULL:@SECLEVEL=0"],
        { input: "", encoding: "utf8", timeout: 10_000 },
      );
      return /Cipher\s+:\s+(\S+)/.exec(r.stdout)?.[1] ?? "none";
    };
    await withNginx(dir, conf, plain, async () => {
      assert.match(cipherOf(high), /^(none|0000|\(NONE\))$/);
      assert.match(cipherOf(level0), /^A(E)?CDH-|^ADH-/);
    });
  });
  it("a server fragment: its ssl_ciphers as written", () => {
    assert.deepEqual(check(rule, { "site.conf": "server { listen 443 ssl; ssl_ciphers HIGH; }\n" }, V, "site.conf"), [
      "site.conf:1 weak-cipher",
    ]);
  });
});

describe("deprecated-ssl-protocol", () => {
  const rule = "deprecated-ssl-protocol";
  it("an http-level list inherited by a TLS server, in an included file", () => {
    const files = tlsConf(["include tls.conf;"]);
    files["tls.conf"] = "ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n";
    assert.deepEqual(check(rule, files, V), ["tls.conf:1 deprecated-protocol"]);
  });
  it("a stream server terminating TLS inherits stream's list", () => {
    const files = {
      "nginx.conf": lines(
        "events {}",
        "stream {",
        "    ssl_protocols TLSv1.1 TLSv1.2;",
        "    server { listen 5000 ssl; ssl_certificate c.pem; ssl_certificate_key k.pem; proxy_pass 127.0.0.1:5001; }",
        "    server { listen 5002; proxy_pass 127.0.0.1:5003; }",
        "}",
      ),
    };
    const f = findings(rule, files, V);
    assert.deepEqual(
      f.map((x) => `${x.path}:${x.range.start.line + 1} ${x.code}`),
      ["nginx.conf:3 deprecated-protocol"],
    );
    assert.match(f[0].message, /in effect in 1 TLS server/);
  });
  it("not used by any TLS server: quiet", () => {
    const files = {
      "nginx.conf": lines("events {}", "http {", "    ssl_protocols TLSv1;", "    server { listen 80; }", "}"),
    };
    assert.deepEqual(check(rule, files, V), []);
  });
  it("nginx's default before 1.23.4, only where OpenSSL negotiates TLS 1.0", () => {
    assert.deepEqual(check(rule, tlsConf([]), { nginxVersion: "1.22.1", opensslVersion: "1.1.1w" }), [
      "nginx.conf:3 default-enables-deprecated",
    ]);
    assert.deepEqual(check(rule, tlsConf([]), { nginxVersion: "1.22.1", opensslVersion: "3.0.2" }), []);
    assert.deepEqual(check(rule, tlsConf([]), { nginxVersion: "1.24.0", opensslVersion: "1.1.1w" }), []);
  });
  it("real nginx 1.22.1 with OpenSSL 3: the default refuses TLSv1, @SECLEVEL=0 with TLSv1 listed accepts it", async function () {
    this.timeout(30_000);
    if (!nginxBinary() || spawnSync("openssl", ["version"]).status !== 0) this.skip();
    const dir = workspace({});
    writeSelfSignedPair(dir);
    const [plain, def, old] = await freePorts(3);
    const tls = (port: number, extra: string): string =>
      `server { listen 127.0.0.1:${port} ssl; ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem; ${extra} return 200; }`;
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(
      conf,
      lines(
        ...runnableHead(dir),
        "events {}",
        "http {",
        ...runnableHttp(dir),
        `server { listen 127.0.0.1:${plain}; return 200; }`,
        tls(def, ""),
        tls(old, "ssl_protocols TLSv1 TLSv1.2; ssl_ciphers ALL:@SECLEVEL=0;"),
        "}",
      ),
    );
    const protocolOf = (port: number): string => {
      const r = spawnSync(
        "openssl",
        ["s_client", "-connect", `127.0.0.1:${port}`, "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"],
        { input: "", encoding: "utf8", timeout: 10_000 },
      );
      return /Cipher\s+:\s+(\S+)/.exec(r.stdout)?.[1] ?? "none";
    };
    const openssl3 = /^OpenSSL 3/.test(spawnSync("openssl", ["version"], { encoding: "utf8" }).stdout);
    await withNginx(dir, conf, plain, async () => {
      if (openssl3) assert.match(protocolOf(def), /^(none|0000|\(NONE\))$/);
      assert.doesNotMatch(protocolOf(old), /^(none|0000|\(NONE\))$/);
    });
  });
});

describe("ssl-ecdh-curve", () => {
  const rule = "ssl-ecdh-curve";
  it("a post-quantum group inherited by a TLS server, unless OpenSSL is known to be 3.5+", () => {
    const files = tlsConf(["ssl_ecdh_curve X25519MLKEM768:X25519;"]);
    assert.deepEqual(check(rule, files, V), ["nginx.conf:3 post-quantum-group"]);
    assert.deepEqual(check(rule, files, { ...V, opensslVersion: "3.5.1" }), []);
    assert.deepEqual(check(rule, tlsConf(["ssl_ecdh_curve X25519:prime256v1;"]), V), []);
  });
  it("real nginx -t with OpenSSL 3.0 refuses it, with the ? prefix too", function () {
    if (!nginxBinary()) this.skip();
    const version = spawnSync("openssl", ["version"], { encoding: "utf8" }).stdout ?? "";
    if (!/^OpenSSL 3\.[0-2]\./.test(version)) this.skip();
    const dir = workspace({});
    writeSelfSignedPair(dir);
    for (const groups of ["X25519MLKEM768:X25519", "?X25519MLKEM768:X25519"]) {
      const v = nginxTest(
        lines(
          "events {}",
          `http { server { listen 127.0.0.1:1 ssl; ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem; ssl_ecdh_curve ${groups}; } }`,
        ),
      );
      assert.equal(v.ok, false, groups);
      assert.match(v.output, /SSL_CTX_set1_curves_list/);
    }
    assert.equal(
      nginxTest(
        lines(
          "events {}",
          `http { server { listen 127.0.0.1:1 ssl; ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem; ssl_ecdh_curve X25519:prime256v1; } }`,
        ),
      ).ok,
      true,
    );
  });
});

describe("http2-misdirected-request", () => {
  const rule = "http2-misdirected-request";
  const catchAll = (...body: string[]): Record<string, string> => ({
    "nginx.conf": lines(
      "events {}",
      "http {",
      "    ssl_reject_handshake on;",
      "    server {",
      "        listen 443 ssl http2 default_server;",
      ...body,
      "    }",
      "}",
    ),
  });
  it("fires at the inherited ssl_reject_handshake of a default HTTP/2 server that answers nothing with 421", () => {
    assert.deepEqual(check(rule, catchAll(), V), ["nginx.conf:3 no-421"]);
  });
  it("is quiet with return 421 in location / or in the server", () => {
    assert.deepEqual(check(rule, catchAll("        location / { return 421; }"), V), []);
    assert.deepEqual(check(rule, catchAll("        return 421;"), V), []);
  });
  it("is quiet without HTTP/2", () => {
    const files = catchAll();
    files["nginx.conf"] = files["nginx.conf"].replace(" http2", "");
    assert.deepEqual(check(rule, files, V), []);
  });
});

describe("ssl-on-deprecated and listen-http2-deprecated", () => {
  const sslOn = {
    "nginx.conf": lines(
      "events {}",
      "http {",
      "    server { listen 443; ssl on; ssl_certificate c; ssl_certificate_key k; }",
      "}",
    ),
  };
  it("ssl on: warned from 1.15.0 to 1.25.0 and when the version is unknown; an error of rule directive from 1.25.1", () => {
    assert.deepEqual(check("ssl-on-deprecated", sslOn, { nginxVersion: "1.22.1" }), ["nginx.conf:3 deprecated"]);
    assert.deepEqual(check("ssl-on-deprecated", sslOn, {}), ["nginx.conf:3 deprecated"]);
    assert.deepEqual(check("ssl-on-deprecated", sslOn, { nginxVersion: "1.14.2" }), []);
    assert.deepEqual(check("ssl-on-deprecated", sslOn, { nginxVersion: "1.25.1" }), []);
    assert.ok(check("directive", sslOn, { nginxVersion: "1.25.1" }).length > 0, "rule directive refuses it");
  });
  const h2 = { "site.conf": "server {\n  listen 443 ssl http2;\n  server_name a;\n}\n" };
  it("listen … http2: from 1.25.1 and when the version is unknown, not before", () => {
    assert.deepEqual(check("listen-http2-deprecated", h2, { nginxVersion: "1.22.1" }, "site.conf"), []);
    assert.deepEqual(check("listen-http2-deprecated", h2, { nginxVersion: "1.25.1" }, "site.conf"), [
      "site.conf:2 deprecated",
    ]);
    assert.deepEqual(check("listen-http2-deprecated", h2, {}, "site.conf"), ["site.conf:2 deprecated"]);
  });
});

describe("nginx-lint's syntax fixtures where this product reads the file otherwise", () => {
  it("a server block at the main level of a main file is refused by rule directive (as by nginx -t)", () => {
    const files = { "nginx.conf": lines("events {}", "server {", "  listen 80;", "}") };
    assert.deepEqual(check("directive", files, V), ["nginx.conf:2 not-allowed-here"]);
  });
  it("the same server block alone is a fragment nginx -t accepts from http { include … }", () => {
    assert.deepEqual(check("directive", { "site.conf": "server {\n  listen 80;\n}\n" }, V, "site.conf"), []);
  });
});
