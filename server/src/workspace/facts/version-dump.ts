// A saved `nginx -V` (or `openresty -V`): the most precise versions there are (nginx or OpenResty, the nginx
// core of a fork, the OpenSSL it runs with, the lua-nginx-module it was built with).

import { LUA_MODULE_ARG } from "./docker";
import type { FileCtx } from "./file-context";
import type { VersionComponent } from "./types";

export function readVersionDump(ctx: FileCtx): void {
  const { lines } = ctx;
  const how = `\`nginx -V\` output in ${ctx.display}`;
  const push = (component: VersionComponent, version: string, start: number, end: number): void => {
    ctx.scan.versions.push({ component, version, path: ctx.path, range: lines.range(start, end), how, rank: 0 });
  };
  for (let i = 0; i < lines.count; i++) {
    const line = lines.line(i);
    const base = lines.starts[i];
    const ver = /^\s*(?:nginx|openresty) version:\s*(\w[\w.-]*)\/(\d+(?:\.\d+)+)/i.exec(line);
    if (ver) {
      const product = ver[1].toLowerCase();
      const start = line.indexOf(ver[1] + "/" + ver[2]);
      const end = start + ver[1].length + 1 + ver[2].length;
      if (product === "openresty") push("openresty", ver[2], base + start, base + end);
      else if (product === "nginx") push("nginx", ver[2], base + start, base + end);
      // Tengine and other forks name their nginx core in parentheses: "Tengine/2.3.3 (nginx/1.18.0)".
      const core = /\(nginx\/(\d+(?:\.\d+)+)\)/.exec(line);
      if (core && product !== "nginx" && product !== "openresty")
        push("nginx", core[1], base + core.index, base + core.index + core[0].length);
      continue;
    }
    const ssl = /built with OpenSSL (\d+\.\d+\.\d+[a-z]*)/.exec(line);
    if (ssl) {
      // What is loaded is what costs memory: "(running with OpenSSL 3.0.2 …)" wins over the build headers.
      const running = /running with OpenSSL (\d+\.\d+\.\d+[a-z]*)/.exec(line);
      const use = running ?? ssl;
      const start = use.index + use[0].length - use[1].length;
      push("openssl", use[1], base + start, base + start + use[1].length);
      continue;
    }
    for (const m of line.matchAll(LUA_MODULE_ARG))
      push("lua-nginx-module", m[1], base + (m.index ?? 0), base + (m.index ?? 0) + m[0].length);
  }
}
