// AssemblyScript, compiled to WebAssembly by scripts/build-wasm.mjs: the plain reader of
// server/src/workspace/crossplane-text.ts (`plainParsedJson`) over an ASCII file's bytes, for
// `nginx-risk parse`. Its glue is server/src/workspace/crossplane-wasm.ts, which says why it exists.
//
// It reads what the JavaScript reader reads, the same way, and gives up (0) wherever that one gives up, and
// also on whatever it leaves to its caller: every statement goes through `statement` (the directive check,
// `include`, `if`, Lua blocks: JavaScript). A 0 from `read` is never wrong:
// the JavaScript reader then reads the file. test/workspace/crossplane-text.test.ts compares the output of
// both, and of the tree path, on the corpus and on mutants of it.
//
// Memory (set up by the glue): the input at `inp`, the output from `out` up to `cap` (more asked for with
// `grow`), and a scratch area at `scratch` for the word spans of a statement (MAX_WORDS of three u32s: start,
// end, quote) and a byte per open block (MAX_DEPTH) that says whether its list has an entry yet.

/**
 * A statement read: its words' spans are at `spans` (`count` of them), it ends with `;` (opens 0) or `{`
 * (opens 1) inside `depth` open blocks. -1: give up; 0: write it; 1: write it and ask `includes` after its
 * arguments; 2: its arguments are `if`'s (`writeIfArgs` writes them).
 */
@external("env", "statement")
declare function statement(spans: usize, count: i32, opens: i32, depth: i32): i32;
/** Writes `,"includes":[…]` of the statement just accepted at `n`; the new end. */
@external("env", "writeIncludes")
declare function writeIncludes(n: usize): usize;
/** Writes the arguments of the `if` just accepted at `n` (between `[` and `]`); the new end, or 0: give up. */
@external("env", "writeIfArgs")
declare function writeIfArgs(n: usize): usize;
/** Makes the output end at least `need`; the new end. */
@external("env", "grow")
declare function grow(need: usize): usize;

const SPACE: u32 = 0x20;
const TAB: u32 = 0x09;
const LF: u32 = 0x0a;
const CR: u32 = 0x0d;
const SEMI: u32 = 0x3b;
const LBRACE: u32 = 0x7b;
const RBRACE: u32 = 0x7d;
const HASH: u32 = 0x23;
const DQUOTE: u32 = 0x22;
const SQUOTE: u32 = 0x27;
const BACKSLASH: u32 = 0x5c;
const DOLLAR: u32 = 0x24;
const RPAREN: u32 = 0x29;

export const MAX_WORDS: i32 = 65536;
export const MAX_DEPTH: i32 = 65536;

/** The end of the module's own data: the glue puts the input above it. */
export function dataEnd(): usize {
  return __heap_base;
}

/** The output bytes written so far (set by `read`). */
let written: usize = 0;

export function outputEnd(): usize {
  return written;
}

function putText(n: usize, s: string): usize {
  for (let i = 0; i < s.length; i++) store<u8>(n + <usize>i, <u8>s.charCodeAt(i));
  return n + <usize>s.length;
}

/** A whole number from 0 to 2^31 - 1, as JSON.stringify writes it. */
function putInteger(n: usize, v: u32): usize {
  let digits: usize = 1;
  for (let rest = v; rest >= 10; rest = rest / 10) digits++;
  let rest = v;
  for (let i = n + digits; i > n; i--) {
    store<u8>(i - 1, <u8>(0x30 + (rest % 10)));
    rest = rest / 10;
  }
  return n + digits;
}

/** A control character as JSON.stringify escapes it. */
function putControl(n: usize, c: u32): usize {
  store<u8>(n++, <u8>BACKSLASH);
  let short: u32 = 0;
  if (c == 8) short = 0x62;
  else if (c == 9) short = 0x74;
  else if (c == 10) short = 0x6e;
  else if (c == 12) short = 0x66;
  else if (c == 13) short = 0x72;
  if (short != 0) {
    store<u8>(n++, <u8>short);
    return n;
  }
  store<u8>(n++, 0x75);
  store<u8>(n++, 0x30);
  store<u8>(n++, 0x30);
  const hi = c >> 4;
  const lo = c & 15;
  store<u8>(n++, <u8>(hi < 10 ? 0x30 + hi : 0x57 + hi));
  store<u8>(n++, <u8>(lo < 10 ? 0x30 + lo : 0x57 + lo));
  return n;
}

