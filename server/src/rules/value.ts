// Rule `value`: each directive's argument values as its handler reads them, in nginx's words. nginx's standard
// setters (src/core/ngx_conf_file.c: ngx_conf_set_flag_slot, _num_, _size_, _off_, _msec_, _sec_, _bufs_,
// _enum_, _bitmask_slot and the post handlers their entries name), driven by the directive table's `handler`
// for every module in it; plus the own handlers of the directives people get wrong most (value-custom.ts).
// "is duplicate" is rule `duplicate`'s, not this one's.
//
// A setter's returned string is logged by ngx_conf_handler as `"NAME" directive STRING`; a setter that logs
// its own message returns NGX_CONF_ERROR and ngx_conf_handler adds nothing. Either way nginx names the line
// of the statement's last token; the finding sits on the argument it objects to.

import type { Directive } from "../parse/ast";
import {
  familyOf,
  isDirectiveContext,
  lookupDirective,
  variantPresentIn,
  type DirectiveVariant,
  type ModuleType,
} from "../parse/directives";
import { customCheck } from "./value-custom";
import { arg, asciiLower, atoi, err, parseOffset, parseSize, parseTime, type ValueProblem } from "./value-parse";

export type { ValueProblem } from "./value-parse";
import type { StatementCheck } from "./statement-checks";
import valuesJson from "../../data/values.json";

/** What scripts/vendor-values.mjs read from an ngx_command_t entry's `post` (server/data/values.json). */
interface ValuePost {
  repo: string;
  type: ModuleType | null;
  handler: string;
  file: string;
  enum?: string[];
  bitmask?: string[];
  /** Per word, the first nginx release that has it (null: none of the dated releases; absent: all of them). */
  since?: Record<string, string | null>;
  /** The setter before `handlerSince` (null: after the newest dated release). */
  oldHandler?: string;
  handlerSince?: string | null;
  bounds?: [number, number];
  deprecated?: string;
  post?: string;
}

const VALUES = valuesJson as unknown as { dated: string[]; directives: Record<string, ValuePost[]> };
const POSTS = VALUES.directives;
const NEWEST_DATED = VALUES.dated[VALUES.dated.length - 1];

/** The module family nginx reads each model context with (ngx_conf_handler skips other families' names). */
function fitsCount(v: DirectiveVariant, n: number): boolean {
  if (v.argcSet !== null) return v.argcSet.includes(n);
  return n >= v.argcMin && (v.argcMax === null || n <= v.argcMax);
}

/**
 * The registration nginx calls for `d` in a context of `family`, when its argument count passes: the one the
 * deployed version has, else the newest (a distribution's nginx may carry a backport: Debian's 1.22.1 has
 * `max_headers` of 1.29.8; a name nginx does not know at all fails as unknown on the same line anyway).
 */
function variantFor(d: Directive, family: ModuleType, version: string | undefined): DirectiveVariant | null {
  let fallback: DirectiveVariant | null = null;
  for (const v of lookupDirective(d.name)) {
    if (v.type !== family && v.type !== "conf") continue;
    if (version === undefined ? v.removed === null : variantPresentIn(v, version) !== false)
      return fitsCount(v, d.argCount) ? v : null;
    fallback ??= v;
  }
  return fallback !== null && fitsCount(fallback, d.argCount) ? fallback : null;
}

/**
 * The setter in force at `version`: vendor-values.mjs dates a setter that changed (stream and mail
 * `proxy_protocol` were read by ngx_conf_set_flag_slot before they became enums).
 */
function handlerAt(v: DirectiveVariant, post: ValuePost | undefined, version: string | undefined): string | undefined {
  if (version === undefined || post?.oldHandler === undefined) return v.handler;
  const since = post.handlerSince ?? null;
  const old = since === null ? compareVersion(version, NEWEST_DATED) <= 0 : compareVersion(version, since) < 0;
  return old ? post.oldHandler : v.handler;
}

