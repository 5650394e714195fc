// Names a configuration defines and other statements refer to: variables (`set`, `map`, `geo`, …),
// upstream groups and named locations. Completion offers them after `$`, after `proxy_pass http://` and
// after `@`. Read from the loaded configurations (every file the editor's file is read with) and from the
// editor's own tree, which may be newer than the last analysis.

import { walkTree } from "../parse/walk";
import type { Directive, Node } from "../parse/ast";
import { walk, type Configuration } from "../workspace/configuration";

export interface DefinedSymbol {
  name: string;
  /** The directive that defines it (`map`, `set`, `upstream`, …), for the item's detail. */
  by: string;
  /** `http` or `stream` (mail defines none of these). */
  family: "http" | "stream";
}

export interface ConfigSymbols {
  /** Without the `$`. */
  variables: DefinedSymbol[];
  upstreams: DefinedSymbol[];
  /** Without the `@`. */
  namedLocations: DefinedSymbol[];
}

/** Block directives whose arguments name the variable they define, and which argument (−1: the last). */
const VARIABLE_BLOCKS: Readonly<Record<string, number>> = {
  map: 1,
  geo: -1,
  geoip2: -1,
  split_clients: 1,
};

function variableOf(d: Directive): string | null {
  let word: string | undefined;
  if (d.block && Object.prototype.hasOwnProperty.call(VARIABLE_BLOCKS, d.name)) {
    const i = VARIABLE_BLOCKS[d.name];
    word = (i < 0 ? d.args[d.args.length + i] : d.args[i])?.value;
    // geoip2's arguments are a database path; its variables are the lines of its body.
    if (d.name === "geoip2") word = undefined;
  } else if (!d.block && (d.name === "set" || d.name.startsWith("set_") || /^(perl|js)_set$/.test(d.name))) {
    word = d.args[0]?.value;
  } else if (d.name === "set_by_lua_block") {
    word = d.args[0]?.value;
  }
  if (word === undefined || !/^\$[A-Za-z0-9_]+$/.test(word)) return null;
  return word.slice(1);
}

class Collector {
  private readonly seen = new Set<string>();
  readonly out: ConfigSymbols = { variables: [], upstreams: [], namedLocations: [] };

  add(d: Directive, stream: boolean): void {
    const family = stream ? "stream" : "http";
    const v = variableOf(d);
    if (v !== null) this.push(this.out.variables, { name: v, by: d.name, family });
    if (d.name === "upstream" && d.block && d.args.length === 1)
      this.push(this.out.upstreams, { name: d.args[0].value, by: "upstream", family });
    if (d.name === "location" && d.args.length === 1 && d.args[0].value.startsWith("@"))
      this.push(this.out.namedLocations, { name: d.args[0].value.slice(1), by: "location", family });
  }

  private push(list: DefinedSymbol[], s: DefinedSymbol): void {
    const key = `${list === this.out.variables ? "v" : list === this.out.upstreams ? "u" : "l"}\0${s.family}\0${s.name}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    list.push(s);
  }
}

/** The symbols of several sources as one, each name once per kind and family (the first source wins). */
export function mergeSymbols(parts: readonly ConfigSymbols[]): ConfigSymbols {
  const out: ConfigSymbols = { variables: [], upstreams: [], namedLocations: [] };
  for (const kind of ["variables", "upstreams", "namedLocations"] as const) {
    const seen = new Set<string>();
    for (const part of parts) {
      for (const s of part[kind]) {
        const key = `${s.family}\0${s.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out[kind].push(s);
      }
    }
  }
  return out;
}

/**
 * What the configurations and the editor's tree define. `treeInStream`: whether the editor's file is read
 * inside `stream` (its top level), for the family of what it defines.
 */
export function configSymbols(
  configs: readonly Configuration[],
  tree?: { nodes: readonly Node[]; inStream: boolean },
): ConfigSymbols {
  const c = new Collector();
  for (const config of configs) {
    // How many enclosing blocks are `stream` ones, kept as the walk enters and leaves them: searching the
    // context per directive is quadratic in the depth (40,000 nested locations: 1.6 s).
    let streams = config.root.context.filter((n) => n === "stream").length;
    walk(config, {
      enter(d) {
        c.add(d, streams > 0);
        if (d.block && d.name === "stream") streams++;
      },
      leave(d) {
        if (d.block && d.name === "stream") streams--;
      },
    });
  }
  if (tree) {
    walkTree(tree.nodes, tree.inStream, (n, stream) => {
      if (n.kind !== "directive") return undefined;
      c.add(n, stream);
      return stream || n.name === "stream";
    });
  }
  return c.out;
}

// The variables nginx's http core defines itself (ngx_http_core_variables[] in src/http/ngx_http_variables.c):
// they are not directives, so the directive table does not have them. Modules add more ($upstream_*,
// $ssl_*, …); those are left out rather than listed from memory of their documentation.
export const HTTP_CORE_VARIABLES: readonly string[] = [
  "args",
  "binary_remote_addr",
  "body_bytes_sent",
  "bytes_sent",
  "connection",
  "connection_requests",
  "connection_time",
  "content_length",
  "content_type",
  "document_root",
  "document_uri",
  "host",
  "hostname",
  "http_cookie",
  "http_host",
  "http_referer",
  "http_user_agent",
  "http_via",
  "http_x_forwarded_for",
  "https",
  "is_args",
  "limit_rate",
  "msec",
  "nginx_version",
  "pid",
  "pipe",
  "proxy_protocol_addr",
  "proxy_protocol_port",
  "proxy_protocol_server_addr",
  "proxy_protocol_server_port",
  "query_string",
  "realpath_root",
  "remote_addr",
  "remote_port",
  "remote_user",
  "request",
  "request_body",
  "request_body_file",
  "request_completion",
  "request_filename",
  "request_id",
  "request_length",
  "request_method",
  "request_time",
  "request_uri",
  "scheme",
  "sent_http_cache_control",
  "sent_http_connection",
  "sent_http_content_length",
  "sent_http_content_type",
  "sent_http_keep_alive",
  "sent_http_last_modified",
  "sent_http_link",
  "sent_http_location",
  "sent_http_transfer_encoding",
  "server_addr",
  "server_name",
  "server_port",
  "server_protocol",
  "status",
  "tcpinfo_rcv_space",
  "tcpinfo_rtt",
  "tcpinfo_rttvar",
  "tcpinfo_snd_cwnd",
  "time_iso8601",
  "time_local",
  "uri",
];

// The stream core's own (ngx_stream_core_variables[] in src/stream/ngx_stream_variables.c).
export const STREAM_CORE_VARIABLES: readonly string[] = [
  "binary_remote_addr",
  "bytes_received",
  "bytes_sent",
  "connection",
  "hostname",
  "msec",
  "nginx_version",
  "pid",
  "protocol",
  "proxy_protocol_addr",
  "proxy_protocol_port",
  "proxy_protocol_server_addr",
  "proxy_protocol_server_port",
  "remote_addr",
  "remote_port",
  "server_addr",
  "server_port",
  "session_time",
  "status",
  "time_iso8601",
  "time_local",
];
