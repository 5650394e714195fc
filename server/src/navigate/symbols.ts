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

export function documentSymbols(file: ParsedFile): OutlineSymbol[] {
  return symbolsOf(file.text, file.children);
}

function symbolsOf(text: string, nodes: readonly Node[]): OutlineSymbol[] {
  const out: OutlineSymbol[] = [];
  for (const n of nodes) {
    if (n.kind !== "directive" || !isSymbolDirective(n)) continue;
    out.push(symbolOf(text, n));
  }
  return out;
}

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
  let leaf = leafBlocks.get(d.name);
  if (leaf === undefined) leafBlocks.set(d.name, (leaf = hasCustomBody(d.name) || isLuaBlockDirective(d.name)));
  if (!leaf) sym.children = symbolsOf(text, d.block.children);
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
  const go = (list: readonly OutlineSymbol[]): void => {
    for (const s of list) {
      visit(s, parents);
      parents.push(s);
      go(s.children);
      parents.pop();
    }
  };
  go(symbols);
}
