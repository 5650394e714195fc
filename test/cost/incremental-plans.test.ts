// The SSL plans keep what they read of each block between analyses (model/ssl-contexts.ts, per block
// directive while the block's content is unchanged: its own `*_pass` of each module, whether a TLS pass is
// below it, which server TLS names it sets) and must give exactly what a from-scratch analysis gives. Random
// edit sequences over generated configurations full of what the plans read — passes of every scheme, `if`
// and `limit_except` that inherit a pass, includes inside locations, upstream TLS settings, the server TLS
// of http, stream and mail servers — each edit applied by ParseCache.update as the server applies a
// didChange (unchanged nodes kept, moved in place); after every edit the cost report and the findings of the
// kept-cache analysis equal those of a fresh load and parse, on several deployed versions.

import { strict as assert } from "assert";
import { buildModel, siteKey } from "../../server/src/model";
import { costReport, type CostReport } from "../../server/src/cost/report";
import { runChecks } from "../../server/src/rules";
import { loadConfiguration, type Configuration } from "../../server/src/workspace/configuration";
import { MemoryFileSource, ParseCache } from "../../server/src/workspace/files";
import { randomBelow } from "../support/random";

const PASSES = [
  "proxy_pass https://a;",
  "proxy_pass http://a;",
  "proxy_pass $scheme://a;",
  "grpc_pass grpcs://a;",
  "grpc_pass grpc://a;",
  "uwsgi_pass suwsgi://a;",
  "uwsgi_pass a:9000;",
  "",
];
const SETTINGS = [
  "proxy_ssl_verify on;",
  "proxy_ssl_verify off;",
  "proxy_ssl_trusted_certificate /etc/ssl/certs/other.pem;",
  "grpc_ssl_verify on;",
  "grpc_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
  "uwsgi_ssl_protocols TLSv1.2;",
  "",
  "",
];

function generated(next: (n: number) => number): { main: string; included: string } {
  const out = [
    "events { }",
    "stream {",
    "    proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
    "    server { listen 1234 ssl; proxy_ssl on; proxy_ssl_verify on; proxy_pass b:1; }",
    "    server { listen 1235; proxy_pass b:2; ssl_certificate /etc/ssl/c.pem; }",
    "}",
    "mail {",
    "    ssl_client_certificate /etc/ssl/certs/ca-certificates.crt;",
    "    server { listen 25; starttls on; ssl_certificate /etc/ssl/c.pem; ssl_verify_client on; }",
    "    server { listen 465 ssl; ssl_trusted_certificate /etc/ssl/t.pem; }",
    "}",
    "http {",
    "    proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
    "    proxy_ssl_verify on;",
  ];
  for (let s = 0; s < 3; s++) {
    out.push("    server {", `        listen ${8080 + s} ssl;`, "        ssl_certificate /etc/ssl/c.pem;");
    if (s === 1)
      out.push("        ssl_client_certificate /etc/ssl/certs/ca-certificates.crt;", "        ssl_verify_client on;");
    for (let l = 0; l < 12; l++) {
      const body = [PASSES[next(PASSES.length)], SETTINGS[next(SETTINGS.length)]];
      const inner = next(5);
      if (inner === 0) body.push(`if ($arg_x) { ${PASSES[next(PASSES.length)]} }`);
      if (inner === 1) body.push("limit_except GET { deny all; }");
      if (inner === 2) body.push("include passes.conf;");
      if (inner === 3) body.push(`location /n${l} { ${PASSES[next(PASSES.length)]} }`);
      out.push(`        location /s${s}l${l} { ${body.join(" ")} }`);
    }
    out.push("    }");
  }
  out.push("}");
  return { main: out.join("\n") + "\n", included: `${PASSES[next(3)]}\n${SETTINGS[next(SETTINGS.length)]}\n` };
}

/** What an edit types: passes and settings the plans read, and the breaks an editor goes through. */
const SNIPPETS = [
  " proxy_pass https://x; ",
  " proxy_pass http://x; ",
  " grpc_pass grpcs://x; ",
  " uwsgi_pass suwsgi://x; ",
  " proxy_ssl_verify off; ",
  " proxy_ssl_ciphers HIGH; ",
  " include passes.conf; ",
  " if ($a) { proxy_pass https://y; } ",
  " limit_except GET { } ",
  " ssl_verify_client on; ",
  " ssl_certificate /etc/ssl/d.pem; ",
  " ssl_reject_handshake on; ",
  " ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt; ",
  " listen 9 ssl; ",
  " starttls only; ",
  "s",
  ";",
  "}",
  "{",
  "\n",
  "#",
];

/** Offsets of every match of `re` in `text`. */
function offsets(text: string, re: RegExp): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(re)) out.push(m.index!);
  return out;
}

