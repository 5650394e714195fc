// The issue 15 rules about regexes and maps — unanchored-regex, invalid-regex, hash-without-default,
// overlapping-captures, unnamed-groups, map-unnamed-capture, mixed-case-variable — on small workspaces written
// to a temporary folder and checked as the CLI checks them (includes, fragments in their guessed context),
// and, where the peers and this product differ on what nginx does, on a running nginx 1.22.1.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { isVersion } from "../../server/src/cost/versions";
import { beforeFix, captureRefs } from "../../server/src/rules/captures";
import type { Finding } from "../../server/src/rules/types";
import { freePort, get, runnableHead, runnableHttp, withNginx } from "../support/nginx-run";
import { nginxBinary } from "../support/shared";
import { lines, writeWorkspace } from "../support/workspace-files";

let tmpRoot: string;

/** Writes `files` (relative paths) to a new folder and checks its first file as `nginx-risk check FILE` does. */
function check(files: Record<string, string>, nginxVersion?: string): { dir: string; findings: Finding[] } {
  const dir = writeWorkspace(files, "case-", tmpRoot);
  const first = path.join(dir, Object.keys(files)[0]);
  const result = runCheck({ inputs: [first], mappings: [], strict: false, ...(nginxVersion ? { nginxVersion } : {}) });
  return { dir, findings: result.findings };
}

/** The findings of rule `id` as `file:line code` (1-based lines), in order. */
function of(id: string, files: Record<string, string>, nginxVersion?: string): string[] {
  const { dir, findings } = check(files, nginxVersion);
  return findings
    .filter((f) => f.ruleId === id)
    .map((f) => `${path.relative(dir, f.path)}:${f.range.start.line + 1} ${f.code}`);
}

