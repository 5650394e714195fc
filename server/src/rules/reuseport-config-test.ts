// reuseport-config-test: `listen … reuseport` and `nginx -t` (semantics.md §5).
//
// With SO_REUSEPORT every worker has a listening socket of its own and Linux spreads new connections over
// them; closing one of those sockets resets the connections still queued on it. On nginx 1.9.1–1.13.3 and
// 1.12.0–1.12.1 the `nginx -t` process set SO_REUSEPORT too, so its bind() succeeded, it joined the group,
// received a share of the new connections and dropped them when it exited (commit da165aae8860, ticket
// #1300; CHANGES 1.13.4 and 1.12.2). A monitoring job that runs `nginx -t` every minute turns that into a
// steady trickle of resets; the evidence of such jobs comes from the files around the configuration
// (workspace/facts/). Measured on 1.22.1: the test gets EADDRINUSE and nothing is lost (memory-model.md §C).
//
// The smaller hazards of the same option, each version-aware: `worker_processes` written after `listen`
// (reuseport ignored before 1.15.2, 751bdd3bb2b6), slow tests (a bind() per socket per worker before 1.21.1,
// 85a104aa4e86, ticket #2188), fewer workers on reload (f7f1607bf2b8's own warning), `master_process off`
// (unaccepted connections before 1.23.3, 593bb543873a, ticket #2403). docs/rules/reuseport-config-test.md

import type { Directive, Word } from "../parse/ast";
import { compareVersions, resolveVersions, type ResolvedVersion } from "../cost/versions";
import { walk, type ConfigVisitor, type Configuration } from "../workspace/configuration";
import { SubtreeMemo } from "../workspace/subtree-memo";
import type { ConfigTestEvidence } from "../workspace/facts";
import type { Finding, RelatedLocation, RuleOptions, Severity } from "./types";

export const RULE_ID = "reuseport-config-test";

/** The versions that matter here (semantics.md §5). */
export const REUSEPORT_SINCE = "1.9.1";
export const CONFIG_TEST_FIXED = "1.13.4";
export const CONFIG_TEST_FIXED_STABLE = "1.12.2";
export const ORDER_FIXED = "1.15.2";
export const SLOW_TEST_FIXED = "1.21.1";
export const MASTER_OFF_FIXED = "1.23.3";

const AFFECTED_RANGE = "1.9.1–1.13.3 / 1.12.0–1.12.1";
const SET_VERSION = "set nginxRisk.versions.nginx / --nginx-version";

/** `1.22` (a Docker tag, a setting) means the newest release of that series. */
function isSeries(v: string): boolean {
  return /^v?\d+\.\d+$/.test(v.trim());
}

function series(v: string): string {
  return /^v?(\d+\.\d+)/.exec(v.trim())?.[1] ?? v;
}

/**
 * Whether `v` predates the fix released in `fixed`. A bare series (`1.13`) is its newest release, which
 * has every fix made within that series.
 */
export function before(v: string, fixed: string): boolean {
  return compareVersions(v, isSeries(v) ? series(fixed) : fixed) < 0;
}

/** Whether `nginx -t` on version `v` joins a running server's reuseport group (semantics.md §5). */
export function configTestJoinsReuseport(v: string): boolean {
  if (before(v, REUSEPORT_SINCE)) return false;
  if (compareVersions(series(v), "1.12") < 0) return true;
  if (series(v) === "1.12") return before(v, CONFIG_TEST_FIXED_STABLE);
  if (series(v) === "1.13") return before(v, CONFIG_TEST_FIXED);
  return false;
}

interface ReuseportListen {
  directive: Directive;
  word: Word;
  path: string;
  /** `http`, `stream`, `mail`. */
  module: string;
  address: string;
  order: number;
}

interface MainDirective {
  directive: Directive;
  path: string;
  order: number;
}

function versionLabel(v: ResolvedVersion): string {
  return `nginx ${v.version} (${v.source})`;
}

function evidenceSummary(evidence: readonly ConfigTestEvidence[]): string {
  const first = evidence[0].description;
  return evidence.length === 1
    ? first
    : `${first} (and ${evidence.length - 1} more place${evidence.length > 2 ? "s" : ""})`;
}

function evidenceRelated(evidence: readonly ConfigTestEvidence[]): RelatedLocation[] {
  return evidence.map((e) => ({ path: e.path, range: e.range, message: e.description }));
}

function listenRelated(listens: readonly ReuseportListen[], message: string): RelatedLocation[] {
  return listens.map((l) => ({ path: l.path, range: l.word.range, message }));
}

/** A `listen … reuseport` inside a block, before it is placed: its order relative to the block's statement. */
interface ListenSeed {
  directive: Directive;
  word: Word;
  /** Statements walked from the block's own statement (0) to this one. */
  offset: number;
}

/**
 * Per block with no `include` inside (subtree-memo.ts): its statements (itself included) and its reuseport
 * listens, for the module (`http`, `stream`, `mail`) it is read in. An unchanged block is not walked again on
 * the next keystroke (large-config ×10: this walk was about a tenth of a keystroke's CPU).
 */
