// No invented costs, in the built CLI's three outputs (text, JSON, SARIF): a CA bundle that is not read is
// priced as the system store only when nginx names a system CA store; a site's own certificate is costed as
// what it is when it can be read (examples/swag: /config/keys/cert.crt, one certificate), and is "size
// unknown" — with its contexts and parses counted, no byte figure — when it cannot. Expected counts come
// from the example's files (how many servers include ssl.conf, how many certificates cert.crt holds), not
// from our output.

import { strict as assert } from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/shared";

const CLI = path.join(REPO, "dist", "cli.js");
const SWAG = path.join(REPO, "examples", "swag", "config");
const CERT = "/config/keys/cert.crt";
const SSL_RULES = [
  "lua-ssl-per-location",
  "stream-lua-ssl-per-server",
  "proxy-ssl-per-location",
  "ssl-bundle-per-server",
];

interface JsonFinding {
  ruleId: string;
  severity: string;
  file: string;
  line: number;
  message: string;
  data?: Record<string, unknown> & {
    bundle?: { path: string; bytes: number | null; certificates: number | null; assumed: boolean; unknown?: string };
  };
}

function run(args: string[], cwd = REPO): string {
  const r = cp.spawnSync(process.execPath, [CLI, "check", "--fail-on", "never", ...args], { cwd, encoding: "utf8" });
  assert.ok(r.status === 0 || r.status === 2, `exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function json(args: string[], cwd = REPO): JsonFinding[] {
  return (JSON.parse(run([...args, "--format", "json"], cwd)) as { findings: JsonFinding[] }).findings;
}

/** Any byte figure as the product writes them (`~23.7 KiB`, `1,123 B`, `3.2 GiB`). */
const BYTES = /\d\s?(?:B|KiB|MiB|GiB)\b/;

function tempTree(files: Record<string, string>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-costs-")));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe("CLI: no invented costs (examples/swag and a certificate outside)", function () {
  this.timeout(60000);
  const dirs: string[] = [];
  before(function () {
    if (!fs.existsSync(CLI)) {
      if (process.env.CI) assert.fail("dist/cli.js is not built");
      this.skip();
    }
  });
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("examples/swag as it is: no cost finding prices the site certificate as the 144-certificate system store", function () {
    const findings = json([SWAG]);
    const onCert = findings.filter((f) => f.data?.bundle?.path === CERT);
    assert.ok(onCert.length > 0, "the ssl_trusted_certificate finding on cert.crt");
    for (const f of onCert) {
      const b = f.data!.bundle!;
      assert.notEqual(b.certificates, 144, f.message);
      assert.notEqual(b.bytes, 219_597, f.message);
      assert.equal(b.assumed, false, f.message);
      // Unread (no mapping): size unknown, and said; read (a mapping found for /config): one certificate.
      if (b.bytes === null) {
        assert.match(f.message, /the size of \/config\/keys\/cert\.crt is unknown/);
        assert.doesNotMatch(f.message, BYTES);
      } else assert.equal(b.certificates, 1);
    }
    for (const f of findings)
      if (f.message.includes(CERT)) assert.doesNotMatch(f.message, /144 certificates|219,597 B/, f.message);
  });

  it("examples/swag mapped: cert.crt measured (1 certificate); 'set in ssl.conf, included by N servers'", function () {
    // From the example's files: the servers that include ssl.conf, and the certificates in cert.crt.
    const files = [
      path.join(SWAG, "nginx", "site-confs", "default.conf"),
      ...fs
        .readdirSync(path.join(SWAG, "nginx", "proxy-confs"))
        .filter((f) => f.endsWith(".subdomain.conf"))
        .map((f) => path.join(SWAG, "nginx", "proxy-confs", f)),
    ];
    const servers = files
      .map((f) => fs.readFileSync(f, "utf8").match(/^\s*include \/config\/nginx\/ssl\.conf;/gm)?.length ?? 0)
      .reduce((a, b) => a + b, 0);
    const certText = fs.readFileSync(path.join(SWAG, "keys", "cert.crt"), "utf8");
    const certificates = (certText.match(/^-----BEGIN CERTIFICATE-----$/gm) ?? []).length;
    assert.ok(servers >= 2 && certificates === 1, `${servers} servers, ${certificates} certificates`);

    const findings = json([SWAG, "--map", `/config=${SWAG}`]);
    const [f] = findings.filter((x) => SSL_RULES.includes(x.ruleId) && x.data?.bundle?.path === CERT);
    assert.ok(f, JSON.stringify(findings.map((x) => x.message)));
    assert.deepEqual(f.data!.bundle, {
      path: CERT,
      bytes: Buffer.byteLength(certText),
      certificates,
      assumed: false,
    });
    assert.equal(f.data!.contexts, servers);
    assert.equal(f.data!.parses, servers);
    assert.ok(f.message.includes(`(set in ssl.conf, included by ${servers} servers)`), f.message);
    assert.ok(f.message.includes(`parses it ${servers} times`), f.message);
    assert.doesNotMatch(f.message, /inherited from|inherits it:/);
  });

  describe("a site certificate at an absolute path outside what was opened", function () {
    let conf: string;
    let outside: string;
    before(function () {
      outside = tempTree({ "keys/cert.crt": "-----BEGIN CERTIFICATE-----\nQUFB\n-----END CERTIFICATE-----\n" });
      const work = tempTree({
        "nginx.conf": [
          "events {}",
          "http {",
          `    ssl_trusted_certificate ${outside}/keys/cert.crt;`,
          "    server { listen 443 ssl; server_name a; ssl_certificate a.crt; ssl_certificate_key a.key; }",
          "    server { listen 443 ssl; server_name b; ssl_certificate b.crt; ssl_certificate_key b.key; }",
          "}",
          "",
        ].join("\n"),
      });
      dirs.push(outside, work);
      conf = path.join(work, "nginx.conf");
    });

    it("JSON: size unknown, why, the contexts and parses; every figure that needs the size is null", function () {
      const [f] = json([conf]).filter((x) => x.ruleId === "ssl-bundle-per-server");
      assert.deepEqual(f.data!.bundle, {
        path: `${outside}/keys/cert.crt`,
        bytes: null,
        certificates: null,
        assumed: false,
        unknown: "it is outside what was opened",
      });
      assert.deepEqual([f.data!.contexts, f.data!.parses, f.data!.configTestParses], [2, 2, 2]);
      for (const k of ["bytesPerContext", "formula", "estimatedBytes", "reloadPeakBytes", "instancePeakBytes"])
        assert.equal(f.data![k], null, k);
      assert.doesNotMatch(f.message, BYTES);
      // The access note says it is not read, and that nothing is estimated for it.
      const access = json([conf]).find((x) => x.ruleId === "access");
      assert.ok(access && /Its size is unknown/.test(access.message), access?.message);
      assert.doesNotMatch(access.message, /assumes/);
    });

    it("text: the count and 'size unknown'; no byte figure on the finding's lines or the total", function () {
      const text = run([conf]);
      const lines = text.split("\n");
      const at = lines.findIndex((l) => l.includes("[ssl-bundle-per-server/"));
      assert.ok(at >= 0, text);
      const block = lines.slice(at, at + 3);
      assert.match(
        block[1],
        /^ {4}2 SSL contexts load .*cert\.crt \(size unknown: it is outside what was opened\); parsed 2 times per nginx -t$/,
      );
      assert.match(block[2], /^ {4}whole configuration: memory unknown/);
      for (const l of block) assert.doesNotMatch(l, BYTES, l);
      const total = lines.find((l) => l.startsWith("memory of "));
      assert.ok(total && /memory unknown/.test(total) && !BYTES.test(total), total);
    });

    it("SARIF: the result's message says the size is unknown, with no byte figure", function () {
      const log = JSON.parse(run([conf, "--format", "sarif"])) as {
        runs: { results: { ruleId: string; message: { text: string } }[] }[];
      };
      const r = log.runs[0].results.find((x) => x.ruleId === "ssl-bundle-per-server");
      assert.ok(r);
      assert.match(r.message.text, /the size of .*cert\.crt is unknown \(it is outside what was opened\)/);
      assert.doesNotMatch(r.message.text, BYTES);
    });

    it("an unread system CA store is still the measured Debian bundle, and says so", function () {
      const work = tempTree({
        "nginx.conf": [
          "events {}",
          "http {",
          "    ssl_trusted_certificate /etc/pki/tls/certs/ca-bundle.crt;",
          "    server { listen 443 ssl; server_name a; ssl_certificate a.crt; ssl_certificate_key a.key; }",
          "}",
          "",
        ].join("\n"),
      });
      dirs.push(work);
      const [f] = json([path.join(work, "nginx.conf")]).filter((x) => x.ruleId === "ssl-bundle-per-server");
      assert.deepEqual(f.data!.bundle, {
        path: "/etc/pki/tls/certs/ca-bundle.crt",
        bytes: 219_597,
        certificates: 144,
        assumed: true,
      });
      assert.ok((f.data!.assumptions as string[]).some((a) => a.includes("system CA store")));
    });
  });
});
