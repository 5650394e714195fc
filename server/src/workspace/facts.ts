// Facts about the deployment found in files *around* the nginx configuration (not in it): evidence of a
// periodic `nginx -t` (cron, systemd timers, monitoring agents, container health checks) and the versions
// that are deployed (Dockerfile `FROM`, a saved `nginx -V`).
//
// Why it matters: on nginx 1.9.1–1.13.3 / 1.12.0–1.12.1 every `nginx -t` joins the SO_REUSEPORT group of
// the running server and Linux drops the connections queued on its socket when it exits (semantics.md §5).
// Nothing in nginx.conf says whether a monitoring job runs `nginx -t` every minute; the crontab next to it
// does. Every reader here is line-based and forgiving: garbage gives no facts, never an exception.

import * as fs from "fs";
import * as path from "path";
import type { Position, Range } from "../parse/ast";
import { NodeFileSource, OverlayFileSource, normalizePath, type FileSource } from "./files";

export type ConfigTestEvidenceKind =
  "crontab" | "systemd-timer" | "zabbix" | "kubernetes-probe" | "docker-healthcheck" | "monit" | "nagios";

/** One place that runs `nginx -t` (or `nginx -T`, `service nginx configtest`, …) periodically. */
export interface ConfigTestEvidence {
  kind: ConfigTestEvidenceKind;
  /** Workspace path of the file. */
  path: string;
  /** The command (or the line holding it). */
  range: Range;
  /** The command as written. */
  command: string;
  /** How often it runs, in words ("every minute", "every 30 s"), when the file says. */
  interval?: string;
  /** One sentence for people: "crontab line runs `nginx -t` every minute". */
  description: string;
  /** The `nginx -t` invocation inside the command, as words (`/usr/sbin/nginx -t -q`, `service nginx configtest`). */
  invocation?: string;
}

export type VersionComponent = "nginx" | "openresty" | "lua-nginx-module" | "openssl";

export interface DetectedVersion {
  component: VersionComponent;
  version: string;
  path: string;
  range: Range;
  /** Where it came from, for messages: "Dockerfile FROM openresty/openresty:1.21.4.1-0-jammy". */
  how: string;
}

export interface WorkspaceFacts {
  configTests: ConfigTestEvidence[];
  versions: DetectedVersion[];
}

export const NO_FACTS: WorkspaceFacts = { configTests: [], versions: [] };

export interface FactsTextOptions {
  /** The name used in descriptions (e.g. relative to the workspace folder); `path` when absent. */
  displayPath?: string;
  /** Told about a reader that failed on a file (the file then gives no facts); ignored when absent. */
  onError?: (path: string, error: unknown) => void;
}

/** The facts of one file on its own. A systemd `.service` needs its `.timer`: see `factsFromFiles`. */
export function factsFromText(p: string, text: string, options: FactsTextOptions = {}): WorkspaceFacts {
  return factsFromFiles([{ path: p, text, displayPath: options.displayPath }], options.onError);
}

export interface FactsFile {
  path: string;
  text: string;
  displayPath?: string;
}

/**
 * The facts of several files read together: a systemd timer is paired with the service it starts, a
 * Nagios command with the services that check it, wherever they are. Versions are ordered most precise
 * first (`nginx -V` output, then a Dockerfile's final stage, …), which is what `resolveVersions` picks.
 */
export function factsFromFiles(
  files: readonly FactsFile[],
  onError?: (path: string, error: unknown) => void,
): WorkspaceFacts {
  const scans: FileScan[] = [];
  for (const f of files) {
    try {
      scans.push(scanFile(normalizePath(f.path), f.text, f.displayPath ?? f.path));
    } catch (e) {
      // A reader bug must not cost the rest of the workspace its facts.
      onError?.(f.path, e);
    }
  }
  return combine(scans);
}

export interface ScanOptions {
  source?: FileSource;
  /** Stop after reading this many candidate files. */
  maxFiles?: number;
  maxDepth?: number;
}

const MAX_FILE_BYTES = 1024 * 1024;
const SKIPPED_DIRS = new Set(["node_modules", ".git", ".hg", ".svn", "__pycache__"]);

/**
 * Walks the workspace folders (breadth-first, sorted, bounded; no node_modules, VCS or hidden folders,
 * no files over 1 MB or with NUL bytes) and reads the files that may hold facts.
 */
export function scanWorkspaceFacts(folders: readonly string[], options: ScanOptions = {}): WorkspaceFacts {
  const maxFiles = options.maxFiles ?? 5000;
  const maxDepth = options.maxDepth ?? 8;
  const reader = options.source ? sourceReader(options.source) : diskReader();
  const files: FactsFile[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  // Entries looked at, read or not: a bound on the walk itself in a huge monorepo.
  let budget = maxFiles * 20;
  for (const folder of folders) {
    const top = normalizePath(folder);
    let level = [top];
    for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
      const next: string[] = [];
      for (const dir of level) {
        const real = reader.realpath(dir);
        if (seenDirs.has(real)) continue;
        seenDirs.add(real);
        const names = reader.readdir(dir);
        if (!names) continue;
        names.sort();
        for (const name of names) {
          if (--budget < 0 || files.length >= maxFiles) return factsFromFiles(files);
          const p = dir === "/" ? "/" + name : dir + "/" + name;
          if (reader.isDirectory(p)) {
            if (!SKIPPED_DIRS.has(name) && !name.startsWith(".")) next.push(p);
            continue;
          }
          if (seenFiles.has(p) || !isCandidateFile(p)) continue;
          seenFiles.add(p);
          const text = reader.read(p);
          if (text === null) continue;
          files.push({ path: p, text, displayPath: path.posix.relative(top, p) || name });
        }
      }
      level = next;
    }
  }
  return factsFromFiles(files);
}

interface Reader {
  readdir(dir: string): string[] | null;
  isDirectory(p: string): boolean;
  /** Text of a small text file, or null (unreadable, too big, binary). */
  read(p: string): string | null;
  realpath(p: string): string;
}

function looksBinary(text: string): boolean {
  return text.slice(0, 8192).includes("\0");
}

function diskReader(): Reader {
  return {
    readdir: (dir) => {
      try {
        return fs.readdirSync(dir);
      } catch {
        return null;
      }
    },
    isDirectory: (p) => {
      try {
        return fs.statSync(p).isDirectory();
      } catch {
        return false;
      }
    },
    read: (p) => {
      try {
        const st = fs.statSync(p);
        if (!st.isFile() || st.size > MAX_FILE_BYTES) return null;
        const text = fs.readFileSync(p).toString("utf8");
        return looksBinary(text) ? null : text;
      } catch {
        return null;
      }
    },
    realpath: (p) => {
      try {
        return fs.realpathSync(p);
      } catch {
        return p;
      }
    },
  };
}

/** Whether `source` reads `p` from the disk (no editor buffer over it). */
function fromDisk(source: FileSource, p: string): boolean {
  if (source instanceof NodeFileSource) return true;
  if (source instanceof OverlayFileSource) return !source.hasOverlay(p) && fromDisk(source.base, p);
  return false;
}

function sourceReader(source: FileSource): Reader {
  const disk = diskReader();
  return {
    readdir: (dir) => source.readdir(dir),
    isDirectory: (p) => source.isDirectory(p),
    read: (p) => {
      // Disk files are stat'ed before they are read, and not kept in the source's cache of configuration
      // text: a workspace has many YAML and .conf files that are not nginx configuration.
      if (fromDisk(source, p)) return disk.read(p);
      const text = source.read(p);
      // Buffers and memory have no stat: judge by the (decoded) length, which is at most the byte count.
      if (text === null || text.length > MAX_FILE_BYTES || looksBinary(text)) return null;
      return text;
    },
    realpath: (p) => (source.realpath ? source.realpath(p) : p),
  };
}

