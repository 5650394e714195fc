// A syntax check of PCRE2 10.42 patterns as nginx compiles them (8-bit library, no UTF unless the pattern
// starts with (*UTF), Debian's build: Unicode support, \C allowed, link size 2, nest limit 250).
//
// It follows the order of PCRE2's own compile (src/pcre2_compile.c, tag pcre2-10.42): pcre2_compile()'s
// leading (*VERB) options, parse_regex() (syntax, with check_escape(), get_ucp(), read_name(),
// read_repeat_counts(), check_posix_syntax()), check_lookbehinds() (fixed-length lookbehinds), then the
// length pass of compile_branch() (references to groups that do not exist, \K in lookarounds) and its
// second pass (branch counts of conditional groups). The first error wins, at the offset PCRE2 reports, in
// bytes of the UTF-8 pattern. Messages are pcre2_error.c's compile_error_texts.

import { OTHER_PROPERTY_NAMES, SCRIPT_NAMES } from "./pcre2-properties";

export interface Pcre2Error {
  /** PCRE2's error number (ERRn in pcre2_compile.c). */
  code: number;
  message: string;
  /** Byte offset into the UTF-8 pattern, as pcre2_compile() reports it (= the length when nginx omits "at"). */
  offset: number;
}

export interface Pcre2Info {
  /** Number of capturing groups (PCRE2_INFO_CAPTURECOUNT). */
  captures: number;
  /** Group names in pattern order, each once (PCRE2_INFO_NAMETABLE). */
  names: string[];
}

export type Pcre2Result = { ok: true; info: Pcre2Info } | { ok: false; error: Pcre2Error };

const MESSAGES: Record<number, string> = {
  1: "\\ at end of pattern",
  2: "\\c at end of pattern",
  3: "unrecognized character follows \\",
  4: "numbers out of order in {} quantifier",
  5: "number too big in {} quantifier",
  6: "missing terminating ] for character class",
  7: "escape sequence is invalid in character class",
  8: "range out of order in character class",
  9: "quantifier does not follow a repeatable item",
  11: "unrecognized character after (? or (?-",
  12: "POSIX named classes are supported only within a class",
  13: "POSIX collating elements are not supported",
  14: "missing closing parenthesis",
  15: "reference to non-existent subpattern",
  18: "missing ) after (?# comment",
  19: "parentheses are too deeply nested",
  22: "unmatched closing parenthesis",
  24: "missing closing parenthesis for condition",
  25: "lookbehind assertion is not fixed length",
  26: "a relative value of zero is not allowed",
  27: "conditional subpattern contains more than two branches",
  28: "assertion expected after (?( or (?(?C)",
  29: "digit expected after (?+ or (?-",
  30: "unknown POSIX class name",
  34: "character code point value in \\x{} or \\o{} is too large",
  35: "lookbehind is too complicated",
  36: "\\C is not allowed in a lookbehind assertion in UTF-8 mode",
  37: "PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u",
  38: "number after (?C is greater than 255",
  39: "closing parenthesis for (?C expected",
  41: "unrecognized character after (?P",
  42: "syntax error in subpattern name (missing terminator?)",
  43: "two named subpatterns have the same name (PCRE2_DUPNAMES not set)",
  44: "subpattern name must start with a non-digit",
  46: "malformed \\P or \\p sequence",
  47: "unknown property after \\P or \\p",
  48: "subpattern name is too long (maximum 32 code units)",
  49: "too many named subpatterns (maximum 10000)",
  50: "invalid range in character class",
  51: "octal value is greater than \\377 in 8-bit non-UTF-8 mode",
  54: "DEFINE subpattern contains more than one branch",
  55: "missing opening brace after \\o",
  57: "\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number",
  58: "(?R (recursive pattern call) must be followed by a closing parenthesis",
  60: "(*VERB) not recognized or malformed",
  61: "subpattern number is too big",
  62: "subpattern name expected",
  64: "non-octal character in \\o{} (closing brace missing?)",
  65: "different names for subpatterns of the same number are not allowed",
  66: "(*MARK) must have an argument",
  67: "non-hex character in \\x{} (closing brace missing?)",
  68: "\\c must be followed by a printable ASCII character",
  69: "\\k is not followed by a braced, angle-bracketed, or quoted name",
  71: "\\N is not supported in a class",
  72: "callout string is too long",
  73: "disallowed Unicode code point (>= 0xd800 && <= 0xdfff)",
  76: "name is too long in (*MARK), (*PRUNE), (*SKIP), or (*THEN)",
  78: "digits missing in \\x{} or \\o{} or \\N{U+}",
  79: "syntax error or number too big in (?(VERSION condition",
  81: "missing terminating delimiter for callout with string argument",
  82: "unrecognized string delimiter follows (?C",
  87: "lookbehind assertion is too long",
  93: "\\N{U+dddd} is supported only in Unicode (UTF) mode",
  94: "invalid hyphen in option setting",
  95: "(*alpha_assertion) not recognized",
  97: "too many capturing groups (maximum 65535)",
  98: "atomic assertion expected after (?( or (?(?C)",
  99: "\\K is not allowed in lookarounds (but see PCRE2_EXTRA_ALLOW_LOOKAROUND_BSK)",
};

// pcre2_internal.h's ESC_ enumeration (its order matters: the escapes between \b and \Z match one character).
const ESC_A = 1,
  ESC_G = 2,
  ESC_K = 3,
  ESC_B = 4,
  ESC_b = 5,
  ESC_D = 6,
  ESC_d = 7,
  ESC_S = 8,
  ESC_s = 9,
  ESC_W = 10,
  ESC_w = 11,
  ESC_N = 12,
  ESC_C = 14,
  ESC_P = 15,
  ESC_p = 16,
  ESC_R = 17,
  ESC_H = 18,
  ESC_h = 19,
  ESC_V = 20,
  ESC_v = 21,
  ESC_X = 22,
  ESC_Z = 23,
  ESC_z = 24,
  ESC_E = 25,
  ESC_Q = 26,
  ESC_g = 27,
  ESC_k = 28;

// What follows a backslash, for '0'..'z': a positive value is the character it stands for, a negative one an
// ESC_ code, 0 needs more reading (digits, c, g, o, x, u…) or is an error.
const ESCAPES = new Map<number, number>();
{
  const lit = ":;<=>?@[\\]^_`";
  for (const ch of lit) ESCAPES.set(ch.charCodeAt(0), ch.charCodeAt(0));
  const special: Record<string, number> = {
    A: -ESC_A,
    B: -ESC_B,
    C: -ESC_C,
    D: -ESC_D,
    E: -ESC_E,
    G: -ESC_G,
    H: -ESC_H,
    K: -ESC_K,
    N: -ESC_N,
    P: -ESC_P,
    Q: -ESC_Q,
    R: -ESC_R,
    S: -ESC_S,
    V: -ESC_V,
    W: -ESC_W,
    X: -ESC_X,
    Z: -ESC_Z,
    a: 7,
    b: -ESC_b,
    d: -ESC_d,
    e: 27,
    f: 12,
    h: -ESC_h,
    k: -ESC_k,
    n: 10,
    p: -ESC_p,
    r: 13,
    s: -ESC_s,
    t: 9,
    v: -ESC_v,
    w: -ESC_w,
    z: -ESC_z,
  };
  for (const [k, v] of Object.entries(special)) ESCAPES.set(k.charCodeAt(0), v);
}

