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
import { costReport, type CostReport } from "../cost/report";
import { fixesFor, type Fix } from "../fix";
import { buildModel, type ConfigModel } from "../model";
import type { Node } from "../parse/ast";
import { parse } from "../parse/parser";
import { runChecks, type Finding, type RuleOptions } from "../rules";
import { isNginxDump, runChecksOnDump } from "../rules/dump";
import { diagnosticFinding } from "../rules/syntax";
import { loadConfiguration, type Configuration } from "../workspace/configuration";
import { NO_FACTS, scanWorkspaceFacts, type WorkspaceFacts } from "../workspace/facts";
import { NodeFileSource, OverlayFileSource, ParseCache, normalizePath, type FileSource } from "../workspace/files";
import type { PathMapping } from "../workspace/paths";
import {
  analysisFor,
  buildIncludeGraph,
  findCandidateFiles,
  guessContext,
  type IncludeGraph,
} from "../workspace/roots";
import { diagnosticKey, findingToDiagnostic } from "./conversions";

/** Where to look for the main files of a document. */
export interface Scope {
  /** Folder to scan for candidates; null: analyse the document alone (untitled buffers). */
  folder: string | null;
  /** How deep to scan (a workspace folder deeply, the folder of a loose file only a little). */
  maxDepth: number;
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
  const model = buildModel(config);
  const findings = runChecks(config, options, model);
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

interface CachedGraph {
  graph: IncludeGraph;
  /** Structure signature of each open buffer in scope when the graph was built. */
  signatures: Map<string, string>;
}

export class Analyzer {
  readonly disk = new NodeFileSource();
  readonly source = new OverlayFileSource(this.disk);
  readonly cache = new ParseCache();
  private readonly graphs = new Map<string, CachedGraph>();
  /** Paths of the open buffers (the overlays), for structure checks. */
  private readonly open = new Set<string>();
  /** Workspace facts per scanned folder (and depth), until files change on disk. */
  private readonly facts = new Map<string, WorkspaceFacts>();

  constructor(private readonly maxCandidates = 2000) {}

  setBuffer(p: string, text: string, version: number): void {
    this.source.setOverlay(p, text, version);
    this.open.add(normalizePath(p));
  }

  /** The buffer was closed: the file on disk counts again, and it may differ in structure. */
  removeBuffer(p: string): void {
    this.source.removeOverlay(p);
    this.open.delete(normalizePath(p));
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
    if (scope.folder === null) return NO_FACTS;
    const key = `${normalizePath(scope.folder)}\0${scope.maxDepth}`;
    let facts = this.facts.get(key);
    if (!facts) {
      facts = scanWorkspaceFacts([scope.folder], { source: this.source, maxDepth: scope.maxDepth });
      this.facts.set(key, facts);
    }
    return facts;
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

  /** The configurations `docPath` has to be analysed in. */
  plan(docPath: string, scope: Scope, mappings: readonly PathMapping[]): RootJob[] {
    const file = normalizePath(docPath);
    // The file itself need not be a candidate (say `site.inc`): analysisFor then reads it alone.
    const graph = this.graphFor(scope, mappings);
    const analysis = analysisFor(graph, file);
    const extra: Finding[] = analysis.diagnostics.map((d) => diagnosticFinding(d, "context"));
    return analysis.configurations.map(({ configuration: c }) => ({
      key: `${c.rootPath}\0${c.root.context.join(" ")}`,
      rootPath: c.rootPath,
      mappings: c.mappings,
      confPrefix: c.confPrefix,
      rootContext: c.root.context,
      // The hint belongs to the configuration that is the guessed file itself.
      extra: analysis.guess && c.rootPath === file ? extra : [],
      scope,
    }));
  }

  /**
   * Loads one root over the current buffers and runs the rules. The graph's copy of the configuration
   * may predate the latest edits, so it is always re-expanded (cheap: unchanged files are not re-parsed).
   */
  run(job: RootJob, base: RuleOptions, uriOf: (p: string) => string): RootResult {
    const config = loadConfiguration(job.rootPath, {
      source: this.source,
      cache: this.cache,
      mappings: job.mappings,
      confPrefix: job.confPrefix,
      defaultMapping: false,
      rootContext: job.rootContext,
    });
    const { options, factsError } = this.ruleOptions(base, job.scope);
    let findings: Finding[];
    let ruleError: unknown;
    let analysis: RootAnalysis | undefined;
    try {
      analysis = analyseConfiguration(config, options);
      findings = [...analysis.findings];
    } catch (err) {
      // A rule bug must not hide the syntax errors the user is typing into.
      ruleError = err;
      findings = syntaxOnly(config);
    }
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
    if (!isNginxDump(text)) return null;
    const p = normalizePath(docPath);
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

  private graphFor(scope: Scope, mappings: readonly PathMapping[]): IncludeGraph {
    const key = `${scope.folder ?? ""}\0${scope.maxDepth}\0${JSON.stringify(mappings)}`;
    const cached = this.graphs.get(key);
    if (cached && !this.structureChanged(cached, scope)) return cached.graph;
    const candidates =
      scope.folder === null
        ? []
        : findCandidateFiles(scope.folder, {
            source: this.source,
            maxFiles: this.maxCandidates,
            maxDepth: scope.maxDepth,
          });
    const graph = buildIncludeGraph(candidates, { source: this.source, cache: this.cache, mappings });
    const signatures = new Map<string, string>();
    for (const p of this.open) if (inScope(p, scope)) signatures.set(p, this.signature(this.source, p, true));
    this.graphs.set(key, { graph, signatures });
    return graph;
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
    const includes: string[] = [];
    collectIncludes(parsed.children, includes);
    const guess = guessContext(parsed);
    return JSON.stringify([includes, guess.context, guess.alternatives]);
  }
}

function collectIncludes(nodes: Node[], out: string[]): void {
  // In document order, with an explicit stack of the blocks being read (they nest deeper than V8's stack).
  const stack: { nodes: Node[]; index: number }[] = [{ nodes, index: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.index >= top.nodes.length) {
      stack.pop();
      continue;
    }
    const n = top.nodes[top.index++];
    if (n.kind !== "directive") continue;
    if (n.name === "include") out.push(n.args.map((a) => a.value).join(" "));
    if (n.block) stack.push({ nodes: n.block.children, index: 0 });
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
    ruleId: d.code.startsWith("include-") ? "include" : "syntax",
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
  private readonly roots = new Map<string, RootResult>();

  /** Replaces a root's result; returns the URIs whose merged diagnostics may have changed. */
  set(result: RootResult): Set<string> {
    const old = this.roots.get(result.key);
    this.roots.set(result.key, result);
    const affected = new Set(result.byUri.keys());
    if (old) for (const u of old.byUri.keys()) affected.add(u);
    return affected;
  }

  delete(key: string): Set<string> {
    const old = this.roots.get(key);
    this.roots.delete(key);
    return new Set(old ? old.byUri.keys() : []);
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
    for (const r of this.roots.values()) {
      for (const d of r.byUri.get(uri) ?? []) {
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
    const all = new Set<string>();
    for (const r of this.roots.values()) for (const u of r.byUri.keys()) all.add(u);
    this.roots.clear();
    return all;
  }
}