// ---------------------------------------------------------------------------------------------------
// Which files are read, and as what.

const CRON_DIRS = new Set(["cron.d", "crontabs", "cron"]);
const CRON_PERIODIC_DIRS = new Map<string, string>(
  Object.entries({
    "cron.hourly": "every hour",
    "cron.daily": "every day",
    "cron.weekly": "every week",
    "cron.monthly": "every month",
  }),
);

function isCrontabName(name: string, dir: string): boolean {
  return /^crontab(\.[^/]*)?$/i.test(name) || /\.(cron|crontab)$/i.test(name) || CRON_DIRS.has(dir);
}

function isDockerfileName(name: string): boolean {
  return /^(Dockerfile|Containerfile)([.-].*)?$/i.test(name) || /\.(dockerfile|containerfile)$/i.test(name);
}

function isMonitFile(name: string, dir: string, parents: string): boolean {
  return name === "monitrc" || name === ".monitrc" || dir === "monit.d" || /(^|\/)monit(\/|$)/.test(parents);
}

/** A saved `nginx -V` (or `openresty -V`): `nginx-V.txt`, `nginx_version.out`, `openresty-build.log`, … */
function isVersionDumpName(name: string): boolean {
  return /(nginx|openresty)/i.test(name) && (/\.(txt|out|log|info)$/i.test(name) || !name.includes("."));
}

function isCandidateFile(p: string): boolean {
  const name = path.posix.basename(p);
  const parents = path.posix.dirname(p);
  const dir = path.posix.basename(parents);
  return (
    isCrontabName(name, dir) ||
    CRON_PERIODIC_DIRS.has(dir) ||
    /\.(service|timer|conf|cfg|ya?ml)$/i.test(name) ||
    /^zabbix_agent/i.test(name) ||
    isDockerfileName(name) ||
    isMonitFile(name, dir, parents) ||
    isVersionDumpName(name)
  );
}

// ---------------------------------------------------------------------------------------------------
// Positions.

class Lines {
  /** Offset of each line's first character. */
  readonly starts: number[] = [0];
  constructor(readonly text: string) {
    const re = /\r\n|\r|\n/g;
    for (let m = re.exec(text); m; m = re.exec(text)) this.starts.push(m.index + m[0].length);
  }
  get count(): number {
    return this.starts.length;
  }
  /** The line's text without its line break. */
  line(i: number): string {
    const end = i + 1 < this.starts.length ? this.starts[i + 1] : this.text.length;
    return this.text.slice(this.starts[i], end).replace(/\r?\n$|\r$/, "");
  }
  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo], offset };
  }
  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }
}

// ---------------------------------------------------------------------------------------------------
// Intervals.

function plural(n: number, unit: string): string {
  return n === 1 ? `every ${unit}` : `every ${n} ${unit}s`;
}

/** 60 → "every minute", 300 → "every 5 minutes", 7200 → "every 2 hours", 10 → "every 10 s". */
export function everySeconds(seconds: number): string | undefined {
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  if (seconds % 86400 === 0) return plural(seconds / 86400, "day");
  if (seconds % 3600 === 0) return plural(seconds / 3600, "hour");
  if (seconds % 60 === 0) return plural(seconds / 60, "minute");
  return `every ${Math.round(seconds * 1000) / 1000} s`;
}

/** A Go duration as Docker writes it (`30s`, `1m30s`, `500ms`), in seconds. */
function goDuration(s: string): number | null {
  const t = s.trim().replace(/^["']|["']$/g, "");
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(t)) return null;
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

/** A systemd time span (`5min`, `1h 30min`, `90`, `2m`), in seconds (systemd.time(7)). */
function systemdSpan(s: string): number | null {
  const units: [RegExp, number][] = [
    [/^(us|usec|µs)$/, 1e-6],
    [/^(ms|msec)$/, 1e-3],
    [/^(|s|sec|secs|second|seconds)$/, 1],
    [/^(m|min|mins|minute|minutes)$/, 60],
    [/^(h|hr|hrs|hour|hours)$/, 3600],
    [/^(d|day|days)$/, 86400],
    [/^(w|week|weeks)$/, 604800],
    [/^(M|month|months)$/, 2629800],
    [/^(y|year|years)$/, 31557600],
  ];
  const t = s.trim();
  if (!/^(\d+(\.\d+)?\s*[a-zA-Zµ]*\s*)+$/.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)\s*([a-zA-Zµ]*)/g)) {
    const u = units.find(([re]) => re.test(m[2]));
    if (!u) return null;
    total += Number(m[1]) * u[1];
  }
  return total;
}

const CALENDAR_WORDS = new Map<string, string>(
  Object.entries({
    minutely: "every minute",
    hourly: "every hour",
    daily: "every day",
    weekly: "every week",
    monthly: "every month",
    yearly: "every year",
    annually: "every year",
    quarterly: "every quarter",
    semiannually: "every half year",
  }),
);

function calendarInterval(spec: string): string {
  const s = spec.trim();
  const word = CALENDAR_WORDS.get(s.toLowerCase());
  if (word) return word;
  const m = /^(?:\*-\*-\*\s+)?\*:(?:0|\*)\/(\d+)(?::00?)?$/.exec(s);
  if (m) return plural(Number(m[1]), "minute");
  if (/^(?:\*-\*-\*\s+)?\*:\*(?::00?)?$/.test(s)) return "every minute";
  return `on calendar \`${s}\``;
}

// ---------------------------------------------------------------------------------------------------
// Shell commands: which of them run a configuration test.

/**
 * Splits shell text into simple commands (words with quotes removed). Operators (`;`, `&&`, `|`, `(`, `$(`,
 * backquotes, newlines) separate commands; redirections and their targets are dropped; `#` starts a comment.
 */
export function shellCommands(s: string): string[][] {
  const cmds: string[][] = [];
  let cur: string[] = [];
  let word: string | null = null;
  let discardNext = false;
  const endWord = (): void => {
    if (word === null) return;
    if (discardNext) discardNext = false;
    else cur.push(word);
    word = null;
  };
  const endCmd = (): void => {
    endWord();
    discardNext = false;
    if (cur.length > 0) cmds.push(cur);
    cur = [];
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === " " || c === "\t") {
      endWord();
      i++;
    } else if (c === "<" || c === ">" || (c === "&" && s[i + 1] === ">")) {
      if (word !== null && /^\d+$/.test(word)) word = null;
      else endWord();
      while (i < s.length && "<>&|".includes(s[i])) i++;
      discardNext = true;
    } else if (c === "\n" || c === "\r" || c === ";" || c === "|" || c === "&" || c === "(" || c === ")" || c === "`") {
      endCmd();
      i++;
    } else if (c === "$" && s[i + 1] === "(") {
      endCmd();
      i += 2;
    } else if (c === "#" && word === null) {
      while (i < s.length && s[i] !== "\n" && s[i] !== "\r") i++;
    } else if (c === "'") {
      const close = s.indexOf("'", i + 1);
      const end = close < 0 ? s.length : close;
      word = (word ?? "") + s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let w: string = word ?? "";
      while (j < s.length && s[j] !== '"') {
        if (s[j] === "\\" && j + 1 < s.length && '"\\$`\n'.includes(s[j + 1])) {
          if (s[j + 1] !== "\n") w += s[j + 1];
          j += 2;
        } else w += s[j++];
      }
      word = w;
      i = j + 1;
    } else if (c === "\\") {
      if (s[i + 1] === "\n") i += 2;
      else if (s[i + 1] === "\r") i += s[i + 2] === "\n" ? 3 : 2;
      else {
        word = (word ?? "") + (s[i + 1] ?? "");
        i += 2;
      }
    } else {
      word = (word ?? "") + c;
      i++;
    }
  }
  endCmd();
  return cmds;
}

