// The real nginx as the oracle for the SSL-context rules: every SSL context that loads a CA bundle opens
// the file once, so `strace -e openat nginx -t` counts the bundle loads. Each case states the count we
// measured (Debian nginx 1.22.1 + libnginx-mod-http-lua 0.10.23, see docs semantics.md §1 and §4), checks
// that nginx still agrees, then checks that our findings' `data.contexts` add up to the same number.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import type { Finding } from "../../server/src/rules/types";
import { haveLuaModule, LUA_MODULES, oracleVersions } from "../support/nginx";
import { nginxBinary } from "../support/shared";
import { writeSelfSignedPair } from "../support/certs";
import { bundleOpens, haveStrace } from "../support/strace";

const BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const LUA_RULE = "lua-ssl-per-location";
const PROXY_RULE = "proxy-ssl-per-location";
const SERVER_RULE = "ssl-bundle-per-server";

const LUA_CERT = `lua_ssl_trusted_certificate ${BUNDLE};`;
const PROXY_CERT = `proxy_ssl_trusted_certificate ${BUNDLE}; proxy_ssl_verify on;`;
const HTTPS = "proxy_pass https://127.0.0.1:9;";

interface OracleCase {
  name: string;
  rule: typeof LUA_RULE | typeof PROXY_RULE | typeof SERVER_RULE;
  /** `nginx.conf` (the main file) and the files it includes, relative to the prefix. */
  files: Record<string, string>;
  /** Bundle opens by the real `nginx -t`: measured with strace, written down here. */
  opens: number;
  /** Distinct file positions that set the trusted-certificate directive: one finding each. */
  sites: number;
  /** `data.module` of the proxy-like findings. */
  module?: "proxy" | "grpc" | "uwsgi" | "server" | "stream-proxy";
  /** A dynamic module the case needs (skipped locally, required in CI). */
  needs?: string;
}

