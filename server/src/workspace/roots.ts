// Which configuration a file belongs to. An editor opens `sites-enabled/example.com`, but nginx never
// reads that file on its own: it reads nginx.conf, whose `include sites-enabled/*;` sits inside
// `http { }`. To analyse the file right we find the main file(s) ("roots") whose expansion reaches it
// and use the contexts it lands in. Only when no main file includes it do we guess a context from its
// first directives, and say so with a hint.

import * as path from "path";
import type { Directive, Node, ParsedFile, Range } from "../parse/ast";
import { type ConfigDiagnostic, type Configuration, type FileInstance } from "./configuration";
import { classificationOf } from "./file-index";
import { NodeFileSource, ParseCache, normalizePath, type FileSource } from "./files";
import { scanFolder, type ScanLimit } from "./folder-scan";
import { confPrefixOf } from "./includes";
import { loadWithInference, type MappingInference } from "./infer-mappings";
import { normalizeMappings, unmapPath, withDefaultMappings, type PathMapping } from "./paths";

export interface CandidateScanOptions {
  source?: FileSource;
  /** Stop after this many candidates (a workspace may be a whole monorepo); reaching it is told to `onLimit`. */
  maxFiles?: number;
  maxDepth?: number;
  /** Told when the scan stopped at a limit: the main files found may not be all. */
  onLimit?: (limit: ScanLimit) => void;
}

/** Candidate files a folder scan accepts by default (`--max-files`, `nginxRisk.maxFiles`). */
export const DEFAULT_MAX_CANDIDATES = 2000;
/** Entries looked at per candidate allowed: 200,000 for the default, a large repository with few configs. */
const ENTRIES_PER_CANDIDATE = 100;

const SKIPPED_DIRS = new Set(["node_modules", ".git", ".hg", ".svn"]);
/** Folders whose files are configuration whatever their names (Debian's layout, nginx.org packages). */
const CONFIG_DIRS = /^(sites-[a-z]+|conf\.d)$/;

function isCandidateName(name: string, dir: string): boolean {
  if (name === "nginx.conf" || name.endsWith(".conf") || name.endsWith(".nginx")) return true;
  return CONFIG_DIRS.test(path.posix.basename(dir));
}

/**
 * Files in `folder` that may be nginx configuration: nginx.conf, *.conf, *.nginx, and anything under
 * sites-*\/ or conf.d/. Breadth-first, sorted, bounded (folder-scan.ts: each real folder once, regular
 * files only); skips node_modules and VCS folders.
 */
export function findCandidateFiles(folder: string, options: CandidateScanOptions = {}): string[] {
  const maxFiles = options.maxFiles ?? DEFAULT_MAX_CANDIDATES;
  const scan = scanFolder(folder, {
    source: options.source ?? new NodeFileSource(),
    maxFiles,
    maxEntries: maxFiles * ENTRIES_PER_CANDIDATE,
    maxDepth: options.maxDepth ?? 10,
    skipDirectory: (name) => SKIPPED_DIRS.has(name),
    accept: (_file, name, dir) => isCandidateName(name, dir),
  });
  if (scan.limit) options.onLimit?.(scan.limit);
  return scan.files;
}

