// Standard input for `check -` (`nginx -T | nginx-risk check -`): read whole, up to the configuration size
// limit, and decoded as a configuration file is (invalid UTF-8 and a byte order mark are findings).

import * as fs from "fs";
import { decodeConfigBytes, type FileProblem } from "../workspace/files";

export type StdinRead = { ok: true; text: string; problems: FileProblem[] } | { ok: false; error: string };

/** Reads file descriptor `fd` (0) to its end; more than `limit` bytes is refused, as a larger file would be. */
export function readStdin(limit: number, fd = 0): StdinRead {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.allocUnsafe(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A non-blocking pipe with nothing in it yet: wait for the writer (`nginx -T` takes a while).
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      // No standard input at all (closed, or a terminal that is gone): nothing to read.
      if (code === "EOF") break;
      return { ok: false, error: `cannot read standard input: ${(e as Error).message}` };
    }
    if (n === 0) break;
    total += n;
    if (total > limit)
      return {
        ok: false,
        error: `standard input is larger than the configuration size limit (${+(limit / (1024 * 1024)).toFixed(2)} MiB; --config-size-limit)`,
      };
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  const { text, problems } = decodeConfigBytes(Buffer.concat(chunks));
  return { ok: true, text, problems };
}
