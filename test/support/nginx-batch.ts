// `nginx -t` on many configurations at once, a few processes at a time (the oracle tests of rules that
// generate hundreds of cases stay within their time limit). Same invocation as nginx.ts's nginxTest.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nginxBinary } from "./shared";
import type { NginxVerdict } from "./nginx";

/** Replaced in a configuration by the absolute path of its temporary prefix (ends with `/`). */
export const PREFIX = "@PREFIX@";

function one(bin: string, text: string): Promise<NginxVerdict> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-b-"));
  const conf = path.join(dir, "nginx.conf");
  fs.writeFileSync(conf, text.split(PREFIX).join(`${dir}/`));
  return new Promise((resolve) => {
    const p = spawn(bin, ["-t", "-q", "-c", conf, "-p", `${dir}/`, "-e", "stderr", "-g", `pid ${dir}/nginx.pid;`]);
    let output = "";
    p.stdout.on("data", (b: Buffer) => (output += b.toString()));
    p.stderr.on("data", (b: Buffer) => (output += b.toString()));
    p.on("close", (status) => {
      fs.rmSync(dir, { recursive: true, force: true });
      output = output.split(`${dir}/`).join(PREFIX);
      const m = /\[emerg\] \d+#\d+: (.*?)(?: in (\S+):(\d+))?\n/.exec(output);
      resolve({ ok: status === 0, message: m ? m[1] : "", line: m && m[3] ? Number(m[3]) : null, output });
    });
  });
}

/**
 * nginx -t's verdict on each text, `parallel` processes at a time, in the order given. `each` runs as each
 * verdict arrives, while the other processes run (the product's side of a differential case goes there).
 */
export async function nginxTestAll(
  texts: readonly string[],
  parallel = 4,
  each?: (i: number, verdict: NginxVerdict) => void,
): Promise<NginxVerdict[]> {
  const bin = nginxBinary();
  if (!bin) throw new Error("nginx is not installed");
  const out: NginxVerdict[] = new Array(texts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < texts.length) {
      const i = next++;
      out[i] = await one(bin, texts[i]);
      each?.(i, out[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, texts.length) }, worker));
  return out;
}
