// Checks what the extension contributes for the editor: the TextMate grammar (every include resolves, every regex
// compiles, captures exist), the language configuration and the language contribution in package.json. Then a small
// TextMate tokenizer runs the grammar over samples and the shared corpus: an editor without a Lua grammar (like the
// tokenizer, which loads no external grammar) must still keep a Lua `}` from closing the nginx block, and every valid
// config must end with all rules closed.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CORPUS, CORPUS_REF, REPO, haveShared, readManifest } from "../support/shared";
import { DIVERGENCES } from "../parse/crossplane-divergence-list";

interface Capture {
  name?: string;
  patterns?: Rule[];
}
interface Rule {
  comment?: string;
  name?: string;
  contentName?: string;
  match?: string;
  begin?: string;
  end?: string;
  while?: string;
  captures?: Record<string, Capture>;
  beginCaptures?: Record<string, Capture>;
  endCaptures?: Record<string, Capture>;
  whileCaptures?: Record<string, Capture>;
  patterns?: Rule[];
  include?: string;
  repository?: Record<string, Rule>;
  applyEndPatternLast?: boolean | number;
  disabled?: boolean | number;
}
interface Grammar {
  scopeName: string;
  patterns: Rule[];
  repository: Record<string, Rule>;
  [key: string]: unknown;
}

const RULE_KEYS = new Set([
  "comment",
  "name",
  "contentName",
  "match",
  "begin",
  "end",
  "while",
  "captures",
  "beginCaptures",
  "endCaptures",
  "whileCaptures",
  "patterns",
  "include",
  "repository",
  "applyEndPatternLast",
  "disabled",
]);

const readJson = <T>(rel: string): T => JSON.parse(fs.readFileSync(path.join(REPO, rel), "utf8")) as T;

/**
 * An Oniguruma pattern as a JS RegExp: the few Oniguruma-only escapes and atomic groups are rewritten, `(?i)` at the
 * start becomes a flag. What still fails to compile is a real mistake (unbalanced group, nothing to repeat, …).
 */
export function toJsRegExp(source: string, flags = "dgm"): RegExp {
  let src = source;
  if (src.startsWith("(?i)")) {
    src = src.slice(4);
    flags += "i";
  }
  let out = "";
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === "\\" && i + 1 < src.length) {
      const n = src[++i];
      if (n === "A") out += "^";
      else if (n === "z" || n === "Z") out += "$";
      else if (n === "G") out += "";
      else if (n === "h") out += "[0-9A-Fa-f]";
      else if (n === "H") out += "[^0-9A-Fa-f]";
      else out += c + n;
    } else if (src.startsWith("(?>", i)) {
      out += "(?:";
      i += 2;
    } else out += c;
  }
  return new RegExp(out, flags);
}

function groupCount(re: RegExp): number {
  return (new RegExp(re.source + "|").exec("") as RegExpExecArray).length - 1;
}

