// Fixes for modsecurity-unused (docs/rules/modsecurity-unused.md, "Quick-fixes"), each checked by reading
// the edited configuration again (fix/verify.ts) before it is offered.
//
// What the checks rely on (ModSecurity-nginx 1.0.3 + libmodsecurity 3, measured with Debian's packages):
// - ngx_http_modsecurity_merge_conf calls msc_rules_merge(child, parent): RulesSet::merge *appends* the
//   parent's rules to the child's own, so in a block the rules run in the order own loads (as written),
//   then the enclosing block's, … then http's. Settings (SecRuleEngine, …) follow the same order, first one
//   wins: a server with `modsecurity_rules_file d.conf` (SecRuleEngine DetectionOnly) under an http-level
//   file with `SecRuleEngine On` + a deny rule lets the request through; two files in one block, the first
//   one's SecRuleEngine wins. So what a block enforces is fixed by the *sequence* of rules directives in
//   effect there, own first — that sequence is what every fix here keeps (`rulesInEffect`).
// - with `modsecurity off` in effect the handlers return at once (`mcf->enable != 1`): rules a block
//   inherits are inert there, but the merge still runs, and still rejects repeated rule ids.
//
// - rules-per-block: one load at the top of http, removed from each block, offered only when every block
//   keeps exactly the sequence it had, and blocks that newly inherit the file are off and had no rules.
// - rules-loaded-twice: remove the loads a block already inherits (nginx -t then passes).
// - on-without-rules: remove the `modsecurity on` when no block where it is in effect has rules.
// - module-never-enabled: remove the rules loads (nothing is ever inspected against them); never the
//   load_module line (see the docs).

import * as path from "path";
import {
  effective,
  enclosing,
  isAncestor,
  siteKey,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../model";
import { formatCount } from "../cost/format";
import type { Finding, RuleOptions } from "../rules/types";
import { includeNginxPath } from "../workspace/includes";
import { uniqueSites } from "./move";
import { directiveText, insertIntoBlock, removeDirective } from "./text";
import type { Fix, TextEdit } from "./types";
import { reanalyse, sameApartFrom, type EditedConfiguration } from "./verify";

const RULES_DIRECTIVES = ["modsecurity_rules_file", "modsecurity_rules", "modsecurity_rules_remote"] as const;
const LOAD_DIRECTIVES = ["modsecurity_rules_file", "modsecurity_rules_remote"];
const IGNORE_RULES = new Set<string>(RULES_DIRECTIVES);

type Enable = "on" | "off" | "variable";

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
}

/** What a rules directive adds, independent of how it is written: the file once the conf prefix is applied. */
function ruleIdentity(model: ConfigModel, s: DirectiveSite): string {
  const a = s.directive.args.map((w) => w.value);
  if (s.directive.name === "modsecurity_rules_file" && a.length === 1)
    return `file\0${path.posix.normalize(includeNginxPath(a[0], model.config.confPrefix))}`;
  return `${s.directive.name}\0${a.join("\u0001")}`;
}

/** The rules directives in effect in a block, in the order libmodsecurity runs them: own first, then each enclosing block's. */
function rulesInEffect(model: ConfigModel, ctx: ConfigContext): string[] {
  const out: string[] = [];
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent)
    for (const s of c.directives)
      if ((RULES_DIRECTIVES as readonly string[]).includes(s.directive.name)) out.push(ruleIdentity(model, s));
  return out;
}

/** `modsecurity` in effect: off when not set anywhere (ngx_conf_merge_value(c->enable, p->enable, 0)). */
function enableIn(ctx: ConfigContext): Enable {
  const e = effective(ctx, "modsecurity");
  const v = e?.sites[0].directive.args[0]?.value.toLowerCase() ?? "off";
  return v === "on" ? "on" : v === "off" ? "off" : "variable";
}

function findSite(model: ConfigModel, names: readonly string[], finding: Finding): DirectiveSite | null {
  for (const name of names)
    for (const s of model.sitesOf(name))
      if (s.file.path === finding.path && s.directive.range.start.offset === finding.range.start.offset) return s;
  return null;
}

function textOf(model: ConfigModel, p: string): string {
  const t = model.config.files.get(p)?.text;
  if (t === undefined) throw new Error(`${p} is not part of the configuration`);
  return t;
}

function removals(model: ConfigModel, sites: readonly DirectiveSite[]): TextEdit[] {
  return uniqueSites(sites).map((s) => removeDirective(s.file.path, textOf(model, s.file.path), s.directive));
}

/** Reads the edited configuration; null (not offered) unless every block reads the same apart from `ignore`. */
function check(model: ConfigModel, edits: TextEdit[], ignore: ReadonlySet<string>, options: RuleOptions) {
  const edited = reanalyse(model.config, edits, options.source);
  const problem = sameApartFrom(model, edited.model, ignore);
  return problem ? null : edited;
}

