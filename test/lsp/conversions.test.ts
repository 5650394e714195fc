// The LSP conversion layer and settings parsing, in process (no server).
import * as assert from "assert";
import type { Diagnostic } from "vscode-languageserver/node";
import { DiagnosticStore, type RootResult } from "../../server/src/lsp/analysis";
import {
  findingToDiagnostic,
  hoverToLsp,
  lensToCodeLens,
  pathToUri,
  toLspRange,
  uriToPath,
} from "../../server/src/lsp/conversions";
import { readSettings, ruleOptionsOf } from "../../server/src/lsp/settings";
import type { Range } from "../../server/src/parse/ast";
import type { Finding } from "../../server/src/rules";

const R = (sl: number, sc: number, el: number, ec: number): Range => ({
  start: { line: sl, character: sc, offset: 1000 },
  end: { line: el, character: ec, offset: 2000 },
});

describe("lsp conversions", function () {
  it("spells file URIs like VS Code (vscode-uri) does", function () {
    assert.strictEqual(pathToUri("/etc/nginx/nginx.conf"), "file:///etc/nginx/nginx.conf");
    // Reserved characters, including the ones encodeURIComponent keeps (!'()*), are percent-encoded.
    assert.strictEqual(
      pathToUri("/a b/c+d(1)!'*;=@$,&#?[].conf"),
      "file:///a%20b/c%2Bd%281%29%21%27%2A%3B%3D%40%24%2C%26%23%3F%5B%5D.conf",
    );
    assert.strictEqual(pathToUri("/srv/sites-available/ünï.conf"), "file:///srv/sites-available/%C3%BCn%C3%AF.conf");
    assert.strictEqual(pathToUri("C:\\nginx\\conf\\nginx.conf"), "file:///c%3A/nginx/conf/nginx.conf");
  });

  it("turns file URIs back into paths, and rejects other schemes", function () {
    for (const p of ["/etc/nginx/nginx.conf", "/a b/c+d(1)!'*;=@$,&#?[].conf", "/srv/ünï.conf"]) {
      assert.strictEqual(uriToPath(pathToUri(p)), p);
    }
    assert.strictEqual(uriToPath("file:///a%2Bb.conf"), "/a+b.conf");
    assert.strictEqual(uriToPath("file:///a+b.conf"), "/a+b.conf");
    assert.strictEqual(uriToPath("untitled:Untitled-1"), null);
  });

  it("keeps line/character exactly and maps severity, code, source and related locations", function () {
    assert.deepStrictEqual(toLspRange(R(3, 4, 5, 6)), {
      start: { line: 3, character: 4 },
      end: { line: 5, character: 6 },
    });
    const f: Finding = {
      ruleId: "directive",
      code: "not-allowed-here",
      severity: "warning",
      path: "/w/nginx.conf",
      range: R(1, 2, 1, 8),
      message: "m",
      related: [{ path: "/w/conf.d/a b.conf", range: R(0, 0, 0, 4), message: "included here" }],
    };
    const d = findingToDiagnostic(f);
    assert.strictEqual(d.severity, 2);
    assert.strictEqual(d.code, "directive");
    assert.strictEqual(d.source, "nginx-risk");
    assert.deepStrictEqual(d.data, { code: "not-allowed-here" });
    assert.deepStrictEqual(d.relatedInformation, [
      {
        location: {
          uri: "file:///w/conf.d/a%20b.conf",
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 4 } },
        },
        message: "included here",
      },
    ]);
    const sev = (s: Finding["severity"]): unknown =>
      findingToDiagnostic({ ...f, severity: s, related: undefined }).severity;
    assert.deepStrictEqual(
      ["error", "warning", "info", "hint"].map((s) => sev(s as Finding["severity"])),
      [1, 2, 3, 4],
    );
    assert.strictEqual(findingToDiagnostic({ ...f, related: undefined }).relatedInformation, undefined);
  });
});

describe("lsp hover and lens conversions", function () {
  it("hovers are markdown with their range; lenses carry a title-only command", function () {
    assert.deepStrictEqual(hoverToLsp({ markdown: "**x**", range: R(1, 2, 1, 5) }), {
      contents: { kind: "markdown", value: "**x**" },
      range: { start: { line: 1, character: 2 }, end: { line: 1, character: 5 } },
    });
    assert.deepStrictEqual(lensToCodeLens({ title: "5 SSL contexts", range: R(0, 0, 0, 6) }), {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 6 } },
      command: { title: "5 SSL contexts", command: "" },
    });
  });
});

const MIB = 1024 * 1024;

