// `nginx -T` output read back as the files it came from: a committed dump made by nginx 1.22.1, a fresh
// one when the binary is here, and hand-made edge cases.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Range } from "../../server/src/parse/ast";
import { loadConfiguration, walk } from "../../server/src/workspace/configuration";
import { loadDump, parseDump, toDumpRange } from "../../server/src/workspace/dump";
import { REPO, nginxBinary } from "../support/shared";
import { removeTree, tempTree } from "./helpers";

const FIXTURE = path.join(REPO, "test/fixtures/nginx-T");
/** Where the committed dump was made (see the comment at the top of conf/nginx.conf). */
const MADE_AT = "/tmp/nginx-risk-fixture";

function fixtureFiles(): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else out.set(MADE_AT + "/" + path.relative(path.join(FIXTURE, "conf"), p), fs.readFileSync(p, "utf8"));
    }
  };
  visit(path.join(FIXTURE, "conf"));
  return out;
}

describe("workspace/dump: the committed nginx -T fixture", function () {
  const text = fs.readFileSync(path.join(FIXTURE, "dump.txt"), "utf8");

  it("splits the dump into the exact files nginx read, the main file first", function () {
    const dump = parseDump(text);
    assert.deepEqual(dump.preamble, [
      `nginx: the configuration file ${MADE_AT}/nginx.conf syntax is ok`,
      `nginx: configuration file ${MADE_AT}/nginx.conf test is successful`,
    ]);
    assert.equal(dump.root, `${MADE_AT}/nginx.conf`);
    assert.deepEqual(
      dump.files.map((f) => f.path),
      [
        `${MADE_AT}/nginx.conf`,
        `${MADE_AT}/mime.types`,
        `${MADE_AT}/maps/hosts.map`,
        `${MADE_AT}/conf.d/a.conf`,
        `${MADE_AT}/snippets/common.conf`,
        `${MADE_AT}/conf.d/b.conf`,
      ],
    );
    const sources = fixtureFiles();
    assert.equal(sources.size, dump.files.length);
    for (const f of dump.files) assert.equal(f.text, sources.get(f.path), f.path);
    assert.ok(!dump.files[4].text.endsWith("\n"), "common.conf has no final newline and the dump keeps that");
    assert.deepEqual(dump.problems, []);
  });

  it("resolves includes against the dump: the shared snippet twice, map/types bodies in their context", function () {
    const { configuration, diagnostics } = loadDump(text);
    assert.ok(configuration);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      configuration.instances.map((i) => [i.path.slice(MADE_AT.length + 1), i.context.join("/")]),
      [
        ["nginx.conf", ""],
        ["mime.types", "http/types"],
        ["maps/hosts.map", "http/map"],
        ["conf.d/a.conf", "http"],
        ["snippets/common.conf", "http/server"],
        ["conf.d/b.conf", "http"],
        ["snippets/common.conf", "http/server"],
      ],
    );
    const names: string[] = [];
    walk(configuration, {
      enter: (d, info) => void (d.name === "server_name" && names.push(`${info.context.join("/")} ${d.args[0].value}`)),
    });
    assert.deepEqual(names, ["http/server a.example", "http/server b.example"]);
  });

  it("maps positions in a dumped file back to the dump's lines (non-ASCII before them)", function () {
    const { dump, configuration, fileAt } = loadDump(text);
    const b = fileAt(`${MADE_AT}/conf.d/b.conf`)!;
    // proxy_pass in b.conf, found through the tree of its instance.
    let found = null as null | { range: Range; file: string };
    walk(configuration!, {
      enter: (d, info) => void (d.name === "proxy_pass" && (found = { range: d.nameWord.range, file: info.file.path })),
    });
    assert.ok(found);
    assert.equal(found.file, b.path);
    const inDump = toDumpRange(b, found.range);
    const dumpLines = text.split("\n");
    assert.equal(dumpLines[inDump.start.line].slice(inDump.start.character, inDump.end.character), "proxy_pass");
    assert.equal(text.slice(inDump.start.offset, inDump.end.offset), "proxy_pass");
    assert.equal(dump.files[0].headerLine, 2);
  });
});

