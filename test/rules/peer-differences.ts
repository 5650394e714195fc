// Where a rule disagrees with a peer's fixture on purpose: the fixture's file (relative to ../shared/corpus)
// and why the peer is wrong there. Each one is also a test of its own in the rule's test file, settled with
// the real nginx where behaviour decides it. The fixture test (peer-fixtures.test.ts) fails on any other
// disagreement, and on an entry here that no longer disagrees.

export interface PeerDifference {
  /** Our rule id. */
  rule: string;
  reason: string;
}

export const DIFFERENCES: Readonly<Record<string, PeerDifference>> = {
  "yandex+gixy/tests/plugins/simply/http_splitting/rewrite_extract_fp.conf": {
    rule: "http-splitting",
    reason:
      "gixy takes every capture in a rewrite's target as escaped; nginx escapes only the numbered captures of " +
      "the rewrite's own regex (ngx_http_script_copy_capture_code), a named one ($path) is a variable and goes " +
      "into Location as it is: the real nginx answers /n/%0d%0a%3a with a header line of its own " +
      "(variables.test.ts, http-splitting against the real nginx)",
  },
  "MegaManSec+gixy/tests/plugins/simply/http_splitting/mapped_value.conf": {
    rule: "http-splitting",
    reason:
      "the map's capture is of $host, which never holds CR or LF (a header value) nor `/` (ngx_http_validate_host " +
      "refuses it: the real nginx answers Host: a/b with 400), so the regex `/(.*)` never matches and the value is " +
      "the default (variables.test.ts)",
  },
};