/** The block in the edited configuration that is `c` before (sameApartFrom checked they line up). */
const after = (edited: EditedConfiguration, c: ConfigContext): ConfigContext => edited.model.contexts[c.id];

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Where the file is named in a title: its path as ModSecurity opens it. */
function fileLabel(model: ConfigModel, s: DirectiveSite): string {
  const a = s.directive.args;
  if (s.directive.name === "modsecurity_rules_file" && a.length === 1)
    return path.posix.normalize(includeNginxPath(a[0].value, model.config.confPrefix));
  return a[a.length - 1]?.value ?? s.directive.name;
}

// ---------------------------------------------------------------------------------------------------
// rules-per-block: load once at http level

function loadOnceFix(model: ConfigModel, finding: Finding, options: RuleOptions): Fix | null {
  const site = findSite(model, LOAD_DIRECTIVES, finding);
  if (!site) return null;
  const http = enclosing(site.context, "http");
  if (!http?.directive?.block) return null;
  const id = ruleIdentity(model, site);
  const group = LOAD_DIRECTIVES.flatMap((n) => model.sitesOf(n)).filter(
    (s) => enclosing(s.context, "http") !== null && ruleIdentity(model, s) === id,
  );
  // Already loaded at http level (or in another http block): nothing to move.
  if (group.some((s) => s.context.kind === "http" || enclosing(s.context, "http") !== http)) return null;
  if (group.length < 2) return null;

  const first = uniqueSites(group)[0];
  const edits = [
    ...removals(model, group),
    insertIntoBlock(http.file.path, textOf(model, http.file.path), http.directive, [
      directiveText(textOf(model, first.file.path), first.directive),
    ]),
  ];
  const edited = check(model, edits, IGNORE_RULES, options);
  if (!edited) return null;
  for (const c of model.locationConfigurations) {
    const before = rulesInEffect(model, c);
    const now = rulesInEffect(edited.model, after(edited, c));
    if (sameList(before, now)) continue;
    // A block that did not load the file inherits it now: inert only where ModSecurity is off, and only
    // safe to merge where no other rules are in effect (libmodsecurity rejects repeated rule ids).
    if (before.length === 0 && sameList(now, [id]) && enableIn(c) === "off") continue;
    return null;
  }
  const loadsAfter = LOAD_DIRECTIVES.flatMap((n) => edited.model.sitesOf(n)).filter(
    (s) => ruleIdentity(edited.model, s) === id,
  ).length;
  if (loadsAfter !== 1) return null;
  const blocks = [...new Set(uniqueSites(group).map((s) => s.context.label))];
  return {
    finding,
    title:
      `Load ${fileLabel(model, site)} once at http level (blocks keep their modsecurity on/off): ` +
      `${formatCount(group.length)} loads → 1`,
    isPreferred: true,
    edits,
    effect: { moved: [site.directive.name], before: group.length, after: loadsAfter, targets: blocks },
  };
}

// ---------------------------------------------------------------------------------------------------
// rules-loaded-twice: remove the loads a block already inherits

/** Loads of the same rules that an enclosing block (or the same block, earlier) already makes. */
function repeatedLoads(model: ConfigModel, group: readonly DirectiveSite[]): DirectiveSite[] {
  return group.filter((s) =>
    group.some(
      (t) =>
        t !== s &&
        (isAncestor(t.context, s.context) ||
          (t.context === s.context && t.context.directives.indexOf(t) < s.context.directives.indexOf(s))),
    ),
  );
}

/** The rules in first-seen order (what a block would run once the repeats are gone). */
function firstSeen(list: readonly string[]): string[] {
  return [...new Set(list)];
}

