// What the language server analyses for an open document, without the connection: which main files
// ("roots") read it, each root's configuration loaded over the open buffers, the rules run over it, and
// the diagnostics grouped by the URI they belong to.
//
// Finding roots means reading every candidate file of the workspace folder (roots.ts). That include
// graph is cached and rebuilt only when the *structure* may have changed: files created, changed or
// deleted on disk (watcher), settings, folders, or an open buffer whose includes or apparent context
// changed. Typing inside a `server { }` changes neither, so a keystroke costs one re-parse of the edited
// file plus re-expanding the affected roots (parses of unchanged files are cached).
//
// Each root's last analysis is kept whole (configuration, effective model, cost report, findings): hovers
// and code lenses read it instead of analysing again, so they show exactly what the diagnostics say.
// The model is built once per analysis and shared by the rules and the report. Quick-fixes are computed
// from the same analysis, on demand, and kept with it (fixesOf).

import * as path from "path";
import type { Diagnostic } from "vscode-languageserver/node";
import { formatCount } from "../cost/format";
import { costReport, type CostReport } from "../cost/report";
import { fixesFor, type Fix } from "../fix";
import { buildModel, ModelRecycler, type ConfigModel } from "../model";
import type { ParsedFile } from "../parse/ast";
import { parse } from "../parse/parser";
import type { RangeChange, TextChange } from "../parse/incremental";
import { parseSteps } from "../parse/parse-steps";
import { checkSteps, type Finding, type RuleOptions } from "../rules";
import { isNginxDump, isNginxDumpRead, runChecksOnDump } from "../rules/dump";
import { diagnosticFinding, diagnosticRule } from "../rules/syntax";
import { loadConfiguration, type Configuration } from "../workspace/configuration";
import { classificationOf, includesIn } from "../workspace/file-index";
import { NO_FACTS, scanWorkspaceFacts, type WorkspaceFacts } from "../workspace/facts";
import { ReadPolicy, type ReadKind } from "../workspace/access";
import { classifyConfiguration, classifyOpenedFile, type Classification } from "../workspace/classify";
import {
  NodeFileSource,
  OverlayFileSource,
  ParseCache,
  normalizePath,
  type FileSource,
  type LoadedFile,
  type TextWindow,
} from "../workspace/files";
import type { PathMapping } from "../workspace/paths";
import type { ScanLimit } from "../workspace/folder-scan";
import {
  analysisFor,
  buildIncludeGraph,
  DEFAULT_MAX_CANDIDATES,
  findCandidateFiles,
  guessContext,
  guessedContextDiagnostic,
  type IncludeGraph,
} from "../workspace/roots";
import { diagnosticKey, findingToDiagnostic } from "./conversions";

/** One change of a didChange (LSP's TextDocumentContentChangeEvent, without its types): ranged, or the whole text. */
export type BufferChange = RangeChange | TextChange | { text: string };

/** An open buffer's edits from the version `base` (whose tree the parse cache may hold) to the version `to`. */
interface PendingEdits {
  base: string;
  to: string;
  changes: (RangeChange | TextChange)[];
}

/** Where to look for the main files of a document. */
export interface Scope {
  /** Folder to scan for candidates; null: analyse the document alone (untitled buffers). */
  folder: string | null;
  /** How deep to scan (a workspace folder deeply, the folder of a loose file only a little). */
  maxDepth: number;
  /** How many files each folder scan looks for (`nginxRisk.maxFiles`); the analyzer's default when absent. */
  maxFiles?: number;
}

/** One configuration to (re)analyse, as the include graph described it. */
export interface RootJob {
  /** Identity of the root across analyses: main file plus the context it is read in. */
  key: string;
  rootPath: string;
  mappings: PathMapping[];
  confPrefix: string;
  rootContext: readonly string[];
  /** Findings the graph adds on its own (the guessed-context hint). */
  extra: Finding[];
  /** Where the document was looked for: the folder facts (cron jobs, Dockerfiles) are read from. */
  scope: Scope;
}

/** One root's last analysis, whole: what hovers and code lenses read. */
export interface RootAnalysis {
  config: Configuration;
  /** Built once per analysis; the rules and the report read this same model. */
  model: ConfigModel;
  report: CostReport;
  /** Every finding of the configuration (before conversion to diagnostics). */
  findings: Finding[];
  options: RuleOptions;
  /**
   * The fixes of each finding asked for so far (fixesOf). Computed on demand: each fix re-reads the edited
   * configuration to check itself, about one analysis per finding, which only a code action request should
   * pay for, and only once per analysis (the editor asks again on every cursor move).
   */
  fixes: Map<Finding, Fix[]>;
}

