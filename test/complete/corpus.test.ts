// Completion over every configuration of the shared corpus, read as the product reads a workspace folder
// (main files found, includes followed, loose snippets in their guessed context): at the name of every
// statement, completion must offer that name. The exceptions are counted, and each must be explained:
// a name the table does not know (NGINX Plus, modules not scanned), or a statement nginx would refuse there,
// which the `directive` rule reports as not allowed (the corpus holds linters' fixtures of wrong configs).
// Files where crossplane and nginx disagree on the tree (crossplane-divergence-list.ts) are left out.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadInputs } from "../../server/src/cli/check";
import { completionsAt } from "../../server/src/complete/completion";
import { configSymbols } from "../../server/src/complete/symbols";
import type { Node } from "../../server/src/parse/ast";
import { enterBlock, isDirectiveContext, lookupDirective, type ContextKind } from "../../server/src/parse/directives";
import { directiveFindings } from "../../server/src/rules/directive-checks";
import { rootContextKind } from "../../server/src/rules/statement-checks";
import { NodeFileSource, ParseCache } from "../../server/src/workspace/files";
import { DIVERGENCES } from "../parse/crossplane-divergence-list";
import { CORPUS, haveShared } from "../support/shared";

describe("completion over the shared corpus", function () {
  this.timeout(600_000);

  it("offers the name of every statement at its start, except names unknown to the table or refused there", function () {
    if (!haveShared()) this.skip();
    const divergent = new Set(Object.keys(DIVERGENCES).map((p) => path.join(CORPUS, p)));
    const folders = fs
      .readdirSync(CORPUS)
      .map((d) => path.join(CORPUS, d))
      .filter((d) => fs.statSync(d).isDirectory());
    const source = new NodeFileSource();
    const cache = new ParseCache();
    let files = 0;
    let statements = 0;
    let offered = 0;
    let unknown = 0;
    let refused = 0;
    let skippedFiles = 0;
    const failures: string[] = [];
    const done = new Set<string>();
    for (const folder of folders) {
      const inputs = loadInputs({ inputs: [folder], mappings: [] }, source, cache);
      for (const config of inputs.configurations.values()) {
        if ([...config.instancesByPath.keys()].some((p) => divergent.has(p))) {
          skippedFiles++;
          continue;
        }
        const notAllowed = new Set(
          directiveFindings(config, { strict: false })
            .filter((f) => f.code === "not-allowed-here")
            .map((f) => `${f.path}:${f.range.start.offset}`),
        );
        const symbols = configSymbols([config]);
        for (const [p, instances] of config.instancesByPath) {
          const tops = [...new Set(instances.map((i) => rootContextKind(i.context)))];
          const key = `${p}\0${tops.join(",")}`;
          if (done.has(key)) continue;
          done.add(key);
          files++;
          const parsed = instances[0].parsed;
          const visit = (nodes: readonly Node[], contexts: ContextKind[]): void => {
            for (const n of nodes) {
              if (n.kind !== "directive") continue;
              if (n.nameWord.quote === null && n.name !== "" && contexts.some(isDirectiveContext)) {
                statements++;
                const entries = completionsAt({
                  text: parsed.text,
                  parsed,
                  position: n.nameWord.range.end,
                  topContexts: tops,
                  symbols,
                });
                if (entries.some((e) => e.label === n.name)) offered++;
                else if (lookupDirective(n.name).length === 0) unknown++;
                else if (notAllowed.has(`${p}:${n.nameWord.range.start.offset}`)) refused++;
                else
                  failures.push(
                    `${path.relative(CORPUS, p)}:${n.range.start.line + 1}: ${n.name} not offered in ${contexts.join("/")}`,
                  );
              }
              if (n.block) visit(n.block.children, [...new Set(contexts.map((c) => enterBlock(c, n.name)))]);
            }
          };
          visit(parsed.children, tops);
        }
      }
    }
    console.log(
      `      ${files} files, ${statements} statements: ${offered} offered, ${unknown} unknown to the table, ` +
        `${refused} not allowed there (directive rule); ${skippedFiles} configurations skipped (divergences)`,
    );
    assert.deepStrictEqual(failures.slice(0, 20), []);
    // Most unknown names are NGINX Controller's `f5_metrics_marker` (7,506 in large-config) and the lines of
    // mime.types files read as loose files; everything the table knows was offered or refused by the rule.
    assert.strictEqual(offered + unknown + refused, statements);
    assert.ok(statements > 30_000 && offered > 30_000, `${offered}/${statements}`);
  });
});
