// The fix for alias-traversal's `sibling-prefix` where the location ends with `/` and the alias does not
// (docs/rules/alias-traversal.md): add the `/` to the alias. `location /j/ { alias /data/w; }` then maps
// `/j/x` to `/data/w/x`, as meant, and `/j/-old/x` to `/data/w/-old/x` instead of the sibling folder
// `/data/w-old/x`. Every URI the location matches starts with its `/`, so nothing that read a file inside the
// folder changes. The other codes need the location changed (what it matches changes): left to the person.
// Checked by reading the edited configuration again: only the alias differs, and the finding is gone.

import type { ConfigModel } from "../model";
import { RULE_ID } from "../rules/alias-traversal";
import type { Finding, RuleOptions } from "../rules/types";
import { reanalyse, sameApartFrom } from "./verify";
import type { Fix } from "./types";
import { positionIn } from "./text";
import { runChecks } from "../rules";

export function aliasTraversalFixes(model: ConfigModel, finding: Finding, options: RuleOptions): Fix[] {
  if (finding.code !== "sibling-prefix") return [];
  const data = finding.data as { location?: string; alias?: string } | undefined;
  if (!data?.location?.endsWith("/") || data.alias === undefined || data.alias.endsWith("/")) return [];
  const site = model
    .sitesOf("alias")
    .find(
      (s) => s.file.path === finding.path && s.directive.args[0]?.range.start.offset === finding.range.start.offset,
    );
  const word = site?.directive.args[0];
  const text = site === undefined ? undefined : model.config.files.get(site.file.path)?.text;
  if (site === undefined || word === undefined || text === undefined) return [];
  // After the value, inside its quotes when it has them.
  const at = word.range.end.offset - (word.quote ? 1 : 0);
  const pos = positionIn(text, at);
  const edits = [{ path: site.file.path, range: { start: pos, end: pos }, newText: "/" }];
  const edited = reanalyse(model.config, edits, options.source);
  if (sameApartFrom(model, edited.model, new Set(["alias"])) !== null) return [];
  const still = runChecks(edited.config, options, edited.model).some(
    (f) => f.ruleId === RULE_ID && f.path === finding.path && f.range.start.offset === finding.range.start.offset,
  );
  if (still) return [];
  return [
    {
      finding,
      title: `End the alias with "/" ("${data.alias}/"): the rest of the URI then stays inside the folder`,
      isPreferred: true,
      edits,
    },
  ];
}
