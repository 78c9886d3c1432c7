/**
 * Public API of the pure resolver: version order, constraints, dependency and source strings,
 * resolvePlan and the words for its results. Nothing here touches the disk or the network.
 */
export { compareVersions, compareVersionsStrictly, isPrerelease, parseVersion, type Version } from './version.ts'
export {
  ANY_CONSTRAINT,
  isAnyConstraint,
  isExactConstraint,
  parseConstraint,
  satisfies,
  tryParseConstraint,
  type Comparator,
  type ComparatorOp,
  type Constraint,
} from './constraint.ts'
export { EXTERNAL_MANAGERS, isExternal, parseDependency, type DependencySpec } from './dependency.ts'
export {
  parseInstallArgument,
  parseSource,
  type ArchiveFileSource,
  type DefinitionFileSource,
  type NameSource,
  type SourceSpec,
} from './source.ts'
export { formatPackageKey, matchesPlatform, matchesScope, repoWithin, type PackageRef, type PackageScope } from './package-ref.ts'
export {
  createMemoryCatalog,
  installedAsCatalogPackage,
  type Catalog,
  type CatalogPackage,
  type InstalledPackage,
} from './catalog.ts'
export { defaultVersion } from './preference.ts'
export { resolvePlan, type PlanRequestItem, type Resolution, type ResolveOptions } from './resolve.ts'
export type { ExternalRequirement, Plan, PlanAction, PlanStep } from './plan.ts'
export type { PackageLabel, Problem, RequirementNote } from './problem.ts'
export { describePlan, describeRequirement, explainProblem, explainProblems } from './explain.ts'
export { closestNames, didYouMean, editDistance } from './similar-names.ts'
