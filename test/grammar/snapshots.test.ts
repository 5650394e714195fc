// Snapshot tests of the grammar over the whole shared corpus: the real `vscode-tmgrammar-snap` CLI compares the
// tokens of every configuration file with its committed snapshot (test/grammar/snapshots/<corpus path>.snap, or
// `.snap.gz` for the few over 1 MiB). scripts/grammar-snapshots.mjs does the copying and runs the CLI; these tests
// check that nothing is left out and that a changed token fails with a readable diff.
// After a deliberate grammar change: `npm run update:grammar-snapshots`, and review the diff of the snapshots.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import { REPO, haveShared } from "../support/shared";

interface SnapshotScript {
  SNAPSHOTS: string;
  CORPUS: string;
  snapshotFiles(): { files: string[]; skipped: { path: string; reason: "link" | "duplicate"; of?: string }[] };
  readSnapshot(p: string): Buffer | null;
  runSnapshots(
    files: string[],
    options?: { update?: boolean; snapshots?: Map<string, string> },
  ): { status: number | null; output: string };
}

const loadScript = async (): Promise<SnapshotScript> =>
  (await import(pathToFileURL(path.join(REPO, "scripts/grammar-snapshots.mjs")).href)) as SnapshotScript;

/** The CLI's lines that are not a file passing (nor its warning that no Lua grammar is registered). */
const problems = (output: string): string =>
  output
    .split("\n")
    .filter((l) => l.trim() && !/ run successfully\.$/.test(l) && !/^grammar not found for "source\.lua"$/.test(l))
    .join("\n");

describe("grammar: snapshots of the shared corpus (vscode-tmgrammar-snap)", function () {
  this.timeout(300_000);
  let s: SnapshotScript;
  before(async function () {
    if (!haveShared()) this.skip();
    s = await loadScript();
  });

  it("has a snapshot for every configuration file of the manifest, and none for anything else", () => {
    const { files, skipped } = s.snapshotFiles();
    assert.ok(files.length > 650, `only ${files.length} files`);
    const missing = files.filter((p) => s.readSnapshot(p) === null);
    assert.deepStrictEqual(missing, [], "no snapshot: run `npm run update:grammar-snapshots`");
    // The files left out: a duplicate has the same bytes as a file with a snapshot; a link file holds a path.
    const withSnapshot = new Set(files);
    for (const k of skipped) {
      const at = path.join(s.CORPUS, k.path);
      if (k.reason === "duplicate") {
        assert.ok(k.of && withSnapshot.has(k.of), `${k.path}: duplicate of ${k.of}, which has no snapshot`);
        assert.ok(
          fs.readFileSync(at).equals(fs.readFileSync(path.join(s.CORPUS, k.of))),
          `${k.path} differs from ${k.of}`,
        );
      } else if (!fs.lstatSync(at).isSymbolicLink()) {
        // A checkout without symlinks (core.symlinks=false) leaves the link as a file holding its target.
        const text = fs.readFileSync(at, "utf8").trim();
        assert.match(text, /^\.\.?\/[^\s;{}]+$/, `${k.path} is neither a link nor a file holding one`);
      }
    }
    const stale: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (
          !withSnapshot.has(
            path
              .relative(s.SNAPSHOTS, full)
              .replace(/\.snap(\.gz)?$/, "")
              .split(path.sep)
              .join("/"),
          )
        )
          stale.push(full);
      }
    };
    walk(s.SNAPSHOTS);
    assert.deepStrictEqual(stale, [], "snapshots of files the manifest no longer lists");
    // The CLI globs each argument: a path with a glob character could match nothing, or other files.
    assert.deepStrictEqual(
      files.filter((p) => /[*?[\]{}()!]/.test(p)),
      [],
    );
  });

  it("tokenizes every file exactly as its snapshot says", () => {
    const { files } = s.snapshotFiles();
    const { status, output } = s.runSnapshots(files);
    assert.strictEqual(problems(output), "", "the grammar changed tokens (-- snapshot, ++ now)");
    assert.strictEqual(status, 0, output.slice(0, 2000));
    const passed = output.split("\n").filter((l) => / run successfully\.$/.test(l)).length;
    assert.strictEqual(passed, files.length);
  });

  it("fails with a diff naming the file, the line and both scopes when a token changes", () => {
    const file = "nginx+nginx/conf/nginx.conf";
    const snap = s.readSnapshot(file)?.toString("utf8");
    assert.ok(
      snap !== undefined && snap.includes("keyword.other.directive.nginx"),
      `${file}: no directive in its snapshot`,
    );
    const changed = snap.replace("keyword.other.directive.nginx", "keyword.other.changed.nginx");
    const { status, output } = s.runSnapshots([file], { snapshots: new Map([[file, changed]]) });
    assert.notStrictEqual(status, 0, output);
    const diff = problems(output);
    assert.ok(diff.includes(`ERROR in test case ${file}`), diff);
    assert.ok(diff.includes("keyword.other.changed.nginx") && diff.includes("keyword.other.directive.nginx"), diff);
    assert.ok(diff.includes("worker_processes"), diff);
  });
});
