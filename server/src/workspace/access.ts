// What the CLI and the language server may read: the one read policy every disk read goes through
// (NodeFileSource asks it before each read, readdir and stat, so no caller can forget it).
//
// A path is read only if
// - its real path (symbolic links resolved component by component, `..` after the link, as the kernel does)
//   is under an allowed root: the workspace folders (server) or the paths given on the command line (CLI),
//   the targets of path mappings, and what the user allowed (`--allow-read`, `nginxRisk.allowRead`);
// - it is not under /proc, /sys or /dev (kernel interfaces: /proc/self/environ is the process environment);
// - it is a regular file (a FIFO would block the read forever, a device or socket is not a file), and
// - it is not larger than the limit of its kind (a configuration file, a CA bundle).
//
// Nothing outside the roots is touched to decide: the resolution stops at the first component outside them,
// before any lstat, so a refused path says the same ("outside") whether or not it exists, and a symbolic
// link in the workspace that points out is refused on its target's *name*.

import * as fs from "fs";
import * as path from "path";

/** What a file is read as: the size limit differs. */
export type ReadKind = "configuration" | "bundle";

const MIB = 1024 * 1024;

/**
 * The default size limits. 64 MiB of configuration is about 1.6 million statements (the 4,000-location
 * incident is 0.5 MiB); a CA bundle of 16 MiB holds ~11,000 certificates (Debian's has 144 in 214 KiB).
 */
export const DEFAULT_LIMITS: Readonly<Record<ReadKind, number>> = { configuration: 64 * MIB, bundle: 16 * MIB };

/** Never read, whatever the roots: reading there leaks the process's own state or blocks. */
export const NEVER_READ: readonly string[] = ["/proc", "/sys", "/dev"];

/** Symbolic links followed per path at most (Linux's MAXSYMLINKS is 40). */
const MAX_LINKS = 40;

export type RefusalReason = "outside" | "system" | "special" | "too-large";

/** Why a path is not read. Says nothing of the file's content; for paths outside, not even whether it exists. */
export interface Refusal {
  reason: RefusalReason;
  /** Why, in a few words ("outside the workspace folders", "a FIFO, not a regular file"). */
  why: string;
  /** How to have it read, when the user can ("map it into the workspace … or allow it with …"). */
  allow?: string;
  /** For `outside`: the path is inside the roots by name, a symbolic link there leads out. */
  viaLink?: boolean;
  /** For `too-large`: the file's size and the limit, in bytes (the file is inside the roots). */
  size?: number;
  limit?: number;
}

export interface AccessOptions {
  /**
   * Folders (or single files) whose contents may be read. Absent: any path, apart from NEVER_READ, special
   * files and oversized ones (the default for library use and tests; the CLI and the server always give roots).
   */
  roots?: readonly string[];
  limits?: Partial<Record<ReadKind, number>>;
  /** Tells a user how to allow a path outside the roots: `--allow-read PATH`, `nginxRisk.allowRead`, … */
  allowHint?: string;
  /** The words for the roots in messages (default: "the folders that are read"). */
  rootsName?: string;
}

/** A path as the policy resolved it. */
export type Resolution =
  { kind: "ok"; real: string; stats: fs.Stats } | { kind: "missing" } | { kind: "refused"; refusal: Refusal };

function under(p: string, root: string): boolean {
  if (root === "/") return p.startsWith("/");
  return p === root || (p.startsWith(root) && p.charCodeAt(root.length) === 47); /* "/" */
}

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
}

function absolute(p: string): string {
  return p.startsWith("/") ? p : trimSlash(process.cwd()) + "/" + p;
}

