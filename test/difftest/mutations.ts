// The mistakes people make, one per case, each made in a base that nginx accepts. A mutation also has
// variants that nginx accepts (a value in another case, a regex JavaScript rejects and PCRE2 takes, a
// directive given once): the verdict must be right both ways. Which variant fails is nginx's to say, never
// this file's: nothing here states an expected result.
import { spawnSync } from "child_process";
import { directiveNames, lookupDirective, moduleBuild, type DirectiveVariant } from "../../server/src/parse/directives";
import { nginxBinary } from "../support/shared";
import type { Base } from "./bases";
import type { CaseFiles } from "./layout";
import { statements, type Statement } from "./statements";

export interface Mutation {
  kind: string;
  /** What exactly was written (for the report). */
  variant: string;
  files: CaseFiles;
}

interface Maker {
  base: Base;
  site: string;
  list: Statement[];
  rnd: () => number;
  /** Placeholder of a free port for an address of the case's own (`__PORT9__`…). */
  port: (i: number) => string;
}

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)];
}

// ---- where to write ---------------------------------------------------------------------------------------

function blocks(m: Maker, wanted: (s: Statement) => boolean): Statement[] {
  return m.list.filter((s) => s.d.block !== null && wanted(s));
}
const servers = (m: Maker): Statement[] => blocks(m, (s) => s.d.name === "server" && s.path.length === 0);
const locations = (m: Maker, wanted: (s: Statement) => boolean = () => true): Statement[] =>
  blocks(m, (s) => s.d.name === "location" && s.path[0] === "server" && !s.path.includes("if") && wanted(s));

/** The site with `text` inserted as the first statement of block `s`. */
function insertFirst(m: Maker, s: Statement, text: string): string {
  const at = s.d.block!.open.end.offset;
  return m.site.slice(0, at) + "\n    " + text + m.site.slice(at);
}

/** The site with `text` inserted after statement `s`. */
function insertAfter(m: Maker, s: Statement, text: string): string {
  return m.site.slice(0, s.end) + "\n    " + text + m.site.slice(s.end);
}

/** A location of the base, or a server when it has none; `kind` says which (a table context). */
function someBlock(m: Maker): { s: Statement; context: "server" | "location" } | null {
  const locs = locations(m, (s) => s.d.argValue(0) !== "@" && !s.d.argValue(0)?.startsWith("@"));
  if (locs.length > 0 && m.rnd() < 0.6) return { s: pick(m.rnd, locs), context: "location" };
  const srv = servers(m);
  return srv.length ? { s: pick(m.rnd, srv), context: "server" } : null;
}

function inBlock(m: Maker, text: string): string | null {
  const b = someBlock(m);
  return b ? insertFirst(m, b.s, text) : null;
}

function inLocation(m: Maker, text: string): string | null {
  const srv = servers(m);
  if (!srv.length) return null;
  return insertFirst(m, pick(m.rnd, srv), text);
}

// ---- what this nginx has ----------------------------------------------------------------------------------

let configureArgs: string[] | null = null;
function built(v: DirectiveVariant): boolean {
  if (v.repo !== "nginx/nginx") {
    return ["openresty/lua-nginx-module", "vision5/ngx_devel_kit", "owasp-modsecurity/ModSecurity-nginx"].includes(
      v.repo,
    );
  }
  if (configureArgs === null) {
    const r = spawnSync(nginxBinary() ?? "nginx", ["-V"], { encoding: "utf8" });
    configureArgs = ((r.stdout ?? "") + (r.stderr ?? "")).split(/\s+/);
  }
  const b = moduleBuild(v.module);
  if (!b || b.default === null) return false;
  for (const o of b.options) {
    if (!configureArgs.includes(o)) continue;
    if (o.startsWith("--without")) return false;
    if (o.endsWith("=dynamic")) return /stream|mail/.test(o);
    return true;
  }
  return b.default;
}

interface TableEntry {
  name: string;
  type: string;
  handler: string;
  contexts: readonly string[];
  since: string | null;
  argcMin: number;
}

