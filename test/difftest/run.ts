// The differential test's engine: cases from the generator, each run through the real `nginx -t` and the
// product (the CLI's `check`, in process), compared on the verdict and on the line nginx names.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { failsNginxTest, type Finding } from "../../server/src/rules";
import { oracleVersions } from "../support/nginx";
import { random } from "../support/random";
import { casePorts, corpusBases, withPorts, type Base } from "./bases";
import { writeCase, type CaseFiles } from "./layout";
import { makeCase, MUTATIONS } from "./mutations";
import { nginxT, pool, type OracleResult } from "./oracle";
import { namesStatement, statementAt, statements } from "./statements";

export interface CaseResult {
  index: number;
  kind: string;
  variant: string;
  source: string;
  nginx: OracleResult;
  /** The product's findings that say nginx -t would fail. */
  errors: Finding[];
  verdictAgrees: boolean;
  /** nginx failed naming a line of the case's files: whether an error finding sits on that statement. */
  lineAgrees: boolean | null;
  /** The case's folder (kept only with `keep`). */
  dir: string;
}

export interface DifftestOptions {
  cases: number;
  seed: number;
  /** Corpus snippets to try as bases. */
  bases: number;
  concurrency: number;
  /** Keep the folders of disagreeing cases (their paths are printed). */
  keep?: boolean;
}

export interface DifftestReport {
  results: CaseResult[];
  bases: number;
  basesTried: number;
  seconds: number;
}

function relative(dir: string, file: string): string {
  return path.relative(dir, file);
}

/** Whether one of `errors` sits on the statement nginx's `file:line` names. */
function onNginxLine(errors: readonly Finding[], file: string, line: number): boolean {
  const mine = errors.filter((f) => f.path === file);
  if (mine.length === 0) return false;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return false;
  }
  const list = statements(text);
  for (const f of mine) {
    if (f.range.start.line === line - 1) return true;
    const s = statementAt(list, f.range.start.offset);
    if (s && namesStatement(s, line)) return true;
  }
  return false;
}

/** The case's files with its ports in place of the placeholders. */
function casePortsIn(files: CaseFiles, ports: readonly number[]): CaseFiles {
  const put = (t: string | undefined): string | undefined => (t === undefined ? undefined : withPorts(t, ports));
  return {
    ...files,
    site: withPorts(files.site, ports),
    http: put(files.http),
    main: put(files.main),
    events: put(files.events),
  };
}

/** One configuration (a case's files, ports already in) through the real `nginx -t` and the product, in `dir`. */
export async function judge(
  dir: string,
  files: CaseFiles,
  meta: { index: number; kind: string; variant: string; source: string },
  keep = false,
): Promise<CaseResult> {
  const versions = oracleVersions();
  writeCase(dir, files);
  const nginx = await nginxT(dir);
  const result = runCheck({
    inputs: [dir],
    root: path.join(dir, "nginx.conf"),
    mappings: [],
    strict: false,
    ...versions,
  });
  const errors = result.findings.filter(failsNginxTest);
  const verdictAgrees = nginx.ok === (errors.length === 0);
  let lineAgrees: boolean | null = null;
  const e = nginx.error;
  if (!nginx.ok && e && e.file !== null && e.line !== null && e.file.startsWith(dir + path.sep)) {
    lineAgrees = onNginxLine(errors, e.file, e.line);
  }
  if (!(keep && (!verdictAgrees || lineAgrees === false))) fs.rmSync(dir, { recursive: true, force: true });
  return { ...meta, nginx, errors, verdictAgrees, lineAgrees, dir };
}

