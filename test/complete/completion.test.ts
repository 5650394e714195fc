// Completion at a cursor (server/src/complete/completion.ts). The directives expected in each context are
// computed here from server/data/directives.json read directly, with nginx's rule written out again
// (ngx_conf_handler: the module family of the context, then the context bit; `include` everywhere).

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { completionsAt, type CompletionEntry } from "../../server/src/complete/completion";
import { configSymbols, type ConfigSymbols } from "../../server/src/complete/symbols";
import { analyseConfiguration } from "../../server/src/lsp/analysis";
import { completionItems, topContextsOf } from "../../server/src/lsp/completion";
import type { ContextKind } from "../../server/src/parse/directives";
import { parse } from "../../server/src/parse/parser";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { REPO } from "../support/shared";
import { posAt } from "../support/text";

interface RawVariant {
  module: string;
  type: string;
  contexts: string[];
  removed: string | null;
}

const TABLE = JSON.parse(fs.readFileSync(path.join(REPO, "server/data/directives.json"), "utf8")) as {
  directives: Record<string, RawVariant[]>;
};

// The module family nginx reads each context with (the *_block handlers set cf->module_type).
const FAMILY: Record<string, string> = {
  main: "core",
  events: "event",
  http: "http",
  server: "http",
  location: "http",
  if_in_server: "http",
  if_in_location: "http",
  limit_except: "http",
  upstream: "http",
  stream: "stream",
  stream_server: "stream",
  stream_upstream: "stream",
  mail: "mail",
  mail_server: "mail",
};

function fits(v: RawVariant, context: string): boolean {
  return (
    (v.type === "conf" || v.type === FAMILY[context]) && (v.contexts.includes(context) || v.contexts.includes("any"))
  );
}

/** name → deprecated (no current registration fits, a removed one does), for every name that fits `context`. */
function expected(context: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const [name, variants] of Object.entries(TABLE.directives)) {
    const here = variants.filter((v) => fits(v, context));
    if (here.length > 0) out.set(name, !here.some((v) => v.removed === null));
  }
  return out;
}

/** A text with the cursor (`|`) inside a block of each context. */
const PLACES: Record<string, string> = {
  main: "|\n",
  events: "events {\n    |\n}\n",
  http: "http {\n    |\n}\n",
  server: "http {\n  server {\n    |\n  }\n}\n",
  location: "http {\n  server {\n    location / {\n      |\n    }\n  }\n}\n",
  if_in_server: "http {\n  server {\n    if ($a) {\n      |\n    }\n  }\n}\n",
  if_in_location: "http {\n  server {\n    location / {\n      if ($a) {\n        |\n      }\n    }\n  }\n}\n",
  limit_except: "http {\n  server {\n    location / {\n      limit_except GET {\n        |\n      }\n    }\n  }\n}\n",
  upstream: "http {\n  upstream u {\n    |\n  }\n}\n",
  stream: "stream {\n    |\n}\n",
  stream_server: "stream {\n  server {\n    |\n  }\n}\n",
  stream_upstream: "stream {\n  upstream u {\n    |\n  }\n}\n",
  mail: "mail {\n    |\n}\n",
  mail_server: "mail {\n  server {\n    |\n  }\n}\n",
};

/** Completion at the `|` of `marked`, the file's top level read in `top`. */
function complete(marked: string, top: ContextKind[] = ["main"], symbols?: ConfigSymbols): CompletionEntry[] {
  const offset = marked.indexOf("|");
  assert.ok(offset >= 0);
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  // The editor's position: LF, CRLF and a lone CR each end a line (support/text.ts, not the code under test).
  const { line, character } = posAt(text, offset);
  const position = { line, character };
  const parsed = parse(text);
  const syms = symbols ?? configSymbols([], { nodes: parsed.children, inStream: false });
  return completionsAt({ text, parsed, position, topContexts: top, symbols: syms });
}

function labels(entries: CompletionEntry[]): string[] {
  return entries.map((e) => e.label);
}

function entry(entries: CompletionEntry[], label: string): CompletionEntry {
  const e = entries.find((x) => x.label === label);
  assert.ok(e, `${label} not offered (${entries.length} entries)`);
  return e;
}

