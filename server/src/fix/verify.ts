// Every fix is checked before it is offered: the edits are applied in memory, the configuration is read
// again through the same workspace code, and the model before and after is compared block by block.
// A fix whose check fails is not offered (a fix that breaks a production config is worse than none).

import { buildModel, type ConfigContext, type ConfigModel, type DirectiveSite } from "../model";
import { loadConfiguration, type Configuration } from "../workspace/configuration";
import { NodeFileSource, OverlayFileSource, ParseCache, type FileSource } from "../workspace/files";
import { applyEdits, byFile } from "./text";
import type { TextEdit } from "./types";

export interface EditedConfiguration {
  config: Configuration;
  model: ConfigModel;
  /** The new text of each edited file. */
  texts: Map<string, string>;
}

/** The analysed text of each file with `edits` applied. */
export function editedTexts(config: Configuration, edits: readonly TextEdit[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [p, list] of byFile(edits)) {
    const parsed = config.files.get(p);
    if (!parsed) throw new Error(`${p} is not part of the configuration`);
    out.set(p, applyEdits(parsed.text, list));
  }
  return out;
}

/** The configuration read again through `source`: the same root, mappings, conf prefix and context. */
export function reload(config: Configuration, source: FileSource, cache: ParseCache = new ParseCache()): Configuration {
  return loadConfiguration(config.rootPath, {
    source,
    cache,
    mappings: config.mappings,
    defaultMapping: false,
    confPrefix: config.confPrefix,
    rootContext: config.root.context,
  });
}

/** The configuration read again with `edits` applied (same root, mappings, prefix and context). */
export function reanalyse(
  config: Configuration,
  edits: readonly TextEdit[],
  source: FileSource = new NodeFileSource(),
): EditedConfiguration {
  const texts = editedTexts(config, edits);
  const overlay = new OverlayFileSource(source);
  // Files are read as they were analysed (editor buffers included), the edited ones as edited.
  for (const [p, parsed] of config.files) overlay.setOverlay(p, texts.get(p) ?? parsed.text);
  const edited = reload(config, overlay);
  return { config: edited, model: buildModel(edited), texts };
}

function valueOf(sites: readonly DirectiveSite[]): string {
  return sites
    .map((s) => s.directive.args.map((a) => a.value).join("\u0001") + (s.directive.lua?.code ?? ""))
    .join("\u0002");
}

/** `name → arguments` of every directive in effect in a block (its own, else the nearest enclosing block's). */
export function effectiveSnapshot(ctx: ConfigContext, ignore: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) {
    for (const [name, sites] of c.own) {
      if (out.has(name) || ignore.has(name) || sites.length === 0) continue;
      // Blocks (server, location, …) are compared as structure, not as values.
      if (sites.some((s) => s.directive.block)) continue;
      out.set(name, valueOf(sites));
    }
  }
  return out;
}

/** Why two snapshots differ (first difference), or null. */
function snapshotDifference(a: Map<string, string>, b: Map<string, string>): string | null {
  for (const [k, v] of a) if (b.get(k) !== v) return b.has(k) ? `"${k}" changes` : `"${k}" is no longer in effect`;
  for (const k of b.keys()) if (!a.has(k)) return `"${k}" comes into effect`;
  return null;
}

/**
 * Null when the edited configuration has the same blocks, no new problems, and in every block the same
 * directives in effect apart from the names in `ignore`; otherwise what differs.
 */
export function sameApartFrom(before: ConfigModel, after: ConfigModel, ignore: ReadonlySet<string>): string | null {
  const problems = (c: Configuration): string[] =>
    c.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => `${d.code}\0${d.message}`)
      .sort();
  const p0 = problems(before.config);
  const p1 = problems(after.config);
  if (p0.join("\n") !== p1.join("\n")) return "the edited configuration reads differently (new or missing errors)";
  const a = before.contexts;
  const b = after.contexts;
  if (a.length !== b.length) return `${a.length} blocks before, ${b.length} after`;
  for (let i = 0; i < a.length; i++) {
    if (a[i].kind !== b[i].kind || a[i].label !== b[i].label || a[i].file.path !== b[i].file.path)
      return `block ${i} is ${a[i].label} before and ${b[i].label} after`;
    const diff = snapshotDifference(effectiveSnapshot(a[i], ignore), effectiveSnapshot(b[i], ignore));
    if (diff) return `${a[i].label} (${a[i].file.path}): ${diff}`;
  }
  return null;
}

/** The value of `name` in effect in a block, as `sameApartFrom` compares it (undefined: not set). */
export function effectiveValue(ctx: ConfigContext, name: string): string | undefined {
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) {
    const sites = c.own.get(name);
    if (sites && sites.length > 0) return valueOf(sites);
  }
  return undefined;
}