before(() => {
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "regex-maps-"));
});
after(() => {
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

describe("unanchored-regex", () => {
  it("fires on a regex location ending with an extension and no $", () => {
    const files = (re: string): Record<string, string> => ({
      "site.conf": lines("server {", "    listen 80;", `    location ~ ${re} {`, "        return 204;", "    }", "}"),
    });
    assert.deepEqual(of("unanchored-regex", files("\\.php")), ["site.conf:3 extension-without-end-anchor"]);
    assert.deepEqual(of("unanchored-regex", files("\\.(php|phtml)")), ["site.conf:3 extension-without-end-anchor"]);
    assert.deepEqual(of("unanchored-regex", files("^/img/.*\\.png|\\.jpg$")), [
      "site.conf:3 extension-without-end-anchor",
    ]);
    for (const quiet of [
      "\\.php$",
      "\\.(php|phtml)$",
      "\\.php\\z",
      "\\.php(/|$)",
      "^/api/",
      "[.]php$",
      "\\.php$|\\.inc$",
    ])
      assert.deepEqual(of("unanchored-regex", files(quiet)), [], quiet);
  });

  it("a location that refuses what it matches is left alone: /\\.ht means .htaccess and .htpasswd", () => {
    const loc = (body: string): Record<string, string> => ({
      "s.conf": lines("server {", `    location ~ /\\.ht { ${body} }`, "}"),
    });
    assert.deepEqual(of("unanchored-regex", loc("deny all;")), []);
    assert.deepEqual(of("unanchored-regex", loc("return 404;")), []);
    assert.deepEqual(of("unanchored-regex", loc("deny 10.0.0.1; root /srv;")), [
      "s.conf:2 extension-without-end-anchor",
    ]);
  });

  it("reads the regex nginx holds: a quoted pattern, ~*, and a location in an included file", () => {
    const { dir, findings } = check({
      "nginx.conf": lines("events {}", "http {", "    include sites/*.conf;", "}"),
      "sites/a.conf": lines("server {", '    location ~* "\\.PHP" { return 204; }', "}"),
    });
    const f = findings.filter((x) => x.ruleId === "unanchored-regex");
    assert.deepEqual(
      f.map((x) => `${path.relative(dir, x.path)}:${x.range.start.line + 1}`),
      ["sites/a.conf:2"],
    );
    assert.match(f[0].message, /"\/a\.PHP\.jpg"/);
  });
});

describe("invalid-regex", () => {
  it("a rewrite's replacement past its regex's captures; $10 is $1 and a 0", () => {
    const site = (r: string): Record<string, string> => ({
      "s.conf": lines("server {", "    location / {", `        ${r}`, "    }", "}"),
    });
    assert.deepEqual(of("invalid-regex", site('rewrite "^/(.*)$" /$1/$2 break;')), ["s.conf:3 rewrite-group"]);
    assert.deepEqual(of("invalid-regex", site('rewrite "(?i)/" $1 break;')), ["s.conf:3 rewrite-group"]);
    assert.deepEqual(of("invalid-regex", site("rewrite ^/(?<rest>.*)$ /$1 break;")), []);
    assert.deepEqual(of("invalid-regex", site("rewrite ^/(.*)$ /$10 break;")), []);
    assert.deepEqual(of("invalid-regex", site("rewrite ^/(a)|(b)$ /$2 break;")), []);
    // a regex PCRE2 refuses is rule regex's, not this one's
    assert.deepEqual(of("invalid-regex", site("rewrite ^/(.*$ /$2 break;")), []);
  });

  it("set and return in an if block: the condition's captures, up to a rewrite; !~ never sets them", () => {
    const loc = (...body: string[]): Record<string, string> => ({
      "s.conf": lines("server {", "    location / {", ...body.map((b) => `        ${b}`), "    }", "}"),
    });
    assert.deepEqual(of("invalid-regex", loc('if ($uri ~ "^/path") {', "    set $x $1;", "}")), ["s.conf:4 if-group"]);
    assert.deepEqual(of("invalid-regex", loc('if ($uri ~ "^/(p)ath") {', "    return 200 $1$2;", "}")), [
      "s.conf:4 if-group",
    ]);
    assert.deepEqual(
      of("invalid-regex", loc('if ($uri ~ "^/path") {', "    rewrite ^/(.*)$ /x;", "    set $x $1;", "}")),
      [],
    );
    assert.deepEqual(of("invalid-regex", loc('if ($uri !~ "^/(p)ath") {', "    set $x $1;", "}")), [
      "s.conf:4 negative-match",
    ]);
  });

  it("the statements of a regex location read its captures (gixy does not look there)", () => {
    const loc = (...body: string[]): Record<string, string> => ({
      "s.conf": lines("server {", "    location ~ ^/a/(.*)$ {", ...body.map((b) => `        ${b}`), "    }", "}"),
    });
    assert.deepEqual(of("invalid-regex", loc("proxy_pass http://127.0.0.1:8080/$2;")), ["s.conf:3 location-group"]);
    assert.deepEqual(of("invalid-regex", loc("proxy_pass http://127.0.0.1:8080/$1;")), []);
    assert.deepEqual(of("invalid-regex", loc("return 301 /b/$1$2;")), ["s.conf:3 location-group"]);
    // a rewrite in the location may replace the captures: the content phase is not judged, and set after it neither
    assert.deepEqual(
      of("invalid-regex", loc("set $x $2;", "rewrite ^/a/(x)(y)$ /b;", "set $y $2;", "proxy_pass http://h/$2;")),
      ["s.conf:3 location-group"],
    );
  });

  it("what nginx does with $N past the captures, $10 and $1 in a !~ block (nginx 1.22.1)", async function () {
    if (!nginxBinary()) this.skip();
    this.timeout(40_000);
    const dir = fs.mkdtempSync(path.join(tmpRoot, "run-"));
    const port = await freePort();
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
        "        location = / { return 204; }",
        '        location /t/ { if ($uri ~ "^/t/(.*)$") { return 200 "[$1][$2]"; } }',
        '        location /u/ { if ($uri ~ "^/u/(.*)$") { return 200 "[$10]"; } }',
        '        location ~ ^/n/(.*)$ { if ($uri !~ "zz(z)") { return 200 "[$1]"; } }',
        '        location ~ ^/l/(.*)$ { return 200 "[$1][$2]"; }',
        '        location ~ ^/r/(.*)$ { rewrite "(?i)/r/" /got/$1; }',
        '        location /search { if ($args ~ "^q=([^&]+)$") { rewrite ^ /got/$1?; } }',
        '        location /got/ { return 200 "[$uri]"; }',
        "    }",
        "}",
      ),
    );
    await withNginx(dir, conf, port, async () => {
      assert.equal((await get(port, "/t/abc")).body, "[abc][]");
      assert.equal((await get(port, "/u/abc")).body, "[abc0]");
      // the block runs because zz(z) did not match, and a regex that does not match empties the captures
      // (r->ncaptures = 0): not the location's "abc", as Gixy-Next's message supposes
      assert.equal((await get(port, "/n/abc")).body, "[]");
      assert.equal((await get(port, "/l/abc")).body, "[abc][]");
      // a regex without groups that matches empties $1..$9 (r->ncaptures = rc * 2 = 2): neither the location's
      // capture nor the if's reaches the rewrite — the common `if ($args ~ "q=(…)") { rewrite ^ /x/$1?; }`
      // idiom loses its value
      assert.equal((await get(port, "/r/abc")).body, "[/got/]");
      assert.equal((await get(port, "/search?q=abc")).body, "[/got/]");
    });
    // and the product says so on the same file, but for $10
    const { findings } = check({ "nginx.conf": fs.readFileSync(conf, "utf8") });
    assert.deepEqual(
      findings
        .filter((f) => f.ruleId === "invalid-regex")
        .map((f) => `${f.range.start.line + 1} ${f.code}`)
        .sort(),
      ["17 if-group", "19 negative-match", "20 location-group", "21 rewrite-group", "22 rewrite-group"].sort(),
    );
  });

  it("reads $1..$9 as nginx does", () => {
    assert.deepEqual(
      captureRefs("/$1/$10/${1}/$a1/$9x/$0").map((r) => r.n),
      [1, 1, 9],
    );
  });
});

