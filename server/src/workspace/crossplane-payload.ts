// The crossplane JSON payload (../shared/docs/crossplane-format.md), produced from our tree.
//
// This is a *compatibility view*: it follows crossplane 0.5.8's rules where they are a contract for its
// consumers (each file parsed once, in the context of the first include that reaches it; includes relative
// to the main file's directory, joined without normalisation; a file with unbalanced braces gets
// `parsed: []`), and our own where crossplane is demonstrably wrong (a statement cut short by `}` or by the
// end of the file is an error, as in `nginx -t`; Lua bodies are read as Lua). The editor and the risk
// analysis use the workspace model instead, which follows nginx (a file included twice counts twice).

import type { Directive, Node, ParsedFile, SyntaxError } from "../parse/ast";
import { parse } from "../parse/parser";
import { classifyConfiguration } from "./classify";
import { plainParsedJson, stripIfParentheses, type PlainFileOptions } from "./crossplane-text";
import { wasmParsedJson } from "./crossplane-wasm";
import { expandGlob, hasMagic, joinConfPath, type GlobFs } from "./glob";

export interface PayloadError {
  file: string;
  line: number | null;
  error: string;
}

export interface ConfigError {
  line: number | null;
  error: string;
}

export interface PayloadStatement {
  file?: string;
  directive: string;
  line: number;
  args: string[];
  includes?: number[];
  block?: PayloadStatement[];
  comment?: string;
}

export interface PayloadConfig {
  file: string;
  status: "ok" | "failed";
  errors: ConfigError[];
  parsed: PayloadStatement[];
}

export interface Payload {
  status: "ok" | "failed";
  errors: PayloadError[];
  config: PayloadConfig[];
}

/** Directive checks (context, argument count, unknown names), plugged in by the caller. */
export interface DirectiveChecker {
  /** The context of the body of a block opened by `name` inside `parent`. */
  enterBlock(parent: string, name: string): string;
  /** Problems with one statement; messages in nginx's words, without position. */
  check(input: { name: string; argCount: number; terminator: ";" | "{" | "lua" | null; context: string }): {
    code: string;
    message: string;
  }[];
  /** The context of the main file. */
  mainContext: string;
}

export interface PayloadOptions {
  comments?: boolean;
  single?: boolean;
  combine?: boolean;
  /**
   * `buildPayloadText` only: false keeps the WebAssembly reader (crossplane-wasm.ts) from reading the main
   * file, so that the JavaScript reader does (test/workspace/crossplane-text.test.ts compares both).
   */
  wasm?: boolean;
  /** Directive checks; none when absent (crossplane's `check_ctx=False, check_args=False`). */
  checker?: DirectiveChecker;
  /** Maps an absolute include path to the path to read (the `--map FROM=TO` option). */
  mapPath?: (p: string) => string;
  /** Reads a file; null when it cannot be read as a file. */
  readFile: (p: string) => string | null;
  globFs?: GlobFs;
  /** Why an included file is not read (the CLI's read policy, workspace/access.ts), or null. */
  refusal?: (p: string) => string | null;
  /**
   * Included files appear only if they read as configuration (classify.ts): others get `parsed: []` and an
   * error that does not quote them. The main file, named by the user, always appears.
   */
  shownOnlyIfConfiguration?: boolean;
  /** Parses text (defaults to the parser; the workspace passes its cache). */
  parseText?: (path: string, text: string) => ParsedFile;
}

function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  if (i < 0) return "";
  if (i === 0) return "/";
  return p.slice(0, i);
}

/** One open block of `buildPayload`'s walk: its statements, the next one to convert, where they go. */
interface ConvertFrame {
  nodes: Node[];
  index: number;
  context: string;
  out: PayloadStatement[];
}

function crossplaneLine(e: SyntaxError): number {
  return e.crossplaneLine ?? e.range.start.line + 1;
}

/** The files of one payload being built: the payload so far, the files to read, their indexes. */
interface PayloadRun {
  payload: Payload;
  configDir: string;
  queue: { file: string; ctx: string }[];
  included: Map<string, number>;
  options: PayloadOptions;
}

function startRun(mainPath: string, options: PayloadOptions): PayloadRun {
  return {
    payload: { status: "ok", errors: [], config: [] },
    configDir: dirname(mainPath),
    queue: [{ file: mainPath, ctx: options.checker?.mainContext ?? "main" }],
    included: new Map<string, number>([[mainPath, 0]]),
    options,
  };
}

