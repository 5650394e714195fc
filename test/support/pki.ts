// A small certificate authority for tests where a running nginx verifies a TLS upstream: made with the
// openssl CLI (which .ci/run installs), EC keys (quick to make).
//
// The chain is root → intermediate 1 → intermediate 2 → leaf because that is what needs a verify depth of
// 2. Measured with OpenSSL 3.0 (Debian 12): `openssl verify -verify_depth 1 -CAfile root.pem` accepts
// root → one intermediate → leaf (the depth counts the intermediates, the trust anchor is extra) and
// rejects root → two intermediates → leaf with "error 22 … certificate chain too long"; depth 2 accepts it.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The name in the leaf's subjectAltName. */
export const LEAF_NAME = "nginx-risk.test";

const CA_EXT = "basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n";
const LEAF_EXT =
  "basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n" +
  `subjectAltName=DNS:${LEAF_NAME}\n`;

function openssl(args: string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
}

export function haveOpenssl(): boolean {
  return spawnSync("openssl", ["version"]).status === 0;
}

/**
 * Writes into `dir`: `root.pem` (the CA to trust), `chain.pem` (leaf, intermediate 2, intermediate 1: what a
 * TLS server sends) and `leaf.key`. Scratch files go to a subfolder that is removed.
 */
export function writeCaChain(dir: string): void {
  const work = fs.mkdtempSync(path.join(dir, "pki-"));
  try {
    fs.writeFileSync(path.join(work, "ca.ext"), CA_EXT);
    fs.writeFileSync(path.join(work, "leaf.ext"), LEAF_EXT);
    const key = (name: string): void =>
      openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`], work);
    key("root");
    openssl(
      ["req", "-x509", "-new", "-key", "root.key", "-subj", "/CN=nginx-risk test root", "-days", "2"].concat([
        "-addext",
        "basicConstraints=critical,CA:true",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-out",
        "root.pem",
      ]),
      work,
    );
    const sign = (name: string, subject: string, issuer: string, ext: string): void => {
      key(name);
      openssl(["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${subject}`, "-out", `${name}.csr`], work);
      openssl(
        ["x509", "-req", "-in", `${name}.csr`, "-CA", `${issuer}.pem`, "-CAkey", `${issuer}.key`].concat([
          "-CAcreateserial",
          "-days",
          "2",
          "-extfile",
          ext,
          "-out",
          `${name}.pem`,
        ]),
        work,
      );
    };
    sign("int1", "nginx-risk test intermediate 1", "root", "ca.ext");
    sign("int2", "nginx-risk test intermediate 2", "int1", "ca.ext");
    sign("leaf", LEAF_NAME, "int2", "leaf.ext");
    const read = (f: string): string => fs.readFileSync(path.join(work, f), "utf8");
    fs.writeFileSync(path.join(dir, "root.pem"), read("root.pem"));
    fs.writeFileSync(path.join(dir, "chain.pem"), read("leaf.pem") + read("int2.pem") + read("int1.pem"));
    fs.writeFileSync(path.join(dir, "leaf.key"), read("leaf.key"));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
