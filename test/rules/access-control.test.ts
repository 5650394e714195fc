// The access-control and location rules of issue 15 (alias-traversal, allow-without-deny,
// return-with-allow-deny, if-is-evil, try-files-is-evil-too, filesystem-root-exposure, status-page-exposed,
// default-server-flag, root-in-location, unreachable-location, autoindex-enabled) on small workspaces
// checked as the CLI checks them, and the behaviours they rest on — and the peers' fixtures they disagree
// with (peer-differences.ts) — settled with the real nginx answering requests.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import type { Finding } from "../../server/src/rules/types";
import { freePort, get, runnableHead, runnableHttp, withNginx } from "../support/nginx-run";
import { nginxBinary } from "../support/shared";
import { analyseFixes, appliedTexts, codesAfter } from "../support/fixes";
import { lines, writeWorkspace } from "../support/workspace-files";
import { MemoryFileSource } from "../../server/src/workspace/files";

const RULES = new Set([
  "alias-traversal",
  "allow-without-deny",
  "return-with-allow-deny",
  "if-is-evil",
  "try-files-is-evil-too",
  "filesystem-root-exposure",
  "status-page-exposed",
  "default-server-flag",
  "root-in-location",
  "unreachable-location",
  "autoindex-enabled",
]);

const workspace = (files: Record<string, string>): string => writeWorkspace(files, "nginx-risk-access-");

