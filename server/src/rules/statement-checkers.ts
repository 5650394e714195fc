// The statement checks of the rules (statement-checks.ts), in the order their findings are made. The walk
// of rule `directive` runs them and keeps their answers per unchanged block.
import { duplicateCheck } from "./duplicate";
import { fileCheck } from "./file";
import { locationCheck } from "./location";
import { regexCheck } from "./regex";
import { sideEffectsCheck } from "./side-effects";
import type { StatementCheck } from "./statement-checks";
import { originsCheck } from "./origins";
import { validReferersCheck } from "./valid-referers";
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
  validReferersCheck,
  originsCheck,
];
