// The documentation of a directive, built only from the directive table (server/data/directives.json,
// read off the ngx_command_t arrays of nginx and the modules): its syntax as the argument flags allow it,
// where it is allowed, which module registers it, since which release, how it gets into a binary. We have
// no documentation text, so nothing here describes what a directive *does*; a link goes to nginx.org for
// nginx's own modules and to the repository for the others.
//
// Plain markdown strings: hovers and completion items (lsp/) show them as they are.

import type { Directive, Node } from "../parse/ast";
import {
  enterBlock,
  isDirectiveContext,
  lookupDirective,
  moduleBuild,
  tableSources,
  variantAllowedIn,
  variantPresentIn,
  type ArgSpec,
  type ContextKind,
  type DirectiveContext,
  type DirectiveShape,
  type DirectiveVariant,
} from "../parse/directives";

/** A deployed version the documentation compares with (only nginx's own releases are numbered alike). */
export interface DeployedVersion {
  version: string;
  /** Where it comes from, for the reader: "the nginx version setting", "Dockerfile FROM nginx:1.24". */
  source: string;
}

export interface DocOptions {
  /** The context the directive is written in: the registrations allowed there are shown first. */
  context?: ContextKind;
  /** The deployed nginx, when known: a directive it does not have yet (or any more) is said so. */
  nginx?: DeployedVersion | null;
}

/** The words nginx's configuration contexts are known by (the table's names are nginx's NGX_*_CONF bits). */
const CONTEXT_WORDS: Readonly<Record<DirectiveContext | "any", string>> = {
  main: "main",
  events: "events",
  http: "http",
  server: "server",
  location: "location",
  if_in_server: "if in server",
  if_in_location: "if in location",
  limit_except: "limit_except",
  upstream: "upstream",
  stream: "stream",
  stream_server: "stream server",
  stream_upstream: "stream upstream",
  mail: "mail",
  mail_server: "mail server",
  any: "any context",
};

/** "http, server, location" */
export function contextWords(contexts: readonly (DirectiveContext | "any")[]): string {
  return contexts.map((c) => CONTEXT_WORDS[c]).join(", ");
}

function isFlag(args: ArgSpec): boolean {
  return args === "flag" || (Array.isArray(args) && args.includes("flag"));
}

/** Whether the directive takes exactly one word, `on` or `off` (NGX_CONF_FLAG). */
export function takesFlag(v: { args: ArgSpec }): boolean {
  return isFlag(v.args);
}

/**
 * The argument part of the syntax, from the count nginx enforces: `arg`, `arg [arg]`, `arg …`, `[arg]`.
 * `flag` is `on | off`. Each optional word nests in the previous one: take123 is `arg [arg [arg]]`.
 */
export function argumentShape(shape: DirectiveShape & { args: ArgSpec }): string {
  if (isFlag(shape.args) && shape.argcMin === 1 && shape.argcMax === 1) return "on | off";
  const words = (n: number): string[] => Array.from({ length: n }, () => "arg");
  if (shape.argcSet === null) {
    if (shape.argcMin === 0) return "[arg …]";
    return [...words(shape.argcMin - 1), "arg …"].join(" ");
  }
  const counts = [...shape.argcSet].sort((a, b) => a - b);
  let text = words(counts[0]).join(" ");
  let close = "";
  for (let i = 1; i < counts.length; i++) {
    const more = words(counts[i] - counts[i - 1]).join(" ");
    text += `${text === "" ? "" : " "}[${more}`;
    close += "]";
  }
  return text + close;
}

/** `proxy_pass arg;`, `daemon on | off;`, `location arg [arg] { … }`. */
export function syntaxOf(name: string, shape: DirectiveShape & { args: ArgSpec }): string {
  const args = argumentShape(shape);
  const head = args === "" ? name : `${name} ${args}`;
  return shape.block ? `${head} { … }` : `${head};`;
}

/** The product name of a source repository, for version labels: `nginx 1.25.1`, `lua-nginx-module 0.10.26`. */
function product(repo: string): string {
  return repo === "nginx/nginx" ? "nginx" : repo.slice(repo.indexOf("/") + 1);
}

function versionLabel(repo: string, version: string): string {
  return `${product(repo)} ${version}`;
}

