// Fixes for lua-ssl-per-location (lua-nginx-module ≤ 0.10.25): move `lua_ssl_trusted_certificate` (with the
// `lua_ssl_verify_depth` / `lua_ssl_crl` written beside it) into the blocks that run Lua code, so only
// those parse the bundle; or say that ≥ 0.10.26 is deployed. docs/rules/lua-ssl-per-location.md
//
// Which blocks need it — the SSL context a cosocket uses is the one of the location configuration its Lua
// code runs with (`ngx_http_get_module_loc_conf(r, ngx_http_lua_module)`):
// - a request's Lua handlers run with the location's configuration; rewrite/access/log/header_filter/
//   body_filter handlers are inherited by nested blocks (ngx_http_lua_merge_loc_conf), and `if` /
//   `limit_except` blocks run their location's content handler with their own configuration;
// - `ngx.timer.at` copies the creating request's configuration (ngx_http_lua_timer.c: tctx->loc_conf =
//   r->loc_conf), so *every* phase counts, not only those that may open cosockets directly;
// - ssl_certificate/ssl_client_hello/ssl_session_*/server_rewrite code runs with the server's own
//   configuration (cscf->ctx->loc_conf);
// - init_worker_by_lua* (and exit_worker) merges a fresh configuration with the *http-level* one
//   (ngx_http_lua_initworkerby.c: prev = top_llcf): moving the bundle out of http takes it from that code
//   and its timers; balancer_by_lua* runs with the proxying location's configuration. Both → a caution.

import type { ConfigContext, ConfigModel } from "../model";
import { luaSslPlan } from "../model/ssl-contexts";
import { costReport } from "../cost/report";
import { compareVersions } from "../cost/versions";
import type { BundleSite } from "../rules/ssl-cost";
import type { Finding, RuleOptions } from "../rules/types";
import { bundleSiteOf, moveBundleFix } from "./move";
import { deployedVersionFix } from "./setting";
import type { Fix, RefusedFix } from "./types";

const RULE_ID = "lua-ssl-per-location";
/** Written beside the bundle, these only matter where the bundle does. */
export const LUA_MOVED_WITH = ["lua_ssl_verify_depth", "lua_ssl_crl"] as const;
/** Where `lua_ssl_*` may be written (directive table: http, server, location). */
const HOSTS: ConfigContext["kind"][] = ["server", "location"];

const LUA_HANDLER = /^([a-z_]+)_by_lua(_block|_file)?$/;
/** Phases whose code a nested block inherits (ngx_http_lua_merge_loc_conf). */
const INHERITED = new Set(["rewrite", "access", "log", "header_filter", "body_filter", "server_rewrite"]);
/** Phases that run with the server's own configuration (TLS handshake, server rewrite). */
const SERVER_PHASES = new Set([
  "server_rewrite",
  "ssl_certificate",
  "ssl_client_hello",
  "ssl_session_fetch",
  "ssl_session_store",
]);
/** Lua code that runs outside any location configuration of a request. */
const OUTSIDE = ["init_worker", "exit_worker", "balancer"];

function phaseOf(name: string): string | null {
  return LUA_HANDLER.exec(name)?.[1] ?? null;
}

function ownPhases(c: ConfigContext): string[] {
  const out: string[] = [];
  for (const [name, sites] of c.own) {
    const p = phaseOf(name);
    if (p && sites.length > 0) out.push(p);
  }
  return out;
}

/** Upstream names whose `balancer_by_lua*` runs with the configuration of the location proxying to them. */
function balancerUpstreams(model: ConfigModel): Set<string> {
  const out = new Set<string>();
  for (const c of model.contexts)
    if (c.kind === "upstream" && ownPhases(c).includes("balancer")) out.add(c.directive?.args[0]?.value ?? "");
  return out;
}

