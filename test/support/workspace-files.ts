// Small configurations written for a test: lines joined as a file, and files written under a fresh folder.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Lines as a file's text (each ended by LF). */
export function lines(...l: string[]): string {
  return l.join("\n") + "\n";
}

/** Writes `files` (paths relative to the folder) under a fresh folder named with `prefix`, and returns it. */
export function writeWorkspace(files: Record<string, string>, prefix = "nginx-risk-case-", root = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(root, prefix));
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  return dir;
}
