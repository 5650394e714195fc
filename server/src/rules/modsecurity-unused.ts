// modsecurity-unused: ModSecurity-nginx configured so that it costs without protecting (semantics.md §6).
//
// - ngx_http_modsecurity_create_conf calls msc_create_rules_set() for every location configuration
//   (http, server, location, if, limit_except), whether `modsecurity` is on or off, and
//   ngx_http_modsecurity_merge_conf calls msc_rules_merge(child, parent) at every level: rules set
//   anywhere above a block are in effect in it.
// - every modsecurity_rules_file / modsecurity_rules_remote parses (downloads) its rules again
//   (msc_rules_add_file / msc_rules_add_remote); libmodsecurity ≥ 3.0.5 shares *inherited* rules as
//   pointers, so the cost is each explicit load, not the inheritance.
//
// Codes: `on-without-rules`, `module-never-enabled`, `rules-per-block`. docs/rules/modsecurity-unused.md

import * as path from "path";
import {
  effective,
  enclosing,
  isAncestor,
  siteKey,
  ownSites,
  registerQuestion,
  sitesWhere,
  contextMemo,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../model";
import { formatBytes, formatCount } from "../cost/format";
import { NodeFileSource, normalizePath, type FileSource } from "../workspace/files";
import { expandGlob, hasMagic } from "../workspace/glob";
import { includeNginxPath } from "../workspace/includes";
import { mapPath, unmapPath, type PathMapping } from "../workspace/paths";
import type { Finding, RelatedLocation, RuleOptions } from "./types";

export const RULE_ID = "modsecurity-unused";

/** The http block or a block inside it (ModSecurity-nginx is an http module). */
const inHttpBlock = (c: ConfigContext): boolean => enclosing(c, "http") !== null;

/** Directives that add rules to a location configuration's RulesSet. */
const RULES_DIRECTIVES = ["modsecurity_rules_file", "modsecurity_rules", "modsecurity_rules_remote"] as const;
/** Directives that load rules from somewhere else, parsed again at each directive. */
const LOAD_DIRECTIVES = ["modsecurity_rules_file", "modsecurity_rules_remote"] as const;
const ALL_DIRECTIVES = ["modsecurity", ...RULES_DIRECTIVES, "modsecurity_transaction_id"] as const;
const MODULE_SO = /(^|\/)ngx_http_modsecurity_module\.so$/;
const MODULE_NAMES: ReadonlySet<string> = new Set(ALL_DIRECTIVES);

/**
 * The sites of `names` (directives of the module), grouped by name in the order given, each group in reading
 * order: what `names.flatMap(model.sitesOf)` gives. The model is asked one question for all the module's
 * names (sitesWhere, one key), not one per name: each new name walked every statement of every block that
 * might hold it, five walks of large-config's 32,654 statements on a server's first analysis.
 */
function moduleSites(model: ConfigModel, names: readonly string[]): DirectiveSite[] {
  const all = sitesWhere(model, "modsecurity-module", MODULE_QUESTION);
  if (all.length === 0) return [];
  const out: DirectiveSite[] = [];
  for (const name of names) for (const s of all) if (s.directive.name === name) out.push(s);
  return out;
}
/** How many blocks a finding lists as related information. */
const RELATED_SAMPLE = 5;
/** How many block labels `data.contexts` lists (the count is always exact). */
const DATA_SAMPLE = 20;
/** Bounds on following `Include` inside rules files. */
const MAX_INCLUDE_DEPTH = 16;
const MAX_RULES_FILES = 2000;

type Enable = "on" | "off" | "variable";

/** `modsecurity` takes a complex value: `on`/`off` (any case) or something only known per request. */
function enableOf(site: DirectiveSite): Enable {
  const v = site.directive.args[0]?.value ?? "";
  if (v.toLowerCase() === "on") return "on";
  if (v.toLowerCase() === "off") return "off";
  return "variable";
}

/** Sites grouped by the directive as written (a file included twice gives one group of two instances). */
function byDirective(sites: DirectiveSite[]): DirectiveSite[][] {
  const out = new Map<string, DirectiveSite[]>();
  for (const s of sites) {
    const k = siteKey(s);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(s);
  }
  return [...out.values()];
}

/** rulesInEffect's answers per block (a per-context memo: a recycled context starts without one). */
const rulesAnswers = contextMemo<boolean>();

/**
 * True when rules are set in `ctx` or any block above it (msc_rules_merge at every level). Remembered
 * along the way: asked for every location configuration, walking up each time is quadratic in the depth
 * (20,000 nested locations: 5.5 s of the 7 s `check` took).
 */
function rulesInEffect(ctx: ConfigContext): boolean {
  const path: ConfigContext[] = [];
  let answer = false;
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) {
    const known = rulesAnswers.get(c);
    if (known !== undefined) {
      answer = known;
      break;
    }
    if (RULES_DIRECTIVES.some((name) => ownSites(c!, name).length > 0)) {
      answer = true;
      rulesAnswers.set(c, true);
      break;
    }
    path.push(c);
  }
  for (const c of path) rulesAnswers.set(c, answer);
  return answer;
}

