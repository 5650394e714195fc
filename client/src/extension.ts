// The VS Code client: starts the nginx-risk language server (dist/server.js, over stdio) for `nginx`
// documents, forwards the `nginxRisk` settings and file events (config, Dockerfiles, crontabs, …), and applies
// `nginxRisk.extraFilePatterns` by switching matching documents to the `nginx` language, and persists the
// settings a quick-fix sets (the server can only keep them for its session).
import * as path from "path";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

/** Sent by the server after nginxRisk.setVersion (server/src/lsp/code-actions.ts). */
const SETTING_CHANGED = "nginxRisk/settingChanged";

/**
 * Files whose changes the server hears about: configuration, and the files it reads facts from (deployed
 * versions, periodic `nginx -t`: Dockerfiles, crontabs, systemd units, Kubernetes/compose YAML).
 */
const WATCHED = [
  "**/*.conf",
  "**/nginx.conf",
  "**/{Dockerfile,Containerfile}*",
  "**/crontab*",
  "**/*.{timer,service}",
  "**/*.{yaml,yml}",
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
    documentSelector: [
      { scheme: "file", language: "nginx" },
      { scheme: "untitled", language: "nginx" },
    ],
    synchronize: {
      configurationSection: "nginxRisk",
      fileEvents: WATCHED.map((glob) => vscode.workspace.createFileSystemWatcher(glob)),
    },
  };

  // Started on the first nginx document, so activating on startup (needed for extraFilePatterns) costs nothing.
  const ensureStarted = (doc: vscode.TextDocument): void => {
    if (client || doc.languageId !== "nginx") return;
    client = new LanguageClient("nginxRisk", "nginx-risk", serverOptions, clientOptions);
    const c = client;
    // A "the deployed version fixes it" quick-fix: the server applied the version for its session already;
    // written to the workspace settings so it survives a restart (user settings without a folder open).
    c.onNotification(SETTING_CHANGED, (p: { key?: unknown; value?: unknown }) => {
      if (typeof p?.key !== "string" || typeof p.value !== "string") return;
      const target = vscode.workspace.workspaceFolders
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
      vscode.workspace
        .getConfiguration("nginxRisk")
        .update(p.key, p.value, target)
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
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(onDocument),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("nginxRisk.extraFilePatterns")) vscode.workspace.textDocuments.forEach(onDocument);
    }),
  );
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}
