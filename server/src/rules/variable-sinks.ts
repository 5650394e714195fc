// Which statements the rules about client-chosen values (ssrf, http-splitting) must look at, decided from each
// statement's own text, and what every block holds of them, kept per block while it is unchanged.
//
// Most statements that write a variable into an address or a header read builtins only, and builtins no `set`
// or `map` of the configuration redefines (`proxy_set_header Host $host`: 25,000 of large-config ×10's
// 50,000 such statements): what they hold is known from their text alone, and the two rules say nothing of
// them unless that text already carries the danger (`proxy_pass http://$http_host`). So the flow
// (variable-flow.ts) looks only at
//
// - the statements whose value reads a capture or a variable of the configuration, or whose builtins alone
//   fire one of the two rules (`needsFlow`), and
// - the `set`s and `map`s of the names those read, found by name;
//
// and every block keeps, per SubtreeMemo (workspace/subtree-memo.ts), whether its subtree holds such a
// statement and which names it defines. A keystroke recomputes the blocks around the edit; the rest of the
// file is skipped block by block, where asking the model for every `set`, `proxy_set_header`, `add_header`…
// made the site of every statement of the file on every keystroke (issue 15: 114 ms of large-config ×10's
// analysis went to ssrf, 31 ms to http-splitting).
//
// A `set` or `map` that defines a builtin's name (`set $http_x …`, `set $args …`) can change what any of those
// other statements read: then the flow reads every statement as before (`FlowSummary.builtinDefs`).

import type { Directive } from "../parse/ast";
import { SubtreeMemo, summarize, type SubtreeFold } from "../workspace/subtree-memo";
import { CR, LF } from "./regex-shape";
import type { Alternative, Leaf } from "./variable-flow";
import { builtinHolds, valueParts } from "./variable-values";

/** The proxy-like directives whose address may come from a variable (ssrf). */
export const PASS_DIRECTIVES: ReadonlySet<string> = new Set([
  "proxy_pass",
  "fastcgi_pass",
  "uwsgi_pass",
  "scgi_pass",
  "grpc_pass",
]);
/** Where a value becomes a response header or a line of the request to the upstream (http-splitting). */
export const HEADER_SINKS: ReadonlySet<string> = new Set([
  "add_header",
  "add_trailer",
  "proxy_set_header",
  "return",
  "rewrite",
]);

const DOT = 0x2e;
const REDIRECT_CODES = new Set(["301", "302", "303", "307", "308"]);

/** The first leaf of `alt` that a client chooses within the URL's scheme or host, if any (ssrf). */
export function hostLeaf(alt: Alternative): Leaf | null {
  // 0: scheme or host (no "://" seen yet), 1: host; the URL's path starts at `/`, `?` or `#` after them.
  let state = 0;
  let lit = "";
  for (const p of alt) {
    if (typeof p === "string") {
      for (const c of p) {
        lit += c;
        if (state === 0 && lit.endsWith("://")) state = 1;
        else if (state === 0 && lit.endsWith(":/")) continue;
        else if (c === "/" || c === "?" || c === "#") return null;
      }
      continue;
    }
    if (p.holds.slashFirst) return null;
    if (p.holds.user && p.holds.bytes.has(DOT)) return p;
  }
  return null;
}

/** Where a statement's header or request line is (`sinkArg`): one object per shape, shared (read only). */
export interface SinkArg {
  readonly index: number;
  readonly crCounts: boolean;
  readonly rewrite?: boolean;
}
const SECOND_CR: SinkArg = { index: 1, crCounts: true };
const SECOND: SinkArg = { index: 1, crCounts: false };
const FIRST: SinkArg = { index: 0, crCounts: false };
const FIRST_CR: SinkArg = { index: 0, crCounts: true };
const REWRITE: SinkArg = { index: 1, crCounts: true, rewrite: true };

