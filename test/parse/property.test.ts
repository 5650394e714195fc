// Property tests of the parser (fast-check, fixed seed): on any input it returns (never throws, never
// hangs) and the tree keeps its positional invariants:
// - every range has start <= end, offsets within the text, and line/character agree with the offset
//   (LF, CRLF and a lone CR are line breaks; character counts UTF-16 units);
// - siblings are ordered by offset and do not overlap; a directive's parts lie inside its range, a block's
//   children inside its braces;
// - every error has such a range.
//
// Each property runs in a worker thread so that a hang is reported (with the input being parsed) instead of
// blocking mocha forever.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { isMainThread, parentPort, Worker, workerData } from "worker_threads";
import type { Directive, Node, ParsedFile, Position, Range } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";
import { CORPUS, haveShared, readManifest } from "../support/shared";

/** Fixed; NGINX_RISK_FC_SEED overrides it to explore (a failure report prints the seed to replay). */
const SEED = Number(process.env.NGINX_RISK_FC_SEED ?? 0x6e67696e);
/**
 * No progress for this long while parsing one input = a hang. Parsing one of these inputs takes milliseconds;
 * a hang (a scanner loop that never advances) lasts forever, so the bound can be generous: the CI machine is
 * shared, and 5 s once failed on a loaded machine before the worker had even loaded its modules.
 */
const HANG_MS = 60_000;

// ---------------------------------------------------------------------------------------------------------
// The invariants

/** Offsets where each line starts (LF, CRLF, lone CR), computed independently of the scanner. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) starts.push(i + 1);
    else if (c === 0x0d) {
      if (text.charCodeAt(i + 1) === 0x0a) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

class Checker {
  private readonly starts: number[];

  constructor(private readonly text: string) {
    this.starts = lineStarts(text);
  }

  position(p: Position, what: string): void {
    const { text, starts } = this;
    assert.ok(
      Number.isInteger(p.offset) && p.offset >= 0 && p.offset <= text.length,
      `${what}: offset ${p.offset} outside [0, ${text.length}]`,
    );
    // The line holding the offset: the last line start <= offset (binary search).
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= p.offset) lo = mid;
      else hi = mid - 1;
    }
    assert.deepStrictEqual(
      { line: p.line, character: p.character },
      { line: lo, character: p.offset - starts[lo] },
      `${what}: line/character disagree with offset ${p.offset}`,
    );
  }

  range(r: Range, what: string): void {
    this.position(r.start, `${what}.start`);
    this.position(r.end, `${what}.end`);
    assert.ok(r.start.offset <= r.end.offset, `${what}: start ${r.start.offset} > end ${r.end.offset}`);
  }

  /** `inner` lies within `outer`. */
  inside(inner: Range, outer: Range, what: string): void {
    assert.ok(
      outer.start.offset <= inner.start.offset && inner.end.offset <= outer.end.offset,
      `${what}: [${inner.start.offset}, ${inner.end.offset}] not inside [${outer.start.offset}, ${outer.end.offset}]`,
    );
  }

  /** Ranges in order, not overlapping. */
  ordered(ranges: Range[], what: string): void {
    for (let i = 1; i < ranges.length; i++) {
      assert.ok(
        ranges[i - 1].end.offset <= ranges[i].start.offset,
        `${what}: #${i - 1} ends at ${ranges[i - 1].end.offset} after #${i} starts at ${ranges[i].start.offset}`,
      );
    }
  }

  nodes(nodes: Node[], what: string, within: Range | null): void {
    nodes.forEach((n, i) => {
      const w = `${what}[${i}]`;
      this.range(n.range, w);
      if (within) this.inside(n.range, within, w);
      if (n.kind === "directive") this.directive(n, w);
    });
    this.ordered(
      nodes.map((n) => n.range),
      `${what} (siblings)`,
    );
  }

  directive(d: Directive, what: string): void {
    assert.strictEqual(d.name, d.nameWord.value, `${what}: name`);
    const parts: Range[] = [];
    const words = [d.nameWord, ...d.args];
    words.forEach((wd, i) => this.range(wd.range, `${what}.word[${i}]`));
    d.argComments.forEach((c, i) => this.range(c.range, `${what}.argComments[${i}]`));
    this.ordered(
      words.map((x) => x.range),
      `${what} (words)`,
    );
    parts.push(...words.map((x) => x.range));
    // A statement cut short (no `;`) ends at its last word, so comments read after that word lie outside
    // its range (reported to the lead, left as designed); they still come after the name.
    if (d.terminator !== null) parts.push(...d.argComments.map((c) => c.range));
    else d.argComments.forEach((c, i) => this.ordered([d.nameWord.range, c.range], `${what}.argComments[${i}]`));
    if (d.semicolon) {
      this.range(d.semicolon, `${what}.semicolon`);
      parts.push(d.semicolon);
    }
    if (d.lua) {
      this.range(d.lua.range, `${what}.lua.range`);
      this.range(d.lua.inner, `${what}.lua.inner`);
      this.inside(d.lua.inner, d.lua.range, `${what}.lua.inner`);
      parts.push(d.lua.range);
    }
    if (d.block) {
      const b = d.block;
      this.range(b.open, `${what}.block.open`);
      parts.push(b.open);
      let body: Range;
      if (b.close) {
        this.range(b.close, `${what}.block.close`);
        parts.push(b.close);
        body = { start: b.open.end, end: b.close.start };
      } else {
        body = { start: b.open.end, end: d.range.end };
      }
      this.nodes(b.children, `${what}.block`, body);
    }
    parts.forEach((r, i) => this.inside(r, d.range, `${what} part ${i}`));
    // Comments may sit between words; the rest (words, `;`, Lua body, braces) come in order.
    this.ordered(
      parts.filter((r) => !d.argComments.some((c) => c.range === r)).sort((a, b) => a.start.offset - b.start.offset),
      `${what} (parts)`,
    );
  }

  file(f: ParsedFile): void {
    assert.strictEqual(f.text, this.text, "ParsedFile.text");
    assert.strictEqual(f.lineCount, this.starts.length, "lineCount");
    this.nodes(f.children, "children", null);
    f.errors.forEach((e, i) => {
      this.range(e.range, `errors[${i}] (${e.code})`);
      assert.ok(typeof e.message === "string" && e.message.length > 0, `errors[${i}]: message`);
    });
  }
}

