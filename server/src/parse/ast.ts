// The lossless-enough syntax tree of one nginx configuration file.
//
// Architecture invariant: parsing never fails. Every file gives a tree *and* a list of positioned
// errors; the tree keeps exact ranges for directives, words, braces and comments so that hovers
// and quick-fixes can point at (and edit) the exact text.
//
// Positions: `line` and `character` are 0-based, `character` counts UTF-16 code units (what LSP and
// VS Code use); `offset` is the UTF-16 index into the text. crossplane's 1-based line is `line + 1`.

export interface Position {
  line: number;
  character: number;
  offset: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/**
 * Positions in the tree are numbers relative to a *base*: the directive a word, argument comment, brace or Lua
 * body belongs to, and for a statement or standalone comment the directive of the block it is in (none at the
 * top level: then they are the file's own). Lines and offsets are relative to the base's start; characters are
 * the line's own (absolute). So an edit moves the later siblings of the edited statements and the `}` of the
 * blocks around them, not every later position in the file (parse/incremental.ts), and the tree is a few
 * objects per statement: Range and Position objects (three per word: ~1.2M on large-config ×10, which every
 * scavenge of a parse copied) are made only when read, fresh each time, by the getters below (`range`,
 * `open`, `close`, `semicolon`, `inner`); mutating what they return changes nothing in the tree.
 *
 * A directive's absolute start is its base's plus its own, found by a loop up the bases (blocks nest deeper
 * than V8's stack) and kept, for a directive with a block (every base is one), by its `Block` until the next
 * edit of any tree (`treeMoved`), so a walk that reads every range costs O(1) per node. The base and that
 * cache are private fields: not compared by `deepStrictEqual` (the relative numbers are) and not in JSON.
 */
let epoch = 0;

/** Every tree's relative numbers may have changed (an edit moved them): absolute starts are found again. */
export function treeMoved(): void {
  epoch++;
}

/** The blocks found on the way up by `Block.absolute` (one array, reused). */
const chain: Block[] = [];

/** A fresh Position. */
export function positionOf(line: number, character: number, offset: number): Position {
  return { line, character, offset };
}

function baseLine(base: Directive | null): number {
  return base === null ? 0 : base.startLine;
}

function baseOffset(base: Directive | null): number {
  return base === null ? 0 : base.startOffset;
}

/**
 * A comment's span: two ends, each a line and an offset relative to the base's start and a character. Words have
 * the same getters on their own class (`Word`): a class of their own costs the scan less before V8 optimises it.
 */
abstract class Spanned {
  #base: Directive | null = null;

  constructor(
    public relStartLine: number,
    public startCharacter: number,
    public relStartOffset: number,
    public relEndLine: number,
    public endCharacter: number,
    public relEndOffset: number,
  ) {}

  /** The directive whose start the numbers are relative to (null: the file's start). */
  get base(): Directive | null {
    return this.#base;
  }

  /** Makes the numbers (absolute so far, or relative to the old base) relative to `base`, whose start is at `line`, `offset`. */
  rebase(base: Directive | null, line: number, offset: number): void {
    this.#base = base;
    this.relStartLine -= line;
    this.relStartOffset -= offset;
    this.relEndLine -= line;
    this.relEndOffset -= offset;
  }

