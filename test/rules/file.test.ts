// Rule `file` against the real nginx -t: for each file nginx opens at configuration time, a valid file, a
// missing one and one with the wrong content, written into a workspace that is also nginx's prefix; nginx -t
// and the product must agree on the verdict, and on the line where nginx names one. A name outside the
// workspace must be "not checked" (info), never an error. Agreement is printed.

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { runChecks, type Finding } from "../../server/src/rules";
import { forgetStatementShapes } from "../../server/src/rules/directive-checks";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { NodeFileSource, OverlayFileSource, ParseCache } from "../../server/src/workspace/files";
import { selfSignedPair } from "../support/certs";
import { haveLuaModule, LUA_MODULES, nginxTestFile, oracleVersions } from "../support/nginx";
import { freePorts } from "../support/nginx-run";
import { nginxBinary } from "../support/shared";

const MODSEC = "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so";
const STREAM = "/usr/lib/nginx/modules/ngx_stream_module.so";
const MAIL = "/usr/lib/nginx/modules/ngx_mail_module.so";

/** What the file named `@F@` holds in a case. */
type Variant = "valid" | "missing" | "garbage" | "other" | "outside";

interface Spec {
  name: string;
  /** The main configuration; `@F@` is the file under test, `@D@` the workspace, `@P@` a free port. */
  conf: string;
  /** The file's name relative to the workspace (absolute `@D@/…` for prefix-relative directives). */
  file: string;
  /** What a valid file holds (a key of FIXTURES), and what "other" holds (a valid file of another kind). */
  valid?: keyof Fixtures;
  other?: keyof Fixtures;
  variants: Variant[];
  needs?: string[];
  /** The configuration sets `pid` itself (nginx -t is run without `-g pid …`). */
  ownPid?: boolean;
  /** Outside the workspace nothing is said (the server's own folders: logs, modules). */
  quietOutside?: boolean;
}

interface Fixtures {
  cert: string;
  key: string;
  key2: string;
  dh: string;
  dh1024: string;
  ticket: Buffer;
  password: string;
  rules: string;
  garbage: string;
  module: Buffer;
  folder: "folder";
}

