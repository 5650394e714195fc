// Grammar snapshots of the shared corpus: `vscode-tmgrammar-snap` (vscode-tmgrammar-test, the real
// vscode-textmate engine) over every configuration file of ../shared/corpus/MANIFEST.tsv.
//
//   node scripts/grammar-snapshots.mjs            check: each file's tokens against its committed snapshot
//   node scripts/grammar-snapshots.mjs --update   rewrite test/grammar/snapshots/ from the current grammar
//
// The snapshots live in test/grammar/snapshots/<corpus path>.snap, apart from the corpus (which is not ours
// to write into): each run copies the corpus files into a temporary folder, the snapshot beside each, and runs
// the CLI there. Files the manifest marks as emulated symlinks hold only their target's path, and duplicates
// (`dup_of`) are byte-identical to a file that has its own snapshot: neither gets one (the test checks both
// claims). test/grammar/snapshots.test.ts runs the same check from mocha.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileURLToPath } from "url";
import * as zlib from "zlib";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SNAPSHOTS = path.join(REPO, "test/grammar/snapshots");
const SHARED = process.env.NGINX_RISK_SHARED ?? path.resolve(REPO, "../shared");
export const CORPUS = path.join(SHARED, "corpus");
const CLI = path.join(REPO, "node_modules/vscode-tmgrammar-test/dist/snapshot.js");
/**
 * Snapshots larger than this are stored gzipped (`.snap.gz`): the CLI writes a line per token, indented to the
 * token's column, so the 35,000-line generated large-config alone makes 17 MB of text that nobody reviews by
 * reading (231 KB gzipped). Every other snapshot stays plain text, readable in a diff.
 */
export const GZIP_ABOVE = 1024 * 1024;

/** The stored snapshot of a corpus path (plain or gzipped), or null. */
export function readSnapshot(p) {
  const plain = path.join(SNAPSHOTS, p + ".snap");
  if (fs.existsSync(plain)) return fs.readFileSync(plain);
  if (fs.existsSync(plain + ".gz")) return zlib.gunzipSync(fs.readFileSync(plain + ".gz"));
  return null;
}

function writeSnapshot(p, data) {
  const plain = path.join(SNAPSHOTS, p + ".snap");
  fs.mkdirSync(path.dirname(plain), { recursive: true });
  // gzipSync writes no file name and a zero time: the same snapshot gives the same bytes.
  if (data.length > GZIP_ABOVE) fs.writeFileSync(plain + ".gz", zlib.gzipSync(data, { level: 9 }));
  else fs.writeFileSync(plain, data);
}

/** The manifest's files that get a snapshot, and the ones that do not with the reason. */
export function snapshotFiles() {
  const lines = fs.readFileSync(path.join(CORPUS, "MANIFEST.tsv"), "utf8").split("\n");
  const header = lines[0].split("\t");
  const col = (n) => header.indexOf(n);
  const files = [];
  const skipped = [];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const f = line.split("\t");
    const p = f[col("path")];
    if (/-> /.test(f[col("note")] ?? "")) skipped.push({ path: p, reason: "link" });
    else if (f[col("dup_of")]) skipped.push({ path: p, reason: "duplicate", of: f[col("dup_of")] });
    else files.push(p);
  }
  return { files, skipped };
}

/**
 * Runs the CLI over `files` (corpus paths) in a fresh temporary folder. With `update`, the snapshots it writes
 * are copied back into test/grammar/snapshots/; `snapshots` (path → text) stands in for stored ones (the tests
 * use it to show a changed token fails). Returns the CLI's exit status and output.
 */
export function runSnapshots(files, { update = false, snapshots = new Map() } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-grammar-snap-"));
  try {
    for (const p of files) {
      const dest = path.join(tmp, p);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(path.join(CORPUS, p), dest);
      const snap = update ? null : (snapshots.get(p) ?? readSnapshot(p));
      if (snap) fs.writeFileSync(dest + ".snap", snap);
    }
    // Relative paths, one argument each: the CLI globs every argument, and none of the corpus paths has a glob
    // character (the test checks). `--scope`: the corpus's names (`.conf`, `mime.types`, none) are not ours.
    const r = spawnSync(
      process.execPath,
      [CLI, "--config", path.join(REPO, "package.json"), "--scope", "source.nginx", ...files],
      { cwd: tmp, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: "0" } },
    );
    if (update) {
      for (const p of files) writeSnapshot(p, fs.readFileSync(path.join(tmp, p + ".snap")));
    }
    return { status: r.status, output: (r.stdout ?? "") + (r.stderr ?? "") };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const update = process.argv.includes("--update");
  const { files } = snapshotFiles();
  if (update) {
    fs.rmSync(SNAPSHOTS, { recursive: true, force: true });
  } else {
    const missing = files.filter((p) => readSnapshot(p) === null);
    if (missing.length > 0) {
      console.error(`no snapshot for ${missing.length} file(s), e.g. ${missing[0]}: run with --update`);
      process.exit(1);
    }
  }
  const { status, output } = runSnapshots(files, { update });
  // The CLI warns once that no Lua grammar is registered: expected, the grammar does without one.
  const failed = output
    .split("\n")
    .filter((l) => !/ run successfully\.$|^Generating snapshot |^grammar not found for "source\.lua"$/.test(l));
  console.log(failed.join("\n").trim());
  console.log(`${files.length} files, CLI exit status ${status}`);
  process.exit(status === 0 ? 0 : 1);
}
