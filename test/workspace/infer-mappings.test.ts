// Path mappings inferred from where the included files are (workspace/infer-mappings.ts): the SWAG-like
// example (examples/swag, a container that mounts its folder at /config) opened at several depths, and
// synthetic trees for each rule of the choice.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { runChecks } from "../../server/src/rules";
import { loadConfiguration, type Configuration } from "../../server/src/workspace/configuration";
import { MemoryFileSource, NodeFileSource } from "../../server/src/workspace/files";
import { ReadPolicy } from "../../server/src/workspace/access";
import { loadWithInference } from "../../server/src/workspace/infer-mappings";
import type { PathMapping } from "../../server/src/workspace/paths";
import { buildIncludeGraph, findCandidateFiles, type IncludeGraph } from "../../server/src/workspace/roots";
import { REPO } from "../support/shared";
import { removeTree, tempTree } from "./helpers";

const SWAG = path.join(REPO, "examples/swag/config");

/** The include graph of `folder` as the server builds it for a workspace folder `workspace`. */
function graphOf(folder: string, workspace: string, mappings: PathMapping[] = []): IncludeGraph {
  // As the CLI and the server read: the workspace and the user's mapping targets (access.ts), so /config
  // itself is never looked at.
  const source = new NodeFileSource(new ReadPolicy({ roots: [workspace, ...mappings.map((m) => m.to)] }));
  return buildIncludeGraph(findCandidateFiles(folder, { source }), {
    source,
    mappings,
    inference: { folders: [workspace] },
  });
}

const inferred = (c: Configuration): PathMapping[] => c.mappings.filter((m) => m.origin === "inferred");
const hints = (c: Configuration, code: string): [string, number][] =>
  c.diagnostics.filter((d) => d.code === code).map((d) => [path.relative(SWAG, d.path), d.range.start.line + 1]);

