// Hand-written scanner: text → coarse tokens, one per statement, `}` or standalone comment.
//
// Why coarse: nearley (the grammar of record, grammar/nginx.ne) costs ~10 µs per token; fed one token
// per *word* it needs 0.3–0.9 s for a 28k-line file (../shared/docs/performance.md). Grouping the words of
// a statement here leaves the grammar ~1 token per line, and keeps the scanner allocation-light.
//
// Word rules follow nginx's ngx_conf_read_token() and crossplane's lexer where they agree:
// whitespace (space, tab, CR, LF) separates words; `;` `{` `}` end a word; `#` starts a comment only at
// the start of a word; `\x` escapes are kept as written; "…" / '…' strings may hold any character and
// only `\"` (resp. `\'`) is unescaped; `${` inside a word does not open a block.
// `*_by_lua_block` bodies are read as lua-nginx-module's block reader reads them (strings, long brackets,
// comments) up to the matching `}`.
//
// Line breaks, two views (docs/editor.md, "Line breaks"): *tokenization* is nginx's, where only LF ends a
// line — a `#` comment runs up to the next LF (ngx_conf_read_token clears `sharp_comment` on LF only), so
// a lone CR inside it is part of the comment; elsewhere a lone CR is whitespace, like a space. *Positions*
// are the editor's (LSP and VS Code end a line at LF, CRLF and a lone CR), so that a diagnostic lands on
// the text it is about; nginx's own line number for a position is 1 + the number of LFs before it.
//
// Invariant: the token stream is balanced. A stray `}` is reported and dropped; blocks left open at the
// end of the input get synthetic closing tokens. So the grammar always accepts the stream.

import {
  Block,
  Comment,
  Directive,
  LuaBody,
  NO_COMMENTS,
  PackedWords,
  Word,
  packedWordCode,
  type Node,
  type Position,
  type Range,
  type SyntaxError,
} from "./ast";

/** A Lua body as the scanner reads it (absolute positions); the tree's `LuaBody` is relative to its directive. */
export interface ScannedLua {
  code: string;
  range: Range;
  inner: Range;
}

export interface StmtToken {
  type: "stmt";
  words: Word[];
  comments: readonly Comment[];
  /** The `;`, or null when the statement ended without one (an error was reported). */
  semicolon: Range | null;
  lua?: ScannedLua;
  /** End of the statement (after `;`, the Lua `}` or the last word). */
  end: Position;
}

export interface OpenToken {
  type: "open";
  words: Word[];
  comments: readonly Comment[];
  brace: Range;
}

export interface CloseToken {
  type: "close";
  /** null for the synthetic close of a block left open at end of input. */
  brace: Range | null;
  at: Position;
}

export interface CommentToken {
  type: "comment";
  comment: Comment;
}

export type ScanToken = StmtToken | OpenToken | CloseToken | CommentToken;

export interface ScanResult {
  tokens: ScanToken[];
  errors: SyntaxError[];
  /** Position just after the last character scanned. */
  end: Position;
}

/**
 * The tokens the grammar reads (`scanTree`): the same stream as `scan`'s, but a statement (and a block without
 * blocks in it) is already the tree's `Directive` and a standalone comment the tree's `Comment`, consecutive ones
 * gathered in one `LeafRun`,
 * so the grammar's postprocessors only nest them. Building them here, once, instead of a token that a postprocessor copies into a Directive,
 * halves the objects per statement (a CLI process spends a third of its time collecting garbage).
 */
export type TreeToken = LeafRun | OpenHead | CloseMark;

/**
 * Consecutive statements, standalone comments and blocks without blocks in them (`closeLeafBlock`) of one block,
 * in order: one grammar terminal for all of them. nearley's work is per token (a column and ~4 states each);
 * large-config's 35,178 statements, comments and braces are 16 terminals (7,547 while every block was a head
 * and a close).
 */
export interface LeafRun {
  kind: "run";
  /** Becomes (or is appended to) the children of the enclosing block or file. */
  nodes: Node[];
}

/** A block head (the words before `{`): the grammar makes the Directive once it has the block's body. */
export interface OpenHead {
  kind: "open";
  comments: readonly Comment[];
  brace: Range;
  /** The block's directive, made at its `{` (its statements' base); the grammar gives it its children. */
  directive: Directive;
}

export interface CloseMark {
  kind: "close";
  /** null for the synthetic close of a block left open at end of input. */
  brace: Range | null;
  at: Position;
}

export interface TreeScanResult {
  tokens: TreeToken[];
  errors: SyntaxError[];
  end: Position;
}

export interface ScanOptions {
  /** Where to start (default: the beginning of the text, after a UTF-8 BOM). */
  from?: Position;
  /** The directive of the block `from` is in (the base of the nodes made at its level; null: the file). */
  parent?: Directive | null;
  /** Offset to stop at (default: end of text). */
  to?: number;
  /** Depth of blocks already open at `from` (for re-scanning a block body): stray `}` are tolerated up to it. */
  allowUnbalanced?: boolean;
  /**
   * Give every block to the grammar as a head and a close, even one without blocks in it (`closeLeafBlock`
   * off): the tree nearley alone builds, which test/parse/grammar-of-record.test.ts compares with the default.
   */
  nestEveryBlock?: boolean;
  /**
   * The file offset of `text`'s first character, when `text` is only a window of the file (default 0): it
   * must hold `from` through one character past `to` (or the file's end). An edited buffer's re-parse reads
   * such a window, so that the whole new text is never read (incremental.ts). A scan that needs what lies
   * before the window (nginx's line number of a warning) throws `OutsideWindow`.
   */
  textStart?: number;
}

