// Issue 11 at run time: a bundle move must not weaken the TLS verification of a block that keeps a bundle
// of its own. A running nginx (Debian nginx 1.22.1 + lua-nginx-module 0.10.23, both before the versions
// that share SSL contexts, so both fixes apply) verifies a TLS upstream — nginx itself, serving a leaf
// signed by two intermediates under a test root (test/support/pki.ts: that chain needs verify depth 2).
//
// For each rule: the configuration as written verifies; the move as the quick-fix made it before issue 11
// (the bundle and its companions out of http into the targets, nothing else) is loaded with a reload and
// shown to weaken the block that keeps its own bundle — that is the bug guarded against; then the shipped
// CLI (`nginx-risk fix --write`, dist/cli.js) fixes the original file, nginx reloads it, and that block
// verifies as before.
// - Lua: /own sets `lua_ssl_trusted_certificate` itself and inherits `lua_ssl_verify_depth 2` from http.
//   After the unchecked move its cosocket's handshake fails (the default depth is 1,
//   ngx_http_lua_merge_loc_conf); only that line differs from what the checked fix writes.
// - proxy: /own and /own-rogue set `proxy_ssl_trusted_certificate` and inherit `proxy_ssl_verify on` and
//   depth 2. After the unchecked move verification is *off* there (ngx_http_proxy_merge_loc_conf merges
//   ssl_verify with default 0): /own-rogue, whose upstream has a self-signed certificate, answers 200.

import { strict as assert } from "assert";
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { haveLuaModule, LUA_MODULES } from "../support/nginx";
import { haveOpenssl, LEAF_NAME, writeCaChain } from "../support/pki";
import { writeSelfSignedPair } from "../support/certs";
import { nginxBinary, REPO } from "../support/shared";

const CLI = path.join(REPO, "dist", "cli.js");
const VERSIONS = ["--nginx-version", "1.22.1", "--lua-nginx-module-version", "0.10.23"];

/** Ports nobody listens on now (the kernel's choice); nginx binds them right after. */
async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      await new Promise<void>((resolve, reject) => s.listen(0, "127.0.0.1", resolve).on("error", reject));
      servers.push(s);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    for (const s of servers) s.close();
  }
}

interface Ports {
  tls: number;
  rogue: number;
  http: number;
}

function head(dir: string, ports: Ports, lua: boolean): string[] {
  return [
    ...(lua ? [LUA_MODULES] : []),
    "worker_processes 1;",
    "daemon off;",
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log notice;`,
    "events { worker_connections 64; }",
    "http {",
    "    access_log off;",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path tmp_${t};`),
    // The upstream: nginx itself, sending the leaf and both intermediates.
    "    server {",
    `        listen 127.0.0.1:${ports.tls} ssl;`,
    "        ssl_certificate chain.pem;",
    "        ssl_certificate_key leaf.key;",
    '        location / { return 200 "upstream\\n"; }',
    "    }",
    // A rogue upstream: a self-signed certificate no bundle here trusts.
    "    server {",
    `        listen 127.0.0.1:${ports.rogue} ssl;`,
    "        ssl_certificate rogue.pem;",
    "        ssl_certificate_key rogue.key;",
    '        location / { return 200 "rogue\\n"; }',
    "    }",
  ];
}

function luaConfig(dir: string, ports: Ports): string {
  const say = (port: number): string =>
    `content_by_lua_block { local ok, err = handshake(${port}); ngx.say(ok and "verified" or tostring(err)) }`;
  return [
    ...head(dir, ports, true),
    "    lua_ssl_trusted_certificate root.pem;",
    "    lua_ssl_verify_depth 2;",
    "    init_by_lua_block {",
    "        function handshake(port)",
    "            local sock = ngx.socket.tcp()",
    "            sock:settimeout(3000)",
    '            local ok, err = sock:connect("127.0.0.1", port)',
    "            if not ok then return nil, err end",
    `            local session, herr = sock:sslhandshake(nil, "${LEAF_NAME}", true)`,
    "            sock:close()",
    "            return session ~= nil, herr",
    "        end",
    "    }",
    "    server {",
    `        listen 127.0.0.1:${ports.http};`,
    '        location /pid { return 200 "$pid\\n"; }',
    "        location /a {",
    `            ${say(ports.tls)}`,
    "        }",
    "        location /own {",
    "            lua_ssl_trusted_certificate own.pem;",
    `            ${say(ports.tls)}`,
    "        }",
    "        location /static { return 204; }",
    "    }",
    "}",
    "",
  ].join("\n");
}

