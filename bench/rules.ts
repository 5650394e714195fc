// What each rule that reads the model costs on an analysis after a keystroke. A keystroke keeps the objects
// of every statement it does not touch (parse/incremental.ts) and the server builds a new model over them;
// here the same parsed file (one ParseCache) is modelled again each round and every rule runs on the new
// model: what a rule remembers per statement or block is reused, as after a keystroke. Medians of
// `--rounds` rounds, per rule, in ms of this run (compare rules with each other and with the model's
// build, never with another machine's figures). The model builds its blocks' sites when first asked: the
// first rule that asks pays for them, so read the total as well as each rule.
//
//   npm run bench:rules -- [FILE …] [--rounds N]      (default: large-config and the 4,000-location incident)
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { buildModel } from "../server/src/model";
import { MODEL_RULES } from "../server/src/rules";
import { loadConfiguration } from "../server/src/workspace/configuration";
import { NodeFileSource, ParseCache } from "../server/src/workspace/files";

const args = process.argv.slice(2);
const roundsAt = args.indexOf("--rounds");
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 15;
const files = args.filter((a, i) => !a.startsWith("--") && (roundsAt < 0 || i !== roundsAt + 1));
const shared = process.env.NGINX_RISK_SHARED ?? path.resolve(__dirname, "../../../shared");
if (files.length === 0) {
  files.push(path.join(shared, "corpus/nginxinc+nginx-go-crossplane/testdata/configs/large-config/nginx.conf"));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const file of files) {
  if (!fs.existsSync(file)) {
    console.log(`${file}: not found`);
    continue;
  }
  const times = new Map<string, number[]>();
  const put = (k: string, ms: number): void => void (times.get(k) ?? times.set(k, []).get(k)!).push(ms);
  const source = new NodeFileSource(undefined, [file]);
  const cache = new ParseCache();
  for (let r = 0; r < rounds + 2; r++) {
    const config = loadConfiguration(file, { source, cache });
    let t = performance.now();
    const model = buildModel(config);
    if (r >= 2) put("(model)", performance.now() - t);
    // The model's index of sites by name, made on the first question (model/index.ts sitesByName).
    t = performance.now();
    model.sitesOf("server");
    if (r >= 2) put("(sites index)", performance.now() - t);
    const all = performance.now();
    for (const rule of MODEL_RULES) {
      t = performance.now();
      rule(model, { strict: false });
      if (r >= 2) put(rule.name, performance.now() - t);
    }
    if (r >= 2) put("(all model rules)", performance.now() - all);
  }
  console.log(`${file} — median ms of ${rounds} analyses (the same tree re-modelled)`);
  for (const [k, xs] of times) console.log(`  ${k.padEnd(34)} ${median(xs).toFixed(1).padStart(8)}`);
}