/** Everything wrong with a grammar, as readable lines; empty when it is fine. */
export function grammarProblems(g: Grammar, externalScopes: string[]): string[] {
  const problems: string[] = [];
  const checkRegex = (where: string, key: string, src: unknown): RegExp | undefined => {
    if (typeof src !== "string") {
      problems.push(`${where}: "${key}" is not a string`);
      return undefined;
    }
    try {
      return toJsRegExp(src);
    } catch (e) {
      problems.push(`${where}: "${key}" does not compile: ${(e as Error).message}`);
      return undefined;
    }
  };
  const checkCaptures = (where: string, key: string, caps: Record<string, Capture> | undefined, groups: number) => {
    for (const [k, cap] of Object.entries(caps ?? {})) {
      if (!/^\d+$/.test(k)) problems.push(`${where}: ${key} has a non-numeric key "${k}"`);
      else if (Number(k) > groups) problems.push(`${where}: ${key}[${k}] but the pattern has ${groups} groups`);
      if (cap.name === undefined && cap.patterns === undefined) problems.push(`${where}: ${key}[${k}] is empty`);
      cap.patterns?.forEach((p, i) => walk(p, `${where}.${key}[${k}].patterns[${i}]`));
    }
  };
  const walk = (r: Rule, where: string): void => {
    for (const k of Object.keys(r)) if (!RULE_KEYS.has(k)) problems.push(`${where}: unknown key "${k}"`);
    if (r.include !== undefined) {
      const inc = r.include;
      if (inc.startsWith("#")) {
        if (!(inc.slice(1) in g.repository)) problems.push(`${where}: include "${inc}" is not in the repository`);
      } else if (inc !== "$self" && inc !== "$base" && !externalScopes.includes(inc.split("#")[0])) {
        problems.push(`${where}: include "${inc}" names a grammar that is not declared`);
      }
    }
    if (r.begin !== undefined && r.end === undefined && r.while === undefined)
      problems.push(`${where}: "begin" without "end"`);
    if ((r.end !== undefined || r.while !== undefined) && r.begin === undefined)
      problems.push(`${where}: "end" without "begin"`);
    if (r.match !== undefined && r.begin !== undefined) problems.push(`${where}: both "match" and "begin"`);
    if (r.match === undefined && r.begin === undefined && r.include === undefined && r.patterns === undefined)
      problems.push(`${where}: a rule with nothing to match`);
    const m = r.match !== undefined ? checkRegex(where, "match", r.match) : undefined;
    const b = r.begin !== undefined ? checkRegex(where, "begin", r.begin) : undefined;
    const e = r.end !== undefined ? checkRegex(where, "end", r.end) : undefined;
    const w = r.while !== undefined ? checkRegex(where, "while", r.while) : undefined;
    if (m) checkCaptures(where, "captures", r.captures, groupCount(m));
    if (b) {
      checkCaptures(where, "beginCaptures", r.beginCaptures, groupCount(b));
      const both = Math.max(groupCount(b), e ? groupCount(e) : 0);
      checkCaptures(where, "captures", r.captures, both);
    }
    if (e) checkCaptures(where, "endCaptures", r.endCaptures, groupCount(e));
    if (w) checkCaptures(where, "whileCaptures", r.whileCaptures, groupCount(w));
    r.patterns?.forEach((p, i) => walk(p, `${where}.patterns[${i}]`));
    for (const [k, sub] of Object.entries(r.repository ?? {})) walk(sub, `${where}.repository.${k}`);
  };
  if (!Array.isArray(g.patterns)) problems.push(`top level: no "patterns"`);
  g.patterns?.forEach((p, i) => walk(p, `patterns[${i}]`));
  for (const [k, r] of Object.entries(g.repository ?? {})) walk(r, `repository.${k}`);
  return problems;
}

interface Frame {
  rule: Rule;
  end: RegExp;
  scopes: string[];
  contentScopes: string[];
}
export interface TokenizedLine {
  text: string;
  /** The scopes of each character of `text`. */
  scopes: string[][];
}

/**
 * A small TextMate tokenizer with vscode-textmate's rules: each line is scanned with "\n" appended, the earliest
 * match wins, on a tie the end pattern first and then the patterns in order; captures add their scope to their
 * characters. External grammars are not loaded (as in an editor that lacks them).
 */
export class MiniTokenizer {
  private readonly regexCache = new Map<string, RegExp>();
  private readonly resolved = new Map<Rule[], Rule[]>();
  constructor(private readonly g: Grammar) {}

