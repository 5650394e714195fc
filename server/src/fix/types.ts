// What a fix is: plain data, no LSP types. The language server turns it into a code action
// (lsp/code-actions.ts), the CLI into a diff or a write (cli/fix.ts).

import type { Range } from "../parse/ast";
import type { Finding } from "../rules/types";

/** Replace `range` of the file at `path` (as it was analysed) with `newText`. */
export interface TextEdit {
  /** Workspace path of the file. */
  path: string;
  range: Range;
  newText: string;
}

/** A setting the fix sets instead of editing the configuration (a deployed version, a path mapping). */
export interface SettingChange {
  /** The key under `nginxRisk.` (`versions.luaNginxModule`, `pathMappings`), as in package.json. */
  key: string;
  /** For an object setting (`pathMappings`): the property set (`/config`); `value` is its value. */
  entry?: string;
  value: string;
  /** The CLI flag that says the same (`--lua-nginx-module-version 0.10.26`). */
  flag: string;
}

export interface Fix {
  /** The finding this fixes. */
  finding: Finding;
  /** What the editor shows: what moves where, and what it saves. */
  title: string;
  /** Set when behaviour could change: what could. The title says so too ("caution: …"). */
  caution?: string;
  /** The one action an editor may apply without asking (VS Code's "auto fix"). */
  isPreferred: boolean;
  /** Edits across every file involved, in the coordinates of the texts that were analysed. */
  edits: TextEdit[];
  /** For "this is fixed by the deployed version" actions: no edit, a setting. */
  setting?: SettingChange;
  /** What the fix was checked to do, by analysing the edited configuration (fix/verify.ts). */
  effect?: FixEffect;
}

/**
 * An edit fix that was worked out but is not offered: its check found that it would change a block it is
 * not about (fix/move.ts). The CLI says why it skipped it; the editor does not offer it.
 */
export interface RefusedFix {
  finding: Finding;
  /** What the fix would have done. */
  title: string;
  /** What the check found. */
  refused: string;
}

export interface FixEffect {
  /** Names of the directives moved or removed. */
  moved: string[];
  /** SSL contexts parsing the bundle (or blocks loading rules) before and after. */
  before: number;
  after: number;
  /** The blocks that keep what they need (labels), e.g. the locations that run Lua code. */
  targets: string[];
  /**
   * Blocks outside the targets that keep a bundle of their own and inherited a moved companion they use
   * (`lua_ssl_verify_depth 2` from http): the fix writes the inherited value into them (labels).
   */
  kept?: string[];
}
