// The formatter over every file of ../shared/corpus (every file the manifest lists, whatever its name), with
// three sets of options (4 spaces, 2 spaces, tabs). For each file:
// - with syntax errors: not formatted (no edits, a reason with the error's position);
// - otherwise: the formatted text gives the same crossplane payload as the original (comments included, line
//   numbers and a comment's trailing whitespace left out) — an independent comparison, not the formatter's own
//   proof; deleting all whitespace from both texts gives the same string (only whitespace changed);
//   the edits, applied here from their line/character positions, give the formatted text; formatting the
//   result again changes nothing; and the layout holds: every statement starts its own line, indented by
//   its depth, every `}` too (or closes an empty block on its line), the text ends with one line break.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { formatText, type FormatOptions } from "../../server/src/format/format";
import { parse } from "../../server/src/parse/parser";
import { CORPUS, haveShared, readManifest } from "../support/shared";
import { applyByPosition, layoutProblems, payloadOf } from "./helpers";

const OPTIONS: { name: string; options: FormatOptions; unit: string }[] = [
  { name: "4 spaces", options: { tabSize: 4, insertSpaces: true }, unit: "    " },
  { name: "2 spaces", options: { tabSize: 2, insertSpaces: true }, unit: "  " },
  { name: "tabs", options: { tabSize: 8, insertSpaces: false }, unit: "\t" },
];

describe("format: every file of ../shared/corpus", function () {
  this.timeout(300_000);
  before(function () {
    if (!haveShared()) this.skip();
  });

  for (const { name, options, unit } of OPTIONS) {
    it(`keeps the tree, is idempotent, refuses files with errors (${name})`, function () {
      const manifest = readManifest();
      const failures: string[] = [];
      let formatted = 0;
      let changed = 0;
      let refused = 0;
      for (const entry of manifest) {
        const text = fs.readFileSync(path.join(CORPUS, entry.path), "utf8");
        const result = formatText(text, options);
        const hasErrors = parse(text).errors.some((e) => e.severity === "error");
        if (hasErrors) {
          refused++;
          if (result.ok || result.edits.length > 0) failures.push(`${entry.path}: has syntax errors but was formatted`);
          else if (!result.range || !/line \d+/.test(result.reason))
            failures.push(`${entry.path}: refused without saying where (${result.reason})`);
          continue;
        }
        if (!result.ok) {
          failures.push(`${entry.path}: ${result.reason}`);
          continue;
        }
        formatted++;
        const out = result.text;
        if (out !== text) changed++;
        if (payloadOf(out) !== payloadOf(text)) failures.push(`${entry.path}: the payload changed`);
        if (out.replace(/[ \t\r\n]/g, "") !== text.replace(/[ \t\r\n]/g, ""))
          failures.push(`${entry.path}: more than whitespace changed`);
        if (applyByPosition(text, result.edits) !== out)
          failures.push(`${entry.path}: the edits do not give the formatted text`);
        const again = formatText(out, options);
        if (!again.ok || again.text !== out || again.edits.length > 0)
          failures.push(`${entry.path}: formatting twice changes the text`);
        for (const p of layoutProblems(out, unit)) failures.push(`${entry.path}: ${p}`);
      }
      console.log(
        `      ${manifest.length} files: ${formatted} formatted (${changed} changed, ${formatted - changed} already ` +
          `formatted), ${refused} with syntax errors left alone`,
      );
      assert.deepStrictEqual(failures.slice(0, 20), []);
      assert.strictEqual(formatted + refused, manifest.length);
      // The corpus is mostly files written by people: most of them change, and some are already formatted.
      assert.ok(changed > manifest.length / 4, `only ${changed} files changed`);
      assert.ok(refused > 0 && formatted - changed > 0);
    });
  }
});
