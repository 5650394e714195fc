// Preloaded into the built CLI or server (`node -r out/test/support/record-opens.js dist/cli.js …`): records
// every path the process opens or lists through `fs`, as given and as its real path, one per line in the
// file named by $NGINX_RISK_RECORD_OPENS, written when the process exits. No strace: the process's own `fs`
// is wrapped before the bundle loads, and the bundle calls it through its exports (esbuild's `require`).
//
// It records what goes through the exported functions (readFileSync, openSync, readdirSync, streams, the
// promise API): everything a JavaScript program can use to read a file. Node's own internals (the module
// loader) bypass it, which is fine: they only load the bundle.

// The module object itself: `import * as` would give a copy whose properties cannot be replaced.
import fs from "fs";
import * as path from "path";

const out = process.env.NGINX_RISK_RECORD_OPENS;
const recorded = new Set<string>();
const realpath = fs.realpathSync.native;
const writeFileSync = fs.writeFileSync;

function record(kind: string, p: unknown): void {
  let name: string;
  if (typeof p === "string") name = p;
  else if (Buffer.isBuffer(p)) name = p.toString("utf8");
  else if (p instanceof URL) name = p.pathname;
  else return; // a file descriptor: its open was recorded
  const abs = path.resolve(name);
  recorded.add(`${kind} ${abs}`);
  try {
    recorded.add(`${kind} ${realpath(abs)}`);
  } catch {
    // missing: the given name is all there is
  }
}

type AnyFn = (...args: unknown[]) => unknown;

function wrap(target: object, name: string, kind: string): void {
  const t = target as Record<string, AnyFn>;
  const original = t[name];
  if (typeof original !== "function") return;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    record(kind, args[0]);
    return original.apply(this, args);
  };
  t[name] = wrapped;
}

if (out) {
  for (const name of ["openSync", "open", "readFileSync", "readFile", "createReadStream", "openAsBlob"])
    wrap(fs, name, "open");
  for (const name of ["readdirSync", "readdir", "opendirSync", "opendir"]) wrap(fs, name, "list");
  for (const name of ["open", "readFile"]) wrap(fs.promises, name, "open");
  for (const name of ["readdir", "opendir"]) wrap(fs.promises, name, "list");
  process.on("exit", () => {
    writeFileSync(out, [...recorded].join("\n") + "\n");
  });
}
