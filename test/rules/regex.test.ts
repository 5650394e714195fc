// Rule `regex`: every case is a configuration run through the real `nginx -t` (Debian nginx 1.22.1 with
// PCRE2 10.42) and through the product; they must agree on the verdict and, where nginx refuses, on its
// message (`pcre2_compile() failed: … in "…" at "…"`) and line. The cases: PCRE2 constructs JavaScript's
// RegExp refuses and the other way round, patterns generated from PCRE2's syntax, and the regexes of the
// shared corpus with one character inserted or deleted (the mistakes people make: a `(`, `)`, `[`, `]`, `{`,
// `*`, `?` or `\`). The figures are printed; disagreements are listed with what differed.
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildModel } from "../../server/src/model";
import { pcre2Compile } from "../../server/src/rules/pcre2";
import { runChecks } from "../../server/src/rules";
import { regexSites } from "../../server/src/rules/regex";
import type { RuleOptions } from "../../server/src/rules/types";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import { random } from "../support/random";
import { CORPUS, haveShared, nginxBinary, readManifest } from "../support/shared";

interface Verdict {
  ok: boolean;
  message: string;
  line: number | null;
}

interface Case {
  name: string;
  text: string;
}

/** A pattern as a double-quoted nginx word whose value (after nginx's unescaping) is the pattern itself. */
const quoted = (p: string): string => `"${p.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

const wrapHttp = (server: string, http = ""): string =>
  `events {}\nhttp {\n${http}    server {\n        listen 127.0.0.1:18081;\n${server}\n    }\n}\n`;

const locationCase = (p: string): Case => ({ name: `location ~ ${p}`, text: wrapHttp(`location ~ ${quoted(p)} { }`) });

/** PCRE2 syntax that JavaScript treats differently, both ways, and each error PCRE2 has for a pattern. */
const CONSTRUCTS = [
  // accepted by PCRE2, refused (or read otherwise) by JavaScript
  "(?>ab)c",
  "a++b",
  "a*+",
  "a?+b",
  "a{2,3}+",
  "(?P<name>x)(?P=name)",
  "(?<name>x)\\k<name>",
  "(?'name'x)\\k'name'",
  "(?<n>x)\\k{n}(?P>n)",
  "\\Qa(b[c\\E",
  "\\p{L}\\p{Greek}\\p{sc:Latin}\\P{^Lu}\\pN",
  "(?i)abc(?-i)d",
  "(?i:a)(?s-m:b)(?^:c)",
  "(?x) a b # comment",
  "(?|(a)|(b))\\1",
  "(a)\\g{-1}\\g1\\g{1}",
  "(?R)?",
  "(a)(?1)(?-1)(?+1)(b)",
  "(a)(?(1)b|c)",
  "(?(<n>)a|b)(?<n>c)",
  "(?(R)a|b)",
  "(?(DEFINE)(?<d>x))(?&d)",
  "(?(?=a)ab|cd)",
  "(?(VERSION>=10.0)a|b)",
  "(?<=ab|cde)f",
  "(?<!\\d{3})x",
  "\\x{41}\\x41\\o{101}\\101\\cA\\e",
  "[[:alpha:][:^digit:]]",
  "[[:<:]]word[[:>:]]",
  "(*UTF)é+",
  "(*UCP)\\w+",
  "(*LIMIT_MATCH=1000)a",
  "(*CRLF)a$",
  "a(*SKIP)(*FAIL)|b",
  "(*MARK:m)a(*COMMIT)",
  "(*pla:a)(*nlb:b)c",
  "(*atomic:a+)b",
  "(*sr:\\d+)",
  "a{,5}",
  "x{",
  "\\h\\H\\v\\V\\R\\X\\N\\C",
  "\\A\\G\\z\\Z",
  "a\\Kb",
  "(?#comment)a",
  "(?C1)a(?C'text')b",
  "[]a]",
  "[^]a]",
  "\\/\\-\\_",
  "(?<=\\bfoo)bar",
  "(a)|\\1",
  "^/(?<user>[a-z]+)/(?<id>\\d+)$",
  // accepted by JavaScript, refused by PCRE2
  "\\i",
  "\\y",
  "\\u0041",
  "\\U",
  "\\L",
  "\\F",
  "\\N{name}",
  "\\c",
  "\\c€",
  "\\1",
  "(a)\\2",
  "\\k",
  "\\k<x>",
  "\\g",
  "\\g{-2}",
  "(?<=a+)b",
  "(?<=a|b+)c",
  "(?<=\\R)x",
  "(?<n>a)(?<n>b)",
  "(?<1a>x)",
  "(?<a-b>x)",
  "(?<>x)",
  "(?<abcdefghijabcdefghijabcdefghijabc>x)",
  "[[:foo:]]",
  "[:alpha:]",
  "[[.a.]]",
  "[a-\\d]",
  "[\\d-z]",
  "[\\B]",
  "[\\N]",
  "[\\A]",
  "\\x{zz}",
  "\\x{110}",
  "\\o{}",
  "\\o{8}",
  "\\777",
  "a{2,1}",
  "a{99999}",
  "a{1,65536}",
  "(?z)",
  "(?i--m)",
  "(?^-i)",
  "(?P",
  "(?Px)",
  "(?+)",
  "(?-)",
  "(?R",
  "(?(1)a|b)",
  "(a)(?(1)a|b|c)",
  "(?(DEFINE)a|b)",
  "(?(x)a)",
  "(?(?:a)b)",
  "(?(VERSION=x)a)",
  "(?C256)",
  "(?Cx)",
  "(?C'x",
  "(*FOO)",
  "(*MARK)",
  "(*pla)",
  "(*xyz:a)",
  "(*ACCEPT:",
  "(*LIMIT_MATCH=)a",
  "(*",
  "(?",
  "(?<",
  "(?'a",
  "(?#x",
  "\\p",
  "\\p{",
  "\\p{Xx}",
  "\\p{sc:L}",
  "\\p{foo:bar}",
  "(?=a\\K)",
  "(?<=a\\K)b",
  "(*UTF)\\x{d800}",
  "(*UTF)\\x{110000}",
  // the mistakes of the issue: unbalanced groups and classes, quantifiers with nothing to repeat
  "^/(a",
  "a)b",
  "a**",
  "+a",
  "^*",
  "$+",
  "\\b*",
  "(?i)*",
  "|*",
  "(*ACCEPT)+",
  "(?=a)+",
  "[abc",
  "[z-a]",
  "[é-a]",
  "[a-é]",
  "a[",
  "a]",
  "a}",
  "a{1",
  "((((a)))",
  "(a))",
  "((a)",
  "[[:alpha:]-z]",
  "[%-[:alpha:]]",
  "\\d+\\.(jpg|png",
  "~^/api/(v1|v2)/(.*)$",
  "",
];

/** Patterns from PCRE2's syntax, well formed as often as not (groups closed, quantifiers on atoms). */
function generated(seed: number, count: number): string[] {
  const rnd = random(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
  const atoms = ["a", "b", "xy", ".", "\\d", "\\w", "[abc]", "[^a-z]", "[[:alpha:]_]", "\\x{41}", "\\1", "\\2"];
  atoms.push("\\k<n>", "\\g{-1}", "(?1)", "(?2)", "(?&n)", "\\K", "\\R", "\\X", "\\C", "\\p{Lu}", "$", "^", "\\b");
  atoms.push("(*ACCEPT)", "(*FAIL)", "(*MARK:m)", "(?C2)", "\\Qa.b\\E", "é", "{", "}", "]", "-");
  const quants = ["", "", "", "", "", "*", "+", "?", "{2}", "{3}", "{1,2}", "{0}", "*?", "++", "{2}+", "{,2}", "**"];
  const opens = ["(", "(?:", "(?>", "(?=", "(?!", "(?<=", "(?<!", "(?<n>", "(?<m>", "(?'o'", "(?|", "(?i:"];
  opens.push("(*plb:", "(*nla:", "(?(1)", "(?(<n>)", "(?(?=a)", "(?(R)", "(?(DEFINE)", "(*sr:", "(?P<p>", "[");
  const unquantifiable = new Set(["$", "^", "\\b", "\\K", "{", "}"]);
  const gen = (depth: number): string => {
    let s = "";
    for (let i = 1 + Math.floor(rnd() * 3); i > 0; i--) {
      if (depth < 3 && rnd() < 0.45) {
        let body = gen(depth + 1);
        if (rnd() < 0.4) body += `|${gen(depth + 1)}`;
        if (rnd() < 0.15) body += `|${gen(depth + 1)}`;
        const close = rnd() < 0.06 ? "" : ")";
        s += pick(opens) + body + close + pick(quants);
      } else {
        const a = pick(atoms);
        s += a + (unquantifiable.has(a) ? "" : pick(quants));
      }
    }
    return s;
  };
  const out: string[] = [];
  while (out.length < count) out.push(gen(0));
  return out;
}

/** The corpus's regexes (found by the rule itself) and each with one mistake typed into it. */
function corpusMutants(seed: number, max: number): string[] {
  if (!haveShared()) return [];
  const patterns = new Set<string>();
  for (const entry of readManifest()) {
    const file = path.join(CORPUS, entry.path);
    if (!/\.conf$/.test(file)) continue;
    try {
      for (const s of regexSites(buildModel(loadConfiguration(file))))
        if (!/[\n\r]/.test(s.pattern)) patterns.add(s.pattern);
    } catch {
      continue;
    }
  }
  const rnd = random(seed);
  const out: string[] = [];
  const pieces = ["(", ")", "[", "]", "{", "*", "?", "\\"];
  for (const p of [...patterns].sort()) {
    out.push(p);
    for (let k = 0; k < 2; k++) {
      const at = Math.floor(rnd() * (p.length + 1));
      out.push(
        rnd() < 0.35 && p.length > 0
          ? p.slice(0, at) + p.slice(at + 1)
          : p.slice(0, at) + pieces[Math.floor(rnd() * pieces.length)] + p.slice(at),
      );
    }
  }
  return out.slice(0, max);
}

/** The other directives that compile a regex, each with a good and a bad one, and their own refusals. */
const OTHER_DIRECTIVES: Case[] = [
  ...["^/(a", "^/(a)$"].flatMap((re) => [
    { name: `if ~ ${re}`, text: wrapHttp(`if ($uri ~ ${quoted(re)}) { return 404; }`) },
    { name: `if !~* ${re}`, text: wrapHttp(`if ($uri !~* ${re}) { return 404; }`) },
    { name: `rewrite ${re}`, text: wrapHttp(`rewrite ${quoted(re)} /x last;`) },
    { name: `map ~${re}`, text: wrapHttp("", `    map $uri $m { ${quoted(`~${re}`)} 1; }\n`) },
    { name: `map ~*${re}`, text: wrapHttp("", `    map $uri $m { ${quoted(`~*${re}`)} 1; }\n`) },
    { name: `server_name ~${re}`, text: wrapHttp(`server_name ${quoted(`~${re}`)};`) },
    { name: `valid_referers ~${re}`, text: wrapHttp(`valid_referers none example.com ${quoted(`~${re}`)};`) },
    { name: `proxy_redirect ~${re}`, text: wrapHttp(`proxy_redirect ${quoted(`~${re}`)} /;`) },
    { name: `proxy_redirect ~*${re}`, text: wrapHttp(`proxy_redirect ${quoted(`~*${re}`)} /;`) },
    { name: `proxy_cookie_path ~*${re}`, text: wrapHttp(`proxy_cookie_path ${quoted(`~*${re}`)} /;`) },
    { name: `proxy_cookie_domain ~${re}`, text: wrapHttp(`proxy_cookie_domain ${quoted(`~${re}`)} x;`) },
    { name: `proxy_cookie_flags ~${re}`, text: wrapHttp(`proxy_cookie_flags ${quoted(`~${re}`)} secure;`) },
    { name: `gzip_disable ${re}`, text: wrapHttp(`gzip_disable msie6 ${quoted(re)};`) },
    { name: `location ~*${re}`, text: wrapHttp(`location ${quoted(`~*${re}`)} { }`) },
    {
      name: `stream map ~${re}`,
      text: `load_module /usr/lib/nginx/modules/ngx_stream_module.so;\nevents {}\nstream {\n    map $remote_addr $m { ${quoted(`~${re}`)} 1; }\n}\n`,
    },
  ]),
  { name: "proxy_cookie_domain ~*re (no ~* form)", text: wrapHttp(`proxy_cookie_domain "~*a" x;`) },
  { name: "server_name ~", text: wrapHttp(`server_name ~;`) },
  { name: "valid_referers ~", text: wrapHttp(`valid_referers ~;`) },
  { name: "location ~ (empty regex)", text: wrapHttp(`location ~ { }`) },
  { name: "fastcgi_split_path_info, 2 captures", text: wrapHttp(`fastcgi_split_path_info ^(.+\\.php)(/.+)$;`) },
  { name: "fastcgi_split_path_info, 1 capture", text: wrapHttp(`fastcgi_split_path_info ^(.+\\.php)$;`) },
  { name: "fastcgi_split_path_info, bad", text: wrapHttp(`fastcgi_split_path_info ^(.+\\.php(/.+)$;`) },
  // nginx compiles with PCRE2's default nest limit, 250 (pcre2test's own default is 220)
  ...[250, 251].map((n) => locationCase(`${"(".repeat(n)}a${")".repeat(n)}`)),
  { name: "unquoted escapes: \\\\ and \\t", text: wrapHttp(`location ~ ^/a\\\\ { }`) },
  { name: "a regex with \\n, \\t", text: wrapHttp(`location ~ "^/a\\t(b" { }`) },
];

/** `nginx -t` on each text, a few at a time. */
async function nginxVerdicts(bin: string, texts: string[], parallel = 3): Promise<Verdict[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-regex-"));
  const out: Verdict[] = new Array(texts.length);
  let next = 0;
  const one = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const dir = path.join(root, String(i));
      fs.mkdirSync(dir);
      const conf = path.join(dir, "nginx.conf");
      fs.writeFileSync(conf, texts[i]);
      const p = spawn(bin, ["-t", "-q", "-c", conf, "-p", dir, "-e", "stderr", "-g", `pid ${dir}/nginx.pid;`]);
      const chunks: Buffer[] = [];
      p.stderr.on("data", (b: Buffer) => chunks.push(b));
      p.stdout.on("data", (b: Buffer) => chunks.push(b));
      p.on("close", (code) => {
        const output = Buffer.concat(chunks).toString("utf8");
        const emerg = output.split("\n").find((l) => l.includes("[emerg]")) ?? "";
        const m = new RegExp(
          `\\[emerg\\] \\d+#\\d+: (.*) in ${conf.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+)$`,
        ).exec(emerg);
        out[i] = { ok: code === 0, message: m ? m[1] : emerg, line: m ? Number(m[2]) : null };
        resolve();
      });
    });
  const worker = async (): Promise<void> => {
    while (next < texts.length) await one(next++);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  fs.rmSync(root, { recursive: true, force: true });
  return out;
}

