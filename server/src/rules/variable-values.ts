// What a variable or a complex value (`"http://$host$uri"`) may hold, for the rules about variables whose
// value a client chooses: ssrf (the upstream's address) and http-splitting (CR/LF in a header or request
// line). A value is a list of parts, literal text and variables; a variable is, in turn,
//
// - a builtin, whose bytes follow from how nginx fills it (BUILTINS below, with the nginx source that says
//   so): `$uri` is the decoded path and holds CR and LF (`/%0d%0a` → "\r\n"), `$request_uri` is the raw one
//   and never does, a header's value (`$http_*`, `$cookie_*`) is attacker-chosen but never holds CR/LF;
// - a capture (`$1`, `$name`) of the regex that matched last: a `location ~`, an `if (… ~ …)`, a `rewrite`,
//   a `map` key — what the group can match (regex-shape.ts) AND what the matched subject can hold (a
//   capture of `$request_uri` never holds LF, whatever the group says);
// - a `set` or `map` variable of the configuration: each value it can be given, expanded in turn.
//
// The rules ask the model (rules/variable-flow.ts) where each `set` and `map` is; this module knows nothing
// of the model.

import { ByteSet, CR, LF, bytesOf, firstOf, regexShape, type RegexNode, type RegexShape } from "./regex-shape";

/** What one variable may hold. */
export interface Holds {
  /** Bytes it may contain. */
  bytes: ByteSet;
  /** A client chooses (part of) it. */
  user: boolean;
  /** It always starts with `/` (a path: anything after it in a URL is the path, not the host). */
  slashFirst: boolean;
}

/** A part of a complex value: literal text, or a variable (`name` without `$`; `1`…`9` for captures). */
export type ValuePart = { lit: string } | { name: string };

/** The parts of a complex value as ngx_http_script_compile reads it (`$name`, `${name}`, `$1`). */
export function valueParts(text: string): ValuePart[] {
  const out: ValuePart[] = [];
  let lit = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== "$") {
      lit += c;
      i++;
      continue;
    }
    let name: string | null = null;
    let end = i + 1;
    if (/[1-9]/.test(text[i + 1] ?? "")) {
      name = text[i + 1];
      end = i + 2;
    } else if (text[i + 1] === "{") {
      const close = text.indexOf("}", i + 2);
      if (close > i + 2 && /^[A-Za-z0-9_]+$/.test(text.slice(i + 2, close))) {
        name = text.slice(i + 2, close);
        end = close + 1;
      }
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(text.slice(i + 1));
      if (m) {
        name = m[0];
        end = i + 1 + m[0].length;
      }
    }
    if (name === null) {
      lit += c;
      i++;
      continue;
    }
    if (lit) out.push({ lit });
    lit = "";
    out.push({ name: name.toLowerCase() });
    i = end;
  }
  if (lit) out.push({ lit });
  return out;
}

const ALL = ByteSet.all();
const NO_NUL = ALL.minus(ByteSet.of(0));
/** A header value: nginx's header parser ends a line at LF and refuses a lone CR and NUL (ngx_http_parse_header_line). */
const HEADER_VALUE = ALL.minus(ByteSet.of(0, CR, LF));
/** A raw request-target: no space, CR, LF, NUL (ngx_http_parse_request_line ends it there). */
const RAW_URI = ALL.minus(ByteSet.of(0, 0x20, 9, CR, LF));
const DIGITS_DOT = ByteSet.chars("0123456789.:abcdefABCDEF[]");

function h(bytes: ByteSet, user: boolean, slashFirst = false): Holds {
  return { bytes, user, slashFirst };
}

/**
 * Builtin variables a client chooses (nginx 1.22–1.27, src/http/ngx_http_variables.c and the modules named):
 * exact names, then prefixes. Every other builtin is the server's own (addresses, times, status, config
 * values) and taken as holding nothing a client picks.
 */
