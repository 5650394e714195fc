// The fix of mixed-case-variable: write every occurrence of the other spelling as the first one, in the same
// http (or stream) block — nginx lowercases variable names, so nothing changes at run time. Checked like
// every fix (fix/verify.ts): the edited configuration is read again, has the same blocks and errors, the
// same directives in effect everywhere apart from those edited, and for those, values that differ only in
// the case of variable names.

import type { ConfigModel } from "../model";
import { variableWords } from "../rules/mixed-case-variable";
import type { Finding, RuleOptions } from "../rules/types";
import { walk } from "../workspace/configuration";
import type { Fix, RefusedFix, TextEdit } from "./types";
import { effectiveValue, reanalyse, sameApartFrom } from "./verify";

const NAME = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** A value with its variable names lowercased, as nginx compiles them. */
const folded = (v: string | undefined): string | undefined => v?.replace(NAME, (m) => m.toLowerCase());

/** `raw` with `$from` and `${from}` written as `to` (nothing else touched). */
function respell(raw: string, from: string, to: string): string {
  return raw.replace(NAME, (m, braced: string | undefined, bare: string | undefined) =>
    (braced ?? bare) === from ? (braced !== undefined ? `\${${to}}` : `$${to}`) : m,
  );
}

export function mixedCaseFixes(model: ConfigModel, finding: Finding, _options: RuleOptions): (Fix | RefusedFix)[] {
  const data = finding.data as { spellings?: string[]; scope?: string | null } | undefined;
  const [to, from] = data?.spellings ?? [];
  if (to === undefined || from === undefined || to.toLowerCase() !== from.toLowerCase()) return [];
  const scope = data?.scope ?? null;
  const config = model.config;
  const edits: TextEdit[] = [];
  // the names of the edited directives: sameApartFrom compares the others, this fix compares them itself
  const names = new Set<string>();
  const seen = new Set<string>();
  walk(config, {
    enter(d, info) {
      if ((info.context.length > 0 ? info.context[0] : null) !== scope) return;
      const parent = info.parents.length > 0 ? info.parents[info.parents.length - 1] : null;
      for (const w of variableWords(d, parent)) {
        if (!w.names.includes(from)) continue;
        const word = d.args[w.arg];
        const key = `${info.file.path}\u0000${word.startOffset}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const text = config.files.get(info.file.path)?.text;
        if (text === undefined) continue;
        const raw = text.slice(word.startOffset, word.endOffset);
        const next = respell(raw, from, to);
        if (next === raw) continue;
        edits.push({ path: info.file.path, range: word.range, newText: next });
        names.add(d.name);
      }
    },
  });
  if (edits.length === 0) return [];
  const title = `Write $${from} as $${to} (${edits.length} ${edits.length === 1 ? "place" : "places"}): one variable to nginx`;
  const edited = reanalyse(config, edits);
  let why = sameApartFrom(model, edited.model, names);
  if (why === null) {
    const a = model.contexts;
    const b = edited.model.contexts;
    for (let i = 0; i < a.length && why === null; i++)
      for (const name of names)
        if (folded(effectiveValue(a[i], name)) !== folded(effectiveValue(b[i], name))) {
          why = `${a[i].label}: "${name}" changes beyond the case of a variable name`;
          break;
        }
  }
  if (why !== null) return [{ finding, title, refused: why }];
  return [{ finding, title, isPreferred: true, edits }];
}
