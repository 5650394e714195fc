// The hover and code lens builders (server/src/lsp/hover.ts) over real configurations: loaded with
// loadConfiguration over a MemoryFileSource, analysed as the server does (one model for rules and report).
// Expected numbers are worked out here from memory-model.md's constants, not read back from the report.

import * as assert from "assert";
import * as path from "path";
import { pathToFileURL } from "url";
import { analyseConfiguration, type RootAnalysis } from "../../server/src/lsp/analysis";
import { codeLenses, hoverAt, type Position } from "../../server/src/lsp/hover";
import { directiveAt } from "../../server/src/navigate/text";
import type { RuleOptions } from "../../server/src/rules";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { REPO } from "../support/shared";

/** Debian's bundle as the model costs it: 3.83 × 219,597 B + 11,000 B = 852,056.51 → 852,057 B ≈ 832 KiB. */
const DEBIAN_CONTEXT_BYTES = 852_057;
const MIB = 1024 * 1024;

function analyse(
  files: Record<string, string>,
  options: Partial<RuleOptions> = {},
  root = "/w/nginx.conf",
): RootAnalysis {
  const source = new MemoryFileSource(files);
  const config = loadConfiguration(root, { source });
  return analyseConfiguration(config, { strict: false, source, ...options });
}

/** The position of the first `needle` in `text` (plus `delta` characters). */
function posOf(text: string, needle: string, delta = 0): Position {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `${needle} not in text`);
  const before = text.slice(0, i + delta).split("\n");
  return { line: before.length - 1, character: before[before.length - 1].length };
}

function hover(a: RootAnalysis | RootAnalysis[], p: string, text: string, needle: string): string {
  const h = hoverAt(Array.isArray(a) ? a : [a], p, posOf(text, needle, 1));
  assert.ok(h, `no hover on ${needle}`);
  return h.markdown;
}

function includes(text: string, ...parts: string[]): void {
  for (const part of parts) assert.ok(text.includes(part), `expected ${JSON.stringify(part)} in:\n${text}`);
}

const MAIN = [
  "events {}",
  "http {",
  "    lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;", // line 2 (nginx.conf:3)
  "    lua_ssl_verify_depth 3;",
  "    include sites/*.conf;",
  "}",
  "",
].join("\n");

const SITE = [
  "server {", // sites/a.conf:1
  "    listen 443 ssl reuseport;",
  "    server_name a.example;",
  "    location / { return 200; }",
  "    location /b { return 200; }",
  "    location /c { content_by_lua_block { ngx.say('{') } }",
  "    location @d { return 200; }",
  "}",
  "",
].join("\n");

