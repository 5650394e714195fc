// Workspace symbols over every file of a configuration: servers, locations, upstreams and maps, each file
// once, containers from the enclosing server (also across an include), case-insensitive matching, a cap.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { workspaceSymbols } from "../../server/src/navigate";
import { parse } from "../../server/src/parse/parser";
import { generateIncident } from "../support/incident";
import { removeTree, tempTree } from "../workspace/helpers";
import { analyse } from "./helpers";

describe("navigate: workspace symbols", function () {
  let dir: string;
  before(function () {
    dir = tempTree({
      "nginx.conf": [
        "events {}",
        "http {",
        "    upstream Backend { server 127.0.0.1:1; }",
        "    map $uri $x { default 0; }",
        "    include sites/*.conf;",
        "}",
        "",
      ].join("\n"),
      "sites/a.conf": [
        "server {",
        "    server_name shop.example.com;",
        "    location /cart { return 200; }",
        "    location @fallback { return 200; }",
        "    include snippets/common.conf;",
        "}",
        "server {",
        "    server_name blog.example.com;",
        "    include snippets/common.conf;",
        "}",
        "",
      ].join("\n"),
      "snippets/common.conf": "location /health { return 204; }\n",
    });
  });
  after(() => removeTree(dir));

  const names = (query: string): string[] =>
    workspaceSymbols({ analyses: [analyse(path.join(dir, "nginx.conf"))] }, query).symbols.map(
      (s) => `${s.name} [${s.kind}] in ${path.relative(dir, s.path)}${s.containerName ? " / " + s.containerName : ""}`,
    );

  it("an empty query lists every server, location, upstream and map, each file once", function () {
    assert.deepEqual(names("").sort(), [
      "blog.example.com [module] in sites/a.conf",
      "location /cart [method] in sites/a.conf / shop.example.com",
      "location /health [method] in snippets/common.conf / shop.example.com",
      "location @fallback [function] in sites/a.conf / shop.example.com",
      "map $uri $x [variable] in nginx.conf",
      "shop.example.com [module] in sites/a.conf",
      "upstream Backend [struct] in nginx.conf",
    ]);
  });

  it("substring matches first, then characters in order; case does not matter", function () {
    assert.deepEqual(names("BACK"), [
      "upstream Backend [struct] in nginx.conf",
      "location @fallback [function] in sites/a.conf / shop.example.com",
    ]);
    assert.deepEqual(names("hlth"), ["location /health [method] in snippets/common.conf / shop.example.com"]);
    assert.deepEqual(names("nothing-like-this"), []);
  });

  it("open files no analysis reads are listed too; the cap holds on the incident's 4,000 locations", function () {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-wsym-"));
    const site = path.join(generateIncident(tmp, 4000), "sites-enabled", "app.conf");
    const text = fs.readFileSync(site, "utf8");
    fs.rmSync(tmp, { recursive: true, force: true });
    const locations = (text.match(/^\s*location /gm) ?? []).length;
    assert.ok(locations > 1000, `${locations} locations`);
    const all = workspaceSymbols({ analyses: [], extra: new Map([[site, parse(text)]]) }, "", 1000);
    assert.equal(all.symbols.length, 1000);
    assert.ok(all.truncated);
    const l12 = workspaceSymbols({ analyses: [], extra: new Map([[site, parse(text)]]) }, "location /l12");
    // /l12, /l120…/l129, /l1200…/l1299 contain it; subsequence-only matches (e.g. /l1002) come after.
    assert.deepEqual(
      l12.symbols.slice(0, 3).map((s) => s.name),
      ["location /l12", "location /l120", "location /l121"],
    );
    assert.ok(l12.symbols.slice(0, 111).every((s) => s.name.includes("/l12") && s.containerName === "localhost"));
  });
});
