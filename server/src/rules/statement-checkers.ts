// The statement checks of the rules (statement-checks.ts), in the order their findings are made. The walk
// of rule `directive` runs them and keeps their answers per unchanged block.
import { aliasTraversalCheck } from "./alias-traversal";
import { autoindexEnabledCheck } from "./autoindex-enabled";
import { duplicateCheck } from "./duplicate";
import { fileCheck } from "./file";
import { filesystemRootExposureCheck } from "./filesystem-root-exposure";
import { ifIsEvilCheck } from "./if-is-evil";
import { locationCheck } from "./location";
import { regexCheck } from "./regex";
import { rootInLocationCheck } from "./root-in-location";
import { sideEffectsCheck } from "./side-effects";
import type { StatementCheck } from "./statement-checks";
import { unreachableLocationCheck } from "./unreachable-location";
import { valueCheck } from "./value";
import { variableCheck } from "./variable";

export const STATEMENT_CHECKS: readonly StatementCheck[] = [
  valueCheck,
  regexCheck,
  duplicateCheck,
  locationCheck,
  variableCheck,
  sideEffectsCheck,
  fileCheck,
  // Issue 15's access-control and location rules.
  aliasTraversalCheck,
  filesystemRootExposureCheck,
  autoindexEnabledCheck,
  rootInLocationCheck,
  ifIsEvilCheck,
  unreachableLocationCheck,
];
