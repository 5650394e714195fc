// "Set nowhere in this http block" as a statement check (statement-checks.ts): the facts are the written
// `http` blocks (a statement of the main level), the statements inside an http block that set the thing, and
// the includes inside one that could not be read. The walk keeps them per unchanged block, so a directive
// set in each of 2,500 locations costs nothing per keystroke; `compact` keeps one of them per block.
// nginx refuses a second `http` block, so "inside an http block" is "inside the http block".

import type { Directive } from "../parse/ast";
import type { BlockFact, StatementCheck } from "./statement-checks";

export type BlockFactKind = "http" | "set" | "unread";

export interface BlockFactsRule {
  ruleId: string;
  /** The directive that sets what the rule looks for. */
  name: string;
  /** Whether a statement of that name inside the http block sets what the rule looks for. */
  sets: (d: Directive) => boolean;
  finding: () => { code: string; message: string };
}

export function blockFacts(rule: BlockFactsRule): StatementCheck {
  return {
    ruleId: rule.ruleId,
    // The http block and the setting directive: no other statement gives a fact.
    names: new Set(["http", rule.name]),
    collect(d, context, _parents, _options, facts) {
      if (context === "main") {
        if (d.name === "http" && d.block !== undefined) facts.push("http" satisfies BlockFactKind);
        return;
      }
      if (rule.sets(d)) facts.push("set" satisfies BlockFactKind);
    },
    include(_d, _context, _parents, complete, _options, facts) {
      if (!complete) facts.push("unread" satisfies BlockFactKind);
    },
    compact(facts) {
      const out: BlockFact[] = [];
      let set = false;
      for (const f of facts) {
        if (f.value === "set") {
          if (set) continue;
          set = true;
        }
        out.push(f);
      }
      return out;
    },
    resolve(facts, _options, out) {
      let http = false;
      for (const f of facts) {
        if (f.value === "http") http = true;
        else if (f.outermost === "http") return; // set, or maybe set in a file not read
      }
      if (!http) return;
      for (const f of facts)
        if (f.value === "http") {
          const { code, message } = rule.finding();
          out.push({ ruleId: rule.ruleId, code, severity: "info", message, d: f.d, path: f.path });
        }
    },
  };
}
