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
