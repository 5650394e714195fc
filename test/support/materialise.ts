// A configuration as our analysis read it, written to a temporary directory so that the real `nginx -t` opens
// the same files: every file of `config.files` copied to `DIR/fs/<its workspace path>`, every `include`
// argument rewritten to the absolute copy of what the analysis resolved (conf prefix and path mappings
// applied, globs kept), and what nginx writes at `-t` (pid, error and access logs, temp and cache paths)
// moved under the temporary directory; `user` and the server certificates replaced by what exists here.
// The main file nginx is given is a small wrapper in the copy of the conf prefix: `load_module` lines, then
// the configuration's main file included in the context it was analysed in (`events { } http { server {
// include snippet; } }` for a snippet read in a guessed context; `events { }` added when a main file has none).
//
// The rewriting depends only on the configuration, never on which fix was applied, so a configuration and
// its edited version are materialised the same way and nginx's verdicts on both can be compared.

import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ConfigContext, ConfigModel } from "../../server/src/model";
import type { Directive, Node } from "../../server/src/parse/ast";
import type { Configuration } from "../../server/src/workspace/configuration";
import { mapPath } from "../../server/src/workspace/paths";
import { writeSelfSignedPair } from "./certs";
import { countOpens } from "./strace";
import { nginxBinary } from "./shared";

export const MODULES_DIR = "/usr/lib/nginx/modules";

export interface MaterialiseOptions {
  /** An empty directory to write into (created if missing). */
  dir: string;
  /** Dynamic modules to load first (file names in MODULES_DIR), unless the configuration loads them itself. */
  modules?: readonly string[];
}

export interface Materialised {
  dir: string;
  /** `-c`: the wrapper main file, in the copy of the conf prefix. */
  conf: string;
  /** `-p`: where relative log and temp paths go. */
  prefix: string;
  /** The configuration sets `pid` itself (then `-g 'pid …'` would be a duplicate). */
  setsPid: boolean;
  /** Set when the configuration cannot be wrapped (a guessed context we have no wrapper for). */
  unsupported?: string;
}

/** Directives whose first argument is a file or directory nginx opens or creates during `nginx -t`. */
const WRITES = new Set([
  "pid",
  "lock_file",
  "error_log",
  "access_log",
  "client_body_temp_path",
  "proxy_temp_path",
  "fastcgi_temp_path",
  "uwsgi_temp_path",
  "scgi_temp_path",
  "proxy_cache_path",
  "fastcgi_cache_path",
  "uwsgi_cache_path",
  "scgi_cache_path",
]);
/** Set at http level (where the configuration does not set them) so nginx -t creates nothing under /var. */
const HTTP_TEMP = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path`);

/** Server-side certificate files, replaced by a self-signed pair (cert.pem is its own CA). */
const CERTIFICATES: Record<string, string> = {
  ssl_certificate: "cert.pem",
  ssl_certificate_key: "key.pem",
  ssl_trusted_certificate: "cert.pem",
  ssl_client_certificate: "cert.pem",
};

const WRAPPER = ".nginx-risk-oracle.main"; // hidden: no `include *` of the conf prefix can match it

function quote(p: string): string {
  return `"${p.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

interface Replacement {
  start: number;
  end: number;
  text: string;
}

function apply(text: string, reps: Replacement[]): string {
  const sorted = [...reps].sort((a, b) => b.start - a.start);
  let out = text;
  for (const r of sorted) out = out.slice(0, r.start) + r.text + out.slice(r.end);
  return out;
}

function directivesOf(nodes: readonly Node[], out: Directive[] = []): Directive[] {
  for (const n of nodes) {
    if (n.kind !== "directive") continue;
    out.push(n);
    if (n.block) directivesOf(n.block.children, out);
  }
  return out;
}

/** Where a write path lands in the copy: absolute paths under DIR/sys, relative ones under the prefix. */
function writeTarget(dir: string, prefix: string, value: string): string | null {
  if (value === "" || value.includes("$")) return null;
  if (/^(stderr|off|syslog:|memory:)/.test(value)) return null;
  return value.startsWith("/") ? path.join(dir, "sys", value) : path.join(prefix, value);
}

