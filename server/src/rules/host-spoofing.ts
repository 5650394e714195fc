// host-spoofing: the Host header sent to the proxied server taken from what the client sends unchecked.
// `$http_host` is the request's Host header as sent, while nginx chose the server block (and `$host`) from
// the request line's host when there is one (an absolute URI: `GET http://a.example/ HTTP/1.1` with
// `Host: b.example`); `$http_x_forwarded_host`, any other `$http_*`, `$arg_*` and `$cookie_*` are the client's
// words. An application that builds links, redirects or password-reset mails from Host then writes the
// attacker's host. Variables are followed through `set` and `map` values anywhere in the configuration (their
// sources: collect/resolve), so `set $h $http_host; proxy_set_header Host $h;` is found too.
// docs/rules/host-spoofing.md

import type { Directive } from "../parse/ast";
import type { CheckSeed, CollectedFact, StatementCheck } from "./statement-checks";

export const RULE_ID = "host-spoofing";

/** Variable names a value uses (`$name`, `${name}`), lower-cased (nginx's variable names are). */
function variablesOf(value: string): readonly string[] {
  let out = usesByValue.get(value);
  if (out === undefined) {
    const found: string[] = [];
    for (let m = VARIABLE.exec(value); m !== null; m = VARIABLE.exec(value)) found.push((m[1] ?? m[2]).toLowerCase());
    if (usesByValue.size > 4096) usesByValue.clear();
    usesByValue.set(value, (out = found));
  }
  return out;
}

const VARIABLE = /\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z_][A-Za-z0-9_]*))/g;
/** variablesOf's answers by value (read only): every `proxy_set_header Host` of a configuration says the same. */
const usesByValue = new Map<string, readonly string[]>();

/** Whether nginx fills the variable from the client's request as sent. */
function fromClient(name: string): boolean {
  return name.startsWith("http_") || name.startsWith("arg_") || name.startsWith("cookie_");
}

/**
 * Built-in variables nginx fills itself, which `set` cannot redefine ("the duplicate variable"): a Host made
 * of these alone gives no fact (large-config: 2,500 `proxy_set_header Host $host` per analysis).
 */
const SERVER_SIDE = new Set([
  "host",
  "proxy_host",
  "proxy_port",
  "server_name",
  "hostname",
  "server_addr",
  "server_port",
  "scheme",
]);

/** A fact: a variable defined from others (`set`, a `map` entry), or a Host header sent upstream. */
type Fact = { kind: "def"; name: string; uses: readonly string[] } | { kind: "host"; uses: readonly string[] };

export const hostSpoofingCheck: StatementCheck = {
  ruleId: RULE_ID,
  // The Host headers and the `set`s of the variables they read, and every map entry.
  names: new Set(["proxy_set_header", "set"]),
  entries: true,
  collect(d, context, parents, _options, facts) {
    const name = d.name;
    if (name === "proxy_set_header") {
      if (d.argCount === 2 && (d.argValue(0) ?? "").toLowerCase() === "host") {
        const uses = variablesOf(d.argValue(1) ?? "");
        if (uses.some((u) => !SERVER_SIDE.has(u))) facts.push({ kind: "host", uses } satisfies Fact);
      }
      return;
    }
    if (name === "set" && d.argCount === 2) {
      const target = d.argValue(0) ?? "";
      const uses = variablesOf(d.argValue(1) ?? "");
      if (target.startsWith("$") && uses.length > 0)
        facts.push({ kind: "def", name: target.slice(1).toLowerCase(), uses } satisfies Fact);
      return;
    }
    // A map entry: its value feeds the map's output variable.
    if (context !== "custom") return;
    const map = parents[parents.length - 1];
    if (map === undefined || map.name !== "map" || map.argCount !== 2) return;
    const target = map.argValue(1) ?? "";
    // `key value;` reads as a directive named by the key with the value as its one argument.
    const uses = d.argCount === 1 ? variablesOf(d.argValue(0) ?? "") : [];
    if (target.startsWith("$") && uses.length > 0)
      facts.push({ kind: "def", name: target.slice(1).toLowerCase(), uses } satisfies Fact);
  },
  resolve(facts, _options, out) {
    // Which variables carry the client's words, and through which definition (for the message).
    const defs = new Map<string, CollectedFact[]>();
    const hosts: CollectedFact[] = [];
    for (const f of facts) {
      const v = f.value as Fact;
      if (v.kind === "host") hosts.push(f);
      else {
        const l = defs.get(v.name);
        if (l === undefined) defs.set(v.name, [f]);
        else l.push(f);
      }
    }
    // name → [the client variable it comes from, the definition that brings it].
    const tainted = new Map<string, { source: string; via: CollectedFact | null }>();
    const origin = (name: string): { source: string; via: CollectedFact | null } | null =>
      fromClient(name) ? { source: name, via: null } : (tainted.get(name) ?? null);
    // A fixpoint over the definitions: each round can only add names, so it ends.
    for (let changed = defs.size > 0; changed;) {
      changed = false;
      for (const [name, list] of defs) {
        if (tainted.has(name)) continue;
        for (const f of list) {
          const from = (f.value as { uses: readonly string[] }).uses.map(origin).find((o) => o !== null);
          if (from) {
            tainted.set(name, { source: from.source, via: f });
            changed = true;
            break;
          }
        }
      }
    }
    const seen = new Set<string>();
    for (const f of hosts) {
      const key = `${f.path}\0${f.d.startOffset}`;
      if (seen.has(key)) continue;
      const uses = (f.value as Fact).uses;
      let hit: { name: string; source: string; via: CollectedFact | null } | null = null;
      for (const u of uses) {
        const o = origin(u);
        if (o) {
          hit = { name: u, ...o };
          break;
        }
      }
      if (hit === null) continue;
      seen.add(key);
      out.push(seedOf(f.d, f.path, hit));
    }
  },
};

function seedOf(
  d: Directive,
  path: string,
  hit: { name: string; source: string; via: CollectedFact | null },
): CheckSeed {
  const direct = hit.via === null;
  const source = `$${hit.source}`;
  const what =
    hit.source === "http_host"
      ? "the Host header exactly as the client sent it, which need not be the host nginx chose this server for (an absolute URI in the request line wins there)"
      : hit.source.startsWith("http_")
        ? `a request header the client chooses freely`
        : hit.source.startsWith("arg_")
          ? "a query-string argument the client chooses freely"
          : "a cookie the client chooses freely";
  const through = direct ? "" : ` (through $${hit.name}, set from ${source})`;
  return {
    ruleId: RULE_ID,
    code: hit.source === "http_host" ? "http-host" : "client-controlled",
    severity: "warning",
    message:
      `The proxied server gets Host from ${source}${through}: ${what}, so links, redirects and password-reset ` +
      "mails it builds from Host can point to an attacker's host; use $host.",
    d,
    path,
    word: 1,
    ...(hit.via
      ? { related: [{ d: hit.via.d, path: hit.via.path, message: `$${hit.name} takes ${source} here` }] }
      : {}),
    data: { source, ...(direct ? {} : { through: `$${hit.name}` }) },
  };
}
