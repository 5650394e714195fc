// The real nginx as the oracle of the formatter. For a sample of the corpus configurations (as `check` finds
// them: test/support/corpus-variants.ts) without syntax errors where formatting changes at least one file,
// every file is formatted, and both versions are written out for nginx by test/support/materialise.ts (same
// rewriting of includes, logs and certificates). `nginx -T` then runs on both:
// - nginx's verdict is the same (accepted by both, or the same error apart from line numbers);
// - where nginx accepts them, the files it dumps are, minus all whitespace, the same, and read as the same
//   tree (the crossplane payload with comments, without line numbers);
// - at least a few formatted configurations are accepted (the sample is not vacuous).
// Bounded: at most 60 configurations, two nginx processes at a time.

import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatText } from "../../server/src/format/format";
import { buildModel } from "../../server/src/model";
import type { Configuration } from "../../server/src/workspace/configuration";
import { corpusConfigurations, hasSyntaxErrors, reload } from "../support/corpus-variants";
import { materialise, pool, verdict, type Materialised } from "../support/materialise";
import { haveLuaModule } from "../support/nginx";
import { haveShared, nginxBinary } from "../support/shared";
import { payloadOf } from "./helpers";

const SAMPLE = 60;
const OPTIONS = { tabSize: 4, insertSpaces: true };

interface Dump {
  ok: boolean;
  output: string;
  /** The files nginx read, path → text, from `nginx -T` (the temporary directory replaced by <tmp> in both). */
  files: Map<string, string>;
}

/** `nginx -T` on a materialised configuration. */
function nginxDump(m: Materialised, timeoutMs = 60_000): Promise<Dump> {
  const bin = nginxBinary();
  if (!bin) throw new Error("nginx is not installed");
  const args = ["-T", "-c", m.conf, "-p", m.prefix, "-e", "stderr"];
  if (!m.setsPid) args.push("-g", `pid ${path.join(m.prefix, "nginx.pid")};`);
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    const timer = setTimeout(() => {
      stderr += `\n(timed out after ${timeoutMs} ms)`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      const files = new Map<string, string>();
      // nginx -T: "# configuration file PATH:" then the file as read, then an empty line.
      const parts = stdout.split(/^# configuration file (.*):\n/m);
      // The two sides live in different temporary directories (include paths in the files name them).
      const local = (t: string): string => t.split(m.dir).join("<tmp>");
      for (let i = 1; i + 1 < parts.length; i += 2) files.set(local(parts[i]), local(parts[i + 1]));
      resolve({ ok: code === 0, output: stdout + stderr, files });
    });
  });
}

interface Case {
  root: string;
  before: Configuration;
  after: Configuration;
  changedFiles: number;
}

describe("format: the real nginx accepts formatted corpus configurations and reads the same", function () {
  this.timeout(900_000);
  let tmp = "";
  before(function () {
    if (!haveShared() || !nginxBinary()) this.skip();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-format-oracle-"));
  });
  after(function () {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it(`nginx -T on up to ${SAMPLE} configurations, before and after formatting`, async function () {
    const candidates: Case[] = [];
    for (const { config } of corpusConfigurations()) {
      if (hasSyntaxErrors(config)) continue;
      const texts = new Map<string, string>();
      for (const [p, parsed] of config.files) {
        const r = formatText(parsed.text, OPTIONS);
        assert.ok(r.ok, `${p}: ${r.ok ? "" : r.reason}`);
        if (r.text !== parsed.text) texts.set(p, r.text);
      }
      if (texts.size === 0) continue;
      candidates.push({
        root: config.rootPath,
        before: config,
        after: reload(config, texts).config,
        changedFiles: texts.size,
      });
    }
    // An even spread over the corpus, the same every run.
    const step = Math.max(1, candidates.length / SAMPLE);
    const sample: Case[] = [];
    for (let i = 0; i < candidates.length && sample.length < SAMPLE; i += step) sample.push(candidates[Math.floor(i)]);
    const modules = haveLuaModule() ? ["ndk_http_module.so", "ngx_http_lua_module.so"] : [];

    const failures: string[] = [];
    let accepted = 0;
    let rejected = 0;
    let unsupported = 0;
    let comparedFiles = 0;
    await pool(
      sample.map((c, i) => async () => {
        const dumps: Dump[] = [];
        const dirs: string[] = [];
        for (const [side, config] of [
          ["before", c.before],
          ["after", c.after],
        ] as const) {
          const dir = path.join(tmp, String(i), side);
          dirs.push(dir);
          const m = materialise(config, buildModel(config), { dir, modules });
          if (m.unsupported) {
            unsupported++;
            return;
          }
          dumps.push(await nginxDump(m));
        }
        const [b, a] = dumps;
        const vb = verdict({ ok: b.ok, output: b.output, opens: 0, ms: 0 }, dirs[0], false);
        const va = verdict({ ok: a.ok, output: a.output, opens: 0, ms: 0 }, dirs[1], false);
        if (vb !== va) {
          failures.push(`${c.root}: nginx said\n  before: ${vb}\n  after:  ${va}`);
          return;
        }
        if (!b.ok) {
          rejected++;
          return;
        }
        accepted++;
        if (JSON.stringify([...b.files.keys()].sort()) !== JSON.stringify([...a.files.keys()].sort())) {
          failures.push(`${c.root}: nginx read other files`);
          return;
        }
        for (const [file, before] of b.files) {
          const after = a.files.get(file) ?? "";
          if (!file.endsWith(".nginx-risk-oracle.main")) comparedFiles++; // not the wrapper
          if (before.replace(/\s/g, "") !== after.replace(/\s/g, ""))
            failures.push(`${c.root}: ${file} differs beyond whitespace in nginx -T`);
          else if (payloadOf(before) !== payloadOf(after)) failures.push(`${c.root}: ${file} reads as another tree`);
        }
      }),
      2,
    );
    console.log(
      `      ${candidates.length} corpus configurations change when formatted; ${sample.length} run: ` +
        `${accepted} accepted by nginx before and after (${comparedFiles} corpus files compared in the dumps), ` +
        `${rejected} rejected with the same message before and after, ${unsupported} not runnable here`,
    );
    assert.deepStrictEqual(failures, []);
    assert.ok(accepted >= 5, `only ${accepted} formatted configurations were accepted by nginx`);
  });
});
