// Document links: the file arguments of a file's directives, as clickable paths.
//
// `include` links come from the loaded configuration's include edges, so they resolve exactly as the
// analysis did (conf prefix, path mappings, glob(3) order): nothing is resolved twice, differently. A
// glob that matches several files links to the first and says how many there are (go-to-definition
// lists every one). Other file arguments are read through the same conf prefix and mappings that the
// cost model uses for CA bundles (ngx_conf_full_name with conf_prefix = 1): certificates, keys, CA and
// CRL files, `auth_basic_user_file`, ModSecurity rules files. Paths with variables, `data:` and
// `engine:` values, and files that do not exist get no link (the analysis reports missing includes).

import * as path from "path";
import type { ConfigModel } from "../model";
import type { Directive, Node, Range } from "../parse/ast";
import type { Configuration } from "../workspace/configuration";
import { normalizePath, type FileSource } from "../workspace/files";
import { includeNginxPath } from "../workspace/includes";
import { mapPath } from "../workspace/paths";
import { isStockPath } from "../workspace/stock-files";

/** What navigation reads of one root's analysis (the server's RootAnalysis has both). */
export interface Analysed {
  config: Configuration;
  model: ConfigModel;
  /** The analysis's options: their file source (editor buffers over the disk) is where files are looked for. */
  options?: { source?: FileSource };
}

export interface FileLink {
  /** The argument as written. */
  range: Range;
  /** Workspace path of the file the link opens. */
  target: string;
  tooltip: string;
  /** Every file the argument names (several for a glob), in nginx's order. */
  targets: string[];
}

/** Directives whose first argument names a file relative to the conf prefix. */
const CONF_FILE_DIRECTIVES: ReadonlySet<string> = new Set([
  "ssl_certificate",
  "ssl_certificate_key",
  "ssl_trusted_certificate",
  "ssl_client_certificate",
  "ssl_crl",
  "ssl_dhparam",
  "ssl_password_file",
  "ssl_stapling_file",
  "ssl_session_ticket_key",
  "ssl_ecdh_curve_file",
  "proxy_ssl_certificate",
  "proxy_ssl_certificate_key",
  "proxy_ssl_trusted_certificate",
  "proxy_ssl_crl",
  "proxy_ssl_password_file",
  "grpc_ssl_certificate",
  "grpc_ssl_certificate_key",
  "grpc_ssl_trusted_certificate",
  "grpc_ssl_crl",
  "uwsgi_ssl_certificate",
  "uwsgi_ssl_certificate_key",
  "uwsgi_ssl_trusted_certificate",
  "uwsgi_ssl_crl",
  "lua_ssl_trusted_certificate",
  "lua_ssl_crl",
  "auth_basic_user_file",
  "modsecurity_rules_file",
]);

/**
 * `*_by_lua_file`: lua-nginx-module resolves a relative name against nginx's *prefix* (-p), not the conf
 * prefix (ngx_http_lua_rebase_path). The prefix is only known here in OpenResty's layout, where the main
 * file is `<prefix>/conf/nginx.conf`; elsewhere only absolute names get a link.
 */
function isLuaFileDirective(name: string): boolean {
  return name.endsWith("_by_lua_file");
}

/** Links of file `p` (a workspace path) from the first analysis that reads it. */
export function documentLinks(analyses: readonly Analysed[], p: string, source?: FileSource): FileLink[] {
  const out: FileLink[] = [];
  const seen = new Set<number>();
  for (const a of analyses) {
    const instances = a.config.instancesByPath.get(p);
    if (!instances || instances.length === 0) continue;
    for (const edge of a.config.edges) {
      if (edge.from.path !== p || !edge.resolution) continue;
      const arg = edge.directive.args[0];
      if (seen.has(arg.range.start.offset)) continue;
      seen.add(arg.range.start.offset);
      // nginx's stock files read as its defaults are no files to open (workspace/stock-files.ts).
      const files = edge.resolution.files.filter((f) => !isStockPath(f));
      if (files.length === 0) continue;
      out.push({
        range: arg.range,
        target: files[0],
        tooltip: includeTooltip(files, edge.resolution.pattern),
        targets: files,
      });
    }
    const src = source ?? a.options?.source;
    if (src) fileArguments(a.config, instances[0].parsed.children, src, seen, out);
  }
  return out.sort((x, y) => x.range.start.offset - y.range.start.offset);
}

function includeTooltip(files: readonly string[], pattern: string): string {
  if (files.length === 1) return files[0];
  return `${files.length} files match ${pattern}; this link opens the first (${path.posix.basename(files[0])}), go to definition lists them all`;
}

function fileArguments(
  config: Configuration,
  nodes: readonly Node[],
  source: FileSource,
  seen: Set<number>,
  out: FileLink[],
): void {
  // Every directive, with an explicit stack of the blocks being read (they nest deeper than V8's stack);
  // the caller sorts the links.
  const stack: (readonly Node[])[] = [nodes];
  for (let list = stack.pop(); list !== undefined; list = stack.pop()) {
    for (const n of list) {
      if (n.kind !== "directive") continue;
      if (n.block) stack.push(n.block.children);
      const file = fileArgumentTarget(config, n, source);
      if (file === null) continue;
      const arg = n.args[0];
      if (seen.has(arg.range.start.offset)) continue;
      seen.add(arg.range.start.offset);
      out.push({ range: arg.range, target: file, tooltip: file, targets: [file] });
    }
  }
}

/** The existing workspace file a directive's file argument names, or null. */
export function fileArgumentTarget(config: Configuration, d: Directive, source: FileSource): string | null {
  const arg = d.args[0];
  if (!arg || arg.value === "" || arg.value.includes("$")) return null;
  if (/^(data|engine):/.test(arg.value)) return null;
  let nginxPath: string;
  if (CONF_FILE_DIRECTIVES.has(d.name)) {
    nginxPath = includeNginxPath(arg.value, config.confPrefix);
  } else if (isLuaFileDirective(d.name)) {
    if (arg.value.startsWith("/")) nginxPath = arg.value;
    else if (path.posix.basename(config.confPrefix) === "conf")
      nginxPath = path.posix.join(path.posix.dirname(config.confPrefix), arg.value);
    else return null;
  } else {
    return null;
  }
  const file = normalizePath(mapPath(nginxPath, config.mappings));
  return source.exists(file) && !source.isDirectory(file) ? file : null;
}
