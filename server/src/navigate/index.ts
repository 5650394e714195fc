// Outline and navigation: document symbols, folding ranges, document links, definitions, references and
// workspace symbols, as plain data over parsed files and root analyses (lsp/navigation.ts adapts them).

export { documentSymbols, flattenSymbols, hasCustomBody, isSymbolDirective } from "./symbols";
export type { OutlineSymbol, SymbolKindName } from "./symbols";
export { foldingRanges, type FoldingRegion } from "./folding";
export { documentLinks, fileArgumentTarget, type Analysed, type FileLink } from "./links";
export { definitionAt, includersOf, referencesAt, upstreamNameOf, type NavLocation } from "./definitions";
export { DEFAULT_SYMBOL_LIMIT, workspaceSymbols, type SymbolSources, type WorkspaceSymbol } from "./workspace-symbols";
