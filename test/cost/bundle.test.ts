// The certificates of a CA bundle counted as OpenSSL loads them, in one pass over the text.
//
// The oracle is the openssl CLI (which CI installs): `openssl crl2pkcs7 -nocrl -certfile` reads a bundle
// with PEM_X509_INFO_read_bio, as nginx's SSL_CTX_load_verify_locations does, and X509_STORE keeps one copy
// of a duplicate, so the count to match is the number of distinct certificates it prints.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { countCertificates, DEBIAN_BUNDLE, readBundle, SYSTEM_CA_STORES } from "../../server/src/cost/bundle";
import { MemoryFileSource } from "../../server/src/workspace/files";

const SEED = Number(process.env.NGINX_RISK_FC_SEED ?? 0x70656d);

function openssl(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("openssl", args, { input, encoding: "utf8" });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

describe("cost/bundle: countCertificates in one pass", function () {
  // The lazy regex went back to every BEGIN line for the END it lacked: quadratic. 512 KiB of BEGIN lines
  // took 8 s on the development machine and 5 MiB took 315 s in the issue; one pass takes milliseconds. The
  // limit is generous (CI machines are slow and shared) yet two orders of magnitude below the old time.
  const FIVE_MIB = 5 * 1024 * 1024;
  const lines = (line: string): string => line.repeat(Math.ceil(FIVE_MIB / line.length));

  for (const [what, text, expected] of [
    ["BEGIN lines and no END", lines("-----BEGIN CERTIFICATE-----\n"), 0],
    [
      "BEGIN lines of every certificate name",
      lines("-----BEGIN TRUSTED CERTIFICATE-----\n-----BEGIN X509 CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n"),
      0,
    ],
    [
      "BEGIN lines, then one certificate",
      lines("-----BEGIN CERTIFICATE-----\n") + "QUFB\n-----END CERTIFICATE-----\n",
      1,
    ],
    ["END lines and no BEGIN", lines("-----END CERTIFICATE-----\n"), 0],
    ["markers inside lines", lines("x -----BEGIN CERTIFICATE-----\n"), 0],
  ] as [string, string, number][]) {
    it(`5 MiB of ${what}: ${expected} certificate(s), within a generous time`, function () {
      this.timeout(20000);
      assert.equal(countCertificates(text), expected);
    });
  }

  it("a BEGIN that another BEGIN follows before its END is not a certificate; the later one is", function () {
    const cert = "-----BEGIN CERTIFICATE-----\nQUFB\n-----END CERTIFICATE-----\n";
    assert.equal(countCertificates("-----BEGIN CERTIFICATE-----\n" + cert), 1);
    assert.equal(countCertificates(cert + "-----BEGIN CERTIFICATE-----\nQkJC\n"), 1);
    // An END of another name does not close it (OpenSSL: "bad end line").
    assert.equal(countCertificates("-----BEGIN CERTIFICATE-----\nQUFB\n-----END TRUSTED CERTIFICATE-----\n"), 0);
  });
});

describe("cost/bundle: countCertificates vs openssl", function () {
  this.timeout(120000);
  let dir = "";
  const pieces: string[] = [];
  before(function () {
    if (openssl(["version"]).status !== 0) {
      if (process.env.CI) throw new Error("CI must install openssl");
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-bundle-"));
    const certs: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const cert = path.join(dir, `c${i}.pem`);
      const r = openssl(
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"].concat([
          "-keyout",
          path.join(dir, `k${i}.pem`),
          "-out",
          cert,
          "-days",
          "2",
          "-subj",
          `/CN=bundle-test-${i}`,
        ]),
      );
      assert.equal(r.status, 0, r.stderr);
      certs.push(fs.readFileSync(cert, "utf8"));
    }
    // c4 only as TRUSTED CERTIFICATE (with trust settings), c5 only under the old name X509 CERTIFICATE:
    // a certificate is never in a bundle under two names (the store would count it once, the texts twice).
    const trusted = openssl(["x509", "-in", path.join(dir, "c4.pem"), "-trustout", "-addtrust", "serverAuth"]);
    assert.equal(trusted.status, 0, trusted.stderr);
    certs[3] = trusted.stdout;
    certs[4] = certs[4].replace(/CERTIFICATE-----/g, "X509 CERTIFICATE-----");
    pieces.push(...certs);
    // The same certificate wrapped at 76 columns, and things OpenSSL skips: text, a key, blank lines.
    const [head, ...rest] = certs[0].trimEnd().split("\n");
    const body = rest.slice(0, -1).join("");
    pieces.push([head, ...(body.match(/.{1,76}/g) ?? []), rest[rest.length - 1]].join("\n") + "\n");
    pieces.push("Some text about the certificates\n", fs.readFileSync(path.join(dir, "k1.pem"), "utf8"), "\n\n");
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  /** Distinct certificates OpenSSL reads from `bundle`, or null when it refuses the file. */
  function opensslCount(bundle: string): number | null {
    const file = path.join(dir, "bundle.pem");
    fs.writeFileSync(file, bundle);
    const p7 = openssl(["crl2pkcs7", "-nocrl", "-certfile", file]);
    if (p7.status !== 0) return null;
    const printed = openssl(["pkcs7", "-print_certs", "-noout"], p7.stdout);
    assert.equal(printed.status, 0, printed.stderr);
    return new Set(printed.stdout.split("\n").filter((l) => l.startsWith("subject="))).size;
  }

  it("the same number as openssl on random bundles (duplicates, every name, CRLF, text and keys between)", function () {
    const bundles = fc.sample(
      fc.tuple(fc.array(fc.nat(pieces.length - 1), { minLength: 1, maxLength: 12 }), fc.boolean()),
      { seed: SEED, numRuns: 40 },
    );
    for (const [indices, crlf] of bundles) {
      let bundle = indices.map((i) => pieces[i]).join("");
      if (crlf) bundle = bundle.replace(/\r?\n/g, "\r\n");
      const expected = opensslCount(bundle);
      assert.notEqual(expected, null, `openssl refused a well-formed bundle: ${indices.join(",")}`);
      assert.equal(countCertificates(bundle), expected, `pieces ${indices.join(",")}${crlf ? " (CRLF)" : ""}`);
    }
  });
});

describe("cost/bundle: which unread files are assumed to be a system CA store", function () {
  const read = (arg: string, files: Record<string, string> = {}) =>
    readBundle(arg, { source: new MemoryFileSource(files), mappings: [], confPrefix: "/etc/nginx" });

  it("every known system store path (and its normalised spellings): the measured Debian figures, said", function () {
    assert.ok(SYSTEM_CA_STORES.size >= 10);
    for (const [p, where] of SYSTEM_CA_STORES) {
      assert.ok(where.length > 0, `${p} says where it comes from`);
      for (const spelling of [p, p.replace(/^\/etc\//, "/etc//"), p.replace(/\/([^/]+)$/, "/./$1")]) {
        const b = read(spelling);
        assert.deepEqual([b.bytes, b.certificates, b.assumed], [DEBIAN_BUNDLE.bytes, DEBIAN_BUNDLE.certificates, true]);
        assert.ok(b.assumedAs?.includes("system CA store"), b.assumedAs);
      }
    }
  });

  it("a site's own certificate or chain, or any other file: size unknown, not the system store", function () {
    for (const p of [
      "/config/keys/cert.crt",
      "/etc/letsencrypt/live/example.com/chain.pem",
      "/etc/letsencrypt/live/example.com/fullchain.pem",
      "/etc/nginx/ssl/client-ca.pem",
      "ca.pem",
      // Near misses of store paths are not stores.
      "/etc/ssl/certs/ca-certificates.crt.bak",
      "/etc/ssl/certs/cert.pem",
    ]) {
      const b = read(p);
      assert.deepEqual([b.bytes, b.certificates, b.assumed, b.unread], [null, null, false, "missing"], p);
    }
    assert.equal(read("/etc/nginx/$host.pem").unread, "variable");
  });

  it("a readable file is measured, whatever its path: a site certificate is one certificate", function () {
    const cert = "-----BEGIN CERTIFICATE-----\nQUFB\n-----END CERTIFICATE-----\n";
    const b = read("/config/keys/cert.crt", { "/config/keys/cert.crt": cert });
    assert.deepEqual([b.bytes, b.certificates, b.assumed, b.systemLike], [cert.length, 1, false, false]);
  });
});
