// What `nginx -t` says about an include cycle. nginx has no cycle check: ngx_conf_include
// (src/core/ngx_conf_file.c) parses the named file with the current `cf`, so a file that reaches itself is read
// again inside itself — a *copy* that lands in the include's block — and the test fails at the first statement
// refused in a copy. Checked with nginx 1.22.1 (test/workspace/configuration.test.ts):
//
// - A copy in a block where its statements do not belong: `"events" directive is not allowed here in COPY:1`
//   (ngx_conf_handler's context check, as for any statement).
// - A copy at the same level as statements that may appear once there: `"events" directive is duplicate in
//   COPY:1` — the block handlers of events/http/stream/mail and the core module's set-once directives (their
//   ngx_conf_set_*_slot setters and ngx_set_user, ngx_set_worker_processes, … return "is duplicate").
// - A file that includes itself with nothing refused before the include recurses: a plain include ends at the
//   open-file limit with `open() "FILE" failed (24: Too many open files) in COPY:LINE` (with a very high limit the
//   stack overflows first and nginx crashes); a glob silently matches nothing there (glob(3) ignores the failed
//   opendir), so the innermost copy runs to its end and the copy above it fails on the first set-once statement
//   after the include. (The innermost copy runs with no file descriptor left: a statement there that opens
//   something fails with "(24: Too many open files)" instead — `user` calls getpwnam(), which reads
//   /etc/passwd. Not predicted.)
// COPY is the name nginx opened the copy by (for `conf.d/*.conf` matching a link to nginx.conf, the link).
//
// Only these shapes are predicted; for others (a cycle through several files, `load_module` read twice, whose
// message names the module) the caller keeps its general message.

import type { Directive, Node, ParsedFile } from "../parse/ast";
import { checkDirective, enterBlock, type ContextKind } from "../parse/directives";

/** Main-context statements that fail with "is duplicate" when read twice (src/core/nginx.c, ngx_regex.c, the block handlers). */
const ONCE_IN_MAIN = new Set([
  "events",
  "http",
  "stream",
  "mail",
  "daemon",
  "master_process",
  "timer_resolution",
  "pid",
  "lock_file",
  "worker_processes",
  "debug_points",
  "user",
  "worker_priority",
  "worker_cpu_affinity",
  "worker_rlimit_nofile",
  "worker_rlimit_core",
  "worker_shutdown_timeout",
  "working_directory",
  "pcre_jit",
  "ssl_engine",
]);

export interface CycleCopy {
  /** The tree of the file read again. */
  copy: ParsedFile;
  /** The name nginx opens the copy by. */
  copyName: string;
  /** Block names from the top level to the include that closes the cycle. */
  context: readonly string[];
  /** Statements applied at the include's level before it (its earlier siblings, files the same include read before). */
  before: readonly Node[];
  /** The include that closes the cycle when it is in the copy's own file (a file including itself), else null. */
  selfInclude: Directive | null;
  /** Whether that include is a glob (it then matches nothing at the open-file limit instead of failing). */
  glob: boolean;
  /** The name the self-include opens (nginx's full name), for the open() message. */
  includedName: string;
}

/** 1 + the LFs before `offset`: the line nginx names (a lone CR does not end a line for nginx). */
function nginxLine(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function contextKind(context: readonly string[]): ContextKind {
  let kind: ContextKind = "main";
  for (const name of context) kind = enterBlock(kind, name);
  return kind;
}

const directives = (nodes: readonly Node[]): Directive[] => nodes.filter((n): n is Directive => n.kind === "directive");

/** nginx's error line for the cycle (`… in FILE:LINE`), or null when the shape is not one we predict. */
export function predictCycleError(c: CycleCopy): string | null {
  const kind = contextKind(c.context);
  const inMain = kind === "main";
  const set = new Set<string>();
  if (inMain) for (const d of directives(c.before)) if (ONCE_IN_MAIN.has(d.name)) set.add(d.name);
  const at = (d: Directive, what: string): string =>
    `${what} in ${c.copyName}:${nginxLine(c.copy.text, d.startOffset)}`;

  // The statement's own checks, then "is duplicate"; null when it is applied.
  const refusal = (d: Directive): string | null => {
    const problem = checkDirective(
      {
        name: d.name,
        argCount: d.argCount,
        terminator: d.terminator,
        context: kind,
      },
      { strict: false, checkContext: true, checkArgs: true },
    )[0];
    if (problem) return at(d, problem.message);
    if (inMain && d.name === "load_module") return "";
    if (inMain && ONCE_IN_MAIN.has(d.name)) {
      if (set.has(d.name)) return at(d, `"${d.name}" directive is duplicate`);
      set.add(d.name);
    }
    return null;
  };

  const statements = directives(c.copy.children);
  for (let i = 0; i < statements.length; i++) {
    const d = statements[i];
    if (d === c.selfInclude) {
      // The next copy applies the statements before the include again: the first set-once one is refused. Which
      // statements of other blocks are set-once depends on their setters, which the directive table does not hold.
      const earlier = statements.slice(0, i);
      if (!inMain && earlier.length > 0) return null;
      const again = earlier.find((e) => ONCE_IN_MAIN.has(e.name));
      if (inMain && again) return at(again, `"${again.name}" directive is duplicate`);
      if (!c.glob) return at(d, `open() "${c.includedName}" failed (24: Too many open files)`);
      // The innermost copy: the include matches nothing, the rest is applied (or refused) once…
      for (const rest of statements.slice(i + 1)) {
        const r = refusal(rest);
        if (r !== null) return r || null;
      }
      // …and the copy above it fails on the first set-once statement after its include.
      if (!inMain) return null;
      for (const rest of statements.slice(i + 1)) {
        if (ONCE_IN_MAIN.has(rest.name)) return at(rest, `"${rest.name}" directive is duplicate`);
      }
      return null;
    }
    const r = refusal(d);
    if (r !== null) return r || null;
  }
  return null;
}
