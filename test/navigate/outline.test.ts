// Document symbols and folding ranges from a file's own tree: exact names on the examples (written here
// from reading them), and over every file of ../shared/corpus, the outline nests exactly like crossplane's
// blocks in ../shared/corpus-ref, every range holds its children, and folding ranges are well formed.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { documentSymbols, foldingRanges, type OutlineSymbol } from "../../server/src/navigate";
import type { Node, ParsedFile } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";
import { generateIncident } from "../support/incident";
import { CORPUS, CORPUS_REF, haveShared, readManifest, REPO } from "../support/shared";
import { DIVERGENCES } from "../parse/crossplane-divergence-list";

/** Blocks nginx's handler reads itself (cf->handler): their lines are entries, never blocks. */
const CUSTOM_BODY = new Set(["map", "geo", "geoip2", "types", "split_clients", "charset_map"]);

interface Shape {
  name: string;
  children: Shape[];
}

function ours(symbols: readonly OutlineSymbol[]): Shape[] {
  return symbols.map((s) => ({ name: s.directive.name, children: ours(s.children) }));
}

interface RefDirective {
  directive: string;
  args: string[];
  block?: RefDirective[];
}

/** crossplane's blocks, counted on its payload: a `block`, or a Lua block (one argument, no `block`). */
function theirs(parsed: readonly RefDirective[]): Shape[] {
  const out: Shape[] = [];
  for (const d of parsed) {
    if (d.block) out.push({ name: d.directive, children: CUSTOM_BODY.has(d.directive) ? [] : theirs(d.block) });
    else if (d.directive.endsWith("_by_lua_block")) out.push({ name: d.directive, children: [] });
  }
  return out;
}

function count(shapes: readonly Shape[]): number {
  return shapes.reduce((n, s) => n + 1 + count(s.children), 0);
}

function summary(symbols: readonly OutlineSymbol[]): unknown[] {
  return symbols.map((s) => {
    const o: Record<string, unknown> = { name: s.name, kind: s.kind };
    if (s.detail !== undefined) o.detail = s.detail;
    if (s.children.length > 0) o.children = summary(s.children);
    return o;
  });
}

const notAfter = (a: { line: number; character: number }, b: { line: number; character: number }): boolean =>
  a.line < b.line || (a.line === b.line && a.character <= b.character);
const within = (
  outer: { start: { line: number; character: number }; end: { line: number; character: number } },
  inner: typeof outer,
): boolean => notAfter(outer.start, inner.start) && notAfter(inner.end, outer.end);

/** Problems with ranges: selection inside the symbol, children inside their parent, siblings in order. */
function rangeProblems(symbols: readonly OutlineSymbol[], where: string): string[] {
  const out: string[] = [];
  let prevEnd: { line: number; character: number } | null = null;
  for (const s of symbols) {
    if (!within(s.range, s.selectionRange)) out.push(`${where}: ${s.name}: selection outside range`);
    if (s.name === "" || /[\r\n]/.test(s.name)) out.push(`${where}: bad name ${JSON.stringify(s.name)}`);
    if (prevEnd && !notAfter(prevEnd, s.range.start)) out.push(`${where}: ${s.name} overlaps its previous sibling`);
    prevEnd = s.range.end;
    for (const c of s.children) if (!within(s.range, c.range)) out.push(`${where}: ${c.name} outside ${s.name}`);
    out.push(...rangeProblems(s.children, where));
  }
  return out;
}

/** Folding ranges in bounds, start before end; each block spanning 3+ lines folds from its `{` line. */
function foldingProblems(file: ParsedFile, where: string): string[] {
  const out: string[] = [];
  const folds = foldingRanges(file);
  for (const f of folds) {
    if (!(f.startLine < f.endLine)) out.push(`${where}: fold ${f.startLine}-${f.endLine} is empty`);
    if (f.startLine < 0 || f.endLine >= file.lineCount) out.push(`${where}: fold ${f.startLine}-${f.endLine} outside`);
  }
  const starts = new Set(folds.filter((f) => f.kind === undefined).map((f) => f.startLine));
  const visit = (nodes: readonly Node[]): void => {
    for (const n of nodes) {
      if (n.kind !== "directive") continue;
      const b = n.block;
      if (b?.close && b.close.start.line - b.open.start.line >= 2 && !starts.has(b.open.start.line))
        out.push(`${where}: block ${n.name} at line ${b.open.start.line} does not fold`);
      if (b) visit(b.children);
    }
  };
  visit(file.children);
  return out;
}