/** Thrown by a scan of a window (`ScanOptions.textStart`) that needs text outside it; scan the whole text. */
export class OutsideWindow extends Error {
  constructor() {
    super("the scan needs text outside its window");
  }
}

/** A block open in the scan: its `{`, its directive's name, and (tree scan) its directive and head token. */
interface OpenBlock {
  brace: Range;
  name: string;
  directive: Directive | null;
  /** The index of its `open` token in `tokens` (tree scan). */
  token: number;
  /** A block opened inside it (then the grammar nests it: see `closeLeafBlock`). */
  nested: boolean;
  /** Its directive's absolute start (tree scan): the base of the statements in it, without a walk up the bases. */
  line: number;
  offset: number;
}

// The characters the scanner (and workspace/crossplane-text.ts, which reads the same words) tells apart.
export const SPACE = 0x20;
export const TAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const SEMI = 0x3b;
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;
export const HASH = 0x23;
export const DQUOTE = 0x22;
export const SQUOTE = 0x27;
export const BACKSLASH = 0x5c;
export const DOLLAR = 0x24;

export const LUA_BLOCK_SUFFIX = "_by_lua_block";

/** Slots of the word table (a power of two); longer words than INTERN_MAX_LENGTH are rarely repeated. */
const INTERN_SLOTS = 4096;
const INTERN_MAX_LENGTH = 64;

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

export function scan(text: string, options: ScanOptions = {}): ScanResult {
  const s = new Scanner(text, options, false);
  s.run();
  return { tokens: s.tokens as ScanToken[], errors: s.errors, end: s.position() };
}

/** `scan`, with the tree's own objects as tokens (what the grammar reads; see `TreeToken`). */
export function scanTree(text: string, options: ScanOptions = {}): TreeScanResult {
  const s = new Scanner(text, options, true);
  s.run();
  return { tokens: s.tokens as TreeToken[], errors: s.errors, end: s.position() };
}

class Scanner {
  private pos: number;
  private line: number;
  private lineStart: number;
  private readonly end: number;
  readonly tokens: (ScanToken | TreeToken)[] = [];
  readonly errors: SyntaxError[] = [];
  /**
   * The words of the statement being read: `words[0 .. nWords)`. One buffer for the whole scan; each
   * statement gets an exact-size copy (`slice`), no per-statement array grown by `push`.
   */
  private readonly words: Word[] = [];
  private nWords = 0;
  /** Tree scan: every statement's words, packed as the directives keep them until they are read (ast.ts). */
  private readonly packed = new PackedWords();
  /** Where the words of the statement being read start in `packed.nums`. */
  private stmtAt = 0;
  /** The word just read (`readWord`): value, quote, absolute start and end. */
  private wValue = "";
  private wQuote: '"' | "'" | null = null;
  private wSL = 0;
  private wSC = 0;
  private wSO = 0;
  private wEL = 0;
  private wEC = 0;
  private wEO = 0;
  /** The statement's first word: value and absolute start. */
  private firstValue = "";
  private firstLine = 0;
  private firstChar = 0;
  private firstOffset = 0;
  /** The run the next statement or standalone comment joins (`scanTree`); null after `{`, `}` and at the start. */
  private leafRun: LeafRun | null = null;
  /** Word texts met in this scan, by hash (`intern`); "" in an empty slot, which no word's text equals. */
  private readonly interned: string[] = new Array<string>(INTERN_SLOTS).fill("");
  /**
   * The directive of the statement being read (tree scan), made at its first word: its later words are made
   * relative to it (no word is made absolute and moved afterwards).
   */
  private stmt: Directive | null = null;
  /** The absolute start of the statement being read (tree scan; 0 in `scan`, whose words are absolute). */
  private stmtLine = 0;
  private stmtOffset = 0;
  /** The absolute start of `stmt`'s base (the directive of the block it is in; 0 for the file). */
  private stmtBaseLine = 0;
  private stmtBaseOffset = 0;
  /** Comments between the words of the statement being read; null while there are none (the usual case). */
  private comments: Comment[] | null = null;
  /**
   * The last position made: a `;` written right after a word starts where the word ends, and the two
   * ranges share that Position object (nothing mutates positions once made).
   */
  private lastPosition: Position = { line: -1, character: -1, offset: -1 };
  /** Stack of the `{` of the blocks open now (with the name of their directive), for error messages. */
  private readonly openBlocks: OpenBlock[] = [];
  /** The base of statements outside every block opened in this scan (`ScanOptions.parent`). */
  private readonly parent: Directive | null;
  /** `ScanOptions.nestEveryBlock`. */
  private readonly nestEveryBlock: boolean;
  /** Line of the last token crossplane's lexer would have produced (it drops a word cut off by the end). */
  private lastTokenLine = 0;
  /** A string or Lua body that the end of the input cut off. */
  private unterminated: { range: Range; code: string; message: string } | null = null;
  private readonly allowUnbalanced: boolean;
  /** The LFs before `offset`, for nginxLineAt. */
  private readonly lfCounted = { offset: 0, lfs: 0 };
  /** The file offset of `text[0]` (`ScanOptions.textStart`); every position is the file's. */
  private readonly o: number;

