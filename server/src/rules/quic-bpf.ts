// What rules quic-bpf-reuseport and quic-bpf-limits share: whether `quic_bpf on` is in force, and the
// listening sockets it acts on.
//
// ngx_quic_bpf_module (src/event/quic/ngx_event_quic_bpf.c, unchanged since 2021, in every release since
// 1.25.0) is a core module: `quic_bpf` is a main-level flag, off by default (ngx_conf_init_value(enabled, 0)
// in ngx_quic_bpf_module_init). At start and at every reload the master walks the listening sockets and
// attaches its program only to those that are both `quic` and `reuseport` (`ls[i].quic && ls[i].reuseport`):
// one SOCKHASH map and one SK_REUSEPORT program per such address (ngx_quic_bpf_create_group). Without such a
// listen `quic_bpf on` creates nothing: checked with Debian trixie's nginx 1.26.3 (docs/rules/quic-bpf-limits.md).

import { compareVersions, resolveVersions, type ResolvedVersion } from "../cost/versions";
import { insideHttp, ownSites, registerQuestion, sitesWhere, type ConfigModel, type DirectiveSite } from "../model";
import type { Word } from "../parse/ast";
import type { RuleOptions } from "./types";

/** The first release with `quic_bpf` (and `listen … quic`): the directive table's `since`. */
export const QUIC_BPF_SINCE = "1.25.0";

/**
 * The names the group asks the model for, under one key (`sitesWhere`): only `listen`, and only once
 * `quic_bpf on` was found at the main level (an O(1) question), so a configuration without it costs nothing.
 */
export const QUIC_BPF_KEY = "h15-quic";
const QUIC_NAMES: ReadonlySet<string> = new Set(["listen"]);

export interface QuicListen {
  site: DirectiveSite;
  /** The `reuseport` word. */
  word: Word;
  /** The address as nginx groups sockets (`443`, `*:443` and `0.0.0.0:443` are one). */
  address: string;
}

export interface QuicBpfSetup {
  /** The `quic_bpf` statement and its `on`. */
  site: DirectiveSite;
  on: Word;
  /** The http `listen … quic … reuseport` statements, one per position (a file included twice: once). */
  listens: QuicListen[];
  /** Distinct addresses among them: nginx makes one map and loads one program per address. */
  addresses: number;
  /** `worker_processes` at the main level, if written. */
  workerProcesses: DirectiveSite | null;
  /** An explicit count, null for `auto` (one per CPU) or a value that is not a number; 1 when not written. */
  workers: number | null;
  nginx: ResolvedVersion;
}

/** `443`, `*:443`, `0.0.0.0:443` → `*:443`; other addresses as written (lower case). */
export function socketAddress(arg: string): string {
  const a = arg.toLowerCase();
  if (/^\d+$/.test(a)) return `*:${a}`;
  return a.replace(/^0\.0\.0\.0:/, "*:");
}

/**
 * `quic_bpf on` with what it acts on, or null: not on, or a deployed version without the directive (the
 * directive rule reports it as unknown there).
 */
export function quicBpfSetup(model: ConfigModel, options: RuleOptions): QuicBpfSetup | null {
  // A second `quic_bpf` is nginx's "is duplicate" error: the first is what counts.
  const site = ownSites(model.main, "quic_bpf")[0];
  const on = site?.directive.args[0];
  // ngx_conf_set_flag_slot accepts `on`/`off` in any case (ngx_strcasecmp).
  if (!site || !on || on.value.toLowerCase() !== "on") return null;
  const nginx = resolveVersions(options).nginx;
  if (nginx.version !== null && compareVersions(nginx.version, QUIC_BPF_SINCE) < 0) return null;

  const listens: QuicListen[] = [];
  const seen = new Set<string>();
  for (const s of sitesWhere(model, QUIC_BPF_KEY, QUIC_QUESTION)) {
    if (s.context.kind !== "server" || !insideHttp(s.context)) continue;
    const d = s.directive;
    // Parameters are compared as written (ngx_strcmp in ngx_http_core_listen): `QUIC` is an error there.
    if (!d.args.some((a) => a.value === "quic")) continue;
    const word = d.args.find((a) => a.value === "reuseport");
    if (!word) continue;
    const key = `${s.file.path}\0${word.startOffset}`;
    if (seen.has(key)) continue;
    seen.add(key);
    listens.push({ site: s, word, address: socketAddress(d.args[0]?.value ?? "") });
  }

  const wp = ownSites(model.main, "worker_processes")[0] ?? null;
  const wpArg = wp?.directive.args[0]?.value;
  const workers = wp === null ? 1 : wpArg !== undefined && /^\d+$/.test(wpArg) ? Number(wpArg) : null;
  return {
    site,
    on,
    listens,
    addresses: new Set(listens.map((l) => l.address)).size,
    workerProcesses: wp,
    workers,
    nginx,
  };
}

export function versionLabel(v: ResolvedVersion): string {
  return v.version === null ? "nginx version unknown" : `nginx ${v.version} (${v.source})`;
}

/** The group's question, known from the start (model/index.ts registerQuestion). */
const QUIC_QUESTION = registerQuestion(QUIC_BPF_KEY, (n) => QUIC_NAMES.has(n));
