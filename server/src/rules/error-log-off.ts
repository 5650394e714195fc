// error-log-off: `error_log off` does not turn the error log off. nginx has no "off" for error_log
// (ngx_log_set_log, src/core/ngx_log.c, knows `stderr`, `syslog:` and `memory:` only): "off" is a file
// name, relative to the prefix, so nginx writes its errors to a file named `off` (Debian: /usr/share/nginx/off)
// that nobody reads or rotates, and fails to start if that folder is not writable. Use `error_log
// /dev/null crit;` to keep almost nothing. The peers: gixy (MegaManSec's fork) error_log_off.
// docs/rules/error-log-off.md

import { siteKey, type ConfigModel } from "../model";
import { sitesNamed } from "./main-tls-sites";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "error-log-off";

export function errorLogOffFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const s of sitesNamed(model, "error_log")) {
    // ngx_log_set_log compares the file name exactly: "OFF" is a file too, and said the same way.
    if ((s.directive.argValue(0) ?? "").toLowerCase() !== "off" || seen.has(siteKey(s))) continue;
    seen.add(siteKey(s));
    const name = s.directive.argValue(0)!;
    out.push({
      ruleId: RULE_ID,
      code: "file-named-off",
      severity: "warning",
      path: s.file.path,
      range: s.directive.args[0].range,
      message:
        `"error_log ${name}" does not disable logging: nginx writes the errors to a file named "${name}" relative ` +
        `to its prefix (Debian: /usr/share/nginx/${name}), which nobody reads or rotates and which fails the start ` +
        `where the prefix is not writable. Use "error_log /dev/null crit;" to keep almost nothing.`,
    });
  }
  return out;
}