describe("the group's rules on fragments and files included twice", () => {
  it("a bare location file is judged in its guessed context; a file included by two servers is reported once", () => {
    assert.deepEqual(
      of("invalid-regex", { "loc.conf": lines("location ~ ^/a/(.*)$ {", "    proxy_pass http://b/$2;", "}") }),
      ["loc.conf:2 location-group"],
    );
    const files = {
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    server { listen 8081; include php.conf; }",
        "    server { listen 8082; include php.conf; }",
        "}",
      ),
      "php.conf": lines(
        "location ~ \\.php {",
        '    rewrite "^/(.*)$" /$2;',
        "    fastcgi_pass unix:/run/php.sock;",
        "}",
      ),
    };
    assert.deepEqual(of("unanchored-regex", files), ["php.conf:1 extension-without-end-anchor"]);
    assert.deepEqual(of("invalid-regex", files), ["php.conf:2 rewrite-group"]);
  });
});

describe("hash-without-default", () => {
  it("a map of two entries or a geo without default; one entry, a default, or default from an include are quiet", () => {
    const http = (...body: string[]): Record<string, string> => ({
      "h.conf": lines("http {", ...body.map((b) => `    ${b}`), "}"),
    });
    assert.deepEqual(of("hash-without-default", http("map $host $m { a.com 1; b.com 2; }")), [
      "h.conf:2 map-without-default",
    ]);
    assert.deepEqual(of("hash-without-default", http("geo $g { 10.0.0.0/8 1; }")), ["h.conf:2 geo-without-default"]);
    // one entry: "this value, else empty" on purpose (gixy-ng, Gixy-Next; the older MegaManSec/gixy fixture
    // map_no_default.conf fires on it: peer-differences.ts)
    assert.deepEqual(of("hash-without-default", http("map $request_method $k { POST $binary_remote_addr; }")), []);
    assert.deepEqual(of("hash-without-default", http("map $host $hostmap { example.com value; }")), []);
    assert.deepEqual(of("hash-without-default", http("map $host $m { a.com 1; b.com 2; default 0; }")), []);
    assert.deepEqual(of("hash-without-default", http("geo $g { default 0; 10.0.0.0/8 1; }")), []);
    // what default is to nginx: 0.0.0.0/0 and ::/0 (ranges: the whole IPv4 range); IPv4 alone leaves IPv6 empty
    assert.deepEqual(of("hash-without-default", http("geo $g { 0.0.0.0/0 0; ::/0 0; 10.0.0.0/8 1; }")), []);
    assert.deepEqual(of("hash-without-default", http("geo $g { ranges; 0.0.0.0-255.255.255.255 0; }")), []);
    assert.deepEqual(of("hash-without-default", http("geo $g { 0.0.0.0/0 0; 10.0.0.0/8 1; }")), [
      "h.conf:2 geo-without-default",
    ]);
    assert.deepEqual(
      of("hash-without-default", {
        "nginx.conf": lines(
          "events {}",
          "http {",
          "    map $host $m {",
          "        include maps/hosts.map;",
          "    }",
          "}",
        ),
        "maps/hosts.map": lines("a.com 1;", "b.com 2;", "default 0;"),
      }),
      [],
    );
    assert.deepEqual(
      of("hash-without-default", {
        "nginx.conf": lines(
          "events {}",
          "http {",
          "    map $host $m {",
          "        include maps/hosts.map;",
          "    }",
          "}",
        ),
        "maps/hosts.map": lines("a.com 1;", "b.com 2;"),
      }),
      ["nginx.conf:3 map-without-default"],
    );
    // an include that could not be read: the entries are not known
    assert.deepEqual(
      of(
        "hash-without-default",
        http("map $host $m {", "    a.com 1;", "    b.com 2;", "    include /nonexistent/hosts.map;", "}"),
      ),
      [],
    );
  });

  it("a variable read only where empty turns the thing off keeps its empty default on purpose (h5bp's CORS map)", () => {
    const cors = (...use: string[]): Record<string, string> => ({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    map $sent_http_content_type $cors {",
        '        ~*image/ "*";',
        '        ~*font/  "*";',
        "    }",
        "    server {",
        "        listen 80;",
        ...use.map((u) => `        ${u}`),
        "    }",
        "}",
      ),
    });
    assert.deepEqual(of("hash-without-default", cors("add_header Access-Control-Allow-Origin $cors;")), []);
    assert.deepEqual(
      of(
        "hash-without-default",
        cors("add_header Access-Control-Allow-Origin $cors;", "proxy_set_header X-Cors ${cors};"),
      ),
      [],
    );
    // read elsewhere too, or inside a longer value: reported
    assert.deepEqual(of("hash-without-default", cors("add_header A $cors;", "set $x $cors;")), [
      "nginx.conf:3 map-without-default",
    ]);
    assert.deepEqual(of("hash-without-default", cors('add_header A "origin $cors";')), [
      "nginx.conf:3 map-without-default",
    ]);
    // the redirect map: `if ($new)` and what it guards read it where empty means "do not"
    assert.deepEqual(of("hash-without-default", cors("if ($cors) {", "    return 301 $cors;", "}")), []);
    assert.deepEqual(of("hash-without-default", cors("if ( $cors ) { return 301 $cors; }", "return 302 /x$cors;")), [
      "nginx.conf:3 map-without-default",
    ]);
    // read nowhere: reported (nothing says the empty value is meant)
    assert.deepEqual(of("hash-without-default", cors()), ["nginx.conf:3 map-without-default"]);
  });

  it("nginx 1.22.1 sends no header for an empty add_header value: the empty default is what the CORS map means", async function () {
    if (!nginxBinary()) this.skip();
    this.timeout(40_000);
    const dir = fs.mkdtempSync(path.join(tmpRoot, "run-"));
    const port = await freePort();
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(
      conf,
      lines(
        ...runnableHead(dir),
        "events {}",
        "http {",
        ...runnableHttp(dir),
        '    map $arg_t $cors { img "*"; font "*"; }',
        "    server {",
        `        listen 127.0.0.1:${port};`,
        '        location / { add_header X-Cors $cors; return 200 "ok"; }',
        "    }",
        "}",
      ),
    );
    const header = (p: string): Promise<string | undefined> =>
      new Promise((resolve, reject) => {
        http
          .get({ host: "127.0.0.1", port, path: p }, (res) => {
            res.resume();
            resolve(res.headers["x-cors"] as string | undefined);
          })
          .on("error", reject);
      });
    await withNginx(dir, conf, port, async () => {
      assert.equal(await header("/?t=img"), "*");
      assert.equal(await header("/?t=other"), undefined);
    });
    assert.deepEqual(of("hash-without-default", { "nginx.conf": fs.readFileSync(conf, "utf8") }), []);
  });

  it("stream maps too", () => {
    assert.deepEqual(
      of("hash-without-default", {
        "s.conf": lines("stream {", "    map $ssl_preread_server_name $b { a.com x; b.com y; }", "}"),
      }),
      ["s.conf:2 map-without-default"],
    );
  });
});

