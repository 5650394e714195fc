// Dockerfiles and image references: the versions an image pins (`FROM`, `ARG`/`ENV NGINX_VERSION=…`, package
// pins and `--add-module` in `RUN`; the final stage is the image that runs) and a `HEALTHCHECK` that runs
// `nginx -t`, with its interval.

import { addEvidence, blankOrComment, type FileCtx, type Lines, type RankedVersion } from "./file-context";
import { everySeconds, goDuration } from "./schedule";
import { shellTestInvocation, testInvocation } from "./shell";
import type { VersionComponent } from "./types";

/** The version an image reference pins: `nginx:1.22.1-alpine` → nginx 1.22.1; `nginx:latest` → none. */
export function imageVersion(ref: string): { component: VersionComponent; version: string } | null {
  const noDigest = ref.split("@")[0];
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  if (colon <= slash) return null; // no tag: latest
  const repo = noDigest.slice(slash + 1, colon).toLowerCase();
  const tag = noDigest.slice(colon + 1);
  let component: VersionComponent;
  if (repo === "openresty") component = "openresty";
  else if (repo === "nginx" || repo === "nginx-unprivileged") component = "nginx";
  else return null;
  // Floating tags (`1`, `stable`, `mainline-alpine`) say no version; `1.22` is the newest 1.22.x.
  const v = /^v?(\d+\.\d+(?:\.\d+){0,2})(?![\d.])/.exec(tag);
  return v ? { component, version: v[1] } : null;
}

export function addImageVersion(
  ctx: FileCtx,
  ref: string,
  start: number,
  end: number,
  how: string,
  rank: number,
): void {
  const v = imageVersion(ref);
  if (!v) return;
  ctx.scan.versions.push({ ...v, path: ctx.path, range: ctx.lines.range(start, end), how, rank });
}

interface Instruction {
  /** The instruction with line continuations (and comment lines inside them) removed. */
  text: string;
  /** Offset in the file of each character of `text` (and one past its end). */
  map: number[];
}

function dockerInstructions(lines: Lines): Instruction[] {
  const out: Instruction[] = [];
  for (let i = 0; i < lines.count; i++) {
    const first = lines.line(i);
    if (blankOrComment(first)) continue;
    let text = "";
    const map: number[] = [];
    let k = i;
    for (;;) {
      const l = lines.line(k);
      const cont = /\\[ \t]*$/.exec(l);
      const body = cont ? l.slice(0, cont.index) : l;
      for (let c = 0; c < body.length; c++) {
        text += body[c];
        map.push(lines.starts[k] + c);
      }
      if (!cont) break;
      // Inside a continued instruction, blank and comment lines are dropped (Dockerfile reference).
      do k++;
      while (k < lines.count && blankOrComment(lines.line(k)));
      if (k >= lines.count) break;
    }
    map.push(map.length > 0 ? map[map.length - 1] + 1 : lines.starts[i]);
    out.push({ text, map });
    i = k;
  }
  return out;
}

function substitute(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)/g, (all, a: string, def: string | undefined, b: string) => {
    const v = vars.get(a ?? b);
    return v !== undefined && v !== "" ? v : (def ?? all);
  });
}

