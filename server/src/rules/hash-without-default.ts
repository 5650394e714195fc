// Rule `hash-without-default` (gixy's hash_without_default, nginx-lint's map_missing_default): a `map` or
// `geo` block with no `default`. nginx gives every value no key matches the empty string (ngx_http_map's
// default is the empty value; so is ngx_http_geo's), so a variable meant as a decision — an allowed
// origin, a backend, a rate-limit class — is silently empty for every request nobody listed.
//
// Judged on the effective configuration, from facts: the block's entries with the files it includes (a
// block with an include that did not read everything is not judged), and where its variable is read. A
// variable read only where an empty value turns the thing off — a whole `add_header` or `proxy_set_header`
// value (the header is not sent), a `limit_req_zone`/`limit_conn_zone` key (the request is not counted),
// a `fastcgi_param … if_not_empty`, an `if ($v)` and what it guards — has its empty default on purpose
// (h5bp's CORS map: `add_header Access-Control-Allow-Origin $cors;`; a redirect map: `if ($new) { return 301
// $new; }`). As gixy-ng and Gixy-Next do, a map with a single entry is left alone:
// `map $m $k { POST $binary_remote_addr; }` is the idiom for "this value, else empty".

import type { Directive } from "../parse/ast";
import type { ContextKind } from "../parse/directives";
import { namedArgs } from "./captures";
import { nginxWordValue } from "./regex";
import { eachStatement, type BlockFact, type CollectedFact, type StatementCheck } from "./statement-checks";

type Fact =
  | { k: "hash"; variable: string; written: string; source: string }
  | { k: "entry"; owner: Directive; name: string }
  | { k: "ranges"; owner: Directive }
  | { k: "unknown"; owner: Directive }
  | { k: "use"; variable: string; off: boolean }
  /**
   * A kept block's uses, compacted: each variable once per reading (off or not), and all of them as one text
   * (`key`, sorted): a fact whose uses another of its scope had adds nothing, and 2,500 locations of
   * large-config read the same three variables.
   */
  | { k: "uses"; uses: Map<string, number>; key: string };

type UseFact = Extract<Fact, { k: "use" }>;
type HashFact = Extract<Fact, { k: "hash" }>;

/** The bits of a `uses` entry: read where empty means off, read elsewhere. */
const OFF = 2;
const ON = 1;

/** Where a whole value that is empty turns the thing off, by directive: the argument, and a required flag. */
const OFF_WHEN_EMPTY: Record<string, { arg: number; flag?: string }> = {
  add_header: { arg: 1 },
  add_trailer: { arg: 1 },
  proxy_set_header: { arg: 1 },
  grpc_set_header: { arg: 1 },
  limit_req_zone: { arg: 0 },
  limit_conn_zone: { arg: 0 },
  fastcgi_param: { arg: 1, flag: "if_not_empty" },
  uwsgi_param: { arg: 1, flag: "if_not_empty" },
  scgi_param: { arg: 1, flag: "if_not_empty" },
};

const isHash = (d: Directive | null): d is Directive => d !== null && (d.name === "map" || d.name === "geo");

/** The variable a whole value is (`$cors`, `${cors}`), lowercased, or null. */
function wholeVariable(value: string): string | null {
  const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(value);
  return m ? (m[1] ?? m[2]).toLowerCase() : null;
}

/** The variable an `if` tests for emptiness alone (`if ($redirect)`), lowercased, or null. */
function testedVariable(d: Directive | null): string | null {
  if (d === null || d.name !== "if") return null;
  const cond = d.argValues().join(" ").trim();
  if (!cond.startsWith("(") || !cond.endsWith(")")) return null;
  return wholeVariable(cond.slice(1, -1).trim());
}

/** One fact object per variable and reading, shared by every statement that reads it (facts are not changed). */
const useFacts = [new Map<string, Fact>(), new Map<string, Fact>()];

function useFact(variable: string, off: boolean): Fact {
  const byVariable = useFacts[off ? 1 : 0];
  let f = byVariable.get(variable);
  if (f === undefined) {
    if (byVariable.size > 8192) byVariable.clear();
    byVariable.set(variable, (f = { k: "use", variable, off }));
  }
  return f;
}