export interface RootResult {
  key: string;
  /** Every file the configuration read (workspace paths). */
  files: Set<string>;
  /** Diagnostics per URI; files without any are absent. */
  byUri: Map<string, Diagnostic[]>;
  /** Set when the rules threw: only syntax and include problems are in `byUri`. */
  ruleError?: unknown;
  /** Set when reading the workspace facts threw (the rules then ran without them). */
  factsError?: unknown;
  /** Absent for dumps and when the rules threw. */
  analysis?: RootAnalysis;
}

/**
 * Runs the rules over a loaded configuration with one model shared by the rules and the cost report.
 * Throws what a rule throws.
 */
export function analyseConfiguration(config: Configuration, options: RuleOptions): RootAnalysis {
  return finish(analyseSteps(config, options));
}

/** `analyseConfiguration` with pauses (yields) after the model and between two rules. */
export function* analyseSteps(
  config: Configuration,
  options: RuleOptions,
  recycler?: ModelRecycler,
): Generator<void, RootAnalysis> {
  const model = buildModel(config, recycler);
  yield;
  const findings = yield* checkSteps(config, options, model);
  // The rules asked for the same (model, options): the report is the one they used, not a second one.
  const report = costReport(model, options);
  return { config, model, report, findings, options, fixes: new Map() };
}

/** The fixes of one finding of an analysis, computed the first time they are asked for. */
export function fixesOf(analysis: RootAnalysis, finding: Finding): Fix[] {
  let fixes = analysis.fixes.get(finding);
  if (!fixes) {
    fixes = fixesFor(analysis.config, [finding], analysis.options, analysis.model);
    analysis.fixes.set(finding, fixes);
  }
  return fixes;
}

/** Runs a stepped computation (Analyzer.runSteps) to its end at once. */
export function finish<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

function graphKey(scope: Scope, mappings: readonly PathMapping[]): string {
  return `${scope.folder ?? ""}\0${scope.maxDepth}\0${scope.maxFiles ?? ""}\0${JSON.stringify(mappings)}`;
}

interface CachedGraph {
  graph: IncludeGraph;
  /** Structure signature of each open buffer in scope when the graph was built. */
  signatures: Map<string, string>;
  /** Set when the candidate scan stopped at its limit (main files may be missing). */
  limit: ScanLimit | null;
}

/** Workspace facts of a folder, and whether their scan stopped at its limit. */
interface CachedFacts {
  facts: WorkspaceFacts;
  limit: ScanLimit | null;
}

const FILE_START = { start: { line: 0, character: 0, offset: 0 }, end: { line: 0, character: 0, offset: 0 } };

/**
 * The warning on a document whose folder scan stopped at `nginxRisk.maxFiles`: the analysis may be
 * incomplete (a main file that includes the document not found; versions or nginx -t jobs not read).
 */
export function scanLimitFinding(docPath: string, limit: ScanLimit, scan: "configuration" | "facts"): Finding {
  const at =
    limit.reason === "files"
      ? `after ${formatCount(limit.maxFiles)} files`
      : `after looking at ${formatCount(limit.maxEntries)} entries`;
  const what =
    scan === "configuration"
      ? `stopped searching ${limit.folder} for configuration files ${at}: a main file that includes this file may not have been found`
      : `stopped reading the files around the configuration in ${limit.folder} (Dockerfiles, crontabs, …) ${at}: the versions and nginx -t jobs found may not be all`;
  return {
    ruleId: "context",
    code: "scan-limit",
    severity: "warning",
    path: docPath,
    range: FILE_START,
    message: `nginx-risk ${what}, so this analysis may be incomplete. Raise nginxRisk.maxFiles (now ${limit.maxFiles}) or open a smaller folder.`,
  };
}

/**
 * The one thing said on an opened file that does not read as nginx configuration (a redis.conf or a
 * supervisord.conf that an editor sends as `nginx`): a hint that it is not analysed, and why in counts.
 */
export function notNginxFinding(docPath: string, reason: string): Finding {
  return {
    ruleId: "context",
    code: "not-nginx",
    severity: "hint",
    path: docPath,
    range: FILE_START,
    message: `nginx-risk does not analyse this file: it does not read as nginx configuration (${reason})`,
  };
}

