// text → tree. The scanner groups words into statement tokens; the nearley grammar (grammar/nginx.ne,
// compiled to ./generated/grammar.ts at build time) assembles them into the tree.

import * as nearley from "nearley";
import type { Directive, Node, ParsedFile, Position, SyntaxError } from "./ast";
import { scanTree, type ScanOptions } from "./scanner";
import grammar from "./generated/grammar";
import { TokenArrayLexer, type ParserInternals } from "./build";

const compiled = nearley.Grammar.fromCompiled(grammar as unknown as nearley.CompiledRules);

function runGrammar(tokens: unknown[]): Node[] {
  const lexer = new TokenArrayLexer();
  // keepHistory: the lexer, not nearley, drops the columns it no longer needs (see TokenArrayLexer.tidy).
  const parser = new nearley.Parser(compiled, { lexer, keepHistory: true } as unknown as nearley.ParserOptions);
  lexer.tidy(parser as unknown as ParserInternals);
  parser.feed(tokens as unknown as string);
  // The scanner's token stream is balanced, so there is exactly one parse.
  return parser.results[0] as Node[];
}

/**
 * Parses one file. Never throws: returns the tree and the positioned errors. `grammarOnly`: nearley nests every
 * block (none read whole by the scanner); the same tree, slower (test/parse/grammar-of-record.test.ts).
 */
export function parse(text: string, grammarOnly = false): ParsedFile {
  const scanned = scanTree(text, grammarOnly ? { nestEveryBlock: true } : {});
  const children = runGrammar(scanned.tokens);
  return { text, children, errors: scanned.errors, lineCount: scanned.end.line + 1 };
}

/**
 * What a re-parse reads: the whole new text, or a window of it — `text` is the file's characters from offset
 * `start`, holding the part re-parsed and one character past it; `length` is the file's (incremental.ts).
 */
export type ReparseText = string | { text: string; start: number; length: number };

function scanPart(source: ReparseText, options: ScanOptions): ReturnType<typeof scanTree> {
  if (typeof source === "string") return scanTree(source, options);
  return scanTree(source.text, { ...options, textStart: source.start });
}

/** What re-parsing a part of a file gives: its nodes and errors, in the positions of the new text. */
export interface PartReparse {
  children: Node[];
  errors: SyntaxError[];
  /** The `}` that closes the body (`reparseBody`), or the position where the part ends (`reparseTopLevel`). */
  end: Position;
}

/**
 * Re-parses only the body of `block` in `newText`, where the body now spans from just after `{`
 * (at `open`, unchanged by the edit) to `closeOffset` (the `}` shifted by the edit). Returns null when the
 * body does not stand alone any more (braces no longer balance inside it): the caller parses the whole file.
 * The nodes' positions are relative to `parent` (the block's directive; ast.ts), absolute when it is null.
 */
export function reparseBlockBody(
  newText: string,
  bodyStart: Position,
  closeOffset: number,
  parent: Directive | null = null,
): Node[] | null {
  return reparseBody(newText, bodyStart, closeOffset, parent)?.children ?? null;
}

/** `reparseBlockBody` with the body's errors and the new position of its `}` (incremental.ts). */
export function reparseBody(
  newText: ReparseText,
  bodyStart: Position,
  closeOffset: number,
  parent: Directive | null = null,
): PartReparse | null {
  // Scan through the `}` itself: a construct that reaches it (a `#` comment, a string) swallows it in a full
  // parse, and then the body no longer stands alone.
  const scanned = scanPart(newText, { from: bodyStart, to: closeOffset + 1, allowUnbalanced: true, parent });
  const close = scanned.tokens.pop();
  if (close?.kind !== "close" || close.brace?.start.offset !== closeOffset) return null;
  let depth = 0;
  for (const t of scanned.tokens) {
    if (t.kind === "open") depth++;
    else if (t.kind === "close") {
      depth--;
      if (depth < 0) return null;
    }
  }
  if (depth !== 0 || scanned.errors.some((e) => e.fatalForCrossplane)) return null;
  return { children: runGrammar(scanned.tokens), errors: scanned.errors, end: close.brace.start };
}

/**
 * Re-parses the statements of `newText` from `from` (the end of a statement ended by `;` or `}`, the `{` of
 * the block they are in — `nested` — or the start of the file when null) to `to` (the start of a later
 * node, the block's `}`, or the end of the text). Returns null when the scanner would not be between
 * statements at `to` in a full parse: something is still open there (a statement, a block, a string, a Lua
 * body: the only errors that carry `crossplaneLine` are those of the end of the input), a comment runs into
 * it, or (nested: `parent` is the block's directive) a `}` closes the block before it.
 */
export function reparseRegion(
  newText: ReparseText,
  from: Position | null,
  to: number,
  parent: Directive | null,
): PartReparse | null {
  const nested = parent !== null;
  const scanned = scanPart(newText, from ? { from, to, allowUnbalanced: nested, parent } : { to });
  if (to < newText.length) {
    if (scanned.errors.some((e) => e.crossplaneLine !== undefined)) return null;
    // The grammar's terminals are runs of statements and comments (scanner.ts): the last node of the last run.
    const run = scanned.tokens[scanned.tokens.length - 1];
    const last = run?.kind === "run" ? run.nodes[run.nodes.length - 1] : undefined;
    if (last?.kind === "comment" && last.endOffset === to) return null;
  }
  if (nested) {
    let depth = 0;
    for (const t of scanned.tokens) {
      if (t.kind === "open") depth++;
      else if (t.kind === "close" && --depth < 0) return null;
    }
  }
  return { children: runGrammar(scanned.tokens), errors: scanned.errors, end: scanned.end };
}
