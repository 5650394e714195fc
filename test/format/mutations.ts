// Mutated corpus files for the formatter's fuzz tests (test/format/mutations.test.ts, bounded, in `npm test`;
// test/format/fuzz.ts, `npm run fuzz`, longer): each mutant is a corpus file with 1–4 edits of the kinds that
// break formatters — lone CRs (inside comments above all), CRLF, LF turned into CR, a byte order mark,
// backslashes, quotes, `#` — at positions drawn from a seeded generator, so a failure is replayed from its
// seed and index. `checkFormatting` says what is wrong with the formatter's answer on one text, judged by
// nginx's reading (format/nginx-tokens.ts) rather than by our parser.

import * as fs from "fs";
import * as path from "path";
import { formatText, type FormatOptions } from "../../server/src/format/format";
import { nginxTokens } from "../../server/src/format/nginx-tokens";
import { CORPUS, readManifest } from "../support/shared";

export const OPTIONS: FormatOptions[] = [
  { tabSize: 4, insertSpaces: true },
  { tabSize: 2, insertSpaces: true },
  { tabSize: 8, insertSpaces: false },
];

import { random } from "../support/random";

export interface CorpusFile {
  path: string;
  text: string;
}

/** Every file of the manifest: configuration files, main or included, and snippets. */
export function corpusFiles(): CorpusFile[] {
  return readManifest().map((e) => ({ path: e.path, text: fs.readFileSync(path.join(CORPUS, e.path), "utf8") }));
}

/** The files mutated: all but the few above 64 KiB (each mutant is formatted twice and read four times). */
export function mutationSources(files: readonly CorpusFile[]): CorpusFile[] {
  return files.filter((f) => f.text.length <= 64 * 1024);
}

export type MutationKind =
  | "CR in a comment"
  | "LF → CR"
  | "CR"
  | "CRLF"
  | "BOM at the start"
  | "BOM"
  | "backslash"
  | "backslash + line break"
  | "quote"
  | "#";

export const KINDS: MutationKind[] = [
  "CR in a comment",
  "LF → CR",
  "CR",
  "CRLF",
  "BOM at the start",
  "BOM",
  "backslash",
  "backslash + line break",
  "quote",
  "#",
];

export interface Mutant {
  /** The corpus file it came from. */
  from: string;
  kinds: MutationKind[];
  text: string;
}

/** All offsets of `needle` in `text`. */
function offsetsOf(text: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) out.push(i);
  return out;
}

function mutateOnce(text: string, kind: MutationKind, rnd: () => number): string {
  const at = Math.floor(rnd() * (text.length + 1));
  const insert = (s: string, p = at): string => text.slice(0, p) + s + text.slice(p);
  const pick = (xs: number[]): number | null => (xs.length === 0 ? null : xs[Math.floor(rnd() * xs.length)]);
  switch (kind) {
    case "CR in a comment": {
      // Somewhere after a `#`, before the end of its line: what commenting out with a CR looks like.
      const hash = pick(offsetsOf(text, "#"));
      if (hash === null) return insert("# x\r");
      let end = text.indexOf("\n", hash);
      if (end < 0) end = text.length;
      return insert("\r", hash + 1 + Math.floor(rnd() * (end - hash)));
    }
    case "LF → CR": {
      const lf = pick(offsetsOf(text, "\n"));
      return lf === null ? insert("\r") : text.slice(0, lf) + "\r" + text.slice(lf + 1);
    }
    case "CR":
      return insert("\r");
    case "CRLF":
      return insert("\r\n");
    case "BOM at the start":
      return insert("\uFEFF", 0);
    case "BOM":
      return insert("\uFEFF");
    case "backslash":
      return insert("\\");
    case "backslash + line break":
      return insert(["\\\n", "\\\r", "\\\r\n"][Math.floor(rnd() * 3)]);
    case "quote":
      return insert(rnd() < 0.5 ? '"' : "'");
    case "#":
      return insert(rnd() < 0.5 ? "#" : " #");
  }
}

/**
 * `count` mutants of `files`, the same for the same seed: file i % files.length (so every file is used),
 * 1–4 edits each.
 */
export function* mutants(files: readonly CorpusFile[], count: number, seed: number): Generator<Mutant> {
  const rnd = random(seed);
  for (let i = 0; i < count; i++) {
    const f = files[i % files.length];
    let text = f.text;
    const kinds: MutationKind[] = [];
    const n = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < n; k++) {
      const kind = KINDS[Math.floor(rnd() * KINDS.length)];
      kinds.push(kind);
      text = mutateOnce(text, kind, rnd);
    }
    yield { from: f.path, kinds, text };
  }
}

export interface Verdict {
  /** Formatted (possibly unchanged), or refused. */
  outcome: "formatted" | "unchanged" | "refused";
  /** What is wrong; empty when nothing is. */
  problems: string[];
}

const trimmed = (xs: readonly string[]): string[] => xs.map((x) => x.trimEnd());

/**
 * Formats `text` and checks the answer with nginx's reading: the same tokens (words as nginx stores them,
 * statement ends, blocks, Lua bodies) and the same comments (apart from trailing whitespace) before and
 * after — so no line break was put where a comment-hiding CR was, and nothing joined a comment; only
 * whitespace changed; a second run changes nothing. A refusal must come from syntax errors, never from the
 * formatter's own proofs (that would be a formatter bug caught late).
 */
export function checkFormatting(text: string, options: FormatOptions): Verdict {
  const problems: string[] = [];
  let r;
  try {
    r = formatText(text, options);
  } catch (e) {
    return { outcome: "refused", problems: [`threw: ${(e as Error).stack ?? String(e)}`] };
  }
  if (!r.ok) {
    if (r.edits.length > 0) problems.push("refused but returned edits");
    if (!/syntax errors/.test(r.reason)) problems.push(`refused: ${r.reason}`);
    return { outcome: "refused", problems };
  }
  const out = r.text;
  // A byte order mark stays first; nginx rejects a file starting with one at its first word, so what it
  // reads is compared without it (what it reads once the mark is removed, as the utf8-bom error asks).
  const bom = text.charCodeAt(0) === 0xfeff;
  if (bom !== (out.charCodeAt(0) === 0xfeff)) problems.push("the byte order mark moved");
  const before = nginxTokens(bom ? text.slice(1) : text);
  const after = nginxTokens(bom ? out.slice(1) : out);
  if (JSON.stringify(after.tokens) !== JSON.stringify(before.tokens)) {
    let i = 0;
    while (before.tokens[i] === after.tokens[i]) i++;
    problems.push(
      `nginx reads it differently from token ${i}: ${JSON.stringify(before.tokens[i])} → ${JSON.stringify(after.tokens[i])}`,
    );
  }
  if (JSON.stringify(trimmed(after.comments)) !== JSON.stringify(trimmed(before.comments)))
    problems.push("the comments nginx skips changed");
  if (out.replace(/[ \t\r\n]/g, "") !== text.replace(/[ \t\r\n]/g, "")) problems.push("more than whitespace changed");
  const again = formatText(out, options);
  if (!again.ok || again.text !== out || again.edits.length > 0) problems.push("formatting twice changes the text");
  return { outcome: out === text ? "unchanged" : "formatted", problems };
}
