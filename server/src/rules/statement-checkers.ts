// The statement checks of the rules (statement-checks.ts), in the order their findings are made. The walk
// of rule `directive` runs them and keeps their answers per unchanged block.
import { clientMaxBodySizeNotSetCheck } from "./client-max-body-size-not-set";
import { aliasTraversalCheck } from "./alias-traversal";
import { autoindexEnabledCheck } from "./autoindex-enabled";
import { addHeaderMultilineCheck } from "./add-header-multiline";
import { duplicateCheck } from "./duplicate";
import { errorLogOffCheck } from "./error-log-off";
import { fileCheck } from "./file";
import { gzipNotEnabledCheck } from "./gzip-not-enabled";
import { filesystemRootExposureCheck } from "./filesystem-root-exposure";
import { ifIsEvilCheck } from "./if-is-evil";
import { hashWithoutDefaultCheck } from "./hash-without-default";
import { invalidRegexCheck } from "./invalid-regex";
import { mapUnnamedCaptureCheck } from "./map-unnamed-capture";
import { mixedCaseVariableCheck } from "./mixed-case-variable";
import { overlappingCapturesCheck } from "./overlapping-captures";
import { hostSpoofingCheck } from "./host-spoofing";
import { locationCheck } from "./location";
import { nginxRiftCheck } from "./nginx-rift";
import { regexCheck } from "./regex";
import { rootInLocationCheck } from "./root-in-location";
import { sideEffectsCheck } from "./side-effects";
import type { StatementCheck } from "./statement-checks";
import { unreachableLocationCheck } from "./unreachable-location";
import { unanchoredRegexCheck } from "./unanchored-regex";
import { unnamedGroupsCheck } from "./unnamed-groups";
import { valueCheck } from "./value";
import { variableCheck } from "./variable";
import { versionDisclosureCheck } from "./version-disclosure";

export const STATEMENT_CHECKS: readonly StatementCheck[] = [
  valueCheck,
  regexCheck,
  duplicateCheck,
  locationCheck,
  variableCheck,
  sideEffectsCheck,
  fileCheck,
  nginxRiftCheck,
  errorLogOffCheck,
  versionDisclosureCheck,
  clientMaxBodySizeNotSetCheck,
  gzipNotEnabledCheck,
  // Issue 15's access-control and location rules.
  aliasTraversalCheck,
  filesystemRootExposureCheck,
  autoindexEnabledCheck,
  rootInLocationCheck,
  ifIsEvilCheck,
  unreachableLocationCheck,
  unanchoredRegexCheck,
  invalidRegexCheck,
  hashWithoutDefaultCheck,
  overlappingCapturesCheck,
  unnamedGroupsCheck,
  mapUnnamedCaptureCheck,
  mixedCaseVariableCheck,
  addHeaderMultilineCheck,
  hostSpoofingCheck,
];