const blockListens = new SubtreeMemo<{ module: string; statements: number; listens: ListenSeed[] }>();

export function reuseportFindings(config: Configuration, options: RuleOptions): Finding[] {
  const check = reuseportCheck(options);
  walk(config, check.visitor);
  return check.findings();
}

/**
 * The rule as a visitor of `walk` and the findings once the walk is done: rules/index.ts walks it together
 * with the directive rule's (one walk of every statement instead of two on a server's first analysis).
 */
export function reuseportCheck(options: RuleOptions): { visitor: ConfigVisitor; findings(): Finding[] } {
  const listens: ReuseportListen[] = [];
  const seen = new Set<string>();
  const main: { workerProcesses?: MainDirective; masterProcess?: MainDirective } = {};
  let order = 0;
  // Every listen seed in walk order (before the per-position dedup), and per open block where its seeds start,
  // its order, and whether it can be kept (no include inside).
  const seeds: { seed: ListenSeed; order: number }[] = [];
  const open: { start: number; order: number; module: string; keep: boolean }[] = [];
  const place = (d: Directive, word: Word, path: string, module: string, at: number): void => {
    // A file included twice is the same text: one finding per position.
    const key = `${path}\0${word.startOffset}`;
    if (seen.has(key)) return;
    seen.add(key);
    listens.push({ directive: d, word, path, module, address: d.args[0]?.value ?? "", order: at });
  };
  const visitor: ConfigVisitor = {
    enter(d, info) {
      order++;
      const ctx = info.context;
      if (ctx.length === 0) {
        // A second one is an error nginx reports ("is duplicate"); the first is what counts.
        if (d.name === "worker_processes") main.workerProcesses ??= { directive: d, path: info.file.path, order };
        if (d.name === "master_process") main.masterProcess ??= { directive: d, path: info.file.path, order };
      }
      // The module the block's statements are read in: the outermost block around them.
      const module = ctx.length > 0 ? ctx[0] : d.name;
      if (d.name === "include") {
        if (open.length > 0) open[open.length - 1].keep = false;
      } else if (d.block) {
        const kept = blockListens.get(d);
        if (kept !== undefined && kept.module === module) {
          for (const l of kept.listens) {
            seeds.push({ seed: l, order: order + l.offset });
            place(l.directive, l.word, info.file.path, module, order + l.offset);
          }
          order += kept.statements - 1;
          return false;
        }
        open.push({ start: seeds.length, order, module, keep: true });
      }
      if (ctx.length === 0) return undefined;
      if (d.name !== "listen" || ctx[ctx.length - 1] !== "server") return undefined;
      const word = d.args.find((a) => a.value === "reuseport");
      if (!word) return undefined;
      const at = open.length > 0 ? open[open.length - 1].order : order;
      seeds.push({ seed: { directive: d, word, offset: order - at }, order });
      place(d, word, info.file.path, ctx[0], order);
      return undefined;
    },
    leave(d) {
      if (!d.block || d.name === "include") return;
      const block = open.pop()!;
      if (block.keep) {
        const mine = seeds.slice(block.start).map((s) => ({ ...s.seed, offset: s.order - block.order }));
        blockListens.set(d, { module: block.module, statements: order - block.order + 1, listens: mine });
      } else if (open.length > 0) open[open.length - 1].keep = false;
    },
  };
  return { visitor, findings: () => findingsOf(listens, main, options) };
}