function proxyConfig(dir: string, ports: Ports): string {
  return [
    ...head(dir, ports, false),
    "    proxy_ssl_trusted_certificate root.pem;",
    "    proxy_ssl_verify on;",
    "    proxy_ssl_verify_depth 2;",
    `    proxy_ssl_name ${LEAF_NAME};`,
    "    server {",
    `        listen 127.0.0.1:${ports.http};`,
    '        location /pid { return 200 "$pid\\n"; }',
    "        location /tls {",
    `            proxy_pass https://127.0.0.1:${ports.tls};`,
    "        }",
    "        location /own {",
    "            proxy_ssl_trusted_certificate own.pem;",
    `            proxy_pass https://127.0.0.1:${ports.tls};`,
    "        }",
    "        location /own-rogue {",
    "            proxy_ssl_trusted_certificate own.pem;",
    `            proxy_pass https://127.0.0.1:${ports.rogue};`,
    "        }",
    // A pass with variables gets an SSL context of its own (< 1.23.1) but never speaks TLS: the fix has
    // something to save.
    "        location /static {",
    `            proxy_pass http://127.0.0.1:${ports.http}/pid$is_args$args;`,
    "        }",
    "    }",
    "}",
    "",
  ].join("\n");
}

/** What the fix wrote before issue 11: `lines` out of http, into the top of `into` (nothing else). */
function uncheckedMove(conf: string, lines: string[], into: string): string {
  let out = conf;
  for (const l of lines) out = out.replace(`    ${l}\n`, "");
  return out.replace(
    `        location ${into} {\n`,
    `        location ${into} {\n${lines.map((l) => `            ${l}\n`).join("")}`,
  );
}

