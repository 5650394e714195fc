// The language server: keeps the open buffers, the `nginxRisk` settings and the workspace folders, and
// re-analyses a document a little after its last edit (debounced per document). Publishes diagnostics
// for the document and for every file its configuration reads, so a broken conf.d/*.conf shows up while
// nginx.conf is being edited, and clears them when a file stops having any.
//
// A client that pulls diagnostics (LSP 3.17) gets the same lists by textDocument/diagnostic for open
// documents and by workspace/diagnostic for every file of every configuration of the workspace folders
// (workspace-pass.ts analyses those no open document reads); it is never pushed what it pulls
// (pull-diagnostics.ts). An open file that does not read as nginx (classify.ts) gets one hint, nothing else.
//
// Analysis is synchronous CPU work (parse, expand, rules); it runs in steps (the edited buffer's parse a
// slice of statements at a time, the files of a new include graph one by one, then per root: loading,
// model, rules) with a turn of the event loop in between, so edits, requests and `shutdown` that arrive
// meanwhile are handled and make the stale run stop. A run overtaken by an edit stores and publishes
// nothing. A step can still take long on a huge file (the scan of the whole file, the model, one rule
// over everything); the client's death is noticed by a watchdog thread meanwhile (watchdog.ts).
//
// Hovers, code lenses and completion read each root's last complete analysis (kept in the DiagnosticStore)
// and answer at once while a newer one runs: positions are looked up in the tree that analysis read, or in
// the one the incremental parse has moved it into in place since (ParseCache.editedSince), and moved through
// the span where that tree's text and the text shown now differ (text-shift.ts). Only what the analysis
// cannot know (what the risk engine says of a statement re-parsed or typed since, a document without any
// analysis yet) waits for the analyses, cancellably (RequestCancelled). After every analysis the client is
// asked to refresh its code lenses (workspace/codeLens/refresh).
//
// Code actions (quick-fixes) read the stored analyses too, but never wait for a pending one: an action is
// offered only while the files it edits hold the analysed text (code-actions.ts), and the editor asks
// again when the new diagnostics arrive. A "the deployed version fixes it" action runs nginxRisk.setVersion,
// a session override of that setting (settings.ts) that the client is told about to persist it.
//
// The cost report (nginxRisk/costReport) and the status bar text (nginxRisk/status) read the stored analyses
// too (cost-report.ts); after every analysis the client is told (nginxRisk/analysed) so its status bar
// follows the debounce without asking on every keystroke (cost-report-protocol.ts).

