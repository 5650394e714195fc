// The fixtures of the peers the security and best-practice rules answer to (issue 15): every gixy fork's
// plugin fixtures in ../shared/corpus (`tests/plugins/simply/<plugin>/*.conf`: a file ending in `_fp.conf`
// must not fire its plugin, every other one must) and nginx-lint's (`plugins/builtin/<group>/<rule>/`:
// `examples/bad.conf` and `tests/fixtures/*/error/nginx.conf` fire, `examples/good.conf` and
// `tests/fixtures/*/expected/nginx.conf`, the fixed text, do not). Each is analysed alone, as a user would
// check it (`check FILE`: a fragment in the context its first directives suggest).

import * as fs from "fs";
import * as path from "path";
import { runCheck } from "../../server/src/cli/check";
import { catalogueEntry } from "../../server/src/rules/catalogue";
import { isOffByDefault } from "../../server/src/rules/rule-settings";
import type { Finding } from "../../server/src/rules/types";
import { SHARED_CORPUS } from "./shared";

export interface PeerFixture {
  /** The repository folder in the corpus (`yandex+gixy`, `walf443+nginx-lint`). */
  repo: string;
  /** The peer's name of the check (`add_header_redefinition`, `server_tokens_enabled`). */
  peerRule: string;
  /** The file, absolute. */
  file: string;
  /** Whether the peer says its check fires on this file. */
  fires: boolean;
  /** gixy's plugin options written in the fixture's first line (`# Options: {"domains": [...]}`). */
  options?: Record<string, unknown>;
}

const GIXY_FIXTURES = path.join("tests", "plugins", "simply");

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

function optionsOf(file: string): Record<string, unknown> | undefined {
  const first = fs.readFileSync(file, "utf8").split("\n", 1)[0];
  const m = /^#\s*Options:\s*(\{.*\})\s*$/.exec(first);
  return m ? (JSON.parse(m[1]) as Record<string, unknown>) : undefined;
}

/** Every gixy fork's plugin fixture (a file directly under `simply/` belongs to no plugin and is left out). */
export function gixyFixtures(): PeerFixture[] {
  const out: PeerFixture[] = [];
  for (const repo of fs
    .readdirSync(SHARED_CORPUS)
    .filter((r) => r.includes("gixy"))
    .sort()) {
    const root = path.join(SHARED_CORPUS, repo, GIXY_FIXTURES);
    if (!fs.existsSync(root)) continue;
    for (const plugin of fs.readdirSync(root).sort()) {
      const dir = path.join(root, plugin);
      if (!fs.statSync(dir).isDirectory()) continue;
      for (const file of filesUnder(dir).filter((f) => f.endsWith(".conf"))) {
        const options = optionsOf(file);
        out.push({ repo, peerRule: plugin, file, fires: !file.endsWith("_fp.conf"), ...(options ? { options } : {}) });
      }
    }
  }
  return out;
}

/** nginx-lint's builtin rules' fixtures, style rules included (the caller leaves out what it does not check). */
export function nginxLintFixtures(): PeerFixture[] {
  const repo = "walf443+nginx-lint";
  const builtin = path.join(SHARED_CORPUS, repo, "plugins", "builtin");
  const out: PeerFixture[] = [];
  if (!fs.existsSync(builtin)) return out;
  for (const group of fs.readdirSync(builtin).sort()) {
    for (const rule of fs.readdirSync(path.join(builtin, group)).sort()) {
      for (const file of filesUnder(path.join(builtin, group, rule))) {
        const rel = path.relative(path.join(builtin, group, rule), file).split(path.sep);
        let fires: boolean | null = null;
        if (rel[0] === "examples" && rel[1] === "bad.conf") fires = true;
        else if (rel[0] === "examples" && rel[1] === "good.conf") fires = false;
        else if (rel[0] === "tests" && rel.includes("error")) fires = true;
        else if (rel[0] === "tests" && rel.includes("expected")) fires = false;
        if (fires !== null && file.endsWith(".conf")) out.push({ repo, peerRule: rule, file, fires });
      }
    }
  }
  return out;
}

/**
 * The findings of `check FILE` on a fixture, with the fixture's plugin options given to the rules `ruleIds`
 * (`ruleConfig`), and nginx 1.22.1 deployed unless `nginxVersion` says otherwise.
 */
export function peerFindings(fx: PeerFixture, ruleIds: readonly string[] = [], nginxVersion = "1.22.1"): Finding[] {
  const result = runCheck({
    inputs: [fx.file],
    mappings: [],
    strict: false,
    nginxVersion,
    ...(fx.options ? { ruleConfig: Object.fromEntries(ruleIds.map((id) => [id, fx.options!])) } : {}),
    // A rule off by default is switched on, as a user who wants its peer's check does.
    ruleLevels: Object.fromEntries(
      ruleIds.filter(isOffByDefault).map((id) => [id, catalogueEntry(id)?.severity ?? "info"]),
    ),
  });
  return result.findings;
}
