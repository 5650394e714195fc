// The multi-file configuration as nginx reads it: the main file, then every `include` expanded in place.
//
// nginx has no notion of "a file's context": ngx_conf_include (src/core/ngx_conf_file.c) calls
// ngx_conf_parse on the named file with the current `cf` — the block being parsed — so the file's
// directives behave as if written at the include site. Included twice (e.g. from two `server`s), a file
// is read and applied twice. We mirror that: one *instance* per include site, each with the block
// context it lands in, while each distinct file is parsed only once (ParseCache).
//
// nginx has no include-cycle check: a file including itself is read again inside itself, and nginx 1.22.1
// (checked) fails at the first directive refused where the copy lands ("events" directive is duplicate /
// is not allowed here, reported in the copy), else recurses until open() fails with "(24: Too many open
// files)" — a glob then silently matches nothing at the limit (glob(3) ignores the failed opendir) and the
// unwinding fails on a duplicate — or, with a high fd limit, until the stack overflows (it segfaults at
// `ulimit -n 20000`). We stop where a file being read is reached again — by its real path, so a symlink
// (conf.d/loop.conf → ../nginx.conf) is the same file — and report the cycle on that include.

import * as path from "path";
import type { Directive, Node, ParsedFile, Range } from "../parse/ast";
import { parse } from "../parse/parser";
import type { Refusal } from "./access";
import { isTableBlock } from "./classify";
import { classificationOf, includesIn, type IncludeInFile } from "./file-index";
import { NodeFileSource, ParseCache, normalizePath, type FileSource } from "./files";
import { predictCycleError } from "./include-cycle";
import { confPrefixOf, refusalProblem, resolveInclude, type IncludeResolution } from "./includes";
import { mappingFor, normalizeMappings, unmapPath, withDefaultMappings, type PathMapping } from "./paths";
import { isStockPath, loadStock, stockDescription } from "./stock-files";

export type Severity = "error" | "warning" | "info" | "hint";

export interface ConfigDiagnostic {
  /** Workspace path of the file `range` is in. */
  path: string;
  range: Range;
  message: string;
  severity: Severity;
  /** Stable identifier: the parser's codes, `invalid-utf8`, `include-not-found`, `include-cycle`, … */
  code: string;
  /** Other places in the same file that explain it. */
  related?: { range: Range; message: string }[];
  /** Machine-readable details (the mapping an `inferred-mapping` hint assumed: `from`, `to`). */
  data?: Record<string, unknown>;
}

/** An include directive in a particular instance of the file that holds it. */
export interface IncludeSite {
  instance: FileInstance;
  directive: Directive;
}

/** A file as it is applied at one include site (the main file is the instance with no site). */
export interface FileInstance {
  id: number;
  /** Workspace path (normalised). */
  path: string;
  /** The name nginx would open (as written after the conf prefix, not normalised). */
  nginxPath: string;
  parsed: ParsedFile;
  /**
   * Names of the enclosing blocks at the include site, outermost first: `[]` for main, `["http", "server"]`, …
   * (for the main file, `LoadOptions.rootContext`).
   */
  context: readonly string[];
  /** The enclosing block directives themselves (they may live in other files), outermost first. */
  parents: readonly Directive[];
  includedBy: IncludeSite | null;
  /** For each `include` in this instance, the instances it pulled in (nginx order). */
  includes: Map<Directive, FileInstance[]>;
}

export interface IncludeEdge {
  from: FileInstance;
  directive: Directive;
  /** null when the directive has no single argument to resolve. */
  resolution: IncludeResolution | null;
  /** Instances pulled in here (fewer than `resolution.files` when a cycle was cut). */
  to: FileInstance[];
}

