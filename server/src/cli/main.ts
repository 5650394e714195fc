// The `nginx-risk` command line: the same analysis as the editor, for CI and for people.
//
//   nginx-risk parse FILE [options]       the crossplane JSON payload
//   nginx-risk check [FILES|DIRS…|-]      findings as text, JSON, SARIF, GitHub annotations or Checkstyle XML
//   nginx-risk fix FILES|DIRS… --diff|--write   the fixes of fix/ as a unified diff, or written to the files
//   nginx-risk format FILES|DIRS… --check|--diff|--write   format/ (layout only, proven not to change meaning)
//
// Exit codes: 0 ok, 1 a finding at or above --fail-on (default: an error), 2 usage or I/O error (a file
// not written by fix --write or format --write: then none is, safe-write.ts), or a folder scan stopped at
// --max-files (the analysis is incomplete). A reader that stops early (`| head`) changes neither the work
// nor the status.

import * as fs from "fs";
import * as path from "path";
import { isVersion } from "../cost/versions";
import { checkDirective, enterBlock, type ContextKind } from "../parse/directives";
import { isNginxDump } from "../rules/dump";
import {
  buildPayload,
  buildPayloadText,
  type DirectiveChecker,
  type PayloadOptions,
} from "../workspace/crossplane-payload";
import { dumpSource, parseDump } from "../workspace/dump";
import { refusalText } from "../workspace/access";
import { NodeFileSource } from "../workspace/files";
import { findProjectConfig, readProjectConfig, type ProjectConfig } from "../workspace/project-config";
import { isKnownRule } from "../rules/rule-settings";
import { mapPath, parseMapping, type PathMapping } from "../workspace/paths";
import type { Severity } from "../rules";
import { FIXABLE_RULES } from "../fix";
import { DEFAULT_LIMITS } from "../workspace/access";
import { STDIN_NAME, runCheck, type CheckOptions } from "./check";
import { runFix } from "./fix";
import { runFormat } from "./format-cmd";
import { formatFindings, type OutputFormat } from "./format";
import { incompleteMessage } from "./incomplete";
import { writePayloadText } from "./json";
import { cliSource, type ReadAccess } from "./read-access";
import { readStdin } from "./stdin";

const VERSION = "0.1.0";

export class UsageError extends Error {}

