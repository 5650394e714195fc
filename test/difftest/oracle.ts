// The real `nginx -t` on a case folder: its own prefix (the folder), errors on stderr, every line nginx
// printed read back as (level, message, file, line). Async, so that several run at once.
import { spawn } from "child_process";
import * as path from "path";
import { nginxBinary } from "../support/shared";

export interface NginxLine {
  level: "emerg" | "alert" | "crit" | "error" | "warn" | "notice";
  message: string;
  /** The file and 1-based line nginx names (`… in FILE:LINE`); null when it names none. */
  file: string | null;
  line: number | null;
}

export interface OracleResult {
  ok: boolean;
  /** The line that made the test fail (nginx stops at the first `[emerg]`); null when it passed. */
  error: NginxLine | null;
  warnings: NginxLine[];
  output: string;
}

const LINE = /\[(emerg|alert|crit|error|warn|notice)\] \d+#\d+: (.*?)(?: in (\/[^\s]*):(\d+))?$/;

export function readNginxOutput(output: string, status: number | null): OracleResult {
  const lines: NginxLine[] = [];
  for (const text of output.split("\n")) {
    const m = LINE.exec(text);
    if (!m) continue;
    lines.push({
      level: m[1] as NginxLine["level"],
      message: m[2],
      file: m[3] ?? null,
      line: m[4] ? Number(m[4]) : null,
    });
  }
  const ok = status === 0;
  const error = ok
    ? null
    : (lines.find((l) => l.level === "emerg" || l.level === "alert" || l.level === "crit") ?? null);
  return { ok, error, warnings: lines.filter((l) => l.level === "warn"), output };
}

/** `nginx -t` on `dir/nginx.conf` with `dir` as its prefix. */
export function nginxT(dir: string): Promise<OracleResult> {
  const bin = nginxBinary();
  if (!bin) throw new Error("nginx is not installed");
  const conf = path.join(dir, "nginx.conf");
  return new Promise((resolve) => {
    const child = spawn(bin, ["-t", "-q", "-c", conf, "-p", dir + "/", "-e", "stderr"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve(readNginxOutput(out, status));
    });
  });
}

/** Runs `tasks` with at most `limit` at once, results in order. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
