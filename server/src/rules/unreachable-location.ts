// Rule `unreachable-location` (nginx-lint's unreachable_location): a regex location no request can reach.
// docs/rules/unreachable-location.md
//
// nginx (ngx_http_core_find_location) picks the longest matching prefix location; unless that one is `=`
// or `^~`, it then tries the regex locations of the block in the order they are written and takes the
// first that matches. So a regex is never reached when
// - an earlier regex of the same block matches every URI it matches (`~ /api` before `~ /api/v1`; a
//   catch-all such as `~ .*` or `~ ^/` before anything), or is the same regex again;
// - every URI it matches starts with the path of a `^~` location of the block, and no longer prefix
//   location there lets the regexes be tried (`^~ /static/` then `~ ^/static/.*\.css$`).
// Duplicate prefix and exact locations are refused by `nginx -t` (rule `duplicate`).

import type { Directive } from "../parse/ast";
import { isRegex, locationHead, type LocationHead } from "./location-match";
import type { BlockStatement, CheckSeed, StatementCheck } from "./statement-checks";

export const RULE_ID = "unreachable-location";

/** A regex read as literal text: what every match must contain, as far as this simple reading can tell. */
interface LiteralRegex {
  /** `^` first. */
  start: boolean;
  /** `$` last (only for a regex that is literal throughout). */
  end: boolean;
  /** The literal text the regex starts with (after `^`), unescaped. */
  lead: string;
  /** The whole regex is that literal (with its anchors). */
  whole: boolean;
}

const META = new Set([".", "[", "(", ")", "|", "*", "+", "?", "{", "^", "$"]);

/** The leading literal run of a regex; null when it has a top-level alternation (no one lead). */
function literalRegex(pattern: string): LiteralRegex | null {
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") i++;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) return null;
  }
  let i = 0;
  const start = pattern.startsWith("^");
  if (start) i++;
  let lead = "";
  let whole = true;
  while (i < pattern.length) {
    const c = pattern[i];
    let lit: string | null = null;
    let next = i + 1;
    if (c === "\\") {
      const e = pattern[i + 1] ?? "";
      // An escaped punctuation character is itself; `\d`, `\w`, … are classes.
      if (/[^A-Za-z0-9]/.test(e)) lit = e;
      next = i + 2;
    } else if (!META.has(c)) lit = c;
    if (lit === null) {
      // `$` at the very end keeps the regex literal.
      if (c === "$" && i === pattern.length - 1) return { start, end: true, lead, whole };
      whole = false;
      break;
    }
    const q = pattern[next];
    if (q === "?" || q === "*" || q === "{") {
      whole = false;
      break;
    }
    lead += lit;
    i = next;
    if (q === "+") {
      whole = false;
      break;
    }
  }
  return { start, end: false, lead, whole };
}

/** Regexes that match every URI (every URI starts with `/`). */
function matchesEverything(pattern: string): boolean {
  return /^\^?(\/?\.\*|\.\+?|\/\.?[*+]?|\/|)$/.test(pattern) && !/\$$/.test(pattern);
}

/** A regex location as the order check reads it (its literal reading made once per block check). */
interface RegexInfo {
  head: LocationHead;
  lit: LiteralRegex | null;
  s: BlockStatement;
}

/** Whether every URI `later` matches is matched by `earlier`, a literal regex (as far as literal text tells). */
function literalShadows(earlier: RegexInfo, later: RegexInfo): boolean {
  // A case-sensitive regex cannot cover a case-insensitive one.
  if (earlier.head.kind === "regex" && later.head.kind === "regex-icase") return false;
  const e = earlier.lit;
  const l = later.lit;
  if (e === null || l === null) return false;
  const fold = earlier.head.kind === "regex-icase" ? (x: string) => x.toLowerCase() : (x: string) => x;
  const lead = fold(l.lead);
  const lit = fold(e.lead);
  // `^E` needs the later regex anchored the same way and starting with E; `E` anywhere needs E inside.
  return e.start ? l.start && lead.startsWith(lit) : lead.includes(lit);
}

/**
 * Earlier literal regexes each later one is compared with, at most: a block of thousands of regex locations
 * (generated configurations) would otherwise cost millions of comparisons on every edit inside it.
 */
