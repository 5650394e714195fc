// Extracts the variables nginx's own modules define, for rule `variable` (issue 14), from a local mirror of
// nginx/nginx (the `fetch github:nginx/nginx` tool gives /work/.mirror/nginx+nginx/repo), and writes
// server/data/variables.json. The output is committed: the product never needs the mirror.
//
//   node scripts/extract-variables.mjs [git-dir] [output.json | -]
//
// What it reads, in every release tag from 1.0.0 on (one parse per distinct file version):
// - the `ngx_http_variable_t` / `ngx_stream_variable_t` arrays each module hands to
//   ngx_http_add_variable / ngx_stream_add_variable in its preconfiguration (core: ngx_http_core_variables in
//   src/http/ngx_http_variables.c), each entry's name and whether it carries NGX_*_VAR_PREFIX;
// - the names a module adds one by one: `ngx_http_add_variable(cf, &ident, …)` where `ident` is a static
//   ngx_str_t of the same file (gzip's $gzip_ratio, userid's $uid_*, referer's $invalid_referer, …).
// A name's `since` is the first release tag that has it, `removed` the first release after its last; `cond`
// the preprocessor condition around its entry (e.g. NGX_HAVE_TCP_INFO), when there is one.
// Deterministic: sorted, no timestamps.

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const gitDir = process.argv[2] ?? "/work/.mirror/nginx+nginx/repo";
const output = process.argv[3] ?? resolve(repoRoot, "server/data/variables.json");

const git = (...args) => execFileSync("git", ["--git-dir", gitDir, ...args], { encoding: "utf8", maxBuffer: 1 << 30 });

const verKey = (v) =>
  v
    .split(".")
    .map((n) => n.padStart(4, "0"))
    .join(".");
const tags = git("tag", "--list", "release-*")
  .split("\n")
  .filter((t) => /^release-\d+\.\d+\.\d+$/.test(t))
  .map((t) => t.slice("release-".length))
  .filter((v) => verKey(v) >= verKey("1.0.0"))
  .sort((a, b) => (verKey(a) < verKey(b) ? -1 : 1));
const head = git("rev-parse", "HEAD").trim();

/** name → { family, module file, prefix, cond } per blob. */
const blobCache = new Map();

function parseBlob(text, family) {
  const found = [];
  const F = family.toUpperCase();
  // Preprocessor conditions by line, to tell which entries are conditional.
  const lines = text.split("\n");
  const condAt = [];
  const stack = [];
  for (const line of lines) {
    const m = /^#\s*(if|ifdef|ifndef|else|elif|endif)\b(.*)$/.exec(line);
    if (m) {
      if (m[1] === "endif") stack.pop();
      else if (m[1] === "else" || m[1] === "elif") stack[stack.length - 1] = `!${stack[stack.length - 1]}`;
      else stack.push(m[2].trim().replace(/^\((.*)\)$/, "$1"));
    }
    condAt.push(stack.join(" && "));
  }
  const lineOf = (offset) => text.slice(0, offset).split("\n").length - 1;
  // Arrays of variables.
  const arrayRe = new RegExp(`ngx_${family}_variable_t\\s+\\w+\\[\\]\\s*=\\s*\\{`, "g");
  for (let m; (m = arrayRe.exec(text));) {
    const start = m.index + m[0].length;
    const end = text.indexOf("\n};", start);
    const body = text.slice(start, end);
    const entryRe = /\{\s*ngx_string\("([^"]+)"\)([^}]*)\}/g;
    for (let e; (e = entryRe.exec(body));) {
      const cond = condAt[lineOf(start + e.index)];
      if (cond.split(" && ").includes("0")) continue;
      found.push({
        name: e[1],
        prefix: new RegExp(`NGX_${F}_VAR_PREFIX`).test(e[2]),
        changeable: new RegExp(`NGX_${F}_VAR_CHANGEABLE`).test(e[2]),
        cond,
      });
    }
  }
  // Names added one by one from a static ngx_str_t.
  const strs = new Map();
  for (const s of text.matchAll(/static\s+ngx_str_t\s+(\w+)\s*=\s*ngx_string\("([^"]+)"\)/g)) strs.set(s[1], s[2]);
  for (const a of text.matchAll(new RegExp(`ngx_${family}_add_variable\\(\\s*cf,\\s*&(\\w+),([^;]*)\\)`, "g"))) {
    const name = strs.get(a[1]);
    const changeable = new RegExp(`NGX_${F}_VAR_CHANGEABLE`).test(a[2]);
    if (name) found.push({ name, prefix: false, changeable, cond: condAt[lineOf(a.index)] });
  }
  return found;
}

// family → name → { file, prefix, versions: Set, cond }
const table = { http: new Map(), stream: new Map() };
for (const version of tags) {
  const listing = git("ls-tree", "-r", `release-${version}`, "src/http", "src/stream");
  for (const row of listing.split("\n")) {
    const m = /^\d+ blob ([0-9a-f]+)\t(src\/(http|stream)\/\S+\.c)$/.exec(row);
    if (!m) continue;
    const [, blob, file, family] = m;
    let parsed = blobCache.get(blob);
    if (!parsed) {
      const text = git("cat-file", "blob", blob);
      parsed = text.includes("add_variable") ? parseBlob(text, family) : [];
      blobCache.set(blob, parsed);
    }
    for (const v of parsed) {
      let entry = table[family].get(v.name);
      if (!entry) table[family].set(v.name, (entry = { file, prefix: v.prefix, versions: [] }));
      entry.changeable = v.changeable;
      if (entry.versions.at(-1) !== version) entry.versions.push(version);
      entry.file = file;
      entry.cond = v.cond;
    }
  }
}

const last = tags.at(-1);
function rows(map) {
  return [...map.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, e]) => {
      const row = { name, file: e.file };
      if (e.prefix) row.prefix = true;
      if (e.changeable) row.changeable = true;
      // 1.11.10 moved the prefixes nginx had matched by hand (ngx_http_get_variable, init_vars) into the
      // array: they are older than their entries.
      const handCoded = e.prefix && e.versions[0] === "1.11.10";
      if (e.versions[0] !== tags[0] && !handCoded) row.since = e.versions[0];
      const lastSeen = e.versions.at(-1);
      if (lastSeen !== last) row.removed = tags[tags.indexOf(lastSeen) + 1];
      if (e.cond) row.cond = e.cond;
      return row;
    });
}

const out = {
  about:
    "Variables of nginx's own modules (name, source file, first release, removal, preprocessor condition; `changeable`: `set`, `map`, … may define it again), extracted by scripts/extract-variables.mjs from the release tags 1.0.0.." +
    last +
    " of nginx/nginx; a name without `since` exists in 1.0.0. Third-party modules' variables are in server/src/rules/variable-sources.ts, by hand.",
  source: { repo: "nginx/nginx", commit: head, tags: `${tags[0]}..${last}` },
  http: rows(table.http),
  stream: rows(table.stream),
};
const json = JSON.stringify(out, null, 1) + "\n";
if (output === "-") process.stdout.write(json);
else writeFileSync(output, json);
