// Pull diagnostics (LSP 3.17: textDocument/diagnostic, workspace/diagnostic) as plain functions over the
// lists the server holds: result ids, reports, and the waiting a pull does (for an analysis, or, for the
// workspace, for something to change), always giving way to cancellation.
//
// A result id is a hash of the list itself, not a counter: it changes exactly when the list does, so a
// file whose diagnostics an analysis left as they were answers `unchanged` to the id the client holds —
// also an id it got from an earlier server process, whose list was the same.

import { createHash } from "crypto";
import {
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  type Diagnostic,
  type DocumentDiagnosticReport,
  type WorkspaceDocumentDiagnosticReport,
} from "vscode-languageserver/node";

/** The result id of a list of diagnostics: the same list, the same id. */
export function resultIdOf(items: readonly Diagnostic[]): string {
  return createHash("sha256").update(JSON.stringify(items)).digest("base64url").slice(0, 24);
}

/** A document's report: `unchanged` when the client holds the list already. */
export function documentReport(items: Diagnostic[], previousResultId: string | undefined): DocumentDiagnosticReport {
  const resultId = resultIdOf(items);
  return previousResultId === resultId ? { kind: "unchanged", resultId } : { kind: "full", resultId, items };
}

/** What the workspace report needs of one file. */
export interface FileDiagnostics {
  uri: string;
  items: Diagnostic[];
  /** The version of an open document whose analysis the items come from; null for files not open. */
  version: number | null;
}

/**
 * The workspace report for `files` given the result ids the client holds (`previous`, by URI): `full` for
 * each file whose list the client does not hold, `unchanged` for the others; `changed` says whether any is
 * full. A file the client holds a list for and that is in no configuration any more gets an empty list.
 */
export function workspaceReport(
  files: Iterable<FileDiagnostics>,
  previous: ReadonlyMap<string, string>,
): { items: WorkspaceDocumentDiagnosticReport[]; changed: boolean } {
  const items: WorkspaceDocumentDiagnosticReport[] = [];
  const seen = new Set<string>();
  let changed = false;
  const add = (f: FileDiagnostics): void => {
    if (seen.has(f.uri)) return;
    seen.add(f.uri);
    const resultId = resultIdOf(f.items);
    if (previous.get(f.uri) === resultId) {
      items.push({ kind: "unchanged", uri: f.uri, version: f.version, resultId });
    } else {
      changed = true;
      items.push({ kind: "full", uri: f.uri, version: f.version, resultId, items: f.items });
    }
  };
  for (const f of files) add(f);
  for (const uri of previous.keys()) add({ uri, items: [], version: null });
  return { items, changed };
}

/** The answer to a request the client cancelled (LSP: RequestCancelled). */
export function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, "cancelled");
}

/** Resolves with true when `wait` settles, with false as soon as `token` is cancelled. */
export async function untilCancelled(wait: Promise<unknown>, token: CancellationToken): Promise<boolean> {
  if (token.isCancellationRequested) return false;
  let listener: { dispose(): void } | undefined;
  const cancel = new Promise<false>((resolve) => {
    listener = token.onCancellationRequested(() => resolve(false));
  });
  try {
    return await Promise.race([wait.then(() => true), cancel]);
  } finally {
    listener?.dispose();
  }
}

/** Something that happens again and again (an analysis ends, a report changes): `next()` waits for the next time. */
export class Signal {
  private waiters: (() => void)[] = [];

  next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  fire(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