// nginx.org documents a module on a page named after it, with one anchor per directive. The pages that
// differ from the C module name: filter modules drop `_filter`; the modules split out of another one are
// documented with it (ngx_http_upstream_*_module on the upstream page, ngx_http_try_files_module with the
// core module, the `http`/`stream`/`mail` blocks with their core module, `events` and its directives, the
// error log, `include`, PCRE, OpenSSL and thread pools with the main core module). Modules without a page
// (event methods' tuning, degradation, …) get no link rather than a guessed one.
const DOC_PAGES: Readonly<Record<string, string>> = {
  ngx_core_module: "ngx_core_module.html",
  ngx_conf_module: "ngx_core_module.html",
  ngx_errlog_module: "ngx_core_module.html",
  ngx_events_module: "ngx_core_module.html",
  ngx_event_core_module: "ngx_core_module.html",
  ngx_regex_module: "ngx_core_module.html",
  ngx_openssl_module: "ngx_core_module.html",
  ngx_thread_pool_module: "ngx_core_module.html",
  ngx_google_perftools_module: "ngx_google_perftools_module.html",
  ngx_http_module: "http/ngx_http_core_module.html",
  ngx_http_try_files_module: "http/ngx_http_core_module.html",
  ngx_http_copy_filter_module: "http/ngx_http_core_module.html",
  ngx_http_upstream_hash_module: "http/ngx_http_upstream_module.html",
  ngx_http_upstream_ip_hash_module: "http/ngx_http_upstream_module.html",
  ngx_http_upstream_keepalive_module: "http/ngx_http_upstream_module.html",
  ngx_http_upstream_least_conn_module: "http/ngx_http_upstream_module.html",
  ngx_http_upstream_random_module: "http/ngx_http_upstream_module.html",
  ngx_http_upstream_zone_module: "http/ngx_http_upstream_module.html",
  ngx_stream_module: "stream/ngx_stream_core_module.html",
  ngx_stream_upstream_hash_module: "stream/ngx_stream_upstream_module.html",
  ngx_stream_upstream_least_conn_module: "stream/ngx_stream_upstream_module.html",
  ngx_stream_upstream_random_module: "stream/ngx_stream_upstream_module.html",
  ngx_stream_upstream_zone_module: "stream/ngx_stream_upstream_module.html",
  ngx_mail_module: "mail/ngx_mail_core_module.html",
  ngx_quic_bpf_module: "http/ngx_http_v3_module.html",
};

/** Modules of nginx/nginx that nginx.org has no page for. */
const UNDOCUMENTED = new Set([
  "ngx_epoll_module",
  "ngx_kqueue_module",
  "ngx_devpoll_module",
  "ngx_eventport_module",
  "ngx_iocp_module",
  "ngx_http_degradation_module",
  "ngx_openssl_cache_module",
  "ngx_http_tunnel_module",
  "ngx_http_upstream_least_time_module",
  "ngx_http_upstream_sticky_module",
  "ngx_stream_upstream_least_time_module",
  "ngx_http_js_core_module",
  "ngx_stream_js_core_module",
]);

/** The page that documents `name` of `v`: nginx.org for nginx's modules and njs, the repository otherwise. */
export function docLink(name: string, v: DirectiveVariant): { title: string; url: string } | null {
  if (v.repo === "nginx/nginx" || v.repo === "nginx/njs") {
    if (UNDOCUMENTED.has(v.module) || v.removed !== null) return null;
    let page = DOC_PAGES[v.module];
    if (page === undefined) {
      const m = /^ngx_(http|stream|mail)_(.+?)(_filter)?_module$/.exec(v.module);
      if (!m) return null;
      page = `${m[1]}/ngx_${m[1]}_${m[2]}_module.html`;
    }
    return { title: `nginx.org: ${name}`, url: `https://nginx.org/en/docs/${page}#${name}` };
  }
  return { title: v.repo, url: `https://github.com/${v.repo}` };
}

// What the compile guards stand for, as the table's README explains them (caveat 4).
const GUARD_MEANINGS: Readonly<Record<string, string>> = {
  NGX_HTTP_SSL: "nginx built with `--with-http_ssl_module`",
  NGX_STREAM_SSL: "nginx built with `--with-stream_ssl_module`",
  NGX_HTTP_CACHE: "the HTTP cache, on unless `--without-http-cache`",
  NGX_SSL: "OpenSSL linked in",
  NGX_OPENSSL: "OpenSSL linked in",
  NGX_HTTP_GZIP: "gzip, gunzip or gzip_static built in",
  NGX_PCRE: "PCRE linked in",
  "defined(NDK) && NDK": "ngx_devel_kit built in",
  HAVE_LUA_PROXY_SSL: "OpenResty's proxy-SSL patch with OpenSSL ≥ 3.0.2",
};