describe("workspace/infer-mappings: the SWAG-like example", function () {
  it("opened at its config/ folder: /config → that folder, one hint, every file read from nginx.conf", function () {
    const g = graphOf(SWAG, SWAG);
    assert.deepEqual(
      g.roots.map((r) => path.relative(SWAG, r)),
      ["nginx/nginx.conf"],
    );
    assert.deepEqual(g.guesses.size, 0, "no file is left to a guessed context");
    const c = g.configurations.get(path.join(SWAG, "nginx/nginx.conf"))!;
    assert.deepEqual(inferred(c), [{ from: "/config", to: SWAG, origin: "inferred" }]);
    // Every configuration file of the folder is read, each from where nginx reads it.
    const candidates = findCandidateFiles(SWAG);
    assert.deepEqual([...c.files.keys()].filter((f) => !f.startsWith("(")).sort(), [...candidates].sort());
    assert.deepEqual(
      c.instancesByPath.get(path.join(SWAG, "nginx/ssl.conf"))!.map((i) => i.context.join("/")),
      Array(7).fill("http/server"),
      "ssl.conf in the default server and the six subdomain servers",
    );
    // One hint for the mapping, on the first include it explains; the stock files are hints; nothing else.
    assert.deepEqual(
      c.diagnostics.map((d) => [path.relative(SWAG, d.path), d.range.start.line + 1, d.severity, d.code]),
      [
        ["nginx/nginx.conf", 5, "hint", "inferred-mapping"],
        ["nginx/nginx.conf", 16, "hint", "include-stock-default"],
        ["nginx/site-confs/default.conf", 31, "hint", "include-stock-default"],
      ],
    );
    const hint = c.diagnostics[0];
    assert.equal(
      hint.message,
      `assumed /config → ${SWAG} (the folder where the included files are); set nginxRisk.pathMappings ` +
        `(or --map /config=${SWAG}) to make it explicit`,
    );
    assert.deepEqual(hint.data, { from: "/config", to: SWAG });
  });

  it("the certificates go through the same mapping: the site certificate is read, not assumed", function () {
    const g = graphOf(SWAG, SWAG);
    const c = g.configurations.get(path.join(SWAG, "nginx/nginx.conf"))!;
    const findings = runChecks(c, { strict: false, source: g.source });
    assert.deepEqual(
      findings.filter((f) => f.ruleId === "access"),
      [],
      "nothing left unread",
    );
    const bundle = findings.find((f) => f.code === "per-server-ssl-trusted-certificate");
    assert.ok(bundle, findings.map((f) => f.code).join());
    assert.match(JSON.stringify(bundle.data), /"certificates":1\b/);
    assert.match(
      JSON.stringify(bundle.data),
      new RegExp(`"bytes":${fs.statSync(path.join(SWAG, "keys/cert.crt")).size}\\b`),
    );
  });

  it("opened at the repository: the same mapping, to examples/swag/config", function () {
    const g = graphOf(SWAG, REPO);
    const c = g.configurations.get(path.join(SWAG, "nginx/nginx.conf"))!;
    assert.deepEqual(inferred(c), [{ from: "/config", to: SWAG, origin: "inferred" }]);
    assert.deepEqual(hints(c, "inferred-mapping"), [["nginx/nginx.conf", 5]]);
  });

  it("opened at config/nginx/: /config/nginx → it (never the parent, outside the workspace)", function () {
    const ws = path.join(SWAG, "nginx");
    const g = graphOf(ws, ws);
    const c = g.configurations.get(path.join(ws, "nginx.conf"))!;
    assert.deepEqual(inferred(c), [{ from: "/config/nginx", to: ws, origin: "inferred" }]);
    assert.deepEqual(g.roots, [path.join(ws, "nginx.conf")]);
    // The certificate is outside the workspace: refused, said by rule access, estimated as assumed.
    const findings = runChecks(c, { strict: false, source: g.source });
    assert.deepEqual(
      findings.filter((f) => f.ruleId === "access").map((f) => [f.code, f.data?.path]),
      [["read-outside", "/config/keys/cert.crt"]],
    );
  });

  it("an explicit mapping wins: no inference under its prefix, its missing files are nginx's errors", function () {
    const empty = tempTree({});
    try {
      const g = graphOf(SWAG, SWAG, [{ from: "/config/nginx/proxy-confs", to: empty }]);
      const c = g.configurations.get(path.join(SWAG, "nginx/nginx.conf"))!;
      // /config is still inferred for the rest; the explicit mapping keeps the proxy-confs (it maps them away).
      assert.deepEqual(
        c.mappings.filter((m) => m.origin !== "default"),
        [
          { from: "/config/nginx/proxy-confs", to: empty },
          { from: "/config", to: SWAG, origin: "inferred" },
        ],
      );
      assert.ok(![...c.files.keys()].some((f) => f.includes("proxy-confs")));
      const all = graphOf(SWAG, SWAG, [{ from: "/config", to: empty }]);
      const d = all.configurations.get(path.join(SWAG, "nginx/nginx.conf"))!;
      assert.deepEqual(inferred(d), []);
      assert.deepEqual(
        d.diagnostics.filter((x) => x.severity === "error").map((x) => [x.range.start.line + 1, x.code]),
        [
          [5, "include-not-found"],
          [18, "include-not-found"],
        ],
      );
      // Written out, the inferred mapping gives the same configuration without the hint.
      const explicit = graphOf(SWAG, SWAG, [{ from: "/config", to: SWAG }]);
      const e = explicit.configurations.get(path.join(SWAG, "nginx/nginx.conf"))!;
      const before = graphOf(SWAG, SWAG).configurations.get(path.join(SWAG, "nginx/nginx.conf"))!;
      assert.deepEqual(
        e.instances.map((i) => [i.path, i.context.join("/")]),
        before.instances.map((i) => [i.path, i.context.join("/")]),
      );
      assert.deepEqual(
        e.diagnostics.map((x) => x.code),
        before.diagnostics.map((x) => x.code).filter((x) => x !== "inferred-mapping"),
      );
    } finally {
      removeTree(empty);
    }
  });

  it("a copy under another name: /config/nginx → its nginx/ (a target named as the folder it maps)", function () {
    const dir = tempTree({});
    try {
      const ws = path.join(dir, "swag-data");
      fs.cpSync(SWAG, ws, { recursive: true });
      const g = graphOf(ws, ws);
      const c = g.configurations.get(path.join(ws, "nginx/nginx.conf"))!;
      // `/config` → ws explains as many includes, but nothing says /config is this folder; nginx/ is named.
      assert.deepEqual(inferred(c), [{ from: "/config/nginx", to: path.join(ws, "nginx"), origin: "inferred" }]);
      assert.equal(g.roots.length, 1);
    } finally {
      removeTree(dir);
    }
  });
});

