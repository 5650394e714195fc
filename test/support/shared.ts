// Where the shared test material lives: ../shared beside the repository (CI clones it there).
import * as fs from "fs";
import * as path from "path";

/** The repository root (tests run from out/test/...). */
export const REPO = path.resolve(__dirname, "../../..");
export const SHARED = process.env.NGINX_RISK_SHARED ?? path.resolve(REPO, "../shared");
export const CORPUS = path.join(SHARED, "corpus");
export const CORPUS_REF = path.join(SHARED, "corpus-ref");

export function haveShared(): boolean {
  return fs.existsSync(path.join(CORPUS, "MANIFEST.tsv"));
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
    // The corpus stores symlinks as small files holding the target; the references were made with the links.
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