function guardText(guard: string): string {
  const parts = guard.split(" && ");
  const known = parts.map((p) => GUARD_MEANINGS[p]).filter((m): m is string => m !== undefined);
  const meaning = GUARD_MEANINGS[guard] ?? (known.length > 0 ? known.join("; ") : null);
  return `only in binaries compiled with \`${guard}\`` + (meaning ? ` (${meaning})` : "");
}

function buildText(v: DirectiveVariant): string {
  const parts: string[] = [];
  if (v.repo === "nginx/nginx") {
    const build = moduleBuild(v.module);
    if (build) {
      const opts = build.options.map((o) => `\`${o}\``).join(", ");
      if (build.default === true) parts.push(`built by default` + (opts ? ` (configure switches: ${opts})` : ""));
      else if (build.default === false)
        parts.push(
          opts ? `not built by default: needs ${opts}` : "not built by default; no configure switch of its own",
        );
      else parts.push("built when the OS supports it");
    }
  } else {
    parts.push(`third-party module (${v.repo}): present only when compiled in or loaded with \`load_module\``);
  }
  if (v.guard) parts.push(guardText(v.guard));
  return parts.join("; ");
}

function sinceText(v: DirectiveVariant): string {
  const parts: string[] = [];
  if (v.since === null) parts.push(`${product(v.repo)}: only after the newest release scanned`);
  else parts.push(`since ${versionLabel(v.repo, v.since)}`);
  if (v.removed !== null) {
    parts.push(
      v.removed.startsWith("after ")
        ? `removed after ${versionLabel(v.repo, v.removed.slice("after ".length))}`
        : `removed in ${versionLabel(v.repo, v.removed)}`,
    );
  }
  if (v.ranges && v.ranges.length > 1)
    parts.push(`present in ${v.ranges.map(([a, b]) => (a === b ? a : `${a}–${b}`)).join(", ")}`);
  return parts.join(" · ");
}

function historyText(name: string, v: DirectiveVariant): string | null {
  const h = v.history;
  if (!h || h.length < 2) return null;
  const lines = h.map((item) => `- ${item.since}: \`${syntaxOf(name, item)}\` in ${contextWords(item.contexts)}`);
  return `Changes (${product(v.repo)}):\n${lines.join("\n")}`;
}

function deployedText(v: DirectiveVariant, nginx: DeployedVersion | null | undefined): string | null {
  if (!nginx || v.repo !== "nginx/nginx") return null;
  const present = variantPresentIn(v, nginx.version);
  if (present === null) return null;
  const which = `nginx ${nginx.version} (${nginx.source})`;
  if (present) return null;
  if (v.removed !== null && v.since !== null && variantPresentIn({ ...v, removed: null }, nginx.version))
    return `**Not in ${which}**: removed in ${v.removed}.`;
  return `**Not in ${which}**` + (v.since !== null ? `: it first appeared in ${v.since}.` : ".");
}

function bodyText(v: DirectiveVariant): string | null {
  if (!v.block) return null;
  switch (v.body) {
    case "lua":
      return "Its block holds Lua code.";
    case "custom":
      return "Its block holds the module's own lines (read by the directive's handler), not directives.";
    case "directives":
      return "Its block holds directives.";
    default:
      return null;
  }
}

/** One registration: syntax, contexts, module, versions, build. */
export function variantDoc(name: string, v: DirectiveVariant, options: DocOptions = {}): string {
  const out: string[] = [];
  const removed = v.removed !== null ? " · _removed_" : "";
  out.push(`**${name}** · \`${v.module}\`${removed}`);
  out.push("```nginx\n" + syntaxOf(name, v) + "\n```");
  const rows = [
    `Context: ${contextWords(v.contexts)}`,
    `Module: \`${v.module}\` (${v.repo})`,
    `Version: ${sinceText(v)}`,
    `Build: ${buildText(v)}`,
  ];
  out.push(rows.map((r) => `- ${r}`).join("\n"));
  const body = bodyText(v);
  if (body) out.push(body);
  const history = historyText(name, v);
  if (history) out.push(history);
  const deployed = deployedText(v, options.nginx);
  if (deployed) out.push(deployed);
  const link = docLink(name, v);
  if (link) out.push(`[${link.title}](${link.url})`);
  return out.join("\n\n");
}

/**
 * The registrations of `name` in the order a reader at `context` wants them: those nginx would accept
 * there first (current before removed), then the rest (current before removed). Stable otherwise.
 */
export function orderedVariants(name: string, context?: ContextKind): DirectiveVariant[] {
  const all = [...lookupDirective(name)];
  const ctx = context !== undefined && isDirectiveContext(context) ? context : null;
  const rank = (v: DirectiveVariant): number =>
    (ctx !== null && variantAllowedIn(v, ctx) ? 0 : 2) + (v.removed === null ? 0 : 1);
  return all
    .map((v, i) => ({ v, i }))
    .sort((a, b) => rank(a.v) - rank(b.v) || a.i - b.i)
    .map((x) => x.v);
}

