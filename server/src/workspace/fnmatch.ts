// One path segment of an `include` glob matched against one directory entry, as glob(3) matches it.
//
// nginx hands the whole pattern to glibc's glob(3) with no flags (src/os/unix/ngx_files.c, ngx_open_glob),
// and glob(3) compares each directory entry with fnmatch(3) and FNM_PERIOD (glibc posix/glob.c, glob_in_dir):
// backslash escapes, a leading "." matched only by a literal ".", and bracket expressions. nginx never calls
// setlocale(), so this is the C locale: bytes, not characters (`?` matches one byte of a UTF-8 name), ranges
// by byte value, the C character classes. The behaviour below follows glibc 2.36's posix/fnmatch_loop.c
// (the same in later releases) quirk for quirk, because it decides which files nginx reads:
//
// - `[z-a]` (a reversed range) matches nothing; it is not an error (nginx -t accepts `include [z-a]*;` and
//   reads no file). `[!…]` and `[^…]` negate (`^` unless POSIXLY_CORRECT is set, which we assume it is not);
//   a `]` right after `[`, `[!` or `[^` is a member; `[:alpha:]` etc. are classes, an unknown class name
//   makes the bracket fail; `[=a=]` and `[.a.]` name the byte itself (the C locale has no collation rules).
// - A `[` without its `]` is an ordinary character.
// - A trailing `\` matches nothing.
//
// Time: glibc's own algorithm is not exponential: after a `*` it tries each position for the rest of the
// pattern only up to the next `*` and never goes back to an earlier star (the "ends" of FCT). We do the
// same, so a match costs O(name length × pattern length) steps at worst, where a backtracking regular
// expression took exponential time (`a*a*a*…b` against a long name never finished).

const NUL = 0;
const BACKSLASH = 0x5c;
const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const DOT = 0x2e;
const COLON = 0x3a;
const EQUALS = 0x3d;
const DASH = 0x2d;
const BANG = 0x21;
const CARET = 0x5e;
const LOWER_A = 0x61;
const LOWER_Z = 0x7a;

/** glibc's CHAR_CLASS_MAX_LENGTH: CHARCLASS_NAME_MAX of <bits/posix2_lim.h>. */
const CLASS_NAME_MAX = 2048;

const FAIL = -1;
/** The `[` opens no bracket expression (no `]` closes it): it is an ordinary character. */
const LITERAL = -2;

const between = (c: number, lo: number, hi: number): boolean => c >= lo && c <= hi;
const isUpper = (c: number): boolean => between(c, 0x41, 0x5a);
const isLower = (c: number): boolean => between(c, 0x61, 0x7a);
const isDigit = (c: number): boolean => between(c, 0x30, 0x39);
const isAlpha = (c: number): boolean => isUpper(c) || isLower(c);
const isGraph = (c: number): boolean => between(c, 0x21, 0x7e);

/** The character classes of glibc's C locale (locale/C-ctype.c); bytes from 0x80 are in none. */
const CLASSES: ReadonlyMap<string, (c: number) => boolean> = new Map([
  ["upper", isUpper],
  ["lower", isLower],
  ["alpha", isAlpha],
  ["digit", isDigit],
  ["xdigit", (c: number) => isDigit(c) || between(c, 0x41, 0x46) || between(c, 0x61, 0x66)],
  ["space", (c: number) => c === 0x20 || between(c, 0x09, 0x0d)],
  ["print", (c: number) => between(c, 0x20, 0x7e)],
  ["graph", isGraph],
  ["blank", (c: number) => c === 0x20 || c === 0x09],
  ["cntrl", (c: number) => c < 0x20 || c === 0x7f],
  ["punct", (c: number) => isGraph(c) && !isAlpha(c) && !isDigit(c)],
  ["alnum", (c: number) => isAlpha(c) || isDigit(c)],
]);

/** Counts the steps of a match, for tests that check the work is bounded. */
export interface MatchCounter {
  steps: number;
}

/** The byte at `i`, or NUL past the end: the pattern reads like a C string. */
function at(s: Uint8Array, i: number): number {
  return i < s.length ? s[i] : NUL;
}

/** Whether `name` (one directory entry) matches `pattern` (one path segment), as fnmatch(pattern, name, FNM_PERIOD). */
export function fnmatchSegment(
  pattern: string | Uint8Array,
  name: string | Uint8Array,
  counter?: MatchCounter,
): boolean {
  const pat = typeof pattern === "string" ? Buffer.from(pattern, "utf8") : pattern;
  const str = typeof name === "string" ? Buffer.from(name, "utf8") : name;
  return matchFrom(pat, 0, str, 0, true, false, counter ?? { steps: 0 }) === MATCH;
}