function httpTempStatements(ctx: ConfigContext | null, prefix: string): string {
  const out: string[] = [];
  for (const name of HTTP_TEMP)
    if (!ctx || (ctx.own.get(name)?.length ?? 0) === 0) out.push(`${name} ${quote(path.join(prefix, "tmp", name))};`);
  if (!ctx || (ctx.own.get("access_log")?.length ?? 0) === 0)
    out.push(`access_log ${quote(path.join(prefix, "access.log"))};`);
  return out.join(" ");
}

/** Opening blocks for a guessed context (innermost last); null when we have no wrapper for it. */
function openers(context: readonly string[]): string[] | null {
  const out: string[] = [];
  for (const c of context) {
    if (c === "http" || c === "server" || c === "events" || c === "stream") out.push(`${c} {`);
    else if (c === "location") out.push("location / {");
    else return null;
  }
  return out;
}

/** Writes the configuration for the real nginx. `model` must be `buildModel(config)`. */
export function materialise(config: Configuration, model: ConfigModel, options: MaterialiseOptions): Materialised {
  const dir = options.dir;
  const fsRoot = path.join(dir, "fs");
  const prefix = path.join(dir, "prefix");
  fs.mkdirSync(path.join(prefix, "tmp"), { recursive: true });
  const mirror = (p: string): string => path.join(fsRoot, p);
  const mkdirs = new Set<string>();

  let writePair = false;
  const byFile = new Map<string, Replacement[]>();
  const add = (p: string, r: Replacement): void => {
    let list = byFile.get(p);
    if (!list) byFile.set(p, (list = []));
    if (!list.some((x) => x.start === r.start)) list.push(r);
  };
  // Includes: the absolute copy of what the analysis resolved (mapped, conf prefix applied).
  for (const e of config.edges) {
    if (!e.resolution || e.directive.args.length !== 1) continue;
    const arg = e.directive.args[0];
    add(e.from.path, {
      start: arg.range.start.offset,
      end: arg.range.end.offset,
      text: quote(mirror(e.resolution.workspacePath)),
    });
  }
  // What nginx -t writes: under the temporary directory.
  for (const [p, parsed] of config.files) {
    for (const d of directivesOf(parsed.children)) {
      if (!WRITES.has(d.name) || d.args.length === 0) continue;
      const target = writeTarget(dir, prefix, d.args[0].value);
      if (!target) continue;
      mkdirs.add(path.dirname(target));
      if (d.args[0].value.startsWith("/"))
        add(p, { start: d.args[0].range.start.offset, end: d.args[0].range.end.offset, text: quote(target) });
    }
  }
  // `user`: whoever runs the test (nginx -t only looks the name up); certificates: a self-signed pair
  // (the corpus names files it does not ship). Never the bundle under test: its opens are counted.
  for (const [p, parsed] of config.files) {
    for (const d of directivesOf(parsed.children)) {
      const first = d.args[0];
      const last = d.args[d.args.length - 1];
      if (d.name === "user" && first)
        add(p, { start: first.range.start.offset, end: last.range.end.offset, text: quote(os.userInfo().username) });
      const pem = CERTIFICATES[d.name];
      if (pem && first && d.args.length === 1 && !first.value.includes("$") && !first.value.startsWith("data:")) {
        add(p, { start: first.range.start.offset, end: first.range.end.offset, text: quote(path.join(dir, pem)) });
        writePair = true;
      }
    }
  }
  // Temp paths and the access log at http level, on the line of its `{` (line numbers stay the same).
  for (const c of model.contexts) {
    if (c.kind !== "http" || !c.directive?.block) continue;
    const at = c.directive.block.open.end.offset;
    add(c.file.path, { start: at, end: at, text: " " + httpTempStatements(c, prefix) });
  }
  for (const [p, parsed] of config.files) {
    const target = mirror(p);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, apply(parsed.text, byFile.get(p) ?? []));
  }
  for (const d of mkdirs) fs.mkdirSync(d, { recursive: true });
  if (writePair) writeSelfSignedPair(dir);

  // The wrapper: modules, then the main file in the context it was analysed in.
  const loaded = model.sitesOf("load_module").map((s) => path.basename(s.directive.args[0]?.value ?? ""));
  const modules = [...(options.modules ?? [])];
  const usesStream = model.contexts.some((c) => c.kind === "stream") || config.root.context[0] === "stream";
  if (usesStream) modules.push("ngx_stream_module.so");
  const lines = modules
    .filter((m) => !loaded.includes(m))
    .map((m) => `load_module ${quote(path.join(MODULES_DIR, m))};`);
  const context = config.root.context;
  const open = openers(context);
  const include = `include ${quote(mirror(config.rootPath))};`;
  let unsupported: string | undefined;
  if (context.length === 0) {
    // A main file without `events` (many test fixtures): nginx would stop there, before anything a fix changes.
    if (!model.contexts.some((c) => c.kind === "events")) lines.push("events { }");
    lines.push(include);
  } else if (!open) {
    unsupported = `no wrapper for the guessed context ${context.join(" > ")}`;
    lines.push(include);
  } else {
    if (context[0] !== "events") lines.push("events { }");
    const implied = model.contexts.find((c) => c.kind === "http" && c.directive === null) ?? null;
    lines.push(
      open.map((o, i) => (context[i] === "http" ? `${o} ${httpTempStatements(implied, prefix)}` : o)).join("\n"),
      include,
      open.map(() => "}").join(" "),
    );
  }
  const conf = path.join(mirror(mapPath(config.confPrefix, config.mappings)), WRAPPER);
  fs.mkdirSync(path.dirname(conf), { recursive: true });
  fs.writeFileSync(conf, lines.join("\n") + "\n");
  const setsPid = (model.main.own.get("pid")?.length ?? 0) > 0;
  return { dir, conf, prefix, setsPid, unsupported };
}