function fixtures(): Fixtures {
  const a = selfSignedPair();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-file-fx-"));
  try {
    const k2 = spawnSync("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], {
      encoding: "utf8",
    });
    const dh = spawnSync("openssl", ["dhparam", "-dsaparam", "2048"], { encoding: "utf8" });
    const dh1024 = spawnSync("openssl", ["dhparam", "-dsaparam", "1024"], { encoding: "utf8" });
    return {
      cert: a.cert,
      key: a.key,
      key2: k2.stdout,
      dh: dh.stdout,
      dh1024: dh1024.stdout,
      ticket: crypto.randomBytes(80),
      password: "secret\n",
      rules: "SecRuleEngine On\n",
      garbage: "garbage\n",
      module: fs.readFileSync(STREAM),
      folder: "folder",
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const HEAD = "events {}\n";
const SSL = "ssl_certificate cert.pem;\nssl_certificate_key key.pem;\n";
const srv = (body: string): string => `http {\nserver {\nlisten 127.0.0.1:@P@;\n${body}}\n}\n`;

const SPECS: Spec[] = [
  {
    name: "ssl_certificate",
    conf: srv("ssl_certificate @F@;\nssl_certificate_key key.pem;\n"),
    file: "f.pem",
    valid: "cert",
    other: "key",
    variants: ["valid", "missing", "garbage", "other", "outside"],
  },
  {
    name: "ssl_certificate inherited from http (two servers)",
    conf: "http {\nssl_certificate @F@;\nssl_certificate_key key.pem;\nserver {\nlisten 127.0.0.1:@P@;\n}\nserver {\nlisten 127.0.0.1:@P@;\nserver_name b;\n}\n}\n",
    file: "f.pem",
    valid: "cert",
    variants: ["valid", "missing", "garbage"],
  },
  {
    name: "ssl_certificate at http without servers (no context)",
    conf: "http {\nssl_certificate @F@;\nssl_certificate_key key.pem;\n}\n",
    file: "f.pem",
    valid: "cert",
    variants: ["missing", "garbage"],
  },
  {
    name: "ssl_certificate with a variable (loaded per handshake)",
    conf: srv("ssl_certificate ${ssl_server_name}@F@;\nssl_certificate_key $ssl_server_name.key;\n"),
    file: "f.pem",
    valid: "cert",
    variants: ["missing"],
  },
  {
    name: "ssl_certificate_key",
    conf: srv("ssl_certificate cert.pem;\nssl_certificate_key @F@;\n"),
    file: "f.key",
    valid: "key",
    other: "key2",
    variants: ["valid", "missing", "garbage", "other", "outside"],
  },
  {
    name: "ssl_trusted_certificate",
    conf: srv(SSL + "ssl_trusted_certificate @F@;\n"),
    file: "ca.pem",
    valid: "cert",
    other: "key",
    variants: ["valid", "missing", "garbage", "other", "outside"],
  },
  {
    name: "ssl_trusted_certificate in a server without a certificate",
    conf: srv("ssl_trusted_certificate @F@;\n"),
    file: "ca.pem",
    valid: "cert",
    variants: ["missing"],
  },
  {
    name: "ssl_client_certificate with ssl_verify_client on",
    conf: srv(SSL + "ssl_verify_client on;\nssl_client_certificate @F@;\n"),
    file: "ca.pem",
    valid: "cert",
    variants: ["valid", "missing", "garbage", "outside"],
  },
  {
    name: "ssl_client_certificate without verification (not read)",
    conf: srv(SSL + "ssl_client_certificate @F@;\n"),
    file: "ca.pem",
    valid: "cert",
    variants: ["missing", "garbage"],
  },
  {
    name: "ssl_crl",
    conf: srv(SSL + "ssl_crl @F@;\n"),
    file: "crl.pem",
    valid: "cert",
    variants: ["valid", "missing", "garbage"],
  },
  {
    name: "ssl_dhparam",
    conf: srv(SSL + "ssl_dhparam @F@;\n"),
    file: "dh.pem",
    valid: "dh",
    other: "cert",
    variants: ["valid", "missing", "garbage", "other", "outside"],
  },
  {
    name: "ssl_dhparam of 1,024 bits (OpenSSL security level 2)",
    conf: srv(SSL + "ssl_dhparam @F@;\n"),
    file: "dh.pem",
    valid: "dh1024",
    variants: ["valid"],
  },
  {
    name: "ssl_dhparam of 1,024 bits with @SECLEVEL=1",
    conf: srv(SSL + "ssl_ciphers DEFAULT:@SECLEVEL=1;\nssl_dhparam @F@;\n"),
    file: "dh.pem",
    valid: "dh1024",
    variants: ["valid"],
  },
  {
    name: "ssl_session_ticket_key",
    conf: srv(SSL + "ssl_session_ticket_key @F@;\n"),
    file: "ticket.key",
    valid: "ticket",
    variants: ["valid", "missing", "garbage"],
  },
  {
    name: "ssl_stapling_file with ssl_stapling on",
    conf: srv(SSL + "ssl_stapling on;\nssl_stapling_file @F@;\n"),
    file: "ocsp.der",
    variants: ["missing", "garbage"],
  },
  {
    name: "ssl_stapling_file without ssl_stapling (not read)",
    conf: srv(SSL + "ssl_stapling_file @F@;\n"),
    file: "ocsp.der",
    variants: ["missing"],
  },
  {
    name: "ssl_password_file",
    conf: srv(SSL + "ssl_password_file @F@;\n"),
    file: "pw.txt",
    valid: "password",
    variants: ["valid", "missing", "outside"],
  },
  {
    name: "proxy_ssl_certificate in a location passing with TLS",
    conf: srv(
      "location / {\nproxy_pass https://127.0.0.1:1;\nproxy_ssl_certificate @F@;\nproxy_ssl_certificate_key key.pem;\n}\n",
    ),
    file: "client.pem",
    valid: "cert",
    variants: ["valid", "missing", "garbage"],
  },
  {
    name: "proxy_ssl_certificate_key",
    conf: srv(
      "location / {\nproxy_pass https://127.0.0.1:1;\nproxy_ssl_certificate cert.pem;\nproxy_ssl_certificate_key @F@;\n}\n",
    ),
    file: "client.key",
    valid: "key",
    other: "key2",
    variants: ["valid", "missing", "garbage", "other"],
  },
  {
    name: "proxy_ssl_certificate with plain proxy_pass (no context)",
    conf: srv(
      "location / {\nproxy_pass http://127.0.0.1:1;\nproxy_ssl_certificate @F@;\nproxy_ssl_certificate_key key.pem;\n}\n",
    ),
    file: "client.pem",
    variants: ["missing"],
  },
  {
    name: "proxy_ssl_trusted_certificate with proxy_ssl_verify on",
    conf: srv(
      "location / {\nproxy_pass https://127.0.0.1:1;\nproxy_ssl_verify on;\nproxy_ssl_trusted_certificate @F@;\n}\n",
    ),
    file: "ca.pem",
    valid: "cert",
    variants: ["valid", "missing", "garbage"],
  },
  {
    name: "proxy_ssl_trusted_certificate without verification (not read)",
    conf: srv("location / {\nproxy_pass https://127.0.0.1:1;\nproxy_ssl_trusted_certificate @F@;\n}\n"),
    file: "ca.pem",
    variants: ["missing"],
  },
  {
    name: "lua_ssl_trusted_certificate",
    conf: `${LUA_MODULES}\n` + srv("location / {\nlua_ssl_trusted_certificate @F@;\n}\n"),
    file: "ca.pem",
    valid: "cert",
    variants: ["valid", "missing", "garbage"],
    needs: ["lua"],
  },
  {
    name: "stream ssl_certificate with listen … ssl",
    conf:
      `load_module ${STREAM};\n` +
      "stream {\nserver {\nlisten 127.0.0.1:@P@ ssl;\nproxy_pass 127.0.0.1:1;\nssl_certificate @F@;\nssl_certificate_key key.pem;\n}\n}\n",
    file: "s.pem",
    valid: "cert",
    variants: ["valid", "missing", "garbage"],
    needs: [STREAM],
  },
  {
    name: "stream ssl_trusted_certificate without verification (not read before 1.27.2)",
    conf:
      `load_module ${STREAM};\n` +
      "stream {\nserver {\nlisten 127.0.0.1:@P@ ssl;\nproxy_pass 127.0.0.1:1;\n" +
      SSL +
      "ssl_trusted_certificate @F@;\n}\n}\n",
    file: "ca.pem",
    variants: ["missing"],
    needs: [STREAM],
  },
  {
    name: "stream ssl_dhparam",
    conf:
      `load_module ${STREAM};\n` +
      "stream {\nserver {\nlisten 127.0.0.1:@P@ ssl;\nproxy_pass 127.0.0.1:1;\n" +
      SSL +
      "ssl_dhparam @F@;\n}\n}\n",
    file: "dh.pem",
    valid: "dh",
    variants: ["valid", "missing", "garbage"],
    needs: [STREAM],
  },
  {
    name: "stream ssl_password_file",
    conf:
      `load_module ${STREAM};\n` +
      "stream {\nserver {\nlisten 127.0.0.1:@P@;\nproxy_pass 127.0.0.1:1;\nssl_password_file @F@;\n}\n}\n",
    file: "pw.txt",
    valid: "password",
    variants: ["valid", "missing"],
    needs: [STREAM],
  },
  {
    name: "mail ssl_certificate with listen … ssl",
    conf:
      `load_module ${MAIL};\n` +
      "mail {\nauth_http 127.0.0.1:1/auth;\nserver {\nlisten 127.0.0.1:@P@ ssl;\nprotocol imap;\nssl_certificate @F@;\nssl_certificate_key key.pem;\n}\n}\n",
    file: "m.pem",
    valid: "cert",
    variants: ["valid", "missing", "garbage"],
    needs: [MAIL],
  },
  {
    name: "load_module (absolute)",
    conf: "load_module @F@;\n",
    file: "@D@/mods/x.so",
    valid: "module",
    variants: ["valid", "missing", "garbage", "outside"],
    quietOutside: true,
  },
  {
    name: "error_log into a folder",
    conf: "error_log @F@;\n",
    file: "@D@/logs/error.log",
    valid: "folder",
    variants: ["valid", "missing", "outside"],
    quietOutside: true,
  },
  {
    name: "access_log into a folder",
    conf: srv("access_log @F@;\n"),
    file: "@D@/logs/access.log",
    valid: "folder",
    variants: ["valid", "missing"],
  },
  {
    name: "pid file in a folder (created by nginx -t)",
    conf: "pid @F@;\n",
    file: "@D@/run/nginx.pid",
    valid: "folder",
    variants: ["valid", "missing", "outside"],
    ownPid: true,
    quietOutside: true,
  },
  {
    name: "client_body_temp_path in a folder",
    conf: srv("client_body_temp_path @F@;\n"),
    file: "@D@/tmp/body",
    valid: "folder",
    variants: ["valid", "missing"],
  },
  {
    name: "auth_basic_user_file (read per request, not at -t)",
    conf: srv("location / {\nauth_basic x;\nauth_basic_user_file @F@;\n}\n"),
    file: "htpasswd",
    variants: ["missing"],
  },
  {
    name: "modsecurity_rules_file (absolute)",
    conf: `load_module ${MODSEC};\n` + "http {\nmodsecurity_rules_file @F@;\n}\n",
    file: "@D@/rules.conf",
    valid: "rules",
    variants: ["valid", "missing"],
    needs: [MODSEC],
  },
];

interface Result {
  ok: boolean;
  line: number | null;
  message: string;
}

function nginxVerdict(conf: string, dir: string, ownPid = false): Result {
  const r = ownPid
    ? (() => {
        const x = spawnSync(nginxBinary()!, ["-t", "-q", "-c", conf, "-p", dir + "/", "-e", "stderr"], {
          encoding: "utf8",
          timeout: 20000,
        });
        return { status: x.status, out: (x.stdout ?? "") + (x.stderr ?? "") };
      })()
    : nginxTestFile(nginxBinary()!, conf, dir);
  const m = /\[emerg\] \d+#\d+: ([\s\S]*?)(?: in (\S+):(\d+))?\n/.exec(r.out);
  return { ok: r.status === 0, line: m?.[3] ? Number(m[3]) : null, message: m ? m[1].trim() : "" };
}

/** A line holding only closing braces: nginx's line for what it checks when the block ends (merge time). */
function closesBlock(text: string, line: number): boolean {
  return /^\s*}[\s}]*$/.test(text.split("\n")[line - 1] ?? "");
}

