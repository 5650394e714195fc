// Rule `proxy-pass-normalized`: what the backend receives is not the path the client sent. nginx decodes and
// normalises the request's path into $uri (%XX decoded, `//` merged, `.`/`..` resolved:
// ngx_http_parse_complex_uri) and matches locations on it. Then:
// - `proxy_pass` with a URI part and no variables replaces the location's prefix in $uri and escapes the
//   result again (ngx_http_proxy_create_request, ngx_escape_uri): `%2F` reaches the backend as `/`, `..`
//   segments resolved — a backend that routes or checks access on encoded paths sees other paths than the
//   client asked for;
// - with variables the URL is sent as evaluated, unescaped: a capture or $uri carries the decoded path (a
//   `%3F` becomes a `?` that starts a query string at the backend) — `rewrite ^ $request_uri;` first, then
//   `$uri`/`$1` in the URI part, passes the client's bytes;
// - after `rewrite ^ $request_uri;` a proxy_pass that does not use $uri or a capture escapes the already
//   escaped raw URI again: `/%2F` reaches the backend as `/%252F`.
// An exact location (`=`) sends a fixed path. A URI part where nginx -t refuses it is rule `location`'s.
// docs/rules/proxy-pass-normalized.md

import {
  isOneTime,
  registerQuestion,
  sitesWhere,
  type ConfigContext,
  type ConfigModel,
  type DirectiveSite,
} from "../model";
import { FindingSink, ownSitesNamed, relatedAt } from "./upstream-common";
import { locationPasses } from "./proxy-pass-uri-common";
import type { Finding, RuleOptions } from "./types";

export const RULE_ID = "proxy-pass-normalized";

/** $uri, $document_uri (the same value) or a capture: what carries the raw path after the raw rewrite. */
// Variable names are matched without case (ngx_http_get_variable looks them up in lower case).
const USES_PATH = /\$(uri\b|\{uri\}|document_uri\b|\{document_uri\}|\d|\{\d\})/i;

const REWRITE: ReadonlySet<string> = new Set(["rewrite"]);
const RAW_URI = /^\$(request_uri|\{request_uri\})$/i;

/** Whether a rewrite puts the raw request URI in $uri (`rewrite ^ $request_uri`). */
function isRawRewrite(s: DirectiveSite): boolean {
  const d = s.directive;
  return d.argValue(0) === "^" && RAW_URI.test(d.argValue(1) ?? "");
}

/** The rewrites, for a one-time model only (model/index.ts isOneTime: answered with every question in one walk). */
const REWRITE_KEY = "proxy-pass-normalized:rewrite";
const REWRITE_QUESTION = registerQuestion(REWRITE_KEY, (n) => n === "rewrite");

/**
 * Each block's first raw rewrite of its own, for every block at once, or null for a language server's model
 * (its blocks are asked one by one: `rawRewrite`). A one-time model lists every rewrite without a walk of its
 * own, and scanning the statements of the blocks around 45,000 passes (the 1M-line workspace) was most of the
 * rule's time.
 */
function rawRewritesOfModel(model: ConfigModel): Map<ConfigContext, DirectiveSite | null> | null {
  if (!isOneTime(model)) return null;
  const known = new Map<ConfigContext, DirectiveSite | null>();
  const rewrites = sitesWhere(model, REWRITE_KEY, REWRITE_QUESTION);
  for (let i = 0; i < rewrites.length; i++) {
    const s = rewrites[i];
    if (!known.has(s.context) && isRawRewrite(s)) known.set(s.context, s);
  }
  return known;
}

/**
 * The `rewrite ^ $request_uri` in effect for the block (its own, or a location's or server's above it);
 * each block's own answer asked once per analysis (`known`): a server's statements are not scanned again for
 * every location in it. `every`: every block's own answer is in `known` (a block missing has none).
 */
