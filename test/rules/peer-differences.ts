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
  "walf443+nginx-lint/plugins/builtin/deprecation/listen_http2_deprecated/examples/bad.conf": {
    rule: "listen-http2-deprecated",
    reason:
      "`listen … http2` is deprecated from nginx 1.25.1 (which added the `http2` directive); the fixtures run with " +
      "nginx 1.22.1, where it is the only way to enable HTTP/2 and `http2 on` is refused. It fires from 1.25.1 " +
      "and when the version is unknown (main-tls.test.ts).",
  },
  "walf443+nginx-lint/plugins/builtin/syntax/invalid_directive_context/examples/bad.conf": {
    rule: "directive",
    reason:
      "A file holding only `server { … }` that no nginx.conf includes is a server fragment, analysed inside the " +
      "http block it belongs in: nginx -t accepts it included from `http { }` and refuses it only as a main " +
      'file ("server" directive is not allowed here), which is where rule directive reports it (main-tls.test.ts).',
  },
  "yandex+gixy/tests/plugins/simply/alias_traversal/not_slashed_alias_fp.conf": {
    rule: "alias-traversal",
    reason:
      "`location /files/ { alias /home; }` glues the rest of the URI onto `/home`: nginx 1.22.1 serves /home-old/x " +
      "for /files/-old/x, the same escape to sibling folders gixy reports for `location /files { alias /home; }` " +
      "(test/rules/access-control.test.ts, with nginx); nginx-lint's alias_location_slash_mismatch reports it too",
  },
  "walf443+nginx-lint/plugins/builtin/best_practices/alias_location_slash_mismatch/examples/good.conf": {
    rule: "alias-traversal",
    reason:
      "its `location /files { alias /data/files; }` serves /data/files-old/x for /files-old/x (nginx 1.22.1, " +
      "test/rules/access-control.test.ts); gixy's not_slashed_alias.conf reports that shape",
  },
  "MegaManSec+gixy-ng/tests/plugins/simply/if_is_evil/if_is_evil_break.conf": {
    rule: "if-is-evil",
    reason:
      "`rewrite ^ http://example.com/ break;` is a redirect whatever its flag (a replacement starting with http:// " +
      "is answered with a redirect): nginx 1.22.1 answers 302, the request never goes on in the if's configuration " +
      "(test/rules/access-control.test.ts)",
  },
  "MegaManSec+gixy/tests/plugins/simply/hash_without_default/map_no_default.conf": {
    rule: "hash-without-default",
    reason:
      "a map with one entry and no default is the idiom for 'this value, else empty' (an empty limit_req or " +
      "limit_conn key is not limited), and the later forks say so: gixy-ng's map_single_entry_no_default_fp.conf " +
      "and Gixy-Next's plugin leave single-entry maps alone; this older fork's fixture fires on one " +
      "(test/rules/regex-maps.test.ts: hash-without-default)",
  },
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
