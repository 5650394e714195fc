// Moving directives from one block into the blocks below it that need them: the edits, and the check that
// nothing else changed (fix/verify.ts), shared by the SSL-context fixes.

import { effective, enclosing, siteKey, type ConfigContext, type ConfigModel, type DirectiveSite } from "../model";
import { formatCount } from "../cost/format";
import type { SslContext } from "../model/ssl-contexts";
import { bundleSites, type BundleSite } from "../rules/ssl-cost";
import type { CostReport, SslRuleId } from "../cost/report";
import type { Finding, RuleOptions } from "../rules/types";
import type { FileSource } from "../workspace/files";
import { directiveText, insertIntoBlock, removeDirective } from "./text";
import type { Fix, RefusedFix, TextEdit } from "./types";
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
  /** Blocks that would lose a value they use (and nothing else wrong): what the fix could write back. */
  lost: LostValue[];
}

/** A value a block uses and would lose because the fix empties the level it inherited it from. */
export interface LostValue {
  /** The block, in the configuration before the fix. */
  context: ConfigContext;
  name: string;
  /** The block it inherited the value from. */
  from: ConfigContext;
  /** The directives in effect there, as written (some directives may be written several times). */
  statements: string[];
}

/** Whether a block's own code uses the value of a moved directive in effect there (per rule). */
export type Uses = (c: ConfigContext, name: string) => boolean;

/**
 * Applies the edits in memory and checks every block: the same directives in effect apart from the moved
 * names; for those (bundle, companions, whatever the edits remove or insert), the same value as before,
 * except that a block may *lose* one where nothing uses it — a location configuration for which `uses`
 * says no (a location that runs no Lua code loses the Lua bundle: the purpose of the fix), or a block that
 * is no location configuration (the http level: requests only see it through the blocks below it, which
 * are checked themselves; the Lua rule names the init_worker code that reads it in a caution). Every block
 * in `keep` keeps its value, and no block gains one or gets another (a file included elsewhere too must
 * not hand the directive to blocks that never had it).
 */
export function checkMove(
  model: ConfigModel,
  edits: readonly TextEdit[],
  movedNames: readonly string[],
  keep: readonly ConfigContext[],
  uses: Uses,
  source?: FileSource,
): MoveCheck {
  const edited = reanalyse(model.config, edits, source);
  const other = sameApartFrom(model, edited.model, new Set(movedNames));
  if (other) return { edited, problem: other, lost: [] };
  return { edited, ...movedChanges(model, edited.model, movedNames, new Set(keep), uses) };
}

/** "location /own in server 81 (/etc/nginx/app.conf)": which block, for people (a file may be included twice). */
function placeOf(c: ConfigContext): string {
  const server = c.kind === "server" ? null : enclosing(c, "server");
  return `${c.label}${server ? ` in ${server.label}` : ""} (${c.file.path})`;
}

function movedChanges(
  before: ConfigModel,
  after: ConfigModel,
  names: readonly string[],
  keep: ReadonlySet<ConfigContext>,
  uses: Uses,
): { problem: string | null; lost: LostValue[] } {
  const locationConfigurations = new Set(before.locationConfigurations);
  const lost: LostValue[] = [];
  for (const c of before.contexts) {
    const a = after.contexts[c.id];
    for (const name of names) {
      const v0 = effectiveValue(c, name);
      const v1 = effectiveValue(a, name);
      if (v1 === v0) continue;
      if (v1 !== undefined) return { problem: `${placeOf(c)} would get another "${name}"`, lost: [] };
      if (keep.has(c)) return { problem: `${placeOf(c)} would lose its "${name}"`, lost: [] };
      if (!locationConfigurations.has(c) || !uses(c, name)) continue;
      const e = effective(c, name)!;
      const statements = e.sites.map((s) => directiveText(before.config.files.get(s.file.path)!.text, s.directive));
      lost.push({ context: c, name, from: e.from, statements });
    }
  }
  if (lost.length === 0) return { problem: null, lost };
  const l = lost[0];
  const more = lost.length > 1 ? ` (and ${lost.length - 1} more such value${lost.length === 2 ? "" : "s"})` : "";
  return {
    problem: `${placeOf(l.context)} would lose "${l.statements.join(" ")}", inherited from ${l.from.label}, which it uses${more}`,
    lost,
  };
}

/**
 * Edits that write each lost value back: into the block that keeps a bundle of its own (`bundle`) on the
 * way from the block that lost it up to where it inherited it from, else the nearest block there that may
 * hold the directives; each such block once (the outermost, for nested ones), at the top of its body in
 * the file's own style. Null when a value has no such block, or one block would need two different values.
 */
export function keepEdits(
  model: ConfigModel,
  lost: readonly LostValue[],
  bundle: string,
  hosts: readonly ConfigContext["kind"][],
  order: readonly string[],
): { edits: TextEdit[]; blocks: ConfigContext[]; names: string[] } | null {
  const hostOfLoss = (l: LostValue): ConfigContext | null => {
    let nearest: ConfigContext | null = null;
    for (let p: ConfigContext | null = l.context; p !== null && p !== l.from; p = p.parent) {
      if (!hosts.includes(p.kind)) continue;
      if ((p.own.get(bundle)?.length ?? 0) > 0) return p;
      nearest ??= p;
    }
    return nearest;
  };
  const hostOf = new Map<LostValue, ConfigContext>();
  for (const l of lost) {
    const h = hostOfLoss(l);
    if (!h) return null;
    hostOf.set(l, h);
  }
  const blocks = outermostBlocks(hostOf.values());
  const byKey = new Map(blocks.map((b) => [blockKey(b), { block: b, values: new Map<string, string[]>() }]));
  for (const [l, h] of hostOf) {
    let slot: { block: ConfigContext; values: Map<string, string[]> } | undefined;
    for (let p: ConfigContext | null = h; p !== null && !slot; p = p.parent) slot = byKey.get(blockKey(p));
    if (!slot) return null;
    const had = slot.values.get(l.name);
    if (had && had.join("\n") !== l.statements.join("\n")) return null;
    slot.values.set(l.name, l.statements);
  }
  const edits: TextEdit[] = [];
  for (const { block, values } of byKey.values()) {
    const text = model.config.files.get(block.file.path)?.text;
    if (!block.directive?.block || text === undefined) return null;
    const statements = order.flatMap((n) => values.get(n) ?? []);
    edits.push(insertIntoBlock(block.file.path, text, block.directive, statements));
  }
  return { edits, blocks, names: order.filter((n) => lost.some((l) => l.name === n)) };
}

