// The header rules of issue 15 over real files: add-header-redefinition, proxy-set-header-redefinition,
// directive-inheritance (the inheritance of nginx's array directives, rules/inheritance.ts),
// add-header-multiline, add-header-content-type, host-spoofing and proxy-missing-host-header. Each case is a
// small workspace on disk checked as the CLI checks it (`check FILE`: includes followed, a snippet in its
// guessed context); the real nginx settles what it sends where behaviour decides.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as http2 from "http2";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { analyseFixes, appliedTexts, codesAfter } from "../support/fixes";
import type { Finding } from "../../server/src/rules/types";
import { freePort, runnableHead, runnableHttp, withNginx, rawHead } from "../support/nginx-run";
import { nginxBinary, SHARED_CORPUS } from "../support/shared";
import { lines, writeWorkspace } from "../support/workspace-files";

const RULES = new Set([
  "add-header-redefinition",
  "proxy-set-header-redefinition",
  "directive-inheritance",
  "add-header-multiline",
  "add-header-content-type",
  "host-spoofing",
  "proxy-missing-host-header",
]);

interface Seen {
  rule: string;
  code: string;
  severity: string;
  /** File relative to the workspace, and 1-based line. */
  at: string;
  message: string;
  related: string[];
  data?: Record<string, unknown>;
}

