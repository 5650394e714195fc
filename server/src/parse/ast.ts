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

  /** The directive of a statement's first word, made after the word (scanner.ts): the numbers are already relative to it. */
  attach(base: Directive): void {
    this.#base = base;
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

/** The arguments of a directive before the scanner sets them (and of one without any); never mutated. */
const NO_WORDS: Word[] = [];
/** Shared by every statement without comments between its words (most): never mutated. */
export const NO_COMMENTS: readonly Comment[] = Object.freeze([]);

export class Directive {
  readonly kind = "directive" as const;
  #base: Directive | null;
  name: string;
  nameWord: Word;
  /** Arguments as written (for `if`, the parentheses are still on the first/last word: see `crossplaneArgs`). */
  args: Word[] = NO_WORDS;
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
   * field is initialised here, in one order (one hidden class for every directive).
   */
  constructor(name: string, nameWord: Word, base: Directive | null, relStartLine: number, relStartOffset: number) {
    this.#base = base;
    this.name = name;
    this.nameWord = nameWord;
    this.relStartLine = relStartLine;
    this.relStartOffset = relStartOffset;
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
    return this.nameWord.startCharacter;
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
        character: this.nameWord.startCharacter,
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