function compareVersion(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** The entry's post data: same family and setter (or a setter it had), the module of the variant's. */
function postFor(name: string, v: DirectiveVariant): ValuePost | undefined {
  const posts = POSTS[name];
  if (posts === undefined) return undefined;
  return (
    posts.find((p) => p.type === v.type && p.handler === v.handler && p.file.includes(`/${v.module}.c`)) ??
    posts.find((p) => p.type === v.type && p.handler === v.handler)
  );
}

/** Whether `version`'s nginx has word `w` of a dated enum or bitmask (unknown version: yes). */
function wordIn(post: ValuePost, w: string, version: string | undefined): boolean {
  if (version === undefined || post.since === undefined || !(w in post.since)) return true;
  const since = post.since[w];
  return since !== null && compareVersion(version, since) >= 0;
}

/** The words of an enum or bitmask that `version`'s nginx has; all of them when it would have none (the directive is newer: rule `directive`'s). */
function wordsFor(post: ValuePost, words: string[], version: string | undefined): string[] {
  const kept = words.filter((w) => wordIn(post, w, version));
  return kept.length > 0 ? kept : words;
}

/**
 * The *_lowat_check post handlers and the name each puts in its warning: a Linux build has no SO_SNDLOWAT,
 * and they warn whatever the value (ngx_http_core_lowat_check and its copies in the proxy, fastcgi and lua
 * modules). A FreeBSD build checks the value against a sysctl instead; that is not modelled.
 */
const LOWAT_NAMES: Record<string, string> = {
  ngx_http_core_lowat_check: "send_lowat",
  ngx_http_proxy_lowat_check: "proxy_send_lowat",
  ngx_http_fastcgi_lowat_check: "fastcgi_send_lowat",
  ngx_http_lua_lowat_check: "lua_send_lowat",
  ngx_stream_lua_lowat_check: "lua_send_lowat",
  ngx_http_tunnel_lowat_check: "tunnel_send_lowat",
};

/** NGX_MIN_POOL_SIZE and NGX_POOL_ALIGNMENT on a 64-bit build (src/core/ngx_palloc.h). */
const MIN_POOL_SIZE = 112n;
const POOL_ALIGNMENT = 16n;

/** The post handlers of size and num entries (their messages: ngx_http_core_pool_size, ngx_http_gzip_window, …). */
function sizePost(name: string, post: string, v: bigint): ValueProblem | null {
  switch (post) {
    case "ngx_http_core_pool_size":
    case "ngx_http_v2_pool_size":
      if (v < MIN_POOL_SIZE) return err(0, "pool-size", `the pool size must be no less than ${MIN_POOL_SIZE}`);
      if (v % POOL_ALIGNMENT !== 0n)
        return err(0, "pool-size", `the pool size must be a multiple of ${POOL_ALIGNMENT}`);
      return null;
    case "ngx_http_gzip_window":
      for (let w = 32n * 1024n; w > 256n; w >>= 1n) if (w === v) return null;
      return err(0, "invalid-value", `"${name}" directive must be 512, 1k, 2k, 4k, 8k, 16k, or 32k`);
    case "ngx_http_gzip_hash":
      for (let w = 128n * 1024n; w > 256n; w >>= 1n) if (w === v) return null;
      return err(0, "invalid-value", `"${name}" directive must be 512, 1k, 2k, 4k, 8k, 16k, 32k, 64k, or 128k`);
    case "ngx_http_v2_chunk_size":
      return v === 0n ? err(0, "invalid-value", "the http2 chunk size cannot be zero") : null;
    case "ngx_http_v2_recv_buffer_size":
      return v <= 32n ? err(0, "invalid-value", `"${name}" directive value is too small`) : null;
    case "ngx_http_v2_preread_size":
      return v > 2147483647n ? err(0, "invalid-value", "the maximum body preread buffer size is 2147483647") : null;
    case "ngx_http_v2_streams_index_mask":
      return v === 0n || (v & (v - 1n)) !== 0n
        ? err(0, "invalid-value", `"${name}" directive must be a power of two`)
        : null;
    default:
      return null;
  }
}

/** What nginx's standard setter `handler` says of `d`'s arguments (none: it accepts them). */
export function standardCheck(
  d: Directive,
  handler: string,
  post: ValuePost | undefined,
  version: string | undefined,
): ValueProblem[] {
  const name = d.name;
  const invalid = (arg = 0): ValueProblem[] => [err(arg, "invalid-value", `"${name}" directive invalid value`)];
  switch (handler) {
    case "ngx_conf_set_flag_slot": {
      const w = asciiLower(arg(d, 0));
      if (w === "on" || w === "off") return [];
      return [err(0, "invalid-flag", `invalid value "${arg(d, 0)}" in "${name}" directive, it must be "on" or "off"`)];
    }
    case "ngx_conf_set_num_slot": {
      const v = atoi(arg(d, 0));
      if (v === null) return [err(0, "invalid-number", `"${name}" directive invalid number`)];
      if (post?.bounds) {
        const [low, high] = post.bounds;
        if (high === -1) {
          if (v < BigInt(low)) return [err(0, "out-of-bounds", `value must be equal to or greater than ${low}`)];
        } else if (v < BigInt(low) || v > BigInt(high))
          return [err(0, "out-of-bounds", `value must be between ${low} and ${high}`)];
      }
      const p = post?.post ? sizePost(name, post.post, v) : null;
      return p ? [p] : [];
    }
    case "ngx_conf_set_size_slot":
    case "ngx_conf_set_off_slot": {
      const v = handler === "ngx_conf_set_size_slot" ? parseSize(arg(d, 0)) : parseOffset(arg(d, 0));
      if (v === null) return invalid();
      const p = post?.post ? sizePost(name, post.post, v) : null;
      return p ? [p] : [];
    }
    case "ngx_http_set_complex_value_size_slot":
    case "ngx_stream_set_complex_value_size_slot":
      // A value with variables is read per request (src/http/ngx_http_script.c); else as a size.
      return arg(d, 0).includes("$") || parseSize(arg(d, 0)) !== null ? [] : invalid();
    case "ngx_conf_set_msec_slot":
    case "ngx_conf_set_sec_slot":
      return parseTime(arg(d, 0), handler === "ngx_conf_set_sec_slot") === null ? invalid() : [];
    case "ngx_conf_set_bufs_slot": {
      if (d.argCount < 2) return [];
      const n = atoi(arg(d, 0));
      if (n === null || n === 0n) return invalid(0);
      const size = parseSize(arg(d, 1));
      if (size === null || size === 0n) return invalid(1);
      return [];
    }
    case "ngx_conf_set_enum_slot": {
      if (!post?.enum) return [];
      const w = asciiLower(arg(d, 0));
      const words = wordsFor(post, post.enum, version);
      if (words.some((e) => asciiLower(e) === w)) return [];
      return [err(0, "invalid-value", `invalid value "${arg(d, 0)}"`)];
    }
    case "ngx_conf_set_bitmask_slot": {
      if (!post?.bitmask) return [];
      const words = wordsFor(post, post.bitmask, version).map(asciiLower);
      const out: ValueProblem[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < d.argCount; i++) {
        const w = asciiLower(arg(d, i));
        if (!words.includes(w)) {
          out.push(err(i, "invalid-value", `invalid value "${arg(d, i)}"`));
          return out;
        }
        // Words that share a bit (none in nginx's arrays today) would warn too; equal words do.
        if (seen.has(w))
          out.push({ arg: i, severity: "warning", code: "duplicate-value", message: `duplicate value "${arg(d, i)}"` });
        seen.add(w);
      }
      return out;
    }
    default:
      return [];
  }
}

/** The setter and its post data for a statement shape, per version (the table's lookups once per shape). */
interface Reader {
  handler: string;
  post: ValuePost | undefined;
}
// Per version and family, per directive name, per argument count: no key text made per statement (a cold
// check asks for every statement of the workspace).
const readers = new Map<string | undefined, Map<ModuleType, Map<string, (Reader | null | undefined)[]>>>();
let readerShapes = 0;

function readerFor(d: Directive, family: ModuleType, version: string | undefined): Reader | null {
  let byFamily = readers.get(version);
  if (byFamily === undefined) readers.set(version, (byFamily = new Map()));
  let byName = byFamily.get(family);
  if (byName === undefined) byFamily.set(family, (byName = new Map()));
  let byCount = byName.get(d.name);
  if (byCount === undefined) byName.set(d.name, (byCount = []));
  const n = d.argCount;
  let r = byCount[n];
  if (r === undefined) {
    const v = variantFor(d, family, version);
    const post = v === null ? undefined : postFor(d.name, v);
    const handler = v === null ? undefined : handlerAt(v, post, version);
    r = handler === undefined || !STANDARD.has(handler) ? null : { handler, post };
    if (++readerShapes > 20_000) {
      readers.clear();
      readerShapes = 0;
    }
    byCount[n] = r;
  }
  return r;
}

/** The setters standardCheck reads (ngx_conf_set_str_slot and the like accept any word). */
const STANDARD = new Set([
  "ngx_conf_set_flag_slot",
  "ngx_conf_set_num_slot",
  "ngx_conf_set_size_slot",
  "ngx_conf_set_off_slot",
  "ngx_conf_set_msec_slot",
  "ngx_conf_set_sec_slot",
  "ngx_conf_set_bufs_slot",
  "ngx_conf_set_enum_slot",
  "ngx_conf_set_bitmask_slot",
  "ngx_http_set_complex_value_size_slot",
  "ngx_stream_set_complex_value_size_slot",
]);

/** Every value problem of one statement in a context of `family`. */
export function valueProblems(d: Directive, family: ModuleType, version: string | undefined): ValueProblem[] {
  const custom = customCheck(d, family, version);
  if (custom !== undefined) return custom;
  const r = readerFor(d, family, version);
  if (r === null) return [];
  const post = r.post;
  const problems = standardCheck(d, r.handler, post, version);
  if (problems.some((p) => p.severity === "error")) return problems;
  // The post handlers that only warn, once the value is read (ngx_conf_deprecated, the *_lowat_check ones).
  if (post?.deprecated !== undefined)
    problems.push({
      arg: -1,
      severity: "warning",
      code: "deprecated",
      message: `the "${d.name}" directive is deprecated, use the "${post.deprecated}" directive instead`,
    });
  const lowat = post?.post === undefined ? undefined : LOWAT_NAMES[post.post];
  if (lowat !== undefined)
    problems.push({
      arg: 0,
      severity: "warning",
      code: "not-supported",
      message: `"${lowat}" is not supported, ignored`,
    });
  return problems;
}

/** The rule, as a check of each statement (statement-checks.ts: kept per unchanged block). */
export const valueCheck: StatementCheck = {
  ruleId: "value",
  statement(d, context, parents, options, out) {
    if (context === "custom") {
      // A line of a `map` body (ngx_http_map / ngx_stream_map): a key and a value, or `hostnames` / `volatile`.
      const parent = parents.length > 0 ? parents[parents.length - 1] : null;
      if (parent === null || parent.name !== "map" || d.block) return;
      const keyword = d.argCount === 0 && (d.name === "hostnames" || d.name === "volatile");
      if (!keyword && d.argCount !== 1)
        out.push({
          ruleId: "value",
          code: "map-parameters",
          severity: "error",
          message: "invalid number of the map parameters",
          d,
        });
      return;
    }
    // The module family nginx reads the block with (ngx_conf_handler); bodies that are not directives: none.
    if (!isDirectiveContext(context) || (d.block && d.name !== "if")) return;
    const family = familyOf(context);
    for (const p of valueProblems(d, family, options.nginxVersion))
      out.push({ ruleId: "value", code: p.code, severity: p.severity, message: p.message, d, word: p.arg });
  },
};