describe("map-unnamed-capture", () => {
  const conf = (key: string, stream = false): Record<string, string> => ({
    "m.conf": lines(
      `${stream ? "stream" : "http"} {`,
      "    map $host $b {",
      "        default x;",
      `        ${key} $1;`,
      "    }",
      "}",
    ),
  });
  it("fires on an http map key regex with an unnamed group, not a named or non-capturing one, not in stream", () => {
    assert.deepEqual(of("map-unnamed-capture", conf("~^(.+)\\.example\\.com$")), ["m.conf:4 unnamed-capture"]);
    assert.deepEqual(of("map-unnamed-capture", conf("~*(bot|crawler)")), ["m.conf:4 unnamed-capture"]);
    assert.deepEqual(of("map-unnamed-capture", conf("~^(?<sub>.+)\\.example\\.com$")), []);
    assert.deepEqual(of("map-unnamed-capture", conf("~*(?:bot|crawler)")), []);
    assert.deepEqual(of("map-unnamed-capture", conf("~^a\\(b\\)")), []);
    assert.deepEqual(of("map-unnamed-capture", conf("~^(.+)\\.internal$", true)), []);
  });
  it("through an include, and only on the affected releases", () => {
    const files = {
      "nginx.conf": lines("events {}", "http {", "    map $uri $svc {", "        include svc.map;", "    }", "}"),
      "svc.map": lines("default none;", "~^/svc/(.*)$ $1;"),
    };
    assert.deepEqual(of("map-unnamed-capture", files), ["svc.map:2 unnamed-capture"]);
    for (const [v, fires] of [
      ["1.9.7", false],
      ["1.9.8", true],
      ["1.22.1", true],
      ["1.30.3", true],
      ["1.30.4", false],
      ["1.31.2", true],
      ["1.31.3", false],
    ] as const)
      assert.equal(of("map-unnamed-capture", files, v).length, fires ? 1 : 0, v);
  });
});