export interface Configuration {
  /** Workspace path of the main file. */
  rootPath: string;
  /** The main file as nginx would name it (after reverse mapping), e.g. /etc/nginx/nginx.conf. */
  rootNginxPath: string;
  /** nginx's conf prefix: relative includes are resolved against it. */
  confPrefix: string;
  mappings: PathMapping[];
  root: FileInstance;
  /** Every instance in nginx's reading order (depth-first, root first). */
  instances: FileInstance[];
  /** Each distinct file read, by workspace path. */
  files: Map<string, ParsedFile>;
  /** Instances of each distinct file. */
  instancesByPath: Map<string, FileInstance[]>;
  edges: IncludeEdge[];
  /** Syntax, decoding and include diagnostics; each once per file position, however often the file is included. */
  diagnostics: ConfigDiagnostic[];
}

export interface LoadOptions {
  source?: FileSource;
  /** User mappings; `/etc/nginx` → the main file's folder is added when the main file is an `nginx.conf`. */
  mappings?: readonly PathMapping[];
  /** Set false to use `mappings` exactly as given. */
  defaultMapping?: boolean;
  /** Override the conf prefix (an nginx path), e.g. to analyse a snippet as part of another configuration. */
  confPrefix?: string;
  /**
   * Block context the main file is read in: `[]` (nginx's main context) unless analysing a snippet no
   * main file includes, e.g. `["http"]` for a sites-enabled file on its own.
   */
  rootContext?: readonly string[];
  cache?: ParseCache;
  /** Upper bound on instances; per-site expansion can grow exponentially (a file included twice that includes two files twice…). */
  maxInstances?: number;
  /** Every missing plain include is an error (an `nginx -T` dump holds every file nginx read: dump.ts). */
  missingIncludesAreErrors?: boolean;
}

const DEFAULT_MAX_INSTANCES = 20000;

const ZERO_RANGE: Range = { start: { line: 0, character: 0, offset: 0 }, end: { line: 0, character: 0, offset: 0 } };

