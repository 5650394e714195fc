// `parse` in steps, for the language server (lsp/analysis.ts): the same tree, but nearley is fed the
// scanner's terminals (heads and closing braces of blocks that hold blocks, runs of statements) a slice at a
// time with a pause (a generator's yield) between slices, so that the server answers its requests in the middle
// of the parse of a large file instead of after it. nearley's work is per terminal (large-config: 16 of them
// since the scanner reads a block without blocks in it whole, 7,547 before). The scanner still runs in one piece
// (it is not resumable), and is now most of a parse.

import * as nearley from "nearley";
import type { Node, ParsedFile } from "./ast";
import { TokenArrayLexer, type ParserInternals } from "./build";
import grammar from "./generated/grammar";
import { scanTree } from "./scanner";

const compiled = nearley.Grammar.fromCompiled(grammar as unknown as nearley.CompiledRules);

/** Tokens fed to nearley between two pauses. */
export const TOKENS_PER_STEP = 1000;

/** `parse(text)` with a pause after the scan and after every `tokensPerStep` tokens; returns the same tree. */
export function* parseSteps(text: string, tokensPerStep = TOKENS_PER_STEP): Generator<void, ParsedFile> {
  const scanned = scanTree(text);
  yield;
  const lexer = new TokenArrayLexer();
  // As parser.ts runGrammar: the lexer, not nearley, drops the columns it no longer needs.
  const parser = new nearley.Parser(compiled, { lexer, keepHistory: true } as unknown as nearley.ParserOptions);
  lexer.tidy(parser as unknown as ParserInternals);
  const tokens = scanned.tokens;
  if (tokens.length === 0) parser.feed([] as unknown as string);
  for (let i = 0; i < tokens.length; i += tokensPerStep) {
    // nearley keeps its state between feeds: one feed per slice parses as one feed of the whole.
    parser.feed(tokens.slice(i, i + tokensPerStep) as unknown as string);
    if (i + tokensPerStep < tokens.length) yield;
  }
  // The scanner's token stream is balanced, so there is exactly one parse.
  const children = parser.results[0] as Node[];
  return { text, children, errors: scanned.errors, lineCount: scanned.end.line + 1 };
}