const MATCH = 1;
const NOMATCH = 0;

/** Where a match attempt that was told to stop at the next `*` stopped. */
interface Resume {
  p: number;
  n: number;
  leadingPeriod: boolean;
}

/**
 * Matches `pat` from `p` against `str` from `n`. `leadingPeriod`: a "." at `n` must be matched by a literal
 * "." (FNM_PERIOD at the start of the name). With `stopAtStar`, reaching a `*` ends the attempt and says
 * where: the caller goes on from there without trying other positions for what came before.
 */
function matchFrom(
  pat: Uint8Array,
  p: number,
  str: Uint8Array,
  n: number,
  leadingPeriod: boolean,
  stopAtStar: boolean,
  counter: MatchCounter,
): typeof MATCH | typeof NOMATCH | Resume {
  const end = str.length;
  for (;;) {
    counter.steps++;
    const c = at(pat, p++);
    if (c === NUL) return n === end ? MATCH : NOMATCH;
    if (c === QUESTION) {
      if (n === end || (str[n] === DOT && leadingPeriod)) return NOMATCH;
    } else if (c === BACKSLASH) {
      const escaped = at(pat, p++);
      if (escaped === NUL || n === end || str[n] !== escaped) return NOMATCH;
    } else if (c === STAR) {
      if (stopAtStar) return { p: p - 1, n, leadingPeriod };
      if (n < end && str[n] === DOT && leadingPeriod) return NOMATCH;
      // Further `*` add nothing; each `?` takes one byte.
      let next = at(pat, p++);
      while (next === QUESTION || next === STAR) {
        if (next === QUESTION) {
          if (n === end) return NOMATCH;
          n++;
        }
        next = at(pat, p++);
      }
      if (next === NUL) return MATCH;
      p--;
      // The byte the rest must start with, when it is a plain one (a cheap filter, as glibc has).
      const first = next === OPEN ? -1 : next === BACKSLASH ? at(pat, p + 1) : next;
      let resume: Resume | null = null;
      for (let m = n; m < end; m++, leadingPeriod = false) {
        counter.steps++;
        if (first >= 0 && str[m] !== first) continue;
        const r = matchFrom(pat, p, str, m, leadingPeriod, true, counter);
        if (r === MATCH) return MATCH;
        if (r !== NOMATCH) {
          resume = r;
          break;
        }
      }
      if (resume === null) return NOMATCH;
      ({ p, n, leadingPeriod } = resume);
      continue;
    } else if (c === OPEN) {
      if (n === end || (str[n] === DOT && leadingPeriod)) return NOMATCH;
      const after = bracket(pat, p, str[n], counter);
      if (after === FAIL) return NOMATCH;
      if (after === LITERAL) {
        if (str[n] !== OPEN) return NOMATCH;
      } else {
        p = after;
      }
    } else if (n === end || str[n] !== c) {
      return NOMATCH;
    }
    leadingPeriod = false;
    n++;
  }
}

/** A collating symbol `[.x.]`: from the `.` at `p`, the index of the `.` that closes it before `]`, or -1. */
function collatingEnd(pat: Uint8Array, p: number): number {
  for (let q = p + 1; ; q++) {
    const d = at(pat, q);
    if (d === NUL) return -1;
    if (d === DOT && at(pat, q + 1) === CLOSE) return q;
  }
}

/**
 * The bracket expression whose `[` is just before `p`, against the name byte `c`: the index after its `]`
 * when it takes `c`, FAIL when the name does not match here, LITERAL when the `[` is an ordinary character.
 */
