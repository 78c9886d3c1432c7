/**
 * What packages demand of each other beyond dependencies:
 * - `conflicts`: a package may not be installed next to a package of that name (or one that
 *   provides it); an entry may carry a constraint (`foo<2`). Checked both ways, against the
 *   chosen packages and the installed ones. `replaces` lifts a conflict with an installed
 *   package, which the plan then lists as replaced.
 * - installed dependents: a package that stays installed keeps its dependency constraints, so
 *   upgrading `lib` to 2.0 under an installed `app` that needs `lib@^1` is refused.
 */
import { ANY_CONSTRAINT, isAnyConstraint, satisfies, type Constraint } from './constraint.ts'
import { installedAsCatalogPackage, providedName, type CatalogPackage } from './catalog.ts'
import { parseDependency, type DependencySpec } from './dependency.ts'
import type { LookupContext } from './lookup.ts'
import { formatPackageKey, matchesScope } from './package-ref.ts'
import { labelOf, type Problem } from './problem.ts'
import { requirementFromDependency, type Bound } from './requirement.ts'

interface Party {
  readonly name: string
  readonly version: string
  readonly provides: readonly string[]
  readonly conflicts: readonly string[]
}

/**
 * The first conflict between a candidate and the chosen or installed packages, if any; `with`
 * is the key of the chosen package it clashes with (absent for an installed one).
 * `declaring` is the subset of `chosen` with a non-empty `conflicts` list: most packages have
 * none, so checking the other direction against it keeps a large closure linear.
 */
export function conflictBetween(
  candidate: CatalogPackage,
  key: string,
  chosen: ReadonlyMap<string, CatalogPackage>,
  declaring: ReadonlyMap<string, CatalogPackage>,
  ctx: LookupContext,
): { problem: Problem; with?: string } | undefined {
  const suspects = candidate.conflicts.length > 0 ? chosen : declaring
  for (const [otherKey, other] of suspects) {
    if (otherKey !== key && clashes(candidate, other)) {
      return { problem: { kind: 'conflict', pkg: labelOf(candidate), other: labelOf(other), installed: false }, with: otherKey }
    }
  }
  for (const held of ctx.installed) {
    const heldKey = formatPackageKey(held)
    if (heldKey === key || chosen.has(heldKey) || candidate.replaces.includes(held.name)) continue
    if (clashes(candidate, held)) {
      return { problem: { kind: 'conflict', pkg: labelOf(candidate), other: labelOf(held), installed: true } }
    }
  }
  return undefined
}

export function clashes(a: Party, b: Party): boolean {
  return declares(a, b) || declares(b, a)
}

function declares(a: Party, b: Party): boolean {
  return a.conflicts.some((entry) => {
    const { name, constraint } = readConflict(entry)
    if (name === b.name) return satisfies(b.version, constraint)
    return b.provides.some((p) => providedName(p) === name)
  })
}

function readConflict(entry: string): { name: string; constraint: Constraint } {
  try {
    const dep = parseDependency(entry)
    return { name: dep.name, constraint: dep.constraint }
  } catch {
    return { name: entry.trim(), constraint: ANY_CONSTRAINT }
  }
}

interface InstalledNeed {
  readonly heldKey: string
  readonly dep: DependencySpec
  readonly bound: Omit<Bound, 'key'>
}

/**
 * Indexes the versioned zoi dependencies of installed packages by name, and returns the tests
 * they put on an identity: only those of dependents that stay as they are (not chosen anew).
 */
export function installedNeedsOf(
  ctx: LookupContext,
): (key: string, rows: readonly CatalogPackage[], chosen: ReadonlyMap<string, unknown>) => Bound[] {
  const byName = new Map<string, InstalledNeed[]>()
  for (const held of ctx.installed) {
    const asPackage = installedAsCatalogPackage(held)
    for (const [index, text] of held.dependencies.entries()) {
      const dep = tryParse(text)
      if (dep === undefined || dep.manager !== 'zoi' || isAnyConstraint(dep.constraint)) continue
      const req = requirementFromDependency(dep, asPackage, index)
      const constraint = dep.constraint
      const bound = {
        req: { ...req, note: { ...req.note, installed: true } },
        explicit: true,
        accepts: (pkg: CatalogPackage) => satisfies(pkg.version, constraint),
      }
      const list = byName.get(dep.name) ?? []
      byName.set(dep.name, list)
      list.push({ heldKey: formatPackageKey(held), dep, bound })
    }
  }
  return (key, rows, chosen) => {
    const target = rows[0]
    if (target === undefined) return []
    return (byName.get(target.name) ?? [])
      .filter((need) => need.heldKey !== key && !chosen.has(need.heldKey))
      .filter((need) => matchesScope(target, { ...(need.dep.handle ? { handle: need.dep.handle } : {}), ...(need.dep.repo ? { repo: need.dep.repo } : {}) }))
      .map((need) => ({ ...need.bound, key }))
  }
}

function tryParse(text: string): DependencySpec | undefined {
  try {
    return parseDependency(text)
  } catch {
    return undefined
  }
}
