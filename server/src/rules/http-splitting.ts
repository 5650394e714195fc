// Rule `http-splitting`: a variable that can hold CR or LF a client put there, written into a response header
// (`add_header`, the Location of a redirecting `return`/`rewrite`) or into the request nginx sends upstream
// (`proxy_set_header`, the URI of `proxy_pass`). nginx writes variables into headers as they are: a
// `/%0d%0aSet-Cookie:…` path decodes into `$uri` and becomes a header of its own (checked with the real nginx,
// test/rules/variables.test.ts). What each variable holds is variable-values.ts's and variable-flow.ts's.
// docs/rules/http-splitting.md. Peer: gixy's http_splitting.

import type { ConfigModel } from "../model";
import { catalogueEntry } from "./catalogue";
import type { Finding, RuleOptions } from "./types";
import { HEADER_SINKS, carriesCr, carriesLf, sinkArg } from "./variable-sinks";
import { toRelated, flowOf, nearest, leafName, onceKey, type Leaf, type UseSite } from "./variable-flow";
import { shapeOf } from "./variable-values";

export const HTTP_SPLITTING = "http-splitting";

export function httpSplittingFindings(model: ConfigModel, options: RuleOptions): Finding[] {
  const entry = catalogueEntry(HTTP_SPLITTING);
  const severity = entry?.severity ?? "warning";
  const flow = flowOf(model, options);
  const out: Finding[] = [];
  const seen = new Set<string>();
  // Whether there is a stream block at all, read at the first sink: nearest() is asked of each sink only then.
  let streams: boolean | undefined;
  for (const s of flow.sinks) {
    const d = s.directive;
    if (!HEADER_SINKS.has(d.name) && d.name !== "proxy_pass") continue;
    const sink = sinkArg(d);
    if (sink === null) continue;
    // A stream proxy_pass sends no request line: bytes go through as they come.
    streams ??= model.contexts.some((c) => c.kind === "stream");
    if (streams && nearest(s.context, "stream") !== null) continue;
    const text = d.argValue(sink.index) ?? "";
    if (!text.includes("$")) continue;
    const at: UseSite = { site: s };
    if (sink.rewrite) {
      const shape = shapeOf(d.argValue(0) ?? "", false);
      if (shape && !shape.opaque) at.rewriteOwn = shape;
    }
    let found: { leaf: Leaf; char: string } | null = null;
    for (const alt of at.rewriteOwn ? flow.expand(text, at) : flow.expandArg(at, sink.index))
      for (const p of alt) {
        if (typeof p === "string" || found) continue;
        if (carriesLf(p)) found = { leaf: p, char: "LF" };
        else if (sink.crCounts && carriesCr(p)) found = { leaf: p, char: "CR" };
      }
    if (!found) continue;
    const key = onceKey(s, "crlf");
    if (seen.has(key)) continue;
    seen.add(key);
    const where =
      d.name === "proxy_pass"
        ? "the request line nginx sends upstream"
        : d.name === "proxy_set_header"
          ? "a header of the request nginx sends upstream"
          : d.name === "return" || d.name === "rewrite"
            ? "the Location header of the redirect"
            : "a response header";
    out.push({
      ruleId: HTTP_SPLITTING,
      code: "crlf",
      severity,
      path: s.file.path,
      range: d.args[sink.index].range,
      message:
        `${leafName(found.leaf)} can hold ${found.char} from the request (a %0${found.char === "LF" ? "a" : "d"} in it), ` +
        `and nginx writes it as it is into ${where}: a client can add headers of its own or split the message`,
      related: found.leaf.via.map(toRelated),
      data: { variable: found.leaf.name, char: found.char },
    });
  }
  return out;
}