function checkParse(text: string): void {
  new Checker(text).file(parse(text));
}

// ---------------------------------------------------------------------------------------------------------
// Inputs

/** One "unit" of generated text: biased toward the characters and words the scanner treats specially. */
const unit: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom("{", "}", ";", "#", '"', "'", "\\", "$", " ", "\n", "\r", "\t") },
  { weight: 6, arbitrary: fc.constantFrom("a", "b", "x", "1", "/", "~", "^", "(", ")", "=", "-", "[", "]") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "content_by_lua_block",
      "set_by_lua_block",
      " $v ",
      "location",
      "http",
      "${",
      "[[",
      "]]",
      "[=[",
      "]=]",
      "--",
      "--[[",
      "\r\n",
      "\uFEFF",
      "é",
      "😀",
      "\uD83D", // a lone surrogate half
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
);

const arbitraryText = fc.string({ unit, maxLength: 120 });

type Op =
  | { kind: "insert"; at: number; s: string }
  | { kind: "delete"; at: number; len: number }
  | { kind: "replace"; at: number; len: number; s: string }
  | { kind: "copy"; from: number; len: number; at: number };

const fragment = fc.string({ unit, minLength: 1, maxLength: 6 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), s: fragment }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }), s: fragment }),
  fc.record({
    kind: fc.constant("copy" as const),
    from: fc.nat(),
    len: fc.integer({ min: 1, max: 200 }),
    at: fc.nat(),
  }),
);

function mutate(text: string, ops: Op[]): string {
  for (const o of ops) {
    const at = text.length === 0 ? 0 : o.at % (text.length + 1);
    switch (o.kind) {
      case "insert":
        text = text.slice(0, at) + o.s + text.slice(at);
        break;
      case "delete":
        text = text.slice(0, at) + text.slice(at + o.len);
        break;
      case "replace":
        text = text.slice(0, at) + o.s + text.slice(at + o.len);
        break;
      case "copy": {
        const from = text.length === 0 ? 0 : o.from % text.length;
        text = text.slice(0, at) + text.slice(from, from + o.len) + text.slice(at);
        break;
      }
    }
  }
  return text;
}

