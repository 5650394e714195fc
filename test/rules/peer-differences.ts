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
  "MegaManSec+gixy/tests/plugins/simply/missing_resolver/no_var.conf": {
    rule: "missing-resolver",
    reason:
      "MegaManSec/gixy's missing_resolver reports host names nginx resolves only at start (the check Gixy-Next renamed stale_dns_cache); this product reports those as stale-dns-cache (it fires here) and keeps missing-resolver for a run-time lookup with no resolver in effect, which this configuration does not make",
  },
  "MegaManSec+gixy/tests/plugins/simply/missing_resolver/upstream.conf": {
    rule: "missing-resolver",
    reason:
      "MegaManSec/gixy's missing_resolver reports host names nginx resolves only at start (the check Gixy-Next renamed stale_dns_cache); this product reports those as stale-dns-cache (it fires here) and keeps missing-resolver for a run-time lookup with no resolver in effect, which this configuration does not make",
  },
  "MegaManSec+gixy/tests/plugins/simply/missing_resolver/upstream_2.conf": {
    rule: "missing-resolver",
    reason:
      "MegaManSec/gixy's missing_resolver reports host names nginx resolves only at start (the check Gixy-Next renamed stale_dns_cache); this product reports those as stale-dns-cache (it fires here) and keeps missing-resolver for a run-time lookup with no resolver in effect, which this configuration does not make",
  },
  "MegaManSec+gixy/tests/plugins/simply/missing_resolver/upstream_3.conf": {
    rule: "missing-resolver",
    reason:
      "MegaManSec/gixy's missing_resolver reports host names nginx resolves only at start (the check Gixy-Next renamed stale_dns_cache); this product reports those as stale-dns-cache (it fires here) and keeps missing-resolver for a run-time lookup with no resolver in effect, which this configuration does not make",
  },
  "MegaManSec+gixy/tests/plugins/simply/missing_resolver/upstream_4.conf": {
    rule: "missing-resolver",
    reason:
      "MegaManSec/gixy's missing_resolver reports host names nginx resolves only at start (the check Gixy-Next renamed stale_dns_cache); this product reports those as stale-dns-cache (it fires here) and keeps missing-resolver for a run-time lookup with no resolver in effect, which this configuration does not make",
  },
  "MegaManSec+gixy/tests/plugins/simply/missing_resolver/no_var_fp.conf": {
    rule: "missing-resolver",
    reason:
      'a URL with a variable and a host that is no upstream is looked up per request, and with no resolver in effect every request fails with 502 ("no resolver defined to resolve", checked with the real nginx in upstream.test.ts); Gixy-Next\'s stale_dns_cache reports this case too',
  },
  "MegaManSec+gixy-ng/tests/plugins/simply/proxy_pass_normalized/missing_variable_in_if.conf": {
    rule: "proxy-pass-normalized",
    reason:
      'nginx -t refuses a URI part in proxy_pass without variables inside "if" or "limit_except" ("proxy_pass" cannot have URI part …): rule location reports it as an error; proxy-pass-normalized reports the run-time risks of configurations nginx accepts',
  },
  "MegaManSec+gixy-ng/tests/plugins/simply/proxy_pass_normalized/missing_variable_in_if_argflag.conf": {
    rule: "proxy-pass-normalized",
    reason:
      'nginx -t refuses a URI part in proxy_pass without variables inside "if" or "limit_except" ("proxy_pass" cannot have URI part …): rule location reports it as an error; proxy-pass-normalized reports the run-time risks of configurations nginx accepts',
  },
  "MegaManSec+gixy-ng/tests/plugins/simply/proxy_pass_normalized/missing_variable_in_limit_except.conf": {
    rule: "proxy-pass-normalized",
    reason:
      'nginx -t refuses a URI part in proxy_pass without variables inside "if" or "limit_except" ("proxy_pass" cannot have URI part …): rule location reports it as an error; proxy-pass-normalized reports the run-time risks of configurations nginx accepts',
  },
};
