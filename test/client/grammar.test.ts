// Checks what the extension contributes for the editor: the TextMate grammar (every include resolves, every regex
// compiles in Oniguruma, captures exist, the JSON is what scripts/build-tmgrammar.mjs makes), the language
// configuration and the language contribution in package.json. Then the grammar runs in vscode-textmate (the engine
// VS Code uses, without a Lua grammar, as in an editor that lacks one) over every file of the shared corpus, and what
// it scopes is checked against what our parser reads in the same file: directive names, comments, quoted words, Lua
// bodies, variables, and that every file the parser reads without errors leaves no rule open; and the converse, that
// the grammar starts no comment, string or directive name where the parser reads none (`a#b`, `it"s`, arguments).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as oniguruma from "vscode-oniguruma";
import type { Directive, Node, Word } from "../../server/src/parse/ast";
import { parse } from "../../server/src/parse/parser";
import { CORPUS, REPO, haveShared, readManifest } from "../support/shared";
import {
  hasScope,
  loadNginxGrammar,
  onigLib,
  scopesAt,
  splitAtLf,
  tokenize,
  type Tokenized,
} from "../grammar/textmate";
import { corpusFiles, mutants, mutationSources } from "../format/mutations";
import { E2E_DIR, codeServerReady, unavailable } from "../e2e/support";

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

/**
 * Everything wrong with a grammar, as readable lines; empty when it is fine. Regexes must compile in Oniguruma (what
 * VS Code runs); their group counts are read from the JS translation.
 */
export function grammarProblems(g: Grammar, externalScopes: string[]): string[] {
  const problems: string[] = [];
  const checkRegex = (where: string, key: string, src: unknown): RegExp | undefined => {
    if (typeof src !== "string") {
      problems.push(`${where}: "${key}" is not a string`);
      return undefined;
    }
    try {
      // vscode-textmate puts the begin's captures into an end's back-references before compiling it.
      new oniguruma.OnigScanner([key === "end" || key === "while" ? src.replace(/\\\d/g, "") : src]).dispose();
    } catch (e) {
      problems.push(`${where}: "${key}" does not compile in Oniguruma: ${(e as Error).message}`);
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
  before(async () => {
    await onigLib(); // Oniguruma's WASM, for the compile check
  });

  it("has resolvable includes, regexes that compile in Oniguruma and existing capture groups", () => {
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
        e: { match: "\\p{NoSuchProperty}", name: "w" },
      },
    };
    const problems = grammarProblems(broken, EXTERNAL).join("\n");
    for (const what of ["#missing", "source.python", "does not compile", "captures[2]", "without", "contentname"])
      assert.ok(problems.includes(what), `not reported: ${what}\n${problems}`);
    // An unknown property class: JS (without the u flag) reads `\p` as "p", Oniguruma (so VS Code) refuses it.
    assert.ok(problems.includes('repository.e: "match" does not compile in Oniguruma'), problems);
  });

  it("is the JSON that scripts/build-tmgrammar.mjs makes", () => {
    const r = spawnSync(process.execPath, [path.join(REPO, "scripts/build-tmgrammar.mjs"), "--check"], {
      encoding: "utf8",
    });
    assert.strictEqual(r.status, 0, r.stderr);
  });

  it("maps every embedded Lua scope to lua and keeps ${var} braces out of bracket matching", () => {
    const entry = grammarEntry as unknown as {
      embeddedLanguages: Record<string, string>;
      unbalancedBracketScopes?: string[];
    };
    assert.strictEqual(entry.embeddedLanguages["meta.embedded.block.lua"], "lua");
    assert.strictEqual(entry.embeddedLanguages["meta.embedded.inline.lua"], "lua");
    const used = collectScopeNames(grammar);
    for (const s of entry.unbalancedBracketScopes ?? []) assert.ok(used.has(s), `${s} is never used by the grammar`);
    assert.ok(entry.unbalancedBracketScopes?.includes("punctuation.definition.variable.begin.nginx"));
    assert.ok(entry.unbalancedBracketScopes?.includes("punctuation.definition.variable.end.nginx"));
  });
});

