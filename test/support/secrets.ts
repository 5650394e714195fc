// A workspace with secrets planted around it, for the tests of what the CLI and the server read
// (workspace/access.ts) and show (workspace/classify.ts): secret files outside the folder reached by an
// absolute include, `../`, a glob, a symbolic link, a CA bundle directive and /proc/self/environ (the
// process environment, which holds a token the test exports), a secret inside the folder that is not
// configuration, a FIFO named like configuration, and an outside file that *is* configuration (the positive
// control: read only when allowed).
//
// Each secret is a fresh random token, so the tests can look for it in every byte of output.

import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface PlantedWorkspace {
  /** The parent of `ws` and `outside`. */
  dir: string;
  /** The workspace folder (what is opened, or given to the CLI). */
  ws: string;
  outside: string;
  /** The main file, `ws/nginx.conf`. */
  main: string;
  /** Token → where it is planted (for messages). */
  tokens: Map<string, string>;
  /** The token the process environment holds (export it as ENV_TOKEN_NAME to the process under test). */
  envToken: string;
  /** Real paths that must never be opened (the secrets outside, the FIFO). */
  neverOpened: string[];
  /** An outside file that reads as configuration: opened only with --allow-read / nginxRisk.allowRead. */
  outsideConfig: string;
  /** The FIFO in the workspace (`ws/fifo.conf`). */
  fifo: string;
}

export const ENV_TOKEN_NAME = "NGINX_RISK_TEST_SECRET";

function token(what: string): string {
  return `nrsecret${what}${crypto.randomBytes(8).toString("hex")}`;
}

/**
 * Plants the workspace. `mkfifo` makes the FIFO (coreutils); without it there is no FIFO (`fifo` still
 * named, and the include of it reports a missing file).
 */
export function plantWorkspace(): PlantedWorkspace {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-access-")));
  const ws = path.join(dir, "ws");
  const outside = path.join(dir, "outside");
  const tokens = new Map<string, string>();
  const put = (p: string, text: string): void => {
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  };
  const t = (what: string, where: string): string => {
    const v = token(what);
    tokens.set(v, where);
    return v;
  };
  const envToken = t("env", "the process environment (/proc/self/environ)");

  const secretTxt = path.join(outside, "secret.txt");
  put(secretTxt, `${t("plain", "outside/secret.txt")}\n`);
  const passwd = path.join(outside, "passwd");
  put(passwd, `root:x:0:0:${t("passwd", "outside/passwd")}:/root:/bin/bash\n`);
  const bundle = path.join(outside, "certs", "bundle.pem");
  put(bundle, `-----BEGIN CERTIFICATE-----\n${t("pem", "outside/certs/bundle.pem")}\n-----END CERTIFICATE-----\n`);
  // Reads as configuration: its directive names a token (unknown directive "…" would quote it).
  const outsideConfig = path.join(outside, "conf", "evil.conf");
  put(outsideConfig, `${t("conf", "outside/conf/evil.conf")} on;\nadd_header X-Evil 1;\n`);
  // Inside the workspace, but not configuration: an .env.
  put(path.join(ws, "local.env"), `API_KEY=${t("dotenv", "ws/local.env")}\n`);

  const main = path.join(ws, "nginx.conf");
  put(
    main,
    [
      "events {}",
      "http {",
      `    include ${secretTxt};`,
      "    include ../outside/passwd;",
      "    include ../outside/conf/*.conf;",
      "    include links/*.conf;",
      "    include link-to-secret;",
      "    include /proc/self/environ;",
      "    include fifo.conf;",
      "    include local.env;",
      `    lua_ssl_trusted_certificate ${bundle};`,
      "    server {",
      "        listen 443 ssl;",
      `        ssl_certificate ${bundle};`,
      `        ssl_certificate_key ${bundle};`,
      `        ssl_client_certificate ${bundle};`,
      "        ssl_verify_client on;",
      "        location / {",
      "            content_by_lua_block { ngx.say('ok') }",
      "        }",
      "        location /b {",
      "            content_by_lua_block { ngx.say('b') }",
      "        }",
      "    }",
      "}",
      "",
    ].join("\n"),
  );
  fs.mkdirSync(path.join(ws, "links"), { recursive: true });
  fs.symlinkSync("../../outside/conf/evil.conf", path.join(ws, "links", "a.conf"));
  fs.symlinkSync("../outside/secret.txt", path.join(ws, "link-to-secret"));
  // A candidate the folder scan finds (conf.d/*): a link to the environment, and one to a secret outside.
  fs.mkdirSync(path.join(ws, "conf.d"), { recursive: true });
  fs.symlinkSync("/proc/self/environ", path.join(ws, "conf.d", "environ.conf"));
  fs.symlinkSync(passwd, path.join(ws, "conf.d", "passwd.conf"));
  const fifo = path.join(ws, "fifo.conf");
  try {
    execFileSync("mkfifo", [fifo]);
  } catch {
    // no mkfifo: the test that needs it says so
  }
  return {
    dir,
    ws,
    outside,
    main,
    tokens,
    envToken,
    neverOpened: [secretTxt, passwd, bundle, fifo],
    outsideConfig,
    fifo,
  };
}

/** The tokens found in `text`, with where each was planted. */
export function leakedTokens(planted: PlantedWorkspace, text: string): string[] {
  return [...planted.tokens].filter(([t]) => text.includes(t)).map(([t, where]) => `${t} (from ${where})`);
}

/** The paths a process recorded by record-opens.ts opened or listed, as "open /path" / "list /path" lines. */
export function recordedOpens(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** Recorded lines that touch a path that must not be opened (or anything under /proc, /sys, /dev). */
export function forbiddenOpens(planted: PlantedWorkspace, lines: readonly string[]): string[] {
  const forbidden = [...planted.neverOpened, planted.outside];
  return lines.filter((l) => {
    const p = l.slice(l.indexOf(" ") + 1);
    if (/^\/(proc|sys|dev)(\/|$)/.test(p)) return true;
    return forbidden.some((f) => p === f || p.startsWith(f + "/"));
  });
}

/** The preload that records opens (compiled next to this file). */
export const RECORD_OPENS = path.join(__dirname, "record-opens.js");
