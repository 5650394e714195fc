// FileSource implementations, UTF-8 decoding with positioned warnings, overlays, the parse cache.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  MemoryFileSource,
  NodeFileSource,
  OverlayFileSource,
  ParseCache,
  decodeConfigBytes,
} from "../../server/src/workspace/files";
import { expandGlob } from "../../server/src/workspace/glob";
import { removeTree, tempTree } from "./helpers";

describe("workspace/files: decoding", function () {
  it("decodes valid UTF-8 (multi-byte, astral) without problems", function () {
    const { text, problems } = decodeConfigBytes(Buffer.from("# café ☕ 😀\nuser nginx;\n", "utf8"));
    assert.equal(text, "# café ☕ 😀\nuser nginx;\n");
    assert.deepEqual(problems, []);
  });

  it("keeps going past invalid bytes and reports the first one at its UTF-16 position", function () {
    // line 0: "# é", line 1: "# 😀 x" then a Latin-1 é (0xE9) before "t", then more invalid bytes.
    const bytes = Buffer.concat([
      Buffer.from("# é\n# 😀 x", "utf8"),
      Buffer.from([0xe9]),
      Buffer.from("t;\n", "utf8"),
      Buffer.from([0xff, 0xfe]),
      Buffer.from("\nuser x;\n", "utf8"),
    ]);
    const { text, problems } = decodeConfigBytes(bytes);
    assert.equal(text, "# é\n# 😀 x\uFFFDt;\n\uFFFD\uFFFD\nuser x;\n");
    assert.equal(problems.length, 1);
    const [p] = problems;
    assert.equal(p.code, "invalid-utf8");
    assert.equal(p.severity, "warning");
    assert.match(p.message, /^file is not valid UTF-8/);
    assert.match(p.message, /0xe9 at byte offset 13/);
    // "# " (2) + surrogate pair (2) + " x" (2) = character 6; offset 4 ("# é\n") + 6.
    assert.deepEqual(p.range.start, { line: 1, character: 6, offset: 10 });
    assert.deepEqual(p.range.end, { line: 1, character: 7, offset: 11 });
  });

  it("rejects overlong forms, surrogates and truncated sequences", function () {
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
      [0xf5, 0x80, 0x80, 0x80],
    ]) {
      const { problems } = decodeConfigBytes(Buffer.from([0x61, 0x0a, ...bad]));
      assert.equal(problems.length, 1, JSON.stringify(bad));
      assert.deepEqual(problems[0].range.start, { line: 1, character: 0, offset: 2 }, JSON.stringify(bad));
    }
  });

  it("counts CRLF and a lone CR as line breaks, like the scanner", function () {
    const { problems } = decodeConfigBytes(Buffer.from([0x61, 0x0d, 0x0a, 0x62, 0x0d, 0x63, 0xff]));
    assert.deepEqual(problems[0].range.start, { line: 2, character: 1, offset: 6 });
  });

  it("keeps a BOM in the text and reports it as an error, as nginx -t fails on it", function () {
    const { text, problems } = decodeConfigBytes(Buffer.from("\uFEFFuser x;\n", "utf8"));
    assert.equal(text.charCodeAt(0), 0xfeff);
    assert.deepEqual(
      problems.map((p) => [p.code, p.severity]),
      [["utf8-bom", "error"]],
    );
  });
});

