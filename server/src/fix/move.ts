// Moving directives from one block into the blocks below it that need them: the edits, and the check that
// nothing else changed (fix/verify.ts), shared by the SSL-context fixes.

import { siteKey, type ConfigContext, type ConfigModel, type DirectiveSite } from "../model";
import { formatCount } from "../cost/format";
import { bundleSites, type BundleSite } from "../rules/ssl-cost";
import type { CostReport, SslRuleId } from "../cost/report";
import type { Finding, RuleOptions } from "../rules/types";
import type { FileSource } from "../workspace/files";
import { directiveText, insertIntoBlock, removeDirective } from "./text";
import type { Fix, TextEdit } from "./types";
import { effectiveValue, reanalyse, sameApartFrom, type EditedConfiguration } from "./verify";

/**
 * The places bundles are set, per report and rule, by file and offset. A report with k places gives k
 * findings, each looked up here: grouping every load again per finding made `fix` quadratic (after a move
 * into 2,000 of 4,000 locations, 2,000 places: 4 million loads grouped, half of the 20 s profiled and most
 * of the garbage collection of the rest).
 */
const siteIndexes = new WeakMap<CostReport, Map<SslRuleId, Map<string, BundleSite>>>();

/** The place a bundle is set that an SSL-cost finding is about. */
export function bundleSiteOf(report: CostReport, ruleId: SslRuleId, finding: Finding): BundleSite | undefined {
  let byRule = siteIndexes.get(report);
  if (!byRule) siteIndexes.set(report, (byRule = new Map()));
  let index = byRule.get(ruleId);
  if (!index) {
    index = new Map();
    for (const b of bundleSites(report, ruleId)) {
      const key = `${b.site.file.path}\0${b.site.directive.range.start.offset}`;
      // The first in reading order, as a search through the list would find.
      if (!index.has(key)) index.set(key, b);
    }
    byRule.set(ruleId, index);
  }
  return index.get(`${finding.path}\0${finding.range.start.offset}`);
}

/** A block as written (a file included twice has one text block for two contexts). */
export function blockKey(c: ConfigContext): string {
  return `${c.file.path}\0${c.directive?.range.start.offset ?? -1}`;
}

/** The nearest block (itself included) where `allowed` directives may be written. */
export function hostOf(c: ConfigContext, allowed: readonly ConfigContext["kind"][]): ConfigContext | null {
  for (let h: ConfigContext | null = c; h !== null; h = h.parent) if (allowed.includes(h.kind)) return h;
  return null;
}

/** The blocks of `hosts` not inside another of them, each text block once, in reading order. */
export function outermostBlocks(hosts: Iterable<ConfigContext>): ConfigContext[] {
  const set = new Set(hosts);
  const out = new Map<string, ConfigContext>();
  for (const h of [...set].sort((a, b) => a.id - b.id)) {
    let inner = false;
    for (let p = h.parent; p !== null; p = p.parent) if (set.has(p)) inner = true;
    if (!inner && !out.has(blockKey(h))) out.set(blockKey(h), h);
  }
  return [...out.values()];
}

/** Each directive as written once (instances of a file included twice share it). */
export function uniqueSites(sites: readonly DirectiveSite[]): DirectiveSite[] {
  const out = new Map<string, DirectiveSite>();
  for (const s of sites) if (!out.has(siteKey(s))) out.set(siteKey(s), s);
  return [...out.values()].sort((a, b) =>
    a.file.path === b.file.path
      ? a.directive.range.start.offset - b.directive.range.start.offset
      : a.context.id - b.context.id,
  );
}

/**
 * Edits that delete `moved` where they are written and write them at the top of each target block that
 * does not set that directive itself. Null when a target has no block to write into (a snippet's implied
 * block) or the text of a file is unknown.
 */
export function moveEdits(
  model: ConfigModel,
  moved: readonly DirectiveSite[],
  targets: readonly ConfigContext[],
): TextEdit[] | null {
  const textOf = (p: string): string | undefined => model.config.files.get(p)?.text;
  const edits: TextEdit[] = [];
  for (const s of uniqueSites(moved)) {
    const text = textOf(s.file.path);
    if (text === undefined) return null;
    edits.push(removeDirective(s.file.path, text, s.directive));
  }
  for (const t of targets) {
    const text = textOf(t.file.path);
    if (!t.directive?.block || text === undefined) return null;
    const statements: string[] = [];
    for (const s of uniqueSites(moved)) {
      if ((t.own.get(s.directive.name)?.length ?? 0) > 0) continue;
      statements.push(directiveText(textOf(s.file.path)!, s.directive));
    }
    if (statements.length > 0) edits.push(insertIntoBlock(t.file.path, text, t.directive, statements));
  }
  return edits;
}

