// What the access-control and location rules (issue 15: alias-traversal, filesystem-root-exposure,
// unreachable-location, …) need to know of a `location` head: how it matches, and for a regex location
// what each capture group can hold. Only the head's words: these are read by statement checks, which may
// look at the innermost enclosing block's head and nothing else.

import type { Directive } from "../parse/ast";

export type MatchKind = "prefix" | "prefix-stop" | "exact" | "regex" | "regex-icase" | "named";

export interface LocationHead {
  kind: MatchKind;
  /** The path, the regex text, or the name with its `@`. */
  path: string;
}

const MODIFIERS: Record<string, MatchKind> = { "=": "exact", "^~": "prefix-stop", "~": "regex", "~*": "regex-icase" };

/** A location's match as ngx_http_core_location reads its words; null when nginx refuses them. */
export function locationHead(d: Directive): LocationHead | null {
  if (d.name !== "location") return null;
  if (d.argCount === 2) {
    const kind = MODIFIERS[d.argValue(0) ?? ""];
    return kind === undefined ? null : { kind, path: d.argValue(1) ?? "" };
  }
  if (d.argCount !== 1) return null;
  const v = d.argValue(0) ?? "";
  // nginx also takes the modifier glued to the path (`location =/x`, `location ~*\.php$`).
  for (const m of ["^~", "~*", "=", "~"])
    if (v.startsWith(m) && v.length > m.length) return { kind: MODIFIERS[m], path: v.slice(m.length) };
  return { kind: v.startsWith("@") ? "named" : "prefix", path: v };
}

export function isRegex(h: LocationHead): boolean {
  return h.kind === "regex" || h.kind === "regex-icase";
}

export function isPrefix(h: LocationHead): boolean {
  return h.kind === "prefix" || h.kind === "prefix-stop";
}

/** A capture group of a regex: its text between the parentheses, and the character before its `(`. */
export interface CaptureGroup {
  /** 1-based, as `$1` names it. */
  index: number;
  body: string;
  /** The pattern character just before the group's `(` (an escaped one unescaped), "" at the start. */
  before: string;
}

/**
 * The capture groups of a PCRE pattern, numbered as PCRE numbers them (every `(` that is not `(?…`, plus
 * named groups `(?<n>…)`, `(?'n'…)`, `(?P<n>…)`); escapes and character classes skipped.
 */
export function captureGroups(pattern: string): CaptureGroup[] {
  const out: CaptureGroup[] = [];
  const open: { group: CaptureGroup | null; start: number }[] = [];
  let inClass = false;
  let prev = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      prev = pattern[i + 1] ?? "";
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      prev = c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      // `[]…]` and `[^]…]`: a `]` first is a member.
      if (pattern[i + 1] === "^") i++;
      if (pattern[i + 1] === "]") i++;
      prev = c;
      continue;
    }
    if (c === "(") {
      let start = i + 1;
      let capturing = true;
      if (pattern[i + 1] === "?") {
        const named = /^\?(?:P?<(?![=!])[A-Za-z_]\w*>|'[A-Za-z_]\w*')/.exec(pattern.slice(i + 1));
        if (named) start = i + 1 + named[0].length;
        else capturing = false;
      }
      const group = capturing ? { index: out.length + 1, body: "", before: prev } : null;
      if (group) out.push(group);
      open.push({ group, start });
      prev = "(";
      continue;
    }
    if (c === ")") {
      const o = open.pop();
      if (o?.group) o.group.body = pattern.slice(o.start, i);
      prev = ")";
      continue;
    }
    prev = c;
  }
  return out;
}

/** The top-level alternatives of a group body (`a|b(c|d)` → `a`, `b(c|d)`). */
function alternatives(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      if (body[i + 1] === "^") i++;
      if (body[i + 1] === "]") i++;
    } else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) {
      out.push(body.slice(from, i));
      from = i + 1;
    }
  }
  out.push(body.slice(from));
  return out;
}

/** One atom of a pattern: whether it can match `ch`, and where the next atom starts. */
interface Atom {
  matches: (ch: string) => boolean;
  end: number;
  /** Whether the atom may match nothing (`*`, `?`, `{0,…}` after it). */
  optional: boolean;
}

const ESCAPE_CLASSES: Record<string, (ch: string) => boolean> = {
  d: (ch) => /\d/.test(ch),
  D: (ch) => !/\d/.test(ch),
  w: (ch) => /\w/.test(ch),
  W: (ch) => !/\w/.test(ch),
  s: (ch) => /\s/.test(ch),
  S: (ch) => !/\s/.test(ch),
};