const POSIX_NAMES = new Set([
  "alpha",
  "lower",
  "upper",
  "alnum",
  "ascii",
  "blank",
  "cntrl",
  "digit",
  "graph",
  "print",
  "punct",
  "space",
  "word",
  "xdigit",
]);
const VERBS: Record<string, { meta: string; hasArg: number }> = {
  "": { meta: "mark", hasArg: 1 },
  MARK: { meta: "mark", hasArg: 1 },
  ACCEPT: { meta: "accept", hasArg: -1 },
  F: { meta: "fail", hasArg: -1 },
  FAIL: { meta: "fail", hasArg: -1 },
  COMMIT: { meta: "commit", hasArg: 0 },
  PRUNE: { meta: "prune", hasArg: 0 },
  SKIP: { meta: "skip", hasArg: 0 },
  THEN: { meta: "then", hasArg: 0 },
};
const ALPHA_ASSERTIONS: Record<string, string> = {
  pla: "la",
  plb: "lb",
  napla: "la_na",
  naplb: "lb_na",
  nla: "lan",
  nlb: "lbn",
  positive_lookahead: "la",
  positive_lookbehind: "lb",
  non_atomic_positive_lookahead: "la_na",
  non_atomic_positive_lookbehind: "lb_na",
  negative_lookahead: "lan",
  negative_lookbehind: "lbn",
  atomic: "atomic",
  sr: "sr",
  asr: "asr",
  script_run: "sr",
  atomic_script_run: "asr",
};
// pcre2_compile.c's pso_list: options a pattern may start with.
const START_OPTIONS = [
  "UTF8)",
  "UTF)",
  "UCP)",
  "NOTEMPTY)",
  "NOTEMPTY_ATSTART)",
  "NO_AUTO_POSSESS)",
  "NO_DOTSTAR_ANCHOR)",
  "NO_JIT)",
  "NO_START_OPT)",
  "LIMIT_HEAP=",
  "LIMIT_MATCH=",
  "LIMIT_DEPTH=",
  "LIMIT_RECURSION=",
  "CR)",
  "LF)",
  "CRLF)",
  "ANY)",
  "NUL)",
  "ANYCRLF)",
  "BSR_ANYCRLF)",
  "BSR_UNICODE)",
];

let scriptNames: Set<string> | undefined;
let otherPropertyNames: Set<string> | undefined;

const MAX_GROUP_NUMBER = 65535;
const MAX_REPEAT_COUNT = 65535;
const REPEAT_UNLIMITED = MAX_REPEAT_COUNT + 1;
const MAX_NAME_SIZE = 32;
const MAX_NAME_COUNT = 10000;
const PARENS_NEST_LIMIT = 250;
const LOOKBEHIND_MAX = 65535;
const MAX_MARK = 255;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isWordByte = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isLcLetter = (c: number): boolean => c >= 0x61 && c <= 0x7a;
// C-locale isspace(): the tables PCRE2 is built with.
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const xdigit = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 55 : c >= 0x61 && c <= 0x66 ? c - 87 : -1;

/** One item of the parsed pattern (PCRE2's parsed_pattern vector, keeping what the later checks read). */
export type Item =
  | { k: "lit"; c: number }
  | { k: "esc"; e: number }
  | { k: "dot" | "circ" | "dollar" | "class" | "alt" | "ket" | "options" }
  | { k: "callout"; offset?: number }
  | { k: "quant"; min: number; max: number }
  | { k: "verb"; v: string }
  | {
      k: "open";
      g: string;
      n?: number;
      name?: string;
      offset?: number;
    }
  | { k: "backref" | "recurse"; n: number; offset: number }
  | { k: "backrefName" | "recurseName"; name: string; offset: number };

interface NamedGroup {
  name: string;
  number: number;
  isdup: boolean;
}

class Fail {
  constructor(
    readonly code: number,
    readonly at: number,
  ) {}
}

interface NestSave {
  depth: number;
  reset: boolean;
  condAssert: boolean;
  atomicSr: boolean;
  resetGroup: number;
  maxGroup: number;
  options: number;
}

const OPT_EXTENDED = 1,
  OPT_EXTENDED_MORE = 2,
  OPT_NO_AUTO_CAPTURE = 4,
  OPT_DUPNAMES = 8,
  OPT_OTHER = 16;

/** Compiles `pattern` (nginx's string, UTF-8) as pcre2_compile() would and returns its error or its captures. */
export function pcre2Compile(pattern: string): Pcre2Result {
  const bytes = Buffer.from(pattern, "utf8");
  try {
    return { ok: true, info: new Parser(bytes).run() };
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    return { ok: false, error: { code: e.code, message: MESSAGES[e.code] ?? `error ${e.code}`, offset: e.at } };
  }
}

/** PCRE2's escape codes as parsed items carry them (`{ k: "esc", e }`), for rules that read a pattern's shape. */
export const PCRE2_ESCAPES = { A: ESC_A, G: ESC_G, Z: ESC_Z, z: ESC_z } as const;

/**
 * The parsed items of a pattern PCRE2 accepts, in pattern order (null when it refuses it): for rules that
 * read a pattern's shape — which groups capture and how they nest, its anchors, its literal tail. Each group
 * is an `open` item closed by a `ket`; a quantifier follows the item it repeats.
 */
export function pcre2Items(pattern: string): readonly Item[] | null {
  const parser = new Parser(Buffer.from(pattern, "utf8"));
  try {
    parser.run();
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    return null;
  }
  return parser.parsedItems;
}

class Parser {
  /** Code units: bytes, or code points in UTF mode. */
  private u: number[] = [];
  /** Byte offset of each code unit, and of the end. */
  private off: number[] = [];
  private end = 0;
  private utf = false;
  private items: Item[] = [];
  private bracount = 0;
  private named: NamedGroup[] = [];
  private hasLookbehind = false;
  private smallRefOffset: number[] = [];
  private classWasWord = false;

  constructor(private readonly bytes: Buffer) {}

  get parsedItems(): readonly Item[] {
    return this.items;
  }

  run(): Pcre2Info {
    this.decode(this.startOptions());
    this.parse();
    if (this.hasLookbehind) this.checkLookbehinds();
    this.compilePass();
    this.branchCountPass();
    const names: string[] = [];
    for (const ng of this.named) if (!names.includes(ng.name)) names.push(ng.name);
    return { captures: this.bracount, names };
  }

  private fail(code: number, ptr: number): never {
    throw new Fail(code, this.off[Math.min(ptr, this.end)]);
  }

  /** pcre2_compile(): (*UTF), (*LIMIT_MATCH=n)… at the very start. Returns the byte where the regex starts. */
  private startOptions(): number {
    const b = this.bytes;
    let skip = 0;
    while (b.length - skip >= 2 && b[skip] === 0x28 && b[skip + 1] === 0x2a) {
      const rest = b.toString("latin1", skip + 2, Math.min(b.length, skip + 2 + 20));
      const found = START_OPTIONS.find((o) => rest.startsWith(o));
      if (!found) break;
      skip += found.length + 2;
      if (found === "UTF8)" || found === "UTF)") this.utf = true;
      if (found.endsWith("=")) {
        let pp = skip;
        if (!isDigit(b[pp] ?? 0)) throw new Fail(60, pp);
        while (isDigit(b[pp] ?? 0)) pp++;
        if (b[pp++] !== 0x29) throw new Fail(60, pp);
        skip = pp;
      }
    }
    return skip;
  }

  private decode(start: number): void {
    const b = this.bytes;
    if (!this.utf) {
      for (let i = start; i < b.length; i++) {
        this.u.push(b[i]);
        this.off.push(i);
      }
    } else {
      // The pattern came from a JavaScript string, so it is valid UTF-8.
      let i = start;
      while (i < b.length) {
        const c = b[i];
        const n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        let cp = n === 1 ? c : c & (0xff >> (n + 1));
        for (let k = 1; k < n; k++) cp = (cp << 6) | (b[i + k] & 0x3f);
        this.u.push(cp);
        this.off.push(i);
        i += n;
      }
    }
    this.off.push(b.length);
    this.end = this.u.length;
  }

  private at(i: number): number {
    return i < this.end ? this.u[i] : -1;
  }

