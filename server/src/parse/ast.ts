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

/** One word of a statement (the directive name or an argument). */
export interface Word {
  /** The value as crossplane reports it: quotes removed, `\"` inside "…" unescaped, other escapes kept. */
  value: string;
  /** The quote character the word was written with, or null for a bare word. */
  quote: '"' | "'" | null;
  /** Range of the word as written, quotes included. */
  range: Range;
}

export interface Comment {
  kind: "comment";
  /** Text after the `#`, up to (not including) the end of the line. */
  text: string;
  range: Range;
}

export interface LuaBody {
  /** The Lua source between the braces, exactly as crossplane reports it (its quirks included). */
  code: string;
  /** Range of the whole `{ … }`, braces included. */
  range: Range;
  /** Range of the source between the braces. */
  inner: Range;
}

export interface Block {
  /** The `{`. */
  open: Range;
  /** The `}`; null when the file ended first (an error is reported). */
  close: Range | null;
  children: Node[];
}

export interface Directive {
  kind: "directive";
  name: string;
  nameWord: Word;
  /** Arguments as written (for `if`, the parentheses are still on the first/last word: see `crossplaneArgs`). */
  args: Word[];
  /** Comments written between the arguments (crossplane moves them after the statement); never mutated (shared when empty). */
  argComments: readonly Comment[];
  /** How the statement ended: `;`, `{` (block), `lua` (a `*_by_lua_block` body), or null (missing, error reported). */
  terminator: ";" | "{" | "lua" | null;
  /** Range of the terminating `;` (absent for blocks, Lua bodies and missing terminators). */
  semicolon?: Range;
  block?: Block;
  lua?: LuaBody;
  /** From the first character of the name to the end of the terminator / closing brace. */
  range: Range;
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