/** The payload indexes of the files an `include` names (queued when new), in the block of `context`. */
function includeIndexes(run: PayloadRun, pattern: string, context: string, fail: (message: string) => void): number[] {
  const indexes: number[] = [];
  for (const target of resolveInclude(pattern, run.configDir, run.options, fail)) {
    let index = run.included.get(target);
    if (index === undefined) {
      index = run.queue.length;
      run.included.set(target, index);
      run.queue.push({ file: target, ctx: context });
    }
    indexes.push(index);
  }
  return indexes;
}

/** Builds the crossplane payload for `mainPath` and everything it includes. */
export function buildPayload(mainPath: string, options: PayloadOptions): Payload {
  const run = startRun(mainPath, options);
  for (let qi = 0; qi < run.queue.length; qi++) addFile(run, qi);
  return options.combine ? combinePayload(run.payload) : run.payload;
}

/**
 * `buildPayload` (not combined), with the main file's `parsed` list written as JSON text straight from its
 * text when it reads plainly (crossplane-text.ts): then `plain` holds that text and the payload's first
 * config has an empty `parsed` list in its place. The same JSON either way (test/workspace/crossplane-text.test.ts).
 */
export function buildPayloadText(
  mainPath: string,
  options: PayloadOptions,
): { payload: Payload; plain: Uint8Array | null; reader: "wasm" | "js" | null } {
  if (options.combine) return { payload: buildPayload(mainPath, options), plain: null, reader: null };
  const run = startRun(mainPath, options);
  const text = options.readFile(mainPath);
  let plain: Uint8Array | null = null;
  let reader: "wasm" | "js" | null = null;
  if (text !== null) {
    const { queue, included } = run;
    const plainOptions: PlainFileOptions = {
      context: queue[0].ctx,
      checker: options.checker,
      comments: options.comments === true,
      include: options.single
        ? undefined
        : (pattern, context) => {
            let failed = false;
            const indexes = includeIndexes(run, pattern, context, () => (failed = true));
            return failed ? null : indexes;
          },
    };
    // The next reader reads the file again from the start: the includes a reader that gave up queued are forgotten.
    const forgetIncludes = (): void => {
      for (let i = 1; i < queue.length; i++) included.delete(queue[i].file);
      queue.length = 1;
    };
    if (options.wasm !== false) {
      plain = wasmParsedJson(text, plainOptions);
      if (plain !== null) reader = "wasm";
      else forgetIncludes();
    }
    if (plain === null) {
      plain = plainParsedJson(text, plainOptions);
      if (plain !== null) reader = "js";
      else forgetIncludes();
    }
    // Otherwise the tree reads it, below.
    if (plain !== null) run.payload.config.push({ file: mainPath, status: "ok", errors: [], parsed: [] });
  }
  for (let qi = plain === null ? 0 : 1; qi < run.queue.length; qi++) addFile(run, qi);
  return { payload: run.payload, plain, reader };
}

