/**
 * The public API: for semantics modules (`--semantics ./my-proposal.ts`) the interface, the
 * built-in semantics to start from and the model's decision helpers, named as in the kernel; for
 * properties of your own (`--property ./mine.ts`, or a vitest file with @fast-check/vitest) the
 * property interface, the scenario arbitraries and the evaluator.
 */
export * from './model/semantics/types.js';
export {
  abi6,
  abi7,
  abi8,
  abi9,
  abi10,
  abi11,
  pathnameScopePatch,
  BUILTIN_SEMANTICS,
  KERNEL_RELEASES,
  withErrata,
  builtinSemantics,
  namedSemantics,
  releaseSemantics,
  upgradeSemantics,
} from './model/semantics/index.js';
export { kernelSemantics, type KernelOptions } from './model/semantics/kernel.js';
export { commonPrefix, domainIsScoped, youngestLayerWith, isSameOrNested, describeDomain, domainLabel, numLayers, sameDomain, type Domain, type Layer, type MaybeDomain, type HierarchyNode, type PathRule } from './model/domain.js';
export { applicableLayer } from './model/cred.js';
export {
  hookTaskKill,
  hookUnixMaySend,
  hookUnixStreamConnect,
  hookFileSetFowner,
  hookFileSendSigiotask,
  hookPtraceAccessCheck,
  hookPtraceTraceme,
} from './model/task.js';
export { hookUnixFind, ruleGrants, resolveUnixDeniedLayer } from './model/fs.js';
export * as limits from './model/limits.js';
export { evaluate, results, step } from './ops/engine.js';
export { newWorld, type StepOutcome, type Reach, type World, type Delivery } from './model/state.js';
// Properties of your own (`check --property ./mine.ts`): the same interface as the built-ins.
export { PROPERTIES, propertyByName, expectedVerdict, type PropertyDef, type CheckInput, type Violation } from './properties/invariants.js';
export { toPropertyDef, type UserProperty } from './properties/user.js';
// Scenarios for fast-check (also with @fast-check/vitest's test.prop): valid by construction.
export { buildScenario, genInputArb, profilesOf, scenarioArbitrary, type GenInput, type GenProfiles } from './properties/arbitrary.js';
export { parseScenario, type Scenario, type Step } from './format/scenario.js';
