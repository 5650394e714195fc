// Does a file read as nginx configuration? An `include` can name any file (`include /etc/passwd;`,
// `include .env;`, a certificate, a binary), and nginx would report its first word in `unknown directive
// "…"`: messages would quote a secret. A file reached that way (an include, a folder scan) is analysed, and
// its words shown, only when it reads as configuration; files the user opened are shown whatever they are.
//
// The signals, none of which needs the file's words in a message:
// - a NUL byte: binary (nginx reads it, but nothing in it is configuration);
// - in a directive body, the share of statements that are directives of the table (any module), or every
//   statement having a directive's shape: a lowercase name (nginx's tables use [a-z0-9_]; an .env's
//   `KEY=value`, /etc/passwd's `root:x:0:0:…`, a PEM's `-----BEGIN` never do) and a terminator (`;`, `{`);
// - in a table body (`map`, `types`, `geo`, … where nginx's handler reads entries, not directives), every
//   entry ended by `;` (an .env or a password file has none, so it reads as one unterminated statement).

import type { Directive, Node, ParsedFile } from "../parse/ast";
import { lookupDirective } from "../parse/directives";
import { SubtreeMemo } from "./subtree-memo";
import { firstNonBlank, hasTextWindow, textHoldsNul, textSlice } from "./text-window";

export interface Classification {
  configuration: boolean;
  /** Why, in counts only (never the file's words): "3 of its 40 statements are known directives". */
  reason: string;
}

const DIRECTIVE_NAME = /^[a-z][a-z0-9_]*$/;

