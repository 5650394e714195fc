// Numbers for people: byte sizes and counts as the CLI's text output and the editor's messages show them.
// Plain functions, no locale: the output is the same on every machine (CI logs, tests, screenshots).

const UNITS = ["B", "KiB", "MiB", "GiB"] as const;

/**
 * A byte size in binary units with 2–3 significant digits (trailing zeros dropped): `512 B`, `4.06 MiB`,
 * `13.4 MiB`, `832 KiB`, `3.2 GiB`, `1 KiB`. Below 1 KiB the exact count; a value that would round to 1,000
 * or more of a unit is shown in the next one (`0.98 MiB`, not `1,000 KiB`); GiB is the largest unit
 * (`1,200 GiB`).
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
  if (v >= 99.95) digits = formatCount(v);
  else digits = dropZeros(v.toFixed(v >= 9.995 ? 1 : 2));
  return `${digits} ${UNITS[unit]}`;
}

/** `3.20` → `3.2`, `1.00` → `1`, `10.0` → `10` (only zeros after the point). */
function dropZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** A count with thousands separators, rounded to an integer: `4,002`, `219,597`, `-1,024`. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const rounded = Math.round(Math.abs(n));
  const grouped = String(rounded).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return n < 0 && rounded !== 0 ? `-${grouped}` : grouped;
}

/**
 * `~3.2 GiB`, or `unknown` when the figure needs the size of a CA bundle that is not known: an unknown
 * size is said, never guessed into bytes.
 */
export function approxBytes(n: number | null): string {
  return n === null ? "unknown" : `~${formatBytes(n)}`;
}
