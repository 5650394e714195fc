// How a case lies on disk: a runnable main configuration around the generated site file, the files they
// reference, in a folder that is nginx's prefix (-p) and the product's workspace at once.
import * as fs from "fs";
import * as path from "path";
import { selfSignedPair } from "../support/certs";

/** The modules .ci/run installs, loaded as Debian's modules-enabled would load them. */
export const MODULES = [
  "ndk_http_module.so",
  "ngx_http_lua_module.so",
  "ngx_stream_module.so",
  "ngx_mail_module.so",
  "ngx_http_modsecurity_module.so",
].filter((m) => fs.existsSync(`/usr/lib/nginx/modules/${m}`));

export interface CaseFiles {
  /** conf.d/site.conf: the server blocks (read by `include conf.d/*.conf` inside `http`). */
  site: string;
  /** conf.d/extra.conf: more of the `http` level (upstreams, maps, log formats) when a case needs it. */
  http?: string;
  /** Statements at the main level and blocks beside `http` (stream {}), when a case needs them. */
  main?: string;
  /** More statements in `events {}`. */
  events?: string;
  /** Other files, by path relative to the folder; null removes a file the layout would write. */
  files?: Record<string, string | null>;
}

export function mainText(dir: string, c: CaseFiles): string {
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
    (t) => `    ${t}_temp_path ${path.join(dir, "temp", t)};`,
  );
  return [
    ...MODULES.map((m) => `load_module /usr/lib/nginx/modules/${m};`),
    `pid ${path.join(dir, "nginx.pid")};`,
    `error_log ${path.join(dir, "logs", "error.log")};`,
    "events {",
    "    worker_connections 64;",
    ...(c.events ? [`    ${c.events}`] : []),
    "}",
    c.main ?? "",
    "http {",
    "    access_log off;",
    ...temp,
    "    include conf.d/*.conf;",
    "}",
    "",
  ].join("\n");
}

/** Writes the case into `dir` (made empty first). */
export function writeCase(dir: string, c: CaseFiles): void {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const sub of ["conf.d", "certs", "logs", "temp", "html"]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const pair = selfSignedPair();
  const files: Record<string, string | null> = {
    "certs/server.pem": pair.cert,
    "certs/server.key": pair.key,
    "certs/ca.pem": pair.cert,
    "html/index.html": "<p>ok</p>\n",
    "conf.d/site.conf": c.site,
    ...(c.http !== undefined ? { "conf.d/extra.conf": c.http } : {}),
    ...c.files,
  };
  fs.writeFileSync(path.join(dir, "nginx.conf"), mainText(dir, c));
  for (const [rel, text] of Object.entries(files)) {
    if (text === null) continue;
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
}
