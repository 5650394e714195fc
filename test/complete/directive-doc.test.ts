// The documentation built from the directive table, checked for every name of the table against the
// table's own fields, read here straight from server/data/directives.json (not through directives.ts),
// with this test's own words for the contexts and its own reading of the argument flags.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  argumentShape,
  directiveDoc,
  docLink,
  documentationFor,
  syntaxOf,
  unknownDirectiveDoc,
} from "../../server/src/complete/directive-doc";
import { analyseConfiguration } from "../../server/src/lsp/analysis";
import { hoverAt } from "../../server/src/lsp/hover";
import { lookupDirective, type DirectiveContext } from "../../server/src/parse/directives";
import type { RuleOptions } from "../../server/src/rules";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { parse } from "../../server/src/parse/parser";
import type { Directive } from "../../server/src/parse/ast";
import { REPO } from "../support/shared";

interface RawVariant {
  module: string;
  repo: string;
  type: string;
  contexts: string[];
  block: boolean;
  args: string | string[];
  since: string | null;
  removed: string | null;
  guard?: string;
}

const TABLE = JSON.parse(fs.readFileSync(path.join(REPO, "server/data/directives.json"), "utf8")) as {
  directives: Record<string, RawVariant[]>;
  builds: Record<string, { default: boolean | null; options: string[] }>;
};

// The reader's words for nginx's contexts, written out here independently of the formatter.
const WORDS: Record<string, string> = {
  main: "main",
  events: "events",
  http: "http",
  server: "server",
  location: "location",
  if_in_server: "if in server",
  if_in_location: "if in location",
  limit_except: "limit_except",
  upstream: "upstream",
  stream: "stream",
  stream_server: "stream server",
  stream_upstream: "stream upstream",
  mail: "mail",
  mail_server: "mail server",
  any: "any context",
};

/** The section of `doc` about the registration of `module` (sections are separated by `---`). */
function sectionOf(doc: string, module: string): string {
  const s = doc.split("\n\n---\n\n").find((x) => x.startsWith(`**`) && x.includes(`· \`${module}\``));
  assert.ok(s, `no section for ${module} in:\n${doc}`);
  return s;
}

