// The own handlers of the directives whose values people get wrong most (by frequency in the corpus), as
// nginx 1.22's read them: each function cites the C handler it follows. `customCheck` answers undefined
// for a directive it does not know (the standard setters then judge it: value.ts).

import type { Directive } from "../parse/ast";
import type { ModuleType } from "../parse/directives";
import { arg, atoi, err, parseSize, parseTime, type ValueProblem } from "./value-parse";

/** ngx_inet_addr (src/core/ngx_inet.c): four dotted decimal octets; 255.255.255.255 is INADDR_NONE, refused. */
export function inetAddr(s: string): number[] | null {
  let octet = 0;
  let n = 0;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (octet > 255) return null;
      continue;
    }
    if (c === 46) {
      bytes.push(octet);
      octet = 0;
      n++;
      continue;
    }
    return null;
  }
  if (n !== 3) return null;
  bytes.push(octet);
  if (bytes.every((b) => b === 255)) return null;
  return bytes;
}

/** ngx_inet6_addr (src/core/ngx_inet.c): the 16 bytes, or null where it answers NGX_ERROR. */
export function inet6Addr(s: string): number[] | null {
  if (s.length === 0) return null;
  const addr: number[] = [];
  let zero = -1;
  let digit = -1;
  let nibbles = 0;
  let word = 0;
  let n = 8;
  let p = s[0] === ":" ? 1 : 0;
  for (; p < s.length; p++) {
    let c = s.charCodeAt(p);
    if (c === 58) {
      if (nibbles) {
        digit = p + 1;
        addr.push(word >> 8, word & 0xff);
        if (--n) {
          nibbles = 0;
          word = 0;
          continue;
        }
      } else if (zero === -1) {
        digit = p + 1;
        zero = addr.length;
        continue;
      }
      return null;
    }
    if (c === 46 && nibbles) {
      if (n < 2 || digit === -1) return null;
      const v4 = inetAddr(s.slice(digit));
      if (v4 === null) return null;
      addr.push(...v4);
      n--;
      // nginx writes the last two bytes below from `word` as read so far: they are overwritten by the
      // embedded address's last two in effect (the check only needs validity).
      return finish6(addr, n - 1, zero);
    }
    if (++nibbles > 4) return null;
    if (c >= 48 && c <= 57) {
      word = word * 16 + (c - 48);
      continue;
    }
    c |= 0x20;
    if (c >= 97 && c <= 102) {
      word = word * 16 + (c - 97) + 10;
      continue;
    }
    return null;
  }
  if (nibbles === 0 && zero === -1) return null;
  addr.push(word >> 8, word & 0xff);
  return finish6(addr, n - 1, zero);
}

function finish6(addr: number[], n: number, zero: number): number[] | null {
  if (n) {
    if (zero === -1) return null;
    addr.splice(zero, 0, ...new Array<number>(n * 2).fill(0));
    return addr.slice(0, 16);
  }
  return zero === -1 ? addr.slice(0, 16) : null;
}

/** ngx_ptocidr: "ok", "done" (low address bits set: nginx warns), or null (NGX_ERROR). */
export function ptocidr(s: string): "ok" | "done" | null {
  const slash = s.indexOf("/");
  const a = slash < 0 ? s : s.slice(0, slash);
  const v4 = inetAddr(a);
  const bytes = v4 ?? inet6Addr(a);
  if (bytes === null) return null;
  if (slash < 0) return "ok";
  const shiftBig = atoi(s.slice(slash + 1));
  if (shiftBig === null) return null;
  if (shiftBig > (v4 ? 32n : 128n)) return null;
  let shift = Number(shiftBig);
  let rc: "ok" | "done" = "ok";
  for (const b of bytes) {
    const bits = Math.min(8, shift);
    shift -= bits;
    const mask = (0xff << (8 - bits)) & 0xff;
    if ((b & mask) !== b) rc = "done";
  }
  return rc;
}

