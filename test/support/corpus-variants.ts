// The shared corpus's configurations as the CLI finds them, and the same configurations with an incident
// injected: a CA bundle set for a whole `http` block (what the lua-ssl-per-location and
// proxy-ssl-per-location fixes move), and Lua code in some of their locations (so that the lua fix has
// somewhere to move the bundle to). The corpus itself sets neither directive.

import * as fs from "fs";
import * as path from "path";
import type { ConfigModel } from "../../server/src/model";
import type { Directive, Node } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";
import { applyEdits, insertIntoBlock } from "../../server/src/fix/text";
import type { TextEdit } from "../../server/src/fix/types";
import { loadConfiguration, type Configuration } from "../../server/src/workspace/configuration";
import { NodeFileSource, OverlayFileSource, ParseCache, type FileSource } from "../../server/src/workspace/files";
import { buildIncludeGraph, findCandidateFiles } from "../../server/src/workspace/roots";
import { CORPUS } from "./shared";

export interface CorpusConfiguration {
  /** The repository folder of the corpus it was found in. */
  folder: string;
  config: Configuration;
}

/**
 * Every main configuration of the corpus, found as `nginx-risk check <folder>` finds them (runCheck): each
 * repository folder's candidate files, the include graph over them, its roots (snippets no file includes are
 * roots read in a guessed context). No path mappings beyond each nginx.conf's default `/etc/nginx`.
 */
export function corpusConfigurations(): CorpusConfiguration[] {
  const out: CorpusConfiguration[] = [];
  const folders = fs
    .readdirSync(CORPUS)
    .map((d) => path.join(CORPUS, d))
    .filter((d) => fs.statSync(d).isDirectory())
    .sort();
  for (const folder of folders) {
    const source = new NodeFileSource();
    const graph = buildIncludeGraph(findCandidateFiles(folder, { source }), {
      source,
      cache: new ParseCache(),
      mappings: [],
    });
    for (const config of graph.configurations.values()) out.push({ folder, config });
  }
  return out;
}

/**
 * `count` corpus configurations in an order `next` (a seeded randomBelow) gives: those of several files first (an
 * edit in one keeps the others' trees), then the rest.
 */
export function pickedConfigurations(next: (n: number) => number, count: number): Configuration[] {
  return corpusConfigurations()
    .map((c) => ({ c, key: next(1 << 30) - (c.config.files.size > 1 ? 1 << 30 : 0) }))
    .sort((a, b) => a.key - b.key)
    .slice(0, count)
    .map((x) => x.c.config);
}

/** Whether any file of the configuration has a syntax error (nginx would reject it before any fix). */
export function hasSyntaxErrors(config: Configuration): boolean {
  for (const parsed of config.files.values()) if (parsed.errors.some((e) => e.severity === "error")) return true;
  return false;
}

/** The same configuration read again over other texts for some of its files (same root, mappings, prefix, context). */
export function reload(
  config: Configuration,
  texts: ReadonlyMap<string, string>,
): { source: FileSource; config: Configuration } {
  const source = new OverlayFileSource(new NodeFileSource());
  for (const [p, parsed] of config.files) source.setOverlay(p, texts.get(p) ?? parsed.text);
  const again = loadConfiguration(config.rootPath, {
    source,
    mappings: config.mappings,
    defaultMapping: false,
    confPrefix: config.confPrefix,
    rootContext: config.root.context,
    cache: new ParseCache(),
  });
  return { source, config: again };
}

export interface Injected {
  /** The texts of the files the statements were written into. */
  texts: Map<string, string>;
  /** Where: `http` (an http block), `http (implied)` (a snippet read as if inside http), `server (implied)`. */
  levels: string[];
}

/**
 * `statements` as the first statements of every `http` block of the configuration (each block as written
 * once); for a snippet read in a guessed `http` or `http > server` context, at the top of the snippet (the
 * outermost level the configuration's own files have). Null when there is no such place.
 */