  constructor(
    private readonly text: string,
    options: ScanOptions,
    /** Make the tree's own objects (`TreeToken`) rather than `ScanToken`s. */
    private readonly tree: boolean,
  ) {
    const from = options.from;
    this.o = options.textStart ?? 0;
    if (from) {
      this.pos = from.offset;
      this.line = from.line;
      this.lineStart = from.offset - from.character;
    } else {
      // A UTF-8 BOM is not part of the configuration text (editors hide it).
      this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
      this.line = 0;
      this.lineStart = 0;
    }
    this.end = options.to ?? this.o + text.length;
    this.allowUnbalanced = options.allowUnbalanced ?? false;
    this.parent = options.parent ?? null;
    this.nestEveryBlock = options.nestEveryBlock === true;
  }

  /** The directive whose start the next statement or standalone comment is relative to. */
  private base(): Directive | null {
    const n = this.openBlocks.length;
    return n > 0 ? this.openBlocks[n - 1].directive : this.parent;
  }

  /** A standalone comment's absolute numbers made relative to the current base. */
  private place(node: Comment): void {
    const base = this.base();
    if (base === null) node.rebase(null, 0, 0);
    else node.rebase(base, base.startLine, base.startOffset);
  }

  position(offset = this.pos): Position {
    // Valid only for offsets on the current line (callers take positions as they go).
    const last = this.lastPosition;
    if (last.offset === offset) return last;
    return (this.lastPosition = { line: this.line, character: offset - this.lineStart, offset });
  }

  /** Advance over one newline sequence at `pos` (LF, CRLF or a lone CR, which LSP and VS Code also count). */
  private newline(c: number): void {
    if (c === CR && this.pos + 1 < this.end && this.text.charCodeAt(this.pos + 1 - this.o) === LF) this.pos += 2;
    else this.pos += 1;
    this.line++;
    this.lineStart = this.pos;
  }

  /**
   * The character at `p` is being passed over inside a token (an escaped character, a string, a comment):
   * when an editor line ends after it (LF, or a CR not followed by LF), count the line. Returns whether one did.
   */
  private passLineBreak(p: number): boolean {
    const c = this.text.charCodeAt(p - this.o);
    if (c !== LF && (c !== CR || this.text.charCodeAt(p + 1 - this.o) === LF)) return false;
    this.line++;
    this.lineStart = p + 1;
    return true;
  }

  /**
   * nginx's 1-based line number at `offset` (cf->conf_file->line counts LFs only), for comparing with its
   * messages. Asked in increasing offsets: counts on from the last answer, so a file is read once.
   */
  private nginxLineAt(offset: number): number {
    // The LFs before a window are not in it.
    if (this.o > 0) throw new OutsideWindow();
    let i = this.text.indexOf("\n", this.lfCounted.offset);
    while (i !== -1 && i < offset) {
      this.lfCounted.lfs++;
      i = this.text.indexOf("\n", i + 1);
    }
    this.lfCounted.offset = Math.max(this.lfCounted.offset, offset);
    return this.lfCounted.lfs + 1;
  }

  /** Moves `pos` to `target` over text inside one token, counting the editor lines it ends. */
  private advanceTo(target: number): void {
    for (let p = this.pos; p < target; p++) {
      const c = this.text.charCodeAt(p - this.o);
      if (c === LF || c === CR) this.passLineBreak(p);
    }
    this.pos = target;
  }

  private error(message: string, range: Range, code: string, extra: Partial<SyntaxError> = {}): void {
    this.errors.push({ message, range, severity: "error", code, ...extra });
  }

  run(): void {
    const text = this.text;
    const o = this.o;
    const end = this.end;

    while (this.pos < end) {
      const c = text.charCodeAt(this.pos - o);
      if (c === SPACE || c === TAB) {
        this.pos++;
        continue;
      }
      if (c === LF || c === CR) {
        this.newline(c);
        continue;
      }
      if (c === HASH) {
        const comment = this.readComment();
        this.lastTokenLine = comment.startLine;
        if (this.nWords > 0) (this.comments ??= []).push(comment);
        else if (this.tree) {
          this.place(comment);
          this.pushLeaf(comment);
        } else this.tokens.push({ type: "comment", comment });
        continue;
      }
      if (c === SEMI) {
        this.lastTokenLine = this.line;
        if (this.nWords === 0) {
          this.error('unexpected ";"', this.charRange(), "unexpected-semicolon");
          continue;
        }
        // Numbers, not a Range: the tree keeps the `;` as its directive's last character.
        const pos = ++this.pos;
        this.emitStatement(true, null, this.line, pos - this.lineStart, pos);
        continue;
      }
      if (c === LBRACE) {
        const r = this.charRange();
        this.lastTokenLine = r.start.line;
        if (this.nWords === 0) {
          this.error('unexpected "{": a block needs a directive name before it', r, "unexpected-open-brace");
        }
        const name = this.nWords > 0 ? this.firstValue : "";
        const depth = this.openBlocks.length;
        if (depth > 0) this.openBlocks[depth - 1].nested = true;
        const token = this.tokens.length;
        const directive = this.emitOpen(r);
        this.openBlocks.push({
          brace: r,
          name,
          directive,
          token,
          nested: false,
          line: this.stmtLine,
          offset: this.stmtOffset,
        });
        continue;
      }
      if (c === RBRACE) {
        const r = this.charRange();
        if (this.nWords > 0) this.flushMissingTerminator(r);
        this.lastTokenLine = r.start.line;
        if (this.openBlocks.length === 0 && !this.allowUnbalanced) {
          this.error('unexpected "}": no block is open here', r, "unexpected-close-brace", {
            fatalForCrossplane: true,
          });
          continue;
        }
        const open = this.openBlocks.pop();
        this.closeBlock(open, r.start);
        if (!open?.directive || open.nested || this.nestEveryBlock || !this.closeLeafBlock(open.directive, open.token))
          this.emitClose(r, r.start);
        continue;
      }
      // A word.
      if (this.nWords === 0) this.beginStatement(this.line, this.pos);
      const wordLine = this.line;
      this.readWord();
      // Numbers the scan has (a bare word ends at `pos`), not the word's getters (a walk to its base's start).
      const cutOff = this.wQuote !== null ? this.unterminated !== null : this.pos >= end;
      if (!cutOff) this.lastTokenLine = wordLine;
      this.pushWord();
      if (this.nWords === 1 && this.wValue.endsWith(LUA_BLOCK_SUFFIX)) {
        const lua = this.tryLuaBlock();
        if (lua) this.emitStatement(false, lua, lua.range.end.line, lua.range.end.character, lua.range.end.offset);
      }
    }

    this.finishAtEndOfInput();
  }

