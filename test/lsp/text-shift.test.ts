// text-shift.ts: how the text a stored analysis read maps onto the text the editor shows now. Random edits
// (inserts, deletes, replacements, repeated text, CRLF) of corpus files and of short texts: the texts agree
// before and after the span found, everything outside it maps onto the same character, and a range
// survives exactly when it lies outside the span.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { rangeToNewer, textShift, toOlder } from "../../server/src/lsp/text-shift";
import { random } from "../support/random";
import { CORPUS, haveShared, readManifest } from "../support/shared";

function texts(): string[] {
  const out = ["", "a", "aaaa", "server {\r\n  listen 80;\r\n}\r\n", "x".repeat(200_000) + "y" + "x".repeat(70_000)];
  if (haveShared()) {
    const files = readManifest()
      .filter((e) => !e.linkTo)
      .map((e) => path.join(CORPUS, e.path))
      .filter((f) => fs.existsSync(f));
    for (let i = 0; i < files.length; i += 25) out.push(fs.readFileSync(files[i], "utf8"));
  }
  return out;
}

describe("text-shift: the analysed text against the text shown now", function () {
  this.timeout(120_000);

  it("random edits: the texts agree outside the span, which maps onto the same characters", function () {
    const next = random(13);
    const pick = (n: number): number => Math.floor(next() * (n + 1));
    let checked = 0;
    for (const older of texts()) {
      for (let k = 0; k < 40; k++) {
        const at = pick(older.length);
        const removed = pick(Math.min(older.length - at, 30));
        // Sometimes the inserted text repeats what is around it (the span is then ambiguous, still valid).
        const insert =
          next() < 0.3 ? older.slice(Math.max(0, at - 5), at) : ["", "x", "\n", "\r\n", "# é 😀\n"][pick(4)];
        const newer = older.slice(0, at) + insert + older.slice(at + removed);
        const shift = textShift(older, newer);
        if (newer === older) {
          assert.strictEqual(shift, null);
          continue;
        }
        assert.ok(shift !== null);
        // Where the edit repeats the text around it the span may lie beside it: only its shape is fixed.
        assert.ok(shift.start <= shift.oldEnd && shift.start <= shift.newEnd);
        assert.strictEqual(shift.newEnd - shift.oldEnd, newer.length - older.length);
        assert.strictEqual(older.slice(0, shift.start), newer.slice(0, shift.start));
        assert.strictEqual(older.slice(shift.oldEnd), newer.slice(shift.newEnd));
        for (let j = 0; j < 20; j++) {
          const o = pick(newer.length);
          const back = toOlder(shift, o);
          if (o < shift.start || o >= shift.newEnd) {
            assert.ok(back !== null);
            assert.strictEqual(older.charCodeAt(back), newer.charCodeAt(o));
          } else assert.strictEqual(back, null);
          const s = pick(older.length);
          const e = s + pick(older.length - s);
          const moved = rangeToNewer(shift, s, e);
          const outside: boolean = e <= shift.start || s >= shift.oldEnd;
          assert.strictEqual(moved !== null, outside, `range ${s}-${e} against ${JSON.stringify(shift)}`);
          if (moved) assert.strictEqual(newer.slice(moved[0], moved[1]), older.slice(s, e));
        }
        checked++;
      }
    }
    assert.ok(checked > 100, `only ${checked} edits`);
  });
});