  tokenize(text: string): { lines: TokenizedLine[]; openRules: number } {
    const stack: Frame[] = [];
    const lines: TokenizedLine[] = [];
    for (const line of text.split(/\r?\n/)) {
      const s = line + "\n";
      const scopes: string[][] = new Array(s.length);
      let pos = 0;
      let stalls = 0;
      while (pos < s.length) {
        const top = stack[stack.length - 1];
        const current = top ? top.contentScopes : [this.g.scopeName];
        const rules = this.resolve(top ? (top.rule.patterns ?? []) : this.g.patterns);
        let best: { m: RegExpExecArray; rule?: Rule } | undefined;
        const consider = (re: RegExp, rule?: Rule) => {
          re.lastIndex = pos;
          const m = re.exec(s);
          if (m && m.index < s.length && (!best || m.index < best.m.index)) best = { m, rule };
        };
        if (top && !top.rule.applyEndPatternLast) consider(top.end);
        for (const r of rules) consider(this.regex((r.match ?? r.begin) as string), r);
        if (top && top.rule.applyEndPatternLast) consider(top.end);
        if (!best) {
          for (let i = pos; i < s.length; i++) scopes[i] = current;
          break;
        }
        const { m, rule } = best;
        for (let i = pos; i < m.index; i++) scopes[i] = current;
        const paint = (base: string[], caps: Record<string, Capture> | undefined) => {
          for (let i = m.index; i < m.index + m[0].length; i++) scopes[i] = [...base];
          for (const [k, cap] of Object.entries(caps ?? {})) {
            const span = m.indices?.[Number(k)];
            if (!span || !cap.name) continue;
            for (let i = span[0]; i < span[1]; i++) scopes[i].push(...cap.name.split(" "));
          }
        };
        if (!rule) {
          paint(top.scopes, top.rule.endCaptures ?? top.rule.captures);
          stack.pop();
        } else if (rule.match !== undefined) {
          paint([...current, ...(rule.name ? rule.name.split(" ") : [])], rule.captures);
        } else {
          const outer = [...current, ...(rule.name ? rule.name.split(" ") : [])];
          paint(outer, rule.beginCaptures ?? rule.captures);
          const end = (rule.end as string).replace(/\\(\d)/g, (_, d: string) =>
            (m[Number(d)] ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
          );
          stack.push({
            rule,
            end: this.regex(end),
            scopes: outer,
            contentScopes: rule.contentName ? [...outer, ...rule.contentName.split(" ")] : outer,
          });
        }
        const next = m.index + m[0].length;
        stalls = next === pos ? stalls + 1 : 0;
        if (stalls > 50) throw new Error(`the grammar loops without progress on line ${lines.length + 1}: ${line}`);
        if (next === pos && rule?.match !== undefined) throw new Error(`empty match on line ${lines.length + 1}`);
        pos = next;
      }
      lines.push({ text: line, scopes: scopes.slice(0, line.length) });
    }
    return { lines, openRules: stack.length };
  }

  private regex(src: string): RegExp {
    let re = this.regexCache.get(src);
    if (!re) {
      re = toJsRegExp(src);
      this.regexCache.set(src, re);
    }
    return re;
  }

  /** The match/begin rules a pattern list stands for, includes expanded (external grammars left out). */
  private resolve(patterns: Rule[]): Rule[] {
    let out = this.resolved.get(patterns);
    if (out) return out;
    out = [];
    const seen = new Set<Rule>();
    const add = (list: Rule[]) => {
      for (const p of list) {
        if (seen.has(p)) continue;
        seen.add(p);
        if (p.include === "$self" || p.include === "$base") add(this.g.patterns);
        else if (p.include?.startsWith("#")) add([this.g.repository[p.include.slice(1)]]);
        else if (p.include !== undefined) continue;
        else if (p.match !== undefined || p.begin !== undefined) out?.push(p);
        else add(p.patterns ?? []);
      }
    };
    add(patterns);
    this.resolved.set(patterns, out);
    return out;
  }
}

interface Contributions {
  activationEvents?: string[];
  contributes: {
    languages: {
      id: string;
      filenames?: string[];
      filenamePatterns?: string[];
      extensions?: string[];
      configuration?: string;
    }[];
    grammars: { language?: string; scopeName: string; path: string; embeddedLanguages?: Record<string, string> }[];
    configuration: { properties: Record<string, { type: string; default?: unknown }> };
  };
}

const pkg = readJson<Contributions>("package.json");
const grammarEntry = pkg.contributes.grammars.find((x) => x.scopeName === "source.nginx");
const grammar = readJson<Grammar>("syntaxes/nginx.tmLanguage.json");
const EXTERNAL = ["source.lua"];

function collectScopeNames(g: Grammar): Set<string> {
  const names = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if ((k === "name" || k === "contentName") && typeof x === "string") x.split(" ").forEach((n) => names.add(n));
        else visit(x);
      }
    }
  };
  visit(g);
  return names;
}

