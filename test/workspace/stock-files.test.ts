// nginx's stock files (mime.types, fastcgi_params, …) that the workspace does not hold: the built-in
// stand-ins of workspace/stock-files.ts, checked against the real nginx (they pass `nginx -t` where nginx's
// own copies go, and fail where those fail) and against the copies Debian's nginx package installs.
import { isPolicyRule } from "../support/cli";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { runChecks } from "../../server/src/rules";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { STOCK_FILE_NAMES, loadStock, stockPath } from "../../server/src/workspace/stock-files";
import { nginxBinary } from "../support/shared";
import { nginxTestFile } from "../support/nginx";
import { removeTree, tempTree } from "./helpers";

/** Skips with a reason locally; under CI=true a missing tool is a failure. */
function need(ctx: Mocha.Context, ok: boolean, what: string): void {
  if (ok) return;
  if (process.env.CI) throw new Error(`CI must install ${what}`);
  ctx.skip();
}

/** Where nginx's conf/nginx.conf and Debian's sites include each file: the block around the include. */
const WHERE: Record<string, string> = {
  "mime.types": "http",
  fastcgi_params: "location",
  "fastcgi.conf": "location",
  scgi_params: "location",
  uwsgi_params: "location",
  "koi-utf": "http",
  "koi-win": "http",
  "win-utf": "http",
};

function includedAt(where: string, include: string): string {
  if (where === "main") return `${include}\nevents {}\n`;
  const inner = where === "http" ? include : `server { listen 127.0.0.1:1; location / { ${include} } }`;
  return `events {}\nhttp { ${inner} }\n`;
}

const text = (name: string): string => loadStock(stockPath(name))!.text;

