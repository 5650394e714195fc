// What a PCRE pattern can match, as a tree of byte sets: the characters a capture may hold (rules ssrf and
// http-splitting) and the strings a `$http_origin` check lets through (rule origins). Only patterns PCRE2
// compiles reach it (pcre2.ts checks them first); anything whose meaning depends on more than the characters
// matched — lookarounds, back-references, recursion, conditionals, verbs — is reported as `opaque` and its
// users make no claim about it.
//
// nginx compiles without PCRE2_UTF (unless the pattern asks): a pattern matches bytes, so sets are of bytes.

/** A set of bytes (0–255). */
export class ByteSet {
  private readonly w: Uint32Array;

  constructor(words?: Uint32Array) {
    this.w = words ?? new Uint32Array(8);
  }

  static of(...codes: number[]): ByteSet {
    const s = new ByteSet();
    for (const c of codes) s.add(c);
    return s;
  }

  static range(lo: number, hi: number): ByteSet {
    const s = new ByteSet();
    for (let c = lo; c <= hi; c++) s.add(c);
    return s;
  }

  static all(): ByteSet {
    return new ByteSet(new Uint32Array(8).fill(0xffffffff));
  }

  /** Bytes written as a string of characters (each below 256). */
  static chars(text: string): ByteSet {
    const s = new ByteSet();
    for (let i = 0; i < text.length; i++) s.add(text.charCodeAt(i) & 0xff);
    return s;
  }

  add(c: number): this {
    this.w[c >>> 5] |= 1 << (c & 31);
    return this;
  }

  has(c: number): boolean {
    return (this.w[c >>> 5] & (1 << (c & 31))) !== 0;
  }

  union(o: ByteSet): ByteSet {
    const r = new Uint32Array(8);
    for (let i = 0; i < 8; i++) r[i] = this.w[i] | o.w[i];
    return new ByteSet(r);
  }

  intersect(o: ByteSet): ByteSet {
    const r = new Uint32Array(8);
    for (let i = 0; i < 8; i++) r[i] = this.w[i] & o.w[i];
    return new ByteSet(r);
  }

  minus(o: ByteSet): ByteSet {
    const r = new Uint32Array(8);
    for (let i = 0; i < 8; i++) r[i] = this.w[i] & ~o.w[i];
    return new ByteSet(r);
  }

  complement(): ByteSet {
    const r = new Uint32Array(8);
    for (let i = 0; i < 8; i++) r[i] = ~this.w[i];
    return new ByteSet(r);
  }

  isEmpty(): boolean {
    for (let i = 0; i < 8; i++) if (this.w[i] !== 0) return false;
    return true;
  }

  /** Whether every byte of `o` is in this set. */
  covers(o: ByteSet): boolean {
    for (let i = 0; i < 8; i++) if ((o.w[i] & ~this.w[i]) !== 0) return false;
    return true;
  }

  /** The bytes in the set, ascending. */
  codes(): number[] {
    const out: number[] = [];
    for (let c = 0; c < 256; c++) if (this.has(c)) out.push(c);
    return out;
  }
}

export const CR = 13;
export const LF = 10;

const DIGITS = ByteSet.range(0x30, 0x39);
const WORD = DIGITS.union(ByteSet.range(0x41, 0x5a)).union(ByteSet.range(0x61, 0x7a)).add(0x5f);
// PCRE2's \s: space, \t \n \v \f \r (since 8.34 \v is in \s).
const SPACE = ByteSet.of(0x20, 9, 10, 11, 12, 13);
const HSPACE = ByteSet.of(0x20, 9, 0xa0);
const VSPACE = ByteSet.of(10, 11, 12, 13, 0x85);

export type RegexNode =
  /** One byte from the set. */
  | { t: "set"; set: ByteSet }
  | { t: "seq"; items: RegexNode[] }
  | { t: "alt"; items: RegexNode[] }
  /** A group; `index` for a capturing one (1-based), with its name if it has one. */
  | { t: "group"; index: number | null; name: string | null; body: RegexNode }
  | { t: "rep"; body: RegexNode; min: number; max: number }
  /** `^` (start of subject), `$` (end, or before a final newline), `b`/`B` word boundaries. */
  | { t: "assert"; kind: "^" | "$" | "b" | "B" };

export interface RegexShape {
  root: RegexNode;
  /** Capturing groups by number (1-based; index 0 unused). */
  groups: (RegexNode & { t: "group" })[];
  /** Named groups by name. */
  named: Map<string, number>;
  /** Something the shape cannot say (lookaround, back-reference, recursion, conditional, verb). */
  opaque: boolean;
}

const META_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, f: 12, e: 27, a: 7 };