/** Top-level directives that exist only in nginx's main context (or are its blocks). */
const MAIN_HINTS = new Set([
  "events",
  "http",
  "stream",
  "mail",
  "worker_processes",
  "user",
  "pid",
  "load_module",
  "worker_rlimit_nofile",
  "env",
  "daemon",
  "master_process",
  "working_directory",
  "thread_pool",
  "pcre_jit",
  "lock_file",
  "worker_cpu_affinity",
  "worker_priority",
  "timer_resolution",
  "worker_shutdown_timeout",
  "ssl_engine",
]);
const EVENTS_HINTS = new Set(["worker_connections", "multi_accept", "accept_mutex", "accept_mutex_delay", "use"]);
/** Blocks and directives written directly in http { } (some also exist in stream, see streamLike). */
const HTTP_HINTS = new Set([
  "server",
  "upstream",
  "map",
  "geo",
  "split_clients",
  "log_format",
  "limit_req_zone",
  "limit_conn_zone",
  "proxy_cache_path",
  "fastcgi_cache_path",
  "uwsgi_cache_path",
  "scgi_cache_path",
  "types",
  "lua_shared_dict",
  "lua_package_path",
  "lua_package_cpath",
  "init_by_lua_block",
  "init_worker_by_lua_block",
  "init_by_lua_file",
  "server_names_hash_bucket_size",
  "server_names_hash_max_size",
  "variables_hash_max_size",
  "map_hash_bucket_size",
]);
const SERVER_HINTS = new Set(["location", "listen", "server_name", "ssl_certificate", "ssl_certificate_key"]);
const LOCATION_HINTS = new Set([
  "proxy_pass",
  "fastcgi_pass",
  "uwsgi_pass",
  "scgi_pass",
  "grpc_pass",
  "memcached_pass",
  "alias",
  "internal",
  "limit_except",
  "content_by_lua_block",
  "content_by_lua_file",
  "access_by_lua_block",
  "rewrite_by_lua_block",
]);
/** Directives that exist in http but not in stream: a server using any of them is an http server. */
const HTTP_ONLY = new Set([
  "location",
  "server_name",
  "root",
  "index",
  "try_files",
  "add_header",
  "proxy_set_header",
  "rewrite",
  "error_page",
  "fastcgi_pass",
  "client_max_body_size",
  "autoindex",
  "expires",
]);

export interface ContextGuess {
  /** Enclosing block names to analyse the file in: `[]` (main), `["http"]`, `["http", "server"]`, … */
  context: string[];
  /** Other contexts that fit as well; the first guess is preferred (e.g. `[["stream"]]`). */
  alternatives: string[][];
  /** Why: the directive the guess rests on, for the hint message. */
  reason: string;
  /** Range of that directive's name (start of file when there is none). */
  range: Range;
}

const FILE_START: Range = { start: { line: 0, character: 0, offset: 0 }, end: { line: 0, character: 0, offset: 0 } };

function topDirectives(parsed: ParsedFile): Directive[] {
  return parsed.children.filter((n): n is Directive => n.kind === "directive");
}

/**
 * A server that passes traffic straight from `server` (no location) and uses nothing http-only looks
 * like a stream server: in http, proxy_pass is allowed only in location/if/limit_except
 * (ngx_http_proxy_module.c, NGX_HTTP_LOC_CONF|NGX_HTTP_LIF_CONF), in stream only in server.
 */
function streamLike(directives: Directive[]): boolean {
  let passes = false;
  // Every directive at any depth (an explicit stack: blocks nest deeper than V8's stack).
  const stack: Node[][] = [directives];
  for (let list = stack.pop(); list !== undefined; list = stack.pop()) {
    for (const d of list) {
      if (d.kind !== "directive") continue;
      if (HTTP_ONLY.has(d.name)) return false;
      if (d.name === "proxy_pass") passes = true;
      if (d.name === "listen" && d.args.some((a) => a.value === "udp")) passes = true;
      if (d.name === "ssl_preread") passes = true;
      if (d.block) stack.push(d.block.children);
    }
  }
  return passes;
}

/**
 * guessContext's answers, once per tree (a tree is never changed in place: file-index.ts). The graph asks
 * it of every candidate on every new graph, and a `server` file's guess walks all of the server's
 * statements (streamLike).
 */
const guessMemo = new WeakMap<ParsedFile, ContextGuess>();

/** Guesses where a file's directives belong from its top-level directives (the first that decides wins). */
export function guessContext(parsed: ParsedFile): ContextGuess {
  let guess = guessMemo.get(parsed);
  if (guess === undefined) guessMemo.set(parsed, (guess = guessOnce(parsed)));
  return guess;
}