  // read_number(): returns [ok, value, ptr]; throws for errors.
  private readNumber(ptr: number, allowSign: number, maxValue: number, maxError: number): [boolean, number, number] {
    let sign = 0;
    if (allowSign >= 0 && ptr < this.end) {
      if (this.u[ptr] === 0x2b) {
        sign = 1;
        maxValue -= allowSign;
        ptr++;
      } else if (this.u[ptr] === 0x2d) {
        sign = -1;
        ptr++;
      }
    }
    if (ptr >= this.end || !isDigit(this.u[ptr])) return [false, 0, ptr];
    let n = 0;
    while (ptr < this.end && isDigit(this.u[ptr])) {
      n = n * 10 + this.u[ptr++] - 0x30;
      if (n > maxValue) this.fail(maxError, ptr);
    }
    if (allowSign >= 0 && sign !== 0) {
      if (n === 0) this.fail(26, ptr);
      if (sign > 0) n += allowSign;
      else if (n > allowSign) this.fail(15, ptr);
      else n = allowSign + 1 - n;
    }
    return [true, n, ptr];
  }

  // read_repeat_counts(): null when not a quantifier (a literal '{'), else [min, max, ptr after '}'].
  private readRepeatCounts(ptr: number): [number, number, number] | null {
    let hadComma = false;
    for (let p = ptr; ; p++) {
      if (p >= this.end) return null;
      const c = this.u[p];
      if (isDigit(c)) continue;
      if (c === 0x7d) break;
      if (c === 0x2c) {
        if (hadComma) return null;
        hadComma = true;
      } else return null;
    }
    const [okMin, min, p1] = this.readNumber(ptr, -1, MAX_REPEAT_COUNT, 5);
    if (!okMin) return null;
    let p = p1;
    let max = REPEAT_UNLIMITED;
    if (this.u[p] === 0x7d) {
      p++;
      max = min;
    } else {
      p++;
      if (this.u[p] !== 0x7d) {
        const [, mx, p2] = this.readNumber(p, -1, MAX_REPEAT_COUNT, 5);
        max = mx;
        p = p2;
        if (max < min) this.fail(4, p);
      }
      p++;
    }
    return [min, max, p];
  }

  /**
   * check_escape(): ptr is after the backslash. Returns [escape, char, ptr]: escape 0 for a data character,
   * a positive ESC_ code, or minus a back-reference number.
   */
  private checkEscape(ptr: number, isclass: boolean): [number, number, number] {
    if (ptr >= this.end) this.fail(1, ptr);
    const c = this.u[ptr++];
    const e = c < 0x30 || c > 0x7a ? undefined : (ESCAPES.get(c) ?? 0);
    if (e === undefined) return [0, c, ptr];
    if (e > 0) return [0, e, ptr];
    if (e < 0) {
      const escape = -e;
      if (escape === ESC_N && ptr < this.end && this.u[ptr] === 0x7b) {
        const p = ptr + 1;
        if (this.end - p > 1 && this.u[p] === 0x55 && this.u[p + 1] === 0x2b) {
          if (!this.utf) this.fail(93, ptr);
          return this.hexBrace(p + 1);
        }
        let counts: [number, number, number] | null;
        try {
          counts = this.readRepeatCounts(p);
        } catch (err) {
          // check_escape() reports the quantifier reader's error where the escape ends
          if (err instanceof Fail) this.fail(err.code, ptr);
          throw err;
        }
        if (!counts) this.fail(37, ptr);
      }
      return [escape, 0, ptr];
    }
    switch (String.fromCharCode(c)) {
      case "F":
      case "l":
      case "L":
      case "u":
      case "U":
        return this.fail(37, ptr);
      case "g": {
        if (isclass) return [0, c, ptr];
        if (ptr >= this.end) this.fail(57, ptr);
        if (this.u[ptr] === 0x3c || this.u[ptr] === 0x27) return [ESC_g, 0, ptr];
        let s: number;
        if (this.u[ptr] === 0x7b) {
          let read: [boolean, number, number];
          try {
            read = this.readNumber(ptr + 1, this.bracount, MAX_GROUP_NUMBER, 61);
          } catch (err) {
            // the number's error is reported at the brace (check_escape() keeps its pointer there)
            if (err instanceof Fail) this.fail(err.code, ptr);
            throw err;
          }
          const [ok, n, p] = read;
          if (!ok) return [ESC_k, 0, ptr];
          if (p >= this.end || this.u[p] !== 0x7d) this.fail(57, ptr);
          s = n;
          ptr = p + 1;
        } else {
          const [ok, n, p] = this.readNumber(ptr, this.bracount, MAX_GROUP_NUMBER, 61);
          if (!ok) this.fail(57, ptr);
          s = n;
          ptr = p;
        }
        if (s <= 0) this.fail(15, ptr);
        return [-s, 0, ptr];
      }
      case "1":
      case "2":
      case "3":
      case "4":
      case "5":
      case "6":
      case "7":
      case "8":
      case "9":
        if (!isclass) {
          const oldptr = ptr;
          let p = ptr - 1;
          let n = 0;
          let ok = true;
          while (p < this.end && isDigit(this.u[p])) {
            n = n * 10 + this.u[p++] - 0x30;
            if (n > 214748363) {
              ok = false;
              break;
            }
          }
          if (ok && (n < 10 || c >= 0x38 || n <= this.bracount)) {
            if (n > MAX_GROUP_NUMBER) this.fail(61, p);
            return [-n, 0, p];
          }
          ptr = oldptr;
        }
        if (c >= 0x38) return [0, c, ptr];
        return this.octal(c, ptr);
      case "0":
        return this.octal(c, ptr);
      case "o": {
        if (ptr >= this.end || this.u[ptr++] !== 0x7b) this.fail(55, ptr - 1);
        if (ptr >= this.end || this.u[ptr] === 0x7d) this.fail(78, ptr);
        let v = 0;
        let overflow = false;
        while (ptr < this.end && this.u[ptr] >= 0x30 && this.u[ptr] <= 0x37) {
          const cc = this.u[ptr++];
          if (v === 0 && cc === 0x30) continue;
          v = v * 8 + cc - 0x30;
          if (v > (this.utf ? 0x10ffff : 0xff)) {
            overflow = true;
            break;
          }
        }
        if (overflow) {
          while (ptr < this.end && this.u[ptr] >= 0x30 && this.u[ptr] <= 0x37) ptr++;
          this.fail(34, ptr);
        }
        if (ptr < this.end && this.u[ptr++] === 0x7d) {
          if (this.utf && v >= 0xd800 && v <= 0xdfff) this.fail(73, ptr - 1);
          return [0, v, ptr];
        }
        return this.fail(64, ptr - 1);
      }
      case "x": {
        if (ptr < this.end && this.u[ptr] === 0x7b) return this.hexBrace(ptr);
        if (ptr >= this.end || xdigit(this.u[ptr]) < 0) return [0, 0, ptr];
        let v = xdigit(this.u[ptr++]);
        if (ptr >= this.end || xdigit(this.u[ptr]) < 0) return [0, v, ptr];
        v = v * 16 + xdigit(this.u[ptr++]);
        return [0, v, ptr];
      }
      case "c": {
        if (ptr >= this.end) this.fail(2, ptr);
        let v = this.u[ptr];
        if (v >= 0x61 && v <= 0x7a) v -= 32;
        if (v < 32 || v > 126) this.fail(68, ptr);
        return [0, v ^ 0x40, ptr + 1];
      }
      default:
        this.fail(3, ptr - 1);
    }
  }

  /** Up to three octal digits, the first one (c) already read. */
  private octal(c: number, ptr: number): [number, number, number] {
    c -= 0x30;
    let i = 0;
    while (i++ < 2 && ptr < this.end && this.u[ptr] >= 0x30 && this.u[ptr] <= 0x37) c = c * 8 + this.u[ptr++] - 0x30;
    if (!this.utf && c > 0xff) this.fail(51, ptr);
    return [0, c, ptr];
  }

  /** \x{…} (and \N{U+…} in UTF mode); ptr is at the '{'. */
  private hexBrace(ptr: number): [number, number, number] {
    if (++ptr >= this.end || this.u[ptr] === 0x7d) this.fail(78, ptr);
    let v = 0;
    let overflow = false;
    let cc: number;
    while (ptr < this.end && (cc = xdigit(this.u[ptr])) >= 0) {
      ptr++;
      if (v === 0 && cc === 0) continue;
      v = v * 16 + cc;
      if (v > (this.utf ? 0x10ffff : 0xff)) {
        overflow = true;
        break;
      }
    }
    if (overflow) {
      while (ptr < this.end && xdigit(this.u[ptr]) >= 0) ptr++;
      this.fail(34, ptr);
    }
    if (ptr < this.end && this.u[ptr++] === 0x7d) {
      if (this.utf && v >= 0xd800 && v <= 0xdfff) this.fail(73, ptr - 1);
      return [0, v, ptr];
    }
    this.fail(67, ptr - 1);
  }

