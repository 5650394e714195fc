// The fix of add-header-redefinition (docs/rules/add-header-redefinition.md, "Quick-fix"): repeat the
// dropped add_header (add_trailer) statements, as written, just above the block's first one, so the block
// and everything that inherits from it send them again. Offered only when it is certainly right:
// - every place the block is read (a location file included in several servers) drops the same statements,
//   else the copy would add one server's headers to another's responses;
// - checked by reading the edited configuration again (fix/verify.ts): no finding is left on the block,
//   and nothing but add_header/add_trailer reads differently anywhere.

import { siteKey, type ConfigModel, type DirectiveSite } from "../model";
import { addHeaderRedefinitionFindings, RULE_ID } from "../rules/add-header-redefinition";
import { ARRAY_FAMILIES, FamilyInEffect, headerRuleSites, sitesNamed } from "../rules/inheritance";
import type { Finding, RuleOptions } from "../rules/types";
import { directiveText, eolOf, indentAt, insertBefore } from "./text";
import type { Fix } from "./types";
import { reanalyse, sameApartFrom } from "./verify";

const IGNORED = new Set(["add_header", "add_trailer"]);

/** The statements a block instance drops, in the order nginx had them in effect above it (as text keys). */
function droppedIn(effect: FamilyInEffect, first: DirectiveSite): DirectiveSite[] | null {
  const ctx = first.context;
  if (ctx.parent === null || effect.mode(ctx) !== "on") return null;
  const own = new Set<string>();
  for (const s of effect.ownSites(ctx)) for (const k of effect.family.keys(s.directive)) own.add(k);
  const out: DirectiveSite[] = [];
  for (const s of effect.sites(ctx.parent)) if (effect.family.keys(s.directive).some((k) => !own.has(k))) out.push(s);
  return out;
}

export function addHeaderRedefinitionFixes(model: ConfigModel, finding: Finding, options: RuleOptions): Fix[] {
  const name = finding.data?.directive;
  const family = ARRAY_FAMILIES.find((f) => f.name === name && f.rule === RULE_ID);
  if (family === undefined) return [];
  const sites = headerRuleSites(model);
  // Every instance of the reported statement (one per place its file is read).
  const instances = sitesNamed(sites, family.name).filter(
    (s) => s.file.path === finding.path && s.directive.startOffset === finding.range.start.offset,
  );
  if (instances.length === 0) return [];
  const effect = new FamilyInEffect(family, sites);
  let dropped: DirectiveSite[] | null = null;
  let signature: string | null = null;
  for (const inst of instances) {
    // The reported statement is its block's first of the family: the block's own list starts with it.
    if (effect.ownSites(inst.context)[0]?.directive !== inst.directive) return [];
    const here = droppedIn(effect, inst);
    if (here === null || here.length === 0) return [];
    const sig = here.map(siteKey).join("\n");
    if (signature !== null && sig !== signature) return [];
    signature = sig;
    dropped = here;
  }
  const at = instances[0];
  const text = model.config.files.get(at.file.path)?.text;
  if (text === undefined || dropped === null) return [];
  const statements: string[] = [];
  for (const s of dropped) {
    const source = model.config.files.get(s.file.path)?.text;
    if (source === undefined) return [];
    const written = directiveText(source, s.directive);
    // A statement over several lines would be re-indented wrongly: left to the person.
    if (/[\r\n]/.test(written)) return [];
    if (!statements.includes(written)) statements.push(written);
  }
  const start = at.directive.range.start.offset;
  const edits = [insertBefore(at.file.path, text, at.directive, statements.join(eolOf(text) + indentAt(text, start)))];
  const edited = reanalyse(model.config, edits, options.source);
  if (sameApartFrom(model, edited.model, IGNORED) !== null) return [];
  const left = addHeaderRedefinitionFindings(edited.model, options).some(
    (f) => f.path === finding.path && f.range.start.offset === start && f.data?.directive === family.name,
  );
  if (left) return [];
  const shown = (finding.data?.dropped as string[] | undefined) ?? [];
  return [
    {
      finding,
      title: `Repeat the ${statements.length} ${family.name} this block drops (${shown.join(", ")})`,
      caution:
        "the block and the blocks that inherit from it send these headers again: check none was left out on purpose",
      isPreferred: false,
      edits,
    },
  ];
}
