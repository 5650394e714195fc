// The `parsed` list of one file's crossplane payload, written as JSON text (UTF-8 bytes) straight from the
// file's text, without a tree — for a file that reads plainly, which is what `nginx-risk parse` of a large
// configuration meets.
//
// Why: `parse` of large-config (35,178 lines) spent ~2.8 times node's own start on the tree, its payload
// objects and JSON.stringify; most of it was garbage collection of objects kept until the end, and warm-up
// of code that runs once per word on a cold VM. This writer keeps nothing per statement (the output is one
// growing byte buffer) and does the tree path's work only where the payload needs it.
//
// It is a second reader of the text, so it is kept narrow: it reads what `parse/scanner.ts` reads for
// words, quoted strings, `${…}`, escapes, comments and blocks, and gives up (null) on everything else —
// any syntax error, a comment between the words of a statement, a `*_by_lua_block`, a lone CR, an escaped
// line break, a lone surrogate, a statement that fails a directive check, an include that reports a
// problem. The caller then builds the file's payload from the tree, which stays the reference:
// test/workspace/crossplane-text.test.ts asserts the same JSON text both ways on every corpus file and on
// seeded mutants of them, and that this writer is the one that answers for most corpus files.

import {
  BACKSLASH,
  CR,
  DOLLAR,
  DQUOTE,
  HASH,
  LBRACE,
  LF,
  LUA_BLOCK_SUFFIX,
  RBRACE,
  SEMI,
  SPACE,
  SQUOTE,
  TAB,
} from "../parse/scanner";
import type { DirectiveChecker } from "./crossplane-payload";

const RPAREN = 0x29;
const BOM = 0xfeff;

/** What the payload of the file needs besides its text (`buildPayload`'s options for one file). */
export interface PlainFileOptions {
  /** The context of the file's top level (the checker's). */
  context: string;
  checker?: DirectiveChecker;
  /** Standalone comments as `#` statements (`--include-comments`). */
  comments: boolean;
  /**
   * The payload indexes of the files an `include` with this pattern names, in the block of `context`;
   * null when resolving it reported a problem (the tree path then reports it in document order). Absent:
   * includes are not followed (`--single-file`).
   */
  include?: (pattern: string, context: string) => number[] | null;
}

// The writers below put JSON text into a byte array `b` at `n` and return the new length. The reader keeps
// `b` and `n` in locals and makes room once per statement (for its words written six bytes per character,
// the most one takes, and its punctuation): a `parse` process is short and its code runs mostly before V8
// has optimised it, where a call per piece and state read through objects or closures cost the most (the
// first version, a buffer object and closures, took twice as long on large-config's cold run).

/** `b` with room for `need` more bytes after the first `n`: itself, or a larger copy. */
function withRoom(b: Uint8Array, n: number, need: number): Uint8Array {
  if (n + need <= b.length) return b;
  const grown = new Uint8Array(Math.max(b.length * 2, n + need));
  grown.set(b.subarray(0, n));
  return grown;
}

/** ASCII text without anything JSON escapes (the payload's keys and punctuation). */
export function putAscii(b: Uint8Array, n: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[n++] = s.charCodeAt(i);
  return n;
}

/** A whole number from 0 to 2^31 - 1, as JSON.stringify writes it. */
export function putInteger(b: Uint8Array, n: number, v: number): number {
  let digits = 1;
  for (let rest = v; rest >= 10; rest = (rest / 10) | 0) digits++;
  for (let i = n + digits - 1, rest = v; i >= n; i--, rest = (rest / 10) | 0) b[i] = 0x30 + (rest % 10);
  return n + digits;
}

/**
 * `text[from, to)` as the inside of a JSON string, as JSON.stringify writes it (`"`, `\`, control
 * characters escaped, the rest as UTF-8). With `quote`, an escaped quote (`\"` in a `"` string) is the
 * quote alone, as the scanner's `readQuoted` reads it; every other escape stays as written. -1 at a lone
 * surrogate (JSON.stringify escapes it; rare enough to leave to the tree path).
 */
