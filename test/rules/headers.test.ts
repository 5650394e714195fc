// The header rules of issue 15 over real files: add-header-redefinition, proxy-set-header-redefinition,
// directive-inheritance (the inheritance of nginx's array directives, rules/inheritance.ts),
// add-header-multiline, add-header-content-type, host-spoofing and proxy-missing-host-header. Each case is a
// small workspace on disk checked as the CLI checks it (`check FILE`: includes followed, a snippet in its
// guessed context); the real nginx settles what it sends where behaviour decides.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import type { Finding } from "../../server/src/rules/types";
import { freePort, runnableHead, runnableHttp, withNginx } from "../support/nginx-run";
import { nginxBinary } from "../support/shared";

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

function lines(...l: string[]): string {
  return l.join("\n") + "\n";
}

/** The findings of this group's rules for `check <entry>` over `files` written in a fresh folder. */
function check(
  files: Record<string, string>,
  entry = "nginx.conf",
  extra: { nginxVersion?: string; ruleConfig?: Record<string, Record<string, unknown>> } = {},
): Seen[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-headers-"));
  try {
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    const r = runCheck({
      inputs: [path.join(dir, entry)],
      mappings: [],
      strict: false,
      nginxVersion: extra.nginxVersion ?? "1.22.1",
      ...(extra.ruleConfig ? { ruleConfig: extra.ruleConfig } : {}),
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
        ["site.conf:7", ["502", "503", "504"]],
        ["site.conf:9", ["X-Powered-By"]],
        ["site.conf:12", ["one"]],
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
