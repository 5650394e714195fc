// error-log-off: `error_log off` does not turn the error log off. nginx has no "off" for error_log
// (ngx_log_set_log, src/core/ngx_log.c, knows `stderr`, `syslog:` and `memory:` only): "off" is a file
// name, relative to the prefix, so nginx writes its errors to a file named `off` (Debian: /usr/share/nginx/off)
// that nobody reads or rotates, and fails to start if that folder is not writable. Use `error_log
// /dev/null crit;` to keep almost nothing. A statement check (error_log is often set in every location).
// The peer: gixy (MegaManSec's fork) error_log_off. docs/rules/error-log-off.md

import type { StatementCheck } from "./statement-checks";

export const RULE_ID = "error-log-off";

export const errorLogOffCheck: StatementCheck = {
  ruleId: RULE_ID,
  names: new Set(["error_log"]),
  statement(d, _context, _parents, _options, out) {
    if (d.name !== "error_log") return;
    const name = d.argValue(0) ?? "";
    // ngx_log_set_log compares the file name exactly: "OFF" is a file too, and said the same way.
    if (name.toLowerCase() !== "off") return;
    out.push({
      ruleId: RULE_ID,
      code: "file-named-off",
      severity: "warning",
      d,
      word: 0,
      message:
        `"error_log ${name}" does not disable logging: nginx writes the errors to a file named "${name}" relative ` +
        `to its prefix (Debian: /usr/share/nginx/${name}), which nobody reads or rotates and which fails the start ` +
        `where the prefix is not writable. Use "error_log /dev/null crit;" to keep almost nothing.`,
    });
  },
};
