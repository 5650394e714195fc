// The whole workspace's diagnostics, for pull clients (workspace/diagnostic): every configuration of every
// workspace folder analysed, not only those of open documents, in steps with turns of the event loop
// between them (as a document's analysis), so that edits and requests are taken meanwhile.
//
// It starts with the first workspace/diagnostic request (a client that never asks pays nothing) and then
// keeps the results current with the least work:
// - files changed on disk, settings, folders, trust, what may be read: everything again (`invalidate`);
// - an edit: the document's own analysis re-runs every configuration that reads the document, and stores
//   them under the same keys; only when it changed an include graph are the main files looked for again
//   and the new ones analysed, the vanished ones dropped (`graphChanged`);
// - a document closed: the configurations that read its buffer read the disk again (`released`).
// A configuration an open document reads is left to that document's analyses (which keep it whole, for
// hovers); the pass keeps only the diagnostics of the others (their models and cost reports are dropped).
//
// Bounds: the folder scans stop at nginxRisk.maxFiles (roots.ts, said as a scan-limit warning on the
// folder's first main file), so the pass analyses at most that many main files per folder, each file
// parsed once (the parse cache); what it keeps is the diagnostics, per main file.

import type { Analyzer, DiagnosticStore, RootJob, RootResult } from "./analysis";
import type { RuleOptions } from "../rules";
import type { PathMapping } from "../workspace/paths";
import { Signal } from "./pull-diagnostics";

/** What the configurations of a folder are analysed with (its settings). */
export interface FolderSettings {
  options: RuleOptions;
  pathMappings: PathMapping[];
  /** How many files the folder's scans look at (nginxRisk.maxFiles). */
  maxFiles?: number;
}

/** What the pass needs of the server. */
export interface WorkspaceHost {
  analyzer: Analyzer;
  store: DiagnosticStore;
  /** The workspace folders (paths). */
  folders(): string[];
  /** A folder's settings: the rule options, mappings and file limit its configurations are analysed with. */
  settingsOf(folder: string): Promise<FolderSettings>;
  /** Brings the read policy up to date (workspace/access.ts) before anything is read; true when it changed. */
  updateAccess(): boolean;
  /** A document's analyses hold this root (and keep it current). */
  ownedByDocument(key: string): boolean;
  /** Numbers a run as it reads the texts (shared with the documents' runs). */
  nextTicket(): number;
  /** Stores a result read at `ticket` unless a later reading of the same root is stored; the URIs it changes. */
  storeResult(ticket: number, result: RootResult): Set<string>;
  uriMapper(): (p: string) => string;
  /** Diagnostics of these URIs may have changed: report them. */
  changed(uris: Set<string>): void;
  stopped(): boolean;
  /**
   * Null when no document's analysis is waiting for its debounce or under way; else when the next one ends.
   * The pass gives way to them: what the user looks at comes first, and a root a document's analysis
   * stores is one the pass need not analyse.
   */
  documentsBusy(): Promise<void> | null;
  logError(what: string, err: unknown): void;
}

/** How long after a change the pass starts (changes come in bursts: a save, a `git checkout`). */
const DELAY_MS = 200;

export class WorkspacePass {
  /** Started by the first workspace/diagnostic request. */
  private active = false;
  /** The roots the pass holds in the store, with the job that analyses each. */
  private jobs = new Map<string, { job: RootJob; options: RuleOptions }>();
  private needsPlan = true;
  /** Analyse every root again at the next plan, not only new ones. */
  private everything = true;
  private readonly stale = new Set<string>();
  /** The include graphs' generation the plan was made with (Analyzer.graphGeneration). */
  private planned = -1;
  /** Bumped by every change: a run that sees a newer number stops where it is (and the next one goes on). */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  /** A run ended (done or stopped). */
  private readonly ended = new Signal();

  constructor(private readonly host: WorkspaceHost) {}

  /** The first workspace/diagnostic request: from now on the whole workspace is kept analysed. */
  activate(): void {
    if (this.active) return;
    this.active = true;
    this.schedule(0);
  }

  /** The pass holds this root's diagnostics (it is one of a folder's configurations). */
  owns(key: string): boolean {
    return this.jobs.has(key);
  }

  /** Files, settings, folders or access changed: every configuration is analysed again. */
  invalidate(): void {
    this.needsPlan = true;
    this.everything = true;
    this.generation++;
    this.schedule(DELAY_MS);
  }

  /** After a document's analysis: an include graph it rebuilt may have other main files. */
  graphChanged(): void {
    if (this.host.analyzer.graphGeneration === this.planned) return;
    this.needsPlan = true;
    this.generation++;
    this.schedule(DELAY_MS);
  }

