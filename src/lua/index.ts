/**
 * Package definitions (.pkg.lua): evaluating their metadata in a Lua sandbox. Other modules
 * import only from here.
 */
export { createEvaluator, evaluateDefinition, prepareEvaluator } from './evaluator.ts'
export { runJob, type DefinitionJob, type JobOutcome } from './definition-job.ts'
export { evaluateJobs, startEvaluation, workersFor } from './evaluate-jobs.ts'
export type { EvaluationPool } from './evaluation-pool.ts'
export type { EvaluateInput, Evaluator, EvaluatorOptions, TargetPlatform } from './evaluator.ts'
export type { PackageSpec, Person } from './package-spec.ts'
export type { DependencyGroup, DependencyOption, RawDependencies } from './dependencies.ts'
export { emptyDependencyGroup } from './dependencies.ts'
export { resolveIncludePath } from './include-path.ts'
export { luaWasmPath } from './lua-module.ts'
export { startBuild } from './build-evaluator.ts'
export type { BuildEvaluateInput, BuildEvaluatorOptions, BuildSession, HostHandler, HostRequest, LifecyclePhase, PhaseResult } from './build-evaluator.ts'
export type { BuildGlobals } from './lua-build-sandbox.ts'
export type { HostValue } from './lua-literal.ts'
