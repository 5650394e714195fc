// Rule `origins`: a regex that checks `$http_origin` or `$http_referer` (in an `if`, or as a key of a `map`
// of `$http_origin`, the usual CORS allowlist) and lets a hostile value through. Instead of generating sample
// strings from the regex (gixy), it searches the regex's automaton together with the language of what a
// browser sends — `scheme://host[:port][/path]`, a lowercase host of labels — for a value the regex accepts
// (as nginx searches: unanchored unless `^`/`$`) whose host the attacker can own:
//
// - `attacker-domain`: a label the attacker chooses (a character class that takes any letter) is the
//   registrable name or the top-level domain (`^https://([^/]+)?example\.com$` takes `evilexample.com`,
//   `^https://example.com$` takes `examplezcom` style names, a missing `^` takes `https://evil.com/?x`,
//   a missing `$` takes `https://example.com.evil.com`);
// - `untrusted-domain`: with the option `domains` (gixy's), a host outside those domains and their
//   subdomains;
// - `http-accepted`: with `https_only`, an `http://` origin;
// - `other-scheme`: a value whose scheme is not http/https (`^([^/]+)?https://…` takes `xhttps://…`);
// - `never-matches`: no value a browser sends matches (a `$` in the middle, no `://`, a `#`): the check does
//   not do what it reads as;
// - `misspelled-header`: `$http_referrer` (the header is spelled Referer): always empty.
//
// docs/rules/origins.md. Peer: gixy's origins (yandex/gixy, gixy-ng, Gixy-Next).

import type { Directive } from "../parse/ast";
import { ByteSet, type RegexNode } from "./regex-shape";
import type { CheckSeed, StatementCheck } from "./statement-checks";
import type { RuleOptions } from "./types";
import { ifCondition } from "./variable-flow";
import { shapeOf } from "./variable-values";

export const ORIGINS = "origins";

/** The attacker's own letter: any letter a class takes, none a literal is. */
const STAR = 256;
const LOWER = ByteSet.range(0x61, 0x7a);
const HOST_CHARS = ByteSet.range(0x61, 0x7a).union(ByteSet.range(0x30, 0x39)).add(0x2d);
const DIGIT = ByteSet.range(0x30, 0x39);
/** What a path or query may hold as a browser serializes it (no `#`: the fragment is never sent). */
const PATH_CHARS = ByteSet.range(0x21, 0x7e).minus(ByteSet.of(0x23));
const SCHEME_CHARS = ByteSet.range(0x61, 0x7a).union(DIGIT).union(ByteSet.chars("+.-"));
/** Second-level labels under which registration happens one level deeper (co.uk, com.tr, …), with a 2-letter TLD. */
const SECOND_LEVEL = new Set(["co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go"]);
/** A label's text is kept only while it may still be one of SECOND_LEVEL (the search's states stay few). */
const SECOND_LEVEL_PREFIXES = new Set([...SECOND_LEVEL].flatMap((w) => [...w].map((_, i) => w.slice(0, i + 1))));

interface OriginOptions {
  domains: string[] | null;
  httpsOnly: boolean;
}

function originOptions(options: RuleOptions): OriginOptions {
  const o = options.ruleConfig?.[ORIGINS];
  const raw = o?.["domains"];
  let domains: string[] | null = null;
  if (Array.isArray(raw) && raw.every((x) => typeof x === "string") && raw.length > 0 && raw[0] !== "*")
    domains = (raw as string[]).map((x) => x.toLowerCase().replace(/^\.+/, ""));
  return { domains, httpsOnly: o?.["https_only"] === true };
}

// ---- the regex as an automaton -------------------------------------------------------------------------

interface NfaState {
  eps: number[];
  edges: { set: ByteSet; to: number }[];
  asserts: { kind: "^" | "$"; to: number }[];
}

class Nfa {
  states: NfaState[] = [];
  add(): number {
    this.states.push({ eps: [], edges: [], asserts: [] });
    return this.states.length - 1;
  }
}

