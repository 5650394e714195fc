// Rule `side-effects`: what `nginx -t` and every reload do besides reading files. docs/rules/side-effects.md.
//
// - Host names resolved while the configuration is read (getaddrinfo through ngx_parse_url →
//   ngx_inet_resolve_host, src/core/ngx_inet.c): an upstream's `server` (ngx_http_upstream_server,
//   ngx_stream_upstream_server), a `*_pass`/stream `proxy_pass` naming no `upstream` block (the implicit
//   upstream is resolved by ngx_http_upstream_init_round_robin / ngx_stream_upstream_init_round_robin), a
//   `listen` host name (ngx_http_core_listen), `resolver` names (ngx_resolver_create), `set_real_ip_from`
//   names (ngx_http_realip_from), `syslog:server=` (ngx_syslog_parse_args), the mail `auth_http` host
//   (ngx_mail_auth_http). When DNS fails the reload fails: `host not found in upstream "X"` and its siblings.
//   A value with variables is resolved per request; an IP address is not resolved; `localhost` is (from
//   /etc/hosts, normally).
// - Listen sockets: ngx_init_cycle calls ngx_open_listening_sockets under -t too (src/core/ngx_cycle.c), which
//   binds every address and closes it again (src/core/ngx_connection.c). Under -t only EADDRINUSE is ignored
//   (a running nginx holds them): a held port passes the test and fails the start or the reload that needs a
//   new socket there; EACCES (a port below 1024 without root or CAP_NET_BIND_SERVICE) and EADDRNOTAVAIL (an
//   address the host does not have) fail the test itself. A `unix:` socket file is created and deleted again.
//   Addresses on a port that also has a wildcard listen share its socket unless `bind` (or an option that
//   implies it) asks for their own (ngx_http_optimize_servers → ngx_http_init_listening).

//
// A check of each statement (statement-checks.ts): what one statement says is read from it once and kept
// with its block while the block is unchanged; a keystroke re-reads the statements around the edit. Two
// judgements need the whole configuration and are made after the walk (`resolve`), over the facts of the
// few statements concerned: whether a `*_pass` names an `upstream` block (anywhere, before or after it), with
// the passes to one implicit upstream folded into one finding, and which addresses share a socket (servers
// without `listen` included). The rule walked every site of the model on every analysis before (30–70 ms on
// a 24,000-location configuration).

import type { Directive } from "../parse/ast";
import type { BlockFact, CheckSeed, CollectedFact, StatementCheck } from "./statement-checks";

export const RULE_ID = "side-effects";

const HTTP_PASS = ["proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass"];

/** `listen` parameters that make nginx bind the address itself (ngx_http_core_listen sets `bind` for them). */
const BINDS_ALONE =
  /^(bind|reuseport|deferred|setfib=|fastopen=|backlog=|rcvbuf=|sndbuf=|accept_filter=|ipv6only=|so_keepalive=)/i;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Whether `host` is an address (resolved by no one), not a name. */
function isAddress(host: string): boolean {
  return IPV4.test(host) || host.startsWith("[") || host === "*" || host.includes(":");
}

/** Host and port of `host:port`, `[v6]:port`, `host`. */
function splitHostPort(v: string): { host: string; port: string | null } {
  if (v.startsWith("[")) {
    const end = v.indexOf("]");
    const rest = v.slice(end + 1);
    return { host: v.slice(0, end + 1), port: rest.startsWith(":") ? rest.slice(1) : null };
  }
  const colon = v.lastIndexOf(":");
  if (colon < 0) return { host: v, port: null };
  return { host: v.slice(0, colon), port: v.slice(colon + 1) };
}