describe("directive documentation from the table", () => {
  it("states the contexts, module, repository, since/removed and guard of every registration of every name", () => {
    let names = 0;
    let sections = 0;
    for (const [name, variants] of Object.entries(TABLE.directives)) {
      names++;
      const doc = directiveDoc(name);
      assert.ok(doc, `no documentation for ${name}`);
      for (const v of variants) {
        sections++;
        const s = sectionOf(doc, v.module);
        const contexts = v.contexts.map((c) => WORDS[c]).join(", ");
        assert.ok(s.includes(`- Context: ${contexts}\n`), `${name} (${v.module}): contexts ${contexts} in\n${s}`);
        assert.ok(s.includes(`(${v.repo})`), `${name}: repo ${v.repo}`);
        const product = v.repo === "nginx/nginx" ? "nginx" : v.repo.split("/")[1];
        if (v.since !== null)
          assert.ok(s.includes(`since ${product} ${v.since}`), `${name}: since ${v.since} in\n${s}`);
        if (v.removed !== null) {
          const removed = v.removed.replace(/^after /, "");
          assert.ok(s.includes(`removed`) && s.includes(`${product} ${removed}`), `${name}: removed ${v.removed}`);
        } else {
          assert.ok(!s.includes("_removed_"), `${name}: not removed`);
        }
        if (v.guard) assert.ok(s.includes(`\`${v.guard}\``), `${name}: guard ${v.guard}`);
        const build = TABLE.builds[v.module];
        if (v.repo === "nginx/nginx" && build?.default === false)
          assert.ok(
            s.includes("not built by default") && (build.options.length === 0 || s.includes(`\`${build.options[0]}\``)),
            `${name}: build`,
          );
        if (v.repo !== "nginx/nginx") assert.ok(s.includes("third-party module"), `${name}: third-party`);
        // The syntax block starts with the name and ends as nginx requires: `{ … }` for blocks, `;` otherwise.
        const syntax = /```nginx\n(.*)\n```/.exec(s)?.[1] ?? "";
        assert.ok(syntax.startsWith(name), `${name}: syntax ${syntax}`);
        assert.ok(v.block ? syntax.endsWith(" { … }") : syntax.endsWith(";"), `${name}: syntax ${syntax}`);
        if (v.args === "flag") assert.ok(syntax === `${name} on | off${v.block ? " { … }" : ";"}`, syntax);
        if (v.args === "noargs" && !v.block) assert.strictEqual(syntax, `${name};`);
      }
    }
    assert.ok(names > 900, `${names} names`);
    assert.ok(sections >= 1200, `${sections} registrations`);
  });

  it("derives the argument shape from the flags", () => {
    // Shapes written out by hand for each kind of flag the table uses.
    const cases: [string, string][] = [
      ["worker_processes", "worker_processes arg;"], // take1
      ["daemon", "daemon on | off;"], // flag
      ["ip_hash", "ip_hash;"], // noargs
      ["error_page", "error_page arg arg …;"], // 2more
      ["server_name", "server_name arg …;"], // 1more
      ["stub_status", "stub_status [arg];"], // noargs|take1
      ["location", "location arg [arg] { … }"], // take12 block
      ["http", "http { … }"], // noargs block
      ["add_header", "add_header arg arg [arg];"], // take23
      ["log_format", "log_format arg arg …;"], // 2more
    ];
    for (const [name, syntax] of cases) {
      const v = lookupDirective(name).find((x) => x.removed === null);
      assert.ok(v, name);
      assert.strictEqual(syntaxOf(name, v), syntax, name);
    }
    // take123 nests: one word, then optionally one more, then one more again.
    assert.strictEqual(
      argumentShape({
        contexts: [],
        block: false,
        argcMin: 1,
        argcMax: 3,
        argcSet: [1, 2, 3],
        args: "take123",
      }),
      "arg [arg [arg]]",
    );
    assert.strictEqual(
      argumentShape({ contexts: [], block: false, argcMin: 0, argcMax: null, argcSet: null, args: "any" }),
      "[arg …]",
    );
  });

  it("puts the registration of the reader's context first: stream proxy_pass in a stream server", () => {
    const inStream = directiveDoc("proxy_pass", { context: "stream_server" })!;
    const inLocation = directiveDoc("proxy_pass", { context: "location" })!;
    assert.ok(inStream.startsWith("**proxy_pass** · `ngx_stream_proxy_module`"), inStream.slice(0, 80));
    assert.ok(inLocation.startsWith("**proxy_pass** · `ngx_http_proxy_module`"), inLocation.slice(0, 80));
    assert.ok(inStream.includes("https://nginx.org/en/docs/stream/ngx_stream_proxy_module.html#proxy_pass"));
    assert.ok(inLocation.includes("https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass"));
  });

  // A hover documents the directive that applies where it is written: one module, not every module that
  // registers the name (ssl_certificate has three: http, stream, mail).
  for (const [name, context, module] of [
    ["ssl_certificate", "server", "ngx_http_ssl_module"],
    ["ssl_certificate", "stream_server", "ngx_stream_ssl_module"],
    ["ssl_certificate", "mail_server", "ngx_mail_ssl_module"],
    ["server", "http", "ngx_http_core_module"],
    ["server", "upstream", "ngx_http_upstream_module"],
    ["server", "stream_upstream", "ngx_stream_upstream_module"],
    // A current registration before one removed long ago (ngx_http_rewrite_module had it until 0.3.40).
    ["valid_referers", "location", "ngx_http_referer_module"],
  ] as const) {
    it(`${name} in ${WORDS[context]}: only ${module}'s documentation`, () => {
      const doc = directiveDoc(name, { context })!;
      assert.ok(doc.startsWith(`**${name}** · \`${module}\``), doc.slice(0, 80));
      assert.ok(!doc.includes("\n\n---\n\n"), doc);
      const others = lookupDirective(name).filter((v) => v.module !== module);
      assert.ok(others.length > 0);
      for (const v of others) assert.ok(!doc.includes(`\`${v.module}\``), `${v.module} in ${doc}`);
    });
  }

  it("every name in every context the table allows it in: exactly one registration, one allowed there", () => {
    let checked = 0;
    for (const [name, variants] of Object.entries(TABLE.directives)) {
      for (const context of Object.keys(WORDS)) {
        if (context === "any") continue;
        const allowed = variants.filter((v) => v.contexts.includes(context) || v.contexts.includes("any"));
        if (allowed.length === 0) continue;
        const doc = directiveDoc(name, { context: context as DirectiveContext })!;
        const heads = doc.split("\n").filter((l) => l.startsWith(`**${name}** · `));
        assert.strictEqual(heads.length, 1, `${name} in ${context}: ${heads.join(" | ")}`);
        assert.ok(
          allowed.some((v) => heads[0].startsWith(`**${name}** · \`${v.module}\``)),
          `${name} in ${context}: ${heads[0]}`,
        );
        checked++;
      }
    }
    assert.ok(checked > 1000, `${checked}`);
  });

  it("a name not allowed where it is written: every registration, with a note", () => {
    const doc = directiveDoc("ssl_certificate", { context: "events" })!;
    assert.ok(doc.startsWith("_Not allowed in events by any current module"), doc.slice(0, 80));
    assert.strictEqual(doc.split("\n\n---\n\n").length, 4);
  });

  it("says when the deployed nginx does not have it yet, or any more", () => {
    const nginx = (version: string) => ({ version, source: "the nginx version setting" });
    const http2 = directiveDoc("http2", { context: "server", nginx: nginx("1.24.0") })!;
    assert.ok(http2.includes("**Not in nginx 1.24.0 (the nginx version setting)**: it first appeared in 1.25.1"));
    assert.ok(!directiveDoc("http2", { context: "server", nginx: nginx("1.25.1") })!.includes("**Not in"));
    const ssl = directiveDoc("ssl", { context: "server", nginx: nginx("1.26.0") })!;
    assert.ok(ssl.includes("**Not in nginx 1.26.0 (the nginx version setting)**: removed in 1.25.1"), ssl);
    assert.ok(!directiveDoc("ssl", { context: "server", nginx: nginx("1.24.0") })!.includes("**Not in"));
  });

  it("links nginx's modules to nginx.org and third-party modules to their repository", () => {
    const link = (name: string, module: string) =>
      docLink(
        name,
        lookupDirective(name).find((v) => v.module === module)!,
      );
    assert.strictEqual(
      link("gzip", "ngx_http_gzip_filter_module")?.url,
      "https://nginx.org/en/docs/http/ngx_http_gzip_module.html#gzip",
    );
    assert.strictEqual(
      link("worker_connections", "ngx_event_core_module")?.url,
      "https://nginx.org/en/docs/ngx_core_module.html#worker_connections",
    );
    assert.strictEqual(
      link("keepalive", "ngx_http_upstream_keepalive_module")?.url,
      "https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive",
    );
    assert.strictEqual(
      link("content_by_lua_block", "ngx_http_lua_module")?.url,
      "https://github.com/openresty/lua-nginx-module",
    );
  });

  it("names the sources checked for a name the table does not know; hovers use the directive's context", () => {
    const doc = unknownDirectiveDoc("health_check");
    assert.ok(doc.includes("not in the directive table") && doc.includes("nginx/nginx (to release-1.31.4)"), doc);
    assert.ok(doc.includes("openresty/lua-nginx-module"), doc);
    const text = "stream {\n  server {\n    proxy_pass backend;\n  }\n}\n";
    const tree = parse(text);
    const server = tree.children[0] as Directive;
    const pass = (server.block!.children[0] as Directive).block!.children[0] as Directive;
    assert.ok(
      documentationFor(tree.children, pass, "main", null).startsWith("**proxy_pass** · `ngx_stream_proxy_module`"),
    );
    const unknown = parse("http { frobnicate 1; }\n");
    const f = (unknown.children[0] as Directive).block!.children[0] as Directive;
    assert.ok(
      documentationFor(unknown.children, f, "main", null).startsWith("**frobnicate**: not in the directive table"),
    );
  });
});

