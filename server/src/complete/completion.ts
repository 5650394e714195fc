// Completion at a cursor: where a statement starts, the directives nginx accepts in the block there (the
// same two tests as ngx_conf_handler: the module family of the context, then the context bit); after a
// directive's name, what its arguments can be when we know it (`on`/`off`, variables, upstream groups,
// named locations). Nothing inside comments, Lua bodies, or blocks whose bodies are not directives
// (`map`, `types`, `geo`, …).
//
// The cursor is placed in the editor's current text, parsed again (an edit may be newer than the last
// analysis); the context of the file's top level comes from the analysis (where the file is included) or
// from a guess. Plain types only: lsp/completion.ts turns the entries into LSP items.

import type { Directive, Node, ParsedFile, Word } from "../parse/ast";
import {
  directiveNames,
  enterBlock,
  familyOf,
  isDirectiveContext,
  lookupDirective,
  variantAllowedIn,
  variantPresentIn,
  type ContextKind,
  type DirectiveContext,
  type DirectiveVariant,
} from "../parse/directives";
import { takesFlag, type DeployedVersion } from "./directive-doc";
import { HTTP_CORE_VARIABLES, STREAM_CORE_VARIABLES, type ConfigSymbols } from "./symbols";

/** 0-based line and UTF-16 character, as in parse/ast.ts (without the offset). */
export interface CursorPosition {
  line: number;
  character: number;
}

export interface CursorRange {
  start: CursorPosition;
  end: CursorPosition;
}

export type CompletionKind = "directive" | "block" | "value" | "variable" | "upstream" | "location";

export interface CompletionEntry {
  label: string;
  kind: CompletionKind;
  /** The module, or where a name is defined. */
  detail: string;
  /** Inserted as is when the client takes no snippets, and what the filter matches. */
  insertText: string;
  /** The same in snippet syntax (`${1}` stops), when it differs. */
  snippet?: string;
  /** What the insertion replaces: the part of the word before the cursor. */
  range: CursorRange;
  /** Directive items: the context they are offered in, for their documentation (computed when asked). */
  directive?: { name: string; context: DirectiveContext };
  /** Present only in releases before the newest the table knows (removed since). */
  deprecated?: boolean;
  sortText: string;
}

export interface CompletionInput {
  /** The editor's text and its tree (parse(text)). */
  text: string;
  parsed: ParsedFile;
  position: CursorPosition;
  /** The context(s) the file's top level is read in: one per distinct include site (main file: `main`). */
  topContexts: readonly ContextKind[];
  symbols: ConfigSymbols;
  /** The deployed nginx, when known: a directive it lacks says so in its detail. */
  nginx?: DeployedVersion | null;
}

/** Where the cursor is, as completion sees it. */
export type CursorPlace =
  | { kind: "none"; why: "comment" | "lua" | "string" | "body" }
  | {
      kind: "statement";
      /** The context(s) of the block the statement is in. */
      contexts: ContextKind[];
      prefix: string;
      range: CursorRange;
      /** The rest of the line after the word is empty: a snippet may add arguments and the `;`. */
      lineEndsHere: boolean;
    }
  | {
      kind: "argument";
      contexts: ContextKind[];
      /** The name of the statement the argument belongs to. */
      directive: string;
      /** 0-based index of the argument being written. */
      index: number;
      prefix: string;
      range: CursorRange;
      quoted: boolean;
      /** The word is the first on its line: a new statement may start here too. */
      startsLine: boolean;
      lineEndsHere: boolean;
    };

// Cursor positions are the editor's: LF, CRLF and a lone CR each end a line (LSP's rule; the tree's
// positions count the same). Whether the cursor is in a comment is the tree's business: a `#` comment runs
// past a lone CR, as nginx reads it.

/** Editor line breaks. */
const LINE_BREAK = /\r\n?|\n/g;

/** The end of the editor line holding `offset`: the next LF or CR (or the end of the text). */
function editorLineEnd(text: string, offset: number): number {
  LINE_BREAK.lastIndex = offset;
  const m = LINE_BREAK.exec(text);
  return m ? m.index : text.length;
}

/** Where each editor line starts, for the last text asked about (completion asks about one text many times). */
let lineStartsOf: { text: string; starts: number[] } | null = null;

function editorLineStarts(text: string): number[] {
  if (lineStartsOf?.text === text) return lineStartsOf.starts;
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  lineStartsOf = { text, starts };
  return starts;
}

