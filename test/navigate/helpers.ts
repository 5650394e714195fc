// Helpers for the navigation tests: a configuration loaded and modelled as the server does, positions by
// searching the text, and the real `nginx -t` over a folder of files.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildModel } from "../../server/src/model";
import type { Analysed } from "../../server/src/navigate";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { NodeFileSource } from "../../server/src/workspace/files";
import type { PathMapping } from "../../server/src/workspace/paths";
import { nginxBinary } from "../support/shared";

export function analyse(root: string, mappings?: PathMapping[]): Analysed {
  const source = new NodeFileSource();
  const config = loadConfiguration(root, { source, ...(mappings ? { mappings } : {}) });
  return { config, model: buildModel(config), options: { source } };
}

/** The 0-based position of the `nth` (0-based) occurrence of `needle` in file `p`, plus `delta` characters. */
export function posIn(p: string, needle: string, delta = 0, nth = 0): { line: number; character: number } {
  const text = fs.readFileSync(p, "utf8");
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    assert.ok(i >= 0, `${needle} (#${nth}) not in ${p}`);
  }
  const before = text.slice(0, i + delta).split("\n");
  return { line: before.length - 1, character: before[before.length - 1].length };
}

/** `nginx -t` on a folder's nginx.conf, with the folder as prefix. Requires nginxBinary(). */
export function nginxTestDir(dir: string): { ok: boolean; output: string } {
  const bin = nginxBinary();
  if (!bin) throw new Error("nginx is not installed");
  const conf = path.join(dir, "nginx.conf");
  const r = spawnSync(bin, ["-t", "-q", "-c", conf, "-p", dir, "-e", "stderr", "-g", `pid ${dir}/nginx.pid;`], {
    encoding: "utf8",
  });
  return { ok: r.status === 0, output: (r.stdout ?? "") + (r.stderr ?? "") };
}

export const STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";
