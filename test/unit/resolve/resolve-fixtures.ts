/**
 * Small builders for resolver tables: `pkg('vim 9.1.0', { deps: ['zoi:ncurses@^6'] })` and
 * `held('foo 1.0', { pinned: '1.0' })`, plus `run()` which resolves source strings and returns
 * the plan as text, or the problems prefixed with `error: `.
 */
import {
  createMemoryCatalog,
  describePlan,
  explainProblems,
  parseInstallArgument,
  resolvePlan,
  type CatalogPackage,
  type InstalledPackage,
  type PlanRequestItem,
  type ResolveOptions,
} from '../../../src/resolve/index.ts'

export interface PackageExtras {
  deps?: string[]
  handle?: string
  repo?: string
  revision?: string
  channels?: Record<string, string>
  provides?: string[]
  conflicts?: string[]
  replaces?: string[]
  subs?: string[]
  mainSubs?: string[]
  platforms?: string[]
}

/** `pkg('name version', extras)`; handle `main` and repo `core` unless given. */
export function pkg(nameAndVersion: string, extras: PackageExtras = {}): CatalogPackage {
  const [name = '', version = ''] = nameAndVersion.split(' ')
  return {
    handle: extras.handle ?? 'main',
    repo: extras.repo ?? 'core',
    name,
    version,
    revision: extras.revision ?? '1',
    channels: extras.channels ?? {},
    dependencies: extras.deps ?? [],
    provides: extras.provides ?? [],
    conflicts: extras.conflicts ?? [],
    replaces: extras.replaces ?? [],
    subPackages: extras.subs ?? [],
    mainSubs: extras.mainSubs ?? [],
    platforms: extras.platforms ?? [],
  }
}

export interface HeldExtras {
  deps?: string[]
  handle?: string
  repo?: string
  pinned?: string
  subs?: string[]
  reason?: 'direct' | 'dependency'
  conflicts?: string[]
  provides?: string[]
}

/** An installed package: `held('name version', extras)`. */
export function held(nameAndVersion: string, extras: HeldExtras = {}): InstalledPackage {
  const [name = '', version = ''] = nameAndVersion.split(' ')
  return {
    handle: extras.handle ?? 'main',
    repo: extras.repo ?? 'core',
    name,
    version,
    revision: '1',
    ...(extras.subs ? { subPackages: extras.subs } : {}),
    ...(extras.pinned ? { pinned: extras.pinned } : {}),
    reason: extras.reason ?? 'direct',
    dependencies: extras.deps ?? [],
    provides: extras.provides ?? [],
    conflicts: extras.conflicts ?? [],
  }
}

export interface ResolverCase {
  name: string
  catalog: CatalogPackage[]
  installed?: InstalledPackage[]
  request: string[]
  options?: ResolveOptions
  expect: string[]
}

/** Resolves the request strings: plan lines on success, `error: …` lines on failure. */
export function run(c: Omit<ResolverCase, 'name' | 'expect'>): string[] {
  const request = c.request.map((text) => parseInstallArgument(text) as PlanRequestItem)
  const result = resolvePlan(request, createMemoryCatalog(c.catalog), c.installed ?? [], c.options)
  return result.ok ? describePlan(result.plan) : explainProblems(result.problems).map((line) => `error: ${line}`)
}

/** mulberry32: a tiny seeded generator, so "random" catalogs are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
