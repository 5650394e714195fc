// Differential cases: each configuration goes through the real `nginx -t` (nginx-batch.ts) and through the
// product (loadConfiguration + runChecks from memory), and the two verdicts and lines are compared.
import { buildModel } from "../../server/src/model";
import { runChecks } from "../../server/src/rules";
import type { Finding } from "../../server/src/rules/types";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { oracleVersions, type NginxVerdict } from "./nginx";
import { nginxTestAll, PREFIX } from "./nginx-batch";

export interface OracleCase {
  name: string;
  /** The main configuration; `@PREFIX@` is the prefix folder (ends with `/`). */
  text: string;
  /** Other files, by path relative to the prefix. */
  files?: Record<string, string>;
}

export interface Outcome {
  c: OracleCase;
  nginx: NginxVerdict;
  /** nginx's [warn] messages (without position). */
  nginxWarnings: string[];
  product: Finding[];
  verdictAgrees: boolean;
  /** null when nginx names no line (or accepts). */
  lineAgrees: boolean | null;
}

const ROOT = "/p/";

/** The product's findings on a case, as the CLI would compute them for the deployed nginx version. */
export function productFindings(c: OracleCase): Finding[] {
  const files: Record<string, string> = { [`${ROOT}nginx.conf`]: c.text.split(PREFIX).join(ROOT) };
  for (const [p, t] of Object.entries(c.files ?? {})) files[ROOT + p] = t.split(PREFIX).join(ROOT);
  const source = new MemoryFileSource(files);
  const config = loadConfiguration(`${ROOT}nginx.conf`, { source });
  const options = { strict: false, source, ...oracleVersions() };
  return runChecks(config, options, buildModel(config));
}

/** Both oracles on every case. Files besides the main one are written by inlining: cases here use none. */
export async function runOracle(cases: readonly OracleCase[]): Promise<Outcome[]> {
  const products: Finding[][] = new Array(cases.length);
  const verdicts = await nginxTestAll(
    cases.map((c) => c.text),
    4,
    (i) => (products[i] = productFindings(cases[i])),
  );
  return cases.map((c, i) => {
    const nginx = verdicts[i];
    const product = products[i];
    const errors = product.filter((f) => f.severity === "error");
    const nginxWarnings = [...nginx.output.matchAll(/\[warn\] \d+#\d+: (.*?)(?: in \S+:\d+)?\n/g)].map((m) => m[1]);
    const verdictAgrees = nginx.ok === (errors.length === 0);
    let lineAgrees: boolean | null = null;
    if (!nginx.ok && nginx.line !== null)
      lineAgrees = errors.some((f) => f.range.start.line + 1 <= nginx.line! && nginx.line! <= f.range.end.line + 1);
    return { c, nginx, nginxWarnings, product, verdictAgrees, lineAgrees };
  });
}

/** The figures a test prints: cases, verdict agreement, line agreement among nginx's failures with a line. */
export function figures(outcomes: readonly Outcome[]): {
  cases: number;
  verdict: number;
  lines: number;
  lineCases: number;
} {
  const verdict = outcomes.filter((o) => o.verdictAgrees).length;
  const withLine = outcomes.filter((o) => o.lineAgrees !== null);
  return {
    cases: outcomes.length,
    verdict,
    lines: withLine.filter((o) => o.lineAgrees).length,
    lineCases: withLine.length,
  };
}

export function describe1(o: Outcome): string {
  const mine = o.product.filter((f) => f.severity === "error").map((f) => `${f.range.start.line + 1}: ${f.message}`);
  return `${o.c.name}: nginx ${o.nginx.ok ? "ok" : `${o.nginx.line}: ${o.nginx.message}`} / product ${mine.length ? mine.join("; ") : "ok"}`;
}
