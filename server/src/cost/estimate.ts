// The memory model: what a configuration costs the nginx master, on reload and per `nginx -t`.
// A bundle whose size is unknown (not read, not a system CA store) is not guessed: the figures that need
// it are null, with what is known (the parses, a lower bound) beside them.
// Every constant is a measurement of memory-model.md (Debian 12, OpenSSL 3.0.19, glibc 2.36, Debian
// nginx 1.22.1 + lua-nginx-module 0.10.23), and test/rules/ssl-calibration.test.ts checks the result
// against that document's table B (10 to 4,000 locations, within ±15%).

import { sizeKnown, type BundleInfo } from "./bundle";
import { formatCount } from "./format";

/** What the per-context fits need of a bundle whose size is known. */
export interface BundleFacts {
  bytes: number;
  certificates: number;
  systemLike: boolean;
}

/** Measured constants (bytes). */
export const MEASURED = {
  /** Master RSS of a configuration with no locations (table B `base`: intercept of 6.7 → 35.0 MiB over 10 → 4,000). */
  processBytes: 6.62 * 1024 * 1024,
  /** Every http location configuration allocates a loc_conf for every module (table B `base`: 7.45 KB per location). */
  perLocationConfiguration: 7_445,
  /** lua-nginx-module loaded: LuaJIT VM and module (table B `lua_nocert` − `base` at 10 locations, less its SSL_CTXs). */
  luaProcessBytes: 2.7 * 1024 * 1024,
  /** lua-nginx-module's own loc_conf beside its SSL_CTX (`lua_nocert` − `base` per location: 21.6 − 7.45 − 13.4 KB). */
  luaPerLocationConfiguration: 800,
  /** An SSL_CTX with no bundle loaded (table A: 13,405 B per context). */
  emptySslContext: 13_405,
  /**
   * The CA-name list SSL_load_client_CA_file keeps, per certificate of the bundle (bench/probes/client-ca-list.c:
   * 121,315 B per list of Debian's 144 certificates, linear from 100 to 1,000 lists; OpenSSL 3.0.19).
   */
  clientCaNamePerCertificate: 842,
} as const;

/**
 * Bytes one SSL_CTX costs when it parses `bundle` (memory-model.md A, OpenSSL 3.0): for system-like
 * bundles 3.83 × bytes + 11 KB (within 2 KB), otherwise 0.647 × bytes + 4,309 × distinct certificates
 * + 19,203 (max residual 93 KiB). Debian's bundle: ≈ 852 KB. No rounding to 1 MiB: measured, the brk
 * trick of lua-nginx-module 0.10.3–0.10.7 does not round contexts (memory-model.md A).
 */
export function bundleContextBytes(bundle: BundleFacts): number {
  if (bundle.systemLike) return Math.round(3.83 * bundle.bytes + 11_000);
  return Math.round(0.647 * bundle.bytes + 4_309 * bundle.certificates + 19_203);
}

/** The formula of `bundleContextBytes` in words, for hovers. */
export function bundleFormula(bundle: BundleFacts): string {
  return bundle.systemLike
    ? `3.83 × ${formatCount(bundle.bytes)} B + 11 KB`
    : `0.647 × ${formatCount(bundle.bytes)} B + 4,309 B × ${bundle.certificates} certificates + 19,203 B`;
}

/** Bytes of the CA-name list ngx_ssl_client_certificate keeps per server (SSL_load_client_CA_file). */
export function clientCaListBytes(bundle: Pick<BundleFacts, "certificates">): number {
  return bundle.certificates * MEASURED.clientCaNamePerCertificate;
}

export interface CostInput {
  /** http location configurations (servers, locations, `if`, `limit_except`). */
  locationConfigurations: number;
  /** lua-nginx-module is loaded. */
  luaModule: boolean;
  /** SSL_CTXs created without a bundle. */
  emptyContexts: number;
  /** Bundle parses, each into an SSL_CTX (a context with two bundles appears twice). */
  loads: readonly BundleInfo[];
  /** How many of `loads` go into a context another load already paid for. */
  sharedLoads?: number;
  /** Bundles also read into a list of CA names (`ssl_client_certificate` with verification), one per server. */
  clientCaLists?: readonly BundleInfo[];
  /**
   * nginx ≥ 1.27.2 caches parsed bundles (ngx_ssl_cache_fetch): each context then costs about an empty
   * one and each distinct bundle is parsed once (semantics.md §4; not measured here).
   */
  bundleCache: boolean;
}