/** How a user of the language server has a path read. */
export const SERVER_ALLOW_HINT = "map it into the workspace (nginxRisk.pathMappings) or allow it (nginxRisk.allowRead)";
/** The same in an untrusted workspace, where the workspace's settings cannot widen what is read. */
export const UNTRUSTED_ALLOW_HINT = `trust the workspace, then ${SERVER_ALLOW_HINT}`;

/** What the server may read: the roots (real paths follow), the size limits, and whether the workspace is trusted. */
export interface ServerAccess {
  roots: string[];
  limits: Record<ReadKind, number>;
  trusted: boolean;
}

export class Analyzer {
  /** Nothing is read until the server sets the roots (setAccess): its workspace folders, at the least. */
  readonly policy = new ReadPolicy({ roots: [], rootsName: "the workspace folders", allowHint: SERVER_ALLOW_HINT });
  readonly disk = new NodeFileSource(this.policy);
  readonly source = new OverlayFileSource(this.disk);
  private accessKey = "";
  readonly cache = new ParseCache();
  /**
   * The models of analyses the server no longer keeps (DiagnosticStore retires them), whose contexts the
   * next analyses' models are made of (model/index.ts ModelRecycler: fewer objects per keystroke).
   */
  readonly models = new ModelRecycler();
  private readonly graphs = new Map<string, CachedGraph>();
  /** Per open buffer, the editor's edits since the version whose tree the parse cache may hold. */
  private readonly pendingEdits = new Map<string, PendingEdits>();
  /** Paths of the open buffers (the overlays), for structure checks. */
  private readonly open = new Set<string>();
  /** Workspace facts per scanned folder (and depth and limit), until files change on disk. */
  private readonly facts = new Map<string, CachedFacts>();

  /** Bumped whenever an include graph is built anew: the main files of a folder may have changed. */
  graphGeneration = 0;

  /** The structure signature of each open buffer's tree (signature()), per tree: one per content version. */
  private readonly signatures = new WeakMap<ParsedFile, string>();

  /** How each open buffer reads (classify.ts), per buffer version. */
  private readonly kinds = new Map<string, { version: string; classification: Classification }>();

  constructor(private readonly maxCandidates = DEFAULT_MAX_CANDIDATES) {
    // A buffer that is not nginx configuration counts as a file the user did not open (files.ts).
    this.source.setOpenedFilter((p) => this.readsAsNginx(p));
  }

  /**
   * How the open buffer at `p` reads (classifyOpenedFile), or null when `p` is no open buffer. Parsed through
   * the parse cache: the analysis that follows reads the same parse.
   */
  bufferClassification(p: string): Classification | null {
    const key = normalizePath(p);
    if (!this.open.has(key)) return null;
    const loaded = this.source.load(key);
    if (!loaded) return null;
    const known = this.kinds.get(key);
    if (known && known.version === loaded.version) return known.classification;
    const classification = classifyOpenedFile(this.cache.get(key, loaded));
    this.kinds.set(key, { version: loaded.version, classification });
    return classification;
  }

  /** False only for an open buffer whose text does not read as nginx configuration. */
  readsAsNginx(p: string): boolean {
    return this.bufferClassification(p)?.configuration ?? true;
  }

  /**
   * The result of an open document that does not read as nginx configuration: its one hint, nothing else
   * (no analysis: its words would be errors). Null when it reads as nginx.
   */
  runNotNginx(docPath: string, uriOf: (p: string) => string): RootResult | null {
    const p = normalizePath(docPath);
    const c = this.bufferClassification(p);
    if (c === null || c.configuration) return null;
    const d = findingToDiagnostic(notNginxFinding(p, c.reason), uriOf);
    return { key: `not-nginx\0${p}`, files: new Set([p]), byUri: new Map([[uriOf(p), [d]]]) };
  }

  /**
   * The editor's text of an open buffer. `changes` are the edits of the didChange that made it (absent: the
   * buffer is new, or replaced whole): they are kept, chained across the didChanges of one debounce, for
   * parseBufferSteps to update the cached tree incrementally (parse/incremental.ts) instead of parsing anew.
   */
  setBuffer(p: string, text: string, version: number, changes?: readonly BufferChange[], window?: TextWindow): void {
    const key = normalizePath(p);
    const before = this.source.hasOverlay(key) ? this.source.load(key)?.version : undefined;
    this.source.setOverlay(p, text, version, undefined, window);
    this.open.add(key);
    const now = this.source.load(key)?.version;
    const pending = this.pendingEdits.get(key);
    const ranged = changes !== undefined && changes.length > 0 && changes.every((c) => "range" in c || "start" in c);
    if (!ranged || before === undefined || now === undefined) this.pendingEdits.delete(key);
    else if (pending && pending.to === before) {
      for (const c of changes) pending.changes.push(c as RangeChange | TextChange);
      pending.to = now;
    } else
      this.pendingEdits.set(key, { base: before, to: now, changes: [...(changes as (RangeChange | TextChange)[])] });
  }