describe("workspace/files: sources", function () {
  let dir = "";
  afterEach(() => dir && removeTree(dir));

  it("NodeFileSource reads files, lists folders, and changes version when the file changes", function () {
    dir = tempTree({ "a.conf": "user a;\n", "sub/b.conf": Buffer.from([0x23, 0xff, 0x0a]) });
    const src = new NodeFileSource();
    const a1 = src.load(path.join(dir, "a.conf"));
    assert.ok(a1);
    assert.equal(a1.text, "user a;\n");
    assert.equal(src.load(path.join(dir, "a.conf")), a1, "unchanged file: same cached object");
    fs.writeFileSync(path.join(dir, "a.conf"), "user bb;\n");
    const a2 = src.load(path.join(dir, "a.conf"));
    assert.equal(a2?.text, "user bb;\n");
    assert.notEqual(a2?.version, a1.version);
    assert.deepEqual(src.readdir(dir)?.sort(), ["a.conf", "sub"]);
    assert.equal(src.isDirectory(path.join(dir, "sub")), true);
    assert.equal(src.load(path.join(dir, "sub")), null, "a directory is not a file");
    assert.equal(src.read(path.join(dir, "missing")), null);
    assert.equal(src.exists(path.join(dir, "missing")), false);
    assert.deepEqual(
      src.load(path.join(dir, "sub/b.conf"))?.problems.map((p) => p.code),
      ["invalid-utf8"],
    );
  });

  it("readText gives a configuration's loaded text while the file is unchanged, and reads it again after a change", function () {
    const nul = Buffer.concat([Buffer.from("user a;\n#"), Buffer.from([0]), Buffer.from("\n")]);
    dir = tempTree({ "a.conf": "user a;\n", "bad.conf": Buffer.from([0x23, 0xff, 0x0a]), "nul.conf": nul });
    const src = new NodeFileSource();
    const p = path.join(dir, "a.conf");
    const loaded = src.load(p)!;
    assert.equal(src.readText(p, 1024), loaded.text);
    // Over the size given, as before the file was loaded.
    assert.equal(src.readText(p, 4), null);
    fs.writeFileSync(p, "user bb;\n");
    assert.equal(src.readText(p, 1024), "user bb;\n", "a changed file is read again");
    // What a read of the bytes gives: invalid UTF-8 as U+FFFD, and a NUL byte makes it no text at all.
    const bad = path.join(dir, "bad.conf");
    src.load(bad);
    assert.equal(src.readText(bad, 1024), "#\uFFFD\n");
    const withNul = path.join(dir, "nul.conf");
    assert.ok(src.load(withNul));
    assert.equal(src.readText(withNul, 1024), null);
  });

  it("MemoryFileSource implies directories for globbing", function () {
    const src = new MemoryFileSource({
      "/etc/nginx/conf.d/b.conf": "",
      "/etc/nginx/conf.d/a.conf": "",
      "/etc/nginx/x": "",
    });
    assert.deepEqual(src.readdir("/etc/nginx")?.sort(), ["conf.d", "x"]);
    assert.equal(src.isDirectory("/etc/nginx/conf.d"), true);
    assert.equal(src.isDirectory("/etc/nginx/x"), false);
    assert.deepEqual(expandGlob("/etc/nginx/conf.d/*.conf", src), [
      "/etc/nginx/conf.d/a.conf",
      "/etc/nginx/conf.d/b.conf",
    ]);
  });

  it("an overlay overrides the disk until removed, and a buffer-only file is visible to globs", function () {
    dir = tempTree({ "conf.d/a.conf": "server { listen 80; }\n" });
    const src = new OverlayFileSource(new NodeFileSource());
    const a = path.join(dir, "conf.d/a.conf");
    src.setOverlay(a, "server { listen 81; }\n", 3);
    assert.equal(src.read(a), "server { listen 81; }\n");
    src.setOverlay(path.join(dir, "conf.d/new.conf"), "server {}\n");
    assert.deepEqual(expandGlob(path.join(dir, "conf.d/*.conf"), src), [a, path.join(dir, "conf.d/new.conf")]);
    assert.equal(src.exists(path.join(dir, "conf.d/new.conf")), true);
    src.removeOverlay(a);
    assert.equal(src.read(a), "server { listen 80; }\n");
  });

  it("two overlays of the same text still get distinct versions", function () {
    const src = new OverlayFileSource(new MemoryFileSource());
    src.setOverlay("/x.conf", "a;");
    const v1 = src.load("/x.conf")?.version;
    src.setOverlay("/x.conf", "a;");
    assert.notEqual(src.load("/x.conf")?.version, v1);
  });
});

describe("workspace/files: ParseCache", function () {
  it("parses once per path and version", function () {
    const src = new OverlayFileSource(new MemoryFileSource({ "/a.conf": "user a;\n" }));
    const cache = new ParseCache();
    const first = cache.get("/a.conf", src.load("/a.conf")!);
    assert.equal(cache.get("/a.conf", src.load("/a.conf")!), first);
    assert.equal(cache.parses, 1);
    src.setOverlay("/a.conf", "user b;\n");
    const second = cache.get("/a.conf", src.load("/a.conf")!);
    assert.notEqual(second, first);
    assert.equal(cache.parses, 2);
    assert.equal(cache.size, 1, "one entry per path");
    cache.retain([]);
    assert.equal(cache.size, 0);
  });
});