/** The blocks whose body is a table of entries, which the grammar scopes as entries rather than directives. */
const TABLE_BLOCKS = new Set(["map", "geo", "geoip2", "split_clients", "types", "charset_map"]);
const DIRECTIVE_NAME_SCOPES = ["keyword.other.directive", "storage.type.directive", "keyword.control.conditional"];

interface CrossCheck {
  directives: number;
  entries: number;
  comments: number;
  luaBodies: number;
  luaBodyChars: number;
  afterLuaBody: number;
  variables: number;
  quotedWords: number;
  cleanFiles: number;
  failures: string[];
}

/** `$name` and `${name}` in a word as written (escaped `\$` is not one), as offsets into the text. */
function variableOffsets(text: string, w: Word): number[] {
  const out: number[] = [];
  const raw = text.slice(w.range.start.offset, w.range.end.offset);
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === "\\") i++;
    else if (raw[i] === "$" && /^(?:\w|\{\w+\})/.test(raw.slice(i + 1))) out.push(w.range.start.offset + i);
  }
  return out;
}

function crossCheck(file: string, text: string, t: Tokenized, acc: CrossCheck, lfOnly = false): void {
  const parsed = parse(text);
  // Offsets → (line, character), with the lines the grammar was given: the editor's (LF, CRLF, lone CR, as
  // the parser's positions), or, `lfOnly`, split at LF (a lone CR inside a line).
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && (lfOnly || text.charCodeAt(i + 1) === 10)) continue;
    if (c === 10 || c === 13) lineStarts.push(i + 1);
  }
  const at = (offset: number): [number, number] => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return [lo, offset - lineStarts[lo]];
  };
  const fail = (offset: number, what: string) => {
    const [l, c] = at(offset);
    acc.failures.push(`${file}:${l + 1}:${c + 1}: ${what} (scopes: ${scopesAt(t, l, c).join(" ")})`);
  };
  const scopesOf = (offset: number) => {
    const [l, c] = at(offset);
    return scopesAt(t, l, c);
  };

  // What the parser reads as a comment start or a statement's name, to check the converse: the grammar scopes
  // nothing else so (`a#b` is no comment, an argument is no directive).
  const commentStarts = new Set<number>();
  const nameStarts = new Set<number>();
  const quoteStarts = new Set<number>();
  const checkQuoted = (w: Word) => {
    if (w.quote === null) return;
    quoteStarts.add(w.range.start.offset);
    acc.quotedWords++;
    if (!hasScope(scopesOf(w.range.start.offset), "string"))
      fail(w.range.start.offset, "a quoted word not scoped as a string");
  };
  const checkComment = (offset: number) => {
    commentStarts.add(offset);
    acc.comments++;
    if (!hasScope(scopesOf(offset), "comment.line.number-sign")) fail(offset, "a comment not scoped as a comment");
  };
  const walk = (nodes: Node[], inTable: boolean, inLuaInline: boolean) => {
    for (const n of nodes) {
      if (n.kind === "comment") {
        checkComment(n.range.start.offset);
        continue;
      }
      const d: Directive = n;
      nameStarts.add(d.nameWord.range.start.offset);
      const nameScopes = scopesOf(d.nameWord.range.start.offset);
      if (inTable) {
        acc.entries++;
        if (!hasScope(nameScopes, "meta.entry")) fail(d.nameWord.range.start.offset, `entry "${d.name}" not scoped`);
      } else if (d.nameWord.range.start.offset === d.nameWord.range.end.offset) {
        // A `{` with no name before it (`unexpected "{"`: the name was hidden in a comment, say): there is no
        // word for the grammar to scope.
      } else {
        acc.directives++;
        if (!DIRECTIVE_NAME_SCOPES.some((s) => hasScope(nameScopes, s)))
          fail(d.nameWord.range.start.offset, `directive "${d.name}" not scoped as a directive`);
      }
      for (const c of d.argComments) checkComment(c.range.start.offset);
      d.args.forEach(checkQuoted);
      // A quoted name is a directive's name (scoped as one) or a table's key (a string).
      if (d.nameWord.quote !== null) quoteStarts.add(d.nameWord.range.start.offset);
      const luaInline = inLuaInline || d.name.endsWith("_by_lua");
      for (const w of d.args) {
        for (const off of variableOffsets(text, w)) {
          const s = scopesOf(off);
          // `$` in a regex is an anchor, and in Lua code it is Lua's business.
          if (hasScope(s, "string.regexp") || (luaInline && hasScope(s, "meta.embedded"))) continue;
          acc.variables++;
          if (!hasScope(s, "variable.other")) fail(off, `variable in an argument of "${d.name}" not scoped`);
        }
      }
      if (d.lua) {
        acc.luaBodies++;
        const { inner, range } = d.lua;
        for (let off = inner.start.offset; off < inner.end.offset; off++) {
          const c = text.charCodeAt(off);
          if (c === 10 || c === 13) continue;
          acc.luaBodyChars++;
          if (!hasScope(scopesOf(off), "meta.embedded.block.lua")) {
            fail(off, `Lua code of "${d.name}" outside meta.embedded.block.lua`);
            break;
          }
        }
        const close = range.end.offset - 1;
        if (text[close] === "}" && hasScope(scopesOf(close), "meta.embedded"))
          fail(close, `the "}" closing the Lua code of "${d.name}" is inside the embedded scope`);
        // The rest of the line after the body: nginx again.
        const [l, c] = at(range.end.offset);
        if (c < t.lines[l].text.length && range.end.offset < text.length) {
          acc.afterLuaBody++;
          if (hasScope(scopesAt(t, l, c), "meta.embedded"))
            fail(range.end.offset, "text after a Lua body is still Lua");
        }
      }
      // A block inside a table is invalid for nginx; the grammar keeps reading entries there.
      if (d.block) walk(d.block.children, inTable || TABLE_BLOCKS.has(d.name), luaInline);
    }
  };
  walk(parsed.children, false, false);
  t.lines.forEach((line, l) => {
    let previousWasName = false;
    for (const tok of line.tokens) {
      const offset = lineStarts[l] + tok.startIndex;
      if (tok.scopes.includes("punctuation.definition.comment.nginx") && !commentStarts.has(offset))
        fail(offset, "scoped as a comment, but the parser reads no comment here");
      if (tok.scopes.includes("punctuation.definition.string.begin.nginx") && !quoteStarts.has(offset))
        fail(offset, "scoped as the start of a string, but the parser reads no quoted word here");
      const isName = DIRECTIVE_NAME_SCOPES.some((sc) => hasScope(tok.scopes, sc));
      if (isName && !previousWasName && !nameStarts.has(offset))
        fail(offset, "scoped as a directive name, but the parser reads no statement here");
      previousWasName = isName;
    }
  });
  if (parsed.errors.length === 0) {
    acc.cleanFiles++;
    if (t.endDepth !== 1) acc.failures.push(`${file}: parses without errors, but ${t.endDepth - 1} rule(s) stay open`);
  }
}

