// The tree's nodes as the plain objects a test writes by hand: the parser keeps positions as numbers in class
// instances (parse/ast.ts) and builds `range`, `open`, `close` and `semicolon` when read, so a node compared
// with a literal is first turned into this shape (properties a node does not have are left out).

import * as assert from "assert";
import { Block, Comment, Directive, LuaBody, Word, type Node } from "../../server/src/parse/ast";
import { walkTree } from "../../server/src/parse/walk";

/** `value` with every tree node inside it (arrays and plain objects walked) in its plain shape. */
export function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Word) return { value: value.value, quote: value.quote, range: value.range };
  if (value instanceof Comment) return { kind: "comment", text: value.text, range: value.range };
  if (value instanceof LuaBody) return { code: value.code, range: value.range, inner: value.inner };
  if (value instanceof Block) return { open: value.open, close: value.close, children: plain(value.children) };
  if (value instanceof Directive) {
    const out: Record<string, unknown> = {
      kind: "directive",
      name: value.name,
      nameWord: plain(value.nameWord),
      args: plain(value.args),
      argComments: plain(value.argComments),
      terminator: value.terminator,
    };
    if (value.semicolon) out.semicolon = value.semicolon;
    if (value.block) out.block = plain(value.block);
    if (value.lua) out.lua = plain(value.lua);
    out.range = value.range;
    return out;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/** `assert.deepStrictEqual` of the two values' plain shapes. */
export function deepStrictEqualPlain(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(plain(actual), plain(expected), message);
}

/** The directives of a tree, in document order. */
export function directivesOf(children: readonly Node[]): Directive[] {
  const out: Directive[] = [];
  walkTree(children, true, (n) => {
    if (n.kind !== "directive") return undefined;
    out.push(n);
    return n.block ? true : undefined;
  });
  return out;
}

/**
 * `assert.deepStrictEqual` of two trees, and of every directive's words. A directive makes its `Word`s only when
 * `nameWord` or `args` is read (parse/ast.ts), so its own fields, which deepStrictEqual compares, do not hold
 * them: they are compared as `wordData` reads them, which makes none (a tree compared stays as it was).
 */
export function assertSameTree(actual: readonly Node[], expected: readonly Node[], message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
  const a = directivesOf(actual);
  const e = directivesOf(expected);
  assert.strictEqual(a.length, e.length, message);
  for (let i = 0; i < a.length; i++)
    assert.deepStrictEqual(a[i].wordData(), e[i].wordData(), `${message ?? ""}: the words of ${a[i].name}`);
}

/**
 * Makes the `Word`s of the directives `pick` chooses (reads their `args`), asserting that they say what the
 * packed numbers said (`wordData` before and after).
 */
export function makeWordsOf(children: readonly Node[], pick: (d: Directive, i: number) => boolean, what: string): void {
  directivesOf(children).forEach((d, i) => {
    if (d.wordsMade || !pick(d, i)) return;
    const packed = d.wordData();
    assert.strictEqual(d.args.length, packed.length - 1, what);
    assert.ok(d.wordsMade, what);
    assert.deepStrictEqual(d.wordData(), packed, `${what}: the words made of ${d.name}`);
    for (const w of [d.nameWord, ...d.args]) assert.strictEqual(w.base, d, `${what}: base of a word made`);
  });
}

/**
 * Every node's base is what ast.ts says it is: a statement's or standalone comment's, the directive of the
 * block it is in (null at the top level); a word's (once made) and argument comment's, its directive. With equal relative
 * numbers (deepStrictEqual), equal bases make equal absolute positions.
 */
export function assertBases(children: readonly Node[], what: string): void {
  walkTree<Directive | null>(children, null, (n, base) => {
    assert.strictEqual(n.base, base, `${what}: base of the node at ${n.startOffset}`);
    if (n.kind === "comment") return undefined;
    // Words not made yet are numbers of the directive's (read nothing into being here).
    if (n.wordsMade)
      for (const w of [n.nameWord, ...n.args])
        assert.strictEqual(w.base, n, `${what}: base of the word at ${w.startOffset}`);
    for (const c of n.argComments) assert.strictEqual(c.base, n, `${what}: base of the comment at ${c.startOffset}`);
    return n.block ? n : undefined;
  });
}