export function loadConfiguration(rootPath: string, options: LoadOptions = {}): Configuration {
  const source = options.source ?? new NodeFileSource();
  const cache = options.cache ?? new ParseCache();
  const root = normalizePath(rootPath);
  const useDefault = options.defaultMapping ?? path.posix.basename(root) === "nginx.conf";
  const mappings = useDefault
    ? withDefaultMappings(options.mappings ?? [], root)
    : normalizeMappings(options.mappings ?? []);
  const rootNginxPath = unmapPath(root, mappings);
  const confPrefix = options.confPrefix ?? confPrefixOf(rootNginxPath);
  const maxInstances = options.maxInstances ?? DEFAULT_MAX_INSTANCES;

  const files = new Map<string, ParsedFile>();
  const instances: FileInstance[] = [];
  const instancesByPath = new Map<string, FileInstance[]>();
  const edges: IncludeEdge[] = [];
  const diagnostics: ConfigDiagnostic[] = [];
  const seenDiagnostics = new Set<string>();
  let truncated = false;

  const report = (d: ConfigDiagnostic): void => {
    const key = `${d.path}\0${d.range.start.offset}\0${d.range.end.offset}\0${d.code}\0${d.message}`;
    if (seenDiagnostics.has(key)) return;
    seenDiagnostics.add(key);
    diagnostics.push(d);
  };

  /**
   * Parses a distinct file once and reports its own (syntax, decoding) problems once. A file the read policy
   * refuses is not read; a file the user did not open that does not read as configuration (classify.ts) is
   * not analysed, so no message, hover or link can quote it. `table`: included in a `map`/`types`/… body.
   */
  const read = (p: string, table: boolean): ReadResult => {
    const known = files.get(p);
    if (known) return { parsed: known };
    // nginx's stock file, not in the workspace: the built-in stand-in (stock-files.ts), never the disk.
    if (isStockPath(p)) {
      const stock = loadStock(p);
      if (!stock) return null;
      const parsed = cache.get(p, stock);
      files.set(p, parsed);
      return { parsed };
    }
    const loaded = source.load(p);
    if (!loaded) {
      const refused = source.refusal?.(p);
      return refused ? { refused } : null;
    }
    const parsed = cache.get(p, loaded);
    if (!source.isOpened?.(p)) {
      const c = classificationOf(parsed, table);
      if (!c.configuration) return { notConfiguration: c.reason };
    }
    files.set(p, parsed);
    for (const pr of loaded.problems) report({ path: p, ...pr });
    for (const e of parsed.errors) {
      const d: ConfigDiagnostic = { path: p, range: e.range, message: e.message, severity: e.severity, code: e.code };
      if (e.related) d.related = e.related;
      report(d);
    }
    return { parsed };
  };

  const newInstance = (
    p: string,
    nginxPath: string,
    parsed: ParsedFile,
    context: readonly string[],
    parents: readonly Directive[],
    includedBy: IncludeSite | null,
  ): FileInstance => {
    const inst: FileInstance = {
      id: instances.length,
      path: p,
      nginxPath,
      parsed,
      context,
      parents,
      includedBy,
      includes: new Map(),
    };
    instances.push(inst);
    let list = instancesByPath.get(p);
    if (!list) instancesByPath.set(p, (list = []));
    list.push(inst);
    return inst;
  };

  // The chain of files currently being expanded, for cycle detection by real path.
  const chain: FileInstance[] = [];
  const realPaths = new Map<string, string>();
  const realOf = (p: string): string => {
    let r = realPaths.get(p);
    if (r === undefined) realPaths.set(p, (r = source.realpath && !isStockPath(p) ? source.realpath(p) : p));
    return r;
  };

  // The expansion keeps an explicit stack instead of recursing: nginx accepts 13,000 nested blocks
  // (test/cli/deep-input.test.ts), deeper than V8's stack. Frames are the includes of a file instance
  // (file-index.ts lists them once per tree, with the blocks around each; `context`/`parents` are those
  // around the instance itself) and includes whose files are expanded one after the other.
  type ExpandFrame =
    | {
        kind: "file";
        inst: FileInstance;
        includes: readonly IncludeInFile[];
        index: number;
        context: readonly string[];
        parents: readonly Directive[];
        /** The instance was pushed on `chain` (every included file; the root is pushed by the caller). */
        chained: boolean;
      }
    | {
        kind: "include";
        inst: FileInstance;
        d: Directive;
        resolution: IncludeResolution;
        to: FileInstance[];
        next: number;
        context: string[];
        parents: Directive[];
      };

  const expandFile = (inst: FileInstance, context: readonly string[], parents: readonly Directive[]): void => {
    const stack: ExpandFrame[] = [
      { kind: "file", inst, includes: includesIn(inst.parsed), index: 0, context, parents, chained: false },
    ];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.kind === "include") {
        const child = nextIncluded(top, top.context, top.parents);
        if (child === null) {
          stack.pop();
          continue;
        }
        chain.push(child);
        stack.push({
          kind: "file",
          inst: child,
          includes: includesIn(child.parsed),
          index: 0,
          context: top.context,
          parents: top.parents,
          chained: true,
        });
        continue;
      }
      if (top.index >= top.includes.length) {
        stack.pop();
        if (top.chained) chain.pop();
        continue;
      }
      const at = top.includes[top.index++];
      const include = startInclude(top.inst, at.directive);
      if (include) {
        // The blocks around the include: those around the instance, then those of its own file.
        include.context = [...top.context, ...at.context];
        include.parents = [...top.parents, ...at.parents];
        stack.push(include);
      }
    }
  };

  /** Resolves an include; null when there is nothing to expand (wrong arguments). */
  const startInclude = (inst: FileInstance, d: Directive): Extract<ExpandFrame, { kind: "include" }> | null => {
    const to: FileInstance[] = [];
    inst.includes.set(d, to);
    if (d.args.length !== 1) {
      // ngx_conf_include is NGX_CONF_TAKE1; nginx rejects the directive before opening anything.
      report({
        path: inst.path,
        range: d.nameWord.range,
        message: `invalid number of arguments in "include" directive`,
        severity: "error",
        code: "include-args",
      });
      edges.push({ from: inst, directive: d, resolution: null, to });
      return null;
    }
    const arg = d.args[0];
    const resolution = resolveInclude(arg.value, {
      confPrefix,
      mappings,
      source,
      missingIsError: options.missingIncludesAreErrors,
    });
    edges.push({ from: inst, directive: d, resolution, to });
    for (const pr of resolution.problems) report({ path: inst.path, range: arg.range, ...pr });
    assumptionHints(inst, arg.range, resolution);
    return { kind: "include", inst, d, resolution, to, next: 0, context: [], parents: [] };
  };

  // What the loader assumed, said once per configuration where it first mattered: a stock file read as
  // nginx's default, a mapping inferred from where the included files are (infer-mappings.ts).
  const hinted = new Set<string>();
  const assumptionHints = (inst: FileInstance, range: Range, resolution: IncludeResolution): void => {
    if (resolution.stock !== undefined) {
      if (hinted.has("stock\0" + resolution.stock)) return;
      hinted.add("stock\0" + resolution.stock);
      report({
        path: inst.path,
        range,
        message:
          `"${resolution.nginxPath}" is not in the workspace: assumed to be nginx's default ${resolution.stock} ` +
          `(${stockDescription(resolution.stock)})`,
        severity: "hint",
        code: "include-stock-default",
      });
      return;
    }
    const m = mappingFor(resolution.nginxPath, mappings);
    if (m?.origin !== "inferred" || resolution.files.length === 0 || hinted.has("map\0" + m.from)) return;
    hinted.add("map\0" + m.from);
    report({
      path: inst.path,
      range,
      message:
        `assumed ${m.from} → ${m.to} (the folder where the included files are); set nginxRisk.pathMappings ` +
        `(or --map ${m.from}=${m.to}) to make it explicit`,
      severity: "hint",
      code: "inferred-mapping",
      data: { from: m.from, to: m.to },
    });
  };

  /** The next file of an include to expand, as a new instance; null when none is left. */
  const nextIncluded = (
    f: Extract<ExpandFrame, { kind: "include" }>,
    context: string[],
    parents: Directive[],
  ): FileInstance | null => {
    const { inst, d, resolution, to } = f;
    const arg = d.args[0];
    while (f.next < resolution.files.length) {
      const file = resolution.files[f.next++];
      const cycleAt = chain.findIndex((c) => realOf(c.path) === realOf(file));
      if (cycleAt >= 0) {
        const again = includedName(resolution, file, mappings);
        const names = [...chain.slice(cycleAt).map((c) => c.nginxPath), again];
        const alias = again === chain[cycleAt].nginxPath ? "" : ` (the same file as "${chain[cycleAt].nginxPath}")`;
        const enclosing = parents[parents.length - 1]?.block?.children;
        const siblings = enclosing?.includes(d) ? enclosing : inst.parsed.children;
        const before: Node[] = siblings.slice(0, siblings.indexOf(d));
        for (const read of to) for (const n of read.parsed.children) before.push(n);
        const nginxSays = predictCycleError({
          copy: chain[cycleAt].parsed,
          copyName: again,
          context,
          before,
          selfInclude: chain[cycleAt] === inst ? d : null,
          glob: resolution.isGlob,
          includedName: again,
        });
        report({
          path: inst.path,
          range: arg.range,
          message:
            `include cycle: ${names.map((n) => `"${n}"`).join(" → ")}${alias}; nginx has no cycle check: it ` +
            `reads the file again inside itself, ` +
            (nginxSays
              ? `and nginx -t fails with: ${nginxSays}`
              : `until a directive is refused there (e.g. "is duplicate"), open() fails with "Too many open ` +
                `files", or it crashes`),
          severity: "error",
          code: "include-cycle",
        });
        continue;
      }
      if (instances.length >= maxInstances) {
        if (!truncated) {
          truncated = true;
          report({
            path: inst.path,
            range: arg.range,
            message: `include expansion stopped after ${maxInstances} file instances; the rest of the configuration is not analysed`,
            severity: "error",
            code: "include-limit",
          });
        }
        return null;
      }
      const got = read(file, isTableBlock(context[context.length - 1] ?? ""));
      if (!got || !("parsed" in got)) {
        const name = includedName(resolution, file, mappings);
        if (got && "refused" in got)
          report({ path: inst.path, range: arg.range, ...refusalProblem(name, got.refused) });
        else if (got) report({ path: inst.path, range: arg.range, ...notConfiguration(name, got.notConfiguration) });
        // Listed by the glob or present a moment ago, but unreadable now (permissions, race).
        else
          report({
            path: inst.path,
            range: arg.range,
            message: `open() "${name}" failed: cannot read ${file}`,
            severity: "error",
            code: "include-unreadable",
          });
        continue;
      }
      const parsed = got.parsed;
      const child = newInstance(file, includedName(resolution, file, mappings), parsed, [...context], [...parents], {
        instance: inst,
        directive: d,
      });
      to.push(child);
      return child;
    }
    return null;
  };

  const rootRead = read(root, false);
  let rootParsed: ParsedFile;
  if (rootRead && "parsed" in rootRead) rootParsed = rootRead.parsed;
  else {
    rootParsed = parse("");
    const looked = rootNginxPath === root ? "" : ` (looked for ${root})`;
    if (rootRead && "refused" in rootRead)
      report({ path: root, range: ZERO_RANGE, ...refusalProblem(rootNginxPath + looked, rootRead.refused) });
    else if (rootRead)
      report({ path: root, range: ZERO_RANGE, ...notConfiguration("this file", rootRead.notConfiguration) });
    else
      report({
        path: root,
        range: ZERO_RANGE,
        message: `open() "${rootNginxPath}" failed (2: No such file or directory)${looked}`,
        severity: "error",
        code: "root-not-found",
      });
  }
  const rootContext = [...(options.rootContext ?? [])];
  const rootInstance = newInstance(root, rootNginxPath, rootParsed, [...rootContext], [], null);
  chain.push(rootInstance);
  expandFile(rootInstance, rootContext, []);
  chain.pop();

  return {
    rootPath: root,
    rootNginxPath,
    confPrefix,
    mappings,
    root: rootInstance,
    instances,
    files,
    instancesByPath,
    edges,
    diagnostics,
  };
}

