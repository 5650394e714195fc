// Hovers answered from the last complete analysis after the incremental parse has moved its tree in place
// (ParseCache.editedSince, server.ts lastAnalyses), over the built server (dist/server.js over stdio).
//
// The edit's analysis is held right after it has re-parsed the buffer: the server asks for its settings
// (workspace/configuration) in the same turn as it updates the cached tree, then waits for the answer,
// which this client withholds. So while the request is held, the tree the last analysis read has been moved
// to the new text and the new analysis cannot finish: what is answered then comes from the last analysis
// (shown by the order of messages, never by timing):
// - a hover far from the edit, on a line the inserted newline moved down, is answered with what the last
//   analysis says of that block, at its new line, and it says what the new analysis then says;
// - a hover on a directive's documentation inside the re-parsed statement is answered from the tree shown;
// - a hover whose answer comes from the model on a statement re-parsed since waits for the new analysis.
//
// Needs `npm run build` first (the server is tested as shipped, bundled).

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  InitializeRequest,
  InitializedNotification,
  MarkupContent,
  type Position,
  type Hover,
} from "vscode-languageserver-protocol/node";
import { TestClient, initializeParams, requireBuiltServer, sameFile } from "./client";

/** One server, a location a line: large enough that a whole analysis is far from free. */
const LOCATIONS = 20_000;
/** The 0-based line of location `i` before the edit. */
const lineOf = (i: number): number => 7 + i;
/** The location before which a new one is inserted (a line of its own: every later line moves down). */
const EDITED = 100;
const FAR = 15_000;
const BEFORE = 5;

/** Lua SSL contexts (one per location): code lenses on the bundle directive and on the server. */
function configuration(): string {
  const lines = [
    "load_module /usr/lib/nginx/modules/ndk_http_module.so;",
    "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;",
    "events { worker_connections 128; }",
    "http {",
    "    lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
    "    server {",
  ];
  lines.push("        listen 127.0.0.1:8080;");
  for (let i = 0; i < LOCATIONS; i++) lines.push(`        location /l${i} { return 200 'l${i}\\n'; }`);
  lines.push("    }", "}", "");
  return lines.join("\n");
}

/**
 * A request that must be answered while the edit's analysis is held: one that waits for that analysis never
 * comes, so it fails after a minute (answering from the last analysis takes milliseconds) instead of hanging.
 */
async function answeredWhileHeld<T>(h: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("not answered while the edit's analysis was held")), 60_000);
  });
  try {
    return await Promise.race([h, late]);
  } finally {
    clearTimeout(timer);
  }
}

const text = (h: Hover | null): string => (h && MarkupContent.is(h.contents) ? h.contents.value : JSON.stringify(h));

