// The analysis of a keystroke reuses what it can (workspace/file-index.ts per parsed file, the statement
// shapes of rules/directive-checks.ts, the model's lazily built parts) and must give exactly what a
// from-scratch analysis gives. Random edits over corpus configurations, after every edit: the findings of
// the analysis that kept its caches (the parse cache across edits: unchanged files keep their trees, and an
// edit inside one block body keeps every node outside it, as the incremental parse does) equal those of a
// fresh load with a fresh parse of every file and forgotten statement shapes.

import { strict as assert } from "assert";
import type { Directive, Node, ParsedFile } from "../../server/src/parse/ast";
import { parse, reparseBlockBody } from "../../server/src/parse/parser";
import { runChecks, type Finding } from "../../server/src/rules";
import { forgetStatementShapes } from "../../server/src/rules/directive-checks";
import { loadConfiguration, type Configuration } from "../../server/src/workspace/configuration";
import { NodeFileSource, OverlayFileSource, ParseCache, type LoadedFile } from "../../server/src/workspace/files";
import { corpusConfigurations } from "../support/corpus-variants";
import { haveShared } from "../support/shared";

/** A small seeded generator (Park–Miller), so that a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let s = seed % 2147483647 || 1;
  return (n) => {
    s = (s * 48271) % 2147483647;
    return s % n;
  };
}

/** The innermost block whose body holds [start, end) strictly (the edit touches neither brace). */
function innermostBlock(children: Node[], start: number, end: number): Directive | null {
  let found: Directive | null = null;
  let nodes = children;
  for (;;) {
    const d = nodes.find(
      (n): n is Directive =>
        n.kind === "directive" &&
        n.block !== undefined &&
        n.block.close !== null &&
        n.block.open.end.offset <= start &&
        end <= n.block.close.start.offset,
    );
    if (!d) return found;
    found = d;
    nodes = d.block!.children;
  }
}

/**
 * The tree after replacing [at, at + text.length) by `text` of the same length, as the incremental parse
 * gives it: the innermost block's body parsed again (new nodes), every other node the same object, in a new
 * ParsedFile. Null when that body no longer stands alone (a full parse is then the answer).
 */
function splicedTree(old: ParsedFile, at: number, text: string): ParsedFile | null {
  const newText = old.text.slice(0, at) + text + old.text.slice(at + text.length);
  const d = innermostBlock(old.children, at, at + text.length);
  if (!d || old.errors.length > 0) return null;
  const body = reparseBlockBody(newText, d.block!.open.end, d.block!.close!.start.offset, d);
  if (body === null) return null;
  const fresh = parse(newText);
  // Only when the local parse is what a full parse gives (errors included): the incremental parser's own
  // differential test covers the rest; here the analysis is under test.
  if (fresh.errors.length > 0) return null;
  d.block!.children = body;
  return { text: newText, children: old.children, errors: [], lineCount: old.lineCount };
}

/**
 * The parse cache as the language server will use it with incremental parsing (ParseCache.update): a file's
 * next version may be given as a spliced tree; every other version is parsed by ParseCache as usual.
 */
class SplicingCache extends ParseCache {
  readonly next = new Map<string, ParsedFile>();
  private readonly trees = new Map<string, { version: string; parsed: ParsedFile }>();

  override get(p: string, file: LoadedFile): ParsedFile {
    const known = this.trees.get(p);
    if (known && known.version === file.version) return known.parsed;
    const spliced = this.next.get(p);
    this.next.delete(p);
    const parsed = spliced && spliced.text === file.text ? spliced : super.get(p, file);
    this.trees.set(p, { version: file.version, parsed });
    return parsed;
  }

  parsedOf(p: string): ParsedFile | undefined {
    return this.trees.get(p)?.parsed;
  }
}

const SNIPPETS = [";", "}", "{", "\n", "#", " x", "\n    include extra/*.conf;\n", "\nlocation /z { return 204; }\n"];

function findingsOf(config: Configuration, source: OverlayFileSource): Finding[] {
  return runChecks(config, { strict: false, source });
}

describe("incremental analysis equals a from-scratch analysis after every edit", function () {
  this.timeout(120_000);

  it("random edits over corpus configurations", function () {
    if (!haveShared()) {
      if (process.env.CI === "true") assert.fail("../shared/corpus is missing");
      this.skip();
    }
    const next = random(20261206);
    const all = corpusConfigurations();
    // Several files first (an edit in one keeps the others' trees), then the rest, in a seeded order.
    const picked = all
      .map((c) => ({ c, key: next(1 << 30) - (c.config.files.size > 1 ? 1 << 30 : 0) }))
      .sort((a, b) => a.key - b.key)
      .slice(0, 80)
      .map((x) => x.c.config);
    let edits = 0;
    let spliced = 0;
    let multiFile = 0;
    for (const original of picked) {
      const paths = [...original.files.keys()].filter((p) => !p.startsWith("("));
      if (paths.length === 0) continue;
      if (paths.length > 1) multiFile++;
      const texts = new Map(paths.map((p) => [p, original.files.get(p)!.text]));
      const source = new OverlayFileSource(new NodeFileSource());
      for (const [p, t] of texts) source.setOverlay(p, t);
      const cache = new SplicingCache();
      const load = (c: ParseCache): Configuration =>
        loadConfiguration(original.rootPath, {
          source,
          mappings: original.mappings,
          defaultMapping: false,
          confPrefix: original.confPrefix,
          rootContext: original.root.context,
          cache: c,
        });
      findingsOf(load(cache), source);
      for (let step = 0; step < 8; step++) {
        const p = paths[next(paths.length)];
        const text = texts.get(p)!;
        let at = text.length === 0 ? 0 : next(text.length);
        let newText: string;
        const kind = next(4);
        if (kind <= 1) while (at < text.length && !/[a-z0-9]/.test(text[at])) at++;
        if (kind <= 1 && at < text.length) {
          // Same length: a letter for a letter (the spliced tree when it stands alone).
          const ch = String.fromCharCode(97 + next(26));
          newText = text.slice(0, at) + ch + text.slice(at + 1);
          const tree = cache.parsedOf(p);
          const s = tree && tree.text === text ? splicedTree(tree, at, ch) : null;
          if (s) {
            cache.next.set(p, s);
            spliced++;
          }
        } else if (kind === 2) newText = text.slice(0, at) + SNIPPETS[next(SNIPPETS.length)] + text.slice(at);
        else newText = text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + next(20)));
        texts.set(p, newText);
        source.setOverlay(p, newText);
        const incremental = findingsOf(load(cache), source);
        forgetStatementShapes();
        const fresh = findingsOf(load(new ParseCache()), source);
        assert.deepStrictEqual(incremental, fresh, `${p}, edit ${step} at ${at}`);
        edits++;
      }
    }
    // The walk must really have taken the paths it is about.
    assert.ok(edits >= 500, `${edits} edits`);
    assert.ok(spliced >= 50, `${spliced} edits kept the rest of their tree`);
    assert.ok(multiFile >= 20, `${multiFile} configurations of several files`);
  });
});