describe("overlapping-captures", () => {
  const loc = (rewrite: string): Record<string, string> => ({
    "s.conf": lines("server {", "    location / {", `        ${rewrite}`, "        return 200 foo;", "    }", "}"),
  });
  it("fires on nginx's two cases (commit 3f135ae2e) and not on their safe neighbours", () => {
    assert.deepEqual(of("overlapping-captures", loc("rewrite ^/((.*))$ http://127.0.0.1:8080/$1$2 redirect;")), [
      "s.conf:3 nested-captures-escaped",
    ]);
    assert.deepEqual(of("overlapping-captures", loc("rewrite ^/((.*))$ http://127.0.0.1:8080/?$1$2;")), [
      "s.conf:3 nested-captures-escaped",
    ]);
    assert.deepEqual(of("overlapping-captures", loc("rewrite ^/(?<all>(.*))$ /x?a=$1&b=$2;")), [
      "s.conf:3 nested-captures-escaped",
    ]);
    for (const quiet of [
      "rewrite ^/((.*))$ /x/$1$2;", // not escaped: no redirect, no arguments
      "rewrite ^/((.*))$ /x/$1$2?;", // a last ? only drops the arguments
      "rewrite ^/(.*)/(.*)$ http://h/$1$2 redirect;", // siblings, not nested
      "rewrite ^/((.*))$ http://h/$1$2$1 redirect;", // a capture read twice: lengths per code
      "rewrite ^/((.*))$ http://$host/$1$2 redirect;", // a variable: lengths per code
      "rewrite ^/((.*))$ /x?a=$1$2 redirect;".replace("$1$2", "$1"), // one capture
    ])
      assert.deepEqual(of("overlapping-captures", loc(quiet)), [], quiet);
  });
  it("only on releases before the fix (1.30.2, 1.31.1)", () => {
    const files = loc("rewrite ^/((.*))$ http://127.0.0.1:8080/$1$2 redirect;");
    for (const [v, fires] of [
      ["1.30.1", true],
      ["1.30.2", false],
      ["1.31.0", true],
      ["1.31.1", false],
    ] as const)
      assert.equal(of("overlapping-captures", files, v).length, fires ? 1 : 0, v);
  });
});