  /** The buffer was closed: the file on disk counts again, and it may differ in structure. */
  removeBuffer(p: string): void {
    this.pendingEdits.delete(normalizePath(p));
    this.source.removeOverlay(p);
    this.open.delete(normalizePath(p));
    this.kinds.delete(normalizePath(p));
    // The buffer's parse is of no use any more (the disk copy is parsed when next read).
    this.cache.delete(p);
    this.graphs.clear();
  }

  /** Files changed on disk (or we cannot tell which): forget what was read. */
  filesChanged(paths?: readonly string[]): void {
    if (paths === undefined) {
      this.disk.forget();
    } else {
      for (const p of paths) {
        this.disk.forget(normalizePath(p));
        if (!this.open.has(normalizePath(p))) this.cache.delete(p);
      }
    }
    this.graphs.clear();
    // A Dockerfile, crontab or timer may have changed: facts are read again (cheap next to the rules).
    this.facts.clear();
  }

  /**
   * Sets what may be read. When that changes, everything read or found under the old access is forgotten:
   * a file refused before may be readable now, and the other way round.
   */
  setAccess(access: ServerAccess): boolean {
    const roots = [...new Set(access.roots)].sort();
    const key = JSON.stringify([roots, access.limits, access.trusted]);
    if (key === this.accessKey) return false;
    this.accessKey = key;
    this.policy.setRoots(roots);
    this.policy.configure({
      limits: access.limits,
      allowHint: access.trusted ? SERVER_ALLOW_HINT : UNTRUSTED_ALLOW_HINT,
    });
    this.disk.forget();
    this.graphs.clear();
    this.facts.clear();
    return true;
  }

  /** Settings or workspace folders changed. */
  invalidateGraphs(): void {
    this.graphs.clear();
  }

  /** Workspace folders changed. */
  invalidateFacts(): void {
    this.facts.clear();
  }

  /**
   * The facts around the configurations of `scope` (its folder), read through the open buffers and
   * cached per folder. None for untitled buffers.
   */
  factsFor(scope: Scope): WorkspaceFacts {
    return this.cachedFacts(scope).facts;
  }

  private cachedFacts(scope: Scope): CachedFacts {
    if (scope.folder === null) return { facts: NO_FACTS, limit: null };
    const key = `${normalizePath(scope.folder)}\0${scope.maxDepth}\0${scope.maxFiles ?? ""}`;
    let cached = this.facts.get(key);
    if (!cached) {
      let limit: ScanLimit | null = null;
      const facts = scanWorkspaceFacts([scope.folder], {
        source: this.source,
        maxDepth: scope.maxDepth,
        maxFiles: scope.maxFiles,
        onLimit: (l) => (limit = l),
      });
      cached = { facts, limit };
      this.facts.set(key, cached);
    }
    return cached;
  }

  /** The rule options of one analysis: the settings', plus the workspace's facts and reader. */
  ruleOptions(base: RuleOptions, scope: Scope | null): { options: RuleOptions; factsError?: unknown } {
    let facts: WorkspaceFacts = NO_FACTS;
    let factsError: unknown;
    try {
      if (scope) facts = this.factsFor(scope);
    } catch (err) {
      // A scanner bug must not stop the analysis: the versions are then assumed, as without facts.
      factsError = err;
    }
    return { options: { ...base, facts, source: this.source }, factsError };
  }

  /**
   * Parses the open buffers whose text the parse cache does not hold yet (the one just edited), nearley
   * fed a slice of statements per step (parse/parse-steps.ts), so that the server answers requests in the
   * middle of the parse of a large file: until now the whole file was parsed in one step (large-config
   * ×10, 350,000 lines: seconds). Runs before anything else of an analysis reads the buffer.
   *
   * Where an incremental parse of the edit (a `ParseCache.update` of the changed block) applies, it belongs
   * here, before the parse in slices: what it leaves for this loop is then only what it could not reuse.
   */
  /**
   * The edits of the buffer `p` since its cached tree, re-parsed now around themselves (what
   * `parseBufferSteps` does first), when they apply: a request that arrives between an edit and its
   * analysis' parse then reads the tree moved in place (ParseCache.editedSince) instead of comparing the
   * whole analysed text with the text shown (on a 13 MB buffer, a copy of each and their line offsets).
   * Whether the cache now holds the buffer's text.
   */
  parseEditsNow(p: string): boolean {
    const key = normalizePath(p);
    const loaded = this.source.load(key);
    if (!loaded) return false;
    if (this.cache.holds(key, loaded)) return true;
    const edits = this.pendingEdits.get(key);
    if (!edits || !this.applyEdits(key, loaded, edits)) return false;
    this.pendingEdits.delete(key);
    return true;
  }