function guessOnce(parsed: ParsedFile): ContextGuess {
  const top = topDirectives(parsed);
  const pick = (hints: Set<string>): Directive | undefined => top.find((d) => hints.has(d.name));
  const main = pick(MAIN_HINTS);
  if (main) return { context: [], alternatives: [], reason: main.name, range: main.nameWord.range };
  const events = pick(EVENTS_HINTS);
  if (events && !pick(HTTP_HINTS) && !pick(SERVER_HINTS))
    return { context: ["events"], alternatives: [], reason: events.name, range: events.nameWord.range };
  const http = pick(HTTP_HINTS);
  if (http) {
    const servers = top.filter((d) => d.name === "server" && d.block);
    const stream =
      servers.length > 0 &&
      servers.every((s) => streamLike(s.block!.children.filter((n): n is Directive => n.kind === "directive")));
    return {
      context: ["http"],
      alternatives: stream ? [["stream"]] : [],
      reason: http.name,
      range: http.nameWord.range,
    };
  }
  const server = pick(SERVER_HINTS);
  if (server) {
    return {
      context: ["http", "server"],
      alternatives: streamLike(top) ? [["stream", "server"]] : [],
      reason: server.name,
      range: server.nameWord.range,
    };
  }
  const location = pick(LOCATION_HINTS);
  if (location)
    return {
      context: ["http", "server", "location"],
      alternatives: [],
      reason: location.name,
      range: location.nameWord.range,
    };
  // Directives such as add_header or proxy_set_header fit http, server and location alike; http is
  // where a snippet of them is most often included.
  const first = top[0];
  return {
    context: ["http"],
    alternatives: [],
    reason: first ? first.name : "",
    range: first ? first.nameWord.range : FILE_START,
  };
}

function describeContext(context: readonly string[]): string {
  if (context.length === 0) return "a main configuration file";
  return "if inside " + context.map((c) => `${c} {`).join(" ") + " " + context.map(() => "}").join(" ");
}

/** The hint shown on a file that no main file includes. */
export function guessedContextDiagnostic(file: string, guess: ContextGuess): ConfigDiagnostic {
  const why = guess.reason ? ` (from its \`${guess.reason}\`)` : "";
  const alt = guess.alternatives.length
    ? `; it could also belong ${guess.alternatives.map((a) => "in " + a.map((c) => `${c} { }`).join(" ")).join(" or ")}`
    : "";
  return {
    path: normalizePath(file),
    range: guess.range,
    message: `No nginx.conf includes this file; analysed as ${describeContext(guess.context)}${why}${alt}`,
    severity: "hint",
    code: "guessed-context",
  };
}

export interface GraphOptions {
  source?: FileSource;
  /** The user's mappings; each nginx.conf root adds its own `/etc/nginx` default. */
  mappings?: readonly PathMapping[];
  cache?: ParseCache;
  /** The workspace folders mappings may be inferred into (infer-mappings.ts); none: no inference. */
  inference?: MappingInference;
}

export interface IncludeGraph {
  candidates: string[];
  /** Main files: candidates no other configuration includes, nginx.conf first. */
  roots: string[];
  /** The expanded configuration of each root. */
  configurations: Map<string, Configuration>;
  /** Direct include edges between files (workspace paths), over all roots' configurations. */
  includes: Map<string, Set<string>>;
  includedBy: Map<string, Set<string>>;
  /** Roots that do not look like main files, with the context they were loaded in (see guessContext). */
  guesses: Map<string, ContextGuess>;
  /** The nginx.conf whose conf prefix and mappings orphans are read with, if any. */
  primary: string | null;
  source: FileSource;
  cache: ParseCache;
  mappings: PathMapping[];
  inference: MappingInference | null;
}

