// Rule `root-in-location` (nginx-lint's root_in_location): a `root` written inside a location (or an `if`
// in one). Locations without their own `root` use the server's, or nginx's compiled-in `html` folder when
// the server sets none: a root set location by location leaves the others on that default, and a new
// location added later serves from it. Set it once in the server and use `alias` where a location maps
// elsewhere. docs/rules/root-in-location.md

import type { StatementCheck } from "./statement-checks";

export const RULE_ID = "root-in-location";

export const rootInLocationCheck: StatementCheck = {
  ruleId: RULE_ID,
  names: new Set(["root"]),
  statement(d, context, _parents, _options, out) {
    if (d.name !== "root" || (context !== "location" && context !== "if_in_location")) return;
    out.push({
      ruleId: RULE_ID,
      code: context === "location" ? "location" : "if",
      severity: "info",
      message:
        `root is set inside ${context === "location" ? "a location" : "an if in a location"}: the server's other ` +
        "locations (and any added later) do not get it and serve from the server's root or nginx's default html " +
        "folder; set root once in the server block and use alias where a location maps elsewhere",
      d,
      word: -1,
    });
  },
};
