/**
 * The public API for semantics modules (`--semantics ./my-proposal.ts`): the interface, the
 * built-in semantics to start from, and the model's decision helpers, named as in the kernel.
 */
export * from './model/semantics/types.js';
export { abi6, abi7, abi8, abi9, abi10, abi11, pathnameScopePatch, BUILTIN_SEMANTICS, withErrata, builtinSemantics } from './model/semantics/index.js';
export { kernelSemantics, type KernelOptions } from './model/semantics/kernel.js';
export { commonPrefix, domainIsScoped, isSameOrNested, describeDomain, domainLabel, type Domain, type Layer, type MaybeDomain, type HierarchyNode, type PathRule } from './model/domain.js';
export { applicableLayer } from './model/cred.js';
export { hookTaskKill, hookUnixMaySend, hookUnixStreamConnect } from './model/task.js';
export { hookUnixFind, ruleGrants, resolveUnixDeniedLayer } from './model/fs.js';
export * as limits from './model/limits.js';
export { evaluate, results } from './ops/engine.js';
export type { Scenario, Step } from './format/scenario.js';
