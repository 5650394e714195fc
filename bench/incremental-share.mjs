// Reads the CPU profile of bench/incremental-parse.ts and prints the share of updateParseDetailed's time
// (inclusive) spent in the Shift methods (self time of position, range, nodesFrom, done).
// Run: node bench/incremental-share.mjs bench/tmp/prof/<file>.cpuprofile
import { readFileSync } from "fs";

const prof = JSON.parse(readFileSync(process.argv[2], "utf8"));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const SHIFT = new Set([
  "position",
  "range",
  "ordered",
  "nodesFrom",
  "blockEnd",
  "head",
  "terminator",
  "headWithComments",
  "done",
]);
let update = 0;
let shift = 0;
for (const id of prof.samples) {
  const self = byId.get(id).callFrame.functionName;
  let under = false;
  for (let p = id; p !== undefined; p = parent.get(p)) {
    if (byId.get(p).callFrame.functionName === "updateParseDetailed") {
      under = true;
      break;
    }
  }
  if (!under) continue;
  update++;
  if (SHIFT.has(self)) shift++;
}
console.log(
  `samples in updateParseDetailed: ${update}; in the Shift methods: ${shift} (${((100 * shift) / update).toFixed(1)}%)`,
);
