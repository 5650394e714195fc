// Tree construction helpers used by the nearley grammar's postprocessors (grammar/nginx.ne).

import type { Block, Comment, Directive, Node, Word } from "./ast";
import type { CloseToken, CommentToken, OpenToken, ScanToken, StmtToken } from "./scanner";

/** A nearley lexer over an array of already-scanned tokens (the `chunk` passed to `feed`). */
export class TokenArrayLexer {
  private tokens: ScanToken[] = [];
  private index = 0;

  reset(chunk: unknown): void {
    this.tokens = chunk as ScanToken[];
    this.index = 0;
  }

  next(): ScanToken | undefined {
    return this.tokens[this.index++];
  }

  save(): Record<string, never> {
    return {};
  }

  formatError(token: ScanToken): string {
    return `unexpected ${token.type} token`;
  }

  has(_name: string): boolean {
    return true;
  }
}

function emptyName(at: OpenToken): Word {
  return { value: "", quote: null, range: { start: at.brace.start, end: at.brace.start } };
}

export function statement(t: StmtToken): Directive {
  const nameWord = t.words[0];
  const d: Directive = {
    kind: "directive",
    name: nameWord.value,
    nameWord,
    args: t.words.slice(1),
    argComments: t.comments,
    terminator: t.lua ? "lua" : t.semicolon ? ";" : null,
    range: { start: nameWord.range.start, end: t.end },
  };
  if (t.semicolon) d.semicolon = t.semicolon;
  if (t.lua) d.lua = t.lua;
  return d;
}

export function blockStatement(o: OpenToken, children: Node[], c: CloseToken): Directive {
  const nameWord = o.words.length > 0 ? o.words[0] : emptyName(o);
  const block: Block = { open: o.brace, close: c.brace, children };
  return {
    kind: "directive",
    name: nameWord.value,
    nameWord,
    args: o.words.slice(1),
    argComments: o.comments,
    terminator: "{",
    block,
    range: { start: nameWord.range.start, end: c.brace ? c.brace.end : c.at },
  };
}

export function commentNode(t: CommentToken): Comment {
  return t.comment;
}