  /** get_ucp(): ptr after \p or \P; returns ptr after the property. */
  private getUcp(ptr: number): number {
    if (ptr >= this.end) this.fail(46, ptr);
    let c = this.u[ptr++];
    let name = "";
    let colon = -1;
    if (c === 0x7b) {
      if (ptr >= this.end) this.fail(46, ptr);
      if (this.u[ptr] === 0x5e) ptr++;
      let i = 0;
      for (; i < 49; i++) {
        if (ptr >= this.end) this.fail(46, ptr);
        c = this.u[ptr++];
        while (c === 0x5f || c === 0x2d || isSpace(c)) {
          if (ptr >= this.end) this.fail(46, ptr);
          c = this.u[ptr++];
        }
        if (c === 0) this.fail(46, ptr);
        if (c === 0x7d) break;
        const ch = c < 0x80 ? String.fromCharCode(c).toLowerCase() : String.fromCharCode(c & 0xff);
        if ((c === 0x3a || c === 0x3d) && colon < 0) colon = name.length;
        name += ch;
      }
      if (c !== 0x7d) this.fail(46, ptr);
    } else if (c < 256 && isLetter(c)) {
      name = String.fromCharCode(c).toLowerCase();
    } else this.fail(46, ptr);
    scriptNames ??= new Set(SCRIPT_NAMES.split(" "));
    otherPropertyNames ??= new Set(OTHER_PROPERTY_NAMES.split(" "));
    if (colon >= 0) {
      const kind = name.slice(0, colon);
      const value = name.slice(colon + 1);
      if (kind === "bidiclass" || kind === "bc") {
        if (!otherPropertyNames.has("bidi" + value) && !scriptNames.has("bidi" + value)) this.fail(47, ptr);
      } else if (kind === "script" || kind === "sc" || kind === "scriptextensions" || kind === "scx") {
        if (!scriptNames.has(value)) this.fail(47, ptr);
      } else this.fail(47, ptr);
      return ptr;
    }
    if (!scriptNames.has(name) && !otherPropertyNames.has(name)) this.fail(47, ptr);
    return ptr;
  }

  /** check_posix_syntax(): ptr at the ':', '.' or '='; returns the terminator's index or -1. */
  private posixSyntax(ptr: number): number {
    const terminator = this.u[ptr++];
    for (; this.end - ptr >= 2; ptr++) {
      const c = this.u[ptr];
      if (c === 0x5c && (this.u[ptr + 1] === 0x5d || this.u[ptr + 1] === 0x5c)) ptr++;
      else if ((c === 0x5b && this.u[ptr + 1] === terminator) || c === 0x5d) return -1;
      else if (c === terminator && this.u[ptr + 1] === 0x5d) return ptr;
    }
    return -1;
  }

  /**
   * read_name(): ptr at the character before the name ('*' for verbs). Returns [name, nameOffset(index),
   * ptr after the name (after its terminator for a group name)].
   */
  private readName(ptr: number, terminator: number): [string, number, number] {
    const isGroup = this.u[ptr] !== 0x2a;
    if (++ptr >= this.end) this.fail(isGroup ? 62 : 60, ptr);
    const start = ptr;
    if (this.utf && isGroup) {
      const first = String.fromCodePoint(this.u[ptr]);
      if (/\p{Nd}/u.test(first)) this.fail(44, ptr);
      while (ptr < this.end && /[\p{L}\p{Nd}_]/u.test(String.fromCodePoint(this.u[ptr]))) ptr++;
    } else {
      if (isGroup && isDigit(this.u[ptr])) this.fail(44, ptr);
      while (ptr < this.end && this.u[ptr] < 256 && isWordByte(this.u[ptr])) ptr++;
    }
    if (this.off[ptr] - this.off[start] > MAX_NAME_SIZE) this.fail(48, ptr);
    const name = this.bytes.toString("latin1", this.off[start], this.off[ptr]);
    if (isGroup) {
      if (ptr === start) this.fail(62, ptr);
      if (ptr >= this.end || this.u[ptr] !== terminator) this.fail(42, ptr);
      ptr++;
    }
    return [name, start, ptr];
  }

