// Output formats of `nginx-risk check`. The JSON shape is a stable contract (docs/cli.md):
// {"version":1,"findings":[{ruleId, severity, file, line, column, endLine, endColumn, message, data}]},
// plus "incomplete":[…] only when a folder scan stopped at --max-files;
// positions 1-based (columns in UTF-16 code units, as editors count), files relative to the working directory
// (the files of an `nginx -T` dump read from standard input as nginx printed them).
// SARIF is in sarif.ts, GitHub's workflow commands in github.ts, Checkstyle XML in checkstyle.ts; the text
// output is for people: each finding on a line, what a cost finding measured indented under it, and the
// memory of each configuration at the end.

import * as path from "path";
import { formatBytes, formatCount } from "../cost/format";
import type { Finding } from "../rules";
import { ruleDocPath } from "../rules/docs";
import type { CheckResult, IncompleteScan } from "./check";
import { toCheckstyle } from "./checkstyle";
import { toGithubCommands } from "./github";
import { incompleteMessage } from "./incomplete";
import { toSarif } from "./sarif";
import { relativePath, shownPath, summaryLine } from "./shown";

export { formatBytes, formatCount };

export type OutputFormat = "text" | "json" | "sarif" | "github" | "checkstyle";

export interface JsonFinding {
  ruleId: string;
  code: string;
  severity: Finding["severity"];
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  data?: Record<string, unknown>;
}

const relative = relativePath;

/**
 * Where a rule's page is: the file shipped in the package (relative when it is under the working
 * directory, as in a clone of the repository), so a terminal links it; its name in the package otherwise.
 */
function ruleDocPlace(ruleId: string, cwd: string): string {
  const page = ruleDocPath(ruleId);
  if (page === null) return `docs/rules/${ruleId}.md of nginx-risk`;
  const rel = path.relative(cwd, page);
  return rel.startsWith("..") || path.isAbsolute(rel) ? page : rel;
}

export function toJsonFinding(f: Finding, cwd: string, asPrinted?: ReadonlySet<string>): JsonFinding {
  const j: JsonFinding = {
    ruleId: f.ruleId,
    code: f.code,
    severity: f.severity,
    file: shownPath(cwd, f.path, asPrinted),
    line: f.range.start.line + 1,
    column: f.range.start.character + 1,
    endLine: f.range.end.line + 1,
    endColumn: f.range.end.character + 1,
    message: f.message,
  };
  if (f.data) j.data = f.data;
  return j;
}

export interface JsonIncomplete {
  folder: string;
  scan: IncompleteScan["scan"];
  reason: IncompleteScan["reason"];
  maxFiles: number;
  maxEntries: number;
  message: string;
}