/** The argument of `d` that becomes a header or request line, and whether a bare CR counts there (http-splitting). */
export function sinkArg(d: Directive): SinkArg | null {
  switch (d.name) {
    case "add_header":
    case "add_trailer":
      return d.argCount >= 2 ? SECOND_CR : null;
    case "proxy_set_header":
      // Upstream servers split request headers at LF; a lone CR is not a line end for them (gixy's reading).
      return d.argCount >= 2 ? SECOND : null;
    case "proxy_pass":
      return d.argCount >= 1 ? FIRST : null;
    case "return": {
      // `return code URL` sets Location only for redirect codes; other codes send the text as the body.
      if (d.argCount === 2 && REDIRECT_CODES.has(d.argValue(0) ?? "")) return SECOND_CR;
      if (d.argCount === 1 && !/^\d+$/.test(d.argValue(0) ?? "")) return FIRST_CR;
      return null;
    }
    case "rewrite": {
      if (d.argCount < 2) return null;
      const target = d.argValue(1) ?? "";
      const flag = d.argValue(2) ?? "";
      // A rewrite redirects (and writes Location) when its target is absolute or its flag says so.
      const redirects = /^(https?:\/\/|\$scheme)/.test(target) || flag === "redirect" || flag === "permanent";
      return redirects ? REWRITE : null;
    }
  }
  return null;
}

/** Whether a leaf may carry CR / LF a client put there. */
export const carriesCr = (l: Leaf): boolean => l.holds.user && l.holds.bytes.has(CR);
export const carriesLf = (l: Leaf): boolean => l.holds.user && l.holds.bytes.has(LF);

/** A value read as builtins only (`alt` null: it reads a capture or a name no builtin has), and the names it reads. */
export interface BuiltinValue {
  alt: Alternative | null;
  names: string[];
  /** Read from `alt` once per text (needsFlow): a client chooses the host (`hostLeaf`), a leaf may carry LF, CR. */
  host: boolean;
  lf: boolean;
  cr: boolean;
}

/**
 * Per value text: the value read as builtins only. By text, not by statement: the same few values (`$host`,
 * `$remote_addr`) are written in thousands of statements.
 */
const builtinValues = new Map<string, BuiltinValue>();

export function builtinValue(text: string): BuiltinValue {
  let memo = builtinValues.get(text);
  if (memo === undefined) {
    const parts = valueParts(text);
    let alt: Alternative | null = [];
    for (const p of parts) {
      if ("lit" in p) alt.push(p.lit);
      else {
        const b = p.name.length === 1 && p.name >= "1" && p.name <= "9" ? null : builtinHolds(p.name);
        if (b === null) {
          alt = null;
          break;
        }
        alt.push({ name: `$${p.name}`, holds: b, via: [] });
      }
    }
    let lf = false;
    let cr = false;
    for (const p of alt ?? []) {
      if (typeof p === "string") continue;
      lf ||= carriesLf(p);
      cr ||= carriesCr(p);
    }
    memo = {
      alt,
      names: parts.flatMap((p) => ("name" in p ? [p.name] : [])),
      host: alt !== null && hostLeaf(alt) !== null,
      lf,
      cr,
    };
    if (builtinValues.size > 4096) builtinValues.clear();
    builtinValues.set(text, memo);
  }
  return memo;
}

/**
 * Whether the flow must look at `d`: a pass whose address, or a header sink whose header, reads something
 * besides builtins, or whose builtins alone make it a finding. A statement for which this is false gives no
 * finding of either rule as long as no `set`/`map` defines a builtin's name.
 */
export function needsFlow(d: Directive): boolean {
  // One lookup for the name (most statements are neither a pass nor a sink).
  const role = FLOW_ROLES.get(d.name);
  if (role === undefined) return false;
  if (role === PASS && d.argCount >= 1) {
    const text = d.argValue(0)!;
    if (text.includes("$")) {
      const v = builtinValue(text);
      if (v.alt === null || v.host) return true;
    }
  }
  const sink = sinkArg(d);
  if (sink === null) return false;
  const text = d.argValue(sink.index) ?? "";
  if (!text.includes("$")) return false;
  const v = builtinValue(text);
  return v.alt === null || v.lf || (sink.crCounts && v.cr);
}

