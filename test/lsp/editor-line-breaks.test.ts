// An editor that rewrites line breaks on opening (VS Code normalises a file's mixed line breaks in its buffer)
// turns a lone CR inside a `#` comment into a real line break: the text nginx reads as comment is live in the
// buffer, and a save makes it live on disk. The built server, over stdio, compares the buffer it is given
// with the file on disk and warns where a save would bring a directive to life; the warning goes once the
// file is saved. Opened as it is on disk, the same file gets no such warning (only the warning that the text
// is hidden), so each assertion can fail.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  DidSaveTextDocumentNotification,
  InitializeRequest,
  InitializedNotification,
  type Diagnostic,
} from "vscode-languageserver-protocol/node";
import { diskLineBreakHazards, lineBreakHazards } from "../../server/src/lsp/editor-line-breaks";
import { decodeConfigBytes } from "../../server/src/workspace/files";
import { HIDDEN, HIDDEN_COLUMN, HIDDEN_LINE, RULES_TEXT, VISIBLE } from "../support/comment-cr";
import { TestClient, initializeParams, requireBuiltServer, uriOf } from "./client";

const code = (d: Diagnostic): string => (d.data as { code?: string } | undefined)?.code ?? String(d.code);
const CHANGED = "editor-changed-line-breaks";

describe("lsp: line breaks the editor rewrote on opening", function () {
  this.timeout(60_000);
  let dir = "";
  let client: TestClient;

  before(async function () {
    requireBuiltServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-eol-"));
    fs.mkdirSync(path.join(dir, "modsec"));
    fs.writeFileSync(path.join(dir, "modsec/main.conf"), RULES_TEXT);
    client = new TestClient();
    await client.connection.sendRequest(InitializeRequest.type, initializeParams(dir, "eol"));
    await client.connection.sendNotification(InitializedNotification.type, {});
  });

  after(async function () {
    if (client) await client.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("warns where the buffer brings to life what nginx reads as comment, until the file is saved", async function () {
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, HIDDEN);
    // What VS Code hands over for this LF file: the lone CR made a line feed.
    client.open(conf, VISIBLE);
    const opened = await client.waitFor(conf, (p) => p.diagnostics.some((d) => code(d) === CHANGED));
    const [warning] = opened.diagnostics.filter((d) => code(d) === CHANGED);
    assert.deepEqual(warning.range.start, { line: HIDDEN_LINE, character: HIDDEN_COLUMN });
    assert.equal(warning.severity, 2);
    assert.match(String(warning.message), /Saving the file from this editor makes it a directive nginx runs/);
    // The buffer is analysed as the editor shows it: the directive is live there (a finding of its own).
    assert.ok(
      opened.diagnostics.some((d) => code(d) === "rules-loaded-twice"),
      JSON.stringify(opened.diagnostics.map(code)),
    );

    // Saved: the disk holds what the buffer holds, nothing is hidden any more, the warning goes.
    const since = client.published.length;
    fs.writeFileSync(conf, VISIBLE);
    await client.connection.sendNotification(DidSaveTextDocumentNotification.type, {
      textDocument: { uri: uriOf(conf) },
    });
    await client.waitFor(conf, (p) => !p.diagnostics.some((d) => code(d) === CHANGED), since);
    client.close(conf);
  });

  it("says nothing of the kind when the buffer is the file as it is on disk", async function () {
    const conf = path.join(dir, "same", "nginx.conf");
    fs.mkdirSync(path.dirname(conf));
    fs.writeFileSync(conf, HIDDEN.replace(/\/etc\/nginx\/modsec/g, path.join(dir, "modsec")));
    client.open(conf, fs.readFileSync(conf, "utf8"));
    const got = await client.waitFor(conf, (p) => p.diagnostics.some((d) => code(d) === "comment-continues-past-cr"));
    assert.deepEqual(
      got.diagnostics.filter((d) => code(d) === CHANGED),
      [],
    );
    client.close(conf);
  });
});

describe("lineBreakHazards: only line breaks rewritten, nothing else", function () {
  it("CRLF files: the buffer with CRLF everywhere is the rewritten one", function () {
    const disk = "events {}\r\nhttp {\r\n    # off:\r    return 503;\r\n}\r\n";
    const buffer = disk.replace("\r    return", "\r\n    return");
    const found = lineBreakHazards("/w/nginx.conf", disk, buffer);
    assert.deepEqual(
      found.map((f) => [
        f.code,
        f.range.start.line,
        f.range.start.character,
        buffer.slice(f.range.start.offset, f.range.end.offset),
      ]),
      [[CHANGED, 3, 4, "return 503;"]],
    );
  });

  it("a buffer the user changed otherwise, or one that still has the lone CR, gets nothing", function () {
    const disk = "http {\n    # off:\r    return 503;\n}\n";
    assert.deepEqual(lineBreakHazards("/w/a.conf", disk, disk.replace("\r", "\n").replace("http", "http ")), []);
    assert.deepEqual(lineBreakHazards("/w/a.conf", disk, disk), []);
    // A lone CR outside a comment hides nothing: rewriting it changes no directive.
    const plain = "http {\r    return 200;\n}\n";
    assert.deepEqual(lineBreakHazards("/w/a.conf", plain, plain.replace("\r", "\n")), []);
  });
});

describe("diskLineBreakHazards: the disk's bytes, decoded only when they hold a lone CR", function () {
  it("finds what lineBreakHazards finds in the decoded text, invalid UTF-8 beside the CR included", function () {
    const bytes = Buffer.concat([
      Buffer.from("http {\r\n    # caf"),
      Buffer.from([0xe9]),
      Buffer.from(":\r    return 503;\r\n}\r\n"),
    ]);
    const decoded = decodeConfigBytes(bytes).text;
    const buffer = decoded.replace("\r    return", "\r\n    return");
    const found = diskLineBreakHazards("/w/a.conf", bytes, buffer);
    assert.equal(found.length, 1);
    assert.deepEqual(found, lineBreakHazards("/w/a.conf", decoded, buffer));
  });

  it("nothing when every CR is followed by LF, or there is none", function () {
    const crlf = Buffer.from("http {\r\n    # off\r\n    return 503;\r\n}\r\n");
    assert.deepEqual(diskLineBreakHazards("/w/a.conf", crlf, crlf.toString().replace(/\r\n/g, "\n")), []);
    const lf = Buffer.from("http {\n    # off\n}\n");
    assert.deepEqual(diskLineBreakHazards("/w/a.conf", lf, "http {\n}\n"), []);
  });
});
