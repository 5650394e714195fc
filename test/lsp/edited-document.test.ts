// edited-document.ts against vscode-languageserver-textdocument, the document it replaces: the same random
// edit sequences (ranged and whole, reversed ranges, ranges past a line's end or the text's, CR, LF and
// CR LF typed, split and joined, several changes per event, more edits than the pieces kept) applied to
// both, and after every event the text, every line's range and end of line, and offsets and positions
// around each change agree.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { TextDocument } from "vscode-languageserver-textdocument";
import { EditedDocument } from "../../server/src/lsp/edited-document";
import { random } from "../support/random";
import { CORPUS, haveShared, readManifest } from "../support/shared";

interface Pos {
  line: number;
  character: number;
}

type Change = { range: { start: Pos; end: Pos }; text: string } | { text: string };

function texts(): string[] {
  const out = ["", "a", "\r", "\r\n", "a\rb\nc\r\n", "server {\r\n  listen 80;\r\n}\r\n", "events {}\n"];
  if (haveShared()) {
    const files = readManifest()
      .filter((e) => !e.linkTo)
      .map((e) => path.join(CORPUS, e.path))
      .filter((f) => fs.existsSync(f));
    for (let i = 0; i < files.length; i += 60) out.push(fs.readFileSync(files[i], "utf8"));
  }
  return out;
}

const PIECES = ["x", "", "\n", "\r", "\r\n", "\n\n", "ab;\r\n", "server {\n", "}", "\r\r\n\n", "é€"];

function assertSame(ours: EditedDocument, theirs: TextDocument, at: number[], what: string): void {
  assert.strictEqual(ours.getText(), theirs.getText(), `${what}: text`);
  assert.strictEqual(ours.lineCount, theirs.lineCount, `${what}: lineCount`);
  for (let line = -1; line <= theirs.lineCount; line++) {
    assert.deepStrictEqual(ours.getLineRange(line), theirs.getLineRange(line), `${what}: line ${line} range`);
    assert.strictEqual(ours.getEOLCharacters(line), theirs.getEOLCharacters(line), `${what}: line ${line} EOL`);
  }
  const n = theirs.getText().length;
  for (const o of at)
    for (let d = -3; d <= 3; d++) {
      const offset = Math.max(-1, Math.min(n + 1, o + d));
      const p = theirs.positionAt(offset);
      assert.deepStrictEqual(ours.positionAt(offset), p, `${what}: positionAt(${offset})`);
      for (const c of [p, { line: p.line, character: p.character + 5 }, { line: p.line + 1, character: 0 }])
        assert.strictEqual(ours.offsetAt(c), theirs.offsetAt(c), `${what}: offsetAt(${JSON.stringify(c)})`);
      assert.strictEqual(ours.slice(offset, offset + 7), theirs.getText().slice(Math.max(0, offset), offset + 7));
    }
}

