// Where a rule disagrees with a peer's fixture on purpose: the fixture's file (relative to ../shared/corpus)
// and why the peer is wrong there. Each one is also a test of its own in the rule's test file, settled with
// the real nginx where behaviour decides it. The fixture test (peer-fixtures.test.ts) fails on any other
// disagreement, and on an entry here that no longer disagrees.

export interface PeerDifference {
  /** Our rule id. */
  rule: string;
  reason: string;
}

export const DIFFERENCES: Readonly<Record<string, PeerDifference>> = {};