/** crossplane-text.ts `putSpan` for ASCII: `[from, to)` as the inside of a JSON string. */
function putSpan(n: usize, from: usize, to: usize, quote: u32): usize {
  for (let i = from; i < to; i++) {
    let c: u32 = load<u8>(i);
    if (c == BACKSLASH) {
      if (quote != 0 && i + 1 < to && <u32>load<u8>(i + 1) == quote) {
        i++;
        if (quote == DQUOTE) store<u8>(n++, <u8>BACKSLASH);
        store<u8>(n++, <u8>quote);
        continue;
      }
      store<u8>(n++, <u8>BACKSLASH);
      store<u8>(n++, <u8>BACKSLASH);
      if (quote == 0 || i + 1 >= to) continue;
      c = load<u8>(++i);
    }
    if (c >= 0x20) {
      if (c == DQUOTE || c == BACKSLASH) store<u8>(n++, <u8>BACKSLASH);
      store<u8>(n++, <u8>c);
    } else n = putControl(n, c);
  }
  return n;
}

/** crossplane-text.ts `bareWordEnd`: where a bare word at `pos` ends; 0 at an escaped line break. */
function bareWordEnd(pos: usize, end: usize): usize {
  let p = pos;
  while (p < end) {
    const d: u32 = load<u8>(p);
    if (d == BACKSLASH) {
      if (p + 1 < end) {
        const e: u32 = load<u8>(p + 1);
        if (e == LF || e == CR) return 0;
        p += 2;
      } else p++;
      continue;
    }
    if (d == SPACE || d == TAB || d == LF || d == CR || d == SEMI || d == RBRACE) break;
    if (d == LBRACE) {
      if (p == pos || <u32>load<u8>(p - 1) != DOLLAR) break;
      p++;
      while (p < end) {
        const e: u32 = load<u8>(p);
        if (e == RBRACE) {
          p++;
          break;
        }
        if (e == SPACE || e == TAB || e == LF || e == CR) break;
        if (e == BACKSLASH && p + 1 < end) {
          const f: u32 = load<u8>(p + 1);
          if (f == LF || f == CR) return 0;
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

/** crossplane-text.ts `closingQuote`: where the string opened at `pos` closes; 0 where that reader gives up. */
function closingQuote(pos: usize, end: usize): usize {
  const quote: u32 = load<u8>(pos);
  let p = pos + 1;
  while (p < end) {
    const d: u32 = load<u8>(p);
    if (d == quote) break;
    if (d == CR) return 0;
    if (d == BACKSLASH && p + 1 < end) {
      if (<u32>load<u8>(p + 1) == CR) return 0;
      p += 2;
    } else p++;
  }
  if (p >= end) return 0;
  if (p + 1 < end) {
    const d: u32 = load<u8>(p + 1);
    if (d != SPACE && d != TAB && d != LF && d != CR && d != SEMI && d != LBRACE && d != RPAREN) return 0;
  }
  return p;
}

/**
 * The `parsed` list of the ASCII text at [inp, inp + len) as JSON from `out` (its end in `outputEnd()`), up to
 * `cap`; 0 where the JavaScript reader would give up or the glue has to. 1 when read.
 */
export function read(inp: usize, len: usize, out: usize, cap: usize, scratch: usize): i32 {
  const end = inp + len;
  const spans = scratch;
  const wrote = scratch + <usize>MAX_WORDS * 12;
  let pos = inp;
  let n = out;
  let limit = cap;
  let line: u32 = 1;
  let stmtLine: u32 = 0;
  let count: i32 = 0;
  let depth: i32 = 0;
  store<u8>(wrote, 0);
  store<u8>(n++, 0x5b);
  while (pos < end) {
    const c: u32 = load<u8>(pos);
    if (c == SPACE || c == TAB) {
      pos++;
      continue;
    }
    if (c == LF) {
      line++;
      pos++;
      continue;
    }
    if (c == CR) {
      if (pos + 1 >= end || <u32>load<u8>(pos + 1) != LF) return 0;
      pos++;
      continue;
    }
    if (c == HASH) {
      // Comments are not written (the glue is not used for --include-comments).
      if (count > 0) return 0;
      let p = pos + 1;
      while (p < end && <u32>load<u8>(p) != LF) p++;
      for (let q = pos + 1; q < p; q++) {
        if (<u32>load<u8>(q) != CR) continue;
        if (q != p - 1) return 0;
        p = q;
      }
      pos = p;
      continue;
    }
    if (c == SEMI || c == LBRACE) {
      if (count == 0) return 0;
      const opens: i32 = c == LBRACE ? 1 : 0;
      const s0 = <usize>load<u32>(spans);
      const e0 = <usize>load<u32>(spans + 4);
      const q0 = load<u32>(spans + 8);
      // An empty name opening a block, and a quoted name with an escape: left to the JavaScript reader.
      if (opens == 1 && e0 == s0) return 0;
      if (q0 != 0) for (let p = s0; p < e0; p++) if (<u32>load<u8>(p) == BACKSLASH) return 0;
      const kind = statement(spans, count, opens, depth);
      if (kind < 0) return 0;
      // Room for the punctuation, the line's digits, each word escaped (two bytes per byte at most, control
      // characters six), quotes and commas; the includes ask for their own.
      let room: usize = 96;
      for (let i = 0; i < count; i++) {
        const at = spans + <usize>i * 12;
        room += (<usize>load<u32>(at + 4) - <usize>load<u32>(at)) * 6 + 3;
      }
      if (n + room > limit) limit = grow(n + room);
      const first = load<u8>(wrote + <usize>depth) == 0;
      n = putText(n, first ? '{"directive":"' : ',{"directive":"');
      n = putSpan(n, s0, e0, q0);
      n = putText(n, '","line":');
      n = putInteger(n, stmtLine);
      n = putText(n, ',"args":[');
      if (kind == 2) {
        n = writeIfArgs(n);
        if (n == 0) return 0;
        limit = grow(n + 32);
      } else {
        for (let i = 1; i < count; i++) {
          if (i > 1) store<u8>(n++, 0x2c);
          store<u8>(n++, <u8>DQUOTE);
          const at = spans + <usize>i * 12;
          n = putSpan(n, <usize>load<u32>(at), <usize>load<u32>(at + 4), load<u32>(at + 8));
          store<u8>(n++, <u8>DQUOTE);
        }
      }
      store<u8>(n++, 0x5d);
      if (kind == 1) {
        n = writeIncludes(n);
        limit = grow(n + 32);
      }
      store<u8>(wrote + <usize>depth, 1);
      if (opens == 1) {
        n = putText(n, ',"block":[');
        depth++;
        if (depth >= MAX_DEPTH) return 0;
        store<u8>(wrote + <usize>depth, 0);
      } else store<u8>(n++, <u8>RBRACE);
      count = 0;
      pos++;
      continue;
    }
    if (c == RBRACE) {
      if (count > 0 || depth == 0) return 0;
      depth--;
      if (n + 2 > limit) limit = grow(n + 2);
      store<u8>(n++, 0x5d);
      store<u8>(n++, <u8>RBRACE);
      pos++;
      continue;
    }
    // A word.
    if (count >= MAX_WORDS) return 0;
    if (count == 0) stmtLine = line;
    const at = spans + <usize>count * 12;
    if (c == DQUOTE || c == SQUOTE) {
      const p = closingQuote(pos, end);
      if (p == 0) return 0;
      for (let q = pos; q < p; q++) if (<u32>load<u8>(q) == LF) line++;
      store<u32>(at, <u32>(pos + 1));
      store<u32>(at + 4, <u32>p);
      store<u32>(at + 8, c);
      pos = p + 1;
    } else {
      const p = bareWordEnd(pos, end);
      if (p == 0) return 0;
      store<u32>(at, <u32>pos);
      store<u32>(at + 4, <u32>p);
      store<u32>(at + 8, 0);
      pos = p;
    }
    count++;
  }
  if (count > 0 || depth > 0) return 0;
  if (n + 1 > limit) limit = grow(n + 1);
  store<u8>(n++, 0x5d);
  written = n;
  return 1;
}