  /** parse_regex(). */
  private parse(): void {
    const u = this.u;
    const end = this.end;
    const items = this.items;
    let ptr = 0;
    let options = 0;
    let nestDepth = 0;
    const nests: NestSave[] = [];
    let inescq = false;
    let inverbname = false;
    let verbnamestart = 0;
    let okquantifier = false;
    let metaQuantifier = false;
    let expectCondAssert = 0;
    const top = (): NestSave | undefined => nests[nests.length - 1];
    const pushNest = (n: Partial<NestSave>): void => {
      nests.push({
        depth: nestDepth,
        reset: false,
        condAssert: false,
        atomicSr: false,
        resetGroup: 0,
        maxGroup: 0,
        options,
        ...n,
      });
    };
    const lit = (c: number): void => {
      items.push({ k: "lit", c });
      okquantifier = true;
    };

    while (ptr < end) {
      if (nestDepth > PARENS_NEST_LIMIT) this.fail(19, ptr);
      const c = u[ptr++];

      if (inescq) {
        if (c === 0x5c && ptr < end && u[ptr] === 0x45) {
          inescq = false;
          ptr++;
        } else {
          if (expectCondAssert > 0) this.fail(28, ptr - 1);
          if (!inverbname) {
            lit(c);
          }
          metaQuantifier = false;
        }
        continue;
      }

      if (inverbname) {
        if (c === 0x29) {
          inverbname = false;
          if (ptr - verbnamestart - 1 > MAX_MARK) this.fail(76, ptr - 1);
        }
        continue;
      }

      if (c === 0x5c && ptr < end && (u[ptr] === 0x51 || u[ptr] === 0x45)) {
        inescq = u[ptr] === 0x51;
        ptr++;
        continue;
      }

      if ((options & OPT_EXTENDED) !== 0) {
        if (c < 256 && isSpace(c)) continue;
        if (c === 0x85 || (c | 1) === 0x200f || (c | 1) === 0x2029) {
          if (this.utf || c === 0x85) continue;
        }
        if (c === 0x23) {
          while (ptr < end) {
            if (u[ptr] === 0x0a) {
              ptr++;
              break;
            }
            ptr++;
          }
          continue;
        }
      }

      if (c === 0x28 && end - ptr >= 2 && u[ptr] === 0x3f && u[ptr + 1] === 0x23) {
        while (++ptr < end && u[ptr] !== 0x29);
        if (ptr >= end) this.fail(18, ptr);
        ptr++;
        continue;
      }

      if (expectCondAssert > 0) {
        let ok = c === 0x28 && end - ptr >= 3 && (u[ptr] === 0x3f || u[ptr] === 0x2a);
        if (ok) {
          if (u[ptr] === 0x2a) ok = isLcLetter(u[ptr + 1]);
          else
            switch (u[ptr + 1]) {
              case 0x43:
                ok = expectCondAssert === 2;
                break;
              case 0x3d:
              case 0x21:
                break;
              case 0x3c:
                ok = u[ptr + 2] === 0x3d || u[ptr + 2] === 0x21;
                break;
              default:
                ok = false;
            }
        }
        if (!ok) this.fail(28, ptr - 1);
      }

      const prevExpectCondAssert = expectCondAssert;
      expectCondAssert = 0;
      const prevOkquantifier = okquantifier;
      const prevMetaQuantifier = metaQuantifier;
      okquantifier = false;
      metaQuantifier = false;

      if (prevMetaQuantifier && (c === 0x3f || c === 0x2b)) continue;

      switch (c) {
        default:
          lit(c);
          break;

        case 0x5c: {
          const [escape, ch, p] = this.checkEscape(ptr, false);
          const escStart = ptr;
          ptr = p;
          if (escape === 0) lit(ch);
          else if (escape < 0) {
            const n = -escape;
            const offset = this.off[ptr - 1];
            items.push({ k: "backref", n, offset: n < 10 ? (this.smallRefOffset[n] ??= offset) : offset });
            okquantifier = true;
          } else {
            switch (escape) {
              case ESC_C:
              case ESC_X:
              case ESC_H:
              case ESC_h:
              case ESC_N:
              case ESC_R:
              case ESC_V:
              case ESC_v:
              case ESC_d:
              case ESC_D:
              case ESC_s:
              case ESC_S:
              case ESC_w:
              case ESC_W:
                okquantifier = true;
                items.push({ k: "esc", e: escape });
                break;
              case ESC_P:
              case ESC_p:
                ptr = this.getUcp(ptr);
                items.push({ k: "esc", e: escape });
                okquantifier = true;
                break;
              case ESC_g:
              case ESC_k: {
                if (ptr >= end || (u[ptr] !== 0x7b && u[ptr] !== 0x3c && u[ptr] !== 0x27))
                  this.fail(escape === ESC_g ? 57 : 69, ptr);
                const terminator = u[ptr] === 0x3c ? 0x3e : u[ptr] === 0x27 ? 0x27 : 0x7d;
                if (escape === ESC_g && terminator !== 0x7d) {
                  const [ok, n, p2] = this.readNumber(ptr + 1, this.bracount, MAX_GROUP_NUMBER, 61);
                  if (ok) {
                    if (p2 >= end || u[p2] !== terminator) this.fail(57, ptr);
                    ptr = p2;
                    items.push({ k: "recurse", n, offset: this.off[ptr] });
                    ptr++;
                    okquantifier = true;
                    break;
                  }
                }
                const [name, noff, p3] = this.readName(ptr, terminator);
                ptr = p3;
                items.push({
                  k: escape === ESC_k || terminator === 0x7d ? "backrefName" : "recurseName",
                  name,
                  offset: this.off[noff],
                });
                okquantifier = true;
                break;
              }
              default:
                items.push({ k: "esc", e: escape });
            }
          }
          void escStart;
          break;
        }

        case 0x5e:
          items.push({ k: "circ" });
          break;
        case 0x24:
          items.push({ k: "dollar" });
          break;
        case 0x2e:
          items.push({ k: "dot" });
          okquantifier = true;
          break;

        case 0x2a:
        case 0x2b:
        case 0x3f:
        case 0x7b: {
          let min: number, max: number;
          if (c === 0x7b) {
            const r = this.readRepeatCounts(ptr);
            if (!r) {
              lit(c);
              break;
            }
            [min, max, ptr] = r;
          } else {
            min = c === 0x2b ? 1 : 0;
            max = c === 0x3f ? 1 : REPEAT_UNLIMITED;
          }
          if (!prevOkquantifier) this.fail(9, ptr - 1);
          const last = items[items.length - 1];
          if (last?.k === "verb" && last.v === "accept") {
            // a quantified (*ACCEPT) is wrapped in a non-capturing group
            items.splice(items.length - 1, 0, { k: "open", g: "nocap" });
            items.push({ k: "ket" });
          }
          metaQuantifier = true;
          items.push({ k: "quant", min, max });
          break;
        }

        case 0x5b:
          ptr = this.parseClass(ptr, c, options);
          if (!this.classWasWord) items.push({ k: "class" });
          okquantifier = true;
          break;

        case 0x28: {
          if (ptr >= end) this.fail(14, ptr);
          if (u[ptr] !== 0x3f) {
            if (u[ptr] !== 0x2a) {
              nestDepth++;
              if ((options & OPT_NO_AUTO_CAPTURE) === 0) {
                if (this.bracount >= MAX_GROUP_NUMBER) this.fail(97, ptr);
                this.bracount++;
                items.push({ k: "open", g: "capture", n: this.bracount });
              } else items.push({ k: "open", g: "nocap" });
              break;
            }
            if (end - ptr <= 1 || u[ptr + 1] === 0x29) break;
            if (isLcLetter(u[ptr + 1])) {
              const [name, , p] = this.readName(ptr, 0);
              ptr = p;
              if (ptr >= end || u[ptr] !== 0x3a) this.fail(95, ptr);
              const kind = ALPHA_ASSERTIONS[name];
              if (!kind) this.fail(95, ptr);
              const isAtomicLook = kind === "la" || kind === "lan" || kind === "lb" || kind === "lbn";
              if (prevExpectCondAssert > 0 && !isAtomicLook)
                this.fail(kind === "la_na" || kind === "lb_na" ? 98 : 28, ptr);
              if (kind === "atomic") {
                items.push({ k: "open", g: "atomic" });
                nestDepth++;
                ptr++;
              } else if (kind === "la" || kind === "lan" || kind === "la_na") {
                items.push({ k: "open", g: kind });
                ptr++;
                nestDepth++;
                if (prevExpectCondAssert > 0) pushNest({ condAssert: true });
              } else if (kind === "lb" || kind === "lbn" || kind === "lb_na") {
                ptr--;
                this.hasLookbehind = true;
                items.push({ k: "open", g: kind, offset: this.off[ptr - 2] });
                ptr += 2;
                nestDepth++;
                if (prevExpectCondAssert > 0) pushNest({ condAssert: true });
              } else {
                items.push({ k: "open", g: "sr" });
                nestDepth++;
                ptr++;
                if (kind === "asr") {
                  items.push({ k: "open", g: "atomic" });
                  pushNest({ atomicSr: true });
                }
              }
              break;
            }
            // (*VERB) and (*VERB:NAME)
            const [name, , p] = this.readName(ptr, 0);
            ptr = p;
            if (ptr >= end || (u[ptr] !== 0x3a && u[ptr] !== 0x29)) this.fail(60, ptr);
            const verb = Object.prototype.hasOwnProperty.call(VERBS, name) ? VERBS[name] : undefined;
            if (!verb) this.fail(60, ptr);
            if (u[ptr] === 0x3a && ptr + 1 < end && u[ptr + 1] === 0x29) ptr++;
            if (verb.hasArg > 0 && u[ptr] !== 0x3a) this.fail(66, ptr);
            okquantifier = verb.meta === "accept";
            items.push({ k: "verb", v: verb.meta });
            if (u[ptr++] === 0x3a) {
              verbnamestart = ptr;
              inverbname = true;
            }
            break;
          }

          if (++ptr >= end) this.fail(14, ptr);
          const d = u[ptr];
          if (d === 0x50) {
            // (?P
            if (++ptr >= end) this.fail(14, ptr);
            if (u[ptr] === 0x3c) {
              ptr = this.defineName(ptr, 0x3e, options, items);
              nestDepth++;
              break;
            }
            if (u[ptr] === 0x3e) {
              const [name, noff, p] = this.readName(ptr, 0x29);
              ptr = p;
              items.push({ k: "recurseName", name, offset: this.off[noff] });
              okquantifier = true;
              break;
            }
            if (u[ptr] !== 0x3d) this.fail(41, ptr);
            const [name, noff, p] = this.readName(ptr, 0x29);
            ptr = p;
            items.push({ k: "backrefName", name, offset: this.off[noff] });
            okquantifier = true;
            break;
          }
          if (d === 0x52) {
            ptr++;
            if (ptr >= end || u[ptr] !== 0x29) this.fail(58, ptr);
            items.push({ k: "recurse", n: 0, offset: this.off[ptr] });
            ptr++;
            okquantifier = true;
            break;
          }
          if (d === 0x2b || isDigit(d) || (d === 0x2d && end - ptr > 1 && isDigit(u[ptr + 1]))) {
            if (d === 0x2b && (end - ptr < 2 || !isDigit(u[ptr + 1]))) this.fail(29, ptr);
            const [ok, n, p] = this.readNumber(ptr, isDigit(d) ? -1 : this.bracount, MAX_GROUP_NUMBER, 61);
            ptr = p;
            if (!ok) this.fail(29, ptr);
            if (n < 0) this.fail(15, ptr - 1);
            if (ptr >= end || u[ptr] !== 0x29) this.fail(14, ptr);
            items.push({ k: "recurse", n, offset: this.off[ptr] });
            ptr++;
            okquantifier = true;
            break;
          }
          if (d === 0x26) {
            const [name, noff, p] = this.readName(ptr, 0x29);
            ptr = p;
            items.push({ k: "recurseName", name, offset: this.off[noff] });
            okquantifier = true;
            break;
          }
          if (d === 0x43) {
            // (?C callout
            if (++ptr >= end) this.fail(14, ptr);
            expectCondAssert = prevExpectCondAssert - 1;
            let calloutOffset: number | undefined;
            if (u[ptr] !== 0x29 && !isDigit(u[ptr])) {
              const startptr = ptr;
              calloutOffset = this.off[ptr];
              const delims = "`'\"^%#$";
              let delimiter = -1;
              if (u[ptr] === 0x7b) delimiter = 0x7d;
              else if (delims.includes(String.fromCharCode(u[ptr]))) delimiter = u[ptr];
              if (delimiter < 0) this.fail(82, ptr);
              for (;;) {
                if (++ptr >= end) this.fail(81, startptr);
                if (u[ptr] === delimiter && (++ptr >= end || u[ptr] !== delimiter)) break;
              }
            } else {
              let n = 0;
              while (ptr < end && isDigit(u[ptr])) {
                n = n * 10 + u[ptr++] - 0x30;
                if (n > 255) this.fail(38, ptr);
              }
            }
            if (ptr >= end || u[ptr] !== 0x29) this.fail(39, ptr);
            ptr++;
            items.push({ k: "callout", offset: calloutOffset });
            break;
          }
          if (d === 0x28) {
            // conditional group
            if (++ptr >= end) this.fail(14, ptr);
            nestDepth++;
            if (u[ptr] === 0x3f || u[ptr] === 0x2a) {
              items.push({ k: "open", g: "condAssert" });
              ptr--;
              expectCondAssert = 2;
              break;
            }
            const [ok, n, p] = this.readNumber(ptr, this.bracount, MAX_GROUP_NUMBER, 61);
            if (ok) {
              ptr = p;
              if (n <= 0) this.fail(15, ptr);
              items.push({ k: "open", g: "condNumber", n, offset: this.off[ptr] - 2 });
            } else if (
              end - ptr >= 10 &&
              this.bytes.toString("latin1", this.off[ptr], this.off[ptr + 7]) === "VERSION" &&
              u[ptr + 7] !== 0x29
            ) {
              ptr += 7;
              if (u[ptr] === 0x3e) ptr++;
              if (u[ptr] !== 0x3d) this.fail(79, ptr);
              ptr++;
              if (!isDigit(this.at(ptr))) this.fail(79, ptr);
              const [, , p2] = this.readNumber(ptr, -1, 1000, 79);
              ptr = p2;
              if (ptr >= end) this.fail(79, ptr);
              if (u[ptr] === 0x2e) {
                if (++ptr >= end || !isDigit(u[ptr])) this.fail(79, ptr);
                ptr++;
                if (ptr >= end) this.fail(79, ptr);
                if (isDigit(u[ptr])) ptr++;
                if (ptr >= end || u[ptr] !== 0x29) this.fail(79, ptr);
              }
              items.push({ k: "open", g: "condVersion" });
            } else {
              let terminator: number;
              let rAmp = false;
              if (u[ptr] === 0x52 && end - ptr > 1 && u[ptr + 1] === 0x26) {
                terminator = 0x29;
                rAmp = true;
                ptr++;
              } else if (u[ptr] === 0x3c) terminator = 0x3e;
              else if (u[ptr] === 0x27) terminator = 0x27;
              else {
                terminator = 0x29;
                ptr--;
              }
              const [name, noff, p2] = this.readName(ptr, terminator);
              ptr = p2;
              let g = "condName";
              if (rAmp) {
                g = "condRName";
                ptr--;
              } else if (terminator === 0x29) {
                if (name === "DEFINE") g = "condDefine";
                else if (name[0] === "R" && /^R\d*$/.test(name)) g = "condRNumber";
                ptr--;
              }
              items.push({ k: "open", g, name, offset: this.off[noff] });
            }
            if (ptr >= end || u[ptr] !== 0x29) this.fail(24, ptr);
            ptr++;
            break;
          }
          if (d === 0x3e) {
            items.push({ k: "open", g: "atomic" });
            nestDepth++;
            ptr++;
            break;
          }
          if (d === 0x3d || d === 0x2a || d === 0x21) {
            items.push({ k: "open", g: d === 0x3d ? "la" : d === 0x21 ? "lan" : "la_na" });
            ptr++;
            nestDepth++;
            if (prevExpectCondAssert > 0) pushNest({ condAssert: true });
            break;
          }
          if (d === 0x3c) {
            if (end - ptr <= 1 || (u[ptr + 1] !== 0x3d && u[ptr + 1] !== 0x21 && u[ptr + 1] !== 0x2a)) {
              ptr = this.defineName(ptr, 0x3e, options, items);
              nestDepth++;
              break;
            }
            const g = u[ptr + 1] === 0x3d ? "lb" : u[ptr + 1] === 0x21 ? "lbn" : "lb_na";
            this.hasLookbehind = true;
            items.push({ k: "open", g, offset: this.off[ptr - 2] });
            ptr += 2;
            nestDepth++;
            if (prevExpectCondAssert > 0) pushNest({ condAssert: true });
            break;
          }
          if (d === 0x27) {
            ptr = this.defineName(ptr, 0x27, options, items);
            nestDepth++;
            break;
          }
          // (?| or an option setting
          nestDepth++;
          pushNest({});
          const nest = top()!;
          if (d === 0x7c) {
            this.dupCapUsed = true;
            nest.reset = true;
            nest.resetGroup = this.bracount;
            nest.maxGroup = this.bracount;
            items.push({ k: "open", g: "nocap" });
            ptr++;
            break;
          }
          let hyphenok = true;
          let set = 0,
            unset = 0;
          let toUnset = false;
          if (ptr < end && u[ptr] === 0x5e) {
            options &= ~(OPT_EXTENDED | OPT_EXTENDED_MORE | OPT_NO_AUTO_CAPTURE);
            hyphenok = false;
            ptr++;
          }
          while (ptr < end && u[ptr] !== 0x29 && u[ptr] !== 0x3a) {
            const o = u[ptr++];
            let bit = 0;
            switch (o) {
              case 0x2d:
                if (!hyphenok) this.fail(94, ptr - 1);
                toUnset = true;
                hyphenok = false;
                continue;
              case 0x4a:
                bit = OPT_DUPNAMES;
                break;
              case 0x69:
              case 0x6d:
              case 0x73:
              case 0x55:
                bit = OPT_OTHER;
                break;
              case 0x6e:
                bit = OPT_NO_AUTO_CAPTURE;
                break;
              case 0x78:
                bit = OPT_EXTENDED;
                if (ptr < end && u[ptr] === 0x78) {
                  bit |= OPT_EXTENDED_MORE;
                  ptr++;
                }
                break;
              default:
                this.fail(11, ptr - 1);
            }
            if (toUnset) unset |= bit;
            else set |= bit;
          }
          if ((set & (OPT_EXTENDED | OPT_EXTENDED_MORE)) === OPT_EXTENDED || (unset & OPT_EXTENDED) !== 0)
            unset |= OPT_EXTENDED_MORE;
          options = (options | set) & ~unset & ~OPT_OTHER;
          if (ptr >= end) this.fail(14, ptr);
          if (u[ptr++] === 0x29) {
            nestDepth--;
            nests.pop();
            const prev = top();
            if (prev && prev.depth === nestDepth) {
              // the previous level's nest block carries on
            } else pushNest({ options: nest.options });
            items.push({ k: "options" });
          } else items.push({ k: "open", g: "nocap" });
          break;
        }

        case 0x7c: {
          const t = top();
          if (t && t.depth === nestDepth && t.reset) {
            if (this.bracount > t.maxGroup) t.maxGroup = this.bracount;
            this.bracount = t.resetGroup;
          }
          items.push({ k: "alt" });
          break;
        }

        case 0x29: {
          okquantifier = true;
          const t = top();
          if (t && t.depth === nestDepth) {
            options = t.options;
            if (t.reset && t.maxGroup > this.bracount) this.bracount = t.maxGroup;
            if (t.condAssert) okquantifier = false;
            if (t.atomicSr) items.push({ k: "ket" });
            nests.pop();
          }
          if (nestDepth === 0) this.fail(22, ptr - 1);
          nestDepth--;
          items.push({ k: "ket" });
          break;
        }
      }
    }
    if (inverbname) this.fail(60, ptr);
    if (nestDepth !== 0) this.fail(14, ptr);
  }

