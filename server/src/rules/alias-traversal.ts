// Rule `alias-traversal` (gixy's alias_traversal; nginx-lint's alias_location_slash_mismatch): an `alias`
// whose location match and path do not end alike, so that the rest of the URI is glued onto the alias
// where the two disagree. docs/rules/alias-traversal.md
//
// nginx (ngx_http_map_uri_to_path, src/http/ngx_http_core_module.c) replaces the first `clcf->alias` bytes of
// the URI — the length of the name of the location where `alias` is written — by the alias path, and keeps
// the rest of the URI as it is. The URI is normalised before (no `/../` segment), but `..` glued to the
// location's name is no segment: with `location /i { alias /data/w/; }`, `/i../secret` reads
// `/data/w/../secret`, i.e. `/data/secret` (checked with nginx 1.22.1: test/rules/access-control.test.ts). When
// only the alias lacks the slash (`location /j/ { alias /data/w; }`), `/j/-old/x` reads `/data/w-old/x`: any
// sibling of the folder whose name starts with its name. In a regex location the alias is built from the
// captures, and the same holds of the text before each `$N` and what the capture can start with.

import type { Directive } from "../parse/ast";
import { captureGroups, canStartWith, isPrefix, isRegex, locationHead, mustStartWith } from "./location-match";
import type { CheckSeed, StatementCheck } from "./statement-checks";

export const RULE_ID = "alias-traversal";

function seed(d: Directive, code: string, message: string, data: Record<string, unknown>): CheckSeed {
  return { ruleId: RULE_ID, code, severity: "warning", message, d, word: 0, data };
}

/** The parent folder of a path ending with `/` (`/data/w/` → `/data/`). */
function parentOf(dir: string): string {
  const trimmed = dir.replace(/\/+$/, "");
  const cut = trimmed.lastIndexOf("/");
  return cut <= 0 ? "/" : trimmed.slice(0, cut + 1);
}

/** Each `$N` / `${N}` of an alias: the capture number and where it starts. */
function captureRefs(alias: string): { n: number; at: number }[] {
  const out: { n: number; at: number }[] = [];
  const re = /\$(?:\{(\d+)\}|(\d))/g;
  for (let m = re.exec(alias); m !== null; m = re.exec(alias)) out.push({ n: Number(m[1] ?? m[2]), at: m.index });
  return out;
}

export const aliasTraversalCheck: StatementCheck = {
  ruleId: RULE_ID,
  names: new Set(["alias"]),
  statement(d, context, parents, _options, out) {
    if (d.name !== "alias" || context !== "location" || d.argCount !== 1 || parents.length === 0) return;
    const head = locationHead(parents[parents.length - 1]);
    if (head === null) return;
    const alias = d.argValue(0) ?? "";
    if (isPrefix(head)) prefixAlias(d, head.path, alias, out);
    else if (isRegex(head)) regexAlias(d, head.path, head.kind === "regex-icase", alias, out);
  },
};

function prefixAlias(d: Directive, location: string, alias: string, out: CheckSeed[]): void {
  // With variables nginx replaces the whole URI by the alias (clcf->alias = NGX_MAX_SIZE_T_VALUE): nothing
  // is glued on. An empty location name matches everything and is its own problem.
  if (alias.includes("$") || location === "" || alias === "") return;
  const locSlash = location.endsWith("/");
  const aliasSlash = alias.endsWith("/");
  if (!locSlash && aliasSlash) {
    const request = `${location}../`;
    out.push(
      seed(
        d,
        "traversal",
        `location "${location}" does not end with "/" but its alias does: a request for "${request}…" reads ` +
          `"${alias}../…", so every file under "${parentOf(alias)}" the workers can read is served`,
        { location, alias, request, reads: parentOf(alias) },
      ),
    );
  } else if (!aliasSlash) {
    const request = `${location}-old/…`;
    const reads = `${alias}-old/…`;
    out.push(
      seed(
        d,
        "sibling-prefix",
        `${locSlash ? `alias "${alias}" does not end with "/" but location "${location}" does` : `neither location "${location}" nor alias "${alias}" ends with "/"`}: ` +
          `a request for "${request}" reads "${reads}", so any folder beside "${alias}" whose name starts with it is served`,
        { location, alias, request, reads },
      ),
    );
  }
}

function regexAlias(d: Directive, pattern: string, icase: boolean, alias: string, out: CheckSeed[]): void {
  const refs = captureRefs(alias);
  if (refs.length === 0) return;
  const groups = captureGroups(pattern);
  for (const ref of refs) {
    const group = groups[ref.n - 1];
    if (group === undefined) continue;
    const before = alias.slice(0, ref.at);
    const startsSlash = mustStartWith(group.body, "/");
    const locSlash = group.before === "/" || startsSlash;
    const aliasSlash = before.endsWith("/");
    let code: string | null = null;
    if (before === "") code = "capture-traversal";
    else if (!locSlash && aliasSlash) {
      if (canStartWith(group.body, ".", icase)) code = "capture-traversal";
    } else if (!aliasSlash && !startsSlash) code = "capture-sibling-prefix";
    if (code === null) continue;
    const message =
      code === "capture-traversal"
        ? before === ""
          ? `the alias starts with capture $${ref.n}: the request chooses the whole path read`
          : `capture $${ref.n} (${group.body}) follows no "/" in the location and may start with "..", and the alias ` +
            `puts it after "${before}": a request for "…../x" reads "${before}../x", outside "${before}"`
        : `capture $${ref.n} (${group.body}) need not start with "/" and the alias glues it to "${before}": a request ` +
          `can read "${before}-old/…", any folder beside "${before}" whose name starts with it`;
    out.push(seed(d, code, message, { location: pattern, alias, capture: ref.n }));
    return;
  }
}