function unquote(s: string): string {
  return s.replace(/^(["'])(.*)\1$/, "$2");
}

const VERSION_VARS = new Map<string, VersionComponent>(
  Object.entries({
    NGINX_VERSION: "nginx",
    RESTY_VERSION: "openresty",
    OPENRESTY_VERSION: "openresty",
    LUA_NGINX_MODULE_VERSION: "lua-nginx-module",
  }),
);

/** Debian/Alpine package pins: `nginx=1.18.0-6ubuntu14`, `libnginx-mod-http-lua=1:0.10.23-1`, `openresty=1.21.4.1-1~jammy`. */
const PACKAGE_PIN =
  /(?<![\w.-])(nginx|nginx-(?:full|core|light|extras)|openresty|libnginx-mod-http-lua)=(?:\d+:)?(\d+(?:\.\d+)+)[\w.~+:-]*/g;
/** `./configure --add-module=../ngx_lua-0.10.25`, `--add-dynamic-module=/build/lua-nginx-module-0.10.26`. */
export const LUA_MODULE_ARG = /--add(?:-dynamic)?-module=(?:\S*\/)?(?:ngx_lua|lua-nginx-module)-v?(\d+\.\d+\.\d+)/g;

export function readDockerfile(ctx: FileCtx): void {
  const vars = new Map<string, string>();
  const from: (RankedVersion | null)[] = [];
  let lastFrom = -1;
  for (const ins of dockerInstructions(ctx.lines)) {
    const at = (i: number): number => ins.map[Math.min(i, ins.map.length - 1)];
    const head = /^\s*([A-Za-z]+)\s+/.exec(ins.text);
    if (!head) continue;
    const op = head[1].toUpperCase();
    const args = ins.text.slice(head[0].length);
    const argsAt = head[0].length;
    if (op === "ARG" || op === "ENV") {
      const pairs = [...args.matchAll(/(\w+)=("[^"]*"|'[^']*'|\S*)/g)];
      const legacy = op === "ENV" && pairs.length === 0 ? /^(\w+)\s+(.+)$/.exec(args.trim()) : null;
      const found = legacy ? [{ name: legacy[1], raw: legacy[2].trim(), index: args.indexOf(legacy[2]) }] : [];
      for (const p of pairs) found.push({ name: p[1], raw: p[2], index: (p.index ?? 0) + p[1].length + 1 });
      for (const f of found) {
        const value = substitute(unquote(f.raw), vars);
        vars.set(f.name, value);
        const component = VERSION_VARS.get(f.name);
        const v = /^v?(\d+\.\d+(?:\.\d+){0,2})$/.exec(value);
        if (component && v) {
          const start = at(argsAt + f.index);
          ctx.scan.versions.push({
            component,
            version: v[1],
            path: ctx.path,
            range: ctx.lines.range(start, start + f.raw.length),
            how: `${ctx.display} ${op} ${f.name}=${v[1]}`,
            rank: 2,
          });
        }
      }
    } else if (op === "FROM") {
      const m = /^((?:--\S+\s+)*)(\S+)/.exec(args);
      if (!m) continue;
      const ref = substitute(m[2], vars);
      const start = at(argsAt + m[1].length);
      const end = at(argsAt + m[1].length + m[2].length - 1) + 1;
      const v = imageVersion(ref);
      lastFrom = from.length;
      from.push(
        v
          ? { ...v, path: ctx.path, range: ctx.lines.range(start, end), how: `${ctx.display} FROM ${ref}`, rank: 2 }
          : null,
      );
    } else if (op === "HEALTHCHECK") {
      readDockerHealthcheck(ctx, ins, args, argsAt);
    } else if (op === "RUN") {
      for (const p of args.matchAll(PACKAGE_PIN)) {
        const component: VersionComponent =
          p[1] === "openresty" ? "openresty" : p[1] === "libnginx-mod-http-lua" ? "lua-nginx-module" : "nginx";
        const start = at(argsAt + (p.index ?? 0));
        ctx.scan.versions.push({
          component,
          version: p[2],
          path: ctx.path,
          range: ctx.lines.range(start, start + p[0].length),
          how: `${ctx.display} installs ${p[0]}`,
          rank: 2,
        });
      }
      for (const p of args.matchAll(LUA_MODULE_ARG)) {
        const start = at(argsAt + (p.index ?? 0));
        ctx.scan.versions.push({
          component: "lua-nginx-module",
          version: p[1],
          path: ctx.path,
          range: ctx.lines.range(start, start + p[0].length),
          how: `${ctx.display} builds ${p[0].replace(/^--add(-dynamic)?-module=/, "")}`,
          rank: 2,
        });
      }
    }
  }
  // The final stage is the image that runs; earlier stages only build things.
  const finalStage = lastFrom >= 0 ? from[lastFrom] : null;
  if (finalStage) ctx.scan.versions.push({ ...finalStage, rank: 1 });
  for (const [i, v] of from.entries()) if (v && i !== lastFrom) ctx.scan.versions.push(v);
}

function readDockerHealthcheck(ctx: FileCtx, ins: Instruction, args: string, argsAt: number): void {
  const at = (i: number): number => ins.map[Math.min(i, ins.map.length - 1)];
  let j = 0;
  let interval: number | null = 30; // Docker's default
  for (;;) {
    const opt = /^\s*--([\w-]+)=(\S*)/.exec(args.slice(j));
    if (!opt) break;
    if (opt[1] === "interval") interval = goDuration(opt[2]);
    j += opt[0].length;
  }
  const cmd = /^\s*CMD\s+/i.exec(args.slice(j));
  if (!cmd) return; // HEALTHCHECK NONE, or garbage
  j += cmd[0].length;
  const body = args.slice(j).trimEnd();
  let invocation: string[] | null;
  if (body.startsWith("[")) {
    let argv: unknown;
    try {
      argv = JSON.parse(body);
    } catch {
      argv = null;
    }
    invocation =
      Array.isArray(argv) && argv.every((a) => typeof a === "string")
        ? testInvocation(argv as string[])
        : shellTestInvocation(body);
  } else invocation = shellTestInvocation(body);
  if (!invocation) return;
  const start = at(argsAt + j);
  const end = at(argsAt + j + body.length - 1) + 1;
  addEvidence(
    ctx,
    "docker-healthcheck",
    start,
    end,
    body,
    invocation,
    `Dockerfile HEALTHCHECK in ${ctx.display}`,
    interval === null ? undefined : everySeconds(interval),
    "",
  );
}
