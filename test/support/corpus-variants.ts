// The shared corpus's configurations as the CLI finds them, and the same configurations with an incident
// injected: a CA bundle set for a whole `http` block (what the lua-ssl-per-location and
// proxy-ssl-per-location fixes move). The corpus itself sets neither directive.

import * as fs from "fs";
import * as path from "path";
import type { ConfigModel } from "../../server/src/model";
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
  const byPath = new Map<string, TextEdit[]>();
  for (const e of edits) byPath.set(e.path, [...(byPath.get(e.path) ?? []), e]);
  for (const [p, list] of byPath) texts.set(p, applyEdits(config.files.get(p)!.text, list));
  return { texts, levels };
}