describe("unnamed-groups", () => {
  const loc = (...body: string[]): Record<string, string> => ({
    "s.conf": lines("server {", "    location / {", ...body.map((b) => `        ${b}`), "    }", "}"),
  });
  it("fires on nginx's case (commit 524977e7c): a rewrite with arguments, then set $x $1", () => {
    const { dir, findings } = check(loc("rewrite ^(.*) /new?c=1;", "set $myvar $1;", "return 200 $myvar;"));
    const f = findings.filter((x) => x.ruleId === "unnamed-groups");
    assert.deepEqual(
      f.map((x) => `${path.relative(dir, x.path)}:${x.range.start.line + 1} ${x.code}`),
      ["s.conf:3 args-then-capture"],
    );
    assert.equal(f[0].related?.[0].range.start.line, 3);
  });
  it("an if's directives share the code: a rewrite inside an if reaches a set after it, and if operands read too", () => {
    assert.deepEqual(of("unnamed-groups", loc("if ($arg_a) {", "    rewrite ^(.*) /n?c=1;", "}", "set $v $1;")), [
      "s.conf:4 args-then-capture",
    ]);
    assert.deepEqual(of("unnamed-groups", loc("rewrite ^(.*) /n?c=1;", "if ($arg_x = $1) { return 204; }")), [
      "s.conf:3 args-then-capture",
    ]);
    assert.deepEqual(of("unnamed-groups", loc("rewrite ^(.*) /n?c=1;", "if (-f /srv/$1) { return 204; }")), [
      "s.conf:3 args-then-capture",
    ]);
    // a later rewrite's replacement too (nginx-lint's nginx_rift; Gixy-Next does not look at it)
    assert.deepEqual(of("unnamed-groups", loc("rewrite ^/a(.*) /n?c=1;", "rewrite ^/n(.*) /m/$1 break;")), [
      "s.conf:3 args-then-capture",
    ]);
  });
  it("quiet where the code ends or nothing escapes", () => {
    for (const body of [
      ["rewrite ^(.*) /new?c=1 last;", "set $v $1;"],
      ["rewrite ^(.*) /new?c=1 break;", "set $v $1;"],
      ["rewrite ^(.*) http://h/new?c=1;", "set $v $1;"],
      ["rewrite ^(.*) /new?;", "set $v $1;"],
      ["rewrite ^(.*) /new?c=1;", "return 200 x;", "set $v $1;"],
      ["rewrite ^(?<p>.*) /new?c=1;", "set $v $p;"],
      ["set $v $1;", "rewrite ^(.*) /new?c=1;"],
    ])
      assert.deepEqual(of("unnamed-groups", loc(...body)), [], body.join(" "));
    assert.deepEqual(of("unnamed-groups", loc("rewrite ^(.*) /new?c=1;", "set $myvar $1;"), "1.30.1"), []);
    assert.deepEqual(of("unnamed-groups", loc("rewrite ^(.*) /new?c=1;", "set $myvar $1;"), "1.29.8"), [
      "s.conf:3 args-then-capture",
    ]);
  });
});

