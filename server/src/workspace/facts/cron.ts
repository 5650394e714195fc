// Crontabs (`crontab -l` output, /etc/crontab, /etc/cron.d/*) and the scripts of /etc/cron.hourly, .daily, …:
// the lines that run `nginx -t`, with their schedule in words.

import * as path from "path";
import { addEvidence, trimmedSpan, type FileCtx } from "./file-context";
import { cronInterval } from "./schedule";
import { shellTestInvocation } from "./shell";

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
export function systemCrontab(p: string, dir: string): boolean {
  return dir === "cron.d" || (path.posix.basename(p) === "crontab" && dir === "etc");
}

export function readCrontab(ctx: FileCtx, system: boolean): void {
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
export function readCronScript(ctx: FileCtx, interval: string): void {
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
