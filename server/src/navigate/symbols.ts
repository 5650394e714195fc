// The outline of one file from its own parse tree: every block (and every `*_by_lua_block`) is a symbol,
// nested as written. It never needs the rest of the configuration, so a file opened on its own, or
// one no main file includes, has an outline too; names come from the file's own text.
//
// Blocks whose body is not directives (nginx's handler reads it: `map`, `geo`, `types`, `split_clients`,
// `charset_map`; the directive table's `custom` body) and Lua bodies are leaves: their lines are
// entries or code, not blocks.

import type { Directive, Node, ParsedFile, Range } from "../parse/ast";
import { isLuaBlockDirective, lookupDirective } from "../parse/directives";
import { headRange, headText, written } from "./text";

/** LSP's symbol kinds by name (the adapter maps them); only the ones the outline uses. */
export type SymbolKindName =
  | "namespace"
  | "module"
  | "method"
  | "function"
  | "struct"
  | "variable"
  | "enum"
  | "operator"
  | "key"
  | "event"
  | "object";

export interface OutlineSymbol {
  /** What the outline shows: `example.com www.example.com`, `location ~* \.php$`, `upstream backend`. */
  name: string;
  /** Shown beside the name: a server's `listen` values. */
  detail?: string;
  kind: SymbolKindName;
  /** The whole block, name to `}` (or the whole Lua block). */
  range: Range;
  /** The head words (name and arguments), inside `range`. */
  selectionRange: Range;
  directive: Directive;
  children: OutlineSymbol[];
}

/** How many `server_name` values a server's symbol names before "…". */
const SERVER_NAMES_SHOWN = 3;

// A Map, not an object: a block may be called anything (`constructor { }` parses).
const KINDS: ReadonlyMap<string, SymbolKindName> = new Map([
  ["http", "namespace"],
  ["stream", "namespace"],
  ["mail", "namespace"],
  ["events", "namespace"],
  ["server", "module"],
  ["location", "method"],
  ["upstream", "struct"],
  ["map", "variable"],
  ["geo", "variable"],
  ["split_clients", "variable"],
  ["types", "enum"],
  ["charset_map", "enum"],
  ["if", "operator"],
  ["limit_except", "key"],
]);

/** Per directive name: its block's body is not directives (asked once per name: outlines run per request). */
const leafBlocks = new Map<string, boolean>();

/** Whether nginx's handler reads the block's body itself (its lines are not directives). */
export function hasCustomBody(name: string): boolean {
  const variants = lookupDirective(name);
  return variants.length > 0 && variants.every((v) => !v.block || v.body === "custom");
}

/** Whether a directive gets a symbol of its own in the outline. */
export function isSymbolDirective(d: Directive): boolean {
  return d.block !== undefined || d.lua !== undefined;
}

/**
 * Levels of the outline. Symbols nested deeper are listed flat, in document order, at the last level (among
 * the children of the symbol above it, whose detail says so): nginx accepts 13,000 nested locations, and an outline that deep is
 * sent as JSON that V8's JSON.stringify (recursive) cannot write past about 2,000 levels, to editors that
 * walk it recursively too. Real configurations nest a handful of levels.
 */
export const OUTLINE_DEPTH = 64;

const FLATTENED = `blocks nested deeper than ${OUTLINE_DEPTH} levels are listed flat here`;

