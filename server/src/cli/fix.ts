// `nginx-risk fix`: apply the fixes of fix/ to the files on disk (`--write`) or print them as a unified diff
// (`--diff`). The same loading as `check` (check.ts), so it fixes exactly what `check` reports.
//
// Fixes are applied one at a time: analyse, take the first eligible fix, apply its edits to the texts in
// memory (an overlay over the disk), analyse again, … until none is left. A fix's edits are in the
// coordinates of the texts it was computed from, and each fix is checked by the fix engine against the
// configuration as it is *then*, so two fixes are never combined blindly. Only when the loop is done are
// the final texts compared with the originals, and written (all files or none) or printed.

import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { fixesFor, type Fix, type RefusedFix } from "../fix";
import { byFile } from "../fix/text";
import { editedTexts, reload } from "../fix/verify";
import { buildModel } from "../model";
import { runChecks, type RuleOptions } from "../rules";
import { loadConfiguration, type Configuration } from "../workspace/configuration";
import { scanWorkspaceFacts } from "../workspace/facts";
import { NodeFileSource, OverlayFileSource, ParseCache } from "../workspace/files";
import { isStockPath } from "../workspace/stock-files";
import { loadInputs, outermost, type CheckOptions, type IncompleteScan } from "./check";
import { editedDiff, identityOrigins, originsAfterEdits, unifiedDiff, type LineOrigins } from "./diff";
import { incompleteMessage } from "./incomplete";
import { cliSource } from "./read-access";
import { writeFailureLines, writeFilesAtomically } from "./safe-write";

export { unifiedDiff } from "./diff";

export interface FixOptions extends Omit<CheckOptions, "memoryBudgetBytes"> {
  /** Rule ids whose findings are fixed (already checked against FIXABLE_RULES). */
  rules: readonly string[];
  /** Also apply fixes that say "caution" (behaviour could change). */
  includeCautious: boolean;
}

export interface FixIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Inputs and printed paths are relative to it. */
  cwd: string;
}

/** A fix that was applied, with the main file whose configuration it was computed and checked for. */
export interface AppliedFix {
  fix: Fix;
  root: string;
  /** Workspace paths the fix edited. */
  files: string[];
}

export interface SkippedFix {
  /** The fix's title (for a refused fix: what it would have done). */
  title: string;
  reason: string;
}

export interface FixPlan {
  applied: AppliedFix[];
  /** Edit fixes left unapplied in the final configuration, and why. */
  skipped: SkippedFix[];
  /**
   * Every edited file (workspace path): its text as read, and after all fixes; `origins`, for each line of
   * `after`, the line of `before` it still is (-1: touched by a fix), so the diff needs no search.
   */
  texts: Map<string, { before: string; after: string; origins: LineOrigins | null }>;
  /** Inputs that are `nginx -T` dumps: never fixed (the real files must be edited). */
  dumps: string[];
  /**
   * Folder scans that stopped at --max-files. Then nothing is fixed: a main file not found could read a
   * file a fix edits, and the fix was checked without it.
   */
  incomplete: IncompleteScan[];
}

/**
 * Upper bound on fixes applied in one run. Every fix the engine offers strictly lowers the number of SSL
 * contexts parsing a bundle (move.ts refuses any other), so the loop ends long before; this only turns a
 * bug into an error instead of a hang.
 */
const MAX_FIXES = 10_000;

function stateHash(texts: ReadonlyMap<string, string>): string {
  const h = createHash("sha256");
  for (const p of [...texts.keys()].sort()) h.update(p).update("\0").update(texts.get(p)!).update("\0");
  return h.digest("hex");
}

