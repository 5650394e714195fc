// Rule `map-unnamed-capture` (nginx-lint's map_unnamed_capture; CVE-2026-42533): an http `map` key regex
// with an unnamed capture group, on nginx 1.9.8 (the first with cloned subrequests: the slice module) up
// to the fixes in 1.30.4 and 1.31.3 (nginx commits b99f804ad and 0cca8e055, "Fixed uninitialized memory read
// caused by stale regex captures"). A capturing regex makes ngx_http_regex_exec() reallocate r->captures
// when the request's realloc_captures is set (a subrequest clone: `slice`, or the background update of
// `proxy_cache_background_update`); when that regex then does not match, r->ncaptures is left as it was, and
// a later `$1`..`$9` reads the new, uninitialised array — a worker crash. `stream` has no subrequests and
// never reallocates (ngx_stream_regex_exec()), so stream maps are left alone.
//
// A statement check: the map's own head says whether it is http's (`statement`, context `http`), its
// entries with their included files are judged when its body has been read (`block`).

import type { Directive } from "../parse/ast";
import { beforeFix, patternShape, unnamedCaptures } from "./captures";
import { compareVersions } from "../cost/versions";
import { regexesOf } from "./regex";
import type { StatementCheck } from "./statement-checks";

/** The `map` blocks of http seen by `statement`, for `block` (which is not told the map's own context). */
const httpMaps = new WeakSet<Directive>();

function affected(version: string | undefined): boolean {
  if (version !== undefined && version.trim() !== "" && compareVersions(version, "1.9.8") < 0) return false;
  return beforeFix(version, "1.30.4", "1.31.3", 10);
}

export const mapUnnamedCaptureCheck: StatementCheck = {
  ruleId: "map-unnamed-capture",
  names: new Set(["map"]),
  statement(d, context) {
    if (d.name !== "map" || !d.block) return;
    if (context === "http") httpMaps.add(d);
    else httpMaps.delete(d);
  },
  block(d, body, statements, _parents, options, out) {
    if (d === null || body !== "custom" || d.name !== "map" || !httpMaps.has(d)) return;
    if (!affected(options.nginxVersion)) return;
    for (const s of statements) {
      const r = regexesOf(s.d, d)[0];
      if (r === undefined) continue;
      const shape = patternShape(r.pattern);
      if (shape === null) continue;
      const unnamed = unnamedCaptures(shape);
      if (unnamed.length === 0) continue;
      out.push({
        ruleId: "map-unnamed-capture",
        code: "unnamed-capture",
        severity: "warning",
        message:
          `the map regex "${r.pattern}" has an unnamed capture: on nginx before 1.30.4 / 1.31.3 (or a ` +
          `distribution build without the backport, e.g. Debian 12 before 1.22.1-9+deb12u10) ` +
          `(CVE-2026-42533) a capturing map regex evaluated in a cloned subrequest (slice, ` +
          `proxy_cache_background_update) that does not match leaves a stale capture count, and a later ` +
          `$1..$9 reads uninitialised memory (a worker crash); use (?:…) where the group only groups, else a ` +
          `named group (?<name>…) read as $name, and read no $1..$9 on the requests it serves`,
        d: s.d,
        path: s.path,
        word: -1,
        data: { pattern: r.pattern, unnamed },
      });
    }
  },
};