describe("client: TextMate grammar against the parser, over the shared corpus", function () {
  before(function () {
    if (!haveShared()) this.skip();
  });

  it("scopes every directive, comment, string, Lua body and variable the parser finds, nothing else, and closes every rule", async function () {
    this.timeout(300_000);
    const grammarTm = await loadNginxGrammar();
    const acc: CrossCheck = {
      directives: 0,
      entries: 0,
      comments: 0,
      luaBodies: 0,
      luaBodyChars: 0,
      afterLuaBody: 0,
      variables: 0,
      quotedWords: 0,
      cleanFiles: 0,
      failures: [],
    };
    let files = 0;
    for (const e of readManifest()) {
      if (e.linkTo) continue; // holds its target's path, not a configuration
      const text = fs.readFileSync(path.join(CORPUS, e.path), "utf8");
      crossCheck(e.path, text, tokenize(grammarTm, text), acc);
      files++;
    }
    const { failures, ...counts } = acc;
    console.log(`      grammar cross-check: ${files} files, ${JSON.stringify(counts)}`);
    // Enough of each to mean something (the corpus has all of these many times over).
    assert.ok(files > 700 && acc.directives > 40_000 && acc.comments > 2_500, JSON.stringify({ files, ...counts }));
    assert.ok(acc.luaBodies > 40 && acc.variables > 20_000 && acc.entries > 1_000, JSON.stringify(counts));
    assert.ok(acc.cleanFiles > 700 && acc.quotedWords > 2_500, JSON.stringify(counts));
    assert.deepStrictEqual(failures.slice(0, 40), [], `${failures.length} problem(s)`);
  });
});