describe("client: package.json language contribution", () => {
  const lang = pkg.contributes.languages.find((l) => l.id === "nginx");

  it("declares the nginx language with the required file names, patterns and extensions", () => {
    assert.ok(lang, "no language with id nginx");
    assert.ok(lang.filenames?.includes("nginx.conf"));
    for (const p of ["**/nginx/**/*.conf", "**/sites-*/**", "**/conf.d/**/*.conf"])
      assert.ok(lang.filenamePatterns?.includes(p), `filenamePatterns lacks ${p}`);
    assert.ok(lang.extensions?.includes(".nginx"));
    assert.ok(pkg.activationEvents?.includes("onLanguage:nginx"));
  });

  it("points at a language configuration that parses and is usable", () => {
    assert.ok(lang?.configuration);
    const conf = readJson<{
      comments: { lineComment: string };
      brackets: string[][];
      autoClosingPairs: { open: string; close: string }[];
      indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
      wordPattern: string;
    }>(lang.configuration);
    assert.strictEqual(conf.comments.lineComment, "#");
    assert.ok(conf.brackets.some(([o, c]) => o === "{" && c === "}"));
    for (const q of ['"', "'", "{"])
      assert.ok(
        conf.autoClosingPairs.some((p) => p.open === q),
        `no pair for ${q}`,
      );
    const inc = new RegExp(conf.indentationRules.increaseIndentPattern);
    const dec = new RegExp(conf.indentationRules.decreaseIndentPattern);
    assert.ok(inc.test("    server {"));
    assert.ok(inc.test("location ~ \\.php$ {  # php"));
    assert.ok(!inc.test("    listen 80;"));
    assert.ok(!inc.test("    # server {"));
    assert.ok(!inc.test("location / { return 200; }"));
    assert.ok(dec.test("    }"));
    assert.ok(!dec.test("    listen 80;"));
    assert.deepStrictEqual("proxy_pass http://$host${uri};".match(new RegExp(conf.wordPattern, "g"))?.slice(0, 1), [
      "proxy_pass",
    ]);
  });

  it("declares the grammar with Lua embedded, and the settings", () => {
    assert.ok(grammarEntry, "no grammar for source.nginx");
    assert.strictEqual(path.normalize(grammarEntry.path), path.normalize("./syntaxes/nginx.tmLanguage.json"));
    assert.strictEqual(grammar.scopeName, grammarEntry.scopeName);
    const embedded = grammarEntry.embeddedLanguages ?? {};
    const used = collectScopeNames(grammar);
    const luaScopes = Object.keys(embedded).filter((s) => embedded[s] === "lua" && s !== "source.lua");
    assert.ok(luaScopes.length > 0, "no scope mapped to lua");
    for (const s of luaScopes) assert.ok(used.has(s), `embeddedLanguages maps ${s}, which the grammar never uses`);
    const props = pkg.contributes.configuration.properties;
    assert.deepStrictEqual(props["nginxRisk.pathMappings"].default, {});
    assert.deepStrictEqual(props["nginxRisk.extraFilePatterns"].default, []);
    assert.strictEqual(props["nginxRisk.strict"].type, "boolean");
    assert.strictEqual(props["nginxRisk.debounceMs"].default, 200);
    assert.ok(props["nginxRisk.trace.server"]);
  });
});