/** A block whose body its handler reads as entries (`types`, `map`, `geo`, `split_clients`, `match`, …). */
export function isTableBlock(name: string): boolean {
  return lookupDirective(name).some((v) => v.body === "custom");
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Whether `parsed` reads as nginx configuration when included in a directive body (`table` false) or in a
 * table body such as `map { include entries; }` (`table` true).
 *
 * Thresholds, from the shared corpus: its configurations with the most syntax errors (unquoted regexes with
 * `{n}`, cut into many statements) still have 46% known directives; a secret has none, so a quarter is the
 * bar. Table entries are judged on their own (a `types { }` of 100 entries is one known directive).
 */
export function classifyConfiguration(parsed: ParsedFile, table = false): Classification {
  return verdict(bodyCounts(parsed, table, false), table);
}

/** What classifyConfiguration counts, in one walk; with `lines`, also classifyOpenedFile's directive lines. */
interface BodyCounts {
  nul: boolean;
  statements: number;
  known: number;
  shaped: number;
  entries: number;
  ended: number;
  /**
   * Lines where a known directive written as nginx's starts, first on its line, outside table bodies (one per
   * line: only one statement starts first on a line). A lower bound of lineShape's `nginxLike` (those lines
   * are in its `directiveLines`, hold code, and no word or Lua body spans into them, or something would
   * precede the name), while `lineCount` bounds its `lines`. Counted only when asked.
   */
  directiveLines: number;
}

/** What bodyCounts asks of a directive name: a known directive, shaped like one, a table block. */
const KNOWN = 1;
const SHAPED_NAME = 2;
const TABLE_BLOCK = 4;

/**
 * The flags of `name`, found once per name and walk: a file of 30,000 statements has a few hundred
 * names, and up to three table lookups and two pattern tests per statement were about a third of the
 * first classification of large-config (profiled; the server's first analysis classifies the opened file).
 */
function nameFlags(seen: Map<string, number>, name: string): number {
  let flags = seen.get(name);
  if (flags === undefined) {
    const variants = lookupDirective(name);
    flags =
      (name !== "" && variants.length > 0 ? KNOWN : 0) |
      (DIRECTIVE_NAME.test(name) ? SHAPED_NAME : 0) |
      (variants.some((v) => v.body === "custom") ? TABLE_BLOCK : 0);
    seen.set(name, flags);
  }
  return flags;
}

type Counts = Omit<BodyCounts, "nul">;

/**
 * The counts of each block's body, per block directive and whether `directiveLines` were counted: kept
 * across keystrokes while the block is unchanged (subtree-memo.ts), so classifying the edited buffer walks
 * only the blocks around the edit. A body's counts depend on its own statements alone: whether it is a
 * table comes from the block's name, and firstOnLine reads only the body's text back to its line's start
 * (or meets the block's own `{`).
 */
const bodyMemo = new SubtreeMemo<[Counts | undefined, Counts | undefined]>();

function addCounts(to: Counts, c: Counts): void {
  to.statements += c.statements;
  to.known += c.known;
  to.shaped += c.shaped;
  to.entries += c.entries;
  to.ended += c.ended;
  to.directiveLines += c.directiveLines;
}

function bodyCounts(parsed: ParsedFile, table: boolean, lines: boolean): BodyCounts {
  const c: BodyCounts = { nul: false, statements: 0, known: 0, shaped: 0, entries: 0, ended: 0, directiveLines: 0 };
  if (textHoldsNul(parsed)) {
    c.nul = true;
    return c;
  }
  const seen = new Map<string, number>();
  const slot = lines ? 1 : 0;
  // An explicit stack, not recursion: nginx accepts 13,000 nested blocks, deeper than V8's stack. A frame's
  // counts are added to its parent's when it is done, and remembered for its block.
  interface Frame {
    nodes: readonly Node[];
    index: number;
    inTable: boolean;
    block: Directive | null;
    counts: Counts;
    /**
     * The absolute offset of the statements' base (their block's directive; 0 at the top level), read once
     * per block and only when lines are counted: a statement's name then starts at base + its own and its
     * name's relative offsets, what `nameWord.startOffset` adds up through four getters per statement
     * (parse/ast.ts; the first classification of large-config: 31 -> 19 ms, medians of 15 cold processes).
     */
    base: number;
  }
  const stack: Frame[] = [{ nodes: parsed.children, index: 0, inTable: table, block: null, counts: c, base: 0 }];
  // Where firstOnLine reads (only when lines are counted).
  const text = lines ? textOf(parsed) : null;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.index >= top.nodes.length) {
      stack.pop();
      if (top.block !== null) {
        const memo = bodyMemo.get(top.block) ?? [undefined, undefined];
        memo[slot] = top.counts;
        bodyMemo.set(top.block, memo);
        addCounts(stack[stack.length - 1].counts, top.counts);
      }
      continue;
    }
    const n = top.nodes[top.index++];
    if (n.kind !== "directive") continue;
    const d: Directive = n;
    const counts = top.counts;
    if (top.inTable) {
      counts.entries++;
      if (d.terminator === ";") counts.ended++;
      continue;
    }
    counts.statements++;
    const flags = nameFlags(seen, d.name);
    if (flags & KNOWN) counts.known++;
    // A quoted name is legal but unusual: only a bare one gives the shape of a directive.
    const shaped = d.nameQuote === null && (flags & SHAPED_NAME) !== 0 && d.terminator !== null;
    if (shaped) counts.shaped++;
    // isDirectiveStatement, with the name's flags.
    if (
      lines &&
      shaped &&
      flags & KNOWN &&
      notIniAssignment(d) &&
      // The number, not `range` (a fresh Range per read: 16 ms of a server start on large-config).
      // (a directive starts where its name does).
      firstOnLine(parsed, text, top.base + d.relStartOffset)
    )
      counts.directiveLines++;
    if (d.block) {
      const known = bodyMemo.get(d)?.[slot];
      if (known !== undefined) addCounts(counts, known);
      else
        stack.push({
          nodes: d.block.children,
          index: 0,
          inTable: (flags & TABLE_BLOCK) !== 0,
          block: d,
          counts: { statements: 0, known: 0, shaped: 0, entries: 0, ended: 0, directiveLines: 0 },
          base: lines ? d.startOffset : 0,
        });
    }
  }
  return c;
}