/** Reads the file `run.queue[qi]` into the payload (its config, and the errors of the whole payload). */
function addFile(run: PayloadRun, qi: number): void {
  const { payload, options } = run;
  const parseText = options.parseText ?? ((_p: string, t: string) => parse(t));
  const { file, ctx } = run.queue[qi];
  const config: PayloadConfig = { file, status: "ok", errors: [], parsed: [] };
  payload.config.push(config);
  const fail = (line: number | null, message: string): void => {
    const error = line === null ? message : `${message} in ${file}:${line}`;
    config.status = "failed";
    config.errors.push({ error, line });
    payload.status = "failed";
    payload.errors.push({ file, error, line });
  };

  const text = options.readFile(file);
  if (text === null) {
    fail(null, `cannot read "${file}"`);
    return;
  }
  const tree = parseText(file, text);
  if (qi > 0 && options.shownOnlyIfConfiguration) {
    const c = classifyConfiguration(tree, ctx === "custom");
    if (!c.configuration) {
      fail(null, `"${file}" does not read as nginx configuration (${c.reason}); its content is not shown`);
      return;
    }
  }
  // crossplane gives up on a file at its first brace error: nothing after it, and `parsed: []`.
  const fatal = tree.errors.find((e) => e.fatalForCrossplane);
  const cutoff = fatal ? fatal.range.start.offset : Infinity;
  // Warnings (a comment running past a lone CR) are ours: crossplane's errors are nginx's.
  const syntaxErrors = tree.errors
    .filter((e) => e.severity === "error" && !e.fatalForCrossplane && e.range.start.offset < cutoff)
    .map((e) => ({ offset: e.range.start.offset, line: crossplaneLine(e), message: e.message, used: false }));
  let nextSyntax = 0;
  // Syntax errors are reported in document order, interleaved with include and check errors.
  const flushSyntaxErrorsBefore = (offset: number): void => {
    while (nextSyntax < syntaxErrors.length && syntaxErrors[nextSyntax].offset <= offset) {
      const e = syntaxErrors[nextSyntax++];
      fail(e.line, e.message);
    }
  };

  // Indexed loops and no intermediate arrays: this runs once per statement of every file, mostly before
  // V8 has optimised it (a CLI process is short). An explicit stack of open blocks instead of recursion:
  // nginx accepts 13,000 nested locations (test/parse/deep-input.test.ts), deeper than V8's stack.
  // A block's statement is pushed when its block is entered (its `block` array filled afterwards), so
  // statements, errors and checks come in the same document order as a recursive walk.
  const parsed: PayloadStatement[] = [];
  const stack: ConvertFrame[] = [{ nodes: tree.children, index: 0, context: ctx, out: parsed }];
  blocks: while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const { nodes, out, context } = frame;
    // The block's statements up to the next one that opens a block (which is read first).
    while (frame.index < nodes.length) {
      const node = nodes[frame.index++];
      // The numbers, not `range` (which makes three objects per read: parse/ast.ts).
      const offset = node.startOffset;
      if (offset >= cutoff) {
        // Everything after the cutoff is dropped, in this block and in those around it.
        stack.length = 0;
        break blocks;
      }
      if (nextSyntax < syntaxErrors.length) flushSyntaxErrorsBefore(offset);
      const line = node.startLine + 1;
      if (node.kind === "comment") {
        if (options.comments) out.push(commentStmt(file, options, line, node.text));
        continue;
      }
      if (node.name === "" && node.terminator === "{") continue; // `{` without a name: reported by the scanner
      const d: Directive = node;
      // The values without the words (made only when read: parse/ast.ts), in an array of exact size (one grown
      // by `push` gets room for 16 elements) and "packed" (`new Array(n)` is "holey", which JSON.stringify
      // serialises element by element, twice as slowly).
      let args = d.argValues();
      if (d.lua) args.push(d.lua.code);
      if (d.name === "if") args = stripIfParentheses(args);
      if (options.checker) {
        const problems = options.checker.check({
          name: d.name,
          argCount: d.argCount,
          terminator: d.terminator,
          context,
        });
        if (problems.length > 0) {
          for (const p of problems) fail(line, p.message);
          continue; // crossplane drops a statement that fails a check (and the block it opens)
        }
      }
      let includes: number[] | undefined;
      if (!options.single && d.name === "include" && d.argCount > 0)
        includes = includeIndexes(run, d.argValue(0)!, context, (m) => fail(line, m));
      const block: PayloadStatement[] | undefined = d.block ? [] : undefined;
      out.push(
        options.combine
          ? combinedStmtOf(file, d.name, line, args, includes, block)
          : stmtWith(d.name, line, args, includes, block),
      );
      // crossplane 0.5.8 emits comments found between arguments even when comments are off.
      const comments = d.argComments;
      for (let i = 0; i < comments.length; i++) out.push(commentStmt(file, options, line, comments[i].text));
      if (d.block && block) {
        const inner = options.checker ? options.checker.enterBlock(context, d.name) : context;
        stack.push({ nodes: d.block.children, index: 0, context: inner, out: block });
        continue blocks;
      }
    }
    stack.pop();
  }

  flushSyntaxErrorsBefore(Infinity);
  if (fatal) fail(crossplaneLine(fatal), fatal.message);
  else config.parsed = parsed;
}

/**
 * A directive's statement, made with all its properties at once (one literal per combination, in the
 * payload's key order): adding `block` or `includes` afterwards would move the object to a new shape and
 * give it a separate property store.
 */
function stmtWith(
  directive: string,
  line: number,
  args: string[],
  includes: number[] | undefined,
  block: PayloadStatement[] | undefined,
): PayloadStatement {
  if (includes === undefined) return block === undefined ? { directive, line, args } : { directive, line, args, block };
  return block === undefined ? { directive, line, args, includes } : { directive, line, args, includes, block };
}

function combinedStmtOf(
  file: string,
  directive: string,
  line: number,
  args: string[],
  includes: number[] | undefined,
  block: PayloadStatement[] | undefined,
): PayloadStatement {
  const stmt: PayloadStatement = { file, directive, line, args };
  if (includes !== undefined) stmt.includes = includes;
  if (block !== undefined) stmt.block = block;
  return stmt;
}

/** A comment as crossplane writes it: `{"directive": "#", "line", "args": [], "comment"}` (plus `file` when combined). */
function commentStmt(file: string, options: PayloadOptions, line: number, comment: string): PayloadStatement {
  return options.combine
    ? { file, directive: "#", line, args: [], comment }
    : { directive: "#", line, args: [], comment };
}