  /** A statement starts at `line`, `offset`: its words are made relative to that (tree scan). */
  private beginStatement(line: number, offset: number): void {
    if (!this.tree) return;
    this.stmtLine = line;
    this.stmtOffset = offset;
  }

  /** The directive of the statement whose first word (its name) is `name`, starting at `startCharacter`. */
  private newDirective(name: string, startCharacter: number): Directive {
    const n = this.openBlocks.length;
    const top = n > 0 ? this.openBlocks[n - 1] : null;
    const base = top !== null ? top.directive : this.parent;
    const line = top !== null ? top.line : this.parent === null ? 0 : this.parent.startLine;
    const offset = top !== null ? top.offset : this.parent === null ? 0 : this.parent.startOffset;
    this.stmtBaseLine = line;
    this.stmtBaseOffset = offset;
    const packed = this.packed;
    const at = (this.stmtAt = packed.n);
    packed.push(packed.values.length);
    packed.push(0);
    packed.push(startCharacter);
    return new Directive(name, base, this.stmtLine - line, this.stmtOffset - offset, packed, at);
  }

  /**
   * The word just read joins the statement: a `Word` in `scan`, packed numbers in a tree scan (the first one
   * makes the statement's directive).
   */
  private pushWord(): void {
    const n = this.nWords++;
    if (n === 0) {
      this.firstValue = this.wValue;
      this.firstLine = this.wSL;
      this.firstChar = this.wSC;
      this.firstOffset = this.wSO;
    }
    if (!this.tree) {
      this.words[n] = Word.of(
        this.wValue,
        this.wQuote,
        null,
        this.wSL,
        this.wSC,
        this.wSO,
        this.wEL,
        this.wEC,
        this.wEO,
      );
      return;
    }
    if (n === 0) {
      this.stmt = this.newDirective(this.wValue, this.wSC);
    } else this.packed.values.push(this.wValue);
    const sl = this.stmtLine;
    const so = this.stmtOffset;
    const value = this.wValue;
    const quote = this.wQuote;
    const relLine = this.wSL - sl;
    const relOffset = this.wSO - so;
    const packed = this.packed;
    // Its end follows from its value and it is on the name's line (character = the name's + the offsets'
    // difference): one number (almost every word; large-config: all 90,367).
    if (relLine === 0 && this.wEL === this.wSL && this.wEO - this.wSO === value.length + (quote === null ? 0 : 2))
      packed.push(packedWordCode(relOffset, quote, false));
    else {
      packed.push(packedWordCode(relOffset, quote, true));
      packed.push(relLine);
      packed.push(this.wSC);
      packed.push(this.wEL - sl);
      packed.push(this.wEC);
      packed.push(this.wEO - so);
    }
  }

  /** The range of the word just read. */
  private lastWordRange(): Range {
    return {
      start: { line: this.wSL, character: this.wSC, offset: this.wSO },
      end: { line: this.wEL, character: this.wEC, offset: this.wEO },
    };
  }

  /**
   * The statement of the words read so far ends (by `;`, a Lua body, a `}` or the end of the input) at
   * `endLine`, `endCharacter`, `endOffset` (after its `;` when `semicolon`).
   */
  private emitStatement(
    semicolon: boolean,
    lua: ScannedLua | null,
    endLine: number,
    endCharacter: number,
    endOffset: number,
  ): void {
    const words = this.words;
    const n = this.nWords;
    const comments = this.comments ?? NO_COMMENTS;
    this.nWords = 0;
    this.comments = null;
    if (!this.tree) {
      const w = words.slice(0, n);
      const end = { line: endLine, character: endCharacter, offset: endOffset };
      const semi = semicolon
        ? { start: { line: endLine, character: endCharacter - 1, offset: endOffset - 1 }, end }
        : null;
      this.tokens.push(
        lua
          ? { type: "stmt", words: w, comments, semicolon: semi, lua, end }
          : { type: "stmt", words: w, comments, semicolon: semi, end },
      );
      return;
    }
    const d = this.stmt!;
    this.stmt = null;
    this.packed.nums[this.stmtAt + 1] = n - 1;
    d.argComments = comments;
    d.terminator = semicolon ? ";" : lua ? "lua" : null;
    d.relEndLine = endLine - this.stmtBaseLine;
    d.endCharacter = endCharacter;
    d.relEndOffset = endOffset - this.stmtBaseOffset;
    for (let i = 0; i < comments.length; i++) comments[i].rebase(d, this.stmtLine, this.stmtOffset);
    if (lua) d.lua = new LuaBody(lua.code, d, lua.range, lua.inner);
    this.pushLeaf(d);
  }

