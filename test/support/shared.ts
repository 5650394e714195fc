// Where the shared test material lives: ../shared beside the repository (CI clones it there).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The repository root (tests run from out/test/...). */
export const REPO = path.resolve(__dirname, "../../..");
export const SHARED = process.env.NGINX_RISK_SHARED ?? path.resolve(REPO, "../shared");
/** The corpus as ../shared holds it: its symlinks may be real links, or small files holding the target path. */
export const SHARED_CORPUS = path.join(SHARED, "corpus");
export const CORPUS_REF = path.join(SHARED, "corpus-ref");

/** The manifest's emulated symlinks: corpus path → the path the link holds ("../sites-available/x.conf"). */
function linkEntries(corpus: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = fs.readFileSync(path.join(corpus, "MANIFEST.tsv"), "utf8").split("\n");
  const header = lines[0].split("\t");
  for (const line of lines.slice(1)) {
    const f = line.split("\t");
    const link = /-> (\S+)/.exec(f[header.indexOf("note")] ?? "");
    if (link) out.set(f[header.indexOf("path")], link[1]);
  }
  return out;
}

/**
 * The corpus every test reads, with its symlinks as real links whatever the checkout made of them: git
 * checks symlinks out as small files holding the target where `core.symlinks` is false, and as links
 * elsewhere. The references (../corpus-ref) were made with real links, and nginx reads through them, so
 * when the links arrived as files the corpus is copied once per test process into a temporary folder with
 * real links in their place (6.8 MB, well under a second) and removed when the process exits.
 */
function corpusWithRealLinks(corpus: string): string {
  if (!fs.existsSync(path.join(corpus, "MANIFEST.tsv"))) return corpus;
  const links = linkEntries(corpus);
  const stubs = [...links.keys()].filter((p) => !fs.lstatSync(path.join(corpus, p)).isSymbolicLink());
  if (stubs.length === 0) return corpus;
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-corpus-"));
  process.on("exit", () => fs.rmSync(copy, { recursive: true, force: true }));
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(corpus, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      // Folders writable in the copy (the shared tree is read-only), so the stubs can be replaced.
      if (e.isDirectory()) {
        fs.mkdirSync(path.join(copy, r), { mode: 0o755 });
        walk(r);
      } else if (e.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(path.join(corpus, r)), path.join(copy, r));
      else fs.copyFileSync(path.join(corpus, r), path.join(copy, r));
    }
  };
  walk("");
  for (const [p, target] of links) {
    const at = path.join(copy, p);
    fs.rmSync(at, { force: true });
    fs.symlinkSync(target, at);
  }
  return copy;
}

export const CORPUS = corpusWithRealLinks(SHARED_CORPUS);

export function haveShared(): boolean {
  return fs.existsSync(path.join(CORPUS, "MANIFEST.tsv"));
}

/** For a test that reads the corpus: skipped without it, but failed on CI, where it must be there. */
export function needShared(test: Mocha.Context): void {
  if (haveShared()) return;
  if (process.env.CI === "true") throw new Error(`the shared corpus is missing (${CORPUS})`);
  test.skip();
}

export interface ManifestEntry {
  path: string;
  kind: "standalone" | "root" | "include";
  /** For the corpus's emulated symlinks ("… -> TARGET"): the corpus path of the file it stands for. */
  linkTo?: string;
}

export function readManifest(): ManifestEntry[] {
  const lines = fs.readFileSync(path.join(CORPUS, "MANIFEST.tsv"), "utf8").split("\n");
  const header = lines[0].split("\t");
  const col = (name: string): number => header.indexOf(name);
  const out: ManifestEntry[] = [];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const f = line.split("\t");
    const e: ManifestEntry = { path: f[col("path")], kind: f[col("kind")] as ManifestEntry["kind"] };
    // Emulated symlinks (real links in CORPUS, see corpusWithRealLinks); the references were made with the links.
    const link = /-> (\S+)/.exec(f[col("note")] ?? "");
    if (link) e.linkTo = path.posix.normalize(path.posix.join(path.posix.dirname(e.path), link[1]));
    out.push(e);
  }
  return out;
}

/** Whether the real nginx binary is here (CI installs Debian's nginx). */
export function nginxBinary(): string | null {
  for (const p of ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/openresty/nginx/sbin/nginx"]) {
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/** File names `check FOLDER` looks at (README, "CLI"): nginx.conf, *.conf, *.nginx, and files in sites-*\/ and conf.d/. */
function checkedByName(p: string): boolean {
  const name = path.basename(p);
  return (
    /^(nginx\.conf|.*\.conf|.*\.nginx)$/.test(name) || /^(sites-[a-z]+|conf\.d)$/.test(path.basename(path.dirname(p)))
  );
}

/**
 * The corpus's configuration files (`standalone` and `root` entries with a name `check FOLDER` looks at, not
 * the emulated links) that a run over every repository folder neither read (`read`: as a main file or
 * through an include) nor reported as not read (`refused`: e.g. a fixture that does not read as
 * configuration). Counting roots instead depends on how the links arrived (a link file is a root of its own,
 * a real link is not).
 */
export function corpusFilesNotRead(read: Iterable<string>, refused: Iterable<string> = []): string[] {
  const seen = new Set<string>();
  for (const p of [...read, ...refused]) {
    seen.add(path.resolve(p));
    try {
      seen.add(fs.realpathSync(p));
    } catch {
      // a path the run reported but that is gone: only its own name counts
    }
  }
  return readManifest()
    .filter((e) => (e.kind === "standalone" || e.kind === "root") && !e.linkTo && checkedByName(e.path))
    .map((e) => path.join(CORPUS, e.path))
    .filter((p) => !seen.has(p) && !seen.has(fs.realpathSync(p)));
}
