// Rule `merge`: what nginx refuses only once it has read the whole `http {}` block and merges each server's
// and location's settings with the ones they inherit — a value that is fine on its own line but not with
// the others in effect there. docs/rules/merge.md
//
// - The upstream buffers of proxy, fastcgi, uwsgi and scgi (ngx_http_proxy_merge_loc_conf and its
//   siblings in src/http/modules/): at least 2 buffers; `*_busy_buffers_size` and
//   `*_temp_file_write_size` at least the larger of `*_buffer_size` and one of `*_buffers` (default: twice
//   that), the busy size under all buffers but one, `*_max_temp_file_size` 0 or at least that size. nginx
//   names the line where the `http` block ends (the merge runs there), whatever line set the value; the
//   finding is on the directive that set it, with nginx's wording.
// - TLS in a server (ngx_http_ssl_merge_srv_conf, ngx_http_ssl_init in ngx_http_ssl_module.c):
//   `ssl_verify_client` on/optional without `ssl_client_certificate`; a certificate without its key;
//   `ssl on` without a certificate; and for each address with a `listen … ssl`, its default server (or,
//   when that one rejects handshakes, every server there) without a certificate. nginx names the server's
//   `{` line for the last one and no line for the others.

import type { Directive } from "../parse/ast";
import {
  effective,
  registerQuestion,
  sitesWhere,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../model";
import type { Finding, RelatedLocation, RuleOptions } from "./types";

export const RULE_ID = "merge";

/** The memory page size nginx's defaults are multiples of (ngx_pagesize): 4 KiB on x86-64 and most arm64. */
const PAGE = 4096;
const UNSET = -1;

/** ngx_parse_size (src/core/ngx_parse.c): a number with an optional k/K or m/M; null when nginx refuses it. */
export function parseSize(text: string): number | null {
  const m = /^(\d+)([kKmM]?)$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const scale = m[2] === "" ? 1 : m[2].toLowerCase() === "k" ? 1024 : 1024 * 1024;
  const v = n * scale;
  return Number.isSafeInteger(v) ? v : null;
}

interface Setting {
  value: number;
  site: DirectiveSite | null;
}

function sizeOf(ctx: ConfigContext, name: string): Setting | null {
  const e = effective(ctx, name);
  if (e === null) return { value: UNSET, site: null };
  const site = e.sites[e.sites.length - 1];
  const v = site.directive.argValue(0);
  const n = v === undefined ? null : parseSize(v);
  // A value the setter refuses is rule `value`'s; nothing to compare.
  return n === null ? null : { value: n, site };
}

function bufsOf(ctx: ConfigContext, name: string): { num: number; size: number; site: DirectiveSite | null } | null {
  const e = effective(ctx, name);
  if (e === null) return { num: 8, size: PAGE, site: null };
  const site = e.sites[e.sites.length - 1];
  const num = site.directive.argValue(0);
  const size = site.directive.argValue(1);
  const n = num !== undefined && /^\d+$/.test(num) ? Number(num) : null;
  const s = size === undefined ? null : parseSize(size);
  return n === null || s === null ? null : { num: n, size: s, site };
}

const UPSTREAM_MODULES = ["proxy", "fastcgi", "uwsgi", "scgi"] as const;
const BUFFER_NAMES = ["buffer_size", "buffers", "busy_buffers_size", "temp_file_write_size", "max_temp_file_size"];
const BUFFER_DIRECTIVES = new Set(UPSTREAM_MODULES.flatMap((m) => BUFFER_NAMES.map((n) => `${m}_${n}`)));
const TLS_DIRECTIVES = new Set(["ssl_certificate", "ssl_verify_client", "ssl", "listen"]);

/** Whether a block is an http location configuration of its own (nginx merges each). */
function isHttpLocationConfiguration(ctx: ConfigContext): boolean {
  return (
    ctx.isLocationConfiguration &&
    (ctx.kind === "server" || ctx.kind === "location" || ctx.kind === "if" || ctx.kind === "limit_except")
  );
}

export function mergeFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  const add = (site: DirectiveSite, code: string, message: string, related?: RelatedLocation[]): void => {
    const key = `${site.file.path}:${site.directive.startOffset}:${code}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({
      ruleId: RULE_ID,
      code,
      severity: "error",
      path: site.file.path,
      range: site.directive.nameWord.range,
      message,
      ...(related && related.length > 0 ? { related } : {}),
    });
  };
  // Which modules are used at all: a configuration without `proxy_buffer_size` & co. has nothing to check.
  // One question of the model for all of them (each name asked apart would walk the file once more: the
  // model remembers per block the answers of a few questions only, model/names-under.ts).
  const bufferSites = sitesWhere(model, "merge:buffers", BUFFER_QUESTION);
  const used = UPSTREAM_MODULES.filter((m) => bufferSites.some((s) => s.directive.name.startsWith(`${m}_`)));
  for (const m of used) {
    // A block that sets none of the five merges to its parent's values, and gets its verdict: only the
    // blocks that set one are checked, and for `http` (which nginx does not merge itself) its first server.
    // A keystroke re-checks a few blocks, not every location of the file.
    const checked = new Set<ConfigContext>();
    for (const site of bufferSites) {
      if (!site.directive.name.startsWith(`${m}_`)) continue;
      let ctx: ConfigContext | undefined = site.context;
      if (ctx.kind === "http") ctx = ctx.children.find((c) => c.kind === "server");
      if (ctx === undefined || checked.has(ctx) || !isHttpLocationConfiguration(ctx)) continue;
      checked.add(ctx);
      checkBuffers(ctx, m, add);
    }
  }
  checkTls(model, add);
  return out;
}

type Add = (site: DirectiveSite, code: string, message: string, related?: RelatedLocation[]) => void;

function related(site: DirectiveSite | null, message: string): RelatedLocation[] {
  return site === null ? [] : [{ path: site.file.path, range: site.directive.nameWord.range, message }];
}

/** The merge of `<m>_buffer_size`, `<m>_buffers`, `<m>_busy_buffers_size`, … in one location configuration. */
function checkBuffers(ctx: ConfigContext, m: string, add0: Add): void {
  // nginx runs the merge when it reaches the end of `http {}`, and names that line.
  const http = enclosingHttp(ctx);
  const close = http?.directive?.block?.close ?? null;
  const where: RelatedLocation[] =
    http && close
      ? [{ path: http.file.path, range: close, message: "nginx -t names this line: the merge runs where http {} ends" }]
      : [];
  const add: Add = (site, code, message, more) => add0(site, code, message, [...(more ?? []), ...where]);
  const bufferSize = sizeOf(ctx, `${m}_buffer_size`);
  const bufs = bufsOf(ctx, `${m}_buffers`);
  if (bufferSize === null || bufs === null) return;
  const buffer = bufferSize.value === UNSET ? PAGE : bufferSize.value;
  // The most specific explicit setting involved: where the finding goes when nginx objects to a default.
  const blame = (...sites: (DirectiveSite | null)[]): DirectiveSite | null => {
    let best: DirectiveSite | null = null;
    for (const s of sites) if (s !== null && (best === null || depth(s.context) > depth(best.context))) best = s;
    return best;
  };
  if (bufs.num < 2) {
    if (bufs.site) add(bufs.site, "buffers", `there must be at least 2 "${m}_buffers"`);
    return;
  }
  const size = Math.max(buffer, bufs.size);
  const sizeSites = [bufferSize.site, bufs.site];
  const busy = sizeOf(ctx, `${m}_busy_buffers_size`);
  if (busy === null) return;
  const busyValue = busy.value === UNSET ? 2 * size : busy.value;
  const greater = `the maximum of the value of "${m}_buffer_size" and one of the "${m}_buffers"`;
  if (busyValue < size) {
    const s = blame(busy.site, ...sizeSites);
    if (s)
      add(
        s,
        "busy-buffers-size",
        `"${m}_busy_buffers_size" must be equal to or greater than ${greater}`,
        related(busy.site, `${m}_busy_buffers_size`),
      );
    return;
  }
  if (busyValue > (bufs.num - 1) * bufs.size) {
    const s = blame(busy.site, ...sizeSites);
    if (s)
      add(
        s,
        "busy-buffers-size",
        `"${m}_busy_buffers_size" must be less than the size of all "${m}_buffers" minus one buffer` +
          (busy.site === null ? ` (its default is twice ${greater.replace(/^the /, "")}: ${2 * size} bytes here)` : ""),
      );
    return;
  }
  const temp = sizeOf(ctx, `${m}_temp_file_write_size`);
  if (temp === null) return;
  const tempValue = temp.value === UNSET ? 2 * size : temp.value;
  if (tempValue < size) {
    const s = blame(temp.site, ...sizeSites);
    if (s) add(s, "temp-file-write-size", `"${m}_temp_file_write_size" must be equal to or greater than ${greater}`);
    return;
  }
  const max = sizeOf(ctx, `${m}_max_temp_file_size`);
  if (max === null) return;
  const maxValue = max.value === UNSET ? 1024 * 1024 * 1024 : max.value;
  if (maxValue !== 0 && maxValue < size) {
    const s = blame(max.site, ...sizeSites);
    if (s)
      add(
        s,
        "max-temp-file-size",
        `"${m}_max_temp_file_size" must be equal to zero to disable temporary files usage or must be equal to or greater than ${greater}`,
      );
  }
}

function enclosingHttp(ctx: ConfigContext): ConfigContext | null {
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) if (c.kind === "http") return c;
  return null;
}

function depth(ctx: ConfigContext): number {
  let n = 0;
  for (let c: ConfigContext | null = ctx; c !== null; c = c.parent) n++;
  return n;
}

function lastSite(ctx: ConfigContext, name: string): DirectiveSite | null {
  const e = effective(ctx, name);
  return e === null ? null : e.sites[e.sites.length - 1];
}

function httpServers(model: ConfigModel): ConfigContext[] {
  return model.contexts.filter((c) => c.kind === "server" && c.parent?.kind === "http");
}

/** `listen`'s address as nginx groups servers: `*:80`, `127.0.0.1:8080`, `[::]:443`, `unix:/x`. */
export function listenAddress(d: Directive): string | null {
  const a = d.argValue(0);
  if (a === undefined) return null;
  if (a.startsWith("unix:")) return a;
  if (/^\d+$/.test(a)) return `*:${a}`;
  if (/^\[[^\]]*\]$/.test(a)) return `${a}:80`;
  if (/^\[[^\]]*\]:\d+$/.test(a)) return a;
  if (/^[^:]+:\d+$/.test(a)) return a;
  if (/^[^:]+$/.test(a)) return `${a}:80`;
  return a;
}

function checkTls(model: ConfigModel, add: Add): void {
  const servers = httpServers(model);
  if (servers.length === 0) return;
  const anyTls = sitesWhere(model, "merge:tls", TLS_QUESTION).some(
    (s) => s.directive.name !== "listen" || s.directive.argValues().includes("ssl"),
  );
  if (!anyTls) return;
  // Per server: what ngx_http_ssl_merge_srv_conf checks.
  for (const srv of servers) {
    const certs = effective(srv, "ssl_certificate");
    const keys = effective(srv, "ssl_certificate_key");
    const enable = lastSite(srv, "ssl");
    const enabled = enable !== null && enable.directive.argValue(0)?.toLowerCase() === "on";
    if (certs !== null) {
      const keyCount = keys?.sites.length ?? 0;
      if (keyCount < certs.sites.length) {
        const cert = certs.sites[certs.sites.length - 1];
        add(
          cert,
          "no-certificate-key",
          enabled
            ? `no "ssl_certificate_key" is defined for certificate "${cert.directive.argValue(0)}" and the "ssl" directive`
            : `no "ssl_certificate_key" is defined for certificate "${cert.directive.argValue(0)}"`,
        );
      }
    } else if (enabled && lastSite(srv, "ssl_reject_handshake")?.directive.argValue(0)?.toLowerCase() !== "on") {
      add(enable, "no-certificate", `no "ssl_certificate" is defined for the "ssl" directive`);
    }
    // Without `ssl on`, a certificate or `ssl_reject_handshake on` the server gets no SSL context and nginx
    // checks nothing further (ngx_http_ssl_merge_srv_conf returns early).
    const rejecting = lastSite(srv, "ssl_reject_handshake")?.directive.argValue(0)?.toLowerCase() === "on";
    if (!enabled && certs === null && !rejecting) continue;
    const verify = lastSite(srv, "ssl_verify_client");
    const mode = verify?.directive.argValue(0)?.toLowerCase();
    if (verify && (mode === "on" || mode === "optional") && lastSite(srv, "ssl_client_certificate") === null) {
      add(verify, "no-client-certificate", "no ssl_client_certificate for ssl_verify_client");
    }
  }
  // Per address with `listen … ssl`: what ngx_http_ssl_init checks.
  const byAddress = new Map<
    string,
    { servers: ConfigContext[]; defaults: ConfigContext[]; ssl: DirectiveSite | null }
  >();
  for (const srv of servers) {
    for (const site of srv.own.get("listen") ?? []) {
      const addr = listenAddress(site.directive);
      if (addr === null) continue;
      let g = byAddress.get(addr);
      if (!g) byAddress.set(addr, (g = { servers: [], defaults: [], ssl: null }));
      if (!g.servers.includes(srv)) g.servers.push(srv);
      const params = site.directive.argValues().slice(1);
      if (params.includes("default_server") || params.includes("default")) g.defaults.push(srv);
      if (params.includes("ssl") && g.ssl === null) g.ssl = site;
    }
  }
  const hasCert = (srv: ConfigContext): boolean => effective(srv, "ssl_certificate") !== null;
  const rejects = (srv: ConfigContext): boolean =>
    lastSite(srv, "ssl_reject_handshake")?.directive.argValue(0)?.toLowerCase() === "on";
  for (const [, g] of byAddress) {
    if (g.ssl === null) continue;
    const def = g.defaults[0] ?? g.servers[0];
    const lacking: ConfigContext[] = [];
    if (!hasCert(def)) {
      if (!rejects(def)) lacking.push(def);
      else for (const s of g.servers) if (!hasCert(s) && !rejects(s)) lacking.push(s);
    }
    const first = lacking[0];
    if (!first || !first.directive) continue;
    const listen = (first.own.get("listen") ?? []).find((s) => s.directive.argValues().includes("ssl")) ?? g.ssl;
    out(first, listen);
  }
  function out(srv: ConfigContext, listen: DirectiveSite): void {
    const d = srv.directive!;
    add(
      { directive: d, file: srv.file, context: srv.parent! },
      "no-certificate-for-listen",
      `no "ssl_certificate" is defined for the "listen ... ssl" directive`,
      related(listen, `listen ${listen.directive.argValues().join(" ")}`),
    );
  }
}

/** The rule's questions, known from the start (model/index.ts registerQuestion). */
const BUFFER_QUESTION = registerQuestion("merge:buffers", (n) => BUFFER_DIRECTIVES.has(n));
const TLS_QUESTION = registerQuestion("merge:tls", (n) => TLS_DIRECTIVES.has(n));