  /** A finished statement or standalone comment joins the current run (or starts one). */
  private pushLeaf(node: Node): void {
    if (this.leafRun === null) {
      this.leafRun = { kind: "run", nodes: [node] };
      this.tokens.push(this.leafRun);
    } else this.leafRun.nodes.push(node);
  }

  /** A block head: in a tree scan, its directive (with an empty block), else null. */
  private emitOpen(brace: Range): Directive | null {
    const words = this.words;
    const n = this.nWords;
    const comments = this.comments ?? NO_COMMENTS;
    this.nWords = 0;
    this.comments = null;
    if (!this.tree) {
      this.tokens.push({ type: "open", words: words.slice(0, n), comments, brace });
      return null;
    }
    this.leafRun = null;
    let d = this.stmt;
    this.stmt = null;
    if (d === null) {
      // `{` without a name (an error was reported): an empty name where the brace is.
      const b = brace.start;
      this.beginStatement(b.line, b.offset);
      d = this.newDirective("", b.character);
      this.packed.push(packedWordCode(0, null, false));
    } else this.packed.nums[this.stmtAt + 1] = n - 1;
    d.argComments = comments;
    d.terminator = "{";
    d.relEndLine = brace.end.line - this.stmtBaseLine;
    d.endCharacter = brace.end.character;
    d.relEndOffset = brace.end.offset - this.stmtBaseOffset;
    const b = brace.start;
    d.block = new Block(d, [], b.line - this.stmtLine, b.character, b.offset - this.stmtOffset, -1, -1, -1);
    for (let i = 0; i < comments.length; i++) comments[i].rebase(d, this.stmtLine, this.stmtOffset);
    this.tokens.push({ kind: "open", comments, brace, directive: d });
    return d;
  }

  /** A block of this scan ends: at its `}` (`brace`), or at the end of the input (null), where `at` is. */
  private closeBlock(open: { directive: Directive | null } | undefined, brace: Position | null, at?: Position): void {
    const d = open?.directive;
    if (!d) return;
    const line = d.startLine;
    const offset = d.startOffset;
    if (brace) {
      const block = d.block!;
      block.relCloseLine = brace.line - line;
      block.closeCharacter = brace.character;
      block.relCloseOffset = brace.offset - offset;
    }
    const end = at ?? { line: brace!.line, character: brace!.character + 1, offset: brace!.offset + 1 };
    const base = d.base;
    d.relEndLine = end.line - (base === null ? 0 : base.startLine);
    d.endCharacter = end.character;
    d.relEndOffset = end.offset - (base === null ? 0 : base.startOffset);
  }

  /**
   * A block closed by its `}` with no block inside it (2,510 of large-config's 2,515): its head and body
   * tokens are taken back and its directive, body and all, joins the run of its enclosing block like a
   * statement, as a Lua block's does. nearley costs ~14 µs per terminal in a CLI process (its code is not
   * optimised yet: 106 ms of large-config's parse in a CPU profile, for 7,547 terminals); it now nests only
   * the blocks that hold blocks (large-config: 16 terminals). The tree is the one the grammar builds
   * (`items %open items %close` of a body that is one run or empty; test/parse/parser.test.ts compares).
   * false (nothing taken back) when anything else follows the head.
   */
  private closeLeafBlock(d: Directive, token: number): boolean {
    const tokens = this.tokens as TreeToken[];
    const after = tokens.length - token - 1;
    const body = after === 1 ? tokens[token + 1] : undefined;
    if (tokens[token]?.kind !== "open" || after > 1 || (body !== undefined && body.kind !== "run")) return false;
    if (body !== undefined) d.block!.children = body.nodes;
    tokens.length = token;
    const before = tokens[token - 1];
    this.leafRun = before !== undefined && before.kind === "run" ? before : null;
    this.pushLeaf(d);
    return true;
  }

  private emitClose(brace: Range | null, at: Position): void {
    this.leafRun = null;
    this.tokens.push(this.tree ? { kind: "close", brace, at } : { type: "close", brace, at });
  }

  /**
   * A statement cut short by `}`: nginx says `unexpected "}"` at the brace. We point at the last word,
   * after which the `;` belongs (where an editor offers to insert it), and relate the brace.
   */
  private flushMissingTerminator(brace: Range): void {
    const name = this.firstValue;
    this.error(`"${name}" directive is not terminated by ";"`, this.lastWordRange(), "missing-semicolon", {
      related: [{ range: brace, message: 'the statement runs into this "}" (nginx: unexpected "}")' }],
    });
    this.emitStatement(false, null, this.wEL, this.wEC, this.wEO);
  }

