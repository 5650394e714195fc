// `nginx-risk check`: find the main configuration(s) among the inputs, load each with its includes, run
// the rules. The same calls as the language server makes, without a connection.

import * as fs from "fs";
import { runChecks, type Finding } from "../rules";
import { isNginxDump, runChecksOnDump } from "../rules/dump";
import { diagnosticFinding } from "../rules/syntax";
import { loadConfiguration } from "../workspace/configuration";
import { NodeFileSource, ParseCache } from "../workspace/files";
import type { PathMapping } from "../workspace/paths";
import { buildIncludeGraph, findCandidateFiles, guessedContextDiagnostic } from "../workspace/roots";

export interface CheckOptions {
  /** Absolute paths of files and folders to analyse. */
  inputs: string[];
  /** Absolute path of the main file to analyse everything in, if given. */
  root?: string;
  mappings: PathMapping[];
  strict: boolean;
  nginxVersion?: string;
}

export interface CheckResult {
  /** Main files analysed. */
  roots: string[];
  /** Files read (all roots, includes followed). */
  files: number;
  /** For each main file, the files its configuration read, in nginx's reading order. */
  filesByRoot: Map<string, string[]>;
  findings: Finding[];
}

export function runCheck(options: CheckOptions): CheckResult {
  const source = new NodeFileSource();
  const cache = new ParseCache();
  const rules = { strict: options.strict, nginxVersion: options.nginxVersion };
  const findings: Finding[] = [];
  const files = new Set<string>();
  const filesByRoot = new Map<string, string[]>();
  let roots: string[];
  if (options.root) {
    const config = loadConfiguration(options.root, { source, cache, mappings: options.mappings });
    roots = [options.root];
    for (const f of config.files.keys()) files.add(f);
    filesByRoot.set(options.root, [...config.files.keys()]);
    findings.push(...runChecks(config, rules));
  } else {
    const candidates: string[] = [];
    roots = [];
    for (const input of options.inputs) {
      if (fs.statSync(input).isDirectory()) {
        candidates.push(...findCandidateFiles(input, { source }));
        continue;
      }
      // `nginx -T` output: the configuration it holds, findings placed in the dump.
      const text = source.read(input);
      if (text !== null && isNginxDump(text)) {
        const dump = runChecksOnDump(text, input, rules, cache);
        roots.push(input);
        files.add(input);
        filesByRoot.set(input, [input]);
        findings.push(...dump.findings);
        continue;
      }
      candidates.push(input);
    }
    const graph = buildIncludeGraph(candidates, { source, cache, mappings: options.mappings });
    roots.push(...graph.roots);
    for (const [root, config] of graph.configurations) {
      for (const f of config.files.keys()) files.add(f);
      filesByRoot.set(root, [...config.files.keys()]);
      findings.push(...runChecks(config, rules));
      const guess = graph.guesses.get(root);
      if (guess) findings.push(diagnosticFinding(guessedContextDiagnostic(root, guess), "context"));
    }
  }
  return { roots, files: files.size, filesByRoot, findings: dedupe(findings) };
}

/** A file reached from two main files gives the same finding twice: keep one. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of findings) {
    const key = `${f.path}\0${f.range.start.offset}\0${f.range.end.offset}\0${f.code}\0${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.range.start.offset - b.range.start.offset);
  return out;
}
