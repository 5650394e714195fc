// What a keystroke costs the parser: `updateParse` of a one-character edit at random places of large-config
// and of large-config with its http body repeated 10×, as ratios to `parse()` of the same text in the same
// run, and the share of an update spent outside the re-parse (finding the part, shifting what follows).
// Not a test. Run: npx esbuild bench/incremental-parse.ts --bundle --platform=node --outfile=bench/tmp/incremental-parse.js
// && node --cpu-prof --cpu-prof-dir=bench/tmp/prof bench/tmp/incremental-parse.js [path to large-config]
// (the profile gives the share of updateParseDetailed spent in the Shift methods: bench/incremental-share.mjs).

import * as fs from "fs";
import { seeded } from "./measure";
import * as path from "path";
import type { Node, ParsedFile } from "../server/src/parse/ast";
import { updateParseDetailed } from "../server/src/parse/incremental";
import { parse } from "../server/src/parse/parser";

const LARGE = path.resolve(
  process.argv[2] ??
    path.join(
      __dirname,
      "../../../shared/corpus/nginxinc+nginx-go-crossplane/testdata/configs/large-config/nginx.conf",
    ),
);

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))];
}

/** large-config with the body of its `http` block written `times` times. */
function repeatHttpBody(text: string, times: number): string {
  const http = parse(text).children.find((n) => n.kind === "directive" && n.name === "http");
  if (!http || http.kind !== "directive" || !http.block?.close) throw new Error("no http block");
  const body = text.slice(http.block.open.end.offset, http.block.close.start.offset);
  return text.slice(0, http.block.open.end.offset) + body.repeat(times) + text.slice(http.block.close.start.offset);
}

/** A flat copy of `s` (V8 keeps a concatenation as a tree of parts until something reads it). */
function flat(s: string): string {
  return Buffer.from(s, "utf16le").toString("utf16le");
}

/** Count of nodes, for scale. */
function countNodes(children: Node[]): number {
  let n = 0;
  const stack = [...children];
  while (stack.length) {
    const x = stack.pop()!;
    n++;
    if (x.kind === "directive" && x.block) for (const c of x.block.children) stack.push(c);
  }
  return n;
}

function run(name: string, text: string, edits: number): void {
  // A fixed seed: the same places every run.
  const random = seeded(0x1ec);
  const parses: number[] = [];
  const updates: number[] = [];
  const kinds: Record<string, number> = {};
  let moved = 0;
  let current: ParsedFile = parse(text);
  for (let i = 0; i < edits; i++) {
    // Alternate full parses and updates so both see the same machine load.
    if (i % 10 === 0) {
      const t0 = process.hrtime.bigint();
      parse(current.text);
      parses.push(ms(t0));
    }
    const at = Math.floor(random() * current.text.length);
    // The editor's buffer is a flat string; a concatenated one would be copied whole on its first read.
    const newText = flat(current.text.slice(0, at) + "x" + current.text.slice(at));
    const t0 = process.hrtime.bigint();
    const u = updateParseDetailed(current, { start: at, end: at, text: "x" }, newText);
    updates.push(ms(t0));
    kinds[u.kind] = (kinds[u.kind] ?? 0) + 1;
    moved += u.moved;
    current = u.parsed;
  }
  const parseMs = median(parses);
  console.log(
    `${name}: ${current.lineCount} lines, ${countNodes(current.children)} nodes; ${edits} one-character edits ${JSON.stringify(kinds)}`,
  );
  console.log(
    `  updateParse / parse: median ${(median(updates) / parseMs).toFixed(4)}, p95 ${(p95(updates) / parseMs).toFixed(4)}` +
      ` (parse median ${parseMs.toFixed(1)} ms in this run, shown for scale only); ${Math.round(moved / edits)} positions moved per edit`,
  );
}

const base = fs.readFileSync(LARGE, "utf8");
run("large-config", base, 200);
run("large-config ×10", repeatHttpBody(base, 10), 100);