import {
  CodeActionKind,
  CodeLensRefreshRequest,
  DiagnosticRefreshRequest,
  DidChangeConfigurationNotification,
  DocumentDiagnosticRequest,
  WorkspaceDiagnosticRequest,
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  type TextDocumentContentChangeEvent,
  TextDocuments,
  ResponseError,
  type CancellationToken,
  type Position as LspPosition,
  type CodeAction,
  type CodeLens,
  type FormattingOptions,
  type Range as LspRange,
  type TextEdit,
  type CompletionItem,
  type Connection,
  type Diagnostic,
  type Hover,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceFolder,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { EditedDocument, type AppliedChange } from "./edited-document";
import { directiveNames, lookupDirective } from "../parse/directives";
import type { Directive, ParsedFile, Range } from "../parse/ast";
import { touchesSpans, treeHolds, type Span } from "../workspace/edit-log";
import { normalizePath } from "../workspace/files";
import { DEFAULT_LIMITS } from "../workspace/access";
import {
  Analyzer,
  DiagnosticStore,
  looseScope,
  type RootAnalysis,
  type RootResult,
  type Scope,
  type ServerAccess,
} from "./analysis";
import {
  SETTING_CHANGED_NOTIFICATION,
  SET_PATH_MAPPING_COMMAND,
  SET_VERSION_COMMAND,
  codeActions,
} from "./code-actions";
import { costReportOf, relativeHref, statusOf } from "./cost-report";
import {
  ANALYSED_NOTIFICATION,
  COST_REPORT_REQUEST,
  STATUS_REQUEST,
  type AnalysedParams,
  type CostReportParams,
  type CostReportResult,
  type DocumentParams,
  type InitializationOptions,
  type StatusResult,
  WORKSPACE_TRUSTED_NOTIFICATION,
} from "./cost-report-protocol";
import { findingToDiagnostic, hoverToLsp, lensToCodeLens, pathToUri, uriToPath } from "./conversions";
import { diskLineBreakHazards } from "./editor-line-breaks";
import { completionItems, resolveItem } from "./completion";
import { formattingEdits } from "./formatting";
import { codeLenses, hoverAt } from "./hover";
import { NAVIGATION_CAPABILITIES, registerNavigation } from "./navigation";
import { codeCacheState, saveCodeCacheSoon } from "./code-cache";
import { clientProcessIdArg, watchClientSoon, type DeferredWatchdog } from "./watchdog";
import {
  Signal,
  cancelled,
  documentReport,
  resultIdOf,
  untilCancelled,
  workspaceReport,
  type FileDiagnostics,
} from "./pull-diagnostics";
import { WorkspacePass } from "./workspace-pass";
import { rangeToNewer, textShift, toOlder, type TextShift } from "./text-shift";
import {
  DEFAULT_SETTINGS,
  persistedOverrides,
  readMappingOverride,
  readOverride,
  readSettings,
  ruleOptionsOf,
  withOverrides,
  withProjectConfig,
  type ServerSettings,
} from "./settings";
import { isKnownRule } from "../rules/rule-settings";
import {
  PROJECT_CONFIG_NAME,
  findProjectConfig,
  readProjectConfig,
  type ProjectConfig,
} from "../workspace/project-config";

/** Where buffers without a file (untitled:) live for the workspace layer; nothing is ever read there. */
const UNTITLED_ROOT = "/nginx-risk-untitled";

/** Files the workspace facts are read from (workspace/facts/); the client watches the same (client/src/extension.ts). */
const FACT_GLOBS = [
  "**/{Dockerfile,Containerfile}*",
  "**/*.{dockerfile,containerfile}",
  "**/crontab*",
  "**/*.{cron,crontab}",
  "**/cron.*/**",
  "**/*.{timer,service}",
  "**/*.{yaml,yml}",
  // Scripts that `docker run` the nginx image: its capabilities and memlock limit (rule quic-bpf-limits).
  "**/*.{sh,bash}",
  "**/*{nginx,openresty}*.{txt,out,log,info}",
];

/** Watched in addition to what the client asks its own watchers for: files nginx reads whatever their names. */
const WATCH_GLOBS = [
  "**/.nginx-risk.json",
  "**/*.conf",
  "**/*.nginx",
  "**/nginx.conf",
  "**/sites-*/**",
  "**/conf.d/**",
  "**/snippets/**",
  // Deployed versions and periodic `nginx -t` found there change the cost findings.
  ...FACT_GLOBS,
];

/** A document's last complete analyses, and how its text moved since they read it (server.ts lastAnalyses). */
interface LastAnalyses {
  analyses: RootAnalysis[];
  path: string;
  /** The open document (null: not open, its text is the file's). */
  doc: TextDocument | null;
  /**
   * The tree the analysed one was moved into in place by the incremental parse (ParseCache.editedSince):
   * positions are looked up in it and its nodes' positions are its text's; null: the analysed tree as it was.
   */
  moved: ParsedFile | null;
  /** Spans of that tree's text holding nodes the analyses never saw (re-parsed since); empty when not moved. */
  made: readonly Span[];
  /** Where the text shown now differs from the tree's (the analysed one's or `moved`'s); null: the same. */
  shift: TextShift | null;
  /** The tree's text, for its positions; null when it is the text shown now. */
  older: TextDocument | null;
}

export interface ServerOptions {
  /** Upper bound on the files scanned per workspace folder when looking for main files. */
  maxCandidates?: number;
  /** Exit when the client process (initialize's processId) or the parent process is gone (watchdog.ts). */
  watchClient?: boolean;
}

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  /** The changes of each document's last didChange (TextDocuments gives its listeners only the new text). */
  const lastChanges = new Map<string, { version: number; changes: AppliedChange[] }>();
  // Documents kept as pieces (edited-document.ts): an edit of a 13 MB buffer does not copy it.
  const documents = new TextDocuments<EditedDocument>({
    create: EditedDocument.create,
    update: (doc, changes: TextDocumentContentChangeEvent[], version) => {
      lastChanges.set(doc.uri, { version, changes: doc.update(changes, version) });
      return doc;
    },
  });
  const analyzer = new Analyzer(options.maxCandidates);
  const store = new DiagnosticStore(analyzer.models);

  let canPullConfiguration = false;
  let canRegisterConfiguration = false;
  let canRegisterWatchers = false;
  let canRefreshLenses = false;
  let canApplyDocumentChanges = false;
  /** The client asked for nginxRisk/analysed (initializationOptions): other clients may warn about unknown notifications. */
  let sendAnalysed = false;
  /** The client persists what nginxRisk/settingChanged names (initializationOptions.persistsSettings). */
  let clientPersists = false;
  /**
   * The workspace is trusted (initializationOptions.workspaceTrusted; absent: trusted, as clients without
   * a notion of trust take settings from the user). Untrusted, the settings cannot widen what is read.
   */
  let trusted = true;
  let canSnippet = false;
  let hasFolderEvents = false;
  /**
   * The client pulls diagnostics (LSP 3.17, `textDocument.diagnostic`): open documents get theirs only by
   * textDocument/diagnostic, never also pushed (a client shows both: every problem twice).
   */
  let pullMode = false;
  /** The client asked for the workspace's diagnostics once: other files are not pushed any more either. */
  let workspacePulled = false;
  let canRefreshDiagnostics = false;
  let folders: string[] = [];
  /** The pushed `nginxRisk` section, for clients without workspace/configuration. */
  let pushedSettings: unknown = undefined;
  /** Settings set by nginxRisk.setVersion for this session, on top of the client's (`versions.nginx` → value). */
  const overrides = new Map<string, string>();
  let stopped = false;
  let watchdog: DeferredWatchdog | undefined;

  const settingsCache = new Map<string, Promise<ServerSettings>>();
  /** The last settings read for a document, so scheduling (synchronous) knows its debounce. */
  const lastSettings = new Map<string, ServerSettings>();
  const reportedProblems = new Set<string>();

  const timers = new Map<string, NodeJS.Timeout>();
  /** Analyses under way, so a hover or code lens request can wait for the one that covers its text. */
  const running = new Map<string, Promise<void>>();
  let lensRefresh: NodeJS.Timeout | undefined;
  /** Numbers each root run as it reads the texts; runs of one root overlap while they pause between steps. */
  let runTickets = 0;
  /** The ticket of the run each root's stored analysis comes from: an earlier reading never replaces it. */
  const storedTicket = new Map<string, number>();
  /** Bumped on every edit and analysis start: a run that sees a newer number stops. */
  const generation = new Map<string, number>();
  /** Documents opened a moment ago: analysed at once, not after the debounce. */
  const justOpened = new Set<string>();
  /** The root keys each open document was last analysed in (a root lives as long as some document needs it). */
  const docRoots = new Map<string, Set<string>>();
  const pathOfDoc = new Map<string, string>();
  const docOfPath = new Map<string, string>();
  /** Open documents reached through a symlink (sites-available/x open, nginx reads sites-enabled/x). */
  const docOfRealPath = new Map<string, string>();
  /** What the client currently shows per URI (a hash), to skip re-sending identical lists. */
  const published = new Map<string, string>();
  /** Pull mode: the result id of each URI's list as last computed, to tell which lists changed. */
  const reported = new Map<string, string>();
  /** Pull mode: some URI's list changed (held workspace/diagnostic requests answer then). */
  const reportsChanged = new Signal();
  /** An analysis of a document ended (pulls of that document wait for it). */
  const analysisEnded = new Signal();
  /** An analysis parsed the open buffers (completion and the outline wait for the parse, not the analysis). */
  const buffersParsed = new Signal();
  /** Per document, how its text moved since its last complete analysis read it (lastAnalyses). */
  const shifts = new Map<string, { older: TextDocument; newer: string; shift: TextShift | null }>();
  /** Pull mode: textDocument/diagnostic requests waiting, per URI (they will answer with the new list). */
  const pendingPulls = new Map<string, number>();
  /** workspace/diagnostic requests held until something changes. */
  let heldWorkspacePulls = 0;
  let diagnosticRefresh: NodeJS.Timeout | undefined;
  /** The version of each open document its last finished analysis read. */
  const analysedVersion = new Map<string, number>();
  let untitledCount = 0;

  const log = (msg: string): void => connection.console.log(msg);
  const logError = (what: string, err: unknown): void => {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    connection.console.error(`${what}: ${detail}`);
  };
  /** Logs an error the first time it happens (the same failure repeats on every keystroke). */
  const logOnce = (what: string, err: unknown): void => {
    const key = `${what}\0${err instanceof Error ? err.message : String(err)}`;
    if (reportedProblems.has(key)) return;
    reportedProblems.add(key);
    logError(what, err);
  };

  // ---- initialize ------------------------------------------------------------------------------------

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const ws = params.capabilities.workspace;
    canPullConfiguration = ws?.configuration === true;
    canRegisterConfiguration = ws?.didChangeConfiguration?.dynamicRegistration === true;
    canRegisterWatchers = ws?.didChangeWatchedFiles?.dynamicRegistration === true;
    hasFolderEvents = ws?.workspaceFolders === true;
    canRefreshLenses = ws?.codeLens?.refreshSupport === true;
    canApplyDocumentChanges = ws?.workspaceEdit?.documentChanges === true;
    pullMode = params.capabilities.textDocument?.diagnostic !== undefined;
    canRefreshDiagnostics = ws?.diagnostics?.refreshSupport === true;
    const init = params.initializationOptions as InitializationOptions | null | undefined;
    sendAnalysed = init?.analysedNotification === true;
    clientPersists = init?.persistsSettings === true;
    trusted = init?.workspaceTrusted !== false;
    canSnippet = params.capabilities.textDocument?.completion?.completionItem?.snippetSupport === true;
    folders = foldersOf(params.workspaceFolders, params.rootUri ?? null);
    if (options.watchClient && !watchdog) {
      const pid = params.processId;
      const client =
        typeof pid === "number" && Number.isSafeInteger(pid) && pid > 0 ? pid : clientProcessIdArg(process.argv);
      // As the library's own check does: 0 after `shutdown`, 1 without (the LSP's `exit`).
      // Started after the first publish (below) or a moment later: not beside the first analysis (watchdog.ts).
      watchdog = watchClientSoon(client, () => process.exit(stopped ? 0 : 1));
    }
    return {
      capabilities: {
        // Saves are told so that the line breaks an editor rewrote on opening are checked again (below).
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        // `$` variables, `@` named locations, `/` for the upstream names after `proxy_pass http://`.
        completionProvider: { triggerCharacters: ["$", "@", "/"], resolveProvider: true },
        ...NAVIGATION_CAPABILITIES,
        codeLensProvider: { resolveProvider: false },
        // Pull diagnostics for clients that pull: a file's diagnostics depend on the files it includes and
        // that include it, and the workspace's are every file of every configuration of its folders.
        ...(pullMode
          ? {
              diagnosticProvider: { identifier: "nginx-risk", interFileDependencies: true, workspaceDiagnostics: true },
            }
          : {}),
        documentFormattingProvider: true,
        documentRangeFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        executeCommandProvider: { commands: [SET_VERSION_COMMAND, SET_PATH_MAPPING_COMMAND] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
        // Custom methods (cost-report-protocol.ts), for clients other than ours to discover.
        experimental: { nginxRisk: { costReport: COST_REPORT_REQUEST, status: STATUS_REQUEST } },
      },
      serverInfo: { name: "nginx-risk" },
    };
  });

  connection.onInitialized(() => {
    // Not earlier: before the initialize response the protocol allows no notifications.
    log(
      `nginx-risk language server started (node ${process.version}, pid ${process.pid}, code cache: ${codeCacheState()})`,
    );
    // The directive table (330 kB of JSON) is read on the first analysis's first lookup, each name's entry
    // when it is first asked for (directives.ts `variantsFromLines`): read it all now, while the client sends
    // the first document (issue 13's start-up trace: ~40 ms between the initialize answer and the end of
    // large-config's didOpen, against ~15 ms for the table).
    setImmediate(() => {
      for (const name of directiveNames()) lookupDirective(name);
    });
    if (!trusted)
      log(
        "workspace not trusted: only the workspace folders are read; nginxRisk.allowRead, nginxRisk.limits and " +
          "the targets of nginxRisk.pathMappings are ignored until it is trusted",
      );
    if (canRegisterConfiguration) {
      connection.client
        .register(DidChangeConfigurationNotification.type, { section: "nginxRisk" })
        .catch((err) => logError("registering for configuration changes failed", err));
    }
    if (canRegisterWatchers) {
      connection.client
        .register(DidChangeWatchedFilesNotification.type, {
          watchers: WATCH_GLOBS.map((globPattern) => ({ globPattern })),
        })
        .catch((err) => logError("registering file watchers failed", err));
    }
    if (hasFolderEvents) {
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        const removed = new Set(foldersOf(e.removed, null));
        folders = [...folders.filter((f) => !removed.has(f)), ...foldersOf(e.added, null)];
        settingsCache.clear();
        analyzer.invalidateGraphs();
        analyzer.invalidateFacts();
        reanalyseAll();
        workspacePass.invalidate();
      });
    }
  });

  connection.onShutdown(() => {
    stopped = true;
    workspacePass.stop();
    if (diagnosticRefresh) clearTimeout(diagnosticRefresh);
    diagnosticRefresh = undefined;
    // Held pulls answer now, with what there is (no analysis ends any more to wake them).
    reportsChanged.fire();
    analysisEnded.fire();
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    if (lensRefresh) clearTimeout(lensRefresh);
    lensRefresh = undefined;
  });

  // The user granted trust (VS Code: onDidGrantWorkspaceTrust): the settings may now widen what is read.
  connection.onNotification(WORKSPACE_TRUSTED_NOTIFICATION, () => {
    if (trusted) return;
    trusted = true;
    log("workspace trusted: the nginxRisk settings apply in full");
    settingsCache.clear();
    lastSettings.clear();
    analyzer.invalidateGraphs();
    reanalyseAll();
    workspacePass.invalidate();
  });

  // ---- settings ----------------------------------------------------------------------------------------

  connection.onDidChangeConfiguration((params) => {
    if (!canPullConfiguration) {
      const all = params.settings as Record<string, unknown> | null | undefined;
      pushedSettings = all && typeof all === "object" ? all.nginxRisk : undefined;
    }
    // A client that persists session values has them in its settings now (or the user changed them
    // since): reading settings only after the debounce, a persisted value removed at once would
    // otherwise never be seen, and the session value would mask the user's settings until a restart.
    if (clientPersists) overrides.clear();
    settingsCache.clear();
    lastSettings.clear();
    analyzer.invalidateGraphs();
    reanalyseAll();
    workspacePass.invalidate();
  });

  const folderOf = (p: string): string | null => {
    let best: string | null = null;
    for (const f of folders) {
      if ((p === f || p.startsWith(f === "/" ? "/" : f + "/")) && (best === null || f.length > best.length)) best = f;
    }
    return best;
  };

  /** The project configuration files read, by path (null: looked for, none); forgotten when one changes. */
  const projectConfigs = new Map<string, ProjectConfig | null>();
  const projectConfigFor = (from: string, folder: string): ProjectConfig | null => {
    // Never above the workspace folder (the folder's own pass asks with the folder's parent).
    const dir = from === folder || from.startsWith(folder === "/" ? "/" : `${folder}/`) ? from : folder;
    const key = `${dir}\0${folder}`;
    let found = projectConfigs.get(key);
    if (found === undefined) {
      const file = findProjectConfig(dir, folder);
      found = file === null ? null : readProjectConfig(file, isKnownRule);
      projectConfigs.set(key, found);
    }
    return found;
  };

  const settingsFor = (uri: string, p: string): Promise<ServerSettings> => {
    let pending = settingsCache.get(uri);
    if (pending) return pending;
    const folder = uri.startsWith("file:") ? folderOf(p) : (folders[0] ?? null);
    const raw: Promise<unknown> = canPullConfiguration
      ? connection.workspace.getConfiguration({ scopeUri: uri, section: "nginxRisk" })
      : Promise.resolve(pushedSettings);
    pending = raw.then(
      (value) => {
        // Once the client holds an override's value itself (persisted), the user's settings decide again.
        for (const key of persistedOverrides(value, overrides)) overrides.delete(key);
        const read = readSettings(withOverrides(value, overrides), folder);
        const project = folder === null ? null : projectConfigFor(p.slice(0, p.lastIndexOf("/")) || "/", folder);
        const settings = withProjectConfig(read.settings, project);
        const problems = [...read.problems, ...(project?.problems.map((m) => `${project.path}: ${m}`) ?? [])];
        for (const problem of problems) {
          if (reportedProblems.has(problem)) continue;
          reportedProblems.add(problem);
          connection.console.warn(`settings: ${problem}`);
        }
        lastSettings.set(uri, settings);
        return settings;
      },
      (err) => {
        logError("reading the nginxRisk settings failed; using defaults", err);
        return DEFAULT_SETTINGS;
      },
    );
    settingsCache.set(uri, pending);
    return pending;
  };

  // ---- documents ---------------------------------------------------------------------------------------

  const pathFor = (uri: string): string => {
    const p = uriToPath(uri);
    if (p !== null) return normalizePath(p);
    // An untitled buffer: a private folder per buffer, so globs in it see nothing else.
    const name = (uri.split(/[/:]/).pop() || "untitled").replace(/[^\w.-]/g, "_");
    return `${UNTITLED_ROOT}/${++untitledCount}/${name}`;
  };

  documents.onDidOpen((e) => {
    const uri = e.document.uri;
    const p = pathFor(uri);
    pathOfDoc.set(uri, p);
    docOfPath.set(p, uri);
    if (uri.startsWith("file:")) {
      const real = analyzer.disk.realpath(p);
      if (real !== p) docOfRealPath.set(real, uri);
    }
    justOpened.add(uri);
    if (uri.startsWith("file:")) openedAs.set(uri, e.document.getText());
    // Pull mode: pushed while it was closed, shown by pulls from now on; the pushed list goes.
    if (pullMode && published.has(uri)) {
      published.delete(uri);
      connection
        .sendDiagnostics({ uri, diagnostics: [] })
        .catch((err) => logError(`publishing diagnostics for ${uri} failed`, err));
    }
  });

  // The line breaks an editor rewrote on opening (editor-line-breaks.ts): the text as opened is compared with
  // the disk at the document's first analysis (nothing is read before the server's read policy is set),
  // and again when it is saved or changes on disk; the findings are kept while it is edited (its edits make
  // the buffer differ from the disk in other ways too).
  const openedAs = new Map<string, string>();
  const lineBreakFindings = new Map<string, Diagnostic[]>();
  function checkLineBreaks(uri: string, p: string, buffer: string): void {
    if (!uri.startsWith("file:")) return;
    try {
      analyzer.disk.forget(p);
      const disk = analyzer.disk.readBytes(p);
      const found = disk === null ? [] : diskLineBreakHazards(p, disk, buffer);
      if (found.length > 0)
        lineBreakFindings.set(
          uri,
          found.map((f) => findingToDiagnostic(f)),
        );
      else lineBreakFindings.delete(uri);
    } catch (err) {
      logError(`comparing ${uri} with the file on disk failed`, err);
    }
  }

  documents.onDidSave((e) => {
    const uri = e.document.uri;
    const p = pathOfDoc.get(uri);
    if (p === undefined || !lineBreakFindings.has(uri)) return;
    checkLineBreaks(uri, p, e.document.getText());
    publish(new Set([uri]), null);
  });

  documents.onDidChangeContent((e) => {
    const uri = e.document.uri;
    const p = pathOfDoc.get(uri);
    if (p === undefined) return;
    // The edits that made this version, for an incremental re-parse (absent when the document was just opened).
    const edits = lastChanges.get(uri);
    lastChanges.delete(uri);
    const changes = edits?.version === e.document.version ? edits.changes : undefined;
    analyzer.setBuffer(p, e.document.getText(), e.document.version, changes, e.document.snapshot());
    const delay = justOpened.delete(uri) ? 0 : (lastSettings.get(uri) ?? DEFAULT_SETTINGS).debounceMs;
    schedule(uri, delay);
  });

  documents.onDidClose((e) => {
    const uri = e.document.uri;
    try {
      const p = pathOfDoc.get(uri);
      cancel(uri);
      justOpened.delete(uri);
      openedAs.delete(uri);
      lineBreakFindings.delete(uri);
      settingsCache.delete(uri);
      lastSettings.delete(uri);
      pathOfDoc.delete(uri);
      if (p === undefined) return;
      docOfPath.delete(p);
      for (const [real, u] of docOfRealPath) if (u === uri) docOfRealPath.delete(real);
      // Roots that read this file saw the buffer; they must see the file on disk again.
      const readers = readersOf(p, null);
      const readingKeys = store.rootsReading(p);
      const held = docRoots.get(uri) ?? new Set<string>();
      analyzer.removeBuffer(p);
      analysedVersion.delete(uri);
      shifts.delete(uri);
      const affected = releaseRoots(uri, new Set());
      workspacePass.released([...held, ...readingKeys]);
      // Whatever is left for this URI comes from roots of other documents; they refresh below.
      affected.add(uri);
      publish(affected, null);
      refreshLenses();
      for (const doc of readers) schedule(doc, 0);
    } catch (err) {
      logError(`closing ${uri} failed`, err);
    }
  });

  connection.onDidChangeWatchedFiles((params) => {
    try {
      const paths: string[] = [];
      let unknown = false;
      for (const c of params.changes) {
        const p = uriToPath(c.uri);
        if (p === null) unknown = true;
        else paths.push(normalizePath(p));
      }
      // A project configuration file changed: every document's settings are read again.
      if (unknown || paths.some((p) => p.endsWith(`/${PROJECT_CONFIG_NAME}`))) {
        projectConfigs.clear();
        settingsCache.clear();
      }
      // Any change may alter what a glob matches or which file is a main file: the include graphs are
      // rebuilt (Analyzer.filesChanged), and every open document is analysed again.
      analyzer.filesChanged(unknown ? undefined : paths);
      // A document whose line breaks the editor rewrote: the file on disk may have been saved or fixed.
      for (const uri of lineBreakFindings.keys()) {
        const p = pathOfDoc.get(uri);
        const doc = documents.get(uri);
        if (p !== undefined && doc && (unknown || paths.includes(p))) checkLineBreaks(uri, p, doc.getText());
      }
      reanalyseAll();
      workspacePass.invalidate();
    } catch (err) {
      logError("handling file changes failed", err);
    }
  });

  // ---- scheduling ------------------------------------------------------------------------------------

  const bump = (uri: string): number => {
    const n = (generation.get(uri) ?? 0) + 1;
    generation.set(uri, n);
    return n;
  };

  const cancel = (uri: string): void => {
    const t = timers.get(uri);
    if (t) clearTimeout(t);
    timers.delete(uri);
    bump(uri);
  };

  function schedule(uri: string, delay: number): void {
    if (stopped) return;
    cancel(uri);
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        start(uri);
      }, delay),
    );
  }

  function start(uri: string): void {
    const run: Promise<void> = analyse(uri)
      .catch((err) => logError(`analysing ${uri} failed`, err))
      .finally(() => {
        if (running.get(uri) === run) running.delete(uri);
        analysisEnded.fire();
      });
    running.set(uri, run);
  }

  /**
   * Runs now what waits for its debounce and waits for the analyses under way: afterwards the store holds
   * the analysis of the text every open document has (edits in one file change the roots of others, so
   * all of them).
   */
  async function settle(): Promise<void> {
    for (const [uri, t] of [...timers]) {
      clearTimeout(t);
      timers.delete(uri);
      start(uri);
    }
    await Promise.all([...running.values()]);
  }

  /** Asks the client to request code lenses again (once for a burst of analyses). */
  function refreshLenses(): void {
    if (!canRefreshLenses || stopped || lensRefresh) return;
    lensRefresh = setTimeout(() => {
      lensRefresh = undefined;
      if (stopped) return;
      connection
        .sendRequest(CodeLensRefreshRequest.type)
        .catch((err) => logError("refreshing code lenses failed", err));
    }, 50);
  }

  function reanalyseAll(): void {
    for (const doc of documents.all()) schedule(doc.uri, (lastSettings.get(doc.uri) ?? DEFAULT_SETTINGS).debounceMs);
  }

  const scopeFor = (uri: string, p: string): Scope => {
    if (!uri.startsWith("file:")) return { folder: null, maxDepth: 0 };
    const folder = folderOf(p);
    return folder !== null ? { folder, maxDepth: 10 } : looseScope(p);
  };

  // ---- what may be read ----------------------------------------------------------------------------------

  /**
   * What the analyses may read (workspace/access.ts): the workspace folders, the folder searched for the
   * main file of each open file outside them (its own, or the one above conf.d/ and sites-*\/), and, in a
   * trusted workspace only, what the settings of the open documents add (mapping targets, allowRead) and
   * their size limits. A workspace's own settings can thus never widen what an untrusted workspace reads,
   * whatever a client sends.
   */
  function accessNow(): ServerAccess {
    const roots = [...folders];
    for (const [uri, p] of pathOfDoc) {
      if (!uri.startsWith("file:") || folderOf(p) !== null) continue;
      const loose = looseScope(p).folder;
      // A file at the top of the disk does not open the whole disk: then only the file itself.
      if (loose !== null) roots.push(loose === "/" ? p : loose);
    }
    const limits = { ...DEFAULT_LIMITS };
    if (trusted && lastSettings.size > 0) {
      const all = [...lastSettings.values()];
      for (const s of all) roots.push(...s.pathMappings.map((m) => m.to), ...s.allowRead);
      limits.configuration = Math.max(...all.map((s) => s.limits.configuration));
      limits.bundle = Math.max(...all.map((s) => s.limits.bundle));
    }
    return { roots, limits, trusted };
  }

  // ---- analysis ----------------------------------------------------------------------------------------

  async function analyse(uri: string): Promise<void> {
    const gen = bump(uri);
    const stale = (): boolean => stopped || generation.get(uri) !== gen || !documents.get(uri);
    /**
     * Two turns of the event loop, then whether to stop. vscode-jsonrpc handles each message it read in an
     * immediate of its own, queued behind ours when the message came during a step: the second turn lets
     * it run (a `shutdown`, an edit) before the next step does.
     */
    const stopsAfterTurn = async (): Promise<boolean> => {
      for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      // Before its worker runs, the watchdog looks between the steps (watchdog.ts `check`).
      watchdog?.check();
      return stale();
    };
    const p = pathOfDoc.get(uri);
    if (p === undefined || stale()) return;
    // The settings' round trip (workspace/configuration) runs while the buffer is parsed, which needs none.
    const pendingSettings = settingsFor(uri, p);
    for (const _ of analyzer.parseBufferSteps()) if (await stopsAfterTurn()) return;
    buffersParsed.fire();
    const settings = await pendingSettings;
    if (stale()) return;
    // Access changed (folders, open files, settings): the other documents were analysed under the old one.
    if (analyzer.setAccess(accessNow())) {
      for (const doc of documents.all())
        if (doc.uri !== uri) schedule(doc.uri, (lastSettings.get(doc.uri) ?? DEFAULT_SETTINGS).debounceMs);
      workspacePass.invalidate();
    }
    const asOpened = openedAs.get(uri);
    if (asOpened !== undefined) {
      openedAs.delete(uri);
      checkLineBreaks(uri, p, asOpened);
    }

    const uriOf = uriMapper();
    const keys = new Set<string>();
    const affected = new Set<string>([uri]);
    const options = ruleOptionsOf(settings);
    let finished = false;
    try {
      // The edited buffer's parse (above, a slice of statements per step): everything below reads it from the
      // cache; an edit since the settings arrived is the next run's.
      const text = documents.get(uri)?.getText() ?? "";
      const dump = analyzer.runDump(p, text, options, uriOf);
      // A file that does not read as nginx (a redis.conf the editor sends as `nginx`): one hint, no analysis.
      const notNginx = dump ? null : analyzer.runNotNginx(p, uriOf);
      const single = dump ?? notNginx;
      if (single) {
        keys.add(single.key);
        for (const u of store.set(single)) affected.add(u);
      }
      // The configurations that read it (its text as nginx's) read it now as a file that is not configuration.
      if (notNginx) for (const doc of readersOf(p, uri)) schedule(doc, 0);
      const scope = { ...scopeFor(uri, p), maxFiles: settings.maxFiles };
      // Let pending messages (an edit, a close, a shutdown) in between two steps of the work: the files
      // of a new include graph one by one, then each root's loading, model, rules.
      if (!single)
        for (const _ of analyzer.prepareSteps(scope, settings.pathMappings)) if (await stopsAfterTurn()) return;
      const jobs = single ? [] : analyzer.plan(p, scope, settings.pathMappings);
      // Stored only once every root is done: a run overtaken by an edit stores (and so publishes) nothing,
      // not even the roots it finished before the edit (they read a text the editor no longer shows).
      const results: { ticket: number; result: RootResult }[] = [];
      for (const job of jobs) {
        if (await stopsAfterTurn()) return;
        // The texts are read in the first step: a run that read them later may have stored its result.
        const ticket = ++runTickets;
        const steps = analyzer.runSteps(job, options, uriOf);
        let step = steps.next();
        while (!step.done) {
          if (await stopsAfterTurn()) return;
          step = steps.next();
        }
        const result = step.value;
        if (result.ruleError !== undefined) logError(`rules failed on ${job.rootPath}`, result.ruleError);
        if (result.factsError !== undefined) logOnce(`reading workspace facts failed`, result.factsError);
        results.push({ ticket, result });
      }
      if (await stopsAfterTurn()) return;
      for (const { ticket, result } of results) {
        keys.add(result.key);
        for (const u of storeResult(ticket, result)) affected.add(u);
      }
      for (const u of releaseRoots(uri, keys)) affected.add(u);
      finished = true;
    } catch (err) {
      logError(`analysing ${uri} failed`, err);
    } finally {
      if (!finished) {
        // Roots stored before the stop belong to nobody yet. While the document is open, the next run
        // settles its roots (keeping them avoids a flicker); once it is closed, nobody will: drop them.
        if (documents.get(uri)) {
          const owned = docRoots.get(uri) ?? new Set<string>();
          for (const k of keys) owned.add(k);
          docRoots.set(uri, owned);
        } else {
          for (const k of keys) if (!isOwned(k)) for (const u of store.delete(k)) affected.add(u);
        }
      }
      // Publish what the store now holds even after a stale stop, so the client never lags behind it.
      const doc = documents.get(uri);
      if (finished && doc) analysedVersion.set(uri, doc.version);
      publish(affected, finished && doc ? { uri, version: doc.version } : null);
      if (finished) {
        refreshLenses();
        // An include graph this analysis rebuilt may have other main files for the workspace's diagnostics.
        workspacePass.graphChanged();
        saveCodeCacheSoon();
      }
      // The status bar asks again (nginxRisk/status) after every analysis, so it follows the debounce.
      if (finished && doc && !stopped && sendAnalysed)
        connection
          .sendNotification(ANALYSED_NOTIFICATION, { uri, version: doc.version } satisfies AnalysedParams)
          .catch((err) => logError(`sending ${ANALYSED_NOTIFICATION} failed`, err));
    }
  }

  // ---- hover and code lenses ---------------------------------------------------------------------------

  /**
   * The last analyses of the roots that read the document, the document's own roots first (in the order
   * its main files were found), and the path the configurations know the file by.
   */
  function analysesFor(uri: string): { analyses: RootAnalysis[]; path: string } | null {
    const fromUri = uriToPath(uri);
    const p = pathOfDoc.get(uri) ?? (fromUri !== null ? normalizePath(fromUri) : null);
    if (p === null) return null;
    const keys = new Set([...(docRoots.get(uri) ?? []), ...store.rootsReading(p)]);
    const analyses: RootAnalysis[] = [];
    for (const k of keys) {
      const a = store.analysis(k);
      if (a) analyses.push(a);
    }
    if (analyses.length === 0) return null;
    if (analyses.some((a) => a.config.instancesByPath.has(p))) return { analyses, path: p };
    // Opened through a symlink (sites-available/x): the configuration reads it under the link's name.
    if (!uri.startsWith("file:")) return null;
    const real = analyzer.disk.realpath(p);
    for (const a of analyses)
      for (const f of a.config.files.keys()) if (analyzer.disk.realpath(f) === real) return { analyses, path: f };
    return null;
  }

  /**
   * The last complete analyses of a document (analysesFor) and how its text moved since they read it, so
   * that a request is answered from them at once while a newer analysis runs. Null when there are none, or
   * when they read different trees of the document, or one the parse cache can no longer relate to the
   * one it holds (only the running analysis can say).
   *
   * The incremental parse moves the analysed tree in place (ParseCache.update): its kept nodes — the ones
   * the analyses' model knows — then hold the positions of the newer text, and only the spans it re-parsed
   * (`made`) hold nodes the analyses never saw. Positions are then looked up in the moved tree, and the
   * text shift (text-shift.ts) runs from that tree's text, never from the analysed text (the old text's
   * positions would move what the tree already moved). Other files' trees moved in place do not matter
   * here: their kept nodes are where the text now has them.
   */
  function lastAnalyses(uri: string): LastAnalyses | null {
    const target = analysesFor(uri);
    if (!target) return null;
    const doc = documents.get(uri);
    const trees = new Set(target.analyses.map((a) => a.config.instancesByPath.get(target.path)?.[0]?.parsed));
    const [read] = trees;
    let moved: ParsedFile | null = null;
    let made: Span[] = [];
    if (trees.size !== 1) return doc ? null : { ...target, doc: null, moved, made, shift: null, older: null };
    let text = read?.text ?? target.analyses[0].config.files.get(target.path)?.text;
    // Edited since and not parsed yet (the request came before the analysis' first step): parsed now, around
    // the edits, so the tree is moved in place rather than the whole texts compared (Analyzer.parseEditsNow).
    if (read && doc && !analyzer.cache.superseded(read)) analyzer.parseEditsNow(target.path);
    if (read && analyzer.cache.superseded(read)) {
      const since = doc ? analyzer.cache.editedSince(target.path, read) : null;
      if (!since) return null;
      ({ parsed: moved, made } = since);
      text = moved.text;
    }
    const same = { ...target, moved, made, shift: null, older: null };
    if (!doc) return { ...same, doc: null };
    const now = doc.getText();
    if (text === undefined || text === now) return { ...same, doc };
    let known = shifts.get(uri);
    if (!known || known.older.getText() !== text || known.newer !== now) {
      known = { older: TextDocument.create(uri, "nginx", 0, text), newer: now, shift: textShift(text, now) };
      shifts.set(uri, known);
    }
    return { ...same, doc, shift: known.shift, older: known.older };
  }

  /** A position of the text shown now in the tree of `last`; null where it was typed since. */
  function olderPosition(last: LastAnalyses, pos: LspPosition): LspPosition | null {
    if (last.shift === null || last.doc === null || last.older === null) return pos;
    const o = toOlder(last.shift, last.doc.offsetAt(pos));
    return o === null ? null : last.older.positionAt(o);
  }

  /**
   * Whether the last analyses can speak of `d` (its whole range, a block's body included, is text they
   * read and it is a node of the tree shown): an answer about a directive whose text was edited since
   * would describe text that is gone. `d` comes from the model (a lens) or from the tree of `last`.
   */
  function stillShown(last: LastAnalyses, d: Directive): boolean {
    const r = d.range;
    if (
      last.moved !== null &&
      (touchesSpans(last.made, r.start.offset, r.end.offset) || !treeHolds(last.moved.children, d))
    )
      return false;
    return last.shift === null || rangeToNewer(last.shift, r.start.offset, r.end.offset) !== null;
  }

  /** A range of the text `last` read in the text shown now; null when it covers text edited since. */
  function newerRange(last: LastAnalyses, r: Range): Range | null {
    if (last.shift === null || last.doc === null) return r;
    const moved = rangeToNewer(last.shift, r.start.offset, r.end.offset);
    if (moved === null) return null;
    const at = (o: number): Range["start"] => ({ ...last.doc!.positionAt(o), offset: o });
    return { start: at(moved[0]), end: at(moved[1]) };
  }

  /**
   * Waits, unless the client cancels, for the analyses that `settle` runs: for a request that the last
   * complete analyses cannot answer (none yet, or the position was typed after them).
   */
  async function settled(token: CancellationToken): Promise<void> {
    if (!(await untilCancelled(settle(), token))) throw cancelled();
  }

  /**
   * The document's parse of the text shown now. When an analysis under way is parsing it (in slices,
   * parseBufferSteps), that parse is waited for rather than repeated here in one piece; cancelled with the
   * request. Otherwise (no analysis, or one still waiting for its debounce) it is parsed here, once: the
   * analysis then finds it in the parse cache.
   */
  async function parsedNow(uri: string, token: CancellationToken): Promise<ParsedFile | null> {
    const fromUri = uriToPath(uri);
    const p = pathOfDoc.get(uri) ?? (fromUri !== null ? normalizePath(fromUri) : null);
    if (p === null) return null;
    for (;;) {
      if (token.isCancellationRequested) throw cancelled();
      const loaded = analyzer.source.load(p);
      if (!loaded) return null;
      const run = running.get(uri);
      if (!run || stopped || analyzer.cache.holds(p, loaded)) return analyzer.cache.get(p, loaded);
      if (!(await untilCancelled(Promise.race([buffersParsed.next(), run]), token))) throw cancelled();
    }
  }

  connection.onHover(async (params, token): Promise<Hover | null> => {
    const uri = params.textDocument.uri;
    // From the last complete analyses, moved to the text shown now; undefined: they cannot answer.
    const fromLast = (): Hover | null | undefined => {
      const last = lastAnalyses(uri);
      const pos = last && olderPosition(last, params.position);
      if (!last || !pos) return undefined;
      const info = hoverAt(last.analyses, last.path, pos, last.moved?.children);
      if (!info) return null;
      // The risk engine's part speaks of the directive the model knows, body included: only while its text
      // is the one analysed (a node re-parsed since is unknown to the model). Findings keep the ranges of
      // the text analysed: compared with a moved tree's, they would not meet. Documentation alone is read
      // from the tree shown and the root's context: also on a statement re-parsed since.
      if (info.fromModel && (!stillShown(last, info.directive) || (last.moved !== null && info.readsFindingRanges)))
        return undefined;
      const range = newerRange(last, info.range);
      return range ? hoverToLsp({ ...info, range }) : undefined;
    };
    try {
      let answer = fromLast();
      if (answer === undefined) {
        await settled(token);
        answer = fromLast() ?? null;
      }
      if (token.isCancellationRequested) throw cancelled();
      return answer;
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      logError(`hover in ${uri} failed`, err);
      return null;
    }
  });

  connection.onCompletion(async (params, token): Promise<CompletionItem[]> => {
    const uri = params.textDocument.uri;
    try {
      // The first analysis of a document gives the contexts its text is read in: waited for.
      if (!analysesFor(uri)) await settled(token);
      const parsed = await parsedNow(uri, token);
      const doc = documents.get(uri);
      if (!doc || notNginx(uri) !== null) return [];
      // A file no analysis has yet still gets directives, in the context guessed from its text. The last
      // complete analyses give the contexts and names (completion.ts reads the text shown now itself).
      const target = analysesFor(uri);
      const items = completionItems(
        target?.analyses ?? [],
        target?.path ?? null,
        doc.getText(),
        params.position,
        canSnippet,
        parsed?.text === doc.getText() ? parsed : undefined,
      );
      if (token.isCancellationRequested) throw cancelled();
      return items;
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      logError(`completion in ${uri} failed`, err);
      return [];
    }
  });

  connection.onCompletionResolve((item): CompletionItem => {
    try {
      return resolveItem(item);
    } catch (err) {
      logError(`resolving completion item ${item.label} failed`, err);
      return item;
    }
  });

  connection.onCodeLens(async (params, token): Promise<CodeLens[]> => {
    const uri = params.textDocument.uri;
    try {
      // From the last complete analyses, the lenses on text edited since left out: the analysis under way
      // asks the client to request them again when it ends (refreshLenses).
      let last = lastAnalyses(uri);
      if (!last) {
        await settled(token);
        last = lastAnalyses(uri);
      }
      if (!last) return [];
      const lenses: CodeLens[] = [];
      for (const lens of codeLenses(last.analyses, last.path)) {
        if (!stillShown(last, lens.directive)) continue;
        const range = newerRange(last, lens.range);
        if (range) lenses.push(lensToCodeLens({ ...lens, range }));
      }
      if (token.isCancellationRequested) throw cancelled();
      return lenses;
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      logError(`code lenses of ${uri} failed`, err);
      return [];
    }
  });

  // ---- formatting (formatting.ts): the buffer's own text, no analysis needed -----------------------------

  /** Why an open document is not nginx configuration (classify.ts), or null when it is (or is not open). */
  const notNginx = (uri: string): string | null => {
    const p = pathOfDoc.get(uri);
    const c = p !== undefined && documents.get(uri) ? analyzer.bufferClassification(p) : null;
    return c && !c.configuration ? c.reason : null;
  };

  const formatRequest = (uri: string, options: FormattingOptions, range?: LspRange): TextEdit[] => {
    const doc = documents.get(uri);
    if (!doc) return [];
    try {
      // Formatting a redis.conf or a php-fpm pool as nginx would damage it.
      const kind = notNginx(uri);
      if (kind !== null) {
        connection.console.info(`${uri}: not formatted: it does not read as nginx configuration (${kind})`);
        return [];
      }
      const { edits, reason } = formattingEdits(doc.getText(), options, range);
      if (reason) connection.console.info(`${uri}: ${reason}`);
      return edits;
    } catch (err) {
      logError(`formatting ${uri} failed`, err);
      return [];
    }
  };
  connection.onDocumentFormatting((params) => formatRequest(params.textDocument.uri, params.options));
  connection.onDocumentRangeFormatting((params) =>
    formatRequest(params.textDocument.uri, params.options, params.range),
  );

  // ---- cost report and status bar (cost-report.ts) -------------------------------------------------------

  connection.onRequest(COST_REPORT_REQUEST, async (params: CostReportParams): Promise<CostReportResult | null> => {
    try {
      if (typeof params?.uri !== "string") return null;
      // Asked for by a person: answered for the text the editor shows, as a hover is.
      await settle();
      const target = analysesFor(params.uri);
      const base = typeof params.linkBase === "string" ? uriToPath(params.linkBase) : null;
      return target ? costReportOf(target.analyses, target.path, uriMapper(), relativeHref(base)) : null;
    } catch (err) {
      logError(`cost report of ${String(params?.uri)} failed`, err);
      return null;
    }
  });

  connection.onRequest(STATUS_REQUEST, async (params: DocumentParams): Promise<StatusResult | null> => {
    try {
      if (typeof params?.uri !== "string") return null;
      // Not settle(): the client asks after every nginxRisk/analysed, and flushing the debounce here would
      // analyse on every keystroke. Analyses under way are waited for; a pending one notifies when done.
      await Promise.all([...running.values()]);
      const target = analysesFor(params.uri);
      return target ? statusOf(target.analyses) : null;
    } catch (err) {
      logError(`status of ${String(params?.uri)} failed`, err);
      return null;
    }
  });

  // ---- outline and navigation (navigation.ts) ------------------------------------------------------------

  registerNavigation(connection, {
    settle,
    analysesFor,
    parsedOf: async (uri, token) => {
      const parsed = await parsedNow(uri, token);
      const fromUri = uriToPath(uri);
      const p = pathOfDoc.get(uri) ?? (fromUri !== null ? normalizePath(fromUri) : null);
      // No outline or folding made of another format's lines.
      return p !== null && parsed !== null && analyzer.readsAsNginx(p) ? parsed : null;
    },
    everything: () => {
      const keys = new Set([...docRoots.values()].flatMap((ks) => [...ks]));
      const analyses = [...keys].map((k) => store.analysis(k)).filter((a): a is RootAnalysis => a !== undefined);
      const open = new Map<string, ParsedFile>();
      for (const [uri, p] of pathOfDoc) {
        const loaded = documents.get(uri) && analyzer.readsAsNginx(p) ? analyzer.source.load(p) : null;
        if (loaded) open.set(p, analyzer.cache.get(p, loaded));
      }
      return { analyses, open };
    },
    uriOf: uriMapper,
    logError,
  });

  // ---- quick-fixes -------------------------------------------------------------------------------------

  connection.onCodeAction((params): CodeAction[] => {
    try {
      const target = analysesFor(params.textDocument.uri);
      if (!target) return [];
      const uriOf = uriMapper();
      return codeActions(params.range, params.context, {
        analyses: target.analyses,
        path: target.path,
        readersOf: (p) =>
          store
            .rootsReading(p)
            .map((k) => store.analysis(k))
            .filter((a): a is RootAnalysis => a !== undefined),
        uriOf,
        currentText: (p) => documents.get(uriOf(p))?.getText() ?? analyzer.source.read(p),
        versionOf: (u) => documents.get(u)?.version ?? null,
        documentChanges: canApplyDocumentChanges,
      });
    } catch (err) {
      logError(`code actions of ${params.textDocument.uri} failed`, err);
      return [];
    }
  });

  connection.onExecuteCommand((params) => {
    const [first, second] = params.arguments ?? [];
    let override: { key: string; value: string } | string;
    /** What the client is told to persist: the key under nginxRisk. and its value (an object's entry merged). */
    let persist: { key: string; value: unknown };
    if (params.command === SET_VERSION_COMMAND) {
      override = readOverride(first, second);
      persist = typeof override === "string" ? { key: "", value: "" } : override;
    } else if (params.command === SET_PATH_MAPPING_COMMAND) {
      // "Make the mapping explicit": the target as a user would write it in the workspace's settings.
      override = readMappingOverride(first, typeof second === "string" ? asSettingPath(second) : second);
      persist =
        typeof override === "string"
          ? { key: "", value: "" }
          : { key: "pathMappings", value: { [first]: override.value } };
    } else return null;
    if (typeof override === "string") {
      connection.console.warn(`${params.command}: ${override}`);
      return null;
    }
    overrides.set(override.key, override.value);
    log(`${params.command}: nginxRisk.${override.key} = ${override.value} for this session`);
    settingsCache.clear();
    lastSettings.clear();
    // The user asked for it: analysed again at once, not after the debounce.
    for (const doc of documents.all()) schedule(doc.uri, 0);
    workspacePass.invalidate();
    connection
      .sendNotification(SETTING_CHANGED_NOTIFICATION, persist)
      .catch((err) => logError(`sending ${SETTING_CHANGED_NOTIFICATION} failed`, err));
    return null;
  });

  /** A folder as a path setting: `${workspaceFolder}/…` inside the one workspace folder, else as it is. */
  function asSettingPath(p: string): string {
    if (folders.length !== 1) return p;
    const f = folders[0];
    if (p === f) return "${workspaceFolder}";
    return p.startsWith(f === "/" ? "/" : f + "/") ? "${workspaceFolder}/" + p.slice(f === "/" ? 1 : f.length + 1) : p;
  }

  /**
   * Records the roots `uri` now needs and drops those no open document needs any more; returns the
   * URIs whose diagnostics that changes.
   */
  function releaseRoots(uri: string, keys: Set<string>): Set<string> {
    const old = docRoots.get(uri) ?? new Set<string>();
    if (documents.get(uri)) docRoots.set(uri, keys);
    else docRoots.delete(uri);
    const affected = new Set<string>();
    for (const k of old) {
      if (!keys.has(k) && !isOwned(k)) for (const u of store.delete(k)) affected.add(u);
    }
    return affected;
  }

  /** The open documents (but `except`) one of whose roots reads `p`. */
  function readersOf(p: string, except: string | null): string[] {
    const readers = store.rootsReading(p);
    const out: string[] = [];
    for (const [doc, keys] of docRoots) if (doc !== except && readers.some((k) => keys.has(k))) out.push(doc);
    return out;
  }

  /** Some open document's analyses, or the workspace's diagnostics, hold this root. */
  function isOwned(key: string): boolean {
    return ownedByDocument(key) || workspacePass.owns(key);
  }

  function ownedByDocument(key: string): boolean {
    for (const ks of docRoots.values()) if (ks.has(key)) return true;
    return false;
  }

  /** Stores a root's result read at `ticket`, unless a later reading of it is stored; the URIs it changes. */
  function storeResult(ticket: number, result: RootResult): Set<string> {
    if ((storedTicket.get(result.key) ?? 0) > ticket) return new Set();
    storedTicket.set(result.key, ticket);
    return store.set(result);
  }

  /** Path → the URI the client knows the file by, memoised for one analysis (realpath costs a syscall). */
  function uriMapper(): (p: string) => string {
    const memo = new Map<string, string>();
    return (p: string): string => {
      let u = memo.get(p);
      if (u !== undefined) return u;
      u = docOfPath.get(p);
      if (u === undefined && docOfRealPath.size > 0) u = docOfRealPath.get(analyzer.disk.realpath(p));
      if (u === undefined) u = pathToUri(p);
      memo.set(p, u);
      return u;
    };
  }

  /**
   * Sends the merged diagnostics of `uris` that changed. The analysed document itself is always sent,
   * with the version that was analysed, so the client (and the tests) can tell a fresh empty list from
   * an old one.
   */
  function publish(uris: Set<string>, analysed: { uri: string; version: number } | null): void {
    if (stopped) return;
    if (pullMode) noteReports(uris);
    for (const u of uris) {
      if (!pushes(u)) continue;
      const diagnostics = diagnosticsOf(u);
      const hash = JSON.stringify(diagnostics);
      const isAnalysed = analysed !== null && analysed.uri === u;
      if (!isAnalysed && (published.get(u) ?? "[]") === hash) continue;
      if (diagnostics.length === 0) published.delete(u);
      else published.set(u, hash);
      const params = isAnalysed ? { uri: u, version: analysed.version, diagnostics } : { uri: u, diagnostics };
      connection.sendDiagnostics(params).catch((err) => logError(`publishing diagnostics for ${u} failed`, err));
    }
    if (watchdog) setImmediate(watchdog.now);
  }

  /** What the client is shown for a URI: the merged findings of every root, and the line-break warnings. */
  function diagnosticsOf(u: string): Diagnostic[] {
    return [...store.merged(u), ...(lineBreakFindings.get(u) ?? [])];
  }

  /**
   * Whether a URI's diagnostics are pushed: always to a client that does not pull; to one that pulls, never
   * for an open document (it pulls them), and for other files only until it pulls the workspace's.
   */
  function pushes(u: string): boolean {
    if (!pullMode) return true;
    return !workspacePulled && !documents.get(u);
  }

  // ---- pull diagnostics (pull-diagnostics.ts, workspace-pass.ts) ------------------------------------------

  const workspacePass = new WorkspacePass({
    analyzer,
    store,
    folders: () => folders,
    settingsOf: async (folder) => {
      const settings = await settingsFor(pathToUri(folder), folder);
      return { options: ruleOptionsOf(settings), pathMappings: settings.pathMappings, maxFiles: settings.maxFiles };
    },
    updateAccess: () => {
      if (!analyzer.setAccess(accessNow())) return false;
      reanalyseAll();
      return true;
    },
    ownedByDocument,
    nextTicket: () => ++runTickets,
    storeResult,
    uriMapper,
    changed: (uris) => publish(uris, null),
    stopped: () => stopped,
    documentsBusy: () => (timers.size > 0 || running.size > 0 ? analysisEnded.next() : null),
    logError,
  });

  /**
   * Records the result id of each of `uris`; when some changed, held workspace pulls answer, and the client
   * is asked to pull again (workspace/diagnostic/refresh) unless a pull of each changed document is
   * waiting for this very analysis (it answers with the new list).
   */
  function noteReports(uris: Set<string>): void {
    let changed = false;
    let unasked = false;
    for (const u of uris) {
      const id = resultIdOf(diagnosticsOf(u));
      if (reported.get(u) === id) continue;
      reported.set(u, id);
      changed = true;
      if (documents.get(u) ? !pendingPulls.get(u) : heldWorkspacePulls === 0) unasked = true;
    }
    if (!changed) return;
    reportsChanged.fire();
    if (unasked) refreshDiagnostics();
  }

  /** Asks the client to pull again (once for a burst of analyses). */
  function refreshDiagnostics(): void {
    if (!canRefreshDiagnostics || stopped || diagnosticRefresh) return;
    diagnosticRefresh = setTimeout(() => {
      diagnosticRefresh = undefined;
      if (stopped) return;
      connection
        .sendRequest(DiagnosticRefreshRequest.type)
        .catch((err) => logError("refreshing diagnostics failed", err));
    }, 50);
  }

  /** Waits until no analysis of the open document `uri` is pending or under way; false if cancelled first. */
  async function analysed(uri: string, token: CancellationToken): Promise<boolean> {
    while (!stopped && documents.get(uri) && (timers.has(uri) || running.has(uri))) {
      if (!(await untilCancelled(running.get(uri) ?? analysisEnded.next(), token))) return false;
    }
    return !token.isCancellationRequested;
  }

  connection.onRequest(DocumentDiagnosticRequest.type, async (params, token) => {
    const uri = params.textDocument.uri;
    pendingPulls.set(uri, (pendingPulls.get(uri) ?? 0) + 1);
    try {
      // The text the editor shows: its analysis (after the debounce) first. An edit meanwhile makes the
      // client cancel this pull and ask again.
      if (!(await analysed(uri, token))) throw cancelled();
      return documentReport(diagnosticsOf(uri), params.previousResultId);
    } finally {
      const n = (pendingPulls.get(uri) ?? 1) - 1;
      if (n > 0) pendingPulls.set(uri, n);
      else pendingPulls.delete(uri);
    }
  });

  connection.onRequest(WorkspaceDiagnosticRequest.type, async (params, token) => {
    if (!workspacePulled) {
      // The workspace's diagnostics come by pull from now on: what was pushed goes.
      workspacePulled = true;
      for (const u of [...published.keys()]) {
        published.delete(u);
        connection
          .sendDiagnostics({ uri: u, diagnostics: [] })
          .catch((err) => logError(`publishing diagnostics for ${u} failed`, err));
      }
    }
    const previous = new Map(params.previousResultIds.map((r) => [r.uri, r.value]));
    heldWorkspacePulls++;
    try {
      for (;;) {
        if (!(await workspacePass.settled((wait) => untilCancelled(wait, token)))) throw cancelled();
        const { items, changed } = workspaceReport(workspaceFiles(), previous);
        if (changed || previous.size === 0 || stopped) return { items };
        // Nothing the client does not hold: answered when something changes (it would ask again at once
        // otherwise: VS Code every 2 s), or when it cancels.
        if (!(await untilCancelled(reportsChanged.next(), token))) throw cancelled();
      }
    } finally {
      heldWorkspacePulls--;
    }
  });

  /** Every file of every configuration held (the workspace's and the open documents'), with its list. */
  function workspaceFiles(): FileDiagnostics[] {
    const out: FileDiagnostics[] = [];
    const uris = store.uris(uriMapper());
    for (const doc of documents.all()) uris.add(doc.uri);
    for (const u of uris) {
      // Untitled buffers have no place in the workspace: their pulls show them.
      if (!u.startsWith("file:")) continue;
      out.push({
        uri: u,
        items: diagnosticsOf(u),
        version: documents.get(u) ? (analysedVersion.get(u) ?? null) : null,
      });
    }
    return out;
  }

  documents.listen(connection);
  connection.listen();
}

function foldersOf(list: readonly WorkspaceFolder[] | null | undefined, rootUri: string | null): string[] {
  const uris = list && list.length > 0 ? list.map((f) => f.uri) : rootUri ? [rootUri] : [];
  const out: string[] = [];
  for (const u of uris) {
    const p = uriToPath(u);
    if (p !== null) out.push(normalizePath(p));
  }
  return out;
}
