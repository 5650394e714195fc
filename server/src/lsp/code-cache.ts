// The server's side of V8's code cache (lsp/boot.ts, which dist/server.js runs): what became of the cache at
// this start, for the start-up log line, and its write at the first quiet moment after the first analysis.
// Without boot.ts (the tests' in-process servers, a bundle started directly) there is no cache: "off".

/** What became of the cache at this start, for the server's start-up log line. */
export type CodeCacheState = "off" | "none" | "used" | "rejected" | "unsafe";

/** What boot.ts leaves on globalThis for the bundle: the state, and a write of the cache (once, if needed). */
export interface CodeCacheHook {
  state: CodeCacheState;
  save(): void;
}

export const CODE_CACHE_HOOK = Symbol.for("nginx-risk.code-cache");

function hook(): CodeCacheHook | undefined {
  return (globalThis as Record<symbol, unknown>)[CODE_CACHE_HOOK] as CodeCacheHook | undefined;
}

/** "used", "none" (written for the next start), "rejected" (likewise), "unsafe" (ignored) or "off". */
export function codeCacheState(): CodeCacheState {
  return hook()?.state ?? "off";
}

/** How long after the first analysis the cache is written: a moment the editor is likely to leave alone. */
const QUIET_MS = 2000;
let scheduled = false;

/** Writes the cache (if this start needs one) QUIET_MS from now; once per process. */
export function saveCodeCacheSoon(): void {
  if (scheduled) return;
  scheduled = true;
  const h = hook();
  if (h === undefined) return;
  setTimeout(() => h.save(), QUIET_MS).unref();
}
