// Where our directive table (read from the nginx and module sources, newest release 1.31.4) decides
// differently from crossplane's analyzer (crossplane/analyzer.py, a hand-written table last brought up to
// date years ago, with NGINX Plus directives inferred from the documentation). Each case asserts OUR
// behaviour; the comment says what crossplane does and why we differ. See ../shared/data/README.md,
// "Cross-check against crossplane".

import * as assert from "assert";
import { enterBlock, type DirectiveCheckOptions } from "../../server/src/parse/directives";
import { problemsIn as checkedProblems } from "../support/directives";

const OPTIONS: DirectiveCheckOptions = { strict: false, checkContext: true, checkArgs: true };
const STRICT: DirectiveCheckOptions = { ...OPTIONS, strict: true };

/** Every problem in `text`, read from the main context, as `LINE: message`. */
function problemsIn(text: string, options: DirectiveCheckOptions = STRICT): string[] {
  return checkedProblems(text, options);
}

describe("directive checks where crossplane decides differently", () => {
  describe("nginx changed after crossplane's table was written", () => {
    it("keepalive takes a second word (TAKE12 since 1.29.7)", () => {
      // crossplane: TAKE1 → `invalid number of arguments in "keepalive" directive`.
      assert.deepStrictEqual(problemsIn("http { upstream u { server a; keepalive 16 60s; } }"), []);
      // The same line is wrong for 1.7.5–1.29.6 nginx, which took one word.
      assert.deepStrictEqual(
        problemsIn("http { upstream u { server a; keepalive 16 60s; } }", { ...STRICT, version: "1.28.0" }),
        ['1: invalid number of arguments in "keepalive" directive'],
      );
    });

    it("http2 is a directive (since 1.25.1)", () => {
      // crossplane (strict): `unknown directive "http2"`; it predates the directive that replaced `listen … http2`.
      assert.deepStrictEqual(problemsIn("http { server { listen 443 ssl; http2 on; } }"), []);
    });

    it("proxy_protocol takes a version word (TAKE1 since 1.31.4)", () => {
      // crossplane: FLAG, so `v2` gives `invalid value "v2" in "proxy_protocol" directive, it must be "on" or "off"`.
      assert.deepStrictEqual(problemsIn("stream { server { listen 12345; proxy_protocol v2; proxy_pass b; } }"), []);
    });

    it("sticky in open-source nginx needs two words (2MORE since 1.29.6)", () => {
      // crossplane: the NGINX Plus form, 1MORE, so `sticky cookie;` passes there.
      assert.deepStrictEqual(problemsIn("http { upstream u { server a; sticky cookie; } }"), [
        '1: invalid number of arguments in "sticky" directive',
      ]);
      assert.deepStrictEqual(problemsIn("http { upstream u { server a; sticky cookie srv_id; } }"), []);
    });

    it("resolver_timeout in upstream and resolver in a stream upstream (1.27.3)", () => {
      // crossplane: `"resolver_timeout" directive is not allowed here`; its resolver has no NGX_STREAM_UPS_CONF.
      assert.deepStrictEqual(
        problemsIn("http { upstream u { resolver 10.0.0.1; resolver_timeout 5s; server a resolve; } }"),
        [],
      );
      assert.deepStrictEqual(problemsIn("stream { upstream u { resolver 10.0.0.1; server a:53 resolve; } }"), []);
    });

    it("stream ssl_stapling (1.27.2), server_name (1.25.5) and set (1.19.3)", () => {
      // crossplane: each is `not allowed here` in a stream server; its table lists only the http forms.
      const text = "stream { server { listen 443 ssl; ssl_stapling on; server_name example.com; set $x 1; } }";
      assert.deepStrictEqual(problemsIn(text), []);
    });

    it("set_real_ip_from in mail (1.19.8)", () => {
      // crossplane: http and stream only, so `not allowed here`.
      assert.deepStrictEqual(
        problemsIn("mail { server { listen 25; protocol smtp; set_real_ip_from 10.0.0.0/8; } }"),
        [],
      );
    });

    it("njs js_set takes an optional third word and is allowed below http (njs 0.7.7, 0.8.6)", () => {
      // crossplane: TAKE2 in http/stream main only → `invalid number of arguments` / `not allowed here`.
      assert.deepStrictEqual(problemsIn("http { server { js_set $v main.v nocache; } }"), []);
    });
  });

  describe("crossplane differs from nginx's open-source code", () => {
    it("limit_req_zone takes exactly three words in open-source nginx (TAKE3)", () => {
      // crossplane: TAKE34, the NGINX Plus `… sync` form, so it accepts the 4-word line open-source nginx refuses.
      assert.deepStrictEqual(problemsIn("http { limit_req_zone $binary_remote_addr zone=one:10m rate=1r/s sync; }"), [
        '1: invalid number of arguments in "limit_req_zone" directive',
      ]);
      assert.deepStrictEqual(problemsIn("http { limit_req_zone $binary_remote_addr zone=one:10m rate=1r/s; }"), []);
    });

    it("include is allowed in if and limit_except", () => {
      // crossplane's NGX_ANY_CONF leaves out the SIF/LIF/LMT bits, so it says `"include" directive is not allowed
      // here`. nginx's NGX_ANY_CONF is 0xFF000000 (src/core/ngx_conf_file.h), which has every http context bit.
      const text =
        "http { server { if ($a) { include a.conf; } location / { limit_except GET { include b.conf; } } } }";
      assert.deepStrictEqual(problemsIn(text), []);
    });

    it("memcached_force_ranges was never in nginx", () => {
      // crossplane lists it; no nginx release has registered it.
      assert.deepStrictEqual(problemsIn("http { memcached_force_ranges on; }"), [
        '1: unknown directive "memcached_force_ranges"',
      ]);
    });

    it("the value of a FLAG directive is not part of this check", () => {
      // crossplane: `invalid value "yes" in "gzip" directive, it must be "on" or "off"`. nginx reports that from the
      // handler (ngx_conf_set_flag_slot), after ngx_conf_handler's count check passed; it is not a table fact.
      assert.deepStrictEqual(problemsIn("http { gzip yes; }"), []);
    });
  });

  describe("removed directives", () => {
    it("ssl (removed in 1.25.1) is unknown to current nginx", () => {
      // crossplane still lists `ssl` as a FLAG in http/server and mail.
      assert.deepStrictEqual(problemsIn("http { server { ssl on; } }"), ['1: unknown directive "ssl"']);
      assert.deepStrictEqual(problemsIn("http { server { ssl on; } }", { ...STRICT, version: "1.24.0" }), []);
    });

    it("js_include (removed in njs 0.7.1) is unknown", () => {
      // crossplane lists it for http and stream.
      assert.deepStrictEqual(problemsIn("http { js_include main.js; }"), ['1: unknown directive "js_include"']);
    });
  });

  describe("NGINX Plus directives (not in the open-source tables we read)", () => {
    it("health_check is unknown in strict mode and unchecked otherwise", () => {
      // crossplane: known (ANY, in location and stream server), inferred from the Plus docs.
      assert.deepStrictEqual(problemsIn("http { server { location / { proxy_pass http://u; health_check; } } }"), [
        '1: unknown directive "health_check"',
      ]);
      assert.deepStrictEqual(
        problemsIn("http { server { location / { proxy_pass http://u; health_check; } } }", OPTIONS),
        [],
      );
    });

    it("a match block is unknown and its body is left alone", () => {
      // crossplane: a TAKE1 block in http/stream main, and it analyses the body as context ('http', 'match'),
      // which is not in its context table, so the body goes unchecked there too.
      assert.strictEqual(enterBlock("http", "match"), "unknown");
      assert.deepStrictEqual(problemsIn("http { match ok { status 200; body ~ ok; } }", OPTIONS), []);
      assert.deepStrictEqual(problemsIn("http { match ok { status 200; } }"), ['1: unknown directive "match"']);
    });
  });
});