// nginx ends a `#` comment (and lua-nginx-module a `--` comment) only at LF. Where a tool hands the grammar
// lines split at LF, a lone CR is inside a line and the grammar must read on as nginx does. (VS Code splits at
// a lone CR too, but never has one in a buffer: opening a file with mixed line breaks converts them all.)
describe("client: TextMate grammar and lone CRs, lines split at LF", function () {
  /** The scopes at the `nth` occurrence of `needle` in `text`, the text split at LF. */
  async function scopesOf(text: string, needle: string, nth = 0): Promise<string[]> {
    const t = tokenize(await loadNginxGrammar(), text, splitAtLf);
    let at = -1;
    for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, needle);
    const line = text.slice(0, at).split("\n").length - 1;
    return scopesAt(t, line, at - (text.lastIndexOf("\n", at - 1) + 1));
  }
  const isDirective = (s: string[]): boolean => DIRECTIVE_NAME_SCOPES.some((d) => hasScope(s, d));

  it("a lone CR inside a `#` comment keeps the rest of the line commented; elsewhere it is a space", async function () {
    const text = "location / {\n    # maintenance\r    return 503;\n    return 200;\n}\nlisten 80;\rroot /srv;\n";
    assert.ok(hasScope(await scopesOf(text, "return 503"), "comment.line.number-sign.nginx"));
    assert.ok(isDirective(await scopesOf(text, "return 200")));
    assert.ok(isDirective(await scopesOf(text, "root")));
  });

  it("in Lua bodies: a `--` comment runs past a lone CR, a string may hold one, a quote that starts no string is text", async function () {
    const comment = "content_by_lua_block { -- x\r } ngx.say(1)\n}\nlisten 80;\n";
    assert.ok(hasScope(await scopesOf(comment, "}"), "comment.line.double-dash.lua"));
    assert.ok(isDirective(await scopesOf(comment, "listen")));
    const string = 'content_by_lua_block { local s = "a\r}" }\nlisten 80;\n';
    assert.ok(hasScope(await scopesOf(string, "}"), "string.quoted.double.lua"));
    assert.ok(isDirective(await scopesOf(string, "listen")));
    // `"a }` then LF: no string for lua-nginx-module, so that `}` closes the body.
    const unfinished = 'content_by_lua_block { local s = "a }\nlisten 80;\n';
    assert.ok(!hasScope(await scopesOf(unfinished, "}"), "meta.embedded"));
    assert.ok(isDirective(await scopesOf(unfinished, "listen")));
    const tokenized = tokenize(await loadNginxGrammar(), unfinished, splitAtLf);
    assert.strictEqual(tokenized.endDepth, 1);
  });

  it("agrees with the parser on corpus files given lone CRs (in comments, and as line breaks)", async function () {
    if (!haveShared()) this.skip();
    this.timeout(300_000);
    const grammarTm = await loadNginxGrammar();
    const acc: CrossCheck = {
      directives: 0,
      entries: 0,
      comments: 0,
      luaBodies: 0,
      luaBodyChars: 0,
      afterLuaBody: 0,
      variables: 0,
      quotedWords: 0,
      cleanFiles: 0,
      failures: [],
    };
    let withCr = 0;
    // The formatter's mutants (test/format/mutations.ts) made only of CR edits, two per corpus file.
    const sources = mutationSources(corpusFiles());
    for (const m of mutants(sources, 6 * sources.length, 0x6c66)) {
      if (!m.kinds.every((k) => k === "CR in a comment" || k === "LF → CR" || k === "CR")) continue;
      if (/\r(?!\n)/.test(m.text)) withCr++;
      crossCheck(`${m.from} (${m.kinds.join(", ")})`, m.text, tokenize(grammarTm, m.text, splitAtLf), acc, true);
    }
    const { failures, ...counts } = acc;
    console.log(`      ${withCr} files with lone CRs: ${JSON.stringify(counts)}`);
    assert.ok(withCr > 200 && acc.comments > 200, JSON.stringify({ withCr, ...counts }));
    assert.deepStrictEqual(failures.slice(0, 40), [], `${failures.length} problem(s)`);
  });
});