  /**
   * At the end of the input: one error, as `nginx -t` gives one ("unexpected end of file, expecting ..."),
   * whatever is left open — a string, a Lua body, a statement, blocks. Then the stream is closed.
   */
  private finishAtEndOfInput(): void {
    const at = this.position();
    const blocks = this.openBlocks.length;
    const innermost = blocks > 0 ? this.openBlocks[blocks - 1] : null;
    const blockNote = innermost
      ? `the "${innermost.name || "{"}" block opened on line ${innermost.brace.start.line + 1} is never closed`
      : "";
    const n = this.nWords;
    let message: string | null = null;
    let range: Range = { start: at, end: at };
    let code = "unexpected-eof";
    if (this.unterminated) {
      range = this.unterminated.range;
      code = this.unterminated.code;
      message = this.unterminated.message;
    } else if (n > 0) {
      range = {
        start: { line: this.firstLine, character: this.firstChar, offset: this.firstOffset },
        end: this.lastWordRange().end,
      };
      message = `unexpected end of file, expecting ";" or "}": "${this.firstValue}" is not terminated by ";"`;
    } else if (innermost) {
      message = `unexpected end of file, expecting "}": ${blockNote}`;
    }
    if (message !== null) {
      if (blockNote && !message.endsWith(blockNote)) message += `; ${blockNote}`;
      // crossplane: with braces open, its brace check fails at the last token it produced; without, its
      // parser runs out of tokens inside a statement and reports no line.
      const crossplaneLine = blocks > 0 ? this.lastTokenLine + 1 : null;
      this.error(message, range, code, { fatalForCrossplane: true, crossplaneLine });
    }
    if (n > 0) this.emitStatement(false, null, this.wEL, this.wEC, this.wEO);
    for (let i = blocks; i > 0; i--) {
      this.closeBlock(this.openBlocks[i - 1], null, at);
      this.emitClose(null, at);
    }
    this.openBlocks.length = 0;
  }

  private charRange(): Range {
    const start = this.position();
    this.pos++;
    return { start, end: this.position() };
  }

  /**
   * A `#` comment: up to the next LF, as ngx_conf_read_token reads it (its `sharp_comment` ends on LF only).
   * The CR of a CRLF belongs to the line break; a lone CR does not end the comment — an editor starts a new
   * line there, nginx does not, so what follows it up to the LF is still comment, and a warning says so.
   */
  private readComment(): Comment {
    const text = this.text;
    const o = this.o;
    const start = this.position();
    let p = this.pos + 1;
    let hiddenFrom: Position | null = null;
    while (p < this.end) {
      const c = text.charCodeAt(p - o);
      if (c === LF) break;
      if (c === CR) {
        if (text.charCodeAt(p + 1 - o) === LF) break;
        this.passLineBreak(p);
        p++;
        hiddenFrom ??= this.position(p);
        continue;
      }
      p++;
    }
    this.pos = p;
    const end = this.position();
    if (hiddenFrom && /[^ \t\r]/.test(text.slice(hiddenFrom.offset - o, p - o))) {
      const nginxLine = this.nginxLineAt(start.offset);
      this.errors.push({
        message:
          'nginx reads this as part of the "#" comment before it: a comment ends only at a line feed (LF), and ' +
          "the line break before this text is a lone carriage return (CR), which editors show as a new line " +
          `and nginx does not (for nginx this text is on line ${nginxLine})`,
        range: { start: hiddenFrom, end },
        severity: "warning",
        code: "comment-continues-past-cr",
      });
    }
    return new Comment(text.slice(start.offset + 1 - o, p - o), start, end);
  }

  /** The word just read: its value, quote, and absolute start and end. */
  private setWord(
    value: string,
    quote: '"' | "'" | null,
    sl: number,
    sc: number,
    so: number,
    el: number,
    ec: number,
    eo: number,
  ): void {
    this.wValue = value;
    this.wQuote = quote;
    this.wSL = sl;
    this.wSC = sc;
    this.wSO = so;
    this.wEL = el;
    this.wEC = ec;
    this.wEO = eo;
  }

  /** Reads one word starting at `pos` (not whitespace, not `;{}#` at its start) into `wValue` … */
  private readWord(): void {
    const text = this.text;
    const o = this.o;
    const c0 = text.charCodeAt(this.pos - o);
    if (c0 === DQUOTE || c0 === SQUOTE) {
      this.readQuoted(c0, this.position());
      return;
    }
    // Numbers, not Position objects: the Word keeps numbers (ast.ts), and the scan makes ~3 words per line.
    const startLine = this.line;
    const startCharacter = this.pos - this.lineStart;
    const startOffset = this.pos;
    let p = this.pos;
    // A word without escapes and `${…}` (almost all) is its text as written: hashed as it is read, for `intern`.
    let plain = true;
    let hash = 0;
    while (p < this.end) {
      const c = text.charCodeAt(p - o);
      if (c === BACKSLASH) {
        // An escape keeps the next character in the word, whatever it is — one character: after `\` CR LF
        // the LF still ends the word (ngx_conf_read_token's `quoted` skips a single byte).
        plain = false;
        if (p + 1 < this.end) {
          this.passLineBreak(p + 1);
          p += 2;
        } else p++;
        continue;
      }
      if (c === SPACE || c === TAB || c === LF || c === CR || c === SEMI || c === RBRACE) break;
      if (c === LBRACE) {
        // `${name}`: the brace belongs to the variable, not to a block.
        if (p > this.pos && text.charCodeAt(p - 1 - o) === DOLLAR) {
          plain = false;
          p = this.skipVariableBraces(p);
          continue;
        }
        break;
      }
      hash = (Math.imul(hash, 31) + c) | 0;
      p++;
    }
    this.pos = p;
    // Whatever made a CR part of the word (an escape, `${`), the value has it as crossplane does: as LF.
    // A plain word is its text as written, on one line: its end follows from its value (ast.ts, `Word`).
    const value = plain ? this.intern(startOffset, p, hash) : normalizeNewlines(text.slice(startOffset - o, p - o));
    this.setWord(value, null, startLine, startCharacter, startOffset, this.line, p - this.lineStart, p);
  }