/** `check FILE` on the workspace's `input`: this group's findings as `rule code file:line`. */
function check(files: Record<string, string>, input = "nginx.conf", rules: ReadonlySet<string> = RULES): string[] {
  const dir = workspace(files);
  try {
    return findings(dir, input, rules).map(
      (f) => `${f.ruleId} ${f.code} ${path.relative(dir, f.path)}:${f.range.start.line + 1}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function findings(dir: string, input: string, rules: ReadonlySet<string> = RULES): Finding[] {
  const result = runCheck({ inputs: [path.join(dir, input)], mappings: [], strict: false, nginxVersion: "1.22.1" });
  return result.findings.filter((f) => rules.has(f.ruleId));
}

const only = (id: string): Set<string> => new Set([id]);

describe("access control and location rules", function () {
  this.timeout(60_000);

  describe("with the real nginx: what the rules rest on", function () {
    let dir = "";
    let port = 0;
    /** Every answer, asked once with one nginx running (request → "status body"). */
    const answers = new Map<string, string>();
    const REQUESTS = [
      "/i../secret",
      "/i/a",
      "/j/-old/s",
      "/k-old/s",
      "/ok/../secret",
      "/rx../secret",
      "/ret",
      "/inh",
      "/plain",
      "/pub",
      "/a",
      "/t3",
      "/t3?x=1",
      "/break?post=140",
      "/x",
      "/y",
      "/sa",
      "/sb",
    ];

    before(async function () {
      if (!nginxBinary()) {
        if (process.env.CI) throw new Error("CI must install nginx");
        this.skip();
      }
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-access-run-"));
      const data = path.join(dir, "data");
      for (const d of ["w", "w-old"]) fs.mkdirSync(path.join(data, d), { recursive: true });
      fs.writeFileSync(path.join(data, "secret"), "SECRET");
      fs.writeFileSync(path.join(data, "w", "a"), "INSIDE");
      fs.writeFileSync(path.join(data, "w-old", "s"), "SIBLING");
      // The workers run as nobody when the tests run as root: the folders must be readable to them.
      for (const p of [dir, data, path.join(data, "w"), path.join(data, "w-old")]) fs.chmodSync(p, 0o755);
      port = await freePort();
      const conf = path.join(dir, "nginx.conf");
      fs.writeFileSync(conf, runnableConf(dir, data, port));
      await withNginx(dir, conf, port, async () => {
        for (const r of REQUESTS) {
          const res = await get(port, r);
          answers.set(r, `${res.status} ${res.status === 200 ? res.body.trim() : ""}`.trim());
        }
      });
    });

    after(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("alias after a location without '/': /i../secret reads the folder above the alias", () => {
      assert.equal(answers.get("/i/a"), "200 INSIDE");
      assert.equal(answers.get("/i../secret"), "200 SECRET");
      // The URI is normalised before matching: a `/../` segment never reaches the alias.
      assert.notEqual(answers.get("/ok/../secret"), "200 SECRET");
      // A regex capture that may start with "..", after a "/" in the alias.
      assert.equal(answers.get("/rx../secret"), "200 SECRET");
    });

    it("alias without '/' (location with or without it) reads sibling folders: gixy's not_slashed_alias_fp is one", () => {
      assert.equal(answers.get("/j/-old/s"), "200 SIBLING");
      assert.equal(answers.get("/k-old/s"), "200 SIBLING");
    });

    it("the rule reports exactly the locations nginx serves outside the alias", () => {
      const conf = runnableConf("/x", "/data", 8080);
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("alias-traversal")), [
        "alias-traversal traversal nginx.conf:19",
        "alias-traversal sibling-prefix nginx.conf:20",
        "alias-traversal sibling-prefix nginx.conf:21",
        "alias-traversal capture-traversal nginx.conf:23",
        // /a-x/… would read …/w/a-x/…
        "alias-traversal sibling-prefix nginx.conf:28",
      ]);
    });

    it("return answers before allow/deny, also where the deny is inherited from the server", () => {
      // The server allows 10.0.0.1 only: the test's 127.0.0.1 is denied where no return answers first.
      assert.equal(answers.get("/plain"), "403");
      assert.equal(answers.get("/ret"), "200 ret");
      assert.equal(answers.get("/inh"), "200 inherited");
      // `allow all` in the location: nothing is denied there, so nothing is bypassed (gixy reports it: the
      // return is under the server's allow/deny).
      assert.equal(answers.get("/pub"), "200 public");
      const conf = runnableConf("/x", "/data", 8080);
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("return-with-allow-deny")), [
        "return-with-allow-deny return nginx.conf:25",
        "return-with-allow-deny return nginx.conf:26",
        "return-with-allow-deny return nginx.conf:33",
      ]);
    });

    it("a named location's own list is checked after the redirect into it, and its return bypasses it", () => {
      assert.equal(answers.get("/y"), "403");
      assert.equal(answers.get("/x"), "200 own");
    });

    it("satisfy any: allow all lets a stranger read the status page without a password; an allow list does not", () => {
      assert.equal(answers.get("/sa")?.slice(0, 22), "200 Active connections");
      assert.equal(answers.get("/sb"), "401");
      // Listening on every address (the test's nginx listens on loopback only, which the rule leaves out).
      const conf = runnableConf("/x", "/data", 8080).replace("listen 127.0.0.1:8080;", "listen 8080;");
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("status-page-exposed")), [
        "status-page-exposed stub_status nginx.conf:36",
      ]);
    });

    it("a location's own allow replaces the server's list: without its own deny everyone gets in", () => {
      assert.equal(answers.get("/a"), "200 INSIDE");
      const conf = runnableConf("/x", "/data", 8080);
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("allow-without-deny")), [
        "allow-without-deny inherited-deny-replaced nginx.conf:28",
      ]);
    });

    it("an if that matches drops the location's try_files; a rewrite to http:// is a redirect even with break", () => {
      assert.equal(answers.get("/t3"), "200 fallback");
      assert.equal(answers.get("/t3?x=1"), "404");
      assert.equal(answers.get("/break?post=140"), "302");
      const conf = runnableConf("/x", "/data", 8080);
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("if-is-evil")), [
        "if-is-evil try-files-ignored nginx.conf:29",
      ]);
    });
  });

  describe("alias-traversal on regex locations", () => {
    it("reads what each capture can start with, and survives 100,000 nested groups", () => {
      const conf = lines(
        "http {",
        "  server {",
        "    location ~ ^/a/(.*)$ { alias /d/a/$1; }",
        "    location ~ ^/b(?<rest>[^.]*)$ { alias /d/b/$1; }",
        "    location ~* ^/c(\\.\\.|x)(.*)$ { alias /d/c/$1$2; }",
        "    location ~ ^/e(/.*)$ { alias /d/e$1; }",
        `    location ~ ^/f${"(".repeat(100_000)}x${")".repeat(100_000)} { alias /d/f/$1; }`,
        "  }",
        "}",
      );
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("alias-traversal")), [
        "alias-traversal capture-traversal nginx.conf:5",
        // Too deep to read: taken as able to start with anything.
        "alias-traversal capture-traversal nginx.conf:7",
      ]);
    });
  });

  describe("alias-traversal's fix", () => {
    it("adds the '/' an alias lacks under a location ending with '/', inside its quotes; nothing else is offered", () => {
      const WS = "/srv/conf";
      const source = new MemoryFileSource({
        [`${WS}/nginx.conf`]: lines(
          "http {",
          "  server {",
          "    location /j/ { alias /data/w; }",
          '    location /q/ { alias "/data/q"; }',
          "    location /i { alias /data/i/; }",
          "    location /k { alias /data/k; }",
          "  }",
          "}",
        ),
      });
      const a = analyseFixes(`${WS}/nginx.conf`, source, "alias-traversal");
      assert.deepEqual(
        a.findings.map((f) => f.code),
        ["sibling-prefix", "sibling-prefix", "traversal", "sibling-prefix"],
      );
      assert.equal(a.fixes.length, 2);
      assert.deepEqual(
        a.fixes.map((f) => appliedTexts(a, f, WS)["nginx.conf"].split("\n")[2 + a.fixes.indexOf(f)]),
        ["    location /j/ { alias /data/w/; }", '    location /q/ { alias "/data/q/"; }'],
      );
      for (const fix of a.fixes)
        assert.deepEqual(codesAfter(a, fix), ["sibling-prefix", "traversal", "sibling-prefix"]);
    });
  });

  describe("allow-without-deny's fix", () => {
    it("adds deny all after the last allow of the list, on its line's indentation or after it on a shared line", () => {
      const WS = "/srv/conf";
      const source = new MemoryFileSource({
        [`${WS}/nginx.conf`]: lines(
          "http {",
          "  server {",
          "    allow 10.0.0.0/8;",
          "    deny all;",
          "    location /a {",
          "        allow 192.0.2.1;",
          "        allow 192.0.2.2; # office",
          "    }",
          "    location /b { allow 192.0.2.3; }",
          "  }",
          "}",
        ),
      });
      const a = analyseFixes(`${WS}/nginx.conf`, source, "allow-without-deny");
      assert.deepEqual(
        a.findings.map((f) => f.code),
        ["inherited-deny-replaced", "inherited-deny-replaced"],
      );
      assert.deepEqual(
        a.fixes.map((f) => f.caution),
        [
          "clients the allow lines do not name are refused (403) here from now on",
          "clients the allow lines do not name are refused (403) here from now on",
        ],
      );
      const texts = a.fixes.map((f) => appliedTexts(a, f, WS)["nginx.conf"].split("\n").slice(4, 9).join("\n"));
      assert.deepEqual(texts, [
        [
          "    location /a {",
          "        allow 192.0.2.1;",
          "        allow 192.0.2.2; deny all; # office",
          "    }",
          "    location /b { allow 192.0.2.3; }",
        ].join("\n"),
        [
          "    location /a {",
          "        allow 192.0.2.1;",
          "        allow 192.0.2.2; # office",
          "    }",
          "    location /b { allow 192.0.2.3; deny all; }",
        ].join("\n"),
      ]);
      for (const fix of a.fixes) assert.deepEqual(codesAfter(a, fix), ["inherited-deny-replaced"]);
      // Alone on its line: a line of its own below, at the same indentation.
      const alone = analyseFixes(
        `${WS}/nginx.conf`,
        new MemoryFileSource({
          [`${WS}/nginx.conf`]: lines(
            "http {",
            "  server {",
            "    location / {",
            "      allow 192.0.2.1;",
            "    }",
            "  }",
            "}",
          ),
        }),
        "allow-without-deny",
      );
      assert.equal(alone.fixes.length, 1);
      assert.equal(
        appliedTexts(alone, alone.fixes[0], WS)["nginx.conf"],
        lines(
          "http {",
          "  server {",
          "    location / {",
          "      allow 192.0.2.1;",
          "      deny all;",
          "    }",
          "  }",
          "}",
        ),
      );
      assert.deepEqual(codesAfter(alone, alone.fixes[0]), []);
    });
  });

  describe("allow-without-deny", () => {
    it("fires on an allow list with no deny, and on one that replaces the server's", () => {
      const conf = lines(
        "http {",
        "  server {",
        "    allow 10.0.0.0/8;",
        "    deny all;",
        "    location /a { allow 192.0.2.1; }",
        "    location /b { }",
        "  }",
        "  server { location / { allow 192.0.2.1; allow 192.0.2.2; } }",
        "}",
      );
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("allow-without-deny")), [
        "allow-without-deny inherited-deny-replaced nginx.conf:5",
        "allow-without-deny no-deny nginx.conf:8",
      ]);
    });

    it("a deny in an included file counts; an allow-only snippet is judged where it is included (gixy: alone)", () => {
      const files = {
        "nginx.conf": lines("http {", "  include sites/*.conf;", "}"),
        "sites/a.conf": lines(
          "server {",
          "  location /admin {",
          "    include acl/allow.conf;",
          "    deny all;",
          "  }",
          "}",
        ),
        "acl/allow.conf": lines("allow 192.0.2.1;"),
      };
      assert.deepEqual(check(files), []);
      // Without the deny in the including location it fires, at the allow in the snippet.
      files["sites/a.conf"] = lines("server {", "  location /admin {", "    include acl/allow.conf;", "  }", "}");
      assert.deepEqual(check(files), ["allow-without-deny no-deny acl/allow.conf:1"]);
    });

    it("a snippet included in several blocks is reported once per position", () => {
      const files = {
        "nginx.conf": lines(
          "http {",
          "  server {",
          "    location /a { include acl.conf; }",
          "    location /b { include acl.conf; }",
          "    location /c { include acl.conf; deny all; }",
          "  }",
          "}",
        ),
        "acl.conf": lines("allow 192.0.2.1;", "root /srv/a;", "return 200 x;"),
      };
      assert.deepEqual(
        check(files, "nginx.conf", new Set(["allow-without-deny", "root-in-location", "return-with-allow-deny"])),
        [
          "allow-without-deny no-deny acl.conf:1",
          "root-in-location location acl.conf:2",
          // Only /c denies anyone: its copy of the return is the one that bypasses a deny.
          "return-with-allow-deny return acl.conf:3",
        ],
      );
    });

    it("satisfy any with authentication in effect (inherited) keeps strangers out", () => {
      const conf = lines(
        "http {",
        "  server {",
        "    satisfy any;",
        '    auth_basic "staff";',
        "    auth_basic_user_file htpasswd;",
        "    location / { allow 192.0.2.1; }",
        "  }",
        "}",
      );
      assert.deepEqual(check({ "nginx.conf": conf }), []);
      assert.deepEqual(check({ "nginx.conf": conf.replace("satisfy any;", "satisfy all;") }), [
        "allow-without-deny no-deny nginx.conf:6",
      ]);
    });

    it("allow all alone is no allow list", () => {
      assert.deepEqual(check({ "nginx.conf": lines("http { server { location / { allow all; } } }") }), []);
    });
  });

  describe("return-with-allow-deny", () => {
    it("not in named or internal locations, nor after rewrite … last, nor an error status; a server-level return bypasses its locations' lists", () => {
      const conf = lines(
        "http {",
        "  server {",
        "    location / { allow 10.0.0.1; deny all; try_files $uri @named; rewrite ^/old /new last; }",
        "    location @named { return 200 ok; }",
        "    location /int { internal; return 200 ok; }",
        "    location @own { allow 10.0.0.1; deny all; return 200 own; }",
        "    if ($bad) { return 403; }",
        "  }",
        "  server {",
        "    if ($http_x) { return 301 https://example.com$request_uri; }",
        "    location /admin { allow 10.0.0.1; deny all; rewrite ^ https://example.com/ permanent; }",
        "  }",
        "}",
      );
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("return-with-allow-deny")), [
        // A named location's own list is checked after the redirect into it, and bypassed by its return.
        "return-with-allow-deny return nginx.conf:6",
        "return-with-allow-deny return nginx.conf:10",
        "return-with-allow-deny rewrite nginx.conf:11",
      ]);
    });
  });

  describe("status-page-exposed", () => {
    it("judges the allow/deny list in effect: a server's list covers its status location (Gixy-Next looks at the location only)", () => {
      const conf = lines(
        "http {",
        "  server { listen 80; allow 10.0.0.0/8; deny all; location /status { stub_status; } }",
        "  server { listen 8080; location /status { stub_status; } }",
        "  server { listen 127.0.0.1:8081; location /status { stub_status; } }",
        "  server { listen 8082; location /status { auth_basic on; auth_basic_user_file u; stub_status; } }",
        "  server { listen 8083; location /status { allow 10.0.0.1; stub_status; } }",
        "  server { listen 8084; location /status { allow all; deny all; stub_status; } }",
        "  server { listen 8085; location /status { internal; stub_status; } }",
        "  server { listen 8086; satisfy any; auth_basic on; auth_basic_user_file u;",
        "           location /status { allow 10.0.0.1; deny all; stub_status; } }",
        "  server { listen 8087; satisfy any; auth_basic on; auth_basic_user_file u;",
        "           location /status { allow all; stub_status; } }",
        "  server { listen 8088; location /status { deny 192.0.2.1; stub_status; } }",
        "}",
      );
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("status-page-exposed")), [
        "status-page-exposed stub_status nginx.conf:3",
        "status-page-exposed stub_status nginx.conf:6",
        // `allow all` decides before `deny all`; under satisfy any, `allow all` grants without a password;
        // a deny of one address lets every other in.
        "status-page-exposed stub_status nginx.conf:7",
        "status-page-exposed stub_status nginx.conf:12",
        "status-page-exposed stub_status nginx.conf:13",
      ]);
    });
  });

  describe("try-files-is-evil-too", () => {
    it("reads the open_file_cache in effect: one in nginx.conf's http block covers an included site's location", () => {
      const files = {
        "nginx.conf": lines("http {", "  open_file_cache max=1000 inactive=20s;", "  include sites/*.conf;", "}"),
        "sites/a.conf": lines("server {", "  location / { try_files $uri $uri/ /index.php; }", "}"),
        "sites/b.conf": lines(
          "server {",
          "  open_file_cache off;",
          "  location / { try_files $uri =404; }",
          '  location /x { try_files "" @named; }',
          "  location @named { return 204; }",
          "}",
        ),
      };
      assert.deepEqual(check(files, "nginx.conf", only("try-files-is-evil-too")), [
        "try-files-is-evil-too cache-off sites/b.conf:3",
      ]);
      // The site alone (as gixy reads a file): no cache anywhere.
      assert.deepEqual(check(files, "sites/a.conf", only("try-files-is-evil-too")), [
        "try-files-is-evil-too no-cache sites/a.conf:2",
      ]);
    });
  });

  describe("default-server-flag", () => {
    it("names the server nginx reads first across included files; one default_server settles it", () => {
      const files = {
        "nginx.conf": lines("http {", "  include sites/*.conf;", "}"),
        "sites/b.conf": lines("server { listen 80; server_name b.test; }"),
        "sites/a.conf": lines("server { listen 0.0.0.0:80; server_name a.test; }"),
        "sites/c.conf": lines("server { listen 8080; server_name c.test; }"),
      };
      const dir = workspace(files);
      try {
        const f = findings(dir, "nginx.conf", only("default-server-flag"));
        assert.deepEqual(
          f.map((x) => `${x.code} ${path.relative(dir, x.path)}:${x.range.start.line + 1}`),
          ["no-default sites/a.conf:1"],
        );
        assert.match(f[0].message, /2 servers listen on \*:80/);
        assert.match(f[0].message, /"server a\.test"/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      // Two servers on two sockets each: one finding, both sockets named.
      const dual = lines(
        "http {",
        "  server { listen 443 ssl; listen [::]:443 ssl; server_name a.test; }",
        "  server { listen 443 ssl; listen [::]:443 ssl; server_name b.test; }",
        "}",
      );
      const dir2 = workspace({ "nginx.conf": dual });
      try {
        const f = findings(dir2, "nginx.conf", only("default-server-flag"));
        assert.deepEqual(
          f.map((x) => x.data),
          [{ sockets: ["*:443", "[::]:443"], servers: 2 }],
        );
      } finally {
        fs.rmSync(dir2, { recursive: true, force: true });
      }
      files["sites/b.conf"] = lines("server { listen 80 default_server; server_name b.test; }");
      assert.deepEqual(check(files, "nginx.conf", only("default-server-flag")), []);
    });
  });

  describe("filesystem-root-exposure", () => {
    it("root or a prefix location's alias that is / once normalised", () => {
      const conf = lines(
        "http {",
        "  server {",
        "    root /var/..;",
        "    location /files/ { alias //; }",
        "    location ~ ^/x { alias /; }",
        "    location /y/ { alias /.; }",
        "    location /z { root /$host; }",
        "    location /w { root /srv/www; }",
        "  }",
        "}",
      );
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("filesystem-root-exposure")), [
        "filesystem-root-exposure root nginx.conf:3",
        "filesystem-root-exposure alias nginx.conf:4",
      ]);
    });
  });

  describe("unreachable-location", () => {
    it("a regex after a broader one, a regex under a ^~ prefix, the same regex twice", () => {
      const conf = lines(
        "http {",
        "  server {",
        "    location ~ /api { }",
        "    location ~ ^/api/v1 { }",
        "    location ^~ /static/ { }",
        "    location ~ ^/static/.*\\.css$ { }",
        "    location ~* \\.(png|jpg)$ { }",
        "    location ~* \\.(png|jpg)$ { }",
        "    location ~ ^/dl/ { }",
        "    location ~* ^/DL/x { }",
        "  }",
        "}",
      );
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("unreachable-location")), [
        "unreachable-location regex-order nginx.conf:4",
        "unreachable-location prefix-stop nginx.conf:6",
        "unreachable-location duplicate-regex nginx.conf:8",
      ]);
    });

    it("a longer plain prefix under the ^~ path lets regexes be tried; the specific regex first is fine", () => {
      const conf = lines(
        "http {",
        "  server {",
        "    location ~ ^/api/v1 { }",
        "    location ~ /api { }",
        "    location ^~ /static/ { }",
        "    location /static/special/ { }",
        "    location ~ ^/static/.*\\.css$ { }",
        "  }",
        "}",
      );
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("unreachable-location")), []);
    });
  });

  describe("if-is-evil, root-in-location, autoindex-enabled", () => {
    it("an if in a location that does more than end the request; not in a server", () => {
      const conf = lines(
        "http {",
        "  server {",
        "    if ($http_x) { set $y 1; }",
        "    location / {",
        "      if ($arg_a) { add_header X-A 1; }",
        "      if ($arg_b) { return 403; }",
        "      if ($arg_c) { rewrite ^ /c last; }",
        "      if ($arg_d) { set $d 1; break; }",
        "      if ($arg_e) { rewrite ^ /e break; }",
        "    }",
        "  }",
        "}",
      );
      assert.deepEqual(check({ "nginx.conf": conf }, "nginx.conf", only("if-is-evil")), [
        "if-is-evil unsafe-directive nginx.conf:5",
        "if-is-evil unsafe-directive nginx.conf:9",
      ]);
    });

    it("root in a location (and in an included location snippet); autoindex on inside http", () => {
      const files = {
        "nginx.conf": lines(
          "http {",
          "  autoindex on;",
          "  server {",
          "    root /srv/www;",
          "    location / { include snippets/files.conf; }",
          "    location /x { autoindex off; }",
          "  }",
          "}",
        ),
        "snippets/files.conf": lines("root /srv/files;", "autoindex On;"),
      };
      assert.deepEqual(check(files), [
        "autoindex-enabled on nginx.conf:2",
        "root-in-location location snippets/files.conf:1",
        "autoindex-enabled on snippets/files.conf:2",
      ]);
    });
  });
});

/**
 * One server for the behaviours the rules rest on: prefix and regex aliases, return under allow/deny, an
 * allow list that replaces the server's, an if that drops try_files. Line numbers are the tests'.
 */
function runnableConf(dir: string, data: string, port: number): string {
  return lines(
    ...runnableHead(dir),
    "events {}",
    "http {",
    ...runnableHttp(dir),
    "  server {",
    `    listen 127.0.0.1:${port};`,
    `    root ${data};`,
    "    allow 10.0.0.1;",
    "    deny all;",
    `    location /i { allow all; alias ${data}/w/; }`,
    `    location /j/ { allow all; alias ${data}/w; }`,
    `    location /k { allow all; alias ${data}/w; }`,
    `    location /ok/ { allow all; alias ${data}/w/; }`,
    `    location ~ ^/rx(.*)$ { allow all; alias ${data}/w/$1; }`,
    "    location /plain { }",
    '    location /ret { allow 10.0.0.2; deny all; return 200 "ret"; }',
    '    location /inh { return 200 "inherited"; }',
    '    location /pub { allow all; return 200 "public"; }',
    `    location /a { allow 10.0.0.2; alias ${data}/w/a; }`,
    "    location /t3 { allow all; try_files /none @fb; if ($arg_x) { set $y 1; } }",
    '    location @fb { return 200 "fallback"; }',
    '    location /break { allow all; if ($args ~ post=140) { rewrite ^ http://example.com/ break; } return 200 "no"; }',
    '    location /x { allow all; try_files "" @own; }',
    '    location @own { allow 10.0.0.2; deny all; return 200 "own"; }',
    '    location /y { allow all; try_files "" @own2; }',
    "    location @own2 { allow 10.0.0.2; deny all; }",
    `    location /sa { satisfy any; auth_basic "x"; auth_basic_user_file ${dir}/none; allow all; stub_status; }`,
    `    location /sb { satisfy any; auth_basic "x"; auth_basic_user_file ${dir}/none; allow 10.0.0.2; stub_status; }`,
    "  }",
    "}",
  );
}
