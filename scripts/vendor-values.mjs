// Vendors what nginx's standard setters need besides the directive table (server/data/values.json): per
// directive, the `post` of its ngx_command_t entry as the setter reads it: the allowed words of
// ngx_conf_set_enum_slot (an ngx_conf_enum_t array), the bits of ngx_conf_set_bitmask_slot (ngx_conf_bitmask_t),
// the bounds of ngx_conf_check_num_bounds (ngx_conf_num_bounds_t), the names of other post handlers and of
// ngx_conf_deprecated. Read from the sources' git mirrors (the `fetch` tool's /work/.mirror/OWNER+NAME/repo):
//
//   node scripts/vendor-values.mjs [mirror-root] [output.json | -]
//
// Deterministic (sorted, no timestamps): re-running it on the same commits gives the same bytes.

import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const mirrorRoot = process.argv[2] ?? "/work/.mirror";
const output = process.argv[3] ?? resolve(repoRoot, "server/data/values.json");

// The repositories whose tables hold enum, bitmask or bounds posts (the directive table's other repositories
// use none of them except the few listed in docs/rules/value.md as not covered).
const REPOS = ["nginx/nginx", "openresty/lua-nginx-module", "openresty/stream-lua-nginx-module", "nginx/njs"];

const MODULE_TYPES = {
  NGX_CORE_MODULE: "core",
  NGX_CONF_MODULE: "conf",
  NGX_EVENT_MODULE: "event",
  NGX_HTTP_MODULE: "http",
  NGX_STREAM_MODULE: "stream",
  NGX_MAIL_MODULE: "mail",
};

const git = (dir, ...args) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/^\s*\/\/.*$/gm, " ");
}

/** The top-level, comma-separated fields between the braces that open at `open`; and where they end. */
function fieldsAt(text, open) {
  let depth = 0;
  let start = open + 1;
  const fields = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      continue;
    }
    if (c === "{" || c === "(") depth++;
    else if (c === "}" || c === ")") {
      depth--;
      if (depth === 0) {
        fields.push(text.slice(start, i).trim());
        return { fields, end: i };
      }
    } else if (c === "," && depth === 1) {
      fields.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return { fields, end: text.length };
}

function arraysOf(text, ctype) {
  const out = new Map();
  const re = new RegExp(`${ctype}\\s+(\\w+)\\s*\\[\\]\\s*=\\s*\\{`, "g");
  for (let m; (m = re.exec(text));) {
    const body = fieldsAt(text, m.index + m[0].length - 1);
    const names = [];
    for (const f of body.fields) {
      const s = /ngx_string\("((?:[^"\\]|\\.)*)"\)/.exec(f);
      if (s) names.push(s[1]);
    }
    out.set(m[1], names);
  }
  return out;
}

