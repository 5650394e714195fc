// The tree keeps positions as numbers and makes a Range (two Positions) on every read of `range` (parse/ast.ts).
// The stages of a first analysis that visit every statement (the opened buffer's classification, every rule)
// must read the numbers: lost-semicolon read two ranges per word of every statement, 63 ms of a server start on
// large-config (issue 13). Counted, not timed: the getters of the real tree classes are wrapped to count their
// reads while the real stages run on a configuration with many multi-line statements and no finding.
import { strict as assert } from "assert";
import { Block, Comment, Directive, LuaBody, Word } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";
import { runChecks } from "../../server/src/rules";
import { classifyOpenedFile } from "../../server/src/workspace/classify";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { directivesOf } from "../support/plain-tree";

/** Wraps the getter `name` of `proto` to count its reads; returns the restore function. */
function countReads(proto: object, name: string, counter: { reads: number }): () => void {
  const own = Object.getOwnPropertyDescriptor(proto, name);
  assert.ok(own?.get, `${name} is a getter of ${proto.constructor.name}`);
  const get = own.get;
  Object.defineProperty(proto, name, {
    ...own,
    get(this: unknown) {
      counter.reads++;
      return get.call(this);
    },
  });
  return () => Object.defineProperty(proto, name, own);
}

/** Servers whose statements spread their arguments over lines (what lost-semicolon looks at), none of them wrong. */
function configuration(servers: number): string {
  // The main-level and http settings the best-practice rules ask for (issue 15: missing-worker-processes, …).
  const out = [
    "worker_processes 1;",
    "error_log stderr;",
    "events {}",
    "http {",
    "    server_tokens off;",
    "    gzip on;",
    "    client_max_body_size 1m;",
    "    log_format main '$remote_addr'",
    "                    '$status';",
  ];
  for (let i = 0; i < servers; i++) {
    out.push(
      "    server {",
      `        listen ${8000 + i};`,
      `        server_name a${i}.test`,
      `                    b${i}.test;`,
      "        # a comment",
      "        location / {",
      "            proxy_set_header Host",
      "                             $host;",
      "            return 200;",
      "        }",
      "    }",
    );
  }
  out.push("}", "");
  return out.join("\n");
}

describe("the stages of a first analysis read positions as numbers", function () {
  this.timeout(60_000);

  it("classification and every rule make no Range for statements they do not report", function () {
    const servers = 500;
    const text = configuration(servers);
    const config = loadConfiguration("/w/nginx.conf", { source: new MemoryFileSource({ "/w/nginx.conf": text }) });
    const parsed = parse(text);
    const counter = { reads: 0 };
    // Word holds the `range` of words (SpanWord inherits it), Spanned (Comment's base class) that of comments.
    const spanned = Object.getPrototypeOf(Comment.prototype) as object;
    const restore = [
      countReads(Word.prototype, "range", counter),
      countReads(spanned, "range", counter),
      countReads(Directive.prototype, "range", counter),
      countReads(Directive.prototype, "semicolon", counter),
      countReads(Block.prototype, "open", counter),
      countReads(Block.prototype, "close", counter),
      countReads(LuaBody.prototype, "range", counter),
    ];
    let findings;
    try {
      assert.ok(classifyOpenedFile(parsed).configuration);
      findings = runChecks(config, { strict: true });
    } finally {
      for (const r of restore) r();
    }
    assert.deepStrictEqual(
      findings.map((f) => `${f.code}: ${f.message}`),
      [],
    );
    // The configuration has 3,000 statements and 6,500 words: before, lost-semicolon read 2 ranges per word
    // (10,009 reads here) and the classification one per statement (3,003). A constant allows reads that do
    // not grow with the input.
    assert.ok(counter.reads <= 20, `${counter.reads} ranges read for ${servers} servers and no finding`);
  });

  it("classification and every rule make the words of the statements they must read, not of every one", function () {
    // A directive makes its Word objects when `nameWord` or `args` is first read (parse/ast.ts); the stages that
    // visit every statement ask `argCount`, `argValue`, `nameQuote`, `argsOnNameLine` instead.
    const servers = 500;
    const text = configuration(servers);
    const config = loadConfiguration("/w/nginx.conf", { source: new MemoryFileSource({ "/w/nginx.conf": text }) });
    const parsed = parse(text);
    assert.ok(classifyOpenedFile(parsed).configuration);
    assert.deepStrictEqual(runChecks(config, { strict: true }), []);
    const made = new Map<string, number>();
    let statements = 0;
    for (const tree of [parsed, ...config.files.values()])
      for (const d of directivesOf(tree.children)) {
        statements++;
        if (d.wordsMade) made.set(d.name, (made.get(d.name) ?? 0) + 1);
      }
    assert.strictEqual(statements, 2 * (8 + 6 * servers));
    // Read: the words of the statements whose arguments go on over lines (lost-semicolon looks for a statement
    // starting a line: server_name, proxy_set_header, the log_format) and those of `listen` (the SSL contexts
    // and the reuseport rule read its parameters). Not read: `events`, `http`, `server`, `location`, `return`
    // of every server, in either tree (the classification made none). Before words were made when read, every
    // statement had them: 6,006 here.
    assert.deepStrictEqual(Object.fromEntries(made), {
      log_format: 1,
      listen: servers,
      server_name: servers,
      proxy_set_header: servers,
    });
  });
});