function pushUses(d: Directive, skip: number, facts: unknown[], parent: Directive | null = null): void {
  // what turns the statement off when empty, read once a variable that may be a map's is found (most
  // statements read none but nginx's own: $host, $remote_addr…)
  let read = false;
  let guarded: string | null = null;
  let off: { arg: number; flag?: string } | undefined;
  let offVar: string | null = null;
  const named = namedArgs(d);
  for (let j = 0; j < named.length; j++) {
    const { arg: i, names } = named[j];
    if (i === skip) continue;
    for (let k = 0; k < names.length; k++) {
      const v = names[k];
      // a module's variable nothing may define again cannot be a map's: no fact ($host, $remote_addr…)
      if (v.fixed) continue;
      const variable = v.lower;
      if (!read) {
        read = true;
        // `if ($v)` reads $v where empty means "do not": so do the statements it guards
        guarded = d.name === "if" ? testedVariable(d) : testedVariable(parent);
        off = OFF_WHEN_EMPTY[d.name];
        offVar =
          off !== undefined && (off.flag === undefined || d.argValue(off.arg + 1) === off.flag)
            ? wholeVariable(nginxWordValue(d.argValue(off.arg) ?? ""))
            : null;
      }
      const isOff = variable === guarded || (off !== undefined && i === off.arg && offVar === variable);
      facts.push(useFact(variable, isOff));
    }
  }
}

/**
 * The facts of a statement: the blocks and their entries, and (`uses`) the variables it reads. A one-time
 * analysis (RuleOptions.once) collects no uses in the walk: `resolve` reads them only when a block lacks its
 * default, and for its variable only (most configurations have none: the uses of the 1M-line workspace's
 * 755,000 statements were this check's whole cost).
 */
function collectFacts(
  d: Directive,
  context: ContextKind,
  parents: readonly Directive[],
  facts: unknown[],
  uses: boolean,
): void {
  const parent = parents.length > 0 ? parents[parents.length - 1] : null;
  if (context === "custom") {
    if (!isHash(parent)) return;
    if (d.argCount === 1) facts.push({ k: "entry", owner: parent, name: d.name } satisfies Fact);
    else if (d.name === "ranges" && d.argCount === 0) facts.push({ k: "ranges", owner: parent } satisfies Fact);
    if (uses) pushUses(d, -1, facts);
    return;
  }
  if (isHash(d) && d.block && d.argCount >= 1) {
    const written = d.argValue(d.argCount - 1) ?? "";
    const source = d.argCount === 2 ? (d.argValue(0) ?? "") : "$remote_addr";
    facts.push({
      k: "hash",
      variable: written.replace(/^\$\{?|\}$/g, "").toLowerCase(),
      written,
      source,
    } satisfies Fact);
    // the source is read; the variable defined is not a use
    if (uses) pushUses(d, d.argCount - 1, facts);
    return;
  }
  if (uses && d.argCount > 0) pushUses(d, -1, facts, parent);
}

/** A map or geo block as `resolve` reads it from the facts: its entries' names, how many, ranges, unread files. */
interface HashBlock {
  fact: CollectedFact;
  names: Set<string>;
  entries: number;
  ranges: boolean;
  unknown: boolean;
}

/** Whether a block is judged by where its variable is read: no default, and more than a one-entry map. */
function lacksDefault(b: HashBlock): boolean {
  const d = b.fact.d;
  if (b.unknown || b.names.has("default")) return false;
  // what default is to ngx_http_geo_cidr()/ngx_http_geo_range(): every IPv4 and IPv6 address
  if (
    d.name === "geo" &&
    (b.ranges ? b.names.has("0.0.0.0-255.255.255.255") : b.names.has("0.0.0.0/0") && b.names.has("::/0"))
  )
    return false;
  return !(d.name === "map" && b.entries <= 1);
}