  /** `edits` applied to the cached tree of `p` (moved in place) when they lead from its version to `loaded`'s. */
  private applyEdits(p: string, loaded: LoadedFile, edits: PendingEdits): boolean {
    if (edits.to !== loaded.version || this.cache.versionOf(p) !== edits.base) return false;
    // The edits since the cached tree, re-parsed around themselves; the rest of the tree is kept (moved).
    this.cache.update(p, loaded, edits.changes, edits.base);
    this.bufferClassification(p);
    return true;
  }

  *parseBufferSteps(): Generator<void, void> {
    for (const p of [...this.open]) {
      const loaded = this.source.load(p);
      const edits = this.pendingEdits.get(p);
      this.pendingEdits.delete(p);
      if (!loaded || this.cache.holds(p, loaded)) continue;
      if (edits && this.applyEdits(p, loaded, edits)) {
        yield;
        continue;
      }
      const parsed = yield* parseSteps(loaded.text);
      // Another edit may have come during the pauses: that text is parsed by the analysis it starts.
      const now = this.source.load(p);
      if (now && now.version === loaded.version) {
        this.cache.put(p, loaded, parsed);
        yield;
        // How it reads (classify.ts: a walk of every line) in a step of its own; cached per version.
        this.bufferClassification(p);
      }
      yield;
    }
  }

  /**
   * Parses, one file per step, the candidate files of `scope` that `plan` is about to read for a new
   * include graph (nothing when the cached graph still holds): the parses land in the parse cache, and
   * the server takes its messages between two files.
   */
  *prepareSteps(scope: Scope, mappings: readonly PathMapping[]): Generator<void, void> {
    const cached = this.graphs.get(graphKey(scope, mappings));
    if (scope.folder === null || (cached && !this.structureChanged(cached, scope))) return;
    const candidates = findCandidateFiles(scope.folder, {
      source: this.source,
      maxFiles: scope.maxFiles ?? this.maxCandidates,
      maxDepth: scope.maxDepth,
    });
    for (const p of candidates) {
      const loaded = this.source.load(p);
      if (loaded) {
        const parsed = this.cache.get(p, loaded);
        // What the graph then asks of each file (roots.ts `rank`, loadConfiguration's includes), in this
        // file's step: kept per tree and per block, so `plan` finds them. Asked in `plan` of 40 files of
        // 2,500 locations, they made it the one step of ~0.1 to 0.15 of the analysis (lifecycle.test).
        includesIn(parsed);
        classificationOf(parsed, false);
        guessContext(parsed);
      }
      yield;
    }
  }

  /** The configurations `docPath` has to be analysed in. */
  plan(docPath: string, scope: Scope, mappings: readonly PathMapping[]): RootJob[] {
    const file = normalizePath(docPath);
    // The file itself need not be a candidate (say `site.inc`): analysisFor then reads it alone.
    const { graph, limit } = this.graphFor(scope, mappings);
    const analysis = analysisFor(graph, file);
    const extra: Finding[] = analysis.diagnostics.map((d) => diagnosticFinding(d, "context"));
    // A scan that stopped at its limit is said on the document, in every configuration it is analysed in.
    const limits: Finding[] = [];
    if (limit) limits.push(scanLimitFinding(file, limit, "configuration"));
    let factsLimit: ScanLimit | null = null;
    try {
      factsLimit = this.cachedFacts(scope).limit;
    } catch {
      // Reading the facts failed: run() reports that (ruleOptions) and goes on without them.
    }
    if (factsLimit) limits.push(scanLimitFinding(file, factsLimit, "facts"));
    return analysis.configurations.map(({ configuration: c }) => ({
      key: `${c.rootPath}\0${c.root.context.join(" ")}`,
      rootPath: c.rootPath,
      mappings: c.mappings,
      confPrefix: c.confPrefix,
      rootContext: c.root.context,
      // The hint belongs to the configuration that is the guessed file itself.
      extra: [...(analysis.guess && c.rootPath === file ? extra : []), ...limits],
      scope,
    }));
  }