/** The findings of this group's rules for `check <entry>` over `files` written in a fresh folder. */
function check(
  files: Record<string, string>,
  entry = "nginx.conf",
  extra: { nginxVersion?: string; ruleConfig?: Record<string, Record<string, unknown>> } = {},
): Seen[] {
  const dir = writeWorkspace(files, "nginx-risk-headers-");
  try {
    const r = runCheck({
      inputs: [path.join(dir, entry)],
      mappings: [],
      strict: false,
      nginxVersion: extra.nginxVersion ?? "1.22.1",
      ...(extra.ruleConfig ? { ruleConfig: extra.ruleConfig } : {}),
      // proxy-missing-host-header is off by default (rule-settings.ts): on here, as a user switches it on.
      ruleLevels: { "proxy-missing-host-header": "info" },
    });
    const rel = (p: string): string => path.relative(dir, p);
    return r.findings
      .filter((f: Finding) => RULES.has(f.ruleId))
      .map((f) => ({
        rule: f.ruleId,
        code: f.code,
        severity: f.severity,
        at: `${rel(f.path)}:${f.range.start.line + 1}`,
        message: f.message,
        related: (f.related ?? []).map((x) => `${rel(x.path)}:${x.range.start.line + 1}`),
        ...(f.data ? { data: f.data } : {}),
      }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function only(seen: Seen[], rule: string): Seen[] {
  return seen.filter((s) => s.rule === rule);
}

const SECURITY = lines("add_header X-Frame-Options DENY always;", "add_header X-Content-Type-Options nosniff always;");

describe("add-header-redefinition", () => {
  it("reports a location whose own add_header drops the server's, with where they were set", () => {
    const seen = check({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    server {",
        "        listen 80;",
        "        add_header X-Frame-Options DENY always;",
        "        add_header X-Content-Type-Options nosniff always;",
        "        location /api/ {",
        "            add_header X-Api yes;",
        "        }",
        "        location / { }",
        "    }",
        "}",
      ),
    });
    assert.deepEqual(
      seen.map((s) => [s.rule, s.severity, s.at, s.related, s.data]),
      [
        [
          "add-header-redefinition",
          "warning",
          "nginx.conf:8",
          ["nginx.conf:5", "nginx.conf:6"],
          { directive: "add_header", dropped: ["X-Frame-Options", "X-Content-Type-Options"] },
        ],
      ],
    );
    assert.match(seen[0].message, /X-Frame-Options, X-Content-Type-Options are not sent/);
    assert.match(seen[0].message, /inherited from server/);
  });

  it("is quiet when the location repeats the server's headers (and on a location without add_header)", () => {
    const seen = check({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    server {",
        "        listen 80;",
        "        add_header X-Frame-Options DENY always;",
        "        location /api/ {",
        "            add_header x-frame-options DENY always;",
        "            add_header X-Api yes;",
        "        }",
        "        location / { }",
        "    }",
        "}",
      ),
    });
    assert.deepEqual(seen, []);
  });

  it("reads add_header from included files at every level (gixy misses them: yandex/gixy#114)", () => {
    const seen = check({
      "nginx.conf": lines("events {}", "http {", "    include sites/*.conf;", "}"),
      "snippets/security.conf": SECURITY,
      "snippets/api.conf": lines("add_header X-Api yes;"),
      "sites/a.conf": lines(
        "server {",
        "    listen 80;",
        "    include snippets/security.conf;",
        "    location /api/ {",
        "        include snippets/api.conf;",
        "    }",
        "}",
      ),
    });
    assert.deepEqual(
      seen.map((s) => [s.rule, s.at, s.related]),
      [["add-header-redefinition", "snippets/api.conf:1", ["snippets/security.conf:1", "snippets/security.conf:2"]]],
    );
  });

  it("reports a location file included in several servers once, with every header it drops somewhere", () => {
    const seen = check({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    server { listen 80; add_header X-Frame-Options DENY; include loc.conf; }",
        "    server { listen 81; add_header Strict-Transport-Security max-age=1; include loc.conf; }",
        "    server { listen 82; include loc.conf; }",
        "}",
      ),
      "loc.conf": lines("location / {", "    add_header X-Api yes;", "}"),
    });
    assert.deepEqual(
      seen.map((s) => [s.at, s.data?.dropped, s.related]),
      [["loc.conf:2", ["X-Frame-Options", "Strict-Transport-Security"], ["nginx.conf:3", "nginx.conf:4"]]],
    );
  });

  it("reports each level against the level just above it (http → server → location)", () => {
    const seen = check({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    add_header X-Frame-Options DENY;",
        "    server {",
        "        listen 80;",
        "        add_header Content-Security-Policy \"default-src 'self'\";",
        "        location / {",
        "            add_header X-Api yes;",
        "        }",
        "    }",
        "}",
      ),
    });
    assert.deepEqual(
      seen.map((s) => [s.at, s.data?.dropped]),
      [
        ["nginx.conf:6", ["X-Frame-Options"]],
        ["nginx.conf:8", ["Content-Security-Policy"]],
      ],
    );
  });

  it("an `if` block's add_header drops its location's", () => {
    const seen = check(
      {
        "site.conf": lines(
          "server {",
          "    listen 80;",
          "    location / {",
          "        add_header Cache-Control no-store;",
          "        if ($arg_x) {",
          "            add_header X-X 1;",
          "        }",
          "    }",
          "}",
        ),
      },
      "site.conf",
    );
    assert.deepEqual(
      seen.map((s) => [s.at, s.data?.dropped]),
      [["site.conf:6", ["Cache-Control"]]],
    );
  });

  it("is info when no security header is dropped, and option `headers` keeps only the names it lists", () => {
    const files = {
      "site.conf": lines(
        "server {",
        "    listen 80;",
        "    add_header X-Bar bar;",
        "    add_header X-Frame-Options DENY;",
        "    location /a/ { add_header X-Frame-Options DENY; add_header X-Foo foo; }",
        "    location /b/ { add_header X-Foo foo; }",
        "}",
      ),
    };
    assert.deepEqual(
      check(files, "site.conf").map((s) => [s.at, s.severity, s.data?.dropped]),
      [
        ["site.conf:5", "info", ["X-Bar"]],
        ["site.conf:6", "warning", ["X-Bar", "X-Frame-Options"]],
      ],
    );
    const cfg = { "add-header-redefinition": { headers: ["X-Frame-Options"] } };
    assert.deepEqual(
      check(files, "site.conf", { ruleConfig: cfg }).map((s) => [s.at, s.data?.dropped]),
      [["site.conf:6", ["X-Frame-Options"]]],
    );
  });

  it("add_header_inherit (nginx 1.29.3+): merge and off drop nothing by surprise; on is the default", () => {
    const conf = (http: string, loc: string): Record<string, string> => ({
      "nginx.conf": lines(
        "events {}",
        "http {",
        `    ${http}`,
        "    add_header X-Frame-Options DENY;",
        "    server {",
        "        listen 80;",
        "        location / {",
        `            ${loc}`,
        "            add_header X-Api yes;",
        "        }",
        "    }",
        "}",
      ),
    });
    const v = { nginxVersion: "1.29.3" };
    assert.deepEqual(check(conf("add_header_inherit merge;", ""), "nginx.conf", v), []);
    assert.deepEqual(check(conf("", "add_header_inherit merge;"), "nginx.conf", v), []);
    assert.deepEqual(check(conf("", "add_header_inherit off;"), "nginx.conf", v), []);
    // `on` is nginx's default (NGX_HTTP_HEADERS_INHERIT_ON): the location's own add_header replaces.
    assert.deepEqual(
      check(conf("", "add_header_inherit on;"), "nginx.conf", v).map((s) => [s.at, s.data?.dropped]),
      [["nginx.conf:9", ["X-Frame-Options"]]],
    );
    // merge at the server, then a location with the default: it replaces the server's merged list, both levels.
    const seen = check(
      {
        "nginx.conf": lines(
          "events {}",
          "http {",
          "    add_header X-Frame-Options DENY;",
          "    server {",
          "        listen 80;",
          "        add_header_inherit merge;",
          "        add_header X-Server 1;",
          "        location / {",
          "            add_header_inherit on;",
          "            add_header X-Api yes;",
          "        }",
          "    }",
          "}",
        ),
      },
      "nginx.conf",
      v,
    );
    assert.deepEqual(
      seen.map((s) => [s.at, s.data?.dropped, s.related]),
      [["nginx.conf:10", ["X-Server", "X-Frame-Options"], ["nginx.conf:7", "nginx.conf:3"]]],
    );
    assert.match(seen[0].message, /inherited from server and the http level|inherited from server .* and http/);
  });

  it("add_header_inherit on an nginx before 1.29.3: rule directive says nginx refuses it, this rule trusts it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-headers-"));
    try {
      const file = path.join(dir, "site.conf");
      fs.writeFileSync(
        file,
        lines(
          "add_header X-Frame-Options DENY;",
          "location / {",
          "    add_header_inherit merge;",
          "    add_header X-Api yes;",
          "}",
        ),
      );
      const found = runCheck({ inputs: [file], mappings: [], strict: false, nginxVersion: "1.22.1" }).findings;
      assert.deepEqual(
        found
          .filter((f) => f.ruleId === "directive" || f.ruleId === "add-header-redefinition")
          .map((f) => [f.ruleId, f.code]),
        [["directive", "not-in-version"]],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("add_trailer is inherited the same way", () => {
    const seen = check(
      {
        "site.conf": lines("add_trailer X-Trace 1;", "location / {", "    add_trailer X-Other 2;", "}"),
      },
      "site.conf",
    );
    assert.deepEqual(
      seen.map((s) => [s.at, s.data]),
      [["site.conf:3", { directive: "add_trailer", dropped: ["X-Trace"] }]],
    );
  });

  it("what nginx sends: the headers reported dropped are the ones missing from the response", async function () {
    if (!nginxBinary()) this.skip();
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-headers-run-"));
    try {
      const port = await freePort();
      fs.mkdirSync(path.join(dir, "snippets"));
      fs.writeFileSync(path.join(dir, "snippets", "security.conf"), SECURITY);
      const conf = path.join(dir, "nginx.conf");
      fs.writeFileSync(
        conf,
        lines(
          ...runnableHead(dir),
          "events {}",
          "http {",
          ...runnableHttp(dir),
          "    server {",
          `        listen 127.0.0.1:${port};`,
          `        include ${path.join(dir, "snippets", "security.conf")};`,
          "        location / { return 200 ok; }",
          "        location /api/ { add_header X-Api yes always; return 200 api; }",
          "    }",
          "}",
        ),
      );
      const findings = runCheck({
        inputs: [conf],
        mappings: [],
        strict: false,
        nginxVersion: "1.22.1",
      }).findings.filter((f) => f.ruleId === "add-header-redefinition");
      assert.deepEqual(
        findings.map((f) => f.data?.dropped),
        [["X-Frame-Options", "X-Content-Type-Options"]],
      );
      const headersOf = (p: string): Promise<http.IncomingHttpHeaders> =>
        new Promise((resolve, reject) => {
          http
            .get({ host: "127.0.0.1", port, path: p, timeout: 10_000 }, (res) => {
              res.resume();
              res.on("end", () => resolve(res.headers));
            })
            .on("error", reject);
        });
      await withNginx(dir, conf, port, async () => {
        const root = await headersOf("/");
        const api = await headersOf("/api/");
        assert.equal(root["x-frame-options"], "DENY");
        assert.equal(root["x-content-type-options"], "nosniff");
        assert.equal(api["x-api"], "yes");
        for (const h of findings[0].data!.dropped as string[]) assert.equal(api[h.toLowerCase()], undefined, h);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("proxy-set-header-redefinition", () => {
  it("reports the websocket location that drops the server's proxy headers, Host falling back to $proxy_host", () => {
    const seen = check({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    upstream app { server 127.0.0.1:8080; }",
        "    server {",
        "        listen 80;",
        "        include proxy.conf;",
        "        location / { proxy_pass http://app; }",
        "        location /ws/ {",
        "            proxy_http_version 1.1;",
        "            proxy_set_header Upgrade $http_upgrade;",
        "            proxy_set_header Connection upgrade;",
        "            proxy_pass http://app;",
        "        }",
        "    }",
        "}",
      ),
      "proxy.conf": lines(
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
      ),
    });
    assert.deepEqual(
      only(seen, "proxy-set-header-redefinition").map((s) => [s.at, s.severity, s.related, s.data?.dropped]),
      [
        [
          "nginx.conf:10",
          "warning",
          ["proxy.conf:1", "proxy.conf:2", "proxy.conf:3"],
          ["Host", "X-Forwarded-For", "X-Forwarded-Proto"],
        ],
      ],
    );
    assert.match(seen[0].message, /Host falls back to nginx's default \$proxy_host/);
  });

  it("a header set empty to strip the client's own: dropped, the client's value reaches the upstream", () => {
    const files = {
      "site.conf": lines(
        "server {",
        "    listen 80;",
        '    proxy_set_header X-Internal-Auth "";',
        "    proxy_set_header X-Real-IP $remote_addr;",
        "    location /internal {",
        "        proxy_set_header X-Forwarded-Port $server_port;",
        "        proxy_pass http://127.0.0.1:8080;",
        "    }",
        "}",
      ),
    };
    const seen = only(check(files, "site.conf"), "proxy-set-header-redefinition");
    assert.deepEqual(
      seen.map((s) => s.data?.dropped),
      [["X-Internal-Auth", "X-Real-IP"]],
    );
    assert.match(
      seen[0].message,
      /X-Internal-Auth was set empty to strip the client's own, which now reaches the upstream/,
    );
    // Option `headers` (Gixy-Next's): only the names listed.
    const cfg = { "proxy-set-header-redefinition": { headers: ["x-real-ip"] } };
    assert.deepEqual(
      only(check(files, "site.conf", { ruleConfig: cfg }), "proxy-set-header-redefinition").map((s) => s.data?.dropped),
      [["X-Real-IP"]],
    );
  });

  it("is quiet when the location repeats them", () => {
    const seen = check(
      {
        "site.conf": lines(
          "server {",
          "    listen 80;",
          "    proxy_set_header Host $host;",
          "    location / {",
          "        proxy_set_header HOST $host;",
          "        proxy_set_header X-Real-IP $remote_addr;",
          "        proxy_pass http://127.0.0.1:8080;",
          "    }",
          "}",
        ),
      },
      "site.conf",
    );
    assert.deepEqual(only(seen, "proxy-set-header-redefinition"), []);
  });
});

describe("inheritance against the real nginx", () => {
  it("a location's own proxy_set_header: the upstream gets Host $proxy_host and none of the server's headers", async function () {
    if (!nginxBinary()) this.skip();
    this.timeout(60_000);
    const backend = await freePort();
    const servers = [
      "upstream app { server 127.0.0.1:" + backend + "; }",
      "server {",
      `    listen 127.0.0.1:${backend};`,
      '    location / { return 200 "host=$http_host real=$http_x_real_ip up=$http_upgrade"; }',
      "}",
      "server {",
      "    listen 127.0.0.1:__PORT__;",
      "    proxy_set_header Host $host;",
      "    proxy_set_header X-Real-IP $remote_addr;",
      "    location / { proxy_pass http://app; }",
      "    location /ws/ { proxy_set_header Upgrade websocket; proxy_pass http://app; }",
      "}",
    ];
    await withHttp(servers, async (port, conf) => {
      const body = (p: string): Promise<string> =>
        new Promise((resolve, reject) => {
          http
            .get({ host: "127.0.0.1", port, path: p, headers: { Host: "shop.example" } }, (res) => {
              let b = "";
              res.on("data", (c: Buffer) => (b += c.toString()));
              res.on("end", () => resolve(b));
            })
            .on("error", reject);
        });
      assert.equal(await body("/"), "host=shop.example real=127.0.0.1 up=");
      assert.equal(await body("/ws/"), "host=app real= up=websocket");
      const found = runCheck({ inputs: [conf], mappings: [], strict: false, nginxVersion: "1.22.1" }).findings.filter(
        (f) => f.ruleId === "proxy-set-header-redefinition",
      );
      assert.deepEqual(
        found.map((f) => f.data?.dropped),
        [["Host", "X-Real-IP"]],
      );
    });
  });

  it("a location's own error_page: the server's custom page is no longer served there", async function () {
    if (!nginxBinary()) this.skip();
    this.timeout(60_000);
    const servers = [
      "server {",
      "    listen 127.0.0.1:__PORT__;",
      "    error_page 404 /custom404;",
      '    location = /custom404 { internal; return 200 "custom"; }',
      "    location /a/ { return 404; }",
      "    location /b/ { error_page 500 /custom500; return 404; }",
      "}",
    ];
    await withHttp(servers, async (port, conf) => {
      const page = (p: string): Promise<string> =>
        new Promise((resolve, reject) => {
          http
            .get({ host: "127.0.0.1", port, path: p }, (res) => {
              let b = `${res.statusCode} `;
              res.on("data", (c: Buffer) => (b += c.toString()));
              res.on("end", () => resolve(b));
            })
            .on("error", reject);
        });
      // error_page without `=` keeps the status: the page tells them apart.
      assert.equal(await page("/a/"), "404 custom");
      assert.match(await page("/b/"), /^404 <html>[\s\S]*<h1>404 Not Found<\/h1>/);
      const found = runCheck({ inputs: [conf], mappings: [], strict: false, nginxVersion: "1.22.1" }).findings.filter(
        (f) => f.ruleId === "directive-inheritance",
      );
      assert.deepEqual(
        found.map((f) => f.data),
        [{ directive: "error_page", dropped: ["404"] }],
      );
    });
  });
});

describe("directive-inheritance", () => {
  it("fastcgi_param from an included fastcgi_params, dropped by a location's own", () => {
    const seen = check({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    server {",
        "        listen 80;",
        "        include fastcgi_params;",
        "        location ~ \\.php$ {",
        "            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;",
        "            fastcgi_pass unix:/run/php.sock;",
        "        }",
        "    }",
        "}",
      ),
      fastcgi_params: lines(
        "fastcgi_param QUERY_STRING $query_string;",
        "fastcgi_param REQUEST_METHOD $request_method;",
      ),
    });
    assert.deepEqual(
      seen.map((s) => [s.rule, s.at, s.related, s.data?.dropped]),
      [
        [
          "directive-inheritance",
          "nginx.conf:7",
          ["fastcgi_params:1", "fastcgi_params:2"],
          ["QUERY_STRING", "REQUEST_METHOD"],
        ],
      ],
    );
  });

  it("error_page per status code, limit_req per zone, proxy_hide_header per name", () => {
    const seen = check(
      {
        "site.conf": lines(
          "server {",
          "    listen 80;",
          "    error_page 500 502 503 504 /50x.html;",
          "    limit_req zone=one burst=5;",
          "    proxy_hide_header X-Powered-By;",
          "    proxy_hide_header Server;",
          "    location / {",
          "        error_page 500 /500.html;",
          "        limit_req zone=one burst=10;",
          "        proxy_hide_header X-Debug;",
          "    }",
          "    location /b/ {",
          "        limit_req zone=two;",
          "    }",
          "}",
        ),
      },
      "site.conf",
    );
    assert.deepEqual(
      seen.map((s) => [s.at, s.data?.dropped]),
      [
        ["site.conf:8", ["502", "503", "504"]],
        // Server is among the headers nginx's proxy module hides anyway: dropping it hides nothing less.
        ["site.conf:10", ["X-Powered-By"]],
        ["site.conf:13", ["one"]],
      ],
    );
  });

  it("leaves add_header and proxy_set_header to their own rules", () => {
    const seen = check(
      {
        "site.conf": lines(
          "add_header X-A 1;",
          "proxy_set_header X-B 2;",
          "location / { add_header X-C 3; proxy_set_header X-D 4; }",
        ),
      },
      "site.conf",
    );
    assert.deepEqual(seen.map((s) => s.rule).sort(), ["add-header-redefinition", "proxy-set-header-redefinition"]);
  });
});

/** Runs nginx on an http block's servers (`__PORT__` replaced) and hands `use` the port. */
async function withHttp(
  servers: string[],
  use: (port: number, conf: string) => Promise<void>,
  readyPath = "/",
): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-headers-run-"));
  try {
    const port = await freePort();
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(
      conf,
      lines(
        ...runnableHead(dir),
        "events {}",
        "http {",
        ...runnableHttp(dir),
        ...servers.map((l) => l.replace(/__PORT__/g, String(port))),
        "}",
      ),
    );
    await withNginx(dir, conf, port, () => use(port, conf), readyPath);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("add-header-multiline", () => {
  it("folded lines and a line break at the start of a line, in add_header and more_set_headers", () => {
    const seen = check(
      {
        "site.conf": lines(
          'add_header Content-Security-Policy "',
          "    default-src 'none';",
          "    img-src 'self'\";",
          'add_header X-Split "a',
          'X-Injected: b";',
          "more_set_headers -t 'text/html",
          "    text/plain' 'X-Foo: one line';",
          "more_set_headers -s 404 'X-Bar: two",
          "    lines';",
          "add_header X-Fine fine;",
        ),
      },
      "site.conf",
    );
    assert.deepEqual(
      seen.map((s) => [s.rule, s.code, s.at, s.data]),
      [
        ["add-header-multiline", "folded", "site.conf:1", { header: "Content-Security-Policy" }],
        ["add-header-multiline", "line-break", "site.conf:4", { header: "X-Split" }],
        ["add-header-multiline", "folded", "site.conf:8", { header: "X-Bar" }],
      ],
    );
  });

  it("what nginx sends: the value as written, so the text after a line break is a header line of its own", async function () {
    if (!nginxBinary()) this.skip();
    this.timeout(60_000);
    await withHttp(
      [
        "server {",
        "    listen 127.0.0.1:__PORT__;",
        '    location / { add_header X-Split "a',
        'X-Injected: b"; return 200 ok; }',
        "    location /ready { return 204; }",
        "}",
      ],
      async (port, conf) => {
        const head = await rawHead(port, "/");
        assert.match(head, /\r\nX-Split: a\nX-Injected: b$/);
        const found = runCheck({ inputs: [conf], mappings: [], strict: false }).findings.filter(
          (f) => f.ruleId === "add-header-multiline",
        );
        assert.deepEqual(
          found.map((f) => f.code),
          ["line-break"],
        );
      },
      "/ready",
    );
  });
});

describe("add-header-multiline over HTTP/2", () => {
  it("a folded value is malformed in HTTP/2: nghttp2 (Node's client) drops the header", async function () {
    if (!nginxBinary()) this.skip();
    this.timeout(60_000);
    const port = await freePort();
    await withHttp(
      [
        "server {",
        `    listen 127.0.0.1:${port} http2;`,
        '    location /fold { add_header X-Fold "a',
        '        b"; add_header X-One one; return 200 ok; }',
        "}",
        "server {",
        "    listen 127.0.0.1:__PORT__;",
        "    location / { return 204; }",
        "}",
      ],
      async () => {
        const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
          const session = http2.connect(`http://127.0.0.1:${port}`);
          session.on("error", reject);
          const req = session.request({ ":path": "/fold" });
          req.on("response", (h) => {
            req.resume();
            req.on("end", () => {
              session.close();
              resolve(h);
            });
          });
          req.on("error", reject);
        });
        assert.equal(headers[":status"], 200);
        assert.equal(headers["x-one"], "one");
        assert.equal(headers["x-fold"], undefined);
      },
    );
  });
});

describe("add-header-content-type", () => {
  it("reports add_header Content-Type, not where the upstream's is hidden (own level or inherited)", () => {
    const seen = check(
      {
        "site.conf": lines(
          "server {",
          "    listen 80;",
          "    proxy_hide_header Content-Type;",
          "    location /a/ { add_header Content-Type application/json; proxy_pass http://127.0.0.1:8080; }",
          "    location /b/ { add_header content-type text/plain; }",
          "    location /c/ { proxy_hide_header X-Other; add_header Content-Type text/plain; }",
          "    location /d/ { more_set_headers 'Content-Type: text/plain'; add_header X-Content-Type text/plain; }",
          "}",
        ),
      },
      "site.conf",
    );
    // /b/ inherits the server's proxy_hide_header; /c/'s own proxy_hide_header replaces it, so the upstream's
    // Content-Type is no longer hidden there.
    assert.deepEqual(
      only(seen, "add-header-content-type").map((s) => [s.at, s.data]),
      [["site.conf:6", { value: "text/plain" }]],
    );
  });

  it("what nginx sends: two Content-Type headers", async function () {
    if (!nginxBinary()) this.skip();
    this.timeout(60_000);
    await withHttp(
      [
        "server {",
        "    listen 127.0.0.1:__PORT__;",
        "    default_type text/html;",
        "    location / { add_header Content-Type text/plain; return 200 ok; }",
        "}",
      ],
      async (port) => {
        const head = await rawHead(port, "/");
        const types = head.split("\r\n").filter((l) => /^content-type:/i.test(l));
        assert.deepEqual(types, ["Content-Type: text/html", "Content-Type: text/plain"]);
      },
    );
  });
});

describe("host-spoofing", () => {
  it("reports Host from $http_host, other request headers, arguments and cookies; not $host", () => {
    const seen = check(
      {
        "site.conf": lines(
          "location /a/ { proxy_set_header Host $http_host; proxy_pass http://app; }",
          "location /b/ { proxy_set_header HOST $http_x_forwarded_host; proxy_pass http://app; }",
          "location /c/ { proxy_set_header Host $arg_host; proxy_pass http://app; }",
          "location /d/ { proxy_set_header Host ${cookie_h}.internal; proxy_pass http://app; }",
          "location /e/ { proxy_set_header Host $host; proxy_pass http://app; }",
          "location /f/ { proxy_set_header X-Host $http_host; proxy_pass http://app; }",
        ),
      },
      "site.conf",
    );
    assert.deepEqual(
      only(seen, "host-spoofing").map((s) => [s.code, s.at, s.data]),
      [
        ["http-host", "site.conf:1", { source: "$http_host" }],
        ["client-controlled", "site.conf:2", { source: "$http_x_forwarded_host" }],
        ["client-controlled", "site.conf:3", { source: "$arg_host" }],
        ["client-controlled", "site.conf:4", { source: "$cookie_h" }],
      ],
    );
  });

  it("follows set and map values, in other files too", () => {
    const seen = check({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    include maps.conf;",
        "    server {",
        "        listen 80;",
        "        location /a/ { set $fwd $http_host; proxy_set_header Host $fwd; proxy_pass http://127.0.0.1:81; }",
        "        location /b/ { proxy_set_header Host $upstream_host; proxy_pass http://127.0.0.1:81; }",
        "        location /c/ { proxy_set_header Host $safe_host; proxy_pass http://127.0.0.1:81; }",
        "    }",
        "}",
      ),
      "maps.conf": lines(
        "map $http_x_tenant $upstream_host {",
        "    default $http_x_tenant;",
        "}",
        "map $http_host $safe_host {",
        "    hostnames;",
        "    default example.com;",
        "    .example.org example.org;",
        "}",
      ),
    });
    assert.deepEqual(
      only(seen, "host-spoofing").map((s) => [s.at, s.related, s.data]),
      [
        ["nginx.conf:6", ["nginx.conf:6"], { source: "$http_host", through: "$fwd" }],
        ["nginx.conf:7", ["maps.conf:2"], { source: "$http_x_tenant", through: "$upstream_host" }],
      ],
    );
  });
});

describe("host-spoofing against the real nginx", () => {
  it("an absolute URI selects the server and $host; $http_host is still the Host header the client wrote", async function () {
    if (!nginxBinary()) this.skip();
    this.timeout(60_000);
    const backend = await freePort();
    await withHttp(
      [
        "server {",
        `    listen 127.0.0.1:${backend};`,
        '    location / { return 200 "host=$http_host"; }',
        "}",
        "server {",
        "    listen 127.0.0.1:__PORT__ default_server;",
        "    return 404;",
        "}",
        "server {",
        "    listen 127.0.0.1:__PORT__;",
        "    server_name shop.example;",
        `    location /http_host { proxy_set_header Host $http_host; proxy_pass http://127.0.0.1:${backend}; }`,
        `    location /host { proxy_set_header Host $host; proxy_pass http://127.0.0.1:${backend}; }`,
        "}",
      ],
      async (port) => {
        const ask = (p: string): Promise<string> =>
          new Promise((resolve, reject) => {
            const sock = net.connect(port, "127.0.0.1");
            let got = "";
            sock.setEncoding("latin1");
            sock.on("connect", () =>
              sock.write(`GET http://shop.example${p} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`),
            );
            sock.on("data", (c: string) => (got += c));
            sock.on("end", () => resolve(got.split("\r\n\r\n")[1] ?? ""));
            sock.on("error", reject);
          });
        // The request reached shop.example's server block, yet the application is told evil.example.
        assert.equal(await ask("/http_host"), "host=evil.example");
        assert.equal(await ask("/host"), "host=shop.example");
      },
      "/",
    );
  });
});

describe("proxy-missing-host-header", () => {
  it("reports proxy_pass to an upstream block, an address or a socket without Host in effect", () => {
    const seen = check({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    upstream app { server 127.0.0.1:8080; }",
        "    server {",
        "        listen 80;",
        "        location /a/ { proxy_pass http://app; }",
        "        location /b/ { proxy_pass http://127.0.0.1:8080/; }",
        "        location /c/ { proxy_pass http://unix:/run/app.sock; }",
        "        location /d/ { proxy_pass https://api.example.com; }",
        "        location /e/ { proxy_pass http://$backend; }",
        "        location /f/ { proxy_set_header Host $host; proxy_pass http://app; }",
        "    }",
        "}",
      ),
    });
    assert.deepEqual(
      only(seen, "proxy-missing-host-header").map((s) => [s.at, s.data]),
      [
        ["nginx.conf:6", { proxyHost: "app" }],
        ["nginx.conf:7", { proxyHost: "127.0.0.1:8080" }],
        ["nginx.conf:8", { proxyHost: "localhost" }],
      ],
    );
  });

  it("Host set above counts, unless a block in between sets its own proxy_set_header", () => {
    const seen = check({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    proxy_set_header Host $host;",
        "    server {",
        "        listen 80;",
        "        location /a/ { proxy_pass http://backend; }",
        "        location /b/ {",
        "            proxy_set_header X-Real-IP $remote_addr;",
        "            location /b/c/ { proxy_pass http://backend; }",
        "        }",
        "    }",
        "}",
      ),
    });
    assert.deepEqual(
      seen.map((s) => [s.rule, s.at]),
      [
        ["proxy-set-header-redefinition", "nginx.conf:8"],
        ["proxy-missing-host-header", "nginx.conf:9"],
      ],
    );
  });
});

describe("header rules: where the peers' fixtures are wrong (test/rules/peer-differences.ts)", () => {
  const fixture = (rel: string): string => fs.readFileSync(path.join(SHARED_CORPUS, rel), "utf8");

  it("gixy-ng header_inherit_on_fp.conf: `add_header_inherit on` is nginx's default replacement", function () {
    if (!fs.existsSync(SHARED_CORPUS)) this.skip();
    const text = fixture("MegaManSec+gixy-ng/tests/plugins/simply/add_header_redefinition/header_inherit_on_fp.conf");
    const seen = check({ "site.conf": text }, "site.conf", { nginxVersion: "1.29.3" });
    assert.deepEqual(
      only(seen, "add-header-redefinition").map((s) => s.data?.dropped),
      [["X-Frame-Options", "X-Content-Type-Options"]],
    );
    // With merge, which is what the fixture means, nothing is dropped.
    const merged = check(
      { "site.conf": text.replace(/^(\s*)add_header_inherit on;/m, "$1add_header_inherit merge;") },
      "site.conf",
      {
        nginxVersion: "1.29.3",
      },
    );
    assert.deepEqual(only(merged, "add-header-redefinition"), []);
  });

  it("yandex not_secure_*_fp.conf: X-Bar is dropped all the same, reported as info", function () {
    if (!fs.existsSync(SHARED_CORPUS)) this.skip();
    for (const name of ["not_secure_both_fp.conf", "not_secure_outer_fp.conf"]) {
      const text = fixture(`yandex+gixy/tests/plugins/simply/add_header_redefinition/${name}`);
      assert.deepEqual(
        only(check({ "site.conf": text }, "site.conf"), "add-header-redefinition").map((s) => [
          s.severity,
          s.data?.dropped,
        ]),
        [["info", ["X-Bar"]]],
        name,
      );
    }
  });
});

describe("add-header-redefinition quick-fix", () => {
  const WS = "/srv/conf";

  it("repeats the dropped add_header statements above the block's first one, as written", () => {
    const source = new MemoryFileSource({
      [`${WS}/nginx.conf`]: lines(
        "events {}",
        "http {",
        "    server {",
        "        listen 80;",
        "        include snippets/security.conf;",
        "        location /api/ {",
        "            add_header X-Api yes;",
        "            location /api/v1/ { }",
        "        }",
        "    }",
        "}",
      ),
      [`${WS}/snippets/security.conf`]: SECURITY,
    });
    const a = analyseFixes(`${WS}/nginx.conf`, source, "add-header-redefinition");
    assert.equal(a.findings.length, 1);
    assert.equal(a.fixes.length, 1);
    const fix = a.fixes[0];
    assert.equal(fix.title, "Repeat the 2 add_header this block drops (X-Frame-Options, X-Content-Type-Options)");
    assert.equal(fix.isPreferred, false);
    assert.deepEqual(appliedTexts(a, fix, WS), {
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    server {",
        "        listen 80;",
        "        include snippets/security.conf;",
        "        location /api/ {",
        "            add_header X-Frame-Options DENY always;",
        "            add_header X-Content-Type-Options nosniff always;",
        "            add_header X-Api yes;",
        "            location /api/v1/ { }",
        "        }",
        "    }",
        "}",
      ),
    });
    assert.deepEqual(codesAfter(a, fix), []);
  });

  it("is not offered for a location file read in servers that drop different headers", () => {
    const source = new MemoryFileSource({
      [`${WS}/nginx.conf`]: lines(
        "events {}",
        "http {",
        "    server { listen 80; add_header X-Frame-Options DENY; include loc.conf; }",
        "    server { listen 81; add_header Strict-Transport-Security max-age=1; include loc.conf; }",
        "}",
      ),
      [`${WS}/loc.conf`]: lines("location / {", "    add_header X-Api yes;", "}"),
    });
    const a = analyseFixes(`${WS}/nginx.conf`, source, "add-header-redefinition");
    assert.equal(a.findings.length, 1);
    assert.deepEqual(a.fixes, []);
    // The same file under two servers that drop the same statement: offered, written into the shared file.
    source.set(
      `${WS}/nginx.conf`,
      lines(
        "events {}",
        "http {",
        "    add_header X-Frame-Options DENY;",
        "    server { listen 80; include loc.conf; }",
        "    server { listen 81; include loc.conf; }",
        "}",
      ),
    );
    const b = analyseFixes(`${WS}/nginx.conf`, source, "add-header-redefinition");
    assert.equal(b.fixes.length, 1);
    assert.deepEqual(appliedTexts(b, b.fixes[0], WS), {
      "loc.conf": lines("location / {", "    add_header X-Frame-Options DENY;", "    add_header X-Api yes;", "}"),
    });
    assert.deepEqual(codesAfter(b, b.fixes[0]), []);
  });
});