/** How many copies a bounded repeat gets before it is read as unbounded (what it can match only grows). */
const MAX_COPIES = 6;

function build(nfa: Nfa, node: RegexNode, from: number): number {
  switch (node.t) {
    case "set": {
      const to = nfa.add();
      nfa.states[from].edges.push({ set: node.set, to });
      return to;
    }
    case "assert": {
      const to = nfa.add();
      if (node.kind === "^" || node.kind === "$") nfa.states[from].asserts.push({ kind: node.kind, to });
      // Word boundaries: taken as always true (more strings match: a finding, never a missed one).
      else nfa.states[from].eps.push(to);
      return to;
    }
    case "seq": {
      let at = from;
      for (const n of node.items) at = build(nfa, n, at);
      return at;
    }
    case "alt": {
      const to = nfa.add();
      for (const n of node.items) nfa.states[build(nfa, n, from)].eps.push(to);
      if (node.items.length === 0) nfa.states[from].eps.push(to);
      return to;
    }
    case "group":
      return build(nfa, node.body, from);
    case "rep": {
      let at = from;
      const min = Math.min(node.min, MAX_COPIES);
      for (let i = 0; i < min; i++) at = build(nfa, node.body, at);
      const end = nfa.add();
      if (node.max === Infinity || node.max > MAX_COPIES) {
        const loop = nfa.add();
        nfa.states[at].eps.push(loop);
        const back = build(nfa, node.body, loop);
        nfa.states[back].eps.push(loop);
        nfa.states[loop].eps.push(end);
      } else {
        nfa.states[at].eps.push(end);
        for (let i = min; i < node.max; i++) {
          at = build(nfa, node.body, at);
          nfa.states[at].eps.push(end);
        }
      }
      return end;
    }
  }
}

// ---- what a browser sends, as an automaton over the attacker's choices ---------------------------------

/**
 * Where the value is: in the scheme, the `://`, a host label, the port, the path. Host labels keep what the
 * verdict needs: whether the attacker's letter is in each of the last three labels, the text of the last two
 * when short (co.uk), and per trusted domain how much of `.domain` the host ends with and whether it is the
 * domain itself so far.
 */
interface Attack {
  phase: "scheme" | "colon" | "slash1" | "slash2" | "host" | "port" | "path";
  /** The scheme: its text while it is a prefix of "https", else "?". */
  scheme: string;
  /** Per label, newest last (at most 3): has the attacker's letter, its text (when ≤ 3 characters). */
  labels: { star: boolean; pure: boolean; text: string | null; len: number }[];
  /** Per domain: the longest suffix of the host that is a prefix of `.domain` (KMP), or -1 after a mismatch of the exact match. */
  suffix: number[];
  exact: number[];
  portDigits: boolean;
}

function step(a: Attack, c: number, domains: string[]): Attack | null {
  const ch = c === STAR ? "*" : String.fromCharCode(c);
  switch (a.phase) {
    case "scheme": {
      if (c === 0x3a) return a.scheme === "" ? null : { ...a, phase: "colon" };
      if (c !== STAR && !SCHEME_CHARS.has(c)) return null;
      if (a.scheme === "" && c !== STAR && !LOWER.has(c)) return null;
      const next = a.scheme === "?" ? "?" : a.scheme + ch;
      return { ...a, scheme: "https".startsWith(next) ? next : "?" };
    }
    case "colon":
      return c === 0x2f ? { ...a, phase: "slash1" } : null;
    case "slash1":
      return c === 0x2f ? { ...a, phase: "slash2" } : null;
    case "slash2":
    case "host": {
      const started = a.phase === "host";
      const last = started ? a.labels[a.labels.length - 1] : null;
      if (c === 0x2e) {
        if (!last || last.len === 0) return null;
        return { ...a, labels: pushLabel(a.labels), ...hostChar(a, ".", domains) };
      }
      if (c === 0x3a || c === 0x2f) {
        if (!last || last.len === 0) return null;
        return c === 0x3a ? { ...a, phase: "port" } : { ...a, phase: "path" };
      }
      if (c !== STAR && !HOST_CHARS.has(c)) return null;
      const labels = started ? a.labels.slice() : [{ star: false, pure: true, text: "", len: 0 }];
      const cur = labels[labels.length - 1];
      labels[labels.length - 1] = {
        star: cur.star || c === STAR,
        pure: cur.pure && c === STAR,
        text: c !== STAR && cur.text !== null && SECOND_LEVEL_PREFIXES.has(cur.text + ch) ? cur.text + ch : null,
        // Only 0, 1, 2 and "more" matter (an empty label, a two-letter TLD).
        len: Math.min(cur.len + 1, 3),
      };
      return { ...a, phase: "host", labels, ...hostChar(a, ch, domains) };
    }
    case "port":
      if (c === 0x2f) return a.portDigits ? { ...a, phase: "path" } : null;
      return c !== STAR && DIGIT.has(c) ? { ...a, portDigits: true } : null;
    case "path":
      return c === STAR || PATH_CHARS.has(c) ? a : null;
  }
}

