// The cost report and the status bar item: both only show what the server answers (nginxRisk/costReport,
// nginxRisk/status in server/src/lsp/cost-report-protocol.ts); nothing is computed here.
//
// The report is written to a file in the extension's storage (`<storage>/reports/<hash>/nginx-risk cost
// report.md`) and shown in the markdown preview beside the editor. A file, not a virtual document, because
// the preview renders no `file:` link (markdown-it refuses the scheme) but opens a relative link at its
// `#L12` line: the server writes the links relative to the report's folder (`linkBase`). Without the
// markdown extension the markdown text itself opens instead. An open report follows later analyses.
//
// The status bar item is shown while an nginx document is the active editor, and asks the server again
// whenever the active editor changes and after every analysis (nginxRisk/analysed, sent after the debounce).

import { createHash } from "crypto";
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import {
  ANALYSED_NOTIFICATION,
  COST_REPORT_REQUEST,
  STATUS_REQUEST,
  type CostReportParams,
  type CostReportResult,
  type DocumentParams,
  type StatusResult,
} from "../../server/src/lsp/cost-report-protocol";

export const SHOW_COST_REPORT_COMMAND = "nginxRisk.showCostReport";
/** VS Code shows it as `<publisher>.<name>.nginxRisk.status` (the extension's id first). */
export const STATUS_ITEM_ID = "nginxRisk.status";
/** The report's file name: the preview tab is titled "Preview nginx-risk cost report.md". */
export const REPORT_NAME = "nginx-risk cost report.md";
/** The status item's accessible name starts with this (screen readers, and the end-to-end tests). */
export const STATUS_LABEL = "nginx-risk memory estimate";

const isNginx = (doc: vscode.TextDocument | undefined): doc is vscode.TextDocument => doc?.languageId === "nginx";

export class CostView {
  private client: LanguageClient | undefined;
  private readonly item: vscode.StatusBarItem;
  private readonly storage: vscode.Uri;
  /** Report files shown in this window (by URI string) → the nginx document they report on, and their text. */
  private readonly reports = new Map<string, { source: string; text: string }>();
  /** The last nginx document that was active, for the command run from the report or the palette. */
  private lastNginx: vscode.Uri | undefined;
  /** Bumped by every status refresh: an older answer arriving late is dropped. */
  private statusSeq = 0;

  constructor(context: vscode.ExtensionContext) {
    this.storage = context.globalStorageUri;
    this.item = vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Right, 100);
    this.item.name = "nginx-risk memory estimate";
    this.item.command = SHOW_COST_REPORT_COMMAND;
    context.subscriptions.push(
      this.item,
      vscode.commands.registerCommand(SHOW_COST_REPORT_COMMAND, (uri?: unknown) =>
        this.show(uri instanceof vscode.Uri ? uri : undefined),
      ),
      vscode.window.onDidChangeActiveTextEditor(() => void this.refreshStatus()),
      vscode.workspace.onDidCloseTextDocument((doc) => this.reports.delete(doc.uri.toString())),
    );
  }

  /** Called with each new client (at activation, and not again on restarts: handlers persist). */
  attach(client: LanguageClient): void {
    this.client = client;
    client.onNotification(ANALYSED_NOTIFICATION, () => {
      void this.refreshStatus();
      for (const key of this.reports.keys()) void this.refreshReport(vscode.Uri.parse(key));
    });
    client.onDidChangeState(() => void this.refreshStatus());
  }

  // ---- report -------------------------------------------------------------------------------------------

  /** One report file per nginx document, so two open reports never overwrite each other. */
  private reportFile(source: vscode.Uri): vscode.Uri {
    const key = createHash("sha256").update(source.toString()).digest("hex").slice(0, 16);
    return vscode.Uri.joinPath(this.storage, "reports", key, REPORT_NAME);
  }

  private async fetch(source: string, file: vscode.Uri): Promise<string> {
    const c = this.client;
    if (!c || !c.isRunning()) return "# nginx-risk cost report\n\nThe nginx-risk language server is not running.\n";
    try {
      const params: CostReportParams = { uri: source, linkBase: vscode.Uri.joinPath(file, "..").toString() };
      const r = await c.sendRequest<CostReportResult | null>(COST_REPORT_REQUEST, params);
      return r?.markdown ?? `# nginx-risk cost report\n\nNo main configuration reads \`${source}\`.\n`;
    } catch (err) {
      c.error("Could not get the cost report", err, false);
      return `# nginx-risk cost report\n\nThe language server did not answer: ${String(err)}\n`;
    }
  }

  private async write(file: vscode.Uri, text: string): Promise<void> {
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(file, ".."));
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(text));
  }

  private async refreshReport(file: vscode.Uri): Promise<void> {
    const known = this.reports.get(file.toString());
    if (!known) return;
    const text = await this.fetch(known.source, file);
    const now = this.reports.get(file.toString());
    if (!now || now.text === text) return;
    this.reports.set(file.toString(), { source: known.source, text });
    await this.write(file, text).catch((err) => this.client?.error("Could not write the cost report", err, false));
  }

  private async show(target?: vscode.Uri): Promise<void> {
    const active = vscode.window.activeTextEditor?.document;
    const source = target ?? (isNginx(active) ? active.uri : this.lastNginx);
    if (!source) {
      void vscode.window.showInformationMessage("nginx-risk: open an nginx configuration to see its cost report.");
      return;
    }
    const file = this.reportFile(source);
    const text = await this.fetch(source.toString(), file);
    await this.write(file, text);
    this.reports.set(file.toString(), { source: source.toString(), text });
    try {
      await vscode.commands.executeCommand("markdown.showPreviewToSide", file);
    } catch {
      // No markdown preview (the built-in extension disabled): the markdown text beside.
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }
  }

  // ---- status bar ---------------------------------------------------------------------------------------

  async refreshStatus(): Promise<void> {
    const seq = ++this.statusSeq;
    const doc = vscode.window.activeTextEditor?.document;
    if (isNginx(doc)) this.lastNginx = doc.uri;
    const c = this.client;
    if (!isNginx(doc) || !c || !c.isRunning()) {
      this.item.hide();
      return;
    }
    // A failed request (the server restarting) hides the item until the next analysis.
    const r = await c
      .sendRequest<StatusResult | null>(STATUS_REQUEST, { uri: doc.uri.toString() } as DocumentParams)
      .catch(() => null);
    if (seq !== this.statusSeq) return;
    if (!r) {
      // Not analysed yet (or read by no configuration): nginxRisk/analysed brings it.
      this.item.hide();
      return;
    }
    this.item.text = r.text;
    this.item.tooltip = r.tooltip;
    this.item.accessibilityInformation = {
      label: `${STATUS_LABEL}: ${r.text.replace(/^nginx-risk:\s*/, "")}`,
      role: "button",
    };
    this.item.backgroundColor =
      r.severity === "warning" ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
    this.item.show();
  }
}