const USAGE = `usage: nginx-risk <command> [options]

commands:
  parse FILE          print the crossplane-compatible JSON payload of FILE and what it includes
      --include-comments   include comments (as "#" statements)
      --single-file        do not follow include directives
      --strict             unknown directives are errors
      --no-check-context   do not check that directives are allowed where they are
      --no-check-args      do not check the number of arguments
      --combine            one config with the included statements in place of each include
      --indent N           indent the JSON by N spaces (default: none)
  check [FILES|DIRS...]  analyse configurations (default: the current directory); "-" reads standard
                       input: nginx -T output (nginx -T | nginx-risk check -), or a configuration whose
                       conf prefix is the current directory
      --root FILE          analyse everything as part of this main configuration
      --format text|json|sarif|github|checkstyle
                           output format (default: text; sarif: SARIF 2.1.0 for code scanning; github:
                           GitHub Actions annotations; checkstyle: Checkstyle XML)
      --strict             unknown directives are errors
      --nginx-version V    the deployed nginx: directives and costs are judged for it
      --lua-nginx-module-version V
                           the deployed lua-nginx-module (e.g. 0.10.25)
      --openresty-version V
                           the deployed OpenResty (e.g. 1.21.4.3): implies its nginx and lua-nginx-module;
                           not with --lua-nginx-module-version
      --openssl-version V  the OpenSSL nginx is linked with (reported only)
      --memory-budget MiB  memory the configuration may use: SSL-cost findings above it are errors
      --fail-on LEVEL      exit 1 when a finding is at least error|warning|info|hint, or never
                           (default: error)
      --max-files N        stop searching a folder after N configuration files (default 2000) and
                           N files around them (default 5000); reaching it is reported and exits 2
      --project-config FILE
                           rules on/off and severities, rule options, versions, mappings, budget
                           (default: the nearest .nginx-risk.json from the inputs up to the current
                           directory; the command line's options override it)
      --no-project-config  read no .nginx-risk.json
  fix FILES|DIRS... (--diff | --write)
                       apply the editor's quick-fixes for check's findings to the files
      --diff               print the changes as a unified diff (apply with git apply or patch -p1)
      --write              write the files (all or none), keeping each original as FILE.orig
      --no-backup          with --write: no FILE.orig
      --rule ID            only fixes for this rule (repeatable), one of:
                           ${FIXABLE_RULES().join(", ")}
      --include-cautious   also apply fixes marked "caution" (behaviour could change)
      --root, --strict, --nginx-version, --lua-nginx-module-version, --openresty-version,
      --openssl-version    as for check: which fixes exist depends on the deployed versions
      --max-files N        as for check; an incomplete search fixes nothing (exit 2)
  format FILES|DIRS... (--check | --diff | --write)
                       lay files out (indentation, one statement per line, spacing): only whitespace
                       between words changes, and each result is read back to the same tree
      --check              list the files that would change (exit 1 if any)
      --diff               print the changes as a unified diff (exit 1 if any)
      --write              rewrite the files (all or none)
      --indent N|tab       one level of indentation: N spaces (default: 4) or a tab
                           (a file with syntax errors is not formatted: exit 2, with the error's position)
      --max-files N        stop searching a folder after N files (default 2000): reported, exit 2

options of every command:
  --map FROM=TO        read absolute include paths under FROM from TO (repeatable), e.g. --map /etc/nginx/=./
                       (not for format)
  --allow-read PATH    also read files under PATH (repeatable). Only the files and folders given (a file: its
                       folder), the --map targets and these are read; never /proc, /sys, /dev, FIFOs, devices
  --config-size-limit MiB
                       configuration files larger than this are not read (default: 64)
  --bundle-size-limit MiB
                       CA bundles larger than this are not read; their certificates are estimated from their
                       size (default: 16; check and fix)
  -h, --help           this help
  --version            print the version

exit status: 0 no errors (check: no finding at or above --fail-on; fix: it ran, even with nothing to fix),
1 the configuration has errors (check: such a finding; format: a file would change), 2 usage or I/O error
(fix, format: a file could not be written, and then none was; format: a file could not be formatted), or a
folder search stopped at --max-files (the analysis is incomplete, whatever --fail-on says)`;

interface Parsed {
  command: string;
  positional: string[];
  flags: Map<string, string | true>;
  maps: string[];
  /** --rule values, in order (repeatable). */
  ruleIds: string[];
  /** --allow-read values, in order (repeatable). */
  allowRead: string[];
}

/** What may be read, and how much (read-access.ts): every command. */
const ACCESS_OPTIONS = ["--allow-read", "--config-size-limit"];
const CHECK_VALUE_OPTIONS = [
  ...ACCESS_OPTIONS,
  "--bundle-size-limit",
  "--root",
  "--format",
  "--map",
  "--nginx-version",
  "--lua-nginx-module-version",
  "--openresty-version",
  "--openssl-version",
  "--memory-budget",
  "--fail-on",
  "--max-files",
  "--project-config",
];
const FIX_VALUE_OPTIONS = [
  ...ACCESS_OPTIONS,
  "--bundle-size-limit",
  "--root",
  "--map",
  "--rule",
  "--nginx-version",
  "--lua-nginx-module-version",
  "--openresty-version",
  "--openssl-version",
  "--max-files",
];
const VALUE_OPTIONS = new Set(["--indent", ...CHECK_VALUE_OPTIONS, ...FIX_VALUE_OPTIONS]);
const FLAG_OPTIONS: Record<string, Set<string>> = {
  parse: new Set([
    "--include-comments",
    "--single-file",
    "--strict",
    "--no-check-context",
    "--no-check-args",
    "--combine",
  ]),
  check: new Set(["--strict", "--no-project-config"]),
  fix: new Set(["--strict", "--diff", "--write", "--no-backup", "--include-cautious"]),
  format: new Set(["--check", "--diff", "--write"]),
};
/** Every command (the README and docs/cli.md list each one: test/client/readme.test.ts). */
export const COMMANDS: readonly string[] = Object.keys(FLAG_OPTIONS);
const COMMAND_VALUE_OPTIONS: Record<string, Set<string>> = {
  parse: new Set(["--indent", "--map", ...ACCESS_OPTIONS]),
  check: new Set(CHECK_VALUE_OPTIONS),
  fix: new Set(FIX_VALUE_OPTIONS),
  format: new Set(["--indent", "--max-files", ...ACCESS_OPTIONS]),
};

