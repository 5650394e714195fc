// Go-to-definition and find-references over the effective configuration (model/), so a name used in one
// file and declared in another (nginx.conf ↔ sites-enabled/app.conf) is found both ways.
//
// - Named locations (`@name`): nginx looks them up per server (ngx_http_named_location searches the
//   server's core conf `named_locations`), so a use finds the `location @name` of the server it is in,
//   whatever file that location is written in. Uses: the last argument of `try_files` and `error_page`,
//   the first of `echo_exec` and `post_action`, when it starts with `@`.
// - Upstreams: `proxy_pass http://NAME…`, `grpc_pass`, `fastcgi_pass`, `uwsgi_pass`, `scgi_pass`,
//   `memcached_pass` and the stream module's `proxy_pass NAME` name an upstream when one of the same
//   http (or stream) block has that name — ngx_http_upstream_add compares host names without case;
//   otherwise the name is a host to resolve and there is nothing to go to.
// - `include`: every file it reads, from the configuration's include edges (globs: every match).
//
// A file included twice yields the same places twice (one per instance); results are deduplicated.

import { descendants, enclosing, type ConfigContext, type DirectiveSite } from "../model";
import type { Directive, Range } from "../parse/ast";
import type { FileInstance } from "../workspace/configuration";
import { isStockPath } from "../workspace/stock-files";
import type { Analysed } from "./links";
import { compareRanges, directiveAt, subRange, wordAt, type LineCharacter } from "./text";

export interface NavLocation {
  /** Workspace path. */
  path: string;
  range: Range;
}

/** Where a named location is referred to: which argument (index, -1 = the last). */
const NAMED_LOCATION_USES: ReadonlyMap<string, number> = new Map([
  ["try_files", -1],
  ["error_page", -1],
  ["echo_exec", 0],
  ["post_action", 0],
]);

/** Directives whose first argument may name an upstream, with the URL schemes nginx accepts before it. */
const HTTP_PASSES: ReadonlyMap<string, { schemes: readonly string[]; required: boolean }> = new Map([
  ["proxy_pass", { schemes: ["http://", "https://"], required: true }],
  ["grpc_pass", { schemes: ["grpc://", "grpcs://"], required: false }],
  ["uwsgi_pass", { schemes: ["uwsgi://", "suwsgi://"], required: false }],
  ["fastcgi_pass", { schemes: [], required: false }],
  ["scgi_pass", { schemes: [], required: false }],
  ["memcached_pass", { schemes: [], required: false }],
]);

const ZERO: Range = { start: { line: 0, character: 0, offset: 0 }, end: { line: 0, character: 0, offset: 0 } };

type Target =
  | { kind: "include"; directive: Directive }
  | { kind: "named"; name: string; directive: Directive }
  | { kind: "upstream"; name: string; directive: Directive };