type ReadResult = { parsed: ParsedFile } | { refused: Refusal } | { notConfiguration: string } | null;

/** A file reached without being opened that does not read as configuration: said once, never quoted. */
function notConfiguration(
  name: string,
  reason: string,
): { message: string; severity: "warning"; code: "not-configuration" } {
  const quoted = name === "this file" ? name : `"${name}"`;
  return {
    message: `${quoted} does not read as nginx configuration (${reason}); it is not analysed and its content is not shown`,
    severity: "warning",
    code: "not-configuration",
  };
}

/** The name nginx gives an included file: the literal path for a plain include, the glob match otherwise. */
function includedName(res: IncludeResolution, file: string, mappings: readonly PathMapping[]): string {
  return res.isGlob ? unmapPath(file, mappings) : res.nginxPath;
}

/** Diagnostics of one file, in the order found. */
export function diagnosticsFor(config: Configuration, p: string): ConfigDiagnostic[] {
  const key = normalizePath(p);
  return config.diagnostics.filter((d) => d.path === key);
}

export interface WalkInfo {
  /** The instance the directive was read from. */
  file: FileInstance;
  /** Names of the enclosing blocks across includes, outermost first (`["http", "server"]`). */
  context: readonly string[];
  /** The enclosing block directives across includes, outermost first (a `rootContext` has none: shorter than `context`). */
  parents: readonly Directive[];
}

