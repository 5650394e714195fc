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

/** A fresh Position (the tree keeps numbers; see `Word`). */
export function positionOf(line: number, character: number, offset: number): Position {
  return { line, character, offset };
}

/**
 * The tree keeps its positions as numbers in its nodes, not as Position objects: a Range made of three
 * objects per word was ~1.2M objects on large-config ×10, and every scavenge of a parse copied them (a third of
 * a CLI `parse` was the collector). `range` and the other Range-valued properties are getters that make
 * fresh plain objects when asked; mutating what they return changes nothing in the tree. The numbers are
 * public for the code that reads many of them (the payload, the incremental update).
 */
abstract class Spanned {
  constructor(
    public startLine: number,
    public startCharacter: number,
    public startOffset: number,
    public endLine: number,
    public endCharacter: number,
    public endOffset: number,
  ) {}

  /** From the first character to just after the last one. A fresh object on every read. */
  get range(): Range {
    return {
      start: { line: this.startLine, character: this.startCharacter, offset: this.startOffset },
      end: { line: this.endLine, character: this.endCharacter, offset: this.endOffset },
    };
  }
}

/** One word of a statement (the directive name or an argument). */
export class Word extends Spanned {
  constructor(
    /** The value as crossplane reports it: quotes removed, `\"` inside "…" unescaped, other escapes kept. */
    public value: string,
    /** The quote character the word was written with, or null for a bare word. */
    public quote: '"' | "'" | null,
    start: Position,
    end: Position,
  ) {
    // Range of the word as written, quotes included.
    super(start.line, start.character, start.offset, end.line, end.character, end.offset);
  }
}

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

export interface LuaBody {
  /** The Lua source between the braces, exactly as crossplane reports it (its quirks included). */
  code: string;
  /** Range of the whole `{ … }`, braces included. */
  range: Range;
  /** Range of the source between the braces. */
  inner: Range;
}

/**
 * A block body with its braces. A brace is one character on one line: each is kept as the position of its
 * start (`closeOffset` -1 when the file ended first).
 */
export class Block {
  constructor(
    public children: Node[],
    public openLine: number,
    public openCharacter: number,
    public openOffset: number,
    public closeLine: number,
    public closeCharacter: number,
    public closeOffset: number,
  ) {}

  /** The `{`. */
  get open(): Range {
    return charRange(this.openLine, this.openCharacter, this.openOffset);
  }

  /** The `}`; null when the file ended first (an error is reported). */
  get close(): Range | null {
    return this.closeOffset < 0 ? null : charRange(this.closeLine, this.closeCharacter, this.closeOffset);
  }
}

function charRange(line: number, character: number, offset: number): Range {
  return {
    start: { line, character, offset },
    end: { line, character: character + 1, offset: offset + 1 },
  };
}

export class Directive {
  readonly kind = "directive" as const;
  constructor(
    public name: string,
    public nameWord: Word,
    /** Arguments as written (for `if`, the parentheses are still on the first/last word: see `crossplaneArgs`). */
    public args: Word[],
    /** Comments written between the arguments (crossplane moves them after the statement); never mutated (shared when empty). */
    public argComments: readonly Comment[],
    /** How the statement ended: `;`, `{` (block), `lua` (a `*_by_lua_block` body), or null (missing, error reported). */
    public terminator: ";" | "{" | "lua" | null,
    public block: Block | undefined,
    public lua: LuaBody | undefined,
    /** End of the range: after the terminator / closing brace (or the last word, or the end of the input). */
    public endLine: number,
    public endCharacter: number,
    public endOffset: number,
  ) {}

  get startLine(): number {
    return this.nameWord.startLine;
  }

  get startCharacter(): number {
    return this.nameWord.startCharacter;
  }

  get startOffset(): number {
    return this.nameWord.startOffset;
  }

  /** From the first character of the name to the end of the terminator / closing brace. A fresh object. */
  get range(): Range {
    const w = this.nameWord;
    return {
      start: { line: w.startLine, character: w.startCharacter, offset: w.startOffset },
      end: { line: this.endLine, character: this.endCharacter, offset: this.endOffset },
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