describe("workspace/infer-mappings: synthetic trees", function () {
  /** Loads `root` from an in-memory tree with the workspace `folder`. */
  function load(files: Record<string, string>, root: string, rootContext: string[] = []): Configuration {
    const source = new MemoryFileSource(files);
    return loadWithInference(root, { source, rootContext }, { folders: ["/ws"] });
  }

  it("an /etc/nginx layout in a repository's nginx/ folder, no nginx.conf: /etc/nginx → nginx/, not /etc → the repository", function () {
    const c = load(
      {
        "/ws/nginx/sites-enabled/site.conf": "server {\n  listen 80;\n  include /etc/nginx/snippets/ssl.conf;\n}\n",
        "/ws/nginx/snippets/ssl.conf": "ssl_session_timeout 1d;\n",
        "/ws/README.md": "x",
      },
      "/ws/nginx/sites-enabled/site.conf",
      ["http"],
    );
    assert.deepEqual(inferred(c), [{ from: "/etc/nginx", to: "/ws/nginx", origin: "inferred" }]);
    assert.deepEqual(
      c.instances.map((i) => i.path),
      ["/ws/nginx/sites-enabled/site.conf", "/ws/nginx/snippets/ssl.conf"],
    );
  });

  it("the mapping that explains the most includes wins over a better-named one that explains fewer", function () {
    const c = load(
      {
        "/ws/srv/conf/main.conf": "include /opt/app/conf/a.conf;\ninclude /opt/app/extra/b.conf;\nevents {}\n",
        "/ws/srv/conf/a.conf": "worker_priority 0;\n",
        "/ws/srv/extra/b.conf": "pcre_jit on;\n",
      },
      "/ws/srv/conf/main.conf",
    );
    // /opt/app/conf → /ws/srv/conf is named alike but explains one include; /opt/app → /ws/srv both.
    assert.deepEqual(inferred(c), [{ from: "/opt/app", to: "/ws/srv", origin: "inferred" }]);
    assert.equal(c.files.size, 3);
  });

  it("two candidate folders: only the configuration's own tree is a target, whatever else the workspace holds", function () {
    const files = {
      "/ws/a/config/nginx/nginx.conf": "include /config/nginx/x.conf;\nevents {}\n",
      "/ws/a/config/nginx/x.conf": "pcre_jit on;\n",
      "/ws/b/config/nginx/nginx.conf": "include /config/nginx/x.conf;\nevents {}\n",
      "/ws/b/config/nginx/x.conf": "pcre_jit off;\n",
    };
    for (const who of ["a", "b"]) {
      const c = load(files, `/ws/${who}/config/nginx/nginx.conf`);
      assert.deepEqual(inferred(c), [{ from: "/config", to: `/ws/${who}/config`, origin: "inferred" }], who);
    }
    // Deterministic: the same answer whatever order the tree was written in.
    const reversed = Object.fromEntries(Object.entries(files).reverse());
    assert.deepEqual(inferred(load(reversed, "/ws/a/config/nginx/nginx.conf")), [
      { from: "/config", to: "/ws/a/config", origin: "inferred" },
    ]);
  });

  it("several mappings when one cannot explain everything, found again in the files they bring in", function () {
    const c = load(
      {
        "/ws/deploy/etc/nginx/nginx.conf": "events {}\nhttp {\n  include /srv/site/conf/*.conf;\n}\n",
        "/ws/deploy/site/conf/a.conf": "server {\n  include /data/tls/tls.conf;\n}\n",
        "/ws/deploy/data/tls/tls.conf": "ssl_session_timeout 1d;\n",
      },
      "/ws/deploy/etc/nginx/nginx.conf",
    );
    assert.deepEqual(
      inferred(c).map((m) => [m.from, m.to]),
      [
        ["/srv/site", "/ws/deploy/site"],
        ["/data", "/ws/deploy/data"],
      ],
    );
    assert.equal(c.files.size, 3);
    assert.deepEqual(
      c.diagnostics.map((d) => [d.path, d.range.start.line + 1, d.code]),
      [
        ["/ws/deploy/etc/nginx/nginx.conf", 3, "inferred-mapping"],
        ["/ws/deploy/site/conf/a.conf", 2, "inferred-mapping"],
      ],
    );
  });

  it("nothing named by the workspace, nothing inferred: the include stays a warning that names the fix", function () {
    const c = load(
      {
        "/ws/conf/nginx.conf": "include /opt/other/x.conf;\nevents {}\n",
        // A file of that name, but in no folder the include names.
        "/ws/conf/x.conf": "pcre_jit on;\n",
      },
      "/ws/conf/nginx.conf",
    );
    assert.deepEqual(inferred(c), []);
    assert.deepEqual(
      c.diagnostics.map((d) => [d.severity, d.code]),
      [["warning", "include-not-in-workspace"]],
    );
    assert.match(c.diagnostics[0].message, /nginxRisk\.pathMappings, --map FROM=TO\) or allow reading it/);
  });

  it("without a workspace to infer into, one load and no mapping", function () {
    const source = new MemoryFileSource({
      "/ws/config/nginx/nginx.conf": "include /config/nginx/x.conf;\nevents {}\n",
      "/ws/config/nginx/x.conf": "pcre_jit on;\n",
    });
    const c = loadWithInference("/ws/config/nginx/nginx.conf", { source }, null);
    assert.deepEqual(inferred(c), []);
    const same = loadConfiguration("/ws/config/nginx/nginx.conf", { source });
    assert.deepEqual(
      c.diagnostics.map((d) => d.code),
      same.diagnostics.map((d) => d.code),
    );
  });
});
