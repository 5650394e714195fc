// The read policy (workspace/access.ts) and the disk FileSource that enforces it, in-process, with the
// process's own `fs` wrapped to record what is opened, listed and stat'ed (no strace): a path outside the
// roots is refused without being touched, whether or not it exists; links are resolved as the kernel does
// (`..` after the link); /proc, /sys, /dev, FIFOs and oversized files are never opened.

import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
// The module object itself (not the namespace copy `import * as` makes), so that wrapping its functions
// is seen by every module that calls them.
import fsModule from "fs";
import * as path from "path";
import { ReadPolicy } from "../../server/src/workspace/access";
import { NodeFileSource, OverlayFileSource } from "../../server/src/workspace/files";
import { expandGlob } from "../../server/src/workspace/glob";
import { resolveInclude } from "../../server/src/workspace/includes";
import { removeTree, tempTree } from "./helpers";

type Call = { fn: string; path: string };

/** Runs `body` with fs.openSync/readFileSync/readdirSync/lstatSync/statSync recorded (then restored). */
function recording<T>(body: () => T): { result: T; calls: Call[] } {
  const calls: Call[] = [];
  const names = ["openSync", "readFileSync", "readdirSync", "lstatSync", "statSync", "readlinkSync"] as const;
  const fsAny = fsModule as unknown as Record<string, (...a: unknown[]) => unknown>;
  const originals = names.map((n) => fsAny[n]);
  names.forEach((n, i) => {
    fsAny[n] = function (this: unknown, ...args: unknown[]) {
      if (typeof args[0] === "string") calls.push({ fn: n, path: args[0] });
      return originals[i].apply(this, args);
    };
  });
  try {
    return { result: body(), calls };
  } finally {
    names.forEach((n, i) => (fsAny[n] = originals[i]));
  }
}

function touched(calls: Call[], p: string): Call[] {
  return calls.filter((c) => c.path === p || c.path.startsWith(p + "/"));
}