describe("edited-document: the same text, lines and positions as vscode-languageserver-textdocument", function () {
  this.timeout(120_000);

  it("random edit sequences, compared after every change event", function () {
    const next = random(29);
    const pick = (n: number): number => Math.floor(next() * (n + 1));
    let events = 0;
    for (const [i, text] of texts().entries()) {
      const ours = EditedDocument.create("file:///t.conf", "nginx", 1, text);
      let theirs = TextDocument.create("file:///t.conf", "nginx", 1, text);
      // Long enough to go past the pieces an EditedDocument keeps before it makes its text flat again.
      for (let k = 0; k < 90; k++) {
        const changes: Change[] = [];
        const at: number[] = [];
        const count = next() < 0.2 ? 1 + pick(3) : 1;
        // Each change is in the positions of the text the changes before it in the event left (LSP).
        let probe = TextDocument.create("file:///t.conf", "nginx", 0, theirs.getText());
        for (let c = 0; c < count; c++) {
          const length = probe.getText().length;
          if (next() < 0.02) {
            const whole = { text: PIECES[pick(PIECES.length - 1)].repeat(1 + pick(3)) };
            changes.push(whole);
            probe = TextDocument.update(probe, [whole], 0);
            continue;
          }
          const start = pick(length);
          const end = Math.min(length + 2, start + (next() < 0.5 ? 0 : pick(12)));
          // Positions as an editor may send them: a character past the line's end, a reversed range. (A line
          // past the last one leaves holes in the library's own line offsets: no editor sends one.)
          const s = next() < 0.1 ? { line: pick(probe.lineCount - 1), character: pick(90) } : probe.positionAt(start);
          const e = probe.positionAt(end);
          const inserted = next() < 0.4 ? "" : PIECES[pick(PIECES.length - 1)];
          const range = next() < 0.1 ? { start: e, end: s } : { start: s, end: e };
          changes.push({ range, text: inserted });
          probe = TextDocument.update(probe, [{ range, text: inserted }], 0);
          at.push(start, start + inserted.length);
        }
        // The library applies each change to the text the previous one left, as the protocol says.
        const before = theirs.getText();
        theirs = TextDocument.update(theirs, changes, k + 2);
        ours.update(changes, k + 2);
        assert.strictEqual(ours.version, k + 2);
        assertSame(ours, theirs, at, `text ${i}, event ${k} (${JSON.stringify(changes)} on ${before.length} chars)`);
        events++;
      }
    }
    assert.ok(events >= 600, `${events} events`);
  });

  it("holdsNul: what the text of each snapshot holds, after random edits that type and delete NULs", function () {
    // The answer is remembered per piece and kept by the parts an edit cuts from a piece without a NUL
    // (classify.ts asks it on every keystroke): asked at some events only, so that pieces never asked are
    // cut and made flat too, and every older snapshot is asked again after later edits.
    const next = random(31);
    const pick = (n: number): number => Math.floor(next() * (n + 1));
    const inserts = ["", "x", "\0", "a\0b", "server {\n", "\n"];
    let asked = 0;
    for (const text of ["", "\0", "events {}\n".repeat(50), "a\0".repeat(20), ...texts().slice(7, 12)]) {
      const doc = EditedDocument.create("file:///t.conf", "nginx", 1, text);
      const older: { window: ReturnType<EditedDocument["snapshot"]>; holds: boolean }[] = [];
      for (let k = 0; k < 150; k++) {
        const length = doc.textLength;
        const start = pick(length);
        const end = Math.min(length, start + (next() < 0.7 ? pick(3) : pick(40)));
        const range = { start: doc.positionAt(start), end: doc.positionAt(end) };
        doc.update([{ range, text: inserts[pick(inserts.length - 1)] }], k + 2);
        if (next() < 0.5) continue;
        const window = doc.snapshot();
        const holds = doc.getText().includes("\0");
        assert.strictEqual(window.holdsNul(), holds, `edit ${k} of a ${text.length}-character text`);
        older.push({ window, holds });
        asked++;
      }
      for (const [i, o] of older.entries()) assert.strictEqual(o.window.holdsNul(), o.holds, `snapshot ${i}`);
    }
    assert.ok(asked > 500, `${asked} asked`);
  });

  it("an edit does not build the whole text: getText() is made when asked, from the pieces", function () {
    const text = "server {\n  listen 80;\n}\n".repeat(1000);
    const doc = EditedDocument.create("file:///t.conf", "nginx", 1, text);
    doc.update([{ range: { start: { line: 1, character: 2 }, end: { line: 1, character: 2 } }, text: "x" }], 2);
    // Three pieces (before, inserted, after) stand for the text; reading a short range reads only them.
    assert.deepStrictEqual([...doc.chunks()].length, 3);
    assert.strictEqual(doc.slice(9, 20), "  xlisten 8");
    assert.strictEqual(doc.getText(), text.slice(0, 11) + "x" + text.slice(11));
  });
});
