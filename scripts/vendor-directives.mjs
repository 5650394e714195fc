// Vendors the directive table: reads the full extraction (../shared/data/nginx-directives.json, see its
// README) and writes the compact table the product ships, server/data/directives.json.
//
//   node scripts/vendor-directives.mjs [input.json] [output.json | -]
//
// The output is committed: the extension, the language server and the CLI must not need ../shared at run
// time. It is deterministic (names, variants and keys sorted, no timestamps) so that re-running the script
// on the same input gives the same bytes, which a test checks.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const defaultInput = resolve(repoRoot, "../shared/data/nginx-directives.json");
const defaultOutput = resolve(repoRoot, "server/data/directives.json");

// ngx_module_t.type → the family nginx matches against cf->module_type in ngx_conf_handler()
// (src/core/ngx_conf_file.c). NGX_CONF_MODULE (only `include`) is kept apart because nginx lets it through
// whatever the current family is.
const MODULE_TYPES = {
  NGX_CORE_MODULE: "core",
  NGX_CONF_MODULE: "conf",
  NGX_EVENT_MODULE: "event",
  NGX_HTTP_MODULE: "http",
  NGX_STREAM_MODULE: "stream",
  NGX_MAIL_MODULE: "mail",
};

const CONTEXTS = new Set([
  "main",
  "events",
  "http",
  "server",
  "location",
  "upstream",
  "if_in_server",
  "if_in_location",
  "limit_except",
  "stream",
  "stream_server",
  "stream_upstream",
  "mail",
  "mail_server",
  "any",
]);

const BODIES = new Set(["directives", "custom", "lua", "unknown"]);

// The TAKE bits of the argument flags, by the count each one admits (NGX_CONF_NOARGS = 0 … NGX_CONF_TAKE7).
const TAKE_COUNTS = {
  noargs: [0],
  take1: [1],
  take2: [2],
  take3: [3],
  take4: [4],
  take5: [5],
  take6: [6],
  take7: [7],
  take12: [1, 2],
  take13: [1, 3],
  take23: [2, 3],
  take123: [1, 2, 3],
  take1234: [1, 2, 3, 4],
};

/**
 * The argument count nginx enforces for a flag set. ngx_conf_handler() tests, in this order, NGX_CONF_ANY
 * (no check), NGX_CONF_FLAG (exactly one), NGX_CONF_1MORE, NGX_CONF_2MORE and only then the TAKE bits, so
 * a higher-priority flag hides the others (`noargs|1more` still needs one argument).
 */
function argCount(args) {
  const specs = Array.isArray(args) ? args : [args];
  if (specs.includes("any")) return { argcMin: 0, argcMax: null, argcSet: null };
  if (specs.includes("flag")) return { argcMin: 1, argcMax: 1, argcSet: [1] };
  if (specs.includes("1more")) return { argcMin: 1, argcMax: null, argcSet: null };
  if (specs.includes("2more")) return { argcMin: 2, argcMax: null, argcSet: null };
  const counts = new Set();
  for (const s of specs) {
    const c = TAKE_COUNTS[s];
    if (!c) throw new Error(`unknown argument spec ${JSON.stringify(s)}`);
    for (const n of c) counts.add(n);
  }
  const set = [...counts].sort((a, b) => a - b);
  return { argcMin: set[0], argcMax: set[set.length - 1], argcSet: set };
}