describe("rule file: files nginx -t opens, against the real nginx", function () {
  this.timeout(120_000);
  let fx: Fixtures;
  const tally = { cases: 0, verdict: 0, line: 0, lineCases: 0, message: 0, nginxFails: 0 };
  /** nginx's messages the product words otherwise (printed: what is not predicted word for word). */
  const worded: string[] = [];

  before(function () {
    if (!nginxBinary()) this.skip();
    fx = fixtures();
  });

  after(function () {
    if (tally.cases === 0) return;
    console.log(
      `    file: ${tally.cases} cases; verdict agrees ${tally.verdict}/${tally.cases}; ` +
        `line agrees ${tally.line}/${tally.lineCases} (where nginx names one); ` +
        `message word for word ${tally.message}/${tally.nginxFails} (where nginx fails)`,
    );
    for (const w of worded) console.log(`      worded otherwise: ${w}`);
  });

  for (const spec of SPECS) {
    for (const variant of spec.variants) {
      it(`${spec.name}: ${variant}`, async function () {
        if (spec.needs?.some((n) => (n === "lua" ? !haveLuaModule() : !fs.existsSync(n)))) this.skip();
        const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-file-")));
        try {
          const ports = await freePorts(2);
          let port = 0;
          const name = spec.file.replace("@D@", dir);
          const file = variant === "outside" ? `/srv/nginx-risk-outside/${path.basename(name)}` : name;
          const text = (spec.conf + HEAD)
            .replace(/@F@/g, file)
            .replace(/@D@/g, dir)
            .replace(/@P@/g, () => String(ports[port++ % 2]));
          const conf = path.join(dir, "nginx.conf");
          fs.writeFileSync(conf, text);
          fs.writeFileSync(path.join(dir, "cert.pem"), fx.cert);
          fs.writeFileSync(path.join(dir, "key.pem"), fx.key);
          const abs = path.resolve(dir, name);
          if (variant !== "missing" && variant !== "outside") {
            const what = variant === "valid" ? spec.valid : variant === "other" ? spec.other : "garbage";
            assert.ok(what, `${spec.name}: no content for ${variant}`);
            if (what === "folder") fs.mkdirSync(path.dirname(abs), { recursive: true });
            else {
              fs.mkdirSync(path.dirname(abs), { recursive: true });
              fs.writeFileSync(abs, fx[what as Exclude<keyof Fixtures, "folder">]);
            }
          }
          const real = nginxVerdict(conf, dir, spec.ownPid);
          const all = runCheck({
            inputs: [],
            root: conf,
            mappings: [{ from: dir, to: dir }],
            strict: false,
            ...oracleVersions(),
          }).findings;
          const findings = all.filter((f: Finding) => f.ruleId === "file");
          const errors = findings.filter((f) => f.severity === "error");
          const shown = findings
            .map((f) => `${f.severity} ${f.code}@${f.range.start.line + 1}: ${f.message}`)
            .join("\n");
          if (variant === "outside") {
            // Not ours to tell: nginx on this machine fails (the file is nowhere), the product must not say so.
            assert.equal(errors.length, 0, shown);
            // Logs, pid files, temp folders and modules live outside a repository as a rule: nothing is said.
            const quiet = spec.quietOutside === true;
            assert.equal(
              // A CA bundle outside what may be read is said by rule access (read-outside), at the same place.
              all.some((f) => (f.ruleId === "file" && f.code === "not-checked") || f.code === "read-outside"),
              !quiet,
              `expected ${quiet ? "nothing" : "not-checked"}:\n${shown}`,
            );
            return;
          }
          tally.cases++;
          if (!real.ok) tally.nginxFails++;
          const agrees = real.ok === (errors.length === 0);
          if (agrees) tally.verdict++;
          assert.ok(agrees, `nginx ${real.ok ? "accepts" : `fails: ${real.message}`}; product:\n${shown}`);
          if (!real.ok && errors.some((f) => f.message === real.message)) tally.message++;
          else if (!real.ok)
            worded.push(`${spec.name} (${variant}): nginx "${real.message}", product "${errors[0]?.message}"`);
          if (!real.ok && real.line !== null) {
            tally.lineCases++;
            const onLine = errors.some((f) => f.range.start.line + 1 === real.line) || closesBlock(text, real.line);
            if (onLine) tally.line++;
            assert.ok(onLine, `nginx names line ${real.line}; product:\n${shown}`);
          }
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }
});

describe("rule file: where a path is looked for (the product alone: nginx would look on the server)", function () {
  this.timeout(30_000);
  const conf = (dir: string, body: string): string => {
    const p = path.join(dir, "nginx.conf");
    fs.writeFileSync(p, `events {}\nhttp {\nserver {\nlisten 127.0.0.1:8080;\n${body}\n}\n}\n`);
    return p;
  };
  const fileFindingsOf = (root: string, mappings: { from: string; to: string }[] = []): Finding[] =>
    runCheck({ inputs: [], root, mappings, strict: false }).findings.filter((f) => f.ruleId === "file");

  it("/etc/nginx/… under the default mapping: checked when the workspace holds it, not-checked when it does not", function () {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-file-map-")));
    try {
      const root = conf(dir, "ssl_certificate /etc/nginx/ssl/site.pem;\nssl_certificate_key /etc/nginx/ssl/site.key;");
      let found = fileFindingsOf(root);
      assert.deepEqual(
        found.map((f) => `${f.severity} ${f.code}`),
        ["info not-checked", "info not-checked"],
      );
      fs.mkdirSync(path.join(dir, "ssl"));
      fs.writeFileSync(path.join(dir, "ssl", "site.pem"), "garbage\n");
      fs.writeFileSync(path.join(dir, "ssl", "site.key"), selfSignedPair().key);
      found = fileFindingsOf(root);
      assert.deepEqual(
        found.map((f) => `${f.severity} ${f.code}`),
        ["error bad-content"],
      );
      assert.match(
        found[0].message,
        /^cannot load certificate "\/etc\/nginx\/ssl\/site\.pem": PEM_read_bio_X509_AUX\(\) failed/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an absolute path no mapping covers is not looked at, even when this machine has it", function () {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-file-map-")));
    try {
      // /etc/hostname exists here and is no certificate: reading it would be an error about this machine.
      const root = conf(dir, "ssl_certificate /etc/hostname;\nssl_certificate_key /etc/hostname;");
      const found = fileFindingsOf(root);
      assert.equal(found.filter((f) => f.severity === "error").length, 0);
      assert.ok(found.every((f) => f.code === "not-checked"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a user mapping makes a missing file nginx's error, named as nginx names it", function () {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-file-map-")));
    try {
      fs.mkdirSync(path.join(dir, "certs"));
      const root = conf(dir, "ssl_certificate /srv/certs/site.pem;\nssl_certificate_key /srv/certs/site.key;");
      const found = fileFindingsOf(root, [{ from: "/srv/certs", to: path.join(dir, "certs") }]);
      assert.deepEqual(
        found.map((f) => `${f.severity} ${f.code} ${f.range.start.line + 1}`),
        ["error missing 5", "error missing 6"],
      );
      assert.match(found[0].message, /^cannot load certificate "\/srv\/certs\/site\.pem": BIO_new_file\(\) failed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("rule file: logs and folders, on every analysis", function () {
  // Logs, the pid file and temp folders are read per statement and kept per unchanged block, one fact per name
  // and block (statement-checks.ts `compact`); whether their folder exists is looked at on every analysis:
  // the file system changes without an edit of the configuration.
  it("every statement naming a missing folder, again on a kept tree; none once the folder is made", function () {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-file-kept-")));
    try {
      const locations = (n: number, prefix: string): string =>
        Array.from(
          { length: n },
          (_, i) => `location /${prefix}${i} {\nerror_log /srv/ws/logs/e.log;\naccess_log /srv/ws/logs/a.log;\n}`,
        ).join("\n");
      const conf = path.join(dir, "nginx.conf");
      const text =
        `events {}\nhttp {\nproxy_temp_path /srv/ws/tmp/proxy;\nserver {\nlisten 127.0.0.1:8080;\n${locations(5, "a")}\n}\n` +
        `server {\nlisten 127.0.0.1:8081;\n${locations(5, "b")}\nproxy_temp_path /srv/ws/tmp/proxy;\n}\n}\n`;
      const source = new OverlayFileSource(new NodeFileSource());
      source.setOverlay(conf, text);
      const mappings = [{ from: "/srv/ws", to: dir }];
      const analyse = (cache: ParseCache): Finding[] =>
        runChecks(loadConfiguration(conf, { source, cache, mappings }), { strict: false, source }).filter(
          (f) => f.ruleId === "file",
        );
      const cache = new ParseCache();
      const first = analyse(cache);
      assert.deepEqual(
        first.map((f) => `${f.code} ${f.range.start.line + 1} ${f.data?.directive}`),
        [
          "missing 3 proxy_temp_path",
          ...[0, 1, 2, 3, 4].flatMap((i) => [`missing ${7 + 4 * i} error_log`, `missing ${8 + 4 * i} access_log`]),
          ...[0, 1, 2, 3, 4].flatMap((i) => [`missing ${30 + 4 * i} error_log`, `missing ${31 + 4 * i} access_log`]),
          "missing 49 proxy_temp_path",
        ],
      );
      assert.deepStrictEqual(analyse(cache), first);
      fs.mkdirSync(path.join(dir, "logs"));
      assert.deepEqual(
        analyse(cache).map((f) => `${f.code} ${f.range.start.line + 1}`),
        ["missing 3", "missing 49"],
      );
      fs.rmdirSync(path.join(dir, "logs"));
      // An edit in one location: its block is read again, the others' facts are kept.
      const before = source.load(conf)!.version;
      const at = text.indexOf("/srv/ws/logs/e.log");
      const change = { start: at, end: at + "/srv/ws/logs/e.log".length, text: "/srv/ws/other/e.log" };
      source.setOverlay(conf, text.slice(0, change.start) + change.text + text.slice(change.end));
      cache.update(conf, source.load(conf)!, [change], before);
      const kept = analyse(cache);
      forgetStatementShapes();
      assert.deepStrictEqual(kept, analyse(new ParseCache()));
      assert.equal(kept.length, first.length);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