const PASSES = ["proxy_pass", "grpc_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "memcached_pass"];

function passesTo(c: ConfigContext, upstreams: Set<string>): boolean {
  if (upstreams.size === 0) return false;
  for (const name of PASSES) {
    for (const s of c.own.get(name) ?? []) {
      const v = s.directive.args[0]?.value ?? "";
      if (v.includes("$")) return true;
      const host = v.replace(/^[a-z]+:\/\//i, "").split(/[:/]/)[0];
      if (upstreams.has(host)) return true;
    }
  }
  return false;
}

/** Whether Lua code runs with this location configuration (and so may use its SSL context). */
export function runsLua(c: ConfigContext, balancers: Set<string> = new Set()): boolean {
  if (ownPhases(c).length > 0) return true;
  const serverLevel = c.kind === "server" || (c.kind === "if" && c.parent?.kind === "server");
  for (let p = c.parent; p !== null && p.kind !== "main"; p = p.parent)
    for (const phase of ownPhases(p))
      if (INHERITED.has(phase) || (serverLevel && SERVER_PHASES.has(phase))) return true;
  // An `if` / `limit_except` runs its location's content handler with its own configuration.
  for (let p: ConfigContext | null = c; p && (p.kind === "if" || p.kind === "limit_except"); p = p.parent) {
    const loc = p.parent;
    if (loc && ownPhases(loc).includes("content")) return true;
  }
  for (let p: ConfigContext | null = c; p && p.kind !== "server"; p = p.parent) if (passesTo(p, balancers)) return true;
  return false;
}

/** The Lua code outside location configurations that would lose the bundle, for the caution. */
function outsideCode(model: ConfigModel, site: BundleSite): string[] {
  const out: string[] = [];
  for (const phase of OUTSIDE) {
    const names = [`${phase}_by_lua`, `${phase}_by_lua_block`, `${phase}_by_lua_file`];
    if (!names.some((n) => model.sitesOf(n).length > 0)) continue;
    // init_worker/exit_worker code sees only the http-level value.
    if (phase !== "balancer" && site.site.context.kind !== "http") continue;
    out.push(`${phase}_by_lua*`);
  }
  return out;
}

export function luaSslFixes(model: ConfigModel, finding: Finding, options: RuleOptions): (Fix | RefusedFix)[] {
  const report = costReport(model, options);
  const site = bundleSiteOf(report, RULE_ID, finding);
  if (!site || site.source.module !== "lua" || !site.source.perLocation) return [];
  const out: (Fix | RefusedFix)[] = [];
  const move = moveFix(model, finding, site, options);
  if (move) out.push(move);
  // One context is what using the directive costs at all: no upgrade makes it cheaper.
  const setting =
    site.loads.length < 2
      ? null
      : deployedVersionFix(
          finding,
          report.versions.lua,
          (v) => compareVersions(v, "0.10.26") < 0,
          { key: "versions.luaNginxModule", value: "0.10.26", flag: "--lua-nginx-module-version 0.10.26" },
          "Keep it at http level: lua-nginx-module ≥ 0.10.26 is deployed (set nginxRisk.versions.luaNginxModule)",
        );
  if (setting) out.push(setting);
  return out;
}

function moveFix(model: ConfigModel, finding: Finding, b: BundleSite, options: RuleOptions): Fix | RefusedFix | null {
  const balancers = balancerUpstreams(model);
  const outside = outsideCode(model, b);
  return moveBundleFix(model, finding, b, options, {
    movedWith: LUA_MOVED_WITH,
    hosts: HOSTS,
    needs: (c) => runsLua(c, balancers),
    // Every lua_ssl_* value of a location configuration goes into the one SSL context its Lua code's
    // cosockets use (ngx_http_lua_set_ssl): a block running no Lua code uses none of them.
    uses: (c) => runsLua(c, balancers),
    loads: (m) => luaSslPlan(m, true).loads,
    need: ["runs Lua code", "run Lua code"],
    caution:
      outside.length > 0
        ? `${outside.join(" and ")} code does not run in a location: TLS it verifies would no longer have this CA bundle`
        : undefined,
  });
}