describe("hovers from the last analysis while the edit's analysis runs (tree moved in place)", function () {
  this.timeout(600_000);
  let dir: string;
  let conf: string;
  let client: TestClient;

  const publishedVersion = (v: number): boolean =>
    client.published.some((p) => sameFile(p.uri, conf) && p.version === v);
  const untilPublished = async (v: number): Promise<void> => {
    const deadline = Date.now() + 300_000;
    while (!publishedVersion(v)) {
      assert.ok(Date.now() < deadline, `no diagnostics for version ${v} after 300 s; stderr:\n${client.stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  before(async function () {
    requireBuiltServer();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-hover-moved-")));
    conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, configuration());
    client = new TestClient();
    // A debounce long enough that the settings change below reaches the server before the edit's analysis
    // starts (that analysis must ask for the settings again).
    client.settings = { debounceMs: 2000, strict: true };
    await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "hover-moved", { lenses: true }));
    await client.connection.sendNotification(InitializedNotification.type, {});
    client.open(conf, fs.readFileSync(conf, "utf8"));
    await untilPublished(1);
  });

  after(async () => {
    await client?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers outside the re-parsed statement at once, inside it from the new analysis", async function () {
    const far = await client.hover(conf, lineOf(FAR), 9);
    const early = await client.hover(conf, lineOf(BEFORE), 9);
    const doc = await client.hover(conf, lineOf(BEFORE), 27);
    assert.ok(text(far).startsWith(`**location /l${FAR}**`), text(far));
    assert.ok(text(far).includes(`nginx.conf:${lineOf(FAR) + 1}`), text(far));
    assert.ok(text(doc).startsWith("**return**"), text(doc));
    const lenses = await client.codeLens(conf);
    assert.deepStrictEqual(
      lenses.map((l) => l.range.start.line),
      [4, 5],
      "a lens on the bundle directive and one on the server",
    );

    // The settings are asked for again and held: the edit's analysis stops right after its parse.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let asked: () => void = () => undefined;
    const askedOnce = new Promise<void>((r) => (asked = r));
    client.connection.onRequest(ConfigurationRequest.type, async (params) => {
      asked();
      await held;
      return params.items.map(() => client.settings);
    });
    const inserted = `        location /new { return 200 'new\\n'; }\n`;
    const at = { line: lineOf(EDITED), character: 0 };
    client.change(conf, 2, [{ range: { start: at, end: at }, text: inserted }]);
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    await askedOnce;

    // Sent first, answered last: the model's part of a block re-parsed since needs the new analysis.
    let waitedAnswer: Hover | null | undefined;
    const waited = client.hover(conf, lineOf(EDITED), 9).then((h) => {
      waitedAnswer = h;
      assert.ok(publishedVersion(2), "answered before the analysis of the edit was published");
      return h;
    });
    const farNow = await answeredWhileHeld(client.hover(conf, lineOf(FAR) + 1, 9));
    const earlyNow = await answeredWhileHeld(client.hover(conf, lineOf(BEFORE), 9));
    const docNow = await answeredWhileHeld(client.hover(conf, lineOf(EDITED), 27));
    const lensesNow = await answeredWhileHeld(client.codeLens(conf));
    assert.ok(!publishedVersion(2), "the edit's analysis finished while its settings were held: nothing shown");
    assert.strictEqual(waitedAnswer, undefined, "the hover on the new block did not wait");

    // Far from the edit: the last analysis's answer, at the line the inserted newline moved it to.
    assert.strictEqual(
      text(farNow),
      text(far).replace(`nginx.conf:${lineOf(FAR) + 1}`, `nginx.conf:${lineOf(FAR) + 2}`),
    );
    assert.deepStrictEqual(farNow?.range, {
      start: { line: lineOf(FAR) + 1, character: 8 },
      end: { line: lineOf(FAR) + 1, character: 16 },
    });
    // Before the edit: unchanged.
    assert.deepStrictEqual(earlyNow, early);
    // The documentation of a directive in the re-parsed statement: from the tree shown.
    assert.strictEqual(text(docNow), text(doc));
    assert.deepStrictEqual(docNow?.range?.start, { line: lineOf(EDITED), character: 24 });
    // The bundle directive's lens stays; the server's sums a body edited since: left out until the
    // analysis ends (the client is then asked to refresh its lenses).
    assert.deepStrictEqual(lensesNow, [lenses[0]]);

    release();
    const newBlock = await waited;
    assert.ok(text(newBlock).startsWith("**location /new**"), text(newBlock));
    assert.deepStrictEqual(newBlock?.range?.start, { line: lineOf(EDITED), character: 8 });
    // What the new analysis says far from the edit is what the last one answered.
    assert.deepStrictEqual(await client.hover(conf, lineOf(FAR) + 1, 9), farNow);
    const after = await client.codeLens(conf);
    assert.deepStrictEqual(
      after.map((l) => l.range.start.line),
      [4, 5],
    );
    assert.notDeepStrictEqual(after[1], lenses[1], "the server's lens counts the new location");
  });

  it("hovers sent right after edits, before the analysis has parsed them, read the tree moved then", async function () {
    // The debounce (2 s) has not run out when the hovers come: nothing has parsed the edits yet. The first
    // hover re-parses them around themselves (Analyzer.parseEditsNow) and reads the tree moved in place;
    // before, the whole analysed text was compared with the text shown, which gives one span from the first
    // edit to the last: a location between two edits far apart counted as typed since, and waited for the
    // whole analysis.
    const line = lineOf(200) + 1; // moved down by the location the test above inserted
    const between = lineOf(10_000) + 1;
    const far = await client.hover(conf, lineOf(FAR) + 1, 9);
    const middle = await client.hover(conf, between, 9);
    assert.ok(text(middle).startsWith("**location /l10000**"), text(middle));
    const typeAt = (l: number): { range: { start: Position; end: Position }; text: string } => ({
      range: { start: { line: l, character: 19 }, end: { line: l, character: 19 } },
      text: "x",
    });
    client.change(conf, 3, [typeAt(line)]);
    client.change(conf, 4, [typeAt(lineOf(FAR - 10) + 1)]);
    const middleNow = await answeredWhileHeld(client.hover(conf, between, 9));
    const docNow = await answeredWhileHeld(client.hover(conf, line, 27));
    const farNow = await answeredWhileHeld(client.hover(conf, lineOf(FAR) + 1, 9));
    assert.ok(!publishedVersion(4), "answered after the edits' analysis: the hovers waited for it");
    assert.deepStrictEqual(middleNow, middle);
    assert.ok(text(docNow).startsWith("**return**"), text(docNow));
    assert.deepStrictEqual(docNow?.range?.start, { line, character: 26 });
    assert.deepStrictEqual(farNow, far);
    await untilPublished(4);
  });
});