describe("navigate: outline of the examples", function () {
  const read = (...p: string[]): ParsedFile => parse(fs.readFileSync(path.join(REPO, "examples", ...p), "utf8"));

  it("examples/openresty: the main file, mime.types and the site", function () {
    assert.deepEqual(summary(documentSymbols(read("openresty", "nginx.conf"))), [
      { name: "events", kind: "namespace" },
      {
        name: "http",
        kind: "namespace",
        children: [
          { name: "map $http_upgrade $connection_upgrade", kind: "variable" },
          { name: "upstream backend", kind: "struct" },
        ],
      },
    ]);
    assert.deepEqual(summary(documentSymbols(read("openresty", "mime.types"))), [{ name: "types", kind: "enum" }]);
    assert.deepEqual(summary(documentSymbols(read("openresty", "sites-enabled", "app.conf"))), [
      {
        name: "app.example.com",
        kind: "module",
        detail: "listen 127.0.0.1:8080 reuseport",
        children: [
          { name: "location /", kind: "method" },
          {
            name: "location = /health",
            kind: "method",
            children: [{ name: "content_by_lua_block", kind: "event" }],
          },
          {
            name: 'location ~ "^/v[0-9]{1,2}/items$"',
            kind: "method",
            children: [{ name: "access_by_lua_block", kind: "event" }],
          },
          { name: "location /static/", kind: "method" },
        ],
      },
    ]);
  });

  it("examples/reuseport: http › shop.example.com › location /", function () {
    assert.deepEqual(summary(documentSymbols(read("reuseport", "nginx.conf"))), [
      { name: "events", kind: "namespace" },
      {
        name: "http",
        kind: "namespace",
        children: [
          {
            name: "shop.example.com",
            kind: "module",
            detail: "listen 127.0.0.1:8443 reuseport",
            children: [{ name: "location /", kind: "method" }],
          },
        ],
      },
    ]);
  });

  it("names as written: modifiers, named locations, if, limit_except, several server names and listens", function () {
    const text = [
      "stream {",
      "    upstream dns { server 127.0.0.1:53; }",
      "    server { listen 5353 udp; proxy_pass dns; }",
      "}",
      "mail { server { listen 25; protocol smtp; } }",
      "http {",
      '    split_clients "${remote_addr}" $variant { 50% a; * b; }',
      "    geo $geo { default 0; }",
      "    server {",
      "        listen 443 ssl;",
      "        listen [::]:443 ssl;",
      "        server_name a.example b.example c.example d.example;",
      "        location ~* \\.php$ { if ($request_method = POST) { return 405; } }",
      "        location @fallback { limit_except GET { deny all; } }",
      "        location ^~ /images/ { types { image/webp webp; } }",
      "    }",
      '    server { server_name ""; }',
      "}",
      "",
    ].join("\n");
    assert.deepEqual(summary(documentSymbols(parse(text))), [
      {
        name: "stream",
        kind: "namespace",
        children: [
          { name: "upstream dns", kind: "struct" },
          { name: "server", kind: "module", detail: "listen 5353 udp" },
        ],
      },
      { name: "mail", kind: "namespace", children: [{ name: "server", kind: "module", detail: "listen 25" }] },
      {
        name: "http",
        kind: "namespace",
        children: [
          { name: 'split_clients "${remote_addr}" $variant', kind: "variable" },
          { name: "geo $geo", kind: "variable" },
          {
            name: "a.example b.example c.example …",
            kind: "module",
            detail: "listen 443 ssl, [::]:443 ssl",
            children: [
              {
                name: "location ~* \\.php$",
                kind: "method",
                children: [{ name: "if ($request_method = POST)", kind: "operator" }],
              },
              {
                name: "location @fallback",
                kind: "function",
                children: [{ name: "limit_except GET", kind: "key" }],
              },
              { name: "location ^~ /images/", kind: "method", children: [{ name: "types", kind: "enum" }] },
            ],
          },
          { name: "server", kind: "module" },
        ],
      },
    ]);
  });

  it("a block named like an object property is an ordinary block (no prototype lookups)", function () {
    assert.deepEqual(summary(documentSymbols(parse("constructor { toString { } }\n__proto__ { }\n"))), [
      { name: "constructor", kind: "object", children: [{ name: "toString", kind: "object" }] },
      { name: "__proto__", kind: "object" },
    ]);
  });

  it("the incident's site: one server, the Lua location, then /l0 … in order", function () {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-outline-"));
    const text = fs.readFileSync(path.join(generateIncident(tmp, 200), "sites-enabled", "app.conf"), "utf8");
    fs.rmSync(tmp, { recursive: true, force: true });
    const count = (text.match(/^ {4}location \/l\d+ /gm) ?? []).length;
    const [server, ...rest] = documentSymbols(parse(text));
    assert.equal(rest.length, 0);
    assert.equal(server.name, "localhost");
    assert.equal(server.detail, "listen 127.0.0.1:8080");
    assert.deepEqual(
      server.children.map((c) => c.name),
      ["location = /lua", ...Array.from({ length: count }, (_, i) => `location /l${i}`)],
    );
    assert.deepEqual(
      server.children[0].children.map((c) => c.name),
      ["content_by_lua_block"],
    );
  });
});