export function injectAtHttp(config: Configuration, model: ConfigModel, statements: string[]): Injected | null {
  const edits: TextEdit[] = [];
  const levels: string[] = [];
  const seen = new Set<string>();
  for (const c of model.contexts) {
    if (c.kind !== "http" || !c.directive?.block) continue;
    const key = `${c.file.path}\0${c.directive.range.start.offset}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edits.push(insertIntoBlock(c.file.path, c.file.parsed.text, c.directive, statements));
    levels.push("http");
  }
  const ctx = config.root.context.join(">");
  if (edits.length === 0 && (ctx === "http" || ctx === "http>server")) {
    const text = config.root.parsed.text;
    const eol = text.includes("\r\n") ? "\r\n" : "\n";
    const zero = { line: 0, character: 0, offset: 0 };
    edits.push({ path: config.rootPath, range: { start: zero, end: zero }, newText: statements.join(eol) + eol });
    levels.push(ctx === "http" ? "http (implied)" : "server (implied)");
  }
  if (edits.length === 0) return null;
  const texts = new Map<string, string>();
  for (const [p, list] of groupByPath(edits)) texts.set(p, applyEdits(config.files.get(p)!.text, list));
  return { texts, levels };
}

export interface InjectedCode {
  /** The texts of the files code was written into. */
  texts: Map<string, string>;
  /** `location` blocks given a `log_by_lua_block { }`. */
  locations: number;
  /** `if` blocks (inside a location) given an `access_by_lua_block { }`: 0 or 1. */
  ifs: number;
}

/** The block directives of `nodes` in reading order (pre-order), with the block directive holding each. */
function blocksOf(
  nodes: readonly Node[],
  parent: Directive | null,
  out: { d: Directive; parent: Directive | null }[] = [],
): { d: Directive; parent: Directive | null }[] {
  for (const n of nodes) {
    if (n.kind !== "directive" || !n.block) continue;
    out.push({ d: n, parent });
    blocksOf(n.block.children, n, out);
  }
  return out;
}

const LOG_BY_LUA = /^log_by_lua(_block|_file)?$/;

interface Insertion {
  offset: number;
  text: string;
}

/**
 * `statement` first in `block`'s body: on a line of its own below the `{` (indented like the block's first
 * statement, else one level deeper than the block), or on the `{` line when the body continues there.
 * Written here rather than with fix/text.ts (what the fix writes with), and linear in the text's size.
 */
function firstStatement(text: string, eol: string, block: Directive, statement: string): Insertion {
  const open = block.block!.open.end.offset;
  let le = text.indexOf("\n", open);
  if (le === -1) le = text.length;
  else if (le > open && text[le - 1] === "\r") le--;
  const rest = text.slice(open, le).trim();
  if (rest !== "" && !rest.startsWith("#")) return { offset: open, text: ` ${statement}` };
  const indentOf = (offset: number): string => {
    const ls = text.lastIndexOf("\n", offset - 1) + 1;
    return /^[ \t]*/.exec(text.slice(ls, offset))![0];
  };
  const onOwnLine = (n: Node): boolean => {
    const ls = text.lastIndexOf("\n", n.range.start.offset - 1) + 1;
    return text.slice(ls, n.range.start.offset).trim() === "";
  };
  const first = block.block!.children.find((n) => n.kind === "directive" && onOwnLine(n));
  const own = indentOf(block.range.start.offset);
  const indent = first ? indentOf(first.range.start.offset) : own + (own.includes("\t") ? "\t" : "    ");
  return { offset: le, text: eol + indent + statement };
}

/**
 * Lua code that opens no socket and sets no content handler, in real locations: `log_by_lua_block { }` as
 * the first statement of every second `location` block without a `log_by_lua*` of its own (the first,
 * third, … in reading order: the configuration's files in the order they were loaded, each file's blocks
 * as written, nested ones after their parent), and `access_by_lua_block { }` in the first `if` written
 * directly inside a `location` (the fix must then host the bundle in that location). Found in the tree
 * `parse` gives for each file's text; each text block once, however often its file is included. Null when
 * the configuration's files have no location.
 */
export function injectLuaCode(config: Configuration): InjectedCode | null {
  const texts = new Map<string, string>();
  let eligible = 0;
  let locations = 0;
  let ifs = 0;
  for (const [p, parsed] of config.files) {
    const text = parsed.text;
    const eol = text.includes("\r\n") ? "\r\n" : "\n";
    const inserts: Insertion[] = [];
    for (const { d, parent } of blocksOf(parse(text).children, null)) {
      if (d.name === "location") {
        const has = d.block!.children.some((n) => n.kind === "directive" && LOG_BY_LUA.test(n.name));
        if (has || eligible++ % 2 === 1) continue;
        inserts.push(firstStatement(text, eol, d, "log_by_lua_block { }"));
        locations++;
      } else if (d.name === "if" && parent?.name === "location" && ifs === 0) {
        inserts.push(firstStatement(text, eol, d, "access_by_lua_block { }"));
        ifs++;
      }
    }
    if (inserts.length === 0) continue;
    // In one pass (a file can have thousands of locations); insertions at one offset keep their order.
    const sorted = inserts.map((x, i) => ({ ...x, i })).sort((a, b) => a.offset - b.offset || a.i - b.i);
    const out: string[] = [];
    let at = 0;
    for (const x of sorted) {
      out.push(text.slice(at, x.offset), x.text);
      at = x.offset;
    }
    out.push(text.slice(at));
    texts.set(p, out.join(""));
  }
  return texts.size === 0 ? null : { texts, locations, ifs };
}

function groupByPath(edits: readonly TextEdit[]): Map<string, TextEdit[]> {
  const out = new Map<string, TextEdit[]>();
  for (const e of edits) out.set(e.path, [...(out.get(e.path) ?? []), e]);
  return out;
}
