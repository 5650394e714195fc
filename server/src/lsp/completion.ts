// Completion for the language server: places the cursor in the editor's text (complete/completion.ts),
// with the context the analyses found for the file (where it is included) or a guessed one, and the
// variables, upstreams and named locations of every configuration the file is read in. The items carry
// only their name and context; the documentation (complete/directive-doc.ts) is built when the editor
// resolves an item, since a location offers some 700 directives.

import {
  CompletionItemKind,
  CompletionItemTag,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
} from "vscode-languageserver/node";
import { completionsAt, type CompletionEntry, type CompletionKind, type CursorPosition } from "../complete/completion";
import { directiveDoc, type DeployedVersion } from "../complete/directive-doc";
import { configSymbols, mergeSymbols, type ConfigSymbols } from "../complete/symbols";
import { isDirectiveContext, type ContextKind } from "../parse/directives";
import type { ParsedFile } from "../parse/ast";
import { parse } from "../parse/parser";
import { rootContextKind } from "../rules/statement-checks";
import type { Configuration } from "../workspace/configuration";
import { guessContext } from "../workspace/roots";
import type { RootAnalysis } from "./analysis";

const KINDS: Readonly<Record<CompletionKind, CompletionItemKind>> = {
  directive: CompletionItemKind.Keyword,
  block: CompletionItemKind.Struct,
  value: CompletionItemKind.Value,
  variable: CompletionItemKind.Variable,
  upstream: CompletionItemKind.Reference,
  location: CompletionItemKind.Reference,
};

const symbolCache = new WeakMap<Configuration, ConfigSymbols>();

/** What an item keeps for completionItem/resolve. */
interface ItemData {
  directive: string;
  context: ContextKind;
  nginx: DeployedVersion | null;
}

/** The contexts the file's top level is read in: one per include site the analyses know, else a guess. */
export function topContextsOf(analyses: readonly RootAnalysis[], p: string | null, parsed: ParsedFile): ContextKind[] {
  const out = new Set<ContextKind>();
  if (p !== null) {
    for (const a of analyses)
      for (const inst of a.config.instancesByPath.get(p) ?? []) out.add(rootContextKind(inst.context));
  }
  if (out.size === 0) out.add(rootContextKind(guessContext(parsed).context));
  return [...out];
}

/** The deployed nginx the first analysis resolved (setting, OpenResty release, or found in the workspace). */
export function deployedNginx(analyses: readonly RootAnalysis[]): DeployedVersion | null {
  const v = analyses[0]?.report.versions.nginx;
  return v && v.version !== null ? { version: v.version, source: v.source } : null;
}

function toItem(e: CompletionEntry, snippets: boolean, nginx: DeployedVersion | null): CompletionItem {
  const useSnippet = snippets && e.snippet !== undefined;
  const newText = useSnippet ? e.snippet! : e.insertText;
  const item: CompletionItem = {
    label: e.label,
    kind: KINDS[e.kind],
    detail: e.detail,
    sortText: e.sortText,
    filterText: e.insertText,
    textEdit: { range: e.range, newText },
    insertTextFormat: useSnippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
  };
  if (e.deprecated) item.tags = [CompletionItemTag.Deprecated];
  if (e.directive) {
    const data: ItemData = { directive: e.directive.name, context: e.directive.context, nginx };
    item.data = data;
  }
  return item;
}

/** The items at `position` of `text` (the editor's buffer of workspace path `p`). */
export function completionItems(
  analyses: readonly RootAnalysis[],
  p: string | null,
  text: string,
  position: CursorPosition,
  snippets: boolean,
  /** The parse of `text` when the caller holds it (the server's parse cache); else it is parsed here. */
  parsedText?: ParsedFile,
): CompletionItem[] {
  // The analysis's tree when it read this very text (the request waited for it), else the text parsed now.
  const analysed =
    p === null
      ? undefined
      : analyses.map((a) => a.config.files.get(p)).find((f): f is ParsedFile => f !== undefined && f.text === text);
  const parsed = analysed ?? parsedText ?? parse(text);
  const topContexts = topContextsOf(analyses, p, parsed);
  // The configurations' symbols once per analysis (a walk of every file); a newer text's on every request.
  const fromConfigs = analyses.map((a) => {
    let symbols = symbolCache.get(a.config);
    if (!symbols) symbolCache.set(a.config, (symbols = configSymbols([a.config])));
    return symbols;
  });
  const own = analysed
    ? []
    : [configSymbols([], { nodes: parsed.children, inStream: topContexts.some((c) => c.startsWith("stream")) })];
  const symbols = mergeSymbols([...own, ...fromConfigs]);
  const nginx = deployedNginx(analyses);
  return completionsAt({ text, parsed, position, topContexts, symbols, nginx }).map((e) => toItem(e, snippets, nginx));
}

function isItemData(x: unknown): x is ItemData {
  if (typeof x !== "object" || x === null) return false;
  const d = x as Record<string, unknown>;
  return typeof d.directive === "string" && typeof d.context === "string";
}

/** completionItem/resolve: the directive's documentation, for the context it was offered in. */
export function resolveItem(item: CompletionItem): CompletionItem {
  if (!isItemData(item.data)) return item;
  const { directive, context, nginx } = item.data;
  const doc = directiveDoc(directive, {
    context: isDirectiveContext(context) ? context : undefined,
    nginx: nginx ?? null,
  });
  if (doc !== null) item.documentation = { kind: MarkupKind.Markdown, value: doc };
  return item;
}
