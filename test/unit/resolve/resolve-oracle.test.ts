// The solver against brute force: on hundreds of small seeded random catalogs (acyclic
// dependencies with constraints, conflicts), resolvePlan must find a plan exactly when one
// exists, and every plan it returns must be valid.
import { describe, expect, test } from 'bun:test'
import {
  createMemoryCatalog,
  parseDependency,
  parseSource,
  resolvePlan,
  satisfies,
  type CatalogPackage,
  type NameSource,
} from '../../../src/resolve/index.ts'
import { pkg, seeded } from './resolve-fixtures.ts'


const NAMES = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5']
const VERSIONS = ['1.0', '2.0', '3.0']
const RANGES = ['', '^1', '^2', '>=2', '<3', '3.0', '~1.0']

function generate(seed: number): CatalogPackage[] {
  const random = seeded(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
  const packages: CatalogPackage[] = []
  for (const [i, name] of NAMES.entries()) {
    for (const version of VERSIONS) {
      if (random() < 0.25) continue
      const deps = new Set<string>()
      for (let k = 0; k < 2; k++) {
        if (i + 1 >= NAMES.length || random() < 0.4) continue
        const target = NAMES[i + 1 + Math.floor(random() * (NAMES.length - i - 1))] as string
        const range = pick(RANGES)
        deps.add(range === '' ? `zoi:${target}` : `zoi:${target}@${range}`)
      }
      const conflicts = random() < 0.15 ? [pick(NAMES.filter((n) => n !== name))] : []
      packages.push(pkg(`${name} ${version}`, { deps: [...deps], conflicts }))
    }
  }
  return packages
}

type Choice = Map<string, CatalogPackage>

function valid(choice: Choice): boolean {
  for (const p of choice.values()) {
    for (const text of p.dependencies) {
      const dep = parseDependency(text)
      const target = choice.get(dep.name)
      if (target === undefined || !satisfies(target.version, dep.constraint)) return false
    }
    for (const other of p.conflicts) if (choice.has(other)) return false
  }
  return true
}

/** Does any assignment (each name: absent or one version) satisfy the request and all rules? */
function solvable(packages: CatalogPackage[], request: string): boolean {
  const byName = NAMES.map((n) => [undefined, ...packages.filter((p) => p.name === n)])
  const choice: Choice = new Map()
  const search = (i: number): boolean => {
    if (i === NAMES.length) return choice.has(request) && valid(choice)
    for (const option of byName[i] ?? []) {
      if (option === undefined) choice.delete(NAMES[i] as string)
      else choice.set(option.name, option)
      if (search(i + 1)) return true
    }
    choice.delete(NAMES[i] as string)
    return false
  }
  return search(0)
}

describe('resolvePlan against brute force', () => {
  const seeds = Array.from({ length: 300 }, (_, i) => i + 1)
  test('300 random catalogs', () => {
    let solved = 0
    for (const seed of seeds) {
      const packages = generate(seed)
      if (!packages.some((p) => p.name === 'n0')) continue
      const result = resolvePlan([parseSource('n0') as NameSource], createMemoryCatalog(packages), [])
      const expected = solvable(packages, 'n0')
      expect({ seed, ok: result.ok }).toEqual({ seed, ok: expected })
      if (!result.ok) continue
      solved++
      const choice: Choice = new Map(result.plan.steps.map((s) => [s.pkg.name, s.pkg]))
      expect({ seed, valid: valid(choice) }).toEqual({ seed, valid: true })
    }
    expect(solved).toBeGreaterThan(50)
  })
})
