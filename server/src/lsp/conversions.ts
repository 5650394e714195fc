// The one place where our plain data (paths, Range, Finding) becomes LSP data (URIs, Diagnostic) and back.
// Nothing outside server/src/lsp/ knows about LSP; keep it that way.

import { fileURLToPath } from "url";
import {
  DiagnosticSeverity,
  MarkupKind,
  type CodeLens,
  type Diagnostic,
  type DiagnosticRelatedInformation,
  type Hover,
  type Range as LspRange,
} from "vscode-languageserver/node";
import type { Range } from "../parse/ast";
import type { Finding, Severity } from "../rules";
import { ruleDocUri } from "../rules/docs";

export const DIAGNOSTIC_SOURCE = "nginx-risk";

/** Characters VS Code's URI printer (vscode-uri) leaves alone in a path: RFC 3986 unreserved plus "/". */
const KEEP = /[A-Za-z0-9\-._~/]/;

/**
 * Workspace path → `file:` URI, spelled the way VS Code spells it (vscode-uri's `URI.file(p).toString()`):
 * every reserved character percent-encoded, a Windows drive letter lower-cased with its colon encoded.
 * The client compares URIs after parsing them, but we also use them as map keys and in tests, and a URI
 * that matches the client's byte for byte avoids a second entry for the same file.
 */
export function pathToUri(p: string): string {
  let posix = p.replace(/\\/g, "/");
  if (/^[A-Za-z]:/.test(posix)) posix = "/" + posix[0].toLowerCase() + posix.slice(1);
  if (!posix.startsWith("/")) posix = "/" + posix;
  let out = "file://";
  for (const ch of posix) {
    if (KEEP.test(ch)) {
      out += ch;
      continue;
    }
    // encodeURIComponent leaves !'()* alone; vscode-uri encodes them. A lone surrogate makes it throw:
    // U+FFFD is what the file system would have shown for such a name anyway.
    let enc: string;
    try {
      enc = encodeURIComponent(ch);
    } catch {
      enc = encodeURIComponent("\uFFFD");
    }
    out += enc.length === 1 ? "%" + enc.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0") : enc;
  }
  return out;
}

/**
 * `file:` URI → workspace path (forward slashes, also on Windows, as the workspace layer keys paths);
 * null for other schemes (untitled:, vscode-notebook-cell:, …) and malformed URIs.
 */
export function uriToPath(uri: string): string | null {
  if (!/^file:/i.test(uri)) return null;
  let p: string;
  try {
    p = fileURLToPath(uri);
  } catch {
    // fileURLToPath rejects what Node considers invalid for this platform (e.g. an encoded "/" in the path).
    return null;
  }
  return process.platform === "win32" ? p.replace(/\\/g, "/") : p;
}

/** Our positions are 0-based line + UTF-16 character, exactly LSP's; only `offset` is dropped. */
export function toLspRange(r: Range): LspRange {
  return {
    start: { line: r.start.line, character: r.start.character },
    end: { line: r.end.line, character: r.end.character },
  };
}

export function toLspSeverity(s: Severity): DiagnosticSeverity {
  switch (s) {
    case "error":
      return DiagnosticSeverity.Error;
    case "warning":
      return DiagnosticSeverity.Warning;
    case "info":
      return DiagnosticSeverity.Information;
    case "hint":
      return DiagnosticSeverity.Hint;
  }
}

/**
 * A finding as an LSP diagnostic. `code` is the rule id, linked by `codeDescription` to its page shipped in
 * the package (docs/rules/<id>.md, rules/docs.ts); the finer code goes into `data` for code actions. `uriOf` maps related paths to the URIs the client
 * knows (an open document's own URI when there is one).
 */
export function findingToDiagnostic(f: Finding, uriOf: (p: string) => string = pathToUri): Diagnostic {
  const d: Diagnostic = {
    range: toLspRange(f.range),
    severity: toLspSeverity(f.severity),
    code: f.ruleId,
    source: DIAGNOSTIC_SOURCE,
    message: f.message,
    data: { code: f.code },
  };
  const page = ruleDocUri(f.ruleId);
  if (page !== null) d.codeDescription = { href: page };
  if (f.related && f.related.length > 0) {
    d.relatedInformation = f.related.map((r): DiagnosticRelatedInformation => ({
      location: { uri: uriOf(r.path), range: toLspRange(r.range) },
      message: r.message,
    }));
  }
  return d;
}

/** Identity of a diagnostic, to merge the same finding reported through two main files. */
export function diagnosticKey(d: Diagnostic): string {
  const r = d.range;
  const data = d.data as { code?: unknown } | undefined;
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}\0${String(d.code)}\0${String(data?.code)}\0${d.message}`;
}

/** A hover of hover.ts as LSP's (markdown). */
export function hoverToLsp(info: { markdown: string; range: Range }): Hover {
  return { contents: { kind: MarkupKind.Markdown, value: info.markdown }, range: toLspRange(info.range) };
}

/**
 * A lens of hover.ts as LSP's: resolved at once, and with a title-only command (empty command id), since
 * VS Code shows no lens without a command and there is nothing to run.
 */
export function lensToCodeLens(lens: { range: Range; title: string }): CodeLens {
  return { range: toLspRange(lens.range), command: { title: lens.title, command: "" } };
}