  /** The DEFINE_NAME part of parse_regex(): ptr at the character before the name. */
  private defineName(ptr: number, terminator: number, options: number, items: Item[]): number {
    const [name, , p] = this.readName(ptr, terminator);
    ptr = p;
    if (this.bracount >= MAX_GROUP_NUMBER) this.fail(97, ptr);
    this.bracount++;
    items.push({ k: "open", g: "capture", n: this.bracount, name });
    if (this.named.length >= MAX_NAME_COUNT) this.fail(49, ptr);
    let isdup = false;
    let i = 0;
    for (; i < this.named.length; i++) {
      const ng = this.named[i];
      if (ng.name === name) {
        if (ng.number === this.bracount) break;
        if ((options & OPT_DUPNAMES) === 0) this.fail(43, ptr);
        isdup = ng.isdup = true;
      } else if (ng.number === this.bracount) this.fail(65, ptr);
    }
    if (i < this.named.length) return ptr;
    this.named.push({ name, number: this.bracount, isdup });
    return ptr;
  }

  /** The character class part of parse_regex(): ptr after '['. Returns ptr after ']'. */
  private parseClass(ptr: number, c: number, options: number): number {
    this.classWasWord = false;
    const u = this.u;
    const end = this.end;
    if (
      end - ptr >= 6 &&
      (this.bytes.toString("latin1", this.off[ptr], this.off[ptr + 6]) === "[:<:]]" ||
        this.bytes.toString("latin1", this.off[ptr], this.off[ptr + 6]) === "[:>:]]")
    ) {
      // [[:<:]] and [[:>:]] are \b(?=\w) and \b(?<=\w)
      const behind = u[ptr + 2] === 0x3e;
      if (behind) this.hasLookbehind = true;
      this.items.push({ k: "esc", e: ESC_b }, { k: "open", g: behind ? "lb" : "la", offset: 0 });
      this.items.push({ k: "esc", e: ESC_w }, { k: "ket" });
      this.classWasWord = true;
      return ptr + 6;
    }
    if (ptr < end && (u[ptr] === 0x3a || u[ptr] === 0x2e || u[ptr] === 0x3d) && this.posixSyntax(ptr) >= 0)
      this.fail(u[ptr] === 0x3a ? 12 : 13, ptr - 1);
    let negate = false;
    while (ptr < end) {
      c = u[ptr++];
      if (c === 0x5c) {
        if (ptr < end && u[ptr] === 0x45) ptr++;
        else if (end - ptr >= 3 && u[ptr] === 0x51 && u[ptr + 1] === 0x5c && u[ptr + 2] === 0x45) ptr += 3;
        else break;
      } else if ((options & OPT_EXTENDED_MORE) !== 0 && (c === 0x20 || c === 0x09)) continue;
      else if (!negate && c === 0x5e) negate = true;
      else break;
    }
    const NO = 0,
      STARTED = 1,
      OK_ESCAPED = 2,
      OK_LITERAL = 3;
    let state = NO;
    let last = -1;
    let inescq = false;
    for (;;) {
      let classLiteral = false;
      let continueOnly = false;
      if (inescq) {
        if (c === 0x5c && ptr < end && u[ptr] === 0x45) {
          inescq = false;
          ptr++;
          continueOnly = true;
        } else classLiteral = true;
      } else if ((options & OPT_EXTENDED_MORE) !== 0 && (c === 0x20 || c === 0x09)) continueOnly = true;
      if (!continueOnly && !classLiteral) {
        let term: number;
        if (
          c === 0x5b &&
          end - ptr >= 3 &&
          (u[ptr] === 0x3a || u[ptr] === 0x2e || u[ptr] === 0x3d) &&
          (term = this.posixSyntax(ptr)) >= 0
        ) {
          if (state === STARTED) this.fail(50, ptr);
          if (u[ptr] !== 0x3a) this.fail(13, ptr - 1);
          if (u[++ptr] === 0x5e) ptr++;
          const name = this.bytes.toString("latin1", this.off[ptr], this.off[term]);
          if (!POSIX_NAMES.has(name)) this.fail(30, ptr);
          ptr = term + 2;
          if (ptr < end - 1 && u[ptr] === 0x2d && u[ptr + 1] !== 0x5d) this.fail(50, ptr);
          state = NO;
        } else if (c === 0x2d && state >= OK_ESCAPED) {
          state = STARTED;
        } else if (c !== 0x5c) {
          classLiteral = true;
        } else {
          const [escape, ch, p] = this.checkEscape(ptr, true);
          ptr = p;
          if (escape === 0 || escape === ESC_b) {
            c = escape === ESC_b ? 8 : ch;
            classLiteral = true;
          } else if (escape === ESC_Q) {
            inescq = true;
          } else if (escape === ESC_E) {
            // an orphan \E is ignored
          } else if (escape === ESC_B || escape === ESC_R || escape === ESC_X) this.fail(7, ptr - 1);
          else {
            if (state === STARTED) this.fail(50, ptr);
            state = NO;
            if (escape === ESC_N) this.fail(71, ptr);
            if (escape === ESC_P || escape === ESC_p) ptr = this.getUcp(ptr);
            else if (
              escape !== ESC_H &&
              escape !== ESC_h &&
              escape !== ESC_V &&
              escape !== ESC_v &&
              escape !== ESC_d &&
              escape !== ESC_D &&
              escape !== ESC_s &&
              escape !== ESC_S &&
              escape !== ESC_w &&
              escape !== ESC_W
            )
              this.fail(7, ptr - 1);
            if (ptr < end - 1 && u[ptr] === 0x2d && u[ptr + 1] !== 0x5d) this.fail(50, ptr);
          }
        }
      }
      if (classLiteral) {
        if (state === STARTED) {
          if (last > c) this.fail(8, ptr - 1);
          state = NO;
        } else {
          state = OK_LITERAL;
          last = c;
        }
      }
      if (ptr >= end) this.fail(6, ptr);
      c = u[ptr++];
      if (c === 0x5d && !inescq) break;
    }
    return ptr;
  }

