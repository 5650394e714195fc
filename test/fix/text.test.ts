// The edit primitives the fixes are made of: a file's own line endings and indentation, comments left in
// place, one-line blocks kept on one line, a last line without a line break.

import { strict as assert } from "assert";
import { parse } from "../../server/src/parse/parser";
import type { Directive } from "../../server/src/parse/ast";
import {
  applyEdits,
  eolOf,
  indentUnitOf,
  insertBefore,
  insertIntoBlock,
  removeDirective,
} from "../../server/src/fix/text";

function find(text: string, name: string): Directive {
  const visit = (nodes: ReturnType<typeof parse>["children"]): Directive | null => {
    for (const n of nodes) {
      if (n.kind !== "directive") continue;
      if (n.name === name) return n;
      const inner = n.block ? visit(n.block.children) : null;
      if (inner) return inner;
    }
    return null;
  };
  const d = visit(parse(text).children);
  assert.ok(d, name);
  return d;
}

const remove = (text: string, name: string): string => applyEdits(text, [removeDirective("f", text, find(text, name))]);
const insert = (text: string, block: string, ...s: string[]): string =>
  applyEdits(text, [insertIntoBlock("f", text, find(text, block), s)]);

describe("fix/text: edits that keep a file's style", () => {
  it("reads the file's line ending and indentation unit", () => {
    assert.equal(eolOf("a;\r\nb;\r\nc;\n"), "\r\n");
    assert.equal(eolOf("a;\nb;\r\n"), "\n");
    assert.equal(indentUnitOf("http {\n\tserver {\n\t\tlisten 80;\n\t}\n}\n"), "\t");
    assert.equal(indentUnitOf("http {\n  server {\n    listen 80;\n  }\n}\n"), "  ");
    assert.equal(indentUnitOf("events {}\n"), "    ");
  });

  it("removes a directive alone on its line with the line; beside others, only itself", () => {
    assert.equal(remove("http {\n    a 1;\n    b 2;\n}\n", "a"), "http {\n    b 2;\n}\n");
    assert.equal(remove("http {\r\n    a 1;\r\n    b 2;\r\n}\r\n", "a"), "http {\r\n    b 2;\r\n}\r\n");
    assert.equal(remove("http {\n    a 1; b 2;\n}\n", "a"), "http {\n    b 2;\n}\n");
    assert.equal(remove("http {\n    b 2; a 1;\n}\n", "a"), "http {\n    b 2;\n}\n");
    assert.equal(remove("http {\n    a 1; # why\n}\n", "a"), "http {\n    # why\n}\n");
    assert.equal(remove("b 2;\na 1;", "a"), "b 2;");
    assert.equal(remove("a\n  1;\nb 2;\n", "a"), "b 2;\n");
  });

  it("inserts at the top of a block, on new lines indented like its body or on the `{` line of a one-line block", () => {
    assert.equal(
      insert("location / {\n\t\troot /srv;\n}\n", "location", "x 1;", "y 2;"),
      "location / {\n\t\tx 1;\n\t\ty 2;\n\t\troot /srv;\n}\n",
    );
    assert.equal(
      insert("location / { # note\r\n  root /srv;\r\n}\r\n", "location", "x 1;"),
      "location / { # note\r\n  x 1;\r\n  root /srv;\r\n}\r\n",
    );
    assert.equal(
      insert("location / { return 204; }\n", "location", "x 1;", "y 2;"),
      "location / { x 1; y 2; return 204; }\n",
    );
    assert.equal(insert("http {\n  server {\n  }\n}\n", "server", "x 1;"), "http {\n  server {\n    x 1;\n  }\n}\n");
  });

  it("inserts above a directive at its indentation", () => {
    const text = "worker_processes 1;\nhttp {\n}\n";
    assert.equal(
      applyEdits(text, [insertBefore("f", text, find(text, "http"), "pid x;")]),
      "worker_processes 1;\npid x;\nhttp {\n}\n",
    );
  });

  // Lines are nginx's here (LF only): a lone CR inside a `#` comment is not a line end, so an edit never
  // lands inside the comment or cuts it (which would make live what it hides).
  it("lone CRs: a comment hiding text past one is kept whole by removals and insertions", () => {
    // Beside the directive, the comment (and what it hides) stays.
    assert.equal(remove("http {\n    a 1; # off:\r    b 2;\n}\n", "a"), "http {\n    # off:\r    b 2;\n}\n");
    // The `{` line ends with a comment running past a CR: the new lines go after it, never inside it.
    assert.equal(
      insert("location / { # off:\r  return 503;\n  root /srv;\n}\n", "location", "x 1;"),
      "location / { # off:\r  return 503;\n  x 1;\n  root /srv;\n}\n",
    );
    // Above a directive after another statement on its nginx line (only a lone CR between them): beside it.
    const text = "http {\n    b 2;\r    a 1;\n}\n";
    assert.equal(
      applyEdits(text, [insertBefore("f", text, find(text, "a"), "x 1;")]),
      "http {\n    b 2;\r    x 1; a 1;\n}\n",
    );
  });

  it("refuses overlapping edits", () => {
    const text = "a 1;\n";
    const d = find(text, "a");
    assert.throws(
      () => applyEdits(text, [removeDirective("f", text, d), removeDirective("f", text, d)]),
      /overlapping/,
    );
  });
});