function sameJson(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function checkContexts(where, contexts) {
  for (const c of contexts) if (!CONTEXTS.has(c)) throw new Error(`${where}: unknown context ${JSON.stringify(c)}`);
}

function compactVariant(d) {
  const where = `${d.name} (${d.module})`;
  const type = MODULE_TYPES[d.module_type];
  if (!type) throw new Error(`${where}: unknown module type ${d.module_type}`);
  checkContexts(where, d.contexts);
  if (d.body !== null && !BODIES.has(d.body)) throw new Error(`${where}: unknown body ${d.body}`);
  const argc = argCount(d.args);
  // Our reading of the flags must agree with the extractor's, which worked the counts out independently.
  const theirs = { argcMin: d.argc_min, argcMax: d.argc_max, argcSet: d.argc_set };
  if (!sameJson(argc, theirs)) {
    throw new Error(
      `${where}: argument count ${JSON.stringify(argc)} differs from the table's ${JSON.stringify(theirs)}`,
    );
  }
  const v = {
    module: d.module,
    repo: d.repo,
    type,
    contexts: d.contexts,
    block: d.block,
    body: d.block ? d.body : null,
    ...argc,
    // As written in the source (`flag`, `take12`, …): the counts above lose what hovers and completion show
    // (`flag` takes `on | off`, `take1` one word).
    args: d.args,
    since: d.since,
    removed: d.removed,
  };
  // The C setter the entry names (`ngx_conf_set_flag_slot`, …) and the configuration level its value is
  // stored at (`http_loc`, …): the value checks of nginx's standard setters and their "is duplicate" are
  // judged from them (rules/value.ts, rules/duplicate.ts).
  if (d.handler) v.handler = d.handler;
  if (d.conf) v.conf = d.conf;
  // The `#if` around the entry: the directive exists only in binaries built with it.
  if (d.guard) v.guard = d.guard;
  if (d.ranges) v.ranges = d.ranges;
  if (d.history) {
    v.history = d.history.map((h) => {
      checkContexts(`${where} history ${h.since}`, h.contexts);
      return { since: h.since, contexts: h.contexts, block: h.block, args: h.args, ...argCount(h.args) };
    });
  }
  return v;
}

function byString(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Current variants first, then by module: a stable order that does not depend on the input's order. */
function compareVariants(a, b) {
  return (
    (a.removed === null ? 0 : 1) - (b.removed === null ? 0 : 1) ||
    byString(a.module, b.module) ||
    byString(String(a.since), String(b.since))
  );
}

/** JSON with keys sorted at every level. */
function sortedJson(value) {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort(byString);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function vendorDirectives(source) {
  const byName = new Map();
  for (const d of source.directives) {
    if (!byName.has(d.name)) byName.set(d.name, []);
    byName.get(d.name).push(compactVariant(d));
  }
  const names = [...byName.keys()].sort(byString);
  // How nginx's own modules are built (auto/options, auto/modules), once per module: the same for all its
  // directives. `default` null: the OS decides (epoll, kqueue, …).
  const builds = {};
  for (const d of source.directives) {
    if (d.build) builds[d.module] = { default: d.build.default, options: d.build.options };
  }
  const sources = source.sources
    .map((s) => ({ repo: s.repo, commit: s.commit, lastTag: s.last_tag }))
    .sort((a, b) => byString(a.repo, b.repo));
  // One variant per line keeps diffs of a re-vendored table readable.
  const lines = [
    "{",
    `"about":${JSON.stringify("Generated by scripts/vendor-directives.mjs from nginx-directives.json; do not edit.")},`,
    `"sources":${sortedJson(sources)},`,
    `"builds":${sortedJson(builds)},`,
    `"directives":{`,
  ];
  names.forEach((name, i) => {
    const variants = byName.get(name).sort(compareVariants);
    lines.push(`${JSON.stringify(name)}:[`);
    variants.forEach((v, j) => lines.push(sortedJson(v) + (j < variants.length - 1 ? "," : "")));
    lines.push(i < names.length - 1 ? "]," : "]");
  });
  lines.push("}", "}", "");
  return lines.join("\n");
}

function main() {
  const input = process.argv[2] ? resolve(process.argv[2]) : defaultInput;
  const output = process.argv[3] ?? defaultOutput;
  const text = vendorDirectives(JSON.parse(readFileSync(input, "utf8")));
  if (output === "-") process.stdout.write(text);
  else writeFileSync(resolve(output), text);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