/** ~50 corpus files, chosen deterministically: every k-th of the sorted manifest, small enough to parse fast. */
function corpusSample(count = 50, maxBytes = 64 * 1024): { path: string; text: string }[] {
  const entries = readManifest()
    .filter((e) => !e.linkTo)
    .map((e) => e.path)
    .sort();
  const sized = entries.filter((p) => {
    const full = path.join(CORPUS, p);
    return fs.existsSync(full) && fs.statSync(full).size <= maxBytes;
  });
  const step = Math.max(1, Math.floor(sized.length / count));
  const out: { path: string; text: string }[] = [];
  for (let i = 0; i < sized.length && out.length < count; i += step) {
    out.push({ path: sized[i], text: fs.readFileSync(path.join(CORPUS, sized[i]), "utf8") });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The properties (run inside a worker)

type PropertyName = "arbitrary strings" | "mutated corpus files";

interface WorkerReport {
  type: "input" | "done";
  input?: string;
  failed?: boolean;
  report?: string;
  numRuns?: number;
}

function runProperty(name: PropertyName, post: (m: WorkerReport) => void): void {
  const check = (text: string): void => {
    post({ type: "input", input: text });
    checkParse(text);
  };
  const done = <T>(details: fc.RunDetails<T>): void => {
    const report = details.failed
      ? `${fc.defaultReportMessage(details)}\nError: ${String(details.errorInstance)}`
      : undefined;
    post({ type: "done", failed: details.failed, report, numRuns: details.numRuns });
  };
  if (name === "arbitrary strings") {
    done(fc.check(fc.property(arbitraryText, check), { seed: SEED, numRuns: 1000 }));
  } else {
    const files = corpusSample();
    const sample = fc.tuple(fc.nat({ max: files.length - 1 }), fc.array(op, { minLength: 1, maxLength: 6 }));
    done(
      fc.check(
        fc.property(sample, ([i, ops]) => {
          const text = mutate(files[i].text, ops);
          try {
            check(text);
          } catch (e) {
            throw new Error(`${files[i].path} mutated: ${(e as Error).message}`, { cause: e });
          }
        }),
        { seed: SEED, numRuns: 400 },
      ),
    );
  }
}

function inWorker(name: PropertyName): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { propertyWorker: name } });
    let last: string | undefined;
    let lastAt = Date.now();
    // Armed by the worker's first input: starting the worker (loading the modules, reading the corpus
    // sample) is not parsing.
    let started = false;
    const watchdog = setInterval(() => {
      if (!started || Date.now() - lastAt < HANG_MS) return;
      clearInterval(watchdog);
      void worker.terminate();
      reject(new Error(`parse() did not return within ${HANG_MS} ms on ${JSON.stringify(last)}`));
    }, 250);
    worker.on("message", (m: WorkerReport) => {
      lastAt = Date.now();
      started = true;
      if (m.type === "input") last = m.input;
      else {
        clearInterval(watchdog);
        void worker.terminate();
        if (m.failed) reject(new Error(m.report));
        else resolve(m.numRuns ?? 0);
      }
    });
    worker.on("error", (e) => {
      clearInterval(watchdog);
      reject(e);
    });
  });
}

if (!isMainThread && (workerData as { propertyWorker?: PropertyName } | null)?.propertyWorker) {
  const port = parentPort;
  assert.ok(port);
  runProperty((workerData as { propertyWorker: PropertyName }).propertyWorker, (m) => port.postMessage(m));
} else {
  describe("parser properties", function () {
    this.timeout(60000);

    it("the invariant checker catches a broken position (it is not vacuous)", () => {
      const text = "a;\r\nb;";
      const f = parse(text);
      new Checker(text).file(f);
      const d = f.children[1];
      assert.ok(d.kind === "directive");
      d.nameWord.startCharacter = 1; // CRLF is one break: at offset 4 the character must be 0
      assert.throws(() => new Checker(text).file(f), /line\/character disagree/);
    });

    it("never throws, terminates and keeps the invariants on arbitrary strings", async () => {
      assert.strictEqual(await inWorker("arbitrary strings"), 1000);
    });

    it("never throws, terminates and keeps the invariants on mutated corpus files", async function () {
      if (!haveShared()) this.skip();
      assert.strictEqual(await inWorker("mutated corpus files"), 400);
    });

    it("keeps the invariants on the unmodified corpus sample", function () {
      if (!haveShared()) this.skip();
      const files = corpusSample();
      assert.ok(files.length >= 45, `only ${files.length} corpus files`);
      for (const f of files) checkParse(f.text);
    });
  });
}