describe("lsp settings", function () {
  it("substitutes ${workspaceFolder}, resolves relative targets, defaults and clamps", function () {
    const { settings, problems } = readSettings(
      {
        pathMappings: { "/etc/nginx/": "${workspaceFolder}/conf/", "/srv/www": "www" },
        strict: true,
        debounceMs: 99999,
      },
      "/home/u/proj",
    );
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(settings, {
      pathMappings: [
        { from: "/etc/nginx/", to: "/home/u/proj/conf/" },
        { from: "/srv/www", to: "/home/u/proj/www" },
      ],
      strict: true,
      debounceMs: 10000,
      versions: {},
      assumedBundle: { bytes: 219597, certificates: 144 },
      allowRead: [],
      limits: { configuration: 64 * MIB, bundle: 16 * MIB },
      ruleLevels: {},
      ruleConfig: {},
    });
    assert.deepStrictEqual(readSettings(undefined, null), {
      settings: {
        pathMappings: [],
        strict: false,
        debounceMs: 200,
        versions: {},
        assumedBundle: { bytes: 219597, certificates: 144 },
        allowRead: [],
        limits: { configuration: 64 * MIB, bundle: 16 * MIB },
        ruleLevels: {},
        ruleConfig: {},
      },
      problems: [],
    });
  });

  it("reports bad values and keeps the good ones", function () {
    const { settings, problems } = readSettings(
      {
        pathMappings: { relative: "/x", "/a": "${workspaceFolder}/a", "/b": 3, "/c": "/c2" },
        strict: "yes",
        debounceMs: "fast",
      },
      null,
    );
    assert.deepStrictEqual(settings, {
      pathMappings: [{ from: "/c", to: "/c2" }],
      strict: false,
      debounceMs: 200,
      versions: {},
      assumedBundle: { bytes: 219597, certificates: 144 },
      allowRead: [],
      limits: { configuration: 64 * MIB, bundle: 16 * MIB },
      ruleLevels: {},
      ruleConfig: {},
    });
    assert.strictEqual(problems.length, 5, problems.join("\n"));
  });

  it("reads versions, the memory budget and the assumed bundle, and maps them to rule options", function () {
    const { settings, problems } = readSettings(
      {
        versions: { nginx: " 1.22.1 ", luaNginxModule: "0.10.26", openresty: "", openssl: "3.0.11" },
        memoryBudgetMiB: 512,
        assumedBundle: { bytes: 1000, certificates: 2 },
      },
      null,
    );
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(settings.versions, { nginx: "1.22.1", luaNginxModule: "0.10.26", openssl: "3.0.11" });
    assert.strictEqual(settings.memoryBudgetBytes, 512 * 1024 * 1024);
    assert.deepStrictEqual(ruleOptionsOf(settings), {
      strict: false,
      nginxVersion: "1.22.1",
      luaNginxModuleVersion: "0.10.26",
      opensslVersion: "3.0.11",
      memoryBudgetBytes: 512 * 1024 * 1024,
      assumedBundle: { bytes: 1000, certificates: 2 },
    });
    // 0 and null: no budget; an empty version: unknown.
    for (const memoryBudgetMiB of [0, null]) {
      const r = readSettings({ memoryBudgetMiB, versions: { nginx: "" } }, null);
      assert.deepStrictEqual(r.problems, []);
      assert.strictEqual(r.settings.memoryBudgetBytes, undefined);
      assert.deepStrictEqual(ruleOptionsOf(r.settings), {
        strict: false,
        assumedBundle: { bytes: 219597, certificates: 144 },
      });
    }
  });

  it("reads allowRead (substituted, relative to the folder) and the size limits, and reports bad ones", function () {
    const { settings, problems } = readSettings(
      {
        allowRead: ["/etc/ssl/certs", "${workspaceFolder}/../shared", "certs", "", 3],
        limits: { configurationMiB: 1.5, bundleMiB: 0 },
      },
      "/home/u/proj",
    );
    assert.deepStrictEqual(settings.allowRead, ["/etc/ssl/certs", "/home/u/proj/../shared", "/home/u/proj/certs"]);
    assert.deepStrictEqual(settings.limits, { configuration: Math.round(1.5 * MIB), bundle: 16 * MIB });
    assert.strictEqual(problems.length, 3, problems.join("\n"));
    // Outside any folder, only absolute paths mean something.
    const loose = readSettings({ allowRead: ["/srv/conf", "rel", "${workspaceFolder}/x"] }, null);
    assert.deepStrictEqual(loose.settings.allowRead, ["/srv/conf"]);
    assert.strictEqual(loose.problems.length, 2, loose.problems.join("\n"));
  });

  it("reports bad versions, budgets and bundles, and keeps the defaults", function () {
    const { settings, problems } = readSettings(
      {
        versions: { nginx: "latest", luaNginxModule: 10, openresty: "1.21.4.3" },
        memoryBudgetMiB: -1,
        assumedBundle: { bytes: "big", certificates: 1 },
      },
      null,
    );
    assert.deepStrictEqual(settings.versions, { openresty: "1.21.4.3" });
    assert.strictEqual(settings.memoryBudgetBytes, undefined);
    assert.deepStrictEqual(settings.assumedBundle, { bytes: 219597, certificates: 144 });
    assert.strictEqual(problems.length, 4, problems.join("\n"));
    assert.strictEqual(readSettings({ versions: "1.22.1" }, null).problems.length, 1);
  });
});

describe("lsp diagnostic store", function () {
  const diag = (line: number, message: string): Diagnostic => ({
    range: { start: { line, character: 0 }, end: { line, character: 1 } },
    message,
    code: "syntax",
    data: { code: "x" },
  });
  const root = (key: string, byUri: Record<string, Diagnostic[]>): RootResult => ({
    key,
    files: new Set(),
    byUri: new Map(Object.entries(byUri)),
  });

  it("merges roots per URI, once per finding, and clears what a root no longer reports", function () {
    const store = new DiagnosticStore();
    assert.deepStrictEqual([...store.set(root("a", { u1: [diag(2, "x")], u2: [diag(1, "y")] }))].sort(), ["u1", "u2"]);
    store.set(root("b", { u1: [diag(2, "x"), diag(0, "z")] }));
    assert.deepStrictEqual(
      store.merged("u1").map((d) => d.message),
      ["z", "x"],
    );
    // Root a stops reading u2: u2 is affected and ends up empty.
    assert.deepStrictEqual([...store.set(root("a", { u1: [diag(2, "x")] }))].sort(), ["u1", "u2"]);
    assert.deepStrictEqual(store.merged("u2"), []);
    assert.deepStrictEqual([...store.delete("b")], ["u1"]);
    assert.deepStrictEqual(
      store.merged("u1").map((d) => d.message),
      ["x"],
    );
  });
});