function verdict(c: BodyCounts, table: boolean): Classification {
  if (c.nul) return { configuration: false, reason: "it holds NUL bytes" };
  const { statements, known, shaped, entries, ended } = c;
  if (statements === 0 && entries === 0) return { configuration: true, reason: "no statements" };
  if (table || statements === 0) {
    return ended * 2 >= entries
      ? { configuration: true, reason: `${ended} of its ${plural(entries, "entry", "entries")} ended by ";"` }
      : { configuration: false, reason: `${ended} of its ${plural(entries, "entry", "entries")} ended by ";"` };
  }
  const configuration = known * 4 >= statements || shaped === statements;
  return {
    configuration,
    reason: `${known} of its ${plural(statements, "statement", "statements")} ${known === 1 ? "is a" : "are"} known directive${known === 1 ? "" : "s"}`,
  };
}

/**
 * Whether a file the user OPENED reads as nginx configuration. Editors map every `*.conf` to one language
 * (another extension may send redis.conf, supervisord.conf or a php-fpm pool to us as `nginx`); such a file
 * gets no diagnostics, outline or formatting. A broken nginx file must still get its errors, so this says
 * "not nginx" only on evidence of another format:
 * - what `classifyConfiguration` already rejects (NUL bytes; a redis.conf, an sshd_config, YAML or a
 *   systemd unit is one long unterminated statement of unknown words), in a directive body and as a table;
 * - JSON (an object or array that parses);
 * - lines shaped like another format: of the lines that start outside a comment, a Lua body or a quoted
 *   string, fewer than a quarter end a statement or a block (`;`, `{`, `}`) or start with a known directive
 *   (not followed by `=`, as `user = www-data` of an INI file is). A php-fpm pool or a my.cnf splits into
 *   statements at its `;` comments, so the statement counts alone would take it for a table of entries.
 *   Measured on the shared corpus, the lowest share of any configuration is (see the corpus test) far above
 *   a quarter; the other formats written in test/workspace/classify.test.ts stay below a sixth.
 * Files of fewer than 3 such lines are judged by the statements alone (a file being typed, `listen 80`).
 */
export function classifyOpenedFile(parsed: ParsedFile): Classification {
  const counts = bodyCounts(parsed, false, true);
  const direct = verdict(counts, false);
  if (!direct.configuration && !classifyConfiguration(parsed, true).configuration) return direct;
  if (isJson(parsed)) return { configuration: false, reason: "it is JSON" };
  // lineShape's verdict is settled without it when the directive lines alone make a quarter of every line:
  // each of them is one lineShape counts, and counts as nginx-like (it is how a configuration being typed
  // is judged on every keystroke: lineShape's sets and slices cost seconds on a 350,000-line file).
  if (direct.configuration && counts.directiveLines * 4 >= parsed.lineCount) return direct;
  const { lines, nginxLike } = lineShape(parsed);
  if (lines >= 3 && nginxLike * 4 < lines)
    return {
      configuration: false,
      reason: `${nginxLike} of its ${plural(lines, "line", "lines")} end a statement or a block or start with a known directive`,
    };
  return direct.configuration ? direct : { configuration: true, reason: 'its entries are ended by ";"' };
}

/** A known directive ended by `;`, `{` or a Lua body, and not `key = value` (an INI line cut at a `;` comment). */
function isDirectiveStatement(d: Directive): boolean {
  if (d.terminator === null || d.nameQuote !== null || !DIRECTIVE_NAME.test(d.name)) return false;
  if (lookupDirective(d.name).length === 0) return false;
  return notIniAssignment(d);
}

/** Not `key = value`: `location = /exact` is the one directive whose first argument may be `=`. */
function notIniAssignment(d: Directive): boolean {
  // The values and quotes the directive keeps, not its words (made when read: parse/ast.ts).
  return d.argValue(0) !== "=" || d.argQuote(0) !== null || d.name === "location";
}

/**
 * Only blanks (and a byte order mark) precede `offset` on its line. `text` is `parsed.text` when it may be read
 * in place, null for an edited buffer's, which is read back in short slices (text-window.ts).
 */
function firstOnLine(parsed: ParsedFile, text: string | null, offset: number): boolean {
  let end = offset;
  while (end > 0) {
    const from = text === null ? Math.max(0, end - 64) : 0;
    const chars = text === null ? textSlice(parsed, from, end) : text;
    for (let i = end - from - 1; i >= 0; i--) {
      const c = chars.charCodeAt(i);
      if (c === 10 || c === 13) return true;
      if (c !== 0x20 && c !== 0x09 && c !== 0xfeff) return false;
    }
    end = from;
  }
  return true;
}

