// The rules about what a variable can hold — ssrf, http-splitting, origins, valid-referers — on small
// workspaces written to disk and checked as the CLI checks them (includes, inheritance, `set`/`map` values and
// where they come from, regex captures), and, where the peers and this product disagree about what nginx
// does, the real nginx answering requests.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { buildModel, type ConfigContext } from "../../server/src/model";
import { httpSplittingFindings } from "../../server/src/rules/http-splitting";
import { ssrfFindings } from "../../server/src/rules/ssrf";
import type { Finding } from "../../server/src/rules/types";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { freePorts, runnableHead, runnableHttp, withNginx, rawHead } from "../support/nginx-run";
import { nginxBinary } from "../support/shared";
import { writeWorkspace } from "../support/workspace-files";

const RULES = new Set(["ssrf", "http-splitting", "origins", "valid-referers"]);

interface Found {
  rule: string;
  code: string;
  file: string;
  line: number;
  /** The text of the word the finding is on. */
  word: string;
}

/** Writes `files` into a fresh folder, checks `main` there, and returns this group's findings. */
function check(
  files: Record<string, string>,
  main = "nginx.conf",
  ruleConfig?: Record<string, Record<string, unknown>>,
): Found[] {
  const dir = writeWorkspace(files, "nginx-risk-vars-");
  try {
    const result = runCheck({
      inputs: [path.join(dir, main)],
      mappings: [],
      strict: false,
      nginxVersion: "1.22.1",
      ...(ruleConfig ? { ruleConfig } : {}),
    });
    return result.findings
      .filter((f: Finding) => RULES.has(f.ruleId))
      .map((f) => {
        const text = fs.readFileSync(f.path, "utf8");
        return {
          rule: f.ruleId,
          code: f.code,
          file: path.relative(dir, f.path),
          line: f.range.start.line + 1,
          word: text.slice(f.range.start.offset, f.range.end.offset),
        };
      });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const conf = (...lines: string[]): string => lines.join("\n") + "\n";

/** An http block with one server around `body`. */
const server = (...body: string[]): string =>
  conf("events {}", "http {", "  server {", "    listen 80;", ...body.map((l) => "    " + l), "  }", "}");

describe("ssrf", () => {
  it("fires on an address from a query argument, a header, $host; not on a fixed one", () => {
    const found = check({
      "nginx.conf": server(
        "location /a { proxy_pass http://$arg_target; }",
        "location /b { proxy_pass http://$http_x_backend/; }",
        "location /c { proxy_pass http://$host$request_uri; }",
        "location /d { proxy_pass http://backend$request_uri; }",
        "location /e { fastcgi_pass $arg_fcgi; }",
        "location /f { proxy_pass http://backend/$arg_path; }",
      ),
    });
    assert.deepEqual(
      found.map((f) => [f.rule, f.line, f.word]),
      [
        ["ssrf", 5, "http://$arg_target"],
        ["ssrf", 6, "http://$http_x_backend/"],
        ["ssrf", 7, "http://$host$request_uri"],
        ["ssrf", 9, "$arg_fcgi"],
      ],
    );
  });

  it("follows a set written after the location that reads it (dvershinin/gixy#100) and through an include", () => {
    const found = check({
      "nginx.conf": conf(
        "events {}",
        "http {",
        "  server {",
        "    listen 80;",
        "    include loc.conf;",
        "    set $backend $arg_b;",
        "  }",
        "}",
      ),
      "loc.conf": conf("location / {", "  proxy_pass http://$backend;", "}"),
    });
    assert.deepEqual(
      found.map((f) => [f.rule, f.file, f.line]),
      [["ssrf", "loc.conf", 2]],
    );
  });

  it("takes the location's own set over the server's, and ignores a parent location's", () => {
    const found = check({
      "nginx.conf": server(
        "set $backend $arg_b;",
        "location /own { set $backend backend.internal; proxy_pass http://$backend; }",
        "location /inherits { proxy_pass http://$backend; }",
        "location /parent {",
        "  set $up $arg_u;",
        "  location /parent/child { set $up fixed.internal; proxy_pass http://$up; }",
        "}",
      ),
    });
    assert.deepEqual(
      found.map((f) => [f.rule, f.line]),
      [["ssrf", 7]],
    );
  });

  it("reads captures of the location, of a regex if, and of a map key", () => {
    const found = check({
      "nginx.conf": conf(
        "events {}",
        "http {",
        "  map $uri $mapped {",
        "    ~^/m/(?<h>[^/]+) $h;",
        "    default backend;",
        "  }",
        "  server {",
        "    listen 80;",
        "    location ~ ^/l/([a-z]+)/ { proxy_pass http://$1.internal; }",
        "    location ~ ^/d/(.+)/ { proxy_pass http://$1; }",
        "    location /i { if ($arg_x ~ ^(.+)$) { set $t $1; } proxy_pass http://$t; }",
        "    location /m { proxy_pass http://$mapped; }",
        "  }",
        "}",
      ),
    });
    // /l: a capture of letters only cannot leave `.internal` (no dot): a name under it, gixy's reading too.
    // /m: `[^/]+` of the decoded URI also takes LF into the upstream's request line.
    assert.deepEqual(
      found.map((f) => [f.rule, f.line]),
      [
        ["ssrf", 10],
        ["ssrf", 11],
        ["ssrf", 12],
        ["http-splitting", 12],
      ],
    );
  });

  it("reads stream servers too: the SNI name chooses the upstream; no request line to split", () => {
    const found = check({
      "nginx.conf": conf(
        "events {}",
        "stream {",
        "  server { listen 443; ssl_preread on; proxy_pass $ssl_preread_server_name:443; }",
        "  map $ssl_preread_server_name $up { a.example.com 10.0.0.1:443; default 10.0.0.2:443; }",
        "  server { listen 444; ssl_preread on; proxy_pass $up; }",
        "}",
      ),
    });
    assert.deepEqual(
      found.map((f) => [f.rule, f.line]),
      [["ssrf", 3]],
    );
  });

  it("stays quiet in an internal location and on a path-only variable", () => {
    const found = check({
      "nginx.conf": server(
        "location /x { internal; proxy_pass http://$arg_t; }",
        'location /y { set $u "http://backend$request_uri"; proxy_pass $u; }',
      ),
    });
    assert.deepEqual(found, []);
  });
});

describe("http-splitting", () => {
  it("fires on $uri in a header, a redirect, and the upstream request; not on $request_uri", () => {
    const found = check({
      "nginx.conf": server(
        "location /a { add_header X-Uri $uri; }",
        "location /b { return 301 https://$host$uri; }",
        "location /c { proxy_set_header X-Original $document_uri; proxy_pass http://backend; }",
        "location /d { return 301 https://$host$request_uri; }",
        "location /e { return 200 $uri; }",
        "location /f { rewrite ^/f/(.*)$ /g/$1 last; }",
      ),
    });
    assert.deepEqual(
      found.map((f) => [f.rule, f.line, f.word]),
      [
        ["http-splitting", 5, "$uri"],
        ["http-splitting", 6, "https://$host$uri"],
        ["http-splitting", 7, "$document_uri"],
      ],
    );
  });

  it("follows map chains and set, and stops where a capture cannot hold CR/LF", () => {
    const found = check({
      "nginx.conf": conf(
        "events {}",
        "http {",
        "  map $host $inner { a $uri; default 1; }",
        "  map $host $outer { a $inner; default 1; }",
        "  map $request_uri $safe { ~^/(?<p>.*)$ $p; default 1; }",
        "  server {",
        "    listen 80;",
        "    location /a { add_header X-A $outer; }",
        "    location /b { add_header X-B $safe; }",
        "    location ~ ^/c/([^/]+)$ { set $v $1; add_header X-C $v; }",
        "    location ~ ^/d/([a-z]+)$ { add_header X-D $1; }",
        "  }",
        "}",
      ),
    });
    assert.deepEqual(
      found.map((f) => [f.rule, f.line]),
      [
        ["http-splitting", 8],
        ["http-splitting", 10],
      ],
    );
  });

  it("reads captures of a regex if as variables (dvershinin/gixy#111) with the subject's bytes", () => {
    const found = check({
      "nginx.conf": server(
        'location /r { if ($http_referer ~ "^https?://example\\.com(?P<path>.*)") { set $x $path; } add_header X-R $x; proxy_pass http://$x; }',
        "location /u { if ($uri ~ ^/u/(.*)$) { return 301 $1; } }",
        "location /q { if ($request_uri ~ ^/q/(.*)$) { return 301 $1; } }",
      ),
    });
    // The referer's capture: a header value never holds CR/LF, but it names a host (ssrf); and the regex,
    // without `/` after the host, lets `https://example.com.evil.com` through (origins).
    assert.deepEqual(
      found.map((f) => [f.rule, f.line]),
      [
        ["origins", 5],
        ["ssrf", 5],
        ["http-splitting", 6],
      ],
    );
  });

  it("a rewrite's own numbered capture is escaped, its named capture is not (as nginx does it)", () => {
    const found = check({
      "nginx.conf": server(
        "location /n { rewrite ^/n/(?<p>.*)$ http://storage/$p redirect; }",
        "location /c { rewrite ^/c/(.*)$ http://storage/$1 redirect; }",
      ),
    });
    assert.deepEqual(
      found.map((f) => [f.rule, f.line]),
      [["http-splitting", 5]],
    );
  });
});

describe("http-splitting against the real nginx", function () {
  this.timeout(60_000);

  it("injects headers exactly where the rule says, and what $host can hold", async function () {
    if (!nginxBinary()) this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-split-"));
    let upstream: net.Server | undefined;
    try {
      const [port, upstreamPort] = await freePorts(2);
      // An upstream that records the head of each request nginx sends it.
      const received: string[] = [];
      upstream = net.createServer((sock) => {
        let got = "";
        sock.setEncoding("latin1");
        sock.on("data", (d: string) => {
          got += d;
          if (got.includes("\r\n\r\n")) {
            received.push(got.split("\r\n\r\n")[0]);
            sock.end("HTTP/1.0 200 OK\r\n\r\nok");
          }
        });
      });
      await new Promise<void>((resolve) => upstream!.listen(upstreamPort, "127.0.0.1", resolve));
      const body = [
        "location = / { return 200 ok; }",
        // gixy's rewrite_extract_fp says quiet; nginx writes the named capture as it is.
        "location /n/ { rewrite ^/n/(?<path>\\W*)$ http://storage/$path redirect; }",
        // A rewrite's own numbered capture: escaped by nginx.
        "location /c/ { rewrite ^/c/(\\W*)$ http://storage/$1 redirect; }",
        "location /u/ { add_header X-U $uri; return 204; }",
        "location /q/ { if ($request_uri ~ ^/q/(.*)$) { return 301 /x/$1; } }",
        "location /i/ { if ($uri ~ ^/i/(.*)$) { return 301 /x/$1; } }",
        // The request nginx sends upstream: its line and its headers.
        `location /pp/ { proxy_pass http://127.0.0.1:${upstreamPort}$uri; }`,
        `location /ps/ { proxy_set_header X-U $uri; proxy_pass http://127.0.0.1:${upstreamPort}; }`,
        // MegaManSec's mapped_value.conf: a capture after `/` of $host.
        "location /h/ { add_header X-H $host_tail; return 204; }",
        // A header variable's name given by `set`: a header cannot hold CR/LF, the $uri set there can.
        "set $http_zz $uri;",
        "location /b/ { add_header X-B $http_zz; return 204; }",
      ];
      const text = [
        ...runnableHead(dir),
        "events {}",
        "http {",
        ...runnableHttp(dir),
        "  map $host $host_tail { ~*/(.*) $1; default none; }",
        "  server {",
        `    listen 127.0.0.1:${port};`,
        ...body.map((l) => "    " + l),
        "  }",
        "}",
      ].join("\n");
      fs.writeFileSync(path.join(dir, "nginx.conf"), text);
      // What the product says about the same configuration.
      const lines = text.split("\n");
      const flagged = check({ "nginx.conf": text })
        .filter((f) => f.rule === "http-splitting")
        .map((f) => lines[f.line - 1].trim().split(" ")[1]);
      assert.deepEqual(flagged, ["/n/", "/u/", "/i/", "/pp/", "/ps/", "/b/"]);
      await withNginx(dir, path.join(dir, "nginx.conf"), port, async () => {
        assert.match(await rawHead(port, "/n/%0d%0a%3a"), /\r\n:\r?$/m, "named capture: raw CR LF");
        assert.match(await rawHead(port, "/c/%0d%0a"), /Location: http:\/\/storage\/%0D%0A/, "own capture: escaped");
        assert.match(await rawHead(port, "/u/%0d%0aX-Injected:1"), /\r\nX-Injected:1/, "$uri in add_header");
        assert.doesNotMatch(await rawHead(port, "/q/%0d%0aX-Injected:1"), /\r\nX-Injected/, "$request_uri: raw");
        assert.match(await rawHead(port, "/b/%0d%0aX-Injected:1"), /\r\nX-Injected:1/, "set $http_zz $uri");
        assert.match(
          await rawHead(port, "/i/%0dX-Injected:1"),
          /Location: [^\n]*\/x\/\rX-Injected:1/,
          "if capture of $uri: CR",
        );
        await rawHead(port, "/pp/a%0aX-Injected:%201%0a");
        await rawHead(port, "/ps/a%0aX-Injected:%201");
        assert.equal(received.length, 2);
        assert.match(received[0], /^GET \/pp\/a\nX-Injected: 1\n HTTP/, "$uri in proxy_pass: LF in the request line");
        assert.match(received[1], /X-U: \/ps\/a\nX-Injected: 1\r\n/, "$uri in proxy_set_header: LF in a header");
        // A Host with `/` never reaches the map: nginx refuses the request.
        assert.match(await rawHead(port, "/h/", "a/b"), /^HTTP\/1\.1 400/);
      });
    } finally {
      upstream?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("origins", () => {
  const originIf = (regex: string, op = "!~"): string =>
    server(`location / {`, `  if ($http_origin ${op} '${regex}') { return 403; }`, `}`);

  it("finds the hostile origin a regex lets through, and is quiet on a tight one", () => {
    const cases: [string, string | null][] = [
      ["^https://example\\.com$", null],
      ["^https://([a-z0-9-]+\\.)?example\\.com(:[0-9]+)?$", null],
      ["^https://example.com$", "attacker-domain"],
      ["https://example\\.com$", "attacker-domain"],
      ["^https://example\\.com", "attacker-domain"],
      ["^https://([^/]+)?example\\.com$", "attacker-domain"],
      ["^https://.*\\.example\\.com$", "attacker-domain"],
      ["^https://[a-z]+\\.co\\.uk$", "attacker-domain"],
      ["^https://shop\\.[a-z]+\\.co\\.uk$", "attacker-domain"],
      ["^https://shop\\.example\\.co\\.uk$", null],
      ["^([^/]+)?https://example\\.com$", "other-scheme"],
      ["^example\\.com$", "never-matches"],
      // dvershinin/gixy#111: `$` inside an alternation is the end anchor, not a character.
      ["^https?://example\\.com($|/)(?P<path>.*)", null],
    ];
    for (const [regex, code] of cases) {
      const found = check({ "nginx.conf": originIf(regex) });
      assert.deepEqual(
        found.map((f) => f.code),
        code === null ? [] : [code],
        regex,
      );
    }
  });

  it("takes the options domains and https_only", () => {
    const text = originIf("^https?://(www\\.)?example\\.(com|org)$");
    assert.deepEqual(check({ "nginx.conf": text }), []);
    const only = check({ "nginx.conf": text }, "nginx.conf", { origins: { domains: ["example.com"] } });
    assert.deepEqual(
      only.map((f) => f.code),
      ["untrusted-domain"],
    );
    const https = check({ "nginx.conf": text }, "nginx.conf", { origins: { https_only: true } });
    assert.deepEqual(
      https.map((f) => f.code),
      ["http-accepted"],
    );
  });

  it("checks a map of $http_origin and the misspelled $http_referrer", () => {
    const found = check({
      "nginx.conf": conf(
        "events {}",
        "http {",
        "  map $http_origin $cors {",
        "    ~^https://(.*\\.)?example.com$ $http_origin;",
        "    ~^https://([a-z0-9-]+\\.)?example\\.net$ $http_origin;",
        '    default "";',
        "  }",
        "  server {",
        "    listen 80;",
        "    add_header Access-Control-Allow-Origin $cors;",
        "    if ($http_referrer !~ ^https://example\\.com/) { return 403; }",
        "  }",
        "}",
      ),
    });
    assert.deepEqual(
      found.map((f) => [f.code, f.line]),
      [
        ["attacker-domain", 4],
        ["misspelled-header", 11],
      ],
    );
  });
});

describe("valid-referers", () => {
  it("fires on none, through an include; not on none.ru", () => {
    const found = check({
      "nginx.conf": server("include referers.conf;", "location /b { valid_referers server_names none.ru; }"),
      "referers.conf": conf("location /a {", "  valid_referers server_names", "                 none;", "}"),
    });
    assert.deepEqual(
      found.map((f) => [f.rule, f.file, f.line, f.word]),
      [["valid-referers", "referers.conf", 3, "none"]],
    );
  });
});

describe("ssrf and http-splitting on deep nesting", () => {
  /** Steps from a block to its parent the two rules take on `levels` nested regex locations, each with two sinks. */
  function parentSteps(levels: number): number {
    const open: string[] = [];
    for (let i = 0; i < levels; i++)
      open.push(`location ~ ^/x(?<n${i % 5}>[^/]*) { add_header X-V $v; proxy_pass http://b/$named$n${i % 5}; `);
    const text = conf(
      "events {}",
      "http {",
      "server {",
      "listen 80;",
      "set $v $arg_x;",
      ...open,
      "}".repeat(levels),
      "}",
      "}",
    );
    const config = loadConfiguration("/d/nginx.conf", { source: new MemoryFileSource({ "/d/nginx.conf": text }) });
    const model = buildModel(config);
    let steps = 0;
    for (const c of model.contexts) {
      const parent = c.parent;
      Object.defineProperty(c, "parent", {
        get(): ConfigContext | null {
          steps++;
          return parent;
        },
      });
    }
    const found = [...ssrfFindings(model, { strict: false }), ...httpSplittingFindings(model, { strict: false })];
    // Every proxy_pass: its named capture of the decoded URI can hold LF (the request line).
    assert.equal(found.filter((f) => f.ruleId === "http-splitting").length, levels);
    return steps;
  }

  it("walks a bounded number of levels per statement (twice the depth: at most about twice the steps)", () => {
    const a = parentSteps(2_000);
    const b = parentSteps(4_000);
    assert.ok(b < 2.5 * a, `${a} steps at 2,000 levels, ${b} at 4,000`);
  });
});
