// client-max-body-size-not-set: an http block where no client_max_body_size is set anywhere runs with the
// default 1m: a request body over 1 MiB (an upload, a large JSON or form post) is refused with 413 Request
// Entity Too Large before it reaches the application, which users see as an error page the application
// never logged. Setting it says the limit was chosen. Only a written `http` block is judged (a fragment's is
// elsewhere), and not when a file included inside it could not be read (it may set the limit).
// A statement check: the directive is often set in every location, and the walk keeps facts per block.
// The peer: nginx-lint client_max_body_size_not_set. docs/rules/client-max-body-size-not-set.md

import { blockFacts } from "./http-facts";
import type { StatementCheck } from "./statement-checks";

export const RULE_ID = "client-max-body-size-not-set";

export const clientMaxBodySizeNotSetCheck: StatementCheck = blockFacts({
  ruleId: RULE_ID,
  name: "client_max_body_size",
  sets: (d) => d.name === "client_max_body_size",
  finding: () => ({
    code: "not-set",
    message:
      "client_max_body_size is set nowhere in this http block, so the default 1m applies: a request body over " +
      "1 MiB (an upload, a large form or JSON post) is refused with 413 before it reaches the application. " +
      "Set the limit the application needs (client_max_body_size 10m;), here or per server or location.",
  }),
});