const MAX_LITERALS = 1000;

interface Loc {
  head: LocationHead;
  s: BlockStatement;
}

function seed(d: Directive, code: string, message: string, other: BlockStatement, path: string): CheckSeed {
  return {
    ruleId: RULE_ID,
    code,
    severity: "warning",
    message,
    d,
    path,
    word: d.argCount - 1,
    related: [{ d: other.d, word: other.d.argCount - 1, path: other.path, message: "matches first" }],
  };
}

const show = (h: LocationHead): string =>
  `${h.kind === "regex" ? "~" : h.kind === "regex-icase" ? "~*" : h.kind === "prefix-stop" ? "^~" : h.kind === "exact" ? "=" : ""} ${h.path}`.trim();

export const unreachableLocationCheck: StatementCheck = {
  ruleId: RULE_ID,
  block(_d, body, statements, _parents, _options, out) {
    if (body !== "server" && body !== "location") return;
    // Only a regex location can be shadowed: most blocks have none, and the incident's server, walked again
    // on every keystroke, has 4,000 prefix locations whose heads are not worth making for nothing.
    let regex = false;
    for (let i = 0; i < statements.length && !regex; i++) {
      const d = statements[i].d;
      if (d.name !== "location") continue;
      const first = d.argValue(0) ?? "";
      regex = d.argCount === 2 ? first === "~" || first === "~*" : first.length > 1 && first.startsWith("~");
    }
    if (!regex) return;
    const locs: Loc[] = [];
    for (const s of statements) {
      if (s.d.name !== "location" || s.d.block === undefined) continue;
      const head = locationHead(s.d);
      if (head !== null) locs.push({ head, s });
    }
    if (locs.length < 2) return;
    const regexes: RegexInfo[] = [];
    for (const l of locs) if (isRegex(l.head)) regexes.push({ head: l.head, lit: literalRegex(l.head.path), s: l.s });
    if (regexes.length === 0) return;
    const prefixes = locs.filter((l) => l.head.kind === "prefix" || l.head.kind === "exact");
    const stops = locs.filter((l) => l.head.kind === "prefix-stop");
    const seen = new Map<string, RegexInfo>();
    let everything: RegexInfo | null = null;
    const literals: RegexInfo[] = [];
    for (const later of regexes) {
      const same = seen.get(`${later.head.kind} ${later.head.path}`);
      let earlier: RegexInfo | null = same ?? everything;
      if (earlier === null)
        for (const e of literals)
          if (literalShadows(e, later)) {
            earlier = e;
            break;
          }
      if (same === undefined) seen.set(`${later.head.kind} ${later.head.path}`, later);
      if (everything === null && matchesEverything(later.head.path)) everything = later;
      const lit = later.lit;
      if (lit !== null && lit.whole && !lit.end && lit.lead !== "" && literals.length < MAX_LITERALS)
        literals.push(later);
      if (earlier !== null) {
        out.push(
          seed(
            later.s.d,
            same !== undefined ? "duplicate-regex" : "regex-order",
            `location "${show(later.head)}" is never used: regex locations are tried in order and ` +
              `"${show(earlier.head)}", written before it, matches every URI it matches; put the more specific one first`,
            earlier.s,
            later.s.path,
          ),
        );
        continue;
      }
      const l = later.lit;
      if (l === null || !l.start) continue;
      const lead = later.head.kind === "regex-icase" ? null : l.lead;
      if (lead === null) continue;
      const stop = stops.find((p) => lead.startsWith(p.head.path));
      if (stop === undefined) continue;
      // A longer plain prefix (or an exact one) under the ^~ path is the longest match for some URIs, and then
      // the regexes are tried.
      if (prefixes.some((p) => p.head.path.startsWith(stop.head.path) && p.head.path.length > stop.head.path.length))
        continue;
      out.push(
        seed(
          later.s.d,
          "prefix-stop",
          `location "${show(later.head)}" is never used: every URI it matches starts with "${stop.head.path}", whose ` +
            `"^~" location stops the search for regex locations`,
          stop.s,
          later.s.path,
        ),
      );
    }
  },
};
