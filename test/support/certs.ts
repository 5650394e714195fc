// A self-signed certificate and key for tests that start TLS servers in the real nginx (made once per run
// with the openssl CLI, which .ci/run installs).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

let pair: { cert: string; key: string } | null = null;

export function selfSignedPair(): { cert: string; key: string } {
  if (pair) return pair;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-cert-"));
  try {
    const r = spawnSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=nginx-risk", "-days", "2"].concat([
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
      ]),
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
    pair = {
      cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8"),
      key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"),
    };
    return pair;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `cert.pem` and `key.pem` into `dir`. */
export function writeSelfSignedPair(dir: string): void {
  const p = selfSignedPair();
  fs.writeFileSync(path.join(dir, "cert.pem"), p.cert);
  fs.writeFileSync(path.join(dir, "key.pem"), p.key);
}
