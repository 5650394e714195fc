// Preloaded into the built server (`node -r out/test/support/record-modules.js dist/server.js …`): writes the
// modules the process loaded (node's own `process.moduleLoadList`: built-ins as `NativeModule <name>`, plus
// every file `require`d by path after the preload) to the file named by $NGINX_RISK_RECORD_MODULES when it exits.
// The line `-- first publishDiagnostics --` marks where the list stood when the process first wrote a
// publishDiagnostics notification to stdout (the stdio transport writes every message there).

import * as fs from "fs";

const out = process.env.NGINX_RISK_RECORD_MODULES;
const required: string[] = [];

if (out) {
  // The module object itself (an `import * as` copy's properties cannot be replaced).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require("module") as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    if (request.startsWith("/") || request.startsWith(".")) required.push(`File ${request}`);
    return load.call(this, request, parent, isMain);
  };
  const loadList = (): string[] => (process as unknown as { moduleLoadList?: string[] }).moduleLoadList ?? [];
  let atFirstPublish: number | null = null;
  const write = process.stdout.write;
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    if (atFirstPublish === null && String(chunk).includes('"textDocument/publishDiagnostics"'))
      atFirstPublish = loadList().length;
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stdout.write;
  process.on("exit", () => {
    const builtins = [...loadList()];
    if (atFirstPublish !== null) builtins.splice(atFirstPublish, 0, "-- first publishDiagnostics --");
    fs.writeFileSync(out, [...builtins, ...required].join("\n") + "\n");
  });
}
