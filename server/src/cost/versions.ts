// Which versions the configuration will run on. The cost rules are version-aware (semantics.md §1, §4,
// §5): a setting / CLI flag wins, then a version found around the configuration (Dockerfile, saved
// `nginx -V`), and when nothing says, the affected versions are *assumed* and every message says so.

import type { CostOptions } from "./options";
import type { DetectedVersion, VersionComponent } from "../workspace/facts";

/** Compares dotted versions numerically (`1.9.15` < `1.13.4`); suffixes such as `rc2` are ignored. */
export function compareVersions(a: string, b: string): number {
  const pa = numbers(a);
  const pb = numbers(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function numbers(v: string): number[] {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(v.trim());
  return m ? m[1].split(".").map(Number) : [];
}

/** A version setting: numbers, then a suffix such as `rc2` or a Debian package revision (`1.22.1-9+deb12u7`). */
export function isVersion(v: string): boolean {
  return /^v?\d+(\.\d+)*([-.+~]?[0-9A-Za-z.+~]*)?$/.test(v.trim());
}

export interface ResolvedVersion {
  /** The version, or null when unknown (the rule then assumes the affected versions). */
  version: string | null;
  /** For messages: "setting", "--nginx-version", "Dockerfile FROM openresty/openresty:1.21.4.1", "OpenResty 1.21.4.3". */
  source: string;
  /** Where a detected version was found (for related information). */
  detected?: DetectedVersion;
}

export interface ResolvedVersions {
  nginx: ResolvedVersion;
  /** lua-nginx-module; from OpenResty the *bundled* version's threshold (see luaFromOpenresty). */
  lua: ResolvedVersion;
  openssl: ResolvedVersion;
  openresty: ResolvedVersion;
}

const UNKNOWN: ResolvedVersion = { version: null, source: "unknown" };

/**
 * lua-nginx-module as bundled with an OpenResty release (openresty/util/mirror-tarballs): v0.10.26 first
 * ships in 1.25.3.1 (1.21.4.3 has v0.10.25); the brk trick (v0.10.3–v0.10.7) ships in 1.9.15.1–1.11.2.2.
 * Only these thresholds matter to the rules, so the result is the newest version with the same behaviour.
 */
export function luaFromOpenresty(openresty: string): string {
  if (compareVersions(openresty, "1.25.3.1") >= 0) return "0.10.26";
  if (compareVersions(openresty, "1.11.2.3") >= 0) return "0.10.25";
  if (compareVersions(openresty, "1.9.15.1") >= 0) return "0.10.7";
  return "0.10.2";
}

/** The nginx core of an OpenResty release is its first three numbers (1.21.4.3 → 1.21.4). */
export function nginxFromOpenresty(openresty: string): string {
  return numbers(openresty).slice(0, 3).join(".");
}

export function resolveVersions(options: CostOptions): ResolvedVersions {
  const detected = options.facts?.versions ?? [];
  const found = (c: VersionComponent): ResolvedVersion | null => {
    const d = detected.find((v) => v.component === c);
    return d ? { version: d.version, source: d.how, detected: d } : null;
  };
  const fromSetting = (v: string | undefined, what: string): ResolvedVersion | null =>
    v !== undefined && v.trim() !== "" ? { version: v.trim(), source: what } : null;

  const openresty = fromSetting(options.openrestyVersion, "the OpenResty version setting") ?? found("openresty");
  const viaOpenresty = (f: (v: string) => string): ResolvedVersion | null =>
    openresty?.version
      ? {
          version: f(openresty.version),
          source: `OpenResty ${openresty.version} (${openresty.source})`,
          detected: openresty.detected,
        }
      : null;

  // A setting for a component beats OpenResty's bundled one; OpenResty beats a detected plain nginx image.
  const nginx =
    fromSetting(options.nginxVersion, "the nginx version setting") ??
    viaOpenresty(nginxFromOpenresty) ??
    found("nginx");
  const lua =
    fromSetting(options.luaNginxModuleVersion, "the lua-nginx-module version setting") ??
    viaOpenresty(luaFromOpenresty) ??
    found("lua-nginx-module");
  const openssl = fromSetting(options.opensslVersion, "the OpenSSL version setting") ?? found("openssl");
  return {
    nginx: nginx ?? UNKNOWN,
    lua: lua ?? UNKNOWN,
    openssl: openssl ?? UNKNOWN,
    openresty: openresty ?? UNKNOWN,
  };
}

/** Whether `v` is within [from, to] (inclusive; either bound may be absent). */
export function inRange(v: string, from: string | null, to: string | null): boolean {
  return (from === null || compareVersions(v, from) >= 0) && (to === null || compareVersions(v, to) <= 0);
}