function productVerdict(text: string): Verdict {
  const config = loadConfiguration("/w/nginx.conf", { source: new MemoryFileSource({ "/w/nginx.conf": text }) });
  const errors = runChecks(config, { strict: false } as RuleOptions).filter(
    (f) => f.ruleId === "regex" && f.severity === "error",
  );
  if (errors.length === 0) return { ok: true, message: "", line: null };
  errors.sort((a, b) => a.range.start.offset - b.range.start.offset);
  return { ok: false, message: errors[0].message, line: errors[0].range.start.line + 1 };
}

describe("rule regex: PCRE2 as nginx compiles it, against the real nginx -t", function () {
  this.timeout(120_000);

  it("agrees with nginx -t on ≥ 99% of 500+ generated and corpus-mutated regexes (verdict and message)", async function () {
    const bin = nginxBinary();
    if (!bin) {
      if (process.env.CI) assert.fail("nginx is not installed");
      this.skip();
    }
    // Without the shared corpus, more generated patterns keep the set above 500.
    const mutants = corpusMutants(14, 400);
    const patterns = [...CONSTRUCTS, ...generated(14, mutants.length > 200 ? 260 : 460), ...mutants];
    const cases = [...patterns.map(locationCase), ...OTHER_DIRECTIVES];
    const truth = await nginxVerdicts(
      bin,
      cases.map((c) => c.text),
    );
    let verdicts = 0;
    let messages = 0;
    let refused = 0;
    const disagreements: string[] = [];
    cases.forEach((c, i) => {
      const t = truth[i];
      const p = productVerdict(c.text);
      const sameVerdict = t.ok === p.ok;
      const sameMessage = sameVerdict && (t.ok || (t.message === p.message && t.line === p.line));
      if (!t.ok) refused++;
      if (sameVerdict) verdicts++;
      if (sameMessage) messages++;
      else
        disagreements.push(
          `${JSON.stringify(c.name)}\n    nginx:   ${t.ok ? "ok" : `${t.line}: ${t.message}`}\n    product: ${p.ok ? "ok" : `${p.line}: ${p.message}`}`,
        );
    });
    const pct = (n: number): string => ((100 * n) / cases.length).toFixed(2);
    console.log(
      `      regex: ${cases.length} cases (${refused} refused by nginx): verdict agrees on ${verdicts} (${pct(verdicts)}%), ` +
        `message and line on ${messages} (${pct(messages)}%)`,
    );
    if (disagreements.length) console.log(`      disagreements:\n      ${disagreements.join("\n      ")}`);
    assert.ok(cases.length >= 500, `only ${cases.length} cases`);
    assert.ok(refused >= 100 && refused <= cases.length - 100, `a lopsided set: ${refused} refused`);
    assert.ok(verdicts >= 0.99 * cases.length, `verdict agreement ${pct(verdicts)}%`);
    assert.ok(messages >= 0.99 * cases.length, `message agreement ${pct(messages)}%`);
  });

  it("gives PCRE2's own error code and offset on 6,000 generated patterns (pcre2test, where installed)", function () {
    const bin = ["/usr/bin/pcre2test", "/usr/local/bin/pcre2test"].find((p) => fs.existsSync(p));
    if (!bin) this.skip();
    const version = spawnSync(bin, ["-version"], { encoding: "utf8" }).stdout;
    if (!/10\.42/.test(version)) this.skip();
    // pcre2test reads `/pattern/`: a delimiter the pattern does not hold, and no trailing backslash
    const delimiters = "/!\"%&',;=@~#`|:^";
    const patterns = [...CONSTRUCTS, ...generated(1414, 6000)].filter(
      (p) => p.length > 0 && !p.endsWith("\\") && !/^\s/.test(p) && [...delimiters].some((d) => !p.includes(d)),
    );
    const input = patterns.map((p) => {
      const d = [...delimiters].find((c) => !p.includes(c))!;
      return `${d}${p}${d}\n\n`;
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-pcre2-"));
    const file = path.join(dir, "patterns.txt");
    fs.writeFileSync(file, input.join(""));
    const r = spawnSync(bin, [file], { encoding: "utf8", maxBuffer: 1 << 28 });
    fs.rmSync(dir, { recursive: true, force: true });
    const blocks = r.stdout.split("\n\n");
    const differ: string[] = [];
    patterns.forEach((p, i) => {
      const m = /Failed: error 1(\d\d) at offset (\d+): (.*)/.exec(blocks[i] ?? "");
      const truth = m ? `${Number(m[1])}@${m[2]} ${m[3]}` : "ok";
      const got = pcre2Compile(p);
      const mine = got.ok ? "ok" : `${got.error.code}@${got.error.offset} ${got.error.message}`;
      if (truth !== mine) differ.push(`${JSON.stringify(p)}: pcre2test ${truth}, product ${mine}`);
    });
    console.log(`      pcre2test: ${patterns.length - differ.length} of ${patterns.length} patterns agree`);
    assert.deepEqual(differ.slice(0, 20), []);
  });
});
