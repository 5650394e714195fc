// Quick-fixes as LSP code actions: the fixes of fix/ (plain data, checked by reading the edited
// configuration again) for the diagnostics the editor asks about. Plain functions over the stored analyses,
// no connection (server.ts supplies what only it knows: open documents, their versions, URIs).
//
// A fix's ranges are in the coordinates of the texts that were analysed. An action is only offered while
// every file it touches still holds exactly that text (the open buffer for open documents, else the file):
// after an edit the analysis is stale until it is redone, and a stale edit would land in the wrong place.
// The editor asks again when the new diagnostics arrive.

import {
  CodeActionKind,
  OptionalVersionedTextDocumentIdentifier,
  TextDocumentEdit,
  type CodeAction,
  type CodeActionContext,
  type Diagnostic,
  type Range as LspRange,
  type TextEdit as LspTextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import type { Fix, TextEdit } from "../fix";
import { suppressionFix } from "../fix/suppress";
import { byFile } from "../fix/text";
import type { Finding } from "../rules";
import { fixesOf, type RootAnalysis } from "./analysis";
import { findingToDiagnostic, toLspRange } from "./conversions";

/** The command a "set the deployed version" action runs; the server executes it (server.ts). */
export const SET_VERSION_COMMAND = "nginxRisk.setVersion";
/** The command a "make the mapping explicit" action runs, with the nginx prefix and the workspace folder. */
export const SET_PATH_MAPPING_COMMAND = "nginxRisk.setPathMapping";
/** Sent after the command, so a client can persist the value (the VS Code extension does). */
export const SETTING_CHANGED_NOTIFICATION = "nginxRisk/settingChanged";

export interface CodeActionSources {
  /** The last analyses of the roots that read the document, its own roots first. */
  analyses: readonly RootAnalysis[];
  /** The path the configurations know the document by. */
  path: string;
  /** The last analyses of every root that reads `p` (a fix may edit a file another configuration reads). */
  readersOf(p: string): RootAnalysis[];
  /** Path → the URI the client knows the file by. */
  uriOf(p: string): string;
  /** What the file holds now: the open document's text, else the file's; null when it cannot be read. */
  currentText(p: string): string | null;
  /** The version of the open document with this URI; null for a file that is not open. */
  versionOf(uri: string): number | null;
  /** The client applies `documentChanges` (versioned edits); otherwise `changes` is sent. */
  documentChanges: boolean;
}

/**
 * The quick-fixes for the diagnostics of `context` and for the findings overlapping `range`, one code
 * action per fix, each naming the diagnostic it fixes. Empty when the analysis is stale.
 */
export function codeActions(range: LspRange, context: CodeActionContext, src: CodeActionSources): CodeAction[] {
  if (context.only && !context.only.some((k) => isKindOf(CodeActionKind.QuickFix, k))) return [];
  const asked = new Map<string, Diagnostic>();
  for (const d of context.diagnostics) asked.set(identity(d), d);

  const out: CodeAction[] = [];
  const seen = new Set<string>();
  const ignores: { fix: Fix; d: Diagnostic }[] = [];
  for (const a of src.analyses) {
    const analysed = a.config.files.get(src.path)?.text;
    // Changed since this analysis: its findings and ranges no longer describe the text on screen.
    if (analysed === undefined || src.currentText(src.path) !== analysed) continue;
    for (const f of a.findings) {
      if (f.path !== src.path) continue;
      const own = findingToDiagnostic(f, src.uriOf);
      const d = asked.get(identity(own)) ?? (overlaps(toLspRange(f.range), range) ? own : undefined);
      if (!d) continue;
      for (const fix of fixesOf(a, f)) {
        const key = fixKey(fix);
        if (seen.has(key) || !offerable(a, f, fix, src)) continue;
        seen.add(key);
        out.push(toCodeAction(fix, d, src));
      }
      // After the fixes: silencing is for what the user has judged, not the first thing to reach for.
      const ignore = suppressionFix(a.config, f);
      if (ignore !== null) ignores.push({ fix: ignore, d });
    }
  }
  for (const { fix, d } of ignores) {
    const key = fixKey(fix);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(toCodeAction(fix, d, src));
  }
  return out;
}

/** `kind` is `wanted` or below it (`quickfix` is asked for by `quickfix` and by ``). */
function isKindOf(kind: string, wanted: string): boolean {
  return wanted === "" || kind === wanted || kind.startsWith(wanted + ".");
}

/**
 * What identifies a diagnostic between publishing it and being asked about it. Not `data`: some clients
 * do not send it back.
 */
function identity(d: Diagnostic): string {
  const r = d.range;
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}\0${String(d.code)}\0${d.message}`;
}

function before(a: LspRange["start"], b: LspRange["start"]): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

/** Ranges touching count: a cursor right after a directive's `;` is on it. */
function overlaps(a: LspRange, b: LspRange): boolean {
  return before(a.start, b.end) && before(b.start, a.end);
}

function editsKey(edits: readonly TextEdit[]): string {
  return JSON.stringify(edits.map((e) => [e.path, e.range.start.offset, e.range.end.offset, e.newText]));
}

/** Two roots reading the same file find the same fix: offered once. */
function fixKey(fix: Fix): string {
  const s = fix.setting;
  return `${fix.title}\0${editsKey(fix.edits)}\0${s ? `${s.key}${s.entry === undefined ? "" : `[${s.entry}]`}=${s.value}` : ""}`;
}

/**
 * Whether an edit fix may be offered: every file it edits still holds the analysed text, and every other
 * configuration that reads one of those files (two main files including the same snippet) offers the very
 * same edits for the same finding — the check of fix/verify.ts covers one configuration only, and a
 * snippet edit that is safe in one could change the other.
 */
function offerable(a: RootAnalysis, f: Finding, fix: Fix, src: CodeActionSources): boolean {
  if (fix.edits.length === 0) return true;
  const paths = [...byFile(fix.edits).keys()];
  for (const p of paths) {
    const analysed = a.config.files.get(p)?.text;
    if (analysed === undefined || src.currentText(p) !== analysed) return false;
  }
  const key = editsKey(fix.edits);
  const others = new Set<RootAnalysis>();
  for (const p of paths) for (const b of src.readersOf(p)) if (b !== a) others.add(b);
  for (const b of others) {
    // The other configuration must have been analysed over the same texts…
    for (const p of paths) {
      const t = b.config.files.get(p)?.text;
      if (t !== undefined && t !== a.config.files.get(p)?.text) return false;
    }
    // …and find the same finding with the same fix.
    const same = b.findings.find(
      (g) =>
        g.ruleId === f.ruleId &&
        g.code === f.code &&
        g.path === f.path &&
        g.range.start.offset === f.range.start.offset &&
        g.message === f.message,
    );
    if (!same || !fixesOf(b, same).some((x) => editsKey(x.edits) === key)) return false;
  }
  return true;
}

function toCodeAction(fix: Fix, diagnostic: Diagnostic, src: CodeActionSources): CodeAction {
  const action: CodeAction = {
    title: fix.title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    isPreferred: fix.isPreferred,
  };
  if (fix.edits.length > 0) action.edit = workspaceEdit(fix.edits, src);
  if (fix.setting?.key === "pathMappings" && fix.setting.entry !== undefined) {
    action.command = {
      title: fix.title,
      command: SET_PATH_MAPPING_COMMAND,
      arguments: [fix.setting.entry, fix.setting.value],
    };
  } else if (fix.setting) {
    action.command = {
      title: fix.title,
      command: SET_VERSION_COMMAND,
      arguments: [fix.setting.key, fix.setting.value],
    };
  }
  return action;
}

/** The edits of every file of a fix, versioned for open documents when the client supports it. */
function workspaceEdit(edits: readonly TextEdit[], src: CodeActionSources): WorkspaceEdit {
  const files = [...byFile(edits)].map(([p, list]) => ({
    uri: src.uriOf(p),
    edits: list.map((e): LspTextEdit => ({ range: toLspRange(e.range), newText: e.newText })),
  }));
  if (src.documentChanges) {
    return {
      documentChanges: files.map((f) =>
        TextDocumentEdit.create(OptionalVersionedTextDocumentIdentifier.create(f.uri, src.versionOf(f.uri)), f.edits),
      ),
    };
  }
  const changes: Record<string, LspTextEdit[]> = {};
  for (const f of files) changes[f.uri] = f.edits;
  return { changes };
}
