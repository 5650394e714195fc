// What every reader shares about the file it reads: its lines and positions (`Lines`), what one file gives
// (`FileScan`: evidence and versions, and the systemd units and Nagios objects that are paired across files,
// combine.ts), and `addEvidence`, which describes a configuration test the same way for every reader.

import type { Position, Range } from "../../parse/ast";
import type {
  ConfigTestEvidence,
  ConfigTestEvidenceKind,
  DetectedVersion,
  MemlockEvidence,
  PrivilegeEvidence,
} from "./types";

// ---------------------------------------------------------------------------------------------------
// Positions.

export class Lines {
  private lineStarts: number[] | null = null;
  constructor(readonly text: string) {}
  /**
   * Offset of each line's first character, found when first asked: most files a scan reads hold no facts and
   * no reader asks (the facts scan of 1,000 nginx site files spent ~4% of a cold check in line splitting and
   * line regexes).
   */
  get starts(): number[] {
    if (this.lineStarts !== null) return this.lineStarts;
    const starts = [0];
    const re = /\r\n|\r|\n/g;
    for (let m = re.exec(this.text); m; m = re.exec(this.text)) starts.push(m.index + m[0].length);
    return (this.lineStarts = starts);
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

/** A blank line or a `#` comment line (YAML, Dockerfiles). */
export function blankOrComment(line: string): boolean {
  const t = line.trim();
  return t === "" || t.startsWith("#");
}

// ---------------------------------------------------------------------------------------------------
// One file.

export interface RankedVersion extends DetectedVersion {
  /** Lower is more precise: 0 `nginx -V`, 1 Dockerfile final stage, 2 other Dockerfile evidence, 3 manifests. */
  rank: number;
}

export interface SystemdService {
  path: string;
  display: string;
  unit: string;
  range: Range;
  command: string;
  invocation: string[];
}

export interface SystemdTimer {
  display: string;
  /** The unit it starts (`Unit=`, or the timer's own name with `.service`). */
  unit: string;
  interval?: string;
}

export interface NagiosCommand {
  path: string;
  display: string;
  name: string;
  range: Range;
  command: string;
  invocation: string[];
  nrpe: boolean;
}

export interface NagiosService {
  command: string;
  interval?: string;
}

export interface FileScan {
  evidence: ConfigTestEvidence[];
  versions: RankedVersion[];
  services: SystemdService[];
  timers: SystemdTimer[];
  nagiosCommands: NagiosCommand[];
  nagiosServices: NagiosService[];
  memlock: MemlockEvidence[];
  privileges: PrivilegeEvidence[];
}

export interface FileCtx {
  path: string;
  display: string;
  text: string;
  lines: Lines;
  scan: FileScan;
}

/**
 * A configuration test as findings show it: the program's name and nginx's own switches, with the values of
 * `-c`, `-g`, `-p`, `-e` and `-s` elided (`/usr/sbin/nginx -q -t -g 'env TOKEN=…;'` → `nginx -q -t -g …`).
 * A crontab, a unit file or a Dockerfile is not nginx configuration: no finding quotes its bytes beyond what
 * the reader recognised (issue 11: a value there can be a secret, and findings end up in CI logs).
 */
export function displayInvocation(words: readonly string[]): string {
  const out: string[] = [];
  let value = false;
  for (const [i, w] of words.entries()) {
    if (i === 0) {
      out.push(w.slice(w.lastIndexOf("/") + 1));
      continue;
    }
    if (value) {
      out.push("…");
      value = false;
      continue;
    }
    const option = /^-([qtTvVh?]*)([scgpe])(.*)$/.exec(w);
    if (option) {
      out.push(`-${option[1]}${option[2]}`);
      if (option[3] === "") value = true;
      else out.push("…");
    } else out.push(/^(-[qtTvVh?]+|nginx|openresty|nginx-debug|configtest|testconfig)$/.test(w) ? w : "…");
  }
  return out.join(" ");
}

export function describeRun(where: string, invocation: string, when: string): string {
  return `${where} runs \`${invocation}\`${when ? " " + when : ""}`;
}

export function addEvidence(
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
  const inv = displayInvocation(invocation);
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
export function trimmedSpan(lineStart: number, s: string, from = 0, to = s.length): [number, number] {
  let a = from;
  let b = to;
  while (a < b && /\s/.test(s[a])) a++;
  while (b > a && /\s/.test(s[b - 1])) b--;
  return [lineStart + a, lineStart + b];
}
