// Test helpers for the workspace tests: real files in temporary folders, the corpus's emulated symlinks.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NodeFileSource, type LoadedFile } from "../../server/src/workspace/files";
import { CORPUS, readManifest } from "../support/shared";

/** Writes `files` (relative path → text, or a Buffer) under a fresh temporary folder and returns the folder. */
export function tempTree(files: Record<string, string | Buffer>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-ws-")));
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  return dir;
}

export function removeTree(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * The corpus stores symlinks as small files holding the target (MANIFEST.tsv notes "-> TARGET"); this
 * source reads the target instead, as nginx would through the real link.
 */
export class CorpusSource extends NodeFileSource {
  private readonly links: Map<string, string>;
  constructor() {
    super();
    this.links = new Map(
      readManifest()
        .filter((e) => e.linkTo)
        .map((e) => [path.join(CORPUS, e.path), path.join(CORPUS, e.linkTo as string)]),
    );
  }
  override load(p: string): LoadedFile | null {
    return super.load(this.links.get(p) ?? p);
  }
}