const NGINX_BINARIES = new Set(["nginx", "openresty", "nginx-debug"]);
/** Programs that name nginx without running it (`systemctl reload nginx`, `pgrep nginx`, `echo nginx -t`). */
const NOT_RUNNING_NGINX = new Set([
  "systemctl",
  "journalctl",
  "grep",
  "egrep",
  "fgrep",
  "pgrep",
  "pkill",
  "killall",
  "kill",
  "ps",
  "echo",
  "printf",
  "logger",
  "which",
  "whereis",
  "type",
  "man",
  "cat",
  "tail",
  "head",
  "less",
  "ls",
  "apt",
  "apt-get",
  "yum",
  "dnf",
  "apk",
]);

function baseName(word: string): string {
  const i = word.lastIndexOf("/");
  return i < 0 ? word : word.slice(i + 1);
}

/**
 * Where nginx's own option parsing (ngx_get_options) ends for `argv[at]` = the binary, if the options ask
 * for a test (`-t`, `-T`, `-qt`, `-t -c file`, …); null otherwise. Like nginx, a stray word or unknown option
 * is an error (nothing is tested). An init script's `configtest`/`testconfig` counts as a test.
 */
function nginxTestEnd(argv: readonly string[], at: number): number | null {
  let j = at + 1;
  if (argv[j] === "configtest" || argv[j] === "testconfig") return j + 1;
  let test = false;
  for (; j < argv.length; j++) {
    const a = argv[j];
    if (!a.startsWith("-") || a.length < 2) return null;
    for (let k = 1; k < a.length; k++) {
      const ch = a[k];
      if (ch === "t" || ch === "T") test = true;
      else if ("qvVh?".includes(ch)) continue;
      else if ("scgpe".includes(ch)) {
        // The value is the rest of this word, or the next word.
        if (k + 1 === a.length && ++j >= argv.length) return null;
        break;
      } else return null;
    }
  }
  return test ? j : null;
}

/** The words of the configuration test `argv` runs (directly, under sudo/timeout/docker exec/sh -c …), or null. */
export function testInvocation(argv: readonly string[], depth = 0): string[] | null {
  if (argv.length === 0 || depth > 4) return null;
  const prog = baseName(argv[0]);
  if (NOT_RUNNING_NGINX.has(prog)) return null;
  // A fresh container has its own network namespace: its `nginx -t` joins no running server's group.
  if ((prog === "docker" || prog === "podman") && argv[1] === "run" && !argv.some((a) => /^--net(work)?(=|$)/.test(a)))
    return null;
  for (let i = 0; i < argv.length; i++) {
    const b = baseName(argv[i]);
    if ((b === "service" || b === "rc-service") && NGINX_BINARIES.has(argv[i + 1] ?? "")) {
      if (argv[i + 2] === "configtest" || argv[i + 2] === "testconfig") return argv.slice(i, i + 3);
      continue;
    }
    if (NGINX_BINARIES.has(b)) {
      const end = nginxTestEnd(argv, i);
      if (end !== null) return argv.slice(i, end);
      continue;
    }
    // `sh -c "…"`, `su -c '…'`, `ssh host "…"`, `check_by_ssh -C "…"`: a word with spaces is a script.
    if (i > 0 && /\s/.test(argv[i])) {
      for (const cmd of shellCommands(argv[i])) {
        const inner = testInvocation(cmd, depth + 1);
        if (inner) return inner;
      }
    }
  }
  return null;
}

