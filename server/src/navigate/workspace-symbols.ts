// Workspace symbols: servers, locations, upstreams and maps of every file the analyses read (and of open
// files no analysis reads), each file's outline computed once from its own tree. A file included twice
// is listed once. The container of a location is the server it is written in: in its own file, or for
// a snippet of locations, the server around the `include` that reads it.
//
// Matching is case-insensitive: names containing the query come first, then names containing its
// characters in order (what editors call fuzzy); the result is capped so a configuration with thousands
// of locations answers with a short list the editor can filter further.

import type { Directive, ParsedFile, Range } from "../parse/ast";
import { isStockPath } from "../workspace/stock-files";
import type { Analysed } from "./links";
import { documentSymbols, flattenSymbols, serverName, type OutlineSymbol, type SymbolKindName } from "./symbols";

export interface WorkspaceSymbol {
  name: string;
  kind: SymbolKindName;
  /** Workspace path. */
  path: string;
  range: Range;
  /** The enclosing server's name, when there is one. */
  containerName?: string;
}

export const DEFAULT_SYMBOL_LIMIT = 1000;

const LISTED: ReadonlySet<string> = new Set(["server", "location", "upstream", "map"]);

/** Whether `name` contains the characters of `query` (lower case) in order. */
function subsequence(name: string, query: string): boolean {
  let i = 0;
  for (let j = 0; j < name.length && i < query.length; j++) if (name[j] === query[i]) i++;
  return i === query.length;
}

export interface SymbolSources {
  analyses: readonly Analysed[];
  /** Files to list even when no analysis reads them (open documents), by workspace path. */
  extra?: ReadonlyMap<string, ParsedFile>;
}

export function workspaceSymbols(
  sources: SymbolSources,
  query: string,
  limit = DEFAULT_SYMBOL_LIMIT,
): { symbols: WorkspaceSymbol[]; truncated: boolean } {
  // Names have spaces (`location /api`): the query is matched as typed, and as characters in order
  // without its blanks.
  const q = query.toLowerCase().trim();
  const chars = q.replace(/\s+/g, "");
  const exact: WorkspaceSymbol[] = [];
  const fuzzy: WorkspaceSymbol[] = [];
  const done = new Set<string>();

  const list = (p: string, file: ParsedFile, outerServer: Directive | null): void => {
    if (done.has(p)) return;
    done.add(p);
    const outer = outerServer?.block ? serverName(outerServer.block.children) : undefined;
    flattenSymbols(documentSymbols(file), (s: OutlineSymbol, parents) => {
      if (!LISTED.has(s.directive.name)) return;
      const name = s.name.toLowerCase();
      const hit = q === "" || name.includes(q);
      if (!hit && !subsequence(name, chars)) return;
      const server = [...parents].reverse().find((x) => x.directive.name === "server");
      const sym: WorkspaceSymbol = { name: s.name, kind: s.kind, path: p, range: s.range };
      const container = server ? server.name : s.directive.name === "server" ? undefined : outer;
      if (container !== undefined) sym.containerName = container;
      (hit ? exact : fuzzy).push(sym);
    });
  };

  for (const a of sources.analyses) {
    for (const [p, inst] of a.config.instancesByPath) {
      // nginx's stock files read as its defaults are no files of the workspace (workspace/stock-files.ts).
      if (inst.length === 0 || isStockPath(p)) continue;
      const around = [...inst[0].parents].reverse().find((d) => d.name === "server") ?? null;
      list(p, inst[0].parsed, around);
    }
  }
  for (const [p, file] of sources.extra ?? []) list(p, file, null);

  const all = [...exact, ...fuzzy];
  return { symbols: all.slice(0, limit), truncated: all.length > limit };
}