function removeRepeatedFix(model: ConfigModel, finding: Finding, options: RuleOptions): Fix | null {
  const site = findSite(model, ["modsecurity_rules_file"], finding);
  if (!site) return null;
  const id = ruleIdentity(model, site);
  const group = model.sitesOf("modsecurity_rules_file").filter((s) => ruleIdentity(model, s) === id);
  const repeated = repeatedLoads(model, group);
  if (!repeated.includes(site)) return null;
  const edits = removals(model, repeated);
  const edited = check(model, edits, IGNORE_RULES, options);
  if (!edited) return null;
  const reordered: string[] = [];
  for (const c of model.locationConfigurations) {
    const before = rulesInEffect(model, c);
    const now = rulesInEffect(edited.model, after(edited, c));
    // Every block keeps every rules file it had, and none has one twice any more.
    if (!sameList(firstSeen(before).sort(), firstSeen(now).sort())) return null;
    if (now.filter((x) => x === id).length > 1) return null;
    if (!sameList(firstSeen(before), now)) reordered.push(c.label);
  }
  const kept = group.find((t) => !repeated.includes(t))!;
  const n = uniqueSites(repeated).length;
  const caution =
    reordered.length > 0
      ? `in ${reordered.slice(0, 3).join(", ")}${reordered.length > 3 ? ` and ${reordered.length - 3} more` : ""} ` +
        `the inherited rules now run after the block's own rules directives, not where the removed load was`
      : undefined;
  return {
    finding,
    title:
      `Remove the ${n === 1 ? "repeated load" : `${formatCount(n)} repeated loads`} of ${fileLabel(model, site)} ` +
      `(inherited from ${kept.context.label}): nginx -t no longer fails with "is duplicated"` +
      (caution ? ` (caution: ${caution})` : ""),
    caution,
    isPreferred: !caution,
    edits,
    effect: {
      moved: ["modsecurity_rules_file"],
      before: group.length,
      after: group.length - repeated.length,
      targets: [kept.context.label],
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// on-without-rules: remove a `modsecurity on` that enforces nothing

function removeOnFix(model: ConfigModel, finding: Finding, options: RuleOptions): Fix | null {
  const site = findSite(model, ["modsecurity"], finding);
  if (!site || site.directive.args[0]?.value.toLowerCase() !== "on") return null;
  const key = siteKey(site);
  const edits = removals(
    model,
    model.sitesOf("modsecurity").filter((s) => siteKey(s) === key),
  );
  const edited = check(model, edits, new Set(["modsecurity"]), options);
  if (!edited) return null;
  let off = 0;
  for (const c of model.locationConfigurations) {
    const was = enableIn(c);
    const now = enableIn(after(edited, c));
    if (was === now) continue;
    const e = effective(c, "modsecurity");
    // Only blocks where this very directive was in effect, with no rules, and now off.
    if (!e || siteKey(e.sites[0]) !== key || rulesInEffect(model, c).length > 0 || now !== "off") return null;
    off++;
  }
  if (off === 0) return null;
  return {
    finding,
    title: `Remove "modsecurity on": it enforces nothing (no rules in the ${plural(off, "location configuration")} where it is in effect)`,
    isPreferred: true,
    edits,
    effect: { moved: ["modsecurity"], before: off, after: 0, targets: [] },
  };
}

// ---------------------------------------------------------------------------------------------------
// module-never-enabled: remove rules no request is ever inspected against

function removeUnusedRulesFix(model: ConfigModel, finding: Finding, options: RuleOptions): Fix | null {
  const load = findSite(model, ["load_module"], finding);
  const rules = RULES_DIRECTIVES.flatMap((n) => model.sitesOf(n)).filter((s) => enclosing(s.context, "http"));
  let removed: DirectiveSite[];
  if (load) removed = rules;
  else {
    const site = findSite(model, RULES_DIRECTIVES, finding);
    if (!site) return null;
    removed = rules.filter((s) => siteKey(s) === siteKey(site));
  }
  if (removed.length === 0) return null;
  const edits = removals(model, removed);
  const edited = check(model, edits, IGNORE_RULES, options);
  if (!edited) return null;
  if (edited.model.locationConfigurations.some((c) => enableIn(c) !== "off")) return null;
  const left = RULES_DIRECTIVES.flatMap((n) => edited.model.sitesOf(n)).filter((s) => enclosing(s.context, "http"));
  const n = uniqueSites(removed).length;
  const what =
    n === 1
      ? `${removed[0].directive.name} ${fileLabel(model, removed[0])}`
      : `the ${formatCount(n)} modsecurity_rules* directives`;
  return {
    finding,
    title:
      `Remove ${what}: ModSecurity is on nowhere, so no request is inspected against ${n === 1 ? "it" : "them"}; ` +
      `every start, reload and nginx -t parses ${formatCount(removed.length)} → ${formatCount(left.length)}`,
    isPreferred: false,
    edits,
    effect: {
      moved: [...new Set(removed.map((s) => s.directive.name))],
      before: removed.length,
      after: left.length,
      targets: [],
    },
  };
}

export function modsecurityFixes(model: ConfigModel, finding: Finding, options: RuleOptions): Fix[] {
  let fix: Fix | null = null;
  if (finding.code === "rules-per-block") fix = loadOnceFix(model, finding, options);
  else if (finding.code === "rules-loaded-twice") fix = removeRepeatedFix(model, finding, options);
  else if (finding.code === "on-without-rules") fix = removeOnFix(model, finding, options);
  else if (finding.code === "module-never-enabled") fix = removeUnusedRulesFix(model, finding, options);
  return fix ? [fix] : [];
}