function extract(dir, repo, rev = "HEAD") {
  const commit = git(dir, "rev-parse", rev).trim();
  const files = git(dir, "grep", "-l", "-e", "ngx_command_t", "-e", "ngx_conf_enum_t", "-e", "ngx_conf_bitmask_t", rev)
    .split("\n")
    .map((f) => f.slice(rev.length + 1))
    .filter((f) => f.endsWith(".c") && !/(^|\/)(t|test|tests)\//.test(f));
  const entries = [];
  const texts = new Map();
  // Arrays are looked up across the repository's files: the upstream modules' `*_cache_methods` and
  // `*_ignore_headers` name ngx_http_upstream.c's arrays.
  const allEnums = new Map();
  const allMasks = new Map();
  for (const file of files) {
    const text = stripComments(git(dir, "show", `${rev}:${file}`));
    texts.set(file, text);
    for (const [k, v] of arraysOf(text, "ngx_conf_enum_t")) allEnums.set(k, v);
    for (const [k, v] of arraysOf(text, "ngx_conf_bitmask_t")) allMasks.set(k, v);
  }
  for (const [file, text] of texts) {
    if (!text.includes("ngx_command_t")) continue;
    const typeMatch = /ngx_module_t\s+\w+\s*=\s*\{[^;]*?\b(NGX_(?:CORE|CONF|EVENT|HTTP|STREAM|MAIL)_MODULE)\b/.exec(
      text,
    );
    const type = typeMatch ? MODULE_TYPES[typeMatch[1]] : null;
    const enums = allEnums;
    const masks = allMasks;
    const bounds = new Map();
    for (const m of text.matchAll(
      /ngx_conf_num_bounds_t\s+(\w+)\s*=\s*\{\s*ngx_conf_check_num_bounds\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*\}/g,
    ))
      bounds.set(m[1], [Number(m[2]), Number(m[3])]);
    const posts = new Map();
    for (const m of text.matchAll(/ngx_conf_post_t\s+(\w+)\s*=\s*\{\s*(\w+)\s*\}/g)) posts.set(m[1], m[2]);
    for (const m of text.matchAll(/ngx_conf_post_handler_pt\s+(\w+)\s*=\s*(\w+)\s*;/g)) posts.set(m[1], m[2]);
    const deprecated = new Map();
    for (const m of text.matchAll(
      /ngx_conf_deprecated_t\s+(\w+)\s*=\s*\{\s*ngx_conf_deprecated\s*,\s*"([^"]*)"\s*,\s*"([^"]*)"\s*\}/g,
    ))
      deprecated.set(m[1], m[3]);
    const cmdRe = /ngx_command_t\s+\w+\s*\[\]\s*=\s*\{/g;
    for (let m; (m = cmdRe.exec(text));) {
      const table = fieldsAt(text, m.index + m[0].length - 1);
      for (const f of table.fields) {
        if (!f.startsWith("{")) continue;
        const e = fieldsAt(f, 0).fields;
        const name = /^ngx_string\("([^"]*)"\)$/.exec(e[0] ?? "");
        if (!name || e.length < 6) continue;
        const handler = e[2];
        const post = e[5].replace(/^&/, "");
        const entry = { name: name[1], type, handler, file };
        if (enums.has(post)) entry.enum = enums.get(post);
        else if (masks.has(post)) entry.bitmask = masks.get(post);
        else if (bounds.has(post)) entry.bounds = bounds.get(post);
        else if (deprecated.has(post)) entry.deprecated = deprecated.get(post);
        else if (posts.has(post)) entry.post = posts.get(post);
        else if (post !== "NULL" && post !== "0" && /^ngx_conf_set_/.test(handler)) entry.postName = post;
        entries.push(entry);
      }
    }
  }
  return { repo, commit, entries };
}

// nginx's releases the words of its enums and bitmasks are dated by: a word gets `since` = the first of these
// that has it (absent: in all of them); the deployed version's nginx rejects a newer word (`proxy_http_version 2`).
const NGINX_RELEASES = ["1.18.0", "1.20.0", "1.22.1", "1.24.0", "1.26.0", "1.28.0"];

const sources = [];
const directives = {};
for (const repo of REPOS) {
  const dir = resolve(mirrorRoot, repo.replace("/", "+"), "repo");
  if (!existsSync(dir)) throw new Error(`no mirror of ${repo} at ${dir}`);
  const r = extract(dir, repo);
  if (repo === "nginx/nginx") dateWords(dir, r.entries);
  sources.push({ repo, commit: r.commit });
  for (const e of r.entries) {
    // Only what the directive table does not say already (it has each entry's handler).
    if (Object.keys(e).length <= 4) continue;
    const v = { repo, type: e.type, handler: e.handler, file: e.file };
    for (const k of [
      "enum",
      "bitmask",
      "since",
      "oldHandler",
      "handlerSince",
      "bounds",
      "deprecated",
      "post",
      "postName",
    ])
      if (e[k] !== undefined) v[k] = e[k];
    (directives[e.name] ??= []).push(v);
  }
}
/**
 * Dates the words of each enum and bitmask (`since`: word → first dated release that has it, null for none)
 * and the setter itself where it changed (`oldHandler` before `handlerSince`, the first dated release with
 * today's: stream `proxy_protocol` was a flag before it was an enum). Returns the entries of the old
 * releases whose setter changed and that have no data of their own, for the file to keep them.
 */
function dateWords(dir, entries) {
  const olds = NGINX_RELEASES.map((v) => {
    const byKey = new Map();
    for (const e of extract(dir, "nginx/nginx", `release-${v}`).entries)
      byKey.set(`${e.name} ${e.type} ${e.file}`, { words: new Set(e.enum ?? e.bitmask ?? []), handler: e.handler });
    return { v, byKey };
  });
  for (const e of entries) {
    // By file too: `keepalive_timeout` and `server` are each two http entries (core and upstream).
    const key = `${e.name} ${e.type} ${e.file}`;
    const words = e.enum ?? e.bitmask;
    if (words) {
      const since = {};
      for (const w of words) {
        const first = olds.find((o) => o.byKey.get(key)?.words.has(w));
        if (first === undefined) since[w] = null;
        else if (first !== olds[0]) since[w] = first.v;
      }
      if (Object.keys(since).length > 0) e.since = since;
    }
    const had = olds.filter((o) => o.byKey.has(key));
    const first = had.findIndex((o) => o.byKey.get(key).handler === e.handler);
    if (had.length > 0 && first !== 0) {
      e.oldHandler = had[first < 0 ? had.length - 1 : first - 1].byKey.get(key).handler;
      e.handlerSince = first < 0 ? null : had[first].v;
    }
  }
}

const sorted = {};
for (const name of Object.keys(directives).sort()) {
  const seen = new Set();
  sorted[name] = directives[name]
    .filter((v) => {
      const k = JSON.stringify(v);
      return seen.has(k) ? false : (seen.add(k), true);
    })
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}
const about =
  "What nginx's standard setters read from each ngx_command_t entry's post field (enum words, bitmask words, " +
  "num bounds, post handler names), extracted by scripts/vendor-values.mjs from the sources listed.";
const json = JSON.stringify({ about, sources, dated: NGINX_RELEASES, directives: sorted }, null, 1) + "\n";
if (output === "-") process.stdout.write(json);
else writeFileSync(output, json);