function specialKind(st: fs.Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "not a regular file";
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0)} MiB`;
}

export class ReadPolicy {
  limits: Readonly<Record<ReadKind, number>>;
  /** The roots as given (normalised) and as real paths; null when unrestricted. */
  private givenRoots: string[] | null;
  private realRoots: string[] | null;
  private allowHint: string;
  private readonly rootsName: string;
  /** lstat results of the components walked through (not of the final ones), until `forget()`. */
  private readonly components = new Map<string, fs.Stats | null>();
  private readonly links = new Map<string, string>();

  constructor(options: AccessOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.allowHint = options.allowHint ?? "";
    this.rootsName = options.rootsName ?? "the folders that are read";
    this.givenRoots = null;
    this.realRoots = null;
    if (options.roots) this.setRoots(options.roots);
  }

  /** Whether only the roots may be read. */
  get restricted(): boolean {
    return this.realRoots !== null;
  }

  /** The roots as real paths (for messages and tests); null when unrestricted. */
  roots(): readonly string[] | null {
    return this.realRoots;
  }

  /** Replaces the roots (the server's folders and settings change); null: unrestricted. */
  setRoots(roots: readonly string[] | null): void {
    this.components.clear();
    this.links.clear();
    if (roots === null) {
      this.givenRoots = this.realRoots = null;
      return;
    }
    const given = [...new Set(roots.map((r) => trimSlash(path.posix.normalize(absolute(r)))))];
    this.givenRoots = given;
    // A root's real path is resolved without the policy (the user named it), but never into NEVER_READ.
    const real = new Set<string>();
    for (const r of given) {
      let rp = r;
      try {
        rp = fs.realpathSync(r);
      } catch {
        // A root that does not exist (yet) is kept as written.
      }
      if (!NEVER_READ.some((n) => under(rp, n))) real.add(rp);
    }
    this.realRoots = [...real];
  }

  /** Changes the limits and the hint on how to allow a path (the server's settings and workspace trust). */
  configure(options: { limits?: Partial<Record<ReadKind, number>>; allowHint?: string }): void {
    if (options.limits) this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    if (options.allowHint !== undefined) this.allowHint = options.allowHint;
  }

  /** Forgets the symbolic links and folders seen (files changed on disk). */
  forget(): void {
    this.components.clear();
    this.links.clear();
  }

  /** The file `p` if it may be read as `kind`: its real path and lstat, or why not, or missing. */
  file(p: string, kind: ReadKind): Resolution {
    const r = this.resolve(p);
    if (r.kind !== "ok") return r;
    if (r.stats.isDirectory()) return { kind: "missing" }; // the callers say "is a directory" themselves
    if (!r.stats.isFile()) return { kind: "refused", refusal: this.special(r.stats) };
    const limit = this.limits[kind];
    if (r.stats.size > limit) return { kind: "refused", refusal: this.tooLarge(r.stats.size, limit, kind) };
    return r;
  }

  /** Whatever is at `p` (file, folder, FIFO…), if the policy lets us look at it. */
  entry(p: string): Resolution {
    return this.resolve(p);
  }

  /** Why `p` is not read as `kind`, or null (it is read, or it does not exist inside the roots). */
  refusal(p: string, kind: ReadKind = "configuration"): Refusal | null {
    const r = this.file(p, kind);
    return r.kind === "refused" ? r.refusal : null;
  }

  /** The real path of `p` when the policy lets us resolve it; `p` itself otherwise. */
  realpath(p: string): string {
    const r = this.resolve(p);
    return r.kind === "ok" ? r.real : p;
  }

  /** Whether a real path is inside the roots (always, when unrestricted). */
  private inside(real: string): boolean {
    return this.realRoots === null || this.realRoots.some((r) => under(real, r));
  }

  /** Whether the walk may look at `p`: inside a root, or on the way to one. */
  private walkable(p: string): boolean {
    if (this.realRoots === null) return true;
    for (const roots of [this.realRoots, this.givenRoots!]) {
      for (const r of roots) if (under(p, r) || under(r, p)) return true;
    }
    return false;
  }

  private outside(viaLink: boolean): Refusal {
    const names = this.rootsName;
    return {
      reason: "outside",
      why: viaLink ? `it resolves (through a symbolic link) outside ${names}` : `it is outside ${names}`,
      ...(viaLink ? { viaLink } : {}),
      ...(this.allowHint ? { allow: this.allowHint } : {}),
    };
  }

  private system(): Refusal {
    return { reason: "system", why: `nginx-risk never reads ${NEVER_READ.join(", ")}` };
  }

  private special(st: fs.Stats): Refusal {
    return { reason: "special", why: `it is ${specialKind(st)}, not a regular file` };
  }

  private tooLarge(size: number, limit: number, kind: ReadKind): Refusal {
    return {
      reason: "too-large",
      why: `${mib(size)} is over the ${mib(limit)} limit for ${kind === "bundle" ? "CA bundles" : "configuration files"}`,
      size,
      limit,
    };
  }

  /**
   * realpath(3) under the policy: components are resolved one by one (a symbolic link's target replaces it,
   * `..` goes up from what is resolved so far), and the walk stops before looking at anything outside the
   * roots or under NEVER_READ.
   */
  private resolve(p: string): Resolution {
    const lexical = path.posix.normalize(absolute(p));
    if (NEVER_READ.some((n) => under(lexical, n))) return { kind: "refused", refusal: this.system() };
    if (!this.walkable(lexical)) return { kind: "refused", refusal: this.outside(false) };
    const queue = absolute(p).split("/");
    let cur = "/";
    let links = 0;
    let viaLink = false;
    let last: fs.Stats | null = null;
    while (queue.length > 0) {
      const c = queue.shift()!;
      if (c === "" || c === ".") continue;
      if (c === "..") {
        cur = path.posix.dirname(cur);
        last = null;
        continue;
      }
      const next = cur === "/" ? "/" + c : cur + "/" + c;
      if (NEVER_READ.some((n) => under(next, n))) return { kind: "refused", refusal: this.system() };
      if (!this.walkable(next)) return { kind: "refused", refusal: this.outside(viaLink) };
      const final = queue.every((q) => q === "" || q === ".");
      let st: fs.Stats | null | undefined = final ? undefined : this.components.get(next);
      if (st === undefined) {
        try {
          st = fs.lstatSync(next);
        } catch {
          st = null;
        }
        if (!final) this.components.set(next, st);
      }
      if (st === null) return { kind: "missing" };
      if (st.isSymbolicLink()) {
        if (++links > MAX_LINKS) return { kind: "missing" }; // ELOOP: nginx cannot open it either
        let target = final ? undefined : this.links.get(next);
        if (target === undefined) {
          try {
            target = fs.readlinkSync(next);
          } catch {
            return { kind: "missing" };
          }
          if (!final) this.links.set(next, target);
        }
        viaLink = true;
        if (target.startsWith("/")) cur = "/";
        queue.unshift(...target.split("/"));
        last = null;
        continue;
      }
      if (!final && !st.isDirectory()) return { kind: "missing" }; // ENOTDIR
      cur = next;
      last = st;
    }
    if (!this.inside(cur)) return { kind: "refused", refusal: this.outside(viaLink) };
    if (last === null) {
      // Ended on `..`, `.` or the root itself: look at what that is (inside the roots, checked above).
      try {
        last = fs.lstatSync(cur);
      } catch {
        return { kind: "missing" };
      }
    }
    return { kind: "ok", real: cur, stats: last };
  }
}

/** The policy of library calls and tests that give none: any path but NEVER_READ, special and oversized files. */
export function unrestrictedPolicy(): ReadPolicy {
  return new ReadPolicy();
}

/** One sentence for a refused path: `"…" is not read: <why>; to read it, <allow>`. */
export function refusalText(name: string, refusal: Refusal): string {
  return `"${name}" is not read: ${refusal.why}${refusal.allow ? `; to read it, ${refusal.allow}` : ""}`;
}