describe("workspace/access: the read policy, enforced by the disk FileSource", function () {
  let dir: string;
  let ws: string;
  let outside: string;

  before(function () {
    dir = tempTree({
      "ws/nginx.conf": "events {}\n",
      "ws/conf.d/a.conf": "server { listen 80; }\n",
      "ws/secret": "a decoy inside: the lexical reading of sub/../secret\n",
      "outside/secret": "outside secret\n",
      "outside/dir/x.conf": "server { listen 81; }\n",
    });
    ws = path.join(dir, "ws");
    outside = path.join(dir, "outside");
    fs.symlinkSync("../outside/secret", path.join(ws, "link-out"));
    fs.symlinkSync("../outside/missing", path.join(ws, "dangling-out"));
    fs.symlinkSync("../outside/dir", path.join(ws, "sub"));
    fs.symlinkSync("conf.d/a.conf", path.join(ws, "link-in"));
    fs.symlinkSync("/proc/self/environ", path.join(ws, "environ.conf"));
  });
  after(function () {
    removeTree(dir);
  });

  const source = (): NodeFileSource =>
    new NodeFileSource(new ReadPolicy({ roots: [ws], allowHint: "use --allow-read PATH", rootsName: "ws" }));

  it("reads inside the roots, through links that stay inside", function () {
    const s = source();
    assert.equal(s.read(path.join(ws, "nginx.conf")), "events {}\n");
    assert.equal(s.read(path.join(ws, "link-in")), "server { listen 80; }\n");
    assert.deepEqual(s.readdir(path.join(ws, "conf.d")), ["a.conf"]);
    assert.equal(s.realpath(path.join(ws, "link-in")), path.join(ws, "conf.d", "a.conf"));
  });

  it("refuses a path outside without touching it: existing or not, the same answer", function () {
    const s = source();
    const { result, calls } = recording(() => [
      s.refusal(path.join(outside, "secret")),
      s.refusal(path.join(outside, "missing")),
      s.read(path.join(outside, "secret")),
      s.exists(path.join(outside, "secret")),
      s.isDirectory(outside),
      s.readdir(outside),
      s.realpath(path.join(outside, "secret")),
      s.read(path.join(ws, "nginx.conf")),
    ]);
    const [existing, missing, text, exists, isDir, names, real] = result;
    // The recording sees what is opened: the file inside.
    assert.ok(
      calls.some((c) => c.fn === "openSync" && c.path === path.join(ws, "nginx.conf")),
      JSON.stringify(calls),
    );
    assert.deepEqual(existing, missing);
    assert.equal((existing as { reason: string }).reason, "outside");
    assert.match((existing as { why: string }).why, /^it is outside ws$/);
    assert.equal((existing as { allow: string }).allow, "use --allow-read PATH");
    assert.deepEqual([text, exists, isDir, names, real], [null, false, false, null, path.join(outside, "secret")]);
    assert.deepEqual(touched(calls, outside), [], JSON.stringify(calls));
  });

  it("a link out of the roots is refused on its target's name; dangling or not, the same answer", function () {
    const s = source();
    const { result, calls } = recording(() => [
      s.refusal(path.join(ws, "link-out")),
      s.refusal(path.join(ws, "dangling-out")),
      s.read(path.join(ws, "link-out")),
      s.exists(path.join(ws, "dangling-out")),
    ]);
    const [existing, dangling, text, exists] = result;
    assert.equal((existing as { reason: string }).reason, "outside");
    assert.match((existing as { why: string }).why, /through a symbolic link/);
    assert.equal((existing as { viaLink?: boolean }).viaLink, true, "the workspace holds the path, a link leads out");
    assert.deepEqual(dangling, existing);
    assert.equal(text, null);
    assert.equal(exists, false);
    assert.deepEqual(touched(calls, outside), [], JSON.stringify(calls));
  });

  it("`..` after a link goes up from the link's target, as the kernel does (never the lexical decoy)", function () {
    const s = source();
    // sub → ../outside/dir, so sub/../secret is outside/secret; lexically it would be ws/secret.
    const p = path.join(ws, "sub") + "/../secret";
    assert.equal(fs.readFileSync(p, "utf8"), "outside secret\n"); // what open(2) reads
    const { result, calls } = recording(() => [s.read(p), s.refusal(p)?.reason]);
    assert.deepEqual(result, [null, "outside"]);
    assert.deepEqual(
      calls.filter((c) => c.fn === "openSync" || c.fn === "readFileSync"),
      [],
    );
    assert.deepEqual(touched(calls, outside), [], JSON.stringify(calls));
  });

  it("never /proc, /sys, /dev — not even unrestricted, not through a link", function () {
    const unrestricted = new NodeFileSource();
    const s = source();
    const { result, calls } = recording(() => [
      unrestricted.read("/proc/self/environ"),
      unrestricted.refusal("/proc/self/environ")?.reason,
      unrestricted.read("/dev/zero"),
      unrestricted.readdir("/sys/kernel"),
      s.read(path.join(ws, "environ.conf")),
      s.refusal(path.join(ws, "environ.conf"))?.reason,
      unrestricted.read(path.join(ws, "environ.conf")),
    ]);
    assert.deepEqual(result, [null, "system", null, null, null, "system", null]);
    assert.deepEqual(
      calls.filter((c) => /^\/(proc|sys|dev)(\/|$)/.test(c.path) && c.fn !== "lstatSync" && c.fn !== "readlinkSync"),
      [],
    );
    // Not even stat'ed: the walk stops at the name.
    assert.deepEqual(
      calls.filter((c) => /^\/(proc|sys|dev)(\/|$)/.test(c.path)),
      [],
      JSON.stringify(calls),
    );
  });

  it("a FIFO is never opened (a read would block forever); a device neither", function () {
    const fifo = path.join(ws, "fifo.conf");
    try {
      execFileSync("mkfifo", [fifo]);
    } catch {
      this.skip(); // no mkfifo
    }
    try {
      const s = source();
      const { result, calls } = recording(() => [s.read(fifo), s.refusal(fifo)?.reason, s.exists(fifo)]);
      assert.deepEqual(result, [null, "special", true]);
      assert.deepEqual(
        calls.filter((c) => c.path === fifo && (c.fn === "openSync" || c.fn === "readFileSync")),
        [],
      );
    } finally {
      fs.rmSync(fifo);
    }
  });

  it("a file over the limit of its kind is not read; its size is said", function () {
    const s = new NodeFileSource(new ReadPolicy({ roots: [ws], limits: { configuration: 10, bundle: 20 } }));
    const p = path.join(ws, "conf.d", "a.conf"); // 22 bytes
    const { result, calls } = recording(() => [s.read(p), s.read(p, "bundle"), s.refusal(p)]);
    assert.equal(result[0], null);
    assert.equal(result[1], null);
    assert.deepEqual(
      [(result[2] as { reason: string }).reason, (result[2] as { size: number }).size],
      ["too-large", 22],
    );
    assert.deepEqual(
      calls.filter((c) => c.fn === "openSync"),
      [],
    );
    const roomy = new NodeFileSource(new ReadPolicy({ roots: [ws], limits: { bundle: 100 } }));
    assert.equal(roomy.read(p, "bundle"), "server { listen 80; }\n");
  });

  it("globs outside see nothing; an include outside says so the same way, whether the file exists or not", function () {
    const s = source();
    const { result, calls } = recording(() => expandGlob(path.join(outside, "dir", "*.conf"), s));
    assert.deepEqual(result, []);
    assert.deepEqual(touched(calls, outside), []);
    const ctx = { confPrefix: ws, mappings: [], source: s };
    const existing = resolveInclude(path.join(outside, "secret"), ctx);
    const missing = resolveInclude(path.join(outside, "nothing-here"), ctx);
    const glob = resolveInclude(path.join(outside, "dir", "*.conf"), ctx);
    assert.deepEqual(
      [existing, missing, glob].map((r) => r.problems.map((x) => x.code)),
      [["read-outside"], ["read-outside"], ["read-outside"]],
    );
    assert.equal(
      existing.problems[0].message.replace("secret", "X"),
      missing.problems[0].message.replace("nothing-here", "X"),
    );
    assert.match(existing.problems[0].message, /to read it, use --allow-read PATH$/);
  });

  it("an editor buffer is what the user opened: read whatever its path; the disk under it is not", function () {
    const overlay = new OverlayFileSource(source());
    const p = path.join(outside, "open-in-editor.conf");
    overlay.setOverlay(p, "server { listen 82; }\n");
    assert.equal(overlay.read(p), "server { listen 82; }\n");
    assert.equal(overlay.refusal(p), null);
    assert.equal(overlay.isOpened(p), true);
    assert.equal(overlay.read(path.join(outside, "secret")), null);
    assert.equal(overlay.isOpened(path.join(ws, "nginx.conf")), false);
  });

  it("roots can change (the server's folders and settings); a root given through a link counts as its target", function () {
    const policy = new ReadPolicy({ roots: [] });
    const s = new NodeFileSource(policy);
    assert.equal(s.read(path.join(ws, "nginx.conf")), null);
    fs.symlinkSync(ws, path.join(dir, "ws-link"));
    policy.setRoots([path.join(dir, "ws-link")]);
    assert.equal(s.read(path.join(ws, "nginx.conf")), "events {}\n");
    assert.equal(s.read(path.join(dir, "ws-link", "nginx.conf")), "events {}\n");
    policy.setRoots(null);
    assert.equal(s.read(path.join(outside, "secret")), "outside secret\n");
  });
});