export function formatFindings(
  result: CheckResult,
  format: OutputFormat,
  cwd: string,
  tool: { version: string } = { version: "0.0.0" },
): string {
  const incomplete = result.incomplete ?? [];
  if (format === "json") {
    const json: { version: 1; findings: JsonFinding[]; incomplete?: JsonIncomplete[] } = {
      version: 1,
      findings: result.findings.map((f) => toJsonFinding(f, cwd, result.asPrinted)),
    };
    // Only when a scan stopped: a complete analysis keeps the version-1 shape exactly.
    if (incomplete.length > 0)
      json.incomplete = incomplete.map((s) => ({
        folder: relative(cwd, s.folder),
        scan: s.scan,
        reason: s.reason,
        maxFiles: s.maxFiles,
        maxEntries: s.maxEntries,
        message: incompleteMessage(s, cwd),
      }));
    return JSON.stringify(json, null, 2) + "\n";
  }
  if (format === "sarif") return JSON.stringify(toSarif(result, { cwd, version: tool.version }), null, 2) + "\n";
  if (format === "github") return toGithubCommands(result, cwd);
  if (format === "checkstyle") return toCheckstyle(result, cwd);
  const lines: string[] = [];
  for (const [root, files] of result.filesByRoot) {
    if (files.length > 0 && files.every((f) => result.asPrinted?.has(f))) {
      lines.push(`read ${relative(cwd, root)} (nginx -T output): ${files.join(", ")}`);
      continue;
    }
    const dir = path.dirname(root);
    const others = files.filter((f) => f !== root).map((f) => path.relative(dir, f));
    // A main file the read policy refused (or that is missing) was not read: its finding says why.
    const verb = files.includes(root) ? "read" : "not read:";
    lines.push(
      `${verb} ${relative(cwd, root)}` + (others.length > 0 ? ` and what it includes: ${others.join(", ")}` : ""),
    );
  }
  for (const f of result.findings) {
    const j = toJsonFinding(f, cwd, result.asPrinted);
    const cost = costLines(f.data);
    // A cost finding's message repeats the figures the block below lays out: print its first sentence only.
    const headline = cost.length > 0 ? firstSentence(j.message) : j.message;
    lines.push(`${j.file}:${j.line}:${j.column}: ${j.severity}: ${headline} [${j.ruleId}/${j.code}]`);
    for (const l of cost) lines.push(`    ${l}`);
    if (cost.length > 0) lines.push(`    how to fix: ${ruleDocPlace(j.ruleId, cwd)}`);
  }
  lines.push(...totalLines(result, cwd));
  for (const s of incomplete) lines.push(`incomplete: ${incompleteMessage(s, cwd)}`);
  lines.push(summaryLine(result));
  return lines.join("\n") + "\n";
}

/** Up to the first ". " (sizes such as "3.2 GiB" contain dots but never a dot followed by a space). */
function firstSentence(message: string): string {
  const i = message.indexOf(". ");
  return i < 0 ? message : message.slice(0, i + 1);
}

// The cost fields a rule may put in `data` (docs/cli.md). Read defensively: `data` is the rules' contract
// with the JSON output, and a field of another shape is left out of the text rather than misprinted.

