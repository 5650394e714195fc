// One `include` resolved like ngx_conf_include: conf prefix, mappings, sorted globs, missing files.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
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
    const unmapped = resolveInclude("/usr/share/nginx/modules/x.conf", ctx);
    assert.equal(
      unmapped.problems[0].message,
      'open() "/usr/share/nginx/modules/x.conf" failed (2: No such file or directory)',
    );
  });

  it("warns (does not fail) on a glob that matches nothing", function () {
    const src = new MemoryFileSource({ "/proj/nginx.conf": "" });
    const r = resolveInclude("conf.d/*.conf", { confPrefix: "/proj", mappings: [], source: src });
    assert.deepEqual(r.files, []);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].severity, "warning");
    assert.equal(r.problems[0].code, "include-glob-empty");
    assert.match(r.problems[0].message, /"\/proj\/conf\.d\/\*\.conf" matches no files/);
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