  get startLine(): number {
    return baseLine(this.#base) + this.relStartLine;
  }

  get startOffset(): number {
    return baseOffset(this.#base) + this.relStartOffset;
  }

  get endLine(): number {
    return baseLine(this.#base) + this.relEndLine;
  }

  get endOffset(): number {
    return baseOffset(this.#base) + this.relEndOffset;
  }

  /** From the first character to just after the last one. A fresh object on every read. */
  get range(): Range {
    const line = baseLine(this.#base);
    const offset = baseOffset(this.#base);
    return {
      start: { line: line + this.relStartLine, character: this.startCharacter, offset: offset + this.relStartOffset },
      end: { line: line + this.relEndLine, character: this.endCharacter, offset: offset + this.relEndOffset },
    };
  }
}

/**
 * One word of a statement (the directive name or an argument), relative to its directive (absolute when the base
 * is null: `scan`'s tokens). Not a `Spanned`: made ~3 times per line, and a constructor that calls `super` with
 * its numbers costs twice the interpreter's work before V8 optimises the scan (most of a CLI process's parse).
 *
 * Its end is not kept: almost every word (large-config: all 90,367) ends on its start line where its value's
 * length says (plus its two quotes), so a word is 6 fields, not 9 (72 bytes instead of 96 on 64-bit V8; the
 * words were half of the tree's 17 MB, which every scavenge of a parse copies). A word that ends elsewhere (on
 * another line, an unclosed quote, an unescaped `\"`, a CRLF in the value) is a `SpanWord`, which keeps it.
 * A tree's words are made only when their directive's `nameWord` or `args` is first read (`PackedWords`).
 */
export class Word {
  #base: Directive | null;

  constructor(
    /** The value as crossplane reports it: quotes removed, `\"` inside "…" unescaped, other escapes kept. */
    public value: string,
    /** The quote character the word was written with, or null for a bare word. */
    public quote: '"' | "'" | null,
    base: Directive | null,
    // Start of the word as written (its quote included), relative to the base's start.
    public relStartLine: number,
    public startCharacter: number,
    public relStartOffset: number,
  ) {
    this.#base = base;
  }

  /** The word as written, numbers relative to `base`: a `Word` when its end follows from its value, else a `SpanWord`. */
  static of(
    value: string,
    quote: '"' | "'" | null,
    base: Directive | null,
    relStartLine: number,
    startCharacter: number,
    relStartOffset: number,
    relEndLine: number,
    endCharacter: number,
    relEndOffset: number,
  ): Word {
    if (relEndLine === relStartLine && relEndOffset - relStartOffset === value.length + (quote === null ? 0 : 2))
      return new Word(value, quote, base, relStartLine, startCharacter, relStartOffset);
    return new SpanWord(value, quote, base, relStartLine, startCharacter, relStartOffset, [
      relEndLine,
      endCharacter,
      relEndOffset,
    ]);
  }

  /** The directive whose start the numbers are relative to (null: the file's start). */
  get base(): Directive | null {
    return this.#base;
  }

  get relEndLine(): number {
    return this.relStartLine;
  }

  get endCharacter(): number {
    return this.startCharacter + this.value.length + (this.quote === null ? 0 : 2);
  }

  get relEndOffset(): number {
    return this.relStartOffset + this.value.length + (this.quote === null ? 0 : 2);
  }

  /** An edit on `line` (absolute) moved its characters by `delta` (incremental.ts). */
  moveCharacters(line: number, delta: number): void {
    if (this.startLine === line) this.startCharacter += delta;
  }

  get startLine(): number {
    return baseLine(this.#base) + this.relStartLine;
  }

  get startOffset(): number {
    return baseOffset(this.#base) + this.relStartOffset;
  }

  get endLine(): number {
    return baseLine(this.#base) + this.relEndLine;
  }

  get endOffset(): number {
    return baseOffset(this.#base) + this.relEndOffset;
  }

  /** From the first character to just after the last one. A fresh object on every read. */
  get range(): Range {
    const line = baseLine(this.#base);
    const offset = baseOffset(this.#base);
    return {
      start: { line: line + this.relStartLine, character: this.startCharacter, offset: offset + this.relStartOffset },
      end: { line: line + this.relEndLine, character: this.endCharacter, offset: offset + this.relEndOffset },
    };
  }
}

/** A word whose end does not follow from its value (see `Word`): it keeps its end. */
export class SpanWord extends Word {
  constructor(
    value: string,
    quote: '"' | "'" | null,
    base: Directive | null,
    relStartLine: number,
    startCharacter: number,
    relStartOffset: number,
    /** The end's line and offset relative to the base's start, and its character. */
    public relEnd: [line: number, character: number, offset: number],
  ) {
    super(value, quote, base, relStartLine, startCharacter, relStartOffset);
  }

  override get relEndLine(): number {
    return this.relEnd[0];
  }

  override get endCharacter(): number {
    return this.relEnd[1];
  }

  override get relEndOffset(): number {
    return this.relEnd[2];
  }

  override moveCharacters(line: number, delta: number): void {
    if (this.startLine === line) this.startCharacter += delta;
    if (this.endLine === line) this.relEnd[1] += delta;
  }
}

/** A `#` comment: standalone (base: the block's directive) or between a statement's words (base: the statement). */
export class Comment extends Spanned {
  readonly kind = "comment" as const;
  constructor(
    /** Text after the `#`, up to (not including) the end of the line. */
    public text: string,
    start: Position,
    end: Position,
  ) {
    super(start.line, start.character, start.offset, end.line, end.character, end.offset);
  }
}

/** A `*_by_lua_block` body; its numbers are relative to its directive's start. */
export class LuaBody {
  #base: Directive;
  /** The `{`, the start and end of the source, the end after the `}` (or of the input): line, character, offset each. */
  readonly at: number[];

  constructor(
    /** The Lua source between the braces, exactly as crossplane reports it (its quirks included). */
    public code: string,
    base: Directive,
    range: Range,
    inner: Range,
  ) {
    this.#base = base;
    const line = base.startLine;
    const offset = base.startOffset;
    this.at = [];
    for (const p of [range.start, inner.start, inner.end, range.end])
      this.at.push(p.line - line, p.character, p.offset - offset);
  }

  private position(i: number): Position {
    const at = this.at;
    return { line: this.#base.startLine + at[i], character: at[i + 1], offset: this.#base.startOffset + at[i + 2] };
  }

  /** Range of the whole `{ … }`, braces included. */
  get range(): Range {
    return { start: this.position(0), end: this.position(9) };
  }

  /** Range of the source between the braces. */
  get inner(): Range {
    return { start: this.position(3), end: this.position(6) };
  }
}

/**
 * A block body with its braces. A brace is one character on one line: each is kept as its start, relative to
 * the block's directive (`relCloseOffset` -1 when the file ended first).
 */
export class Block {
  #owner: Directive;
  // The owner's absolute start and its memo slots live here, not in every Directive: only a block's directive
  // is a base (what the cache is for) and holds a subtree (what a memo is about), 2,515 of large-config's
  // 32,662 directives; four fields fewer per directive (136 bytes instead of 168 on 64-bit V8).
  #epoch = -1;
  #line = 0;
  #offset = 0;
  #memo: unknown[] | undefined = undefined;

  constructor(
    owner: Directive,
    public children: Node[],
    public relOpenLine: number,
    public openCharacter: number,
    public relOpenOffset: number,
    public relCloseLine: number,
    public closeCharacter: number,
    public relCloseOffset: number,
  ) {
    this.#owner = owner;
  }

  /** The owner's absolute start, cached until the next `treeMoved` (a loop up the bases, not a recursion). */
  private absolute(): void {
    if (this.#epoch === epoch) return;
    chain.push(this);
    // Every base is the directive of a block.
    let d = this.#owner.base;
    while (d !== null && d.block!.#epoch !== epoch) {
      chain.push(d.block!);
      d = d.base;
    }
    let line = d === null ? 0 : d.block!.#line;
    let offset = d === null ? 0 : d.block!.#offset;
    while (chain.length > 0) {
      const b = chain.pop()!;
      line += b.#owner.relStartLine;
      offset += b.#owner.relStartOffset;
      b.#line = line;
      b.#offset = offset;
      b.#epoch = epoch;
    }
  }

  /** The owner's absolute start line. */
  get ownerLine(): number {
    this.absolute();
    return this.#line;
  }

  /** The owner's absolute start offset. */
  get ownerOffset(): number {
    this.absolute();
    return this.#offset;
  }

  /** `Directive.memoSlots`. */
  get memoSlots(): unknown[] | undefined {
    return this.#memo;
  }

  set memoSlots(slots: unknown[] | undefined) {
    this.#memo = slots;
  }

  /** The `{`. */
  get open(): Range {
    const o = this.#owner;
    return charRange(o.startLine + this.relOpenLine, this.openCharacter, o.startOffset + this.relOpenOffset);
  }

  /** The `}`; null when the file ended first (an error is reported). */
  get close(): Range | null {
    if (this.relCloseOffset < 0) return null;
    const o = this.#owner;
    return charRange(o.startLine + this.relCloseLine, this.closeCharacter, o.startOffset + this.relCloseOffset);
  }

  get openOffset(): number {
    return this.#owner.startOffset + this.relOpenOffset;
  }

  /** The `}`'s offset, or -1 when the file ended first. */
  get closeOffset(): number {
    return this.relCloseOffset < 0 ? -1 : this.#owner.startOffset + this.relCloseOffset;
  }
}

function charRange(line: number, character: number, offset: number): Range {
  return {
    start: { line, character, offset },
    end: { line, character: character + 1, offset: offset + 1 },
  };
}

/** The arguments of a directive without any; never mutated. */
const NO_WORDS: Word[] = [];
/** Shared by every statement without comments between its words (most): never mutated. */
export const NO_COMMENTS: readonly Comment[] = Object.freeze([]);

/** A packed word's flags (the low bits of its first number; the rest is its start offset relative to the directive). */
const QUOTE_MASK = 3;
const EXTENDED = 4;
const FLAG_BITS = 8;

/** A packed word's first number: its start offset relative to its directive, its quote, and whether 5 numbers follow. */
export function packedWordCode(relStartOffset: number, quote: '"' | "'" | null, extended: boolean): number {
  return relStartOffset * FLAG_BITS + (quote === null ? 0 : quote === '"' ? 1 : 2) + (extended ? EXTENDED : 0);
}

function unpackQuote(code: number): '"' | "'" | null {
  const q = code & QUOTE_MASK;
  return q === 0 ? null : q === 1 ? '"' : "'";
}

/** The index in `nums` after the packed word at `k`. */
function nextWord(nums: Float64Array, k: number): number {
  return (nums[k] & EXTENDED) === 0 ? k + 1 : k + 6;
}

/** What a word says (`Directive.wordData`). */
export type WordData = [
  value: string,
  quote: '"' | "'" | null,
  relStartLine: number,
  startCharacter: number,
  relStartOffset: number,
  relEndLine: number,
  endCharacter: number,
  relEndOffset: number,
];

/**
 * The words of one scan's statements, packed, until a directive's `nameWord` or `args` is read (then that
 * directive makes its `Word`s and no longer reads these). A directive's part starts at its index `at` in
 * `nums`: the index of its first argument's value in `values`, its argument count, its name's start character,
 * then each word (the name first): one number when the word starts on the name's line and ends where its
 * value says (its start offset relative to the directive, times 8, plus its quote), else that number with
 * EXTENDED and five more (start line, character, end line, character, end offset; lines and offsets relative
 * to the directive). Large-config: every one of its 90,367 words is one number.
 *
 * Why: one object per word (72 bytes) and one array per statement were half of a parse's tree (14 MB on
 * large-config), all copied by the young generation's scavenges, and a first analysis reads the words of few
 * directives (large-config: 2,506 of 32,662 in the server's first analysis).
 */
export class PackedWords {
  readonly values: string[] = [];
  nums = new Float64Array(256);
  n = 0;

  push(x: number): void {
    if (this.n === this.nums.length) {
      const grown = new Float64Array(this.nums.length * 2);
      grown.set(this.nums);
      this.nums = grown;
    }
    this.nums[this.n++] = x;
  }
}

export class Directive {
  readonly kind = "directive" as const;
  #base: Directive | null;
  name: string;
  /** The name's and arguments' `Word`s once made (`nameWord`, `args`); undefined until then. */
  #nameWord: Word | undefined = undefined;
  #args: Word[] | undefined = undefined;
  /** Until the words are made: where they are packed (null once made). */
  #packed: PackedWords | null;
  #at: number;
  /** Comments written between the arguments (crossplane moves them after the statement); never mutated (shared when empty). */
  argComments: readonly Comment[] = NO_COMMENTS;
  /** How the statement ended: `;`, `{` (block), `lua` (a `*_by_lua_block` body), or null (missing, error reported). */
  terminator: ";" | "{" | "lua" | null = null;
  block: Block | undefined = undefined;
  lua: LuaBody | undefined = undefined;
  /** Start (of the name) and end (after the terminator or `}`, or the last word, or the end of the input), relative to the base. */
  relStartLine: number;
  relStartOffset: number;
  relEndLine = 0;
  endCharacter = 0;
  relEndOffset = 0;

  /**
   * Made by the scanner at the statement's first word (its name), the rest set when the statement ends: every
   * field is initialised here, in one order (one hidden class for every directive). Its words are packed in
   * `packed` from `at` (see PackedWords).
   */
  constructor(
    name: string,
    base: Directive | null,
    relStartLine: number,
    relStartOffset: number,
    packed: PackedWords,
    at: number,
  ) {
    this.#base = base;
    this.name = name;
    this.#packed = packed;
    this.#at = at;
    this.relStartLine = relStartLine;
    this.relStartOffset = relStartOffset;
  }

  /** The name as written. */
  get nameWord(): Word {
    if (this.#nameWord === undefined) this.makeWords();
    return this.#nameWord!;
  }

  /** Arguments as written (for `if`, the parentheses are still on the first/last word: see `crossplaneArgs`). */
  get args(): Word[] {
    if (this.#args === undefined) this.makeWords();
    return this.#args!;
  }

  /** How many arguments (without making the words). */
  get argCount(): number {
    const p = this.#packed;
    return p === null ? this.#args!.length : p.nums[this.#at + 1];
  }

  /** The quote the name was written with (without making the words). */
  get nameQuote(): '"' | "'" | null {
    const p = this.#packed;
    return p === null ? this.#nameWord!.quote : unpackQuote(p.nums[this.#at + 3]);
  }

  /** The value of argument `i` (undefined past the last), without making the words. */
  argValue(i: number): string | undefined {
    const p = this.#packed;
    if (p === null) return this.#args![i]?.value;
    const at = this.#at;
    return i < p.nums[at + 1] ? p.values[p.nums[at] + i] : undefined;
  }

  /** The arguments' values, a fresh array of exact size, without making the words. */
  argValues(): string[] {
    const p = this.#packed;
    if (p !== null) {
      const first = p.nums[this.#at];
      return p.values.slice(first, first + p.nums[this.#at + 1]);
    }
    const args = this.#args!;
    // A copy overwritten with the values: exact size and "packed" (`new Array(n)` is "holey").
    const values = args.slice() as unknown as string[];
    for (let i = 0; i < args.length; i++) values[i] = args[i].value;
    return values;
  }

  /** The quote of argument `i` (which exists), without making the words. */
  argQuote(i: number): '"' | "'" | null {
    const p = this.#packed;
    if (p === null) return this.#args![i].quote;
    let k = this.#at + 3;
    for (let w = 0; w <= i; w++) k = nextWord(p.nums, k);
    return unpackQuote(p.nums[k]);
  }

  /**
   * The range of argument `i`, or of the name when there is no such argument (`i` -1 or past the last), as its
   * `Word` would give it, without making the words: a finding's range is most of what is read of the
   * directives it names (20,211 findings of one rule on the bench's 1M-line workspace made and kept the words
   * of each).
   */
  wordRange(i: number): Range {
    const w = i >= 0 && i < this.argCount ? i + 1 : 0;
    const p = this.#packed;
    if (p === null) return w === 0 ? this.#nameWord!.range : this.#args![w - 1].range;
    const nums = p.nums;
    const at = this.#at;
    let k = at + 3;
    for (let j = 0; j < w; j++) k = nextWord(nums, k);
    const code = nums[k];
    const rel = Math.floor(code / FLAG_BITS);
    const line = this.startLine;
    const offset = this.startOffset;
    if ((code & EXTENDED) !== 0)
      return {
        start: { line: line + nums[k + 1], character: nums[k + 2], offset: offset + rel },
        end: { line: line + nums[k + 3], character: nums[k + 4], offset: offset + nums[k + 5] },
      };
    const value = w === 0 ? this.name : p.values[nums[at] + w - 1];
    const length = value.length + (unpackQuote(code) === null ? 0 : 2);
    const c0 = nums[at + 2];
    return {
      start: { line, character: c0 + rel, offset: offset + rel },
      end: { line, character: c0 + rel + length, offset: offset + rel + length },
    };
  }

  /** Whether every argument (none included) starts on the line where the name starts (without making the words). */
  argsOnNameLine(): boolean {
    const p = this.#packed;
    if (p === null) {
      const args = this.#args!;
      return args.length === 0 || args[args.length - 1].relStartLine === this.#nameWord!.relStartLine;
    }
    const nums = p.nums;
    const at = this.#at;
    const count = nums[at + 1];
    if (count === 0) return true;
    let k = at + 3;
    for (let w = 0; w < count; w++) k = nextWord(nums, k);
    // The last word: one number (on the name's line), or its start line follows.
    return (nums[k] & EXTENDED) === 0 || nums[k + 1] === 0;
  }

  /** Whether the `Word`s are made (`nameWord` or `args` was read). */
  get wordsMade(): boolean {
    return this.#packed === null;
  }

  /**
   * What each word (the name first) says: value, quote, start line, character, offset, end line, character,
   * offset (lines and offsets relative to this directive), read from the `Word`s when made, else from the
   * packed numbers without making them (the tests compare trees this way, and check both ways agree).
   */
  wordData(): WordData[] {
    const p = this.#packed;
    if (p === null) {
      const out: WordData[] = [];
      for (const w of [this.#nameWord!, ...this.#args!])
        out.push([
          w.value,
          w.quote,
          w.relStartLine,
          w.startCharacter,
          w.relStartOffset,
          w.relEndLine,
          w.endCharacter,
          w.relEndOffset,
        ]);
      return out;
    }
    const out: WordData[] = [];
    const nums = p.nums;
    const at = this.#at;
    const count = nums[at + 1];
    const c0 = nums[at + 2];
    let k = at + 3;
    for (let w = 0; w <= count; w++) {
      const value = w === 0 ? this.name : p.values[nums[at] + w - 1];
      const code = nums[k];
      const rel = Math.floor(code / FLAG_BITS);
      const quote = unpackQuote(code);
      if ((code & EXTENDED) === 0) {
        const length = value.length + (quote === null ? 0 : 2);
        out.push([value, quote, 0, c0 + rel, rel, 0, c0 + rel + length, rel + length]);
      } else out.push([value, quote, nums[k + 1], nums[k + 2], rel, nums[k + 3], nums[k + 4], nums[k + 5]]);
      k = nextWord(nums, k);
    }
    return out;
  }

  private makeWords(): void {
    const data = this.wordData();
    const word = (d: WordData): Word => Word.of(d[0], d[1], this, d[2], d[3], d[4], d[5], d[6], d[7]);
    this.#nameWord = word(data[0]);
    const args = data.length === 1 ? NO_WORDS : new Array<Word>(data.length - 1);
    for (let i = 1; i < data.length; i++) args[i - 1] = word(data[i]);
    this.#args = args;
    this.#packed = null;
  }

  /** An edit on `line` (absolute, this directive's start line) moved its characters by `delta` (incremental.ts). */
  moveWordCharacters(line: number, delta: number): void {
    const p = this.#packed;
    if (p === null) {
      this.#nameWord!.moveCharacters(line, delta);
      for (const w of this.#args!) w.moveCharacters(line, delta);
      return;
    }
    const nums = p.nums;
    const at = this.#at;
    const startLine = this.startLine;
    if (startLine === line) nums[at + 2] += delta;
    const count = nums[at + 1];
    let k = at + 3;
    for (let w = 0; w <= count; w++) {
      if ((nums[k] & EXTENDED) !== 0) {
        if (startLine + nums[k + 1] === line) nums[k + 2] += delta;
        if (startLine + nums[k + 3] === line) nums[k + 4] += delta;
      }
      k = nextWord(nums, k);
    }
  }

  /** The directive of the block this one is in (null at the top level). */
  get base(): Directive | null {
    return this.#base;
  }

  /**
   * Answers derived from this block's content, kept with the node across keystrokes
   * (workspace/subtree-memo.ts owns the slots). A private field: not part of the tree's value, so never
   * compared or serialised. A field, not a WeakMap keyed by the node: a cold check of 1M lines set ~1M
   * WeakMap entries, which cost 0.9 s of CPU and doubled the time of every scavenge (ephemeron tables).
   * Kept by the block (a directive without one has no subtree to answer about: nothing is kept for it).
   */
  get memoSlots(): unknown[] | undefined {
    return this.block?.memoSlots;
  }

  set memoSlots(slots: unknown[] | undefined) {
    const block = this.block;
    if (block !== undefined) block.memoSlots = slots;
  }

  /** The absolute start: a block's is cached by its `Block`, any other is its base's (cached) plus its own. */
  get startLine(): number {
    const block = this.block;
    return block !== undefined ? block.ownerLine : baseLine(this.#base) + this.relStartLine;
  }

  get startOffset(): number {
    const block = this.block;
    return block !== undefined ? block.ownerOffset : baseOffset(this.#base) + this.relStartOffset;
  }

  get startCharacter(): number {
    const p = this.#packed;
    return p === null ? this.#nameWord!.startCharacter : p.nums[this.#at + 2];
  }

  get endLine(): number {
    return baseLine(this.#base) + this.relEndLine;
  }

  get endOffset(): number {
    return baseOffset(this.#base) + this.relEndOffset;
  }

  /** From the first character of the name to the end of the terminator / closing brace. A fresh object. */
  get range(): Range {
    const line = baseLine(this.#base);
    const offset = baseOffset(this.#base);
    return {
      start: {
        line: line + this.relStartLine,
        character: this.startCharacter,
        offset: offset + this.relStartOffset,
      },
      end: { line: line + this.relEndLine, character: this.endCharacter, offset: offset + this.relEndOffset },
    };
  }

  /** Range of the terminating `;` (absent for blocks, Lua bodies and missing terminators): the range's last character. */
  get semicolon(): Range | undefined {
    if (this.terminator !== ";") return undefined;
    return charRange(this.endLine, this.endCharacter - 1, this.endOffset - 1);
  }
}

export type Node = Directive | Comment;

export type ErrorSeverity = "error" | "warning";

export interface SyntaxError {
  message: string;
  range: Range;
  severity: ErrorSeverity;
  /** Stable identifier of the kind of problem (`missing-semicolon`, `unexpected-brace`, …). */
  code: string;
  /**
   * crossplane gives up on the whole file for this error (its payload has `parsed: []`); we keep the
   * recovered tree for analysis and only the crossplane-compatible payload reproduces the give-up.
   */
  fatalForCrossplane?: boolean;
  /**
   * The 1-based line crossplane reports for this error when it differs from `range.start.line + 1`;
   * null where crossplane reports no line (its parser ran out of tokens mid-statement).
   */
  crossplaneLine?: number | null;
  /** Other places in the same file that explain the error (e.g. the `}` a statement ran into). */
  related?: { range: Range; message: string }[];
}

export interface ParsedFile {
  text: string;
  children: Node[];
  errors: SyntaxError[];
  /** Line count, for ranges at end of file. */
  lineCount: number;
}
