// One `include` resolved like ngx_conf_include: conf prefix, mappings, sorted globs, missing files.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ReadPolicy } from "../../server/src/workspace/access";
import { NodeFileSource, MemoryFileSource } from "../../server/src/workspace/files";
import { resolveInclude } from "../../server/src/workspace/includes";
import { removeTree, tempTree } from "./helpers";

describe("workspace/includes", function () {
  let dir = "";
  afterEach(() => dir && removeTree(dir));

  it("resolves relative names against the conf prefix and sorts glob matches bytewise, skipping dot-files", function () {
    dir = tempTree({});
    // Created in an order unlike the sorted one, so readdir order cannot pass for sorting.
    for (const n of ["b.conf", "B.conf", "10.conf", "9.conf", "a.conf", ".hidden.conf", "a.txt"]) {
      fs.mkdirSync(path.join(dir, "conf.d"), { recursive: true });
      fs.writeFileSync(path.join(dir, "conf.d", n), "");
    }
    const r = resolveInclude("conf.d/*.conf", { confPrefix: dir, mappings: [], source: new NodeFileSource() });
    assert.equal(r.isGlob, true);
    assert.equal(r.nginxPath, dir + "/conf.d/*.conf");
    assert.deepEqual(
      r.files.map((f) => path.basename(f)),
      ["10.conf", "9.conf", "B.conf", "a.conf", "b.conf"],
    );
    assert.deepEqual(r.problems, []);
  });

  it("sends absolute names through the mappings, and names both paths when the file is missing", function () {
    const src = new MemoryFileSource({ "/proj/mime.types": "types {}" });
    const ctx = { confPrefix: "/etc/nginx", mappings: [{ from: "/etc/nginx", to: "/proj" }], source: src };
    const ok = resolveInclude("/etc/nginx/mime.types", ctx);
    assert.deepEqual(ok.files, ["/proj/mime.types"]);
    const rel = resolveInclude("mime.types", ctx);
    assert.deepEqual(rel.files, ["/proj/mime.types"], "relative → conf prefix → mapping");
    const missing = resolveInclude("snippets/ssl.conf", ctx);
    assert.deepEqual(missing.files, []);
    assert.deepEqual(missing.problems, [
      {
        message:
          'open() "/etc/nginx/snippets/ssl.conf" failed (2: No such file or directory) (looked for /proj/snippets/ssl.conf)',
        severity: "error",
        code: "include-not-found",
      },
    ]);
    // A path the user mapped into the workspace and missing there: nginx would fail as well.
    const mappedMissing = resolveInclude("/etc/nginx/snippets/ssl.conf", ctx);
    assert.deepEqual(
      mappedMissing.problems.map((p) => [p.severity, p.code]),
      [["error", "include-not-found"]],
    );
  });

  it("an absolute include the workspace does not hold is a warning that names the fix, unless the user mapped it", function () {
    const src = new MemoryFileSource({ "/proj/nginx.conf": "" });
    const unmapped = resolveInclude("/usr/share/nginx/modules/x.conf", {
      confPrefix: "/proj",
      mappings: [],
      source: src,
    });
    assert.deepEqual(unmapped.problems, [
      {
        message:
          '"/usr/share/nginx/modules/x.conf" is not in the workspace; nginx reads it on the server. To analyse it, ' +
          "map the folder that holds it (nginxRisk.pathMappings, --map FROM=TO) or allow reading it " +
          "(nginxRisk.allowRead, --allow-read PATH)",
        severity: "warning",
        code: "include-not-in-workspace",
      },
    ]);
    // The default /etc/nginx mapping is our guess, not the user's word: the same warning, naming where we looked.
    const byDefault = resolveInclude("/etc/nginx/snippets/ssl.conf", {
      confPrefix: "/etc/nginx",
      mappings: [{ from: "/etc/nginx", to: "/proj", origin: "default" }],
      source: src,
    });
    assert.deepEqual(
      byDefault.problems.map((p) => [p.severity, p.code]),
      [["warning", "include-not-in-workspace"]],
    );
    assert.match(byDefault.problems[0].message, /\(looked for \/proj\/snippets\/ssl\.conf\)/);
    // The relative name nginx resolves to the same file is nginx's error: the conf prefix is the workspace's.
    const relative = resolveInclude("snippets/ssl.conf", {
      confPrefix: "/etc/nginx",
      mappings: [{ from: "/etc/nginx", to: "/proj", origin: "default" }],
      source: src,
    });
    assert.deepEqual(
      relative.problems.map((p) => [p.severity, p.code]),
      [["error", "include-not-found"]],
    );
    // An nginx -T dump holds every file nginx read: there a missing absolute name is missing.
    const dump = resolveInclude("/usr/share/nginx/modules/x.conf", {
      confPrefix: "/proj",
      mappings: [],
      source: src,
      missingIsError: true,
    });
    assert.deepEqual(
      dump.problems.map((p) => [p.severity, p.code]),
      [["error", "include-not-found"]],
    );
  });

  it("a stock file the workspace does not hold is nginx's default; a workspace copy is read instead", function () {
    const src = new MemoryFileSource({ "/proj/nginx.conf": "", "/proj/fastcgi_params": "fastcgi_param A b;\n" });
    const ctx = { confPrefix: "/etc/nginx", mappings: [{ from: "/etc/nginx", to: "/proj" }], source: src };
    for (const arg of ["/etc/nginx/mime.types", "mime.types", "/usr/local/nginx/conf/mime.types"]) {
      const r = resolveInclude(arg, ctx);
      assert.deepEqual([r.files, r.problems, r.stock], [["(nginx default) mime.types"], [], "mime.types"], arg);
    }
    const copy = resolveInclude("fastcgi_params", ctx);
    assert.deepEqual([copy.files, copy.problems, copy.stock], [["/proj/fastcgi_params"], [], undefined]);
    // By name only, and only plain names: a glob, or another name in the same folder, is not a stock file.
    assert.equal(resolveInclude("/etc/nginx/mime.types.d/*.conf", ctx).stock, undefined);
    assert.equal(resolveInclude("/etc/nginx/proxy_params", ctx).stock, undefined);
  });

  it("a stock file the workspace holds as a link out of it is the user's copy: refused and said, not assumed", function () {
    dir = tempTree({ "ws/nginx.conf": "", "out/fastcgi_params": "fastcgi_param A b;\n" });
    fs.symlinkSync("../out/fastcgi_params", path.join(dir, "ws/fastcgi_params"));
    const source = new NodeFileSource(new ReadPolicy({ roots: [path.join(dir, "ws")] }));
    const ctx = { confPrefix: path.join(dir, "ws"), mappings: [], source };
    const linked = resolveInclude("fastcgi_params", ctx);
    assert.deepEqual(
      [linked.files, linked.stock, linked.problems.map((p) => p.code)],
      [[], undefined, ["read-outside"]],
    );
    assert.match(linked.problems[0].message, /through a symbolic link/);
    // Outside by name (not held at all): nginx's default.
    const outside = resolveInclude(path.join(dir, "out/mime.types"), ctx);
    assert.deepEqual(
      [outside.files, outside.stock, outside.problems],
      [["(nginx default) mime.types"], "mime.types", []],
    );
  });

  it("accepts a glob that matches nothing, as nginx does (ngx_open_glob: GLOB_NOMATCH with gl.test)", function () {
    const src = new MemoryFileSource({ "/proj/nginx.conf": "" });
    const r = resolveInclude("conf.d/*.conf", { confPrefix: "/proj", mappings: [], source: src });
    assert.deepEqual([r.isGlob, r.files, r.problems], [true, [], []]);
  });

  it("reports a directory named by an include (nginx: pread() … (21: Is a directory))", function () {
    const src = new MemoryFileSource({ "/p/sites-enabled/sub/x": "", "/p/sites-enabled/a": "" });
    const plain = resolveInclude("sites-enabled", { confPrefix: "/p", mappings: [], source: src });
    assert.equal(plain.problems[0].code, "include-is-directory");
    assert.equal(plain.problems[0].message, 'pread() "/p/sites-enabled" failed (21: Is a directory)');
    const glob = resolveInclude("sites-enabled/*", { confPrefix: "/p", mappings: [], source: src });
    assert.deepEqual(glob.files, ["/p/sites-enabled/a"]);
    assert.equal(glob.problems[0].code, "include-is-directory");
  });
});