describe("completion: directives valid at the cursor", () => {
  for (const [context, marked] of Object.entries(PLACES)) {
    it(`offers exactly the directives nginx accepts in ${context}`, () => {
      const want = expected(context);
      const got = complete(marked);
      assert.deepStrictEqual(labels(got).sort(), [...want.keys()].sort());
      for (const e of got) {
        assert.strictEqual(e.deprecated === true, want.get(e.label), `${e.label}: deprecated`);
        assert.strictEqual(e.directive?.context, context);
      }
    });
  }

  it("location offers proxy_pass, not worker_processes or upstream; a stream server offers stream proxy_pass", () => {
    const inLocation = complete(PLACES.location);
    assert.strictEqual(entry(inLocation, "proxy_pass").detail, "ngx_http_proxy_module");
    assert.ok(!labels(inLocation).includes("worker_processes"));
    assert.ok(!labels(inLocation).includes("upstream"));
    const inStream = complete(PLACES.stream_server);
    assert.strictEqual(entry(inStream, "proxy_pass").detail, "ngx_stream_proxy_module");
    assert.ok(!labels(inStream).includes("proxy_set_header"));
  });

  it("starts statements after `{`, `;` and `}` on the same line, and replaces the partial word", () => {
    for (const marked of [
      "http { server { listen 80; |} }",
      "http { server { location / {} |} }",
      "http { server {|} }",
      "http {\n  server {\n    listen 80; prox|\n  }\n}",
    ]) {
      const got = complete(marked);
      assert.ok(labels(got).includes("server_name") || labels(got).includes("proxy_pass"), marked);
      assert.ok(!labels(got).includes("worker_processes"), marked);
    }
    const partial = complete("http {\n  server {\n    location / {\n      proxy_pa|\n    }\n  }\n}\n");
    assert.deepStrictEqual(entry(partial, "proxy_pass").range, {
      start: { line: 3, character: 6 },
      end: { line: 3, character: 14 },
    });
    // In the middle of a name, the whole name is replaced.
    const middle = complete("http {\n  gz|ip on;\n}\n");
    assert.deepStrictEqual(entry(middle, "gzip").range, {
      start: { line: 1, character: 2 },
      end: { line: 1, character: 6 },
    });
  });

  it("inserts snippets: blocks with braces, flags as a choice, `;` for noargs; the name alone mid-line", () => {
    const http = complete(PLACES.http);
    assert.strictEqual(entry(http, "server").snippet, "server {\n\tlisten ${1:80};\n\t$0\n}");
    assert.strictEqual(entry(http, "server").kind, "block");
    assert.strictEqual(entry(http, "gzip").snippet, "gzip ${1|on,off|};");
    assert.strictEqual(entry(http, "gzip").kind, "directive");
    assert.strictEqual(entry(http, "map").snippet, "map ${1} {\n\t$0\n}");
    const server = complete(PLACES.server);
    assert.strictEqual(entry(server, "location").snippet, "location ${1:/} {\n\t$0\n}");
    assert.strictEqual(entry(server, "if").snippet, "if (${1}) {\n\t$0\n}");
    assert.strictEqual(entry(complete(PLACES.stream), "server").snippet, "server {\n\t$0\n}");
    const location = complete(PLACES.location);
    assert.strictEqual(entry(location, "content_by_lua_block").snippet, "content_by_lua_block {\n\t$0\n}");
    assert.strictEqual(entry(location, "proxy_pass").snippet, "proxy_pass ${1};");
    assert.strictEqual(entry(location, "internal").snippet, "internal;");
    // In an upstream, `server` is the upstream module's statement, not a block.
    assert.strictEqual(entry(complete(PLACES.upstream), "server").snippet, "server ${1};");
    assert.strictEqual(entry(complete(PLACES.upstream), "server").kind, "directive");
    // Renaming the directive of an existing statement inserts only the name.
    const rename = complete("http {\n  gz| on;\n}\n");
    assert.strictEqual(entry(rename, "gzip").snippet, undefined);
    assert.strictEqual(entry(rename, "gzip").insertText, "gzip");
  });

  it("offers nothing in comments, Lua bodies, strings and bodies that are not directives", () => {
    for (const marked of [
      "http {\n  # prox|\n}\n",
      "http { server { location / { content_by_lua_block {\n  ngx.say(1)\n  |\n} } } }\n",
      "http {\n  map $a $b {\n    |\n  }\n}\n",
      "http {\n  types {\n    text/html html;\n    |\n  }\n}\n",
      "http {\n  geo $g {\n    default 0;\n    |\n  }\n}\n",
      'http {\n  add_header X "prox|";\n}\n',
      "http {\n  frobnicate {\n    |\n  }\n}\n",
    ]) {
      assert.deepStrictEqual(labels(complete(marked)), [], marked);
    }
  });

  it("lone CRs: editor lines for the cursor, nginx's comments (a `#` comment runs past a lone CR)", () => {
    // The cursor on the line after a lone CR, in `http`: http directives.
    const inHttp = labels(complete("events {}\rhttp {\r    |\r}\r"));
    assert.ok(inHttp.includes("server") && !inHttp.includes("worker_processes"), inHttp.join(" "));
    // The same line after a lone CR that is inside a comment: still the comment, nothing offered.
    assert.deepStrictEqual(labels(complete("http {\n  # note\r  |\n}\n")), []);
    assert.deepStrictEqual(labels(complete("http {\n  # note\r\n  |\n}\n")).includes("server"), true);
  });

  it("after a directive's name: on/off for flags, variables after `$`, upstreams after http://, named locations after @", () => {
    assert.deepStrictEqual(labels(complete("http {\n  gzip |\n}\n")), ["on", "off"]);
    assert.deepStrictEqual(labels(complete("http {\n  gzip o|\n}\n")), ["on", "off"]);
    assert.deepStrictEqual(labels(complete("http {\n  gzip_types |\n}\n")), []);
    const text = [
      "http {",
      "  map $uri $backend_name { default a; }",
      "  upstream app { server 127.0.0.1:8080; }",
      "  server {",
      "    set $greeting hello;",
      "    location @fallback { return 200; }",
      "    location / {",
      "      proxy_pass http://|",
      "    }",
      "  }",
      "}",
      "stream { upstream tcp_pool { server 127.0.0.1:9000; } }",
      "",
    ].join("\n");
    assert.deepStrictEqual(labels(complete(text)), ["app"]);
    const vars = labels(complete(text.replace("proxy_pass http://|", 'return 200 "$|";')));
    for (const v of ["$backend_name", "$greeting", "$remote_addr", "$request_uri", "$host"])
      assert.ok(vars.includes(v), v);
    assert.ok(!vars.includes("$session_time"), "a stream variable in http");
    const braced = complete(text.replace("proxy_pass http://|", "return 200 ${gr|;"));
    assert.strictEqual(entry(braced, "$greeting").insertText, "${greeting}");
    assert.deepStrictEqual(labels(complete(text.replace("proxy_pass http://|", "try_files $uri @|"))), ["@fallback"]);
    assert.deepStrictEqual(labels(complete(text.replace("proxy_pass http://|", "error_page 404 @f|"))), ["@fallback"]);
    // In stream, proxy_pass names the group without a scheme, and only stream groups.
    const stream =
      "stream {\n  upstream tcp_pool { server 127.0.0.1:9000; }\n  server {\n    proxy_pass |\n  }\n}\nhttp { upstream app { server a; } }\n";
    assert.deepStrictEqual(labels(complete(stream)), ["tcp_pool"]);
  });

  it("takes a known name first on a line as the statement being typed after an unterminated one", () => {
    const text = "http {\n  server {\n    listen 80\n    gzip |\n  }\n}\n";
    assert.deepStrictEqual(labels(complete(text)), ["on", "off"]);
    // The first word on its line may be a new statement's name.
    const next = complete("http {\n  server {\n    server_name a.example\n    prox|\n  }\n}\n");
    assert.ok(labels(next).includes("proxy_pass") === false && labels(next).includes("proxy_set_header"));
  });

  it("says in the detail when the deployed nginx lacks a directive, and when the table has it only as removed", () => {
    const text = "http {\n  server {\n    \n  }\n}\n";
    const parsed = parse(text);
    const at = (nginx: { version: string; source: string } | null) =>
      completionsAt({
        text,
        parsed,
        position: { line: 2, character: 4 },
        topContexts: ["main"],
        symbols: configSymbols([]),
        nginx,
      });
    const old = at({ version: "1.24.0", source: "setting" });
    assert.strictEqual(entry(old, "http2").detail, "ngx_http_v2_module · not in nginx 1.24.0");
    assert.strictEqual(entry(old, "listen").detail, "ngx_http_core_module");
    assert.strictEqual(entry(at(null), "http2").detail, "ngx_http_v2_module");
    // `ssl` was removed in 1.25.1: still offered (older binaries take it), marked and sorted last.
    const ssl = entry(at(null), "ssl");
    assert.strictEqual(ssl.deprecated, true);
    assert.strictEqual(ssl.detail, "ngx_http_ssl_module · removed in 1.25.1");
    assert.ok(ssl.sortText > entry(at(null), "ssl_certificate").sortText);
  });

  it("reads an included file in the context its include site gives it, a loose file in a guessed one", () => {
    const files = {
      "/w/nginx.conf": "events {}\nhttp {\n  include sites-enabled/*.conf;\n}\n",
      "/w/sites-enabled/app.conf": "server {\n  listen 80;\n  \n}\n",
      "/w/streams.conf": "events {}\nstream {\n  include tcp/*.conf;\n}\n",
      "/w/tcp/db.conf": "server {\n  listen 5432;\n  \n}\n",
    };
    const source = new MemoryFileSource(files);
    const http = analyseConfiguration(loadConfiguration("/w/nginx.conf", { source }), { strict: false, source });
    const stream = analyseConfiguration(loadConfiguration("/w/streams.conf", { source }), { strict: false, source });
    const site = files["/w/sites-enabled/app.conf"];
    assert.deepStrictEqual(topContextsOf([http], "/w/sites-enabled/app.conf", parse(site)), ["http"]);
    const items = completionItems([http], "/w/sites-enabled/app.conf", site, { line: 2, character: 2 }, true);
    assert.ok(items.some((i) => i.label === "server_name"));
    assert.ok(items.some((i) => i.label === "location"));
    assert.ok(!items.some((i) => i.label === "http" || i.label === "worker_processes"));
    const db = files["/w/tcp/db.conf"];
    assert.deepStrictEqual(topContextsOf([stream], "/w/tcp/db.conf", parse(db)), ["stream"]);
    const tcp = completionItems([stream], "/w/tcp/db.conf", db, { line: 2, character: 2 }, true);
    assert.strictEqual(tcp.find((i) => i.label === "proxy_pass")?.detail, "ngx_stream_proxy_module");
    assert.ok(!tcp.some((i) => i.label === "location"));
    // No analysis: the guess (a top-level `server` with `listen` is an http server).
    assert.deepStrictEqual(topContextsOf([], null, parse(site)), ["http"]);
  });
});
