// Rule `directive`: the checks nginx runs on every statement before its handler (ngx_conf_handler):
// known name (strict mode only), allowed in this block, right number of arguments, `;` or `{` as it must.
// Plus one nginx cannot make: a statement whose argument starts a new line with the name of a directive
// that fits there (`listen 8080` ⏎ `server_name a;`) most likely lost its `;`. nginx reads the next
// line as arguments: sometimes it fails on them (listen: `invalid parameter "server_name"`), sometimes it
// takes them silently (`server_name a.com` ⏎ `root /srv;` names a server "root" and sets no root).
// The context of each statement follows the include sites, so a sites-enabled file is judged inside the
// `http {}` that includes it; a file included twice is judged in each place (reported once per position).

import type { Directive, Word } from "../parse/ast";
import { checkDirective, enterBlock, type ContextKind, type DirectiveProblem } from "../parse/directives";
import { walk, type Configuration } from "../workspace/configuration";
import type { Finding, RuleOptions } from "./types";

/** The context of the main file's body, from the names of the blocks it is analysed inside. */
export function rootContextKind(names: readonly string[]): ContextKind {
  let kind: ContextKind = "main";
  for (const n of names) kind = enterBlock(kind, n);
  return kind;
}

/**
 * checkDirective and enterBlock are functions of a statement's name, argument count, terminator and
 * context (and the options): their answers are remembered per options, so a configuration pays the
 * directive table's lookups once per distinct statement shape, not once per statement (large-config:
 * 32,662 statements, 138 distinct shapes and block heads). Nested maps (context, name, count and terminator) rather than
 * one string key: building and hashing a key per statement cost as much as the lookups it saved.
 * Bounded: forgotten past MAX_SHAPES (argument counts are unbounded).
 */
interface ShapeAnswers {
  /** context → name → argCount·4 + terminator → problems. */
  problems: Map<ContextKind, Map<string, Map<number, DirectiveProblem[]>>>;
  /** context → block name → the context of its body. */
  bodies: Map<ContextKind, Map<string, ContextKind>>;
  size: number;
}
const MAX_SHAPES = 50_000;
const TERMINATORS = [";", "{", "lua", null] as const;
const answersByOptions = new Map<string, ShapeAnswers>();

function answersFor(options: RuleOptions): ShapeAnswers {
  const key = `${options.strict ? 1 : 0}\0${options.nginxVersion ?? ""}`;
  let answers = answersByOptions.get(key);
  if (answers === undefined || answers.size > MAX_SHAPES) {
    if (answersByOptions.size >= 16) answersByOptions.clear();
    answersByOptions.set(key, (answers = { problems: new Map(), bodies: new Map(), size: 0 }));
  }
  return answers;
}

/** Forgets every remembered answer (for tests that compare with a from-scratch analysis). */
export function forgetStatementShapes(): void {
  answersByOptions.clear();
}

function problemsOf(
  d: Directive,
  context: ContextKind,
  answers: ShapeAnswers,
  options: RuleOptions,
): DirectiveProblem[] {
  let byName = answers.problems.get(context);
  if (byName === undefined) answers.problems.set(context, (byName = new Map()));
  let byShape = byName.get(d.name);
  if (byShape === undefined) byName.set(d.name, (byShape = new Map()));
  const shape = d.args.length * 4 + TERMINATORS.indexOf(d.terminator);
  let problems = byShape.get(shape);
  if (problems === undefined) {
    problems = checkDirective(
      { name: d.name, argCount: d.args.length, terminator: d.terminator, context },
      { strict: options.strict, checkContext: true, checkArgs: true, version: options.nginxVersion },
    );
    byShape.set(shape, problems);
    answers.size++;
  }
  return problems;
}

function bodyOf(d: Directive, context: ContextKind, answers: ShapeAnswers): ContextKind {
  let byName = answers.bodies.get(context);
  if (byName === undefined) answers.bodies.set(context, (byName = new Map()));
  let body = byName.get(d.name);
  if (body === undefined) {
    byName.set(d.name, (body = enterBlock(context, d.name)));
    answers.size++;
  }
  return body;
}

export function directiveFindings(config: Configuration, options: RuleOptions): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const stack: ContextKind[] = [rootContextKind(config.root.context)];
  const answers = answersFor(options);
  walk(config, {
    enter(d: Directive, info) {
      const context = stack[stack.length - 1];
      const problems = problemsOf(d, context, answers, options);
      for (const p of problems) {
        const key = `${info.file.path}:${d.range.start.offset}:${p.code}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push({
          ruleId: "directive",
          code: p.code,
          severity: "error",
          path: info.file.path,
          range: d.nameWord.range,
          message: p.message,
        });
      }
      const lost = lostSemicolon(d, context, options);
      if (lost && !seen.has(`${info.file.path}:${lost.range.start.offset}:lost-semicolon`)) {
        seen.add(`${info.file.path}:${lost.range.start.offset}:lost-semicolon`);
        findings.push({
          ruleId: "directive",
          code: "lost-semicolon",
          severity: "warning",
          path: info.file.path,
          range: lost.range,
          message:
            `missing ";" before "${lost.value}"? Written on a line of its own, it is read as an argument of ` +
            `"${d.name}" (line ${d.nameWord.range.start.line + 1})`,
        });
      }
      if (d.block) stack.push(bodyOf(d, context, answers));
    },
    leave(d: Directive) {
      if (d.block) stack.pop();
    },
  });
  return findings;
}

/**
 * The first argument of `d` that starts a line and, with the words after it, would be a valid statement of
 * this context on its own (a known directive, allowed here, with a fitting number of arguments).
 */
function lostSemicolon(d: Directive, context: ContextKind, options: RuleOptions): Word | null {
  // Map, types, … bodies and Lua are not statements; in a block nginx refused, nothing is known.
  if (context === "custom" || context === "lua" || context === "unknown") return null;
  let prevLine = d.nameWord.range.end.line;
  for (let i = 0; i < d.args.length; i++) {
    const w = d.args[i];
    const startsLine = w.range.start.line > prevLine;
    prevLine = w.range.end.line;
    if (!startsLine || w.quote !== null || !/^[a-z_][a-z0-9_]*$/.test(w.value)) continue;
    const problems = checkDirective(
      { name: w.value, argCount: d.args.length - i - 1, terminator: d.terminator, context },
      { strict: true, checkContext: true, checkArgs: true, version: options.nginxVersion },
    );
    if (problems.length === 0) return w;
  }
  return null;
}