describe("navigate: folding ranges", function () {
  it("blocks end on the line before a `}` that starts its line, Lua bodies too, comment runs of 2+", function () {
    const text = [
      "# one", // 0
      "# two", // 1
      "http {", // 2
      "    # alone", // 3
      "    server {", // 4
      "        location / { return 200; }", // 5
      "        location /x {", // 6
      "            content_by_lua_block {", // 7
      "                ngx.say('}')", // 8
      "            }", // 9
      "            return 204; }", // 10
      "    }", // 11
      "    x 1; # trailing", // 12
      "    # not a run with the trailing one", // 13
      "}", // 14
      "",
    ].join("\n");
    assert.deepEqual(foldingRanges(parse(text)), [
      { startLine: 0, endLine: 1, kind: "comment" },
      { startLine: 2, endLine: 13 },
      { startLine: 4, endLine: 10 },
      { startLine: 6, endLine: 10 },
      { startLine: 7, endLine: 8 },
    ]);
  });

  it("a comment running past a lone CR spans editor lines: it folds, and a comment after it joins its run", function () {
    // Lines 1–2 are one comment for nginx (its line ends with a lone CR); line 3 continues the run.
    const text = "http {\n    # off:\r    return 503;\n    # note\n    return 200;\n}\n";
    assert.deepEqual(foldingRanges(parse(text)), [
      { startLine: 0, endLine: 4 },
      { startLine: 1, endLine: 3, kind: "comment" },
    ]);
    assert.deepEqual(foldingRanges(parse("# a\rb;\nc;\n")), [{ startLine: 0, endLine: 1, kind: "comment" }]);
  });

  it("an unclosed block folds to the end of the file; one-line blocks do not fold", function () {
    assert.deepEqual(foldingRanges(parse("http {\n  server {\n    listen 80;\n")), [
      { startLine: 0, endLine: 3 },
      { startLine: 1, endLine: 3 },
    ]);
    assert.deepEqual(foldingRanges(parse("events {}\nhttp { server { } }\n")), []);
  });
});

describe("navigate: outline and folding over ../shared/corpus", function () {
  before(function () {
    if (!haveShared()) this.skip();
  });

  it("every referenced file: symbols nest exactly like crossplane's blocks; ranges and folds well formed", function () {
    const manifest = readManifest();
    const links = new Map(manifest.filter((e) => e.linkTo).map((e) => [e.path, e.linkTo as string]));
    const done = new Set<string>();
    const failures: string[] = [];
    let files = 0;
    let symbols = 0;
    for (const entry of manifest) {
      if (entry.kind === "include" || DIVERGENCES[entry.path]) continue;
      const refFile = path.join(CORPUS_REF, entry.path + ".json");
      if (!fs.existsSync(refFile)) continue;
      const ref = JSON.parse(fs.readFileSync(refFile, "utf8")) as {
        config: { file: string; status: string; parsed: RefDirective[] }[];
      };
      for (const c of ref.config) {
        if (c.status !== "ok" || done.has(c.file)) continue;
        done.add(c.file);
        const real = path.join(CORPUS, links.get(path.posix.normalize(c.file)) ?? c.file);
        if (!fs.existsSync(real) || !fs.statSync(real).isFile()) continue;
        const parsed = parse(fs.readFileSync(real, "utf8"));
        const got = documentSymbols(parsed);
        const want = theirs(c.parsed);
        files++;
        symbols += count(want);
        if (JSON.stringify(ours(got)) !== JSON.stringify(want))
          failures.push(`${c.file}: outline ${JSON.stringify(ours(got))} ≠ crossplane ${JSON.stringify(want)}`);
        failures.push(...rangeProblems(got, c.file), ...foldingProblems(parsed, c.file));
      }
    }
    assert.deepEqual(failures.slice(0, 20), []);
    assert.ok(files > 550, `compared ${files} files`);
    assert.ok(symbols > 4500, `compared ${symbols} symbols`);
    console.log(`      (${files} files, ${symbols} symbols)`);
  });
});
