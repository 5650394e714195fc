// The VS Code client: starts the nginx-risk language server (dist/server.js, over stdio) for `nginx`
// documents, forwards the `nginxRisk` settings and file events (config, Dockerfiles, crontabs, …), and applies
// `nginxRisk.extraFilePatterns` by switching matching documents to the `nginx` language, and persists the
// settings a quick-fix sets (the server can only keep them for its session). The cost report and the status
// bar item are in cost-view.ts; "nginx-risk: Restart language server" restarts the server.
import * as path from "path";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";
import { WORKSPACE_TRUSTED_NOTIFICATION, type InitializationOptions } from "../../server/src/lsp/cost-report-protocol";
import { CostView } from "./cost-view";

let client: LanguageClient | undefined;

/** Sent by the server after nginxRisk.setVersion and nginxRisk.setPathMapping (server/src/lsp/code-actions.ts). */
const SETTING_CHANGED = "nginxRisk/settingChanged";

const RESTART_SERVER_COMMAND = "nginxRisk.restartServer";
/** Context key for the command palette's `when` clauses (package.json): the server was started. */
const STARTED_CONTEXT = "nginxRisk.serverStarted";

/**
 * Files whose changes the server hears about: configuration, and the files it reads facts from (deployed
 * versions, periodic `nginx -t`: Dockerfiles, crontabs, systemd units, Kubernetes/compose YAML, and the
 * scripts that `docker run` nginx).
 */
const WATCHED = [
  "**/.nginx-risk.json",
  "**/*.conf",
  "**/nginx.conf",
  "**/{Dockerfile,Containerfile}*",
  "**/crontab*",
  "**/*.{timer,service}",
  "**/*.{yaml,yml}",
  "**/*.{sh,bash}",
];

export function activate(context: vscode.ExtensionContext): void {
  const serverModule = context.asAbsolutePath(path.join("dist", "server.js"));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.stdio },
    debug: {
      module: serverModule,
      transport: TransportKind.stdio,
      options: { execArgv: ["--nolazy", "--inspect=6009"] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    // The status bar follows nginxRisk/analysed (cost-view.ts); nginxRisk/settingChanged is persisted below.
    // In Restricted Mode the server ignores the settings that widen what it reads, whatever VS Code sends
    // (restrictedConfigurations is the first line), until the user trusts the workspace (below).
    initializationOptions: {
      analysedNotification: true,
      persistsSettings: true,
      workspaceTrusted: vscode.workspace.isTrusted,
    } satisfies InitializationOptions,
    documentSelector: [
      { scheme: "file", language: "nginx" },
      { scheme: "untitled", language: "nginx" },
    ],
    synchronize: {
      configurationSection: "nginxRisk",
      fileEvents: WATCHED.map((glob) => vscode.workspace.createFileSystemWatcher(glob)),
    },
  };

  const costView = new CostView(context);

  // Started at activation: the extension activates on an nginx document or in a workspace with an nginx.conf
  // (package.json), and in the latter the server's workspace diagnostics fill Problems with the whole
  // configuration before any file is opened. Started again by a later nginx document after a stop.
  const ensureStarted = (doc?: vscode.TextDocument): void => {
    if (client || (doc && doc.languageId !== "nginx")) return;
    client = new LanguageClient("nginxRisk", "nginx-risk", serverOptions, clientOptions);
    const c = client;
    costView.attach(c);
    void vscode.commands.executeCommand("setContext", STARTED_CONTEXT, true);
    // A "the deployed version fixes it" or "make the mapping explicit" quick-fix: the server applied the
    // setting for its session already; written to the workspace settings so it survives a restart (user
    // settings without a folder open). An object's entries (pathMappings) are merged into what is there.
    c.onNotification(SETTING_CHANGED, (p: { key?: unknown; value?: unknown }) => {
      if (typeof p?.key !== "string") return;
      const entries = isStringRecord(p.value) ? p.value : null;
      if (typeof p.value !== "string" && !entries) return;
      const target = vscode.workspace.workspaceFolders
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
      const config = vscode.workspace.getConfiguration("nginxRisk");
      let value: unknown = p.value;
      if (entries) {
        const seen = config.inspect(p.key);
        const now = target === vscode.ConfigurationTarget.Workspace ? seen?.workspaceValue : seen?.globalValue;
        value = { ...(isStringRecord(now) ? now : {}), ...entries };
      }
      config
        .update(p.key, value, target)
        .then(undefined, (err) => c.error(`Could not save nginxRisk.${String(p.key)}`, err, "force"));
    });
    client.start().catch((err) => client?.error("Could not start the nginx-risk language server", err, "force"));
  };

  // Each document is switched at most once, so a user who picks another language afterwards keeps it.
  const switched = new Set<string>();
  const applyExtraPatterns = (doc: vscode.TextDocument): void => {
    const key = doc.uri.toString();
    if (doc.languageId === "nginx" || switched.has(key)) return;
    const patterns = vscode.workspace.getConfiguration("nginxRisk", doc).get<string[]>("extraFilePatterns", []);
    const filters = patterns.map((p) => ({ pattern: p.includes("/") ? p : `**/${p}` }));
    if (filters.length > 0 && vscode.languages.match(filters, doc) > 0) {
      switched.add(key);
      void vscode.languages.setTextDocumentLanguage(doc, "nginx");
    }
  };

  const onDocument = (doc: vscode.TextDocument): void => {
    applyExtraPatterns(doc);
    ensureStarted(doc);
  };
  vscode.workspace.textDocuments.forEach(onDocument);
  ensureStarted();
  context.subscriptions.push(
    vscode.commands.registerCommand(RESTART_SERVER_COMMAND, async () => {
      if (client) await client.restart();
      else if (vscode.workspace.textDocuments.some((d) => d.languageId === "nginx"))
        vscode.workspace.textDocuments.forEach(onDocument);
      else void vscode.window.showInformationMessage("nginx-risk: the server starts with the first nginx document.");
    }),
    vscode.workspace.onDidOpenTextDocument(onDocument),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      client?.sendNotification(WORKSPACE_TRUSTED_NOTIFICATION).catch((err) => client?.error("trust", err));
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("nginxRisk.extraFilePatterns")) vscode.workspace.textDocuments.forEach(onDocument);
    }),
  );
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return (
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string")
  );
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}
