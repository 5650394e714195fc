// V8's code cache of the built language server (lsp/boot.ts, issue 13's start-up): real sessions of
// dist/server.js with the cache in a folder of the test's own (NGINX_RISK_CODE_CACHE). The first start writes
// it, the next starts from it, a damaged or unsafe file is never used (and is replaced), `off` writes nothing,
// and the diagnostics are the same whichever way the bundle was compiled.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { InitializeRequest, InitializedNotification, type Diagnostic } from "vscode-languageserver-protocol/node";
import { checksum, codeCacheDir } from "../../server/src/lsp/boot";
import { random } from "../support/random";
import { TestClient, initializeParams, requireBuiltServer } from "./client";

describe("language server: V8's code cache", function () {
  this.timeout(60_000);
  let dir: string;
  let cache: string;
  let file: string;

  before(function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-code-cache-")));
    cache = path.join(dir, "cache");
    file = path.join(dir, "ws", "nginx.conf");
    fs.mkdirSync(path.dirname(file));
    // A finding, so that the diagnostics compared below are not empty lists.
    fs.writeFileSync(
      file,
      "events {}\nhttp {\n    listen 8080;\n    server {\n        listen 80;\n        location / { return 200; }\n    }\n}\n",
    );
  });
  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A session with the cache setting `setting`: the start-up log line's cache state and the diagnostics. */
  async function session(
    setting: string,
    nodeArgs: string[] = [],
  ): Promise<{ state: string; diagnostics: Diagnostic[] }> {
    const client = new TestClient({ nodeArgs, env: { ...process.env, NGINX_RISK_CODE_CACHE: setting } });
    try {
      await client.connection.sendRequest(InitializeRequest.type, initializeParams(path.dirname(file), "code-cache"));
      await client.connection.sendNotification(InitializedNotification.type, {});
      client.open(file, fs.readFileSync(file, "utf8"), 1);
      const published = await client.waitFor(file, (p) => p.version === 1);
      const line = client.logs.find((l) => l.startsWith("nginx-risk language server started"));
      const state = /code cache: (\w+)\)/.exec(line ?? "")?.[1];
      assert.ok(state, `the start-up line names the cache's state: ${line}`);
      return { state, diagnostics: published.diagnostics };
    } finally {
      await client.stop();
    }
  }

  const files = (): string[] => (fs.existsSync(cache) ? fs.readdirSync(cache) : []);

  it("is written by the first start, used by the next, and changes no diagnostic", async function () {
    const off = await session("off");
    assert.equal(off.state, "off");
    assert.deepStrictEqual(files(), [], "off writes nothing");
    assert.ok(off.diagnostics.length > 0, "the file has a finding");

    const first = await session(cache);
    assert.equal(first.state, "none");
    const written = files();
    assert.equal(written.length, 1, written.join(" "));
    assert.match(written[0], /^server-[0-9a-f]{16}-v8-.+\.bin$/);
    const bin = path.join(cache, written[0]);
    if (process.platform !== "win32") {
      assert.equal(fs.statSync(cache).mode & 0o777, 0o700, "the folder is the user's alone");
      assert.equal(fs.statSync(bin).mode & 0o777, 0o600, "the file is the user's alone");
    }
    const data = fs.readFileSync(bin);
    assert.ok(data.length > 100_000, `the cache holds the bytecode that ran: ${data.length} bytes`);

    const second = await session(cache);
    assert.equal(second.state, "used");
    assert.ok(fs.readFileSync(bin).equals(data), "a cache that was used is not written again");
    assert.deepStrictEqual(second.diagnostics, off.diagnostics);
    assert.deepStrictEqual(first.diagnostics, off.diagnostics);
  });

  it("never uses a damaged file or one that others may write, and replaces it", async function () {
    const bin = path.join(cache, files()[0]);
    const good = fs.readFileSync(bin);
    // Cut short (as by a full disk, were the write not atomic).
    fs.writeFileSync(bin, good.subarray(0, good.length >> 1), { mode: 0o600 });
    assert.equal((await session(cache)).state, "rejected");
    assert.ok(fs.readFileSync(bin).length > good.length >> 1, "replaced at exit");
    assert.equal((await session(cache)).state, "used");
    // Same length as the real cache: V8 would notice other lengths; this is damage it has to find itself.
    const damaged = Buffer.from(good);
    for (let i = 64; i < damaged.length; i += 97) damaged[i] ^= 0x5a;
    fs.writeFileSync(bin, damaged, { mode: 0o600 });
    const afterDamage = await session(cache);
    assert.ok(afterDamage.state === "rejected", `a damaged cache is rejected, not used: ${afterDamage.state}`);
    assert.ok(!fs.readFileSync(bin).equals(damaged), "and replaced at exit");
    assert.equal((await session(cache)).state, "used");

    if (process.platform === "win32") return;
    fs.chmodSync(bin, 0o666);
    const unsafe = await session(cache);
    assert.equal(unsafe.state, "unsafe");
    assert.equal(fs.statSync(bin).mode & 0o777, 0o600, "replaced by a file of the user's alone");
    assert.equal((await session(cache)).state, "used");
    assert.deepStrictEqual(unsafe.diagnostics, afterDamage.diagnostics);
  });

  it("is made again when V8 refuses it (other flags), and the sum sees every changed word", async function () {
    // V8 checks the flags the cache was made with: a cache of other flags is its own rejection, not ours.
    assert.equal((await session(cache, ["--no-opt"])).state, "rejected");
    assert.equal((await session(cache, ["--no-opt"])).state, "used");
    assert.equal((await session(cache)).state, "rejected");
    assert.equal((await session(cache)).state, "used");

    const rnd = random(13);
    for (let n = 0; n < 200; n++) {
      const bytes = new Uint8Array(1 + Math.floor(rnd() * 300));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rnd() * 256);
      const sum = checksum(bytes);
      const changed = Uint8Array.from(bytes);
      const at = Math.floor(rnd() * bytes.length);
      changed[at] ^= 1 + Math.floor(rnd() * 255);
      assert.notEqual(checksum(changed), sum, `byte ${at} of ${bytes.length} changed`);
      // Not aligned in its buffer: the same sum.
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      assert.equal(checksum(shifted.subarray(1)), sum);
    }
  });

  it("lives where the platform keeps caches, unless told otherwise", function () {
    const home = (): string => "/home/u";
    assert.equal(codeCacheDir({}, "linux", home), "/home/u/.cache/nginx-risk");
    assert.equal(codeCacheDir({ XDG_CACHE_HOME: "/x/c" }, "linux", home), "/x/c/nginx-risk");
    // The XDG specification ignores a relative path.
    assert.equal(codeCacheDir({ XDG_CACHE_HOME: "rel" }, "linux", home), "/home/u/.cache/nginx-risk");
    assert.equal(codeCacheDir({}, "darwin", home), "/home/u/Library/Caches/nginx-risk");
    assert.equal(codeCacheDir({ NGINX_RISK_CODE_CACHE: "off" }, "linux", home), null);
    assert.equal(codeCacheDir({ NGINX_RISK_CODE_CACHE: "0" }, "linux", home), null);
    assert.equal(codeCacheDir({ NGINX_RISK_CODE_CACHE: "/c" }, "linux", home), "/c");
    // The home folder is asked for only when it is needed (os is not loaded before the first diagnostics).
    const never = (): string => assert.fail("home asked for");
    assert.equal(codeCacheDir({ XDG_CACHE_HOME: "/x/c" }, "linux", never), "/x/c/nginx-risk");
  });
});