  /**
   * Every configuration of the folder of `scope`: one job per main file the include graph found, for the
   * diagnostics of the whole workspace (pull diagnostics). A main file that was not read (a redis.conf of
   * the folder, which does not read as configuration) is left out: nothing would be said but that. The
   * folder's scan-limit warnings go on its first main file only (nginx.conf when there is one).
   */
  planWorkspace(scope: Scope, mappings: readonly PathMapping[]): RootJob[] {
    const { graph, limit } = this.graphFor(scope, mappings);
    // Read from the graph itself, root by root (what `plan` finds for a main file): looking each main file
    // up in every configuration would cost main files² lookups.
    const jobs: RootJob[] = [];
    const keys = new Set<string>();
    for (const root of graph.roots) {
      const c = graph.configurations.get(root);
      if (!c || !c.files.has(c.rootPath)) continue;
      const key = `${c.rootPath}\0${c.root.context.join(" ")}`;
      if (keys.has(key)) continue;
      keys.add(key);
      const guess = graph.guesses.get(root);
      const extra = guess ? [diagnosticFinding(guessedContextDiagnostic(root, guess), "context")] : [];
      jobs.push({
        key,
        rootPath: c.rootPath,
        mappings: c.mappings,
        confPrefix: c.confPrefix,
        rootContext: c.root.context,
        extra,
        scope,
      });
    }
    if (jobs.length > 0) {
      const first = jobs[0];
      if (limit) first.extra.push(scanLimitFinding(first.rootPath, limit, "configuration"));
      let factsLimit: ScanLimit | null = null;
      try {
        factsLimit = this.cachedFacts(scope).limit;
      } catch {
        // Reading the facts failed: the run reports that (ruleOptions) and goes on without them.
      }
      if (factsLimit) first.extra.push(scanLimitFinding(first.rootPath, factsLimit, "facts"));
    }
    return jobs;
  }

  /**
   * Loads one root over the current buffers and runs the rules. The graph's copy of the configuration
   * may predate the latest edits, so it is always re-expanded (cheap: unchanged files are not re-parsed).
   */
  run(job: RootJob, base: RuleOptions, uriOf: (p: string) => string): RootResult {
    return finish(this.runSteps(job, base, uriOf));
  }

  /**
   * `run` in steps: it pauses (yields) after loading, after the model and between the rules, so that the
   * server can take its messages in between (a `shutdown`, an edit that makes the run stale) instead of
   * after the whole analysis of a large configuration (350,000 locations: minutes on a busy machine).
   */
  *runSteps(job: RootJob, base: RuleOptions, uriOf: (p: string) => string): Generator<void, RootResult> {
    const config = loadConfiguration(job.rootPath, {
      source: this.source,
      cache: this.cache,
      mappings: job.mappings,
      confPrefix: job.confPrefix,
      defaultMapping: false,
      rootContext: job.rootContext,
    });
    yield;
    const { options, factsError } = this.ruleOptions(base, job.scope);
    let findings: Finding[];
    let ruleError: unknown;
    let analysis: RootAnalysis | undefined;
    try {
      analysis = yield* analyseSteps(config, options, this.models);
      findings = [...analysis.findings];
    } catch (err) {
      // A rule bug must not hide the syntax errors the user is typing into.
      ruleError = err;
      findings = syntaxOnly(config);
    }
    yield;
    findings.push(...job.extra);
    const byUri = new Map<string, Diagnostic[]>();
    const seen = new Set<string>();
    for (const f of findings) {
      const uri = uriOf(f.path);
      const d = findingToDiagnostic(f, uriOf);
      const k = uri + "\0" + diagnosticKey(d);
      if (seen.has(k)) continue;
      seen.add(k);
      let list = byUri.get(uri);
      if (!list) byUri.set(uri, (list = []));
      list.push(d);
    }
    const result: RootResult = { key: job.key, files: new Set(config.files.keys()), byUri };
    if (ruleError !== undefined) result.ruleError = ruleError;
    if (factsError !== undefined) result.factsError = factsError;
    if (analysis) result.analysis = analysis;
    return result;
  }