describe("client: TextMate grammar", () => {
  it("has resolvable includes, compiling regexes and existing capture groups", () => {
    assert.deepStrictEqual(grammarProblems(grammar, EXTERNAL), []);
  });

  it("the checker catches broken grammars", () => {
    const broken: Grammar = {
      scopeName: "source.x",
      patterns: [{ include: "#missing" }, { include: "source.python" }],
      repository: {
        a: { match: "(a", name: "x" },
        b: { match: "(b)", captures: { 2: { name: "y" } } },
        c: { begin: "c", name: "z" },
        d: { match: "d", contentname: "typo" } as Rule,
      },
    };
    const problems = grammarProblems(broken, EXTERNAL).join("\n");
    for (const what of ["#missing", "source.python", "does not compile", "captures[2]", "without", "contentname"])
      assert.ok(problems.includes(what), `not reported: ${what}\n${problems}`);
  });

  const sample = [
    "user nginx;",
    "http {",
    "    include mime.types;",
    "    map $http_upgrade $connection_upgrade {",
    "        default upgrade;",
    "        ''      close;",
    "    }",
    "    upstream backend { server 127.0.0.1:8080 weight=5; }",
    "    server {",
    "        listen 443 ssl default_server;",
    "        server_name example.com ~^www\\.(?<d>.+)$;",
    "        client_max_body_size 10m;",
    "        proxy_read_timeout 1h30m;",
    "        gzip on;   # compress",
    '        add_header X-Id "$request_id ${host}\\"" always;',
    '        add_header X-Q it"s;',
    "        gzip_types text/css;",
    "        location ~* \\.(png|jpg)$ {",
    "            expires 30d;",
    "        }",
    "        location ^~ /static/ { root /srv; }",
    "        location = /health { return 200 'ok'; }",
    "        location @fallback { proxy_pass http://$upstream_name; }",
    "        if ($request_uri ~ ^/(foo|bar)/) { return 403; }",
    "        rewrite ^/old/(.*)$ /new/$1 permanent;",
    "        set_by_lua_block $res {",
    "            local t = { a = { b = 1 } }",
    '            return "}" .. t.a.b -- } in a comment',
    "        }",
    "        content_by_lua_block {",
    "            ngx.say([[ } ]])",
    "        }",
    "        access_by_lua 'ngx.exit(ngx.HTTP_FORBIDDEN)';",
    "        proxy_set_header Host $host;",
    "    }",
    "}",
  ].join("\n");
  const { lines, openRules } = new MiniTokenizer(grammar).tokenize(sample);
  /** Scopes of the first character of the first occurrence of `needle` (after `after`, if given) in the sample. */
  const at = (needle: string, after = ""): string[] => {
    for (const l of lines) {
      const from = after ? l.text.indexOf(after) : 0;
      if (from < 0) continue;
      const i = l.text.indexOf(needle, from + after.length);
      if (i >= 0) return l.scopes[i];
    }
    throw new Error(`not in the sample: ${needle}`);
  };
  const has = (needle: string, scope: string, after = "") => {
    const s = at(needle, after);
    assert.ok(
      s.some((x) => x === scope || x.startsWith(scope + ".")),
      `${needle}: expected ${scope}, got ${s.join(" ")}`,
    );
  };
  const hasNot = (needle: string, scope: string, after = "") =>
    assert.ok(!at(needle, after).some((x) => x.startsWith(scope)), `${needle} should not be ${scope}`);

  it("closes every rule at the end of a valid config", () => {
    assert.strictEqual(openRules, 0);
  });

  it("scopes directives, block directives, comments and constants", () => {
    has("user", "keyword.other.directive");
    has("http", "keyword.other.directive.block");
    has("server {", "keyword.other.directive.block");
    has("server 127", "keyword.other.directive");
    hasNot("server 127", "keyword.other.directive.block");
    has("listen", "keyword.other.directive");
    has("proxy_set_header", "keyword.other.directive");
    has("# compress", "comment.line.number-sign");
    has("on;", "constant.language.boolean");
    has("10m", "constant.numeric");
    has("1h30m", "constant.numeric");
    has("443", "constant.numeric");
    has("127.0.0.1:8080", "constant.numeric");
    hasNot("mime.types", "keyword");
  });

  it("scopes strings, escapes and both variable forms", () => {
    has('"$request_id', "string.quoted.double");
    has("$request_id", "variable.other");
    has("${host}", "variable.other");
    has('\\"', "constant.character.escape");
    has("always", "meta.directive", '\\""');
    hasNot("always", "string", '\\""');
    has("'ok'", "string.quoted.single");
    has("$http_upgrade", "variable.other");
    // A quote inside a token is literal for nginx: it must not open a string that swallows the next lines.
    has("gzip_types", "keyword.other.directive");
  });

  it("scopes location modifiers, regexes and named locations", () => {
    has("~*", "keyword.operator.modifier");
    has("\\.(png|jpg)$", "string.regexp");
    has("^~", "keyword.operator.modifier");
    has("= /health", "keyword.operator.modifier");
    has("@fallback", "entity.name.function");
    has("^www", "string.regexp");
    has("~^www", "keyword.operator.regexp");
    has("^/(foo|bar)/", "string.regexp");
    has("return 403", "keyword.other.directive");
    hasNot("return 403", "meta.condition");
    has("^/old/", "string.regexp");
    has("permanent", "keyword.control.flag");
  });

  it("treats map bodies as entries, not directives", () => {
    has("default upgrade", "keyword.other.directive");
    has("''", "string.quoted.single");
    hasNot("close;", "keyword");
  });

  it("embeds Lua with balanced braces, Lua strings and comments", () => {
    has("set_by_lua_block", "keyword.other.directive");
    has("$res", "variable.other");
    has("local t", "meta.embedded.block.lua");
    has("1 } }", "meta.embedded.block.lua");
    has('return "}"', "meta.embedded.block.lua");
    has('"}"', "string.quoted.double.lua");
    has("-- }", "comment.line.double-dash.lua");
    has("[[ } ]]", "string.quoted.other.multiline.lua");
    has("content_by_lua_block", "keyword.other.directive");
    hasNot("content_by_lua_block", "meta.embedded");
    has("ngx.exit", "meta.embedded.inline.lua");
    has("access_by_lua", "keyword.other.directive");
    hasNot("proxy_set_header", "meta.embedded");
  });

  // Every config that nginx accepts must leave no rule open (a runaway string, Lua block or condition would colour
  // the rest of the file wrongly), and its nginx blocks must be the ones crossplane found: one block-opening `{` per
  // directive with a block or a Lua block, so no `{` or `}` inside Lua, strings or regexes is taken for the config's.
  (haveShared() ? it : it.skip)("matches crossplane's blocks in each valid config of the shared corpus", function () {
    this.timeout(120_000);
    interface Directive {
      directive: string;
      block?: Directive[];
    }
    const countBlocks = (ds: Directive[]): number =>
      ds.reduce((n, d) => n + (d.block ? 1 + countBlocks(d.block) : d.directive.endsWith("_by_lua_block") ? 1 : 0), 0);
    const failures: string[] = [];
    let checked = 0;
    const tokenizer = new MiniTokenizer(grammar);
    for (const entry of readManifest()) {
      if (entry.kind === "include" || entry.linkTo || entry.path in DIVERGENCES) continue;
      const ref = path.join(CORPUS_REF, entry.path + ".json");
      if (!fs.existsSync(ref)) continue;
      const payload = JSON.parse(fs.readFileSync(ref, "utf8")) as {
        config: { file: string; errors: { error: string }[]; parsed: Directive[] }[];
      };
      const own = payload.config.find((c) => c.file === entry.path);
      // Only files crossplane parses without a syntax error (missing includes do not count).
      if (!own || own.errors.some((e) => !e.error.includes("No such file"))) continue;
      checked++;
      const { lines: toks, openRules: open } = tokenizer.tokenize(
        fs.readFileSync(path.join(CORPUS, entry.path), "utf8"),
      );
      if (open !== 0) failures.push(`${entry.path}: ${open} rule(s) still open at the end`);
      const opened = toks.reduce(
        (n, l) => n + l.scopes.filter((sc) => sc.includes("punctuation.section.block.begin.nginx")).length,
        0,
      );
      const expected = countBlocks(own.parsed);
      if (opened !== expected) failures.push(`${entry.path}: ${opened} blocks opened, crossplane has ${expected}`);
    }
    assert.ok(checked > 100, `only ${checked} corpus files checked`);
    assert.deepStrictEqual(failures, []);
  });
});