/** Master, reload peak and instance peak: the three figures of an estimate. */
export interface MemoryFigures {
  /** ≈ the master's RSS after start (memory-model measurements of docs/cost-model.md §3). */
  estimatedBytes: number;
  /** ≈ the master's peak during `nginx -s reload`: old and new cycle together; glibc keeps it afterwards. */
  reloadPeakBytes: number;
  /** ≈ master + workers summed PSS during a reload (~3 ×, docs/cost-model.md §3). */
  instancePeakBytes: number;
}

export interface MemoryEstimate {
  /** Memory of the process that does not depend on the configuration (not doubled on reload). */
  processBytes: number;
  /** Memory of the configuration cycle (built again on every reload and `nginx -t`); null when a bundle's size is unknown. */
  configBytes: number | null;
  /** The figures below are null when a bundle some context parses has an unknown size (`unknownBundles`). */
  estimatedBytes: number | null;
  reloadPeakBytes: number | null;
  instancePeakBytes: number | null;
  /** Bundle parses per `nginx -t` (and per `nginx -s reload`, which parses the configuration first): always known. */
  configTestParses: number;
  /** The SSL_CTX part of `configBytes`; null when a bundle's size is unknown. */
  sslBytes: number | null;
  /** The paths of the bundles of unknown size that contexts parse (empty when every size is known). */
  unknownBundles: string[];
  /** How many contexts parse a bundle of unknown size. */
  unknownLoads: number;
  /**
   * What the configuration costs at least: each context parsing a bundle of unknown size counted as an
   * empty SSL_CTX (a parsed bundle only adds to it). Equal to the figures above when every size is known.
   */
  lowerBound: MemoryFigures & { sslBytes: number };
}

export function estimateMemory(input: CostInput): MemoryEstimate {
  const processBytes = MEASURED.processBytes + (input.luaModule ? MEASURED.luaProcessBytes : 0);
  let sslBytes = input.emptyContexts * MEASURED.emptySslContext;
  let configTestParses: number;
  const unknown = new Set<string>();
  let unknownLoads = 0;
  if (input.bundleCache) {
    const distinct = new Map<string, BundleInfo>();
    for (const b of input.loads) distinct.set(b.path, b);
    sslBytes += input.loads.length * MEASURED.emptySslContext;
    for (const b of input.loads) if (!sizeKnown(b)) unknownLoads++;
    for (const b of distinct.values()) {
      if (sizeKnown(b)) sslBytes += bundleContextBytes(b) - MEASURED.emptySslContext;
      else unknown.add(b.path);
    }
    configTestParses = distinct.size;
  } else {
    for (const b of input.loads) {
      if (sizeKnown(b)) sslBytes += bundleContextBytes(b);
      else {
        // At least its empty SSL_CTX; what the bundle adds is unknown.
        sslBytes += MEASURED.emptySslContext;
        unknown.add(b.path);
        unknownLoads++;
      }
    }
    configTestParses = input.loads.length;
  }
  sslBytes -= (input.sharedLoads ?? 0) * MEASURED.emptySslContext;
  for (const b of input.clientCaLists ?? []) {
    if (b.certificates !== null) sslBytes += clientCaListBytes({ certificates: b.certificates });
    else unknown.add(b.path);
  }
  // Without the cache each list is one more parse of the file; with it, the names come from the cached certificates.
  if (!input.bundleCache) configTestParses += (input.clientCaLists ?? []).length;
  const configBytes =
    input.locationConfigurations *
      (MEASURED.perLocationConfiguration + (input.luaModule ? MEASURED.luaPerLocationConfiguration : 0)) +
    sslBytes;
  const lowerBound = {
    estimatedBytes: Math.round(processBytes + configBytes),
    // ngx_init_cycle builds the new cycle before destroying the old one (docs/cost-model.md §3).
    reloadPeakBytes: Math.round(processBytes + 2 * configBytes),
    instancePeakBytes: Math.round(processBytes + 3 * configBytes),
    sslBytes: Math.round(sslBytes),
  };
  const known = unknown.size === 0;
  return {
    processBytes,
    configBytes: known ? configBytes : null,
    estimatedBytes: known ? lowerBound.estimatedBytes : null,
    reloadPeakBytes: known ? lowerBound.reloadPeakBytes : null,
    instancePeakBytes: known ? lowerBound.instancePeakBytes : null,
    configTestParses,
    sslBytes: known ? lowerBound.sslBytes : null,
    unknownBundles: [...unknown],
    unknownLoads,
    lowerBound,
  };
}

/** Measured: `nginx -t` spends ≈ 46 ms per context that parses the Debian bundle (2 busy cores). */
export const CONFIG_TEST_MS_PER_DEBIAN_LOAD = 46;