/** `judge` for a list of site files (and optional http-level text), four at a time, in a temporary folder. */
export async function judgeAll(
  cases: { kind: string; variant: string; files: CaseFiles }[],
  concurrency = 4,
): Promise<CaseResult[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-judge-"));
  try {
    return await pool(
      cases.map((c, index) => () => {
        const ports = casePorts(12);
        const files = casePortsIn(c.files, ports);
        return judge(path.join(root, String(index)), files, { index, kind: c.kind, variant: c.variant, source: "" });
      }),
      concurrency,
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export async function runDifftest(options: DifftestOptions): Promise<DifftestReport> {
  const started = Date.now();
  const versions = oracleVersions();
  const { bases, tried } = await corpusBases(options.bases, options.concurrency);
  if (bases.length === 0) throw new Error("no base configuration could be made from the corpus");
  const kinds = Object.keys(MUTATIONS);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-difftest-"));
  const planned: { index: number; base: Base; kind: string; variant: string; files: CaseFiles }[] = [];
  for (let i = 0; planned.length < options.cases && i < options.cases * 4; i++) {
    const rnd = random(options.seed * 1_000_003 + i);
    const kind = kinds[i % kinds.length];
    for (let attempt = 0; attempt < 5; attempt++) {
      const base = bases[Math.floor(rnd() * bases.length)];
      const m = makeCase(base, kind, rnd, versions.nginxVersion);
      if (m) {
        planned.push({ index: planned.length, base, kind: m.kind, variant: m.variant, files: m.files });
        break;
      }
    }
  }
  const results = await pool(
    planned.map((c) => async (): Promise<CaseResult> => {
      const ports = casePorts(c.base.ports + 10);
      const files = casePortsIn(c.files, ports);
      const meta = { index: c.index, kind: c.kind, variant: c.variant, source: c.base.source };
      return judge(path.join(root, String(c.index)), files, meta, options.keep);
    }),
    options.concurrency,
  );
  if (!options.keep) fs.rmSync(root, { recursive: true, force: true });
  return { results, bases: bases.length, basesTried: tried, seconds: (Date.now() - started) / 1000 };
}

export interface Figures {
  cases: number;
  nginxFailed: number;
  verdictAgree: number;
  /** nginx failed naming a line in the case's files. */
  lineNamed: number;
  lineAgree: number;
  /** nginx accepted, the product said it would fail. */
  falseErrors: number;
  nginxAccepted: number;
  /** nginx failed, the product found nothing. */
  missed: number;
}

export function figures(results: readonly CaseResult[]): Figures {
  const f: Figures = {
    cases: results.length,
    nginxFailed: 0,
    verdictAgree: 0,
    lineNamed: 0,
    lineAgree: 0,
    falseErrors: 0,
    nginxAccepted: 0,
    missed: 0,
  };
  for (const r of results) {
    if (r.verdictAgrees) f.verdictAgree++;
    if (r.nginx.ok) {
      f.nginxAccepted++;
      if (r.errors.length > 0) f.falseErrors++;
    } else {
      f.nginxFailed++;
      if (r.errors.length === 0) f.missed++;
    }
    if (r.lineAgrees !== null) {
      f.lineNamed++;
      if (r.lineAgrees) f.lineAgree++;
    }
  }
  return f;
}

const pct = (a: number, b: number): string => (b === 0 ? "-" : `${((100 * a) / b).toFixed(1)}%`);

export function formatReport(report: DifftestReport): string {
  const lines: string[] = [];
  const all = figures(report.results);
  lines.push(
    `differential test: ${all.cases} cases on ${report.bases} bases (of ${report.basesTried} corpus snippets tried), ${report.seconds.toFixed(0)} s`,
    `  verdict agrees ${all.verdictAgree}/${all.cases} (${pct(all.verdictAgree, all.cases)}); nginx failed ${all.nginxFailed}, accepted ${all.nginxAccepted}`,
    `  line agrees ${all.lineAgree}/${all.lineNamed} (${pct(all.lineAgree, all.lineNamed)}) of the failures where nginx names a line`,
    `  false errors ${all.falseErrors}/${all.cases} (${pct(all.falseErrors, all.cases)}); missed failures ${all.missed}`,
    "  per mistake: cases, nginx failed, verdict agrees, line agrees/named, false errors",
  );
  const kinds = [...new Set(report.results.map((r) => r.kind))].sort();
  for (const k of kinds) {
    const f = figures(report.results.filter((r) => r.kind === k));
    lines.push(
      `    ${k.padEnd(22)} ${String(f.cases).padStart(5)} ${String(f.nginxFailed).padStart(5)} ${String(f.verdictAgree).padStart(5)} ${`${f.lineAgree}/${f.lineNamed}`.padStart(9)} ${String(f.falseErrors).padStart(4)}`,
    );
  }
  return lines.join("\n");
}

/** One line per disagreeing case: what nginx said and what the product said. */
export function describe(r: CaseResult): string {
  const n = r.nginx.ok
    ? "nginx: ok"
    : `nginx: ${r.nginx.error?.message ?? r.nginx.output.trim().split("\n")[0]}${r.nginx.error?.line ? ` (${relative(r.dir, r.nginx.error.file!)}:${r.nginx.error.line})` : ""}`;
  const p =
    r.errors.length === 0
      ? "product: no error"
      : `product: ${r.errors
          .slice(0, 2)
          .map(
            (f) =>
              `${f.ruleId}/${f.code} ${f.message.slice(0, 120)} (${relative(r.dir, f.path)}:${f.range.start.line + 1})`,
          )
          .join("; ")}`;
  return `#${r.index} ${r.kind} [${r.variant.replace(/\n/g, " ")}] — ${n} — ${p}`;
}
