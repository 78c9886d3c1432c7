/**
 * Catalog look-ups for one resolution, memoised (a closure of 1,000 packages asks for the same
 * names many times). Installed packages take part too: an installed version the index no longer
 * lists is still a candidate, and a pinned identity has only its pinned version.
 * Rows excluded by `platform` are returned apart, so a failure can say why.
 */
import {
  compareCandidates,
  installedAsCatalogPackage,
  providedName,
  type Catalog,
  type CatalogPackage,
  type InstalledPackage,
} from './catalog.ts'
import { formatPackageKey, matchesPlatform, matchesScope, type PackageScope } from './package-ref.ts'
import { compareVersions } from './version.ts'

export interface LookupContext {
  readonly catalog: Catalog
  /** `<os>-<arch>` to install for; undefined = do not filter by platform. */
  readonly platform?: string
  /** Registry searched first for names without `#handle`. */
  readonly defaultHandle?: string
  readonly installed: readonly InstalledPackage[]
  readonly installedByKey: ReadonlyMap<string, InstalledPackage>
  /** The rows a pinned identity is limited to; undefined when it is not pinned. */
  pinnedRows(key: string): CatalogPackage[] | undefined
  /** Answers already fetched during this resolution. */
  readonly memo: LookupMemo
}

export interface FoundRows {
  readonly rows: CatalogPackage[]
  /** Rows that exist but not for the requested platform. */
  readonly hidden: CatalogPackage[]
}

export interface LookupMemo {
  readonly rows: Map<string, FoundRows>
  readonly providers: Map<string, FoundRows>
  readonly keys: Map<string, CatalogPackage[]>
}

export function createLookupContext(
  catalog: Catalog,
  installed: readonly InstalledPackage[],
  options: { platform?: string; defaultHandle?: string } = {},
): LookupContext {
  const installedByKey = new Map<string, InstalledPackage>()
  for (const pkg of installed) if (!installedByKey.has(formatPackageKey(pkg))) installedByKey.set(formatPackageKey(pkg), pkg)
  const ctx: LookupContext = {
    catalog,
    ...(options.platform !== undefined ? { platform: options.platform } : {}),
    ...(options.defaultHandle !== undefined ? { defaultHandle: options.defaultHandle } : {}),
    installed,
    installedByKey,
    pinnedRows(key) {
      const held = installedByKey.get(key)
      if (held?.pinned === undefined) return undefined
      const pinned = held.pinned
      const rows = rowsForKey(ctx, key).filter((p) => compareVersions(p.version, pinned) === 0)
      return rows.length > 0 ? rows : [{ ...installedAsCatalogPackage(held), version: pinned }]
    },
    memo: { rows: new Map(), providers: new Map(), keys: new Map() },
  }
  return ctx
}

/** Every version of packages really named `name` within the scope, newest first. */
export function findRows(ctx: LookupContext, name: string, scope: PackageScope): FoundRows {
  const memo = ctx.memo.rows
  const id = `${name}|${scope.handle ?? ''}|${scope.repo ?? ''}`
  let found = memo.get(id)
  if (found === undefined) {
    const listed = ctx.catalog.candidates(name, scope).filter((p) => p.name === name && matchesScope(p, scope))
    found = withInstalled(ctx, listed, (i) => i.name === name && matchesScope(i, scope))
    memo.set(id, found)
  }
  return found
}

/** Every version of packages that provide the virtual `name` within the scope, newest first. */
export function findProviders(ctx: LookupContext, name: string, scope: PackageScope): FoundRows {
  const memo = ctx.memo.providers
  const id = `${name}|${scope.handle ?? ''}|${scope.repo ?? ''}`
  let found = memo.get(id)
  if (found === undefined) {
    const provides = (p: { provides: readonly string[] }) => p.provides.some((entry) => providedName(entry) === name)
    const listed = ctx.catalog.providers(name).filter((p) => matchesScope(p, scope) && provides(p))
    found = withInstalled(ctx, listed, (i) => matchesScope(i, scope) && provides(i))
    memo.set(id, found)
  }
  return found
}

/** Every version of one identity (`#handle@repo/name`), newest first. */
export function rowsForKey(ctx: LookupContext, key: string): CatalogPackage[] {
  const memo = ctx.memo.keys
  let rows = memo.get(key)
  if (rows === undefined) {
    const [, handle = '', repo = '', name = ''] = /^#([^@]*)@(.*)\/([^/]+)$/.exec(key) ?? []
    rows = findRows(ctx, name, { handle, repo }).rows.filter((p) => formatPackageKey(p) === key)
    memo.set(key, rows)
  }
  return rows
}

function withInstalled(ctx: LookupContext, listed: CatalogPackage[], wanted: (i: InstalledPackage) => boolean): FoundRows {
  const platform = ctx.platform
  const rows = platform === undefined ? listed : listed.filter((p) => matchesPlatform(p.platforms, platform))
  const hidden = platform === undefined ? [] : listed.filter((p) => !matchesPlatform(p.platforms, platform))
  for (const held of ctx.installed) {
    if (!wanted(held)) continue
    const key = formatPackageKey(held)
    const known = rows.some((p) => formatPackageKey(p) === key && compareVersions(p.version, held.version) === 0)
    if (!known) rows.push(installedAsCatalogPackage(held))
  }
  return { rows: [...rows].sort(compareCandidates), hidden }
}