export interface ConfigVisitor {
  /** Called for every directive. Return false to skip its block, or for `include`, the files it pulls in. */
  enter?(d: Directive, info: WalkInfo): boolean | void;
  /** Called after the directive's block (or included files) were walked. */
  leave?(d: Directive, info: WalkInfo): void;
}

/**
 * Walks the expanded configuration in nginx's reading order: each directive once per instance of its
 * file, included files in place of their `include`. `context`/`parents` arrays are shared and mutated
 * while walking: copy them if you keep them.
 */
const NO_NODES: Node[] = [];

export function walk(config: Configuration, visitor: ConfigVisitor): void {
  const steps = walkSteps(config, visitor, Infinity);
  while (!steps.next().done);
}

/**
 * How many directives `walkSteps` enters between two pauses: on 100,000 locations, the rules' walk (about a
 * third of the server's analysis) then pauses every ~10 ms instead of taking its messages only after it
 * (lifecycle.test: a shutdown sent in the walk waited for the rest of it).
 */
export const WALK_SLICE = 8192;

/**
 * `walk`, pausing (yielding) after every `slice` directives entered, so that the language server takes its
 * messages in between (lsp/analysis.ts). The configuration must not change while it pauses: an edit makes a
 * new tree (file-index.ts), and the server drops a run an edit made stale.
 */
