// `nginx-risk check --format sarif`: the findings as a SARIF 2.1.0 log (OASIS Static Analysis Results
// Interchange Format), for code-scanning services and SARIF viewers. One run; one reportingDescriptor per
// rule that has findings; file locations relative to %SRCROOT% (the working directory), percent-encoded.
// No URL names the project: it has no web host. A rule's help is its page (docs/rules/<id>.md, shipped in
// the package) written into the descriptor, since SARIF wants `helpUri` absolute and a code-scanning
// service cannot open a file of the machine that ran the check.

import * as path from "path";
import { pathToFileURL } from "url";
import type { Finding, Severity } from "../rules";
import { catalogueEntry } from "../rules/catalogue";
import { ruleDocText, withoutRelativeLinks } from "../rules/docs";
import type { CheckResult } from "./check";
import { incompleteMessage } from "./incomplete";

/** The title of each rule's page in docs/rules/ (a test compares them); other rules get a generic one. */
export const RULE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  syntax: "the file does not read as nginx configuration",
  include: "files that cannot be included as written",
  access: "files not read, or not shown: outside what was opened, special, too large, not configuration",
  directive: "a statement nginx would refuse before running it",
  context: "where a file was analysed",
  "lua-ssl-per-location": "the CA bundle parsed once per location configuration",
  "proxy-ssl-per-location": "the upstream CA bundle parsed once per proxying location",
  "ssl-bundle-per-server": "client/trusted CA bundles parsed once per TLS server",
  "stream-lua-ssl-per-server": "the Lua CA bundle parsed once per stream server",
  "modsecurity-unused": "ModSecurity that costs without protecting",
  "reuseport-config-test": "`listen … reuseport` and `nginx -t`",
  suppression: "suppression comments that cannot do what they say",
};

const SRCROOT = "%SRCROOT%";

const LEVEL: Record<Severity, "error" | "warning" | "note" | "none"> = {
  error: "error",
  warning: "warning",
  info: "note",
  hint: "none",
};

// The parts of SARIF 2.1.0 we write (the schema's names; everything else is optional and left out).
interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}
interface PhysicalLocation {
  artifactLocation: ArtifactLocation;
  region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: "error" | "warning" | "note" | "none";
  message: { text: string };
  locations: { physicalLocation: PhysicalLocation }[];
  relatedLocations?: { id: number; physicalLocation: PhysicalLocation; message: { text: string } }[];
  properties: Record<string, unknown>;
}
export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: {
    tool: {
      driver: {
        name: string;
        version: string;
        rules: {
          id: string;
          name: string;
          shortDescription: { text: string };
          help?: { text: string; markdown: string };
        }[];
      };
    };
    originalUriBaseIds: Record<string, { uri: string }>;
    columnKind: "utf16CodeUnits";
    results: SarifResult[];
    invocations?: {
      executionSuccessful: boolean;
      exitCode: number;
      toolExecutionNotifications: { level: "error"; message: { text: string } }[];
    }[];
  }[];
}

/** `lua-ssl-per-location` → `LuaSslPerLocation` (SARIF's `name` is an identifier-like form of the id). */
function ruleName(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== "")
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}

/** A directory as a URI ending in `/`, as originalUriBaseIds wants. */
function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith("/") ? href : `${href}/`;
}

/**
 * A file's location: relative to %SRCROOT% when it is under the working directory (each segment
 * percent-encoded: spaces, `#`, `%`, `?`, `:` and non-ASCII are not URI characters), else a `file:` URI.
 */
export function artifactLocation(file: string, cwd: string): ArtifactLocation {
  const rel = path.relative(cwd, file);
  if (rel === "" || rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return { uri: pathToFileURL(file).href };
  }
  return { uri: rel.split(path.sep).map(encodeURIComponent).join("/"), uriBaseId: SRCROOT };
}

function physicalLocation(file: string, range: Finding["range"], cwd: string): PhysicalLocation {
  return {
    artifactLocation: artifactLocation(file, cwd),
    // SARIF counts like our JSON: 1-based lines and columns, columns in UTF-16 code units (columnKind),
    // the end column is the one after the region.
    region: {
      startLine: range.start.line + 1,
      startColumn: range.start.character + 1,
      endLine: range.end.line + 1,
      endColumn: range.end.character + 1,
    },
  };
}

/** A rule's reportingDescriptor: its help is its page, when the package has one. */
function descriptor(id: string): SarifLog["runs"][number]["tool"]["driver"]["rules"][number] {
  const title = RULE_DESCRIPTIONS[id] ?? catalogueEntry(id)?.title ?? `nginx-risk rule "${id}"`;
  const d: SarifLog["runs"][number]["tool"]["driver"]["rules"][number] = {
    id,
    name: ruleName(id),
    shortDescription: { text: title },
  };
  const page = ruleDocText(id);
  if (page !== null)
    d.help = {
      text: `${title}. nginx-risk explains this rule in docs/rules/${id}.md, in its npm package and its VS Code extension.`,
      markdown: withoutRelativeLinks(page),
    };
  return d;
}

export function toSarif(result: CheckResult, options: { cwd: string; version: string }): SarifLog {
  const ids = [...new Set(result.findings.map((f) => f.ruleId))].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const results = result.findings.map((f): SarifResult => {
    const r: SarifResult = {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId)!,
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [{ physicalLocation: physicalLocation(f.path, f.range, options.cwd) }],
      properties: { ...f.data, code: f.code },
    };
    if (f.related && f.related.length > 0) {
      r.relatedLocations = f.related.map((rel, i) => ({
        id: i,
        physicalLocation: physicalLocation(rel.path, rel.range, options.cwd),
        message: { text: rel.message },
      }));
    }
    return r;
  });
  const log: SarifLog = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "nginx-risk",
            version: options.version,
            rules: ids.map((id) => descriptor(id)),
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: directoryUri(options.cwd) } },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
  // A folder scan that stopped at --max-files: the results may lack whole configurations. check exits 2
  // then, so the invocation did not succeed; the notification says why and how to raise the limit.
  const incomplete = result.incomplete ?? [];
  if (incomplete.length > 0) {
    log.runs[0].invocations = [
      {
        executionSuccessful: false,
        exitCode: 2,
        toolExecutionNotifications: incomplete.map((s) => ({
          level: "error",
          message: { text: `incomplete: ${incompleteMessage(s, options.cwd)}` },
        })),
      },
    ];
  }
  return log;
}