let entries: TableEntry[] | null = null;
function table(): TableEntry[] {
  if (entries) return entries;
  entries = [];
  for (const name of directiveNames()) {
    for (const v of lookupDirective(name)) {
      if (v.removed !== null || !v.handler) continue;
      entries.push({
        name,
        type: v.type,
        handler: v.handler,
        contexts: v.contexts,
        since: v.since,
        argcMin: v.argcMin,
      });
      if (!built(v)) entries.pop();
    }
  }
  return entries;
}

function compareVersions(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

function withHandler(handlers: readonly string[], context: string, version: string, type = "http"): TableEntry[] {
  return table().filter(
    (e) =>
      e.type === type &&
      handlers.includes(e.handler) &&
      e.contexts.includes(context) &&
      e.since !== null &&
      compareVersions(e.since, version) <= 0,
  );
}

// ---- the mistakes -----------------------------------------------------------------------------------------

const VALUES: Record<string, readonly string[]> = {
  flag: ["maybe", "yes", "1", "ON", "Off", "on", "off", "true", "enable"],
  num: ["abc", "-1", "12", "1k", "0", "1.5", "99999999999999999999", "0x10", "8"],
  size: ["10Q", "1k", "1.5m", "-1", "8g", "512", "0", "10K", "1mb", "64M", "k"],
  time: ["5x", "1h30m", "1.5s", "100", "30d", "1y", "0", "-5s", "10ms", "1w", "2M", "1h 30m", "s"],
  enum: ["bogus", "on", "off", "auto", "none", "1.1"],
  bitmask: ["bogus", "error", "timeout", "TLSv1.2", "any", "off"],
};

const HANDLERS: Record<string, readonly string[]> = {
  flag: ["ngx_conf_set_flag_slot"],
  num: ["ngx_conf_set_num_slot"],
  size: ["ngx_conf_set_size_slot", "ngx_conf_set_off_slot"],
  time: ["ngx_conf_set_msec_slot", "ngx_conf_set_sec_slot"],
  enum: ["ngx_conf_set_enum_slot"],
  bitmask: ["ngx_conf_set_bitmask_slot"],
};

function familyOf(handler: string): string | null {
  for (const [family, hs] of Object.entries(HANDLERS)) if (hs.includes(handler)) return family;
  return null;
}

/** Sets one directive of a standard setter to a value of its kind (some valid, some not). */
function valueMutation(family: string) {
  return (m: Maker, version: string): Mutation | null => {
    if (m.rnd() < 0.2) {
      // At the `http` level (conf.d/extra.conf).
      const cands = withHandler(HANDLERS[family], "http", version).filter((e) => e.argcMin <= 1);
      if (!cands.length) return null;
      const e = pick(m.rnd, cands);
      const value = pick(m.rnd, VALUES[family]);
      const text = `${e.name} ${/\s/.test(value) ? `"${value}"` : value};`;
      return { kind: `value-${family}`, variant: `${text} in http`, files: { site: m.site, http: text + "\n" } };
    }
    const b = someBlock(m);
    if (!b) return null;
    const candidates = withHandler(HANDLERS[family], b.context, version).filter((e) => e.argcMin <= 1);
    if (!candidates.length) return null;
    const e = pick(m.rnd, candidates);
    const value = pick(m.rnd, VALUES[family]);
    const text = `${e.name} ${/\s/.test(value) ? `"${value}"` : value};`;
    return { kind: `value-${family}`, variant: `${text} in ${b.context}`, files: { site: insertFirst(m, b.s, text) } };
  };
}

/** A standard-setter statement of the base given a value of its kind. */
function replaceValue(m: Maker): Mutation | null {
  const cands = m.list.filter((s) => {
    if (s.d.block || s.d.argCount !== 1) return false;
    const v = lookupDirective(s.d.name).find((x) => x.type === "http" && x.handler && familyOf(x.handler));
    return v !== undefined;
  });
  if (!cands.length) return null;
  const s = pick(m.rnd, cands);
  const family = familyOf(
    lookupDirective(s.d.name).find((x) => x.type === "http" && x.handler && familyOf(x.handler))!.handler!,
  )!;
  const value = pick(m.rnd, VALUES[family]);
  const text = `${s.d.name} ${/\s/.test(value) ? `"${value}"` : value};`;
  return {
    kind: "replace-value",
    variant: `${text} (was ${s.d.argValue(0)})`,
    files: { site: m.site.slice(0, s.start) + text + m.site.slice(s.end) },
  };
}

/** A statement of the base written twice in its block. */
function duplicateStatement(m: Maker): Mutation | null {
  const cands = m.list.filter((s) => !s.d.block && s.path.length > 0 && s.d.name !== "listen");
  if (!cands.length) return null;
  const s = pick(m.rnd, cands);
  const text = m.site.slice(s.start, s.end);
  return { kind: "duplicate-statement", variant: text.split("\n")[0], files: { site: insertAfter(m, s, text) } };
}

/** A statement of a server written again in one of its locations: an override, never a duplicate. */
function overrideInLocation(m: Maker): Mutation | null {
  const cands = m.list.filter(
    (s) => !s.d.block && s.path.length === 1 && s.d.name !== "listen" && s.d.name !== "server_name",
  );
  const locs = locations(m, (l) => !l.d.argValue(0)?.startsWith("@"));
  if (!cands.length || !locs.length) return null;
  const s = pick(m.rnd, cands);
  const text = m.site.slice(s.start, s.end);
  return {
    kind: "override-in-location",
    variant: text.split("\n")[0],
    files: { site: insertFirst(m, pick(m.rnd, locs), text) },
  };
}

function duplicateLocation(m: Maker): Mutation | null {
  const locs = locations(m);
  if (!locs.length) return null;
  const s = pick(m.rnd, locs);
  const head = m.site.slice(s.start, s.d.block!.open.start.offset).trim();
  const variant = m.rnd() < 0.2 ? head.replace(/\s(\S+)$/, " $1-nr") : head;
  return { kind: "duplicate-location", variant, files: { site: insertAfter(m, s, `${variant} { return 204; }`) } };
}

function upstreams(m: Maker): Mutation | null {
  const v = pick(m.rnd, ["twice", "once", "empty-used", "empty-unused", "no-port"]);
  const up = (name: string, body: string): string => `upstream ${name} {\n    ${body}\n}\n`;
  const server = `server 127.0.0.1:${m.port(9)};`;
  let http = "";
  let use = "";
  if (v === "twice") http = up("nr_up", server) + up("nr_up", server);
  if (v === "once") http = up("nr_up", server);
  if (v === "empty-used" || v === "empty-unused") http = up("nr_up", "");
  if (v === "no-port") http = up("nr_up", "server 127.0.0.1;");
  if (v !== "empty-unused") use = "location /nr-up/ { proxy_pass http://nr_up; }";
  const site = use ? inLocation(m, use) : m.site;
  return site ? { kind: "upstream", variant: v, files: { site, http } } : null;
}

function mapKeys(m: Maker): Mutation | null {
  const bodies = [
    "default 0; /a 1; /a 2;",
    "default 0; /a 1; /b 2;",
    "default 0; default 1;",
    "default 0; ~^/a(\\d+ 1;",
    "default 0; ~*^/a(?<nr_n>\\d+)$ $nr_n;",
    "hostnames; default 0; *.example.com 1; .example.com 2;",
    "default 0; /a;",
    "default 0; volatile; /a 1;",
  ];
  const body = pick(m.rnd, bodies);
  const site = inLocation(m, "location = /nr-map { return 200 $nr_m; }");
  return site ? { kind: "map", variant: body, files: { site, http: `map $uri $nr_m {\n    ${body}\n}\n` } } : null;
}

const REGEXES = [
  "^/api/(v\\d+)/(.*)$",
  "\\.(jpg|jpeg|png|gif|ico|css|js)$",
  "^/(?<section>[a-z]+)/(?<id>\\d+)$",
  "^/(img|css|js)/",
  "/\\.ht",
  "\\.php$",
  "^/(?:favicon\\.ico|robots\\.txt)$",
  "^/static/[a-f0-9]{8}/",
  "~$",
  "^/wp-(admin|includes)",
];
const VALID_PCRE = [
  "^/(?>a|ab)c",
  "^/a++b",
  "^/(?P<nr_p>x)(?P=nr_p)",
  "^/(?<nr_q>x)\\k<nr_q>",
  "(?i)^/abc",
  "^/[[:alpha:]]+$",
  "^/\\d{2,}",
  "(?<=/a)b",
  "^/\\p{L}+",
  "(?#comment)^/x",
  "^/x{,3}",
  "(?|/a(x)|/b(y))",
  "^/\\Q.*\\E",
  "^/a(?=b)",
  "^/a*+",
];
const INVALID_PCRE = [
  "(?<=/a+)b",
  "^/[z-a]",
  "^/(?<1a>x)",
  "^/a{3,1}",
  "^/[[:nope:]]",
  "^/(?P<n>a)(?P<n>b)",
  "^/\\",
  "^/(?z)",
  "^/\\k<nr_none>",
];

function breakRegex(rnd: () => number, re: string): string {
  const at = Math.floor(rnd() * (re.length + 1));
  const op = Math.floor(rnd() * 6);
  if (op === 0 && re.includes(")")) {
    const i = re.lastIndexOf(")");
    return re.slice(0, i) + re.slice(i + 1);
  }
  if (op === 1) return re.slice(0, at) + "(" + re.slice(at);
  if (op === 2) return re.slice(0, at) + "[" + re.slice(at);
  if (op === 3) return "*" + re;
  if (op === 4) return re.slice(0, at) + "{2,1}" + re.slice(at);
  return re.slice(0, at) + "(?" + re.slice(at);
}

function someRegex(m: Maker): string {
  const r = m.rnd();
  if (r < 0.3) return pick(m.rnd, VALID_PCRE);
  if (r < 0.45) return pick(m.rnd, INVALID_PCRE);
  const re = pick(m.rnd, REGEXES);
  return r < 0.55 ? re : breakRegex(m.rnd, re);
}

function quoted(re: string): string {
  return /[\s;{}"'$]/.test(re) || re.endsWith("\\") ? `"${re.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : re;
}

function regexMutation(m: Maker): Mutation | null {
  const re = someRegex(m);
  const where = pick(m.rnd, ["location", "location-ci", "rewrite", "if", "server_name"]);
  let site: string | null = null;
  if (where === "location") site = inLocation(m, `location ~ ${quoted(re)} { return 204; }`);
  if (where === "location-ci") site = inLocation(m, `location ~* ${quoted(re)} { return 204; }`);
  if (where === "rewrite") site = inBlock(m, `rewrite ${quoted(re)} /nr-target last;`);
  if (where === "if") site = inBlock(m, `if ($uri ~ ${quoted(re)}) { return 403; }`);
  if (where === "server_name") {
    const srv = servers(m);
    site = srv.length ? insertFirst(m, pick(m.rnd, srv), `server_name ${quoted("~" + re)};`) : null;
  }
  return site ? { kind: "regex", variant: `${where}: ${re}`, files: { site } } : null;
}

const VARIABLES = [
  "request_uri",
  "host",
  "remote_addr",
  "uri",
  "args",
  "scheme",
  "server_name",
  "http_user_agent",
  "cookie_session",
  "arg_page",
  "request_method",
  "binary_remote_addr",
  "upstream_addr",
  "request_id",
  "msec",
  "time_iso8601",
  "ssl_protocol",
  "server_port",
  "document_root",
  "realpath_root",
  "content_type",
  "query_string",
  "status",
  "body_bytes_sent",
  "proxy_add_x_forwarded_for",
  "http_x_forwarded_for",
  "sent_http_content_type",
  "hostname",
  "connection",
  "request_time",
  "upstream_response_time",
  "realip_remote_addr",
  "ssl_server_name",
  "is_args",
  "limit_rate",
  "nginx_version",
  "pid",
  "proxy_protocol_addr",
  "request_body",
  "tcpinfo_rtt",
];

function typo(rnd: () => number, name: string): string {
  const i = 1 + Math.floor(rnd() * (name.length - 1));
  return rnd() < 0.5 ? name.slice(0, i) + name.slice(i + 1) : name.slice(0, i) + "x" + name.slice(i);
}

function variableMutation(m: Maker): Mutation | null {
  const real = pick(m.rnd, VARIABLES);
  const r = m.rnd();
  const name = r < 0.45 ? typo(m.rnd, real) : r < 0.55 ? "nr_undefined" : real;
  const stmt = pick(m.rnd, [
    `add_header X-Nr "$${name}";`,
    `set $nr_v "$${name}";`,
    `return 200 "$${name}";`,
    `if ($${name}) { return 403; }`,
    `proxy_set_header X-Nr $${name};`,
    `add_header X-Nr "\${${name}}x";`,
  ]);
  const site = inBlock(m, stmt);
  return site ? { kind: "variable", variant: stmt, files: { site } } : null;
}

function definedVariable(m: Maker): Mutation | null {
  const v = pick(m.rnd, [
    "set",
    "map",
    "capture",
    "capture-elsewhere",
    "geo",
    "set-later",
    "split_clients",
    "undefined",
  ]);
  const srv = servers(m);
  if (!srv.length) return null;
  const s = pick(m.rnd, srv);
  let http: string | undefined;
  let inner = "";
  if (v === "set") inner = "set $nr_a 1;\n    location = /nr-a { return 200 $nr_a; }";
  if (v === "set-later") inner = "location = /nr-a { return 200 $nr_a; }\n    location = /nr-b { set $nr_a 1; }";
  if (v === "map") {
    http = "map $uri $nr_a {\n    default 1;\n}\n";
    inner = "location = /nr-a { return 200 $nr_a; }";
  }
  if (v === "geo") {
    http = "geo $nr_a {\n    default 1;\n    127.0.0.1 2;\n}\n";
    inner = "location = /nr-a { return 200 $nr_a; }";
  }
  if (v === "split_clients") {
    http = 'split_clients "${remote_addr}" $nr_a {\n    50% one;\n    * two;\n}\n';
    inner = "location = /nr-a { return 200 $nr_a; }";
  }
  if (v === "capture") inner = "location ~ ^/nr-(?<nr_id>\\d+)$ { return 200 $nr_id; }";
  if (v === "capture-elsewhere")
    inner = "location ~ ^/nr-(?<nr_id>\\d+)$ { }\n    location = /nr-b { return 200 $nr_id; }";
  if (v === "undefined") inner = "location = /nr-a { return 200 $nr_a; }";
  return { kind: "defined-variable", variant: v, files: { site: insertFirst(m, s, inner), http } };
}

function fileMutation(m: Maker): Mutation | null {
  const v = pick(m.rnd, [
    "include-missing",
    "include-glob-none",
    "include-present",
    "cert-missing",
    "cert-present",
    "key-missing",
    "trusted-missing",
    "dhparam-missing",
    "cert-garbage",
    "client-cert-missing",
  ]);
  const srv = servers(m);
  if (!srv.length) return null;
  const s = pick(m.rnd, srv);
  const files: Record<string, string | null> = {};
  let stmt = "";
  if (v === "include-missing") stmt = "include snippets/nr-missing.conf;";
  if (v === "include-glob-none") stmt = "include snippets/nr-*.conf;";
  if (v === "include-present") {
    stmt = "include snippets/nr-present.conf;";
    files["snippets/nr-present.conf"] = "add_header X-Nr 1;\n";
  }
  const pair = "ssl_certificate certs/server.pem;\n    ssl_certificate_key certs/server.key;";
  if (v === "cert-missing") stmt = "ssl_certificate certs/nr-missing.pem;\n    ssl_certificate_key certs/server.key;";
  if (v === "cert-present") stmt = pair;
  if (v === "key-missing") stmt = "ssl_certificate certs/server.pem;\n    ssl_certificate_key certs/nr-missing.key;";
  if (v === "trusted-missing") stmt = `${pair}\n    ssl_trusted_certificate certs/nr-missing.pem;`;
  if (v === "client-cert-missing")
    stmt = `${pair}\n    ssl_client_certificate certs/nr-missing.pem;\n    ssl_verify_client on;`;
  if (v === "dhparam-missing") stmt = `${pair}\n    ssl_dhparam certs/nr-missing.pem;`;
  if (v === "cert-garbage") {
    stmt = "ssl_certificate certs/nr-garbage.pem;\n    ssl_certificate_key certs/server.key;";
    files["certs/nr-garbage.pem"] = "not a certificate\n";
  }
  return { kind: "file", variant: v, files: { site: insertFirst(m, s, stmt), files } };
}

function proxyPassMutation(m: Maker): Mutation | null {
  const target = pick(m.rnd, [
    `http://127.0.0.1:${m.port(8)}/nr/`,
    `http://127.0.0.1:${m.port(8)}`,
    `http://127.0.0.1:${m.port(8)}/$uri`,
  ]);
  const where = pick(m.rnd, ["regex", "named", "if", "prefix", "limit_except", "exact"]);
  const pp = `proxy_pass ${target};`;
  const body: Record<string, string> = {
    regex: `location ~ ^/nr-pp { ${pp} }`,
    named: `location @nr_pp { ${pp} }`,
    if: `location /nr-pp { if ($arg_x) { ${pp} } }`,
    prefix: `location /nr-pp { ${pp} }`,
    limit_except: `location /nr-pp { limit_except GET { ${pp} } }`,
    exact: `location = /nr-pp { ${pp} }`,
  };
  const site = inLocation(m, body[where]);
  return site ? { kind: "proxy-pass-uri", variant: body[where], files: { site } } : null;
}

function nestedLocation(m: Maker): Mutation | null {
  const v = pick(m.rnd, [
    "location = /nr { location /nr/a { } }",
    "location @nr { location /x { } }",
    "location /nr { location /other { } }",
    "location /nr { location /nr/a { } }",
    "location /nr { location @inner { } }",
    "location /nr { location ~ \\.php$ { } }",
    "location ~ ^/nr { location /nr/a { } }",
    "location ~ ^/nr { location ~ a { } }",
  ]);
  const site = inLocation(m, v);
  return site ? { kind: "nested-location", variant: v, files: { site } } : null;
}

function ifCondition(m: Maker): Mutation | null {
  const cond = pick(m.rnd, [
    "$request_method = POST",
    "$request_method = ",
    "$uri == /a",
    "foo",
    "-f $request_filename",
    "!-e $request_filename",
    "-x",
    "$http_x ~* (bad",
    "$arg_a",
    "$http_x !~ ^a$",
    "-d /tmp /tmp",
    '$uri = "/a b"',
    "$uri ~ ^/a$ x",
    "!$arg_a",
  ]);
  const site = inBlock(m, `if (${cond}) { return 403; }`);
  return site ? { kind: "if-condition", variant: cond, files: { site } } : null;
}

function returnCode(m: Maker): Mutation | null {
  const v = pick(m.rnd, [
    "return 999;",
    "return 200 ok;",
    "return 301 /x;",
    "return 302;",
    "return abc;",
    "return 1000 x;",
    "return 444;",
    'return "http://x";',
    "return 200 a b;",
    "return -1;",
    "return 99;",
  ]);
  const site = inBlock(m, v);
  return site ? { kind: "return", variant: v, files: { site } } : null;
}

function rewriteFlag(m: Maker): Mutation | null {
  const flag = pick(m.rnd, ["last", "lasts", "break", "redirect", "permanent", "Last", "temporary", "last break"]);
  const stmt = `rewrite ^/nr-a /nr-b ${flag};`;
  const site = inBlock(m, stmt);
  return site ? { kind: "rewrite-flag", variant: stmt, files: { site } } : null;
}

function errorPage(m: Maker): Mutation | null {
  const v = pick(m.rnd, [
    "error_page 404 /x;",
    "error_page 299 /x;",
    "error_page 404 =abc /x;",
    "error_page 404 =200 /x;",
    "error_page 600 /x;",
    "error_page 404 @nr;",
    "error_page abc /x;",
    "error_page 404 = /x;",
    "error_page 500 502 503 504 /50x.html;",
    "error_page 404 =301 http://example.com/;",
  ]);
  const site = inBlock(m, v);
  return site ? { kind: "error-page", variant: v, files: { site } } : null;
}

function logFormat(m: Maker): Mutation | null {
  const v = pick(m.rnd, [
    "log_format nr_f escape=json '$remote_addr';",
    "log_format nr_f escape=xml '$remote_addr';",
    "log_format nr_f escape=none '$remote_addr $request';",
    "log_format nr_f '$remote_addr';\nlog_format nr_f '$uri';",
    "log_format nr_f '$nr_nothing';",
    "log_format nr_f '${remote_addr}x';",
    "log_format nr_f '$remote_addr';",
    "log_format combined '$remote_addr';",
  ]);
  const site = inLocation(m, "location = /nr-log { access_log logs/nr.log nr_f; return 204; }");
  return site ? { kind: "log-format", variant: v, files: { site, http: v + "\n" } } : null;
}

function listenMutation(m: Maker): Mutation | null {
  const listens = m.list.filter((s) => s.d.name === "listen");
  if (!listens.length) return null;
  const s = pick(m.rnd, listens);
  const addr = s.d.argValue(0)!;
  const v = pick(m.rnd, [
    "foo",
    "backlog=abc",
    "rcvbuf=1x",
    "so_keepalive=on",
    "so_keepalive=1x:2:3",
    "default_server",
    "other-server-default",
    "other-server-ssl",
    "other-server-same-name",
    "reuseport",
    "bind",
    "ipv6only=on",
    "http2",
  ]);
  let site: string;
  if (v.startsWith("other-server-")) {
    const extra =
      v === "other-server-default"
        ? `server {\n    listen ${addr} default_server;\n}\n`
        : v === "other-server-ssl"
          ? `server {\n    listen ${addr} ssl;\n    ssl_certificate certs/server.pem;\n    ssl_certificate_key certs/server.key;\n}\n`
          : `server {\n    listen ${addr};\n    server_name ${m.list.find((x) => x.d.name === "server_name")?.d.argValue(0) ?? "localhost"};\n}\n`;
    site = m.site + "\n" + extra;
  } else {
    const text = m.site.slice(s.start, s.end).replace(/;$/, ` ${v};`);
    site = m.site.slice(0, s.start) + text + m.site.slice(s.end);
  }
  return { kind: "listen", variant: v, files: { site } };
}

function newerDirective(m: Maker, version: string): Mutation | null {
  const b = someBlock(m);
  if (!b) return null;
  const cands = table().filter(
    (e) =>
      e.type === "http" &&
      e.contexts.includes(b.context) &&
      e.since !== null &&
      e.argcMin <= 1 &&
      familyOf(e.handler) === "flag",
  );
  const newer = cands.filter((e) => compareVersions(e.since!, version) > 0);
  const older = cands.filter((e) => compareVersions(e.since!, version) <= 0);
  const e = m.rnd() < 0.7 && newer.length ? pick(m.rnd, newer) : pick(m.rnd, older);
  if (!e) return null;
  const text = `${e.name} on;`;
  return {
    kind: "version",
    variant: `${text} (since ${e.since}) in ${b.context}`,
    files: { site: insertFirst(m, b.s, text) },
  };
}

function contextMutation(m: Maker): Mutation | null {
  const v = pick(m.rnd, [
    "worker_processes 1;",
    "upstream nr { server 127.0.0.1; }",
    "server_name nr.example;",
    "listen 127.0.0.1:1;",
    "http { }",
    "location /nr { }",
    "gzip on;",
    "keepalive_timeout 5s;",
  ]);
  const locs = locations(m);
  const site = locs.length ? insertFirst(m, pick(m.rnd, locs), v) : null;
  return site ? { kind: "context", variant: v, files: { site } } : null;
}

function harmless(m: Maker): Mutation | null {
  const v = pick(m.rnd, ["# a comment", "add_header X-Nr 1;", "expires 1h;", "\n\n", "etag off;", "charset utf-8;"]);
  const site = inBlock(m, v);
  return site ? { kind: "harmless", variant: v, files: { site } } : null;
}

/** A value of a standard setter of the stream modules, in a `stream { server { } }` beside `http`. */
function streamValue(m: Maker, version: string): Mutation | null {
  const family = pick(m.rnd, ["flag", "num", "size", "time", "enum", "bitmask"]);
  const context = m.rnd() < 0.7 ? "stream_server" : "stream";
  const cands = withHandler(HANDLERS[family], context, version, "stream").filter((e) => e.argcMin <= 1);
  if (!cands.length) return null;
  const e = pick(m.rnd, cands);
  const value = pick(m.rnd, VALUES[family]);
  const stmt = `${e.name} ${/\s/.test(value) ? `"${value}"` : value};`;
  const server = `    server {\n        listen 127.0.0.1:${m.port(7)};\n        ${context === "stream_server" ? stmt : ""}\n        proxy_pass 127.0.0.1:${m.port(8)};\n    }`;
  const main = `stream {\n    ${context === "stream" ? stmt : ""}\n${server}\n}\n`;
  return { kind: "stream-value", variant: `${stmt} in ${context}`, files: { site: m.site, main } };
}

/** A value of a main-level or `events` directive (worker processes, connections, timers). */
function mainValue(m: Maker, version: string): Mutation | null {
  const family = pick(m.rnd, ["flag", "num", "size", "time", "enum"]);
  const context = m.rnd() < 0.5 ? "main" : "events";
  const type = context === "main" ? "core" : "event";
  const cands = withHandler(HANDLERS[family], context, version, type).filter(
    (e) =>
      e.argcMin <= 1 &&
      !["daemon", "master_process", "pid", "lock_file", "working_directory", "worker_connections"].includes(e.name),
  );
  const custom = [
    "worker_processes abc;",
    "worker_processes auto;",
    "worker_processes 2;",
    "worker_rlimit_nofile 1k;",
    "worker_rlimit_nofile 4096;",
    "worker_priority -30;",
    "worker_priority 5;",
    "timer_resolution 100x;",
    "env NR_X;",
    "worker_cpu_affinity auto;",
    "worker_cpu_affinity 0101 abc;",
  ];
  const useTable = cands.length > 0 && m.rnd() < 0.6;
  let stmt: string;
  if (useTable) {
    const e = pick(m.rnd, cands);
    const value = pick(m.rnd, VALUES[family]);
    stmt = `${e.name} ${/\s/.test(value) ? `"${value}"` : value};`;
  } else stmt = pick(m.rnd, custom);
  const where = useTable ? context : "main";
  // `events` is written by the layout (a second one is a mistake of its own): its statements go into it.
  if (where === "events")
    return { kind: "main-value", variant: `${stmt} in events`, files: { site: m.site, events: stmt } };
  return { kind: "main-value", variant: `${stmt} in main`, files: { site: m.site, main: stmt + "\n" } };
}

type MutationFn = (m: Maker, version: string) => Mutation | null;

export const MUTATIONS: Record<string, MutationFn> = {
  "value-flag": valueMutation("flag"),
  "value-num": valueMutation("num"),
  "value-size": valueMutation("size"),
  "value-time": valueMutation("time"),
  "value-enum": valueMutation("enum"),
  "value-bitmask": valueMutation("bitmask"),
  "replace-value": replaceValue,
  "duplicate-statement": duplicateStatement,
  "override-in-location": overrideInLocation,
  "duplicate-location": duplicateLocation,
  upstream: upstreams,
  map: mapKeys,
  regex: regexMutation,
  variable: variableMutation,
  "defined-variable": definedVariable,
  file: fileMutation,
  "proxy-pass-uri": proxyPassMutation,
  "nested-location": nestedLocation,
  "if-condition": ifCondition,
  return: returnCode,
  "rewrite-flag": rewriteFlag,
  "error-page": errorPage,
  "log-format": logFormat,
  listen: listenMutation,
  version: newerDirective,
  context: contextMutation,
  harmless,
  "stream-value": streamValue,
  "main-value": mainValue,
};

/** Case `i` of a run: a base and a mutation picked by the seeded generator; null when it does not apply. */
export function makeCase(base: Base, kind: string, rnd: () => number, version: string): Mutation | null {
  const m: Maker = {
    base,
    site: base.site,
    list: statements(base.site),
    rnd,
    port: (i) => `__PORT${base.ports + i}__`,
  };
  return MUTATIONS[kind](m, version);
}