export interface NginxRun {
  ok: boolean;
  /** nginx's output (stdout + stderr). */
  output: string;
  /** Successful opens of the bundle (when traced). */
  opens: number;
  ms: number;
}

/** `nginx -t` on a materialised configuration, under `strace -e openat` when `bundle` is given. */
export function runNginxTest(m: Materialised, bundle?: string, timeoutMs = 120_000): Promise<NginxRun> {
  const bin = nginxBinary();
  if (!bin) throw new Error("nginx is not installed");
  const args = ["-t", "-c", m.conf, "-p", m.prefix, "-e", "stderr"];
  if (!m.setsPid) args.push("-g", `pid ${path.join(m.prefix, "nginx.pid")};`);
  const trace = path.join(m.dir, "strace.out");
  const [cmd, argv] = bundle ? ["strace", ["-f", "-qq", "-e", "trace=openat", "-o", trace, bin, ...args]] : [bin, args];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (output += b.toString("utf8")));
    const timer = setTimeout(() => {
      output += `\n(timed out after ${timeoutMs} ms)`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      const opens = bundle && fs.existsSync(trace) ? countOpens(fs.readFileSync(trace, "utf8"), bundle) : 0;
      resolve({ ok: code === 0, output, opens, ms: Date.now() - started });
    });
  });
}

/**
 * nginx's verdict without what differs between two materialisations of the same configuration: the
 * temporary directory, pids, and (with `lines: false`) line numbers (a fix moves lines).
 */
export function verdict(run: NginxRun, dir: string, lines = true): string {
  if (run.ok) return "ok";
  const msgs = run.output
    .split("\n")
    .filter((l) => /\[(emerg|alert|crit)\]/.test(l) || l.includes("timed out"))
    .map((l) =>
      l
        .split(dir)
        .join("<tmp>")
        .replace(/^.*?\[(emerg|alert|crit)\] (\d+#\d+: )?/, "[$1] "),
    );
  const out = msgs.length > 0 ? msgs : [run.output.split(dir).join("<tmp>").trim()];
  return (lines ? out : out.map((l) => l.replace(/:\d+$/, ":<line>"))).join("\n");
}

/** Runs `jobs` with at most `limit` at a time. */
export async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

/** A CA bundle of `n` small self-signed certificates (EC keys: fast to make, fast to parse). */
export async function writeSmallBundle(file: string, n: number): Promise<void> {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = `${file}.${i}.key`;
    const crt = `${file}.${i}.crt`;
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
          "-subj",
          `/CN=nginx-risk fix oracle CA ${i}`,
          "-days",
          "2",
          "-keyout",
          key,
          "-out",
          crt,
        ]),
        { stdio: "ignore" },
      );
      p.on("close", resolve);
      p.on("error", () => resolve(null));
    });
    if (code !== 0) throw new Error(`openssl req failed (${String(code)})`);
    parts.push(fs.readFileSync(crt, "utf8"));
    fs.rmSync(key);
    fs.rmSync(crt);
  }
  fs.writeFileSync(file, parts.join(""));
}