function get(port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // A new connection each time (no keep-alive): a reloaded nginx's old worker must be free to exit.
    const req = http.get({ host: "127.0.0.1", port, path: p, agent: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${p} timed out`)));
    req.on("error", reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A running nginx master on one configuration file, reloaded after the file changes. */
class Nginx {
  private proc: ChildProcess | undefined;
  private worker = 0;
  constructor(
    private readonly dir: string,
    private readonly conf: string,
    private readonly port: number,
  ) {}

  private log(): string {
    const f = path.join(this.dir, "error.log");
    return fs.existsSync(f) ? fs.readFileSync(f, "utf8").slice(-2000) : "no error.log";
  }

  /** Polls until a worker other than `old` answers and `old` has exited (generous: a loaded machine). */
  private async newWorker(what: string, old: number): Promise<void> {
    const end = Date.now() + 30_000;
    for (;;) {
      try {
        const pid = Number((await get(this.port, "/pid")).body);
        if (pid > 0 && pid !== old && (old === 0 || !alive(old))) {
          this.worker = pid;
          return;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > end) throw new Error(`timed out waiting for nginx to ${what}: ${this.log()}`);
      await sleep(100);
    }
  }

  async start(): Promise<void> {
    // Its own process group, stopped by group id.
    this.proc = spawn(nginxBinary()!, ["-c", this.conf, "-p", this.dir, "-e", path.join(this.dir, "error.log")], {
      detached: true,
      stdio: "ignore",
    });
    await this.newWorker("start", 0);
  }

  /** SIGHUP (what `nginx -s reload` sends): the master reads the file again and replaces its worker. */
  async reload(): Promise<void> {
    process.kill(this.proc!.pid!, "SIGHUP");
    await this.newWorker("reload", this.worker);
  }

  async stop(): Promise<void> {
    const pid = this.proc?.pid;
    this.proc = undefined;
    if (!pid) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
    for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
  }
}

function cliFix(dir: string, rule: string): string {
  const r = spawnSync(
    process.execPath,
    [CLI, "fix", "nginx.conf", "--write", "--no-backup", "--rule", rule, ...VERSIONS],
    {
      cwd: dir,
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "1 fix applied to 1 file");
  return r.stderr;
}

describe("a bundle move keeps the TLS verification of a block with its own bundle (running nginx, issue 11)", function () {
  this.timeout(180_000);
  let base = "";
  let nginx: Nginx | undefined;

  before(function () {
    if (!nginxBinary() || !haveLuaModule() || !haveOpenssl()) {
      if (process.env.CI) throw new Error("CI must install nginx, libnginx-mod-http-lua and openssl");
      this.skip();
    }
    if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
    base = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-verify-depth-"));
    // Workers run as `nobody` when the tests run as root.
    fs.chmodSync(base, 0o755);
    writeCaChain(base);
    writeSelfSignedPair(base);
    fs.renameSync(path.join(base, "cert.pem"), path.join(base, "rogue.pem"));
    fs.renameSync(path.join(base, "key.pem"), path.join(base, "rogue.key"));
    // The block's own bundle: the same root, in a file of its own.
    fs.copyFileSync(path.join(base, "root.pem"), path.join(base, "own.pem"));
    for (const f of fs.readdirSync(base)) fs.chmodSync(path.join(base, f), 0o644);
  });

  afterEach(async () => {
    await nginx?.stop();
    nginx = undefined;
  });

  after(() => {
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  /** A prefix of its own for one nginx: the certificates and `nginx.conf`. */
  function prefix(name: string, conf: (dir: string) => string): { dir: string; conf: string; text: string } {
    const dir = path.join(base, name);
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o755);
    for (const f of ["root.pem", "own.pem", "chain.pem", "leaf.key", "rogue.pem", "rogue.key"])
      fs.copyFileSync(path.join(base, f), path.join(dir, f));
    const text = conf(dir);
    fs.writeFileSync(path.join(dir, "nginx.conf"), text);
    return { dir, conf: path.join(dir, "nginx.conf"), text };
  }

  it("Lua: /own keeps lua_ssl_verify_depth 2 (the unchecked move makes its handshake fail)", async () => {
    const [tls, rogue, port] = await freePorts(3);
    const p = prefix("lua", (dir) => luaConfig(dir, { tls, rogue, http: port }));
    nginx = new Nginx(p.dir, p.conf, port);
    await nginx.start();
    const outcome = async (): Promise<Record<string, string>> => ({
      a: (await get(port, "/a")).body,
      own: (await get(port, "/own")).body,
    });
    assert.deepEqual(await outcome(), { a: "verified", own: "verified" });

    const moved = ["lua_ssl_trusted_certificate root.pem;", "lua_ssl_verify_depth 2;"];
    const unchecked = uncheckedMove(p.text, moved, "/a");
    fs.writeFileSync(p.conf, unchecked);
    await nginx.reload();
    const weakened = await outcome();
    assert.equal(weakened.a, "verified");
    // Depth 1 for a leaf under two intermediates. `openssl s_client -verify_depth 1` on this chain says
    // "22: certificate chain too long"; here nginx's ngx_ssl_verify_callback lets verification go on past
    // that error and the result is the last one, measured "20: unable to get local issuer certificate".
    assert.match(weakened.own, /^(20: unable to get local issuer certificate|22: certificate chain too long)$/);

    fs.writeFileSync(p.conf, p.text);
    const said = cliFix(p.dir, "lua-ssl-per-location");
    assert.match(said, /^fixed: Move .*; location \/own keeps the lua_ssl_verify_depth it inherited: /m);
    // The fix is the move plus the inherited depth written into /own, in its indentation.
    assert.equal(
      fs.readFileSync(p.conf, "utf8"),
      unchecked.replace("        location /own {\n", "        location /own {\n            lua_ssl_verify_depth 2;\n"),
    );
    await nginx.reload();
    assert.deepEqual(await outcome(), { a: "verified", own: "verified" });
  });

  it("proxy: /own keeps proxy_ssl_verify on and depth 2 (the unchecked move turns verification off)", async () => {
    const [tls, rogue, port] = await freePorts(3);
    const p = prefix("proxy", (dir) => proxyConfig(dir, { tls, rogue, http: port }));
    nginx = new Nginx(p.dir, p.conf, port);
    await nginx.start();
    const outcome = async (): Promise<Record<string, string>> => {
      const out: Record<string, string> = {};
      for (const l of ["/tls", "/own", "/own-rogue"]) {
        const r = await get(port, l);
        out[l] = `${r.status} ${r.status === 200 ? r.body : ""}`.trim();
      }
      return out;
    };
    const verifying = { "/tls": "200 upstream", "/own": "200 upstream", "/own-rogue": "502" };
    assert.deepEqual(await outcome(), verifying);

    const moved = ["proxy_ssl_trusted_certificate root.pem;", "proxy_ssl_verify on;", "proxy_ssl_verify_depth 2;"];
    const unchecked = uncheckedMove(p.text, moved, "/tls");
    fs.writeFileSync(p.conf, unchecked);
    await nginx.reload();
    // Verification is off in the blocks that keep their own bundle: the rogue upstream is accepted.
    assert.deepEqual(await outcome(), { ...verifying, "/own-rogue": "200 rogue" });

    fs.writeFileSync(p.conf, p.text);
    const said = cliFix(p.dir, "proxy-ssl-per-location");
    assert.match(
      said,
      // /tls and /static parse root.pem before; /tls after.
      /^fixed: Move .*; location \/own and 1 more block keep the proxy_ssl_verify, proxy_ssl_verify_depth they inherited: 2 → 1 SSL context parsing the bundle$/m,
    );
    const keep = "            proxy_ssl_verify on;\n            proxy_ssl_verify_depth 2;\n";
    assert.equal(
      fs.readFileSync(p.conf, "utf8"),
      unchecked
        .replace("        location /own {\n", `        location /own {\n${keep}`)
        .replace("        location /own-rogue {\n", `        location /own-rogue {\n${keep}`),
    );
    await nginx.reload();
    assert.deepEqual(await outcome(), verifying);
  });
});
