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
  if (parsed.text.includes("\0")) return { configuration: false, reason: "it holds NUL bytes" };
  let statements = 0;
  let known = 0;
  let shaped = 0;
  let entries = 0;
  let ended = 0;
  // An explicit stack, not recursion: nginx accepts 13,000 nested blocks, deeper than V8's stack.
  const stack: { nodes: readonly Node[]; inTable: boolean }[] = [{ nodes: parsed.children, inTable: table }];
  while (stack.length > 0) {
    const { nodes, inTable } = stack.pop()!;
    for (const n of nodes) {
      if (n.kind !== "directive") continue;
      const d: Directive = n;
      if (inTable) {
        entries++;
        if (d.terminator === ";") ended++;
        continue;
      }
      statements++;
      if (d.name !== "" && lookupDirective(d.name).length > 0) known++;
      // A quoted name is legal but unusual: only a bare one gives the shape of a directive.
      if (d.nameWord.quote === null && DIRECTIVE_NAME.test(d.name) && d.terminator !== null) shaped++;
      if (d.block) stack.push({ nodes: d.block.children, inTable: isTableBlock(d.name) });
    }
  }
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