function offsetAt(text: string, pos: CursorPosition): number {
  const starts = editorLineStarts(text);
  if (pos.line >= starts.length) return text.length;
  const offset = starts[pos.line];
  return Math.min(offset + pos.character, editorLineEnd(text, offset));
}

function lineStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text.charCodeAt(i - 1) !== 10 && text.charCodeAt(i - 1) !== 13) i--;
  return i;
}

function restOfLineEmpty(text: string, offset: number): boolean {
  return text.slice(offset, editorLineEnd(text, offset)).trim() === "";
}

function unique(kinds: ContextKind[]): ContextKind[] {
  return [...new Set(kinds)];
}

function at(pos: CursorPosition, character: number): CursorPosition {
  return { line: pos.line, character };
}

/**
 * The place of `offset` in `nodes` (a block body read in `contexts`). Statements own their head from the
 * name to the `;` (exclusive: after it a new statement starts) or to the `{`; block bodies and Lua bodies
 * are looked into.
 */
function placeIn(
  text: string,
  top: readonly Node[],
  topContexts: ContextKind[],
  offset: number,
  pos: CursorPosition,
): CursorPlace {
  // Into the block that holds the cursor, one level at a time (a loop: blocks nest deeper than V8's stack).
  let nodes = top;
  let contexts = topContexts;
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k];
    const start = n.range.start.offset;
    if (start > offset) break;
    if (n.kind === "comment") {
      if (start < offset && offset <= n.range.end.offset) return { kind: "none", why: "comment" };
      continue;
    }
    if (n.block && n.block.open.start.offset < offset) {
      const close = n.block.close;
      if (close === null || offset <= close.start.offset) {
        contexts = unique(contexts.map((c) => enterBlock(c, n.name)));
        nodes = n.block.children;
        k = -1;
        continue;
      }
      continue;
    }
    if (n.lua && n.lua.range.start.offset < offset) {
      if (offset < n.lua.range.end.offset) return { kind: "none", why: "lua" };
      continue;
    }
    const headEnd = n.block
      ? n.block.open.start.offset
      : n.lua
        ? n.lua.range.start.offset
        : n.semicolon
          ? n.semicolon.start.offset
          : n.range.end.offset;
    // A statement without its `;` (being typed) reaches up to whatever follows it.
    const open = n.terminator === null && !n.block && !n.lua;
    const next = nodes[k + 1];
    if (open ? next !== undefined && next.range.start.offset <= offset : offset > headEnd) continue;
    for (const c of n.argComments) {
      if (c.range.start.offset < offset && offset <= c.range.end.offset) return { kind: "none", why: "comment" };
    }
    return placeInStatement(text, n, contexts, offset, pos);
  }
  return statementPlace(text, contexts, offset, offset, offset, pos);
}

/** The word under the cursor is replaced whole: completing in the middle of `prox|y_pass` gives one name. */
function statementPlace(
  text: string,
  contexts: ContextKind[],
  wordStart: number,
  wordEnd: number,
  offset: number,
  pos: CursorPosition,
): CursorPlace {
  const prefix = text.slice(wordStart, offset);
  return {
    kind: "statement",
    contexts,
    prefix,
    range: { start: at(pos, pos.character - prefix.length), end: at(pos, pos.character + wordEnd - offset) },
    lineEndsHere: restOfLineEmpty(text, wordEnd),
  };
}

