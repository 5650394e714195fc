// The real nginx as the oracle for the server-side SSL contexts of `stream {}` and `mail {}`: which servers
// get an SSL_CTX, and which CA lists each one reads. Every variant below is run through `nginx -t` under
// `strace -f -e trace=openat`, which counts the opens of the client CA list and of the trusted list
// separately (two files), and our model must give the same counts: per bundle (the findings' `data.contexts`
// × `data.parsesPerContext`) and in all (the cost estimate's bundle parses per `nginx -t`).
//
// What the sources say (nginx release tags, read with git; docs/cost-model.md §1) and Debian's nginx 1.22.1
// with libnginx-mod-stream and libnginx-mod-mail confirmed under strace:
// - stream (ngx_stream_ssl_merge_conf, 1.15.0–1.25.4): `if (!conf->listen) return NGX_CONF_OK` comes before
//   ngx_ssl_create. `listen` is set only by the server's own `listen … ssl` (ngx_stream_core_listen), so a
//   server that inherits `ssl_certificate` from `stream {}` but listens without `ssl` has no SSL_CTX and reads
//   no CA list — http differs (ngx_http_ssl_merge_srv_conf: a certificate is enough). Measured: certificate,
//   client and trusted lists at stream level, `ssl_verify_client on`, two servers without `listen … ssl`:
//   0 opens of either list; with `listen … ssl` in one of them: client list 2 opens, trusted list 1.
// - stream before 1.27.2: `ssl_trusted_certificate` is read only inside `if (conf->verify)` (http reads it
//   always). Measured: trusted list at stream level, verification off, `listen … ssl`: 0 opens.
// - mail (ngx_mail_ssl_merge_conf, from 1.15.0): an SSL_CTX only with the server's own `listen … ssl`, or
//   `ssl on` (until 1.25.1), or `starttls on|only` (both inherited from `mail {}`); a certificate alone is
//   not enough. Then `ssl_client_certificate` is read twice when `ssl_verify_client` is not off (the store,
//   then SSL_load_client_CA_file: ngx_ssl_client_certificate, as in http) and `ssl_trusted_certificate` once,
//   also only with verification. Measured: `starttls on` at mail level, 2 servers, verification on: client
//   list 4 opens, trusted list 2; nothing set: 0.
//
// The model before this test (http's rule for stream, nothing for mail) failed 22 of these 35 variants: the
// stream server without `listen … ssl` was counted (6 client-list opens where nginx made 4), the stream
// trusted list was counted without verification (3 where nginx made 0), and no mail server had a context
// (0 where nginx made 4 + 2 for `starttls on` at mail level).

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { costReport } from "../../server/src/cost/report";
import { buildModel } from "../../server/src/model";
import type { Finding } from "../../server/src/rules/types";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { NodeFileSource } from "../../server/src/workspace/files";
import { writeSelfSignedPair } from "../support/certs";
import { oracleVersions } from "../support/nginx";
import { freePorts } from "../support/nginx-run";
import { nginxBinary, REPO } from "../support/shared";
import { fileOpens, haveStrace } from "../support/strace";

const MODULES = "/usr/lib/nginx/modules";
const STREAM = `${MODULES}/ngx_stream_module.so`;
const MAIL = `${MODULES}/ngx_mail_module.so`;
const RULE = "ssl-bundle-per-server";

/** `ssl_verify_client` as set at the block level (absent: off). */
type Verify = "off" | "on" | "optional_no_ca";
/** Which CA lists the block level sets: both, or only the trusted one (verification may then not be `on`). */
type Lists = "both" | "trusted";

interface Variant {
  name: string;
  /** The module to load. */
  module: string;
  /** The main file, given the prefix and the free ports it may listen on. */
  conf(dir: string, ports: number[]): string;
}

function lists(dir: string, verify: Verify, which: Lists): string {
  return [
    verify === "off" ? "" : `ssl_verify_client ${verify};`,
    which === "both" ? `ssl_client_certificate ${path.join(dir, "client-ca.pem")};` : "",
    `ssl_trusted_certificate ${path.join(dir, "trusted-ca.pem")};`,
  ]
    .filter((l) => l !== "")
    .join(" ");
}

function main(module: string, block: string): string {
  return [`load_module ${module};`, "worker_processes 1;", "events { worker_connections 64; }", block, ""].join("\n");
}

