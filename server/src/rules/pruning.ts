// Whether the model rules that read only what may matter leave the rest out: the upstream group's quiet
// location configurations (upstream-common.ts, PassTree) and the statements variable-flow.ts's flow need not
// read (variable-sinks.ts). Switched off by test/rules/pruning.test.ts alone, which checks over the corpus and
// the cases around each condition that leaving them out changes no finding.
export const pruning = { upstream: true, variables: true };
