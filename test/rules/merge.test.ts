// Rule `merge` against the real nginx -t: the upstream buffer sizes of proxy/fastcgi/uwsgi/scgi set at
// different levels, and TLS servers with and without certificates, keys and client CAs. Every case runs
// through both; the verdict and the line must agree (nginx names the end of `http {}` for the buffers: the
// finding names it as a related place, and the line check accepts it there).
import * as assert from "assert";
import { judgeAll, type CaseResult } from "../difftest/run";
import { nginxBinary } from "../support/shared";

const SIZES = ["512", "4k", "8k", "16k", "64k", "1m"];
const BUFS = ["1 4k", "2 4k", "4 8k", "8 4k", "16 16k", "2 64k"];

function bufferCases(): { kind: string; variant: string; files: { site: string } }[] {
  const out: { kind: string; variant: string; files: { site: string } }[] = [];
  let n = 0;
  for (const m of ["proxy", "fastcgi", "uwsgi", "scgi"])
    for (const size of SIZES)
      for (const bufs of BUFS) {
        // A different third setting per case, at the server or the location level.
        const third = [
          "",
          `${m}_busy_buffers_size ${SIZES[n % SIZES.length]};`,
          `${m}_temp_file_write_size ${SIZES[(n + 2) % SIZES.length]};`,
          `${m}_max_temp_file_size ${["0", "1k", "8k", "1m"][n % 4]};`,
        ][n % 4];
        const atServer = n % 3 === 0;
        n++;
        const inner = `${m}_buffer_size ${size};\n        ${m}_buffers ${bufs};`;
        const site = atServer
          ? `server {\n    listen 127.0.0.1:__PORT0__;\n    ${inner}\n    location / {\n        ${third}\n    }\n}\n`
          : `server {\n    listen 127.0.0.1:__PORT0__;\n    ${third}\n    location / {\n        ${inner}\n    }\n}\n`;
        out.push({ kind: "buffers", variant: `${m}: ${size} / ${bufs} / ${third}`, files: { site } });
      }
  return out;
}

function tlsCases(): { kind: string; variant: string; files: { site: string } }[] {
  const cert = "ssl_certificate certs/server.pem;";
  const key = "ssl_certificate_key certs/server.key;";
  const bodies = [
    [],
    [cert, key],
    [cert],
    ["ssl on;"],
    ["ssl on;", cert, key],
    ["ssl_verify_client on;"],
    [cert, key, "ssl_verify_client on;"],
    [cert, key, "ssl_verify_client optional_no_ca;"],
    [cert, key, "ssl_verify_client optional;", "ssl_client_certificate certs/ca.pem;"],
    ["ssl_reject_handshake on;"],
    ["ssl_reject_handshake on;", "ssl_verify_client on;"],
  ];
  const out: { kind: string; variant: string; files: { site: string } }[] = [];
  for (const listen of ["", " ssl"])
    for (const body of bodies)
      for (const second of ["", "other-default", "other-plain"]) {
        const main = `server {\n    listen 127.0.0.1:__PORT0__${listen};\n    ${body.join("\n    ")}\n}\n`;
        const other =
          second === "other-default"
            ? `server {\n    listen 127.0.0.1:__PORT0__${listen} default_server;\n    server_name other;\n}\n`
            : second === "other-plain"
              ? `server {\n    listen 127.0.0.1:__PORT0__;\n    server_name other;\n    ${cert}\n    ${key}\n}\n`
              : "";
        out.push({
          kind: "tls",
          variant: `listen${listen} | ${body.join(" ")} | ${second}`,
          files: { site: main + other },
        });
      }
  return out;
}

/** A finding on nginx's line, or (buffers) a related place on it. */
function agrees(r: CaseResult): boolean {
  if (!r.verdictAgrees) return false;
  if (r.lineAgrees !== false) return true;
  const e = r.nginx.error!;
  return r.errors.some((f) => f.related?.some((x) => x.path === e.file && x.range.start.line === e.line! - 1));
}

describe("rule merge against nginx -t", function () {
  this.timeout(10 * 60_000);
  for (const [name, make] of [
    ["upstream buffers", bufferCases],
    ["TLS servers", tlsCases],
  ] as const) {
    it(`agrees on ${name}`, async function () {
      if (!nginxBinary()) this.skip();
      const cases = make();
      const results = await judgeAll(cases);
      const bad = results.filter((r) => !agrees(r));
      const failed = results.filter((r) => !r.nginx.ok).length;
      console.log(
        `    ${name}: ${results.length} cases, nginx refused ${failed}, agreement ${results.length - bad.length}`,
      );
      assert.deepStrictEqual(
        bad.map(
          (r) =>
            `${r.variant}: nginx ${r.nginx.ok ? "ok" : r.nginx.error?.message} / product ${r.errors.map((f) => f.message).join("; ") || "ok"}`,
        ),
        [],
      );
      // Both verdicts occur: the cases are not all one way.
      assert.ok(failed > 0 && failed < results.length);
    });
  }
});
