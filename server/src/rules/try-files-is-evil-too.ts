// Rule `try-files-is-evil-too` (gixy's try_files_is_evil_too): a `try_files` that checks files while no
// `open_file_cache` is in effect. Each file or folder it names before its fallback costs a stat() (open()
// and fstat() for files) per request on the workers' event loop, where a slow or network file system stalls
// every connection of the worker; `open_file_cache` keeps the answers. The cache is inherited: one set in the
// http block (often in nginx.conf while the try_files is in a sites-enabled file) or the server covers the
// location, and one set to `off` nearer the location switches it off. docs/rules/try-files-is-evil-too.md

import { effectiveSitesOf, siteKey, type ConfigModel } from "../model";
import { accessSites } from "./access-rules";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "try-files-is-evil-too";

export function tryFilesIsEvilTooFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  let cacheOf: ReturnType<typeof effectiveSitesOf> | null = null;
  for (const s of accessSites(model)) {
    const d = s.directive;
    if (d.name !== "try_files" || d.argCount < 2) continue;
    // The last argument is the fallback (a URI, `=code` or `@name`), not looked up; `""` checks nothing a
    // request names (the `try_files "" @name` idiom that jumps to a named location).
    let checks = false;
    for (let i = 0; i < d.argCount - 1; i++) if ((d.argValue(i) ?? "") !== "") checks = true;
    if (!checks) continue;
    cacheOf ??= effectiveSitesOf(model, "open_file_cache");
    const cache = cacheOf(s.context);
    const last = cache?.[cache.length - 1];
    const off = last !== undefined && (last.directive.argValue(0) ?? "").toLowerCase() === "off";
    if (last !== undefined && !off) continue;
    const key = siteKey(s);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      ruleId: RULE_ID,
      code: off ? "cache-off" : "no-cache",
      severity: "info",
      path: s.file.path,
      range: d.nameWord.range,
      message:
        `try_files looks up ${d.argCount - 1 === 1 ? "a file" : `${d.argCount - 1} files`} on every request and ` +
        `${off ? "open_file_cache is off here" : "no open_file_cache is in effect here (none in this block, its server or the http block)"}: ` +
        "each lookup is a stat() on the worker's event loop, which a slow disk or network file system stalls; " +
        'set e.g. "open_file_cache max=10000 inactive=30s;" in the http block',
      ...(last !== undefined
        ? { related: [{ path: last.file.path, range: last.directive.nameWord.range, message: "in effect here" }] }
        : {}),
    });
  }
  return out;
}
