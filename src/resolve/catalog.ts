/**
 * What the resolver knows about the world: the Catalog (every version of every package in the
 * synced registries; implemented over SQLite by registry/) and the installed packages.
 * Also an in-memory Catalog, for tests and for overlaying local `.pkg.lua` files.
 */
import { matchesScope, type PackageScope } from './package-ref.ts'
import { compareVersionsStrictly } from './version.ts'

export interface CatalogPackage {
  /** Registry handle (lower case). */
  handle: string
  /** Repo path inside the registry (`core`, `core/editors`). */
  repo: string
  name: string
  version: string
  revision: string
  /** The `versions` map of the definition: channel → version. */
  channels: Record<string, string>
  /** Raw runtime dependency strings, zoi and external (`zoi:openssl@^3`, `native:zlib`). */
  dependencies: string[]
  /** Virtual names, optionally versioned (`sh`, `libfoo=1.2`). */
  provides: string[]
  /** Names (optionally with a constraint, `foo<2`) this package cannot be installed with. */
  conflicts: string[]
  /** Installed packages this one takes the place of. */
  replaces: string[]
  subPackages: string[]
  mainSubs: string[]
  /** `all`, `linux`, `linux-amd64`, …; empty = every platform. */
  platforms: string[]
}

export interface Catalog {
  /** Every version known for that name, optionally limited to a registry and/or repo. */
  candidates(name: string, scope?: PackageScope): CatalogPackage[]
  /** Every package version whose `provides` names that virtual package. */
  providers(virtualName: string): CatalogPackage[]
}

export interface InstalledPackage {
  handle: string
  repo: string
  name: string
  version: string
  revision: string
  subPackages?: string[]
  /** Set by `pin`: the package is held at this version. */
  pinned?: string
  reason: 'direct' | 'dependency'
  dependencies: string[]
  provides: string[]
  conflicts: string[]
}

export function createMemoryCatalog(packages: readonly CatalogPackage[]): Catalog {
  const byName = new Map<string, CatalogPackage[]>()
  const byVirtual = new Map<string, CatalogPackage[]>()
  for (const pkg of packages) {
    push(byName, pkg.name, pkg)
    for (const provided of new Set(pkg.provides.map(providedName))) push(byVirtual, provided, pkg)
  }
  return {
    candidates: (name, scope) => (byName.get(name) ?? []).filter((pkg) => matchesScope(pkg, scope)),
    providers: (virtualName) => byVirtual.get(virtualName) ?? [],
  }
}

/** A catalog entry made from an installed record, for versions the index no longer has. */
export function installedAsCatalogPackage(installed: InstalledPackage): CatalogPackage {
  return {
    handle: installed.handle,
    repo: installed.repo,
    name: installed.name,
    version: installed.version,
    revision: installed.revision,
    channels: {},
    dependencies: installed.dependencies,
    provides: installed.provides,
    conflicts: installed.conflicts,
    replaces: [],
    subPackages: installed.subPackages ?? [],
    mainSubs: [],
    platforms: [],
  }
}

/** `libfoo=1.2` → `libfoo`. */
export function providedName(entry: string): string {
  return entry.split('=', 1)[0]?.trim() ?? entry
}

/** `libfoo=1.2` → `1.2`; undefined for an unversioned provide. */
export function providedVersion(entry: string): string | undefined {
  const at = entry.indexOf('=')
  return at < 0 ? undefined : entry.slice(at + 1).trim()
}

/** Newest first; equal versions by revision, then by place, so the order never depends on input order. */
export function compareCandidates(a: CatalogPackage, b: CatalogPackage): number {
  return (
    compareVersionsStrictly(b.version, a.version) ||
    compareVersionsStrictly(b.revision, a.revision) ||
    (a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : 0) ||
    (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : 0)
  )
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
