// Draws the extension's icon, dist/icon.png (128×128, RGBA): a white hexagon with an "N" on nginx green,
// and an amber "!" badge for the risks. Drawn from shapes here (4×4 samples per pixel for smooth edges)
// and written as a PNG with zlib, so the repository holds no binary and the build needs no image tool.
//
// usage: node scripts/icon.mjs [OUT]   (default dist/icon.png)

import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { deflateSync } from "zlib";

const SIZE = 128;
const SAMPLES = 4;
const out = process.argv[2] ?? "dist/icon.png";

const GREEN = [0, 133, 62];
const WHITE = [255, 255, 255];
const AMBER = [245, 166, 35];
const INK = [40, 30, 10];

/** Inside a square with rounded corners (the background), centred at 64,64. */
function roundedSquare(x, y, half, radius) {
  const dx = Math.max(Math.abs(x - 64) - (half - radius), 0);
  const dy = Math.max(Math.abs(y - 64) - (half - radius), 0);
  return dx * dx + dy * dy <= radius * radius;
}

/** Inside a regular hexagon with two vertical sides, centred at cx,cy, with the given apothem. */
function hexagon(x, y, cx, cy, apothem) {
  const px = x - cx;
  const py = y - cy;
  for (const angle of [0, Math.PI / 3, (2 * Math.PI) / 3]) {
    if (Math.abs(px * Math.cos(angle) + py * Math.sin(angle)) > apothem) return false;
  }
  return true;
}

/** Within `half` of the segment a–b. */
function stroke(x, y, ax, ay, bx, by, half) {
  const vx = bx - ax;
  const vy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * vx + (y - ay) * vy) / (vx * vx + vy * vy)));
  const dx = x - (ax + t * vx);
  const dy = y - (ay + t * vy);
  return dx * dx + dy * dy <= half * half;
}

/** The colour at a point, or null outside the icon (transparent). */
function colour(x, y) {
  // The badge sits on top of everything else.
  const bx = 99;
  const by = 99;
  const badge = (x - bx) ** 2 + (y - by) ** 2;
  if (badge <= 21 * 21) {
    if (badge > 18 * 18) return WHITE;
    if (stroke(x, y, bx, by - 10, bx, by + 2, 3)) return INK;
    if ((x - bx) ** 2 + (y - (by + 9)) ** 2 <= 3.2 * 3.2) return INK;
    return AMBER;
  }
  if (!roundedSquare(x, y, 62, 22)) return null;
  const cx = 58;
  const cy = 60;
  if (hexagon(x, y, cx, cy, 42) && !hexagon(x, y, cx, cy, 34)) return WHITE;
  const inN =
    (y >= cy - 20 && y <= cy + 20 && ((x >= cx - 17 && x <= cx - 9) || (x >= cx + 9 && x <= cx + 17))) ||
    (y >= cy - 20 && y <= cy + 20 && stroke(x, y, cx - 13, cy - 20, cx + 13, cy + 20, 4.5));
  return inN ? WHITE : GREEN;
}

// Premultiplied sums over the samples, then back to straight alpha.
const rows = Buffer.alloc(SIZE * (1 + SIZE * 4));
for (let py = 0; py < SIZE; py++) {
  const row = py * (1 + SIZE * 4);
  rows[row] = 0; // filter: none
  for (let px = 0; px < SIZE; px++) {
    let r = 0;
    let g = 0;
    let b = 0;
    let a = 0;
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const c = colour(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES);
        if (c === null) continue;
        r += c[0];
        g += c[1];
        b += c[2];
        a += 1;
      }
    }
    const o = row + 1 + px * 4;
    if (a > 0) {
      rows[o] = Math.round(r / a);
      rows[o + 1] = Math.round(g / a);
      rows[o + 2] = Math.round(b / a);
    }
    rows[o + 3] = Math.round((255 * a) / (SAMPLES * SAMPLES));
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bits per channel
ihdr[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk("IHDR", ihdr),
  chunk("IDAT", deflateSync(rows, { level: 9 })),
  chunk("IEND", Buffer.alloc(0)),
]);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, png);
