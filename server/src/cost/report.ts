// The cost of a whole configuration: every SSL_CTX each module creates on the deployed versions, the
// bundles they parse, and the memory estimate. The four SSL rules, hovers and code lenses read this one
// report, so they always agree.

import { NodeFileSource } from "../workspace/files";
import type { ConfigContext, ConfigModel, DirectiveSite } from "../model";
import {
  hasLuaModule,
  luaSslPlan,
  serverSslPlan,
  streamLuaSslPlan,
  streamProxySslPlan,
  upstreamSslPlan,
  type ServerTlsVersion,
  type SslContext,
  type SslContextPlan,
  type UpstreamModule,
} from "../model/ssl-contexts";
import type { CostOptions } from "./options";
import { readBundle, sizeKnown, type BundleInfo } from "./bundle";
import { bundleContextBytes, clientCaListBytes, estimateMemory, MEASURED, type MemoryEstimate } from "./estimate";
import { compareVersions, inRange, resolveVersions, type ResolvedVersions } from "./versions";

export type SslRuleId =
  "lua-ssl-per-location" | "stream-lua-ssl-per-server" | "proxy-ssl-per-location" | "ssl-bundle-per-server";

/** One module's SSL contexts and the directive that names their bundle. */
export interface SslSource {
  ruleId: SslRuleId;
  /** `lua`, `stream-lua`, `proxy`, `grpc`, `uwsgi`, `server`. */
  module: string;
  /** The directive naming the bundle (`lua_ssl_trusted_certificate`, …). */
  bundleDirective: string;
  plan: SslContextPlan;
  /** Whether this module gives every location configuration its own context on the deployed version. */
  perLocation: boolean;
  /** What was assumed about the version that decides it (empty when the version is known). */
  assumptions: string[];
}

export interface CostReport {
  versions: ResolvedVersions;
  sources: SslSource[];
  /** Every bundle named, by the argument as written. */
  bundles: Map<string, BundleInfo>;
  estimate: MemoryEstimate;
  /** nginx ≥ 1.27.2 parses each bundle once (its SSL object cache). */
  bundleCache: boolean;
  /** Notes that hold for the whole configuration (OpenSSL, allocator). */
  notes: string[];
  /** The SSL contexts each block owns (for hovers). */
  byOwner: Map<ConfigContext, { source: SslSource; context: SslContext }[]>;
  luaModule: boolean;
}

const cache = new WeakMap<ConfigModel, { options: CostOptions; report: CostReport }>();

/** The report for `model` under `options` (computed once per model and options object). */
export function costReport(model: ConfigModel, options: CostOptions): CostReport {
  const known = cache.get(model);
  if (known && known.options === options) return known.report;
  const report = computeReport(model, options);
  cache.set(model, { options, report });
  return report;
}

