// What the lua-ssl-per-location move does at run time, asked of a running nginx (Debian nginx 1.22.1 +
// lua-nginx-module 0.10.23): Lua code verifies TLS with the bundle of the configuration it runs with.
//
// One nginx serves a TLS server (a self-signed certificate, which is also the only trusted "CA") and a
// plain server whose locations run Lua code that connects to it and does `sslhandshake(nil, name, true)`:
// in a request, in a timer started by a request, and in a timer started by init_worker_by_lua. The same
// configuration is run before and after the quick-fix (applied through fixesFor + editedTexts, as the
// editor does). Before: all verify. After: the locations and their timers still verify (the bundle moved
// into them; timers copy the request's configuration), init_worker code no longer does — which is why that
// fix carries a caution (docs/rules/lua-ssl-per-location.md).

import { strict as assert } from "assert";
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { buildModel } from "../../server/src/model";
import { fixesFor } from "../../server/src/fix";
import { editedTexts } from "../../server/src/fix/verify";
import { runChecks } from "../../server/src/rules";
import type { RuleOptions } from "../../server/src/rules/types";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { writeSelfSignedPair } from "../support/certs";
import { haveLuaModule, LUA_MODULES } from "../support/nginx";
import { nginxBinary } from "../support/shared";

const TLS_PORT = 19471;
const HTTP_PORT = 19472;

function config(dir: string): string {
  const verify = `local ok, err = handshake(${TLS_PORT})`;
  return [
    LUA_MODULES,
    "worker_processes 1;",
    "daemon off;",
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log notice;`,
    "events { worker_connections 64; }",
    "http {",
    "    access_log off;",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path tmp_${t};`),
    "    lua_shared_dict results 1m;",
    "    lua_ssl_trusted_certificate cert.pem;",
    "    init_by_lua_block {",
    "        function handshake(port)",
    "            local sock = ngx.socket.tcp()",
    "            sock:settimeout(3000)",
    '            local ok, err = sock:connect("127.0.0.1", port)',
    "            if not ok then return nil, err end",
    '            local session, herr = sock:sslhandshake(nil, "nginx-risk", true)',
    "            sock:close()",
    "            return session ~= nil, herr",
    "        end",
    "    }",
    "    init_worker_by_lua_block {",
    "        ngx.timer.at(0.3, function()",
    `            ${verify}`,
    '            ngx.shared.results:set("init_worker", ok and "verified" or tostring(err))',
    "        end)",
    "    }",
    `    server {`,
    `        listen 127.0.0.1:${TLS_PORT} ssl;`,
    "        ssl_certificate cert.pem;",
    "        ssl_certificate_key key.pem;",
    "        location / { return 204; }",
    "    }",
    "    server {",
    `        listen 127.0.0.1:${HTTP_PORT};`,
    "        location /request {",
    "            content_by_lua_block {",
    `                ${verify}`,
    '                ngx.say(ok and "verified" or tostring(err))',
    "            }",
    "        }",
    "        location /timer {",
    "            content_by_lua_block {",
    "                ngx.timer.at(0, function()",
    `                    ${verify}`,
    '                    ngx.shared.results:set("timer", ok and "verified" or tostring(err))',
    "                end)",
    '                ngx.say("started")',
    "            }",
    "        }",
    "        location /result {",
    '            content_by_lua_block { ngx.say(ngx.shared.results:get(ngx.var.arg_k) or "nothing yet") }',
    "        }",
    "        location /static { return 204; }",
    "    }",
    "}",
    "",
  ].join("\n");
}

function get(p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port: HTTP_PORT, path: p, timeout: 10_000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body.trim()));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${p} timed out`)));
    req.on("error", reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await ok()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Runs nginx on `conf` and returns what each kind of Lua code got from its handshake. */
async function outcomes(dir: string, conf: string): Promise<Record<string, string>> {
  let nginx: ChildProcess | undefined;
  try {
    // Own process group, stopped by group id.
    nginx = spawn(nginxBinary()!, ["-c", conf, "-p", dir, "-e", path.join(dir, "error.log")], {
      detached: true,
      stdio: "ignore",
    });
    await until("nginx", async () => (await get("/result?k=none")) === "nothing yet", 20_000).catch((err: Error) => {
      const log = path.join(dir, "error.log");
      throw new Error(
        `${err.message}: ${fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-1500) : "no error.log"}`,
      );
    });
    const request = await get("/request");
    assert.equal(await get("/timer"), "started");
    let timer = "";
    let initWorker = "";
    await until(
      "the timers",
      async () => {
        timer = await get("/result?k=timer");
        initWorker = await get("/result?k=init_worker");
        return timer !== "nothing yet" && initWorker !== "nothing yet";
      },
      15_000,
    );
    return { request, timer, initWorker };
  } finally {
    if (nginx?.pid) {
      try {
        process.kill(-nginx.pid, "SIGKILL");
      } catch {
        // already gone
      }
      await sleep(200);
    }
  }
}

describe("the lua_ssl_trusted_certificate move at run time (a running nginx verifying TLS from Lua)", function () {
  this.timeout(90_000);

  it("locations and their timers keep verifying after the move; init_worker code loses the bundle (the caution)", async function () {
    if (!nginxBinary() || !haveLuaModule()) {
      if (process.env.CI) throw new Error("CI must install nginx and libnginx-mod-http-lua");
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-lua-runtime-"));
    try {
      // Workers run as `nobody` when the tests run as root, and init_worker_by_lua reads the bundle in the
      // worker (its merge creates an SSL context there): the files must be readable to them.
      fs.chmodSync(dir, 0o755);
      writeSelfSignedPair(dir);
      for (const f of ["cert.pem", "key.pem"]) fs.chmodSync(path.join(dir, f), 0o644);
      const conf = path.join(dir, "nginx.conf");
      fs.writeFileSync(conf, config(dir));

      const options: RuleOptions = { strict: false, nginxVersion: "1.22.1", luaNginxModuleVersion: "0.10.23" };
      const loaded = loadConfiguration(conf, {});
      const model = buildModel(loaded);
      const fixes = fixesFor(loaded, runChecks(loaded, options, model), options, model).filter(
        (f) => f.edits.length > 0,
      );
      assert.equal(fixes.length, 1, fixes.map((f) => f.title).join(" | "));
      const fix = fixes[0];
      // 2 servers + 5 locations before; after: the 3 locations running Lua code.
      assert.deepEqual([fix.effect?.before, fix.effect?.after], [7, 3]);
      assert.deepEqual(fix.effect?.targets, ["location /request", "location /timer", "location /result"]);
      assert.match(fix.title, /\(caution: init_worker_by_lua\*/);

      const before = await outcomes(dir, conf);
      assert.deepEqual(before, { request: "verified", timer: "verified", initWorker: "verified" });

      const fixed = path.join(dir, "fixed.conf");
      fs.writeFileSync(fixed, editedTexts(loaded, fix.edits).get(conf)!);
      const after = await outcomes(dir, fixed);
      assert.equal(after.request, "verified");
      assert.equal(after.timer, "verified");
      // OpenSSL: "18: self-signed certificate" here (a CA-signed server gives "20: unable to get local issuer certificate").
      assert.match(after.initWorker, /certificate/);
      assert.notEqual(after.initWorker, "verified");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
