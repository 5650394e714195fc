// What reads as nginx configuration (workspace/classify.ts): the files an include can name by mistake or
// on purpose — secrets, keys, binaries — do not; every file of the shared corpus, in the context it is
// included in, does.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "../../server/src/parse/parser";
import { classifyConfiguration, classifyOpenedFile, lineShape } from "../../server/src/workspace/classify";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { buildIncludeGraph, findCandidateFiles } from "../../server/src/workspace/roots";
import { OTHER_FORMATS } from "../support/other-formats";
import { CORPUS, corpusFilesNotRead, haveShared, readManifest } from "../support/shared";
import { CorpusSource } from "./helpers";

const NOT_CONFIGURATION: Record<string, string> = {
  ".env": "DB_HOST=db.internal\nDB_PASSWORD=hunter2-s3cret\nexport API_KEY=abc123\n",
  "lowercase .env": "db_host localhost\ndb_password hunter2\n",
  "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
  ".htpasswd": "admin:$apr1$Zx8R1n2Q$3y0.Hq1d2Z5r6kZ3VqYx7/\n",
  "a PEM key":
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n",
  "a JSON key file": '{ "type": "service_account", "private_key_id": "0a1b2c", "client_email": "ci@x.iam" }\n',
  YAML: "apiVersion: v1\nkind: Secret\ndata:\n  password: aHVudGVyMg==\n",
  "binary with NUL": "user nginx;\0\x01\x02worker_processes 1;\n",
  "an INI file": "[www]\nuser = www-data\nlisten = /run/php/php-fpm.sock\n",
};

const CONFIGURATION: Record<string, string> = {
  empty: "",
  "comments only": "# nothing here yet\n",
  "a server snippet": "server {\n    listen 80;\n    server_name example.com;\n    location / { return 200; }\n}\n",
  "directives of a module the table lacks": "my_module_switch on;\nmy_module_zone one 10m;\n",
  "a broken configuration": "http {\n    server {\n        listen 80\n        root /srv;\n",
  "one unknown among known": "worker_processes 1;\nfrobnicate;\n",
};