/** firstOnLine's `text` for `parsed`: an edited buffer's is read in slices through its window (null), any other's in place. */
function textOf(parsed: ParsedFile): string | null {
  return hasTextWindow(parsed) ? null : parsed.text;
}

/** The line a statement's head ends on: its `;`, its block's `{`, the start of its Lua body. */
function headEndLine(d: Directive): number {
  if (d.terminator === ";") return d.endLine;
  if (d.block) return d.block.open.end.line;
  if (d.lua) return d.lua.range.start.line;
  return d.endLine;
}

function isJson(parsed: ParsedFile): boolean {
  // Settled by the first character when it is not `{` or `[` (without reading an edited buffer whole).
  const first = firstNonBlank(parsed);
  if (first !== "{" && first !== "[") return false;
  try {
    JSON.parse(parsed.text.trim());
    return true;
  } catch {
    return false;
  }
}

/**
 * The lines that start outside comments, Lua bodies and quoted words spanning lines, and how many of them
 * look like nginx's: ending with `;`, `{` or `}` (a trailing `#` comment aside), or starting with a known
 * directive name not followed by `=`. A line starting with `;` (an INI comment) ends nothing.
 */
export function lineShape(parsed: ParsedFile): { lines: number; nginxLike: number } {
  const text = parsed.text;
  const read = textOf(parsed);
  // Lines that continue a Lua body or a quoted word: not lines of nginx's own syntax.
  const inside = new Set<number>();
  const comments = new Map<number, number>();
  const directiveLines = new Set<number>();
  const stack: { nodes: readonly Node[]; inTable: boolean }[] = [{ nodes: parsed.children, inTable: false }];
  while (stack.length > 0) {
    const { nodes, inTable } = stack.pop()!;
    for (const n of nodes) {
      if (n.kind === "comment") {
        comments.set(n.startLine, n.startCharacter);
        continue;
      }
      for (const c of n.argComments) comments.set(c.startLine, c.startCharacter);
      // A known directive that ends as nginx's do (`gzip_types` over 30 lines, `;` on the last): its lines.
      // Only one written as nginx's are, first on its line: in a supervisord.conf, `; use a unix:// URL`
      // would make a statement of `use` (events' directive) running 37 lines to the next `;`.
      if (!inTable && isDirectiveStatement(n) && firstOnLine(parsed, read, n.nameWord.startOffset))
        for (let l = n.nameWord.startLine; l <= headEndLine(n); l++) directiveLines.add(l);
      for (let i = -1; i < n.args.length; i++) {
        const w = i < 0 ? n.nameWord : n.args[i];
        for (let l = w.startLine + 1; l <= w.endLine; l++) inside.add(l);
      }
      if (n.lua) for (let l = n.lua.range.start.line + 1; l <= n.lua.range.end.line; l++) inside.add(l);
      if (n.block) stack.push({ nodes: n.block.children, inTable: inTable || isTableBlock(n.name) });
    }
  }
  let lines = 0;
  let nginxLike = 0;
  let line = 0;
  for (let start = 0; start <= text.length; line++) {
    let end = start;
    while (end < text.length && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
    const next =
      end < text.length && text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
    if (!inside.has(line)) {
      // Up to a comment the tree found on this line (a `#` inside a word is not one).
      const commentAt = comments.get(line);
      const code = text.slice(start, commentAt !== undefined ? start + commentAt : end).trim();
      if (code !== "") {
        lines++;
        if (directiveLines.has(line)) nginxLike++;
        else if (code.startsWith(";")) {
          // An INI comment: nginx reads it as an empty statement (an error); no nginx file has them.
        } else if (/[;{}]$/.test(code)) nginxLike++;
        else {
          const words = code.split(/\s+/);
          if (DIRECTIVE_NAME.test(words[0]) && lookupDirective(words[0]).length > 0 && words[1] !== "=") nginxLike++;
        }
      }
    }
    start = next;
    if (end >= text.length) break;
  }
  return { lines, nginxLike };
}