export function parseArgs(argv: string[]): Parsed {
  const [command, ...rest] = argv;
  if (!command) throw new UsageError("missing command");
  if (!(command in FLAG_OPTIONS)) throw new UsageError(`unknown command "${command}"`);
  const out: Parsed = { command, positional: [], flags: new Map(), maps: [], ruleIds: [], allowRead: [] };
  for (let i = 0; i < rest.length; i++) {
    let arg = rest[i];
    let value: string | undefined;
    if (arg.startsWith("--") && arg.includes("=") && VALUE_OPTIONS.has(arg.slice(0, arg.indexOf("=")))) {
      value = arg.slice(arg.indexOf("=") + 1);
      arg = arg.slice(0, arg.indexOf("="));
    }
    if (arg === "--") {
      out.positional.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      out.positional.push(arg);
      continue;
    }
    if (COMMAND_VALUE_OPTIONS[command].has(arg)) {
      if (value === undefined) {
        if (i + 1 >= rest.length) throw new UsageError(`${arg} needs a value`);
        value = rest[++i];
      }
      if (arg === "--map") out.maps.push(value);
      else if (arg === "--rule") out.ruleIds.push(value);
      else if (arg === "--allow-read") out.allowRead.push(value);
      else out.flags.set(arg, value);
      continue;
    }
    if (FLAG_OPTIONS[command].has(arg) && value === undefined) {
      out.flags.set(arg, true);
      continue;
    }
    throw new UsageError(`unknown option "${arg}" for "${command}"`);
  }
  return out;
}

function mappingsOf(specs: string[], cwd?: string): PathMapping[] {
  return specs.map((s) => {
    const r = parseMapping(s, cwd);
    if (!r.ok) throw new UsageError(`--map ${s}: ${r.error}`);
    return r.mapping;
  });
}

/** --allow-read (resolved against `cwd`) and the size limits. */
function accessOf(a: Parsed, cwd: string): ReadAccess {
  const limits: ReadAccess["limits"] = {};
  for (const [flag, kind] of [
    ["--config-size-limit", "configuration"],
    ["--bundle-size-limit", "bundle"],
  ] as const) {
    const v = a.flags.get(flag) as string | undefined;
    if (v === undefined) continue;
    const mib = v.trim() === "" ? NaN : Number(v);
    if (!(Number.isFinite(mib) && mib > 0))
      throw new UsageError(`${flag} needs a size in MiB greater than 0, not "${v}"`);
    limits[kind] = Math.round(mib * 1024 * 1024);
  }
  for (const p of a.allowRead) if (p.trim() === "") throw new UsageError("--allow-read needs a path");
  return { allowRead: a.allowRead.map((p) => path.resolve(cwd, p)), limits };
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** `check`'s working directory: inputs and output paths are relative to it (default: process.cwd()). */
  cwd?: string;
  /**
   * Writes output as it is (no line break added), for output handed out in chunks: `parse` of a deeply nested
   * file (cli/json.ts). Without it, the chunks are joined and given to `out`.
   */
  write?: (s: string | Uint8Array) => void;
}

/**
 * The statement checks, memoised: they depend only on their input (name, argument count, terminator, context)
 * and the fixed options, and a large configuration repeats the same few hundred combinations.
 */
