// `nginx-risk check`: find the main configuration(s) among the inputs, load each with its includes, run
// the rules. The same calls as the language server makes, without a connection.

import * as fs from "fs";
import * as path from "path";
import { runChecks, type Finding, type RuleOptions } from "../rules";
import { isNginxDump, runChecksOnDump } from "../rules/dump";
import { diagnosticFinding } from "../rules/syntax";
import type { Configuration } from "../workspace/configuration";
import { scanWorkspaceFacts, type WorkspaceFacts } from "../workspace/facts";
import { OverlayFileSource, ParseCache, type FileProblem, type FileSource } from "../workspace/files";
import type { ScanLimit } from "../workspace/folder-scan";
import { loadWithInference, type MappingInference } from "../workspace/infer-mappings";
import type { PathMapping } from "../workspace/paths";
import { isStockPath } from "../workspace/stock-files";
import { buildIncludeGraph, findCandidateFiles, guessedContextDiagnostic, type ContextGuess } from "../workspace/roots";
import { cliSource, type ReadAccess } from "./read-access";

export interface CheckOptions {
  /** Absolute paths of files and folders to analyse. */
  inputs: string[];
  /** Absolute path of the main file to analyse everything in, if given. */
  root?: string;
  mappings: PathMapping[];
  strict: boolean;
  nginxVersion?: string;
  /** At most one of these two (the CLI refuses both). */
  luaNginxModuleVersion?: string;
  openrestyVersion?: string;
  opensslVersion?: string;
  memoryBudgetBytes?: number;
  /** What may be read besides the inputs and the mapping targets (`--allow-read`), and the size limits. */
  access?: ReadAccess;
  /**
   * How many files a folder scan looks for before it stops (`--max-files`): candidate configuration files
   * (default 2,000) and files around the configuration (default 5,000). Reaching it makes the result
   * `incomplete`.
   */
  maxFiles?: number;
  /** Standard input (`check -`): `nginx -T` output, or a configuration (see `StdinInput`). */
  stdin?: StdinInput;
  /** Each rule's own options (RuleOptions.ruleConfig). */
  ruleConfig?: RuleOptions["ruleConfig"];
  /** Each rule's configured level (RuleOptions.ruleLevels). */
  ruleLevels?: RuleOptions["ruleLevels"];
}

/** What standard input goes by in the output: a file of this name in the working directory. */
export const STDIN_NAME = "<stdin>";

/**
 * Standard input, read whole. `nginx -T` output is analysed as the files it holds, with their names as
 * nginx printed them and nothing read from disk for them (they are in the dump). Any other text is a
 * configuration at `path` (`<stdin>` in the working directory): the working directory is its conf prefix,
 * and is read as the folder of a file given on the command line would be, but not searched for the files
 * around a configuration (Dockerfiles, crontabs): standard input was not found there.
 */
export interface StdinInput {
  path: string;
  text: string;
  /** What decoding its bytes found (invalid UTF-8, a byte order mark). */
  problems: FileProblem[];
}

/** A folder scan that stopped at its limit: the analysis may lack main files, or facts around them. */
export interface IncompleteScan extends ScanLimit {
  /** Which scan: the search for configuration files, or for the files around them (Dockerfiles, crontabs, …). */
  scan: "configuration" | "facts";
}

export interface CheckResult {
  /** Main files analysed. */
  roots: string[];
  /** Files read (all roots, includes followed). */
  files: number;
  /** For each main file, the files its configuration read, in nginx's reading order. */
  filesByRoot: Map<string, string[]>;
  findings: Finding[];
  /** The main file(s) whose configuration gave each finding (several when a shared file gives the same one). */
  rootsOf: Map<Finding, string[]>;
  /** The folders searched for facts around the configuration (cron jobs, Dockerfiles, …). */
  factFolders: string[];
  /** What was found there; the rules were given it. */
  facts: WorkspaceFacts;
  /** Folder scans that stopped at `maxFiles`; absent or empty when every scan finished. */
  incomplete?: IncompleteScan[];
  /**
   * Files of an `nginx -T` dump read from standard input: not files of this machine, so shown as nginx
   * printed their names (absolute), never relative to the working directory.
   */
  asPrinted?: Set<string>;
}

