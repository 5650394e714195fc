// The extension's TextMate grammar run by the engine VS Code uses (vscode-textmate over vscode-oniguruma), for
// tests that look at the scopes of real files. By default no Lua grammar is registered, as in an editor without
// one: the grammar must then keep a Lua `}` from closing the nginx block on its own.
import * as fs from "fs";
import * as path from "path";
import * as oniguruma from "vscode-oniguruma";
import * as vsctm from "vscode-textmate";
import { REPO } from "../support/shared";

export const GRAMMAR_PATH = path.join(REPO, "syntaxes/nginx.tmLanguage.json");

let onig: Promise<vsctm.IOnigLib> | undefined;

/** vscode-oniguruma, loaded once per process (its WASM cannot be loaded twice). */
export function onigLib(): Promise<vsctm.IOnigLib> {
  onig ??= (async () => {
    const wasm = fs.readFileSync(path.join(REPO, "node_modules/vscode-oniguruma/release/onig.wasm"));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    return {
      createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    };
  })();
  return onig;
}

/**
 * The nginx grammar from `syntaxes/`; with `luaGrammar` (the path of a `source.lua` grammar, e.g. VS Code's own),
 * embedded Lua is coloured by it, as in VS Code.
 */
export async function loadNginxGrammar(luaGrammar?: string): Promise<vsctm.IGrammar> {
  const registry = new vsctm.Registry({
    onigLib: onigLib(),
    loadGrammar: async (scopeName) => {
      if (scopeName === "source.nginx")
        return vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR_PATH, "utf8"), GRAMMAR_PATH);
      if (scopeName === "source.lua" && luaGrammar)
        return vsctm.parseRawGrammar(fs.readFileSync(luaGrammar, "utf8"), luaGrammar);
      return null;
    },
  });
  const grammar = await registry.loadGrammar("source.nginx");
  if (!grammar) throw new Error("source.nginx did not load");
  return grammar;
}

export interface LineTokens {
  text: string;
  tokens: vsctm.IToken[];
}

export interface Tokenized {
  lines: LineTokens[];
  /** The rule stack after the last line: depth 1 when every rule opened in the file was closed. */
  endDepth: number;
}

/** Lines as VS Code splits them (LF, CRLF and a lone CR; the parser counts the same). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/**
 * Lines as nginx counts them, and as TextMate-grammar tools that split at LF do (vscode-tmgrammar-test, for
 * one): a lone CR stays inside its line. (VS Code never shows one: it converts every line break of a file
 * with mixed ones to the file's main line ending when it opens it.)
 */
export function splitAtLf(text: string): string[] {
  return text.split(/\r?\n/);
}

export function tokenize(grammar: vsctm.IGrammar, text: string, split = splitLines): Tokenized {
  let state = vsctm.INITIAL;
  const lines: LineTokens[] = [];
  for (const line of split(text)) {
    const r = grammar.tokenizeLine(line, state);
    lines.push({ text: line, tokens: r.tokens });
    state = r.ruleStack;
  }
  return { lines, endDepth: state.depth };
}

/** The scopes of the character at (line, character). */
export function scopesAt(t: Tokenized, line: number, character: number): string[] {
  const toks = t.lines[line]?.tokens ?? [];
  let lo = 0;
  let hi = toks.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (toks[mid].endIndex <= character) lo = mid + 1;
    else if (toks[mid].startIndex > character) hi = mid - 1;
    else return toks[mid].scopes;
  }
  return [];
}

/** Whether one of `scopes` is `prefix` or starts with `prefix.` (how theme selectors match). */
export function hasScope(scopes: readonly string[], prefix: string): boolean {
  return scopes.some((s) => s === prefix || s.startsWith(prefix + "."));
}