  /** Index of the ket that closes the group opened at items[i] (parsed_skip). */
  private closing(i: number): number {
    let depth = 0;
    for (let j = i + 1; j < this.items.length; j++) {
      const it = this.items[j];
      if (it.k === "open") depth++;
      else if (it.k === "ket") {
        if (depth === 0) return j;
        depth--;
      }
    }
    return this.items.length;
  }

  // check_lookbehinds() / set_lookbehind_lengths() / get_branchlength() / get_grouplength().
  private loopCount = 0;
  private groupLength = new Map<number, number>();
  private dupCapUsed = false;
  private lbError: { code: number; offset: number | undefined } | null = null;

  private checkLookbehinds(): void {
    this.scanLookbehinds(0, []);
  }

  /** Scans items from i, setting lookbehind lengths; stops at an unpaired ket (returns its index). */
  private scanLookbehinds(i: number, recurses: number[]): number {
    let nest = 0;
    for (; i < this.items.length; i++) {
      const it = this.items[i];
      if (it.k === "ket") {
        if (--nest < 0) return i;
      } else if (it.k === "open") {
        if (it.g === "lb" || it.g === "lbn" || it.g === "lb_na") i = this.setLookbehindLengths(i, recurses);
        else nest++;
      }
    }
    return i;
  }

