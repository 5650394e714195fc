// The expanded multi-file configuration: per-site instances, contexts, include edges, diagnostics, walk.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Directive } from "../../server/src/parse/ast";
import { diagnosticsFor, loadConfiguration, walk, type Configuration } from "../../server/src/workspace/configuration";
import { MemoryFileSource, NodeFileSource, OverlayFileSource, ParseCache } from "../../server/src/workspace/files";
import { CORPUS, haveShared, nginxBinary } from "../support/shared";
import { CorpusSource, removeTree, tempTree } from "./helpers";

const CONFIGS = path.join(CORPUS, "nginxinc+nginx-go-crossplane/testdata/configs");

function rel(config: Configuration, p: string): string {
  return path.relative(path.dirname(config.rootPath), p);
}

/** Every directive with its file, context and args, in walk order. */
function flatten(config: Configuration): string[] {
  const out: string[] = [];
  walk(config, {
    enter(d, info) {
      out.push(
        `${info.context.join("/")}|${rel(config, info.file.path)}|${d.name} ${d.args.map((a) => a.value).join(" ")}`,
      );
    },
  });
  return out;
}

describe("workspace/configuration (shared corpus)", function () {
  before(function () {
    if (!haveShared()) this.skip();
  });

  it("includes-globbed: a file included from two servers contributes its locations twice, in glob order", function () {
    const c = loadConfiguration(path.join(CONFIGS, "includes-globbed/nginx.conf"));
    assert.deepEqual(
      c.instances.map((i) => [rel(c, i.path), i.context.join("/")]),
      [
        ["nginx.conf", ""],
        ["http.conf", ""],
        ["servers/server1.conf", "http"],
        ["locations/location1.conf", "http/server"],
        ["locations/location2.conf", "http/server"],
        ["servers/server2.conf", "http"],
        ["locations/location1.conf", "http/server"],
        ["locations/location2.conf", "http/server"],
      ],
    );
    // `include locations/*.conf` in servers/server1.conf is relative to the conf prefix (the main
    // file's folder), so servers/locations/not-included.conf is never read.
    assert.ok(![...c.files.keys()].some((f) => f.endsWith("not-included.conf")));
    assert.equal(c.files.size, 6, "each distinct file parsed once");
    assert.deepEqual(c.diagnostics, []);
    const locations = flatten(c).filter((l) => l.includes("|location "));
    assert.deepEqual(locations, [
      "http/server|locations/location1.conf|location /foo",
      "http/server|locations/location2.conf|location /bar",
      "http/server|locations/location1.conf|location /foo",
      "http/server|locations/location2.conf|location /bar",
    ]);
    // The include site of the second location1.conf is server2.conf's include.
    const second = c.instancesByPath.get(path.join(CONFIGS, "includes-globbed/locations/location1.conf"))![1];
    assert.equal(rel(c, second.includedBy!.instance.path), "servers/server2.conf");
    assert.equal(second.includedBy!.directive.args[0].value, "locations/*.conf");
    assert.deepEqual(
      second.parents.map((d) => d.name),
      ["http", "server"],
    );
  });

  it("includes-cycle/invalid: the cycle is an error on the include and expansion stops", function () {
    const c = loadConfiguration(path.join(CONFIGS, "includes-cycle/invalid/nginx.conf"));
    assert.deepEqual(
      c.instances.map((i) => rel(c, i.path)),
      ["nginx.conf", "location1.conf", "location2.conf"],
    );
    assert.equal(c.diagnostics.length, 1);
    const [d] = c.diagnostics;
    assert.equal(d.code, "include-cycle");
    assert.equal(d.severity, "error");
    assert.equal(rel(c, d.path), "location2.conf");
    // On the argument of `include location1.conf;` (line 2, after "    include ").
    assert.deepEqual([d.range.start.line, d.range.start.character, d.range.end.character], [1, 12, 26]);
    assert.match(
      d.message,
      /"\/etc\/nginx\/location1\.conf" → "\/etc\/nginx\/location2\.conf" → "\/etc\/nginx\/location1\.conf"/,
    );
  });

  it("includes-cycle/valid: the same file reached twice without a cycle is not one", function () {
    const c = loadConfiguration(path.join(CONFIGS, "includes-cycle/valid/nginx.conf"));
    assert.deepEqual(c.diagnostics, []);
    assert.deepEqual(
      c.instances.map((i) => [rel(c, i.path), i.context.join("/")]),
      [
        ["nginx.conf", ""],
        ["location1.conf", "http/server"],
        ["location2.conf", "http/server/location"],
        ["location2.conf", "http/server"],
      ],
    );
  });

  it("ubuntu-default: modules and sites in their contexts; the empty conf.d glob is nothing (nginx accepts it)", function () {
    const c = loadConfiguration(path.join(CONFIGS, "ubuntu-default/nginx.conf"));
    assert.deepEqual(
      c.instances.map((i) => [rel(c, i.path), i.context.join("/")]),
      [
        ["nginx.conf", ""],
        ["modules-enabled/50-mod-http-image-filter.conf", ""],
        ["modules-enabled/50-mod-http-xslt-filter.conf", ""],
        ["mime.types", "http"],
        ["sites-enabled/default", "http"],
      ],
    );
    // `include /etc/nginx/conf.d/*.conf;` (line 61) matches nothing: ngx_open_glob sets gl.test, nginx -t passes.
    assert.equal(c.edges.find((e) => e.directive.range.start.line === 60)?.resolution?.isGlob, true);
    assert.deepEqual(c.diagnostics, []);
    assert.equal(c.rootNginxPath, "/etc/nginx/nginx.conf", "default mapping: the root is /etc/nginx/nginx.conf");
    const edge = c.edges.find((e) => e.directive.args[0].value === "sites-enabled/*")!;
    assert.deepEqual(
      edge.to.map((i) => rel(c, i.path)),
      ["sites-enabled/default"],
    );
  });

  it("h5bp: /etc/nginx maps to the repository, hidden conf.d files are skipped, custom.d is empty", function () {
    const root = path.join(CORPUS, "h5bp+server-configs-nginx/nginx.conf");
    const c = loadConfiguration(root, { source: new CorpusSource() });
    assert.deepEqual(
      c.instances.map((i) => i.nginxPath),
      [
        "/etc/nginx/nginx.conf",
        "/etc/nginx/h5bp/security/server_software_information.conf",
        "/etc/nginx/h5bp/media_types/media_types.conf",
        "/etc/nginx/mime.types",
        "/etc/nginx/h5bp/media_types/character_encodings.conf",
        "/etc/nginx/h5bp/web_performance/compression.conf",
        "/etc/nginx/h5bp/web_performance/cache_expiration.conf",
        "/etc/nginx/conf.d/no-ssl.default.conf",
      ],
    );
    assert.deepEqual(c.diagnostics, [], "the empty custom.d glob (line 53) is not reported: nginx accepts it");
  });

  it("absolute includes go through --map style mappings (walf443 php_fpm fixture + nginx's own conf/)", function () {
    const file = path.join(
      CORPUS,
      "walf443+nginx-lint/crates/nginx-lint-parser/tests/fixtures/test_generated/0008_php_fpm.conf",
    );
    const empty = tempTree({});
    try {
      // nginx's stock files, not in the (empty) mapped folder: its defaults, said once each, read from the
      // built-in stand-ins in the contexts the includes put them in.
      const unmapped = loadConfiguration(file, { mappings: [{ from: "/etc/nginx/", to: empty }] });
      assert.deepEqual(
        unmapped.diagnostics.map((d) => [d.range.start.line + 1, d.severity, d.code, d.message.split(":")[0]]),
        [
          [9, "hint", "include-stock-default", `"/etc/nginx/mime.types" is not in the workspace`],
          [34, "hint", "include-stock-default", `"/etc/nginx/fastcgi_params" is not in the workspace`],
        ],
      );
      assert.deepEqual(
        unmapped.instances.slice(1).map((i) => [i.nginxPath, i.path, i.context.join("/")]),
        [
          ["/etc/nginx/mime.types", "(nginx default) mime.types", "http"],
          ["/etc/nginx/fastcgi_params", "(nginx default) fastcgi_params", "http/server/location"],
        ],
      );
    } finally {
      removeTree(empty);
    }
    const conf = path.join(CORPUS, "nginx+nginx/conf");
    const mapped = loadConfiguration(file, { mappings: [{ from: "/etc/nginx", to: conf }] });
    assert.deepEqual(mapped.diagnostics, []);
    assert.deepEqual(
      mapped.instances.slice(1).map((i) => [i.nginxPath, i.path, i.context.join("/")]),
      [
        ["/etc/nginx/mime.types", path.join(conf, "mime.types"), "http"],
        ["/etc/nginx/fastcgi_params", path.join(conf, "fastcgi_params"), "http/server/location"],
      ],
    );
  });

  // Its speed is the benchmark's business (bench/, ratios measured in one run); here the work is counted: each
  // distinct file parsed once, every directive walked.
  it("large-config (35k lines) parses each file once and walks every directive", function () {
    const file = path.join(CONFIGS, "large-config/nginx.conf");
    const cache = new ParseCache();
    const c = loadConfiguration(file, { cache });
    let n = 0;
    walk(c, { enter: () => void n++ });
    assert.equal(n, 32662, "directive count from the corpus README");
    assert.equal(cache.parses, c.instancesByPath.size, "one parse per distinct file");
  });
});