function putSpan(b: Uint8Array, n: number, text: string, from: number, to: number, quote: number): number {
  for (let i = from; i < to; i++) {
    let c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      if (quote !== 0 && i + 1 < to && text.charCodeAt(i + 1) === quote) {
        // The escaped quote is the quote alone (a `"` written escaped).
        i++;
        if (quote === DQUOTE) b[n++] = BACKSLASH;
        b[n++] = quote;
        continue;
      }
      b[n++] = BACKSLASH;
      b[n++] = BACKSLASH;
      // In a string, the escaped character is written as itself after the backslash, whatever it is.
      if (quote === 0 || i + 1 >= to) continue;
      c = text.charCodeAt(++i);
    }
    if (c < 0x80) {
      if (c >= 0x20) {
        if (c === DQUOTE || c === BACKSLASH) b[n++] = BACKSLASH;
        b[n++] = c;
      } else n = putControl(b, n, c);
    } else if (c < 0x800) {
      b[n++] = 0xc0 | (c >> 6);
      b[n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < to ? text.charCodeAt(i + 1) : 0;
      if (c >= 0xdc00 || next < 0xdc00 || next > 0xdfff) return -1;
      const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      i++;
      b[n++] = 0xf0 | (cp >> 18);
      b[n++] = 0x80 | ((cp >> 12) & 0x3f);
      b[n++] = 0x80 | ((cp >> 6) & 0x3f);
      b[n++] = 0x80 | (cp & 0x3f);
    } else {
      b[n++] = 0xe0 | (c >> 12);
      b[n++] = 0x80 | ((c >> 6) & 0x3f);
      b[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

const HEX = "0123456789abcdef";

/** A control character as JSON.stringify escapes it (`\n`, `\t`, … or `\u00xx`). */
function putControl(b: Uint8Array, n: number, c: number): number {
  b[n++] = BACKSLASH;
  const short = c === 8 ? 0x62 : c === 9 ? 0x74 : c === 10 ? 0x6e : c === 12 ? 0x66 : c === 13 ? 0x72 : 0;
  if (short !== 0) {
    b[n++] = short;
    return n;
  }
  b[n++] = 0x75; // u
  b[n++] = 0x30;
  b[n++] = 0x30;
  b[n++] = HEX.charCodeAt(c >> 4);
  b[n++] = HEX.charCodeAt(c & 15);
  return n;
}

/** A word's value: its text, less its quotes, an escaped quote unescaped (scanner.ts `readQuoted`). */
export function wordValue(text: string, from: number, to: number, quote: number): string {
  const raw = text.slice(from, to);
  if (quote === 0 || raw.indexOf("\\") < 0) return raw;
  return raw.split(String.fromCharCode(BACKSLASH, quote)).join(String.fromCharCode(quote));
}

/** `s` as a JSON string, quotes included (-1 as `putSpan`). */
export function putString(b: Uint8Array, n: number, s: string): number {
  b[n++] = DQUOTE;
  n = putSpan(b, n, s, 0, s.length, 0);
  if (n < 0) return n;
  b[n++] = DQUOTE;
  return n;
}

/** `list` as JSON strings separated by commas (the inside of a list); -1 as `putSpan`. */
export function putStrings(b: Uint8Array, n: number, list: readonly string[]): number {
  for (let i = 0; i < list.length && n >= 0; i++) {
    if (i > 0) b[n++] = 0x2c; // ,
    n = putString(b, n, list[i]);
  }
  return n;
}

/**
 * What the plain readers (this one and crossplane-wasm.ts) ask of a statement besides its words: false when
 * it fails a directive check or its `include` (`pattern`: its first argument's value) reports a problem, and
 * the reader gives up; else the payload indexes of the files it includes (null: no include followed).
 */
export function acceptStatement(
  options: PlainFileOptions,
  name: string,
  argCount: number,
  opensBlock: boolean,
  context: string,
  pattern: string | null,
): number[] | null | false {
  const { checker, include } = options;
  if (checker && checker.check({ name, argCount, terminator: opensBlock ? "{" : ";", context }).length > 0)
    return false;
  if (include === undefined || pattern === null) return null;
  return include(pattern, context) ?? false;
}

/** The context of the body of block `name` opened in `context`. */
export function bodyContext(options: PlainFileOptions, context: string, name: string): string {
  return options.checker ? options.checker.enterBlock(context, name) : context;
}

/**
 * One statement's entry, from `,{"directive":` (the comma when `first` is false) to its closing `}`, or
 * to `,"block":[` when it opens a block; -1 as `putSpan`. `b` has room for it (the reader makes it).
 */
function putStatement(
  b: Uint8Array,
  n: number,
  text: string,
  words: WordSpans,
  name: string,
  line: number,
  first: boolean,
  includes: number[] | null,
  opensBlock: boolean,
): number {
  const { starts, ends, quotes, count } = words;
  n = putAscii(b, n, first ? '{"directive":' : ',{"directive":');
  n = putString(b, n, name);
  if (n < 0) return n;
  n = putAscii(b, n, ',"line":');
  n = putInteger(b, n, line);
  n = putAscii(b, n, ',"args":[');
  if (name === "if") {
    const args: string[] = [];
    for (let i = 1; i < count; i++) args.push(wordValue(text, starts[i], ends[i], quotes[i]));
    n = putStrings(b, n, stripIfParentheses(args));
  } else {
    for (let i = 1; i < count && n >= 0; i++) {
      if (i > 1) b[n++] = 0x2c; // ,
      b[n++] = DQUOTE;
      n = putSpan(b, n, text, starts[i], ends[i], quotes[i]);
      if (n >= 0) b[n++] = DQUOTE;
    }
  }
  if (n < 0) return n;
  b[n++] = 0x5d; // ]
  if (includes !== null) {
    n = putAscii(b, n, ',"includes":[');
    for (let i = 0; i < includes.length; i++) {
      if (i > 0) b[n++] = 0x2c; // ,
      n = putInteger(b, n, includes[i]);
    }
    b[n++] = 0x5d; // ]
  }
  if (opensBlock) return putAscii(b, n, ',"block":[');
  b[n++] = RBRACE;
  return n;
}

/** The words of the statement being read: where each starts and ends in the text, and its quote (0: bare). */
interface WordSpans {
  starts: number[];
  ends: number[];
  quotes: number[];
  count: number;
}

/**
 * Where a bare word starting at `pos` ends (scanner.ts `readWord`, `skipVariableBraces`); -1 at an escaped
 * line break (the value then differs from the text: left to the tree path).
 */
function bareWordEnd(text: string, pos: number, end: number): number {
  let p = pos;
  while (p < end) {
    const d = text.charCodeAt(p);
    if (d === BACKSLASH) {
      if (p + 1 < end) {
        const e = text.charCodeAt(p + 1);
        if (e === LF || e === CR) return -1;
        p += 2;
      } else p++;
      continue;
    }
    if (d === SPACE || d === TAB || d === LF || d === CR || d === SEMI || d === RBRACE) break;
    if (d === LBRACE) {
      if (p === pos || text.charCodeAt(p - 1) !== DOLLAR) break;
      // `${name}`: through its `}`, or up to whitespace.
      p++;
      while (p < end) {
        const e = text.charCodeAt(p);
        if (e === RBRACE) {
          p++;
          break;
        }
        if (e === SPACE || e === TAB || e === LF || e === CR) break;
        if (e === BACKSLASH && p + 1 < end) {
          const f = text.charCodeAt(p + 1);
          if (f === LF || f === CR) return -1;
          p += 2;
        } else p++;
      }
      if (p > end) p = end;
      continue;
    }
    p++;
  }
  return p;
}

/**
 * Where the closing quote of the string opened at `pos` is (scanner.ts `readQuoted`); -1 when it is not
 * closed, holds a CR, or is not followed by what nginx wants after it (whitespace, `;`, `{`, or an `if`'s `)`).
 */
function closingQuote(text: string, pos: number, end: number): number {
  const quote = text.charCodeAt(pos);
  let p = pos + 1;
  while (p < end) {
    const d = text.charCodeAt(p);
    if (d === quote) break;
    if (d === CR) return -1;
    if (d === BACKSLASH && p + 1 < end) {
      // An escape keeps the next character, whatever it is (a quote too).
      if (text.charCodeAt(p + 1) === CR) return -1;
      p += 2;
    } else p++;
  }
  if (p >= end) return -1;
  if (p + 1 < end) {
    const d = text.charCodeAt(p + 1);
    if (d !== SPACE && d !== TAB && d !== LF && d !== CR && d !== SEMI && d !== LBRACE && d !== RPAREN) return -1;
  }
  return p;
}

/**
 * The LFs in `text[from, to)`. Read there only: `indexOf` searches on past `to` for the next LF, through
 * the rest of a file written on one line for each of its strings.
 */
function lineFeeds(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === LF) count++;
  return count;
}

/**
 * The JSON text of the file's `parsed` list (the `[` … `]`), or null when the file does not read plainly
 * (see the top of this file): `buildPayload` then gives it from the tree.
 */
export function plainParsedJson(text: string, options: PlainFileOptions): Uint8Array | null {
  const end = text.length;
  let b: Uint8Array = new Uint8Array(text.length * 2 + 64);
  let n = 0;
  const words: WordSpans = { starts: [], ends: [], quotes: [], count: 0 };
  const { starts, ends, quotes } = words;
  let stmtLine = 0;
  // The value of the statement's first word.
  let name = "";
  // Per open block (the file's top level first): its context, and whether its list has an entry yet.
  const contexts: string[] = [options.context];
  const wrote: boolean[] = [false];
  let depth = 0;
  let line = 1;
  let pos = text.charCodeAt(0) === BOM ? 1 : 0;
  b[n++] = 0x5b; // [

  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c === SPACE || c === TAB) {
      pos++;
      continue;
    }
    if (c === LF) {
      line++;
      pos++;
      continue;
    }
    if (c === CR) {
      // CRLF is one line break; a lone CR is one for the editor and not for nginx (the tree path says so).
      if (pos + 1 >= end || text.charCodeAt(pos + 1) !== LF) return null;
      pos++;
      continue;
    }
    if (c === HASH) {
      // A comment between a statement's words is emitted after the statement (and its block): left to the tree.
      if (words.count > 0) return null;
      let p = text.indexOf("\n", pos);
      if (p < 0) p = end;
      // A CR ends it only before the LF (a lone CR hides text from the editor: the tree path warns).
      for (let q = pos + 1; q < p; q++) {
        if (text.charCodeAt(q) !== CR) continue;
        if (q !== p - 1) return null;
        p = q;
      }
      if (options.comments) {
        b = withRoom(b, n, 64 + (p - pos) * 6);
        n = putAscii(b, n, wrote[depth] ? ',{"directive":"#","line":' : '{"directive":"#","line":');
        wrote[depth] = true;
        n = putInteger(b, n, line);
        n = putAscii(b, n, ',"args":[],"comment":"');
        n = putSpan(b, n, text, pos + 1, p, 0);
        if (n < 0) return null;
        b[n++] = DQUOTE;
        b[n++] = RBRACE;
      }
      pos = p;
      continue;
    }
    if (c === SEMI || c === LBRACE) {
      // A statement: ended by `;`, or opening a block.
      const count = words.count;
      const opensBlock = c === LBRACE;
      // The tree path skips a block whose name is empty (`"" {`), block and all.
      if (count === 0 || (opensBlock && name === "")) return null;
      const context = contexts[depth];
      const pattern = name === "include" && count > 1 ? wordValue(text, starts[1], ends[1], quotes[1]) : null;
      const includes = acceptStatement(options, name, count - 1, opensBlock, context, pattern);
      if (includes === false) return null;
      // Room for the punctuation (at most 67 bytes, with the line's digits), the words (quotes and a comma
      // each) and the includes' numbers (a comma and at most 10 digits each).
      let room = 96 + (includes === null ? 0 : includes.length * 12);
      for (let i = 0; i < count; i++) room += (ends[i] - starts[i]) * 6 + 3;
      b = withRoom(b, n, room);
      n = putStatement(b, n, text, words, name, stmtLine, !wrote[depth], includes, opensBlock);
      if (n < 0) return null;
      wrote[depth] = true;
      if (opensBlock) {
        depth++;
        contexts[depth] = bodyContext(options, context, name);
        wrote[depth] = false;
      }
      words.count = 0;
      pos++;
      continue;
    }
    if (c === RBRACE) {
      if (words.count > 0 || depth === 0) return null;
      depth--;
      b = withRoom(b, n, 2);
      b[n++] = 0x5d; // ]
      b[n++] = RBRACE;
      pos++;
      continue;
    }
    // A word.
    const k = words.count;
    if (k === 0) stmtLine = line;
    if (c === DQUOTE || c === SQUOTE) {
      const p = closingQuote(text, pos, end);
      if (p < 0) return null;
      line += lineFeeds(text, pos, p);
      starts[k] = pos + 1;
      ends[k] = p;
      quotes[k] = c;
      pos = p + 1;
    } else {
      const p = bareWordEnd(text, pos, end);
      if (p < 0) return null;
      starts[k] = pos;
      ends[k] = p;
      quotes[k] = 0;
      pos = p;
    }
    words.count = k + 1;
    if (k === 0) {
      name = wordValue(text, starts[0], ends[0], quotes[0]);
      if (name.endsWith(LUA_BLOCK_SUFFIX)) return null;
    }
  }
  if (words.count > 0 || depth > 0) return null;
  b = withRoom(b, n, 1);
  b[n++] = 0x5d; // ]
  return b.subarray(0, n);
}

/** crossplane's `_prepare_if_args`: `if ($a = b) {` → ["$a", "=", "b"]. */
export function stripIfParentheses(args: string[]): string[] {
  if (args.length === 0 || !args[0].startsWith("(") || !args[args.length - 1].endsWith(")")) return args;
  const out = args.slice();
  out[0] = out[0].slice(1).trimStart();
  out[out.length - 1] = out[out.length - 1].slice(0, -1).trimEnd();
  const start = out[0] === "" ? 1 : 0;
  const end = out.length - (out[out.length - 1] === "" ? 1 : 0);
  return out.slice(start, end);
}