describe("workspace/classify: does a file read as nginx configuration", function () {
  for (const [what, text] of Object.entries(NOT_CONFIGURATION)) {
    it(`${what} does not (and the reason quotes none of its words)`, function () {
      const c = classifyConfiguration(parse(text));
      assert.equal(c.configuration, false, c.reason);
      for (const word of text.split(/[\s:=;"{},]+/).filter((w) => w.length >= 3))
        assert.ok(!c.reason.includes(word), `reason "${c.reason}" quotes "${word}"`);
    });
  }
  for (const [what, text] of Object.entries(CONFIGURATION)) {
    it(`${what} does`, function () {
      const c = classifyConfiguration(parse(text));
      assert.equal(c.configuration, true, c.reason);
    });
  }

  it("in a table body (map, types, geo) entries ended by ';' do, a secret file does not", function () {
    assert.equal(classifyConfiguration(parse("default 0;\n~^/api 1;\n10.0.0.0/8 2;\n"), true).configuration, true);
    assert.equal(classifyConfiguration(parse(NOT_CONFIGURATION[".env"]), true).configuration, false);
    assert.equal(classifyConfiguration(parse(NOT_CONFIGURATION["/etc/passwd"]), true).configuration, false);
  });

  it("an included secret is not analysed: one warning at the include, and no word of it in any diagnostic", function () {
    const source = new MemoryFileSource({
      "/ws/nginx.conf": "events {}\nhttp {\n    include secrets.env;\n    map $a $b { include entries; }\n}\n",
      "/ws/secrets.env": NOT_CONFIGURATION[".env"],
      "/ws/entries": "default 0;\nexample.com 1;\n",
    });
    const config = loadConfiguration("/ws/nginx.conf", { source });
    assert.deepEqual([...config.files.keys()].sort(), ["/ws/entries", "/ws/nginx.conf"]);
    const d = config.diagnostics.filter((x) => x.code === "not-configuration");
    assert.equal(d.length, 1, JSON.stringify(config.diagnostics));
    assert.equal(d[0].path, "/ws/nginx.conf");
    assert.equal(d[0].range.start.line, 2);
    // Named as nginx would open it (the default mapping of /etc/nginx to the main file's folder).
    assert.match(d[0].message, /"\/etc\/nginx\/secrets\.env" does not read as nginx configuration/);
    const all = JSON.stringify(config.diagnostics);
    for (const secret of ["hunter2", "DB_PASSWORD", "API_KEY", "abc123"]) assert.ok(!all.includes(secret), secret);
  });
});

/** crossplane's fixtures that are not configuration by their own words. */
const NEVER_INCLUDED = /^# this file should never be included\n/;
/** crossplane's quoting test: quoted junk nginx rejects (`"outer-quote" "left"-quote …`), though `;`-ended like a table. */
const QUOTE_JUNK = /^"outer-quote" /;

describe("workspace/classify over the shared corpus", function () {
  this.timeout(120_000);
  before(function () {
    if (!haveShared()) this.skip();
  });

  it("every configuration's files read as configuration where they are included (link stubs followed)", function () {
    const read: string[] = [];
    const refused: string[] = [];
    const expected: string[] = [];
    for (const folder of fs.readdirSync(CORPUS).map((d) => path.join(CORPUS, d))) {
      if (!fs.statSync(folder).isDirectory()) continue;
      const source = new CorpusSource();
      const graph = buildIncludeGraph(findCandidateFiles(folder, { source }), { source, mappings: [] });
      for (const config of graph.configurations.values()) {
        read.push(...config.files.keys());
        const text = fs.readFileSync(config.rootPath, "utf8");
        if (NEVER_INCLUDED.test(text) || QUOTE_JUNK.test(text)) expected.push(config.rootPath);
        for (const d of config.diagnostics) if (d.code === "not-configuration") refused.push(d.path);
      }
    }
    assert.deepEqual(corpusFilesNotRead(read, refused), [], "configuration files of the corpus that were not read");
    assert.ok(expected.length >= 2, `${expected.length} fixtures that should never be included`);
    assert.deepEqual(refused.sort(), expected.sort());
  });

  it("every corpus file on its own reads as configuration, in a directive or a table body", function () {
    const links = new Set(
      readManifest()
        .filter((e) => e.linkTo)
        .map((e) => e.path),
    );
    let files = 0;
    const refused: string[] = [];
    const expected: string[] = [];
    for (const e of readManifest()) {
      if (links.has(e.path)) continue; // a stub holding its link's target, not configuration
      files++;
      const text = fs.readFileSync(path.join(CORPUS, e.path), "utf8");
      if (NEVER_INCLUDED.test(text)) expected.push(e.path);
      const parsed = parse(text);
      if (!classifyConfiguration(parsed).configuration && !classifyConfiguration(parsed, true).configuration)
        refused.push(e.path);
    }
    assert.ok(files >= 600, `${files} files`);
    assert.deepEqual(refused, expected);
  });
});

/** Every word a reason may hold besides its counts (classify.ts). */
const REASON_WORDS =
  "of its statement statements is are a known directive directives line lines end ends a statement or block " +
  "start with entry entries ended by it JSON";

/** nginx files with mistakes, and files being typed: they read as nginx, so their errors are shown. */
const BROKEN_NGINX: Record<string, string> = {
  "a missing ;":
    "server {\n    listen 80\n    server_name example.com;\n    location / {\n        proxy_pass http://app;\n    }\n}\n",
  "every ; missing": "listen 80\nserver_name example.com\nroot /srv/www\nindex index.html\n",
  "a missing }": "http {\n    server {\n        listen 80;\n        location / { return 200; }\n",
  "a stray ; at the start of a line": "events {}\nhttp {\n    gzip on\n    ;\n    server { listen 80; }\n}\n",
  "unknown directives of a module the table lacks, one unterminated":
    "my_filter on;\nmy_filter_zone one 10m;\nmy_filter_rules /etc/rules\n",
  "being typed: one word": "listen 80",
  "being typed: a block opened": "server {\n    listen 80;\n    serv",
  "a log_format over many lines": [
    "log_format json escape=json",
    "    '{'",
    '    \'"time":"$time_iso8601",\'',
    '    \'"remote":"$remote_addr",\'',
    '    \'"request":"$request",\'',
    "    '\"status\":$status,'",
    "    '\"bytes\":$body_bytes_sent,'",
    '    \'"referer":"$http_referer",\'',
    '    \'"agent":"$http_user_agent"\'',
    "    '}';",
    "access_log /var/log/nginx/access.json json",
    "",
  ].join("\n"),
  "map entries alone (included in a map)": "default 0;\n~^/api/ 1;\n~*\\.php$ 2;\n",
  "Lua code in a block": [
    "content_by_lua_block {",
    "    local t = {}",
    "    for i = 1, 10 do",
    "        t[#t + 1] = i",
    "    end",
    "    ngx.say(table.concat(t, ','))",
    "}",
    "",
  ].join("\n"),
};

describe("workspace/classify: does an OPENED file read as nginx (classifyOpenedFile)", function () {
  for (const f of OTHER_FORMATS) {
    it(`${f.name}, ${f.what}: no (and the reason quotes none of its words)`, function () {
      assert.ok(f.text.split("\n").length >= 10, "a realistic length");
      const c = classifyOpenedFile(parse(f.text));
      assert.equal(c.configuration, false, c.reason);
      // Counts and the classifier's own words only: none of the file's other words, as a whole word.
      const own = new Set(c.reason.replace(/\d+/g, " ").split(/[^A-Za-z]+/));
      const template = /^\s*(\d+ of its \d+ (statements?|lines?|entry|entries) .+|it is JSON)\s*$/;
      assert.match(c.reason, template);
      const vocabulary = new Set(REASON_WORDS.split(" "));
      for (const word of own) assert.ok(word === "" || vocabulary.has(word), `reason "${c.reason}" says "${word}"`);
    });
  }

  it("a redis.conf whose first line is an include (a known directive) still does not", function () {
    const redis = OTHER_FORMATS.find((f) => f.name === "redis.conf")!;
    const text = "include /etc/redis/common.conf\n" + redis.text;
    // The statements alone would say yes: its one statement, running to the end, is named `include`.
    assert.equal(classifyConfiguration(parse(text)).configuration, true);
    assert.equal(classifyOpenedFile(parse(text)).configuration, false);
  });

  for (const [what, text] of Object.entries(BROKEN_NGINX)) {
    it(`${what}: yes`, function () {
      const c = classifyOpenedFile(parse(text));
      assert.equal(c.configuration, true, c.reason);
    });
  }

  it("the directive-line shortcut gives lineShape's verdict on every corpus file and every other format", function () {
    if (!haveShared()) this.skip();
    this.timeout(120_000);
    // classifyOpenedFile skips lineShape when the directive lines alone are a quarter of all lines; this is the
    // verdict with lineShape always asked, written from the rules its comment states.
    const slow = (text: string): boolean => {
      const p = parse(text);
      const direct = classifyConfiguration(p);
      if (!direct.configuration && !classifyConfiguration(p, true).configuration) return false;
      if (classifyOpenedFile(p).reason === "it is JSON") return false;
      const { lines, nginxLike } = lineShape(p);
      return !(lines >= 3 && nginxLike * 4 < lines);
    };
    const texts = [
      ...OTHER_FORMATS.map((f) => f.text),
      ...Object.values(BROKEN_NGINX),
      ...readManifest()
        .filter((e) => !e.linkTo)
        .map((e) => fs.readFileSync(path.join(CORPUS, e.path), "utf8")),
    ];
    for (const text of texts)
      assert.equal(classifyOpenedFile(parse(text)).configuration, slow(text), text.slice(0, 200));
    assert.ok(texts.length >= 600, `${texts.length} texts`);
  });

  it("every corpus file reads as nginx when opened, but crossplane's never-included junk", function () {
    if (!haveShared()) this.skip();
    this.timeout(120_000);
    const links = new Set(
      readManifest()
        .filter((e) => e.linkTo)
        .map((e) => e.path),
    );
    let files = 0;
    const refused: string[] = [];
    const expected: string[] = [];
    for (const e of readManifest()) {
      if (links.has(e.path)) continue;
      files++;
      const text = fs.readFileSync(path.join(CORPUS, e.path), "utf8");
      if (NEVER_INCLUDED.test(text)) expected.push(e.path);
      if (!classifyOpenedFile(parse(text)).configuration) refused.push(e.path);
    }
    assert.ok(files >= 600, `${files} files`);
    // The six "# this file should never be included" fixtures of crossplane and its Go port: one line of
    // junk after that comment; nothing else in the corpus.
    assert.ok(expected.length >= 2, expected.join());
    assert.deepEqual(refused, expected);
  });
});