function bracket(pat: Uint8Array, p: number, c: number, counter: MatchCounter): number {
  const negated = at(pat, p) === BANG || at(pat, p) === CARET;
  if (negated) p++;
  let ch = at(pat, p++);
  for (;;) {
    counter.steps++;
    // The single byte this item stands for (it may start a range), once read.
    let low: number | null = null;
    // An escaped byte is always a plain member (glibc goes straight to its normal_bracket).
    const escaped = ch === BACKSLASH;
    if (escaped) {
      if (at(pat, p) === NUL) return FAIL;
      ch = pat[p++];
    } else if (ch === OPEN && at(pat, p) === COLON) {
      const cls = className(pat, p);
      if (cls === FAIL) return FAIL;
      if (cls !== null) {
        const test = CLASSES.get(cls.name);
        if (!test) return FAIL;
        if (test(c)) return skipRest(pat, cls.after, negated, counter);
        p = cls.after;
        ch = at(pat, p++);
        if (ch === CLOSE) break;
        continue;
      }
      // Not a class name: the `[` is a member, and the `:` comes next.
    } else if (ch === OPEN && at(pat, p) === EQUALS) {
      const member = at(pat, p + 1);
      if (member !== NUL && at(pat, p + 2) === EQUALS && at(pat, p + 3) === CLOSE) {
        if (c === member) return skipRest(pat, p + 4, negated, counter);
        p += 4;
        ch = at(pat, p++);
        if (ch === CLOSE) break;
        continue;
      }
      // Not an equivalence class: the `[` is a member.
    } else if (ch === NUL) {
      return LITERAL;
    } else if (ch === OPEN && at(pat, p) === DOT) {
      const close = collatingEnd(pat, p);
      if (close < 0) return FAIL;
      // The C locale knows no collating element names: only `[.x.]` with one byte.
      if (close - p - 1 !== 1) return FAIL;
      low = pat[p + 1];
      p = close + 2;
      // glibc tells a range after a collating symbol differently: `[[.a.]-]` is one (and matches no "a").
      const rangeAhead = at(pat, p) === DASH && at(pat, p + 1) !== NUL;
      if (!rangeAhead && c === low) return skipRest(pat, p, negated, counter);
      ch = at(pat, p++);
    }
    if (low === null) {
      low = ch;
      const rangeAhead = at(pat, p) === DASH && at(pat, p + 1) !== NUL && at(pat, p + 1) !== CLOSE;
      if (!rangeAhead && c === low) return skipRest(pat, p, negated, counter);
      ch = at(pat, p++);
    }
    if (ch === DASH && at(pat, p) !== CLOSE) {
      let high = at(pat, p++);
      if (high === OPEN && at(pat, p) === DOT) {
        const close = collatingEnd(pat, p);
        if (close < 0 || close - p - 1 !== 1) return FAIL;
        high = pat[p + 1];
        p = close + 2;
      } else {
        if (high === BACKSLASH) high = at(pat, p++);
        if (high === NUL) return FAIL;
      }
      // The C locale collates by byte value: a reversed range holds nothing.
      if (low <= c && c <= high) return skipRest(pat, p, negated, counter);
      ch = at(pat, p++);
    }
    if (ch === CLOSE) break;
  }
  return negated ? p : FAIL;
}

/** `[:name:]` from the `:` at `p`: the name and the index after `:]`, null when it is no class name, FAIL when too long. */
function className(pat: Uint8Array, p: number): { name: string; after: number } | null | typeof FAIL {
  let name = "";
  for (let q = p + 1; ; q++) {
    if (name.length === CLASS_NAME_MAX) return FAIL;
    const d = at(pat, q);
    if (d === COLON && at(pat, q + 1) === CLOSE) return { name, after: q + 2 };
    // glibc takes only `a` to `y` as name letters (its test is `c < 'a' || c >= 'z'`).
    if (d < LOWER_A || d >= LOWER_Z) return null;
    name += String.fromCharCode(d);
  }
}

/**
 * After a member took the byte: skips to the `]` (glibc's own, looser scan), giving the index after it,
 * FAIL for a negated bracket or a malformed rest, LITERAL when no `]` comes.
 */
function skipRest(pat: Uint8Array, p: number, negated: boolean, counter: MatchCounter): number {
  for (;;) {
    counter.steps++;
    const d = at(pat, p++);
    if (d === CLOSE) break;
    if (d === NUL) return LITERAL;
    if (d === BACKSLASH) {
      if (at(pat, p) === NUL) return FAIL;
      p++;
    } else if (d === OPEN && at(pat, p) === COLON) {
      // Up to `:]` when what follows reads as a class name, else on from the `:`.
      let count = 0;
      for (let q = p + 1; ; q++) {
        if (++count === CLASS_NAME_MAX) return FAIL;
        const e = at(pat, q);
        if (e === COLON && at(pat, q + 1) === CLOSE) {
          p = q + 2;
          break;
        }
        if (e < LOWER_A || e >= LOWER_Z) break;
      }
    } else if (d === OPEN && at(pat, p) === EQUALS) {
      if (at(pat, p + 1) === NUL) return FAIL;
      if (at(pat, p + 2) !== EQUALS || at(pat, p + 3) !== CLOSE) return FAIL;
      p += 4;
    } else if (d === OPEN && at(pat, p) === DOT) {
      const close = collatingEnd(pat, p);
      if (close < 0) return FAIL;
      p = close + 2;
    }
  }
  return negated ? FAIL : p;
}
