// The formatter and nginx's comment rule: a `#` comment ends only at LF (ngx_conf_read_token), so a lone CR
// inside one is part of it. Hand-written expected texts for the cases; each result is also read by nginx's
// rules (format/nginx-tokens.ts: the same tokens and comments before and after) and formatted twice. Then
// the incident itself with a running nginx: a location answering 200 answered 503 once a formatter took
// the CR for a line break.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatParsed, formatText, type FormatOptions } from "../../server/src/format/format";
import { nginxTokens } from "../../server/src/format/nginx-tokens";
import { parse } from "../../server/src/parse/parser";
import { freePort, get, runnableHead, runnableHttp, withNginx } from "../support/nginx-run";
import { nginxBinary } from "../support/shared";
import { applyByPosition } from "./helpers";

const SPACES: FormatOptions = { tabSize: 4, insertSpaces: true };

/** Formats `input` to exactly `expected`; nginx reads both the same; formatting again changes nothing. */
function formats(input: string, expected: string, range?: { start: number; end: number }): void {
  const r = formatText(input, SPACES, range);
  assert.ok(r.ok, r.ok ? "" : r.reason);
  assert.strictEqual(r.text, expected);
  assert.strictEqual(applyByPosition(input, r.edits), expected);
  const bom = (t: string): string => (t.charCodeAt(0) === 0xfeff ? t.slice(1) : t);
  const before = nginxTokens(bom(input));
  const after = nginxTokens(bom(expected));
  assert.deepStrictEqual(after.tokens, before.tokens);
  assert.deepStrictEqual(
    after.comments.map((c) => c.trimEnd()),
    before.comments.map((c) => c.trimEnd()),
  );
  if (!range) {
    const again = formatText(expected, SPACES);
    assert.ok(again.ok && again.edits.length === 0, "formatting the result again changes it");
  }
}

describe("format: line breaks as nginx reads them", function () {
  it("a lone CR inside a comment stays there, with the text it hides", function () {
    formats(
      "location / {\n# maintenance\r    return 503;\n  return 200;\n}\n",
      // (At column 0 it stays at column 0: commented-out code.)
      "location / {\n# maintenance\r    return 503;\n    return 200;\n}\n",
    );
    formats(
      "location / {\n  # maintenance\r    return 503;\n  return 200;\n}\n",
      "location / {\n    # maintenance\r    return 503;\n    return 200;\n}\n",
    );
    // The same between the arguments of a statement.
    formats("listen   80  # note\r ssl;\n      reuseport;\n", "listen 80 # note\r ssl;\n      reuseport;\n");
  });

  it("a comment's trailing lone CRs are trailing whitespace: the line breaks after it are LF / CRLF", function () {
    formats("a;\r\n# c\r\r\nb;\r\n", "a;\r\n# c\r\n\r\nb;\r\n");
    formats("a;\n# c \r", "a;\n# c\n");
  });

  it("never writes a lone CR: a file written with them gets LF", function () {
    formats("a 1;\rb 2;\r", "a 1;\nb 2;\n");
    formats("a 1;\r# c\r", "a 1;\n# c\n");
    // Where a comment hides the rest of such a file from nginx, it stays hidden.
    formats("a 1;\r# c\rb 2;\r", "a 1;\n# c\rb 2;\n");
  });

  it("a lone CR between the words of a statement is a line break in the editor and a space for nginx", function () {
    formats("listen\r80;\n", "listen\n    80;\n");
  });

  it("a U+FEFF starting the first word is not moved to the start of the file (where it is a byte order mark)", function () {
    formats("\r\n\uFEFFevents  {}\n", "\n\uFEFFevents {}\n");
    formats(" \uFEFFevents  {}\n", " \uFEFFevents {}\n");
    // A byte order mark stays; nginx's reading is compared without it (with it, nginx rejects the file).
    formats("\uFEFF\n  events  {}\n", "\uFEFFevents {}\n");
  });

  // Found by `npm run fuzz` (seed 12345): refused by the formatter's proofs before these were fixed.
  it("fuzz finds: a `${` word ending in an escaped CR; a Lua block directive with an argument", function () {
    // The word's value no longer depends on whether its CR was part of a CRLF (the `;` rule keeps a space).
    formats("server_name# ${url\\\r\n ;\n", "server_name# ${url\\\r ;\n");
    // nginx rejects the statement before reading a body (`\` CR is an argument); we read an ordinary block.
    formats("content_by_lua_block \\\r\n{\nf(1\\28, 20);\n}\n", "content_by_lua_block \\\r {\n    f(1\\28, 20);\n}\n");
  });

  it("fuzz finds: the line ending is chosen from the line breaks between tokens (a second run agrees)", function () {
    // One LF inside a word, two CRLF between tokens: CRLF. Counting the word's LF made the next run choose LF.
    formats("keepalive\\\n_requests 100;\r\n\r\n", "keepalive\\\n_requests 100;\r\n");
    // Three CRLF inside a string, one LF and a blank line between tokens: LF.
    formats("if ($a ~ 'x\r\ny\r\nz\r\n') {\n\n}\n", "if ($a ~ 'x\r\ny\r\nz\r\n') {\n}\n");
  });

  it("range formatting takes a trailing comment whole, past its lone CR", function () {
    const input = "a  1; # x\r b  2;\nc  3;\n";
    formats(input, "a 1; # x\r b  2;\nc  3;\n", { start: 0, end: 1 });
  });

  it("refuses a result nginx would read differently, even when it parses to the same tree", function () {
    // The tree a scanner made that ended comments at a lone CR (what this project's did), over the real
    // text: offsets are the same (CR → LF is one character for one), so the formatter lays the text out
    // from it, and its result parses to that same tree — only nginx's reading tells the difference.
    const text = "location / {\n    # maintenance\r    return 503;\n    return 200;\n}\n";
    const oldTree = { ...parse(text.replace(/\r(?!\n)/g, "\n")), text };
    const r = formatParsed(oldTree, { tabSize: 2, insertSpaces: true });
    assert.equal(r.ok, false);
    assert.match(r.ok ? "" : r.reason, /nginx would read the result differently/);
  });

  it("the incident with a running nginx: 200 before and after formatting, 503 had the CR become a line break", async function () {
    this.timeout(120_000);
    if (!nginxBinary()) {
      if (process.env.CI) throw new Error("CI must install nginx");
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-cr-"));
    try {
      fs.chmodSync(dir, 0o755);
      const port = await freePort();
      const original = [
        ...runnableHead(dir),
        "events { worker_connections 16; }",
        "http {",
        ...runnableHttp(dir),
        `  server { listen 127.0.0.1:${port};`,
        "  location = /ready { return 204; }",
        "  location / {",
        // The maintenance switch, commented out with a CR that editors show as a line break.
        "# maintenance\r    return 503;",
        "    return 200 ok;",
        "  }",
        "  }",
        "}",
        "",
      ].join("\n");
      const formatted = formatText(original, SPACES);
      assert.ok(formatted.ok, formatted.ok ? "" : formatted.reason);
      assert.notEqual(formatted.text, original, "the layout changes, so the case formats something");
      const answers: Record<string, number> = {};
      for (const [name, text] of [
        ["original", original],
        ["formatted", formatted.text],
        ["CR as a line break", original.replace(/\r(?!\n)/g, "\n")],
      ]) {
        const file = path.join(dir, `${name.replace(/ /g, "-")}.conf`);
        fs.writeFileSync(file, text);
        answers[name] = await withNginx(dir, file, port, async () => (await get(port, "/")).status, "/ready");
      }
      assert.deepEqual(answers, { original: 200, formatted: 200, "CR as a line break": 503 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