/** What the inputs hold: main configurations (each loaded with its includes), `nginx -T` dumps, guesses. */
export interface LoadedInputs {
  /** Main files and dumps, in the order they are reported. */
  roots: string[];
  configurations: Map<string, Configuration>;
  /** `fromStdin`: standard input's dump, its findings placed in the files it holds (not in the dump). */
  dumps: { path: string; text: string; fromStdin?: boolean }[];
  /** The guessed block context of a main file no other file includes (a snippet read on its own). */
  guesses: Map<string, ContextGuess>;
  /** The folders to look for workspace facts in: the folders given, and the folder of each main file. */
  folders: string[];
  /** Folder scans that stopped at their limit (the main files found may not be all). */
  limits: IncompleteScan[];
}

/**
 * Finds the main configuration(s) among the inputs and loads each: `--root` as given, otherwise the roots
 * of the include graph of every candidate file (folders searched), `nginx -T` output read as a dump.
 * `check` and `fix` read their inputs through this one function.
 */
export function loadInputs(
  options: Pick<CheckOptions, "inputs" | "root" | "mappings" | "maxFiles" | "stdin">,
  source: FileSource,
  cache: ParseCache,
): LoadedInputs {
  const out: LoadedInputs = {
    roots: [],
    configurations: new Map(),
    dumps: [],
    guesses: new Map(),
    folders: [],
    limits: [],
  };
  const dumpText = (p: string): string | null => {
    const text = source.read(p);
    return text !== null && isNginxDump(text) ? text : null;
  };
  // Mappings are inferred into what the command line names (a file: its folder), as it is what is read.
  const inference: MappingInference = {
    folders: [...options.inputs, ...(options.root ? [options.root] : [])].map((p) =>
      fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ? p : path.dirname(p),
    ),
  };
  if (options.root) {
    out.roots.push(options.root);
    out.folders.push(path.dirname(options.root));
    const text = dumpText(options.root);
    if (text !== null) out.dumps.push({ path: options.root, text });
    else
      out.configurations.set(
        options.root,
        loadWithInference(options.root, { source, cache, mappings: options.mappings }, inference),
      );
    return out;
  }
  const candidates: string[] = [];
  for (const input of options.inputs) {
    if (fs.statSync(input).isDirectory()) {
      out.folders.push(input);
      const onLimit = (limit: ScanLimit): void => void out.limits.push({ ...limit, scan: "configuration" });
      candidates.push(...findCandidateFiles(input, { source, maxFiles: options.maxFiles, onLimit }));
      continue;
    }
    // `nginx -T` output: the configuration it holds, findings placed in the dump.
    const text = dumpText(input);
    if (text !== null) out.dumps.push({ path: input, text });
    else candidates.push(input);
  }
  // Standard input: a dump, or a configuration the source holds at its path (runCheck's overlay).
  const stdin = options.stdin;
  if (stdin && isNginxDump(stdin.text)) out.dumps.push({ path: stdin.path, text: stdin.text, fromStdin: true });
  else if (stdin) candidates.push(stdin.path);
  const graph = buildIncludeGraph(candidates, { source, cache, mappings: options.mappings, inference });
  out.roots.push(...out.dumps.map((d) => d.path), ...graph.roots);
  // Facts around each main file given; standard input has no folder around it (the working directory is
  // only a configuration's conf prefix, and a dump's files are not on this disk).
  out.folders.push(...out.roots.filter((r) => r !== stdin?.path).map((r) => path.dirname(r)));
  out.configurations = graph.configurations;
  out.guesses = graph.guesses;
  return out;
}