/**
 * The shape of `pattern` (as nginx hands it to PCRE2: `caseless` for `~*`), or null when it cannot be read
 * (a pattern PCRE2 refuses, which rule `regex` reports).
 */
export function regexShape(pattern: string, caseless: boolean): RegexShape | null {
  const p = new Parser(pattern, caseless);
  try {
    const root = p.alternation();
    if (p.i < pattern.length) return null;
    return { root, groups: p.groups, named: p.named, opaque: p.opaque };
  } catch {
    return null;
  }
}

class Parser {
  i = 0;
  groups: (RegexNode & { t: "group" })[] = [];
  private count = 0;
  named = new Map<string, number>();
  opaque = false;
  private dotall = false;
  private extended = false;

  constructor(
    private readonly s: string,
    private caseless: boolean,
  ) {
    // (*VERB) prefixes (UTF, UCP, CR, LF, …) change nothing here but must be skipped.
    while (this.s.startsWith("(*", this.i)) {
      const end = this.s.indexOf(")", this.i);
      if (end < 0) break;
      this.i = end + 1;
    }
  }

  alternation(): RegexNode {
    const saved = { caseless: this.caseless, dotall: this.dotall, extended: this.extended };
    const items: RegexNode[] = [this.sequence()];
    while (this.s[this.i] === "|") {
      this.i++;
      items.push(this.sequence());
    }
    Object.assign(this, saved);
    return items.length === 1 ? items[0] : { t: "alt", items };
  }