const CERT = "ssl_certificate cert.pem; ssl_certificate_key key.pem;";

/** Every verification and list combination nginx accepts (`on` needs a client list before 1.27.2). */
function combinations(): { verify: Verify; which: Lists }[] {
  const out: { verify: Verify; which: Lists }[] = [];
  for (const verify of ["off", "on", "optional_no_ca"] as const)
    for (const which of ["both", "trusted"] as const)
      if (!(verify === "on" && which === "trusted")) out.push({ verify, which });
  return out;
}

function streamVariants(): Variant[] {
  const out: Variant[] = [];
  for (const certAt of ["stream", "server"] as const)
    for (const { verify, which } of combinations())
      out.push({
        name: `stream: certificate at ${certAt} level, ssl_verify_client ${verify}, ${which === "both" ? "client + trusted lists" : "trusted list"}`,
        module: STREAM,
        conf: (dir, p) => {
          const own = certAt === "server" ? CERT : "";
          return main(
            STREAM,
            [
              "stream {",
              `    ${certAt === "stream" ? CERT : ""} ${lists(dir, verify, which)}`,
              // With `listen … ssl`; without it; one listen of two with it.
              `    server { listen 127.0.0.1:${p[0]} ssl; ${own} return ok; }`,
              `    server { listen 127.0.0.1:${p[1]}; ${own} return ok; }`,
              `    server { listen 127.0.0.1:${p[2]}; listen 127.0.0.1:${p[3]} ssl; ${own} return ok; }`,
              "}",
            ].join("\n"),
          );
        },
      });
  return out;
}

/** How the two mail servers ask for TLS. */
const MAIL_MODES: Record<string, { level: string; a: string; b: string }> = {
  "no ssl, starttls or listen … ssl": { level: "", a: "", b: "" },
  "listen … ssl in one server": { level: "", a: " ssl", b: "" },
  // `ssl on` is deprecated from 1.15.0 (a warning) and removed in 1.25.1.
  "ssl on at mail level, ssl off in one server": { level: "ssl on;", a: "", b: "@ssl off;" },
  "starttls on at mail level": { level: "starttls on;", a: "", b: "" },
  "starttls only in one server": { level: "", a: "@starttls only;", b: "" },
};

function mailVariants(): Variant[] {
  const out: Variant[] = [];
  for (const [mode, m] of Object.entries(MAIL_MODES))
    for (const { verify, which } of combinations())
      out.push({
        name: `mail: ${mode}, ssl_verify_client ${verify}, ${which === "both" ? "client + trusted lists" : "trusted list"}`,
        module: MAIL,
        conf: (dir, p) => {
          // `@…` is a directive of the server; otherwise a parameter of its listen.
          const srv = (port: number, extra: string): string =>
            extra.startsWith("@")
              ? `    server { listen 127.0.0.1:${port}; protocol imap; ${extra.slice(1)} }`
              : `    server { listen 127.0.0.1:${port}${extra}; protocol imap; }`;
          return main(
            MAIL,
            [
              "mail {",
              `    auth_http 127.0.0.1:${p[2]}/auth; ${CERT} ${m.level} ${lists(dir, verify, which)}`,
              srv(p[0], m.a),
              srv(p[1], m.b),
              "}",
            ].join("\n"),
          );
        },
      });
  return out;
}

function describeFindings(findings: Finding[]): string {
  if (findings.length === 0) return "(none)";
  return findings
    .map((f) => `${f.range.start.line + 1} ${String(f.data?.module)} contexts=${String(f.data?.contexts)}`)
    .join("\n");
}