function rawRewrite(
  block: ConfigContext,
  known: Map<ConfigContext, DirectiveSite | null>,
  every: boolean,
): DirectiveSite | null {
  for (let c: ConfigContext | null = block; c !== null; c = c.parent) {
    let own = known.get(c);
    if (own === undefined && every) own = null;
    else if (own === undefined) {
      own = null;
      for (const s of ownSitesNamed(c, REWRITE))
        if (isRawRewrite(s)) {
          own = s;
          break;
        }
      known.set(c, own);
    }
    if (own !== null) return own;
    if (c.kind === "server" || c.kind === "http") break;
  }
  return null;
}

/** A `rewrite ^ $request_uri` in an `if` directly in the location (not the pass's own block). */
function conditionalRawRewrite(
  location: ConfigContext,
  block: ConfigContext,
  known: Map<ConfigContext, DirectiveSite | null>,
  every: boolean,
): DirectiveSite | null {
  for (const c of location.children) {
    if (c.kind !== "if" || c === block) continue;
    const found = rawRewrite(c, known, every);
    if (found !== null && found.context === c) return found;
  }
  return null;
}

export function proxyPassNormalizedFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const sink = new FindingSink(RULE_ID, "warning");
  const everyRewrite = rawRewritesOfModel(model);
  const every = everyRewrite !== null;
  const rewrites = everyRewrite ?? new Map<ConfigContext, DirectiveSite | null>();
  for (const p of locationPasses(model, options)) {
    const { site, url, location, block } = p;
    if (location.location?.modifier === "=") continue;
    const value = site.directive.argValue(0) ?? "";
    if (value.startsWith("$") && !value.includes("/")) continue;
    // A raw rewrite in an `if` of the location runs only when its condition holds: then the URI is raw, and
    // otherwise it is the decoded one — a URL right for one case is wrong for the other.
    const always = rawRewrite(block, rewrites, every);
    const raw = always ?? conditionalRawRewrite(location, block, rewrites, every);
    if (raw !== null) {
      const where = url.uri ?? url.host;
      if (USES_PATH.test(where)) {
        if (always !== null) continue;
        sink.add(
          site,
          "decoded-variables",
          `\`rewrite ^ $request_uri\` runs only when its \`if\` holds: otherwise $uri and the captures carry the ` +
            `decoded, normalised path, which this proxy_pass sends unescaped (a client's %3F becomes a ? at the ` +
            `backend, %2F a /); put the raw rewrite where it always runs`,
          0,
          [relatedAt(raw, "the raw request URI is put in $uri only here")],
        );
        continue;
      }
      sink.add(
        site,
        "escaped-twice",
        `after \`rewrite ^ $request_uri\` $uri holds the client's escaped path, and this proxy_pass escapes ` +
          `it again: "/%2F" reaches the backend as "/%252F"; use the raw path in the URI part ` +
          `(proxy_pass http://backend$uri or …/$1)`,
        0,
        [relatedAt(raw, "the raw request URI is put in $uri here")],
      );
      continue;
    }
    if (url.uri === null) continue;
    if (url.variables) {
      sink.add(
        site,
        "decoded-variables",
        `this proxy_pass has variables, so nginx sends its URL as evaluated: the URI part "${url.uri}" ` +
          `${USES_PATH.test(url.uri) ? "carries the decoded, normalised path (a client's %3F becomes a ? that starts a query string at the backend, %2F a /)" : "replaces the request's whole path"}; ` +
          `to pass the client's own path put \`rewrite ^ $request_uri;\` before it and use $uri or a capture`,
        0,
      );
      continue;
    }
    const prefix = location.location?.path ?? "";
    sink.add(
      site,
      "uri-part",
      `proxy_pass with the URI part "${url.uri}" sends the backend nginx's decoded and normalised path ` +
        `(${prefix !== "" ? `the prefix "${prefix}" replaced, ` : ""}then escaped again), not the client's: ` +
        `"%2F" arrives as "/" and ".." segments resolved, so a backend that routes or checks access on the path ` +
        `sees another one than the client sent; without a URI part (proxy_pass http://backend;) the original ` +
        `path is passed`,
      0,
    );
  }
  return sink.findings;
}
