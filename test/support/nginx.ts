// The real `nginx -t` as an oracle: write a configuration to a temp dir and ask nginx what it thinks.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nginxBinary } from "./shared";

export interface NginxVerdict {
  ok: boolean;
  /** The first `[emerg]` message, without its position. */
  message: string;
  /** The line nginx reports, 1-based. */
  line: number | null;
  output: string;
}

export const LUA_MODULES = [
  "load_module /usr/lib/nginx/modules/ndk_http_module.so;",
  "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;",
].join("\n");

export function haveLuaModule(): boolean {
  return fs.existsSync("/usr/lib/nginx/modules/ngx_http_lua_module.so");
}

/** Runs `nginx -t` on `text` as the main configuration file. Requires nginxBinary(). */
export function nginxTest(text: string): NginxVerdict {
  const bin = nginxBinary();
  if (!bin) throw new Error("nginx is not installed");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-t-"));
  try {
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, text);
    const r = spawnSync(bin, ["-t", "-q", "-c", conf, "-p", dir, "-e", "stderr", "-g", `pid ${dir}/nginx.pid;`], {
      encoding: "utf8",
    });
    const output = (r.stdout ?? "") + (r.stderr ?? "");
    const m = /\[emerg\] \d+#\d+: (.*?) in (\S+):(\d+)/.exec(output);
    return { ok: r.status === 0, message: m ? m[1] : "", line: m ? Number(m[3]) : null, output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface InstalledVersions {
  nginxVersion: string;
  /** null when the Lua module is not installed. */
  luaNginxModuleVersion: string | null;
}

/**
 * The versions of the nginx and lua-nginx-module this machine has, read from them (tests that compare our
 * counts with the real nginx must give the product the versions the oracle runs, not the ones of the machine
 * the test was written on: a newer Debian could ship lua-nginx-module 0.10.26, which shares one context).
 * nginx from `nginx -v`; the module from its package (Debian: `1:0.10.23-1+deb12u1`), or failing that from
 * the build paths its configure arguments name (`…/libnginx-mod-http-lua-0.10.23/…`).
 */
export function installedVersions(): InstalledVersions {
  const bin = nginxBinary();
  if (!bin) throw new Error("nginx is not installed");
  const v = spawnSync(bin, ["-v"], { encoding: "utf8" });
  const nginx = /nginx version: (?:nginx|openresty)\/(\d+\.\d+\.\d+)/.exec(`${v.stdout}${v.stderr}`);
  if (!nginx) throw new Error(`cannot read the version of ${bin}: ${v.stderr}`);
  if (!haveLuaModule()) return { nginxVersion: nginx[1], luaNginxModuleVersion: null };
  const pkg = spawnSync("dpkg-query", ["-W", "-f", "${Version}", "libnginx-mod-http-lua"], { encoding: "utf8" });
  let lua = pkg.status === 0 ? /^(?:\d+:)?(\d+\.\d+\.\d+)/.exec(pkg.stdout) : null;
  if (!lua) {
    const so = fs.readFileSync("/usr/lib/nginx/modules/ngx_http_lua_module.so", "latin1");
    lua = /lua-nginx-module-(\d+\.\d+\.\d+)|libnginx-mod-http-lua-(\d+\.\d+\.\d+)/.exec(so);
  }
  const luaVersion = lua ? (lua[1] ?? lua[2]) : null;
  if (!luaVersion) throw new Error("cannot tell the version of the installed lua-nginx-module");
  return { nginxVersion: nginx[1], luaNginxModuleVersion: luaVersion };
}

let installed: InstalledVersions | undefined;

/** installedVersions() as the product's version options (read once per test process). */
export function oracleVersions(): { nginxVersion: string; luaNginxModuleVersion?: string } {
  installed ??= installedVersions();
  return { nginxVersion: installed.nginxVersion, luaNginxModuleVersion: installed.luaNginxModuleVersion ?? undefined };
}

/**
 * `nginx -t` on a configuration file as it lies on disk: its folder is the prefix, errors go to stderr, the pid
 * file into `pidDir` (never the system's). Exit status and everything nginx printed.
 */
export function nginxTestFile(nginx: string, conf: string, pidDir: string): { status: number | null; out: string } {
  const r = spawnSync(
    nginx,
    ["-t", "-q", "-c", conf, "-p", path.dirname(conf) + "/", "-e", "stderr", "-g", `pid ${pidDir}/nginx.pid;`],
    { encoding: "utf8", timeout: 20000 },
  );
  return { status: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
}
