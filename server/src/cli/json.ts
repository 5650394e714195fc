// JSON text of values nested deeper than V8's stack.
//
// JSON.stringify is recursive in V8 (JsonStringifier): a crossplane payload of ~2,100 nested blocks (two
// JSON levels each: the statement and its `block` array) already throws "Maximum call stack size exceeded",
// and nginx accepts 13,000 nested locations (test/cli/deep-input.test.ts). `writeJson` keeps the native
// JSON.stringify, several times faster, for everything it can write, and writes the rest with an explicit
// stack, to the same text (test/cli/json.test.ts compares the two).
//
// The deep text is handed out in chunks: indented, it grows with the square of the depth (each line is
// indented by its depth), and 10,000 nested locations with `--indent 2` make about 1.8 GB, more than the
// longest string V8 can hold (2^29 - 24 characters).

import type { Payload } from "../workspace/crossplane-payload";

/** Chunks of deep text handed out at once (characters). */
const CHUNK = 1 << 20;

/** Writes `JSON.stringify(value, null, indent)` through `emit`, in one piece or in chunks, for any depth. */
export function writeJson(value: unknown, indent: number | undefined, emit: (text: string) => void): void {
  let text: string;
  try {
    text = JSON.stringify(value, null, indent);
  } catch (e) {
    // V8's JsonStringifier reports a too deep value as a RangeError.
    if (!(e instanceof RangeError) || !/call stack/i.test(e.message)) throw e;
    deepJson(value, indent, emit);
    return;
  }
  emit(text);
}

/**
 * `writeJson(payload, indent)` of a payload from `buildPayloadText`: when `plain` is not null (compact output
 * only), its first config's `parsed` list is that JSON text already (crossplane-text.ts). The pieces are
 * strings and UTF-8 bytes.
 */
export function writePayloadText(
  payload: Payload,
  plain: Uint8Array | null,
  indent: number | undefined,
  emit: (text: string | Uint8Array) => void,
): void {
  if (plain === null) return writeJson(payload, indent, emit);
  const head = JSON.stringify({ status: payload.status, errors: payload.errors });
  emit(head.slice(0, -1) + ',"config":[');
  const [first, ...rest] = payload.config;
  const { parsed: _empty, ...fields } = first;
  emit(JSON.stringify(fields).slice(0, -1) + ',"parsed":');
  emit(plain);
  emit("}");
  for (const config of rest) {
    emit(",");
    writeJson(config, undefined, emit);
  }
  emit("]}");
}

/** A container being written: its entries (array items, or object keys with their values) and the next one. */
interface Frame {
  isArray: boolean;
  keys: string[] | null;
  values: unknown[];
  next: number;
  /** Whether an entry was written already (objects skip entries JSON has no value for). */
  wrote: boolean;
  /** Nesting depth of this container's entries (its closing bracket is one less). */
  depth: number;
}

/**
 * What JSON.stringify writes for plain data (objects, arrays, strings, numbers, booleans, null), with an
 * explicit stack, through `emit` in chunks of about a mebibyte. Like JSON.stringify: `indent` is clamped to 10
 * spaces; object entries whose value is undefined, a function or a symbol are left out, and written as `null`
 * in arrays; `toJSON` is called. A top-level value JSON has no text for (undefined) emits nothing.
 */
export function deepJson(value: unknown, indent: number | undefined, emit: (text: string) => void): void {
  const gap = indent === undefined || !(indent > 0) ? "" : " ".repeat(Math.min(10, Math.floor(indent)));
  const colon = gap === "" ? ":" : ": ";
  let parts: string[] = [];
  let size = 0;
  const stack: Frame[] = [];
  const flush = (): void => {
    if (parts.length > 0) emit(parts.join(""));
    parts = [];
    size = 0;
  };

  // A line break and the indentation of `depth`, made when needed: kept per depth, they would hold the square
  // of the depth in memory.
  const newline = (depth: number): string => (gap === "" ? "" : "\n" + gap.repeat(depth));

  /** Writes a value, or opens a container (pushed on the stack); false when JSON has no value for it. */
  const write = (v: unknown, depth: number): boolean => {
    if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function")
      v = (v as { toJSON: () => unknown }).toJSON();
    if (v === null || typeof v !== "object") {
      const text = JSON.stringify(v);
      if (text === undefined) return false;
      parts.push(text);
      size += text.length;
      return true;
    }
    if (Array.isArray(v)) {
      parts.push("[");
      stack.push({ isArray: true, keys: null, values: v, next: 0, wrote: false, depth: depth + 1 });
    } else {
      const keys = Object.keys(v);
      const values = keys.map((k) => (v as Record<string, unknown>)[k]);
      parts.push("{");
      stack.push({ isArray: false, keys, values, next: 0, wrote: false, depth: depth + 1 });
    }
    size++;
    return true;
  };

  if (!write(value, 0)) return;
  while (stack.length > 0) {
    if (size >= CHUNK) flush();
    const f = stack[stack.length - 1];
    if (f.next >= f.values.length) {
      stack.pop();
      if (f.wrote && gap !== "") {
        const outer = newline(f.depth - 1);
        parts.push(outer);
        size += outer.length;
      }
      parts.push(f.isArray ? "]" : "}");
      size++;
      continue;
    }
    const i = f.next++;
    const v = f.values[i];
    const sep = (f.wrote ? "," : "") + newline(f.depth);
    if (f.isArray) {
      parts.push(sep);
      size += sep.length;
      if (!write(v, f.depth)) {
        parts.push("null");
        size += 4;
      }
      f.wrote = true;
      continue;
    }
    const at = parts.length;
    const key = sep + JSON.stringify(f.keys![i]) + colon;
    parts.push(key);
    if (write(v, f.depth)) {
      f.wrote = true;
      size += key.length;
    } else parts.length = at; // no value: no entry
  }
  flush();
}