/** VS Code's own Lua grammar, from the code-server the end-to-end tests install (test/e2e/setup.sh). */
const VSCODE_LUA_GRAMMAR = path.join(
  E2E_DIR,
  "code-server/node_modules/code-server/lib/vscode/extensions/lua/syntaxes/lua.tmLanguage.json",
);

describe("client: TextMate grammar with VS Code's Lua grammar", function () {
  before(function () {
    if (!codeServerReady() || !fs.existsSync(VSCODE_LUA_GRAMMAR))
      unavailable(this, "code-server (.e2e/) with its Lua grammar", "run `bash test/e2e/setup.sh`");
  });

  // `include: source.lua` lets VS Code's Lua grammar colour the code, but only after the grammar's own rules for
  // braces, strings, long brackets and comments: so the nginx side must come out the same with or without it.
  it("colours the Lua code with it and scopes everything outside the Lua code as without it", async function () {
    this.timeout(120_000);
    const plain = await loadNginxGrammar();
    const withLua = await loadNginxGrammar(VSCODE_LUA_GRAMMAR);
    const outside = (t: Tokenized): string[] =>
      t.lines.flatMap((l, i) =>
        l.tokens
          .filter((tok) => !tok.scopes.some((s) => s.startsWith("meta.embedded")))
          .map((tok) => `${i + 1}:${tok.startIndex}-${tok.endIndex} ${tok.scopes.join(" ")}`),
      );
    const sample = "test/grammar/unit/lua.test.nginx";
    const texts: [string, string][] = [[sample, fs.readFileSync(path.join(REPO, sample), "utf8")]];
    if (haveShared())
      for (const e of readManifest()) {
        const text = e.linkTo ? "" : fs.readFileSync(path.join(CORPUS, e.path), "utf8");
        if (text.includes("_by_lua")) texts.push([e.path, text]);
      }
    let luaKeywords = 0;
    for (const [name, text] of texts) {
      const a = tokenize(plain, text);
      const b = tokenize(withLua, text);
      assert.deepStrictEqual(outside(b), outside(a), name);
      assert.strictEqual(b.endDepth, a.endDepth, name);
      luaKeywords += b.lines
        .flatMap((l) => l.tokens)
        .filter((tok) => tok.scopes.includes("keyword.control.lua")).length;
    }
    assert.ok(texts.length > 10, `only ${texts.length} files with Lua`);
    assert.ok(luaKeywords > 50, `VS Code's Lua grammar coloured ${luaKeywords} Lua keywords`);
  });
});