/**
 * The registration nginx applies to `name` written in `context`, or null when none allows it there.
 * ngx_conf_handler (src/core/ngx_conf_file.c) walks cf->cycle->modules in order and runs the first command
 * of that name whose type fits the context, so one registration applies: the one present in the deployed
 * nginx (when known), a current one before a removed one, and nginx's own module before a third-party one
 * (nginx's modules come first in the module list; added modules follow).
 */
export function applicableVariant(
  name: string,
  context: ContextKind,
  nginx?: DeployedVersion | null,
): DirectiveVariant | null {
  if (!isDirectiveContext(context)) return null;
  const allowed = lookupDirective(name).filter((v) => variantAllowedIn(v, context));
  const rank = (v: DirectiveVariant): number[] => [
    nginx && v.repo === "nginx/nginx" && variantPresentIn(v, nginx.version) === false ? 1 : 0,
    v.removed === null ? 0 : 1,
    v.repo === "nginx/nginx" ? 0 : 1,
  ];
  /** Lexicographic: the first rank that differs decides; ties keep the table's order. */
  const before = (a: number[], b: number[]): boolean => {
    const i = a.findIndex((x, k) => x !== b[k]);
    return i >= 0 && a[i] < b[i];
  };
  let best: DirectiveVariant | null = null;
  let bestRank: number[] = [];
  for (const v of allowed) {
    const r = rank(v);
    if (best === null || before(r, bestRank)) {
      best = v;
      bestRank = r;
    }
  }
  return best;
}

/**
 * The documentation of directive `name`; null when the table does not know it. With a context where a
 * registration applies: that one only (`ssl_certificate` in a stream server is the stream module's, `server`
 * in an upstream is the upstream module's). Without one: every registration, those allowed there first.
 */
export function directiveDoc(name: string, options: DocOptions = {}): string | null {
  const variants = orderedVariants(name, options.context);
  if (variants.length === 0) return null;
  const ctx = options.context !== undefined && isDirectiveContext(options.context) ? options.context : null;
  if (ctx !== null) {
    const applies = applicableVariant(name, ctx, options.nginx);
    if (applies) return variantDoc(name, applies, options);
  }
  const sections = variants.map((v) => variantDoc(name, v, options));
  if (ctx !== null && !variants.some((v) => v.removed === null && variantAllowedIn(v, ctx)))
    sections.unshift(`_Not allowed in ${CONTEXT_WORDS[ctx]} by any current module registering \`${name}\`._`);
  return sections.join("\n\n---\n\n");
}

/** What a hover says on a name the table does not know: which sources were checked. */
export function unknownDirectiveDoc(name: string): string {
  const repos = tableSources().map((s) => `${s.repo} (to ${s.lastTag})`);
  return (
    `**${name}**: not in the directive table. Checked the ngx_command_t tables of ${repos.join(", ")}. ` +
    "It may come from a module not scanned (or NGINX Plus), or be misspelt."
  );
}

/** The context of the body of the blocks enclosing `target` in `nodes`, from `top` (for hovers). */
export function contextOfDirective(nodes: readonly Node[], target: Directive, top: ContextKind): ContextKind | null {
  // Depth-first over the blocks that span the target, in order; an explicit stack, since blocks nest deeper
  // than V8's stack.
  const stack: { nodes: readonly Node[]; index: number; context: ContextKind }[] = [{ nodes, index: 0, context: top }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.index >= frame.nodes.length) {
      stack.pop();
      continue;
    }
    const n = frame.nodes[frame.index++];
    if (n.kind !== "directive") continue;
    if (n === target) return frame.context;
    if (n.block && n.range.start.offset <= target.range.start.offset && target.range.end.offset <= n.range.end.offset)
      stack.push({ nodes: n.block.children, index: 0, context: enterBlock(frame.context, n.name) });
  }
  return null;
}

/**
 * What a hover on directive `d` (in the tree `nodes` whose top level is read in `top`) documents: the
 * table's registrations with the one for its context first, or that the table does not know the name.
 */
export function documentationFor(
  nodes: readonly Node[],
  d: Directive,
  top: ContextKind,
  nginx: DeployedVersion | null,
): string {
  const context = contextOfDirective(nodes, d, top) ?? undefined;
  return directiveDoc(d.name, { context, nginx }) ?? unknownDirectiveDoc(d.name);
}