/** Whether the deployed `version` has what came in `release` (unknown version: it may, so yes). */
function since(version: string | undefined, release: string): boolean {
  if (version === undefined) return true;
  const a = version.split(".").map(Number);
  const b = release.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

function startsWithRedirect(s: string): boolean {
  return s.startsWith("http://") || s.startsWith("https://") || s.startsWith("$scheme");
}

/** What nginx's own handler of `d` says of its values; undefined when this file has no model of the handler. */
export function customCheck(d: Directive, family: ModuleType, version?: string): ValueProblem[] | undefined {
  switch (family) {
    case "core":
      return d.name === "worker_processes" ? workerProcesses(d) : undefined;
    case "event":
      return d.name === "worker_connections" ? workerConnections(d) : undefined;
    case "http":
      switch (d.name) {
        case "listen":
          return httpListen(d, version);
        case "return":
          return returnCode(d);
        case "if":
          return ifCondition(d);
        case "limit_req_zone":
        case "limit_conn_zone":
          return limitZone(d);
        case "limit_req":
          return limitReq(d);
        case "limit_conn":
          return limitConn(d);
        case "log_format":
          return logFormatEscape(d);
        case "resolver":
          return resolver(d, version);
        case "server":
          // In an upstream (the server block is a block, not judged here).
          return d.block ? undefined : upstreamServer(d, version);
        case "rewrite":
          return rewriteFlag(d);
        case "error_page":
          return errorPage(d);
        case "allow":
        case "deny":
          return accessRule(d);
        case "expires":
          return expires(d);
        case "keepalive_timeout":
          return keepaliveTimeout(d);
        case "add_header":
        case "add_trailer":
          return addHeader(d);
        default:
          return undefined;
      }
    case "stream":
      if (d.name === "resolver") return resolver(d, version);
      return d.name === "allow" || d.name === "deny" ? accessRule(d) : undefined;
    default:
      return undefined;
  }
}

/** ngx_set_worker_processes (src/core/nginx.c): `auto` (case-sensitive) or a number. */
function workerProcesses(d: Directive): ValueProblem[] {
  if (d.argCount !== 1) return [];
  const v = arg(d, 0);
  if (v === "auto" || atoi(v) !== null) return [];
  return [err(0, "invalid-value", `"worker_processes" directive invalid value`)];
}

/** ngx_event_connections (src/event/ngx_event.c): a number, or it logs `invalid number "X"`. */
function workerConnections(d: Directive): ValueProblem[] {
  if (d.argCount !== 1) return [];
  const v = arg(d, 0);
  return atoi(v) === null ? [err(0, "invalid-number", `invalid number "${v}"`)] : [];
}

/**
 * ngx_http_rewrite_return (src/http/modules/ngx_http_rewrite_module.c): a code of at most 999, or a lone
 * URL starting with http://, https:// or $scheme.
 */
function returnCode(d: Directive): ValueProblem[] {
  if (d.argCount < 1 || d.argCount > 2) return [];
  const v = arg(d, 0);
  const code = atoi(v);
  if (code === null) {
    if (d.argCount === 1 && startsWithRedirect(v)) return [];
    return [err(0, "invalid-return-code", `invalid return code "${v}"`)];
  }
  return code > 999n ? [err(0, "invalid-return-code", `invalid return code "${v}"`)] : [];
}

/** ngx_http_rewrite: the fourth word is last, break, redirect or permanent (case-sensitive). */
function rewriteFlag(d: Directive): ValueProblem[] {
  if (d.argCount !== 3) return [];
  const f = arg(d, 2);
  if (f === "last" || f === "break" || f === "redirect" || f === "permanent") return [];
  return [err(2, "invalid-parameter", `invalid parameter "${f}"`)];
}

/** ngx_http_core_error_page (src/http/ngx_http_core_module.c): codes 300–599 but 499, `=` or `=CODE` before the URI. */
function errorPage(d: Directive): ValueProblem[] {
  const n = d.argCount;
  if (n < 2) return [];
  const i = n - 2;
  let codesEnd = n - 1;
  const eq = arg(d, i);
  if (eq.startsWith("=")) {
    if (i === 0) return [err(i, "invalid-value", `invalid value "${eq}"`)];
    if (eq.length > 1 && atoi(eq.slice(1)) === null) return [err(i, "invalid-value", `invalid value "${eq}"`)];
    codesEnd = n - 2;
  }
  for (let k = 0; k < codesEnd; k++) {
    const v = arg(d, k);
    const code = atoi(v);
    if (code === null || code === 499n) return [err(k, "invalid-value", `invalid value "${v}"`)];
    if (code < 300n || code > 599n) return [err(k, "invalid-value", `value "${v}" must be between 300 and 599`)];
  }
  return [];
}

/** ngx_http_access_rule / ngx_stream_access_rule: `all`, `unix:`, or an address with an optional /mask (ngx_ptocidr). */
function accessRule(d: Directive): ValueProblem[] {
  if (d.argCount !== 1) return [];
  const v = arg(d, 0);
  if (v === "all" || v === "unix:") return [];
  const rc = ptocidr(v);
  if (rc === null) return [err(0, "invalid-parameter", `invalid parameter "${v}"`)];
  if (rc === "done")
    return [
      { arg: 0, severity: "warning", code: "low-address-bits", message: `low address bits of ${v} are meaningless` },
    ];
  return [];
}

/** ngx_http_headers_expires and ngx_http_parse_expires (src/http/modules/ngx_http_headers_filter_module.c). */
function expires(d: Directive): ValueProblem[] {
  const n = d.argCount;
  if (n < 1 || n > 2) return [];
  let modified = false;
  if (n === 2) {
    if (arg(d, 0) !== "modified") return [err(0, "invalid-value", `"expires" directive invalid value`)];
    modified = true;
  }
  let v = arg(d, n - 1);
  const at = n - 1;
  // A value with variables is evaluated per request.
  if (v.includes("$")) return [];
  if (!modified && (v === "epoch" || v === "max" || v === "off")) return [];
  let daily = false;
  if (v.startsWith("@")) {
    if (modified)
      return [err(at, "invalid-value", `"expires" directive daily time cannot be used with "modified" parameter`)];
    daily = true;
    v = v.slice(1);
  } else if (v.startsWith("+") || v.startsWith("-")) v = v.slice(1);
  const t = parseTime(v, true);
  if (t === null) return [err(at, "invalid-value", `"expires" directive invalid value`)];
  if (daily && t > 86400n)
    return [err(at, "invalid-value", `"expires" directive daily time value must be less than 24 hours`)];
  return [];
}

/** ngx_http_core_keepalive: a time in ms units, then optionally the header's time in seconds. */
function keepaliveTimeout(d: Directive): ValueProblem[] {
  if (d.argCount < 1 || d.argCount > 2) return [];
  if (parseTime(arg(d, 0), false) === null)
    return [err(0, "invalid-value", `"keepalive_timeout" directive invalid value`)];
  if (d.argCount === 2 && parseTime(arg(d, 1), true) === null)
    return [err(1, "invalid-value", `"keepalive_timeout" directive invalid value`)];
  return [];
}

/** ngx_http_headers_add: a third word must be `always` (case-sensitive). */
function addHeader(d: Directive): ValueProblem[] {
  if (d.argCount !== 3) return [];
  const v = arg(d, 2);
  return v === "always" ? [] : [err(2, "invalid-parameter", `invalid parameter "${v}"`)];
}

/**
 * The address of `listen` as ngx_parse_url reads it with `listen` set (ngx_parse_inet_url, src/core/ngx_inet.c):
 * the error text nginx puts before ` in "X" of the "listen" directive`, or null. unix: and [IPv6] addresses
 * and host names (resolved at -t: the side-effect rules' business) are not judged here.
 */
function listenAddressError(url: string): string | null {
  if (url.startsWith("unix:") || url.startsWith("[")) return null;
  const colon = url.indexOf(":");
  const slash = url.indexOf("/");
  const question = url.indexOf("?");
  if (slash >= 0 || question >= 0) return "invalid host";
  const portRange = (text: string): string | null => {
    let len = text.length;
    let lastPort = 0;
    const dash = text.indexOf("-");
    if (dash >= 0) {
      const n = atoi(text.slice(dash + 1));
      if (n === null || n < 1n || n > 65535n) return "invalid port";
      lastPort = Number(n);
      len = dash;
    }
    const n = atoi(text.slice(0, len));
    if (n === null || n < 1n || n > 65535n) return "invalid port";
    if (lastPort && Number(n) > lastPort) return "invalid port range";
    return null;
  };
  let host = url;
  if (colon >= 0) {
    const e = portRange(url.slice(colon + 1));
    if (e !== null) return e;
    host = url.slice(0, colon);
  } else {
    // A value that reads as a port (or a port range) is one.
    const dash = url.indexOf("-");
    let bad = false;
    let len = url.length;
    if (dash >= 0) {
      const n = atoi(url.slice(dash + 1));
      if (n !== null) {
        if (n < 1n || n > 65535n) bad = true;
        len = dash;
      } else len = -1;
    }
    if (len >= 0) {
      const n = atoi(url.slice(0, len));
      if (n !== null) {
        if (bad || n < 1n || n > 65535n) return "invalid port";
        if (dash >= 0 && Number(n) > Number(atoi(url.slice(dash + 1)))) return "invalid port range";
        return null;
      }
    }
  }
  if (host.length === 0) return "no host";
  return null;
}

/** The `listen` parameters of ngx_http_core_listen (src/http/ngx_http_core_module.c) as a Linux build has them. */
function httpListen(d: Directive, version: string | undefined): ValueProblem[] {
  if (d.argCount < 1) return [];
  const url = arg(d, 0);
  const e = listenAddressError(url);
  if (e !== null) return [err(0, "invalid-listen", `${e} in "${url}" of the "listen" directive`)];
  const out: ValueProblem[] = [];
  for (let i = 1; i < d.argCount; i++) {
    const v = arg(d, i);
    if (["default_server", "default", "bind", "deferred", "reuseport", "ssl", "http2", "proxy_protocol"].includes(v))
      continue;
    if ((v === "quic" && since(version, "1.25.0")) || (v === "multipath" && since(version, "1.29.7"))) continue;
    const numeric = v.startsWith("fastopen=") ? "fastopen" : v.startsWith("backlog=") ? "backlog" : null;
    if (numeric !== null) {
      const n = atoi(v.slice(numeric.length + 1));
      if (n === null || (numeric === "backlog" && n === 0n))
        return [err(i, "invalid-listen", `invalid ${numeric} "${v}"`)];
      continue;
    }
    if (v.startsWith("rcvbuf=") || v.startsWith("sndbuf=")) {
      if (parseSize(v.slice(7)) === null) return [err(i, "invalid-listen", `invalid ${v.slice(0, 6)} "${v}"`)];
      continue;
    }
    if (v.startsWith("accept_filter=")) {
      // Logged at [emerg] by a build without SO_ACCEPTFILTER (Linux), and ignored: -t still passes.
      out.push({
        arg: i,
        severity: "warning",
        code: "not-supported",
        message: `accept filters "${v}" are not supported on this platform, ignored`,
      });
      continue;
    }
    if (v.startsWith("ipv6only=o")) {
      const rest = v.slice(10);
      if (rest === "n" || rest === "ff") continue;
      return [err(i, "invalid-listen", `invalid ipv6only flags "${v.slice(9)}"`)];
    }
    if (v.startsWith("so_keepalive=")) {
      if (soKeepaliveValid(v.slice(13))) continue;
      return [err(i, "invalid-listen", `invalid so_keepalive value: "${v.slice(13)}"`)];
    }
    return [err(i, "invalid-parameter", `invalid parameter "${v}"`)];
  }
  return out;
}

/** `so_keepalive=on|off|[idle]:[intvl]:[cnt]` as ngx_http_core_listen reads it (times in seconds, a count). */
function soKeepaliveValid(s: string): boolean {
  if (s === "on" || s === "off") return true;
  const parts = s.split(":");
  const idle = parts[0] ?? "";
  const intvl = parts[1] ?? "";
  // The count is everything after the second colon (more colons make it no number).
  const cnt = parts.length > 2 ? parts.slice(2).join(":") : "";
  let any = false;
  if (idle !== "") {
    const t = parseTime(idle, true);
    if (t === null) return false;
    if (t !== 0n) any = true;
  }
  if (intvl !== "") {
    const t = parseTime(intvl, true);
    if (t === null) return false;
    if (t !== 0n) any = true;
  }
  if (cnt !== "") {
    const n = atoi(cnt);
    if (n === null) return false;
    if (n !== 0n) any = true;
  }
  return any;
}

/**
 * The shape of an `if` condition as ngx_http_rewrite_if_condition (src/http/modules/ngx_http_rewrite_module.c)
 * reads it: `(`, then `$var`, `$var OP value` (`=`, `!=`, `~`, `~*`, `!~`, `!~*`) or `-f|-d|-e|-x` (or `!-…`)
 * and a value, then `)`. Unknown variables and the regular expression are other rules' (variables, regex).
 */
function ifCondition(d: Directive): ValueProblem[] {
  const n = d.argCount;
  if (n < 1) return [];
  // nginx's value[1..nelts-1] are our args 0..n-1; it trims the parentheses in place.
  const v: string[] = [];
  for (let i = 0; i < n; i++) v.push(arg(d, i));
  const invalid = (i: number): ValueProblem[] => [err(i, "invalid-condition", `invalid condition "${v[i]}"`)];
  if (!v[0].startsWith("(")) return invalid(0);
  let cur = 0;
  if (v[0].length === 1) cur = 1;
  else v[0] = v[0].slice(1);
  let last = n - 1;
  if (!v[last].endsWith(")")) return invalid(last);
  if (v[last].length === 1) last--;
  else v[last] = v[last].slice(0, -1);
  if (cur >= n) return invalid(n - 1);
  const p = v[cur];
  if (p.length > 1 && p[0] === "$") {
    if (cur !== last && cur + 2 !== last) return invalid(cur);
    if (cur === last) return [];
    cur++;
    const op = v[cur];
    if (["=", "!=", "~", "~*", "!~", "!~*"].includes(op)) return [];
    return [err(cur, "invalid-condition", `unexpected "${op}" in condition`)];
  }
  if ((p.length === 2 && p[0] === "-") || (p.length === 3 && p[0] === "!" && p[1] === "-")) {
    if (cur + 1 !== last) return invalid(cur);
    const letter = p[p.length - 1];
    if ("fdex".includes(letter)) return [];
    return invalid(cur);
  }
  return invalid(cur);
}

/** ngx_pagesize on x86-64 Linux: a zone must have 8 pages at least. */
const MIN_ZONE = 8n * 4096n;

/**
 * ngx_http_limit_req_zone and ngx_http_limit_conn_zone: after the key, `zone=NAME:SIZE` (required) and, for
 * limit_req_zone, `rate=N[r/s|r/m]`.
 */
function limitZone(d: Directive): ValueProblem[] {
  let named = false;
  for (let i = 1; i < d.argCount; i++) {
    const v = arg(d, i);
    if (v.startsWith("zone=")) {
      const colon = v.indexOf(":", 5);
      if (colon < 0) return [err(i, "invalid-zone", `invalid zone size "${v}"`)];
      const size = parseSize(v.slice(colon + 1));
      if (size === null) return [err(i, "invalid-zone", `invalid zone size "${v}"`)];
      if (size < MIN_ZONE) return [err(i, "invalid-zone", `zone "${v}" is too small`)];
      named = colon > 5;
      continue;
    }
    if (d.name === "limit_req_zone" && v.startsWith("rate=")) {
      const body = v.endsWith("r/s") || v.endsWith("r/m") ? v.slice(5, -3) : v.slice(5);
      const rate = atoi(body);
      if (rate === null || rate === 0n) return [err(i, "invalid-rate", `invalid rate "${v}"`)];
      continue;
    }
    return [err(i, "invalid-parameter", `invalid parameter "${v}"`)];
  }
  return named ? [] : [err(-1, "missing-zone", `"${d.name}" must have "zone" parameter`)];
}

/** ngx_http_limit_req: `zone=NAME` (required), `burst=N`, `delay=N` (both above 0), `nodelay`. */
function limitReq(d: Directive): ValueProblem[] {
  let zone = false;
  for (let i = 0; i < d.argCount; i++) {
    const v = arg(d, i);
    if (v.startsWith("zone=")) {
      zone = true;
      continue;
    }
    const numeric = v.startsWith("burst=") ? "burst" : v.startsWith("delay=") ? "delay" : null;
    if (numeric !== null) {
      const n = atoi(v.slice(6));
      if (n === null || n === 0n) return [err(i, "invalid-parameter", `invalid ${numeric} value "${v}"`)];
      continue;
    }
    if (v === "nodelay") continue;
    return [err(i, "invalid-parameter", `invalid parameter "${v}"`)];
  }
  return zone ? [] : [err(-1, "missing-zone", `"limit_req" must have "zone" parameter`)];
}

/** ngx_http_limit_conn: `limit_conn ZONE N`, N from 1 to 65535. */
function limitConn(d: Directive): ValueProblem[] {
  if (d.argCount !== 2) return [];
  const v = arg(d, 1);
  const n = atoi(v);
  if (n === null || n === 0n) return [err(1, "invalid-number", `invalid number of connections "${v}"`)];
  if (n > 65535n) return [err(1, "invalid-number", "connection limit must be less 65536")];
  return [];
}

/**
 * The parameters of an upstream's `server` (ngx_http_upstream_server, src/http/ngx_http_upstream.c):
 * `weight=N` (not 0), `max_conns=N`, `max_fails=N`, `fail_timeout=TIME`, `backup`, `down`. Whether the
 * balancing method declared before it supports each (`balancing method does not support parameter`) and
 * the address (resolved at -t) are not judged here.
 */
function upstreamServer(d: Directive, version: string | undefined): ValueProblem[] {
  for (let i = 1; i < d.argCount; i++) {
    const v = arg(d, i);
    let ok: boolean;
    if (v.startsWith("weight=")) {
      const n = atoi(v.slice(7));
      ok = n !== null && n !== 0n;
    } else if (v.startsWith("max_conns=") || v.startsWith("max_fails=")) ok = atoi(v.slice(10)) !== null;
    else if (v.startsWith("fail_timeout=")) ok = parseTime(v.slice(13), true) !== null;
    else if (v === "resolve" || v.startsWith("service=")) ok = since(version, "1.27.3");
    else if (v === "drain" || v.startsWith("route=")) ok = since(version, "1.29.6");
    else ok = v === "backup" || v === "down";
    if (!ok) return [err(i, "invalid-parameter", `invalid parameter "${v}"`)];
  }
  // Then the address (ngx_parse_url without `listen`): only a port after host: is judged here.
  const url = arg(d, 0);
  if (url.startsWith("unix:") || url.startsWith("[")) return [];
  const colon = url.indexOf(":");
  if (colon < 0 || url.includes("/") || url.includes("?")) return [];
  const port = atoi(url.slice(colon + 1));
  if (port === null || port < 1n || port > 65535n) return [err(0, "invalid-port", `invalid port in upstream "${url}"`)];
  return [];
}

/** ngx_http_log_compile_format: `escape=default|json|none` right after the name (case-sensitive). */
function logFormatEscape(d: Directive): ValueProblem[] {
  if (d.argCount < 2) return [];
  const v = arg(d, 1);
  if (!v.startsWith("escape=")) return [];
  const e = v.slice(7);
  if (e === "default" || e === "json" || e === "none") return [];
  return [err(1, "invalid-escape", `unknown log format escaping "${e}"`)];
}

/**
 * The options of `resolver` (ngx_resolver_create, src/core/ngx_resolver.c): `valid=TIME` in seconds,
 * `ipv6=on|off`, and from 1.23.1 `ipv4=on|off`: else `invalid parameter: X`. Other words are addresses
 * (host names are resolved at -t: not judged here).
 */
function resolver(d: Directive, version: string | undefined): ValueProblem[] {
  for (let i = 0; i < d.argCount; i++) {
    const v = arg(d, i);
    let ok: boolean;
    if (v.startsWith("valid=")) ok = parseTime(v.slice(6), true) !== null;
    else if (v.startsWith("ipv6=") || (v.startsWith("ipv4=") && since(version, "1.23.1")))
      ok = v.slice(5) === "on" || v.slice(5) === "off";
    else continue;
    if (!ok) return [err(i, "invalid-parameter", `invalid parameter: ${v}`)];
  }
  return [];
}
