// The fix for allow-without-deny (docs/rules/allow-without-deny.md): `deny all;` after the last `allow` of
// the block's list, on its own line at its indentation (or after it on the same line). Clients the list does
// not name are refused from then on — what writing an allow list means, and what the enclosing block's
// `deny` did before the block got a list of its own — but a client that reached the block without being
// listed loses access: offered with that caution. Checked by reading the edited configuration again: only
// `deny` differs, and the finding is gone.

import type { ConfigModel } from "../model";
import { accessOwners, ruleAddress } from "../rules/access-rules";
import { RULE_ID } from "../rules/allow-without-deny";
import { runChecks } from "../rules";
import type { Finding, RuleOptions } from "../rules/types";
import { eolOf, indentAt, lineEnd, positionIn } from "./text";
import type { Fix } from "./types";
import { reanalyse, sameApartFrom } from "./verify";

export function allowWithoutDenyFixes(model: ConfigModel, finding: Finding, options: RuleOptions): Fix[] {
  for (const rules of accessOwners(model).values()) {
    const first = rules.find((s) => s.directive.name === "allow" && ruleAddress(s) !== "all");
    if (first === undefined || first.file.path !== finding.path) continue;
    if (first.directive.nameWord.range.start.offset !== finding.range.start.offset) continue;
    let last = first;
    for (const s of rules) if (s.directive.name === "allow") last = s;
    const text = model.config.files.get(last.file.path)?.text;
    if (text === undefined) return [];
    const end = last.directive.range.end.offset;
    const le = lineEnd(text, end);
    const alone = text.slice(end, le).trim() === "";
    const at = alone ? le : end;
    const newText = alone
      ? `${eolOf(text)}${indentAt(text, last.directive.range.start.offset)}deny all;`
      : " deny all;";
    const pos = positionIn(text, at);
    const edits = [{ path: last.file.path, range: { start: pos, end: pos }, newText }];
    const edited = reanalyse(model.config, edits, options.source);
    if (sameApartFrom(model, edited.model, new Set(["deny"])) !== null) return [];
    const still = runChecks(edited.config, options, edited.model).some(
      (f) => f.ruleId === RULE_ID && f.path === finding.path && f.range.start.offset === finding.range.start.offset,
    );
    if (still) return [];
    const caution = "clients the allow lines do not name are refused (403) here from now on";
    return [
      {
        finding,
        title: `Add "deny all;" after the last allow (caution: ${caution})`,
        caution,
        isPreferred: false,
        edits,
      },
    ];
  }
  return [];
}
