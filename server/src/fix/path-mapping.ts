// "Make the assumed mapping explicit": an `inferred-mapping` hint (workspace/infer-mappings.ts) gets an
// action that writes the mapping into `nginxRisk.pathMappings` instead of editing the configuration. The
// analysis after it is the same, without the hint (the user's mapping replaces the inferred one).

import type { Finding } from "../rules/types";
import type { Fix } from "./types";

export function pathMappingFixes(finding: Finding): Fix[] {
  if (finding.code !== "inferred-mapping") return [];
  const from = finding.data?.from;
  const to = finding.data?.to;
  if (typeof from !== "string" || typeof to !== "string") return [];
  return [
    {
      finding,
      title: `Make the mapping explicit: nginxRisk.pathMappings "${from}" → ${to}`,
      isPreferred: false,
      edits: [],
      setting: { key: "pathMappings", entry: from, value: to, flag: `--map ${from}=${to}` },
    },
  ];
}
