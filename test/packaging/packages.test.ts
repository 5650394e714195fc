// The packages as users get them, made from a clean copy of the working tree (the files git tracks and new
// files it does not ignore: no dist/, no out/; node_modules linked to the repository's, as `npm ci` would
// install the same): `npm pack` (its prepack builds), the tarball installed offline into an empty folder and
// run through npx, as the pre-commit hook runs it, and as a language server; the .vsix that
// scripts/package-vsix.mjs makes. Each is compared with the repository's own build (dist/), which every
// other test tests, and searched for links that cannot work: a placeholder host, a page not shipped.

import { strict as assert } from "assert";
import { spawnSync, type SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { InitializeRequest, InitializedNotification } from "vscode-languageserver-protocol/node";
import { TestClient, initializeParams } from "../lsp/client";
import { REPO } from "../support/shared";

const CLI = path.join(REPO, "dist", "cli.js");

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], options: SpawnSyncOptions & { cwd: string }): Ran {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 300_000, maxBuffer: 256 * 1024 * 1024, ...options });
  assert.equal(r.error, undefined, `${cmd} ${args.join(" ")}: ${String(r.error)}`);
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function ok(r: Ran, what: string): Ran {
  assert.equal(r.status, 0, `${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** A tool the test needs: fails under CI, skips locally. */
function need(ctx: Mocha.Context, ready: boolean, what: string): void {
  if (ready) return;
  if (process.env.CI) throw new Error(`CI must provide ${what}`);
  ctx.skip();
}

/** Python (the YAML parser pre-commit itself uses, the zip reader): its JSON answer. */
function python(script: string, args: string[] = [], input?: string): unknown {
  const r = ok(run("python3", ["-c", script, ...args], { cwd: REPO, input }), "python3");
  return JSON.parse(r.stdout);
}

/** The working tree as a clean clone has it: tracked and new, not ignored, files; node_modules linked. */
function cleanCopy(into: string): void {
  const listed = ok(
    run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO }),
    "git ls-files",
  );
  for (const rel of listed.stdout.split("\0")) {
    if (rel === "" || rel === "node_modules") continue;
    const from = path.join(REPO, rel);
    // A tracked file deleted in the working tree is not in a clone of it either.
    if (!fs.existsSync(from)) continue;
    fs.mkdirSync(path.dirname(path.join(into, rel)), { recursive: true });
    fs.cpSync(from, path.join(into, rel), { verbatimSymlinks: true, preserveTimestamps: true });
  }
  fs.symlinkSync(fs.realpathSync(path.join(REPO, "node_modules")), path.join(into, "node_modules"));
}

/** A copy of a bundled example, to check from outside the repository. */
function example(name: string, into: string): string {
  // verbatimSymlinks: sites-enabled/app.conf stays a link to ../sites-available/app.conf in the copy.
  fs.cpSync(path.join(REPO, "examples", name), into, { recursive: true, verbatimSymlinks: true });
  return into;
}

/** Every `http(s)://host` in a text, and the markdown link targets that are not URLs. */
function links(text: string): { hosts: string[]; relative: string[] } {
  const hosts = [...text.matchAll(/https?:\/\/([^/\s"'`)<>\]]+)/g)].map((m) => m[1].toLowerCase());
  const relative = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
  return { hosts, relative };
}

/** Hosts that never serve a page: RFC 2606/6761 names, this machine. */
function placeholderHost(host: string): boolean {
  const name = host.replace(/:\d+$/, "");
  return (
    /(^|\.)(example|invalid|test|localhost)$/.test(name) ||
    /(^|\.)example\.(com|org|net)$/.test(name) ||
    /^(127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1?\])$/.test(name)
  );
}

const HOOK_KEYS = new Set([
  "id",
  "name",
  "entry",
  "language",
  "files",
  "exclude",
  "types",
  "types_or",
  "exclude_types",
  "always_run",
  "fail_fast",
  "verbose",
  "pass_filenames",
  "require_serial",
  "description",
  "language_version",
  "minimum_pre_commit_version",
  "args",
  "stages",
]);

describe("packages made from a clean copy", function () {
  this.timeout(600_000);
  let tmp: string;
  let clone: string;
  let tarball: string;
  let packed: { path: string }[];
  let unpackedSize: number;
  /** An empty folder the tarball was installed into. */
  let installed: string;
  let installedPackage: string;
  /** The .vsix's text files (JavaScript, JSON, markdown) by name. */
  let vsixTexts: Record<string, string> = {};

  before(function () {
    this.timeout(600_000);
    if (!fs.existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
    const git = spawnSync("git", ["rev-parse", "--is-inside-work-tree"], { cwd: REPO, encoding: "utf8" });
    need(this, git.status === 0 && git.stdout.trim() === "true", "a git checkout of the repository");
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-packages-"));
    clone = path.join(tmp, "clone");
    cleanCopy(clone);
    assert.ok(!fs.existsSync(path.join(clone, "dist")), "the copy has no build");

    // npm pack runs prepack (npm run build) in the copy.
    const packDir = path.join(tmp, "pack");
    fs.mkdirSync(packDir);
    const pack = ok(run("npm", ["pack", "--json", "--pack-destination", packDir], { cwd: clone }), "npm pack");
    const info = (
      JSON.parse(pack.stdout) as { filename: string; files: { path: string }[]; unpackedSize: number }[]
    )[0];
    tarball = path.join(packDir, info.filename);
    packed = info.files;
    unpackedSize = info.unpackedSize;

    // Offline, with a registry nobody answers: a package without dependencies needs neither.
    installed = path.join(tmp, "empty");
    fs.mkdirSync(installed);
    fs.writeFileSync(path.join(installed, "package.json"), "{}\n");
    ok(
      run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], {
        cwd: installed,
        env: { ...process.env, npm_config_registry: "http://127.0.0.1:9/" },
      }),
      "npm install <tarball> --offline",
    );
    installedPackage = path.join(installed, "node_modules", "nginx-risk");
  });
  after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

  describe("npm", function () {
    it("the tarball holds the CLI, the language server and the pages they link; no tests, sources or maps", function () {
      const rules = fs
        .readdirSync(path.join(clone, "docs", "rules"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/rules/${f}`);
      assert.ok(rules.length >= 10, rules.join());
      assert.deepEqual(
        packed.map((f) => f.path).sort(),
        [
          "CHANGELOG.md",
          "LICENSE",
          "README.md",
          "dist/THIRD-PARTY-NOTICES.md",
          "dist/cli.js",
          "dist/directives.json",
          "dist/nginx-risk.schema.json",
          "dist/server-bundle.js",
          "dist/server.js",
          "docs/ci.md",
          "docs/cli.md",
          "docs/configuration.md",
          "docs/cost-model.md",
          "docs/editor.md",
          ...rules,
          "package.json",
        ].sort(),
      );
      // Measured: 15.8 MB with the tests and sources before issue 12, 1.5 MB after; the bound catches a
      // test folder or source maps coming back.
      assert.ok(unpackedSize < 4 * 1024 * 1024, `unpacked ${unpackedSize} B`);
    });

    it("its manifest: no runtime dependencies (everything is bundled), bins with a shebang, no placeholder repository", function () {
      const manifest = JSON.parse(
        ok(run("tar", ["-xzOf", tarball, "package/package.json"], { cwd: tmp }), "tar").stdout,
      ) as Record<string, unknown>;
      for (const key of ["dependencies", "optionalDependencies", "peerDependencies", "bundleDependencies"])
        assert.ok(
          manifest[key] === undefined || Object.keys(manifest[key] as object).length === 0,
          `${key}: ${JSON.stringify(manifest[key])}`,
        );
      assert.equal(manifest.repository, undefined);
      assert.deepEqual(manifest.bin, { "nginx-risk": "dist/cli.js", "nginx-risk-language-server": "dist/server.js" });
      for (const bin of Object.values(manifest.bin as Record<string, string>)) {
        const file = path.join(installedPackage, bin);
        assert.match(fs.readFileSync(file, "utf8").slice(0, 20), /^#!\/usr\/bin\/env node\n/, bin);
        assert.ok((fs.statSync(file).mode & 0o111) !== 0, `${bin} is not executable`);
      }
    });

    it("installed offline into an empty folder, npx nginx-risk check gives the repository build's findings", function () {
      const ws = example("openresty", path.join(tmp, "openresty"));
      const args = ["check", ws, "--format", "json"];
      const viaNpx = run("npx", ["--offline", "nginx-risk", ...args], { cwd: installed });
      const repoBuild = run(process.execPath, [CLI, ...args], { cwd: installed });
      assert.equal(viaNpx.status, repoBuild.status, viaNpx.stderr);
      assert.equal(viaNpx.stdout, repoBuild.stdout);
      assert.ok((JSON.parse(viaNpx.stdout) as { findings: unknown[] }).findings.length > 0);
      const version = ok(run("npx", ["--offline", "nginx-risk", "--version"], { cwd: installed }), "--version");
      assert.equal(version.stdout.trim(), JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version);
    });

    it("the installed CLI links the pages it ships: SARIF help, the text output's page", function () {
      const ws = example("openresty", path.join(tmp, "openresty-links"));
      const sarif = JSON.parse(
        run("npx", ["--offline", "nginx-risk", "check", ws, "--format", "sarif"], { cwd: installed }).stdout,
      ) as { runs: { tool: { driver: { rules: { id: string; help?: { markdown: string }; helpUri?: string }[] } } }[] };
      const rules = sarif.runs[0].tool.driver.rules;
      assert.ok(rules.length > 0);
      for (const rule of rules) {
        const page = fs.readFileSync(path.join(installedPackage, "docs", "rules", `${rule.id}.md`), "utf8");
        assert.equal(rule.help?.markdown.split("\n")[0], page.split("\n")[0], rule.id);
        assert.equal(rule.helpUri, undefined);
      }
      const text = run("npx", ["--offline", "nginx-risk", "check", ws], { cwd: installed }).stdout;
      const pages = [...text.matchAll(/^ {4}how to fix: (.*)$/gm)].map((m) => m[1]);
      assert.ok(pages.length > 0, text);
      for (const p of pages) {
        assert.ok(fs.existsSync(path.resolve(installed, p)), `${p} is not there`);
        assert.ok(path.resolve(installed, p).startsWith(installedPackage + path.sep), p);
      }
    });

    it("the installed language server answers over stdio; its diagnostics link the pages it ships", async function () {
      const ws = fs.mkdtempSync(path.join(tmp, "ws-"));
      const conf = path.join(ws, "nginx.conf");
      const text = "events {}\nhttp {\n    server { listen 80 }\n}\n";
      fs.writeFileSync(conf, text);
      const client = new TestClient({ server: path.join(installedPackage, "dist", "server.js") });
      try {
        await client.connection.sendRequest(InitializeRequest.type, initializeParams(ws, "ws"));
        await client.connection.sendNotification(InitializedNotification.type, {});
        client.open(conf, text);
        const published = await client.waitFor(conf, (p) => p.diagnostics.length > 0);
        const syntax = published.diagnostics.find((d) => d.code === "syntax");
        assert.ok(syntax, JSON.stringify(published.diagnostics));
        const page = path.join(installedPackage, "docs", "rules", "syntax.md");
        assert.equal(syntax.codeDescription?.href, pathToFileURL(page).href);
        assert.ok(fs.existsSync(page));
      } finally {
        await client.stop();
      }
    });

    it("the pre-commit hook: pre-commit's YAML, and its entry, run as pre-commit runs it, is the installed CLI's check", function () {
      need(this, spawnSync("python3", ["-c", "import yaml"]).status === 0, "python3 with PyYAML (python3-yaml)");
      // pre-commit reads the file with PyYAML and splits the entry with shlex: so do we.
      const hooks = python("import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", [
        path.join(clone, ".pre-commit-hooks.yaml"),
      ]) as Record<string, unknown>[];
      assert.ok(Array.isArray(hooks) && hooks.length === 1, JSON.stringify(hooks));
      const hook = hooks[0];
      for (const key of Object.keys(hook)) assert.ok(HOOK_KEYS.has(key), `unknown hook key ${key}`);
      for (const key of ["id", "name", "entry", "language"]) assert.equal(typeof hook[key], "string", key);
      assert.equal(hook.id, "nginx-risk");
      assert.equal(hook.language, "node");
      // The whole configuration is checked, once: a finding depends on files the commit did not touch.
      assert.equal(hook.pass_filenames, false);
      assert.equal(hook.require_serial, true);

      // `files` decides which commits run it (Python's re.search over paths from the repository's root).
      const paths = [
        "nginx.conf",
        "deploy/nginx/nginx.conf",
        "conf.d/app.conf",
        "etc/nginx/sites-enabled/default",
        "nginx/snippets/ssl",
        "vhosts/shop.nginx",
        "README.md",
        "src/app.ts",
        "Dockerfile",
        "docs/nginx.md",
      ];
      const matched = python(
        "import json, re, sys; f = sys.argv[1]; print(json.dumps([bool(re.search(f, p)) for p in sys.argv[2:]]))",
        [String(hook.files), ...paths],
      );
      assert.deepEqual(matched, [true, true, true, true, true, true, false, false, false, false]);

      // pre-commit runs shlex.split(entry) + args (no file names) at the repository's root, with the
      // installed package's bin folder on PATH.
      const argv = python("import json, shlex, sys; print(json.dumps(shlex.split(sys.argv[1])))", [
        String(hook.entry),
      ]) as string[];
      const args = ["--format", "json"]; // what a user's `args:` could say
      const repo = example("openresty", path.join(tmp, "user-repo"));
      const env = { ...process.env, PATH: `${path.join(installed, "node_modules", ".bin")}:${process.env.PATH}` };
      const asHook = run(argv[0], [...argv.slice(1), ...args], { cwd: repo, env });
      const repoBuild = run(process.execPath, [CLI, "check", ...args], { cwd: repo });
      assert.equal(asHook.status, repoBuild.status, asHook.stderr);
      assert.equal(asHook.stdout, repoBuild.stdout);
      assert.ok((JSON.parse(asHook.stdout) as { findings: unknown[] }).findings.length > 0);
    });
  });

  describe("VS Code", function () {
    let vsix: string;
    let entries: Record<string, number>;
    let manifest: Record<string, unknown>;

    before(function () {
      need(this, spawnSync("python3", ["--version"]).status === 0, "python3 (reads the .vsix, a zip)");
      vsix = path.join(tmp, "nginx-risk.vsix");
      ok(run(process.execPath, [path.join(clone, "scripts", "package-vsix.mjs"), vsix], { cwd: clone }), "package");
      entries = python(
        "import json, sys, zipfile; print(json.dumps({i.filename: i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()}))",
        [vsix],
      ) as Record<string, number>;
      vsixTexts = python(
        "import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); " +
          "print(json.dumps({n: z.read(n).decode() for n in z.namelist() if n.endswith(('.js', '.json', '.md'))}))",
        [vsix],
      ) as Record<string, string>;
      manifest = JSON.parse(vsixTexts["extension/package.json"]) as Record<string, unknown>;
    });

    it("the .vsix holds the client, the server, the pages they link, icon, changelog; no CLI, no source maps", function () {
      const rules = fs
        .readdirSync(path.join(clone, "docs", "rules"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `extension/docs/rules/${f}`);
      assert.deepEqual(
        Object.keys(entries).sort(),
        [
          "[Content_Types].xml",
          "extension.vsixmanifest",
          "extension/LICENSE.txt",
          "extension/changelog.md",
          "extension/readme.md",
          "extension/package.json",
          "extension/language-configuration.json",
          "extension/syntaxes/nginx.tmLanguage.json",
          "extension/dist/client.js",
          "extension/dist/server-bundle.js",
          "extension/dist/server.js",
          "extension/dist/directives.json",
          "extension/dist/icon.png",
          "extension/dist/THIRD-PARTY-NOTICES.md",
          "extension/dist/nginx-risk.schema.json",
          "extension/docs/ci.md",
          "extension/docs/cli.md",
          "extension/docs/configuration.md",
          "extension/docs/cost-model.md",
          "extension/docs/editor.md",
          ...rules,
        ].sort(),
      );
      // Measured: 1.41 MB before issue 12 (source maps were ~70% of it, and the CLI), 312 KB after.
      const size = fs.statSync(vsix).size;
      assert.ok(size < 1024 * 1024, `${size} B`);
    });

    it("its manifest: activation on nginx files and workspaces with an nginx.conf, an icon, nothing npm-only", function () {
      assert.deepEqual(manifest.activationEvents, ["onLanguage:nginx", "workspaceContains:**/nginx.conf"]);
      for (const key of ["publisher", "license", "displayName", "description", "version"])
        assert.equal(typeof manifest[key], "string", key);
      assert.equal(manifest.repository, undefined);
      for (const key of ["bin", "scripts", "devDependencies", "dependencies"])
        assert.equal(manifest[key], undefined, key);
      assert.equal(manifest.icon, "dist/icon.png");
      const png = fs.readFileSync(path.join(clone, "dist", "icon.png"));
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.equal(png.subarray(12, 16).toString("ascii"), "IHDR");
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
    });
  });

  describe("links", function () {
    it("no link in what ships points to a placeholder host, and no page link points to a page not shipped", function () {
      // Both packages' text files: the npm package as installed, the .vsix's own files (its client).
      const texts = new Map<string, string>();
      for (const f of packed) texts.set(f.path, fs.readFileSync(path.join(installedPackage, f.path), "utf8"));
      for (const [name, text] of Object.entries(vsixTexts)) texts.set(`vsix:${name}`, text);
      const shipped = new Set(packed.map((f) => f.path));
      const problems: string[] = [];
      for (const [rel, text] of texts) {
        const markdown = rel.endsWith(".md");
        // Markdown: configuration examples in code may name any host; only its links must work.
        const urls = markdown
          ? [...text.matchAll(/\]\((https?:\/\/[^)\s]+)\)|<(https?:\/\/[^>\s]+)>/g)].map((m) => m[1] ?? m[2]).join("\n")
          : text;
        for (const h of links(urls).hosts) if (placeholderHost(h)) problems.push(`${rel}: link to ${h}`);
        if (!markdown || rel.startsWith("vsix:")) continue;
        for (const target of links(text).relative) {
          const file = target.split("#")[0];
          if (file === "") continue; // an anchor in the same page
          // README and CHANGELOG are shown on web pages (npm, the marketplace) with no base to resolve against.
          if (rel === "README.md" || rel === "CHANGELOG.md") problems.push(`${rel}: relative link ${target}`);
          else if (!shipped.has(path.posix.normalize(path.posix.join(path.posix.dirname(rel), file))))
            problems.push(`${rel}: links ${target}, which is not shipped`);
        }
      }
      assert.deepEqual(problems, []);
      // The search sees links at all: the shipped pages link each other, the bundles name real hosts.
      assert.ok([...texts].some(([rel, text]) => rel.endsWith(".md") && links(text).relative.length > 0));
      assert.ok(links(texts.get("dist/server-bundle.js") ?? "").hosts.includes("nginx.org"));
      assert.ok(
        placeholderHost("example.invalid") && placeholderHost("www.example.com") && !placeholderHost("nginx.org"),
      );
    });
  });
});
