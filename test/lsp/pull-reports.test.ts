// pull-diagnostics.ts on its own: result ids follow the lists (equal lists, equal ids, across calls), reports
// are `unchanged` exactly for the ids the client holds, a file the client holds that is in no configuration
// any more is emptied, and waiting gives way to cancellation.

import * as assert from "assert";
import { CancellationTokenSource, DiagnosticSeverity, type Diagnostic } from "vscode-languageserver/node";
import {
  Signal,
  documentReport,
  resultIdOf,
  untilCancelled,
  workspaceReport,
} from "../../server/src/lsp/pull-diagnostics";

const error = (line: number, message: string): Diagnostic => ({
  range: { start: { line, character: 0 }, end: { line, character: 4 } },
  severity: DiagnosticSeverity.Error,
  message,
});

describe("pull diagnostics: result ids and reports", function () {
  it("a result id changes exactly when the list does", function () {
    const a = [error(1, "x"), error(2, "y")];
    assert.strictEqual(resultIdOf(a), resultIdOf(JSON.parse(JSON.stringify(a)) as Diagnostic[]));
    assert.notStrictEqual(resultIdOf(a), resultIdOf([error(1, "x")]));
    assert.notStrictEqual(resultIdOf(a), resultIdOf([error(1, "x"), error(3, "y")]));
    assert.notStrictEqual(resultIdOf([]), resultIdOf(a));
  });

  it("a document's report: full, then unchanged for the id it gave", function () {
    const items = [error(0, "x")];
    const full = documentReport(items, undefined);
    assert.strictEqual(full.kind, "full");
    assert.deepStrictEqual(documentReport(items, full.resultId), { kind: "unchanged", resultId: full.resultId });
    assert.strictEqual(documentReport([], full.resultId).kind, "full");
  });

  it("the workspace's report: full for what changed, unchanged for the rest, empty for files gone", function () {
    const files = [
      { uri: "file:///w/a.conf", items: [error(0, "a")], version: null },
      { uri: "file:///w/b.conf", items: [], version: 3 },
    ];
    const first = workspaceReport(files, new Map());
    assert.strictEqual(first.changed, true);
    assert.deepStrictEqual(
      first.items.map((i) => [i.uri, i.kind, i.version]),
      [
        ["file:///w/a.conf", "full", null],
        ["file:///w/b.conf", "full", 3],
      ],
    );
    const held = new Map(first.items.map((i) => [i.uri, i.resultId!]));
    const same = workspaceReport(files, held);
    assert.strictEqual(same.changed, false);
    assert.ok(same.items.every((i) => i.kind === "unchanged"));

    // b.conf gets an error; a.conf is in no configuration any more; c.conf is new.
    const next = workspaceReport(
      [
        { uri: "file:///w/b.conf", items: [error(1, "b")], version: 4 },
        { uri: "file:///w/c.conf", items: [], version: null },
      ],
      held,
    );
    assert.strictEqual(next.changed, true);
    assert.deepStrictEqual(
      next.items.map((i) => [i.uri, i.kind, i.kind === "full" ? i.items.length : -1]),
      [
        ["file:///w/b.conf", "full", 1],
        ["file:///w/c.conf", "full", 0],
        ["file:///w/a.conf", "full", 0],
      ],
    );
  });

  it("waiting gives way to cancellation, and a signal wakes every waiter once", async function () {
    const signal = new Signal();
    const source = new CancellationTokenSource();
    const waiting = untilCancelled(signal.next(), source.token);
    source.cancel();
    assert.strictEqual(await waiting, false);
    const a = untilCancelled(signal.next(), new CancellationTokenSource().token);
    const b = signal.next().then(() => "woken");
    signal.fire();
    assert.strictEqual(await a, true);
    assert.strictEqual(await b, "woken");
  });
});
