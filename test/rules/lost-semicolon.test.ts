// directive/lost-semicolon: a statement whose argument starts a new line with a directive that fits there.
// The real `nginx -t` shows why it is worth a warning: it either fails somewhere else than the missing `;`
// or accepts the configuration with the next line swallowed. Over the shared corpus the warning appears
// only in the configurations their authors filed as errors.
import { strict as assert } from "assert";
import * as path from "path";
import { directiveFindings } from "../../server/src/rules/directive-checks";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { nginxTest } from "../support/nginx";
import { CORPUS, haveShared, nginxBinary, readManifest } from "../support/shared";

function lost(text: string): { line: number; message: string }[] {
  const config = loadConfiguration("/w/nginx.conf", { source: new MemoryFileSource({ "/w/nginx.conf": text }) });
  return directiveFindings(config, { strict: false } as Parameters<typeof directiveFindings>[1])
    .filter((f) => f.code === "lost-semicolon")
    .map((f) => ({ line: f.range.start.line + 1, message: f.message }));
}

const wrap = (server: string): string => `events {}\nhttp {\n    server {\n${server}    }\n}\n`;

describe("rule directive: lost-semicolon", function () {
  this.timeout(60_000);

  const cases: { name: string; server: string; line: number; nginx: "fails" | "accepts" }[] = [
    { name: "listen ⏎ server_name", server: "listen 8080\nserver_name a.test;\n", line: 5, nginx: "fails" },
    { name: "server_name ⏎ root", server: "server_name a.test\nroot /srv;\n", line: 5, nginx: "accepts" },
    { name: "add_header ⏎ expires", server: "add_header X-A b\nexpires 1h;\n", line: 5, nginx: "fails" },
  ];
  for (const c of cases) {
    it(`${c.name}: warns on the line that lost its place; nginx -t ${c.nginx} it`, function () {
      const text = wrap(c.server);
      const got = lost(text);
      assert.deepEqual(
        got.map((g) => g.line),
        [c.line],
        JSON.stringify(got),
      );
      if (!nginxBinary()) {
        if (process.env.CI) assert.fail("nginx is not installed");
        this.skip();
      }
      assert.equal(nginxTest(text).ok, c.nginx === "accepts", nginxTest(text).output);
    });
  }

  it("says nothing about statements written over several lines on purpose", function () {
    const text = wrap(
      [
        "listen 8080",
        "    default_server;",
        "log_not_found",
        "    off;",
        "proxy_cache_valid 200 302",
        "    10m;",
        "add_header X-A",
        '    "root";',
        "set $x",
        "    root;",
        "",
      ].join("\n"),
    );
    assert.deepEqual(lost(text), []);
  });

  it("over the shared corpus, warns only in configurations filed as errors", function () {
    if (!haveShared()) this.skip();
    let inErrors = 0;
    const elsewhere: string[] = [];
    for (const entry of readManifest()) {
      const file = path.join(CORPUS, entry.path);
      if (!/\.conf$/.test(file)) continue;
      let config;
      try {
        config = loadConfiguration(file);
      } catch {
        continue;
      }
      for (const f of directiveFindings(config, { strict: false } as Parameters<typeof directiveFindings>[1])) {
        if (f.code !== "lost-semicolon") continue;
        if (f.path.split(path.sep).includes("error")) inErrors++;
        else elsewhere.push(`${f.path}:${f.range.start.line + 1}: ${f.message}`);
      }
    }
    assert.deepEqual(elsewhere, []);
    assert.ok(inErrors >= 2, `found ${inErrors}`);
  });
});