  private sequence(): RegexNode {
    const items: RegexNode[] = [];
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === "|" || c === ")") break;
      if (this.extended && /\s/.test(c)) {
        this.i++;
        continue;
      }
      if (this.extended && c === "#") {
        while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
        continue;
      }
      const atom = this.atom();
      if (atom === null) continue;
      items.push(this.quantified(atom));
    }
    return items.length === 1 ? items[0] : { t: "seq", items };
  }

  private quantified(atom: RegexNode): RegexNode {
    let node = atom;
    for (;;) {
      const c = this.s[this.i];
      let min: number, max: number;
      if (c === "*") [min, max] = [0, Infinity];
      else if (c === "+") [min, max] = [1, Infinity];
      else if (c === "?") [min, max] = [0, 1];
      else if (c === "{") {
        const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(this.s.slice(this.i));
        if (!m || (m[1] === "" && (m[2] === undefined || m[3] === ""))) return node;
        min = m[1] === "" ? 0 : Number(m[1]);
        max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
        this.i += m[0].length - 1;
      } else return node;
      this.i++;
      // Lazy and possessive suffixes change which match is found, not what can match.
      if (this.s[this.i] === "?" || this.s[this.i] === "+") this.i++;
      node = { t: "rep", body: node, min, max };
    }
  }

  private atom(): RegexNode | null {
    const c = this.s[this.i++];
    switch (c) {
      case "^":
        return { t: "assert", kind: "^" };
      case "$":
        return { t: "assert", kind: "$" };
      case ".":
        return { t: "set", set: this.dotall ? ByteSet.all() : ByteSet.all().minus(ByteSet.of(LF)) };
      case "[":
        return { t: "set", set: this.fold(this.klass()) };
      case "(":
        return this.group();
      case "\\":
        return this.escape();
      default:
        return this.literal(c.charCodeAt(0));
    }
  }

  private literal(code: number): RegexNode {
    return { t: "set", set: this.fold(ByteSet.of(code & 0xff)) };
  }

  private fold(set: ByteSet): ByteSet {
    if (!this.caseless) return set;
    const out = new ByteSet().union(set);
    for (let c = 0x41; c <= 0x5a; c++) {
      if (set.has(c)) out.add(c + 32);
      if (set.has(c + 32)) out.add(c);
    }
    return out;
  }

  private group(): RegexNode | null {
    const s = this.s;
    if (s[this.i] === "*") {
      // (*VERB) in the middle: backtracking control.
      this.opaque = true;
      const end = s.indexOf(")", this.i);
      this.i = end < 0 ? s.length : end + 1;
      return null;
    }
    let index: number | null = null;
    let name: string | null = null;
    if (s[this.i] === "?") {
      this.i++;
      const m = /^(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(s.slice(this.i));
      if (m && !s.startsWith("<=", this.i) && !s.startsWith("<!", this.i)) {
        name = m[1] ?? m[2];
        this.i += m[0].length;
        index = ++this.count;
      } else if (s[this.i] === ":" || s[this.i] === ">" || s[this.i] === "|") {
        // Non-capturing, atomic, branch reset (numbering approximated).
        this.i++;
      } else if (s[this.i] === "#") {
        const end = s.indexOf(")", this.i);
        this.i = end < 0 ? s.length : end + 1;
        return null;
      } else {
        const flags = /^([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(s.slice(this.i));
        if (flags && /^[imsxnJU]*$/.test(flags[1]) && /^[imsxnJU]*$/.test(flags[2] ?? "")) {
          this.i += flags[0].length;
          const set = (on: string, value: boolean): void => {
            if (on.includes("i")) this.caseless = value;
            if (on.includes("s")) this.dotall = value;
            if (on.includes("x")) this.extended = value;
          };
          if (flags[3] === ")") {
            // Applies to the rest of the enclosing group (alternation restores it).
            set(flags[1], true);
            set(flags[2] ?? "", false);
            return null;
          }
          const saved = { caseless: this.caseless, dotall: this.dotall, extended: this.extended };
          set(flags[1], true);
          set(flags[2] ?? "", false);
          const body = this.alternation();
          Object.assign(this, saved);
          this.expect(")");
          return { t: "group", index: null, name: null, body };
        }
        // Lookarounds, conditionals, recursion, callouts, named back-references: opaque.
        this.opaque = true;
        this.skipGroup();
        return { t: "seq", items: [] };
      }
    } else index = ++this.count;
    const node: RegexNode & { t: "group" } = { t: "group", index, name, body: { t: "seq", items: [] } };
    if (index !== null) {
      this.groups[index] = node;
      if (name !== null) this.named.set(name, index);
    }
    node.body = this.alternation();
    this.expect(")");
    return node;
  }

  private skipGroup(): void {
    let depth = 1;
    while (this.i < this.s.length && depth > 0) {
      const c = this.s[this.i++];
      if (c === "\\") this.i++;
      else if (c === "[") this.klass();
      else if (c === "(") depth++;
      else if (c === ")") depth--;
    }
  }

  private expect(c: string): void {
    if (this.s[this.i] !== c) throw new Error(`expected ${c}`);
    this.i++;
  }

  private escape(): RegexNode | null {
    const c = this.s[this.i++];
    if (c === undefined) throw new Error("trailing \\");
    const cls = this.escapeClass(c);
    if (cls !== null) return { t: "set", set: cls };
    switch (c) {
      case "b":
      case "B":
        return { t: "assert", kind: c };
      case "A":
      case "G":
        return { t: "assert", kind: "^" };
      case "z":
      case "Z":
        return { t: "assert", kind: "$" };
      case "K":
        return null;
      case "Q": {
        const end = this.s.indexOf("\\E", this.i);
        const text = this.s.slice(this.i, end < 0 ? this.s.length : end);
        this.i = end < 0 ? this.s.length : end + 2;
        return { t: "seq", items: [...text].map((ch) => this.literal(ch.charCodeAt(0))) };
      }
      case "E":
        return null;
    }
    if (/[1-9]/.test(c) || c === "g" || c === "k") {
      // Back-references: what they match depends on the subject.
      this.opaque = true;
      const m = /^(\d*|\{[^}]*\}|<[^>]*>|'[^']*'|-?\d+)/.exec(this.s.slice(this.i));
      if (m) this.i += m[0].length;
      return { t: "seq", items: [] };
    }
    return this.literal(this.escapedCode(c));
  }

  /** The byte of a character escape (after the backslash), past any digits it reads. */
  private escapedCode(c: string): number {
    if (c in META_ESCAPES) return META_ESCAPES[c];
    if (c === "x") {
      const m = /^(?:\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{0,2}))/.exec(this.s.slice(this.i))!;
      this.i += m[0].length;
      return parseInt(m[1] ?? (m[2] || "0"), 16) & 0xff;
    }
    if (c === "0") {
      const m = /^[0-7]{0,2}/.exec(this.s.slice(this.i))!;
      this.i += m[0].length;
      return parseInt("0" + m[0], 8);
    }
    if (c === "c") return (this.s.charCodeAt(this.i++) ^ 0x40) & 0xff;
    return c.charCodeAt(0) & 0xff;
  }

  private escapeClass(c: string): ByteSet | null {
    switch (c) {
      case "d":
        return DIGITS;
      case "D":
        return DIGITS.complement();
      case "w":
        return WORD;
      case "W":
        return WORD.complement();
      case "s":
        return SPACE;
      case "S":
        return SPACE.complement();
      case "h":
        return HSPACE;
      case "H":
        return HSPACE.complement();
      case "v":
        return VSPACE;
      case "V":
        return VSPACE.complement();
      case "R":
        return VSPACE;
      case "N":
        return ByteSet.all().minus(ByteSet.of(LF));
      case "C":
        return ByteSet.all();
      case "p":
      case "P": {
        // Unicode properties: without UTF, any byte may be one; say "anything".
        const m = /^(\{[^}]*\}|.)/.exec(this.s.slice(this.i));
        if (m) this.i += m[0].length;
        return ByteSet.all();
      }
    }
    return null;
  }

  /** A bracketed class, after its `[`. */
  private klass(): ByteSet {
    const s = this.s;
    let negate = false;
    if (s[this.i] === "^") {
      negate = true;
      this.i++;
    }
    let set = new ByteSet();
    let first = true;
    while (this.i < s.length) {
      let c = s[this.i];
      if (c === "]" && !first) {
        this.i++;
        return negate ? set.complement() : set;
      }
      first = false;
      if (c === "[" && /^\[:(\^?)([a-z]+):\]/.test(s.slice(this.i))) {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(s.slice(this.i))!;
        this.i += m[0].length;
        const posix = POSIX[m[2]] ?? ByteSet.all();
        set = set.union(m[1] ? posix.complement() : posix);
        continue;
      }
      this.i++;
      let lo: number;
      if (c === "\\") {
        c = s[this.i++];
        const cls = this.escapeClass(c);
        if (cls !== null) {
          set = set.union(cls);
          continue;
        }
        lo = c === "b" ? 8 : this.escapedCode(c);
      } else lo = c.charCodeAt(0) & 0xff;
      if (s[this.i] === "-" && s[this.i + 1] !== "]" && this.i + 1 < s.length) {
        this.i++;
        let hc = s[this.i++];
        let hi: number;
        if (hc === "\\") {
          hc = s[this.i++];
          hi = this.escapedCode(hc);
        } else hi = hc.charCodeAt(0) & 0xff;
        for (let x = lo; x <= hi; x++) set.add(x);
      } else set.add(lo);
    }
    throw new Error("unterminated class");
  }
}