function classMatcher(body: string, negated: boolean): (ch: string) => boolean {
  return (ch) => {
    let hit = false;
    for (let i = 0; i < body.length && !hit; i++) {
      let c = body[i];
      if (c === "\\") {
        const e = body[++i] ?? "";
        const cls = ESCAPE_CLASSES[e];
        if (cls) {
          hit = cls(ch);
          continue;
        }
        c = e;
      }
      if (body[i + 1] === "-" && i + 2 < body.length) {
        let hi = body[i + 2];
        let skip = 2;
        if (hi === "\\") {
          hi = body[i + 3] ?? "";
          skip = 3;
        }
        hit = ch >= c && ch <= hi;
        i += skip;
        continue;
      }
      hit = c === ch;
    }
    return negated ? !hit : hit;
  };
}

/**
 * Groups inside groups read by canStartWith, at most: the reading recurses into each group, and a regex of
 * thousands of nested parentheses (which PCRE2 refuses past 250 anyway) must not exhaust the stack.
 */
const MAX_GROUP_DEPTH = 32;

function atomAt(p: string, i: number, icase: boolean, depth: number): Atom | null {
  if (i >= p.length) return null;
  const c = p[i];
  let matches: (ch: string) => boolean;
  let end: number;
  if (c === "\\") {
    const e = p[i + 1] ?? "";
    const cls = ESCAPE_CLASSES[e];
    matches = cls ?? ((ch) => ch === e);
    end = i + 2;
  } else if (c === "[") {
    let j = i + 1;
    const negated = p[j] === "^";
    if (negated) j++;
    const from = j;
    if (p[j] === "]") j++;
    while (j < p.length && p[j] !== "]") j += p[j] === "\\" ? 2 : 1;
    matches = classMatcher(p.slice(from, j), negated);
    end = j + 1;
  } else if (c === "(") {
    let open = 0;
    let j = i;
    for (; j < p.length; j++) {
      if (p[j] === "\\") {
        j++;
        continue;
      }
      if (p[j] === "(") open++;
      else if (p[j] === ")" && --open === 0) break;
    }
    let inner = p.slice(i + 1, j);
    const named = /^\?(?:P?<(?![=!])[A-Za-z_]\w*>|'[A-Za-z_]\w*'|:)/.exec(inner);
    if (named) inner = inner.slice(named[0].length);
    else if (inner.startsWith("?")) inner = "";
    // Too deep to read: assumed to start with anything (the caller reports rather than misses).
    matches = depth >= MAX_GROUP_DEPTH ? () => true : (ch) => startsWith(inner, ch, icase, depth + 1);
    end = j + 1;
  } else if (c === ".") {
    matches = () => true;
    end = i + 1;
  } else if (c === "^" || c === "$") {
    // Anchors match no character: the next atom is the first.
    return { matches: () => false, end: i + 1, optional: true };
  } else {
    matches = icase ? (ch) => ch.toLowerCase() === c.toLowerCase() : (ch) => ch === c;
    end = i + 1;
  }
  let optional = false;
  const q = p[end];
  if (q === "*" || q === "?") {
    optional = true;
    end++;
  } else if (q === "+") end++;
  else if (q === "{") {
    const m = /^\{(\d*)(?:,\d*)?\}/.exec(p.slice(end));
    if (m) {
      optional = m[1] === "" || Number(m[1]) === 0;
      end += m[0].length;
    }
  }
  // Lazy and possessive forms.
  if (p[end] === "?" || p[end] === "+") end++;
  return { matches, end, optional };
}

/** Whether a match of `body` can start with `ch` (an empty match cannot). */
export function canStartWith(body: string, ch: string, icase = false): boolean {
  return startsWith(body, ch, icase, 0);
}

function startsWith(body: string, ch: string, icase: boolean, depth: number): boolean {
  for (const alt of alternatives(body)) {
    let i = 0;
    for (;;) {
      const a = atomAt(alt, i, icase, depth);
      if (a === null) break;
      if (a.matches(ch)) return true;
      if (!a.optional) break;
      i = a.end;
    }
  }
  return false;
}

/** Whether every non-empty match of `body` starts with `ch` (each alternative's first atom is `ch`, required). */
export function mustStartWith(body: string, ch: string): boolean {
  for (const alt of alternatives(body)) {
    const a = atomAt(alt, 0, false, MAX_GROUP_DEPTH);
    if (a === null || a.optional) return false;
    // Only a literal: the atom matches `ch` and nothing else that a path holds.
    if (!a.matches(ch) || a.matches("a") || a.matches(".") || a.matches("-")) return false;
  }
  return true;
}
