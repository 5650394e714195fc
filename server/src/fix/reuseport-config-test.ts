// Fixes for reuseport-config-test (docs/rules/reuseport-config-test.md, "Quick-fixes"), each checked by
// reading the edited configuration again (fix/verify.ts) before it is offered.
//
// - config-test-drops-connections: remove `reuseport` from the listen (what is lost is in the title), not
//   for `quic` (nginx routes a QUIC connection's packets to the worker that owns it through the reuseport
//   group: docs/quic.html, "reuseport … will make it work properly with multiple workers") nor `udp`
//   (a UDP session lives in one worker; the reuseport group keeps a client's datagrams on one worker's
//   socket); or: nginx ≥ 1.13.4 / 1.12.2 is deployed (a setting), unless the version is set to an affected one.
// - worker-processes-after-listen: move `worker_processes` above the first http/stream/mail block, so it
//   is read before every `listen` (before 1.15.2 ngx_clone_listening read it while the block was parsed).
// Other codes have no edit that keeps the configuration's meaning (fewer workers, master_process off, a
// slow test): they are left to the person.

import { siteKey, type ConfigModel, type DirectiveSite } from "../model";
import type { Word } from "../parse/ast";
import {
  CONFIG_TEST_FIXED,
  CONFIG_TEST_FIXED_STABLE,
  configTestJoinsReuseport,
  reuseportFindings,
} from "../rules/reuseport-config-test";
import { resolveVersions } from "../cost/versions";
import type { Finding, RuleOptions } from "../rules/types";
import { directiveText, insertBefore, removeDirective, removeWord } from "./text";
import type { Fix } from "./types";
import { deployedVersionFix } from "./setting";
import { reanalyse, sameApartFrom } from "./verify";

/** `listen` parameters whose socket needs the reuseport group. */
const NEEDS_REUSEPORT = ["quic", "udp"];
/** Top-level blocks whose `listen` directives may carry reuseport. */
const LISTEN_BLOCKS = ["http", "stream", "mail"];

function listenAt(model: ConfigModel, finding: Finding): { site: DirectiveSite; word: Word } | null {
  for (const site of model.sitesOf("listen")) {
    if (site.file.path !== finding.path) continue;
    const word = site.directive.args.find(
      (a) => a.value === "reuseport" && a.range.start.offset === finding.range.start.offset,
    );
    if (word) return { site, word };
  }
  return null;
}

const argsOf = (s: DirectiveSite): string[] => s.directive.args.map((a) => a.value);

function removeReuseportFix(model: ConfigModel, finding: Finding, options: RuleOptions): Fix | null {
  const found = listenAt(model, finding);
  if (!found) return null;
  const { site, word } = found;
  if (site.directive.args.some((a) => NEEDS_REUSEPORT.includes(a.value))) return null;
  const text = model.config.files.get(site.file.path)?.text;
  if (text === undefined) return null;
  const edits = [removeWord(site.file.path, text, word)];
  const edited = reanalyse(model.config, edits, options.source);
  if (sameApartFrom(model, edited.model, new Set(["listen"]))) return null;
  // Every listen reads the same, apart from this one (in each instance of its file), which loses reuseport.
  const before = model.sitesOf("listen");
  const now = edited.model.sitesOf("listen");
  if (before.length !== now.length) return null;
  for (let i = 0; i < before.length; i++) {
    const expected = argsOf(before[i]);
    if (siteKey(before[i]) === siteKey(site)) expected.splice(expected.indexOf("reuseport"), 1);
    if (expected.join("\0") !== argsOf(now[i]).join("\0")) return null;
  }
  const caution =
    "workers share one listening socket again: the kernel no longer spreads new connections over one socket per worker";
  return {
    finding,
    title: `Remove reuseport from "listen ${site.directive.args[0]?.value ?? ""}": nginx -t can no longer join its socket group (caution: ${caution})`,
    caution,
    isPreferred: false,
    edits,
    effect: { moved: ["reuseport"], before: 1, after: 0, targets: [site.context.label] },
  };
}

function moveWorkerProcessesFix(model: ConfigModel, finding: Finding, options: RuleOptions): Fix | null {
  const main = model.main.directives;
  const wp = main.find(
    (s) =>
      s.directive.name === "worker_processes" &&
      s.file.path === finding.path &&
      s.directive.nameWord.range.start.offset === finding.range.start.offset,
  );
  if (!wp) return null;
  const target = main.find((s) => LISTEN_BLOCKS.includes(s.directive.name) && s.directive.block);
  if (!target || main.indexOf(target) > main.indexOf(wp)) return null;
  const wpText = model.config.files.get(wp.file.path)?.text;
  const targetText = model.config.files.get(target.file.path)?.text;
  if (wpText === undefined || targetText === undefined) return null;
  const edits = [
    insertBefore(target.file.path, targetText, target.directive, directiveText(wpText, wp.directive)),
    removeDirective(wp.file.path, wpText, wp.directive),
  ];
  const edited = reanalyse(model.config, edits, options.source);
  if (sameApartFrom(model, edited.model, new Set())) return null;
  const still = reuseportFindings(edited.config, options).some((f) => f.code === "worker-processes-after-listen");
  if (still) return null;
  const block = model.contexts.find((c) => c.directive === target.directive);
  const ignored = typeof finding.data?.listens === "number" ? finding.data.listens : 0;
  return {
    finding,
    title:
      `Move worker_processes above the ${target.directive.name} block: ` +
      `reuseport then takes effect on nginx < 1.15.2 (${ignored === 1 ? "1 listen" : `${ignored} listens`})`,
    isPreferred: true,
    edits,
    effect: {
      moved: ["worker_processes"],
      before: ignored,
      after: 0,
      targets: [block?.label ?? target.directive.name],
    },
  };
}

export function reuseportFixes(model: ConfigModel, finding: Finding, options: RuleOptions): Fix[] {
  const out: Fix[] = [];
  if (finding.code === "config-test-drops-connections") {
    const remove = removeReuseportFix(model, finding, options);
    if (remove) out.push(remove);
    const setting = deployedVersionFix(
      finding,
      resolveVersions(options).nginx,
      configTestJoinsReuseport,
      { key: "versions.nginx", value: CONFIG_TEST_FIXED, flag: `--nginx-version ${CONFIG_TEST_FIXED}` },
      `Keep reuseport: nginx ≥ ${CONFIG_TEST_FIXED} (or ${CONFIG_TEST_FIXED_STABLE} on 1.12) is deployed, ` +
        `whose nginx -t does not join the socket group (set nginxRisk.versions.nginx)`,
    );
    if (setting) out.push(setting);
  } else if (finding.code === "worker-processes-after-listen") {
    const move = moveWorkerProcessesFix(model, finding, options);
    if (move) out.push(move);
  }
  return out;
}