function memoisedChecker(options: { strict: boolean; checkContext: boolean; checkArgs: boolean }): DirectiveChecker {
  type Problems = ReturnType<DirectiveChecker["check"]>;
  const terminatorIndex = { ";": 0, "{": 1, lua: 2 } as const;
  // context → name → (argCount * 4 + terminator) → problems
  const checks = new Map<string, Map<string, Map<number, Problems>>>();
  const bodies = new Map<string, Map<string, string>>();
  // The last answer: neighbouring statements are often the same (`proxy_set_header` × 5).
  let lastContext = "";
  let lastName = "";
  let lastKey = -1;
  let lastProblems: Problems = [];
  return {
    mainContext: "main",
    enterBlock: (parent, name) => {
      let byName = bodies.get(parent);
      if (byName === undefined) bodies.set(parent, (byName = new Map()));
      let body = byName.get(name);
      if (body === undefined) byName.set(name, (body = enterBlock(parent as ContextKind, name)));
      return body;
    },
    check: (input) => {
      const key = input.argCount * 4 + (input.terminator === null ? 3 : terminatorIndex[input.terminator]);
      if (key === lastKey && input.name === lastName && input.context === lastContext) return lastProblems;
      let byName = checks.get(input.context);
      if (byName === undefined) checks.set(input.context, (byName = new Map()));
      let byShape = byName.get(input.name);
      if (byShape === undefined) byName.set(input.name, (byShape = new Map()));
      let problems = byShape.get(key);
      if (problems === undefined) {
        problems = checkDirective(input as typeof input & { context: ContextKind }, options);
        byShape.set(key, problems);
      }
      lastContext = input.context;
      lastName = input.name;
      lastKey = key;
      lastProblems = problems;
      return problems;
    },
  };
}

function cmdParse(a: Parsed, io: Io): number {
  if (a.positional.length !== 1) throw new UsageError("parse takes exactly one FILE");
  refuseStdin(a);
  const file = a.positional[0];
  if (!fs.existsSync(file)) {
    io.err(`nginx-risk: ${file}: no such file`);
    return 2;
  }
  // Relative names as the payload shows them: against the process's directory, as crossplane does.
  const cwd = process.cwd();
  const mappings = mappingsOf(a.maps);
  // One reader for the whole run: the payload asks for a file to see that an include exists and again to
  // parse it; NodeFileSource keeps what it decoded (a 1 MB file costs ~5 ms per read). It reads only the
  // file's folder (nginx's conf prefix), the --map targets and --allow-read (read-access.ts).
  const source = cliSource([path.resolve(cwd, file)], undefined, mappings, accessOf(a, cwd));
  const readFile = (p: string): string | null => source.read(path.resolve(cwd, p));
  if (readFile(file) === null) {
    const refused = source.refusal(path.resolve(cwd, file));
    io.err(`nginx-risk: ${refused ? refusalText(file, refused) : `${file}: not a readable file`}`);
    return 2;
  }
  const indentFlag = a.flags.get("--indent");
  const indent = indentFlag === undefined ? undefined : Number(indentFlag);
  if (indent !== undefined && !(Number.isInteger(indent) && indent >= 0 && indent <= 10))
    throw new UsageError("--indent needs a number from 0 to 10");
  const strict = a.flags.has("--strict");
  const checkContext = !a.flags.has("--no-check-context");
  const checkArgs = !a.flags.has("--no-check-args");
  // Like crossplane: with both checks off (and not strict) nothing is checked, not even terminators.
  const checker: DirectiveChecker | undefined =
    checkContext || checkArgs || strict ? memoisedChecker({ strict, checkContext, checkArgs }) : undefined;
  const options = {
    comments: a.flags.has("--include-comments"),
    single: a.flags.has("--single-file"),
    combine: a.flags.has("--combine"),
    checker,
    mapPath: mappings.length > 0 ? (p: string) => mapPath(p, mappings) : undefined,
    readFile,
    globFs: source,
    // Included files the policy refuses, or that do not read as configuration, are said, never quoted.
    refusal: (p: string) => {
      const r = source.refusal(path.resolve(cwd, p));
      return r ? refusalText(p, r) : null;
    },
    shownOnlyIfConfiguration: true,
  };
  // `nginx -T` output: the payload of the configuration it holds, includes resolved within the dump.
  const text = readFile(file) ?? "";
  const dump = isNginxDump(text) ? parseDump(text) : null;
  // Compact JSON is written from the text of a main file that reads plainly (no tree: crossplane-text.ts).
  const compact = indent === undefined || indent === 0;
  const build = (p: string, o: PayloadOptions): ReturnType<typeof buildPayloadText> =>
    compact ? buildPayloadText(p, o) : { payload: buildPayload(p, o), plain: null, reader: null };
  let built;
  if (dump && dump.root) {
    const source = dumpSource(dump);
    built = build(dump.root, {
      ...options,
      mapPath: undefined,
      // The dump's files are in the dump (in memory), not on this disk.
      refusal: undefined,
      readFile: (p) => source.read(p),
      globFs: source,
    });
  } else {
    built = build(file, options);
  }
  const { payload, plain } = built;
  if (io.write) {
    writePayloadText(payload, plain, indent, io.write);
    io.write("\n");
  } else {
    const chunks: string[] = [];
    writePayloadText(payload, plain, indent, (s) =>
      chunks.push(typeof s === "string" ? s : Buffer.from(s.buffer, s.byteOffset, s.length).toString("utf8")),
    );
    io.out(chunks.join("") + "\n");
  }
  return payload.status === "ok" ? 0 : 1;
}