describe("lsp hover: lua_ssl_trusted_certificate at http level", function () {
  // 1 server + 4 locations, lua-nginx-module loaded (its directives are used), version unknown:
  // ≤ 0.10.25 assumed, one SSL context per location configuration, 5 in all.
  const a = analyse({ "/w/nginx.conf": MAIN, "/w/sites/a.conf": SITE });

  it("the finding the hover explains is there, with its related blocks in the included file", function () {
    const f = a.findings.filter((x) => x.ruleId === "lua-ssl-per-location");
    assert.strictEqual(f.length, 1);
    assert.strictEqual(f[0].data?.contexts, 5);
    assert.ok(f[0].related?.some((r) => r.path === "/w/sites/a.conf"));
  });

  it("on the directive: the contexts, the bundle, the formula, the estimate and the assumptions", function () {
    const md = hover(a, "/w/nginx.conf", MAIN, "lua_ssl_trusted_certificate");
    includes(
      md,
      "**5 SSL contexts** parse this bundle",
      "lua-nginx-module ≤ 0.10.25",
      "`/etc/ssl/certs/ca-certificates.crt` · 219,597 B · 144 certificates · **assumed**",
      // The per-context cost and its formula (docs/cost-model.md §2, system-like bundle).
      "~832 KiB = 3.83 × 219,597 B + 11 KB",
      // 5 × 852,057 B = 4,260,285 B = 4.06 MiB
      "5 × ~832 KiB = ~4.06 MiB",
      // This directive's parses, and the configuration's (the same here: it is the only bundle).
      "| Parses of this bundle by this directive, per nginx -t / reload | 5 |",
      "| All CA bundle parses per nginx -t / reload | 5 |",
      "set in `http` at nginx.conf:3",
      "`server a.example` (sites/a.conf:1), inherits it",
      "`location @d` (sites/a.conf:7), inherits it",
      "Versions: nginx unknown · lua-nginx-module unknown",
      "lua-nginx-module version unknown, so ≤ 0.10.25",
      // The rule's page as shipped in the package (here: the repository's docs/).
      `[lua-ssl-per-location](${pathToFileURL(path.join(REPO, "docs", "rules", "lua-ssl-per-location.md")).href})`,
    );
    // Master: 6.62 + 2.7 MiB (process, Lua) + 5 × (7,445 + 800) B + 5 × 852,057 B = 14,074,238 B ≈ 13.4 MiB;
    // reload peak: process + 2 × configuration = 18,375,748 B ≈ 17.5 MiB; instance: + 3 × = 22,677,258 B ≈ 21.6 MiB.
    const process = (6.62 + 2.7) * MIB;
    const configuration = 5 * (7_445 + 800) + 5 * DEBIAN_CONTEXT_BYTES;
    assert.strictEqual(a.report.estimate.estimatedBytes, Math.round(process + configuration));
    assert.strictEqual(a.report.estimate.reloadPeakBytes, Math.round(process + 2 * configuration));
    includes(md, "Master, whole configuration | ~13.4 MiB", "Reload peak | ~17.5 MiB", "Instance peak | ~21.6 MiB");
  });

  it("on the directive, with a version setting: one shared context (lua-nginx-module ≥ 0.10.26)", function () {
    const b = analyse({ "/w/nginx.conf": MAIN, "/w/sites/a.conf": SITE }, { luaNginxModuleVersion: "0.10.26" });
    // No multiplied copies: at most the hint that one context costs what it costs.
    assert.deepStrictEqual(
      b.findings.filter((x) => x.ruleId === "lua-ssl-per-location").map((x) => [x.severity, x.data?.contexts]),
      [["hint", 1]],
    );
    const md = hover(b, "/w/nginx.conf", MAIN, "lua_ssl_trusted_certificate");
    includes(
      md,
      "**1 SSL context** parse",
      "1 × ~832 KiB = ~832 KiB",
      "lua-nginx-module 0.10.26 (the lua-nginx-module version setting)",
    );
    assert.ok(!md.includes("Assumed: lua-nginx-module"), md);
  });

  it("on a server: its own context, where the bundle is inherited from, and what is inside", function () {
    const md = hover(a, "/w/sites/a.conf", SITE, "server {");
    includes(
      md,
      "**server a.example**",
      "**1 SSL context of its own** (~832 KiB)",
      "lua_ssl_trusted_certificate inherited from `http` (nginx.conf:3): ~832 KiB",
      "Inside: 4 location configurations, 4 with SSL contexts of their own: 4 SSL contexts, ~3.25 MiB",
      "In all: 5 SSL contexts, ~4.06 MiB",
      // 7,445 + 800 B = 8,245 B
      "~8.05 KiB for its location configuration",
    );
  });

  it("on a location: its share", function () {
    const md = hover(a, "/w/sites/a.conf", SITE, "location /b");
    includes(md, "**location /b**", "**1 SSL context of its own** (~832 KiB)", "Its share: ~832 KiB of SSL contexts");
    assert.ok(!md.includes("Inside:"), md);
  });

  it("on include: the location configurations the included files add and their SSL contexts", function () {
    const md = hover(a, "/w/nginx.conf", MAIN, "include sites");
    includes(
      md,
      "Adds **5 location configurations** from 1 file",
      // 5 × 8,245 B = 41,225 B
      "~40.3 KiB of loc_conf structures",
      "**5 SSL contexts** (5 blocks own them): ~4.06 MiB",
      "`sites/a.conf`: 5 location configurations",
      "lua-nginx-module 5",
    );
  });

  it("on listen … reuseport: the rule's finding there and the rule's page (shipped), no unshipped document", function () {
    const md = hover(a, "/w/sites/a.conf", SITE, "listen");
    includes(md, "SO_REUSEPORT", "ticket #1300", "docs/rules/reuseport-config-test.md", "nginx version unknown");
    assert.doesNotMatch(md, /semantics\.md|memory-model\.md/);
    // The reuseport rule's finding at that listen is quoted (the rule lives in rules/; its finding is injected here).
    const listen = posOf(SITE, "listen");
    const withFinding: RootAnalysis = {
      ...a,
      findings: [
        ...a.findings,
        {
          ruleId: "reuseport-config-test",
          code: "config-test-drops-connections",
          severity: "warning",
          path: "/w/sites/a.conf",
          range: {
            start: { ...listen, offset: SITE.indexOf("listen") },
            end: { line: listen.line, character: listen.character + 6, offset: SITE.indexOf("listen") + 6 },
          },
          message: "nginx -t drops queued connections",
        },
      ],
    };
    includes(hover(withFinding, "/w/sites/a.conf", SITE, "listen"), "(warning): nginx -t drops queued connections");
    const old = analyse({ "/w/nginx.conf": MAIN, "/w/sites/a.conf": SITE }, { nginxVersion: "1.12.1" });
    includes(hover(old, "/w/sites/a.conf", SITE, "listen"), "nginx 1.12.1 (the nginx version setting): **affected**");
  });

  it("says nothing inside a block body, a Lua body, or on a plain directive's argument; only docs on its name", function () {
    assert.strictEqual(hoverAt([a], "/w/sites/a.conf", posOf(SITE, "    location /", 1)), null);
    assert.strictEqual(hoverAt([a], "/w/sites/a.conf", posOf(SITE, "ngx.say", 2)), null);
    assert.strictEqual(hoverAt([a], "/w/sites/a.conf", posOf(SITE, "a.example", 1)), null);
    const name = hoverAt([a], "/w/sites/a.conf", posOf(SITE, "server_name", 1));
    assert.ok(name?.markdown.startsWith("**server_name** · `ngx_http_core_module`"), name?.markdown);
    assert.ok(name && !name.markdown.includes("SSL context"), name?.markdown);
    assert.strictEqual(hoverAt([a], "/w/elsewhere.conf", { line: 0, character: 0 }), null);
  });

  it("code lenses: above the directive (contexts, cost, reload peak) and above the server", function () {
    assert.deepStrictEqual(
      codeLenses([a], "/w/nginx.conf").map((l) => [l.range.start.line, l.title]),
      [[2, "5 SSL contexts · ~4.06 MiB · reload peak ~17.5 MiB"]],
    );
    assert.deepStrictEqual(
      codeLenses([a], "/w/sites/a.conf").map((l) => [l.range.start.line, l.title]),
      [[0, "5 SSL contexts · ~4.06 MiB"]],
    );
  });
});