function resolveInclude(
  pattern: string,
  configDir: string,
  options: PayloadOptions,
  fail: (m: string) => void,
): string[] {
  let target = joinConfPath(configDir, pattern);
  if (target.startsWith("/") && options.mapPath) target = options.mapPath(target);
  if (hasMagic(target)) {
    const fixed = target.split("/").findIndex((s) => hasMagic(s));
    const dir = fixed > 0 ? target.split("/").slice(0, fixed).join("/") || "/" : null;
    const refusedDir = dir === null ? null : (options.refusal?.(dir) ?? null);
    if (refusedDir !== null) {
      fail(refusedDir);
      return [];
    }
    // Python's glob (crossplane) never lists "." and "..".
    return expandGlob(target, options.globFs, { dotEntries: false }).filter((f) => {
      const refused = options.refusal?.(f) ?? null;
      if (refused !== null) fail(refused);
      return refused === null;
    });
  }
  const refused = options.refusal?.(target) ?? null;
  if (refused !== null) {
    fail(refused);
    return [];
  }
  if (options.readFile(target) === null) {
    fail(`open() "${target}" failed (2: No such file or directory)`);
    return [];
  }
  return [target];
}

/**
 * crossplane's `combine`: one config, include statements replaced by the statements of the files they name.
 *
 * Walked with an explicit stack (a 13,000-deep block nests deeper than V8's stack). A file that includes
 * itself, directly or not, would expand forever (crossplane recurses until Python's recursion limit): the
 * include that closes the cycle is dropped and reported.
 */
function combinePayload(payload: Payload): Payload {
  const configs = payload.config;
  const combined: PayloadConfig = { file: configs[0].file, status: "ok", errors: [], parsed: [] };
  const cycles: PayloadError[] = [];
  // A list of statements being expanded into `out`: a file's top level (`config` set, for cycles) or a
  // statement's block (`owner` set: it gets the expanded list once done).
  interface Frame {
    items: PayloadStatement[];
    index: number;
    out: PayloadStatement[];
    config: number | null;
    owner: PayloadStatement | null;
    /** The statement at `index` had its block expanded already. */
    blockDone: boolean;
    /** The include statement at `index - 1` whose files are being expanded, and the next of them. */
    including: PayloadStatement | null;
    nextInclude: number;
  }
  const frame = (
    items: PayloadStatement[],
    out: PayloadStatement[],
    config: number | null,
    owner: PayloadStatement | null,
  ): Frame => ({
    items,
    index: 0,
    out,
    config,
    owner,
    blockDone: false,
    including: null,
    nextInclude: 0,
  });
  const onChain = new Set<number>([0]);
  const stack: Frame[] = [frame(configs[0].parsed, combined.parsed, 0, null)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const including = top.including;
    if (including !== null) {
      // The included files one after the other, each expanded in place of the include.
      const indexes = including.includes!;
      if (top.nextInclude >= indexes.length) {
        top.including = null;
        continue;
      }
      const i = indexes[top.nextInclude++];
      if (onChain.has(i)) {
        const file = including.file ?? configs[0].file;
        const error = `include cycle: "${configs[i].file}" is already being included in ${file}:${including.line}`;
        cycles.push({ file, error, line: including.line });
        continue;
      }
      onChain.add(i);
      stack.push(frame(configs[i].parsed, top.out, i, null));
      continue;
    }
    if (top.index >= top.items.length) {
      stack.pop();
      if (top.config !== null) onChain.delete(top.config);
      if (top.owner !== null) {
        top.owner.block = top.out;
        stack[stack.length - 1].blockDone = true;
      }
      continue;
    }
    const stmt = top.items[top.index];
    if (stmt.block && !top.blockDone) {
      stack.push(frame(stmt.block, [], null, stmt));
      continue;
    }
    top.index++;
    top.blockDone = false;
    if (stmt.includes) {
      top.including = stmt;
      top.nextInclude = 0;
    } else top.out.push(stmt);
  }
  for (const c of configs) {
    for (const e of c.errors) combined.errors.push(e); // not push(...): a file may have 100,000s
    if (c.status === "failed") combined.status = "failed";
  }
  if (cycles.length === 0) return { status: payload.status, errors: payload.errors, config: [combined] };
  combined.status = "failed";
  for (const e of cycles) combined.errors.push({ line: e.line, error: e.error });
  return { status: "failed", errors: [...payload.errors, ...cycles], config: [combined] };
}
