// Numbers for people: "4,002", "832 KiB", "3.2 GiB".

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Binary units, 2–3 significant digits. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${Math.round(v)} B`;
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits).replace(/\.?0+$/, "")} ${units[i]}`;
}