/** Temp paths and logs inside the prefix, so `nginx -t` needs nothing outside it. */
const HTTP_COMMON = [
  "access_log off;",
  ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path tmp_${t};`),
].join("\n    ");

function main(http: string, lua: boolean): string {
  return [
    ...(lua ? [LUA_MODULES] : []),
    "worker_processes 1;",
    "events { worker_connections 64; }",
    "http {",
    `    ${HTTP_COMMON}`,
    http,
    "}",
    "",
  ].join("\n");
}

const lua = (http: string): string => main(http, true);
const plain = (http: string): string => main(http, false);

let port = 18080;
/** A `server { }` on its own loopback port (nginx -t ignores EADDRINUSE, but keep them distinct). */
function server(body: string): string {
  return `    server {\n        listen 127.0.0.1:${port++};\n        ${body}\n    }`;
}

const CASES: OracleCase[] = [
  // ---- lua-nginx-module < 0.10.26: one SSL_CTX per merged location configuration (semantics.md §1) ----
  {
    name: "lua: http level, 1 server + 4 locations (memory-model.md: 5 opens)",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(
        `    ${LUA_CERT}\n` + server("location /a { } location /b { } location /c { } location /d { return 204; }"),
      ),
    },
    opens: 5,
    sites: 1,
  },
  {
    name: "lua: http level without any server: the http-level configuration is never merged",
    rule: LUA_RULE,
    files: { "nginx.conf": lua(`    ${LUA_CERT}`) },
    opens: 0,
    sites: 1,
  },
  {
    name: "lua: nested locations",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(
        `    ${LUA_CERT}\n` + server("location /a { location /a/b { location /a/b/c { } } } location /d { }"),
      ),
    },
    opens: 5,
    sites: 1,
  },
  {
    name: "lua: named @ locations",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(
        `    ${LUA_CERT}\n` +
          server("location / { try_files $uri @x; } location @x { return 204; } location @y { return 204; }"),
      ),
    },
    opens: 4,
    sites: 1,
  },
  {
    name: "lua: regex ~ and ~* locations",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(`    ${LUA_CERT}\n` + server("location ~ \\.php$ { } location ~* \\.jpg$ { }")),
    },
    opens: 3,
    sites: 1,
  },
  {
    name: "lua: = exact location",
    rule: LUA_RULE,
    files: { "nginx.conf": lua(`    ${LUA_CERT}\n` + server("location = /exact { } location / { }")) },
    opens: 3,
    sites: 1,
  },
  {
    name: "lua: ^~ location",
    rule: LUA_RULE,
    files: { "nginx.conf": lua(`    ${LUA_CERT}\n` + server("location ^~ /static/ { }")) },
    opens: 2,
    sites: 1,
  },
  {
    name: "lua: if in server",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(`    ${LUA_CERT}\n` + server("if ($host = x) { return 404; } location / { }")),
    },
    opens: 3,
    sites: 1,
  },
  {
    name: "lua: two ifs in a location",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(
        `    ${LUA_CERT}\n` + server("location / { if ($arg_a) { return 404; } if ($arg_b) { return 403; } }"),
      ),
    },
    opens: 4,
    sites: 1,
  },
  {
    name: "lua: limit_except",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(`    ${LUA_CERT}\n` + server("location / { limit_except GET { deny all; } }")),
    },
    opens: 3,
    sites: 1,
  },
  {
    name: "lua: several servers",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(
        `    ${LUA_CERT}\n` +
          [server("location / { }"), server("location / { } location /x { }"), server("")].join("\n"),
      ),
    },
    opens: 6,
    sites: 1,
  },
  {
    name: "lua: server level in one server only",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(
        [server(`${LUA_CERT} location / { } location /x { }`), server("location / { } location /x { }")].join("\n"),
      ),
    },
    opens: 3,
    sites: 1,
  },
  {
    name: "lua: one location only, with a nested location under it",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(server(`location / { } location /x { ${LUA_CERT} location /x/y { } } location /z { }`)),
    },
    opens: 2,
    sites: 1,
  },
  {
    name: "lua: include globs at http, server and location level",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua("    include conf.d/*.conf;"),
      "conf.d/00-lua.conf": `${LUA_CERT}\n`,
      "conf.d/a.conf": server("include snippets/*.conf;") + "\n",
      "conf.d/b.conf": server("location / { }") + "\n",
      "snippets/x.conf": "location /x {\n    include loc.d/*.conf;\n}\n",
      "snippets/y.conf": "location /y { }\n",
      "loc.d/1.conf": "location /x/1 { }\n",
      "loc.d/2.conf": "if ($arg_q) { return 404; }\n",
    },
    // a: server + /x + /x/1 + if + /y; b: server + /
    opens: 7,
    sites: 1,
  },
  {
    name: "lua: one locations file included by two servers",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(
        `    ${LUA_CERT}\n` + [server("include locations.conf;"), server("include locations.conf;")].join("\n"),
      ),
      "locations.conf": "location / { }\nlocation /x { }\n",
    },
    opens: 6,
    sites: 1,
  },
  {
    name: "lua: the directive in a file included by two servers (one position, two contexts)",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua([server("include locations.conf;"), server("include locations.conf;")].join("\n")),
      "locations.conf": `location / { }\nlocation /x {\n    ${LUA_CERT}\n}\n`,
    },
    opens: 2,
    sites: 1,
  },
  {
    name: "lua: http level and again in one location (two findings)",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(
        `    ${LUA_CERT}\n` + server(`location / { } location /x { ${LUA_CERT} location /x/y { } } location /z { }`),
      ),
    },
    // http: server + / + /z; the location: /x + /x/y
    opens: 5,
    sites: 2,
  },
  {
    name: "lua: http, server and location levels (three findings)",
    rule: LUA_RULE,
    files: {
      "nginx.conf": lua(
        `    ${LUA_CERT}\n` +
          [
            server("location /a { }"),
            server(`${LUA_CERT} location /b { ${LUA_CERT} location /b/c { } } location /d { }`),
          ].join("\n"),
      ),
    },
    // http: server A + /a; server B's: server B + /d; /b's: /b + /b/c
    opens: 6,
    sites: 3,
  },

  // ---- nginx < 1.23.1: one SSL_CTX per https (or variable) proxy_pass location (semantics.md §4) ----
  {
    name: "proxy: https proxy_pass in every location, verify on at http level",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(
        `    ${PROXY_CERT}\n` +
          server(`location /a { ${HTTPS} } location /b { ${HTTPS} } location /c { ${HTTPS} } location /d { ${HTTPS} }`),
      ),
    },
    opens: 4,
    sites: 1,
  },
  {
    name: "proxy: plain http:// proxy_pass loads nothing",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(
        `    ${PROXY_CERT}\n` +
          server("location /a { proxy_pass http://127.0.0.1:9; } location /b { proxy_pass http://127.0.0.1:9; }"),
      ),
    },
    opens: 0,
    sites: 1,
  },
  {
    name: "proxy: proxy_pass with variables (https:// and even http://) gets a context",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(
        `    ${PROXY_CERT}\n` +
          server(
            "location /a { proxy_pass https://$host; } location /b { proxy_pass http://$host; } " +
              "location /c { proxy_pass http://127.0.0.1:9; }",
          ),
      ),
    },
    opens: 2,
    sites: 1,
  },
  {
    name: "proxy: proxy_ssl_verify off (the default) loads no bundle",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(
        `    proxy_ssl_trusted_certificate ${BUNDLE};\n` + server(`location /a { ${HTTPS} } location /b { ${HTTPS} }`),
      ),
    },
    opens: 0,
    sites: 1,
  },
  {
    name: "proxy: proxy_ssl_verify off in one location",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(
        `    ${PROXY_CERT}\n` +
          server(`location /a { ${HTTPS} } location /b { ${HTTPS} } location /c { proxy_ssl_verify off; ${HTTPS} }`),
      ),
    },
    opens: 2,
    sites: 1,
  },
  {
    name: "proxy: if inside an https location, without its own proxy_pass (shares the parent's)",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(`    ${PROXY_CERT}\n` + server(`location /a { ${HTTPS} if ($arg_x) { return 404; } }`)),
    },
    opens: 1,
    sites: 1,
  },
  {
    name: "proxy: if inside an https location, with its own https proxy_pass",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(
        `    ${PROXY_CERT}\n` + server(`location /a { ${HTTPS} if ($arg_x) { proxy_pass https://127.0.0.1:10; } }`),
      ),
    },
    opens: 2,
    sites: 1,
  },
  {
    name: "proxy: limit_except inside an https location (shares the parent's)",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(`    ${PROXY_CERT}\n` + server(`location /a { ${HTTPS} limit_except GET { deny all; } }`)),
    },
    opens: 1,
    sites: 1,
  },
  {
    name: "proxy: nested locations (proxy_pass is not inherited)",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(
        `    ${PROXY_CERT}\n` + server(`location /a { ${HTTPS} location /a/b { ${HTTPS} } location /a/c { } }`),
      ),
    },
    opens: 2,
    sites: 1,
  },
  {
    name: "proxy: named, regex and upstream-block locations",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(
        `    ${PROXY_CERT}\n    upstream up { server 127.0.0.1:9; }\n` +
          server(
            `location / { try_files $uri @up; } location @up { ${HTTPS} } location ~ \\.php$ { ${HTTPS} } ` +
              "location /u { proxy_pass https://up; }",
          ),
      ),
    },
    opens: 3,
    sites: 1,
  },
  {
    name: "proxy: several servers, the directives at server level in one of them",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(
        [
          server(`${PROXY_CERT} location /a { ${HTTPS} } location /b { ${HTTPS} } location /c { }`),
          server(`location /a { ${HTTPS} }`),
        ].join("\n"),
      ),
    },
    opens: 2,
    sites: 1,
  },
  {
    name: "proxy: one location only, with a nested https location under it",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(
        server(`location /a { ${PROXY_CERT} ${HTTPS} location /a/b { ${HTTPS} } } location /c { ${HTTPS} }`),
      ),
    },
    opens: 2,
    sites: 1,
  },
  {
    name: "proxy: include globs at http, server and location level",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain("    include conf.d/*.conf;"),
      "conf.d/00-tls.conf": `${PROXY_CERT}\n`,
      "conf.d/a.conf": server("include snippets/*.conf;") + "\n",
      "conf.d/b.conf": server(`location / { ${HTTPS} }`) + "\n",
      "snippets/x.conf": `location /x {\n    ${HTTPS}\n    include loc.d/*.conf;\n}\n`,
      "snippets/y.conf": `location /y { ${HTTPS} }\n`,
      "loc.d/1.conf": `location /x/1 { ${HTTPS} }\n`,
      "loc.d/2.conf": "if ($arg_q) { return 404; }\n",
    },
    // /x, /x/1, /y, b's / (the if shares /x's)
    opens: 4,
    sites: 1,
  },
  {
    name: "proxy: one locations file included by two servers",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(
        `    ${PROXY_CERT}\n` + [server("include locations.conf;"), server("include locations.conf;")].join("\n"),
      ),
      "locations.conf": `location / { ${HTTPS} }\nlocation /x { ${HTTPS} }\n`,
    },
    opens: 4,
    sites: 1,
  },
  {
    name: "proxy: http level and again in one location (two findings)",
    rule: PROXY_RULE,
    module: "proxy",
    files: {
      "nginx.conf": plain(
        `    ${PROXY_CERT}\n` +
          server(
            `location /a { ${HTTPS} } location /b { proxy_ssl_trusted_certificate ${BUNDLE}; ${HTTPS} } ` +
              `location /c { ${HTTPS} }`,
          ),
      ),
    },
    opens: 3,
    sites: 2,
  },
  {
    name: "grpc: grpc_pass grpcs:// with grpc_ssl_trusted_certificate + grpc_ssl_verify on",
    rule: PROXY_RULE,
    module: "grpc",
    files: {
      "nginx.conf": plain(
        `    grpc_ssl_trusted_certificate ${BUNDLE}; grpc_ssl_verify on;\n` +
          server(
            "location /a { grpc_pass grpcs://127.0.0.1:9; } location /b { grpc_pass grpc://127.0.0.1:9; } " +
              "location /c { grpc_pass grpcs://127.0.0.1:9; }",
          ),
      ),
    },
    opens: 2,
    sites: 1,
  },
  {
    name: "uwsgi: uwsgi_pass suwsgi:// with uwsgi_ssl_trusted_certificate + uwsgi_ssl_verify on",
    rule: PROXY_RULE,
    module: "uwsgi",
    files: {
      "nginx.conf": plain(
        `    uwsgi_ssl_trusted_certificate ${BUNDLE}; uwsgi_ssl_verify on;\n` +
          server("location /a { uwsgi_pass suwsgi://127.0.0.1:9; } location /b { uwsgi_pass 127.0.0.1:9; }"),
      ),
    },
    opens: 1,
    sites: 1,
  },

  // ---- stream proxy before 1.23.1: one SSL_CTX per stream server with `proxy_ssl on` (semantics.md §4) ----
  {
    // proxy_ssl on at stream level, off in the third server → 2 contexts, 2 loads.
    name: "stream proxy: proxy_ssl on + verify at stream level, 3 servers, one with proxy_ssl off",
    rule: PROXY_RULE,
    module: "stream-proxy",
    needs: "/usr/lib/nginx/modules/ngx_stream_module.so",
    files: {
      "nginx.conf": [
        "load_module /usr/lib/nginx/modules/ngx_stream_module.so;",
        "worker_processes 1;",
        "events { worker_connections 64; }",
        "stream {",
        `    proxy_ssl on; proxy_ssl_verify on; proxy_ssl_trusted_certificate ${BUNDLE};`,
        "    server { listen 127.0.0.1:19201; proxy_pass 127.0.0.1:9; }",
        "    server { listen 127.0.0.1:19202; proxy_pass 127.0.0.1:9; }",
        "    server { listen 127.0.0.1:19203; proxy_ssl off; proxy_pass 127.0.0.1:9; }",
        "}",
        "",
      ].join("\n"),
    },
    opens: 2,
    sites: 1,
  },

  // ---- server side: one SSL_CTX per server with a certificate, each loading the CA lists (semantics.md §4) ----
  // `cert.pem`/`key.pem`: a self-signed pair written beside nginx.conf (see writeTree).
  {
    // Certificate at http level: every server has one, `listen … ssl` or not → 3 contexts, 3 loads.
    name: "server: ssl_trusted_certificate and the certificate at http level, 3 servers",
    rule: SERVER_RULE,
    module: "server",
    files: {
      "nginx.conf": plain(
        `    ssl_certificate cert.pem; ssl_certificate_key key.pem; ssl_trusted_certificate ${BUNDLE};\n` +
          [server("ssl_protocols TLSv1.2;"), server("server_name b;"), server("server_name c;")].join("\n"),
      ),
    },
    opens: 3,
    sites: 1,
  },
  {
    // Certificates in two servers only; the plain third server has no SSL_CTX → 2.
    name: "server: ssl_trusted_certificate at http, certificates in 2 of 3 servers",
    rule: SERVER_RULE,
    module: "server",
    files: {
      "nginx.conf": plain(
        `    ssl_trusted_certificate ${BUNDLE};\n` +
          [
            server("ssl_certificate cert.pem; ssl_certificate_key key.pem;"),
            server("ssl_certificate cert.pem; ssl_certificate_key key.pem;"),
            server("server_name plain;"),
          ].join("\n"),
      ),
    },
    opens: 2,
    sites: 1,
  },
  {
    // ssl_client_certificate is loaded only where ssl_verify_client is not off: one server of two, whose
    // SSL_CTX reads it twice (the trusted store, then SSL_load_client_CA_file for the CA names) → 2 opens.
    name: "server: ssl_client_certificate at http, ssl_verify_client optional in 1 of 2 TLS servers",
    rule: SERVER_RULE,
    module: "server",
    files: {
      "nginx.conf": plain(
        `    ssl_certificate cert.pem; ssl_certificate_key key.pem; ssl_client_certificate ${BUNDLE};\n` +
          [server("ssl_verify_client optional;"), server("server_name off;")].join("\n"),
      ),
    },
    opens: 2,
    sites: 1,
  },
  {
    // Both lists at http with verification on: each of 2 servers reads the client list twice and the
    // trusted one once → 6 opens; 2 findings of 2 contexts each.
    name: "server: ssl_client_certificate + ssl_trusted_certificate with ssl_verify_client on, 2 servers",
    rule: SERVER_RULE,
    module: "server",
    files: {
      "nginx.conf": plain(
        "    ssl_certificate cert.pem; ssl_certificate_key key.pem; ssl_verify_client on;\n" +
          `    ssl_client_certificate ${BUNDLE}; ssl_trusted_certificate ${BUNDLE};\n` +
          [server("server_name a;"), server("server_name b;")].join("\n"),
      ),
    },
    opens: 6,
    sites: 2,
  },
];

function writeTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-ssl-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  if (Object.values(files).some((t) => t.includes("cert.pem"))) {
    writeSelfSignedPair(dir);
  }
  return dir;
}

function describeFindings(findings: Finding[]): string {
  if (findings.length === 0) return "(none)";
  return findings
    .map((f) => `${path.basename(f.path)}:${f.range.start.line + 1} ${f.ruleId} contexts=${String(f.data?.contexts)}`)
    .join("\n");
}

describe("SSL-context rules against the real nginx -t (strace counts the CA bundle opens)", function () {
  this.timeout(60_000);

  for (const c of CASES) {
    it(c.name, function () {
      const missingModule =
        (c.rule === LUA_RULE && !haveLuaModule()) || (c.needs !== undefined && !fs.existsSync(c.needs));
      if (!nginxBinary() || !haveStrace() || !fs.existsSync(BUNDLE) || missingModule) {
        if (process.env.CI)
          throw new Error(
            "CI must install nginx, libnginx-mod-http-lua, libnginx-mod-stream, strace (and allow ptrace), ca-certificates",
          );
        this.skip();
      }
      const dir = writeTree(c.files);
      try {
        const conf = path.join(dir, "nginx.conf");
        const real = bundleOpens({ dir, conf, bundle: BUNDLE });
        assert.ok(real.ok, `nginx -t failed:\n${real.output}`);
        assert.equal(real.opens, c.opens, `nginx -t opened the bundle ${real.opens} times, the table says ${c.opens}`);

        const options = { inputs: [], root: conf, mappings: [], strict: false, ...oracleVersions() };
        const findings = runCheck(options).findings.filter((f) => f.ruleId === c.rule);
        const shown = describeFindings(findings);
        // Each context reads the bundle `parsesPerContext` times: once, or twice for ssl_client_certificate
        // (the trusted store and the list of CA names: SSL_load_client_CA_file opens it again).
        const sum = findings.reduce(
          (s, f) => s + Number(f.data?.contexts ?? NaN) * Number(f.data?.parsesPerContext ?? NaN),
          0,
        );
        assert.equal(sum, real.opens, `sum of data.contexts × parsesPerContext != nginx's bundle opens:\n${shown}`);
        // One finding per place the directive is set; a place that loads nothing may go unreported.
        if (c.opens > 0) assert.equal(findings.length, c.sites, `findings:\n${shown}`);
        else assert.ok(findings.length <= c.sites, `findings:\n${shown}`);
        for (const f of findings) {
          if (Number(f.data?.contexts) > 0)
            assert.equal(f.data?.configTestParses, real.opens, `configTestParses: ${shown}`);
          if (c.module) assert.equal(f.data?.module, c.module, shown);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
