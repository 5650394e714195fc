// rules/dump.ts isNginxDump and isNginxDumpRead: whether a text is `nginx -T` output, read whole or in parts,
// only through the first line that decides, must say what the definition says of the whole text. Random texts built from the
// lines that matter (headers, nginx's messages, blank lines, CR, lone CR, configuration) and corpus files,
// each read in random-sized parts; and it reads only the start of a large configuration.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { isNginxDump, isNginxDumpRead } from "../../server/src/rules/dump";
import { random } from "../support/random";
import { CORPUS, haveShared, readManifest } from "../support/shared";

/**
 * The definition, over the whole text: a `# configuration file …:` header, and before it only blank lines
 * and nginx's own `nginx: …` messages (what isNginxDump read before it read only the first lines).
 */
function wholeTextVerdict(text: string): boolean {
  const m = /^# configuration file .+:\r?$/m.exec(text);
  if (!m) return false;
  const before = text
    .slice(0, m.index)
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  return before.every((l) => /^nginx: /.test(l));
}

const LINES = [
  "# configuration file /etc/nginx/nginx.conf:",
  "# configuration file /etc/nginx/nginx.conf:\r",
  "# configuration file :",
  "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok",
  "nginx: [warn] something",
  "",
  "   ",
  "\t\r",
  "events {}",
  "  nginx: indented",
  "x\r# configuration file /a.conf:",
  "nginx: a\r# configuration file /b.conf:",
];

describe("rules/dump: telling nginx -T output from its first lines", function () {
  it("says what the whole text says, read whole or in parts of any size", function () {
    const next = random(7);
    const pick = (n: number): number => Math.floor(next() * (n + 1));
    const texts: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const lines: string[] = [];
      for (let k = pick(6); k >= 0; k--) lines.push(LINES[pick(LINES.length - 1)]);
      texts.push(lines.join(next() < 0.2 ? "\r\n" : "\n") + (next() < 0.5 ? "\n" : ""));
    }
    if (haveShared()) {
      const files = readManifest()
        .filter((e) => !e.linkTo)
        .map((e) => path.join(CORPUS, e.path))
        .filter((f) => fs.existsSync(f));
      for (let i = 0; i < files.length; i += 10) texts.push(fs.readFileSync(files[i], "utf8"));
    }
    let dumps = 0;
    for (const text of texts) {
      const part = 1 + pick(20);
      // Each read is cut to a random size: the reader must not depend on where a part ends.
      const read = (a: number, b: number): string => text.slice(a, Math.min(b, a + part));
      const expected = wholeTextVerdict(text);
      if (expected) dumps++;
      assert.strictEqual(isNginxDumpRead(read, text.length), expected, JSON.stringify(text.slice(0, 300)));
      assert.strictEqual(isNginxDump(text), expected, JSON.stringify(text.slice(0, 300)));
    }
    assert.ok(dumps > 100 && dumps < texts.length - 100, `${dumps} dumps of ${texts.length}`);
  });

  it("reads only the first lines of a large configuration", function () {
    const text = "user nginx;\n" + "events { worker_connections 1024; }\n".repeat(100_000);
    let read = 0;
    const reader = (a: number, b: number): string => {
      read += b - a;
      return text.slice(a, b);
    };
    assert.strictEqual(isNginxDumpRead(reader, text.length), false);
    // One part of a few KiB, not the 3.6 MB (a whole-text read would be a thousand times more).
    assert.ok(read <= 8192, `${read} characters read`);
  });
});