/**
 * One edit: a snippet typed right after a `{` (the body of a kept block changes: what is remembered of it
 * must be forgotten), a pass's scheme switched between plain and TLS in place, a snippet typed anywhere, or
 * a deletion.
 */
function editOf(text: string, next: (n: number) => number): { start: number; end: number; text: string } {
  const kind = next(4);
  if (kind === 0) {
    const opens = offsets(text, /\{/g);
    if (opens.length > 0) {
      const at = opens[next(opens.length)] + 1;
      return { start: at, end: at, text: SNIPPETS[next(SNIPPETS.length)] };
    }
  }
  if (kind === 1) {
    const schemes = offsets(text, /(https?|grpcs?|suwsgi|uwsgi):\/\//g);
    if (schemes.length > 0) {
      const at = schemes[next(schemes.length)];
      const end = text.indexOf(":", at);
      // https → http, grpcs → grpc, suwsgi → uwsgi, and back.
      if (text[end - 1] === "s" && text.slice(at, end) !== "suwsgi") return { start: end - 1, end, text: "" };
      if (text.slice(at, end) === "suwsgi") return { start: at, end: at + 1, text: "" };
      if (text.slice(at, end) === "uwsgi") return { start: at, end: at, text: "s" };
      return { start: end, end, text: "s" };
    }
  }
  const at = text.length === 0 ? 0 : next(text.length);
  if (kind === 2) return { start: at, end: Math.min(text.length, at + 1 + next(30)), text: "" };
  return { start: at, end: at, text: SNIPPETS[next(SNIPPETS.length)] };
}

/** The report as plain data: every source with its contexts (owner, bundle site) and the estimate. */
function reportData(report: CostReport): unknown {
  return {
    sources: report.sources.map((s) => ({
      ruleId: s.ruleId,
      module: s.module,
      perLocation: s.perLocation,
      assumptions: s.assumptions,
      contexts: s.plan.contexts.map((c) => [c.owner.id, c.bundle ? siteKey(c.bundle) : null, c.clientCaList]),
      loads: s.plan.loads.map((c) => c.owner.id),
    })),
    bundles: [...report.bundles.keys()],
    estimate: report.estimate,
  };
}

const VERSIONS = [{}, { nginxVersion: "1.22.1" }, { nginxVersion: "1.25.0" }, { nginxVersion: "1.14.0" }];

describe("SSL plans kept between analyses equal a from-scratch analysis after every edit", function () {
  this.timeout(120_000);

  it("random edits of passes, if/limit_except, includes and TLS settings", function () {
    const next = randomBelow(20261207);
    let edits = 0;
    let incremental = 0;
    let withContexts = 0;
    for (let config = 0; config < 12; config++) {
      const { main, included } = generated(next);
      const texts = new Map([
        ["/t/nginx.conf", main],
        ["/t/passes.conf", included],
      ]);
      const source = new MemoryFileSource(Object.fromEntries(texts));
      const cache = new ParseCache();
      const load = (c: ParseCache): Configuration =>
        loadConfiguration("/t/nginx.conf", { source, defaultMapping: false, confPrefix: "/t/", cache: c });
      for (const v of VERSIONS) costReport(buildModel(load(cache)), { ...v, source });
      for (let step = 0; step < 25; step++) {
        const p = next(6) === 0 ? "/t/passes.conf" : "/t/nginx.conf";
        const text = texts.get(p)!;
        const change = editOf(text, next);
        const newText = text.slice(0, change.start) + change.text + text.slice(change.end);
        const before = source.load(p)!.version;
        texts.set(p, newText);
        source.set(p, newText);
        const parsesBefore = cache.incrementalParses;
        cache.update(p, source.load(p)!, [change], before);
        if (cache.incrementalParses > parsesBefore) incremental++;
        const kept = load(cache);
        const fresh = load(new ParseCache());
        for (const v of VERSIONS) {
          const options = { ...v, source, strict: false };
          const keptModel = buildModel(kept);
          const freshModel = buildModel(fresh);
          const keptReport = reportData(costReport(keptModel, options));
          assert.deepStrictEqual(
            keptReport,
            reportData(costReport(freshModel, options)),
            `${p} edit ${step} ${JSON.stringify(v)}`,
          );
          assert.deepStrictEqual(runChecks(kept, options, keptModel), runChecks(fresh, options, freshModel));
          if ((keptReport as { sources: unknown[] }).sources.length > 1) withContexts++;
        }
        edits++;
      }
    }
    // The walk must really have taken the paths it is about.
    assert.equal(edits, 300);
    assert.ok(incremental >= 200, `${incremental} edits kept the rest of their tree`);
    assert.ok(withContexts >= 600, `${withContexts} reports with upstream or server contexts`);
  });
});