/** Computes the fixes to apply and the resulting texts; reads files, writes nothing. */
export function planFixes(options: FixOptions): FixPlan {
  const disk = cliSource(options.inputs, options.root, options.mappings, options.access);
  const source = new OverlayFileSource(disk);
  const cache = new ParseCache();
  const loaded = loadInputs(options, source, cache);
  const incomplete = [...loaded.limits];
  let configs = [...loaded.configurations.values()];
  const base: RuleOptions = {
    strict: options.strict,
    nginxVersion: options.nginxVersion,
    luaNginxModuleVersion: options.luaNginxModuleVersion,
    openrestyVersion: options.openrestyVersion,
    opensslVersion: options.opensslVersion,
    source,
    // Facts come from files around the configuration (Dockerfiles, cron jobs): fixes do not change them.
    facts: scanWorkspaceFacts(outermost(loaded.folders), {
      source: disk,
      maxFiles: options.maxFiles,
      onLimit: (limit) => void incomplete.push({ ...limit, scan: "facts" }),
    }),
  };
  if (incomplete.length > 0)
    return { applied: [], skipped: [], texts: new Map(), dumps: loaded.dumps.map((d) => d.path), incomplete };
  const rules = new Set(options.rules);

  // Which main files read each file (by its real path: sites-enabled/x is sites-available/x). A fix is
  // checked against the configuration it was computed for only; a file another main file also reads could
  // change that one too, so such fixes are not applied.
  const realOf = new Map<string, string>();
  const real = (p: string): string => {
    let r = realOf.get(p);
    // nginx's stock files read as its defaults are no files on disk (workspace/stock-files.ts).
    if (r === undefined) realOf.set(p, (r = isStockPath(p) ? p : disk.realpath(p)));
    return r;
  };
  const readers = new Map<string, Set<string>>();
  const aliases = new Map<string, Set<string>>();
  for (const c of configs) {
    for (const p of c.files.keys()) {
      const r = real(p);
      let set = readers.get(r);
      if (!set) readers.set(r, (set = new Set()));
      set.add(c.rootPath);
      let names = aliases.get(r);
      if (!names) aliases.set(r, (names = new Set()));
      names.add(p);
    }
  }
  // Text written back must give back the bytes that were read: not so for invalid UTF-8 (decoded to U+FFFD).
  const roundTrips = new Map<string, boolean>();
  const writable = (p: string): boolean => {
    let ok = roundTrips.get(p);
    if (ok === undefined) {
      let bytes: Buffer | null = null;
      try {
        bytes = fs.readFileSync(p);
      } catch {
        // unreadable: not ours to write either
      }
      ok = bytes !== null && Buffer.from(bytes.toString("utf8"), "utf8").equals(bytes);
      roundTrips.set(p, ok);
    }
    return ok;
  };

  const before = new Map<string, string>();
  const origins = new Map<string, LineOrigins | null>();
  const current = new Map<string, string>();
  const seen = new Set<string>([stateHash(current)]);
  const applied: AppliedFix[] = [];
  const skipped: SkippedFix[] = [];

  /** Why this fix cannot be applied now, or null. `texts`: its result. */
  const refusal = (config: Configuration, fix: Fix, texts: Map<string, string>): string | null => {
    const reals = new Map<string, string>();
    for (const p of texts.keys()) {
      const r = real(p);
      const other = reals.get(r);
      if (other !== undefined) return `it edits ${r} through two paths (${other}, ${p})`;
      reals.set(r, p);
      const by = readers.get(r);
      if (by && by.size > 1)
        return `${r} is also read by ${[...by].filter((x) => x !== config.rootPath).join(", ")}, and the fix was checked for ${config.rootPath} only`;
      if (!writable(p)) return `${p} is not valid UTF-8: writing it back would change bytes the fix does not touch`;
    }
    const next = new Map(current);
    for (const [p, t] of texts) next.set(p, t);
    if (seen.has(stateHash(next))) return "it would undo an earlier fix";
    return null;
  };

  for (;;) {
    skipped.length = 0;
    let chosen: { config: Configuration; fix: Fix; texts: Map<string, string> } | null = null;
    search: for (const config of configs) {
      const model = buildModel(config);
      const findings = runChecks(config, base, model).filter((f) => rules.has(f.ruleId));
      for (const finding of findings) {
        // One fix per finding: the preferred one (a cautious one only when asked for); settings edit nothing.
        // A fix its check refused (it would change a block it is not about) is said, with what was found.
        const refused: RefusedFix[] = [];
        const fixes = fixesFor(config, [finding], base, model, refused);
        for (const r of refused) skipped.push({ title: r.title, reason: `its check refused it: ${r.refused}` });
        for (const fix of fixes) {
          if (fix.edits.length === 0) continue;
          if (fix.caution && !options.includeCautious) {
            skipped.push({ title: fix.title, reason: "behaviour could change: apply it with --include-cautious" });
            continue;
          }
          if (!fix.isPreferred && !fix.caution) continue;
          const texts = editedTexts(config, fix.edits);
          const why = refusal(config, fix, texts);
          if (why) {
            skipped.push({ title: fix.title, reason: why });
            continue;
          }
          chosen = { config, fix, texts };
          break search;
        }
      }
    }
    if (!chosen) break;
    if (applied.length >= MAX_FIXES)
      throw new Error(`more than ${MAX_FIXES} fixes: giving up (a fix keeps coming back)`);
    const { config, fix, texts } = chosen;
    const editsOf = byFile(fix.edits);
    for (const [p, t] of texts) {
      const was = config.files.get(p)!.text;
      if (!before.has(p)) before.set(p, was);
      // The lines the fix leaves alone, for every name of the file that has a diff (they read the same text).
      for (const name of aliases.get(real(p)) ?? [p]) {
        if (!before.has(name)) continue;
        const o = origins.get(name);
        if (o === null) continue;
        origins.set(name, originsAfterEdits(was, o ?? identityOrigins(was), editsOf.get(p) ?? [], t));
      }
      // Every name of the same file reads the new text (a symlink and its target).
      for (const name of aliases.get(real(p)) ?? [p]) {
        current.set(name, t);
        source.setOverlay(name, t);
      }
    }
    seen.add(stateHash(current));
    applied.push({ fix, root: config.rootPath, files: [...texts.keys()] });
    configs = configs.map((c) => ([...texts.keys()].some((p) => c.files.has(p)) ? reload(c, source, cache) : c));
  }

  const out = new Map<string, { before: string; after: string; origins: LineOrigins | null }>();
  for (const [p, b] of before) {
    const a = current.get(p)!;
    if (a !== b) out.set(p, { before: b, after: a, origins: origins.get(p) ?? null });
  }
  return { applied, skipped, texts: out, dumps: loaded.dumps.map((d) => d.path), incomplete };
}

