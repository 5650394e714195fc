// Rule `location`: what `nginx -t` refuses about where locations sit, what may be written in them, and
// upstream blocks.
//
// - ngx_http_core_location (src/http/ngx_http_core_module.c): `invalid location modifier "X"` (two arguments
//   whose first is not `=`, `^~`, `~`, `~*`); a location nested in an exact or a named one; a named location
//   nested in any location (`can be on the server level only`); a nested prefix location whose path does not
//   start with its parent's (`is outside location`; a regex parent's "path" is its regex text).
// - ngx_http_proxy_pass (src/http/modules/ngx_http_proxy_module.c): a URL without variables that has a URI
//   part (a `/` or `?` after the host) inside a regex or named location, an `if` or a `limit_except`.
// - ngx_http_core_root: `alias` inside a named location; `$document_root`/`$realpath_root` in root or alias.
// - ngx_http_upstream / ngx_stream_upstream: an upstream block without `server` (nginx names the line of
//   its closing `}`: the check runs after the block is read).

import type { Directive, Range } from "../parse/ast";
import {
  blockSite,
  forEachOwnDirectiveWhere,
  ownSites,
  siteKey,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../model";
import type { Finding, RuleOptions } from "./types";

const MODIFIERS = new Set(["=", "^~", "~", "~*"]);

/** A location's name as nginx stores it (clcf->name) and how it matches. */
interface LocationName {
  name: string;
  exact: boolean;
  named: boolean;
  regex: boolean;
}

/** ngx_http_core_location's reading of the arguments; null when nginx refuses the modifier (or cannot tell). */
function locationName(d: Directive): LocationName | null {
  if (d.argCount === 2) {
    const mod = d.argValue(0) ?? "";
    const name = d.argValue(1) ?? "";
    if (!MODIFIERS.has(mod)) return null;
    return { name, exact: mod === "=", named: false, regex: mod.startsWith("~") };
  }
  if (d.argCount !== 1) return null;
  const v = d.argValue(0) ?? "";
  if (v.startsWith("=")) return { name: v.slice(1), exact: true, named: false, regex: false };
  if (v.startsWith("^~")) return { name: v.slice(2), exact: false, named: false, regex: false };
  if (v.startsWith("~*")) return { name: v.slice(2), exact: false, named: false, regex: true };
  if (v.startsWith("~")) return { name: v.slice(1), exact: false, named: false, regex: true };
  return { name: v, exact: false, named: v.startsWith("@"), regex: false };
}

/** The URL of a proxy_pass without variables has a URI part (ngx_parse_inet_url with uri_part). */
function hasUriPart(url: string): boolean {
  if (url.includes("$")) return false;
  const m = /^https?:\/\//i.exec(url);
  if (!m) return false;
  const rest = url.slice(m[0].length);
  if (rest.toLowerCase().startsWith("unix:")) {
    // unix:/path:/uri — the URI follows the socket path's colon.
    const colon = rest.indexOf(":", 5);
    return colon >= 0 && colon + 1 < rest.length;
  }
  return /[/?]/.test(rest);
}

export function locationFindings(model: ConfigModel, _options: RuleOptions): Finding[] {
  const out: Finding[] = [];
  const reported = new Set<string>();
  const push = (site: DirectiveSite, code: string, message: string, range: Range): void => {
    const key = `${siteKey(site)}\0${code}`;
    if (reported.has(key)) return;
    reported.add(key);
    out.push({ ruleId: "location", code, severity: "error", path: site.file.path, range, message });
  };
  const names = new Map<ConfigContext, LocationName | null>();
  const nameOf = (ctx: ConfigContext): LocationName | null => {
    if (!names.has(ctx)) names.set(ctx, ctx.directive ? locationName(ctx.directive) : null);
    return names.get(ctx) ?? null;
  };

  for (const ctx of model.contexts) {
    if (ctx.kind === "location" && ctx.directive) {
      const site = blockSite(ctx);
      const d = ctx.directive;
      const me = nameOf(ctx);
      if (site && d.argCount === 2 && me === null)
        push(site, "modifier", `invalid location modifier "${d.argValue(0)}"`, d.args[0].range);
      else if (site && me !== null && ctx.parent?.kind === "location") {
        const parent = nameOf(ctx.parent);
        const at = d.args[d.argCount - 1].range;
        if (parent === null) {
          // The parent is refused itself.
        } else if (parent.exact)
          push(site, "inside-exact", `location "${me.name}" cannot be inside the exact location "${parent.name}"`, at);
        else if (parent.named)
          push(site, "inside-named", `location "${me.name}" cannot be inside the named location "${parent.name}"`, at);
        else if (me.named)
          push(site, "named-nested", `named location "${me.name}" can be on the server level only`, at);
        else if (!me.regex && !me.name.startsWith(parent.name))
          push(site, "outside", `location "${me.name}" is outside location "${parent.name}"`, at);
      }
    }
    if ((ctx.kind === "upstream" || ctx.kind === "stream-upstream") && ctx.directive && ctx.range) {
      if (ownSites(ctx, "server").length === 0) {
        const site = blockSite(ctx);
        const end = ctx.range.end;
        const range: Range = {
          start: { line: end.line, character: Math.max(0, end.character - 1), offset: Math.max(0, end.offset - 1) },
          end,
        };
        if (site) push(site, "no-servers", "no servers are inside upstream", range);
      }
    }
    if (ctx.isLocationConfiguration) {
      // Directives, not sites: a block's sites are made only when something is reported in it.
      const siteOf = (d: Directive): DirectiveSite => ctx.directives.find((s) => s.directive === d)!;
      forEachOwnDirectiveWhere(ctx, isWatched, (d) => {
        if (d.name === "proxy_pass" && d.argCount === 1 && noUriAllowed(ctx, nameOf) && hasUriPart(d.argValue(0) ?? ""))
          push(
            siteOf(d),
            "proxy-pass-uri",
            '"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, ' +
              'or inside "if" statement, or inside "limit_except" block',
            d.args[0].range,
          );
        else if (d.name === "alias" && ctx.kind === "location" && nameOf(ctx)?.named)
          push(
            siteOf(d),
            "alias-named",
            'the "alias" directive cannot be used inside the named location',
            d.nameWord.range,
          );
        if ((d.name === "root" || d.name === "alias") && d.argCount === 1) {
          const v = d.argValue(0) ?? "";
          for (const name of ["document_root", "realpath_root"])
            // A plain substring test, as nginx's: `$document_roots` is refused too.
            if (v.includes(`$${name}`) || v.includes(`\${${name}}`))
              push(
                siteOf(d),
                "root-variable",
                `the $${name} variable cannot be used in the "${d.name}" directive`,
                d.args[0].range,
              );
        }
      });
    }
  }
  return out;
}

const isWatched = (name: string): boolean => name === "proxy_pass" || name === "alias" || name === "root";

/** ngx_http_proxy_pass refuses a URI where clcf is a regex or named location, or has no name (`if`, `limit_except`). */
function noUriAllowed(ctx: ConfigContext, nameOf: (c: ConfigContext) => LocationName | null): boolean {
  if (ctx.kind === "if" || ctx.kind === "limit_except") return true;
  if (ctx.kind !== "location") return false;
  const n = nameOf(ctx);
  return n !== null && (n.regex || n.named);
}
