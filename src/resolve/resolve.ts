/**
 * resolvePlan: requests + catalog + installed packages → a plan ordered dependencies-first,
 * or the problems that prevent one. Pure: everything it knows arrives as arguments, the same
 * input always gives the same output, and failure is data (explain.ts words it).
 *
 * Steps: every request is looked up on its own first, so all unknown names, versions and
 * channels are reported together; then the search (solver.ts) picks versions; then plan.ts
 * decides each package's action and the order.
 */
import type { Catalog, InstalledPackage } from './catalog.ts'
import type { DependencySpec } from './dependency.ts'
import { createLookupContext } from './lookup.ts'
import { buildPlan, type PlanResult } from './plan.ts'
import { bindRequirement, requirementFromDependency, requirementFromSource, type Requirement } from './requirement.ts'
import { solve } from './solver.ts'
import type { NameSource } from './source.ts'

/** A source string naming a package, or a dependency string (external ones are only reported). */
export type PlanRequestItem = NameSource | DependencySpec

export interface ResolveOptions {
  /** Reinstall requested packages that are already installed at the chosen version. */
  force?: boolean
  /** `<os>-<arch>`: skip versions whose `platforms` exclude it. */
  platform?: string
  /** Registry preferred for names without `#handle` when several registries have them. */
  defaultHandle?: string
  /** Bound on the search (versions tried); default 100,000. */
  maxSteps?: number
}

export type Resolution = PlanResult

export function resolvePlan(
  request: readonly PlanRequestItem[],
  catalog: Catalog,
  installed: readonly InstalledPackage[],
  options: ResolveOptions = {},
): Resolution {
  const ctx = createLookupContext(catalog, installed, options)
  const externals: DependencySpec[] = []
  const requirements: Requirement[] = []
  for (const [index, item] of request.entries()) {
    if ('kind' in item) requirements.push(requirementFromSource(item, index))
    else if (item.manager === 'zoi') requirements.push(requirementFromDependency(item, null, index))
    else externals.push(item)
  }
  const none = new Map<string, never>()
  const problems = requirements.flatMap((req) => {
    const bound = bindRequirement(req, ctx, none)
    return bound.ok ? [] : [bound.problem]
  })
  if (problems.length > 0) return { ok: false, problems }
  const solved = solve(requirements, ctx, options.maxSteps ?? 100_000)
  if (!solved.ok) return { ok: false, problems: solved.problems }
  return buildPlan(solved.nodes, externals, ctx.installedByKey, options.force ?? false)
}