describe("lsp hover: other modules and shapes", function () {
  it("proxy_ssl_trusted_certificate read from the workspace: its real size and the non-system formula", function () {
    const pem = (body: string): string => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
    const bundle = pem("AAAA") + pem("BBBB") + pem("AAAA"); // 2 distinct certificates
    const main = [
      "events {}",
      "http {",
      "    proxy_ssl_trusted_certificate ca.pem;",
      "    proxy_ssl_verify on;",
      "    server {",
      "        location /a { proxy_pass https://a; }",
      "        location /b { proxy_pass https://b; }",
      "        location /c { proxy_pass http://c; }",
      "    }",
      "}",
      "",
    ].join("\n");
    const a = analyse({ "/w/nginx.conf": main, "/w/ca.pem": bundle });
    const md = hover(a, "/w/nginx.conf", main, "proxy_ssl_trusted");
    const bytes = Buffer.byteLength(bundle);
    // 0.647 × bytes + 4,309 × 2 + 19,203
    const perContext = Math.round(0.647 * bytes + 4_309 * 2 + 19_203);
    includes(
      md,
      "**2 SSL contexts** parse this bundle",
      "ngx_http_proxy_module",
      "nginx < 1.23.1",
      `\`/etc/nginx/ca.pem\` · ${bytes} B · 2 certificates · read from \`ca.pem\``,
      `= 0.647 × ${bytes} B + 4,309 B × 2 certificates + 19,203 B`,
      "nginx version unknown, so < 1.23.1",
      `(${pathToFileURL(path.join(REPO, "docs", "rules", "proxy-ssl-per-location.md")).href})`,
    );
    assert.strictEqual(a.report.sources.find((s) => s.module === "proxy")?.plan.loads.length, 2);
    assert.ok(perContext > 27_000 && perContext < 29_000, String(perContext));
    // The server holds the two contexts; the lens is on it too.
    assert.deepStrictEqual(
      codeLenses([a], "/w/nginx.conf").map((l) => [l.range.start.line, l.title.split(" · ")[0]]),
      [
        [2, "2 SSL contexts"],
        [4, "2 SSL contexts"],
      ],
    );
  });

  it("a server's one context counts once with both ssl_client_certificate and ssl_trusted_certificate", function () {
    const main = [
      "events {}",
      "http {",
      "    ssl_client_certificate /etc/ssl/certs/ca-certificates.crt;",
      "    ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
      "    ssl_verify_client on;",
      "    server { listen 443 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; }",
      "    server { listen 443 ssl; ssl_certificate b.crt; ssl_certificate_key b.key; }",
      "}",
      "",
    ].join("\n");
    const a = analyse({ "/w/nginx.conf": main });
    const lenses = codeLenses([a], "/w/nginx.conf").map((l) => [l.range.start.line, l.title]);
    // Each server: one SSL_CTX (13,405 B) + two Debian bundle parses (2 × (852,057 − 13,405) B) + the list of
    // CA names ssl_client_certificate keeps (842 B × 144 = 121,248 B) = 1,811,957 B.
    assert.deepStrictEqual(lenses.slice(2), [
      [5, "1 SSL context · ~1.73 MiB"],
      [6, "1 SSL context · ~1.73 MiB"],
    ]);
    // The client list directive: 2 contexts × (852,057 + 121,248) B = 1,946,610 B.
    assert.match(String(lenses[0][1]), /^2 SSL contexts · ~1\.86 MiB · reload peak/);
    includes(hover(a, "/w/nginx.conf", main, "ssl_client_certificate"), "**2 SSL contexts**", "ngx_http_ssl_module");
  });

  it("mail servers: a lens and a hover for those with TLS (ngx_mail_ssl_module), none for the others", function () {
    // nginx ≥ 1.15.0: `starttls` (here in the first two servers) gives a mail server its SSL context; the
    // inherited certificate alone does not (the third) — test/rules/stream-mail-ssl-oracle.test.ts.
    const main = [
      "events {}",
      "mail {",
      "    ssl_client_certificate /etc/ssl/certs/ca-certificates.crt;",
      "    ssl_verify_client on; ssl_certificate a.crt; ssl_certificate_key a.key; auth_http 127.0.0.1:9/auth;",
      "    server { listen 143; protocol imap; starttls on; }",
      "    server { listen 110; protocol pop3; starttls only; }",
      "    server { listen 25; protocol smtp; }",
      "}",
      "",
    ].join("\n");
    const a = analyse({ "/w/nginx.conf": main }, { nginxVersion: "1.22.1" });
    const lenses = codeLenses([a], "/w/nginx.conf").map((l): [number, string] => [l.range.start.line, l.title]);
    assert.deepStrictEqual(
      lenses.map(([line]) => line),
      [2, 4, 5],
      "the directive and the two servers with starttls",
    );
    assert.match(lenses[0][1], /^2 SSL contexts · /);
    includes(hover(a, "/w/nginx.conf", main, "server { listen 143"), "ngx_mail_ssl_module");
  });

  it("a server's lens says how many of its contexts parse a bundle (lua ≤ 0.10.25: every block has one)", function () {
    // The quick-fix's result: the bundle only in the one location that runs Lua code. lua-nginx-module
    // still creates a context for the server and each of its 3 locations; 1 of those 4 parses the bundle.
    const main = [
      "events {}",
      "http {",
      "    lua_shared_dict d 1m;",
      "    server {",
      "        listen 80;",
      "        location /a { lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt; content_by_lua_block { } }",
      "        location /b { return 204; }",
      "        location /c { return 204; }",
      "    }",
      "}",
      "",
    ].join("\n");
    const a = analyse({ "/w/nginx.conf": main });
    const server = codeLenses([a], "/w/nginx.conf").find((l) => l.range.start.line === 3);
    assert.match(server?.title ?? "", /^4 SSL contexts \(1 parsing a CA bundle\) · ~/);
    includes(hover(a, "/w/nginx.conf", main, "lua_ssl_trusted_certificate"), "**1 SSL context** parses this bundle");
  });

  it("a file included twice: the first instance, and in how many configurations", function () {
    const main = [
      "events {}",
      "http {",
      "    lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
      "    server { server_name one; include snippets/api.conf; }",
      "    server { server_name two; include snippets/api.conf; }",
      "}",
      "",
    ].join("\n");
    const snippet = "location /api { return 200; }\nlocation /v2 { return 200; }\n";
    const a = analyse({ "/w/nginx.conf": main, "/w/snippets/api.conf": snippet });
    const md = hover(a, "/w/snippets/api.conf", snippet, "location /api");
    includes(
      md,
      "**location /api**",
      "**1 SSL context of its own**",
      "This file is read in 2 configurations; shown for the first: main file `nginx.conf`, included at nginx.conf:4",
    );
    // Each include adds its own copy: 2 location configurations each.
    includes(
      hover(a, "/w/nginx.conf", main, "include snippets"),
      "Adds **2 location configurations**",
      "**2 SSL contexts**",
    );
    // Two main files reading the snippet: the first one's answer, and both counted.
    const b = analyse({ "/w/staging.conf": main, "/w/snippets/api.conf": snippet }, {}, "/w/staging.conf");
    includes(hover([a, b], "/w/snippets/api.conf", snippet, "location /v2"), "read in 4 configurations (2 main files)");
  });

  it("a bundle directive that loads nothing says why", function () {
    const main =
      "events {}\nhttp {\n    proxy_ssl_trusted_certificate /x/ca.pem;\n    server { location / { proxy_pass http://a; } }\n}\n";
    const a = analyse({ "/w/nginx.conf": main });
    includes(hover(a, "/w/nginx.conf", main, "proxy_ssl"), "No SSL context parses this bundle", "TLS upstream");
    assert.deepStrictEqual(codeLenses([a], "/w/nginx.conf"), []);
  });
});

describe("lsp hover helpers", function () {
  it("finds the directive under the cursor: statements anywhere, blocks on their head only", function () {
    const a = analyse({ "/w/nginx.conf": MAIN, "/w/sites/a.conf": SITE });
    const parsed = a.config.files.get("/w/sites/a.conf")!;
    assert.strictEqual(directiveAt(parsed.children, posOf(SITE, "a.example"))?.name, "server_name");
    assert.strictEqual(directiveAt(parsed.children, posOf(SITE, "/b"))?.name, "location");
    assert.strictEqual(directiveAt(parsed.children, posOf(SITE, "return 200; }\n    location /b"))?.name, "return");
    assert.strictEqual(directiveAt(parsed.children, { line: 7, character: 0 }), null); // the closing brace
  });
});
