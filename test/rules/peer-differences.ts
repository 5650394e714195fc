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
  "MegaManSec+gixy/tests/plugins/simply/hash_without_default/map_no_default.conf": {
    rule: "hash-without-default",
    reason:
      "a map with one entry and no default is the idiom for 'this value, else empty' (an empty limit_req or " +
      "limit_conn key is not limited), and the later forks say so: gixy-ng's map_single_entry_no_default_fp.conf " +
      "and Gixy-Next's plugin leave single-entry maps alone; this older fork's fixture fires on one " +
      "(test/rules/regex-maps.test.ts: hash-without-default)",
  },
};
