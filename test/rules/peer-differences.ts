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
  // add-header-redefinition (test/rules/headers.test.ts, "peer differences").
  "yandex+gixy/tests/plugins/simply/add_header_redefinition/not_secure_both_fp.conf": {
    rule: "add-header-redefinition",
    reason:
      "yandex/gixy reports only five security headers by default; X-Bar is dropped all the same (nginx sends " +
      "no X-Bar from the location). dvershinin/gixy and Gixy-Next report every header by default, and this " +
      "same fixture fires there (renamed not_secure_dropped.conf); ours says so as info, not warning",
  },
  "yandex+gixy/tests/plugins/simply/add_header_redefinition/not_secure_outer_fp.conf": {
    rule: "add-header-redefinition",
    reason:
      "as not_secure_both_fp.conf: the outer X-Bar is dropped by the location's add_header; the maintained " +
      "forks fire on this same file (dvershinin/gixy not_secure_outer.conf); info here",
  },
  "MegaManSec+gixy-ng/tests/plugins/simply/add_header_redefinition/header_inherit_on_fp.conf": {
    rule: "add-header-redefinition",
    reason:
      "`add_header_inherit on` is nginx's default, standard inheritance (NGX_HTTP_HEADERS_INHERIT_ON in " +
      "ngx_http_headers_merge_conf: a block with its own add_header does not take the parent's); only " +
      "`merge` appends the parent's headers. The location drops X-Frame-Options and X-Content-Type-Options; " +
      "Gixy-Next, the fork's later version, fires on the same case for trailers (trailer_inherit_on.conf)",
  },
};
