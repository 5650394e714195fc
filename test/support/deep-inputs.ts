// Deep and wide inputs (issue 11, "bounded work on any input"): what nginx 1.22.1 accepts, and worse.
//
// What `nginx -t` (Debian's 1.22.1, 8 MiB stack, `ulimit -s 8192`) says, measured by generating the files:
// - `location / {` nested inside `location / {` (and `location ~ a` in `location ~ a`): accepted at 10,000
//   levels and up to about 13,060; at about 13,090 and deeper `nginx -t` dies of SIGSEGV (exit 139): its
//   ngx_conf_parse → ngx_conf_handler → ngx_http_core_location → ngx_conf_parse recursion runs out of stack.
//   (test/cli/deep-input.test.ts asks nginx about DEPTH.)
// - `if` in `if`: `"if" directive is not allowed here` (ngx_http_rewrite_if parses its block with
//   NGX_HTTP_LIF_CONF, which `if` does not accept). Other blocks do not nest in themselves either.
// - `server_name` with 500,000 names and `log_format` with 500,000 variables on one line: accepted.
// - one word of 4,096 bytes or more: `too long parameter "aaaaaaaaaa..." started` (ngx_conf_read_token reads
//   through a 4,096-byte buffer, NGX_CONF_BUFFER, and a token that fills it is an error); 4,095 bytes before
//   a `;` pass. nginx-risk does not report this yet.

/** Nested `location /` blocks of the deep inputs: nginx accepts this many (see above). */
export const DEPTH = 10_000;
/** Arguments on the one long line. */
export const WIDE = 500_000;
/** Findings of one rule: more than `push(...list)` takes (V8 overflows past ~120,000 arguments). */
export const MANY = 130_000;
/** Blocks opened and never closed, or nested deeper than nginx can read (it crashes at ~13,000). */
export const DEEPER = 100_000;

/** Lines before the first `location` of `nestedLocations` (0-based line of the outermost location). */
export const FIRST_LOCATION_LINE = 6;

/**
 * `location /` nested `depth` times in a server, one per line, unindented; `inner` (one line) in the
 * deepest. An upstream for the deepest location to pass to. Valid for nginx (without `extraHttp`, which may
 * need modules). The deepest location is on line FIRST_LOCATION_LINE + depth - 1 (0-based), `inner` on the
 * next.
 */
export function nestedLocations(
  depth: number,
  inner: string,
  options: { head?: string; extraHttp?: string; extraServer?: string } = {},
): string {
  const head = [
    options.head ?? "# nested locations",
    "events {}",
    "http {",
    `    upstream backend { server 127.0.0.1:9; }${options.extraHttp ? " " + options.extraHttp : ""}`,
    "    server {",
    `        listen 127.0.0.1:8080;${options.extraServer ? " " + options.extraServer : ""}`,
  ];
  return head.join("\n") + "\n" + "location / {\n".repeat(depth) + inner + "\n" + "}\n".repeat(depth) + "    }\n}\n";
}

/**
 * The crossplane payload of `nestedLocations(depth, inner)` written by hand from crossplane's format
 * (../shared/docs/crossplane-format.md), compact: each statement with its 1-based line, blocks nested.
 * `inner` is one statement given as its directive and arguments.
 */
export function nestedLocationsPayload(
  file: string,
  depth: number,
  inner: { directive: string; args: string[] },
): string {
  const stmt = (directive: string, line: number, args: string[]): string =>
    `{"directive":${JSON.stringify(directive)},"line":${line},"args":${JSON.stringify(args)}`;
  const parts: string[] = [
    `{"status":"ok","errors":[],"config":[{"file":${JSON.stringify(file)},"status":"ok","errors":[],"parsed":[`,
    stmt("events", 2, []) + `,"block":[]},`,
    stmt("http", 3, []) + `,"block":[`,
    stmt("upstream", 4, ["backend"]) + `,"block":[` + stmt("server", 4, ["127.0.0.1:9"]) + "}]},",
    stmt("server", 5, []) + `,"block":[`,
    stmt("listen", 6, ["127.0.0.1:8080"]) + "},",
  ];
  for (let i = 0; i < depth; i++) parts.push(stmt("location", FIRST_LOCATION_LINE + 1 + i, ["/"]) + `,"block":[`);
  parts.push(stmt(inner.directive, FIRST_LOCATION_LINE + 1 + depth, inner.args) + "}");
  for (let i = 0; i < depth; i++) parts.push("]}");
  parts.push("]}]}]}]}");
  return parts.join("");
}

/** One `server_name` with WIDE names and one `log_format` with WIDE variables, each on one line. */
export function wideLines(width: number): string {
  const names: string[] = [];
  const vars: string[] = [];
  for (let i = 0; i < width; i++) {
    names.push(`h${i}.example.com`);
    vars.push("$remote_addr");
  }
  return [
    "events {}",
    "http {",
    `    log_format wide ${vars.join(" ")};`,
    "    server {",
    "        listen 127.0.0.1:8080;",
    `        server_name ${names.join(" ")};`,
    "    }",
    "}",
    "",
  ].join("\n");
}

/** A `set` whose value is one word of `length` characters (nginx refuses one of 4,096 bytes or more). */
export function longWord(length: number): string {
  return `events {}\nhttp {\n    server {\n        set $x ${"a".repeat(length)};\n    }\n}\n`;
}

/** `depth` blocks opened on one line each and never closed. */
export function unclosed(depth: number): string {
  return "events {}\nhttp {\n    server {\n" + "location / {\n".repeat(depth);
}

/** `depth` nested blocks of a directive nobody registers (`x`), one line: deeper than nginx can read. */
export function deepUnknown(depth: number): string {
  return "x {".repeat(depth) + "}".repeat(depth) + "\n";
}

/**
 * `count` sibling locations, one per line, each passing to an https upstream and verifying it with the CA
 * bundle: one SSL context loading the bundle each before nginx 1.23.1, so one finding each.
 */
export function manyLocations(count: number): string {
  const lines = ["events {}", "http {", "    server {", "        listen 127.0.0.1:8443;"];
  for (let i = 0; i < count; i++)
    lines.push(
      `        location /${i} { proxy_pass https://b; proxy_ssl_verify on; proxy_ssl_trusted_certificate ${CA_BUNDLE}; }`,
    );
  lines.push("    }", "}", "");
  return lines.join("\n");
}

const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

/** Whether a tool's output shows that it ran out of stack. */
export function overflowed(text: string): boolean {
  return /RangeError|Maximum call stack/i.test(text);
}