export interface MoveCheck {
  edited: EditedConfiguration;
  /** Why the move is not safe, or null. */
  problem: string | null;
}

/**
 * Applies the edits in memory and checks: every block reads the same apart from the moved names; for those,
 * every block in `keep` has the value it had, and no block gains a value or gets another one (a file
 * included elsewhere too must not hand the directive to blocks that never had it).
 */
export function checkMove(
  model: ConfigModel,
  edits: readonly TextEdit[],
  movedNames: readonly string[],
  keep: readonly ConfigContext[],
  source?: FileSource,
): MoveCheck {
  const edited = reanalyse(model.config, edits, source);
  const problem =
    sameApartFrom(model, edited.model, new Set(movedNames)) ??
    movedProblem(model, edited.model, movedNames, new Set(keep));
  return { edited, problem };
}

function movedProblem(
  before: ConfigModel,
  after: ConfigModel,
  names: readonly string[],
  keep: ReadonlySet<ConfigContext>,
): string | null {
  for (const c of before.contexts) {
    const a = after.contexts[c.id];
    for (const name of names) {
      const v0 = effectiveValue(c, name);
      const v1 = effectiveValue(a, name);
      if (v1 === v0) continue;
      if (v1 !== undefined) return `${c.label} would get another "${name}"`;
      if (keep.has(c)) return `${c.label} would lose its "${name}"`;
    }
  }
  return null;
}

export interface BundleMove {
  /** Directives written beside the bundle in the same block that move with it. */
  movedWith: readonly string[];
  /** Kinds of block the directives may be written in. */
  hosts: ConfigContext["kind"][];
  /** Whether a block that inherits the bundle uses it. */
  needs(c: ConfigContext): boolean;
  /** SSL contexts parsing a bundle in a model (all sites of the module). */
  loads(model: ConfigModel): number;
  /** For the title, singular and plural: ["runs Lua code", "run Lua code"]. */
  need: [string, string];
  caution?: string;
}

/**
 * Moves a bundle directive (and `movedWith` beside it) from the block that sets it into the outermost
 * blocks that need it — checked by reading the edited configuration again: the same blocks, the same
 * directives in effect apart from the moved ones, the needing blocks keep their values, fewer contexts.
 */
export function moveBundleFix(
  model: ConfigModel,
  finding: Finding,
  b: BundleSite,
  options: RuleOptions,
  how: BundleMove,
): Fix | null {
  const from = b.site.context;
  if (!how.hosts.includes(from.kind) && from.kind !== "http") return null;
  const needing = b.loads.map((l) => l.owner).filter((c) => how.needs(c));
  const hosts: ConfigContext[] = [];
  for (const c of needing) {
    const h = hostOf(c, how.hosts);
    if (!h) return null;
    hosts.push(h);
  }
  const targets = outermostBlocks(hosts);
  // The block that sets it needs it itself: nothing to move.
  if (targets.some((t) => blockKey(t) === blockKey(from))) return null;
  const moved = from.directives.filter(
    (s) => s.directive === b.site.directive || how.movedWith.includes(s.directive.name),
  );
  const movedNames = [...new Set(moved.map((s) => s.directive.name))];
  const edits = moveEdits(model, moved, targets);
  if (!edits) return null;
  const check = checkMove(model, edits, movedNames, needing, options.source);
  if (check.problem) return null;
  const before = b.loads.length;
  const after = how.loads(check.edited.model) - (how.loads(model) - before);
  if (after >= before) return null;
  const name = b.site.directive.name;
  const what = movedNames.length > 1 ? `${name} (with ${movedNames.filter((n) => n !== name).join(", ")})` : name;
  const kinds = targets.every((t) => t.kind === "location") ? "location" : "block";
  const title =
    (targets.length === 0
      ? `Remove ${what}: none of the ${formatCount(before)} blocks that inherit it ${how.need[1]}`
      : `Move ${what} into the ${formatCount(targets.length)} ${kinds}${targets.length === 1 ? "" : "s"} that ${how.need[targets.length === 1 ? 0 : 1]}`) +
    `: ${formatCount(before)} → ${formatCount(after)} SSL context${after === 1 ? "" : "s"} parsing the bundle` +
    (how.caution ? ` (caution: ${how.caution})` : "");
  return {
    finding,
    title,
    caution: how.caution,
    isPreferred: !how.caution,
    edits,
    effect: { moved: movedNames, before, after, targets: targets.map((t) => t.label) },
  };
}
