// The plain reader (crossplane-text.ts) in WebAssembly, for ASCII files: `wasmParsedJson` gives the same JSON
// text as `plainParsedJson`, or null where it gives up (then `plainParsedJson` reads the file).
//
// Why: `nginx-risk parse` of a large file runs once, on a cold VM. The JavaScript reader spends most of its
// time before V8 has optimised it (large-config: ~35 ms cold against ~11 ms warm, in-process; TurboFan's
// code for its loop arrived after ~25 ms); WebAssembly is compiled before it runs (Liftoff), so the same
// reading costs ~10 ms from the first byte (measured here on large-config, callbacks included). The reader is
// server/wasm/plain-reader.ts, compiled by scripts/build-wasm.mjs; what it leaves to JavaScript comes back
// here per statement (`statement`): the directive check, the block contexts, `include`, `if` and the Lua
// block names.
// test/workspace/crossplane-text.test.ts holds both readers to the tree path's JSON.

import { PLAIN_READER_WASM } from "./generated/plain-reader-wasm";
import {
  acceptStatement,
  bodyContext,
  putAscii,
  putInteger,
  putStrings,
  stripIfParentheses,
  wordValue,
  type PlainFileOptions,
} from "./crossplane-text";
import { LUA_BLOCK_SUFFIX } from "../parse/scanner";

/** What this file uses of WebAssembly (the TypeScript libraries here do not declare it). */
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

interface ReaderExports {
  memory: WasmMemory;
  dataEnd(): number;
  outputEnd(): number;
  read(inp: number, len: number, out: number, cap: number, scratch: number): number;
  MAX_WORDS: { value: number };
  MAX_DEPTH: { value: number };
}

/** What the imports need of the file being read; set by `wasmParsedJson` for its run. */
interface Run {
  text: string;
  inp: number;
  options: PlainFileOptions;
  /** Per open block, its context (the file's top level first). */
  contexts: string[];
  includes: number[] | null;
  ifArgs: string[] | null;
}

const PAGE = 65536;
let reader: ReaderExports | null | undefined;
let run: Run | null = null;
let bytes = new Uint8Array(0);
let words = new Uint32Array(0);

function views(memory: WasmMemory): void {
  bytes = new Uint8Array(memory.buffer);
  words = new Uint32Array(memory.buffer);
}

/** The memory's end at least `need`: grown by whole pages (and the views made again). */
function grow(need: number): number {
  const memory = reader!.memory;
  if (need > memory.buffer.byteLength) {
    memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE));
    views(memory);
  }
  return memory.buffer.byteLength;
}

function statement(spans: number, count: number, opens: number, depth: number): number {
  const r = run!;
  const at = spans >>> 2;
  const name = wordValue(r.text, words[at] - r.inp, words[at + 1] - r.inp, words[at + 2]);
  if (name.endsWith(LUA_BLOCK_SUFFIX)) return -1;
  const context = r.contexts[depth];
  const pattern =
    name === "include" && count > 1
      ? wordValue(r.text, words[at + 3] - r.inp, words[at + 4] - r.inp, words[at + 5])
      : null;
  const includes = acceptStatement(r.options, name, count - 1, opens === 1, context, pattern);
  if (includes === false) return -1;
  let kind = 0;
  if (includes !== null) {
    r.includes = includes;
    kind = 1;
  } else if (name === "if") {
    const args: string[] = [];
    for (let i = 1; i < count; i++) {
      const w = at + i * 3;
      args.push(wordValue(r.text, words[w] - r.inp, words[w + 1] - r.inp, words[w + 2]));
    }
    r.ifArgs = stripIfParentheses(args);
    kind = 2;
  }
  if (opens) r.contexts[depth + 1] = bodyContext(r.options, context, name);
  return kind;
}

function writeIncludes(n: number): number {
  const includes = run!.includes!;
  run!.includes = null;
  grow(n + 16 + includes.length * 12);
  n = putAscii(bytes, n, ',"includes":[');
  for (let i = 0; i < includes.length; i++) {
    if (i > 0) bytes[n++] = 0x2c; // ,
    n = putInteger(bytes, n, includes[i]);
  }
  bytes[n++] = 0x5d; // ]
  return n;
}

function writeIfArgs(n: number): number {
  const args = run!.ifArgs!;
  run!.ifArgs = null;
  let room = 16;
  for (const a of args) room += a.length * 6 + 3;
  grow(n + room);
  n = putStrings(bytes, n, args);
  // A lone surrogate: not in an ASCII file, but never an answer the JavaScript reader would not give.
  return n < 0 ? 0 : n;
}

function instantiate(): ReaderExports | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    const module = new wasm.Module(Buffer.from(PLAIN_READER_WASM, "base64"));
    const instance = new wasm.Instance(module, {
      env: {
        statement,
        writeIncludes,
        writeIfArgs,
        grow,
        abort: () => {
          throw new Error("plain-reader.wasm aborted");
        },
      },
    });
    return instance.exports as unknown as ReaderExports;
  } catch {
    // No WebAssembly here (a runtime without it, or a policy against it): the JavaScript reader reads.
    return null;
  }
}

/**
 * The JSON text of the file's `parsed` list, as `plainParsedJson` gives it, for a file of ASCII text without
 * comments to write; null when this reader gives up (the file is then `plainParsedJson`'s to read).
 */
export function wasmParsedJson(text: string, options: PlainFileOptions): Uint8Array | null {
  if (options.comments || text.length === 0) return null;
  // ASCII only: then the file's bytes are its characters (a character above U+007F takes two or more UTF-8 bytes).
  if (Buffer.byteLength(text, "utf8") !== text.length) return null;
  if (reader === undefined) reader = instantiate();
  if (reader === null) return null;
  const r = reader;
  const maxWords = r.MAX_WORDS.value;
  const maxDepth = r.MAX_DEPTH.value;
  // [module data][input][scratch: word spans, a byte per open block][output … to the memory's end]
  const inp = Math.ceil(r.dataEnd() / 64) * 64;
  const scratch = Math.ceil((inp + text.length) / 64) * 64;
  const out = scratch + maxWords * 12 + maxDepth;
  grow(out + text.length * 2 + PAGE);
  // Views of the memory for this run (grow makes them again only when it grows it).
  views(r.memory);
  Buffer.from(r.memory.buffer).write(text, inp, "latin1");
  run = { text, inp, options, contexts: [options.context], includes: null, ifArgs: null };
  try {
    const ok = r.read(inp, text.length, out, r.memory.buffer.byteLength, scratch);
    if (ok !== 1) return null;
    return bytes.slice(out, r.outputEnd());
  } finally {
    run = null;
  }
}