export const FORMATS: readonly OutputFormat[] = ["text", "json", "sarif", "github", "checkstyle"];
const FAIL_ON = ["error", "warning", "info", "hint", "never"] as const;
type FailOn = (typeof FAIL_ON)[number];
const RANK: Record<Severity, number> = { hint: 0, info: 1, warning: 2, error: 3 };

/** `--max-files N`: a whole number of files from 1 to 10,000,000 (undefined: each scan's default). */
function maxFilesFlag(a: Parsed): number | undefined {
  const v = a.flags.get("--max-files") as string | undefined;
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!(Number.isSafeInteger(n) && n >= 1 && n <= 10_000_000))
    throw new UsageError(`--max-files needs a number of files from 1 to 10000000, not "${v}"`);
  return n;
}

function versionFlag(a: Parsed, name: string): string | undefined {
  const v = a.flags.get(name) as string | undefined;
  if (v !== undefined && !isVersion(v)) throw new UsageError(`${name} needs a version such as 1.2.3, not "${v}"`);
  return v?.trim();
}

/** The check options that need no file system: format, threshold, versions, budget. */
function checkSettings(a: Parsed): {
  format: OutputFormat;
  failOn: FailOn;
  versions: Pick<CheckOptions, "nginxVersion" | "luaNginxModuleVersion" | "openrestyVersion" | "opensslVersion">;
  memoryBudgetBytes?: number;
} {
  const format = (a.flags.get("--format") as string | undefined) ?? "text";
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be ${FORMATS.join(", ")}, not "${format}"`);
  const failOn = (a.flags.get("--fail-on") as string | undefined) ?? "error";
  if (!(FAIL_ON as readonly string[]).includes(failOn))
    throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(", ")}, not "${failOn}"`);
  if (a.flags.has("--lua-nginx-module-version") && a.flags.has("--openresty-version"))
    throw new UsageError(
      "--lua-nginx-module-version and --openresty-version exclude each other (OpenResty bundles its lua-nginx-module)",
    );
  const versions = {
    nginxVersion: versionFlag(a, "--nginx-version"),
    luaNginxModuleVersion: versionFlag(a, "--lua-nginx-module-version"),
    openrestyVersion: versionFlag(a, "--openresty-version"),
    opensslVersion: versionFlag(a, "--openssl-version"),
  };
  const budget = a.flags.get("--memory-budget") as string | undefined;
  let memoryBudgetBytes: number | undefined;
  if (budget !== undefined) {
    const mib = budget.trim() === "" ? NaN : Number(budget);
    if (!(Number.isFinite(mib) && mib > 0))
      throw new UsageError(`--memory-budget needs a size in MiB greater than 0, not "${budget}"`);
    memoryBudgetBytes = Math.round(mib * 1024 * 1024);
  }
  return { format: format as OutputFormat, failOn: failOn as FailOn, versions, memoryBudgetBytes };
}

/** `-` (standard input) is read by `check` only: `fix` and `format` write files, `parse` takes one FILE. */
function refuseStdin(a: Parsed): void {
  if (a.positional.includes("-"))
    throw new UsageError(`"-" (standard input) is for check; ${a.command} takes files and folders`);
}

