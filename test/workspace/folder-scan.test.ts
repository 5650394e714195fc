// Folder scans on hostile trees: links that loop, FIFOs and devices, limits that must be said.
//
// Work is counted, not timed: a FileSource wrapper counts the directory listings a scan asks for. Each real
// folder is listed at most once, so the count is bounded by the folders of the tree, whatever the links.
// (Before, four links to "." made every level five times larger: 2,000 listings and 2,000 copies of two
// files, until the candidate limit stopped the scan silently.)

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readWorkspaceFiles } from "../../server/src/workspace/facts/scan";
import { MemoryFileSource, NodeFileSource, OverlayFileSource, type DirEntry } from "../../server/src/workspace/files";
import type { ScanLimit } from "../../server/src/workspace/folder-scan";
import { findCandidateFiles } from "../../server/src/workspace/roots";
import { removeTree, tempTree } from "./helpers";

/** The disk, counting directory listings and every file the scan reads. */
class CountingSource extends NodeFileSource {
  listings = 0;
  readPaths: string[] = [];
  override readdir(dir: string): string[] | null {
    this.listings++;
    return super.readdir(dir);
  }
  override entries(dir: string): DirEntry[] | null {
    this.listings++;
    return super.entries(dir);
  }
  override read(p: string): string | null {
    this.readPaths.push(p);
    return super.read(p);
  }
  override load(p: string): ReturnType<NodeFileSource["load"]> {
    this.readPaths.push(p);
    return super.load(p);
  }
}

const TREE = {
  "nginx.conf": "events {}\nhttp { include conf.d/*.conf; }\n",
  "conf.d/a.conf": "server { listen 80; }\n",
  "ops/crontab": "* * * * * nginx -t\n",
};

describe("workspace/folder-scan: links, special files and limits", function () {
  let dir = "";
  afterEach(() => dir && removeTree(dir));
  const rel = (files: string[]): string[] => files.map((f) => path.relative(dir, f));

  it("four links to '.': the same files, each folder listed once", function () {
    dir = tempTree(TREE);
    const plain = new CountingSource();
    const without = rel(findCandidateFiles(dir, { source: plain }));
    const withoutFacts = rel(readWorkspaceFiles([dir], { source: plain }).map((f) => f.path));
    for (const l of ["l1", "l2", "l3", "l4"]) fs.symlinkSync(".", path.join(dir, l));
    const looped = new CountingSource();
    let limit: ScanLimit | null = null;
    assert.deepEqual(rel(findCandidateFiles(dir, { source: looped, onLimit: (l) => (limit = l) })), without);
    assert.equal(limit, null, "no limit reached");
    // The tree has three folders (., conf.d, ops): a scan lists each once.
    assert.ok(looped.listings <= 3, `${looped.listings} listings`);
    const facts = new CountingSource();
    assert.deepEqual(rel(readWorkspaceFiles([dir], { source: facts }).map((f) => f.path)), withoutFacts);
    assert.ok(facts.listings <= 3, `${facts.listings} listings`);
  });

  it("links to an ancestor, to / and to a folder already seen are not followed; a link elsewhere is", function () {
    const top = tempTree({ "outside/shared.conf": "server { listen 81; }\n" });
    dir = path.join(top, "ws");
    for (const [rel, text] of Object.entries(TREE)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    fs.symlinkSync("..", path.join(dir, "up"));
    fs.symlinkSync("/", path.join(dir, "root"));
    fs.symlinkSync("conf.d", path.join(dir, "again"));
    fs.symlinkSync("../outside", path.join(dir, "sites-shared"));
    try {
      const source = new CountingSource();
      assert.deepEqual(rel(findCandidateFiles(dir, { source })).sort(), [
        "conf.d/a.conf",
        "nginx.conf",
        "sites-shared/shared.conf",
      ]);
      assert.ok(source.listings <= 4, `${source.listings} listings`);
    } finally {
      removeTree(top);
    }
  });

  it("a FIFO, a socket-like special file and a dangling link named *.conf are skipped, never read", function () {
    dir = tempTree(TREE);
    const fifo = path.join(dir, "conf.d/pipe.conf");
    const mk = spawnSync("mkfifo", [fifo]);
    assert.equal(mk.status, 0, String(mk.stderr));
    fs.symlinkSync("/dev/null", path.join(dir, "conf.d/null.conf"));
    fs.symlinkSync("missing.conf", path.join(dir, "conf.d/dangling.conf"));
    const source = new CountingSource();
    assert.deepEqual(rel(findCandidateFiles(dir, { source })).sort(), ["conf.d/a.conf", "nginx.conf"]);
    readWorkspaceFiles([dir], { source });
    assert.deepEqual(
      source.readPaths.filter((p) => /pipe|null|dangling/.test(p)),
      [],
      "no special file is read (opening the FIFO would block)",
    );
  });

  it("the file limit: reached at one more file than allowed, and told", function () {
    dir = tempTree(
      Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`c${String(i).padStart(2, "0")}.conf`, ""])),
    );
    const limits: ScanLimit[] = [];
    const onLimit = (l: ScanLimit): void => void limits.push(l);
    assert.equal(findCandidateFiles(dir, { maxFiles: 12, onLimit }).length, 12);
    assert.deepEqual(limits, [], "exactly the limit: complete");
    assert.equal(findCandidateFiles(dir, { maxFiles: 5, onLimit }).length, 5);
    assert.deepEqual(limits, [{ folder: dir, maxFiles: 5, maxEntries: 500, reason: "files" }]);
  });

  it("the entry limit: a large tree with few candidates stops, and says so", function () {
    dir = tempTree(Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`docs/page${i}.md`, ""])));
    let limit: ScanLimit | null = null;
    // One candidate allowed: 100 entries looked at.
    findCandidateFiles(dir, { maxFiles: 1, onLimit: (l) => (limit = l) });
    assert.deepEqual(limit, { folder: dir, maxFiles: 1, maxEntries: 100, reason: "entries" });
  });

  it("the facts scan says when it stops too", function () {
    dir = tempTree(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`cron.d/job${i}`, "* * * * * true\n"])));
    const limits: ScanLimit[] = [];
    assert.equal(readWorkspaceFiles([dir], { maxFiles: 4, onLimit: (l) => void limits.push(l) }).length, 4);
    assert.deepEqual(
      limits.map((l) => [l.maxFiles, l.reason]),
      [[4, "files"]],
    );
  });

  it("memory and overlay sources list their own files as files (an editor buffer hides a folder of its name)", function () {
    const mem = new MemoryFileSource({ "/w/conf.d/a.conf": "", "/w/nginx.conf": "" });
    assert.deepEqual(findCandidateFiles("/w", { source: mem }), ["/w/nginx.conf", "/w/conf.d/a.conf"]);
    const overlay = new OverlayFileSource(mem);
    overlay.setOverlay("/w/conf.d/new.conf", "");
    assert.deepEqual(findCandidateFiles("/w", { source: overlay }), [
      "/w/nginx.conf",
      "/w/conf.d/a.conf",
      "/w/conf.d/new.conf",
    ]);
  });
});