// ---------------------------------------------------------------------------------------------------------
// The command

/** The path printed for a file: its real path (a patch cannot go through a symlink), relative to cwd. */
function shown(cwd: string, realPath: string): string {
  const r = path.relative(cwd, realPath);
  return r === "" ? path.basename(realPath) : r;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Writes every file or none (safe-write.ts): a move is a deletion in one file and insertions in others, and
 * half of it breaks the configuration. Problems are printed with the real path, as the diff names files.
 */
function writeAll(
  files: { path: string; real: string; before: string; after: string }[],
  backup: boolean,
  io: FixIo,
): boolean {
  // A BOM, if the file had one, is U+FEFF at the start of both texts and is written back as read; planFixes
  // edits only files whose bytes survive decoding, so `before` encodes back to the bytes it was read from.
  const result = writeFilesAtomically(
    files.map((f) => ({
      path: f.real,
      expected: Buffer.from(f.before, "utf8"),
      content: Buffer.from(f.after, "utf8"),
    })),
    { backupSuffix: backup ? ".orig" : undefined },
  );
  if (result.ok) return true;
  for (const line of writeFailureLines(result, (p) => shown(io.cwd, p.real))) io.err(line);
  return false;
}

/** Backups an include glob would read (`include sites-enabled/*;`): nginx would load them too. */
function backupsRead(plan: FixPlan, options: FixOptions, backups: Set<string>): string[] {
  const disk = cliSource(options.inputs, options.root, options.mappings, options.access);
  const roots = new Set(plan.applied.map((a) => a.root));
  const out = new Set<string>();
  for (const root of roots) {
    const config = loadConfiguration(root, { source: disk, mappings: options.mappings });
    for (const p of config.files.keys())
      if (!isStockPath(p) && backups.has(disk.realpath(p))) out.add(disk.realpath(p));
  }
  return [...out];
}

/** Runs `fix` with `--diff` (mode "diff") or `--write`; returns the exit code. */
export function runFix(options: FixOptions & { mode: "diff" | "write"; backup: boolean }, io: FixIo): number {
  const plan = planFixes(options);
  if (plan.incomplete.length > 0) {
    for (const s of plan.incomplete) {
      const why =
        s.scan === "configuration"
          ? "nothing was fixed: a main file not found could read a file a fix edits"
          : "nothing was fixed: a version found beyond them could change which fixes apply";
      io.err(`nginx-risk: incomplete: ${incompleteMessage(s, io.cwd, why)}`);
    }
    return 2;
  }
  for (const d of plan.dumps)
    io.err(
      `nginx-risk: ${path.relative(io.cwd, d)} is nginx -T output: no fixes there, run fix on the files it came from`,
    );
  const writing = options.mode === "write";
  for (const a of plan.applied) io.err(`${writing ? "fixed" : "fix"}: ${a.fix.title}`);
  for (const s of plan.skipped) io.err(`skipped: ${s.title} — ${s.reason}`);

  const disk = new NodeFileSource();
  const files = [...plan.texts].map(([p, t]) => ({ path: p, real: disk.realpath(p), ...t }));
  files.sort((x, y) => (x.real < y.real ? -1 : x.real > y.real ? 1 : 0));
  const fixes = count(plan.applied.length, "fix", "fixes");
  const edited = count(files.length, "file", "files");
  const summary = writing ? `${fixes} applied to ${edited}` : `${fixes} in the diff (${edited})`;
  if (options.mode === "diff") {
    const diff = files
      .map((f) =>
        f.origins
          ? editedDiff(f.before, f.after, f.origins, shown(io.cwd, f.real))
          : unifiedDiff(f.before, f.after, shown(io.cwd, f.real)),
      )
      .join("");
    if (diff !== "") io.out(diff);
    io.err(summary);
    return 0;
  }
  // Exit 2, an I/O error, as format's: 1 is for findings.
  if (files.length > 0 && !writeAll(files, options.backup, io)) return 2;
  io.out(summary);
  if (options.backup && files.length > 0) {
    const read = backupsRead(plan, options, new Set(files.map((f) => f.real + ".orig")));
    for (const b of read)
      io.err(
        `warning: ${shown(io.cwd, b)} matches an include: nginx would read the backup too; move it away before reloading`,
      );
  }
  return 0;
}