export function documentSymbols(file: ParsedFile): OutlineSymbol[] {
  const text = file.text;
  const roots: OutlineSymbol[] = [];
  const flattenedInto = new Set<OutlineSymbol>();
  // The blocks being read (an explicit stack: they nest deeper than V8's stack), each with the list its
  // symbols go to, the symbol owning that list and the depth of those symbols.
  const stack: {
    nodes: readonly Node[];
    index: number;
    out: OutlineSymbol[];
    owner: OutlineSymbol | null;
    depth: number;
  }[] = [{ nodes: file.children, index: 0, out: roots, owner: null, depth: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.index >= top.nodes.length) {
      stack.pop();
      continue;
    }
    const n = top.nodes[top.index++];
    if (n.kind !== "directive" || !isSymbolDirective(n)) continue;
    const sym = symbolOf(text, n);
    top.out.push(sym);
    if (!n.block || !hasSymbolChildren(n)) continue;
    if (top.depth + 1 < OUTLINE_DEPTH) {
      stack.push({ nodes: n.block.children, index: 0, out: sym.children, owner: sym, depth: top.depth + 1 });
      continue;
    }
    // Deeper than the outline goes: into the same flat list.
    const owner = top.owner;
    if (owner && !flattenedInto.has(owner)) {
      flattenedInto.add(owner);
      owner.detail = owner.detail ? `${owner.detail} · ${FLATTENED}` : FLATTENED;
    }
    stack.push({ nodes: n.block.children, index: 0, out: top.out, owner, depth: top.depth });
  }
  return roots;
}

/** Whether the block's body is outlined (not a table or code nginx's handler reads itself). */
function hasSymbolChildren(d: Directive): boolean {
  if (d.lua || !d.block) return false;
  let leaf = leafBlocks.get(d.name);
  if (leaf === undefined) leafBlocks.set(d.name, (leaf = hasCustomBody(d.name) || isLuaBlockDirective(d.name)));
  return !leaf;
}

/** A directive's symbol, without its children (documentSymbols adds them). */
function symbolOf(text: string, d: Directive): OutlineSymbol {
  const sym: OutlineSymbol = {
    name: "",
    kind: "event",
    range: d.range,
    selectionRange: headRange(d),
    directive: d,
    children: [],
  };
  if (d.lua || !d.block) {
    sym.name = headText(text, d);
    return sym;
  }
  if (d.name === "server") {
    sym.name = serverName(d.block.children);
    sym.kind = "module";
    const listen = listenValues(text, d.block.children);
    if (listen) sym.detail = listen;
    return sym;
  }
  sym.name = headText(text, d);
  sym.kind = KINDS.get(d.name) ?? "object";
  if (d.name === "location" && d.args.some((a) => a.value.startsWith("@"))) sym.kind = "function";
  return sym;
}

function own(nodes: readonly Node[], name: string): Directive[] {
  return nodes.filter((n): n is Directive => n.kind === "directive" && n.name === name);
}

/** A server's name for people: its `server_name` values, or `server` when it has none in this file. */
export function serverName(nodes: readonly Node[]): string {
  const names = own(nodes, "server_name")
    .flatMap((d) => d.args.map((a) => a.value))
    .filter((v) => v !== "");
  if (names.length === 0) return "server";
  const shown = names.slice(0, SERVER_NAMES_SHOWN).join(" ");
  return names.length > SERVER_NAMES_SHOWN ? shown + " …" : shown;
}

/** `listen 443 ssl, [::]:443 ssl`: every `listen` of the block as written, or null when there is none. */
function listenValues(text: string, nodes: readonly Node[]): string | null {
  const values = own(nodes, "listen").map((d) =>
    d.args
      .map((a) => written(text, a))
      .join(" ")
      .replace(/\s+/g, " "),
  );
  return values.length > 0 ? "listen " + values.join(", ") : null;
}

/** Every symbol of a tree, depth-first, with its parent symbol. */
export function flattenSymbols(
  symbols: readonly OutlineSymbol[],
  visit: (s: OutlineSymbol, parents: readonly OutlineSymbol[]) => void,
): void {
  const parents: OutlineSymbol[] = [];
  // Depth-first with an explicit stack of the lists being walked (`parents[i]` owns `lists[i + 1]`).
  const lists: { list: readonly OutlineSymbol[]; index: number }[] = [{ list: symbols, index: 0 }];
  while (lists.length > 0) {
    const top = lists[lists.length - 1];
    if (top.index >= top.list.length) {
      lists.pop();
      parents.pop();
      continue;
    }
    const s = top.list[top.index++];
    visit(s, parents);
    parents.push(s);
    lists.push({ list: s.children, index: 0 });
  }
}