  private lbFail(code: number, offset?: number): never {
    throw new Fail(code, offset ?? -1);
  }

  private setLookbehindLengths(i: number, recurses: number[]): number {
    const open = this.items[i] as { offset?: number };
    let p = i + 1;
    try {
      for (;;) {
        const [len, next] = this.branchLength(p, recurses);
        void len;
        p = next;
        if (this.items[p]?.k !== "alt") break;
        p++;
      }
    } catch (e) {
      if (e instanceof Fail && e.at === -1) throw new Fail(e.code, open.offset ?? 0);
      throw e;
    }
    return p;
  }

  /** get_branchlength(): [length, index of the alt/ket that ends the branch]. Throws Fail (at -1: unset). */
  private branchLength(p: number, recurses: number[]): [number, number] {
    if (this.loopCount++ > 2000) this.lbFail(35);
    let length = 0;
    let lastItem = 0;
    for (; ; p++) {
      const it = this.items[p];
      let itemLength = 0;
      if (!it || it.k === "ket" || it.k === "alt") return [length, p];
      switch (it.k) {
        case "lit":
        case "dot":
        case "class":
          itemLength = 1;
          break;
        case "verb":
          if (it.v === "accept" || it.v === "fail") {
            // skip to the end of the branch
            let d = 0;
            for (p++; p < this.items.length; p++) {
              const x = this.items[p];
              if (x.k === "open") d++;
              else if (x.k === "ket") {
                if (d === 0) break;
                d--;
              } else if (x.k === "alt" && d === 0) break;
            }
            return [length, p];
          }
          break;
        case "circ":
        case "dollar":
        case "options":
        case "callout":
          break;
        case "esc":
          if (it.e === ESC_R || it.e === ESC_X) this.lbFail(25);
          if (this.utf && it.e === ESC_C) this.lbFail(36);
          if (it.e > ESC_b && it.e < ESC_Z) itemLength = 1;
          break;
        case "backrefName":
        case "recurseName": {
          const ng = this.named.find((g) => g.name === it.name);
          if (!ng) throw new Fail(15, it.offset);
          if (it.k === "recurseName" || (!ng.isdup && !this.dupCapUsed)) {
            itemLength = this.refLength(ng.number, p, it.offset, recurses);
          } else this.lbFail(25);
          break;
        }
        case "backref":
          if (this.dupCapUsed) this.lbFail(25);
          itemLength = this.refLength(it.n, p, it.offset, recurses);
          break;
        case "recurse":
          itemLength = this.refLength(it.n, p, it.offset, recurses);
          break;
        case "quant": {
          if (it.min === it.max) {
            if (it.min === 0) length -= lastItem;
            else if (it.min === 1) itemLength = 0;
            else itemLength = (it.min - 1) * lastItem;
            break;
          }
          this.lbFail(25);
          break;
        }
        case "open": {
          if (it.g === "la" || it.g === "lan" || it.g === "la_na") {
            p = this.scanLookbehinds(p + 1, recurses);
            if (this.items[p + 1]?.k === "quant") p++;
            break;
          }
          if (it.g === "lb" || it.g === "lbn" || it.g === "lb_na") {
            p = this.setLookbehindLengths(p, recurses);
            break;
          }
          if (it.g === "condDefine") {
            p = this.closing(p);
            break;
          }
          const [gl, q] = this.groupLengthAt(p, it.g === "capture" ? (it.n ?? 0) : 0, recurses);
          itemLength = gl;
          p = q;
          break;
        }
      }
      length += itemLength;
      if (length > LOOKBEHIND_MAX) this.lbFail(87);
      lastItem = itemLength;
    }
  }

  /** get_grouplength() for an inline group opened at items[p]: [length, index of its ket]. */
  private groupLengthAt(p: number, group: number, recurses: number[]): [number, number] {
    let length = -1;
    let q = p + 1;
    for (;;) {
      const [bl, next] = this.branchLength(q, recurses);
      if (length === -1) length = bl;
      else if (length !== bl) this.lbFail(25);
      q = next;
      if (this.items[q]?.k !== "alt") break;
      q++;
    }
    if (group > 0 && !this.dupCapUsed) this.groupLength.set(group, length);
    return [length, q];
  }

  /** Length of a referenced group (back reference or subroutine call) inside a lookbehind. */
  private refLength(group: number, at: number, offset: number, recurses: number[]): number {
    if (group > this.bracount) throw new Fail(15, offset);
    if (group === 0) this.lbFail(25);
    const cached = this.dupCapUsed ? undefined : this.groupLength.get(group);
    if (cached !== undefined) return cached;
    const g = this.items.findIndex((x) => x.k === "open" && x.g === "capture" && x.n === group);
    const gend = this.closing(g);
    if (at > g && at < gend) this.lbFail(25);
    if (recurses.includes(g)) this.lbFail(25);
    return this.groupLengthAt(g, group, [...recurses, g])[0];
  }

  /** compile_branch()'s length pass: references to missing groups, \K inside lookarounds. */
  private compilePass(): void {
    const patlen = this.bytes.length;
    let assertDepth = 0;
    const stack: boolean[] = [];
    for (const it of this.items) {
      switch (it.k) {
        case "open": {
          const isAssert = it.g.startsWith("la") || it.g.startsWith("lb");
          stack.push(isAssert);
          if (isAssert) assertDepth++;
          if (it.g === "condNumber" && (it.n ?? 0) > this.bracount) throw new Fail(15, (it.offset ?? 0) + 0);
          if (it.g === "condName" || it.g === "condRName" || it.g === "condRNumber") {
            if (!this.named.some((g) => g.name === it.name)) {
              if (it.g !== "condRNumber") throw new Fail(15, it.offset ?? 0);
              const digits = (it.name ?? "").slice(1);
              let n = 0;
              for (let i = 0; i < digits.length; i++) {
                n = n * 10 + digits.charCodeAt(i) - 0x30;
                if (n > MAX_GROUP_NUMBER) throw new Fail(61, (it.offset ?? 0) + i + 1);
              }
              if (n > this.bracount) throw new Fail(15, it.offset ?? 0);
            }
          }
          break;
        }
        case "ket":
          if (stack.pop()) assertDepth--;
          break;
        case "backref":
        case "recurse":
          if (it.n > this.bracount) throw new Fail(15, it.offset);
          break;
        case "backrefName":
        case "recurseName":
          if (!this.named.some((g) => g.name === it.name)) throw new Fail(15, it.offset);
          break;
        case "esc":
          if (it.e === ESC_K && assertDepth > 0) throw new Fail(99, patlen);
          break;
      }
    }
  }

  /**
   * compile_branch()'s second pass: a conditional group has at most two branches, DEFINE one. The error's
   * offset is the last pattern offset compile_branch() read in the branch that holds the group (0 if none).
   */
  private branchCountPass(): void {
    const stack: { g: string; offset: number; alts: number; last: number }[] = [{ g: "", offset: 0, alts: 0, last: 0 }];
    for (const it of this.items) {
      const frame = stack[stack.length - 1];
      switch (it.k) {
        case "open": {
          if (it.offset !== undefined && it.g.startsWith("cond"))
            frame.last = it.g === "condNumber" ? it.offset - 2 : it.offset;
          stack.push({ g: it.g, offset: frame.last, alts: 0, last: 0 });
          break;
        }
        case "alt":
          frame.alts++;
          frame.last = 0;
          break;
        case "ket": {
          if (stack.length === 1) break;
          stack.pop();
          if (frame.g === "condDefine" && frame.alts > 0) throw new Fail(54, frame.offset);
          if (frame.g.startsWith("cond") && frame.g !== "condDefine" && frame.alts > 1)
            throw new Fail(27, frame.offset);
          break;
        }
        case "backref":
        case "recurse":
        case "backrefName":
        case "recurseName":
          frame.last = it.offset;
          break;
        case "callout":
          if (it.offset !== undefined) frame.last = it.offset;
          break;
      }
    }
  }
}