/** The host a `*_pass` URL names (scheme and URI dropped), or null (a variable, a unix socket). */
function passHost(v: string): string | null {
  if (v.includes("$")) return null;
  let rest = v.replace(/^[a-z]+:\/\//i, "");
  if (/^unix:/i.test(rest)) return null;
  const slash = rest.indexOf("/");
  if (slash >= 0) rest = rest.slice(0, slash);
  return splitHostPort(rest).host;
}

/** A host name a statement makes nginx resolve, whatever surrounds the statement. */
interface Lookup {
  arg: number;
  host: string;
  /** What names it (the finding's words), and nginx's error when the lookup fails. */
  what: string;
  nginxSays: string;
}

/**
 * What `collect` keeps of a statement (most statements give none). Kinds, in the order the findings are
 * made: an upstream's `server` name, the `*_pass` names, the lookups of a statement alone, then the sockets.
 */
type Fact =
  /** An `upstream` block's name, lower case (a `*_pass` to it is not resolved). */
  | { t: "upstream"; name: string }
  /**
   * A `server` statement: `head` when it has a block (a server of http, stream or mail where `within` says
   * so), `upstream` the name it makes nginx resolve when it is an upstream's server.
   */
  | { t: "server"; head: boolean; upstream: Lookup | null }
  /**
   * A `*_pass` to a host name: resolved unless an `upstream` has that name. `upstream`: the implicit upstream
   * it makes (scheme, host and port). Compacted per kept block (`compact`): the passes of one name to one
   * implicit upstream, `count` in all, the first MAX_SITES of them in `sites` (null: the fact's statement alone).
   */
  | {
      t: "pass";
      name: number;
      host: string;
      lower: string;
      upstream: string;
      count: number;
      sites: readonly Directive[] | null;
    }
  /** A `listen`: the host name it resolves, and the block it is directly in (its server). */
  | { t: "listen"; lookup: Lookup | null; owner: Directive | null }
  /** A lookup of the statement alone: `resolver`, `set_real_ip_from`, syslog logs, mail `auth_http`. */
  | { t: "lookup"; order: number; lookup: Lookup };

/** The lookups of a statement alone, in the order the rule reports them (before: one list per name). */
const LOOKUP_ORDER: Readonly<Record<string, number>> = {
  resolver: 0,
  set_real_ip_from: 1,
  error_log: 2,
  access_log: 3,
  auth_http: 4,
};

function resolvesMessage(host: string, what: string, nginxSays: string): string {
  const local =
    host.toLowerCase() === "localhost" ? " — `localhost` too: a lookup, normally answered by /etc/hosts" : "";
  return (
    `nginx -t and every reload resolve "${host}" (${what})${local}: a reload fails when DNS does (${nginxSays}); ` +
    `an IP address, or a variable with a \`resolver\`, avoids the lookup`
  );
}

/** The facts of one statement (see Fact). */
function factsOf(d: Directive, parents: readonly Directive[], facts: unknown[]): void {
  const name = d.name;
  if (name === "upstream") {
    facts.push({ t: "upstream", name: (d.argValue(0) ?? "").toLowerCase() } satisfies Fact);
    return;
  }
  if (name === "server") {
    const v = d.argValue(0) ?? "";
    let upstream: Lookup | null = null;
    // A `server {}` block has no address; an upstream's `server` has one (its words are made only here).
    if (d.block === undefined && v !== "" && !/^unix:/i.test(v) && !v.includes("$")) {
      const host = splitHostPort(v).host;
      // `server NAME resolve` is resolved at run time (1.27.3+)
      if (!isAddress(host) && !d.args.slice(1).some((a) => a.value === "resolve"))
        upstream = { arg: 0, host, what: "an upstream server", nginxSays: `host not found in upstream "${v}"` };
    }
    const head = d.block !== undefined;
    if (head || upstream !== null) facts.push({ t: "server", head, upstream } satisfies Fact);
    return;
  }
  const pass = HTTP_PASS.indexOf(name);
  if (pass >= 0) {
    const v = d.argValue(0) ?? "";
    const host = passHost(v);
    if (host === null || host === "" || isAddress(host)) return;
    // One implicit upstream per scheme, host and port: the value without its URI.
    const upstream = v.replace(/^([a-z]+:\/\/)?([^/]*).*$/is, "$1$2").toLowerCase();
    facts.push({
      t: "pass",
      name: pass,
      host,
      lower: host.toLowerCase(),
      upstream,
      count: 1,
      sites: null,
    } satisfies Fact);
    return;
  }
  if (name === "listen") {
    const v = d.argValue(0) ?? "";
    let lookup: Lookup | null = null;
    if (!/^unix:/i.test(v)) {
      const { host, port } = splitHostPort(v);
      if (!(port === null && /^\d+$/.test(host)) && !isAddress(host))
        lookup = {
          arg: 0,
          host,
          what: "a listen address",
          nginxSays: `host not found in "${v}" of the "listen" directive`,
        };
    }
    const owner = parents.length > 0 ? parents[parents.length - 1] : null;
    facts.push({ t: "listen", lookup, owner } satisfies Fact);
    return;
  }
  const order = LOOKUP_ORDER[name];
  if (order === undefined) return;
  const add = (lookup: Lookup): void => void facts.push({ t: "lookup", order, lookup } satisfies Fact);
  switch (name) {
    case "resolver": {
      const args = d.args;
      for (let i = 0; i < args.length; i++) {
        const v = args[i].value;
        if (v.includes("=")) continue;
        const host = splitHostPort(v).host;
        if (isAddress(host)) continue;
        add({ arg: i, host, what: "a resolver address", nginxSays: `host not found in resolver "${v}"` });
      }
      break;
    }
    case "set_real_ip_from": {
      const v = d.argValue(0) ?? "";
      if (/^unix:/i.test(v) || v.includes("/") || isAddress(v)) break;
      add({ arg: 0, host: v, what: "set_real_ip_from", nginxSays: `host not found in set_real_ip_from "${v}"` });
      break;
    }
    case "error_log":
    case "access_log": {
      const v = d.argValue(0) ?? "";
      const m = /^syslog:(?:.*,)?server=([^,]+)/i.exec(v);
      if (!m || /^unix:/i.test(m[1])) break;
      const host = splitHostPort(m[1]).host;
      if (isAddress(host)) break;
      add({ arg: 0, host, what: "a syslog server", nginxSays: `host not found in syslog server "${m[1]}"` });
      break;
    }
    case "auth_http": {
      const host = passHost(d.argValue(0) ?? "");
      if (host === null || host === "" || isAddress(host)) break;
      add({ arg: 0, host, what: "the auth_http server", nginxSays: `host not found in "${d.argValue(0)}"` });
      break;
    }
  }
}

/** The findings of one analysis, each position once (a file included twice gives its facts twice). */
class Findings {
  readonly seeds: CheckSeed[] = [];
  private readonly seen = new Set<string>();

  /** The seed pushed, or null when that position had it already. */
  push(f: CollectedFact, word: number, seed: Omit<CheckSeed, "ruleId" | "d" | "path" | "word">): CheckSeed | null {
    const key = `${f.path}\0${f.d.startOffset}\0${seed.code}\0${word}`;
    if (this.seen.has(key)) return null;
    this.seen.add(key);
    const s: CheckSeed = { ruleId: RULE_ID, d: f.d, path: f.path, word, ...seed };
    this.seeds.push(s);
    return s;
  }

  resolves(f: CollectedFact, lookup: Lookup, directive = f.d.name): CheckSeed | null {
    return this.push(f, lookup.arg, {
      code: "resolves-host",
      severity: "info",
      message: resolvesMessage(lookup.host, lookup.what, lookup.nginxSays),
      data: { host: lookup.host, directive },
    });
  }
}

/**
 * The module of the server block a statement with these enclosing blocks is directly in, or null. A server's
 * block is one only inside `http`, `stream` or `mail` at the main level (model/index.ts kindOf): `within`
 * names the enclosing blocks, the implied ones of a snippet included.
 */
function serverModule(within: readonly string[]): "http" | "stream" | "mail" | null {
  if (within.length !== 2 || within[1] !== "server") return null;
  const top = within[0];
  return top === "http" || top === "stream" || top === "mail" ? top : null;
}

/** Whether `within` is an `upstream` block of http or stream. */
function inUpstream(within: readonly string[]): boolean {
  return within.length === 2 && within[1] === "upstream" && (within[0] === "http" || within[0] === "stream");
}

/** Whether statements with these enclosing blocks are stream's (an `upstream`, a `proxy_pass`). */
function inStream(within: readonly string[]): boolean {
  return within.length > 0 && within[0] === "stream";
}

function hostFindings(out: Findings, facts: readonly CollectedFact[], sockets: CollectedFact[]): void {
  const httpUpstreams = new Set<string>();
  const streamUpstreams = new Set<string>();
  const servers: CollectedFact[] = [];
  const passes: CollectedFact[][] = HTTP_PASS.map(() => []);
  const listens: CollectedFact[] = [];
  const lookups: CollectedFact[][] = [[], [], [], [], []];
  for (const f of facts) {
    const v = f.value as Fact;
    switch (v.t) {
      case "upstream":
        (inStream(f.within!) ? streamUpstreams : httpUpstreams).add(v.name);
        break;
      case "server":
        if (v.upstream !== null && inUpstream(f.within!)) servers.push(f);
        if (v.head) sockets.push(f);
        break;
      case "pass":
        passes[v.name].push(f);
        break;
      case "listen":
        if (v.lookup !== null) listens.push(f);
        sockets.push(f);
        break;
      case "lookup":
        lookups[v.order].push(f);
        break;
    }
  }
  for (const f of servers) out.resolves(f, (f.value as Fact & { t: "server" }).upstream!);
  // One implicit upstream per scheme, host and port (ngx_http_upstream_add finds the one made before): resolved
  // once, reported once, at its first `*_pass` (the line nginx names), the others related.
  const implicit = new Map<string, CheckSeed>();
  for (let i = 0; i < HTTP_PASS.length; i++) {
    const name = HTTP_PASS[i];
    for (const f of passes[i]) {
      const v = f.value as Fact & { t: "pass" };
      const streamSide = inStream(f.within!);
      if (name === "proxy_pass" && streamSide) {
        if (streamUpstreams.has(v.lower)) continue;
      } else if (httpUpstreams.has(v.lower)) continue;
      const key = `${streamSide ? "stream" : name}\0${v.upstream}`;
      // Each pass of the fact in reading order; past its `sites`, only counted (related: 10 at most).
      const known = v.sites === null ? 1 : v.sites.length;
      for (let k = 0; k < v.count; k++) {
        const d = k === 0 ? f.d : k < known ? v.sites![k] : null;
        const first = implicit.get(key);
        if (first) {
          const data = first.data as { directives: number };
          if (d === null) {
            data.directives += v.count - k;
            break;
          }
          data.directives++;
          if ((first.related ??= []).length < 10)
            first.related.push({ d, word: 0, path: f.path, message: "the same upstream, resolved once" });
          continue;
        }
        if (d === null) break;
        const seed = out.resolves(
          { ...f, d },
          {
            arg: 0,
            host: v.host,
            what: `${name}: no upstream block "${v.host}" in the files read`,
            nginxSays: `host not found in upstream "${v.host}"`,
          },
        );
        if (seed !== null) {
          seed.data = { ...seed.data, directives: 1 };
          implicit.set(key, seed);
        }
      }
    }
  }
  for (const f of implicit.values()) {
    const n = (f.data as { directives: number }).directives;
    if (n > 1) f.message += ` (${n} directives pass to it; this is the first)`;
  }
  for (const f of listens) out.resolves(f, (f.value as Fact & { t: "listen" }).lookup!);
  for (const list of lookups) for (const f of list) out.resolves(f, (f.value as Fact & { t: "lookup" }).lookup);
}

interface Bound {
  fact: CollectedFact;
  /** `addr:port` as nginx prints it (`0.0.0.0:80`, `[::]:443`, `unix:/run/x.sock`). */
  address: string;
  host: string;
  port: number | null;
  family: "inet" | "inet6" | "unix" | "name";
  wildcard: boolean;
  bindsAlone: boolean;
  reuseport: boolean;
  /** A server without `listen`: nginx's default. */
  implied: boolean;
}

function listenOf(fact: CollectedFact, module: "http" | "stream" | "mail"): Bound | null {
  const d = fact.d;
  const v = d.argValue(0) ?? "";
  if (v === "" || v.includes("$")) return null;
  const params = d.args.slice(1).map((a) => a.value);
  const bindsAlone = params.some((p) => BINDS_ALONE.test(p));
  const reuseport = params.some((p) => p.toLowerCase() === "reuseport");
  if (/^unix:/i.test(v))
    return {
      fact,
      address: v,
      host: v,
      port: null,
      family: "unix",
      wildcard: false,
      bindsAlone: true,
      reuseport,
      implied: false,
    };
  let { host, port } = splitHostPort(v);
  if (port === null && /^\d+$/.test(host)) {
    port = host;
    host = "*";
  }
  if (port === null && module !== "http") return null; // stream and mail need a port: rule directive's
  const p = port === null ? 80 : Number(port);
  if (!Number.isInteger(p)) return null;
  const inet6 = host.startsWith("[");
  const wildcard = host === "*" || host === "0.0.0.0" || host === "[::]";
  const family = inet6 ? "inet6" : IPV4.test(host) || host === "*" ? "inet" : "name";
  const shown = host === "*" ? "0.0.0.0" : host;
  return {
    fact,
    address: `${shown}:${p}`,
    host: shown,
    port: p,
    family,
    wildcard,
    bindsAlone,
    reuseport,
    implied: false,
  };
}

/** `sockets`: the heads of `server` blocks and the `listen` statements, in reading order. */
function socketFindings(out: Findings, sockets: readonly CollectedFact[]): void {
  const bound: (Bound | null)[] = [];
  // The last http server whose head was read, and where its implied *:80 stands in `bound`: the `listen`
  // statements directly in it (their block is its) follow its head, before the next http server's (http
  // servers do not nest).
  let server: Directive | null = null;
  let implied = -1;
  for (const f of sockets) {
    const v = f.value as Fact & { t: "server" | "listen" };
    if (v.t === "server") {
      // ngx_http_core_server: a server without `listen` listens on *:80 (*:8000 when nginx is not root).
      if (f.within!.length !== 1 || f.within![0] !== "http") continue;
      server = f.d;
      implied = bound.length;
      bound.push({
        fact: f,
        address: "0.0.0.0:80",
        host: "0.0.0.0",
        port: 80,
        family: "inet",
        wildcard: true,
        bindsAlone: false,
        reuseport: false,
        implied: true,
      });
      continue;
    }
    const module = serverModule(f.within!);
    if (module === null) continue;
    if (server !== null && v.owner === server) bound[implied] = null;
    const b = listenOf(f, module);
    if (b) bound.push(b);
  }
  // Ports with a wildcard, per family: other addresses there share its socket unless they bind alone.
  const wildcards = new Set<string>();
  for (const b of bound) if (b !== null && b.wildcard) wildcards.add(`${b.family}\0${b.port}`);
  const byAddress = new Map<string, Bound[]>();
  for (const b of bound) {
    if (b === null) continue;
    if (!b.wildcard && !b.bindsAlone && b.family !== "unix" && wildcards.has(`${b.family}\0${b.port}`)) continue;
    const list = byAddress.get(b.address);
    if (list) list.push(b);
    else byAddress.set(b.address, [b]);
  }
  for (const [address, list] of byAddress) {
    const first = list[0];
    // Every configuration binds its listen addresses: only a socket that can fail for a reason of its own is
    // reported — an address the host may not have, a name to resolve, or `reuseport` (rule
    // reuseport-config-test). A wildcard, a loopback address or a unix socket says nothing a reader lacks.
    const loopback = first.family !== "name" && first.family !== "unix" && /^(127\.|\[::1\]|::1)/.test(address);
    if (!list.some((b) => b.reuseport) && (first.wildcard || loopback || first.family === "unix")) continue;
    const parts: string[] = [];
    if (first.family === "unix")
      parts.push("nginx -t creates the socket file and deletes it again when nothing holds it");
    else {
      parts.push(
        "when another process holds it nginx -t still passes (it ignores EADDRINUSE) but a start or a reload " +
          `that opens it fails with bind() to ${address} failed (98: Address already in use)`,
      );
      if (first.port !== null && first.port < 1024)
        parts.push(`port ${first.port} needs root or CAP_NET_BIND_SERVICE, for nginx -t too (13: Permission denied)`);
      if (first.family === "name") parts.push("the name is resolved first, and each address it has is bound");
      else if (!first.wildcard && !loopback)
        parts.push("an address this host does not have fails nginx -t (99: Cannot assign requested address)");
    }
    if (list.some((b) => b.reuseport))
      parts.push("with reuseport, see rule reuseport-config-test (docs/rules/reuseport-config-test.md)");
    const implied = first.implied ? " (a server without listen: *:80, or *:8000 when nginx is not run as root)" : "";
    out.push(first.fact, first.implied ? -1 : 0, {
      // A hint: every configuration binds its listen addresses, so this is context for the reader (the
      // editor shows it without listing it among the problems), not a problem of its own.
      code: "binds-socket",
      severity: "hint",
      message: `nginx -t and every reload bind ${address}${implied}: ${parts.join("; ")}`,
      data: { address, port: first.port, listens: list.length },
      ...(list.length > 1
        ? {
            related: list
              .slice(1, 11)
              .map((b) => ({ d: b.fact.d, word: 0, path: b.fact.path, message: "the same address" })),
          }
        : {}),
    });
  }
}

/** The passes a compacted fact names (the first, and as many more as fit for `related`). */
const MAX_SITES = 11;

/**
 * A kept block's facts with its passes to one implicit upstream in one fact, where the first of them was:
 * a block of 2,500 locations that each `proxy_pass` to one upstream gives one fact, not 2,500 on every
 * analysis. The others stay as they are (they are few: upstream names, listens, server heads, lookups).
 */
function compactFacts(facts: readonly BlockFact[]): BlockFact[] {
  const out: BlockFact[] = [];
  const groups = new Map<string, { fact: BlockFact; value: Fact & { t: "pass" }; sites: Directive[] }>();
  for (const f of facts) {
    const v = f.value as Fact;
    if (v.t !== "pass") {
      out.push(f);
      continue;
    }
    const key = `${v.name}\0${inStream(f.within!) ? 1 : 0}\0${v.upstream}`;
    let g = groups.get(key);
    if (g === undefined) {
      // A new value: those of the facts given are kept by the blocks below, unchanged.
      const value: Fact & { t: "pass" } = { ...v, count: 0, sites: null };
      const fact: BlockFact = { value, d: f.d, outermost: f.outermost, within: f.within };
      groups.set(key, (g = { fact, value, sites: [] }));
      out.push(fact);
    }
    g.value.count += v.count;
    const sites = v.sites ?? [f.d];
    for (let k = 0; k < sites.length && g.sites.length < MAX_SITES; k++) g.sites.push(sites[k]);
  }
  for (const g of groups.values()) g.value.sites = g.sites;
  return out;
}

/** The rule, as a check of each statement with a judgement of the whole configuration (statement-checks.ts). */
export const sideEffectsCheck: StatementCheck = {
  wantsWithin: true,
  ruleId: RULE_ID,
  collect(d, _context, parents, _options, facts) {
    factsOf(d, parents, facts);
  },
  compact: compactFacts,
  resolve(facts, _options, out) {
    const found = new Findings();
    const sockets: CollectedFact[] = [];
    hostFindings(found, facts, sockets);
    socketFindings(found, sockets);
    for (const s of found.seeds) out.push(s);
  },
};
