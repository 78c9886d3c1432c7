/** Read-only package queries over the synced indexes: search, show, list --all. */
import type { Context } from '../context.ts'
import { ZoiError } from '../errors.ts'
import { defaultVersionOf, toCandidates } from '../registry/catalog.ts'
import type { PackageRow } from '../registry/index-db.ts'
import { pageText, type FileText } from '../registry/summary-pages.ts'
import { summaryOf, type PackageSummary } from '../registry/summary-line.ts'
import { normalJit } from '../platform/jit.ts'
import { parseSource } from '../resolve/source.ts'
import { compareVersions } from '../resolve/version.ts'
import { installedRows, installedScopes } from './installed.ts'
import { openCatalog, requireCatalog, withCatalog } from './registries.ts'
import { indexNames, unknownPackage } from './suggest.ts'

export type { PackageSummary } from '../registry/summary-line.ts'

export async function searchPackages(ctx: Context, term: string): Promise<PackageSummary[]> {
  if (!term.trim()) throw new ZoiError('USAGE', 'search needs a term')
  return withCatalog(ctx, (set) => set.registries.flatMap((r) => r.index.search(term).map((p) => summaryOf(r.handle, p))))
}

export interface FileHit {
  name: string
  registry: string
  version: string
  platform: string
  path: string
}

export async function searchFiles(ctx: Context, term: string): Promise<FileHit[]> {
  if (!term.trim()) throw new ZoiError('USAGE', 'search --files needs a term')
  return withCatalog(ctx, (set) =>
    set.registries.flatMap((r) => r.index.searchFiles(term).map((h) => ({ name: h.name, registry: r.handle, version: h.version, platform: h.platform, path: h.path }))),
  )
}

/**
 * Every package of every synced registry, handed out a page at a time as the caller iterates
 * (list --all prints each page as it comes, so memory does not grow with the index): as rows
 * (for --json), or as the printed text, which a synced index keeps ready in pages
 * (registry/summary-pages.ts; an index without them for its handle is formatted row by row).
 * The caller iterates one of the two. A missing registry is an error now, before any row; the
 * catalog closes when that iteration ends or is abandoned.
 */
export function listAvailable(ctx: Context): { rows: Iterable<PackageSummary[]>; text: Iterable<string | Uint8Array | FileText> } {
  const set = requireCatalog(ctx)
  let closed = false
  const close = () => {
    if (!closed) set.close()
    closed = true
  }
  function* rows(): Generator<PackageSummary[]> {
    normalJit() // every row is formatted here
    try {
      for (const r of set.registries) {
        for (const page of r.index.summaryPages()) yield page.map((p) => summaryOf(r.handle, p))
      }
    } finally {
      close()
    }
  }
  function* text(): Generator<string | Uint8Array | FileText> {
    try {
      for (const r of set.registries) {
        const pages = r.index.summaryText(r.handle)
        if (pages) yield* pages
        else {
          normalJit() // every row is formatted here
          for (const page of r.index.summaryPages()) yield pageText(r.handle, page)
        }
      }
    } finally {
      close()
    }
  }
  return { rows: rows(), text: text() }
}

export interface PackageDetails extends PackageSummary {
  path: string
  license?: string
  website?: string
  bins: string[]
  tags: string[]
  types: string[]
  platforms: string[]
  subPackages: string[]
  channels: Record<string, string>
  dependencies: { kind: string; group: string; raw: string }[]
  archives: { version: string; platform: string; downSize?: number; installSize?: number; sha512?: string }[]
  maintainer?: unknown
  /** The installed version (any scope), or null. */
  installed: string | null
}

/** Every registry's match for a source like `vim`, `@core/vim` or `#handle@core/vim`. */
function installedVersion(ctx: Context, handle: string, repo: string, name: string): string | null {
  for (const layout of installedScopes(ctx)) {
    const row = installedRows(layout).find((r) => r.handle === handle && r.repo === repo && r.name === name)
    if (row) return row.version
  }
  return null
}

export async function showPackage(ctx: Context, source: string): Promise<PackageDetails[]> {
  const spec = parseSource(source)
  if (spec.kind !== 'name') throw new ZoiError('USAGE', `show takes a package name, not a file: '${source}'`)
  const asked = spec.versionSpec !== undefined || spec.channel !== undefined
  return withCatalog(ctx, (set) => {
    const found = set.packages(spec.name, { handle: spec.handle, repo: spec.repo })
    if (found.length === 0) {
      throw unknownPackage(source, `not found in ${set.registries.map((r) => `'${r.handle}'`).join(', ')}`, indexNames(set), `try 'zoi search ${spec.name}'`)
    }
    return found.map(({ registry, pkg }) => ({
      ...summaryOf(registry.handle, { ...pkg, version: defaultVersionOf(pkg) }),
      ...askedVersion(registry.handle, pkg, spec),
      path: pkg.path,
      license: pkg.license,
      website: pkg.website,
      bins: pkg.bins,
      tags: pkg.tags,
      types: pkg.types,
      platforms: pkg.platforms,
      subPackages: pkg.subPackages,
      channels: pkg.channels,
      dependencies: pkg.dependencies,
      archives: registry.index.archivesOf(pkg.repo, pkg.name).filter((a) => !asked || a.version === askedVersion(registry.handle, pkg, spec).version).map((a) => ({ version: a.version, platform: a.platform, downSize: a.downSize, installSize: a.installSize, sha512: a.sha512 })),
      maintainer: (pkg.spec as { maintainer?: unknown } | null)?.maintainer,
      installed: installedVersion(ctx, registry.handle, pkg.repo, pkg.name),
    }))
  })
}

/**
 * `show name@1.0.0` / `name@stable` / `name@@beta`: the version asked for, which must be one
 * the definition names (its version or a channel's); without one, the version install picks.
 */
function askedVersion(handle: string, pkg: PackageRow, spec: { versionSpec?: string; channel?: string }): { version: string } | Record<string, never> {
  const versions = toCandidates(handle, pkg).map((c) => c.version)
  if (spec.channel !== undefined || spec.versionSpec !== undefined) {
    const word = (spec.channel ?? spec.versionSpec)!
    const version = spec.channel === undefined && versions.includes(word) ? word : pkg.channels[word]
    if (version !== undefined) return { version }
    const channels = Object.keys(pkg.channels).sort()
    versions.sort(compareVersions)
    throw new ZoiError('NOT_FOUND', `${pkg.name} has no ${spec.channel === undefined ? 'version or channel' : 'channel'} '${word}'`, {
      hint: `versions: ${versions.join(', ') || 'none'}${channels.length ? `; channels: ${channels.join(', ')}` : ''}`,
    })
  }
  return {}
}

/** Every name worth completing: the synced index and what is installed, sorted, once each. */
export function knownPackageNames(ctx: Context): string[] {
  const set = openCatalog(ctx)
  try {
    const installed = installedScopes(ctx).flatMap(installedRows).map((r) => r.name)
    return [...new Set([...indexNames(set), ...installed])].sort()
  } finally {
    set.close()
  }
}
