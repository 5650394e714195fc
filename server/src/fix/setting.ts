// "The deployed version already fixes it": an action that edits nothing and sets a version setting, for
// people who have upgraded. Not offered when the setting (or --flag) already names an affected version:
// then the person has said what is deployed.

import type { ResolvedVersion } from "../cost/versions";
import type { Finding } from "../rules/types";
import type { Fix, SettingChange } from "./types";

export function deployedVersionFix(
  finding: Finding,
  deployed: ResolvedVersion,
  affected: (version: string) => boolean,
  setting: SettingChange,
  title: string,
): Fix | null {
  // A setting, or an OpenResty setting implying this component ("OpenResty 1.21.4.3 (the … setting)").
  const stated = deployed.source.includes("setting");
  if (stated && deployed.version && affected(deployed.version)) return null;
  return { finding, title, isPreferred: false, edits: [], setting };
}
