// Path mappings: longest prefix wins, whole segments only, FROM=TO parsing, the /etc/nginx default.
import { strict as assert } from "assert";
import * as path from "path";
import {
  mapPath,
  parseMapping,
  unmapPath,
  withDefaultMappings,
  type PathMapping,
} from "../../server/src/workspace/paths";

describe("workspace/paths", function () {
  const maps: PathMapping[] = [
    { from: "/etc/nginx/", to: "/home/u/proj/" },
    { from: "/etc/nginx/snippets", to: "/home/u/shared-snippets" },
  ];

  it("maps by the longest matching prefix, on segment boundaries", function () {
    assert.equal(mapPath("/etc/nginx/nginx.conf", maps), "/home/u/proj/nginx.conf");
    assert.equal(mapPath("/etc/nginx/snippets/ssl.conf", maps), "/home/u/shared-snippets/ssl.conf");
    assert.equal(mapPath("/etc/nginx", maps), "/home/u/proj");
    assert.equal(mapPath("/etc/nginx2/x.conf", maps), "/etc/nginx2/x.conf", "not a segment prefix");
    assert.equal(mapPath("/usr/share/nginx/modules/a.conf", maps), "/usr/share/nginx/modules/a.conf");
    // Order does not matter: the longer prefix wins even when listed later.
    assert.equal(mapPath("/etc/nginx/snippets/a", [...maps].reverse()), "/home/u/shared-snippets/a");
  });

  it("unmaps workspace paths back to nginx's names", function () {
    assert.equal(unmapPath("/home/u/proj/conf.d/a.conf", maps), "/etc/nginx/conf.d/a.conf");
    assert.equal(unmapPath("/home/u/shared-snippets/x", maps), "/etc/nginx/snippets/x");
    assert.equal(unmapPath("/home/u/project/x", maps), "/home/u/project/x");
  });

  it("parses FROM=TO, resolving a relative TO against the given folder", function () {
    assert.deepEqual(parseMapping("/etc/nginx/=./deploy/nginx", "/work/repo"), {
      ok: true,
      mapping: { from: "/etc/nginx", to: path.resolve("/work/repo", "deploy/nginx") },
    });
    assert.deepEqual(parseMapping("/srv=/data/a=b", "/"), { ok: true, mapping: { from: "/srv", to: "/data/a=b" } });
    for (const bad of ["/etc/nginx", "=/x", "/etc/nginx=", "etc/nginx=/x"]) {
      const r = parseMapping(bad, "/");
      assert.equal(r.ok, false, bad);
    }
  });

  it("adds /etc/nginx → the root nginx.conf's folder unless the user mapped it (or a parent)", function () {
    // The default says where it comes from: an include it does not resolve is a warning, not nginx's error.
    assert.deepEqual(withDefaultMappings([], "/home/u/proj/nginx.conf"), [
      { from: "/etc/nginx", to: "/home/u/proj", origin: "default" },
    ]);
    const user = [{ from: "/etc/nginx/", to: "/elsewhere" }];
    assert.deepEqual(withDefaultMappings(user, "/home/u/proj/nginx.conf"), [{ from: "/etc/nginx", to: "/elsewhere" }]);
    assert.deepEqual(withDefaultMappings([{ from: "/etc", to: "/x/etc" }], "/p/nginx.conf"), [
      { from: "/etc", to: "/x/etc" },
    ]);
    // A mapping of a sub-folder does not say where /etc/nginx itself is.
    assert.deepEqual(withDefaultMappings([{ from: "/etc/nginx/snippets", to: "/s" }], "/p/nginx.conf"), [
      { from: "/etc/nginx/snippets", to: "/s" },
      { from: "/etc/nginx", to: "/p", origin: "default" },
    ]);
    assert.deepEqual(withDefaultMappings([], null), []);
  });
});