export const hashWithoutDefaultCheck: StatementCheck = {
  ruleId: "hash-without-default",
  collect(d, context, parents, options, facts) {
    collectFacts(d, context, parents, facts, options.once !== true);
  },
  // Uses are interned (useFact): the same object is the same variable read the same way.
  sameAs: (value) => ((value as Fact).k === "use" ? value : undefined),
  include(_d, context, parents, complete, _options, facts) {
    const parent = parents.length > 0 ? parents[parents.length - 1] : null;
    if (!complete && context === "custom" && isHash(parent)) facts.push({ k: "unknown", owner: parent } satisfies Fact);
  },
  compact(facts) {
    // The uses of each outermost block in one fact (a set of variables with how they are read): a server
    // re-walked on a keystroke hands its locations' facts to `resolve` and to the compaction around it, and
    // one per location and variable was most of that work. The other facts stay as they are, in order.
    const out: BlockFact[] = [];
    const merged = new Map<string | null, { keys: Set<string>; value: Extract<Fact, { k: "uses" }> }>();
    for (const f of facts) {
      const v = f.value as Fact;
      if (v.k !== "use" && v.k !== "uses") {
        out.push(f);
        continue;
      }
      let m = merged.get(f.outermost);
      if (m === undefined) {
        merged.set(f.outermost, (m = { keys: new Set(), value: { k: "uses", uses: new Map(), key: "" } }));
        out.push({ value: m.value, d: f.d, outermost: f.outermost, within: f.within });
      }
      const uses = m.value.uses;
      if (v.k === "use") uses.set(v.variable, (uses.get(v.variable) ?? 0) | (v.off ? OFF : ON));
      else if (!m.keys.has(v.key)) {
        m.keys.add(v.key);
        for (const [variable, bits] of v.uses) uses.set(variable, (uses.get(variable) ?? 0) | bits);
      }
    }
    for (const m of merged.values())
      m.value.key = [...m.value.uses]
        .map(([variable, bits]) => `${variable}:${bits}`)
        .sort()
        .join("\u0000");
    return out;
  },
  resolve(facts, options, out, config) {
    const blocks = new Map<Directive, HashBlock>();
    const order: HashBlock[] = [];
    // Uses are most facts (every variable of every location) and matter only for the variables of a hash
    // without "default": hashes first, then only the uses of their variables, per scope (nested maps).
    for (const f of facts) {
      const v = f.value as Fact;
      switch (v.k) {
        case "hash": {
          if (blocks.has(f.d)) break; // a file included twice: judged once
          const b: HashBlock = { fact: f, names: new Set(), entries: 0, ranges: false, unknown: false };
          blocks.set(f.d, b);
          order.push(b);
          break;
        }
        case "entry": {
          const b = blocks.get(v.owner);
          if (b === undefined) break;
          b.names.add(v.name);
          if (v.name !== "default") b.entries++;
          break;
        }
        case "ranges":
        case "unknown": {
          const b = blocks.get(v.owner);
          if (b !== undefined) b[v.k] = true;
          break;
        }
      }
    }
    const judged = order.filter(lacksDefault);
    if (judged.length === 0) return;
    // Only the variables of the blocks judged: their reads decide.
    const wanted = new Set(judged.map((b) => (b.fact.value as HashFact).variable));
    // per scope and variable: read anywhere, and read only where empty means off
    const reads = new Map<string | null, Map<string, { off: boolean }>>();
    const read = (outermost: string | null, variable: string, off: boolean): void => {
      if (!wanted.has(variable)) return;
      let byVariable = reads.get(outermost);
      if (byVariable === undefined) reads.set(outermost, (byVariable = new Map()));
      const r = byVariable.get(variable);
      if (r === undefined) byVariable.set(variable, { off });
      else r.off &&= off;
    };
    if (options.once === true) {
      // The walk collected no uses (collectFacts): read them now, for the judged blocks' variables only.
      const found: unknown[] = [];
      eachStatement(config, (d, context, parents, outermost) => {
        collectFacts(d, context, parents, found, true);
        for (const f of found)
          if ((f as Fact).k === "use") read(outermost, (f as UseFact).variable, (f as UseFact).off);
        found.length = 0;
      });
    }
    // Per scope, the compacted uses read already (their `key`).
    const readKeys = new Map<string | null, Set<string>>();
    for (const f of facts) {
      const v = f.value as Fact;
      if (v.k === "use") read(f.outermost, v.variable, v.off);
      else if (v.k === "uses") {
        let keys = readKeys.get(f.outermost);
        if (keys === undefined) readKeys.set(f.outermost, (keys = new Set()));
        if (keys.has(v.key)) continue;
        keys.add(v.key);
        for (const [variable, bits] of v.uses) {
          if ((bits & ON) !== 0) read(f.outermost, variable, false);
          if ((bits & OFF) !== 0) read(f.outermost, variable, true);
        }
      }
    }
    for (const b of judged) {
      const h = b.fact.value as HashFact;
      const d = b.fact.d;
      const reading = reads.get(b.fact.outermost)?.get(h.variable);
      if (reading !== undefined && reading.off) continue;
      out.push({
        ruleId: "hash-without-default",
        code: `${d.name}-without-default`,
        severity: "warning",
        message:
          `${d.name} ${h.written} has no "default": for every ${h.source} no entry matches, ${h.written} is the ` +
          `empty string — a check, a proxy_pass or a value built from it gets nothing instead of a deliberate ` +
          `value; add "default" with the value unlisted requests must get`,
        d,
        path: b.fact.path,
        word: -1,
        data: { variable: h.written },
      });
    }
  },
};