/** The first configuration test in shell text. */
export function shellTestInvocation(script: string): string[] | null {
  for (const cmd of shellCommands(script)) {
    const inv = testInvocation(cmd);
    if (inv) return inv;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// One file.

interface RankedVersion extends DetectedVersion {
  /** Lower is more precise: 0 `nginx -V`, 1 Dockerfile final stage, 2 other Dockerfile evidence, 3 manifests. */
  rank: number;
}

interface SystemdService {
  path: string;
  display: string;
  unit: string;
  range: Range;
  command: string;
  invocation: string[];
}

interface SystemdTimer {
  display: string;
  /** The unit it starts (`Unit=`, or the timer's own name with `.service`). */
  unit: string;
  interval?: string;
}

interface NagiosCommand {
  path: string;
  display: string;
  name: string;
  range: Range;
  command: string;
  invocation: string[];
  nrpe: boolean;
}

interface NagiosService {
  command: string;
  interval?: string;
}

interface FileScan {
  evidence: ConfigTestEvidence[];
  versions: RankedVersion[];
  services: SystemdService[];
  timers: SystemdTimer[];
  nagiosCommands: NagiosCommand[];
  nagiosServices: NagiosService[];
}

function scanFile(p: string, text: string, display: string): FileScan {
  const scan: FileScan = {
    evidence: [],
    versions: [],
    services: [],
    timers: [],
    nagiosCommands: [],
    nagiosServices: [],
  };
  const lines = new Lines(text);
  const name = path.posix.basename(p);
  const parents = path.posix.dirname(p);
  const dir = path.posix.basename(parents);
  const ctx: FileCtx = { path: p, display, text, lines, scan };

  const period = CRON_PERIODIC_DIRS.get(dir);
  if (period) readCronScript(ctx, period);
  else if (isCrontabName(name, dir)) readCrontab(ctx, systemCrontab(p, dir));
  if (/\.service$/i.test(name)) readSystemdService(ctx, name);
  if (/\.timer$/i.test(name)) readSystemdTimer(ctx, name);
  if (/\.conf$/i.test(name) || /^zabbix_agent/i.test(name)) readZabbix(ctx);
  if (/\.ya?ml$/i.test(name)) {
    readProbes(ctx);
    readComposeHealthchecks(ctx);
    readImages(ctx);
  }
  if (isDockerfileName(name)) readDockerfile(ctx);
  if (isMonitFile(name, dir, parents) || /^\s*check\s+program\s/im.test(text)) readMonit(ctx);
  if (/\.cfg$/i.test(name)) readNagios(ctx);
  if (/^\s*(nginx|openresty) version:/im.test(text)) readVersionDump(ctx);
  return scan;
}

interface FileCtx {
  path: string;
  display: string;
  text: string;
  lines: Lines;
  scan: FileScan;
}

/** Words as one would type them again: a word with blanks or quotes is single-quoted. */
function displayWords(words: readonly string[]): string {
  return words.map((w) => (w === "" || /[\s'"]/.test(w) ? `'${w.replace(/'/g, "'\\''")}'` : w)).join(" ");
}

function describeRun(where: string, invocation: string, when: string): string {
  return `${where} runs \`${invocation}\`${when ? " " + when : ""}`;
}

function addEvidence(
  ctx: FileCtx,
  kind: ConfigTestEvidenceKind,
  start: number,
  end: number,
  command: string,
  invocation: string[],
  where: string,
  interval: string | undefined,
  unknownInterval: string,
): void {
  const inv = displayWords(invocation);
  ctx.scan.evidence.push({
    kind,
    path: ctx.path,
    range: ctx.lines.range(start, end),
    command,
    ...(interval !== undefined ? { interval } : {}),
    description: describeRun(where, inv, interval ?? unknownInterval),
    invocation: inv,
  });
}

/** Start and end (exclusive) of `s` within the line at `lineStart`, without surrounding blanks. */
function trimmedSpan(lineStart: number, s: string, from = 0, to = s.length): [number, number] {
  let a = from;
  let b = to;
  while (a < b && /\s/.test(s[a])) a++;
  while (b > a && /\s/.test(s[b - 1])) b--;
  return [lineStart + a, lineStart + b];
}

// --- cron ------------------------------------------------------------------------------------------

const CRON_VALUE = "(?:\\d+|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)(?![a-z]))";
const CRON_ITEM = `(?:\\*|${CRON_VALUE}(?:-${CRON_VALUE})?)(?:\\/\\d+)?`;
const CRON_FIELD = new RegExp(`^${CRON_ITEM}(?:,${CRON_ITEM})*$`, "i");
const CRON_NICKNAMES = new Map<string, string>(
  Object.entries({
    hourly: "every hour",
    daily: "every day",
    midnight: "every day",
    weekly: "every week",
    monthly: "every month",
    yearly: "every year",
    annually: "every year",
  }),
);
/** Accounts that start a system crontab's command when the file does not say it is one. */
const CRON_USERS = new Set(["root", "www-data", "nobody"]);

/** /etc/crontab and /etc/cron.d/* have a user field after the schedule; `crontab -l` output does not. */
function systemCrontab(p: string, dir: string): boolean {
  return dir === "cron.d" || (path.posix.basename(p) === "crontab" && dir === "etc");
}

/** "every minute", "every 5 minutes", "every hour", … or "on schedule `m h dom mon dow`". */
export function cronInterval(fields: readonly string[]): string {
  const [m, h, dom, mon, dow] = fields;
  const daily = dom === "*" && mon === "*" && (dow === "*" || dow === "?");
  if (daily && h === "*") {
    if (m === "*") return "every minute";
    const step = /^(?:\*|0)\/(\d+)$/.exec(m);
    if (step && Number(step[1]) > 0) return plural(Number(step[1]), "minute");
    if (/^\d+$/.test(m)) return "every hour";
  }
  if (daily && /^\d+$/.test(m)) {
    const step = /^(?:\*|0)\/(\d+)$/.exec(h);
    if (step && Number(step[1]) > 0) return plural(Number(step[1]), "hour");
    if (/^\d+$/.test(h)) return "every day";
  }
  return `on schedule \`${fields.join(" ")}\``;
}

function readCrontab(ctx: FileCtx, system: boolean): void {
  const { lines } = ctx;
  for (let i = 0; i < lines.count; i++) {
    const line = lines.line(i);
    const trimmed = line.trimStart();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    let rest: number; // index in `line` where the part after the schedule starts
    let interval: string;
    const nick = /^(\s*)@(\w+)\s+/.exec(line);
    if (nick) {
      const every = CRON_NICKNAMES.get(nick[2].toLowerCase());
      if (!every) continue; // @reboot runs once, not periodically
      interval = every;
      rest = nick[0].length;
    } else {
      const m = /^(\s*)(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+/.exec(line);
      if (!m) continue;
      const fields = m.slice(2, 7);
      if (!fields.every((f) => CRON_FIELD.test(f))) continue;
      interval = cronInterval(fields);
      rest = m[0].length;
    }
    const user = /^(\S+)\s+/.exec(line.slice(rest));
    if (user && (system || CRON_USERS.has(user[1]))) rest += user[0].length;
    // In cron an unescaped `%` ends the command (the rest is its standard input).
    let end = rest;
    while (end < line.length && !(line[end] === "%" && line[end - 1] !== "\\")) end++;
    const command = line.slice(rest, end).replace(/\\%/g, "%");
    const invocation = shellTestInvocation(command);
    if (!invocation) continue;
    const [a, b] = trimmedSpan(lines.starts[i], line, rest, end);
    addEvidence(
      ctx,
      "crontab",
      a,
      b,
      line.slice(a - lines.starts[i], b - lines.starts[i]),
      invocation,
      `crontab line in ${ctx.display}`,
      interval,
      "",
    );
  }
}

/** A script in /etc/cron.daily (or .hourly, …): every line that runs a test runs at that period. */
function readCronScript(ctx: FileCtx, interval: string): void {
  const { lines } = ctx;
  for (let i = 0; i < lines.count; i++) {
    const line = lines.line(i);
    if (line.trimStart().startsWith("#")) continue;
    const invocation = shellTestInvocation(line);
    if (!invocation) continue;
    const [a, b] = trimmedSpan(lines.starts[i], line);
    addEvidence(ctx, "crontab", a, b, line.trim(), invocation, `cron script ${ctx.display}`, interval, "");
  }
}

// --- systemd ---------------------------------------------------------------------------------------

interface UnitEntry {
  section: string;
  key: string;
  value: string;
  start: number;
  end: number;
}

/** `Key=Value` entries of a unit file, with continuation lines joined (the range covers them all). */
function unitEntries(lines: Lines): UnitEntry[] {
  const out: UnitEntry[] = [];
  let section = "";
  for (let i = 0; i < lines.count; i++) {
    const line = lines.line(i);
    const t = line.trim();
    if (t === "" || t.startsWith("#") || t.startsWith(";")) continue;
    const sec = /^\[(.+)\]$/.exec(t);
    if (sec) {
      section = sec[1];
      continue;
    }
    const kv = /^(\s*)([A-Za-z][A-Za-z0-9]*)\s*=\s*/.exec(line);
    if (!kv) continue;
    let value = line.slice(kv[0].length);
    const start = lines.starts[i] + kv[0].length;
    let end = lines.starts[i] + line.length;
    while (value.endsWith("\\") && i + 1 < lines.count) {
      i++;
      const next = lines.line(i);
      value = value.slice(0, -1) + " " + next.trim();
      end = lines.starts[i] + next.length;
    }
    out.push({ section, key: kv[2], value: value.trim(), start, end });
  }
  return out;
}

function readSystemdService(ctx: FileCtx, name: string): void {
  for (const e of unitEntries(ctx.lines)) {
    if (e.section !== "Service" || !/^ExecStart(Pre|Post)?$/.test(e.key)) continue;
    // Prefixes `-@:+!` change how the command runs, not what it is (systemd.service(5)).
    const prefix = /^[-@:+!]*/.exec(e.value)?.[0].length ?? 0;
    const command = e.value.slice(prefix);
    const invocation = shellTestInvocation(command);
    if (!invocation) continue;
    ctx.scan.services.push({
      path: ctx.path,
      display: ctx.display,
      unit: name,
      range: ctx.lines.range(e.start + prefix, e.end),
      command,
      invocation,
    });
  }
}

function readSystemdTimer(ctx: FileCtx, name: string): void {
  let unit = name.replace(/\.timer$/i, ".service");
  const spans: Record<string, string> = {};
  for (const e of unitEntries(ctx.lines)) {
    if (e.section !== "Timer") continue;
    if (e.key === "Unit") unit = e.value;
    else if (!(e.key in spans)) spans[e.key] = e.value;
  }
  let interval: string | undefined;
  for (const key of ["OnUnitActiveSec", "OnUnitInactiveSec"]) {
    const s = spans[key] !== undefined ? systemdSpan(spans[key]) : null;
    if (s !== null && interval === undefined) interval = everySeconds(s);
  }
  if (interval === undefined && spans.OnCalendar !== undefined) interval = calendarInterval(spans.OnCalendar);
  ctx.scan.timers.push({ display: ctx.display, unit, ...(interval !== undefined ? { interval } : {}) });
}

// --- Zabbix ----------------------------------------------------------------------------------------

function readZabbix(ctx: FileCtx): void {
  const { lines } = ctx;
  for (let i = 0; i < lines.count; i++) {
    const line = lines.line(i);
    const m = /^(\s*UserParameter\s*=\s*)([^,[]*(?:\[[^\]]*\])?)\s*,/.exec(line);
    if (!m) continue;
    const command = line.slice(m[0].length);
    const invocation = shellTestInvocation(command);
    if (!invocation) continue;
    const [a, b] = trimmedSpan(lines.starts[i], line, m[0].length);
    addEvidence(
      ctx,
      "zabbix",
      a,
      b,
      command.trim(),
      invocation,
      `Zabbix UserParameter \`${m[2].trim()}\` in ${ctx.display}`,
      undefined,
      "each time its item is polled",
    );
  }
}

// --- YAML (Kubernetes probes, docker-compose health checks, images) -------------------------------

interface YamlItem {
  value: string;
  start: number;
  end: number;
}

function indentOf(line: string): number {
  return /^ */.exec(line)?.[0].length ?? 0;
}

function blankOrComment(line: string): boolean {
  const t = line.trim();
  return t === "" || t.startsWith("#");
}

/** The lines after `at` that belong to the mapping value of a key at column `keyCol`. */
function yamlBlockEnd(lines: Lines, at: number, keyCol: number): number {
  let j = at + 1;
  let last = at;
  for (; j < lines.count; j++) {
    const l = lines.line(j);
    if (blankOrComment(l)) continue;
    if (indentOf(l) <= keyCol) break;
    last = j;
  }
  return last;
}

/** A scalar starting at `offset` in `text` (double-, single-quoted or plain up to `stop`). */
function yamlScalar(text: string, offset: number, stop: RegExp): YamlItem {
  const c = text[offset];
  if (c === '"') {
    let j = offset + 1;
    let v = "";
    const esc: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0" };
    while (j < text.length && text[j] !== '"') {
      if (text[j] === "\\" && j + 1 < text.length) {
        v += esc[text[j + 1]] ?? text[j + 1];
        j += 2;
      } else v += text[j++];
    }
    return { value: v, start: offset, end: Math.min(j + 1, text.length) };
  }
  if (c === "'") {
    let j = offset + 1;
    let v = "";
    while (j < text.length) {
      if (text[j] === "'" && text[j + 1] === "'") {
        v += "'";
        j += 2;
      } else if (text[j] === "'") break;
      else v += text[j++];
    }
    return { value: v, start: offset, end: Math.min(j + 1, text.length) };
  }
  let j = offset;
  while (j < text.length && !stop.test(text.slice(j, j + 2))) j++;
  let end = j;
  while (end > offset && /\s/.test(text[end - 1])) end--;
  return { value: text.slice(offset, end), start: offset, end };
}

/** A flow sequence `[a, "b", 'c']` starting at `offset` (at the `[`); may span lines. */
function yamlFlowSequence(text: string, offset: number): YamlItem[] | null {
  const items: YamlItem[] = [];
  let j = offset + 1;
  for (;;) {
    while (j < text.length && /\s/.test(text[j])) j++;
    if (j >= text.length) return null;
    if (text[j] === "]") return items;
    const item = yamlScalar(text, j, /^[,\]]|^\s#/);
    items.push(item);
    j = item.end;
    while (j < text.length && /[ \t\r\n]/.test(text[j])) j++;
    if (text[j] === ",") j++;
    else if (text[j] !== "]") return null;
  }
}

/** A block scalar (`|`, `>-`, …) whose indicator ends line `at`: its text and extent. */
function yamlBlockScalar(lines: Lines, at: number, parentCol: number, folded: boolean): YamlItem & { last: number } {
  const parts: string[] = [];
  let start = -1;
  let end = lines.starts[at] + lines.line(at).length;
  let last = at;
  for (let j = at + 1; j < lines.count; j++) {
    const l = lines.line(j);
    if (l.trim() !== "" && indentOf(l) <= parentCol) break;
    parts.push(l.trim());
    if (l.trim() !== "") {
      if (start < 0) start = lines.starts[j] + indentOf(l);
      end = lines.starts[j] + l.length;
      last = j;
    }
  }
  const value = parts.join(folded ? " " : "\n").trim();
  return { value, start: start < 0 ? end : start, end, last };
}

/**
 * The sequence value of the key whose `:` ends at `offset` on line `at` (key at column `keyCol`): a flow
 * sequence, or a block sequence on the following lines. Null for anything else.
 */
function yamlSequenceAt(lines: Lines, at: number, offset: number, keyCol: number): YamlItem[] | null {
  const text = lines.text;
  const lineEnd = lines.starts[at] + lines.line(at).length;
  let j = offset;
  while (j < lineEnd && (text[j] === " " || text[j] === "\t")) j++;
  if (text[j] === "[") return yamlFlowSequence(text, j);
  if (j < lineEnd && text[j] !== "#") return null;
  const items: YamlItem[] = [];
  let seqCol = -1;
  for (let k = at + 1; k < lines.count; k++) {
    const l = lines.line(k);
    if (blankOrComment(l)) continue;
    const col = indentOf(l);
    const dash = /^ *- ?/.exec(l);
    if (!dash || !/^ *-(\s|$)/.test(l) || col < keyCol || (seqCol >= 0 && col !== seqCol)) break;
    seqCol = col;
    const vStart = lines.starts[k] + dash[0].length;
    const rest = l.slice(dash[0].length);
    const block = /^([|>])[-+]?\d*\s*(#.*)?$/.exec(rest);
    if (block) {
      const b = yamlBlockScalar(lines, k, col, block[1] === ">");
      items.push(b);
      k = b.last;
    } else items.push(yamlScalar(text, vStart, /^\s#|^[\r\n]/));
  }
  return items.length > 0 ? items : null;
}

/** A scalar value (quoted or plain) after the `:` at `offset`, on the same line; null if none. */
function yamlInlineScalar(lines: Lines, at: number, offset: number): YamlItem | null {
  const lineEnd = lines.starts[at] + lines.line(at).length;
  let j = offset;
  while (j < lineEnd && (lines.text[j] === " " || lines.text[j] === "\t")) j++;
  if (j >= lineEnd || lines.text[j] === "#" || lines.text[j] === "[" || lines.text[j] === "{") return null;
  const item = yamlScalar(lines.text.slice(0, lineEnd), j, /^\s#/);
  return item.value === "" ? null : item;
}

function itemsCommand(items: readonly YamlItem[]): string {
  return items.map((it) => (/\s/.test(it.value) ? JSON.stringify(it.value) : it.value)).join(" ");
}

const PROBE = /^( *)(- +)?(livenessProbe|readinessProbe|startupProbe)\s*:\s*(#.*)?$/;

function readProbes(ctx: FileCtx): void {
  const { lines } = ctx;
  for (let i = 0; i < lines.count; i++) {
    const m = PROBE.exec(lines.line(i));
    if (!m) continue;
    const keyCol = m[1].length + (m[2]?.length ?? 0);
    const last = yamlBlockEnd(lines, i, keyCol);
    let period: number | undefined;
    let items: YamlItem[] | null = null;
    let childCol = -1;
    for (let j = i + 1; j <= last; j++) {
      const l = lines.line(j);
      if (blankOrComment(l)) continue;
      if (childCol < 0) childCol = indentOf(l);
      const ps = /^ *periodSeconds\s*:\s*["']?(\d+)/.exec(l);
      if (ps && indentOf(l) === childCol) period = Number(ps[1]);
      const cmd = /(^ *(?:- +)?|[{,]\s*)command\s*:/.exec(l);
      if (cmd && items === null) {
        const col = /^[ -]*$/.test(cmd[1]) ? cmd[1].length : indentOf(l);
        items = yamlSequenceAt(lines, j, lines.starts[j] + cmd.index + cmd[0].length, col);
      }
    }
    if (!items || items.length === 0) continue;
    const invocation = testInvocation(items.map((it) => it.value));
    if (!invocation) continue;
    addEvidence(
      ctx,
      "kubernetes-probe",
      items[0].start,
      items[items.length - 1].end,
      itemsCommand(items),
      invocation,
      `Kubernetes ${m[3]} in ${ctx.display}`,
      everySeconds(period ?? 10),
      "",
    );
  }
}

const HEALTHCHECK = /^( *)(- +)?healthcheck\s*:\s*(#.*)?$/;

function readComposeHealthchecks(ctx: FileCtx): void {
  const { lines } = ctx;
  for (let i = 0; i < lines.count; i++) {
    const m = HEALTHCHECK.exec(lines.line(i));
    if (!m) continue;
    const keyCol = m[1].length + (m[2]?.length ?? 0);
    const last = yamlBlockEnd(lines, i, keyCol);
    let interval: number | null = 30; // compose's default
    let disabled = false;
    let found: { items: YamlItem[]; shell: boolean } | null = null;
    let childCol = -1;
    for (let j = i + 1; j <= last; j++) {
      const l = lines.line(j);
      if (blankOrComment(l)) continue;
      if (childCol < 0) childCol = indentOf(l);
      if (indentOf(l) !== childCol) continue;
      const kv = /^ *(test|interval|disable)\s*:/.exec(l);
      if (!kv) continue;
      const after = lines.starts[j] + kv[0].length;
      if (kv[1] === "interval") {
        const v = yamlInlineScalar(lines, j, after);
        if (v) interval = goDuration(v.value);
      } else if (kv[1] === "disable") {
        disabled = /^\s*true\b/.test(l.slice(kv[0].length));
      } else {
        const seq = yamlSequenceAt(lines, j, after, childCol);
        if (seq && seq.length > 0) {
          const head = seq[0].value.toUpperCase();
          if (head === "NONE") found = null;
          else if (head === "CMD-SHELL") found = seq.length > 1 ? { items: seq.slice(1), shell: true } : null;
          else found = { items: head === "CMD" ? seq.slice(1) : seq, shell: false };
        } else {
          const v = yamlInlineScalar(lines, j, after);
          found = v ? { items: [v], shell: true } : null;
        }
      }
    }
    if (disabled || !found || found.items.length === 0) continue;
    const { items, shell } = found;
    const invocation = shell
      ? shellTestInvocation(items.map((it) => it.value).join(" "))
      : testInvocation(items.map((it) => it.value));
    if (!invocation) continue;
    addEvidence(
      ctx,
      "docker-healthcheck",
      items[0].start,
      items[items.length - 1].end,
      shell ? items.map((it) => it.value).join(" ") : itemsCommand(items),
      invocation,
      `docker-compose healthcheck in ${ctx.display}`,
      interval === null ? undefined : everySeconds(interval),
      "",
    );
  }
}

function readImages(ctx: FileCtx): void {
  const { lines } = ctx;
  for (let i = 0; i < lines.count; i++) {
    const l = lines.line(i);
    const m = /^( *(?:- +)?image\s*:\s*)(["']?)([^\s"'#]+)\2/.exec(l);
    if (!m) continue;
    const start = lines.starts[i] + m[1].length + m[2].length;
    addImageVersion(ctx, m[3], start, start + m[3].length, `${ctx.display} image ${m[3]}`, 3);
  }
}

// --- Docker images and Dockerfiles -----------------------------------------------------------------

/** The version an image reference pins: `nginx:1.22.1-alpine` → nginx 1.22.1; `nginx:latest` → none. */
export function imageVersion(ref: string): { component: VersionComponent; version: string } | null {
  const noDigest = ref.split("@")[0];
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  if (colon <= slash) return null; // no tag: latest
  const repo = noDigest.slice(slash + 1, colon).toLowerCase();
  const tag = noDigest.slice(colon + 1);
  let component: VersionComponent;
  if (repo === "openresty") component = "openresty";
  else if (repo === "nginx" || repo === "nginx-unprivileged") component = "nginx";
  else return null;
  // Floating tags (`1`, `stable`, `mainline-alpine`) say no version; `1.22` is the newest 1.22.x.
  const v = /^v?(\d+\.\d+(?:\.\d+){0,2})(?![\d.])/.exec(tag);
  return v ? { component, version: v[1] } : null;
}

function addImageVersion(ctx: FileCtx, ref: string, start: number, end: number, how: string, rank: number): void {
  const v = imageVersion(ref);
  if (!v) return;
  ctx.scan.versions.push({ ...v, path: ctx.path, range: ctx.lines.range(start, end), how, rank });
}

interface Instruction {
  /** The instruction with line continuations (and comment lines inside them) removed. */
  text: string;
  /** Offset in the file of each character of `text` (and one past its end). */
  map: number[];
}

function dockerInstructions(lines: Lines): Instruction[] {
  const out: Instruction[] = [];
  for (let i = 0; i < lines.count; i++) {
    const first = lines.line(i);
    if (blankOrComment(first)) continue;
    let text = "";
    const map: number[] = [];
    let k = i;
    for (;;) {
      const l = lines.line(k);
      const cont = /\\[ \t]*$/.exec(l);
      const body = cont ? l.slice(0, cont.index) : l;
      for (let c = 0; c < body.length; c++) {
        text += body[c];
        map.push(lines.starts[k] + c);
      }
      if (!cont) break;
      // Inside a continued instruction, blank and comment lines are dropped (Dockerfile reference).
      do k++;
      while (k < lines.count && blankOrComment(lines.line(k)));
      if (k >= lines.count) break;
    }
    map.push(map.length > 0 ? map[map.length - 1] + 1 : lines.starts[i]);
    out.push({ text, map });
    i = k;
  }
  return out;
}

function substitute(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)/g, (all, a: string, def: string | undefined, b: string) => {
    const v = vars.get(a ?? b);
    return v !== undefined && v !== "" ? v : (def ?? all);
  });
}

function unquote(s: string): string {
  return s.replace(/^(["'])(.*)\1$/, "$2");
}

const VERSION_VARS = new Map<string, VersionComponent>(
  Object.entries({
    NGINX_VERSION: "nginx",
    RESTY_VERSION: "openresty",
    OPENRESTY_VERSION: "openresty",
    LUA_NGINX_MODULE_VERSION: "lua-nginx-module",
  }),
);

/** Debian/Alpine package pins: `nginx=1.18.0-6ubuntu14`, `libnginx-mod-http-lua=1:0.10.23-1`, `openresty=1.21.4.1-1~jammy`. */
const PACKAGE_PIN =
  /(?<![\w.-])(nginx|nginx-(?:full|core|light|extras)|openresty|libnginx-mod-http-lua)=(?:\d+:)?(\d+(?:\.\d+)+)[\w.~+:-]*/g;
/** `./configure --add-module=../ngx_lua-0.10.25`, `--add-dynamic-module=/build/lua-nginx-module-0.10.26`. */
const LUA_MODULE_ARG = /--add(?:-dynamic)?-module=(?:\S*\/)?(?:ngx_lua|lua-nginx-module)-v?(\d+\.\d+\.\d+)/g;

function readDockerfile(ctx: FileCtx): void {
  const vars = new Map<string, string>();
  const from: (RankedVersion | null)[] = [];
  let lastFrom = -1;
  for (const ins of dockerInstructions(ctx.lines)) {
    const at = (i: number): number => ins.map[Math.min(i, ins.map.length - 1)];
    const head = /^\s*([A-Za-z]+)\s+/.exec(ins.text);
    if (!head) continue;
    const op = head[1].toUpperCase();
    const args = ins.text.slice(head[0].length);
    const argsAt = head[0].length;
    if (op === "ARG" || op === "ENV") {
      const pairs = [...args.matchAll(/(\w+)=("[^"]*"|'[^']*'|\S*)/g)];
      const legacy = op === "ENV" && pairs.length === 0 ? /^(\w+)\s+(.+)$/.exec(args.trim()) : null;
      const found = legacy ? [{ name: legacy[1], raw: legacy[2].trim(), index: args.indexOf(legacy[2]) }] : [];
      for (const p of pairs) found.push({ name: p[1], raw: p[2], index: (p.index ?? 0) + p[1].length + 1 });
      for (const f of found) {
        const value = substitute(unquote(f.raw), vars);
        vars.set(f.name, value);
        const component = VERSION_VARS.get(f.name);
        const v = /^v?(\d+\.\d+(?:\.\d+){0,2})$/.exec(value);
        if (component && v) {
          const start = at(argsAt + f.index);
          ctx.scan.versions.push({
            component,
            version: v[1],
            path: ctx.path,
            range: ctx.lines.range(start, start + f.raw.length),
            how: `${ctx.display} ${op} ${f.name}=${v[1]}`,
            rank: 2,
          });
        }
      }
    } else if (op === "FROM") {
      const m = /^((?:--\S+\s+)*)(\S+)/.exec(args);
      if (!m) continue;
      const ref = substitute(m[2], vars);
      const start = at(argsAt + m[1].length);
      const end = at(argsAt + m[1].length + m[2].length - 1) + 1;
      const v = imageVersion(ref);
      lastFrom = from.length;
      from.push(
        v
          ? { ...v, path: ctx.path, range: ctx.lines.range(start, end), how: `${ctx.display} FROM ${ref}`, rank: 2 }
          : null,
      );
    } else if (op === "HEALTHCHECK") {
      readDockerHealthcheck(ctx, ins, args, argsAt);
    } else if (op === "RUN") {
      for (const p of args.matchAll(PACKAGE_PIN)) {
        const component: VersionComponent =
          p[1] === "openresty" ? "openresty" : p[1] === "libnginx-mod-http-lua" ? "lua-nginx-module" : "nginx";
        const start = at(argsAt + (p.index ?? 0));
        ctx.scan.versions.push({
          component,
          version: p[2],
          path: ctx.path,
          range: ctx.lines.range(start, start + p[0].length),
          how: `${ctx.display} installs ${p[0]}`,
          rank: 2,
        });
      }
      for (const p of args.matchAll(LUA_MODULE_ARG)) {
        const start = at(argsAt + (p.index ?? 0));
        ctx.scan.versions.push({
          component: "lua-nginx-module",
          version: p[1],
          path: ctx.path,
          range: ctx.lines.range(start, start + p[0].length),
          how: `${ctx.display} builds ${p[0].replace(/^--add(-dynamic)?-module=/, "")}`,
          rank: 2,
        });
      }
    }
  }
  // The final stage is the image that runs; earlier stages only build things.
  const finalStage = lastFrom >= 0 ? from[lastFrom] : null;
  if (finalStage) ctx.scan.versions.push({ ...finalStage, rank: 1 });
  for (const [i, v] of from.entries()) if (v && i !== lastFrom) ctx.scan.versions.push(v);
}

function readDockerHealthcheck(ctx: FileCtx, ins: Instruction, args: string, argsAt: number): void {
  const at = (i: number): number => ins.map[Math.min(i, ins.map.length - 1)];
  let j = 0;
  let interval: number | null = 30; // Docker's default
  for (;;) {
    const opt = /^\s*--([\w-]+)=(\S*)/.exec(args.slice(j));
    if (!opt) break;
    if (opt[1] === "interval") interval = goDuration(opt[2]);
    j += opt[0].length;
  }
  const cmd = /^\s*CMD\s+/i.exec(args.slice(j));
  if (!cmd) return; // HEALTHCHECK NONE, or garbage
  j += cmd[0].length;
  const body = args.slice(j).trimEnd();
  let invocation: string[] | null;
  if (body.startsWith("[")) {
    let argv: unknown;
    try {
      argv = JSON.parse(body);
    } catch {
      argv = null;
    }
    invocation =
      Array.isArray(argv) && argv.every((a) => typeof a === "string")
        ? testInvocation(argv as string[])
        : shellTestInvocation(body);
  } else invocation = shellTestInvocation(body);
  if (!invocation) return;
  const start = at(argsAt + j);
  const end = at(argsAt + j + body.length - 1) + 1;
  addEvidence(
    ctx,
    "docker-healthcheck",
    start,
    end,
    body,
    invocation,
    `Dockerfile HEALTHCHECK in ${ctx.display}`,
    interval === null ? undefined : everySeconds(interval),
    "",
  );
}

// --- monit -----------------------------------------------------------------------------------------

/** The text with `#` comments blanked out (offsets kept). */
function withoutComments(text: string, comment: RegExp): string {
  return text.replace(comment, (c) => " ".repeat(c.length));
}

function readMonit(ctx: FileCtx): void {
  const text = withoutComments(ctx.text, /#[^\r\n]*/g);
  const daemon = /\bset\s+daemon\s+(\d+)/i.exec(text);
  const cycle = daemon ? Number(daemon[1]) : null;
  const re = /\bcheck\s+program\s+(\S+)\s+with\s+path\s+(?:"([^"]*)"|'([^']*)'|(\S+))/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const command = m[2] ?? m[3] ?? m[4] ?? "";
    const invocation = shellTestInvocation(command);
    if (!invocation) continue;
    const quoted = m[4] === undefined ? 1 : 0;
    const end = m.index + m[0].length - quoted;
    const start = end - command.length;
    // The statements of this check run to the next `check`.
    const nextCheck = text.slice(re.lastIndex).search(/\bcheck\s+\w+\s/i);
    const body = text.slice(re.lastIndex, nextCheck < 0 ? text.length : re.lastIndex + nextCheck);
    let interval: string;
    const every = /\bevery\s+(?:(\d+)\s+cycles?|"([^"]*)")/i.exec(body);
    const cycles = every?.[1] !== undefined ? Number(every[1]) : 1;
    if (every?.[2] !== undefined) interval = `on schedule \`${every[2]}\``;
    else if (cycle !== null) interval = everySeconds(cycles * cycle) ?? plural(cycles, "monit cycle");
    else interval = plural(cycles, "monit cycle");
    addEvidence(
      ctx,
      "monit",
      start,
      end,
      command,
      invocation,
      `monit check program \`${m[1]}\` in ${ctx.display}`,
      interval,
      "",
    );
  }
}

// --- Nagios / Icinga / NRPE ------------------------------------------------------------------------

function readNagios(ctx: FileCtx): void {
  const { lines } = ctx;
  let block: string | null = null;
  let fields: Map<string, { value: string; start: number; end: number }> = new Map();
  let intervalLength = 60;
  const finish = (): void => {
    if (block === "command") {
      const name = fields.get("command_name");
      const line = fields.get("command_line");
      if (name && line) {
        const invocation = shellTestInvocation(line.value.replace(/\\;/g, ";"));
        if (invocation)
          ctx.scan.nagiosCommands.push({
            path: ctx.path,
            display: ctx.display,
            name: name.value,
            range: lines.range(line.start, line.end),
            command: line.value,
            invocation,
            nrpe: false,
          });
      }
    } else if (block === "service") {
      const check = fields.get("check_command");
      const every = fields.get("check_interval") ?? fields.get("normal_check_interval");
      if (check) {
        const n = every ? Number(every.value) : NaN;
        ctx.scan.nagiosServices.push({
          command: check.value.split("!")[0].trim(),
          ...(Number.isFinite(n) && n > 0 ? { interval: everySeconds(n * intervalLength) } : {}),
        });
      }
    }
    block = null;
    fields = new Map();
  };
  for (let i = 0; i < lines.count; i++) {
    const raw = lines.line(i);
    // `;` starts a comment unless escaped (`\;` in command lines).
    const semi = /(^|[^\\]);/.exec(raw);
    const line = semi ? raw.slice(0, semi.index + semi[1].length) : raw;
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const nrpe = /^(\s*command\[([^\]]+)\]\s*=\s*)(.*)$/.exec(raw);
    if (nrpe && block === null) {
      const invocation = shellTestInvocation(nrpe[3]);
      if (invocation) {
        const [a, b] = trimmedSpan(lines.starts[i], raw, nrpe[1].length);
        ctx.scan.nagiosCommands.push({
          path: ctx.path,
          display: ctx.display,
          name: nrpe[2],
          range: lines.range(a, b),
          command: nrpe[3].trim(),
          invocation,
          nrpe: true,
        });
      }
      continue;
    }
    const len = /^\s*interval_length\s*=\s*(\d+)/.exec(t);
    if (len && block === null) intervalLength = Number(len[1]) || 60;
    const def = /^define\s+(\w+)\s*\{(.*)$/.exec(t);
    if (def) {
      finish();
      block = def[1].toLowerCase();
      continue;
    }
    if (t.startsWith("}")) {
      finish();
      continue;
    }
    if (block === null) continue;
    const kv = /^(\s*(\w+)\s+)(.*?)\s*$/.exec(line);
    if (!kv) continue;
    const start = lines.starts[i] + kv[1].length;
    if (!fields.has(kv[2])) fields.set(kv[2], { value: kv[3], start, end: start + kv[3].length });
  }
  finish();
}

// --- saved `nginx -V` ------------------------------------------------------------------------------

function readVersionDump(ctx: FileCtx): void {
  const { lines } = ctx;
  const how = `\`nginx -V\` output in ${ctx.display}`;
  const push = (component: VersionComponent, version: string, start: number, end: number): void => {
    ctx.scan.versions.push({ component, version, path: ctx.path, range: lines.range(start, end), how, rank: 0 });
  };
  for (let i = 0; i < lines.count; i++) {
    const line = lines.line(i);
    const base = lines.starts[i];
    const ver = /^\s*(?:nginx|openresty) version:\s*(\w[\w.-]*)\/(\d+(?:\.\d+)+)/i.exec(line);
    if (ver) {
      const product = ver[1].toLowerCase();
      const start = line.indexOf(ver[1] + "/" + ver[2]);
      const end = start + ver[1].length + 1 + ver[2].length;
      if (product === "openresty") push("openresty", ver[2], base + start, base + end);
      else if (product === "nginx") push("nginx", ver[2], base + start, base + end);
      // Tengine and other forks name their nginx core in parentheses: "Tengine/2.3.3 (nginx/1.18.0)".
      const core = /\(nginx\/(\d+(?:\.\d+)+)\)/.exec(line);
      if (core && product !== "nginx" && product !== "openresty")
        push("nginx", core[1], base + core.index, base + core.index + core[0].length);
      continue;
    }
    const ssl = /built with OpenSSL (\d+\.\d+\.\d+[a-z]*)/.exec(line);
    if (ssl) {
      // What is loaded is what costs memory: "(running with OpenSSL 3.0.2 …)" wins over the build headers.
      const running = /running with OpenSSL (\d+\.\d+\.\d+[a-z]*)/.exec(line);
      const use = running ?? ssl;
      const start = use.index + use[0].length - use[1].length;
      push("openssl", use[1], base + start, base + start + use[1].length);
      continue;
    }
    for (const m of line.matchAll(LUA_MODULE_ARG))
      push("lua-nginx-module", m[1], base + (m.index ?? 0), base + (m.index ?? 0) + m[0].length);
  }
}

// ---------------------------------------------------------------------------------------------------
// Across files.

function combine(scans: readonly FileScan[]): WorkspaceFacts {
  const evidence: ConfigTestEvidence[] = [];
  const versions: RankedVersion[] = [];
  const timers = new Map<string, SystemdTimer[]>();
  const nagiosIntervals = new Map<string, string | undefined>();
  for (const s of scans) {
    evidence.push(...s.evidence);
    versions.push(...s.versions);
    for (const t of s.timers) {
      const list = timers.get(t.unit) ?? [];
      list.push(t);
      timers.set(t.unit, list);
    }
    for (const n of s.nagiosServices) {
      if (!nagiosIntervals.has(n.command) || nagiosIntervals.get(n.command) === undefined)
        nagiosIntervals.set(n.command, n.interval);
    }
  }
  for (const s of scans) {
    for (const svc of s.services) {
      const timer = timers.get(svc.unit)?.[0];
      if (!timer) continue; // a service nobody starts periodically (nginx.service's own ExecStartPre)
      const inv = displayWords(svc.invocation);
      evidence.push({
        kind: "systemd-timer",
        path: svc.path,
        range: svc.range,
        command: svc.command,
        ...(timer.interval !== undefined ? { interval: timer.interval } : {}),
        description: describeRun(
          `systemd service ${svc.display} (started by ${timer.display})`,
          inv,
          timer.interval ?? "when the timer fires",
        ),
        invocation: inv,
      });
    }
    for (const c of s.nagiosCommands) {
      const interval = c.nrpe ? undefined : nagiosIntervals.get(c.name);
      const inv = displayWords(c.invocation);
      evidence.push({
        kind: "nagios",
        path: c.path,
        range: c.range,
        command: c.command,
        ...(interval !== undefined ? { interval } : {}),
        description: describeRun(
          `${c.nrpe ? "NRPE" : "Nagios"} command \`${c.name}\` in ${c.display}`,
          inv,
          interval ?? "each time its service is checked",
        ),
        invocation: inv,
      });
    }
  }
  const seen = new Set<string>();
  const configTests = evidence.filter((e) => {
    const key = `${e.path}\0${e.range.start.offset}\0${e.kind}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // Stable sort: most precise source first, then reading order.
  const ranked = versions.map((v, i) => ({ v, i })).sort((a, b) => a.v.rank - b.v.rank || a.i - b.i);
  return {
    configTests,
    versions: ranked.map(({ v }) => {
      const { rank: _rank, ...rest } = v;
      return rest;
    }),
  };
}
