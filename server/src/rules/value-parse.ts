// nginx's number readers as the setters call them, to the same limits (64-bit build): ngx_atoi, ngx_atosz,
// ngx_atoof (src/core/ngx_string.c) and ngx_parse_size, ngx_parse_offset, ngx_parse_time
// (src/core/ngx_parse.c). Each answers a number, or null where nginx's answers NGX_ERROR. BigInt, so that
// the 2^63−1 limits are exact.

import type { Directive } from "../parse/ast";
import type { Severity } from "./types";

/** One objection: the argument it is about (-1: the directive's name), severity, code and nginx's words. */
export interface ValueProblem {
  arg: number;
  severity: Severity;
  code: string;
  message: string;
}

export const err = (arg: number, code: string, message: string): ValueProblem => ({
  arg,
  severity: "error",
  code,
  message,
});

/** Argument `i`'s value as nginx reads it ("" past the end: the argument counts were checked before). */
export function arg(d: Directive, i: number): string {
  return d.argValue(i) ?? "";
}

/** ngx_strcasecmp's lower case: ASCII letters only. */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** NGX_MAX_INT_T_VALUE, NGX_MAX_SIZE_T_VALUE (as ssize_t) and NGX_MAX_OFF_T_VALUE on a 64-bit build. */
export const MAX_INT = 9223372036854775807n;

function digits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** ngx_atoi / ngx_atosz / ngx_atoof: decimal digits only (no sign), at most MAX_INT. */
export function atoi(s: string): bigint | null {
  if (!digits(s)) return null;
  const v = BigInt(s);
  return v > MAX_INT ? null : v;
}

const K = 1024n;
const M = 1024n * 1024n;
const G = 1024n * 1024n * 1024n;

/** ngx_parse_size: an optional k/K or m/M suffix (no g), digits before it, no overflow. */
export function parseSize(s: string): bigint | null {
  return parseScaled(s, false);
}

/** ngx_parse_offset: as ngx_parse_size, and g/G too. */
export function parseOffset(s: string): bigint | null {
  return parseScaled(s, true);
}

function parseScaled(s: string, giga: boolean): bigint | null {
  if (s.length === 0) return null;
  const unit = s[s.length - 1];
  let scale = 1n;
  let len = s.length;
  if (unit === "k" || unit === "K") scale = K;
  else if (unit === "m" || unit === "M") scale = M;
  else if (giga && (unit === "g" || unit === "G")) scale = G;
  if (scale !== 1n) len--;
  const v = atoi(s.slice(0, len));
  if (v === null || v > MAX_INT / scale) return null;
  return v * scale;
}

// ngx_parse_time's steps: each unit must come after the larger ones, once.
const STEP = { start: 0, year: 1, month: 2, week: 3, day: 4, hour: 5, min: 6, sec: 7, msec: 8, last: 9 } as const;

/**
 * ngx_parse_time: numbers each followed by a unit (y M w d h m s ms, largest first, each once), spaces
 * allowed after a unit, a last number without a unit read as seconds. `isSec` is ngx_conf_set_sec_slot's
 * call (no `ms`); ngx_conf_set_msec_slot's (not isSec) refuses `y` and `M`. The answer is in seconds, or
 * milliseconds when not isSec.
 */
export function parseTime(s: string, isSec: boolean): bigint | null {
  let valid = false;
  let value = 0n;
  let total = 0n;
  const cutoff = MAX_INT / 10n;
  const cutlim = MAX_INT % 10n;
  let step: number = isSec ? STEP.start : STEP.month;
  let p = 0;
  const last = s.length;
  while (p < last) {
    const c = s.charCodeAt(p);
    if (c >= 48 && c <= 57) {
      const d = BigInt(c - 48);
      if (value >= cutoff && (value > cutoff || d > cutlim)) return null;
      value = value * 10n + d;
      valid = true;
      p++;
      continue;
    }
    let max: bigint;
    let scale: bigint;
    switch (s[p++]) {
      case "y":
        if (step > STEP.start) return null;
        step = STEP.year;
        scale = 60n * 60n * 24n * 365n;
        break;
      case "M":
        if (step >= STEP.month) return null;
        step = STEP.month;
        scale = 60n * 60n * 24n * 30n;
        break;
      case "w":
        if (step >= STEP.week) return null;
        step = STEP.week;
        scale = 60n * 60n * 24n * 7n;
        break;
      case "d":
        if (step >= STEP.day) return null;
        step = STEP.day;
        scale = 60n * 60n * 24n;
        break;
      case "h":
        if (step >= STEP.hour) return null;
        step = STEP.hour;
        scale = 60n * 60n;
        break;
      case "m":
        if (p < last && s[p] === "s") {
          if (isSec || step >= STEP.msec) return null;
          p++;
          step = STEP.msec;
          scale = 1n;
          break;
        }
        if (step >= STEP.min) return null;
        step = STEP.min;
        scale = 60n;
        break;
      case "s":
        if (step >= STEP.sec) return null;
        step = STEP.sec;
        scale = 1n;
        break;
      case " ":
        if (step >= STEP.sec) return null;
        step = STEP.last;
        scale = 1n;
        break;
      default:
        return null;
    }
    max = MAX_INT / scale;
    if (step !== STEP.msec && !isSec) {
      scale *= 1000n;
      max /= 1000n;
    }
    if (value > max) return null;
    value *= scale;
    if (total > MAX_INT - value) return null;
    total += value;
    value = 0n;
    while (p < last && s[p] === " ") p++;
  }
  if (!valid) return null;
  if (!isSec) {
    if (value > MAX_INT / 1000n) return null;
    value *= 1000n;
  }
  if (total > MAX_INT - value) return null;
  return total + value;
}