function computeReport(model: ConfigModel, options: CostOptions): CostReport {
  const versions = resolveVersions(options);
  const sources: SslSource[] = [];
  const notes: string[] = [];

  const luaModule = hasLuaModule(model, "http");
  if (luaModule) {
    const v = versions.lua.version;
    const perLocation = v === null ? true : compareVersions(v, "0.10.26") < 0;
    const assumptions =
      v === null
        ? ["lua-nginx-module version unknown, so ≤ 0.10.25 (OpenResty ≤ 1.21.4.x, Debian/Ubuntu packages)"]
        : [];
    sources.push({
      ruleId: "lua-ssl-per-location",
      module: "lua",
      bundleDirective: "lua_ssl_trusted_certificate",
      plan: luaSslPlan(model, perLocation),
      perLocation,
      assumptions,
    });
    if (v !== null && inRange(v, "0.10.3", "0.10.7"))
      notes.push(
        `lua-nginx-module ${v} has the brk trick (0.10.3–0.10.7): glibc takes memory in 1 MiB mmap pieces, so memory freed ` +
          `after a reload is not returned to the system; it does not round each context to 1 MiB (measured).`,
      );
  }
  // Stream servers first: without them the question is not asked (it walks every block that may hold a Lua
  // directive; on the incident, 4,014 sites of its server for one Lua location).
  if (model.streamServers.length > 0 && hasLuaModule(model, "stream")) {
    sources.push({
      ruleId: "stream-lua-ssl-per-server",
      module: "stream-lua",
      bundleDirective: "lua_ssl_trusted_certificate",
      plan: streamLuaSslPlan(model),
      perLocation: true,
      assumptions: [],
    });
  }

  const nginxV = versions.nginx.version;
  const upstreamPerLocation = nginxV === null ? true : compareVersions(nginxV, "1.23.1") < 0;
  const nginxAssumption = nginxV === null ? ["nginx version unknown, so < 1.23.1"] : [];
  for (const m of ["proxy", "grpc", "uwsgi"] as UpstreamModule[]) {
    const plan = upstreamSslPlan(model, m, upstreamPerLocation);
    if (plan.contexts.length === 0) continue;
    sources.push({
      ruleId: "proxy-ssl-per-location",
      module: m,
      bundleDirective: `${m}_ssl_trusted_certificate`,
      plan,
      perLocation: upstreamPerLocation,
      assumptions: nginxAssumption,
    });
  }
  const streamProxy = streamProxySslPlan(model, upstreamPerLocation);
  if (streamProxy.contexts.length > 0)
    sources.push({
      ruleId: "proxy-ssl-per-location",
      module: "stream-proxy",
      bundleDirective: "proxy_ssl_trusted_certificate",
      plan: streamProxy,
      perLocation: upstreamPerLocation,
      assumptions: nginxAssumption,
    });
  const serverTls = serverTlsVersion(nginxV);
  // Unknown version: say so where a stream or mail server would have an SSL context on other versions.
  const serverAssumptions =
    nginxV !== null ||
    serverSslPlan(model, "ssl_client_certificate", serverTls).contexts.length ===
      serverSslPlan(model, "ssl_client_certificate", CERTIFICATE_ALONE).contexts.length
      ? []
      : [
          "nginx version unknown, so 1.15.0–1.25.4: stream servers without `listen … ssl` and mail servers " +
            "without `listen … ssl`, `ssl on` or `starttls` have no SSL context",
        ];
  for (const d of ["ssl_client_certificate", "ssl_trusted_certificate"] as const) {
    const plan = serverSslPlan(model, d, serverTls);
    if (plan.contexts.length === 0) continue;
    sources.push({
      ruleId: "ssl-bundle-per-server",
      module: "server",
      bundleDirective: d,
      // Both bundles go into the same per-server context: count the context under the first only.
      plan: d === "ssl_client_certificate" ? plan : { contexts: plan.loads, loads: plan.loads },
      perLocation: true,
      assumptions: serverAssumptions,
    });
  }

  const bundleCache = nginxV !== null && compareVersions(nginxV, "1.27.2") >= 0;
  // The nginx core decides the cost per context for every module (1.27.2 caches parsed bundles).
  // Upstream sources already assume < 1.23.1, which implies it.
  if (nginxV === null)
    for (const s of sources)
      if (s.assumptions !== nginxAssumption)
        s.assumptions = [...s.assumptions, "nginx version unknown, so < 1.27.2 (every context parses the bundle)"];
  const opensslV = versions.openssl.version;
  if (opensslV !== null && !opensslV.startsWith("3."))
    notes.push(`cost per context measured with OpenSSL 3.0; OpenSSL ${opensslV} not verified`);

  const source = options.source ?? new NodeFileSource();
  const bundles = new Map<string, BundleInfo>();
  const bundleOf = (site: DirectiveSite): BundleInfo => {
    const arg = site.directive.args[0]?.value ?? "";
    let b = bundles.get(arg);
    if (!b) {
      b = readBundle(arg, {
        source,
        mappings: model.config.mappings,
        confPrefix: model.config.confPrefix,
        assumed: options.assumedBundle,
      });
      bundles.set(arg, b);
    }
    return b;
  };

  let emptyContexts = 0;
  /** Loads into an SSL_CTX already counted (a server's client *and* trusted bundle): the context is not paid twice. */
  let sharedLoads = 0;
  // One list of at most every entry's length, cut to the loads at the end: pushing the incident's 4,002
  // loads grew it through ~100 KB of copies per keystroke. Past ~100,000 elements `new Array(n)` is a
  // dictionary in V8: a list of more than 50,000 (well below) starts empty and grows (an index at its length
  // appends).
  let entries = 0;
  for (const s of sources) entries += s.plan.contexts.length;
  const loads: BundleInfo[] = entries <= 50_000 ? new Array<BundleInfo>(entries) : [];
  let loaded = 0;
  const clientCaLists: BundleInfo[] = [];
  // Which SSL_CTX each entry is (contextKey: module and owner), as one state per owner id and module: a key
  // string and a Map entry per context were most of this loop's time on the incident (4,002 contexts).
  const counted = new Map<string, Uint8Array>();
  for (const s of sources) {
    let states = counted.get(s.module);
    if (states === undefined) counted.set(s.module, (states = new Uint8Array(model.contexts.length)));
    for (const c of s.plan.contexts) {
      const before = states[c.owner.id];
      if (c.bundle) {
        loads[loaded++] = bundleOf(c.bundle);
        if (c.clientCaList) clientCaLists.push(bundleOf(c.bundle));
        if (before === EMPTY) emptyContexts--;
        else if (before === LOADS) sharedLoads++;
        states[c.owner.id] = LOADS;
      } else if (before === UNSEEN) {
        emptyContexts++;
        states[c.owner.id] = EMPTY;
      }
    }
  }
  loads.length = loaded;
  const estimate = estimateMemory({
    locationConfigurations: model.locationConfigurations.length,
    luaModule,
    emptyContexts,
    loads,
    sharedLoads,
    clientCaLists,
    bundleCache,
  });
  let byOwner: CostReport["byOwner"] | undefined;
  return {
    versions,
    sources,
    bundles,
    estimate,
    bundleCache,
    notes,
    // Only hovers and code lenses read it: made on first read (a list and an entry per context otherwise
    // made and collected on every keystroke). The report never changes, so late is the same as early.
    get byOwner() {
      return (byOwner ??= ownersOf(sources));
    },
    luaModule,
  };
}

