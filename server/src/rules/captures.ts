// What the regex rules of issue 15 (invalid-regex, unanchored-regex, overlapping-captures, unnamed-groups,
// map-unnamed-capture) read of a pattern and of the values that use its captures: the `$1`..`$9` a value
// refers to, read as ngx_http_script_compile() reads them, and the shape of a pattern PCRE2 accepts (which
// groups capture, how they nest, how each top-level branch ends), from the PCRE2 10.42 parser (pcre2.ts).

import type { Directive } from "../parse/ast";
import { compareVersions } from "../cost/versions";
import { type Item, PCRE2_ESCAPES, pcre2Items } from "./pcre2";
import { nginxWordValue } from "./regex";
import { isNameChar, knownVariables } from "./variable";

/** A `$N` of a value: the capture's number and where the `$` is in the value. */
export interface CaptureRef {
  n: number;
  index: number;
}

/**
 * The `$1`..`$9` of a value as nginx compiles it (ngx_http_script_compile(), 1.22.1): `$` and one digit
 * 1-9 is a capture (`$10` is `$1` and a `0`); `$name` and `${name}` are variables. `value`: nginx's word value.
 */
export function captureRefs(value: string): readonly CaptureRef[] {
  // Character codes and no list until a reference is found: this reads every argument with a `$` of every
  // statement in a regex location or `if`.
  let out: CaptureRef[] | null = null;
  for (let i = value.indexOf("$"); i >= 0 && i + 1 < value.length; i = value.indexOf("$", i + 1)) {
    const c = value.charCodeAt(i + 1);
    if (c >= 0x31 && c <= 0x39 /* 1-9 */) {
      out = add(out, { n: c - 0x30, index: i });
      i++;
    } else if (c === 0x7b /* { */) {
      const close = value.indexOf("}", i + 2);
      if (close < 0) break;
      i = close;
    } else {
      let j = i + 1;
      while (j < value.length && isNameChar(value.charCodeAt(j))) j++;
      i = j - 1;
    }
  }
  return out ?? NO_REFS;
}

const NO_REFS: readonly CaptureRef[] = Object.freeze([]);

/** A group of a pattern: its kind (`capture`, `nocap`, `atomic`, `la`, …), number and name when it captures. */
export interface GroupNode {
  kind: "group";
  g: string;
  n?: number;
  name?: string;
  /** Its alternatives, each a sequence of nodes. */
  branches: PatternNode[][];
}

/** An item of a branch: a group, or one of the parser's other items (a literal, an anchor, a quantifier…). */
export type PatternNode = GroupNode | { kind: "item"; item: Item };

/** A pattern PCRE2 accepts as a tree of groups (null when PCRE2 refuses it: rule `regex` reports that). */
export interface PatternShape {
  /** The top-level alternatives. */
  branches: PatternNode[][];
  /** Every capturing group, by number, with the numbers of the capturing groups it lies inside. */
  captures: Map<number, { name?: string; ancestors: number[] }>;
}

const shapes = new Map<string, PatternShape | null>();

/** The shape of `pattern` (remembered: the same regexes are read on every keystroke). */
export function patternShape(pattern: string): PatternShape | null {
  const known = shapes.get(pattern);
  if (known !== undefined) return known;
  const items = pcre2Items(pattern);
  const shape = items === null ? null : shapeOf(items);
  if (shapes.size >= 20_000) shapes.clear();
  shapes.set(pattern, shape);
  return shape;
}

function shapeOf(items: readonly Item[]): PatternShape {
  const root: GroupNode = { kind: "group", g: "root", branches: [[]] };
  const stack: GroupNode[] = [root];
  const captureStack: number[] = [];
  const captures = new Map<number, { name?: string; ancestors: number[] }>();
  for (const item of items) {
    const top = stack[stack.length - 1];
    const branch = top.branches[top.branches.length - 1];
    if (item.k === "open") {
      const node: GroupNode = { kind: "group", g: item.g, branches: [[]] };
      if (item.g === "capture" && item.n !== undefined) {
        node.n = item.n;
        if (item.name !== undefined) node.name = item.name;
        if (!captures.has(item.n)) captures.set(item.n, { name: item.name, ancestors: captureStack.slice() });
      }
      branch.push(node);
      stack.push(node);
      captureStack.push(node.n ?? -1);
    } else if (item.k === "ket") {
      if (stack.length > 1) {
        stack.pop();
        captureStack.pop();
      }
    } else if (item.k === "alt") top.branches.push([]);
    else branch.push({ kind: "item", item });
  }
  for (const c of captures.values()) c.ancestors = c.ancestors.filter((n) => n >= 0);
  return { branches: root.branches, captures };
}

/** Whether a branch ends with `$`, `\z` or `\Z` (ignoring a trailing lookahead-free nothing). */
export function branchEndsAnchored(branch: readonly PatternNode[]): boolean {
  const last = branch[branch.length - 1];
  if (last === undefined || last.kind !== "item") return false;
  const it = last.item;
  return it.k === "dollar" || (it.k === "esc" && (it.e === PCRE2_ESCAPES.z || it.e === PCRE2_ESCAPES.Z));
}

/** The numbers of the pattern's capturing groups that have no name. */
export function unnamedCaptures(shape: PatternShape): number[] {
  const out: number[] = [];
  for (const [n, c] of shape.captures) if (c.name === undefined) out.push(n);
  return out;
}

/**
 * Whether the deployed nginx (`options.nginxVersion`; unknown: assumed affected, as a security rule should)
 * is before the fix of a bug fixed in the stable release `stable` and the mainline release `mainline`: every
 * release before `stable`, and the mainline releases of `stable`'s branch + 1 before `mainline`. A Debian 12
 * package version (`1.22.1-9+deb12u7`) is judged by its revision: `debian12` is the first `deb12uN` that
 * carries the fix (read in /usr/share/doc/nginx/changelog.Debian.gz).
 */