/** How nginx would resolve the includes of `file` read as a main file, given the workspace's primary nginx.conf. */
function rootOptions(file: string, primary: string | null, user: readonly PathMapping[]) {
  if (path.posix.basename(file) === "nginx.conf") {
    return { mappings: withDefaultMappings(user, file), confPrefix: undefined as string | undefined };
  }
  if (primary) {
    // A snippet of the primary configuration's folder: its relative includes are relative to *that*
    // conf prefix (ngx_conf_full_name uses cycle->conf_prefix, not the including file's folder).
    const mappings = withDefaultMappings(user, primary);
    return { mappings, confPrefix: confPrefixOf(unmapPath(primary, mappings)) };
  }
  return { mappings: normalizeMappings(user), confPrefix: undefined as string | undefined };
}

function depthOf(p: string): number {
  return p.split("/").length;
}

/**
 * Loads every candidate that no earlier-loaded configuration reached as a main file, in an order that
 * makes real main files come first (nginx.conf, then files with main-only directives, then the rest),
 * and keeps as roots those that no other configuration reaches.
 */
export function buildIncludeGraph(candidates: readonly string[], options: GraphOptions = {}): IncludeGraph {
  const source = options.source ?? new NodeFileSource();
  const cache = options.cache ?? new ParseCache();
  const user = normalizeMappings(options.mappings ?? []);
  const files = candidates.map(normalizePath);
  const guesses = new Map<string, ContextGuess>();
  const rank = (p: string): number => {
    if (path.posix.basename(p) === "nginx.conf") return 0;
    const loaded = source.load(p);
    if (!loaded) return 2;
    const parsed = cache.get(p, loaded);
    // Not configuration (and not opened): no main file, and no guess, which would name its first word.
    if (!source.isOpened?.(p) && !classificationOf(parsed, false).configuration) return 2;
    const guess = guessContext(parsed);
    if (guess.context.length === 0) return 1;
    guesses.set(p, guess);
    return 2;
  };
  const ranked = files.map((p) => ({ p, r: rank(p), d: depthOf(p) }));
  ranked.sort((a, b) => a.r - b.r || a.d - b.d || (a.p < b.p ? -1 : a.p > b.p ? 1 : 0));
  const primary = ranked.find((x) => x.r === 0)?.p ?? null;

  // Keyed by real path: nginx reads sites-enabled/x, the candidate list also has the sites-available/x
  // it links to, and that one is not a root of its own.
  const real = (p: string): string => (source.realpath ? source.realpath(p) : p);
  const loaded = new Map<string, Configuration>();
  const loadedReal = new Set<string>();
  const reachedBy = new Map<string, Set<string>>();
  for (const { p } of ranked) {
    // A link to a main file already loaded (conf.d/loop.conf → ../nginx.conf) is that main file again.
    if (reachedBy.has(real(p)) || loadedReal.has(real(p))) continue;
    loadedReal.add(real(p));
    const { mappings, confPrefix } = rootOptions(p, primary, user);
    const rootContext = guesses.get(p)?.context;
    const config = loadWithInference(
      p,
      { source, cache, mappings, confPrefix, defaultMapping: false, rootContext },
      options.inference,
    );
    loaded.set(p, config);
    for (const f of config.instancesByPath.keys()) {
      // Reaching its own main file (through a link: conf.d/loop.conf → ../nginx.conf) is an include cycle
      // of that configuration, not another configuration including it: it stays a root.
      if (real(f) === real(p)) continue;
      let by = reachedBy.get(real(f));
      if (!by) reachedBy.set(real(f), (by = new Set()));
      by.add(p);
    }
  }
  // A file loaded as a root early (say a conf.d file with `worker_processes`) may be included by one
  // loaded later; then it is not a root.
  const roots = [...loaded.keys()].filter((p) => !reachedBy.has(real(p)));
  for (const p of guesses.keys()) if (!roots.includes(p)) guesses.delete(p);
  const configurations = new Map<string, Configuration>();
  for (const r of roots) configurations.set(r, loaded.get(r)!);

  const includes = new Map<string, Set<string>>();
  const includedBy = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, v: string): void => {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    s.add(v);
  };
  for (const config of configurations.values()) {
    for (const e of config.edges) {
      for (const t of e.to) {
        add(includes, e.from.path, t.path);
        add(includedBy, t.path, e.from.path);
      }
    }
  }
  return {
    candidates: files,
    roots,
    configurations,
    includes,
    includedBy,
    guesses,
    primary,
    source,
    cache,
    mappings: user,
    inference: options.inference ?? null,
  };
}

