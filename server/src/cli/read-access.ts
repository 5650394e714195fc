// What the CLI reads (workspace/access.ts): the files and folders on its command line — a file allows its
// folder, which is nginx's conf prefix when it is the main file — the targets of `--map`, and what
// `--allow-read PATH` names. Everything else is refused with a diagnostic that says how to allow it.

import * as fs from "fs";
import * as path from "path";
import { DEFAULT_LIMITS, ReadPolicy, type ReadKind } from "../workspace/access";
import { NodeFileSource } from "../workspace/files";
import type { PathMapping } from "../workspace/paths";

export interface ReadAccess {
  /** `--allow-read PATH` (absolute, resolved against the working directory). */
  allowRead: string[];
  /** `--config-size-limit` / `--bundle-size-limit`, in bytes. */
  limits?: Partial<Record<ReadKind, number>>;
}

export const NO_EXTRA_ACCESS: ReadAccess = { allowRead: [] };

/** How a user of the CLI has a path read. */
export const CLI_ALLOW_HINT = "map it into a folder that is read (--map FROM=TO) or allow it (--allow-read PATH)";

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The disk as the CLI may read it: `inputs` (files and folders given), `root` (--root), the mapping
 * targets and `--allow-read`. Files named on the command line are "opened": shown whatever they hold.
 */
export function cliSource(
  inputs: readonly string[],
  root: string | undefined,
  mappings: readonly PathMapping[],
  access: ReadAccess = NO_EXTRA_ACCESS,
): NodeFileSource {
  const named = [...inputs, ...(root === undefined ? [] : [root])];
  const files = named.filter((p) => !isDirectory(p));
  const roots = [
    ...named.map((p) => (isDirectory(p) ? p : path.dirname(p))),
    // A file named is read even where a link leads (its folder stays the conf prefix, as for nginx -c).
    ...files,
    ...mappings.map((m) => m.to),
    ...access.allowRead,
  ];
  const policy = new ReadPolicy({
    roots,
    limits: { ...DEFAULT_LIMITS, ...access.limits },
    allowHint: CLI_ALLOW_HINT,
    rootsName: "the files and folders given on the command line",
  });
  return new NodeFileSource(policy, files);
}
