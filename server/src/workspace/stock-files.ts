// nginx's stock files: what `make install` puts in nginx's conf folder and every package ships beside
// nginx.conf (mime.types, the fastcgi/scgi/uwsgi parameter files, the Cyrillic charset maps). A container
// image keeps them (`/etc/nginx/mime.types`) while the repository or the mounted folder holds only the
// site's own files, so an include of one that the workspace does not hold is nginx's default, not a
// missing file: a hint says so, and the analysis reads a built-in stand-in instead.
//
// The stand-ins are written here from nginx's documentation of the directives they use (nginx.org:
// ngx_http_fastcgi_module's fastcgi_param, ngx_http_scgi_module, ngx_http_uwsgi_module, types,
// charset_map) and from RFC 3875's CGI meta-variables; they are not copies of nginx's conf/ files. They
// hold what the analysis needs of them: the directives in the context the real file puts them in (so a
// stock file included where its directives are not allowed is still refused, as nginx refuses it), the
// parameter names a FastCGI/SCGI/uWSGI application is given. Nothing reads the entries of a `types` or
// `charset_map` table, so those tables are short.
//
// They are virtual files: their path is `(nginx default) <name>`, which is not absolute, so no file
// source ever looks for it on disk; findings and links never point into them (rules/index.ts moves a
// finding to the include that read one; navigate/ leaves them out).

import type { LoadedFile } from "./files";

/** The prefix of a stand-in's path; no real path starts like this (workspace paths are absolute). */
const STOCK_PREFIX = "(nginx default) ";

/**
 * The CGI/1.1 meta-variables (RFC 3875, section 4.1) with the nginx variables that hold them, as all three
 * protocols pass them.
 */
const CGI_COMMON = [
  ["REQUEST_METHOD", "$request_method"],
  ["REQUEST_URI", "$request_uri"],
  ["QUERY_STRING", "$query_string"],
  ["CONTENT_TYPE", "$content_type"],
  ["DOCUMENT_ROOT", "$document_root"],
  ["SERVER_PROTOCOL", "$server_protocol"],
  ["REQUEST_SCHEME", "$scheme"],
  // Apache's behaviour: "on" over TLS, absent otherwise.
  ["HTTPS", "$https if_not_empty"],
  ["REMOTE_ADDR", "$remote_addr"],
  ["REMOTE_PORT", "$remote_port"],
  ["SERVER_PORT", "$server_port"],
  ["SERVER_NAME", "$server_name"],
];

function params(directive: string, list: readonly (readonly string[])[]): string {
  return list.map(([name, value]) => `${directive} ${name} ${value};\n`).join("");
}

const FASTCGI = [
  ...CGI_COMMON,
  ["CONTENT_LENGTH", "$content_length"],
  ["DOCUMENT_URI", "$document_uri"],
  ["SERVER_ADDR", "$server_addr"],
  ["SCRIPT_NAME", "$fastcgi_script_name"],
  ["GATEWAY_INTERFACE", "CGI/1.1"],
  ["SERVER_SOFTWARE", "nginx/$nginx_version"],
  // PHP built with --enable-force-cgi-redirect refuses requests without it (php.net, cgi.force_redirect).
  ["REDIRECT_STATUS", "200"],
];

// SCGI: the module sends CONTENT_LENGTH itself, first, as the SCGI protocol requires
// (ngx_http_scgi_create_request), so the parameters do not.
const SCGI = [...CGI_COMMON, ["DOCUMENT_URI", "$document_uri"], ["SCGI", "1"]];

// uWSGI: the path is PATH_INFO (what WSGI applications route on).
const UWSGI = [...CGI_COMMON, ["CONTENT_LENGTH", "$content_length"], ["PATH_INFO", "$document_uri"]];

/** Built-in stand-ins by file name: a comment saying what it is, then the directives. */
const STOCK: Readonly<Record<string, { what: string; text: string }>> = {
  "mime.types": {
    what: "a types { } table; no rule reads its entries",
    text:
      "types {\n" +
      "    text/html html htm;\n" +
      "    text/css css;\n" +
      "    text/plain txt;\n" +
      "    application/javascript js;\n" +
      "    application/json json;\n" +
      "    image/png png;\n" +
      "    image/jpeg jpeg jpg;\n" +
      "    image/svg+xml svg;\n" +
      "    application/octet-stream bin;\n" +
      "}\n",
  },
  fastcgi_params: {
    what: "the CGI parameters as fastcgi_param",
    text: params("fastcgi_param", FASTCGI),
  },
  // Debian and nginx's own conf/ ship it: fastcgi_params plus the script's file name.
  "fastcgi.conf": {
    what: "the CGI parameters as fastcgi_param, with SCRIPT_FILENAME",
    text: params("fastcgi_param", [["SCRIPT_FILENAME", "$document_root$fastcgi_script_name"], ...FASTCGI]),
  },
  scgi_params: {
    what: "the CGI parameters as scgi_param",
    text: params("scgi_param", SCGI),
  },
  uwsgi_params: {
    what: "the CGI parameters as uwsgi_param",
    text: params("uwsgi_param", UWSGI),
  },
  // The charset maps: only the two charsets matter to the analysis (a charset_map block in http).
  "koi-utf": { what: "a charset_map koi8-r → utf-8", text: "charset_map koi8-r utf-8 {\n    C0 D18E;\n}\n" },
  "koi-win": {
    what: "a charset_map koi8-r → windows-1251",
    text: "charset_map koi8-r windows-1251 {\n    C0 FE;\n}\n",
  },
  "win-utf": {
    what: "a charset_map windows-1251 → utf-8",
    text: "charset_map windows-1251 utf-8 {\n    C0 D090;\n}\n",
  },
};

/** The stock file names, for tests and docs. */
export const STOCK_FILE_NAMES: readonly string[] = Object.keys(STOCK);

/** The stock file an include names by its last path segment, or null. */
export function stockFileName(includePath: string): string | null {
  const name = includePath.slice(includePath.lastIndexOf("/") + 1);
  return Object.prototype.hasOwnProperty.call(STOCK, name) ? name : null;
}

/** The virtual path of a stand-in: `(nginx default) fastcgi_params`. */
export function stockPath(name: string): string {
  return STOCK_PREFIX + name;
}

/** Whether a path is a stand-in's (never a file on disk). */
export function isStockPath(p: string): boolean {
  return p.startsWith(STOCK_PREFIX);
}

/** The stock file name of a stand-in's path (`fastcgi_params`), or null for any other path. */
export function stockNameOf(p: string): string | null {
  return isStockPath(p) ? p.slice(STOCK_PREFIX.length) : null;
}

/** What the analysis assumes of a stock file, for the hint. */
export function stockDescription(name: string): string {
  return STOCK[name]?.what ?? "";
}

/** A stand-in's text as a loaded file (one version: it never changes). */
export function loadStock(p: string): LoadedFile | null {
  const entry = isStockPath(p) ? STOCK[p.slice(STOCK_PREFIX.length)] : undefined;
  if (!entry) return null;
  return { text: entry.text, version: "nginx-default", problems: [] };
}