  /** An `nginx -T` dump: the configuration it holds, every finding placed in the dump document. */
  runDump(docPath: string, text: string, base: RuleOptions, uriOf: (p: string) => string): RootResult | null {
    const p = normalizePath(docPath);
    // An edited buffer is read in parts: its first lines decide (workspace/text-window.ts).
    const window = this.source.load(p)?.window;
    if (!(window ? isNginxDumpRead((a, b) => window.slice(a, b), text.length) : isNginxDump(text))) return null;
    // The dump's paths are the server's, not the workspace's: bundles are read as mapped, facts not at all.
    const { findings } = runChecksOnDump(text, p, { ...base, source: this.source }, this.cache);
    const uri = uriOf(p);
    const byUri = new Map<string, Diagnostic[]>();
    if (findings.length > 0)
      byUri.set(
        uri,
        findings.map((f) => findingToDiagnostic(f, uriOf)),
      );
    return { key: `dump\0${p}`, files: new Set([p]), byUri };
  }

  private graphFor(scope: Scope, mappings: readonly PathMapping[]): CachedGraph {
    const key = graphKey(scope, mappings);
    const cached = this.graphs.get(key);
    if (cached && !this.structureChanged(cached, scope)) return cached;
    let limit: ScanLimit | null = null;
    const candidates =
      scope.folder === null
        ? []
        : findCandidateFiles(scope.folder, {
            source: this.source,
            maxFiles: scope.maxFiles ?? this.maxCandidates,
            maxDepth: scope.maxDepth,
            onLimit: (l) => (limit = l),
          });
    // Mappings are inferred into the folder searched (the workspace folder): infer-mappings.ts.
    const inference = scope.folder === null ? undefined : { folders: [scope.folder] };
    const graph = buildIncludeGraph(candidates, { source: this.source, cache: this.cache, mappings, inference });
    this.graphGeneration++;
    const signatures = new Map<string, string>();
    for (const p of this.open) if (inScope(p, scope)) signatures.set(p, this.signature(this.source, p, true));
    const fresh = { graph, signatures, limit };
    this.graphs.set(key, fresh);
    return fresh;
  }

  private structureChanged(cached: CachedGraph, scope: Scope): boolean {
    for (const p of this.open) {
      if (!inScope(p, scope)) continue;
      const now = this.signature(this.source, p, true);
      let then = cached.signatures.get(p);
      if (then === undefined) {
        // Opened after the graph was built: the graph saw the file on disk (a later change on disk
        // would have dropped the graph). Remembered, so the disk copy is parsed once.
        then = this.signature(this.disk, p, false);
        cached.signatures.set(p, then);
      }
      if (now !== then) return true;
    }
    return false;
  }

  /**
   * What of a file decides the include graph: its include arguments and the context its first
   * directives suggest (which ranks it as a main file or a snippet). Buffers go through the parse cache
   * (they are analysed next anyway); the disk copy of an open file is parsed aside, so that it does not
   * evict the buffer's parse.
   */
  private signature(src: FileSource, p: string, cached: boolean): string {
    const loaded = src.load(p);
    if (!loaded) return "missing";
    const parsed = cached ? this.cache.get(p, loaded) : parse(loaded.text);
    // Asked by prepareSteps and again by plan on every keystroke: once per tree (a new tree per version).
    const known = cached ? this.signatures.get(parsed) : undefined;
    if (known !== undefined) return known;
    // The file's include index (file-index.ts): the edited buffer's is found walking only the blocks around
    // the edit, not every statement of the file on every keystroke.
    const includes = includesIn(parsed).map((i) => i.directive.args.map((a) => a.value).join(" "));
    const guess = guessContext(parsed);
    // Whether it counts as configuration: a buffer that stops reading as nginx is no main file any more.
    const configuration = cached ? this.readsAsNginx(p) : classifyConfiguration(parsed).configuration;
    const signature = JSON.stringify([includes, guess.context, guess.alternatives, configuration]);
    if (cached) this.signatures.set(parsed, signature);
    return signature;
  }
}

function inScope(p: string, scope: Scope): boolean {
  if (scope.folder === null) return false;
  const f = normalizePath(scope.folder);
  return f === "/" || p === f || p.startsWith(f + "/");
}

/** The parser's and include resolver's problems alone, when the rules could not run. */
function syntaxOnly(config: Configuration): Finding[] {
  return config.diagnostics.map((d) => ({
    ruleId: diagnosticRule(d.code),
    code: d.code,
    severity: d.severity,
    path: d.path,
    range: d.range,
    message: d.message,
  }));
}

/** Folders whose files are pieces of a configuration that lives one level up (Debian, nginx.org packages). */
const PIECE_DIRS = /^(sites-[a-z]+|conf\.d|snippets|includes?|modules-[a-z]+)$/;