/** The findings of the listens and main-level directives a walk found. */
function findingsOf(
  listens: readonly ReuseportListen[],
  main: { workerProcesses?: MainDirective; masterProcess?: MainDirective },
  options: RuleOptions,
): Finding[] {
  if (listens.length === 0) return [];

  const nginx = resolveVersions(options).nginx;
  const version = nginx.version;
  if (version !== null && before(version, REUSEPORT_SINCE)) return []; // no reuseport at all; nginx -t says so
  const evidence = options.facts?.configTests ?? [];
  const versionData = { nginxVersion: version, versionSource: nginx.source };
  const findings: Finding[] = [];

  // --- the main hazard: every `nginx -t` drops connections ----------------------------------------
  const affected = version === null ? true : configTestJoinsReuseport(version);
  if (affected && (version !== null || evidence.length > 0)) {
    let severity: Severity;
    let message: string;
    const dropped = "joins this reuseport group and Linux drops the connections queued on its socket when it exits";
    if (version !== null && evidence.length > 0) {
      severity = "warning";
      message =
        `${evidenceSummary(evidence)}; on ${versionLabel(nginx)} each test ${dropped} ` +
        `(fixed in ${CONFIG_TEST_FIXED} / ${CONFIG_TEST_FIXED_STABLE})`;
    } else if (version !== null) {
      severity = "info";
      message =
        `on ${versionLabel(nginx)} any \`nginx -t\` run while this server takes traffic ${dropped} ` +
        `(fixed in ${CONFIG_TEST_FIXED} / ${CONFIG_TEST_FIXED_STABLE})`;
    } else {
      severity = "info";
      message =
        `${evidenceSummary(evidence)}; each test ${dropped}. ` +
        `nginx version unknown — assumed affected (${AFFECTED_RANGE}); ${SET_VERSION}`;
    }
    const data = {
      ...versionData,
      affected: true,
      assumed: version === null,
      evidence: evidence.map((e) => ({
        kind: e.kind,
        file: e.path,
        line: e.range.start.line + 1,
        interval: e.interval ?? null,
      })),
    };
    for (const l of listens) {
      const f: Finding = {
        ruleId: RULE_ID,
        code: "config-test-drops-connections",
        severity,
        path: l.path,
        range: l.word.range,
        message,
        data: { ...data },
      };
      if (evidence.length > 0) f.related = evidenceRelated(evidence);
      findings.push(f);
    }
  }

  const first = listens[0];
  const wp = main.workerProcesses;
  const wpArg = wp?.directive.args[0];
  // Workers: an explicit number, `auto` (null: one per CPU), or the default of 1.
  const workers = !wp ? 1 : wpArg && /^\d+$/.test(wpArg.value) ? Number(wpArg.value) : null;
  const versionNote = (fixed: string): string =>
    version === null ? `; nginx version unknown; assuming < ${fixed}` : `; ${versionLabel(nginx)}`;

  // --- worker_processes after listen: reuseport ignored before 1.15.2 ------------------------------
  if (wp && workers !== 1 && (version === null || before(version, ORDER_FIXED))) {
    const ignored = listens.filter((l) => l.order < wp.order);
    if (ignored.length > 0) {
      findings.push({
        ruleId: RULE_ID,
        code: "worker-processes-after-listen",
        severity: version === null ? "info" : "warning",
        path: wp.path,
        range: wp.directive.nameWord.range,
        message:
          `"worker_processes" comes after ${ignored.length === 1 ? "a" : ignored.length} "listen … reuseport": ` +
          `before nginx ${ORDER_FIXED} reuseport is then ignored (one shared socket, not one per worker); ` +
          `move it above the http/stream blocks` +
          versionNote(ORDER_FIXED),
        related: listenRelated(ignored, "reuseport ignored here: read before worker_processes"),
        data: { ...versionData, listens: ignored.length },
      });
    }
  }

  // --- slow nginx -t: a bind() per reuseport socket per worker before 1.21.1 -----------------------
  if (workers !== 1 && (version !== null ? before(version, SLOW_TEST_FIXED) : evidence.length > 0)) {
    const addresses = new Set(listens.map((l) => `${l.module} ${l.address}`)).size;
    const perTest =
      workers === null
        ? `${addresses} reuseport address${addresses === 1 ? "" : "es"} × one per CPU (worker_processes auto)`
        : `${addresses} reuseport address${addresses === 1 ? "" : "es"} × ${workers} workers = ${addresses * workers}`;
    findings.push({
      ruleId: RULE_ID,
      code: "slow-config-test",
      severity: "info",
      path: first.path,
      range: first.word.range,
      message:
        `before nginx ${SLOW_TEST_FIXED} \`nginx -t\` binds every cloned reuseport socket (${perTest}), ` +
        `which under load can take many seconds (ticket #2188)` +
        versionNote(SLOW_TEST_FIXED),
      data: { ...versionData, addresses, workers },
    });
  }

  // --- fewer workers on reload: queued connections are reset --------------------------------------
  if (wp && wpArg && workers !== null && workers >= 2) {
    findings.push({
      ruleId: RULE_ID,
      code: "fewer-workers-on-reload",
      severity: "info",
      path: wp.path,
      range: wpArg.range,
      message:
        `with reuseport each of the ${workers} workers has its own listening socket: a reload that lowers ` +
        `worker_processes closes sockets and Linux resets the connections queued on them (nginx f7f1607bf2b8)`,
      related: listenRelated(listens.slice(0, 1), "reuseport listening socket"),
      data: { ...versionData, workers },
    });
  }

  // --- master_process off: connections never accepted before 1.23.3 -------------------------------
  const mp = main.masterProcess;
  const mpArg = mp?.directive.args[0];
  if (mp && mpArg?.value === "off" && workers !== 1 && (version === null || before(version, MASTER_OFF_FIXED))) {
    findings.push({
      ruleId: RULE_ID,
      code: "master-process-off",
      severity: version === null ? "info" : "warning",
      path: mp.path,
      range: mpArg.range,
      message:
        `"master_process off" with reuseport: before nginx ${MASTER_OFF_FIXED} the single process still opens one ` +
        `socket per configured worker and the connections Linux puts on the others are never accepted (ticket #2403)` +
        versionNote(MASTER_OFF_FIXED),
      related: listenRelated(listens.slice(0, 1), "reuseport listening socket"),
      data: { ...versionData, workers },
    });
  }
  return findings;
}