function placeInStatement(
  text: string,
  d: Directive,
  contexts: ContextKind[],
  offset: number,
  pos: CursorPosition,
): CursorPlace {
  const words: Word[] = [d.nameWord, ...d.args];
  const i = words.findIndex((w) => w.range.start.offset <= offset && offset <= w.range.end.offset);
  if (i === 0) {
    if (d.nameWord.quote !== null) return { kind: "none", why: "string" };
    return statementPlace(text, contexts, d.nameWord.range.start.offset, d.nameWord.range.end.offset, offset, pos);
  }
  const firstOnLine = (w: Word): boolean =>
    text.slice(lineStart(text, w.range.start.offset), w.range.start.offset).trim() === "";
  // A statement left without its `;` while typing swallows the lines after it. A known name first on a
  // later line, before the cursor's word, is taken as the statement the cursor is in.
  let owner = 0;
  for (let k = 1; k < words.length; k++) {
    const w = words[k];
    if (w.range.start.offset >= offset || (i >= 0 && k >= i)) break;
    if (w.quote !== null || w.range.start.line === d.range.start.line || !firstOnLine(w)) continue;
    if (lookupDirective(w.value).length > 0) owner = k;
  }
  const base = {
    kind: "argument" as const,
    contexts,
    directive: words[owner].value,
    lineEndsHere: restOfLineEmpty(text, offset),
  };
  const laterLine = d.range.start.line < pos.line && owner === 0;
  if (i < 0) {
    // Between words or after the last one: a new argument starts here; first on a later line, it may
    // as well be the next statement's name.
    return {
      ...base,
      index: words.slice(owner + 1).filter((w) => w.range.end.offset <= offset).length,
      prefix: "",
      range: { start: pos, end: pos },
      quoted: false,
      startsLine: laterLine && text.slice(lineStart(text, offset), offset).trim() === "",
    };
  }
  const w = words[i];
  const wordStart = w.range.start.offset;
  // On the opening quote of an argument nothing of it is typed yet.
  if (w.quote !== null && offset === wordStart) {
    return {
      ...base,
      index: i - 1 - owner,
      prefix: "",
      range: { start: pos, end: pos },
      quoted: false,
      startsLine: false,
    };
  }
  const prefix = text.slice(w.quote !== null ? wordStart + 1 : wordStart, offset);
  return {
    ...base,
    index: i - 1 - owner,
    prefix,
    range: { start: at(pos, pos.character - prefix.length), end: pos },
    quoted: w.quote !== null,
    startsLine: laterLine && w.quote === null && firstOnLine(w),
  };
}

/** Where `position` is in the editor's text, read from the file's top-level context(s). */
export function cursorPlace(
  text: string,
  parsed: ParsedFile,
  position: CursorPosition,
  topContexts: readonly ContextKind[],
): CursorPlace {
  const offset = offsetAt(text, position);
  const pos = { line: position.line, character: offset - lineStart(text, offset) };
  const tops = topContexts.length > 0 ? unique([...topContexts]) : (["main"] as ContextKind[]);
  return placeIn(text, parsed.children, tops, offset, pos);
}

// ---- directive items ---------------------------------------------------------------------------------

/** The registration of `name` that `context` reads: current first, then a removed one that fitted there. */
export function variantFor(name: string, context: DirectiveContext): DirectiveVariant | null {
  const all = lookupDirective(name).filter((v) => variantAllowedIn(v, context));
  return all.find((v) => v.removed === null) ?? all[0] ?? null;
}

/** The text a directive is inserted with: a block with its braces, arguments as tab stops, `;`. */
export function directiveSnippet(name: string, v: DirectiveVariant, context: DirectiveContext): string {
  if (v.block) {
    if (name === "location") return "location ${1:/} {\n\t$0\n}";
    if (name === "if") return "if (${1}) {\n\t$0\n}";
    if (name === "server" && context === "http") return "server {\n\tlisten ${1:80};\n\t$0\n}";
    if (v.argcMin === 0) return `${name} {\n\t$0\n}`;
    return `${name} \${1} {\n\t$0\n}`;
  }
  if (v.argcMax === 0) return `${name};`;
  if (takesFlag(v)) return `${name} \${1|on,off|};`;
  return `${name} \${1};`;
}

function directiveEntries(
  place: Extract<CursorPlace, { kind: "statement" }>,
  input: CompletionInput,
): CompletionEntry[] {
  const out = new Map<string, CompletionEntry>();
  for (const context of place.contexts) {
    if (!isDirectiveContext(context)) continue;
    for (const name of directiveNames()) {
      if (out.has(name)) continue;
      const v = variantFor(name, context);
      if (!v) continue;
      const deprecated = v.removed !== null;
      const missing =
        !deprecated && input.nginx && v.repo === "nginx/nginx" && variantPresentIn(v, input.nginx.version) === false;
      const detail =
        v.module +
        (deprecated ? ` · removed in ${v.removed}` : "") +
        (missing ? ` · not in nginx ${input.nginx!.version}` : "");
      const snippet = directiveSnippet(name, v, context);
      out.set(name, {
        label: name,
        kind: v.block ? "block" : "directive",
        detail,
        insertText: name,
        snippet: place.lineEndsHere ? snippet : undefined,
        range: place.range,
        directive: { name, context },
        deprecated: deprecated || undefined,
        sortText: `${deprecated ? 2 : missing ? 1 : 0}${name}`,
      });
    }
  }
  return [...out.values()];
}

