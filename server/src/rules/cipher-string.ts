// An OpenSSL cipher string (`ssl_ciphers`) evaluated as ssl_create_cipher_list() does: elements separated by
// `:`, ` `, `;` or `,`; `A+B` selects the suites in both; `!X` removes X for good, `-X` removes it (a later
// element may add it back), `+X` only moves it, a bare element appends what is selected and not removed
// for good; `@STRENGTH` sorts, `@SECLEVEL=n` sets the security level. The suites and aliases of OpenSSL 3
// come from openssl-ciphers-data.ts (asked of the real library); the legacy suites that library no longer
// has (RC4, single DES, export grades, 3DES, IDEA, SEED: gone from OpenSSL 3.0 builds without
// enable-weak-ssl-ciphers, present in 1.0.2 and partly 1.1.1) are described here, so that a string naming
// them says what an older library would negotiate.

import { ALIASES, CIPHERS } from "./openssl-ciphers-data";

export type WeakFamily = "RC4" | "DES" | "3DES" | "EXPORT" | "IDEA" | "aNULL" | "eNULL" | "MD5";

interface Legacy {
  name: string;
  kx: "RSA" | "DHE" | "ECDHE";
  au: "RSA" | "ECDSA" | "NULL";
  enc: "RC4" | "DES" | "3DES" | "IDEA" | "SEED";
  mac: "SHA1" | "MD5";
  export?: boolean;
}

const LEGACY: readonly Legacy[] = [
  { name: "RC4-SHA", kx: "RSA", au: "RSA", enc: "RC4", mac: "SHA1" },
  { name: "RC4-MD5", kx: "RSA", au: "RSA", enc: "RC4", mac: "MD5" },
  { name: "ECDHE-RSA-RC4-SHA", kx: "ECDHE", au: "RSA", enc: "RC4", mac: "SHA1" },
  { name: "ECDHE-ECDSA-RC4-SHA", kx: "ECDHE", au: "ECDSA", enc: "RC4", mac: "SHA1" },
  { name: "ADH-RC4-MD5", kx: "DHE", au: "NULL", enc: "RC4", mac: "MD5" },
  { name: "AECDH-RC4-SHA", kx: "ECDHE", au: "NULL", enc: "RC4", mac: "SHA1" },
  { name: "DES-CBC3-SHA", kx: "RSA", au: "RSA", enc: "3DES", mac: "SHA1" },
  { name: "EDH-RSA-DES-CBC3-SHA", kx: "DHE", au: "RSA", enc: "3DES", mac: "SHA1" },
  { name: "ECDHE-RSA-DES-CBC3-SHA", kx: "ECDHE", au: "RSA", enc: "3DES", mac: "SHA1" },
  { name: "ECDHE-ECDSA-DES-CBC3-SHA", kx: "ECDHE", au: "ECDSA", enc: "3DES", mac: "SHA1" },
  { name: "ADH-DES-CBC3-SHA", kx: "DHE", au: "NULL", enc: "3DES", mac: "SHA1" },
  { name: "DES-CBC-SHA", kx: "RSA", au: "RSA", enc: "DES", mac: "SHA1" },
  { name: "EDH-RSA-DES-CBC-SHA", kx: "DHE", au: "RSA", enc: "DES", mac: "SHA1" },
  { name: "EXP-RC4-MD5", kx: "RSA", au: "RSA", enc: "RC4", mac: "MD5", export: true },
  { name: "EXP-DES-CBC-SHA", kx: "RSA", au: "RSA", enc: "DES", mac: "SHA1", export: true },
  { name: "EXP-EDH-RSA-DES-CBC-SHA", kx: "DHE", au: "RSA", enc: "DES", mac: "SHA1", export: true },
  { name: "IDEA-CBC-SHA", kx: "RSA", au: "RSA", enc: "IDEA", mac: "SHA1" },
  { name: "SEED-SHA", kx: "RSA", au: "RSA", enc: "SEED", mac: "SHA1" },
];

/** Legacy suites are numbered after OpenSSL 3's. */
const LEGACY_BASE = CIPHERS.length;