describe("stream and mail server SSL contexts against the real nginx -t (strace counts each CA list's opens)", function () {
  this.timeout(60_000);

  for (const v of [...streamVariants(), ...mailVariants()]) {
    it(v.name, async function () {
      if (!nginxBinary() || !haveStrace() || !fs.existsSync(v.module)) {
        if (process.env.CI)
          throw new Error(
            "CI must install nginx, libnginx-mod-stream, libnginx-mod-mail and strace (and allow ptrace)",
          );
        this.skip();
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-stream-mail-"));
      try {
        writeSelfSignedPair(dir);
        // The lists: copies of the self-signed certificate (a CA list of one), one file per directive.
        const client = path.join(dir, "client-ca.pem");
        const trusted = path.join(dir, "trusted-ca.pem");
        fs.copyFileSync(path.join(dir, "cert.pem"), client);
        fs.copyFileSync(path.join(dir, "cert.pem"), trusted);
        const ports = await freePorts(4);
        const conf = path.join(dir, "nginx.conf");
        fs.writeFileSync(conf, v.conf(dir, ports));

        const real = fileOpens({ dir, conf }, [client, trusted]);
        assert.ok(real.ok, `nginx -t failed:\n${real.output}`);
        const realClient = real.opens.get(client) ?? 0;
        const realTrusted = real.opens.get(trusted) ?? 0;

        const versions = oracleVersions();
        const findings = runCheck({ inputs: [], root: conf, mappings: [], strict: false, ...versions }).findings.filter(
          (f) => f.ruleId === RULE,
        );
        const shown = describeFindings(findings);
        const opensOf = (file: string): number =>
          findings
            .filter((f) => (f.data?.bundle as { path?: string } | undefined)?.path === file)
            .reduce((s, f) => s + Number(f.data?.contexts) * Number(f.data?.parsesPerContext), 0);
        assert.equal(
          opensOf(client),
          realClient,
          `client list: nginx opened it ${realClient} times; findings:\n${shown}`,
        );
        assert.equal(
          opensOf(trusted),
          realTrusted,
          `trusted list: nginx opened it ${realTrusted} times; findings:\n${shown}`,
        );

        // The estimate's bundle parses per `nginx -t`, also when no finding carries it (nothing loaded).
        const model = buildModel(loadConfiguration(conf));
        const report = costReport(model, { nginxVersion: versions.nginxVersion, source: new NodeFileSource() });
        assert.equal(report.estimate.configTestParses, realClient + realTrusted, "bundle parses per nginx -t");
        for (const f of findings) assert.equal(f.data?.configTestParses, realClient + realTrusted, shown);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("the built CLI: mail's parses are in the findings and in the parses per nginx -t (check --format json)", async function () {
    if (!nginxBinary() || !haveStrace() || !fs.existsSync(MAIL)) {
      if (process.env.CI) throw new Error("CI must install nginx, libnginx-mod-mail and strace (and allow ptrace)");
      this.skip();
    }
    const cli = path.join(REPO, "dist", "cli.js");
    if (!fs.existsSync(cli)) throw new Error("dist/cli.js is missing: run `npm run build` first");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-mail-cli-"));
    try {
      writeSelfSignedPair(dir);
      const client = path.join(dir, "client-ca.pem");
      fs.copyFileSync(path.join(dir, "cert.pem"), client);
      const p = await freePorts(4);
      const conf = path.join(dir, "nginx.conf");
      // starttls at mail level, off in the third server: two SSL contexts, each reading the list twice.
      fs.writeFileSync(
        conf,
        main(
          MAIL,
          [
            "mail {",
            `    auth_http 127.0.0.1:${p[3]}/auth; ${CERT} starttls on; ssl_verify_client on;`,
            `    ssl_client_certificate ${client};`,
            `    server { listen 127.0.0.1:${p[0]}; protocol imap; }`,
            `    server { listen 127.0.0.1:${p[1]}; protocol pop3; }`,
            `    server { listen 127.0.0.1:${p[2]}; protocol imap; starttls off; }`,
            "}",
          ].join("\n"),
        ),
      );
      const real = fileOpens({ dir, conf }, [client]);
      assert.ok(real.ok, `nginx -t failed:\n${real.output}`);
      const opens = real.opens.get(client) ?? 0;
      assert.ok(opens > 0, "nginx read the client list");

      const r = spawnSync(
        process.execPath,
        [cli, "check", "--format", "json", "--nginx-version", oracleVersions().nginxVersion, conf],
        { encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
      type JsonFinding = { ruleId: string; data?: Record<string, unknown> };
      const findings = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.filter((f) => f.ruleId === RULE);
      assert.equal(findings.length, 1, r.stdout);
      const data = findings[0].data ?? {};
      assert.equal(Number(data.contexts) * Number(data.parsesPerContext), opens, r.stdout);
      assert.equal(data.configTestParses, opens, r.stdout);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
