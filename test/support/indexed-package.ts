/** An evaluated definition as the indexer stores it (registry/index-db.ts), with defaults a test overrides. */
import type { IndexedPackage } from '../../src/registry/index-db.ts'

export function indexedPackage(name: string, over: Partial<IndexedPackage> = {}): IndexedPackage {
  return {
    name, repo: 'core', version: '1.0.0', revision: '1', description: `the ${name} package`,
    bins: [], tags: [], types: ['pre-compiled'], platforms: ['all'], subPackages: [], mainSubs: [],
    provides: [], conflicts: [], replaces: [], backup: [], channels: {}, dependencies: [], spec: { name },
    ...over,
  }
}