  /**
   * The text from `from` to `to`, as the string an earlier word of this scan with the same text got when there
   * is one. A configuration repeats its words (directive names, `on`, `$host`, upstream names): large-config's
   * 87,860 bare words are 2,900 distinct texts; 1,000 generated site files (995,296 lines) take 760 MB of heap
   * as trees instead of 815 MB. The table is per scan: a string sliced from the text keeps the whole text alive.
   */
  private intern(from: number, to: number, hash: number): string {
    const length = to - from;
    if (length > INTERN_MAX_LENGTH) return this.text.slice(from - this.o, to - this.o);
    const slot = hash & (INTERN_SLOTS - 1);
    const interned = this.interned;
    const known = interned[slot];
    if (known.length === length && this.text.startsWith(known, from - this.o)) return known;
    return (interned[slot] = this.text.slice(from - this.o, to - this.o));
  }

  /** From a `{` preceded by `$`: through the matching `}` (or up to whitespace, as crossplane does). */
  private skipVariableBraces(p: number): number {
    const text = this.text;
    const o = this.o;
    p++;
    while (p < this.end) {
      const c = text.charCodeAt(p - o);
      if (c === RBRACE) return p + 1;
      if (isSpace(c)) return p;
      // An escaped line break is still a line break for positions.
      if (c === BACKSLASH && p + 1 < this.end) this.passLineBreak(p + 1);
      p += c === BACKSLASH ? 2 : 1;
    }
    return Math.min(p, this.end);
  }

  private readQuoted(quote: number, start: Position): void {
    const text = this.text;
    const o = this.o;
    let p = this.pos + 1;
    let value = "";
    let chunkStart = p;
    let sawNewline = false;
    let closed = false;
    while (p < this.end) {
      const c = text.charCodeAt(p - o);
      if (c === quote) {
        closed = true;
        break;
      }
      if (c === BACKSLASH && p + 1 < this.end) {
        const n = text.charCodeAt(p + 1 - o);
        if (n === quote) {
          // Only the escaped quote itself is unescaped (nginx and crossplane agree).
          value += text.slice(chunkStart - o, p - o) + String.fromCharCode(quote);
          p += 2;
          chunkStart = p;
          continue;
        }
        // Any other escaped character stays as written (one character: after `\` CR, an LF is the string's).
        if (n === LF || n === CR) {
          this.passLineBreak(p + 1);
          sawNewline = true;
        }
        p += 2;
        continue;
      }
      if (c === LF || c === CR) {
        this.passLineBreak(p);
        sawNewline = true;
      }
      p++;
    }
    value += text.slice(chunkStart - o, Math.min(p, this.end) - o);
    if (sawNewline) value = normalizeNewlines(value);
    if (closed) {
      this.pos = p + 1;
    } else {
      this.pos = this.end;
    }
    const end = this.position();
    const q = quote === DQUOTE ? '"' : "'";
    if (!closed) {
      this.unterminated = {
        range: { start, end: { ...start, character: start.character + 1, offset: start.offset + 1 } },
        code: "unterminated-string",
        message: `unexpected end of file: the string opened by this ${q} is never closed, so the rest of the file is inside it`,
      };
    } else if (this.pos < this.end) {
      const n = text.charCodeAt(this.pos - o);
      // nginx wants a separator after a closing quote: whitespace, `;`, `{`, or the `)` of an `if`
      // (ngx_conf_read_token, `need_space`); anything else is "unexpected".
      if (!isSpace(n) && n !== SEMI && n !== LBRACE && n !== 0x29 /* ) */) {
        const at = this.position();
        this.error(
          `unexpected "${text[this.pos - o]}" right after a quoted string: nginx needs a space here`,
          { start: at, end: { ...at, character: at.character + 1, offset: at.offset + 1 } },
          "no-space-after-quote",
        );
      }
    }
    this.setWord(value, q, start.line, start.character, start.offset, end.line, end.character, end.offset);
  }

  /**
   * After the name of a `*_by_lua_block` directive: reads `set_by_lua_block`'s `$var`, then the Lua body.
   * Returns null (and leaves the position unchanged) when no `{` follows, so the statement is read normally.
   */
  private tryLuaBlock(): ScannedLua | null {
    const text = this.text;
    const o = this.o;
    const saved = { pos: this.pos, line: this.line, lineStart: this.lineStart, errors: this.errors.length };
    const savedNums = this.packed.n;
    const savedValues = this.packed.values.length;
    const savedWord = [this.wValue, this.wQuote, this.wSL, this.wSC, this.wSO, this.wEL, this.wEC, this.wEO] as const;
    const savedComments = this.comments === null ? -1 : this.comments.length;
    // nginx reads the words up to `{` as for any block (comments between them included: checked with
    // nginx 1.22.1); lua-nginx-module's reader takes over after the `{`.
    const skipSpace = (): void => {
      while (this.pos < this.end) {
        const c = text.charCodeAt(this.pos - o);
        if (c === SPACE || c === TAB) this.pos++;
        else if (c === LF || c === CR) this.newline(c);
        else if (c === HASH) (this.comments ??= []).push(this.readComment());
        else break;
      }
    };
    skipSpace();
    if (this.firstValue === "set_by_lua_block" && this.pos < this.end) {
      const c = text.charCodeAt(this.pos - o);
      if (c !== LBRACE && c !== SEMI && c !== RBRACE && c !== HASH) {
        this.readWord();
        this.pushWord();
        skipSpace();
      }
    }
    if (this.pos >= this.end || text.charCodeAt(this.pos - o) !== LBRACE) {
      this.pos = saved.pos;
      this.line = saved.line;
      this.lineStart = saved.lineStart;
      this.errors.length = saved.errors;
      if (savedComments < 0) this.comments = null;
      else this.comments!.length = savedComments;
      this.nWords = 1;
      if (this.tree) {
        this.packed.n = savedNums;
        this.packed.values.length = savedValues;
      }
      this.setWord(...savedWord);
      return null;
    }
    const open = this.charRange();
    const innerStart = open.end;
    const closeAt = this.scanLua();
    if (closeAt === null) {
      const at = this.position();
      this.unterminated = {
        range: { start: open.start, end: open.end },
        code: "unterminated-lua",
        message: `unexpected end of file in the Lua code of "${this.firstValue}": its "{" is never closed`,
      };
      return {
        code: normalizeNewlines(text.slice(innerStart.offset - o, at.offset - o)),
        range: { start: { ...open.start }, end: { ...at } },
        inner: { start: { ...innerStart }, end: { ...at } },
      };
    }
    const innerEnd = this.position();
    const close = this.charRange();
    this.lastTokenLine = close.start.line;
    return {
      code: normalizeNewlines(text.slice(innerStart.offset - o, innerEnd.offset - o)),
      range: { start: { ...open.start }, end: { ...close.end } },
      inner: { start: { ...innerStart }, end: { ...innerEnd } },
    };
  }

