// Document links: include arguments resolved as the analysis resolved them (conf prefix, path mappings,
// globs), other file arguments through the same prefix and mappings; no link to a file that is not there.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { buildModel } from "../../server/src/model";
import { definitionAt, documentLinks } from "../../server/src/navigate";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { NodeFileSource } from "../../server/src/workspace/files";
import { CORPUS, haveShared, readManifest } from "../support/shared";
import { CorpusSource, removeTree, tempTree } from "../workspace/helpers";
import { analyse, posIn } from "./helpers";

describe("navigate: document links", function () {
  let dir: string;
  before(function () {
    dir = tempTree({
      "conf/nginx.conf": [
        "events {}",
        "http {",
        "    include mime.types;",
        "    include conf.d/*.conf;",
        "    include /etc/nginx/snippets/*.conf;",
        "    include missing.conf;",
        "    include empty/*.conf;",
        "    server {",
        "        ssl_certificate certs/site.pem;",
        "        ssl_certificate_key certs/missing.key;",
        "        ssl_trusted_certificate certs/$host.pem;",
        "        auth_basic_user_file /etc/nginx/htpasswd;",
        "        location /lua { content_by_lua_file lua/app.lua; }",
        "        location /abs { access_by_lua_file /srv/nope.lua; }",
        "    }",
        "}",
        "",
      ].join("\n"),
      "conf/mime.types": "types { text/html html; }\n",
      "conf/conf.d/a.conf": "# a\n",
      "conf/conf.d/b.conf": "# b\n",
      "conf/conf.d/c.conf": "# c\n",
      "conf/snippets/one.conf": "# one\n",
      "conf/certs/site.pem": "not really a certificate\n",
      "conf/htpasswd": "u:x\n",
      "lua/app.lua": "ngx.say('hi')\n",
    });
  });
  after(() => removeTree(dir));

  it("includes: one file, a glob of three (first + count), a mapped absolute glob; none for missing or empty", function () {
    const conf = path.join(dir, "conf", "nginx.conf");
    // The server names its files /etc/nginx/…: mapped onto the workspace's conf/ folder.
    const a = analyse(conf, [{ from: "/etc/nginx", to: path.join(dir, "conf") }]);
    const links = documentLinks([a], conf);
    const brief = links.map((l) => ({
      line: l.range.start.line,
      character: l.range.start.character,
      target: path.relative(dir, l.target),
      targets: l.targets.length,
    }));
    const at = (needle: string): { line: number; character: number } => posIn(conf, needle);
    assert.deepEqual(brief, [
      { ...at("mime.types"), target: "conf/mime.types", targets: 1 },
      { ...at("conf.d/*.conf"), target: "conf/conf.d/a.conf", targets: 3 },
      { ...at("/etc/nginx/snippets"), target: "conf/snippets/one.conf", targets: 1 },
      { ...at("certs/site.pem"), target: "conf/certs/site.pem", targets: 1 },
      { ...at("/etc/nginx/htpasswd"), target: "conf/htpasswd", targets: 1 },
    ]);
    const glob = links[1];
    assert.ok(glob.tooltip.startsWith("3 files match conf.d/*.conf"), glob.tooltip);
    assert.equal(links[0].tooltip, path.join(dir, "conf", "mime.types"));
  });

  it("an include of nginx's stock file read as its default: no link or definition into the stand-in", function () {
    const d = tempTree({
      "nginx.conf": "events {}\nhttp {\n    include mime.types;\n    include /etc/nginx/fastcgi_params;\n}\n",
    });
    try {
      const conf = path.join(d, "nginx.conf");
      const a = analyse(conf);
      // Both are read (the stand-ins), …
      assert.deepEqual(
        a.config.edges.map((e) => e.to.map((i) => i.path)),
        [["(nginx default) mime.types"], ["(nginx default) fastcgi_params"]],
      );
      // … but there is no file to open.
      assert.deepEqual(documentLinks([a], conf), []);
      assert.deepEqual(definitionAt([a], conf, posIn(conf, "mime.types", 1)), []);
      assert.deepEqual(definitionAt([a], conf, posIn(conf, "fastcgi_params", 1)), []);
    } finally {
      removeTree(d);
    }
  });

  it("OpenResty's layout (<prefix>/conf/nginx.conf): a relative Lua file is read from <prefix>", function () {
    const conf = path.join(dir, "conf", "nginx.conf");
    const config = loadConfiguration(conf, {
      mappings: [{ from: "/usr/local/openresty/nginx", to: dir }],
      defaultMapping: false,
    });
    assert.equal(config.confPrefix, "/usr/local/openresty/nginx/conf");
    const lua = documentLinks([{ config, model: buildModel(config) }], conf, new NodeFileSource()).filter((l) =>
      l.target.endsWith(".lua"),
    );
    const at = posIn(conf, "lua/app.lua");
    assert.deepEqual(
      lua.map((l) => [l.range.start.line, l.range.start.character, l.target]),
      [[at.line, at.character, path.join(dir, "lua", "app.lua")]],
    );
  });

  it("a file outside the OpenResty layout: relative Lua files get no link (nginx's prefix is unknown)", function () {
    const d = tempTree({
      "nginx.conf": "events {}\nhttp { server { location / { content_by_lua_file lua/app.lua; } } }\n",
      "lua/app.lua": "ngx.say('hi')\n",
    });
    try {
      const conf = path.join(d, "nginx.conf");
      assert.deepEqual(documentLinks([analyse(conf)], conf), []);
    } finally {
      removeTree(d);
    }
  });

  it("over ../shared/corpus: every link of every file points to a file that exists", function () {
    if (!haveShared()) this.skip();
    const source = new CorpusSource();
    let roots = 0;
    let links = 0;
    const bad: string[] = [];
    for (const entry of readManifest()) {
      if (entry.kind === "include") continue;
      const root = path.join(CORPUS, entry.path);
      // As the server reads it: an nginx.conf's /etc/nginx is its own folder (the default mapping).
      const config = loadConfiguration(root, { source });
      const a = { config, model: buildModel(config), options: { source } };
      roots++;
      for (const p of config.files.keys()) {
        for (const l of documentLinks([a], p)) {
          links++;
          for (const t of l.targets) if (!fs.existsSync(t) || fs.statSync(t).isDirectory()) bad.push(`${p}: ${t}`);
          if (l.target !== l.targets[0]) bad.push(`${p}: target is not the first match`);
        }
      }
    }
    assert.deepEqual(bad.slice(0, 20), []);
    assert.ok(roots > 600, `${roots} roots`);
    assert.ok(links > 100, `${links} links`);
    console.log(`      (${roots} roots, ${links} links)`);
  });
});