export function* walkSteps(
  config: Configuration,
  visitor: ConfigVisitor,
  slice: number = WALK_SLICE,
): Generator<void, void> {
  let left = slice;
  const context: string[] = [...config.root.context];
  const parents: Directive[] = [];
  // An explicit stack (blocks nest deeper than V8's stack): the statements of a block or file, and when they
  // are done, the directive whose block (or included files) they were, to leave. The statements of one
  // frame share one WalkInfo (its fields are the same for all of them): one object per directive was most
  // of the walk's cost on large-config.
  interface WalkFrame {
    nodes: Node[];
    index: number;
    /** What enter/leave are given for the statements of this frame. */
    here: WalkInfo;
    /** The block directive to leave when done (its own context entry popped first), or the include. */
    leave: Directive | null;
    info: WalkInfo | null;
    popsContext: boolean;
  }
  const infoOf = (file: FileInstance): WalkInfo => ({ file, context, parents });
  const rootInfo = infoOf(config.root);
  const stack: WalkFrame[] = [
    { nodes: config.root.parsed.children, index: 0, here: rootInfo, leave: null, info: null, popsContext: false },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.index >= top.nodes.length) {
      stack.pop();
      if (top.popsContext) {
        context.pop();
        parents.pop();
      }
      if (top.leave !== null) visitor.leave?.(top.leave, top.info!);
      continue;
    }
    const info = top.here;
    const node = top.nodes[top.index++];
    if (node.kind !== "directive") continue;
    if (--left === 0) {
      left = slice;
      yield;
    }
    if (visitor.enter?.(node, info) === false) continue;
    // Only `include` statements are keys of `includes` (startInclude): asking the map about every
    // directive gave each one an identity hash.
    const included = node.name === "include" ? info.file.includes.get(node) : undefined;
    if (included) {
      // Left once every included file was walked; the files are pushed last first, to be walked in order.
      stack.push({ nodes: NO_NODES, index: 0, here: info, leave: node, info, popsContext: false });
      for (let i = included.length - 1; i >= 0; i--) {
        const child = included[i];
        stack.push({
          nodes: child.parsed.children,
          index: 0,
          here: infoOf(child),
          leave: null,
          info: null,
          popsContext: false,
        });
      }
    } else if (node.block) {
      context.push(node.name);
      parents.push(node);
      stack.push({ nodes: node.block.children, index: 0, here: info, leave: node, info, popsContext: true });
    } else visitor.leave?.(node, info);
  }
}