function pushLabel(labels: Attack["labels"]): Attack["labels"] {
  // A closed label keeps only what the verdict asks of it: its letter flag, whether it is a second level
  // (co, com, …), and, as the one before a new TLD, nothing of its length.
  const closed = labels.map((l, i) =>
    i === labels.length - 1
      ? { star: l.star, pure: false, text: l.text !== null && SECOND_LEVEL.has(l.text) ? l.text : null, len: 3 }
      : { star: l.star, pure: false, text: null, len: 3 },
  );
  const out = [...closed, { star: false, pure: true, text: "", len: 0 }];
  return out.length > 3 ? out.slice(out.length - 3) : out;
}

/** The domain trackers after one more host character (`*`: the attacker's letter, equal to none). */
function hostChar(a: Attack, ch: string, domains: string[]): Pick<Attack, "suffix" | "exact"> {
  const suffix = a.suffix.slice();
  const exact = a.exact.slice();
  domains.forEach((d, i) => {
    const pat = "." + d;
    let k = suffix[i];
    while (k > 0 && pat[k] !== ch) k = kmpFail(pat, k);
    suffix[i] = pat[k] === ch ? k + 1 : 0;
    exact[i] = exact[i] >= 0 && d[exact[i]] === ch ? exact[i] + 1 : -1;
  });
  return { suffix, exact };
}

/** KMP's failure link of `pat` at `k`: the longest proper border of pat[0..k). */
function kmpFail(pat: string, k: number): number {
  for (let b = k - 1; b > 0; b--) if (pat.slice(0, b) === pat.slice(k - b, k)) return b;
  return 0;
}

function accepts(a: Attack): boolean {
  if (a.phase === "host") return a.labels[a.labels.length - 1].len > 0;
  if (a.phase === "port") return a.portDigits;
  return a.phase === "path";
}

type Verdict =
  | "attacker-domain"
  /** The attacker's letters in the top-level domain (`example.com` + `munity`, `example.evil`): weaker evidence. */
  | "attacker-tld"
  | "untrusted-domain"
  | "http-accepted"
  | "other-scheme"
  /** A host of one label (`yandexXru`): no public name, but the regex takes other names than it spells. */
  | "loose-host"
  | null;

function verdict(a: Attack, o: OriginOptions): Verdict {
  if (a.scheme !== "http" && a.scheme !== "https") return "other-scheme";
  if (o.domains !== null) {
    const trusted = o.domains.some((d, i) => a.exact[i] === d.length || a.suffix[i] === d.length + 1);
    if (!trusted) return "untrusted-domain";
  } else {
    const l = a.labels;
    const n = l.length;
    const tld = l[n - 1];
    if (n === 1) return tld.star ? "loose-host" : o.httpsOnly && a.scheme === "http" ? "http-accepted" : null;
    const second = l[n - 2];
    // The registrable label: one left of the TLD, or two for co.uk-like second levels.
    const deeper = second.text !== null && SECOND_LEVEL.has(second.text) && tld.len === 2;
    const registrable = deeper ? (n >= 3 ? l[n - 3] : null) : second;
    if ((registrable?.star ?? false) || (deeper && second.star)) return "attacker-domain";
    if (tld.star) return "attacker-tld";
  }
  if (o.httpsOnly && a.scheme === "http") return "http-accepted";
  return null;
}