/** The inputs and --root, resolved against `cwd`; null (after saying why) when one does not exist. */
function inputsOf(a: Parsed, io: Io, cwd: string): { inputs: string[]; root?: string } | null {
  // `-` is standard input (cmdCheck reads it); without it and without paths, the current directory.
  const named = a.positional.filter((p) => p !== "-");
  const inputs = a.positional.length > 0 ? named : ["."];
  for (const p of inputs) {
    if (!fs.existsSync(path.resolve(cwd, p))) {
      io.err(`nginx-risk: ${p}: no such file or directory`);
      return null;
    }
  }
  const root = a.flags.get("--root") as string | undefined;
  if (root !== undefined && new NodeFileSource().read(path.resolve(cwd, root)) === null) {
    io.err(`nginx-risk: --root ${root}: not a readable file`);
    return null;
  }
  return {
    inputs: inputs.map((p) => path.resolve(cwd, p)),
    root: root === undefined ? undefined : path.resolve(cwd, root),
  };
}

/**
 * The project's configuration file: `--project-config FILE`, none with `--no-project-config`, else the nearest
 * .nginx-risk.json from the inputs' common folder up to the working directory (only that folder when the
 * inputs are outside it).
 */
function projectConfigOf(a: Parsed, inputs: readonly string[], cwd: string): ProjectConfig | null {
  const named = a.flags.get("--project-config") as string | undefined;
  if (named !== undefined && a.flags.has("--no-project-config"))
    throw new UsageError("--project-config and --no-project-config exclude each other");
  if (a.flags.has("--no-project-config")) return null;
  if (named !== undefined) {
    const file = path.resolve(cwd, named);
    if (!fs.existsSync(file)) throw new UsageError(`--project-config ${named}: no such file`);
    return readProjectConfig(file, isKnownRule);
  }
  const folders = inputs.map((p) => (isDirectorySync(p) ? p : path.dirname(p)));
  const found = findProjectConfig(commonFolder(folders.length > 0 ? folders : [cwd]), cwd);
  return found === null ? null : readProjectConfig(found, isKnownRule);
}

