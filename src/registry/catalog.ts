/**
 * The synced registries, opened for reading: every configured registry whose index exists in
 * the db folder (or, under --root, in the host's as a fallback). Implements the resolver's
 * Catalog over the SQLite indexes and answers search/show/list queries. Never uses the network.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { RegistryRef } from '../config/index.ts'
import type { Catalog, CatalogPackage } from '../resolve/catalog.ts'
import { repoWithin, type PackageScope } from '../resolve/package-ref.ts'
import { defaultVersion } from '../resolve/preference.ts'
import { compareVersions } from '../resolve/version.ts'
import { IndexDb, type PackageRow } from './index-db.ts'

export { defaultVersionOf } from './index-db.ts'

export interface OpenRegistry {
  handle: string
  url: string
  isDefault: boolean
  /** The folder holding `<handle>/` and `<handle>.db`. */
  dbDir: string
  index: IndexDb
}

export interface RegistrySet extends Catalog {
  readonly registries: readonly OpenRegistry[]
  /** Configured registries that have never been synced (no handle or no index). */
  readonly missing: readonly RegistryRef[]
  find(handle: string): OpenRegistry | undefined
  /** Packages by name in every registry (default registry first). */
  packages(name: string, scope?: PackageScope): { registry: OpenRegistry; pkg: PackageRow }[]
  close(): void
}

export interface OpenOptions {
  defaultRegistry: RegistryRef
  added: readonly RegistryRef[]
  dbDirs: readonly string[]
}

export function openRegistries(opts: OpenOptions): RegistrySet {
  const registries: OpenRegistry[] = []
  const missing: RegistryRef[] = []
  for (const [i, ref] of [opts.defaultRegistry, ...opts.added].entries()) {
    const dbDir = ref.handle ? opts.dbDirs.find((d) => existsSync(join(d, `${ref.handle}.db`))) : undefined
    if (!dbDir || registries.some((r) => r.handle === ref.handle)) {
      if (!dbDir) missing.push(ref)
      continue
    }
    // Only the first folder is this run's own; the others (the host's, under --root) are read, never written.
    const foreign = dbDir !== opts.dbDirs[0]
    registries.push({ handle: ref.handle, url: ref.url, isDefault: i === 0, dbDir, index: IndexDb.open(join(dbDir, `${ref.handle}.db`), { readonly: true, foreign }) })
  }

  const inScope = (r: OpenRegistry, scope?: PackageScope) => !scope?.handle || scope.handle === r.handle

  const packages = (name: string, scope?: PackageScope) =>
    registries.filter((r) => inScope(r, scope)).flatMap((registry) => {
      const repos = repoWithin(registry.handle, scope)
      const rows = repos.length ? repos.flatMap((repo) => registry.index.packagesByName(name, repo)) : registry.index.packagesByName(name)
      return rows.map((pkg) => ({ registry, pkg }))
    })

  return {
    registries,
    missing,
    find: (handle) => registries.find((r) => r.handle === handle),
    packages,
    candidates: (name, scope) => packages(name, scope).flatMap(({ registry, pkg }) => toCandidates(registry.handle, pkg)),
    providers: (virtualName) => registries.flatMap((r) => r.index.providersOf(virtualName).flatMap((pkg) => toCandidates(r.handle, pkg))),
    close: () => registries.forEach((r) => r.index.close()),
  }
}

/** The version `install <name>` picks among entries: stable channel, else first channel, else newest release. */
export function chooseDefaultVersion(candidates: readonly CatalogPackage[]): string | undefined {
  return defaultVersion([...candidates].sort((a, b) => compareVersions(b.version, a.version)))
}

/** One catalog entry per version the definition names: `version` and each channel's version. */
export function toCandidates(handle: string, pkg: PackageRow): CatalogPackage[] {
  const versions = new Set<string>([...(pkg.version ? [pkg.version] : []), ...Object.values(pkg.channels)])
  const runtime = pkg.dependencies.filter((d) => d.kind === 'runtime' && d.group === 'required').map((d) => d.raw)
  return [...versions].map((version) => ({
    handle,
    repo: pkg.repo,
    name: pkg.name,
    version,
    revision: pkg.revision,
    channels: pkg.channels,
    dependencies: runtime,
    provides: pkg.provides,
    conflicts: pkg.conflicts,
    replaces: pkg.replaces,
    subPackages: pkg.subPackages,
    mainSubs: pkg.mainSubs,
    platforms: pkg.platforms,
  }))
}
