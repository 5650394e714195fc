// What an edit touches in the tree that stays: the nodes whose stored numbers change, counted from outside
// (every number of every kept node compared before and after), for an edit near the start and near the end
// of a 10,000-line block-structured file. Positions are relative to the enclosing block (parse/ast.ts), so
// an edit moves the later siblings of the edited statement and of each block around it, and those blocks'
// `}`: bounded by the siblings on the path, not by the size of the file (with absolute positions, an edit in
// the first server moved every later word: ~30,000 objects here).

import * as assert from "assert";
import { Comment, Directive, type Node, type ParsedFile } from "../../server/src/parse/ast";
import { updateParseDetailed } from "../../server/src/parse/incremental";
import { parse } from "../../server/src/parse/parser";
import { walkTree } from "../../server/src/parse/walk";
import { assertSameTree } from "../support/plain-tree";

const SERVERS = 200;
const LOCATIONS = 45;

/** `http` with 200 servers of 50 lines each (3 statements, 45 one-line locations, braces): 10,002 lines. */
function blockStructured(): string {
  const lines = ["http {"];
  for (let s = 0; s < SERVERS; s++) {
    lines.push("  server {", "    listen 80;", `    server_name s${s}.example.com;`, "    root /srv/www;");
    for (let l = 0; l < LOCATIONS; l++) lines.push(`    location /p${l} { proxy_pass http://u${l}; }`);
    lines.push("  }");
  }
  lines.push("}", "");
  return lines.join("\n");
}

/** Every object of the tree that stores positions, with its own numbers as one string. */
function numbersOf(children: readonly Node[]): Map<object, string> {
  const out = new Map<object, string>();
  const record = (o: object): void => {
    const numbers: number[] = [];
    for (const v of Object.values(o)) {
      if (typeof v === "number") numbers.push(v);
      else if (Array.isArray(v) && typeof v[0] === "number") for (const x of v) numbers.push(x as number);
    }
    out.set(o, numbers.join(","));
  };
  walkTree(children, true, (n) => {
    record(n);
    if (n instanceof Comment) return undefined;
    const d: Directive = n;
    for (const w of [d.nameWord, ...d.args]) record(w);
    for (const c of d.argComments) record(c);
    if (d.lua) record(d.lua);
    if (d.block) record(d.block);
    return d.block ? true : undefined;
  });
  return out;
}

/** Kept objects (in both trees) whose numbers changed, and how many objects the new tree has. */
function touched(before: Map<object, string>, after: ParsedFile): { changed: number; total: number } {
  const now = numbersOf(after.children);
  let changed = 0;
  for (const [o, numbers] of now) if (before.has(o) && before.get(o) !== numbers) changed++;
  return { changed, total: now.size };
}

/**
 * The bound: for each level of blocks around `offset`, the siblings after the statement holding it, plus two
 * objects per block around it (the directive's end, the block's `}`), computed on the tree by brute force.
 */
function siblingsOnPath(children: readonly Node[], offset: number): number {
  let bound = 0;
  let nodes = children;
  for (;;) {
    const i = nodes.findIndex((n) => n.startOffset <= offset && offset <= n.endOffset);
    assert.ok(i >= 0);
    bound += nodes.length - i - 1;
    const n = nodes[i];
    if (!(n instanceof Directive) || !n.block) return bound;
    bound += 2;
    nodes = n.block.children;
  }
}

describe("what an edit moves (relative positions)", () => {
  const text = blockStructured();

  it("the file is what the bound is about: 10,002 lines, more than 30,000 position-holding objects", () => {
    const f = parse(text);
    assert.strictEqual(f.lineCount, 10_003); // and the empty line after the last line break
    assert.ok(numbersOf(f.children).size > 30_000);
  });

  for (const [where, server] of [
    ["near the start", 0],
    ["in the middle", SERVERS / 2],
    ["near the end", SERVERS - 1],
  ] as const) {
    it(`an edit ${where}: only the later siblings on the path move`, () => {
      const f = parse(text);
      const at = text.indexOf("root /srv/www;", text.indexOf(`server_name s${server}.example.com;`));
      assert.ok(at > 0);
      const bound = siblingsOnPath(f.children, at);
      const before = numbersOf(f.children);
      // A statement typed on a new line after `root`: a line and 13 characters more for all that follows.
      const insertAt = at + "root /srv/www;".length;
      const u = updateParseDetailed(f, { start: insertAt, end: insertAt, text: "\n    gzip on;" });
      assert.strictEqual(u.kind, "statements");
      const { changed, total } = touched(before, u.parsed);
      // Bounded by the siblings on the path (45 locations, the later servers, two `}`), never by the file.
      assert.ok(changed <= bound, `${changed} objects changed, bound ${bound}`);
      assert.ok(changed * 100 < total, `${changed} of ${total} objects changed`);
      assert.ok(u.moved <= bound, `the update says it moved ${u.moved}`);
      // And the result is the full parse of the new text (the differential test does this for 5,000+ edits).
      const full = parse(u.parsed.text);
      assertSameTree(u.parsed.children, full.children);
    });
  }
});