const PRIORITY: Verdict[] = [
  "attacker-domain",
  "untrusted-domain",
  "attacker-tld",
  "http-accepted",
  "other-scheme",
  "loose-host",
];

interface SearchResult {
  /** A hostile value the regex accepts, per kind (the attacker's letters written `evil`). */
  found: Map<Exclude<Verdict, null>, string>;
  /** Some value a browser could send matches. */
  matchable: boolean;
  /** The search stopped at its budget: say nothing. */
  gaveUp: boolean;
}

const BUDGET = 60_000;

/** The regex (as nginx searches it) against what a browser sends. */
export function searchOrigins(pattern: string, caseless: boolean, o: OriginOptions): SearchResult | null {
  const k = `${caseless ? 1 : 0}${o.httpsOnly ? 1 : 0}${(o.domains ?? []).join(" ")}\0${pattern}`;
  if (searches.has(k)) return searches.get(k)!;
  const r = search(pattern, caseless, o);
  if (searches.size > 2048) searches.clear();
  searches.set(k, r);
  return r;
}

/** searchOrigins' answers: the same regex is often written in many servers. */
const searches = new Map<string, SearchResult | null>();

function search(pattern: string, caseless: boolean, o: OriginOptions): SearchResult | null {
  const shape = shapeOf(pattern, caseless);
  if (!shape || shape.opaque) return null;
  const nfa = new Nfa();
  const start = nfa.add();
  const accept = build(nfa, shape.root, start);
  // The characters worth trying: those the regex names in small sets (its literals), and the attacker's letter.
  const alphabet = new Set<number>([STAR, 0x2e, 0x3a, 0x2f, 0x30, 0x2d, 0x3f, 0x61]);
  for (const s of nfa.states)
    for (const e of s.edges) {
      const codes = e.set.codes();
      if (codes.length <= 16) for (const c of codes) if (c >= 0x21 && c <= 0x7e) alphabet.add(c);
    }
  const chars = [...alphabet];
  // Where the attacker may write any letter, the attacker's letter stands for them all (it makes a value
  // only more hostile), but in the scheme, which must spell http or https.
  const nonLetters = chars.filter((c) => c !== STAR && !LOWER.has(c) && !(c >= 0x41 && c <= 0x5a));
  const freeHost = [STAR, ...nonLetters];
  const freeScheme = [STAR, ...nonLetters, ...[..."https"].map((x) => x.charCodeAt(0))];
  const free = (a: Attack): number[] => (a.phase === "scheme" ? freeScheme : freeHost);
  const explicitOf = new Map<ByteSet, number[]>();
  const explicit = (set: ByteSet): number[] => {
    let list = explicitOf.get(set);
    if (list === undefined)
      explicitOf.set(
        set,
        (list = chars.filter((c) => c !== STAR && set.has(c)).sort((x, y) => lowerFirst(x) - lowerFirst(y))),
      );
    return list;
  };
  const anchored = startsAnchored(nfa, start);
  const domains = o.domains ?? [];
  const init: Attack = {
    phase: "scheme",
    scheme: "",
    labels: [],
    suffix: domains.map(() => 0),
    exact: domains.map(() => 0),
    portDigits: false,
  };
  // Product states: where in the value (before the match, in the regex at an NFA state, after it), whether
  // `$` ended it, and the browser-language state. BFS: the first hostile value found is a shortest one.
  interface Node {
    where: number; // -1 before the match, -2 after it, else the NFA state
    ended: boolean;
    empty: boolean; // nothing consumed yet (for `^`)
    a: Attack;
    prev: Node | null;
    ch: number | null;
  }
  const key = (n: Node): string =>
    `${n.where}|${n.ended ? 1 : 0}|${n.empty ? 1 : 0}|${n.a.phase}|${n.a.scheme}|${n.a.portDigits ? 1 : 0}|` +
    `${n.a.labels.map((l) => `${l.star ? 1 : 0}${l.pure ? 1 : 0}${l.text ?? "#"}${l.len}`).join(",")}|${n.a.suffix.join(",")}|${n.a.exact.join(",")}`;
  const seen = new Set<string>();
  const queue: Node[] = [];
  const found = new Map<Exclude<Verdict, null>, string>();
  let matchable = false;
  const enqueue = (n: Node): void => {
    const k = key(n);
    if (seen.has(k)) return;
    seen.add(k);
    queue.push(n);
  };
  enqueue({ where: -1, ended: false, empty: true, a: init, prev: null, ch: null });
  let head = 0;
  const has = (set: ByteSet, c: number): boolean => (c === STAR ? set.covers(LOWER) : set.has(c));
  while (head < queue.length) {
    if (seen.size > BUDGET) return { found, matchable, gaveUp: true };
    const n = queue[head++];
    if (n.where === -2) {
      if (accepts(n.a)) {
        matchable = true;
        const v = verdict(n.a, o);
        if (v !== null && !found.has(v)) found.set(v, witness(n));
        if (found.has("attacker-domain") || found.has("untrusted-domain")) return { found, matchable, gaveUp: false };
      }
      if (!n.ended)
        for (const c of free(n.a)) {
          const a = step(n.a, c, domains);
          if (a) enqueue({ where: -2, ended: false, empty: false, a, prev: n, ch: c });
        }
      continue;
    }
    if (n.where === -1) {
      enqueue({ ...n, where: start, prev: n.prev, ch: n.ch });
      if (anchored) continue;
      for (const c of free(n.a)) {
        const a = step(n.a, c, domains);
        if (a) enqueue({ where: -1, ended: false, empty: false, a, prev: n, ch: c });
      }
      continue;
    }
    const st = nfa.states[n.where];
    if (n.where === accept) enqueue({ ...n, where: -2 });
    for (const e of st.eps) enqueue({ ...n, where: e });
    for (const as of st.asserts) {
      if (as.kind === "^" && n.empty) enqueue({ ...n, where: as.to });
      if (as.kind === "$") enqueue({ ...n, where: as.to, ended: true });
    }
    if (n.ended) continue;
    for (const e of st.edges)
      for (const c of e.set.covers(LOWER) ? free(n.a) : explicit(e.set)) {
        if (!has(e.set, c)) continue;
        const a = step(n.a, c, domains);
        if (a) enqueue({ where: e.to, ended: false, empty: false, a, prev: n, ch: c });
      }
  }
  return { found, matchable, gaveUp: false };
}