describe("the CVE rules and distribution backports", () => {
  it("a Debian 12 package version is judged by its revision (changelog.Debian.gz of 1.22.1-9+deb12u12)", () => {
    // CVE-2026-42945 in deb12u7, CVE-2026-9256 in deb12u8, CVE-2026-42533 in deb12u10
    assert.equal(isVersion("1.22.1-9+deb12u12"), true);
    assert.equal(beforeFix("1.22.1-9+deb12u6", "1.30.1", "1.31.0", 7), true);
    assert.equal(beforeFix("1.22.1-9+deb12u7", "1.30.1", "1.31.0", 7), false);
    assert.equal(beforeFix("1.22.1", "1.30.1", "1.31.0", 7), true);
    const loc = {
      "s.conf": lines(
        "server {",
        "    location / {",
        "        rewrite ^(.*) /new?c=1;",
        "        set $v $1;",
        "    }",
        "}",
      ),
    };
    assert.deepEqual(of("unnamed-groups", loc, "1.22.1-9+deb12u6"), ["s.conf:3 args-then-capture"]);
    assert.deepEqual(of("unnamed-groups", loc, "1.22.1-9+deb12u12"), []);
    const map = { "m.conf": lines("http {", "    map $host $b { default x; ~^(.+)$ $1; }", "}") };
    assert.deepEqual(of("map-unnamed-capture", map, "1.22.1-9+deb12u9"), ["m.conf:2 unnamed-capture"]);
    assert.deepEqual(of("map-unnamed-capture", map, "1.22.1-9+deb12u10"), []);
    const redirect = { "r.conf": lines("server {", "    rewrite ^/((.*))$ http://h/$1$2 redirect;", "}") };
    assert.deepEqual(of("overlapping-captures", redirect, "1.22.1-9+deb12u7"), ["r.conf:2 nested-captures-escaped"]);
    assert.deepEqual(of("overlapping-captures", redirect, "1.22.1-9+deb12u8"), []);
  });
});

describe("mixed-case-variable", () => {
  it("fires once per other spelling, across files; regexes and other spellings of other names are quiet", () => {
    const { dir, findings } = check({
      "nginx.conf": lines(
        "events {}",
        "http {",
        "    include conf.d/*.conf;",
        "    server {",
        '        set $My_Var "hello";',
        "        location / {",
        "            proxy_pass http://backend/$MY_VAR;",
        "            add_header X-A ${MY_VAR}$my_other;",
        '            if ($uri ~ "^/a$Foo") { return 204; }',
        "        }",
        "    }",
        "}",
      ),
      "conf.d/a.conf": lines("log_format x '$my_var $foo';"),
    });
    assert.deepEqual(
      findings
        .filter((f) => f.ruleId === "mixed-case-variable")
        .map((f) => `${path.relative(dir, f.path)}:${f.range.start.line + 1} ${String(f.data?.spellings)}`),
      ["nginx.conf:5 my_var,My_Var", "nginx.conf:7 my_var,MY_VAR"],
    );
  });
  it("a module's variable not written as nginx names it is reported alone: $Host is $host", () => {
    const { findings } = check({
      "s.conf": lines(
        "server {",
        "    location / {",
        "        proxy_set_header Host $Host;",
        "        proxy_pass http://b/$uri;",
        "    }",
        "}",
      ),
    });
    const f = findings.filter((x) => x.ruleId === "mixed-case-variable");
    assert.deepEqual(
      f.map((x) => `${x.range.start.line + 1} ${String(x.data?.spellings)}`),
      ["3 host,Host"],
    );
    assert.match(f[0].message, /\$Host is nginx's \$host/);
  });

  it("http and stream variables are apart", () => {
    assert.deepEqual(
      of("mixed-case-variable", {
        "nginx.conf": lines(
          "events {}",
          "http { map $host $Backend { default a; } server { location / { proxy_pass http://$Backend; } } }",
          "stream { map $ssl_preread_server_name $backend { default b; } server { listen 1; proxy_pass $backend; } }",
        ),
      }),
      [],
    );
  });
});