export interface BundleMove {
  /** Directives written beside the bundle in the same block that move with it. */
  movedWith: readonly string[];
  /** Kinds of block the directives may be written in. */
  hosts: ConfigContext["kind"][];
  /** Whether a block that inherits the bundle uses it. */
  needs(c: ConfigContext): boolean;
  /**
   * Whether a block uses the value of a moved directive in effect there: such a block keeps it even
   * when it keeps a bundle of its own (then the fix writes the inherited value into it, or is refused).
   */
  uses: Uses;
  /** SSL contexts parsing a bundle in a model (all sites of the module). */
  loads(model: ConfigModel): readonly SslContext[];
  /** For the title, singular and plural: ["runs Lua code", "run Lua code"]. */
  need: [string, string];
  caution?: string;
}

/**
 * Moves a bundle directive (and `movedWith` beside it) from the block that sets it into the outermost
 * blocks that need it — checked by reading the edited configuration again (`checkMove`): the same blocks,
 * the same directives in effect apart from the moved ones, the needing blocks keep their values, a block
 * loses one only where nothing uses it, fewer contexts. A block that keeps a bundle of its own but uses a
 * companion it inherited (`lua_ssl_verify_depth 2`) gets that value written into it, and the whole is
 * checked again; a fix that still changes a block it is not about is refused, with the reason.
 */
export function moveBundleFix(
  model: ConfigModel,
  finding: Finding,
  b: BundleSite,
  options: RuleOptions,
  how: BundleMove,
): Fix | RefusedFix | null {
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
  const name = b.site.directive.name;
  const what = movedNames.length > 1 ? `${name} (with ${movedNames.filter((n) => n !== name).join(", ")})` : name;
  const kinds = targets.every((t) => t.kind === "location") ? "location" : "block";
  const before = b.loads.length;
  const action =
    targets.length === 0
      ? `Remove ${what}: none of the ${formatCount(before)} blocks that inherit it ${how.need[1]}`
      : `Move ${what} into the ${formatCount(targets.length)} ${kinds}${targets.length === 1 ? "" : "s"} that ${how.need[targets.length === 1 ? 0 : 1]}`;

  const moveOnly = moveEdits(model, moved, targets);
  if (!moveOnly) return null;
  let edits = moveOnly;
  let check = checkMove(model, edits, movedNames, needing, how.uses, options.source);
  let kept: ConfigContext[] = [];
  let keptNames: string[] = [];
  if (check.problem && check.lost.length > 0) {
    const keep = keepEdits(model, check.lost, name, how.hosts, movedNames);
    if (!keep) return { finding, title: action, refused: `${check.problem}, and there is no block to keep it in` };
    edits = [...moveOnly, ...keep.edits];
    const again = checkMove(model, edits, movedNames, needing, how.uses, options.source);
    if (again.problem)
      return {
        finding,
        title: action,
        refused: `${check.problem}; keeping it there would change another block: ${again.problem}`,
      };
    check = again;
    kept = keep.blocks;
    keptNames = keep.names;
  }
  if (check.problem) return { finding, title: action, refused: check.problem };
  // After: the contexts parsing a bundle, apart from those that parsed another one before (they keep
  // theirs; a block that uses none may have stopped, which is not this bundle's saving).
  const mine = new Set(b.loads.map((l) => l.owner.id));
  const others = new Set(how.loads(model).flatMap((l) => (mine.has(l.owner.id) ? [] : [l.owner.id])));
  const after = how.loads(check.edited.model).filter((l) => !others.has(l.owner.id)).length;
  if (after >= before) return null;
  const title =
    action +
    (kept.length > 0 ? keptClause(kept, keptNames) : "") +
    `: ${formatCount(before)} → ${formatCount(after)} SSL context${after === 1 ? "" : "s"} parsing the bundle` +
    (how.caution ? ` (caution: ${how.caution})` : "");
  return {
    finding,
    title,
    caution: how.caution,
    isPreferred: !how.caution,
    edits,
    effect: {
      moved: movedNames,
      before,
      after,
      targets: targets.map((t) => t.label),
      ...(kept.length > 0 ? { kept: kept.map((k) => k.label) } : {}),
    },
  };
}

/** "; location /own keeps the lua_ssl_verify_depth it inherited" (the blocks the fix writes values into). */
function keptClause(blocks: readonly ConfigContext[], names: readonly string[]): string {
  const who =
    blocks.length === 1
      ? `${blocks[0].label} keeps`
      : `${blocks[0].label} and ${formatCount(blocks.length - 1)} more block${blocks.length === 2 ? "" : "s"} keep`;
  return `; ${who} the ${names.join(", ")} ${blocks.length === 1 ? "it" : "they"} inherited`;
}