  /**
   * Scans Lua source from just after the opening `{` to its matching `}`; leaves `pos` on that `}`.
   * Reads it as lua-nginx-module does (ngx_http_lua_conf_read_lua_token over the lexer of
   * util/gen-lexer-c): the leftmost of `{`, `}`, a long bracket `[[ ]]` / `[==[ ]==]`, a `--[[ ]]` comment,
   * a `--` comment up to LF (a lone CR does not end it), a "…" or '…' string on one line (CR allowed, LF
   * not, `\` escaping any character but LF). A quote that does not start such a string is plain text, so
   * braces after it count. Braces inside strings and comments do not (crossplane#87/#120,
   * go-crossplane#32/#177/#179 are these cases). Checked against nginx 1.22.1 + lua module 0.10.
   */
  private scanLua(): number | null {
    const text = this.text;
    const o = this.o;
    let depth = 1;
    while (this.pos < this.end) {
      const c = text.charCodeAt(this.pos - o);
      if (c === LF || c === CR) {
        this.newline(c);
        continue;
      }
      if (c === LBRACE) {
        depth++;
        this.pos++;
        continue;
      }
      if (c === RBRACE) {
        depth--;
        if (depth === 0) return this.pos;
        this.pos++;
        continue;
      }
      if (c === DQUOTE || c === SQUOTE) {
        // Not a string (unfinished on its line): Lua's error, not ours; the quote is plain text to nginx.
        this.advanceTo(this.luaStringEnd(this.pos, c) ?? this.pos + 1);
        continue;
      }
      if (c === 0x2d /* - */ && this.pos + 1 < this.end && text.charCodeAt(this.pos + 1 - o) === 0x2d) {
        this.pos += 2;
        const level = this.longBracketLevel(this.pos);
        if (level >= 0) this.skipLongBracket(level);
        else {
          let p = this.pos;
          while (p < this.end && text.charCodeAt(p - o) !== LF) p++;
          // The CR of a CRLF stays outside (positions: the line break is the pair).
          if (p > this.pos && p < this.end && text.charCodeAt(p - 1 - o) === CR) p--;
          this.advanceTo(p);
        }
        continue;
      }
      if (c === 0x5b /* [ */) {
        const level = this.longBracketLevel(this.pos);
        if (level >= 0) {
          this.skipLongBracket(level);
          continue;
        }
      }
      this.pos++;
    }
    return null;
  }

  /**
   * The end (after the closing quote) of the Lua string opening at `p`, as lua-nginx-module's lexer matches
   * it: `"(?:\\[^\n]|[^"\n\\])*"` (resp. with `'`); null when there is none on that line.
   */
  private luaStringEnd(p: number, quote: number): number | null {
    const text = this.text;
    const o = this.o;
    for (let q = p + 1; q < this.end; q++) {
      const c = text.charCodeAt(q - o);
      if (c === quote) return q + 1;
      if (c === LF) return null;
      if (c === BACKSLASH) {
        if (q + 1 >= this.end || text.charCodeAt(q + 1 - o) === LF) return null;
        q++;
      }
    }
    return null;
  }

  /** At `[`: the number of `=` of a long bracket `[==[`, or -1 when it is not one. */
  private longBracketLevel(p: number): number {
    const text = this.text;
    const o = this.o;
    if (text.charCodeAt(p - o) !== 0x5b) return -1;
    let q = p + 1;
    while (q < this.end && text.charCodeAt(q - o) === 0x3d) q++;
    return q < this.end && text.charCodeAt(q - o) === 0x5b ? q - p - 1 : -1;
  }

  private skipLongBracket(level: number): void {
    const text = this.text;
    const o = this.o;
    this.pos += level + 2;
    while (this.pos < this.end) {
      const c = text.charCodeAt(this.pos - o);
      if (c === LF || c === CR) {
        this.newline(c);
        continue;
      }
      if (c === 0x5d /* ] */) {
        let q = this.pos + 1;
        while (q < this.end && text.charCodeAt(q - o) === 0x3d) q++;
        if (q - this.pos - 1 === level && q < this.end && text.charCodeAt(q - o) === 0x5d) {
          this.pos = q + 1;
          return;
        }
      }
      this.pos++;
    }
  }
}

/** crossplane reads files with Python's universal newlines: CRLF and lone CR become LF in values. */
export function normalizeNewlines(s: string): string {
  return s.indexOf("\r") < 0 ? s : s.replace(/\r\n?/g, "\n");
}