const POSIX: Record<string, ByteSet> = {
  alpha: ByteSet.range(0x41, 0x5a).union(ByteSet.range(0x61, 0x7a)),
  digit: DIGITS,
  alnum: DIGITS.union(ByteSet.range(0x41, 0x5a)).union(ByteSet.range(0x61, 0x7a)),
  word: WORD,
  space: SPACE,
  blank: ByteSet.of(0x20, 9),
  upper: ByteSet.range(0x41, 0x5a),
  lower: ByteSet.range(0x61, 0x7a),
  xdigit: DIGITS.union(ByteSet.range(0x41, 0x46)).union(ByteSet.range(0x61, 0x66)),
  punct: ByteSet.range(0x21, 0x2f)
    .union(ByteSet.range(0x3a, 0x40))
    .union(ByteSet.range(0x5b, 0x60))
    .union(ByteSet.range(0x7b, 0x7e)),
  print: ByteSet.range(0x20, 0x7e),
  graph: ByteSet.range(0x21, 0x7e),
  cntrl: ByteSet.range(0, 0x1f).add(0x7f),
  ascii: ByteSet.range(0, 0x7f),
};

/** Every byte `node` can consume (what a capture of it may hold, before the subject narrows it). */
export function bytesOf(node: RegexNode): ByteSet {
  switch (node.t) {
    case "set":
      return node.set;
    case "seq":
    case "alt": {
      let out = new ByteSet();
      for (const n of node.items) out = out.union(bytesOf(n));
      return out;
    }
    case "group":
      return bytesOf(node.body);
    case "rep":
      return node.max === 0 ? new ByteSet() : bytesOf(node.body);
    case "assert":
      return new ByteSet();
  }
}

/** The bytes `node` can start with, and whether it can match the empty string. */
export function firstOf(node: RegexNode): { first: ByteSet; empty: boolean } {
  switch (node.t) {
    case "set":
      return { first: node.set, empty: false };
    case "assert":
      return { first: new ByteSet(), empty: true };
    case "group":
      return firstOf(node.body);
    case "rep": {
      if (node.max === 0) return { first: new ByteSet(), empty: true };
      const f = firstOf(node.body);
      return { first: f.first, empty: f.empty || node.min === 0 };
    }
    case "alt": {
      let first = new ByteSet();
      let empty = false;
      for (const n of node.items) {
        const f = firstOf(n);
        first = first.union(f.first);
        empty ||= f.empty;
      }
      return { first, empty };
    }
    case "seq": {
      let first = new ByteSet();
      for (const n of node.items) {
        const f = firstOf(n);
        first = first.union(f.first);
        if (!f.empty) return { first, empty: false };
      }
      return { first, empty: true };
    }
  }
}
