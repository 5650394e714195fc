// gzip-not-enabled: an http block where `gzip on` is set nowhere sends every text response (HTML, CSS,
// JavaScript, JSON) uncompressed: typically 3 to 10 times the bytes, slower pages on slow links and more
// egress. Only a written `http` block is judged (a fragment's is elsewhere), and not when a file included
// inside it could not be read. Compression of responses that mix secrets with attacker-controlled input over
// TLS is what BREACH exploits: turn it on for static and public content, not blindly for responses that carry
// CSRF tokens. A statement check, as client-max-body-size-not-set.
// The peer: nginx-lint gzip_not_enabled. docs/rules/gzip-not-enabled.md

import { blockFacts } from "./http-facts";
import type { StatementCheck } from "./statement-checks";

export const RULE_ID = "gzip-not-enabled";

export const gzipNotEnabledCheck: StatementCheck = blockFacts({
  ruleId: RULE_ID,
  name: "gzip",
  sets: (d) => d.name === "gzip" && (d.argValue(0) ?? "").toLowerCase() === "on",
  finding: () => ({
    code: "not-enabled",
    message:
      "gzip is not turned on anywhere in this http block: HTML, CSS, JavaScript and JSON go out uncompressed, " +
      'typically 3 to 10 times the bytes. Add "gzip on;" with gzip_types for the text types served.',
  }),
});