function num(data: Record<string, unknown>, key: string): number | undefined {
  const v = data[key];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

interface Bundle {
  path?: string;
  bytes?: number;
  certificates?: number;
  assumed?: boolean;
  /** Why its size is unknown (`bytes` and `certificates` are null then). */
  unknown?: string;
}

function bundleOf(data: Record<string, unknown>): Bundle | undefined {
  const b = data.bundle;
  if (typeof b !== "object" || b === null) return undefined;
  const r = b as Record<string, unknown>;
  return {
    path: typeof r.path === "string" ? r.path : undefined,
    bytes: num(r, "bytes"),
    certificates: num(r, "certificates"),
    assumed: r.assumed === true,
    unknown: typeof r.unknown === "string" ? r.unknown : undefined,
  };
}

const plural = (n: number, one: string, many: string): string => `${formatCount(n)} ${n === 1 ? one : many}`;

/**
 * What a cost finding measured, in a few lines for people (empty when `data` has no cost fields):
 *
 *     4,002 SSL contexts load /etc/ssl/certs/ca-certificates.crt (219,597 B, 144 certificates) at ~832 KiB each; parsed 4,002 times per nginx -t
 *     whole configuration: master ~3.2 GiB, reload peak ~6.4 GiB (with workers ~9.6 GiB); nginx -t parses CA bundles 4,002 times in all
 *     assumed: lua-nginx-module ≤ 0.10.25 (version unknown)
 *
 * A bundle whose size is unknown gives its count and why, and no bytes: "7 SSL contexts load
 * /config/keys/cert.crt (size unknown: it is outside what was opened); parsed 7 times per nginx -t".
 */
export function costLines(data: Record<string, unknown> | undefined): string[] {
  if (!data) return [];
  const lines: string[] = [];
  const contexts = num(data, "contexts");
  const bundle = bundleOf(data);
  const perContext = num(data, "bytesPerContext");
  if (contexts !== undefined || bundle !== undefined) {
    let l = contexts !== undefined ? plural(contexts, "SSL context", "SSL contexts") : "SSL contexts";
    l += contexts === 1 ? " loads " : " load ";
    l += bundle?.path ?? "a CA bundle";
    const facts: string[] = [];
    if (bundle?.bytes !== undefined) facts.push(`${formatCount(bundle.bytes)} B`);
    if (bundle?.certificates !== undefined) facts.push(plural(bundle.certificates, "certificate", "certificates"));
    if (facts.length > 0) l += ` (${bundle?.assumed ? "assumed: " : ""}${facts.join(", ")})`;
    else if (bundle?.unknown !== undefined) l += ` (size unknown: ${bundle.unknown})`;
    if (perContext !== undefined) l += ` at ~${formatBytes(perContext)} each`;
    // This finding's own parses, not the configuration's (the next line has those).
    const parses = num(data, "parses");
    if (parses !== undefined) l += `; parsed ${parses === 1 ? "once" : `${formatCount(parses)} times`} per nginx -t`;
    lines.push(l);
  } else if (perContext !== undefined) {
    lines.push(`~${formatBytes(perContext)} per SSL context`);
  }
  const memory = memoryLine(data);
  if (memory) lines.push(`whole configuration: ${memory}`);
  for (const [key, label] of [
    ["assumptions", "assumed"],
    ["notes", "note"],
  ]) {
    const list = data[key];
    if (!Array.isArray(list)) continue;
    for (const a of list) if (typeof a === "string" && a.trim() !== "") lines.push(`${label}: ${a}`);
  }
  return lines;
}

/**
 * `master ~3.2 GiB, reload peak ~6.4 GiB (with workers ~9.6 GiB); nginx -t parses CA bundles 4,002 times in all`,
 * or `memory unknown (a CA bundle's size is unknown); …` when the estimate is null.
 */
function memoryLine(data: Record<string, unknown>): string {
  const parts: string[] = [];
  const estimated = num(data, "estimatedBytes");
  const peak = num(data, "reloadPeakBytes");
  const instance = num(data, "instancePeakBytes");
  if (data.estimatedBytes === null) parts.push("memory unknown (a CA bundle's size is unknown)");
  if (estimated !== undefined) parts.push(`master ~${formatBytes(estimated)}`);
  if (peak !== undefined)
    parts.push(
      `reload peak ~${formatBytes(peak)}${instance !== undefined ? ` (with workers ~${formatBytes(instance)})` : ""}`,
    );
  const budget = num(data, "memoryBudgetBytes");
  if (budget !== undefined && peak !== undefined)
    parts.push(`${peak > budget ? "over" : "within"} the budget of ${formatBytes(budget)}`);
  let l = parts.join(", ");
  const parses = num(data, "configTestParses");
  if (parses !== undefined) {
    l += `${l ? "; " : ""}nginx -t parses CA bundles ${parses === 1 ? "once" : `${formatCount(parses)} times`} in all`;
  }
  return l;
}

/**
 * One line per configuration whose findings carry memory estimates. `estimatedBytes`, `reloadPeakBytes`,
 * `instancePeakBytes` and `configTestParses` are for the whole configuration: every cost finding of a
 * configuration gives the same, so the largest is its total.
 */
function totalLines(result: CheckResult, cwd: string): string[] {
  const lines: string[] = [];
  const keys = ["estimatedBytes", "reloadPeakBytes", "instancePeakBytes", "configTestParses"];
  for (const root of result.roots) {
    const totals: Record<string, number | null> = {};
    for (const f of result.findings) {
      if (!f.data || !(result.rootsOf.get(f) ?? []).includes(root)) continue;
      for (const k of keys) {
        // null: the estimate needs a CA bundle whose size is unknown; every cost finding then says so.
        if (f.data[k] === null) totals[k] = null;
        const v = num(f.data, k);
        if (v !== undefined && totals[k] !== null) totals[k] = Math.max(totals[k] ?? v, v);
      }
    }
    if (totals.estimatedBytes === undefined && totals.reloadPeakBytes === undefined) continue;
    lines.push(`memory of ${relative(cwd, root)}: ${memoryLine(totals)}`);
  }
  return lines;
}
