// Schedules in words ("every minute", "every 30 s"): how often a cron line, a systemd timer, a health check or
// a monitoring agent runs its command, from the notations those files write it in.

export function plural(n: number, unit: string): string {
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
export function goDuration(s: string): number | null {
  const t = s.trim().replace(/^["']|["']$/g, "");
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(t)) return null;
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

/** A systemd time span (`5min`, `1h 30min`, `90`, `2m`), in seconds (systemd.time(7)). */
export function systemdSpan(s: string): number | null {
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

export function calendarInterval(spec: string): string {
  const s = spec.trim();
  const word = CALENDAR_WORDS.get(s.toLowerCase());
  if (word) return word;
  const m = /^(?:\*-\*-\*\s+)?\*:(?:0|\*)\/(\d+)(?::00?)?$/.exec(s);
  if (m) return plural(Number(m[1]), "minute");
  if (/^(?:\*-\*-\*\s+)?\*:\*(?::00?)?$/.test(s)) return "every minute";
  return `on calendar \`${s}\``;
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
