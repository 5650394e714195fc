// Numbers for people: byte sizes and counts as the CLI's text output and the editor's messages show them.
// Plain functions, no locale: the output is the same on every machine (CI logs, tests, screenshots).

const UNITS = ["B", "KiB", "MiB", "GiB"] as const;

/**
 * A byte size in binary units with 2–3 significant digits: `512 B`, `3.2 KiB`, `832 KiB`, `45 MiB`,
 * `3.2 GiB`. Below 1 KiB the exact count; a value that would round to 1,000 or more of a unit is shown in
 * the next one (`0.98 MiB`, not `1,000 KiB`); GiB is the largest unit (`1,200 GiB`).
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n < 0) return `-${formatBytes(-n)}`;
  if (n < 1024) return `${Math.round(n)} B`;
  let unit = 0;
  let v = n;
  while (unit < UNITS.length - 1 && v >= 999.5) {
    v /= 1024;
    unit++;
  }
  let digits: string;
  if (v < 1) digits = v.toFixed(2);
  else if (v < 9.95) digits = v.toFixed(1);
  else digits = formatCount(v);
  return `${digits} ${UNITS[unit]}`;
}

/** A count with thousands separators, rounded to an integer: `4,002`, `219,597`, `-1,024`. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const rounded = Math.round(Math.abs(n));
  const grouped = String(rounded).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return n < 0 && rounded !== 0 ? `-${grouped}` : grouped;
}