function isDirectorySync(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The deepest folder that holds every one of `folders`. */
function commonFolder(folders: readonly string[]): string {
  let common = folders[0];
  for (const f of folders.slice(1)) {
    while (f !== common && !f.startsWith(common.endsWith(path.sep) ? common : common + path.sep)) {
      const up = path.dirname(common);
      if (up === common) break;
      common = up;
    }
  }
  return common;
}

function cmdCheck(a: Parsed, io: Io): number {
  const settings = checkSettings(a);
  const cwd = io.cwd ?? process.cwd();
  const stdinCount = a.positional.filter((p) => p === "-").length;
  if (stdinCount > 1) throw new UsageError(`"-" (standard input) can be given once`);
  if (stdinCount > 0 && a.flags.has("--root"))
    throw new UsageError(`--root and "-" (standard input) exclude each other: one main configuration`);
  const access = accessOf(a, cwd);
  const given = inputsOf(a, io, cwd);
  if (!given) return 2;
  let stdin: CheckOptions["stdin"];
  if (stdinCount > 0) {
    const read = readStdin(access.limits?.configuration ?? DEFAULT_LIMITS.configuration);
    if (!read.ok) {
      io.err(`nginx-risk: ${read.error}`);
      return 2;
    }
    stdin = { path: path.join(cwd, STDIN_NAME), text: read.text, problems: read.problems };
  }
  const project = projectConfigOf(a, given.inputs, cwd);
  if (project)
    for (const p of project.problems) io.err(`nginx-risk: ${path.relative(cwd, project.path) || project.path}: ${p}`);
  // The command line overrides the file; the file's mappings come after --map's.
  const v = settings.versions;
  const options: CheckOptions = {
    ...given,
    mappings: [...mappingsOf(a.maps, cwd), ...(project?.pathMappings ?? [])],
    strict: a.flags.has("--strict") || project?.strict === true,
    nginxVersion: v.nginxVersion ?? project?.versions.nginx,
    luaNginxModuleVersion:
      v.luaNginxModuleVersion ?? (v.openrestyVersion ? undefined : project?.versions.luaNginxModule),
    openrestyVersion: v.openrestyVersion ?? (v.luaNginxModuleVersion ? undefined : project?.versions.openresty),
    opensslVersion: v.opensslVersion ?? project?.versions.openssl,
    memoryBudgetBytes: settings.memoryBudgetBytes ?? project?.memoryBudgetBytes,
    access,
    maxFiles: maxFilesFlag(a),
    stdin,
    ...(project ? { ruleLevels: project.ruleLevels, ruleConfig: project.ruleConfig } : {}),
  };
  const result = runCheck(options);
  io.out(formatFindings(result, settings.format, cwd, { version: VERSION }));
  if (result.incomplete && result.incomplete.length > 0) {
    // Never a silent pass: the text output says it; JSON and SARIF say it in the document and here.
    if (settings.format !== "text")
      for (const s of result.incomplete) io.err(`nginx-risk: incomplete: ${incompleteMessage(s, cwd)}`);
    return 2;
  }
  if (settings.failOn === "never") return 0;
  const threshold = RANK[settings.failOn];
  return result.findings.some((f) => RANK[f.severity] >= threshold) ? 1 : 0;
}

function cmdFix(a: Parsed, io: Io): number {
  const diff = a.flags.has("--diff");
  const write = a.flags.has("--write");
  if (diff === write)
    throw new UsageError("fix needs exactly one of --diff (print a patch) and --write (edit the files)");
  if (diff && a.flags.has("--no-backup")) throw new UsageError("--no-backup goes with --write");
  // Editing the current directory's files by default would surprise: fix names what it edits.
  if (a.positional.length === 0 && !a.flags.has("--root")) throw new UsageError("fix needs the FILES or DIRS to fix");
  refuseStdin(a);
  const fixable = FIXABLE_RULES();
  for (const id of a.ruleIds)
    if (!fixable.includes(id))
      throw new UsageError(`--rule ${id}: no fixes for that rule; fixable: ${fixable.join(", ")}`);
  const settings = checkSettings(a);
  const cwd = io.cwd ?? process.cwd();
  const given = inputsOf(a, io, cwd);
  if (!given) return 2;
  return runFix(
    {
      ...given,
      mappings: mappingsOf(a.maps, cwd),
      strict: a.flags.has("--strict"),
      ...settings.versions,
      rules: a.ruleIds.length > 0 ? a.ruleIds : fixable,
      includeCautious: a.flags.has("--include-cautious"),
      access: accessOf(a, cwd),
      maxFiles: maxFilesFlag(a),
      mode: diff ? "diff" : "write",
      backup: !a.flags.has("--no-backup"),
    },
    { out: io.out, err: io.err, cwd },
  );
}

function cmdFormat(a: Parsed, io: Io): number {
  const modes = (["--check", "--diff", "--write"] as const).filter((m) => a.flags.has(m));
  if (modes.length !== 1) throw new UsageError("format needs exactly one of --check, --diff and --write");
  if (a.positional.length === 0) throw new UsageError("format needs the FILES or DIRS to format");
  refuseStdin(a);
  const indent = (a.flags.get("--indent") as string | undefined) ?? "4";
  const size = Number(indent);
  if (indent !== "tab" && !(/^\d+$/.test(indent) && size >= 1 && size <= 16))
    throw new UsageError(`--indent needs a number of spaces from 1 to 16 or "tab", not "${indent}"`);
  const cwd = io.cwd ?? process.cwd();
  for (const p of a.positional)
    if (!fs.existsSync(path.resolve(cwd, p))) {
      io.err(`nginx-risk: ${p}: no such file or directory`);
      return 2;
    }
  return runFormat(
    {
      inputs: a.positional.map((p) => path.resolve(cwd, p)),
      mode: modes[0].slice(2) as "check" | "diff" | "write",
      format: indent === "tab" ? { tabSize: 4, insertSpaces: false } : { tabSize: size, insertSpaces: true },
      access: accessOf(a, cwd),
      maxFiles: maxFilesFlag(a),
    },
    { out: io.out, err: io.err, cwd },
  );
}

export function main(argv: string[], io: Io): number {
  try {
    if (
      argv.length === 0 ||
      argv[0] === "-h" ||
      argv[0] === "--help" ||
      argv.includes("--help") ||
      argv.includes("-h")
    ) {
      (argv.length === 0 ? io.err : io.out)(USAGE);
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] === "--version") {
      io.out(VERSION);
      return 0;
    }
    const a = parseArgs(argv);
    if (a.command === "parse") return cmdParse(a, io);
    if (a.command === "format") return cmdFormat(a, io);
    return a.command === "fix" ? cmdFix(a, io) : cmdCheck(a, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`nginx-risk: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (process.env.NGINX_RISK_DEBUG) console.error(e);
    io.err(`nginx-risk: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

/**
/**
 * Writers for stdout and stderr that survive a reader that goes away (`nginx-risk check | head -1`):
 * Node ignores SIGPIPE, so a write to a closed pipe fails with EPIPE, emitted as an 'error' event that,
 * unhandled, ends the process with a stack trace. Here the stream is marked closed and what is still
 * written to it is dropped; the command runs to its end and exits with its own status, as if its output
 * had been read (a `set -o pipefail` pipeline does not fail because `head` stopped reading). Any other
 * write error (a full disk) is an I/O error: said on stderr if it still can be, and status 2.
 *
 * `write` writes to standard output before returning. `parse` of a deeply nested file hands out its JSON in
 * chunks (1.8 GB for 10,000 nested locations with `--indent 2`) faster than a pipe drains them:
 * process.stdout would queue what the pipe does not take at once, all of it in memory, and then fail (ENOBUFS).
 */
export function stdioWriters(): { io: Io; failed: () => boolean } {
  let failed = false;
  let stdoutClosed = false;
  const cannotWrite = (e: NodeJS.ErrnoException): void => {
    failed = true;
    if (!process.stderr.destroyed) process.stderr.write(`nginx-risk: cannot write the output: ${e.message}\n`);
  };
  const writer = (stream: NodeJS.WriteStream): ((s: string) => void) => {
    let closed = false;
    stream.on("error", (e: NodeJS.ErrnoException) => {
      closed = true;
      if (stream === process.stdout) stdoutClosed = true;
      if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") return;
      if (stream !== process.stderr) cannotWrite(e);
      else failed = true;
    });
    return (s) => {
      if (closed || stream.destroyed) return;
      stream.write(s.endsWith("\n") ? s : s + "\n");
    };
  };
  const writeStdoutSync = (s: string | Uint8Array): void => {
    if (stdoutClosed) return;
    const bytes = typeof s === "string" ? Buffer.from(s, "utf8") : s;
    for (let done = 0; done < bytes.length;) {
      try {
        done += fs.writeSync(1, bytes, done);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // The reader is gone (`| head`): the rest is not wanted, as a tool killed by SIGPIPE would not write it.
        if (code === "EPIPE") {
          stdoutClosed = true;
          return;
        }
        // A non-blocking pipe that is full: wait for the reader.
        if (code === "EAGAIN") {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        stdoutClosed = true;
        cannotWrite(e as NodeJS.ErrnoException);
        return;
      }
    }
  };
  // Each stream is made on its first write: `process.stdout` and `process.stderr` are getters that load node's
  // streams (and `net` for a pipe), ~10 ms of CPU that `parse`, which writes with writeSync, does not need
  // (medians of 21, `node -e` with and without reading them). A write error can only follow a write.
  const lazyWriter = (stream: () => NodeJS.WriteStream): ((s: string) => void) => {
    let write: ((s: string) => void) | null = null;
    return (s) => (write ??= writer(stream()))(s);
  };
  return {
    io: { out: lazyWriter(() => process.stdout), err: lazyWriter(() => process.stderr), write: writeStdoutSync },
    failed: () => failed,
  };
}

if (require.main === module) {
  const { io, failed } = stdioWriters();
  const code = main(process.argv.slice(2), io);
  process.exitCode = code;
  // Write errors arrive as events after the writes: the status is settled when the process ends.
  process.on("exit", () => {
    if (failed()) process.exitCode = 2;
  });
}
