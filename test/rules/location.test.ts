// Rule `location` against the real `nginx -t`: generated cases (nested locations of every kind, proxy_pass
// URLs in every kind of block, upstream blocks, alias and root), each run through nginx and the product.
// The test asserts verdict and line agreement ≥ 99% and lists disagreements.
import { strict as assert } from "assert";
import { nginxBinary } from "../support/shared";
import { describe1, figures, runOracle, type OracleCase, type Outcome } from "../support/oracle-cases";

const http = (body: string): string => `error_log stderr;\nevents { }\nhttp {\naccess_log off;\n${body}\n}\n`;
const server = (body: string): string => http(`server {\nlisten 127.0.0.1:18400;\n${body}\n}`);

/** Location heads: (modifier form, path) written the ways nginx reads them. */
const HEADS = ["/a", "/a/b", "/b", "= /a", "=/a/b", "^~ /a/b", "^~/b", "~ ^/a", "~* /A/b", "~^/a/b", "@n", "= /a/"];

const URLS = [
  "http://127.0.0.1:1",
  "http://127.0.0.1:1/",
  "http://127.0.0.1:1/x",
  "http://127.0.0.1:1?a=1",
  "http://127.0.0.1:1$request_uri",
  "http://127.0.0.1:1/$uri",
  "https://127.0.0.1:1/",
  "http://u",
  "http://u/",
];

function cases(): OracleCase[] {
  const out: OracleCase[] = [];
  // Every head nested in every head.
  for (const outer of HEADS)
    for (const inner of HEADS)
      out.push({
        name: `location ${inner} in location ${outer}`,
        text: server(`location ${outer} {\nlocation ${inner} { }\n}`),
      });
  // Three levels.
  for (const inner of HEADS)
    out.push({
      name: `location ${inner} in /a in /`,
      text: server(`location / {\nlocation /a {\nlocation ${inner} { }\n}\n}`),
    });
  // proxy_pass URLs in each kind of block.
  const ups = "upstream u { server 127.0.0.1:1; }\n";
  for (const url of URLS) {
    for (const head of HEADS)
      out.push({
        name: `proxy_pass ${url} in location ${head}`,
        text: http(ups + `server {\nlisten 127.0.0.1:18400;\nlocation ${head} {\nproxy_pass ${url};\n}\n}`),
      });
    out.push({
      name: `proxy_pass ${url} in if in server`,
      text: http(ups + `server {\nlisten 127.0.0.1:18400;\nif ($uri) {\nproxy_pass ${url};\n}\n}`),
    });
    out.push({
      name: `proxy_pass ${url} in if in location`,
      text: http(ups + `server {\nlisten 127.0.0.1:18400;\nlocation / {\nif ($uri) {\nproxy_pass ${url};\n}\n}\n}`),
    });
    out.push({
      name: `proxy_pass ${url} in limit_except`,
      text: http(
        ups + `server {\nlisten 127.0.0.1:18400;\nlocation / {\nlimit_except GET {\nproxy_pass ${url};\n}\n}\n}`,
      ),
    });
  }
  // Modifiers nginx does not know.
  for (const mod of ["==", "~~", "^", "*", "@", "=~", "!~", "^~*"])
    out.push({ name: `location ${mod} /a`, text: server(`location ${mod} /a { }`) });
  // Upstreams.
  out.push({ name: "empty upstream", text: http("upstream u {\n}\n") });
  out.push({ name: "empty upstream on one line", text: http("upstream u { }") });
  out.push({ name: "upstream with keepalive only", text: http("upstream u {\nkeepalive 2;\n}") });
  out.push({ name: "upstream with a server", text: http("upstream u {\nserver 127.0.0.1:1;\n}") });
  out.push({
    name: "stream upstream empty",
    text: "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\nerror_log stderr;\nevents { }\nstream {\nupstream s {\n}\n}\n",
  });
  // alias and root.
  for (const head of HEADS) {
    out.push({ name: `alias in location ${head}`, text: server(`location ${head} {\nalias /srv/;\n}`) });
    out.push({
      name: `root $document_root in location ${head}`,
      text: server(`location ${head} {\nroot $document_root/x;\n}`),
    });
  }
  out.push({ name: "alias $realpath_root", text: server("location /a/ {\nalias ${realpath_root}/x;\n}") });
  out.push({
    name: "root $document_root_x (another name)",
    text: server("location /a/ {\nroot /srv/$document_roots;\n}"),
  });
  return out;
}

describe("rule location: generated cases against the real nginx -t", function () {
  this.timeout(120000);
  let outcomes: Outcome[] = [];

  before(async function () {
    if (!nginxBinary()) this.skip();
    outcomes = await runOracle(cases());
  });

  it("agrees with nginx on ≥ 99% of the verdicts and lines", function () {
    if (!nginxBinary()) this.skip();
    const f = figures(outcomes);
    const off = outcomes.filter((o) => !o.verdictAgrees || o.lineAgrees === false);
    console.log(
      `      location: ${f.cases} cases, verdict ${f.verdict}/${f.cases} (${((100 * f.verdict) / f.cases).toFixed(1)}%), line ${f.lines}/${f.lineCases}`,
    );
    for (const o of off) console.log(`        disagrees: ${describe1(o)}`);
    assert.ok(f.cases > 100, "cases were generated");
    assert.ok(f.verdict / f.cases >= 0.99, "verdicts agree");
    assert.ok(f.lines / Math.max(1, f.lineCases) >= 0.99, "lines agree");
  });
});
