// Writes large-config ×N for the bench (npm run bench, docs/DEVELOPING.md): nginx-go-crossplane's 35,178-line
// large-config with the `server` blocks of its http block repeated N times (default 10) inside that one http
// block — 350,754 lines for N = 10. Only the servers repeat: the http block's `types`, `log_format`, `upstream`
// and `map` stay single, as nginx refuses a second one of each. Each copy's server names get a `cK.` prefix
// (copy K ≥ 2), so the copies are distinct sites rather than nginx's "conflicting server name" warnings.
//
// usage: node scripts/gen-large-x10.mjs LARGE_CONFIG OUT_FILE [--copies N]

import * as fs from "node:fs";
import * as path from "node:path";

/** The text of large-config with its http-level servers repeated `copies` times. */
export function repeatServers(text, copies) {
  const lines = text.split("\n");
  // http-level statements are indented by one tab in large-config; its last line closes http.
  const first = lines.findIndex((l) => l === "\tserver {");
  let close = lines.length - 1;
  while (close > 0 && lines[close] !== "}") close--;
  if (first < 0 || close <= first) throw new Error("not large-config's shape: no http-level `server {` before `}`");
  const servers = lines.slice(first, close);
  const out = lines.slice(0, close);
  for (let k = 2; k <= copies; k++)
    for (const l of servers) {
      const m = /^(\s*server_name\s+)(.*);$/.exec(l);
      out.push(
        m
          ? m[1] +
              m[2]
                .split(/\s+/)
                .map((n) => (/^[a-z]/i.test(n) ? `c${k}.${n}` : n))
                .join(" ") +
              ";"
          : l,
      );
    }
  for (const l of lines.slice(close)) out.push(l);
  return out.join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const args = process.argv.slice(2);
  const i = args.indexOf("--copies");
  const copies = i < 0 ? 10 : Number(args[i + 1]);
  const [input, output] = args.filter((a, j) => !a.startsWith("--") && (i < 0 || (j !== i && j !== i + 1)));
  if (!input || !output || !Number.isInteger(copies) || copies < 1) {
    console.error("usage: node scripts/gen-large-x10.mjs LARGE_CONFIG OUT_FILE [--copies N]");
    process.exit(2);
  }
  const text = repeatServers(fs.readFileSync(input, "utf8"), copies);
  fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
  fs.writeFileSync(output, text);
  console.log(`wrote ${output}: ${text.split("\n").length - 1} lines`);
}