describe("workspace/configuration (temporary trees)", function () {
  let dir = "";
  afterEach(() => dir && removeTree(dir));

  it("parses each distinct file once, however many sites include it", function () {
    const src = new MemoryFileSource({
      "/p/nginx.conf": "http { server { include s.conf; } server { include s.conf; include s.conf; } }",
      "/p/s.conf": "location / { }",
    });
    const cache = new ParseCache();
    const c = loadConfiguration("/p/nginx.conf", { source: src, cache });
    assert.equal(c.instancesByPath.get("/p/s.conf")!.length, 3);
    assert.equal(cache.parses, 2);
    loadConfiguration("/p/nginx.conf", { source: src, cache });
    assert.equal(cache.parses, 2, "unchanged files are not parsed again");
  });

  it("include is legal in map, types and geo bodies; the context says where the file landed", function () {
    const src = new MemoryFileSource({
      "/p/nginx.conf": "http { types { include mime.types; } map $a $b { include m.map; } geo $g { include g.geo; } }",
      "/p/mime.types": "text/html html;",
      "/p/m.map": "x y;",
      "/p/g.geo": "10.0.0.0/8 1;",
    });
    const c = loadConfiguration("/p/nginx.conf", { source: src });
    assert.deepEqual(
      c.instances.slice(1).map((i) => [i.path, i.context.join("/")]),
      [
        ["/p/mime.types", "http/types"],
        ["/p/m.map", "http/map"],
        ["/p/g.geo", "http/geo"],
      ],
    );
    assert.deepEqual(c.diagnostics, []);
  });

  it("a file including itself is a cycle error, not infinite recursion", function () {
    const src = new MemoryFileSource({ "/p/nginx.conf": "events {}\ninclude nginx.conf;\n" });
    const c = loadConfiguration("/p/nginx.conf", { source: src });
    assert.equal(c.instances.length, 1);
    assert.deepEqual(
      c.diagnostics.map((d) => [d.code, d.range.start.line]),
      [["include-cycle", 1]],
    );
  });

  it("reports syntax errors and missing includes once per file position, not once per instance", function () {
    const src = new MemoryFileSource({
      "/p/nginx.conf": "http { server { include s.conf; } server { include s.conf; } }",
      "/p/s.conf": "include missing.conf;\nlocation / { return 200\n}",
    });
    const c = loadConfiguration("/p/nginx.conf", { source: src });
    const mine = diagnosticsFor(c, "/p/s.conf");
    assert.deepEqual(
      mine.map((d) => [d.code, d.range.start.line]),
      [
        ["missing-semicolon", 1],
        ["include-not-found", 0],
      ],
    );
    assert.deepEqual(diagnosticsFor(c, "/p/nginx.conf"), []);
    // The main file is an nginx.conf, so /etc/nginx is mapped to its folder: nginx would open /etc/nginx/missing.conf.
    assert.equal(
      mine.find((d) => d.code === "include-not-found")!.message,
      'open() "/etc/nginx/missing.conf" failed (2: No such file or directory) (looked for /p/missing.conf)',
    );
  });

  it("include with a wrong number of arguments is an error and resolves nothing", function () {
    const src = new MemoryFileSource({ "/p/nginx.conf": "include a.conf b.conf;\n", "/p/a.conf": "" });
    const c = loadConfiguration("/p/nginx.conf", { source: src });
    assert.deepEqual(
      c.diagnostics.map((d) => d.code),
      ["include-args"],
    );
    assert.equal(c.instances.length, 1);
  });

  it("a missing root is an error diagnostic, not an exception", function () {
    const c = loadConfiguration("/nowhere/nginx.conf", { source: new MemoryFileSource() });
    assert.equal(c.diagnostics[0].code, "root-not-found");
    assert.equal(c.instances.length, 1);
  });

  it("caps exponential per-site expansion", function () {
    // Each level includes the next twice: 2^12 instances of the last file.
    const files: Record<string, string> = { "/p/nginx.conf": "include l0.conf; include l0.conf;" };
    for (let i = 0; i < 12; i++)
      files[`/p/l${i}.conf`] = i < 11 ? `include l${i + 1}.conf; include l${i + 1}.conf;` : "";
    const c = loadConfiguration("/p/nginx.conf", { source: new MemoryFileSource(files), maxInstances: 500 });
    assert.equal(c.instances.length, 500);
    assert.deepEqual(
      c.diagnostics.map((d) => d.code),
      ["include-limit"],
    );
  });

  it("an open editor buffer overrides the file on disk in the configuration", function () {
    dir = tempTree({
      "nginx.conf": "http { include conf.d/*.conf; }\n",
      "conf.d/a.conf": "server { listen 80; }\n",
    });
    const src = new OverlayFileSource(new NodeFileSource());
    const cache = new ParseCache();
    const listens = (c: Configuration): string[] => {
      const out: string[] = [];
      walk(c, { enter: (d: Directive) => void (d.name === "listen" && out.push(d.args[0].value)) });
      return out;
    };
    assert.deepEqual(listens(loadConfiguration(path.join(dir, "nginx.conf"), { source: src, cache })), ["80"]);
    src.setOverlay(path.join(dir, "conf.d/a.conf"), "server { listen 8080; }\n", 2);
    src.setOverlay(path.join(dir, "conf.d/b.conf"), "server { listen 9090; }\n", 1);
    assert.deepEqual(listens(loadConfiguration(path.join(dir, "nginx.conf"), { source: src, cache })), [
      "8080",
      "9090",
    ]);
    src.removeOverlay(path.join(dir, "conf.d/a.conf"));
    assert.deepEqual(listens(loadConfiguration(path.join(dir, "nginx.conf"), { source: src, cache })), ["80", "9090"]);
  });

  it("walk: returning false skips a block or the files an include pulls in", function () {
    const src = new MemoryFileSource({
      "/p/nginx.conf": "http { include a.conf; server { listen 1; } }",
      "/p/a.conf": "server { listen 2; }",
    });
    const c = loadConfiguration("/p/nginx.conf", { source: src });
    const seen: string[] = [];
    walk(c, {
      enter(d) {
        seen.push(d.name);
        return d.name !== "include";
      },
      leave(d) {
        seen.push("/" + d.name);
      },
    });
    assert.deepEqual(seen, ["http", "include", "server", "listen", "/listen", "/server", "/http"]);
  });

  it("rootContext: a snippet read on its own reports the context it was given", function () {
    const src = new MemoryFileSource({ "/p/site": "server { location / { } }" });
    const c = loadConfiguration("/p/site", { source: src, rootContext: ["http"] });
    const ctx: string[] = [];
    walk(c, { enter: (d, info) => void ctx.push(`${info.context.join("/")}:${d.name}`) });
    assert.deepEqual(ctx, ["http:server", "http/server:location"]);
  });
});