function blockRelated(c: ConfigContext, message: string): RelatedLocation | null {
  return c.directive ? { path: c.file.path, range: c.directive.nameWord.range, message } : null;
}

function siteRelated(s: DirectiveSite, message: string): RelatedLocation {
  return { path: s.file.path, range: s.directive.range, message };
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
}

// ---------------------------------------------------------------------------------------------------
// on-without-rules

function onWithoutRules(model: ConfigModel): Finding[] {
  // No `modsecurity` anywhere: nothing is in effect in any block (effective() finds only sites of the model),
  // and no block is asked (large-config ×10: 25,000 location configurations walked up per keystroke).
  if (moduleSites(model, ["modsecurity"]).length === 0) return [];
  const groups = new Map<string, { site: DirectiveSite; blocks: ConfigContext[] }>();
  for (const ctx of model.locationConfigurations) {
    const e = effective(ctx, "modsecurity");
    if (!e) continue;
    const site = e.sites[0];
    if (enableOf(site) !== "on" || rulesInEffect(ctx)) continue;
    const k = siteKey(site);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { site, blocks: [] }));
    g.blocks.push(ctx);
  }
  const findings: Finding[] = [];
  for (const { site, blocks } of groups.values()) {
    const n = blocks.length;
    const related: RelatedLocation[] = [];
    for (const b of blocks.slice(0, RELATED_SAMPLE)) {
      const r = blockRelated(b, `${b.label}: modsecurity on, no rules`);
      if (r) related.push(r);
    }
    if (n > RELATED_SAMPLE && related.length > 0)
      related[related.length - 1].message += ` (and ${formatCount(n - RELATED_SAMPLE)} more)`;
    findings.push({
      ruleId: RULE_ID,
      code: "on-without-rules",
      severity: "warning",
      path: site.file.path,
      range: site.directive.range,
      message:
        `ModSecurity inspects every request in ${plural(n, "location configuration")} with nothing to enforce: ` +
        `no modsecurity_rules_file, modsecurity_rules or modsecurity_rules_remote is set there or inherited. ` +
        `It costs per-request CPU (a transaction per request) and a RulesSet per location configuration. ` +
        `Load the rules (once, at http level) or set "modsecurity off".`,
      related,
      data: { locationConfigurations: n, contexts: blocks.slice(0, DATA_SAMPLE).map((b) => b.label) },
    });
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------------
// module-never-enabled

/** The first of `sites` met walking the blocks in reading order. */
function firstSite(model: ConfigModel, sites: DirectiveSite[]): DirectiveSite {
  const wanted = new Set(sites);
  for (const c of model.contexts) for (const s of c.directives) if (wanted.has(s)) return s;
  return sites[0];
}

function moduleNeverEnabled(model: ConfigModel): Finding[] {
  const loads = model.sitesOf("load_module").filter((s) => MODULE_SO.test(s.directive.args[0]?.value ?? ""));
  const sites = moduleSites(model, ALL_DIRECTIVES);
  if (loads.length === 0 && sites.length === 0) return [];
  // Enabled somewhere: `on`, or a variable that may be on for some requests.
  const enabled = model.locationConfigurations.some((c) => {
    const e = effective(c, "modsecurity");
    return e !== null && enableOf(e.sites[0]) !== "off";
  });
  if (enabled) return [];

  const httpBlocks = model.contexts.filter((c) => c.kind === "http").length;
  const n = model.locationConfigurations.length + httpBlocks;
  const ruleSites = moduleSites(model, RULES_DIRECTIVES).filter((s) => inHttpBlock(s.context));
  const ruleDirectives = byDirective(ruleSites);
  const offSites = moduleSites(model, ["modsecurity"]);

  let targets: DirectiveSite[][];
  if (loads.length > 0) targets = byDirective(loads);
  else if (ruleDirectives.length > 0) targets = ruleDirectives;
  else targets = [[firstSite(model, sites)]];

  const rulesText =
    ruleSites.length > 0
      ? ` and every start, reload and nginx -t parses the rules of ${plural(ruleSites.length, "rules directive")}` +
        ` (ModSecurity #2381: memory grew on every reload with modsecurity off once rules were loaded)`
      : "";
  const message =
    `ngx_http_modsecurity_module is ${loads.length > 0 ? "loaded" : "configured"} but "modsecurity on" is in effect nowhere: ` +
    `it still creates a RulesSet in each of ${plural(n, "location configuration")} ` +
    `(create_conf runs for all of them, on or off)${rulesText}. ` +
    `Remove ${loads.length > 0 ? "the load_module line and " : ""}the modsecurity directives, or enable it where it is meant to protect.`;

  const findings: Finding[] = [];
  for (const group of targets) {
    const site = group[0];
    const related: RelatedLocation[] = [];
    for (const g of [...ruleDirectives, ...byDirective(offSites)]) {
      if (related.length >= RELATED_SAMPLE) break;
      if (siteKey(g[0]) === siteKey(site)) continue;
      related.push(siteRelated(g[0], `${g[0].directive.name} in ${g[0].context.label}`));
    }
    findings.push({
      ruleId: RULE_ID,
      code: "module-never-enabled",
      severity: "info",
      path: site.file.path,
      range: site.directive.range,
      message,
      related,
      data: {
        locationConfigurations: n,
        rulesDirectives: ruleSites.length,
        loadModule: loads.length > 0,
      },
    });
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------------
// rules-per-block

export interface RulesFileSize {
  /** `SecRule` directives in the file and everything it includes; null when the file could not be read. */
  rules: number | null;
  /** Bytes of the file and everything it includes; null when the file could not be read. */
  bytes: number | null;
  /** Files read (the file itself and its includes). */
  files: number;
  /** Files (nginx/ModSecurity paths) that could not be read: the file itself, or included ones. */
  unreadable: string[];
  /** Where the file itself was looked for in the workspace. */
  lookedFor: string;
  /** The `id:` of the first SecRule read, for the message nginx gives when the rules are loaded twice. */
  firstRuleId: string | null;
}

/** SecLang logical lines: a trailing backslash continues the line; `#` starts a comment line. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (const raw of text.split(/\r\n|\r|\n/)) {
    if (raw.endsWith("\\")) {
      cur += raw.slice(0, -1) + " ";
      continue;
    }
    out.push(cur + raw);
    cur = "";
  }
  if (cur !== "") out.push(cur);
  return out;
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

/**
 * Reads a rules file as libmodsecurity does for counting: `SecRule` lines, and `Include` followed
 * relative to the including rules file (utils::find_resource) with globs. Paths are ModSecurity's (the
 * server's); they are read through the path mappings.
 */
export function readRulesFile(nginxPath: string, source: FileSource, mappings: readonly PathMapping[]): RulesFileSize {
  let rules = 0;
  let bytes = 0;
  let files = 0;
  let firstRuleId: string | null = null;
  const unreadable: string[] = [];
  const chain: string[] = [];
  const lookedFor = normalizePath(mapPath(nginxPath, mappings));

  const visit = (name: string, ws: string): boolean => {
    if (chain.includes(ws) || chain.length >= MAX_INCLUDE_DEPTH || files >= MAX_RULES_FILES) return true;
    const text = source.read(ws);
    if (text === null) {
      unreadable.push(name);
      return false;
    }
    files++;
    bytes += Buffer.byteLength(text, "utf8");
    chain.push(ws);
    for (const line of logicalLines(text)) {
      const m = /^\s*(\S+)\s*(.*)$/.exec(line);
      if (!m || m[1].startsWith("#")) continue;
      const word = m[1].toLowerCase();
      if (word === "secrule") {
        rules++;
        firstRuleId ??= /\bid\s*:\s*'?(\d+)/.exec(m[2])?.[1] ?? null;
      } else if (word === "include") {
        const arg = unquote(m[2]);
        if (arg === "") continue;
        const target = arg.startsWith("/") ? arg : path.posix.join(path.posix.dirname(name), arg);
        if (hasMagic(target)) {
          const matches = expandGlob(normalizePath(mapPath(target, mappings)), source).map(normalizePath);
          for (const f of matches) if (!source.isDirectory(f)) visit(unmapPath(f, mappings), f);
        } else visit(target, normalizePath(mapPath(target, mappings)));
      }
    }
    chain.pop();
    return true;
  };

  const ok = visit(nginxPath, lookedFor);
  return ok
    ? { rules, bytes, files, unreadable, lookedFor, firstRuleId }
    : { rules: null, bytes: null, files, unreadable, lookedFor, firstRuleId };
}

interface LoadGroup {
  kind: "file" | "remote";
  /** The rules file as ModSecurity opens it (conf prefix applied), or the remote URL. */
  file: string;
  instances: DirectiveSite[];
}

function loadKey(model: ConfigModel, s: DirectiveSite): { kind: "file" | "remote"; file: string } | null {
  const a = s.directive.args;
  if (s.directive.name === "modsecurity_rules_file") {
    if (a.length !== 1 || a[0].value === "") return null;
    return { kind: "file", file: path.posix.normalize(includeNginxPath(a[0].value, model.config.confPrefix)) };
  }
  if (a.length !== 2 || a[1].value === "") return null;
  return { kind: "remote", file: a[1].value };
}

function sizeText(group: LoadGroup, size: RulesFileSize | null): string {
  if (group.kind === "remote") return "Remote rules are not fetched here.";
  if (!size) return "";
  if (size.rules === null || size.bytes === null)
    return (
      `${group.file} is not readable here` +
      (size.lookedFor !== group.file ? ` (looked for ${size.lookedFor})` : "") +
      "; its size is unknown."
    );
  const missing = size.unreadable.length > 0 ? `; not readable here, not counted: ${size.unreadable.join(", ")}` : "";
  return `It holds ${plural(size.rules, "SecRule")} in ${plural(size.files, "file")}, ${formatBytes(size.bytes)}${missing}.`;
}

function rulesPerBlock(model: ConfigModel, options: RuleOptions): Finding[] {
  const groups = new Map<string, LoadGroup>();
  for (const name of LOAD_DIRECTIVES)
    for (const s of moduleSites(model, [name])) {
      if (!inHttpBlock(s.context)) continue;
      const k = loadKey(model, s);
      if (!k) continue;
      const key = `${k.kind}\0${k.file}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ...k, instances: [] }));
      g.instances.push(s);
    }

  const source = options.source ?? new NodeFileSource();
  const findings: Finding[] = [];
  for (const g of groups.values()) {
    const parses = g.instances.length;
    if (parses < 2) continue;
    const size = g.kind === "file" ? readRulesFile(g.file, source, model.config.mappings) : null;
    const twice = loadedTwice(g, size);
    for (const f of twice.findings) findings.push(f); // not push(...): one per instance, unbounded
    // nginx refuses this configuration: the error says what to change; the memory of the loads can wait.
    if (twice.findings.length > 0) continue;
    const directives = byDirective(g.instances);
    const sites = directives.length;
    // The http-level load is the one to keep; report the others (all of them if every load is at http).
    const inBlocks = directives.filter((d) => d.some((s) => s.context.kind !== "http"));
    const report = inBlocks.length > 0 ? inBlocks : directives;

    const how =
      sites === parses
        ? plural(sites, "directive")
        : `${plural(sites, "directive")} read ${parses} times through include`;
    const what =
      g.kind === "file"
        ? `${g.file} is parsed ${formatCount(parses)} times: libmodsecurity parses it again for every modsecurity_rules_file naming it (msc_rules_add_file; here ${how})`
        : `Rules from ${g.file} are downloaded and parsed ${formatCount(parses)} times: once for every modsecurity_rules_remote naming it (here ${how})`;
    const message =
      `${what}, at every start, reload and nginx -t; only inherited rules are shared (libmodsecurity ≥ 3.0.5). ` +
      `${sizeText(g, size)} ` +
      `Load it once at http level and switch "modsecurity on/off" per server (ModSecurity #2360). ` +
      `Reported in ModSecurity-nginx #181: 14 MB without ModSecurity, 300 MB with rules in 1 vhost, 500–700 MB with 5; ` +
      `in ModSecurity #1546: +12,392 KB per reload with 1 vhost.`;

    for (const d of report) {
      const site = d[0];
      const related: RelatedLocation[] = [];
      for (const other of directives) {
        if (other === d || related.length >= RELATED_SAMPLE) continue;
        const times = other.length > 1 ? ` (${other.length} times through include)` : "";
        related.push(siteRelated(other[0], `also loaded in ${other[0].context.label}${times}`));
      }
      findings.push({
        ruleId: RULE_ID,
        code: "rules-per-block",
        severity: "warning",
        path: site.file.path,
        range: site.directive.range,
        message: message.replace(/ {2,}/g, " "),
        related,
        data: {
          sites,
          parses,
          file: g.file,
          rules: size ? size.rules : null,
          bytes: size ? size.bytes : null,
        },
      });
    }
  }
  return findings;
}

/**
 * Loads of the same rules in one location configuration: a block that loads a file an enclosing block
 * already loads (or loads it twice). libmodsecurity merges the inherited rules into the block's set and
 * rejects the repeated ids: real `nginx -t` (Debian 1.22.1 + ModSecurity-nginx 1.0.3) fails with
 * `"modsecurity_rules_file" directive Rule id: 1 is duplicated` (test/rules/modsecurity-oracle.test.ts).
 */
function loadedTwice(g: LoadGroup, size: RulesFileSize | null): { findings: Finding[] } {
  const findings: Finding[] = [];
  const sites = new Set<string>();
  // A file read here holding no SecRule cannot repeat an id.
  if (g.kind !== "file" || size?.rules === 0) return { findings };
  for (const s of g.instances) {
    const earlier = g.instances.find(
      (t) =>
        t !== s &&
        (isAncestor(t.context, s.context) ||
          (t.context === s.context && t.directive.startOffset < s.directive.startOffset && t.file === s.file)),
    );
    if (!earlier || sites.has(siteKey(s))) continue;
    sites.add(siteKey(s));
    const id = size?.firstRuleId ?? "N";
    const where = earlier.context === s.context ? "earlier in the same block" : `in ${earlier.context.label}`;
    findings.push({
      ruleId: RULE_ID,
      code: "rules-loaded-twice",
      severity: "error",
      path: s.file.path,
      range: s.directive.range,
      message:
        `${g.file} is already loaded ${where} and inherited here: libmodsecurity merges the inherited rules and ` +
        `rejects the repeated ids, so nginx -t fails with "Rule id: ${id} is duplicated"` +
        (size === null || size.rules === null ? " (if the file defines rules; it is not readable here)" : "") +
        `. Load it once, at the outer level.`,
      related: [siteRelated(earlier, `${g.file} first loaded here (${earlier.context.label})`)],
      data: { file: g.file, firstLoad: earlier.context.label, ruleId: size?.firstRuleId ?? null },
    });
  }
  return { findings };
}

export function modsecurityUnusedFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  return [...onWithoutRules(model), ...moduleNeverEnabled(model), ...rulesPerBlock(model, options)];
}

/** The rule's question, known from the start (model/index.ts registerQuestion). */
const MODULE_QUESTION = registerQuestion("modsecurity-module", (name) => MODULE_NAMES.has(name));