  /**
   * A document no longer holds these roots (closed), or its buffer is gone from under them: the pass
   * analyses those of them it holds again, from the disk, and keeps no model of them.
   */
  released(keys: Iterable<string>): void {
    let any = false;
    for (const k of keys) {
      if (!this.jobs.has(k) || this.host.ownedByDocument(k)) continue;
      this.host.store.dropAnalysis(k);
      this.stale.add(k);
      any = true;
    }
    if (any) {
      this.generation++;
      this.schedule(DELAY_MS);
    }
  }

  /**
   * Waits until the pass has nothing left to do (true), or `cancelled` says to stop waiting (false).
   * Between two checks it waits for the end of a run, so this costs nothing while a run goes on.
   */
  async settled(cancelled: (wait: Promise<unknown>) => Promise<boolean>): Promise<boolean> {
    this.activate();
    while (!this.host.stopped() && (this.timer || this.running || this.needsPlan || this.stale.size > 0)) {
      // Work left but nothing started (a run stopped for a newer change that scheduled nothing): start it.
      if (!this.timer && !this.running) this.schedule(0);
      if (!(await cancelled(this.ended.next()))) return false;
    }
    return true;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.generation++;
    this.ended.fire();
  }

  private schedule(delay: number): void {
    if (!this.active || this.host.stopped()) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // One run at a time: a change during a run stops it (generation), and it starts the next when done.
      if (this.running) return;
      const run = this.run()
        .catch((err) => this.host.logError("analysing the workspace failed", err))
        .finally(() => {
          this.running = null;
          this.ended.fire();
          if (this.needsPlan || this.stale.size > 0) this.schedule(0);
        });
      this.running = run;
    }, delay);
  }

  private async run(): Promise<void> {
    const host = this.host;
    const gen = this.generation;
    const stale = (): boolean => host.stopped() || gen !== this.generation;
    // Two turns of the event loop, as a document's analysis takes them (server.ts): messages that came
    // during a step are handled before the next one.
    const stopsAfterTurn = async (): Promise<boolean> => {
      for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      for (let busy = host.documentsBusy(); busy && !stale(); busy = host.documentsBusy()) await busy;
      return stale();
    };
    // The folders' settings first: their mapping targets and allowRead are part of what may be read.
    const folders: { folder: string; settings: FolderSettings }[] = [];
    for (const folder of host.folders()) folders.push({ folder, settings: await host.settingsOf(folder) });
    if (stale()) return;
    // What may be read changed (a folder's settings, an open document's folder): what was read may differ.
    if (host.updateAccess()) {
      this.needsPlan = true;
      this.everything = true;
    }
    const affected = new Set<string>();
    try {
      if (await stopsAfterTurn()) return;
      if (this.needsPlan) {
        const everything = this.everything;
        const jobs = new Map<string, { job: RootJob; options: RuleOptions }>();
        for (const { folder, settings } of folders) {
          const scope = { folder, maxDepth: 10, maxFiles: settings.maxFiles };
          for (const _ of host.analyzer.prepareSteps(scope, settings.pathMappings)) if (await stopsAfterTurn()) return;
          for (const job of host.analyzer.planWorkspace(scope, settings.pathMappings))
            if (!jobs.has(job.key)) jobs.set(job.key, { job, options: settings.options });
        }
        this.planned = host.analyzer.graphGeneration;
        for (const key of this.jobs.keys()) {
          if (jobs.has(key)) continue;
          this.stale.delete(key);
          if (!host.ownedByDocument(key)) for (const u of host.store.delete(key)) affected.add(u);
        }
        for (const key of jobs.keys()) if (everything || !this.jobs.has(key)) this.stale.add(key);
        this.jobs = jobs;
        this.needsPlan = false;
        this.everything = false;
      }
      for (const key of [...this.stale]) {
        if (await stopsAfterTurn()) return;
        const entry = this.jobs.get(key);
        // A document's analyses keep the roots it reads current (and whole).
        if (!entry || host.ownedByDocument(key)) {
          this.stale.delete(key);
          continue;
        }
        const ticket = host.nextTicket();
        const steps = host.analyzer.runSteps(entry.job, entry.options, host.uriMapper());
        let step = steps.next();
        while (!step.done) {
          if (await stopsAfterTurn()) return;
          step = steps.next();
        }
        const result = step.value;
        if (result.ruleError !== undefined) host.logError(`rules failed on ${entry.job.rootPath}`, result.ruleError);
        // Nobody hovers over a file no document reads: its model and cost report are not kept.
        if (!host.ownedByDocument(key)) delete result.analysis;
        for (const u of host.storeResult(ticket, result)) affected.add(u);
        this.stale.delete(key);
        // Each configuration as it is done: a large workspace shows its first results early.
        host.changed(new Set(affected));
        affected.clear();
      }
    } finally {
      if (affected.size > 0) host.changed(affected);
    }
  }
}