const PASS = 1;
const SINK = 2;
/** PASS_DIRECTIVES and HEADER_SINKS by name. */
const FLOW_ROLES = new Map<string, number>([
  ...[...PASS_DIRECTIVES].map((n): [string, number] => [n, PASS]),
  ...[...HEADER_SINKS].map((n): [string, number] => [n, SINK]),
]);

/** `$Name` as nginx keys variables: without the `$`, lowercase. */
export function variableName(word: string): string {
  return (word.charCodeAt(0) === 0x24 ? word.slice(1) : word).toLowerCase();
}

/** The variable `d` gives a value to (`set`, `auth_request_set`, `map`), as nginx keys it, or null. */
export function definedName(d: Directive): string | null {
  if ((d.name === "set" || d.name === "auth_request_set") && d.argCount >= 2) return variableName(d.argValue(0) ?? "");
  if (d.name === "map" && d.block && d.argCount >= 2) return variableName(d.argValue(1) ?? "");
  return null;
}

/** What a block's subtree (in its own file) holds for the flow. */
export interface FlowSummary {
  /** A statement `needsFlow` accepts. */
  sinks: boolean;
  /** A `set`/`map` of a name a builtin has. */
  builtinDefs: boolean;
  /** The names its `set`s and `map`s define; null: any (an `include` inside, or more than MAX_NAMES). */
  defines: ReadonlySet<string> | null;
}

/** Past this many names a block's summary says "any name" (a set of names per block is for the usual few). */
const MAX_NAMES = 256;
const NO_NAMES: ReadonlySet<string> = new Set();
const NOTHING: FlowSummary = { sinks: false, builtinDefs: false, defines: NO_NAMES };
/** The summary of a block with sinks and no definition below (a location with a header of a map's variable). */
const SINKS_ONLY: FlowSummary = { sinks: true, builtinDefs: false, defines: NO_NAMES };
const SUMMARIES = new SubtreeMemo<FlowSummary>();

interface Frame {
  sinks: boolean;
  builtinDefs: boolean;
  /** The names defined below so far (null: none yet). */
  defines: Set<string> | null;
  /** Any name may be defined below (an include, or past MAX_NAMES). */
  anyName: boolean;
}

/** How a block's summary is made from its statements and the blocks below (subtree-memo.ts `summarize`). */
const FOLD: SubtreeFold<Frame, FlowSummary> = {
  start: () => ({ sinks: false, builtinDefs: false, defines: null, anyName: false }),
  statement(f, node) {
    if (node.name === "include") {
      // What it reads is not in the tree: anything may be there.
      f.sinks = f.builtinDefs = f.anyName = true;
      return false;
    }
    if (!f.sinks && needsFlow(node)) f.sinks = true;
    const name = definedName(node);
    if (name !== null) {
      if (builtinHolds(name) !== null) f.builtinDefs = true;
      addName(f, name);
    }
    return true;
  },
  merge(f, s) {
    if (s === NOTHING) return;
    f.sinks ||= s.sinks;
    f.builtinDefs ||= s.builtinDefs;
    if (s.defines === null) {
      f.anyName = true;
      f.defines = null;
    } else for (const n of s.defines) addName(f, n);
  },
  finish: (f) =>
    !f.builtinDefs && !f.anyName && f.defines === null
      ? f.sinks
        ? SINKS_ONLY
        : NOTHING
      : { sinks: f.sinks, builtinDefs: f.builtinDefs, defines: f.anyName ? null : (f.defines ?? NO_NAMES) },
};

/** The summary of the block of `block`, remembered per block while it is unchanged. */
export function flowSummary(block: Directive): FlowSummary {
  return summarize(block, SUMMARIES, FOLD);
}

function addName(f: Frame, name: string): void {
  if (f.anyName) return;
  (f.defines ??= new Set()).add(name);
  if (f.defines.size > MAX_NAMES) {
    f.anyName = true;
    f.defines = null;
  }
}