describe("workspace/stock-files", function () {
  it("covers nginx's conf/ files and Debian's fastcgi.conf, each read in the context its include puts it", function () {
    assert.deepEqual([...STOCK_FILE_NAMES].sort(), Object.keys(WHERE).sort());
    for (const name of STOCK_FILE_NAMES) {
      const src = new MemoryFileSource({ "/w/nginx.conf": includedAt(WHERE[name], `include /etc/nginx/${name};`) });
      const c = loadConfiguration("/w/nginx.conf", { source: src });
      const inst = c.instances.find((i) => i.path === stockPath(name));
      assert.ok(inst, name);
      assert.equal(inst.nginxPath, `/etc/nginx/${name}`);
      assert.deepEqual(inst.parsed.errors, [], name);
      // No finding of any rule: the stand-ins are valid where they go, and nothing points into them.
      // (The security and best-practice rules' notes on the main file aside: server_tokens left on, …)
      const findings = runChecks(c, { strict: true }).filter((f) => !isPolicyRule(f.ruleId));
      assert.deepEqual(
        findings.map((f) => [f.code, f.severity]),
        [["include-stock-default", "hint"]],
        name,
      );
      assert.ok(findings.every((f) => f.path === "/w/nginx.conf"));
    }
  });

  it("a workspace copy is read, not the stand-in, and the hint is said once per name", function () {
    const src = new MemoryFileSource({
      "/w/nginx.conf":
        "events {}\nhttp {\n  include mime.types;\n  server {\n    location /a { include fastcgi_params; }\n" +
        "    location /b { include /etc/nginx/fastcgi_params; }\n  }\n}\n",
      "/w/mime.types": "types { text/x-ours ours; }\n",
    });
    const c = loadConfiguration("/w/nginx.conf", { source: src });
    assert.deepEqual([...c.files.keys()], ["/w/nginx.conf", "/w/mime.types", "(nginx default) fastcgi_params"]);
    assert.equal(c.instancesByPath.get("(nginx default) fastcgi_params")!.length, 2);
    assert.deepEqual(
      c.diagnostics.map((d) => [d.range.start.line + 1, d.code]),
      [[5, "include-stock-default"]],
    );
  });

  it("a stock file included where nginx refuses its directives: the error is at the include", function () {
    const src = new MemoryFileSource({ "/w/nginx.conf": "include mime.types;\nevents {}\n" });
    const c = loadConfiguration("/w/nginx.conf", { source: src });
    const errors = runChecks(c, { strict: false }).filter((f) => f.severity === "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].path, "/w/nginx.conf");
    assert.equal(errors[0].range.start.line, 0);
    assert.match(errors[0].message, /"types" directive is not allowed here.*in nginx's default mime\.types, assumed/);
  });

  describe("against the real nginx and Debian's copies", function () {
    const nginx = nginxBinary();
    let dir = "";
    before(function () {
      need(this, nginx !== null, "nginx (see .ci/run)");
    });
    afterEach(() => dir && removeTree(dir));

    const nginxT = (conf: string): { status: number | null; out: string } => nginxTestFile(nginx!, conf, dir);

    it("each stand-in passes nginx -t where nginx's own copy is included", function () {
      dir = tempTree(Object.fromEntries(STOCK_FILE_NAMES.map((n) => [n, text(n)])));
      for (const name of STOCK_FILE_NAMES) {
        const conf = path.join(dir, "nginx.conf");
        fs.writeFileSync(conf, includedAt(WHERE[name], `include ${path.join(dir, name)};`));
        const r = nginxT(conf);
        assert.equal(r.status, 0, `${name}: ${r.out}`);
      }
    });

    it("where nginx refuses the stock file, nginx refuses the stand-in too, and we do at the include", function () {
      dir = tempTree({ "mime.types": text("mime.types") });
      const conf = path.join(dir, "nginx.conf");
      fs.writeFileSync(conf, includedAt("main", "include mime.types;"));
      const ours = nginxT(conf);
      assert.notEqual(ours.status, 0);
      assert.match(ours.out, /"types" directive is not allowed here/);
      const c = loadConfiguration(
        path.join(tempTree({ "nginx.conf": includedAt("main", "include mime.types;") }), "nginx.conf"),
      );
      try {
        const errors = runChecks(c, { strict: false }).filter((f) => f.severity === "error");
        assert.deepEqual(
          errors.map((f) => [path.basename(f.path), f.range.start.line, f.code]),
          [["nginx.conf", 0, "not-allowed-here"]],
        );
      } finally {
        removeTree(path.dirname(c.rootPath));
      }
    });

    it("passes the parameters Debian's nginx package passes, apart from Debian's own additions", function () {
      // Debian adds HTTP_HOST (fastcgi, scgi, uwsgi) and REMOTE_USER (fastcgi) to nginx's files; nginx's
      // conf/ has neither.
      const debianOnly = new Set(["HTTP_HOST", "REMOTE_USER"]);
      for (const name of ["fastcgi_params", "fastcgi.conf", "scgi_params", "uwsgi_params"]) {
        const installed = path.join("/etc/nginx", name);
        need(this, fs.existsSync(installed), `Debian's nginx package (${installed})`);
        const names = (t: string): Set<string> =>
          new Set(
            t
              .split("\n")
              .map((l) => l.replace(/#.*/, "").trim().split(/\s+/))
              .filter((w) => w.length > 2)
              .map((w) => w[1]),
          );
        const theirs = names(fs.readFileSync(installed, "utf8"));
        const ours = names(text(name));
        assert.deepEqual(
          [...ours].filter((n) => !theirs.has(n)),
          [],
          `${name}: parameters Debian does not pass`,
        );
        assert.deepEqual(
          [...theirs].filter((n) => !ours.has(n) && !debianOnly.has(n)),
          [],
          `${name}: parameters we miss`,
        );
      }
      // The charset maps map the same charsets.
      for (const name of ["koi-utf", "koi-win", "win-utf"]) {
        const head = (t: string): string[] => /charset_map\s+(\S+)\s+(\S+)/.exec(t)!.slice(1);
        assert.deepEqual(head(text(name)), head(fs.readFileSync(path.join("/etc/nginx", name), "utf8")), name);
      }
    });
  });
});