export function runCheck(options: CheckOptions): CheckResult {
  // Only what the command line names is read (read-access.ts); a configuration on standard input is a file
  // named there, in the working directory, held in memory.
  const stdin = options.stdin;
  const plainStdin = stdin !== undefined && !isNginxDump(stdin.text);
  const disk = cliSource(
    plainStdin ? [...options.inputs, stdin.path] : options.inputs,
    options.root,
    options.mappings,
    options.access,
  );
  let source: FileSource = disk;
  if (plainStdin) {
    const overlay = new OverlayFileSource(disk);
    overlay.setOverlay(stdin.path, stdin.text, undefined, stdin.problems);
    source = overlay;
  }
  const cache = new ParseCache();
  const inputs = loadInputs(options, source, cache);
  // Facts are looked for around each main configuration: the folders given, and the folder of each main
  // file (or dump).
  const incomplete = [...inputs.limits];
  const facts = scanWorkspaceFacts(outermost(inputs.folders), {
    source,
    maxFiles: options.maxFiles,
    onLimit: (limit) => void incomplete.push({ ...limit, scan: "facts" }),
  });
  const rules: RuleOptions = {
    strict: options.strict,
    nginxVersion: options.nginxVersion,
    luaNginxModuleVersion: options.luaNginxModuleVersion,
    openrestyVersion: options.openrestyVersion,
    opensslVersion: options.opensslVersion,
    memoryBudgetBytes: options.memoryBudgetBytes,
    source,
    facts,
    // One analysis per configuration: nothing is kept per block for a next one.
    once: true,
    ...(options.ruleConfig ? { ruleConfig: options.ruleConfig } : {}),
    ...(options.ruleLevels ? { ruleLevels: options.ruleLevels } : {}),
  };
  const found: { finding: Finding; root: string }[] = [];
  const add = (root: string, findings: Finding[]): void => {
    for (const finding of findings) found.push({ finding, root });
  };
  const files = new Set<string>();
  const filesByRoot = new Map<string, string[]>();
  const asPrinted = new Set<string>();
  for (const d of inputs.dumps) {
    const dump = runChecksOnDump(d.text, d.path, rules, cache, d.fromStdin ? "files" : "dump");
    if (d.fromStdin) {
      for (const p of dump.paths) {
        files.add(p);
        asPrinted.add(p);
      }
      filesByRoot.set(d.path, dump.paths);
    } else {
      files.add(d.path);
      filesByRoot.set(d.path, [d.path]);
    }
    add(d.path, dump.findings);
  }
  for (const [root, config] of inputs.configurations) {
    // nginx's stock files read as its defaults are no files of the workspace (workspace/stock-files.ts).
    const read = [...config.files.keys()].filter((f) => !isStockPath(f));
    for (const f of read) files.add(f);
    filesByRoot.set(root, read);
    add(root, runChecks(config, rules));
    const guess = inputs.guesses.get(root);
    if (guess) add(root, [diagnosticFinding(guessedContextDiagnostic(root, guess), "context")]);
  }
  const { findings, rootsOf } = dedupe(found);
  const factFolders = outermost(inputs.folders);
  const result: CheckResult = {
    roots: inputs.roots,
    files: files.size,
    filesByRoot,
    findings,
    rootsOf,
    factFolders,
    facts,
  };
  if (incomplete.length > 0) result.incomplete = incomplete;
  if (asPrinted.size > 0) result.asPrinted = asPrinted;
  return result;
}

/** The folders, each once, without those inside another one (its scan covers them). */
export function outermost(folders: readonly string[]): string[] {
  const unique = [...new Set(folders.map((f) => path.resolve(f)))].sort();
  const inside = (f: string, outer: string): boolean => {
    const rel = path.relative(outer, f);
    return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
  };
  return unique.filter((f) => !unique.some((outer) => inside(f, outer)));
}

/** A file reached from two main files gives the same finding twice: keep one, remember both main files. */
function dedupe(found: { finding: Finding; root: string }[]): {
  findings: Finding[];
  rootsOf: Map<Finding, string[]>;
} {
  // Per file and start: the findings kept there (a text key with the message per finding was most of this
  // function's time on the 20,211 findings of the bench's 1M-line workspace).
  const byPlace = new Map<string, Map<number, Finding[]>>();
  const rootsOf = new Map<Finding, string[]>();
  const findings: Finding[] = [];
  for (const { finding: f, root } of found) {
    let inFile = byPlace.get(f.path);
    if (inFile === undefined) byPlace.set(f.path, (inFile = new Map()));
    const start = f.range.start.offset;
    const here = inFile.get(start);
    const kept = here?.find(
      (k) => k.range.end.offset === f.range.end.offset && k.code === f.code && k.message === f.message,
    );
    if (kept !== undefined) {
      const r = rootsOf.get(kept)!;
      if (!r.includes(root)) r.push(root);
      continue;
    }
    if (here === undefined) inFile.set(start, [f]);
    else here.push(f);
    rootsOf.set(f, [root]);
    findings.push(f);
  }
  findings.sort(
    (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.range.start.offset - b.range.start.offset,
  );
  return { findings, rootsOf };
}