/** The upstream name in a pass directive's first argument (with its place in the value), or null. */
export function upstreamNameOf(
  d: Directive,
  family: "http" | "stream",
): { name: string; from: number; to: number } | null {
  const pass = HTTP_PASSES.get(d.name);
  if (!pass || d.args.length !== 1) return null;
  const value = d.args[0].value;
  let from = 0;
  if (family === "stream") {
    if (d.name !== "proxy_pass") return null;
  } else {
    const lower = value.toLowerCase();
    const scheme = pass.schemes.find((s) => lower.startsWith(s));
    if (scheme) from = scheme.length;
    else if (pass.required) return null;
  }
  const rest = value.slice(from);
  if (rest.includes("$") || rest.startsWith("[") || /^unix:/i.test(rest)) return null;
  const end = rest.search(/[/:?#]/);
  const name = end < 0 ? rest : rest.slice(0, end);
  if (name === "") return null;
  return { name, from, to: from + name.length };
}

function namedUse(d: Directive): { index: number; name: string } | null {
  const at = NAMED_LOCATION_USES.get(d.name);
  if (at === undefined || d.args.length === 0) return null;
  const index = at < 0 ? d.args.length - 1 : at;
  const v = d.args[index]?.value;
  return v !== undefined && v.startsWith("@") && v.length > 1 ? { index, name: v } : null;
}

function namedDeclaration(d: Directive): string | null {
  if (d.name !== "location" || !d.block || d.args.length !== 1) return null;
  const v = d.args[0].value;
  return v.startsWith("@") && v.length > 1 ? v : null;
}

/** What the word at `pos` refers to. */
function targetAt(analyses: readonly Analysed[], p: string, pos: LineCharacter): Target | null {
  const inst = firstInstance(analyses, p);
  if (!inst) return null;
  const d = directiveAt(inst.parsed.children, pos);
  if (!d) return null;
  if (d.name === "include" && !d.block) return { kind: "include", directive: d };
  const w = wordAt(d, pos);
  if (!w) return null;
  const declared = namedDeclaration(d);
  if (declared !== null) return { kind: "named", name: declared, directive: d };
  const use = namedUse(d);
  if (use && d.args[use.index] === w) return { kind: "named", name: use.name, directive: d };
  if (d.name === "upstream" && d.block && d.args.length === 1)
    return { kind: "upstream", name: d.args[0].value, directive: d };
  // The name is read per site (http or stream decides the syntax): see resolve().
  if (w === d.args[0] && HTTP_PASSES.has(d.name)) return { kind: "upstream", name: "", directive: d };
  return null;
}

function firstInstance(analyses: readonly Analysed[], p: string): FileInstance | null {
  for (const a of analyses) {
    const list = a.config.instancesByPath.get(p);
    if (list && list.length > 0) return list[0];
  }
  return null;
}

/** The sites of one directive (one per instance of its file) in an analysis. */
function sitesOfDirective(a: Analysed, d: Directive): DirectiveSite[] {
  return a.model.sitesOf(d.name).filter((s) => s.directive === d);
}

function familyOf(ctx: ConfigContext): { scope: ConfigContext; family: "http" | "stream" } | null {
  const scope = enclosing(ctx, "http", "stream");
  if (!scope) return null;
  return { scope, family: scope.kind === "stream" ? "stream" : "http" };
}

class Places {
  private readonly seen = new Set<string>();
  readonly list: NavLocation[] = [];
  add(path: string, range: Range): void {
    const k = `${path}\0${range.start.offset}\0${range.end.offset}`;
    if (this.seen.has(k)) return;
    this.seen.add(k);
    this.list.push({ path, range });
  }
}

interface Resolved {
  declarations: NavLocation[];
  uses: NavLocation[];
}

/** Declarations and uses of a named location or an upstream, in every analysis, within nginx's scope. */
function resolve(analyses: readonly Analysed[], target: Target, wantUses: boolean): Resolved {
  const decl = new Places();
  const uses = new Places();
  for (const a of analyses) {
    for (const site of sitesOfDirective(a, target.directive)) {
      if (target.kind === "named") {
        const server = enclosing(site.context, "server");
        if (!server) continue;
        for (const c of descendants(server)) {
          if (c.kind === "location" && c.directive && namedDeclaration(c.directive) === target.name)
            decl.add(c.file.path, c.directive.args[0].range);
          if (!wantUses) continue;
          for (const s of c.directives) {
            const use = namedUse(s.directive);
            if (use && use.name === target.name) uses.add(s.file.path, s.directive.args[use.index].range);
          }
        }
      } else if (target.kind === "upstream") {
        const fam = familyOf(site.context);
        if (!fam) continue;
        let name = target.name;
        if (name === "") {
          const found = upstreamNameOf(target.directive, fam.family);
          if (!found) continue;
          name = found.name;
        }
        const key = name.toLowerCase();
        const kind = fam.family === "stream" ? "stream-upstream" : "upstream";
        for (const c of descendants(fam.scope)) {
          if (c.kind === kind && c.directive && c.directive.args[0]?.value.toLowerCase() === key)
            decl.add(c.file.path, c.directive.args[0].range);
          if (!wantUses) continue;
          for (const s of c.directives) {
            if (s.directive.block) continue;
            const found = upstreamNameOf(s.directive, fam.family);
            if (found && found.name.toLowerCase() === key)
              uses.add(s.file.path, subRange(s.file.parsed.text, s.directive.args[0], found.from, found.to));
          }
        }
      }
    }
  }
  return { declarations: decl.list, uses: uses.list };
}

/** Where the thing at `pos` in file `p` is defined; empty when nothing is (a host name, a missing `@name`). */
export function definitionAt(analyses: readonly Analysed[], p: string, pos: LineCharacter): NavLocation[] {
  const target = targetAt(analyses, p, pos);
  if (!target) return [];
  if (target.kind === "include") {
    const out = new Places();
    for (const a of analyses)
      for (const e of a.config.edges)
        if (e.directive === target.directive && e.resolution)
          for (const f of e.resolution.files) if (!isStockPath(f)) out.add(f, ZERO);
    return out.list;
  }
  return resolve(analyses, target, false).declarations;
}

/**
 * Every use of the named location or upstream at `pos` (and its declarations when asked). Elsewhere in a
 * file, the `include` directives that read the file: who uses this file.
 */
export function referencesAt(
  analyses: readonly Analysed[],
  p: string,
  pos: LineCharacter,
  includeDeclaration: boolean,
): NavLocation[] {
  const target = targetAt(analyses, p, pos);
  if (target && target.kind !== "include") {
    const r = resolve(analyses, target, true);
    // A name with no declaration still has its uses (say, `@missing`): they are what the user asked about.
    return sortPlaces([...(includeDeclaration ? r.declarations : []), ...r.uses]);
  }
  if (target) return [];
  return includersOf(analyses, p);
}

/** The `include` directives that read file `p` (each once, whatever the number of instances). */
export function includersOf(analyses: readonly Analysed[], p: string): NavLocation[] {
  const out = new Places();
  for (const a of analyses)
    for (const inst of a.config.instancesByPath.get(p) ?? [])
      if (inst.includedBy) out.add(inst.includedBy.instance.path, inst.includedBy.directive.range);
  return sortPlaces(out.list);
}

function sortPlaces(list: NavLocation[]): NavLocation[] {
  const byKey = new Map<string, NavLocation>();
  for (const l of list) byKey.set(`${l.path}\0${l.range.start.offset}\0${l.range.end.offset}`, l);
  return [...byKey.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : compareRanges(a.range, b.range),
  );
}