/** Lowercase letters before the rest (a witness reads as a browser writes it). */
function lowerFirst(c: number): number {
  return LOWER.has(c) ? c - 0x100 : c;
}

/** Whether every way from `start` passes `^` before it consumes anything: then nothing may come before the match. */
function startsAnchored(nfa: Nfa, start: number): boolean {
  const seen = new Set<number>([start]);
  const stack = [start];
  while (stack.length > 0) {
    const s = nfa.states[stack.pop()!];
    if (s.edges.length > 0) return false;
    for (const a of s.asserts) if (a.kind === "$") return false;
    for (const e of s.eps)
      if (!seen.has(e)) {
        seen.add(e);
        stack.push(e);
      }
  }
  // Reached only `^` (or the end of the regex: the empty regex matches anywhere, which needs no prefix either).
  return true;
}

function witness(n: { prev: unknown; ch: number | null }): string {
  const chars: string[] = [];
  for (let p = n as { prev: unknown; ch: number | null } | null; p; p = p.prev as typeof p)
    if (p.ch !== null) chars.push(p.ch === STAR ? "\u2605" : String.fromCharCode(p.ch));
  const raw = chars.reverse().join("");
  // The attacker's letters read as `evil`, and as `com` where they are a whole top-level domain.
  const m = /^([^:/]*:\/\/)([^/:?]*)(.*)$/s.exec(raw);
  if (m) {
    const labels = m[2].split(".");
    const last = labels.length - 1;
    if (last > 0 && /^\u2605+$/.test(labels[last])) labels[last] = "com";
    return (m[1] + labels.join(".") + m[3]).replace(/\u2605+/g, "evil");
  }
  return raw.replace(/\u2605+/g, "evil");
}

