// Rule `autoindex-enabled` (nginx-lint's autoindex_enabled): `autoindex on` lists the files of every folder
// without an index file that a request names, under the block where it is set and every block inside it
// that does not turn it off: backups, `.git` folders and uploads nobody linked to become browsable.
// docs/rules/autoindex-enabled.md

import type { StatementCheck } from "./statement-checks";

export const RULE_ID = "autoindex-enabled";

/** ngx_http_autoindex_module's `autoindex` is taken in http, server and location blocks. */
const AUTOINDEX_CONTEXTS = new Set(["http", "server", "location"]);

export const autoindexEnabledCheck: StatementCheck = {
  ruleId: RULE_ID,
  names: new Set(["autoindex"]),
  statement(d, context, _parents, _options, out) {
    if (d.name !== "autoindex" || d.argCount !== 1 || !AUTOINDEX_CONTEXTS.has(context)) return;
    // nginx's flag setter compares case-insensitively (ngx_conf_set_flag_slot).
    if ((d.argValue(0) ?? "").toLowerCase() !== "on") return;
    out.push({
      ruleId: RULE_ID,
      code: "on",
      severity: "warning",
      message:
        `autoindex on lists the contents of every folder without an index file under this ${context} (and the ` +
        "blocks inside it that do not turn it off): files nobody linked to, backups and uploads can be found and downloaded",
      d,
      word: 0,
    });
  },
};