describe("workspace/configuration vs the real nginx", function () {
  const nginx = nginxBinary();
  let dir = "";
  before(function () {
    if (!nginx) this.skip();
  });
  afterEach(() => dir && removeTree(dir));

  function nginxT(conf: string, extra = ""): { status: number | null; out: string } {
    const cmd = `${extra} exec "${nginx}" -T -q -c "${conf}" -p "${path.dirname(conf)}/" 2>&1`;
    const r = spawnSync("sh", ["-c", cmd], { encoding: "utf8", timeout: 20000 });
    return { status: r.status, out: r.stdout };
  }
  const head = (d: string): string => `pid ${d}/nginx.pid;\nerror_log ${d}/error.log;\nevents {}\n`;

  it("reads glob matches in the same order as nginx (glob(3), C locale)", function () {
    const names = ["b.conf", "B.conf", "10.conf", "9.conf", "a.conf", "_x.conf", "a-b.conf", "a.b.conf"];
    dir = tempTree(Object.fromEntries(names.map((n) => [`conf.d/${n}`, `# ${n}\n`])));
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, head(dir) + "http { include conf.d/*.conf; }\n");
    const r = nginxT(conf);
    assert.equal(r.status, 0, r.out);
    const nginxOrder = [...r.out.matchAll(/^# configuration file (.+):$/gm)].map((m) => m[1]).slice(1);
    const ours = loadConfiguration(conf)
      .instances.slice(1)
      .map((i) => i.path);
    assert.deepEqual(ours, nginxOrder);
  });

  it("a missing include: our message is nginx's", function () {
    dir = tempTree({});
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, head(dir) + "include missing.conf;\n");
    const r = nginxT(conf);
    assert.notEqual(r.status, 0);
    // -c names the file itself, so no /etc/nginx mapping: nginx's names are the disk's.
    const ours = loadConfiguration(conf, { defaultMapping: false }).diagnostics.find(
      (d) => d.code === "include-not-found",
    )!;
    assert.ok(r.out.includes(ours.message + " in " + conf + ":4"), r.out);
  });

  // A main file that includes itself through a symlink (conf.d/loop.conf → ../nginx.conf). nginx 1.22.1
  // reads it again inside itself and fails in the copy, at the first directive refused there, or, when
  // nothing is refused before the include, at the fd limit. We report the cycle on the include that
  // closes it, naming the link nginx reports its error in. (Before, the main file "reached itself" by its
  // real path, was dropped as a root, and check printed an empty analysis with exit 0.)
  for (const [what, main, nginxSays] of [
    ["at top level", "events {}\ninclude conf.d/*.conf;\n", /"events" directive is duplicate in (\S+):1/],
    [
      "inside http",
      "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
      /"events" directive is not allowed here in (\S+):1/,
    ],
    // Nothing refused before the include: nginx recurses until glob(3) cannot open the folder any more (it
    // then matches nothing), and the unwinding meets the second `events`.
    ["before anything else", "include conf.d/*.conf;\nevents {}\n", /"events" directive is duplicate in (\S+):2/],
  ] as [string, string, RegExp][]) {
    it(`a main file including itself through a symlink, ${what}: nginx -t fails in the link, we report the cycle`, function () {
      // pid and error_log last: nginx fails before it reads them twice.
      dir = tempTree({ "conf.d/a.conf": "# a\n" });
      const conf = path.join(dir, "nginx.conf");
      fs.writeFileSync(conf, `${main}pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\n`);
      fs.symlinkSync("../nginx.conf", path.join(dir, "conf.d/loop.conf"));
      const r = nginxT(conf, "ulimit -n 256;");
      assert.notEqual(r.status, 0, r.out);
      const m = nginxSays.exec(r.out);
      assert.ok(m, r.out);
      assert.equal(m[1], path.join(dir, "conf.d/loop.conf"));
      const c = loadConfiguration(conf, { defaultMapping: false });
      const cycles = c.diagnostics.filter((d) => d.code === "include-cycle");
      assert.equal(cycles.length, 1);
      const [cycle] = cycles;
      assert.equal(cycle.path, conf);
      const includeLine = main.split("\n").findIndex((l) => l.includes("include conf.d"));
      assert.equal(cycle.range.start.line, includeLine, "on the include");
      assert.ok(cycle.message.includes(`"${m[1]}" (the same file as "${conf}")`), cycle.message);
      assert.ok(cycle.message.includes(`nginx -t fails with: ${m[0]}`), `nginx: ${m[0]}\nours: ${cycle.message}`);
      assert.equal(c.instances.length, 2, "nginx.conf and conf.d/a.conf, not the link again");
    });
  }

  // Other shapes of a file that includes itself; nginx's [emerg] line must appear in our error word for word.
  for (const [what, main, files] of [
    ["a plain include of itself (open-file limit)", "include a.conf;\n", { "a.conf": "# a\ninclude a.conf;\n" }],
    ["a set-once directive before it", "include a.conf;\n", { "a.conf": "worker_processes 2;\ninclude a.conf;\n" }],
    [
      "a glob with a set-once directive after it",
      "include c/*.conf;\n",
      { "c/a.conf": "include c/*.conf;\nworker_processes 2;\n" },
    ],
    ["a snippet in http that includes itself", "http {\n    include s.conf;\n}\n", { "s.conf": "include s.conf;\n" }],
  ] as [string, string, Record<string, string>][]) {
    it(`an include cycle, ${what}: our error quotes nginx -t's`, function () {
      dir = tempTree(files);
      const conf = path.join(dir, "nginx.conf");
      fs.writeFileSync(conf, head(dir) + main);
      // A low fd limit turns the unbounded recursion into a clean error instead of a stack overflow.
      const r = nginxT(conf, "ulimit -n 128;");
      assert.notEqual(r.status, 0, r.out);
      const emerg = /\[emerg\] \d+#\d+: (.*)$/m.exec(r.out);
      assert.ok(emerg, r.out);
      const cycles = loadConfiguration(conf, { defaultMapping: false }).diagnostics.filter(
        (d) => d.code === "include-cycle",
      );
      assert.equal(cycles.length, 1, JSON.stringify(cycles));
      assert.ok(
        cycles[0].message.includes(`nginx -t fails with: ${emerg[1]}`),
        `nginx: ${emerg[1]}\nours: ${cycles[0].message}`,
      );
    });
  }
});