/** Main files whose configuration reaches `file` (the file itself when it is a main file). */
export function findRoots(graph: IncludeGraph, file: string): string[] {
  return rootsWithInstances(graph, file).map((r) => r.root);
}

function rootsWithInstances(graph: IncludeGraph, file: string): { root: string; instances: FileInstance[] }[] {
  const key = normalizePath(file);
  const realpath = graph.source.realpath?.bind(graph.source);
  const real = realpath ? realpath(key) : key;
  const out: { root: string; instances: FileInstance[] }[] = [];
  for (const [root, config] of graph.configurations) {
    let instances = config.instancesByPath.get(key) ?? [];
    if (instances.length === 0 && realpath) {
      // Debian: the editor shows sites-available/x, nginx reads it through the sites-enabled/x symlink.
      for (const [p, list] of config.instancesByPath) if (realpath(p) === real) instances = instances.concat(list);
    }
    if (instances.length > 0) out.push({ root, instances });
  }
  return out;
}

export interface FileAnalysis {
  file: string;
  /**
   * Configurations to analyse the file in: each main file that reaches it (instances give the contexts),
   * or, when none does, the file itself read in the guessed context.
   */
  configurations: { configuration: Configuration; instances: FileInstance[] }[];
  /** Set when no main file includes the file and it does not look like one itself. */
  guess: ContextGuess | null;
  /** The hint about the guess (empty otherwise). */
  diagnostics: ConfigDiagnostic[];
}

/**
 * How to analyse `file`: inside the configurations of the main files that include it (a sites-enabled
 * file lands in their `http { }`), else on its own in the guessed context.
 */
export function analysisFor(graph: IncludeGraph, file: string): FileAnalysis {
  const key = normalizePath(file);
  const found = rootsWithInstances(graph, key);
  if (found.length > 0) {
    const configurations = found.map(({ root, instances }) => ({
      configuration: graph.configurations.get(root)!,
      instances,
    }));
    // A snippet nobody includes is its own root, loaded in its guessed context.
    const guess = found.length === 1 && found[0].root === key ? (graph.guesses.get(key) ?? null) : null;
    return { file: key, configurations, guess, diagnostics: guess ? [guessedContextDiagnostic(key, guess)] : [] };
  }
  // Not among the candidates (say, `site.inc` opened in the editor): read it on its own.
  const loaded = graph.source.load(key);
  let parsed = loaded ? graph.cache.get(key, loaded) : null;
  // Its guess would name its first word: only for configuration, or a file the user opened.
  if (parsed && !graph.source.isOpened?.(key) && !classificationOf(parsed, false).configuration) parsed = null;
  const guess = parsed ? guessContext(parsed) : { context: ["http"], alternatives: [], reason: "", range: FILE_START };
  const isMain = guess.context.length === 0 || path.posix.basename(key) === "nginx.conf";
  const { mappings, confPrefix } = rootOptions(key, graph.primary, graph.mappings);
  const configuration = loadWithInference(
    key,
    {
      source: graph.source,
      cache: graph.cache,
      mappings,
      confPrefix,
      defaultMapping: false,
      rootContext: isMain ? [] : guess.context,
    },
    graph.inference,
  );
  return {
    file: key,
    configurations: [{ configuration, instances: [configuration.root] }],
    guess: isMain ? null : guess,
    diagnostics: isMain ? [] : [guessedContextDiagnostic(key, guess)],
  };
}