const BUILTIN_EXACT: Record<string, Holds> = {
  // r->uri: decoded by ngx_http_parse_complex_uri (%0d%0a → CR LF; %00 refused), after merge_slashes.
  uri: h(NO_NUL, true, true),
  document_uri: h(NO_NUL, true, true),
  // Built from r->uri (ngx_http_map_uri_to_path, the fastcgi split_path_info captures).
  request_filename: h(NO_NUL, true, true),
  fastcgi_script_name: h(NO_NUL, true, true),
  fastcgi_path_info: h(NO_NUL, true),
  // r->unparsed_uri: the raw request-target's path and query, as sent.
  request_uri: h(RAW_URI, true, true),
  args: h(RAW_URI, true),
  query_string: h(RAW_URI, true),
  is_args: h(ByteSet.of(0x3f), false),
  // The request line as sent.
  request: h(RAW_URI.union(ByteSet.of(0x20)), true),
  // ngx_http_validate_host: lowercase, no `/`, `\`, NUL; from the Host header or the request line. A
  // non-default server only sees the names its server_name accepts, but a default one sees any.
  host: h(ByteSet.chars("abcdefghijklmnopqrstuvwxyz0123456789.-_:[]"), true),
  // Decoded from base64 (ngx_http_auth_basic_user): any byte but the colon.
  remote_user: h(ALL.minus(ByteSet.of(0x3a)), true),
  request_body: h(ALL, true),
  content_type: h(HEADER_VALUE, true),
  content_length: h(ByteSet.chars("0123456789"), false),
  proxy_add_x_forwarded_for: h(HEADER_VALUE, true),
  request_method: h(ByteSet.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ_-"), false),
  server_protocol: h(ByteSet.chars("HTP/0123456789."), false),
  remote_addr: h(DIGITS_DOT, false),
  server_addr: h(DIGITS_DOT, false),
  // stream's ngx_stream_ssl_preread_module: the SNI name the client sent (a host name, no CR/LF).
  ssl_preread_server_name: h(ByteSet.chars("abcdefghijklmnopqrstuvwxyz0123456789.-_"), true),
  realpath_root: h(NO_NUL, false, true),
  document_root: h(NO_NUL, false, true),
};

const BUILTIN_PREFIX: [string, Holds][] = [
  ["http_", h(HEADER_VALUE, true)],
  ["cookie_", h(HEADER_VALUE, true)],
  // ngx_http_arg: the raw query's value, up to `&`.
  ["arg_", h(RAW_URI.minus(ByteSet.of(0x26)), true)],
  // The upstream's response headers: the upstream's choice, never CR/LF.
  ["upstream_http_", h(HEADER_VALUE, false)],
  ["upstream_cookie_", h(HEADER_VALUE, false)],
  ["sent_http_", h(HEADER_VALUE, false)],
];

/** What builtin `name` may hold; null for a name that is no builtin this module knows. */
export function builtinHolds(name: string): Holds | null {
  const exact = BUILTIN_EXACT[name];
  if (exact) return exact;
  for (const [prefix, holds] of BUILTIN_PREFIX)
    if (name.startsWith(prefix) && name.length > prefix.length) return holds;
  return null;
}

/** A value nothing of the client reaches: a literal, a server-side variable. */
export const SERVER_SIDE: Holds = { bytes: new ByteSet(), user: false, slashFirst: false };

/** The regex shapes of patterns, case-sensitive and caseless (a location regex is asked about by every sink in it). */
const shapes = [new Map<string, RegexShape | null>(), new Map<string, RegexShape | null>()];

export function shapeOf(pattern: string, caseless: boolean): RegexShape | null {
  const byPattern = shapes[caseless ? 1 : 0];
  let s = byPattern.get(pattern);
  if (s === undefined) {
    s = regexShape(pattern, caseless);
    if (byPattern.size > 4096) byPattern.clear();
    byPattern.set(pattern, s);
  }
  return s;
}

/** Per group: what it can consume and start with (computed once), and its holds per subject seen. */
interface GroupFacts {
  bytes: ByteSet;
  slashFirst: boolean;
  bySubject: Map<Holds, Holds>;
}
const groupFacts = new WeakMap<RegexNode, GroupFacts>();

/**
 * What capture `name` (`1`…`9`, or a group name) of `shape` holds when the regex matched a subject that
 * holds `subject`; null when the regex has no such group.
 */
export function captureHolds(shape: RegexShape, name: string, subject: Holds): Holds | null {
  const index = name.length === 1 && name >= "1" && name <= "9" ? Number(name) : shape.named.get(name);
  if (index === undefined) return null;
  const group = shape.groups[index];
  if (!group) return null;
  let facts = groupFacts.get(group);
  if (facts === undefined) {
    const f = firstOf(group.body);
    facts = { bytes: bytesOf(group.body), slashFirst: !f.empty && SLASH.covers(f.first), bySubject: new Map() };
    groupFacts.set(group, facts);
  }
  let held = facts.bySubject.get(subject);
  if (held === undefined) {
    const bytes = facts.bytes.intersect(subject.user ? subject.bytes : ALL);
    held = { bytes, user: subject.user && !bytes.isEmpty(), slashFirst: facts.slashFirst };
    if (facts.bySubject.size < 64) facts.bySubject.set(subject, held);
  }
  return held;
}

const SLASH = ByteSet.of(0x2f);

/** The union of two alternatives' holds (a variable that may be given either). */
export function unionHolds(a: Holds, b: Holds): Holds {
  return { bytes: a.bytes.union(b.bytes), user: a.user || b.user, slashFirst: a.slashFirst && b.slashFirst };
}

/** `holds` as a concatenation of parts: what the whole may hold. */
export function concatHolds(parts: readonly (Holds | string)[]): Holds {
  let bytes = new ByteSet();
  let user = false;
  for (const p of parts) {
    if (typeof p === "string") continue;
    if (p.user) {
      bytes = bytes.union(p.bytes);
      user = true;
    }
  }
  const first = parts.find((p) => typeof p !== "string" || p.length > 0);
  const slashFirst = first === undefined ? false : typeof first === "string" ? first.startsWith("/") : first.slashFirst;
  return { bytes, user, slashFirst };
}

/** Whether `holds` may carry CR / LF a client put there. */
export function holdsCr(holds: Holds): boolean {
  return holds.user && holds.bytes.has(CR);
}
export function holdsLf(holds: Holds): boolean {
  return holds.user && holds.bytes.has(LF);
}