/** contextKey's states in computeReport: not seen yet, an empty context, a context that loads a bundle. */
const UNSEEN = 0;
const EMPTY = 1;
const LOADS = 2;

/** The SSL contexts each block owns, in the order of the sources and their contexts. */
function ownersOf(sources: SslSource[]): CostReport["byOwner"] {
  const byOwner: CostReport["byOwner"] = new Map();
  for (const s of sources)
    for (const c of s.plan.contexts) {
      let list = byOwner.get(c.owner);
      if (!list) byOwner.set(c.owner, (list = []));
      list.push({ source: s, context: c });
    }
  return byOwner;
}

/**
 * The server side of stream and mail on nginx `v` (model/ssl-contexts.ts, ServerTlsVersion). Unknown: as
 * 1.15.0–1.25.4, in line with the other assumptions (< 1.23.1, < 1.27.2); every distribution's package since
 * 2018 is ≥ 1.15.0.
 */
export function serverTlsVersion(v: string | null): ServerTlsVersion {
  if (v === null) return { streamNeedsListenSsl: true, streamTrustedNeedsVerify: true, mailCertificateAlone: false };
  return {
    streamNeedsListenSsl: compareVersions(v, "1.15.0") >= 0 && compareVersions(v, "1.25.5") < 0,
    streamTrustedNeedsVerify: compareVersions(v, "1.27.2") < 0,
    mailCertificateAlone: compareVersions(v, "1.15.0") < 0,
  };
}

/** Versions before 1.15.0: a certificate alone gives stream and mail servers an SSL context (the most there are). */
const CERTIFICATE_ALONE: ServerTlsVersion = {
  streamNeedsListenSsl: false,
  streamTrustedNeedsVerify: true,
  mailCertificateAlone: true,
};

/**
 * What one SSL context costs under this report: an empty context, or one that parses its bundle (only the
 * context with nginx's bundle cache), plus the list of CA names for `ssl_client_certificate`; null when
 * that needs the size of a bundle that is unknown.
 */
export function sslContextBytes(report: CostReport, ctx: SslContext): number | null {
  const bundle = ctx.bundle ? bundleFor(report, ctx.bundle) : undefined;
  if (!bundle) return MEASURED.emptySslContext;
  const names = ctx.clientCaList
    ? bundle.certificates === null
      ? null
      : clientCaListBytes(bundle as { certificates: number })
    : 0;
  if (names === null) return null;
  if (report.bundleCache) return MEASURED.emptySslContext + names;
  return sizeKnown(bundle) ? bundleContextBytes(bundle) + names : null;
}

/**
 * Which SSL_CTX an entry is: one per owner and module. The server side puts both of its bundles
 * (`ssl_client_certificate`, `ssl_trusted_certificate`) into its one context, listed under both sources.
 */
function contextKey(source: SslSource, ctx: SslContext): string {
  return `${source.module}\0${ctx.owner.id}`;
}

export interface OwnedCost {
  /** SSL_CTX objects (a server's one context counts once, even with two bundles loaded into it). */
  contexts: number;
  /** null when a context parses a bundle whose size is unknown (`unknownContexts`). */
  bytes: number | null;
  /** Contexts whose cost is unknown (they parse a bundle whose size is unknown). */
  unknownContexts: number;
  entries: { source: SslSource; context: SslContext }[];
}

/** The SSL contexts a block owns and what they cost; a context loaded twice is paid once, as in the estimate. */
export function ownedCost(report: CostReport, owner: ConfigContext): OwnedCost {
  const entries = report.byOwner.get(owner) ?? [];
  const seen = new Set<string>();
  const unknown = new Set<string>();
  let bytes = 0;
  for (const e of entries) {
    const key = contextKey(e.source, e.context);
    const b = sslContextBytes(report, e.context);
    if (b === null) unknown.add(key);
    // A second bundle in a context already counted adds its parse, not another context.
    else bytes += seen.has(key) ? b - MEASURED.emptySslContext : b;
    seen.add(key);
  }
  return { contexts: seen.size, bytes: unknown.size > 0 ? null : bytes, unknownContexts: unknown.size, entries };
}

/** The bundle a site names, as the report read it. */
export function bundleFor(report: CostReport, site: DirectiveSite): BundleInfo | undefined {
  return report.bundles.get(site.directive.args[0]?.value ?? "");
}
