// Outline and navigation (navigate/) as LSP data: symbol kinds, folding kinds, links and locations with
// the URIs the client knows, and the request handlers (registered by server.ts). No logic of their own.

import {
  FoldingRangeKind,
  ResponseError,
  SymbolKind,
  type CancellationToken,
  type DocumentLink,
  type DocumentSymbol,
  type FoldingRange,
  type Location,
  type Connection,
  type SymbolInformation,
} from "vscode-languageserver/node";
import {
  definitionAt,
  documentLinks,
  documentSymbols,
  foldingRanges,
  referencesAt,
  workspaceSymbols,
  type Analysed,
  type FileLink,
  type FoldingRegion,
  type NavLocation,
  type OutlineSymbol,
  type SymbolKindName,
  type WorkspaceSymbol,
} from "../navigate";
import type { ParsedFile } from "../parse/ast";
import { toLspRange } from "./conversions";

const KINDS: Readonly<Record<SymbolKindName, SymbolKind>> = {
  namespace: SymbolKind.Namespace,
  module: SymbolKind.Module,
  method: SymbolKind.Method,
  function: SymbolKind.Function,
  struct: SymbolKind.Struct,
  variable: SymbolKind.Variable,
  enum: SymbolKind.Enum,
  operator: SymbolKind.Operator,
  key: SymbolKind.Key,
  event: SymbolKind.Event,
  object: SymbolKind.Object,
};

/** Recursive, bounded: outlines are at most OUTLINE_DEPTH (navigate/symbols.ts) levels deep. */
export function toDocumentSymbol(s: OutlineSymbol): DocumentSymbol {
  const out: DocumentSymbol = {
    name: s.name,
    kind: KINDS[s.kind],
    range: toLspRange(s.range),
    selectionRange: toLspRange(s.selectionRange),
    children: s.children.map(toDocumentSymbol),
  };
  if (s.detail !== undefined) out.detail = s.detail;
  return out;
}

export function toFoldingRange(r: FoldingRegion): FoldingRange {
  const out: FoldingRange = { startLine: r.startLine, endLine: r.endLine };
  if (r.kind === "comment") out.kind = FoldingRangeKind.Comment;
  return out;
}

export function toDocumentLink(l: FileLink, uriOf: (p: string) => string): DocumentLink {
  return { range: toLspRange(l.range), target: uriOf(l.target), tooltip: l.tooltip };
}

export function toLocation(l: NavLocation, uriOf: (p: string) => string): Location {
  return { uri: uriOf(l.path), range: toLspRange(l.range) };
}

export function toSymbolInformation(s: WorkspaceSymbol, uriOf: (p: string) => string): SymbolInformation {
  const out: SymbolInformation = {
    name: s.name,
    kind: KINDS[s.kind],
    location: { uri: uriOf(s.path), range: toLspRange(s.range) },
  };
  if (s.containerName !== undefined) out.containerName = s.containerName;
  return out;
}

/** What the navigation handlers need from the server (server.ts owns the documents and the analyses). */
export interface NavigationHost {
  /** Runs pending analyses and waits for those under way (server.ts `settle`). */
  settle(): Promise<void>;
  /** The analyses of the roots that read a document, and the path they know it by. */
  analysesFor(uri: string): { analyses: readonly Analysed[]; path: string } | null;
  /**
   * A document's own parse (the open buffer, else the file on disk), or null; when an analysis is parsing
   * the buffer in slices, after that parse (server.ts `parsedNow`), unless the request is cancelled (then
   * it throws RequestCancelled).
   */
  parsedOf(uri: string, token: CancellationToken): Promise<ParsedFile | null>;
  /** Every root analysis kept, and the open documents' parses (workspace symbols). */
  everything(): { analyses: readonly Analysed[]; open: ReadonlyMap<string, ParsedFile> };
  uriOf(): (p: string) => string;
  logError(what: string, err: unknown): void;
}

/** The capabilities the handlers below serve (spread into the initialize result). */
export const NAVIGATION_CAPABILITIES = {
  documentSymbolProvider: { label: "nginx" },
  workspaceSymbolProvider: true,
  foldingRangeProvider: true,
  documentLinkProvider: { resolveProvider: false },
  definitionProvider: true,
  referencesProvider: true,
} as const;

/**
 * Outline and folding read the document's own tree, so they answer at once and for a file no main file
 * reads; links, definitions, references and workspace symbols read the root analyses, after the pending
 * ones ran (like a hover), so they answer for the text the editor shows.
 */
export function registerNavigation(connection: Connection, host: NavigationHost): void {
  connection.onDocumentSymbol(async (params, token): Promise<DocumentSymbol[]> => {
    try {
      const parsed = await host.parsedOf(params.textDocument.uri, token);
      return parsed ? documentSymbols(parsed).map(toDocumentSymbol) : [];
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      host.logError(`document symbols of ${params.textDocument.uri} failed`, err);
      return [];
    }
  });

  connection.onFoldingRanges(async (params, token): Promise<FoldingRange[]> => {
    try {
      const parsed = await host.parsedOf(params.textDocument.uri, token);
      return parsed ? foldingRanges(parsed).map(toFoldingRange) : [];
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      host.logError(`folding ranges of ${params.textDocument.uri} failed`, err);
      return [];
    }
  });

  connection.onDocumentLinks(async (params): Promise<DocumentLink[]> => {
    try {
      await host.settle();
      const target = host.analysesFor(params.textDocument.uri);
      if (!target) return [];
      const uriOf = host.uriOf();
      return documentLinks(target.analyses, target.path).map((l) => toDocumentLink(l, uriOf));
    } catch (err) {
      host.logError(`document links of ${params.textDocument.uri} failed`, err);
      return [];
    }
  });

  connection.onDefinition(async (params): Promise<Location[]> => {
    try {
      await host.settle();
      const target = host.analysesFor(params.textDocument.uri);
      if (!target) return [];
      const uriOf = host.uriOf();
      return definitionAt(target.analyses, target.path, params.position).map((l) => toLocation(l, uriOf));
    } catch (err) {
      host.logError(`definition in ${params.textDocument.uri} failed`, err);
      return [];
    }
  });

  connection.onReferences(async (params): Promise<Location[]> => {
    try {
      await host.settle();
      const target = host.analysesFor(params.textDocument.uri);
      if (!target) return [];
      const uriOf = host.uriOf();
      return referencesAt(target.analyses, target.path, params.position, params.context.includeDeclaration).map((l) =>
        toLocation(l, uriOf),
      );
    } catch (err) {
      host.logError(`references in ${params.textDocument.uri} failed`, err);
      return [];
    }
  });

  connection.onWorkspaceSymbol(async (params): Promise<SymbolInformation[]> => {
    try {
      await host.settle();
      const { analyses, open } = host.everything();
      const uriOf = host.uriOf();
      return workspaceSymbols({ analyses, extra: open }, params.query).symbols.map((s) =>
        toSymbolInformation(s, uriOf),
      );
    } catch (err) {
      host.logError(`workspace symbols for ${JSON.stringify(params.query)} failed`, err);
      return [];
    }
  });
}