/**
 * Where to look for the main file of a document outside every workspace folder: its own folder, or the
 * one above when it sits in conf.d/ or sites-enabled/ (where nginx.conf normally is). Shallow, since a
 * loose file may sit in a home directory.
 */
export function looseScope(docPath: string): Scope {
  let dir = path.posix.dirname(normalizePath(docPath));
  if (PIECE_DIRS.test(path.posix.basename(dir))) dir = path.posix.dirname(dir);
  return { folder: dir, maxDepth: 2 };
}

/**
 * The diagnostics of every root, merged per URI. A file read by two roots gets the union (the same
 * finding through both is shown once); a root that stops reading a file stops contributing to it.
 */
export class DiagnosticStore {
  /**
   * `recycler`: where the models of the analyses this store replaces or drops go (Analyzer.models). Every
   * reader of an analysis takes it from the store when it reads (hovers again after waiting), so a model
   * replaced here is read by no one.
   */
  constructor(private readonly recycler?: ModelRecycler) {}

  private readonly roots = new Map<string, RootResult>();
  /** The roots with diagnostics for each URI, so that merging one URI does not look at every root. */
  private readonly rootsOfUri = new Map<string, Set<string>>();

  /** When each root was first stored: merging follows it, as the order of `roots` (a replaced root keeps its place). */
  private readonly order = new Map<string, number>();
  private stored = 0;

  /** Replaces a root's result; returns the URIs whose merged diagnostics may have changed. */
  set(result: RootResult): Set<string> {
    this.retire(result.key, result.analysis);
    const affected = this.unindex(result.key);
    this.roots.set(result.key, result);
    if (!this.order.has(result.key)) this.order.set(result.key, this.stored++);
    for (const u of result.byUri.keys()) {
      affected.add(u);
      let keys = this.rootsOfUri.get(u);
      if (!keys) this.rootsOfUri.set(u, (keys = new Set()));
      keys.add(result.key);
    }
    return affected;
  }

  delete(key: string): Set<string> {
    this.retire(key);
    const affected = this.unindex(key);
    this.roots.delete(key);
    this.order.delete(key);
    return affected;
  }

  /** Takes a root's URIs out of the index; returns them. */
  private unindex(key: string): Set<string> {
    const old = this.roots.get(key);
    if (!old) return new Set();
    for (const u of old.byUri.keys()) {
      const keys = this.rootsOfUri.get(u);
      keys?.delete(key);
      if (keys?.size === 0) this.rootsOfUri.delete(u);
    }
    return new Set(old.byUri.keys());
  }

  /** Drops a root's kept analysis (hovers, code actions), keeping its diagnostics: nobody needs it open. */
  dropAnalysis(key: string): void {
    const r = this.roots.get(key);
    this.retire(key);
    if (r) delete r.analysis;
  }

  /** The kept analysis of `key`, unless it is `kept`, handed to the recycler: it will not be read again. */
  private retire(key: string, kept?: RootAnalysis): void {
    const old = this.roots.get(key)?.analysis;
    if (old !== undefined && old !== kept) this.recycler?.retire(old.model);
  }

  /** Every URI some root has diagnostics for, or reads (through `uriOf`): the files of every configuration. */
  uris(uriOf: (p: string) => string): Set<string> {
    const out = new Set(this.rootsOfUri.keys());
    for (const r of this.roots.values()) for (const p of r.files) out.add(uriOf(p));
    return out;
  }

  has(key: string): boolean {
    return this.roots.has(key);
  }

  /** Keys of the roots that read `p`. */
  rootsReading(p: string): string[] {
    const key = normalizePath(p);
    return [...this.roots.values()].filter((r) => r.files.has(key)).map((r) => r.key);
  }

  /** The last analysis of a root (absent for dumps, failed rules and unknown keys). */
  analysis(key: string): RootAnalysis | undefined {
    return this.roots.get(key)?.analysis;
  }

  merged(uri: string): Diagnostic[] {
    const out: Diagnostic[] = [];
    const seen = new Set<string>();
    const keys = [...(this.rootsOfUri.get(uri) ?? [])].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    for (const key of keys) {
      for (const d of this.roots.get(key)?.byUri.get(uri) ?? []) {
        const k = diagnosticKey(d);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(d);
      }
    }
    out.sort(
      (a, b) =>
        a.range.start.line - b.range.start.line ||
        a.range.start.character - b.range.start.character ||
        (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
    );
    return out;
  }

  clear(): Set<string> {
    const all = new Set(this.rootsOfUri.keys());
    this.roots.clear();
    this.rootsOfUri.clear();
    this.order.clear();
    return all;
  }
}