describe("hover: cost first, then the table's documentation", () => {
  const files = {
    "/w/nginx.conf": [
      "events {}",
      "http {",
      "    lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
      "    include sites/*.conf;",
      "}",
      "stream {",
      "    include tcp/*.conf;",
      "}",
      "",
    ].join("\n"),
    "/w/sites/a.conf":
      "server {\n    listen 80;\n    http2 on;\n    frobnicate 1;\n    location / { return 200; }\n}\n",
    "/w/tcp/db.conf": "server {\n    listen 5432;\n    proxy_pass 127.0.0.1:5433;\n}\n",
  };
  const analyse = (options: Partial<RuleOptions> = {}) => {
    const source = new MemoryFileSource(files);
    return analyseConfiguration(loadConfiguration("/w/nginx.conf", { source }), { strict: false, source, ...options });
  };
  const a = analyse();

  it("on a bundle directive: the cost part, a separator, then the documentation (also on its argument)", () => {
    for (const character of [8, 40]) {
      const h = hoverAt([a], "/w/nginx.conf", { line: 2, character });
      assert.ok(h, `hover at ${character}`);
      const parts = h.markdown.split("\n\n---\n\n");
      assert.ok(parts[0].startsWith("**lua_ssl_trusted_certificate** `/etc/ssl/certs/ca-certificates.crt`"), parts[0]);
      assert.ok(parts[0].includes("SSL context"), parts[0]);
      assert.ok(parts[1].startsWith("**lua_ssl_trusted_certificate** · `ngx_http_lua_module`"), parts[1]);
      assert.ok(parts[1].includes("- Context: http, server, location"), parts[1]);
    }
  });

  it("on a block with a cost hover (server), on a plain name, in an included stream file, and on an unknown name", () => {
    const server = hoverAt([a], "/w/sites/a.conf", { line: 0, character: 2 })!.markdown.split("\n\n---\n\n");
    assert.ok(server[0].startsWith("**server a.example**") || server[0].startsWith("**server"), server[0]);
    assert.ok(server[1].startsWith("**server** · `ngx_http_core_module`"), server[1]);
    const http2 = hoverAt([a], "/w/sites/a.conf", { line: 2, character: 6 })!.markdown;
    assert.ok(http2.startsWith("**http2** · `ngx_http_v2_module`") && !http2.includes("**Not in"), http2);
    const old = hoverAt([analyse({ nginxVersion: "1.24.0" })], "/w/sites/a.conf", { line: 2, character: 6 })!.markdown;
    assert.ok(old.includes("**Not in nginx 1.24.0 (the nginx version setting)**: it first appeared in 1.25.1"), old);
    const pass = hoverAt([a], "/w/tcp/db.conf", { line: 2, character: 6 })!.markdown;
    assert.ok(pass.startsWith("**proxy_pass** · `ngx_stream_proxy_module`"), pass);
    const unknown = hoverAt([a], "/w/sites/a.conf", { line: 3, character: 6 })!.markdown;
    assert.ok(unknown.startsWith("**frobnicate**: not in the directive table"), unknown);
    assert.strictEqual(hoverAt([a], "/w/sites/a.conf", { line: 3, character: 16 }), null);
  });
});
