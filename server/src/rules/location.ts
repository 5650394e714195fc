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

import type { Directive } from "../parse/ast";
import type { ContextKind } from "../parse/directives";
import { BLOCK_END, type CheckSeed, type StatementCheck, type WordIndex } from "./statement-checks";

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

function seed(d: Directive, code: string, message: string, word: WordIndex): CheckSeed {
  return { ruleId: "location", code, severity: "error", message, d, word };
}

/**
 * Everything this rule judges is one statement read with the heads of the blocks around it: a location with
 * its parent location's, `proxy_pass`/`alias` with their location's, and an upstream block with its own
 * statements.
 */
export const locationCheck: StatementCheck = {
  ruleId: "location",
  statement(d, context, parents, _options, out) {
    const name = d.name;
    if (name === "location") {
      // The locations nginx reads as such: those of a server or a location (one in an `if` is refused apart).
      if (d.block && (context === "server" || context === "location")) locationHead(d, context, parents, out);
      return;
    }
    if (name !== "proxy_pass" && name !== "alias" && name !== "root") return;
    // Blocks with an http location configuration of their own.
    if (
      context !== "server" &&
      context !== "location" &&
      context !== "if_in_server" &&
      context !== "if_in_location" &&
      context !== "limit_except"
    )
      return;
    const parent = parents.length > 0 ? parents[parents.length - 1] : null;
    const me = context === "location" && parent !== null ? locationName(parent) : null;
    if (name === "proxy_pass" && d.argCount === 1 && noUriAllowed(context, me) && hasUriPart(d.argValue(0) ?? ""))
      out.push(
        seed(
          d,
          "proxy-pass-uri",
          '"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, ' +
            'or inside "if" statement, or inside "limit_except" block',
          0,
        ),
      );
    else if (name === "alias" && me?.named)
      out.push(seed(d, "alias-named", 'the "alias" directive cannot be used inside the named location', -1));
    if ((name === "root" || name === "alias") && d.argCount === 1) {
      const v = d.argValue(0) ?? "";
      for (const variable of ["document_root", "realpath_root"])
        // A plain substring test, as nginx's: `$document_roots` is refused too.
        if (v.includes(`$${variable}`) || v.includes(`\${${variable}}`))
          out.push(seed(d, "root-variable", `the $${variable} variable cannot be used in the "${name}" directive`, 0));
    }
  },
  block(d, body, statements, _parents, _options, out) {
    // ngx_http_upstream / ngx_stream_upstream test for servers once the block is read: nginx names its `}`.
    if (d === null || d.name !== "upstream" || (body !== "upstream" && body !== "stream_upstream")) return;
    for (const s of statements) if (s.d.name === "server") return;
    out.push(seed(d, "no-servers", "no servers are inside upstream", BLOCK_END));
  },
};

/** A location's own arguments, and where it sits in its parent location. */
function locationHead(d: Directive, context: ContextKind, parents: readonly Directive[], out: CheckSeed[]): void {
  const me = locationName(d);
  if (d.argCount === 2 && me === null) {
    out.push(seed(d, "modifier", `invalid location modifier "${d.argValue(0)}"`, 0));
    return;
  }
  if (me === null || context !== "location") return;
  // A snippet read inside a location has no head for it: nothing is known of the parent.
  const parent = parents.length > 0 ? locationName(parents[parents.length - 1]) : null;
  const at = d.argCount - 1;
  if (parent === null) {
    // The parent is refused itself.
  } else if (parent.exact)
    out.push(seed(d, "inside-exact", `location "${me.name}" cannot be inside the exact location "${parent.name}"`, at));
  else if (parent.named)
    out.push(seed(d, "inside-named", `location "${me.name}" cannot be inside the named location "${parent.name}"`, at));
  else if (me.named)
    out.push(seed(d, "named-nested", `named location "${me.name}" can be on the server level only`, at));
  else if (!me.regex && !me.name.startsWith(parent.name))
    out.push(seed(d, "outside", `location "${me.name}" is outside location "${parent.name}"`, at));
}

/** ngx_http_proxy_pass refuses a URI where clcf is a regex or named location, or has no name (`if`, `limit_except`). */
function noUriAllowed(context: ContextKind, location: LocationName | null): boolean {
  if (context === "if_in_server" || context === "if_in_location" || context === "limit_except") return true;
  return location !== null && (location.regex || location.named);
}
