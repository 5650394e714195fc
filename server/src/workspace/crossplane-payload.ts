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

/** crossplane's `_prepare_if_args`: `if ($a = b) {` → ["$a", "=", "b"]. */
export function stripIfParentheses(args: string[]): string[] {
  if (args.length === 0 || !args[0].startsWith("(") || !args[args.length - 1].endsWith(")")) return args;
  const out = args.slice();
  out[0] = out[0].slice(1).trimStart();
  out[out.length - 1] = out[out.length - 1].slice(0, -1).trimEnd();
  const start = out[0] === "" ? 1 : 0;
  const end = out.length - (out[out.length - 1] === "" ? 1 : 0);
  return out.slice(start, end);
}

function crossplaneLine(e: SyntaxError): number {
  return e.crossplaneLine ?? e.range.start.line + 1;
}

/** Builds the crossplane payload for `mainPath` and everything it includes. */
export function buildPayload(mainPath: string, options: PayloadOptions): Payload {
  const payload: Payload = { status: "ok", errors: [], config: [] };
  const configDir = dirname(mainPath);
  const queue: { file: string; ctx: string }[] = [{ file: mainPath, ctx: options.checker?.mainContext ?? "main" }];
  const included = new Map<string, number>([[mainPath, 0]]);
  const parseText = options.parseText ?? ((_p: string, t: string) => parse(t));

  for (let qi = 0; qi < queue.length; qi++) {
    const { file, ctx } = queue[qi];
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
      continue;
    }
    const tree = parseText(file, text);
    if (qi > 0 && options.shownOnlyIfConfiguration) {
      const c = classifyConfiguration(tree, ctx === "custom");
      if (!c.configuration) {
        fail(null, `"${file}" does not read as nginx configuration (${c.reason}); its content is not shown`);
        continue;
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
    // V8 has optimised it (a CLI process is short).
    const convert = (nodes: Node[], context: string): PayloadStatement[] => {
      const out: PayloadStatement[] = [];
      for (let ni = 0; ni < nodes.length; ni++) {
        const node = nodes[ni];
        const start = node.range.start;
        if (start.offset >= cutoff) break;
        if (nextSyntax < syntaxErrors.length) flushSyntaxErrorsBefore(start.offset);
        const line = start.line + 1;
        if (node.kind === "comment") {
          if (options.comments) out.push(commentStmt(file, options, line, node.text));
          continue;
        }
        if (node.name === "" && node.terminator === "{") continue; // `{` without a name: reported by the scanner
        const d: Directive = node;
        const words = d.args;
        const n = words.length;
        // A copy of the words overwritten with their values: exact size (an array grown by `push` gets room
        // for 16 elements) and still "packed" (`new Array(n)` is "holey", which JSON.stringify serialises
        // element by element, twice as slowly).
        let args = words.slice() as unknown as string[];
        for (let i = 0; i < n; i++) args[i] = words[i].value;
        if (d.lua) args.push(d.lua.code);
        if (d.name === "if") args = stripIfParentheses(args);
        if (options.checker) {
          const problems = options.checker.check({
            name: d.name,
            argCount: d.args.length,
            terminator: d.terminator,
            context,
          });
          if (problems.length > 0) {
            for (const p of problems) fail(line, p.message);
            continue; // crossplane drops a statement that fails a check (and the block it opens)
          }
        }
        let includes: number[] | undefined;
        if (!options.single && d.name === "include" && n > 0) {
          includes = [];
          for (const target of resolveInclude(words[0].value, configDir, options, (m) => fail(line, m))) {
            let index = included.get(target);
            if (index === undefined) {
              index = queue.length;
              included.set(target, index);
              queue.push({ file: target, ctx: context });
            }
            includes.push(index);
          }
        }
        let block: PayloadStatement[] | undefined;
        if (d.block) {
          const inner = options.checker ? options.checker.enterBlock(context, d.name) : context;
          block = convert(d.block.children, inner);
        }
        out.push(
          options.combine
            ? combinedStmtOf(file, d.name, line, args, includes, block)
            : stmtWith(d.name, line, args, includes, block),
        );
        // crossplane 0.5.8 emits comments found between arguments even when comments are off.
        const comments = d.argComments;
        for (let i = 0; i < comments.length; i++) out.push(commentStmt(file, options, line, comments[i].text));
      }
      return out;
    };

    const parsed = convert(tree.children, ctx);
    flushSyntaxErrorsBefore(Infinity);
    if (fatal) fail(crossplaneLine(fatal), fatal.message);
    else config.parsed = parsed;
  }
  return options.combine ? combinePayload(payload) : payload;
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

/** crossplane's `combine`: one config, include statements replaced by the statements of the files they name. */
function combinePayload(payload: Payload): Payload {
  const configs = payload.config;
  const expand = (block: PayloadStatement[], out: PayloadStatement[]): PayloadStatement[] => {
    for (const stmt of block) {
      if (stmt.block) stmt.block = expand(stmt.block, []);
      if (stmt.includes) {
        for (const i of stmt.includes) expand(configs[i].parsed, out);
      } else out.push(stmt);
    }
    return out;
  };
  const combined: PayloadConfig = { file: configs[0].file, status: "ok", errors: [], parsed: [] };
  for (const c of configs) {
    combined.errors.push(...c.errors);
    if (c.status === "failed") combined.status = "failed";
  }
  combined.parsed = expand(configs[0].parsed, []);
  return { status: payload.status, errors: payload.errors, config: [combined] };
}
