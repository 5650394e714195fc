// ParseCache.editedSince (workspace/edit-log.ts): after random edit sequences applied through the cache
// (the incremental parse moving the tree in place), for every older tree of the sequence, every node of the
// tree held now that the older tree did not have lies inside the spans said to be re-parsed since, and
// `treeHolds` tells exactly which of the older tree's directives are still in the tree. The server answers
// a request outside those spans from an analysis of the older tree (server.ts lastAnalyses): a node the
// analysis never saw there would be a wrong answer.

import * as assert from "assert";
import type { Directive, Node, ParsedFile } from "../../server/src/parse/ast";
import type { TextChange } from "../../server/src/parse/incremental";
import { walkTree } from "../../server/src/parse/walk";
import { touchesSpans, treeHolds, type Span } from "../../server/src/workspace/edit-log";
import { ParseCache, type LoadedFile } from "../../server/src/workspace/files";
import { random } from "../support/random";

const SEQUENCES = 400;
const EDITS = 8;

/** Nested blocks, comments, a Lua body, quotes: what the incremental parse re-parses differently. */
function configuration(rnd: () => number): string {
  const lines = ["# generated", "events { worker_connections 64; }", "http {", "    include mime.types;"];
  for (let s = 0; s < 3; s++) {
    lines.push("    server {", `        listen ${8000 + s};`, `        server_name s${s}.example;`);
    for (let l = 0; l < 4 + Math.floor(rnd() * 4); l++) {
      lines.push(`        location /l${l} {`, `            return 200 'l${l}';`, "        }");
      if (rnd() < 0.3) lines.push("        # a comment");
    }
    if (s === 1) lines.push("        content_by_lua_block {", '            ngx.say("}")', "        }");
    lines.push("    }");
  }
  lines.push("}", "");
  return lines.join("\n");
}

const PIECES = ["a", " ", ";", "{", "}", "#", "'", "\n", "x y;\n", "location /n { return 204; }\n", "}\n"];

function randomChange(text: string, rnd: () => number): TextChange {
  const at = Math.floor(rnd() * (text.length + 1));
  const kind = Math.floor(rnd() * 4);
  if (kind === 0) return { start: at, end: Math.min(text.length, at + 1 + Math.floor(rnd() * 6)), text: "" };
  const piece = PIECES[Math.floor(rnd() * PIECES.length)];
  if (kind === 1) return { start: at, end: Math.min(text.length, at + 1), text: piece };
  return { start: at, end: at, text: piece };
}

function nodesOf(tree: ParsedFile): Set<Node> {
  const out = new Set<Node>();
  walkTree(tree.children, true, (n) => {
    out.add(n);
    return true;
  });
  return out;
}

const inside = (spans: readonly Span[], a: number, b: number): boolean => spans.some(([s, e]) => s <= a && b <= e);

describe("workspace/edit-log: what the edits since an older tree re-parsed", function () {
  this.timeout(120_000);

  it("every node the older tree lacks is inside the spans, and treeHolds names the kept directives", function () {
    const rnd = random(0x6d6f7665);
    let related = 0;
    let unrelated = 0;
    let newNodes = 0;
    for (let seq = 0; seq < SEQUENCES; seq++) {
      const cache = new ParseCache();
      let text = configuration(rnd);
      let version = 0;
      const file = (): LoadedFile => ({ text, version: String(version), problems: [] });
      let tree = cache.get("/c.conf", file());
      const older: { tree: ParsedFile; nodes: Set<Node> }[] = [{ tree, nodes: nodesOf(tree) }];
      for (let e = 0; e < EDITS; e++) {
        const change = randomChange(text, rnd);
        const from = String(version);
        text = text.slice(0, change.start) + change.text + text.slice(change.end);
        version++;
        tree = cache.update("/c.conf", file(), [change], from);
        const now = nodesOf(tree);
        for (const o of older) {
          const since = cache.editedSince("/c.conf", o.tree);
          if (since === null) {
            unrelated++;
            continue;
          }
          related++;
          assert.strictEqual(since.parsed, tree);
          for (const [a, b] of since.made) assert.ok(0 <= a && a <= b && b <= text.length, `span ${a}-${b}`);
          for (const n of now) {
            if (o.nodes.has(n)) continue;
            newNodes++;
            assert.ok(
              inside(since.made, n.startOffset, n.endOffset),
              `a new node ${n.startOffset}-${n.endOffset} outside ${JSON.stringify(since.made)} (sequence ${seq}, edit ${e})`,
            );
            assert.ok(touchesSpans(since.made, n.startOffset, n.startOffset));
          }
          for (const n of o.nodes)
            if (n.kind === "directive")
              assert.strictEqual(treeHolds(tree.children, n as Directive), now.has(n), `sequence ${seq}, edit ${e}`);
        }
        older.push({ tree, nodes: now });
      }
    }
    // Most older trees are related to the held one (a whole parse since ends it); the property was tested.
    assert.ok(related > unrelated, `${related} related, ${unrelated} not`);
    assert.ok(newNodes > 1000, `${newNodes} new nodes checked`);
  });
});