describe("workspace/dump: edge cases", function () {
  it("places a syntax error of a dumped file at its line in the dump", function () {
    const text = [
      "# configuration file /etc/nginx/nginx.conf:",
      "events {}",
      "http { include conf.d/*.conf; }",
      "",
      "# configuration file /etc/nginx/conf.d/x.conf:",
      "server {",
      "    listen 80",
      "}",
      "",
    ].join("\n");
    const { diagnostics, configuration } = loadDump(text);
    assert.equal(configuration!.instances.length, 2);
    const err = diagnostics.find((d) => d.code === "missing-semicolon");
    assert.ok(err, JSON.stringify(diagnostics));
    assert.ok(err.range.start.line >= 6 && err.range.start.line <= 7, JSON.stringify(err.range));
    assert.match(err.message, /\(in \/etc\/nginx\/conf\.d\/x\.conf\)$/);
  });

  it("places findings of a file after one holding a lone CR on the editor's line (LSP counts a lone CR)", function () {
    const text = [
      "# configuration file /etc/nginx/nginx.conf:",
      "events {}",
      "# off:\r include x.conf;", // one nginx line, two editor lines
      "http { include conf.d/*.conf; }",
      "",
      "# configuration file /etc/nginx/conf.d/x.conf:",
      "server {",
      "    listen 80",
      "}",
      "",
    ].join("\n");
    const { diagnostics } = loadDump(text);
    const err = diagnostics.find((d) => d.code === "missing-semicolon");
    assert.ok(err, JSON.stringify(diagnostics));
    // `listen 80` is on LF-line 7 of the dump, editor line 8; its error in the editor's coordinates of the dump.
    const at = text.indexOf("listen");
    assert.deepEqual([err.range.start.line, err.range.start.offset], [8, at + "listen ".length]);
    assert.deepEqual(
      diagnostics.filter((d) => d.code === "comment-continues-past-cr").map((d) => d.range.start.line),
      [3],
    );
  });

  it("does not read the disk: an include of a file missing from the dump is missing", function () {
    const { diagnostics } = loadDump("# configuration file /etc/nginx/nginx.conf:\ninclude /etc/hostname;\n\n");
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.range.start.line]),
      [["include-not-found", 1]],
    );
  });

  it("tolerates nginx's messages after the dump, CRLF line ends, and repeated files", function () {
    const text =
      "# configuration file /p/nginx.conf:\r\ninclude a.conf;\r\ninclude a.conf;\r\n\r\n" +
      "# configuration file /p/a.conf:\r\nuser x;\r\n\r\n" +
      "# configuration file /p/a.conf:\r\nuser x;\r\n\r\n" +
      "nginx: the configuration file /p/nginx.conf syntax is ok\r\n" +
      "nginx: configuration file /p/nginx.conf test is successful\r\n";
    const dump = parseDump(text);
    assert.deepEqual(
      dump.files.map((f) => [f.path, f.text, f.line]),
      [
        ["/p/nginx.conf", "include a.conf;\r\ninclude a.conf;\r\n", 1],
        ["/p/a.conf", "user x;\r\n", 5],
      ],
    );
    assert.deepEqual(
      dump.problems.map((p) => [p.code, p.range.start.line]),
      [["dump-duplicate-file", 7]],
    );
  });

  it("reports text that is not a dump", function () {
    const { configuration, diagnostics } = loadDump("events {}\n");
    assert.equal(configuration, null);
    assert.equal(diagnostics[0].code, "dump-no-header");
  });
});

describe("workspace/dump: round trip through the real nginx -T", function () {
  const nginx = nginxBinary();
  let dir = "";
  before(function () {
    if (!nginx) this.skip();
  });
  after(() => dir && removeTree(dir));

  it("every dumped file equals the file on disk and the expansion equals the disk's", function () {
    const files: Record<string, string> = {};
    for (const [p, t] of fixtureFiles()) files[p.slice(MADE_AT.length + 1)] = t;
    dir = tempTree(files);
    const conf = path.join(dir, "nginx.conf");
    // The fixture names its pid/error_log under MADE_AT; point them at this copy.
    fs.writeFileSync(conf, files["nginx.conf"].split(MADE_AT).join(dir));
    const r = spawnSync(nginx!, ["-T", "-c", conf, "-p", dir + "/"], { encoding: "utf8", timeout: 20000 });
    assert.equal(r.status, 0, r.stderr);
    const loaded = loadDump(r.stderr + r.stdout);
    assert.equal(loaded.dump.root, conf);
    for (const f of loaded.dump.files) assert.equal(f.text, fs.readFileSync(f.path, "utf8"), f.path);
    const fromDisk = loadConfiguration(conf, { defaultMapping: false });
    assert.deepEqual(
      loaded.configuration!.instances.map((i) => [i.path, i.context]),
      fromDisk.instances.map((i) => [i.path, i.context]),
    );
  });
});
