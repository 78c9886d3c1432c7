// A generated 1,000-package closure: a 500-long chain plus a seeded random DAG of 500 packages
// with mixed constraints (unconstrained, ^, ~, ranges) and a 2.0.0 that most constraints
// exclude, so the search must revise choices. The plan must be complete, ordered
// dependencies-first, satisfy every constraint, and pick the newest allowed versions. Its cost is
// checked by counting catalog lookups (a bound per package), never by the clock: speed lives in
// bench/.
import { describe, expect, test } from 'bun:test'
import {
  createMemoryCatalog,
  parseConstraint,
  parseDependency,
  parseSource,
  resolvePlan,
  satisfies,
  type Catalog,
  type CatalogPackage,
  type NameSource,
} from '../../../src/resolve/index.ts'
import { pkg, seeded } from './resolve-fixtures.ts'


const CHAIN = 500
const DAG = 500
const DAG_VERSIONS = ['1.0.0', '1.1.0', '1.2.3', '2.0.0']
const RANGES = ['', '', '^1', '>=1.1', '~1.2', '>=1.0,<2', '^1.1']

/**
 * The search may revisit a package when it revises a choice, but a resolver that went
 * exponential (or re-scanned the catalog per edge) would blow far past this.
 */
const LOOKUPS_PER_PACKAGE = 4

/** Wraps a catalog to count how often the resolver asks it anything. */
function countingCatalog(inner: Catalog): { catalog: Catalog; lookups: () => number } {
  let n = 0
  return {
    catalog: {
      candidates: (name, scope) => (n++, inner.candidates(name, scope)),
      providers: (name) => (n++, inner.providers(name)),
    },
    lookups: () => n,
  }
}

function generate(seed: number): { packages: CatalogPackage[]; edges: Map<string, string[]> } {
  const random = seeded(seed)
  const packages: CatalogPackage[] = []
  const edges = new Map<string, string[]>()
  for (let i = 0; i < CHAIN; i++) {
    const deps = i + 1 < CHAIN ? [`zoi:c${i + 1}@^1`] : []
    for (const version of ['1.0.0', '1.1.0']) packages.push(pkg(`c${i} ${version}`, { deps }))
  }
  for (let i = 0; i < DAG; i++) {
    const deps = new Set<string>()
    const count = Math.floor(random() * 5)
    for (let k = 0; k < count && i + 1 < DAG; k++) {
      const target = i + 1 + Math.floor(random() * (DAG - i - 1))
      const range = RANGES[Math.floor(random() * RANGES.length)] ?? ''
      deps.add(range === '' ? `zoi:d${target}` : `zoi:d${target}@${range}`)
    }
    if (random() < 0.2) deps.add(`zoi:c${Math.floor(random() * CHAIN)}`)
    edges.set(`d${i}`, [...deps])
    for (const version of DAG_VERSIONS) packages.push(pkg(`d${i} ${version}`, { deps: [...deps] }))
  }
  const roots = [`zoi:c0`, ...Array.from({ length: DAG }, (_, i) => `zoi:d${i}`)]
  packages.push(pkg('world 1.0', { deps: roots }))
  // Catalog order must not matter: shuffle it with the same generator.
  for (let i = packages.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[packages[i], packages[j]] = [packages[j] as CatalogPackage, packages[i] as CatalogPackage]
  }
  return { packages, edges }
}

describe('a 1,000-package closure', () => {
  test.each([1, 42, 2024])('seed %p resolves completely, in order, newest allowed, in a bounded number of lookups', (seed) => {
    const { packages, edges } = generate(seed)
    const { catalog, lookups } = countingCatalog(createMemoryCatalog(packages))
    const result = resolvePlan([parseSource('world') as NameSource], catalog, [])
    if (!result.ok) throw new Error(JSON.stringify(result.problems))

    const steps = result.plan.steps
    expect(steps.length).toBe(CHAIN + DAG + 1)
    const position = new Map(steps.map((s, i) => [s.pkg.name, i]))
    const version = new Map(steps.map((s) => [s.pkg.name, s.pkg.version]))
    for (const [i, step] of steps.entries()) {
      for (const text of step.pkg.dependencies) {
        const dep = parseDependency(text)
        expect(position.get(dep.name)).toBeLessThan(i)
        expect(satisfies(version.get(dep.name) ?? '', dep.constraint)).toBe(true)
      }
    }
    // Independently: the newest version of each DAG package allowed by every constraint on it.
    const ranges = new Map<string, string[]>()
    for (const deps of edges.values()) {
      for (const text of deps) {
        const dep = parseDependency(text)
        ranges.set(dep.name, [...(ranges.get(dep.name) ?? []), dep.constraint.raw])
      }
    }
    for (let i = 0; i < DAG; i++) {
      const wanted = (ranges.get(`d${i}`) ?? []).map(parseConstraint)
      const newest = [...DAG_VERSIONS].reverse().find((v) => wanted.every((c) => satisfies(v, c)))
      expect(version.get(`d${i}`)).toBe(newest as string)
    }
    for (let i = 0; i < CHAIN; i++) expect(version.get(`c${i}`)).toBe('1.1.0')
    expect(lookups()).toBeLessThanOrEqual(LOOKUPS_PER_PACKAGE * steps.length)

    // The same catalog in another order gives the same plan.
    const again = resolvePlan([parseSource('world') as NameSource], createMemoryCatalog([...packages].reverse()), [])
    expect(again.ok && again.plan.steps.map((s) => `${s.pkg.name} ${s.pkg.version}`)).toEqual(steps.map((s) => `${s.pkg.name} ${s.pkg.version}`))
  })
})
