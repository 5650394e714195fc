// The built server (dist/server.js over stdio) answers requests while it analyses a large file, from the
// last complete analysis, and never publishes a result for a text the editor no longer shows:
// - a hover sent during the analysis of an edit is answered for the text shown now (the edit moved the
//   hovered line: the answer's range is the new one), from the last complete analysis until the running one
//   has re-parsed the edit, then by the running one, within a share of a whole analysis of the file measured
//   in the same run (the edit's analysis re-parses only the edited statements);
// - a request that must wait for the analysis (a hover on text typed since the last one) and is cancelled
//   gets RequestCancelled;
// - after a burst of edits the last publishDiagnostics is for the last version, and it holds the last
//   edit's error and none of the earlier ones; no overtaken version is ever published.
// Times are ratios to the analysis time of the same run, never absolute.
//
// Needs `npm run build` first (the server is tested as shipped, bundled).

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CancellationTokenSource,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  LSPErrorCodes,
  MarkupContent,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";
import { TestClient, initializeParams, requireBuiltServer, sameFile, uriOf } from "./client";

/** Locations of the generated file: one server, a location a line (~5 s of analysis on a busy machine). */
const LOCATIONS = 40_000;
/** The line of the `listen` directive (0-based) before any edit. */
const LISTEN_LINE = 4;

function configuration(): string {
  const lines = ["events { worker_connections 128; }", "http {", "    # edits go below", "    server {"];
  lines.push("        listen 127.0.0.1:8080;");
  for (let i = 0; i < LOCATIONS; i++) lines.push(`        location /l${i} { return 200 'l${i}\\n'; }`);
  lines.push("    }", "}", "");
  return lines.join("\n");
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const hoverText = (h: { contents: unknown } | null): string =>
  h && MarkupContent.is(h.contents) ? h.contents.value : JSON.stringify(h);

describe("requests off the analysis path (large file, debounce 0)", function () {
  this.timeout(600_000);
  let dir: string;
  let conf: string;
  let client: TestClient;
  let version = 1;
  /** Milliseconds from the open to its diagnostics: the analysis of the whole file, measured here. */
  let analysisMs: number;

  const publishedVersion = (v: number): boolean =>
    client.published.some((p) => sameFile(p.uri, conf) && p.version === v);
  /** Waits for the diagnostics of version `v`, for at most 300 s (TestClient.waitFor gives up after 10 s). */
  const untilPublished = async (v: number): Promise<void> => {
    const deadline = Date.now() + 300_000;
    while (!publishedVersion(v)) {
      assert.ok(Date.now() < deadline, `no diagnostics for version ${v} after 300 s; stderr:\n${client.stderr}`);
      await sleep(10);
    }
  };
  /** Inserts `text` at the start of line 2 (the comment in http): every later line moves down. */
  const insertLine = (text: string): number => {
    client.change(conf, ++version, [
      { range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text },
    ]);
    return version;
  };

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-offpath-")));
    conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, configuration());
    client = new TestClient();
    client.settings = { debounceMs: 0, strict: true };
    await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "offpath", { lenses: true }));
    await client.connection.sendNotification(InitializedNotification.type, {});
    const start = Date.now();
    client.open(conf, fs.readFileSync(conf, "utf8"));
    await untilPublished(1);
    analysisMs = Date.now() - start;
    console.log(`      the analysis of ${LOCATIONS} locations: ${analysisMs} ms`);
  });

  after(async () => {
    await client?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers hovers during an edit's analysis for the text shown now, within a share of a whole analysis", async function () {
    const v = insertLine("    # a comment typed above\n");
    const listenLine = LISTEN_LINE + 1;
    const latencies: number[] = [];
    let answeredBeforeEnd = 0;
    // Hovers every twentieth of the analysis until its diagnostics come.
    while (!publishedVersion(v)) {
      const sent = Date.now();
      const h = await client.hover(conf, listenLine, 9);
      latencies.push(Date.now() - sent);
      const text = hoverText(h);
      assert.ok(text.startsWith("**listen** · `ngx_http_core_module`"), text);
      assert.deepStrictEqual(h?.range?.start, { line: listenLine, character: 8 }, "the range in the text shown now");
      if (!publishedVersion(v)) answeredBeforeEnd++;
      await sleep(analysisMs / 20);
    }
    const worst = Math.max(...latencies);
    const median = [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length / 2)];
    console.log(
      `      ${latencies.length} hovers: median ${median} ms, worst ${worst} ms (${(worst / analysisMs).toFixed(3)} of the analysis), ${answeredBeforeEnd} before it ended`,
    );
    // The last complete analysis answers, also after the running one has moved its tree in place (the
    // incremental parse, parse/incremental.ts; server.ts lastAnalyses, test/lsp/hover-moved-tree.test.ts).
    // A server that waited for the edit's analysis, parsing and analysing the whole file again, answers
    // after all of that (ratio ~1).
    assert.ok(
      worst / analysisMs < 0.6,
      `worst hover ${worst} ms, ${(worst / analysisMs).toFixed(3)} of ${analysisMs} ms`,
    );
  });

  it("a hover that waits for the analysis (on text typed since) and is cancelled gets RequestCancelled", async function () {
    // An unclosed `{`: every later statement moves into the new block, so the edit's analysis is a whole one
    // (an edit inside one statement is now analysed in less than the tenth of a whole analysis waited below).
    // The burst below replaces this line, closing the file's blocks again.
    const v = insertLine("    location /unclosed {\n");
    const source = new CancellationTokenSource();
    const pending = client.connection
      .sendRequest(
        HoverRequest.type,
        { textDocument: { uri: uriOf(conf) }, position: { line: 2, character: 5 } },
        source.token,
      )
      .then(
        (h) => ({ answered: h }),
        (e: { code: number }) => ({ error: e.code }),
      );
    await sleep(analysisMs / 10);
    assert.ok(!publishedVersion(v), "the analysis ended before the cancel: nothing measured");
    source.cancel();
    assert.deepStrictEqual(await pending, { error: LSPErrorCodes.RequestCancelled });
    await untilPublished(v);
  });

  it("after a burst of edits: the last version's diagnostics, and none of an overtaken version", async function () {
    const since = client.published.length;
    // Each edit replaces line 2 with an unknown directive of its own: only the last one is in the text.
    const versions: number[] = [];
    for (let i = 0; i < 5; i++) {
      const v = ++version;
      client.change(conf, v, [
        {
          range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } },
          text: `    burst_directive_${v} on;\n`,
        },
      ]);
      versions.push(v);
    }
    const last = versions[versions.length - 1];
    await untilPublished(last);
    // A little more for anything a stale run might still send.
    await sleep(analysisMs / 4);
    const mine = client.published.slice(since).filter((p) => sameFile(p.uri, conf));
    const overtaken = mine.filter((p) => p.version !== undefined && p.version !== last);
    assert.deepStrictEqual(
      overtaken.map((p) => p.version),
      [],
      "published for an overtaken version",
    );
    const final = mine[mine.length - 1];
    assert.strictEqual(final.version, last);
    const bursts = (p: PublishDiagnosticsParams): string[] =>
      p.diagnostics.map((d) => /burst_directive_\d+/.exec(String(d.message))?.[0]).filter((m): m is string => !!m);
    assert.deepStrictEqual(bursts(final), [`burst_directive_${last}`], "the last text's error, and only it");
    // Nothing published after the burst began shows an overtaken text's error.
    for (const p of mine)
      assert.deepStrictEqual(
        bursts(p).filter((b) => b !== `burst_directive_${last}`),
        [],
      );
  });
});