// ---- argument items ----------------------------------------------------------------------------------

const UPSTREAM_PASS = new Set(["proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "memcached_pass", "grpc_pass"]);

function families(contexts: readonly ContextKind[]): Set<string> {
  return new Set(contexts.filter(isDirectiveContext).map(familyOf));
}

function argumentEntries(place: Extract<CursorPlace, { kind: "argument" }>, input: CompletionInput): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  const { prefix, directive: name } = place;
  const fams = families(place.contexts);
  const stream = fams.has("stream");
  const http = fams.has("http") || (!stream && fams.size === 0);
  // Variables: after a `$` (or `${`) at the end of what was typed, bare or in quotes.
  const dollar = /\$\{?([A-Za-z0-9_]*)$/.exec(prefix);
  if (dollar) {
    const start = place.range.end.character - dollar[0].length;
    const range = { start: at(place.range.end, start), end: place.range.end };
    const brace = dollar[0].startsWith("${");
    const seen = new Set<string>();
    const add = (name: string, detail: string, rank: number): void => {
      if (seen.has(name)) return;
      seen.add(name);
      const label = `$${name}`;
      out.push({
        label,
        kind: "variable",
        detail,
        insertText: brace ? `\${${name}}` : label,
        range,
        sortText: `${rank}${name}`,
      });
    };
    for (const s of input.symbols.variables)
      if ((s.family === "stream" && stream) || (s.family === "http" && http)) add(s.name, `defined by ${s.by}`, 0);
    if (http) for (const v of HTTP_CORE_VARIABLES) add(v, "ngx_http_core_module", 1);
    if (stream) for (const v of STREAM_CORE_VARIABLES) add(v, "ngx_stream_core_module", 1);
    return out;
  }
  if (place.quoted) return out;
  if (place.index === 0) {
    const flag = place.contexts
      .filter(isDirectiveContext)
      .map((c) => variantFor(name, c))
      .some((v) => v !== null && takesFlag(v));
    if (flag) {
      for (const value of ["on", "off"])
        out.push({
          label: value,
          kind: "value",
          detail: `${name}`,
          insertText: value,
          range: place.range,
          sortText: value,
        });
    }
    if (UPSTREAM_PASS.has(name)) {
      const scheme = /^([a-z]+:\/\/)?([A-Za-z0-9_.-]*)$/.exec(prefix);
      const passScheme = name === "proxy_pass" ? /^https?:\/\/$/ : name === "grpc_pass" ? /^grpcs?:\/\/$/ : /^$/;
      const bare = stream && name === "proxy_pass";
      if (scheme && (bare ? scheme[1] === undefined : passScheme.test(scheme[1] ?? ""))) {
        const typed = scheme[2];
        const range = { start: at(place.range.end, place.range.end.character - typed.length), end: place.range.end };
        for (const u of input.symbols.upstreams) {
          if ((u.family === "stream") !== bare) continue;
          out.push({
            label: u.name,
            kind: "upstream",
            detail: "upstream",
            insertText: u.name,
            range,
            sortText: u.name,
          });
        }
      }
    }
  }
  if ((name === "try_files" || name === "error_page") && prefix.startsWith("@")) {
    for (const l of input.symbols.namedLocations) {
      if (l.family !== "http") continue;
      out.push({
        label: `@${l.name}`,
        kind: "location",
        detail: "named location",
        insertText: `@${l.name}`,
        range: place.range,
        sortText: l.name,
      });
    }
  }
  return out;
}

/** The completion entries at the input's position (empty where nothing fits). */
export function completionsAt(input: CompletionInput): CompletionEntry[] {
  const place = cursorPlace(input.text, input.parsed, input.position, input.topContexts);
  if (place.kind === "none") return [];
  if (place.kind === "statement") return directiveEntries(place, input);
  const args = argumentEntries(place, input);
  if (!place.startsLine || place.prefix.startsWith("$") || place.prefix.startsWith("@")) return args;
  // A bare word first on its line after an unterminated statement: it may be the next statement's name.
  const statement: Extract<CursorPlace, { kind: "statement" }> = {
    kind: "statement",
    contexts: place.contexts,
    prefix: place.prefix,
    range: place.range,
    lineEndsHere: place.lineEndsHere,
  };
  return [...args, ...directiveEntries(statement, input)];
}