// ---- the statement check --------------------------------------------------------------------------------

const HEADERS: Record<string, string> = { $http_origin: "Origin", $http_referer: "Referer" };

function judge(
  d: Directive,
  word: number,
  pattern: string,
  caseless: boolean,
  header: string,
  options: RuleOptions,
  out: CheckSeed[],
): void {
  const o = originOptions(options);
  const r = searchOrigins(pattern, caseless, o);
  if (!r || r.gaveUp) return;
  const seed = (code: string, message: string, data: Record<string, unknown> = {}): void =>
    void out.push({ ruleId: ORIGINS, code, severity: "warning", message, d, word, data });
  for (const v of PRIORITY) {
    const w = v && r.found.get(v);
    if (!v || w === undefined) continue;
    const as = `\`${w}\` passes as a valid ${header}`;
    switch (v) {
      case "attacker-domain":
      case "attacker-tld":
        return seed(
          "attacker-domain",
          `${as}: a site whose domain anyone can register passes the check (anchor with ^ and $, escape the dots, and do not let a class stand for a domain label)`,
          { value: w },
        );
      case "untrusted-domain":
        return seed(v, `${as}: its host is outside the trusted domains (${o.domains!.join(", ")})`, { value: w });
      case "http-accepted":
        return seed(v, `${as}: an http:// origin, which anyone on the network path can impersonate (https_only)`, {
          value: w,
        });
      case "other-scheme":
        return seed(v, `${as}: its scheme is not http or https, so the check accepts more than the sites it names`, {
          value: w,
        });
      case "loose-host":
        return seed(
          "attacker-domain",
          `${as}: a \`.\` or a class in the host takes other characters than the name it spells (escape the dots)`,
          { value: w },
        );
    }
  }
  if (!r.matchable)
    seed(
      "never-matches",
      `no ${header} a browser sends matches this regex (scheme://host[:port] for Origin, with a path for Referer): the check is always ${"`!~`"}-true and never \`~\`-true, not what it reads as`,
    );
}

export const originsCheck: StatementCheck = {
  ruleId: ORIGINS,
  // The `if` conditions, and the entries of a map.
  names: new Set(["if"]),
  entries: true,
  statement(d, _context, parents, options, out) {
    if (d.name === "if" && d.block) {
      const cond = ifCondition(d);
      if (cond === null) return;
      const subject = cond.subject.toLowerCase();
      if (!["~", "~*", "!~", "!~*"].includes(cond.op)) return;
      const wordOfValue = d.argCount - 1 - (d.argValue(d.argCount - 1) === ")" ? 1 : 0);
      if (subject === "$http_referrer") {
        out.push({
          ruleId: ORIGINS,
          code: "misspelled-header",
          severity: "warning",
          message:
            "$http_referrer reads a header named Referrer, which no browser sends (the header is spelled Referer): the check always sees an empty value",
          d,
          word: 0,
        });
        return;
      }
      const header = HEADERS[subject];
      if (!header) return;
      judge(d, wordOfValue, cond.value, cond.op.endsWith("*"), header, options, out);
      return;
    }
    // A `map $http_origin $allowed { ~regex value; }`: each regex key that gives a value is an allowlist entry.
    const parent = parents[parents.length - 1];
    if (!parent || parent.name !== "map" || !d.name.startsWith("~")) return;
    if ((parent.argValue(0) ?? "").toLowerCase() !== "$http_origin") return;
    const value = d.argValue(0) ?? "";
    if (value === "" || value === "0" || value === "off") return;
    const caseless = d.name.startsWith("~*");
    judge(d, -1, d.name.slice(caseless ? 2 : 1), caseless, "Origin", options, out);
  },
};