export function beforeFix(version: string | undefined, stable: string, mainline: string, debian12?: number): boolean {
  if (version === undefined || version.trim() === "") return true;
  const deb = /^1\.22\.1-9\+deb12u(\d+)/.exec(version.trim());
  if (deb !== null && debian12 !== undefined) return Number(deb[1]) < debian12;
  const [ms, mm] = mainline.split(".").map(Number);
  const mainlineBranch = `${ms}.${mm}.0`;
  if (compareVersions(version, mainlineBranch) >= 0) return compareVersions(version, mainline) < 0;
  return compareVersions(version, stable) < 0;
}

/** A variable a value names, as `variableNames` reads it. */
export interface VariableName {
  /** As written, without `$`/braces. */
  name: string;
  /** Where its `$` is in the value. */
  index: number;
  /** `name` lowercased (nginx's key for it). */
  lower: string;
  /** `isModuleVariable(lower)`: a variable of nginx's modules nothing may define again. */
  fixed: boolean;
}

/**
 * variableNames's answers by value: the same few values (`$host`, `$remote_addr`) fill most statements, and
 * each name's lowercase and kind are read once per value, not per statement (a million of them cold).
 */
const namesByValue = new Map<string, readonly VariableName[]>();

const NO_NAMES: readonly VariableName[] = Object.freeze([]);

/** The variables a value names (`$name`, `${name}`), as written, without `$`/braces; `$1`..`$9` are not. */
export function variableNames(value: string): readonly VariableName[] {
  let names = namesByValue.get(value);
  if (names === undefined) {
    names = readNames(value);
    // A value that names none (a regex's `$` anchor: one per regex location, most of them distinct) is read
    // again when asked, not kept: they filled the table and pushed the few values that repeat out of it.
    if (names.length === 0) return NO_NAMES;
    if (namesByValue.size > 65_536) namesByValue.clear();
    namesByValue.set(value, names);
  }
  return names;
}

/** An argument of a statement that names variables: its index and the names (`variableNames`). */
export interface NamedArg {
  readonly arg: number;
  readonly names: readonly VariableName[];
}

const NO_ARGS: readonly NamedArg[] = Object.freeze([]);
let namedArgsOf: Directive | null = null;
let namedArgsWere: readonly NamedArg[] = NO_ARGS;

/**
 * The arguments of `d` that name a variable other than nginx's own written as documented (`$host`,
 * `$remote_addr`: no check that asks reads those), each with all its names (`variableNames`, as nginx reads
 * the value), in order. Several statement checks read every statement's variables (hash-without-default,
 * mixed-case-variable): the walk asks for one statement after the other, so the last answer is kept and the
 * others get it without reading the arguments again. Most statements have none (an empty list, shared).
 */
export function namedArgs(d: Directive): readonly NamedArg[] {
  if (d === namedArgsOf) return namedArgsWere;
  let out: NamedArg[] | null = null;
  const n = d.argCount;
  for (let i = 0; i < n; i++) {
    const raw = d.argValue(i)!;
    if (!raw.includes("$")) continue;
    const names = variableNames(nginxWordValue(raw));
    if (onlyDocumented(names)) continue;
    out = add(out, { arg: i, names });
  }
  namedArgsOf = d;
  return (namedArgsWere = out ?? NO_ARGS);
}

/** Whether every name is a module's variable written as documented (none, too). */
function onlyDocumented(names: readonly VariableName[]): boolean {
  for (let k = 0; k < names.length; k++) if (!names[k].fixed || names[k].name !== names[k].lower) return false;
  return true;
}

function named(name: string, index: number): VariableName {
  const lower = name.toLowerCase();
  return { name, index, lower, fixed: isModuleVariable(lower) };
}

function readNames(value: string): readonly VariableName[] {
  let out: VariableName[] | null = null;
  for (let i = value.indexOf("$"); i >= 0 && i + 1 < value.length; i = value.indexOf("$", i + 1)) {
    const c = value.charCodeAt(i + 1);
    if (c === 0x7b /* { */) {
      const close = value.indexOf("}", i + 2);
      if (close < 0) break;
      out = add(out, named(value.slice(i + 2, close), i));
      i = close;
    } else if (isNameStart(c)) {
      let j = i + 2;
      while (j < value.length && isNameChar(value.charCodeAt(j))) j++;
      out = add(out, named(value.slice(i + 1, j), i));
      i = j - 1;
    } else if (c >= 0x31 && c <= 0x39 /* 1-9 */) i++;
  }
  return out ?? NO_NAMES;
}

/** `list` with `x` added: `[x]` for the first (an empty array pushed to takes room for 17). */
function add<T>(list: T[] | null, x: T): T[] {
  if (list === null) return [x];
  list.push(x);
  return list;
}

/** A-Z, a-z, _ (as character codes: no string nor regex test per character). */
const isNameStart = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;

let fixedNames: Set<string> | undefined;

/**
 * Whether `name` (lowercase) is a variable of nginx's modules that nothing may define again (not changeable:
 * ngx_http_add_variable() refuses a `map`, `geo` or `set` of it): `host`, `remote_addr`, `uri`…
 */
export function isModuleVariable(name: string): boolean {
  if (fixedNames === undefined) {
    fixedNames = new Set();
    for (const family of ["http", "stream"] as const)
      for (const row of knownVariables(family)) if (!row.prefix && row.changeable !== true) fixedNames.add(row.name);
  }
  return fixedNames.has(name);
}