/** Whether legacy suite `c` is in alias `a` (OpenSSL 1.1.1's aliases; 1.0.2's for what 1.1.1 dropped). */
function legacyIn(c: Legacy, a: string): boolean {
  switch (a) {
    case "ALL":
      return true;
    case "DEFAULT":
      // 1.0.2: ALL:!EXPORT:!LOW:!aNULL:!eNULL:!SSLv2 (RC4 and 3DES included).
      return !c.export && c.enc !== "DES" && c.au !== "NULL";
    case "COMPLEMENTOFDEFAULT":
      return !!c.export || c.enc === "DES" || c.au === "NULL";
    case "MEDIUM":
      return !c.export && (c.enc === "RC4" || c.enc === "3DES" || c.enc === "IDEA" || c.enc === "SEED");
    case "LOW":
      return !c.export && c.enc === "DES";
    case "EXPORT":
    case "EXP":
      return !!c.export;
    case "RC4":
    case "DES":
    case "3DES":
    case "IDEA":
    case "SEED":
      return c.enc === a;
    case "aNULL":
      return c.au === "NULL";
    case "ADH":
      return c.au === "NULL" && c.kx === "DHE";
    case "AECDH":
      return c.au === "NULL" && c.kx === "ECDHE";
    case "kRSA":
    case "RSA":
      return c.kx === "RSA";
    case "aRSA":
      return c.au === "RSA";
    case "kEDH":
    case "kDHE":
    case "DH":
      return c.kx === "DHE";
    case "EDH":
    case "DHE":
      return c.kx === "DHE" && c.au !== "NULL";
    case "kEECDH":
    case "kECDHE":
    case "ECDH":
      return c.kx === "ECDHE";
    case "EECDH":
    case "ECDHE":
      return c.kx === "ECDHE" && c.au !== "NULL";
    case "aECDSA":
    case "ECDSA":
      return c.au === "ECDSA";
    case "MD5":
      return c.mac === "MD5";
    case "SHA1":
    case "SHA":
      return c.mac === "SHA1";
    case "SSLv3":
    case "TLSv1":
    case "TLSv1.0":
      return true;
    case "CBC":
      return c.enc !== "RC4";
    default:
      return false;
  }
}

const byName = new Map<string, number>();
CIPHERS.forEach((n, i) => byName.set(n, i));
LEGACY.forEach((c, i) => byName.set(c.name, LEGACY_BASE + i));

const ANULL = new Set(ALIASES.aNULL ?? []);
const ENULL = new Set(ALIASES.eNULL ?? []);
const MD5 = new Set(ALIASES.MD5 ?? []);

/** The suites one alias or suite name selects (empty for a word OpenSSL does not know). */
function select(word: string): number[] {
  const out: number[] = [];
  const exact = byName.get(word);
  if (exact !== undefined) return [exact];
  const known = ALIASES[word];
  if (known !== undefined) for (const i of known) out.push(i);
  LEGACY.forEach((c, i) => {
    if (legacyIn(c, word)) out.push(LEGACY_BASE + i);
  });
  return out;
}

export interface CipherList {
  /** The suites enabled, by name. */
  enabled: string[];
  /** The weak families among them, each with its suites. */
  weak: Map<WeakFamily, string[]>;
  /** The security level the string sets (@SECLEVEL=n), or null. */
  seclevel: number | null;
  /** Enabled suites OpenSSL 3 does not have (legacy ones). */
  legacy: string[];
}

function familiesOf(i: number): WeakFamily[] {
  if (i >= LEGACY_BASE) {
    const c = LEGACY[i - LEGACY_BASE];
    const out: WeakFamily[] = [];
    if (c.export) out.push("EXPORT");
    if (c.enc === "RC4" || c.enc === "DES" || c.enc === "3DES" || c.enc === "IDEA") out.push(c.enc);
    if (c.au === "NULL") out.push("aNULL");
    if (c.mac === "MD5") out.push("MD5");
    return out;
  }
  const out: WeakFamily[] = [];
  if (ANULL.has(i)) out.push("aNULL");
  if (ENULL.has(i)) out.push("eNULL");
  if (MD5.has(i)) out.push("MD5");
  return out;
}

/** Evaluates `text` (one `ssl_ciphers` value). */
export function evaluateCipherString(text: string): CipherList {
  const active = new Set<number>();
  const order: number[] = [];
  const killed = new Set<number>();
  let seclevel: number | null = null;
  for (const raw of text.split(/[:\s;,]+/)) {
    if (raw === "") continue;
    if (raw.startsWith("@")) {
      const m = /^@SECLEVEL=(\d)$/.exec(raw);
      if (m) seclevel = Number(m[1]);
      continue;
    }
    const op = raw[0] === "!" || raw[0] === "-" || raw[0] === "+" ? raw[0] : "";
    const parts = (op === "" ? raw : raw.slice(1)).split("+").filter((p) => p !== "");
    if (parts.length === 0) continue;
    let chosen = select(parts[0]);
    for (const p of parts.slice(1)) {
      const other = new Set(select(p));
      chosen = chosen.filter((i) => other.has(i));
    }
    if (op === "!")
      for (const i of chosen) {
        killed.add(i);
        active.delete(i);
      }
    else if (op === "-") for (const i of chosen) active.delete(i);
    else if (op === "")
      for (const i of chosen)
        if (!killed.has(i) && !active.has(i)) {
          active.add(i);
          order.push(i);
        }
  }
  const enabled: string[] = [];
  const weak = new Map<WeakFamily, string[]>();
  const legacy: string[] = [];
  const listed = new Set<number>();
  for (const i of order) {
    if (!active.has(i) || listed.has(i)) continue;
    listed.add(i);
    const name = i >= LEGACY_BASE ? LEGACY[i - LEGACY_BASE].name : CIPHERS[i];
    enabled.push(name);
    if (i >= LEGACY_BASE) legacy.push(name);
    for (const f of familiesOf(i)) {
      let list = weak.get(f);
      if (!list) weak.set(f, (list = []));
      if (!list.includes(name)) list.push(name);
    }
  }
  return { enabled, weak, seclevel, legacy };
}
